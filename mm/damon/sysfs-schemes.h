/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The data of the directories under contexts/<C>/schemes, shared by the
 * files that define the tree (sysfs-schemes.c) and that fill it from a
 * running kdamond (sysfs-schemes-update.c).
 */

#ifndef __MM_DAMON_SYSFS_SCHEMES_H
#define __MM_DAMON_SYSFS_SCHEMES_H

#include "sysfs.h"

enum damon_sysfs_scheme_child {
	DAMON_SYSFS_SCHEME_ACCESS_PATTERN,
	DAMON_SYSFS_SCHEME_QUOTAS,
	DAMON_SYSFS_SCHEME_WATERMARKS,
	DAMON_SYSFS_SCHEME_FILTERS,
	DAMON_SYSFS_SCHEME_CORE_FILTERS,
	DAMON_SYSFS_SCHEME_OPS_FILTERS,
	DAMON_SYSFS_SCHEME_DESTS,
	DAMON_SYSFS_SCHEME_STATS,
	DAMON_SYSFS_SCHEME_TRIED_REGIONS,
};

enum damon_sysfs_quotas_child {
	DAMON_SYSFS_QUOTAS_WEIGHTS,
	DAMON_SYSFS_QUOTAS_GOALS,
};

/**
 * struct damon_sysfs_quotas - schemes/<S>/quotas.
 * @ms:			Time quota.
 * @bytes:		Size quota.
 * @reset_interval_ms:	Charging period.
 * @effective_bytes:	The effective size quota, as last updated.
 * @goal_tuner:		An &enum damos_quota_goal_tuner.
 */
struct damon_sysfs_quotas {
	unsigned long ms;
	unsigned long bytes;
	unsigned long reset_interval_ms;
	unsigned long effective_bytes;
	int goal_tuner;
};

/**
 * struct damon_sysfs_goal - quotas/goals/<G>.
 * @metric:		An &enum damos_quota_goal_metric.
 * @target_value:	The value to aim at.
 * @current_value:	The value last measured, or given by the user.
 * @nid:		The node of node_* metrics.
 * @path:		The memcg path of node_memcg_* metrics.
 */
struct damon_sysfs_goal {
	int metric;
	unsigned long target_value;
	unsigned long current_value;
	int nid;
	char *path;
};

/**
 * struct damon_sysfs_stats - schemes/<S>/stats.
 * @stat:		The statistics, as last updated.
 * @max_nr_snapshots:	Deactivate the scheme after that many snapshots.
 */
struct damon_sysfs_stats {
	struct damos_stat stat;
	unsigned long max_nr_snapshots;
};

/**
 * struct damon_sysfs_tried_region - tried_regions/<R>.
 * @start:		Start address.
 * @end:		End address.
 * @nr_accesses:	Access frequency.
 * @age:		Age.
 * @sz_filter_passed:	Bytes that passed the ops filters.
 */
struct damon_sysfs_tried_region {
	unsigned long start;
	unsigned long end;
	unsigned int nr_accesses;
	unsigned int age;
	unsigned long sz_filter_passed;
};

/**
 * struct damon_sysfs_tried_regions - schemes/<S>/tried_regions.
 * @total_bytes:	Bytes of the regions the scheme was last tried on.
 */
struct damon_sysfs_tried_regions {
	unsigned long total_bytes;
};

int damon_sysfs_add_goals(struct damos_quota *quota,
			  struct damon_sysfs_dir *goals);

#endif /* __MM_DAMON_SYSFS_SCHEMES_H */
