// SPDX-License-Identifier: GPL-2.0
/*
 * DAMON sysfs interface: the contexts/<C>/schemes tree, and building the
 * schemes of a &struct damon_ctx from it.
 */

#include <linux/limits.h>
#include <linux/slab.h>

#include "sysfs-schemes.h"

/* ==================== Name tables ==================== */

static const struct damon_sysfs_names damon_sysfs_metric_names = {
	.names = damos_quota_goal_metric_names,
	.nr = NR_DAMOS_QUOTA_GOAL_METRICS,
};

static const struct damon_sysfs_names damon_sysfs_tuner_names = {
	.names = damos_quota_goal_tuner_names,
	.nr = NR_DAMOS_QUOTA_GOAL_TUNERS,
};

static const struct damon_sysfs_names damon_sysfs_wmark_names = {
	.names = damos_wmark_metric_names,
	.nr = NR_DAMOS_WMARK_METRICS,
};

static const struct damon_sysfs_names damon_sysfs_filter_names = {
	.names = damos_filter_type_names,
	.nr = NR_DAMOS_FILTER_TYPES,
};

static const struct damon_sysfs_names damon_sysfs_action_names = {
	.names = damos_action_names,
	.nr = NR_DAMOS_ACTIONS,
};

/* ==================== access_pattern ==================== */

/* A range starts as wide as its max file allows: everything matches. */
static void damon_sysfs_range_init(struct damon_sysfs_dir *dir)
{
	struct damon_size_range *range = damon_sysfs_data(dir);

	range->max = ULONG_MAX;
}

static const struct damon_sysfs_attr damon_sysfs_ul_range_attrs[] = {
	DAMON_SYSFS_RW_UL(min, struct damon_size_range, min),
	DAMON_SYSFS_RW_UL(max, struct damon_size_range, max),
};

static const struct damon_sysfs_type damon_sysfs_ul_range_type = {
	.data_size = sizeof(struct damon_size_range),
	DAMON_SYSFS_ATTRS(damon_sysfs_ul_range_attrs),
	.init = damon_sysfs_range_init,
};

enum damon_sysfs_pattern_child {
	DAMON_SYSFS_PATTERN_SZ,
	DAMON_SYSFS_PATTERN_NR_ACCESSES,
	DAMON_SYSFS_PATTERN_AGE,
};

static const struct damon_sysfs_child damon_sysfs_pattern_children[] = {
	[DAMON_SYSFS_PATTERN_SZ] = { "sz", &damon_sysfs_ul_range_type },
	[DAMON_SYSFS_PATTERN_NR_ACCESSES] = {
		"nr_accesses", &damon_sysfs_ul_range_type },
	[DAMON_SYSFS_PATTERN_AGE] = { "age", &damon_sysfs_ul_range_type },
};

static const struct damon_sysfs_type damon_sysfs_pattern_type = {
	DAMON_SYSFS_CHILDREN(damon_sysfs_pattern_children),
};

/* ==================== quotas ==================== */

static const struct damon_sysfs_attr damon_sysfs_weights_attrs[] = {
	DAMON_SYSFS_RW_UINT(sz_permil, struct damos_quota, weight_sz),
	DAMON_SYSFS_RW_UINT(nr_accesses_permil, struct damos_quota,
			    weight_nr_accesses),
	DAMON_SYSFS_RW_UINT(age_permil, struct damos_quota, weight_age),
};

static const struct damon_sysfs_type damon_sysfs_weights_type = {
	.data_size = sizeof(struct damos_quota),
	DAMON_SYSFS_ATTRS(damon_sysfs_weights_attrs),
};

/*
 * Any node and path are taken: "on" and "commit" resolve the path of
 * node_memcg_* goals, and a node that is not online measures nothing.
 */
static const struct damon_sysfs_attr damon_sysfs_goal_attrs[] = {
	DAMON_SYSFS_RW_NAME(target_metric, struct damon_sysfs_goal, metric,
			    &damon_sysfs_metric_names),
	DAMON_SYSFS_RW_UL(target_value, struct damon_sysfs_goal,
			  target_value),
	DAMON_SYSFS_RW_UL(current_value, struct damon_sysfs_goal,
			  current_value),
	DAMON_SYSFS_RW(nid, DAMON_SYSFS_INT, struct damon_sysfs_goal, nid,
		       .min = (unsigned long)INT_MIN, .max = INT_MAX),
	DAMON_SYSFS_RW(path, DAMON_SYSFS_STR, struct damon_sysfs_goal, path),
	DAMON_SYSFS_RW_BOOL(complement, struct damon_sysfs_goal, complement),
};

