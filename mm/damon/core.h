/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the context code (core.c, commit.c, probes.c, sample.c, and apply.c
 * for the kdamond's wakeups) shares, and the KUnit suites with it.  Not an
 * API.
 */

#ifndef _MM_DAMON_CORE_H
#define _MM_DAMON_CORE_H

#include <linux/damon.h>

/* Probes: mm/damon/probes.c */
void damon_destroy_probes(struct list_head *probes);
bool damon_ctx_has_preps(const struct damon_ctx *ctx);
int damon_check_probes(const struct damon_ctx *ctx,
		       const struct damon_attrs *attrs);

/* Sample control: mm/damon/sample.c */
void damon_destroy_sample_filters(struct list_head *filters);
int damon_check_sample(const struct damon_ctx *ctx);
int damon_copy_sample(struct damon_sample_control *copy,
		      const struct damon_ctx *src);
void damon_install_sample(struct damon_ctx *dst,
			  struct damon_sample_control *copy);
struct damon_fault_report;
void damon_sample_account_reports(struct damon_ctx *ctx,
				  struct damon_fault_report *reports,
				  unsigned int nr);

/* Contexts: mm/damon/core.c */
int damon_validate_ctx(struct damon_ctx *ctx);
void damon_assert_ctx_owned(struct damon_ctx *ctx);
void damon_kdamond_kick(struct damon_ctx *ctx);
bool damon_called_by_kdamond(struct damon_ctx *ctx);

#endif	/* _MM_DAMON_CORE_H */
