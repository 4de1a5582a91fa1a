// SPDX-License-Identifier: GPL-2.0
/*
 * DAMON_LRU_SORT: keep the LRU lists in access order.  Physical memory
 * accessed often is moved to the head of the active list, memory left
 * unaccessed for long to the inactive list, each within its own time
 * quota and only while the free memory rate is between the watermarks.
 * The quotas may be tuned towards a wanted share of active memory.
 *
 * Parameters: /sys/module/damon_lru_sort/parameters/, or
 * damon_lru_sort.X=V on the kernel command line.  See
 * Documentation/admin-guide/mm/damon/lru_sort.rst.
 */

#include "modules-common.h"

#ifdef MODULE_PARAM_PREFIX
#undef MODULE_PARAM_PREFIX
#endif
#define MODULE_PARAM_PREFIX "damon_lru_sort."

/*
 * The inactive memory goal is set this much above what the active memory
 * goal leaves: both goals can be met at once, so that memory right at the
 * boundary is not moved back and forth between the lists.
 */
#define DAMON_LRU_SORT_GOAL_OVERLAP_BP	2

/* Positions of the schemes, and of their statistics. */
enum damon_lru_sort_scheme {
	DAMON_LRU_SORT_HOT,
	DAMON_LRU_SORT_COLD,
	NR_DAMON_LRU_SORT_SCHEMES,
};

static int damon_lru_sort_add_schemes(struct damon_module *m,
				      struct damon_ctx *ctx);
static int damon_lru_sort_check(struct damon_module *m);

static const struct damon_module_ops damon_lru_sort_ops = {
	.add_schemes = damon_lru_sort_add_schemes,
	.check = damon_lru_sort_check,
};

static struct damon_module damon_lru_sort = {
	DAMON_MODULE_DEFAULTS(damon_lru_sort, damon_lru_sort_ops),
	DAMON_MODULE_SCHEME_DEFAULTS(),
	.wmarks.high = 200,
	.wmarks.mid = 150,
	.wmarks.low = 50,
};

static_assert(NR_DAMON_LRU_SORT_SCHEMES <= DAMON_MODULE_MAX_SCHEMES);

static unsigned long damon_lru_sort_hot_permil = 500;
static unsigned long damon_lru_sort_cold_min_age = 120 * USEC_PER_SEC;
static unsigned long damon_lru_sort_active_mem_bp;
static bool damon_lru_sort_filter_young;

#define DAMON_MODULE_SELF damon_lru_sort
DAMON_MODULE_CONTROL_PARAMS();
DAMON_MODULE_COMMIT_PARAM();

DAMON_MODULE_ULONG(hot_thres_access_freq, damon_lru_sort_hot_permil);
MODULE_PARM_DESC(hot_thres_access_freq,
		 "Access frequency, in permil of the highest, from which memory is hot");
DAMON_MODULE_ULONG(cold_min_age, damon_lru_sort_cold_min_age);
MODULE_PARM_DESC(cold_min_age,
		 "Microseconds without access after which memory is cold");
DAMON_MODULE_ULONG(active_mem_bp, damon_lru_sort_active_mem_bp);
MODULE_PARM_DESC(active_mem_bp,
		 "Active share of LRU memory, in bp, to tune the quotas for; 0 = off");
module_param_named(filter_young_pages, damon_lru_sort_filter_young, bool,
		   0600);
MODULE_PARM_DESC(filter_young_pages,
		 "Y re-checks each page's Accessed bit before moving it");

DAMON_MODULE_QUOTA_PARAMS();
DAMON_MODULE_WMARKS_PARAMS();
DAMON_MODULE_MON_ATTRS_PARAMS();
DAMON_MODULE_REGION_PARAMS();

DAMON_MODULE_STAT_PARAMS(DAMON_LRU_SORT_HOT, lru_sort_tried_hot,
			 lru_sorted_hot, hot_quota, hot);
DAMON_MODULE_STAT_PARAMS(DAMON_LRU_SORT_COLD, lru_sort_tried_cold,
			 lru_sorted_cold, cold_quota, cold);

/*
 * An active memory share above 100% would wrap the inactive memory goal
 * around (see damon_lru_sort_add_schemes()).
 */
static int damon_lru_sort_check(struct damon_module *m)
{
	return damon_lru_sort_active_mem_bp > DAMON_BP_UNIT ? -EINVAL : 0;
}

/*
 * The lowest access count of a hot region, out of @max_nr: at least one
 * access.  Above 1000 permil it is more than any region can have, and no
 * region is hot; the computation saturates instead of wrapping around.
 */
static unsigned int damon_lru_sort_hot_thres(unsigned int max_nr)
{
	u64 permil = min_t(u64, damon_lru_sort_hot_permil, U32_MAX);
	u64 thres = DIV_ROUND_UP_ULL((u64)max_nr * permil, 1000);

	return clamp_t(u64, thres, 1, UINT_MAX);
}

/*
 * Add one of the two schemes, with its active (hot) or inactive (cold)
 * memory goal and its young page filter: hot memory is moved only if
 * still young, cold memory only if not.
 */
static int damon_lru_sort_add(struct damon_module *m, struct damon_ctx *ctx,
			      const struct damon_module_scheme *desc,
			      enum damos_quota_goal_metric metric,
			      unsigned long goal_bp, bool hot)
{
	struct damos *s = damon_module_add_scheme(m, ctx, desc);
	int err = 0;

	if (IS_ERR(s))
		return PTR_ERR(s);
	if (damon_lru_sort_active_mem_bp)
		err = damon_module_add_goal(s, metric, goal_bp, 0);
	if (!err && damon_lru_sort_filter_young)
		err = damon_module_add_filter(s, DAMOS_FILTER_TYPE_YOUNG, true,
					      hot);
	return err;
}

static int damon_lru_sort_add_schemes(struct damon_module *m,
				      struct damon_ctx *ctx)
{
	unsigned int max_nr = damon_module_max_nr_accesses(m);
	const struct damon_module_scheme hot = {
		.pattern = {
			.min_sz_region = PAGE_SIZE,
			.max_sz_region = ULONG_MAX,
			.min_nr_accesses = damon_lru_sort_hot_thres(max_nr),
			.max_nr_accesses = UINT_MAX,
			.min_age_region = 0,
			.max_age_region = UINT_MAX,
		},
		.action = DAMOS_LRU_PRIO,
		/* the most often and longest accessed memory first */
		.weight_nr_accesses = 1,
		.weight_age = 1,
	};
	const struct damon_module_scheme cold = {
		.pattern = damon_module_cold_pattern(m,
						     damon_lru_sort_cold_min_age),
		.action = DAMOS_LRU_DEPRIO,
		/* the least accessed and longest idle memory first */
		.weight_nr_accesses = 1,
		.weight_age = 1,
	};
	int err;

	err = damon_lru_sort_add(m, ctx, &hot, DAMOS_QUOTA_ACTIVE_MEM_BP,
				 damon_lru_sort_active_mem_bp, true);
	if (err)
		return err;
	return damon_lru_sort_add(m, ctx, &cold, DAMOS_QUOTA_INACTIVE_MEM_BP,
				  DAMON_BP_UNIT - damon_lru_sort_active_mem_bp +
				  DAMON_LRU_SORT_GOAL_OVERLAP_BP, false);
}

static int __init damon_lru_sort_init(void)
{
	return damon_module_init(&damon_lru_sort);
}
late_initcall(damon_lru_sort_init);