static const struct damon_sysfs_type damon_sysfs_goal_type = {
	.data_size = sizeof(struct damon_sysfs_goal),
	DAMON_SYSFS_ATTRS(damon_sysfs_goal_attrs),
};

static const struct damon_sysfs_attr damon_sysfs_goals_attrs[] = {
	DAMON_SYSFS_NR_ATTR(nr_goals),
};

static const struct damon_sysfs_type damon_sysfs_goals_type = {
	DAMON_SYSFS_ATTRS(damon_sysfs_goals_attrs),
	.item_type = &damon_sysfs_goal_type,
};

static const struct damon_sysfs_attr damon_sysfs_quotas_attrs[] = {
	DAMON_SYSFS_RW_UL(ms, struct damon_sysfs_quotas, ms),
	DAMON_SYSFS_RW_UL(bytes, struct damon_sysfs_quotas, bytes),
	DAMON_SYSFS_RW_UL(reset_interval_ms, struct damon_sysfs_quotas,
			  reset_interval_ms),
	DAMON_SYSFS_RO_UL(effective_bytes, struct damon_sysfs_quotas,
			  effective_bytes),
	DAMON_SYSFS_RW_NAME(goal_tuner, struct damon_sysfs_quotas, goal_tuner,
			    &damon_sysfs_tuner_names),
	/* num > denom is valid: failures then cost more than successes */
	DAMON_SYSFS_RW_UINT(fail_charge_num, struct damon_sysfs_quotas,
			    fail_charge_num),
	DAMON_SYSFS_RW_UINT(fail_charge_denom, struct damon_sysfs_quotas,
			    fail_charge_denom),
};

static const struct damon_sysfs_child damon_sysfs_quotas_children[] = {
	[DAMON_SYSFS_QUOTAS_WEIGHTS] = {
		"weights", &damon_sysfs_weights_type },
	[DAMON_SYSFS_QUOTAS_GOALS] = { "goals", &damon_sysfs_goals_type },
};

static const struct damon_sysfs_type damon_sysfs_quotas_type = {
	.data_size = sizeof(struct damon_sysfs_quotas),
	DAMON_SYSFS_ATTRS(damon_sysfs_quotas_attrs),
	DAMON_SYSFS_CHILDREN(damon_sysfs_quotas_children),
};

/* ==================== watermarks ==================== */

static const struct damon_sysfs_attr damon_sysfs_wmarks_attrs[] = {
	DAMON_SYSFS_RW_NAME(metric, struct damos_watermarks, metric,
			    &damon_sysfs_wmark_names),
	DAMON_SYSFS_RW_UL(interval_us, struct damos_watermarks, interval),
	DAMON_SYSFS_RW_UL(high, struct damos_watermarks, high),
	DAMON_SYSFS_RW_UL(mid, struct damos_watermarks, mid),
	DAMON_SYSFS_RW_UL(low, struct damos_watermarks, low),
};

static const struct damon_sysfs_type damon_sysfs_wmarks_type = {
	.data_size = sizeof(struct damos_watermarks),
	DAMON_SYSFS_ATTRS(damon_sysfs_wmarks_attrs),
};

/* ==================== filters, core_filters, ops_filters ==================== */

/**
 * struct damon_sysfs_filter - <filters>/<F>.
 * @type:		An &enum damos_filter_type.
 * @matching:		Applies to memory with the property, or without.
 * @allow:		Allows the memory it applies to, or rejects it.
 * @memcg_path:		The memcg of memcg filters.
 * @addr:		The range of addr filters.
 * @target_idx:		The target index of target filters.
 * @range:		The min and max files: the folio size range of
 *			hugepage_size filters, the weighted probe hit sum
 *			range of probe_hits_wsum filters.
 */
struct damon_sysfs_filter {
	int type;
	bool matching;
	bool allow;
	char *memcg_path;
	struct damon_addr_range addr;
	int target_idx;
	struct damon_size_range range;
};

/* Whether filter directory @dir is in the scheme's directory @list. */
static bool damon_sysfs_filter_in(struct damon_sysfs_dir *dir,
				  enum damon_sysfs_scheme_child list)
{
	struct damon_sysfs_dir *scheme = damon_sysfs_ancestor(dir, 2);

