// SPDX-License-Identifier: GPL-2.0
/*
 * DAMON_ACMA: access- and contiguity-aware memory auto-scaling, for
 * guests whose memory the host over-subscribes.  While memory pressure
 * stays low and free memory plentiful, the "take" scheme (DAMOS_ALLOC)
 * takes cold, physically contiguous blocks out of the page allocator and
 * reports them to the host as free; when pressure rises or free memory
 * runs low, the "give" scheme (DAMOS_FREE) gives them back.
 *
 * The module is the policy only.  Once per quota reset interval, its
 * kdamond_work measures the pressure and the memory, asks the state
 * machine (acma-policy.c) whether to scale down, up or hold, and switches
 * each scheme on only in its own state.  How fast the schemes go is left
 * to their quota goals: the take scheme aims at the pressure goal, the
 * give scheme at a score the state machine computes from how short memory
 * is, and uses its whole quota while memory is short.  With both schemes
 * off the kdamond sleeps until the next period.
 *
 * Parameters: /sys/module/damon_acma/parameters/, or damon_acma.X=V on
 * the kernel command line.  See Documentation/admin-guide/mm/damon/acma.rst.
 */

#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/overflow.h>
#include <linux/sizes.h>
#include <linux/sysfs.h>
#include <linux/vmstat.h>

#include "acma-policy.h"
#include "blocks.h"
#include "damos.h"
#include "modules-common.h"

#ifdef MODULE_PARAM_PREFIX
#undef MODULE_PARAM_PREFIX
#endif
#define MODULE_PARAM_PREFIX "damon_acma."

/* Positions of the schemes, and of their statistics. */
enum damon_acma_scheme {
	DAMON_ACMA_TAKE,
	DAMON_ACMA_GIVE,
	NR_DAMON_ACMA_SCHEMES,
};

/*
 * A byte an action fails on (a block with unmovable pages, a region
 * without taken blocks) is charged 1/100 of a byte it succeeds on, so
 * that regions that have nothing for a scheme do not use up its quota
 * while still costing something.
 */
#define DAMON_ACMA_FAIL_CHARGE_NUM	1
#define DAMON_ACMA_FAIL_CHARGE_DENOM	100

static int damon_acma_add_schemes(struct damon_module *m,
				  struct damon_ctx *ctx);
static void damon_acma_kdamond_work(struct damon_module *m,
				    struct damon_ctx *ctx);
static void damon_acma_start(struct damon_module *m);
static void damon_acma_committed(struct damon_module *m);
static int damon_acma_check(struct damon_module *m);

static const struct damon_module_ops damon_acma_ops = {
	.add_schemes = damon_acma_add_schemes,
	.kdamond_work = damon_acma_kdamond_work,
	.start = damon_acma_start,
	.committed = damon_acma_committed,
	.check = damon_acma_check,
};

static struct damon_module damon_acma = {
	DAMON_MODULE_DEFAULTS(damon_acma, damon_acma_ops),
	DAMON_MODULE_SCHEME_DEFAULTS(),
	.quota.sz = 256 * SZ_1M,
};

static_assert(NR_DAMON_ACMA_SCHEMES <= DAMON_MODULE_MAX_SCHEMES);

static unsigned long damon_acma_min_age = 5 * USEC_PER_SEC;
static unsigned long damon_acma_psi_goal_us = 1000;
static unsigned long damon_acma_up_permil = 50;
static unsigned long damon_acma_down_permil = 200;
static unsigned long damon_acma_min_mem;
static unsigned long damon_acma_max_mem;

/**
 * struct damon_acma_params - The parameters the state machine runs with.
 * @psi_goal_us:	quota_mem_pressure_us.
 * @up_permil:		scale_up_free_permil.
 * @down_permil:	scale_down_free_permil.
 * @min_mem:		min_mem.
 * @max_mem:		max_mem.
 * @quota_sz:		quota_sz.
 * @period_us:		quota_reset_interval_ms, in microseconds.
 *
 * Like the parameters in the context, these change only when the module
 * is enabled or commits, and only if that succeeds.
 */
