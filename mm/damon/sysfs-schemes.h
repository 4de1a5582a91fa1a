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
 * @fail_charge_num:	Share of the bytes an action failed on that is
 *			charged, numerator.
 * @fail_charge_denom:	Its denominator; 0 charges them all.
 */
struct damon_sysfs_quotas {
	unsigned long ms;
	unsigned long bytes;
	unsigned long reset_interval_ms;
	unsigned long effective_bytes;
	int goal_tuner;
	unsigned int fail_charge_num;
	unsigned int fail_charge_denom;
};

/**
 * struct damon_sysfs_goal - quotas/goals/<G>.
 * @metric:		An &enum damos_quota_goal_metric.
 * @target_value:	The value to aim at.
 * @current_value:	The value last measured, or given by the user.
 * @nid:		The node of node_* metrics.
 * @path:		The memcg path of node_memcg_* metrics.
 * @complement:		Aim at the complement of the metric.
 *
 * A goal whose @target_value is 0 is not given to the core: it is as if
 * the directory were not there.
 */
struct damon_sysfs_goal {
	int metric;
	unsigned long target_value;
	unsigned long current_value;
	int nid;
	char *path;
	bool complement;
};

/**
 * damon_sysfs_goal_used() - Whether a goal directory makes a goal.
 * @goal:	The goal directory's data.
 *
 * Return: true if the goal goes to the core.
 */
static inline bool damon_sysfs_goal_used(const struct damon_sysfs_goal *goal)
{
	return goal->target_value;
}

/**
 * struct damon_sysfs_stats - schemes/<S>/stats.
 * @stat:		The statistics, as last updated.
 * @max_nr_snapshots:	Deactivate the scheme after that many snapshots.
 */
struct damon_sysfs_stats {
	struct damos_stat stat;
	unsigned long max_nr_snapshots;
};

enum damon_sysfs_tried_region_child {
	DAMON_SYSFS_TRIED_REGION_PROBES,
};

/**
 * struct damon_sysfs_probe_hits - tried_regions/<R>/probes/<P>.
 * @hits:	The region's moving sum of the hits of probe P.
 */
struct damon_sysfs_probe_hits {
	unsigned int hits;
};

/**
 * struct damon_sysfs_tried_region - tried_regions/<R>.
 * @start:		Start address.
 * @end:		End address.
 * @nr_accesses:	Access frequency: the moving sum of the accesses.
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
 * @table:		What schemes/<S>/tried_regions_all shows: the
 *			numbered directories as text, one line each, made
 *			from the same snapshot.  kvmalloc()ed, or NULL.
 * @table_len:		Length of @table.
 */
struct damon_sysfs_tried_regions {
	unsigned long total_bytes;
	char *table;
	size_t table_len;
};

void damon_sysfs_tried_regions_release(struct damon_sysfs_dir *tried);
ssize_t damon_sysfs_tried_regions_all_read(struct damon_sysfs_dir *scheme,
					   char *buf, loff_t off,
					   size_t count);

int damon_sysfs_add_goals(struct damos_quota *quota,
			  struct damon_sysfs_dir *goals);

#endif /* __MM_DAMON_SYSFS_SCHEMES_H */