	return dir->parent == scheme->children[list];
}

/* core_filters and ops_filters take only the types of their stage. */
static int damon_sysfs_check_filter_type(struct damon_sysfs_dir *dir,
					 const void *val)
{
	bool for_ops = damos_filter_for_ops(*(const int *)val);

	if ((damon_sysfs_filter_in(dir, DAMON_SYSFS_SCHEME_CORE_FILTERS) &&
	     for_ops) ||
	    (damon_sysfs_filter_in(dir, DAMON_SYSFS_SCHEME_OPS_FILTERS) &&
	     !for_ops))
		return -EINVAL;
	return 0;
}

static void damon_sysfs_filter_init(struct damon_sysfs_dir *dir)
{
	struct damon_sysfs_filter *filter = damon_sysfs_data(dir);

	filter->type =
		damon_sysfs_filter_in(dir, DAMON_SYSFS_SCHEME_CORE_FILTERS) ?
		DAMOS_FILTER_TYPE_ADDR : DAMOS_FILTER_TYPE_ANON;
	filter->range.max = ULONG_MAX;
}

/*
 * The arguments are only staged: "on" and "commit" resolve memcg_path,
 * and the core refuses inverted ranges.  Only a type of the wrong stage
 * is refused here.
 */
static const struct damon_sysfs_attr damon_sysfs_filter_attrs[] = {
	DAMON_SYSFS_RW_NAME(type, struct damon_sysfs_filter, type,
			    &damon_sysfs_filter_names,
			    .check = damon_sysfs_check_filter_type),
	DAMON_SYSFS_RW_BOOL(matching, struct damon_sysfs_filter, matching),
	DAMON_SYSFS_RW_BOOL(allow, struct damon_sysfs_filter, allow),
	DAMON_SYSFS_RW(memcg_path, DAMON_SYSFS_STR, struct damon_sysfs_filter,
		       memcg_path),
	DAMON_SYSFS_RW_UL(addr_start, struct damon_sysfs_filter, addr.start),
	DAMON_SYSFS_RW_UL(addr_end, struct damon_sysfs_filter, addr.end),
	DAMON_SYSFS_RW(damon_target_idx, DAMON_SYSFS_INT,
		       struct damon_sysfs_filter, target_idx,
		       .min = (unsigned long)INT_MIN, .max = INT_MAX),
	DAMON_SYSFS_RW_UL(min, struct damon_sysfs_filter, range.min),
	DAMON_SYSFS_RW_UL(max, struct damon_sysfs_filter, range.max),
};

static const struct damon_sysfs_type damon_sysfs_filter_type = {
	.data_size = sizeof(struct damon_sysfs_filter),
	DAMON_SYSFS_ATTRS(damon_sysfs_filter_attrs),
	.init = damon_sysfs_filter_init,
};

static const struct damon_sysfs_attr damon_sysfs_filters_attrs[] = {
	DAMON_SYSFS_NR_ATTR(nr_filters),
};

/* filters, core_filters and ops_filters alike; see damon_sysfs_filter_in() */
static const struct damon_sysfs_type damon_sysfs_filters_type = {
	DAMON_SYSFS_ATTRS(damon_sysfs_filters_attrs),
	.item_type = &damon_sysfs_filter_type,
};

/* ==================== dests ==================== */

/**
 * struct damon_sysfs_dest - dests/<D>.
 * @id:		Node id.  Any is taken; nodes that are not online get no
 *		memory.
 * @weight:	Its weight.
 */
struct damon_sysfs_dest {
	unsigned int id;
	unsigned int weight;
};

static const struct damon_sysfs_attr damon_sysfs_dest_attrs[] = {
	DAMON_SYSFS_RW_UINT(id, struct damon_sysfs_dest, id),
	DAMON_SYSFS_RW_UINT(weight, struct damon_sysfs_dest, weight),
};

static const struct damon_sysfs_type damon_sysfs_dest_type = {
	.data_size = sizeof(struct damon_sysfs_dest),
	DAMON_SYSFS_ATTRS(damon_sysfs_dest_attrs),
};

static const struct damon_sysfs_attr damon_sysfs_dests_attrs[] = {
	DAMON_SYSFS_NR_ATTR(nr_dests),
};

static const struct damon_sysfs_type damon_sysfs_dests_type = {
	DAMON_SYSFS_ATTRS(damon_sysfs_dests_attrs),
	.item_type = &damon_sysfs_dest_type,
};