struct damon_acma_params {
	unsigned long psi_goal_us;
	unsigned long up_permil;
	unsigned long down_permil;
	unsigned long min_mem;
	unsigned long max_mem;
	unsigned long quota_sz;
	unsigned long period_us;
};

/**
 * struct damon_acma_run - What the module keeps of a run of its kdamond.
 * @params:	The parameters in use.
 * @verdict:	The state machine's last verdict; read by the state
 *		parameter and by a commit meanwhile.
 * @next_sis:	The sample at which the state machine runs next.
 * @psi_total:	The memory stall total at the start of the PSI window,
 *		in ns.
 * @psi_since:	When that window started (ktime, ns); 0 before the first.
 * @psi_us:	The stall time per period over the last window, in us.
 *
 * Written by the kdamond, or while none runs.
 */
struct damon_acma_run {
	struct damon_acma_params params;
	struct damon_acma_verdict verdict;
	unsigned long next_sis;
	u64 psi_total;
	u64 psi_since;
	u64 psi_us;
};

/*
 * PSI's totals advance only when its averaging work runs, every two
 * seconds: over a shorter period, the stall reads 0 and then double.  So
 * it is measured over windows of at least this long, and scaled to the
 * period.
 */
#define DAMON_ACMA_PSI_WINDOW_NS	(4 * NSEC_PER_SEC)

static struct damon_acma_run damon_acma_run;

/* The parameters of the context being built; under the module lock. */
static struct damon_acma_params damon_acma_staged;

#define DAMON_MODULE_SELF damon_acma
DAMON_MODULE_CONTROL_PARAMS();
DAMON_MODULE_COMMIT_PARAM();

DAMON_MODULE_ULONG(min_age, damon_acma_min_age);
MODULE_PARM_DESC(min_age,
		 "Microseconds without access after which memory may be taken");

DAMON_MODULE_QUOTA_PARAMS();
DAMON_MODULE_ULONG(quota_sz, damon_acma.quota.sz);
MODULE_PARM_DESC(quota_sz,
		 "Bytes each scheme may take or give per reset interval; 0 = unlimited");
DAMON_MODULE_ULONG(quota_mem_pressure_us, damon_acma_psi_goal_us);
MODULE_PARM_DESC(quota_mem_pressure_us,
		 "Memory 'some' PSI stall time per reset interval to stay under, in us; not 0");

DAMON_MODULE_ULONG(scale_up_free_permil, damon_acma_up_permil);
MODULE_PARM_DESC(scale_up_free_permil,
		 "Free memory rate, in permil, under which memory is given back");
DAMON_MODULE_ULONG(scale_down_free_permil, damon_acma_down_permil);
MODULE_PARM_DESC(scale_down_free_permil,
		 "Free memory rate, in permil, above which memory may be taken");
DAMON_MODULE_ULONG(min_mem, damon_acma_min_mem);
MODULE_PARM_DESC(min_mem,
		 "Bytes of usable memory the module never goes below; 0 = no bound");
DAMON_MODULE_ULONG(max_mem, damon_acma_max_mem);
MODULE_PARM_DESC(max_mem,
		 "Bytes of usable memory above which the module scales down; 0 = no bound");

DAMON_MODULE_MON_ATTRS_PARAMS();
DAMON_MODULE_REGION_PARAMS();

DAMON_MODULE_STAT_PARAMS(DAMON_ACMA_TAKE, take_tried, taken, take_quota,
			 cold);
DAMON_MODULE_STAT_PARAMS(DAMON_ACMA_GIVE, give_tried, given, give_quota,
			 monitored);

/* ==================== Status parameters ==================== */

static unsigned long damon_acma_read_taken(struct damon_ctx *ctx)
{
	return damon_blocks_taken_bytes(ctx);
}

/* HOLD (0) while the kdamond does not run. */
static unsigned long damon_acma_read_state(struct damon_ctx *ctx)
{
	return READ_ONCE(damon_acma_run.verdict.state);
}

