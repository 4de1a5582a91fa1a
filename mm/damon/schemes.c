// SPDX-License-Identifier: GPL-2.0
/*
 * DAMOS: schemes, their filters and quota goals, as objects.
 *
 * This file builds, checks and frees the objects of the in-kernel scheme
 * API, holds the user-visible names of the DAMOS enums and tells which
 * regions an access pattern selects (for the engine and for goal
 * metrics alike, so that both depend on this file and not on each
 * other).  Applying schemes is done by the kdamond, see apply.c;
 * committing them, see commit.c.
 */

#include <linux/damon.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "core.h"
#include "damos.h"

/* ==================== Names ==================== */

const char * const damos_action_names[NR_DAMOS_ACTIONS] = {
	[DAMOS_WILLNEED]	= "willneed",
	[DAMOS_COLD]		= "cold",
	[DAMOS_PAGEOUT]		= "pageout",
	[DAMOS_HUGEPAGE]	= "hugepage",
	[DAMOS_NOHUGEPAGE]	= "nohugepage",
	[DAMOS_COLLAPSE]	= "collapse",
	[DAMOS_LRU_PRIO]	= "lru_prio",
	[DAMOS_LRU_DEPRIO]	= "lru_deprio",
	[DAMOS_MIGRATE_HOT]	= "migrate_hot",
	[DAMOS_MIGRATE_COLD]	= "migrate_cold",
	[DAMOS_ALLOC]		= "alloc",
	[DAMOS_FREE]		= "free",
	[DAMOS_STAT]		= "stat",
};

const char * const damos_filter_type_names[NR_DAMOS_FILTER_TYPES] = {
	[DAMOS_FILTER_TYPE_ANON]		= "anon",
	[DAMOS_FILTER_TYPE_ACTIVE]		= "active",
	[DAMOS_FILTER_TYPE_MEMCG]		= "memcg",
	[DAMOS_FILTER_TYPE_YOUNG]		= "young",
	[DAMOS_FILTER_TYPE_HUGEPAGE_SIZE]	= "hugepage_size",
	[DAMOS_FILTER_TYPE_UNMAPPED]		= "unmapped",
	[DAMOS_FILTER_TYPE_ADDR]		= "addr",
	[DAMOS_FILTER_TYPE_PROBE_HITS_WSUM]	= "probe_hits_wsum",
	[DAMOS_FILTER_TYPE_TARGET]		= "target",
};

const char * const
damos_quota_goal_metric_names[NR_DAMOS_QUOTA_GOAL_METRICS] = {
	[DAMOS_QUOTA_USER_INPUT]		= "user_input",
	[DAMOS_QUOTA_SOME_MEM_PSI_US]		= "some_mem_psi_us",
	[DAMOS_QUOTA_NODE_MEM_USED_BP]		= "node_mem_used_bp",
	[DAMOS_QUOTA_NODE_MEM_FREE_BP]		= "node_mem_free_bp",
	[DAMOS_QUOTA_NODE_MEMCG_USED_BP]	= "node_memcg_used_bp",
	[DAMOS_QUOTA_NODE_MEMCG_FREE_BP]	= "node_memcg_free_bp",
	[DAMOS_QUOTA_ACTIVE_MEM_BP]		= "active_mem_bp",
	[DAMOS_QUOTA_INACTIVE_MEM_BP]		= "inactive_mem_bp",
	[DAMOS_QUOTA_NODE_ELIGIBLE_MEM_BP]	= "node_eligible_mem_bp",
	[DAMOS_QUOTA_HUGEPAGE_MEM_BP]		= "hugepage_mem_bp",
};

const char * const
damos_quota_goal_tuner_names[NR_DAMOS_QUOTA_GOAL_TUNERS] = {
	[DAMOS_QUOTA_GOAL_TUNER_CONSIST]	= "consist",
	[DAMOS_QUOTA_GOAL_TUNER_TEMPORAL]	= "temporal",
};

const char * const damos_wmark_metric_names[NR_DAMOS_WMARK_METRICS] = {
	[DAMOS_WMARK_NONE]		= "none",
	[DAMOS_WMARK_FREE_MEM_RATE]	= "free_mem_rate",
};

/**
 * damon_name_index() - Look a name up in an enum-to-string table.
 * @names:	The table.
 * @nr:		Its length.
 * @name:	The name; a trailing newline is ignored.
 *
 * Return: the index of @name in @names, or -EINVAL if it is not there.
 */
int damon_name_index(const char * const *names, int nr, const char *name)
{
	int i;

	for (i = 0; i < nr; i++) {
		if (names[i] && sysfs_streq(name, names[i]))
			return i;
	}
	return -EINVAL;
}

