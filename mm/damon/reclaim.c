// SPDX-License-Identifier: GPL-2.0
/*
 * DAMON_RECLAIM: page out physical memory that has not been accessed for a
 * while, within a time and size quota and only while the free memory rate
 * is between the watermarks.  The quota may be tuned towards a memory
 * pressure stall time (PSI) or towards feedback written by the user.
 *
 * Parameters: /sys/module/damon_reclaim/parameters/, or damon_reclaim.X=V
 * on the kernel command line.  See
 * Documentation/admin-guide/mm/damon/reclaim.rst.
 */

#include <linux/sizes.h>

#include "modules-common.h"

#ifdef MODULE_PARAM_PREFIX
#undef MODULE_PARAM_PREFIX
#endif
#define MODULE_PARAM_PREFIX "damon_reclaim."

/* The value of quota_autotune_feedback that means "goal reached". */
#define DAMON_RECLAIM_FEEDBACK_GOAL	10000

static int damon_reclaim_add_schemes(struct damon_module *m,
				     struct damon_ctx *ctx);

static const struct damon_module_ops damon_reclaim_ops = {
	.add_schemes = damon_reclaim_add_schemes,
};

static struct damon_module damon_reclaim = {
	DAMON_MODULE_DEFAULTS(damon_reclaim, damon_reclaim_ops),
	DAMON_MODULE_SCHEME_DEFAULTS(),
	.quota.sz = 128 * SZ_1M,
	.wmarks.high = 500,
	.wmarks.mid = 400,
	.wmarks.low = 200,
};

static unsigned long damon_reclaim_min_age = 120 * USEC_PER_SEC;
static unsigned long damon_reclaim_mem_pressure_us;
static unsigned long damon_reclaim_feedback;
static bool damon_reclaim_skip_anon;

#define DAMON_MODULE_SELF damon_reclaim
DAMON_MODULE_CONTROL_PARAMS();
DAMON_MODULE_COMMIT_PARAM();

DAMON_MODULE_ULONG(min_age, damon_reclaim_min_age);
MODULE_PARM_DESC(min_age,
		 "Microseconds without access after which memory is reclaimed");

DAMON_MODULE_QUOTA_PARAMS();
DAMON_MODULE_ULONG(quota_sz, damon_reclaim.quota.sz);
MODULE_PARM_DESC(quota_sz,
		 "Bytes that may be reclaimed per reset interval; 0 = unlimited");
DAMON_MODULE_ULONG(quota_mem_pressure_us, damon_reclaim_mem_pressure_us);
MODULE_PARM_DESC(quota_mem_pressure_us,
		 "Memory 'some' PSI stall time per reset interval to tune the quota for, in us; 0 = off");
DAMON_MODULE_ULONG(quota_autotune_feedback, damon_reclaim_feedback);
MODULE_PARM_DESC(quota_autotune_feedback,
		 "User feedback tuning the quota towards 10000; 0 = off");

DAMON_MODULE_WMARKS_PARAMS();
DAMON_MODULE_MON_ATTRS_PARAMS();
DAMON_MODULE_REGION_PARAMS();

module_param_named(skip_anon, damon_reclaim_skip_anon, bool, 0600);
MODULE_PARM_DESC(skip_anon, "Y leaves anonymous pages alone");

DAMON_MODULE_STAT_PARAMS(0, reclaim_tried, reclaimed, quota, cold);

static int damon_reclaim_add_schemes(struct damon_module *m,
				     struct damon_ctx *ctx)
{
	const struct damon_module_scheme cold = {
		.pattern = damon_module_cold_pattern(m, damon_reclaim_min_age),
		.action = DAMOS_PAGEOUT,
		/* the longest idle memory first */
		.weight_age = 1,
	};
	struct damos *s;
	int err = 0;

	s = damon_module_add_scheme(m, ctx, &cold);
	if (IS_ERR(s))
		return PTR_ERR(s);
	if (damon_reclaim_mem_pressure_us)
		err = damon_module_add_goal(s, DAMOS_QUOTA_SOME_MEM_PSI_US,
					    damon_reclaim_mem_pressure_us, 0);
	if (!err && damon_reclaim_feedback)
		err = damon_module_add_goal(s, DAMOS_QUOTA_USER_INPUT,
					    DAMON_RECLAIM_FEEDBACK_GOAL,
					    damon_reclaim_feedback);
	if (!err && damon_reclaim_skip_anon)
		err = damon_module_add_filter(s, DAMOS_FILTER_TYPE_ANON, true,
					      false);
	return err;
}

static int __init damon_reclaim_init(void)
{
	return damon_module_init(&damon_reclaim);
}
late_initcall(damon_reclaim_init);