/* What a read-only parameter reads, through damon_module_read_ctx(). */
struct damon_acma_reader {
	unsigned long (*read)(struct damon_ctx *ctx);
};

static struct damon_acma_reader damon_acma_taken = {
	.read = damon_acma_read_taken,
};

static struct damon_acma_reader damon_acma_state = {
	.read = damon_acma_read_state,
};

static int damon_acma_read_get(char *buf, const struct kernel_param *kp)
{
	const struct damon_acma_reader *r = kp->arg;

	return sysfs_emit(buf, "%lu\n",
			  damon_module_read_ctx(&damon_acma, r->read));
}

static const struct kernel_param_ops damon_acma_read_ops = {
	.set = damon_module_read_only_set,
	.get = damon_acma_read_get,
};

module_param_cb(taken_bytes, &damon_acma_read_ops, &damon_acma_taken, 0400);
MODULE_PARM_DESC(taken_bytes,
		 "Bytes of memory taken out of the page allocator now");
module_param_cb(state, &damon_acma_read_ops, &damon_acma_state, 0400);
MODULE_PARM_DESC(state, "0: hold, 1: scale down, 2: scale up");

/* ==================== Schemes ==================== */

/*
 * The free memory rates must leave a band between them where the module
 * holds, or the two schemes would take and give the same memory in turn;
 * a rate over 1000 permil could never be met; and min_mem over max_mem
 * would have the module scale down below min_mem.  The pressure goal is
 * the core's to check (a goal of 0 is refused).
 */
static int damon_acma_check(struct damon_module *m)
{
	if (damon_acma_down_permil > DAMON_MODULE_PERMIL ||
	    damon_acma_up_permil >= damon_acma_down_permil)
		return -EINVAL;
	if (damon_acma_max_mem && damon_acma_min_mem > damon_acma_max_mem)
		return -EINVAL;
	return 0;
}

/* Bytes of a block, the unit the take and give actions work in. */
static u64 damon_acma_block_bytes(void)
{
	return (u64)pageblock_nr_pages << PAGE_SHIFT;
}

/* The period of the state machine, in microseconds: the reset interval. */
static unsigned long damon_acma_period_us(struct damon_module *m)
{
	unsigned long us;

	if (check_mul_overflow(m->quota.reset_interval, USEC_PER_MSEC, &us))
		return ULONG_MAX;
	return us;
}

/* Stage the parameters, checked by damon_acma_check(), with a context. */
static void damon_acma_stage(struct damon_module *m)
{
	damon_acma_staged = (struct damon_acma_params){
		.psi_goal_us = damon_acma_psi_goal_us,
		.up_permil = damon_acma_up_permil,
		.down_permil = damon_acma_down_permil,
		.min_mem = damon_acma_min_mem,
		.max_mem = damon_acma_max_mem,
		.quota_sz = m->quota.sz,
		.period_us = damon_acma_period_us(m),
	};
}

/*
 * The size quota of the take scheme: the quota_sz parameter, and while
 * scaling down no more than the state machine's room (see
 * damon_acma_decide()), so that one period does not take the guest below
 * min_mem or under the free rates.  In DAMON address units, as quotas are.
 */
static unsigned long damon_acma_take_sz(struct damon_ctx *ctx,
					unsigned long quota_sz)
{
	u64 room = READ_ONCE(damon_acma_run.verdict.take_room);

	if (READ_ONCE(damon_acma_run.verdict.state) != DAMON_ACMA_SHRINK)
		return quota_sz;
	room = max(div64_u64(room, ctx->addr_unit), 1ULL);
	if (!quota_sz)
		return min_t(u64, room, ULONG_MAX);
	return min_t(u64, room, quota_sz);
}