/* ==================== stats and tried_regions ==================== */

static const struct damon_sysfs_attr damon_sysfs_stats_attrs[] = {
	DAMON_SYSFS_RO_UL(nr_tried, struct damon_sysfs_stats, stat.nr_tried),
	DAMON_SYSFS_RO_UL(sz_tried, struct damon_sysfs_stats, stat.sz_tried),
	DAMON_SYSFS_RO_UL(nr_applied, struct damon_sysfs_stats,
			  stat.nr_applied),
	DAMON_SYSFS_RO_UL(sz_applied, struct damon_sysfs_stats,
			  stat.sz_applied),
	DAMON_SYSFS_RO_UL(sz_ops_filter_passed, struct damon_sysfs_stats,
			  stat.sz_ops_filter_passed),
	DAMON_SYSFS_RO_UL(qt_exceeds, struct damon_sysfs_stats,
			  stat.qt_exceeds),
	DAMON_SYSFS_RO_UL(nr_snapshots, struct damon_sysfs_stats,
			  stat.nr_snapshots),
	DAMON_SYSFS_RW_UL(max_nr_snapshots, struct damon_sysfs_stats,
			  max_nr_snapshots),
};

static const struct damon_sysfs_type damon_sysfs_stats_type = {
	.data_size = sizeof(struct damon_sysfs_stats),
	DAMON_SYSFS_ATTRS(damon_sysfs_stats_attrs),
};

static const struct damon_sysfs_attr damon_sysfs_probe_hits_attrs[] = {
	DAMON_SYSFS_RO(hits, DAMON_SYSFS_UINT, struct damon_sysfs_probe_hits,
		       hits),
};

static const struct damon_sysfs_type damon_sysfs_probe_hits_type = {
	.data_size = sizeof(struct damon_sysfs_probe_hits),
	DAMON_SYSFS_ATTRS(damon_sysfs_probe_hits_attrs),
};

/* One numbered directory per probe of the kdamond, made by the update. */
static const struct damon_sysfs_type damon_sysfs_tried_probes_type = {
	.item_type = &damon_sysfs_probe_hits_type,
	.max_items = DAMON_MAX_PROBES,
};

static const struct damon_sysfs_attr damon_sysfs_tried_region_attrs[] = {
	DAMON_SYSFS_RO_UL(start, struct damon_sysfs_tried_region, start),
	DAMON_SYSFS_RO_UL(end, struct damon_sysfs_tried_region, end),
	DAMON_SYSFS_RO(nr_accesses, DAMON_SYSFS_UINT,
		       struct damon_sysfs_tried_region, nr_accesses),
	DAMON_SYSFS_RO(age, DAMON_SYSFS_UINT, struct damon_sysfs_tried_region,
		       age),
	DAMON_SYSFS_RO_UL(sz_filter_passed, struct damon_sysfs_tried_region,
			  sz_filter_passed),
};

static const struct damon_sysfs_child damon_sysfs_tried_region_children[] = {
	[DAMON_SYSFS_TRIED_REGION_PROBES] = {
		"probes", &damon_sysfs_tried_probes_type },
};

static const struct damon_sysfs_type damon_sysfs_tried_region_type = {
	.data_size = sizeof(struct damon_sysfs_tried_region),
	DAMON_SYSFS_ATTRS(damon_sysfs_tried_region_attrs),
	DAMON_SYSFS_CHILDREN(damon_sysfs_tried_region_children),
};

/* The numbered regions are made by the update commands, not by a file. */
static const struct damon_sysfs_attr damon_sysfs_tried_regions_attrs[] = {
	DAMON_SYSFS_RO_UL(total_bytes, struct damon_sysfs_tried_regions,
			  total_bytes),
};

static const struct damon_sysfs_type damon_sysfs_tried_regions_type = {
	.data_size = sizeof(struct damon_sysfs_tried_regions),
	DAMON_SYSFS_ATTRS(damon_sysfs_tried_regions_attrs),
	.item_type = &damon_sysfs_tried_region_type,
	.release = damon_sysfs_tried_regions_release,
};

/* ==================== schemes ==================== */

/**
 * struct damon_sysfs_scheme - schemes/<S>.
 * @action:		An &enum damos_action.
 * @apply_interval_us:	Time between two applications.
 * @target_nid:		Destination node of migrate_* actions.
 */
struct damon_sysfs_scheme {
	int action;
	unsigned long apply_interval_us;
	int target_nid;
};