/* ==================== Filters ==================== */

/**
 * damos_new_filter() - Allocate a filter.
 * @type:	What the filter looks at.
 * @matching:	Whether it applies to memory with the property or without.
 * @allow:	Whether memory it applies to is allowed or rejected.
 *
 * The type-specific argument is zero; set it before adding the filter.
 *
 * Return: the filter, or NULL when out of memory.
 */
struct damos_filter *damos_new_filter(enum damos_filter_type type,
				      bool matching, bool allow)
{
	struct damos_filter *f = kzalloc(sizeof(*f), GFP_KERNEL);

	if (!f)
		return NULL;
	f->type = type;
	f->matching = matching;
	f->allow = allow;
	INIT_LIST_HEAD(&f->list);
	return f;
}

/**
 * damos_add_filter() - Append a filter to the stage of a scheme that
 * evaluates its type.
 * @s:		The scheme.
 * @f:		The filter.
 */
void damos_add_filter(struct damos *s, struct damos_filter *f)
{
	if (damos_filter_for_ops(f->type))
		list_add_tail(&f->list, &s->ops_filters);
	else
		list_add_tail(&f->list, &s->core_filters);
}

/**
 * damos_destroy_filter() - Unlink and free a filter.
 * @f:		The filter.
 */
void damos_destroy_filter(struct damos_filter *f)
{
	list_del(&f->list);
	kfree(f);
}

/* ==================== Quota goals ==================== */

/**
 * damos_new_quota_goal() - Allocate a quota goal.
 * @metric:		What the goal measures.
 * @target_value:	The value to aim at.
 *
 * Return: the goal, or NULL when out of memory.
 */
struct damos_quota_goal *
damos_new_quota_goal(enum damos_quota_goal_metric metric,
		     unsigned long target_value)
{
	struct damos_quota_goal *g = kzalloc(sizeof(*g), GFP_KERNEL);

	if (!g)
		return NULL;
	g->metric = metric;
	g->target_value = target_value;
	INIT_LIST_HEAD(&g->list);
	return g;
}

/**
 * damos_add_quota_goal() - Append a goal to a quota.
 * @q:		The quota.
 * @g:		The goal.
 */
void damos_add_quota_goal(struct damos_quota *q, struct damos_quota_goal *g)
{
	list_add_tail(&g->list, &q->goals);
}

/**
 * damos_destroy_quota_goal() - Unlink and free a quota goal.
 * @g:		The goal.
 */
void damos_destroy_quota_goal(struct damos_quota_goal *g)
{
	list_del(&g->list);
	kfree(g);
}

/* ==================== Schemes ==================== */

/**
 * damon_new_scheme() - Allocate a scheme.
 * @pattern:		The regions to act on.
 * @action:		What to do to them.
 * @apply_interval_us:	Time between two applications; 0 = every
 *			aggregation interval.
 * @quota:		Limits; its goal list is not taken over (add goals
 *			with damos_add_quota_goal()) and private fields are
 *			ignored.
 * @wmarks:		When the scheme is active.
 * @target_nid:		Destination node of migrate_* actions.
 *
 * Return: the scheme, without filters, or NULL when out of memory.
 */
struct damos *damon_new_scheme(const struct damos_access_pattern *pattern,
			       enum damos_action action,
			       unsigned long apply_interval_us,
			       const struct damos_quota *quota,
			       const struct damos_watermarks *wmarks,
			       int target_nid)
{
	struct damos *s = kzalloc(sizeof(*s), GFP_KERNEL);

	if (!s)
		return NULL;
	s->pattern = *pattern;
	s->action = action;
	s->apply_interval_us = apply_interval_us;
	s->target_nid = target_nid;

	s->quota.params = quota->params;
	INIT_LIST_HEAD(&s->quota.goals);

	s->wmarks.metric = wmarks->metric;
	s->wmarks.interval = wmarks->interval;
	s->wmarks.high = wmarks->high;
	s->wmarks.mid = wmarks->mid;
	s->wmarks.low = wmarks->low;
	/* a scheme without watermarks is always active */
	s->wmarks.activated = wmarks->metric == DAMOS_WMARK_NONE;

	INIT_LIST_HEAD(&s->core_filters);
	INIT_LIST_HEAD(&s->ops_filters);
	INIT_LIST_HEAD(&s->list);
	return s;
}

/**
 * damon_add_scheme() - Append a scheme to a context.
 * @ctx:	The context, not running.
 * @s:		The scheme.
 */