/* The take scheme: idle regions that can hold a block. */
static int damon_acma_add_take(struct damon_module *m, struct damon_ctx *ctx,
			       bool on)
{
	struct damon_module_scheme take = {
		.pattern = damon_module_cold_pattern(m, damon_acma_min_age),
		.action = DAMOS_ALLOC,
		/* the longest idle memory first */
		.weight_age = 1,
		.fail_charge_num = DAMON_ACMA_FAIL_CHARGE_NUM,
		.fail_charge_denom = DAMON_ACMA_FAIL_CHARGE_DENOM,
	};
	struct damos *s;

	take.pattern.min_sz_region = max(div64_u64(damon_acma_block_bytes(),
						   m->addr_unit), 1ULL);
	s = damon_module_add_scheme(m, ctx, &take);
	if (IS_ERR(s))
		return PTR_ERR(s);
	s->quota.sz = damon_acma_take_sz(ctx, damon_acma_staged.quota_sz);
	damon_module_switch_scheme(ctx, s, on, damon_acma_staged.period_us);
	/* faster while the stall time stays under its goal */
	return damon_module_add_goal(s, DAMOS_QUOTA_SOME_MEM_PSI_US,
				     damon_acma_staged.psi_goal_us, 0);
}

/* The give scheme: every region, as any may hold taken blocks. */
static int damon_acma_add_give(struct damon_module *m, struct damon_ctx *ctx,
			       bool on)
{
	const struct damon_module_scheme give = {
		.pattern = {
			.min_sz_region = 0,
			.max_sz_region = ULONG_MAX,
			.min_nr_accesses = 0,
			.max_nr_accesses = UINT_MAX,
			.min_age_region = 0,
			.max_age_region = UINT_MAX,
		},
		.action = DAMOS_FREE,
		/* blocks are taken from the longest idle regions */
		.weight_age = 1,
		.fail_charge_num = DAMON_ACMA_FAIL_CHARGE_NUM,
		.fail_charge_denom = DAMON_ACMA_FAIL_CHARGE_DENOM,
	};
	struct damos *s;

	s = damon_module_add_scheme(m, ctx, &give);
	if (IS_ERR(s))
		return PTR_ERR(s);
	damon_module_switch_scheme(ctx, s, on, damon_acma_staged.period_us);
	/*
	 * The whole quota while a reason to scale up lasts: the consist
	 * tuner, growing from a page in proportion to the score's distance
	 * to the goal, would take dozens of periods to give back one block
	 * when memory is only a little short.
	 */
	s->quota.goal_tuner = DAMOS_QUOTA_GOAL_TUNER_TEMPORAL;
	return damon_module_add_goal(s, DAMOS_QUOTA_USER_INPUT,
				     DAMON_ACMA_SCORE_MET,
				     READ_ONCE(damon_acma_run.verdict.give_score));
}

/*
 * Built at start, in the state HOLD, and at commit in the state the
 * kdamond is in, so that a commit switches no scheme.
 */
static int damon_acma_add_schemes(struct damon_module *m,
				  struct damon_ctx *ctx)
{
	enum damon_acma_state state = READ_ONCE(damon_acma_run.verdict.state);
	int err;

	damon_acma_stage(m);
	err = damon_acma_add_take(m, ctx, state == DAMON_ACMA_SHRINK);
	if (err)
		return err;
	return damon_acma_add_give(m, ctx, state == DAMON_ACMA_GROW);
}

/* ==================== The state machine, in the kdamond ==================== */

static void damon_acma_start(struct damon_module *m)
{
	damon_acma_run = (struct damon_acma_run){
		.verdict = {
			.state = DAMON_ACMA_HOLD,
			.give_score = DAMON_ACMA_SCORE_MET,
		},
	};
}

static void damon_acma_apply_verdict(struct damon_ctx *ctx);

/*
 * After a start (no context yet) or a commit (in the kdamond, the module
 * lock held by the committer).  A commit's schemes follow the verdict of
 * when it was built, which the kdamond may have changed since: put them
 * right before they are applied.
 */
static void damon_acma_committed(struct damon_module *m)
{
	damon_acma_run.params = damon_acma_staged;
	if (m->ctx)
		damon_acma_apply_verdict(m->ctx);
}