static void damon_sysfs_scheme_init(struct damon_sysfs_dir *dir)
{
	struct damon_sysfs_scheme *scheme = damon_sysfs_data(dir);

	scheme->action = DAMOS_STAT;
	scheme->target_nid = NUMA_NO_NODE;
}

/* Any target_nid is taken: a node that is not online gets no memory. */
static const struct damon_sysfs_attr damon_sysfs_scheme_attrs[] = {
	DAMON_SYSFS_RW_NAME(action, struct damon_sysfs_scheme, action,
			    &damon_sysfs_action_names),
	DAMON_SYSFS_RW_UL(apply_interval_us, struct damon_sysfs_scheme,
			  apply_interval_us),
	DAMON_SYSFS_RW(target_nid, DAMON_SYSFS_INT, struct damon_sysfs_scheme,
		       target_nid, .min = (unsigned long)INT_MIN,
		       .max = INT_MAX),
};

/*
 * Beside tried_regions/, not in it: tools that list tried_regions/ expect
 * only total_bytes and the numbered directories there.
 */
static const struct damon_sysfs_bin_attr damon_sysfs_scheme_bin_attrs[] = {
	DAMON_SYSFS_BIN_RO(tried_regions_all,
			   damon_sysfs_tried_regions_all_read),
};

static const struct damon_sysfs_child damon_sysfs_scheme_children[] = {
	[DAMON_SYSFS_SCHEME_ACCESS_PATTERN] = {
		"access_pattern", &damon_sysfs_pattern_type },
	[DAMON_SYSFS_SCHEME_QUOTAS] = { "quotas", &damon_sysfs_quotas_type },
	[DAMON_SYSFS_SCHEME_WATERMARKS] = {
		"watermarks", &damon_sysfs_wmarks_type },
	[DAMON_SYSFS_SCHEME_FILTERS] = {
		"filters", &damon_sysfs_filters_type },
	[DAMON_SYSFS_SCHEME_CORE_FILTERS] = {
		"core_filters", &damon_sysfs_filters_type },
	[DAMON_SYSFS_SCHEME_OPS_FILTERS] = {
		"ops_filters", &damon_sysfs_filters_type },
	[DAMON_SYSFS_SCHEME_DESTS] = { "dests", &damon_sysfs_dests_type },
	[DAMON_SYSFS_SCHEME_STATS] = { "stats", &damon_sysfs_stats_type },
	[DAMON_SYSFS_SCHEME_TRIED_REGIONS] = {
		"tried_regions", &damon_sysfs_tried_regions_type },
};

static const struct damon_sysfs_type damon_sysfs_scheme_type = {
	.data_size = sizeof(struct damon_sysfs_scheme),
	DAMON_SYSFS_ATTRS(damon_sysfs_scheme_attrs),
	DAMON_SYSFS_BIN_ATTRS(damon_sysfs_scheme_bin_attrs),
	DAMON_SYSFS_CHILDREN(damon_sysfs_scheme_children),
	.init = damon_sysfs_scheme_init,
};

static const struct damon_sysfs_attr damon_sysfs_schemes_attrs[] = {
	DAMON_SYSFS_NR_ATTR(nr_schemes),
};

const struct damon_sysfs_type damon_sysfs_schemes_type = {
	DAMON_SYSFS_ATTRS(damon_sysfs_schemes_attrs),
	.item_type = &damon_sysfs_scheme_type,
};

/* ==================== Building schemes ==================== */

static bool damon_sysfs_node_metric(enum damos_quota_goal_metric metric)
{
	return metric == DAMOS_QUOTA_NODE_MEMCG_USED_BP ||
		metric == DAMOS_QUOTA_NODE_MEMCG_FREE_BP;
}

/**
 * damon_sysfs_add_goals() - Add the goals of a goals directory to a quota.
 * @quota:	The quota.
 * @goals:	The goals directory.
 *
 * Goals whose target_value is 0 are left out (damon_sysfs_goal_used()).
 *
 * Return: 0 on success, -EINVAL for a memcg goal without a valid memcg,
 * -ENOMEM.  On failure, the goals added so far stay in @quota.
 */
int damon_sysfs_add_goals(struct damos_quota *quota,
			  struct damon_sysfs_dir *goals)
{
	struct damos_quota_goal *g;
	unsigned int i;

