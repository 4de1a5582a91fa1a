/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the files of the DAMON sysfs interface share: the data of the
 * directories that more than one file reads, and the functions between
 * them.
 */

#ifndef __MM_DAMON_SYSFS_H
#define __MM_DAMON_SYSFS_H

#include <linux/damon.h>

#include "sysfs-common.h"

/* ==================== kdamonds/<K> ==================== */

enum damon_sysfs_kdamond_child {
	DAMON_SYSFS_KDAMOND_CONTEXTS,
};

/**
 * struct damon_sysfs_kdamond - kdamonds/<K>.
 * @ctx:		The context started by "on", until "off" or until it
 *			is reaped after its kdamond stopped on its own.
 * @refresh_ms:		Period of the kdamond's own refresh; 0 = none.
 * @refresh_next:	jiffies of the next refresh.  The kdamond's own.
 * @refresh_call:	The repeated damon_call() doing the refresh.
 * @busy:		A command waits for the kdamond, without
 *			damon_sysfs_lock: other commands fail with -EBUSY,
 *			and @ctx stays.
 */
struct damon_sysfs_kdamond {
	struct damon_ctx *ctx;
	unsigned int refresh_ms;
	unsigned long refresh_next;
	struct damon_call_control refresh_call;
	bool busy;
};

extern const struct damon_sysfs_type damon_sysfs_kdamonds_type;

int damon_sysfs_run_in_kdamond(struct damon_ctx *ctx, int (*fn)(void *data),
			       void *data);
void damon_sysfs_wait_begin(struct damon_sysfs_dir *kdamond,
			    struct damon_sysfs_dir *context);
bool damon_sysfs_wait_end(struct damon_sysfs_dir *kdamond,
			  struct damon_sysfs_dir *context);

/* ==================== contexts/<C> ==================== */

enum damon_sysfs_context_child {
	DAMON_SYSFS_CONTEXT_ATTRS,
	DAMON_SYSFS_CONTEXT_TARGETS,
	DAMON_SYSFS_CONTEXT_SCHEMES,
};

enum damon_sysfs_attrs_child {
	DAMON_SYSFS_ATTRS_INTERVALS,
	DAMON_SYSFS_ATTRS_NR_REGIONS,
	DAMON_SYSFS_ATTRS_PROBES,
	DAMON_SYSFS_ATTRS_SAMPLE,
};

/**
 * struct damon_sysfs_intervals - monitoring_attrs/intervals.
 * @sample_us:	Sampling interval.
 * @aggr_us:	Aggregation interval.
 * @update_us:	Operations update interval.
 */
struct damon_sysfs_intervals {
	unsigned long sample_us;
	unsigned long aggr_us;
	unsigned long update_us;
};

extern const struct damon_sysfs_type damon_sysfs_contexts_type;

struct damon_sysfs_dir *
damon_sysfs_kdamond_context(struct damon_sysfs_dir *kdamond);
struct damon_ctx *damon_sysfs_build_ctx(struct damon_sysfs_dir *context);

/* ==================== monitoring_attrs/probes ==================== */

extern const struct damon_sysfs_type damon_sysfs_probes_type;

int damon_sysfs_add_probes(struct damon_ctx *ctx,
			   struct damon_sysfs_dir *probes);

/* ==================== monitoring_attrs/sample ==================== */

extern const struct damon_sysfs_type damon_sysfs_sample_type;

int damon_sysfs_set_sample(struct damon_ctx *ctx,
			   struct damon_sysfs_dir *sample);

/* ==================== contexts/<C>/schemes ==================== */

/* What damon_sysfs_schemes_snap_install() and refresh_ms update. */
#define DAMON_SYSFS_UPDATE_STATS		BIT(0)
#define DAMON_SYSFS_UPDATE_QUOTAS		BIT(1)
#define DAMON_SYSFS_UPDATE_TUNED_INTERVALS	BIT(2)

extern const struct damon_sysfs_type damon_sysfs_schemes_type;

int damon_sysfs_add_schemes(struct damon_ctx *ctx,
			    struct damon_sysfs_dir *schemes);
struct damon_sysfs_schemes_snap;

struct damon_sysfs_schemes_snap *
damon_sysfs_schemes_snap_new(struct damon_sysfs_dir *schemes);
void damon_sysfs_schemes_snap_take(struct damon_sysfs_schemes_snap *snap,
				   struct damon_ctx *ctx);
void damon_sysfs_schemes_snap_install(const struct damon_sysfs_schemes_snap *snap,
				      struct damon_sysfs_dir *schemes,
				      unsigned int what);
void damon_sysfs_schemes_snap_free(struct damon_sysfs_schemes_snap *snap);
int damon_sysfs_commit_quota_goals(struct damon_sysfs_dir *kdamond,
				   struct damon_sysfs_dir *context,
				   struct damon_ctx *ctx);
int damon_sysfs_update_tried_regions(struct damon_sysfs_dir *kdamond,
				     struct damon_sysfs_dir *context,
				     struct damon_ctx *ctx, bool bytes_only);
void damon_sysfs_clear_tried_regions(struct damon_sysfs_dir *schemes);

#endif /* __MM_DAMON_SYSFS_H */
