/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the context code (core.c, commit.c, probes.c) shares, and the
 * KUnit suites with it.  Not an API.
 */

#ifndef _MM_DAMON_CORE_H
#define _MM_DAMON_CORE_H

#include <linux/bug.h>
#include <linux/damon.h>

/* Probes: mm/damon/probes.c */
void damon_destroy_probes(struct damon_ctx *ctx);
bool damon_ctx_has_preps(const struct damon_ctx *ctx);
unsigned long damon_window_samples(const struct damon_attrs *attrs);
int damon_check_probes(const struct damon_ctx *ctx,
		       const struct damon_attrs *attrs);

/* Contexts: mm/damon/core.c */
int damon_validate_ctx(struct damon_ctx *ctx);

/**
 * damon_assert_ctx_owned() - Check that the caller may change a context.
 * @ctx:	The context.
 *
 * A context belongs to its kdamond while it runs, and to whoever holds it
 * otherwise: others change a running context only through damon_call().
 * Warns once if the caller is neither.  The check reads the kdamond state
 * without its lock, so it can miss a violation, but never reports a
 * caller that follows the rule.
 */
static inline void damon_assert_ctx_owned(struct damon_ctx *ctx)
{
	struct task_struct *kdamond = READ_ONCE(ctx->kdamond);
	/* pairs with kdamond_finish(): a finished kdamond owns nothing */
	bool finished = smp_load_acquire(&ctx->kdamond_finished);

	WARN_ON_ONCE(kdamond && kdamond != current && !finished);
}

#endif	/* _MM_DAMON_CORE_H */