	for (i = 0; i < goals->nr_items; i++) {
		struct damon_sysfs_goal *goal =
			damon_sysfs_data(goals->items[i]);

		if (!damon_sysfs_goal_used(goal))
			continue;
		g = damos_new_quota_goal(goal->metric, goal->target_value);
		if (!g)
			return -ENOMEM;
		damos_add_quota_goal(quota, g);
		g->current_value = goal->current_value;
		g->complement = goal->complement;
		g->nid = goal->nid;
		if (damon_sysfs_node_metric(goal->metric) &&
		    damon_memcg_id_by_path(goal->path ? goal->path : "",
					   &g->memcg_id))
			return -EINVAL;
	}
	return 0;
}

static int damon_sysfs_set_filter_arg(struct damos_filter *f,
				      struct damon_sysfs_filter *filter)
{
	switch (f->type) {
	case DAMOS_FILTER_TYPE_MEMCG:
		return damon_memcg_id_by_path(filter->memcg_path ?
					      filter->memcg_path : "",
					      &f->memcg_id);
	/* the core refuses inverted ranges */
	case DAMOS_FILTER_TYPE_ADDR:
		f->addr_range = filter->addr;
		return 0;
	case DAMOS_FILTER_TYPE_TARGET:
		f->target_idx = filter->target_idx;
		return 0;
	case DAMOS_FILTER_TYPE_HUGEPAGE_SIZE:
		f->sz_range = filter->range;
		return 0;
	case DAMOS_FILTER_TYPE_PROBE_HITS_WSUM:
		f->wsum_range = filter->range;
		return 0;
	default:
		return 0;
	}
}

static int damon_sysfs_add_filters(struct damos *s,
				   struct damon_sysfs_dir *filters)
{
	struct damos_filter *f;
	unsigned int i;
	int err;

	for (i = 0; i < filters->nr_items; i++) {
		struct damon_sysfs_filter *filter =
			damon_sysfs_data(filters->items[i]);

		f = damos_new_filter(filter->type, filter->matching,
				     filter->allow);
		if (!f)
			return -ENOMEM;
		err = damon_sysfs_set_filter_arg(f, filter);
		if (err) {
			kfree(f);
			return err;
		}
		damos_add_filter(s, f);
	}
	return 0;
}

static int damon_sysfs_set_dests(struct damos *s,
				 struct damon_sysfs_dir *dests)
{
	unsigned int *ids, *weights, i, nr = dests->nr_items;
	int err;

	if (!nr)
		return 0;
	ids = kmalloc_array(nr, sizeof(*ids), GFP_KERNEL);
	weights = kmalloc_array(nr, sizeof(*weights), GFP_KERNEL);
	err = -ENOMEM;
	if (!ids || !weights)
		goto free_arrays;
	for (i = 0; i < nr; i++) {
		struct damon_sysfs_dest *dest =
			damon_sysfs_data(dests->items[i]);

		ids[i] = dest->id;
		weights[i] = dest->weight;
	}
	err = damos_set_migrate_dests(s, ids, weights, nr);
free_arrays:
	kfree(ids);
	kfree(weights);
	return err;
}

/*
 * The access pattern of @dir, or -EINVAL if a min is above its max.  The
 * nr_accesses and age files take any unsigned long, as tools write
 * ULONG_MAX for "no upper bound"; values beyond the pattern's unsigned int
 * fields saturate.
 */
static int damon_sysfs_get_pattern(struct damon_sysfs_dir *dir,
				   struct damos_access_pattern *pattern)
{
	struct damon_size_range *sz, *nr_accesses, *age;

	sz = damon_sysfs_child_data(dir, DAMON_SYSFS_PATTERN_SZ);
	nr_accesses = damon_sysfs_child_data(dir,
					     DAMON_SYSFS_PATTERN_NR_ACCESSES);
	age = damon_sysfs_child_data(dir, DAMON_SYSFS_PATTERN_AGE);
	if (sz->min > sz->max || nr_accesses->min > nr_accesses->max ||
	    age->min > age->max)
		return -EINVAL;
	*pattern = (struct damos_access_pattern) {
		.min_sz_region = sz->min,
		.max_sz_region = sz->max,
		.min_nr_accesses = min_t(unsigned long, nr_accesses->min, UINT_MAX),
		.max_nr_accesses = min_t(unsigned long, nr_accesses->max, UINT_MAX),
		.min_age_region = min_t(unsigned long, age->min, UINT_MAX),
		.max_age_region = min_t(unsigned long, age->max, UINT_MAX),
	};
	return 0;
}