void damon_add_scheme(struct damon_ctx *ctx, struct damos *s)
{
	damon_assert_ctx_owned(ctx);
	list_add_tail(&s->list, &ctx->schemes);
}

/**
 * damon_destroy_scheme() - Unlink and free a scheme with its filters, quota
 * goals and migration destinations.
 * @s:		The scheme.
 */
void damon_destroy_scheme(struct damos *s)
{
	struct damos_quota_goal *g, *next_g;
	struct damos_filter *f, *next_f;

	damos_for_each_quota_goal_safe(g, next_g, &s->quota)
		damos_destroy_quota_goal(g);
	list_for_each_entry_safe(f, next_f, &s->core_filters, list)
		damos_destroy_filter(f);
	list_for_each_entry_safe(f, next_f, &s->ops_filters, list)
		damos_destroy_filter(f);
	damos_set_migrate_dests(s, NULL, NULL, 0);
	list_del(&s->list);
	kfree(s);
}

/**
 * damon_set_schemes() - Replace the schemes of a context.
 * @ctx:	The context, not running.
 * @schemes:	The new schemes, taken over by @ctx.
 * @nr_schemes:	Length of @schemes.
 *
 * Return: 0.
 */
int damon_set_schemes(struct damon_ctx *ctx, struct damos **schemes,
		      int nr_schemes)
{
	struct damos *s, *next;
	int i;

	damon_assert_ctx_owned(ctx);
	damon_for_each_scheme_safe(s, next, ctx)
		damon_destroy_scheme(s);
	for (i = 0; i < nr_schemes; i++)
		damon_add_scheme(ctx, schemes[i]);
	return 0;
}

/**
 * damos_set_migrate_dests() - Set the weighted destinations of migrations.
 * @s:		The scheme.
 * @node_ids:	Destination node ids.
 * @weights:	Their weights.
 * @nr_dests:	Length of both arrays; 0 removes the destinations.
 *
 * Return: 0 on success, -ENOMEM when out of memory (nothing changes).
 */
int damos_set_migrate_dests(struct damos *s, const unsigned int *node_ids,
			    const unsigned int *weights, size_t nr_dests)
{
	unsigned int *ids = NULL, *ws = NULL;

	if (nr_dests) {
		ids = kmemdup_array(node_ids, nr_dests, sizeof(*ids),
				    GFP_KERNEL);
		ws = kmemdup_array(weights, nr_dests, sizeof(*ws), GFP_KERNEL);
		if (!ids || !ws) {
			kfree(ids);
			kfree(ws);
			return -ENOMEM;
		}
	}
	kfree(s->migrate_dests.node_id_arr);
	kfree(s->migrate_dests.weight_arr);
	s->migrate_dests.node_id_arr = ids;
	s->migrate_dests.weight_arr = ws;
	s->migrate_dests.nr_dests = nr_dests;
	return 0;
}

/* ==================== Committing quota goals ==================== */

/*
 * Make @dst follow @src.  A measured value stays meaningful only for the
 * same metric of the same node and memcg; a user_input value is always
 * the one the user gave.
 */
static void damos_commit_quota_goal(struct damos_quota_goal *dst,
				    const struct damos_quota_goal *src)
{
	bool same = dst->metric == src->metric && dst->nid == src->nid &&
		dst->memcg_id == src->memcg_id;

	dst->metric = src->metric;
	dst->target_value = src->target_value;
	dst->complement = src->complement;
	dst->nid = src->nid;
	dst->memcg_id = src->memcg_id;
	if (!same || src->metric == DAMOS_QUOTA_USER_INPUT) {
		dst->current_value = src->current_value;
		dst->last_psi_total = 0;
	}
}

static unsigned int damos_nr_quota_goals(struct damos_quota *q)
{
	return list_count_nodes(&q->goals);
}

/*
 * A goal of 0 can never be approached from below: the tuners would only
 * ever shrink the quota.  sysfs refuses it; in-kernel users are told.
 */
static int damos_check_quota_goals(const struct damos_quota *q)
{
	const struct damos_quota_goal *g;

	damos_for_each_quota_goal(g, q) {
		if (g->metric >= NR_DAMOS_QUOTA_GOAL_METRICS ||
		    !g->target_value)
			return -EINVAL;
	}
	return 0;
}

/**
 * damos_commit_quota_goals() - Make the goals of a quota follow another's.
 * @dst:	The quota to change.
 * @src:	The quota holding the new goals.
 *
 * Goals are matched by position.  A matched goal takes the parameters of
 * its counterpart and keeps its measurements (current_value and the PSI
 * reference point) if it still measures the same thing; a user_input
 * goal takes the current_value of @src.  Goals of @dst beyond those of
 * @src are removed, those of @src beyond those of @dst are added.
 * Called on a stopped context or by its kdamond.
 *
 * Return: 0 on success, -EINVAL if a goal of @src has an unknown metric
 * or a zero target_value, -ENOMEM when out of memory (nothing changes on
 * failure).
 */