/*
 * The memory "some" stall time per period of @period_us, in us, over the
 * last whole PSI window; the first window reads no stall.
 */
static u64 damon_acma_psi_us(u64 period_us)
{
	struct damon_acma_run *run = &damon_acma_run;
	u64 now = ktime_get_ns(), elapsed_us, stall_us;

	if (run->psi_since && now - run->psi_since < DAMON_ACMA_PSI_WINDOW_NS)
		return run->psi_us;
	stall_us = damos_psi_mem_some_us(&run->psi_total);
	if (run->psi_since) {
		elapsed_us = div_u64(now - run->psi_since, NSEC_PER_USEC);
		run->psi_us = mul_u64_u64_div_u64(stall_us, period_us,
						  elapsed_us);
	}
	run->psi_since = now;
	return run->psi_us;
}

/* What the state machine decides on, measured now. */
static struct damon_acma_input damon_acma_measure(struct damon_ctx *ctx)
{
	const struct damon_acma_params *p = &damon_acma_run.params;

	return (struct damon_acma_input){
		.psi_us = damon_acma_psi_us(p->period_us),
		.psi_goal_us = p->psi_goal_us,
		.free = (u64)global_zone_page_state(NR_FREE_PAGES) << PAGE_SHIFT,
		.managed = (u64)totalram_pages() << PAGE_SHIFT,
		.taken = damon_blocks_taken_bytes(ctx),
		.block = damon_acma_block_bytes(),
		.min_mem = p->min_mem,
		.max_mem = p->max_mem,
		.up_free_permil = p->up_permil,
		.down_free_permil = p->down_permil,
	};
}

/* Make the schemes of @ctx follow the last verdict. */
static void damon_acma_apply_verdict(struct damon_ctx *ctx)
{
	const struct damon_acma_params *p = &damon_acma_run.params;
	const struct damon_acma_verdict *v = &damon_acma_run.verdict;
	struct damos_quota_goal *g;
	unsigned int i = 0;
	struct damos *s;
	bool on;

	damon_for_each_scheme(s, ctx) {
		if (i == DAMON_ACMA_TAKE) {
			on = v->state == DAMON_ACMA_SHRINK;
			if (on)
				s->quota.sz = damon_acma_take_sz(ctx,
								 p->quota_sz);
		} else {
			on = v->state == DAMON_ACMA_GROW;
			damos_for_each_quota_goal(g, &s->quota)
				g->current_value = v->give_score;
		}
		if (damon_module_scheme_on(s) != on)
			damon_module_switch_scheme(ctx, s, on, p->period_us);
		if (++i == NR_DAMON_ACMA_SCHEMES)
			break;
	}
}

/*
 * Once per sample, and once per wake-up while both schemes are off: run
 * the state machine if a period passed since its last run, and switch
 * the schemes.  The period is counted in samples, as the watermarks
 * checks that wake the kdamond up are, so that a wake-up finds it due.
 * The schemes are switched whenever they differ from the verdict, which
 * also puts right a commit built before the verdict changed.
 */
static void damon_acma_kdamond_work(struct damon_module *m,
				    struct damon_ctx *ctx)
{
	unsigned long now = ctx->passed_sample_intervals;
	struct damon_acma_verdict *v = &damon_acma_run.verdict;
	struct damon_acma_verdict next;
	struct damon_acma_input in;

	if (now >= damon_acma_run.next_sis) {
		damon_acma_run.next_sis = now +
			damon_nr_samples(ctx, damon_acma_run.params.period_us);
		in = damon_acma_measure(ctx);
		next = damon_acma_decide(&in);
		/* each word read meanwhile by the state parameter or a commit */
		WRITE_ONCE(v->state, next.state);
		WRITE_ONCE(v->give_score, next.give_score);
		WRITE_ONCE(v->take_room, next.take_room);
	}
	damon_acma_apply_verdict(ctx);
}

static int __init damon_acma_init(void)
{
	return damon_module_init(&damon_acma);
}
late_initcall(damon_acma_init);