static void damon_sysfs_get_quota(struct damon_sysfs_dir *dir,
				  struct damos_quota *quota)
{
	struct damon_sysfs_quotas *quotas = damon_sysfs_data(dir);
	struct damos_quota *weights =
		damon_sysfs_child_data(dir, DAMON_SYSFS_QUOTAS_WEIGHTS);

	*quota = (struct damos_quota) {
		.reset_interval = quotas->reset_interval_ms,
		.ms = quotas->ms,
		.sz = quotas->bytes,
		.goal_tuner = quotas->goal_tuner,
		.fail_charge_num = quotas->fail_charge_num,
		.fail_charge_denom = quotas->fail_charge_denom,
		.weight_sz = weights->weight_sz,
		.weight_nr_accesses = weights->weight_nr_accesses,
		.weight_age = weights->weight_age,
	};
}

/* The parts of a scheme that damon_new_scheme() does not take. */
static int damon_sysfs_fill_scheme(struct damos *s,
				   struct damon_sysfs_dir *dir)
{
	struct damon_sysfs_dir *quotas =
		dir->children[DAMON_SYSFS_SCHEME_QUOTAS];
	struct damon_sysfs_stats *stats =
		damon_sysfs_child_data(dir, DAMON_SYSFS_SCHEME_STATS);
	static const enum damon_sysfs_scheme_child filter_dirs[] = {
		DAMON_SYSFS_SCHEME_CORE_FILTERS,
		DAMON_SYSFS_SCHEME_OPS_FILTERS,
		DAMON_SYSFS_SCHEME_FILTERS,
	};
	unsigned int i;
	int err;

	s->max_nr_snapshots = stats->max_nr_snapshots;
	err = damon_sysfs_add_goals(&s->quota, quotas->children
				    [DAMON_SYSFS_QUOTAS_GOALS]);
	if (err)
		return err;
	for (i = 0; i < ARRAY_SIZE(filter_dirs); i++) {
		err = damon_sysfs_add_filters(s, dir->children[filter_dirs[i]]);
		if (err)
			return err;
	}
	return damon_sysfs_set_dests(s, dir->children
				     [DAMON_SYSFS_SCHEME_DESTS]);
}

static struct damos *damon_sysfs_build_scheme(struct damon_sysfs_dir *dir)
{
	struct damon_sysfs_scheme *scheme = damon_sysfs_data(dir);
	struct damos_watermarks *wmarks =
		damon_sysfs_child_data(dir, DAMON_SYSFS_SCHEME_WATERMARKS);
	struct damos_access_pattern pattern;
	struct damos_quota quota;
	struct damos *s;
	int err;

	err = damon_sysfs_get_pattern(dir->children
				      [DAMON_SYSFS_SCHEME_ACCESS_PATTERN],
				      &pattern);
	if (err)
		return ERR_PTR(err);
	if (wmarks->metric != DAMOS_WMARK_NONE &&
	    (wmarks->high < wmarks->mid || wmarks->mid < wmarks->low))
		return ERR_PTR(-EINVAL);
	damon_sysfs_get_quota(dir->children[DAMON_SYSFS_SCHEME_QUOTAS],
			      &quota);

	s = damon_new_scheme(&pattern, scheme->action,
			     scheme->apply_interval_us, &quota, wmarks,
			     scheme->target_nid);
	if (!s)
		return ERR_PTR(-ENOMEM);
	err = damon_sysfs_fill_scheme(s, dir);
	if (err) {
		damon_destroy_scheme(s);
		return ERR_PTR(err);
	}
	return s;
}

/**
 * damon_sysfs_add_schemes() - Add the schemes of a schemes directory to a
 * context.
 * @ctx:	The context, not running.
 * @schemes:	The schemes directory.
 *
 * Return: 0 on success, -EINVAL if the files of a scheme disagree, or
 * -ENOMEM.  On failure, the schemes added so far stay in @ctx.
 */
int damon_sysfs_add_schemes(struct damon_ctx *ctx,
			    struct damon_sysfs_dir *schemes)
{
	struct damos *s;
	unsigned int i;

	for (i = 0; i < schemes->nr_items; i++) {
		s = damon_sysfs_build_scheme(schemes->items[i]);
		if (IS_ERR(s))
			return PTR_ERR(s);
		damon_add_scheme(ctx, s);
	}
	return 0;
}