int damos_commit_quota_goals(struct damos_quota *dst, struct damos_quota *src)
{
	unsigned int nr_dst = damos_nr_quota_goals(dst), i = 0;
	struct damos_quota_goal *dg, *sg, *next;
	LIST_HEAD(added);

	if (damos_check_quota_goals(src))
		return -EINVAL;

	/* allocate first, so that running out of memory changes nothing */
	damos_for_each_quota_goal(sg, src) {
		if (i++ < nr_dst)
			continue;
		dg = damos_new_quota_goal(sg->metric, sg->target_value);
		if (!dg)
			goto free_added;
		damos_commit_quota_goal(dg, sg);
		list_add_tail(&dg->list, &added);
	}

	dg = list_first_entry(&dst->goals, struct damos_quota_goal, list);
	damos_for_each_quota_goal(sg, src) {
		if (&dg->list == &dst->goals)
			break;
		damos_commit_quota_goal(dg, sg);
		dg = list_next_entry(dg, list);
	}
	/* goals of @dst beyond those of @src */
	list_for_each_entry_safe_from(dg, next, &dst->goals, list)
		damos_destroy_quota_goal(dg);
	list_splice_tail(&added, &dst->goals);
	return 0;

free_added:
	list_for_each_entry_safe(dg, next, &added, list)
		damos_destroy_quota_goal(dg);
	return -ENOMEM;
}

/* ==================== Region selection ==================== */

/**
 * damos_pattern_match() - Whether a region matches a scheme's pattern.
 * @ctx:	The context, for its intervals.
 * @s:		The scheme.
 * @r:		The region.
 *
 * Return: true if the size, the access frequency (the pseudo moving sum,
 * in accesses per aggregation interval) and the age of @r are in the
 * ranges of @s.
 */
bool damos_pattern_match(const struct damon_ctx *ctx, const struct damos *s,
			 const struct damon_region *r)
{
	const struct damos_access_pattern *p = &s->pattern;
	unsigned long sz = damon_sz_region(r);
	unsigned int nr = damon_nr_accesses_mvsum(ctx, r);

	return sz >= p->min_sz_region && sz <= p->max_sz_region &&
		nr >= p->min_nr_accesses && nr <= p->max_nr_accesses &&
		r->age >= p->min_age_region && r->age <= p->max_age_region;
}

/* ==================== Checking schemes ==================== */

/* Whether filter @f is valid: a known type whose range is one. */
static bool damos_filter_valid(const struct damos_filter *f)
{
	switch (f->type) {
	case DAMOS_FILTER_TYPE_ADDR:
		return f->addr_range.start <= f->addr_range.end;
	case DAMOS_FILTER_TYPE_HUGEPAGE_SIZE:
		return f->sz_range.min <= f->sz_range.max;
	case DAMOS_FILTER_TYPE_PROBE_HITS_WSUM:
		return f->wsum_range.min <= f->wsum_range.max;
	default:
		return f->type < NR_DAMOS_FILTER_TYPES;
	}
}

static int damos_check_filters(const struct damos *s)
{
	const struct damos_filter *f;

	damos_for_each_core_filter(f, s) {
		if (!damos_filter_valid(f))
			return -EINVAL;
	}
	damos_for_each_ops_filter(f, s) {
		if (!damos_filter_valid(f))
			return -EINVAL;
	}
	return 0;
}

/**
 * damos_check_schemes() - Whether the schemes of a context are valid.
 * @ctx:	The context holding the schemes.
 * @ops:	The operation set that is to apply them.
 *
 * The one check of scheme parameters, run by damon_start() and
 * damon_commit_ctx() before anything changes: every action is one @ops
 * can apply, no filter range ends below its start, and no quota goal
 * has an unknown metric or a zero target_value.
 *
 * Return: 0 if the schemes are valid, -EINVAL otherwise.
 */
int damos_check_schemes(struct damon_ctx *ctx,
			const struct damon_operations *ops)
{
	struct damos *s;

	damon_for_each_scheme(s, ctx) {
		if (s->action >= NR_DAMOS_ACTIONS ||
		    !(ops->actions & BIT(s->action)))
			return -EINVAL;
		if (damos_check_filters(s) || damos_check_quota_goals(&s->quota))
			return -EINVAL;
	}
	return 0;
}
