// SPDX-License-Identifier: GPL-2.0
/*
 * DAMON_STAT: light, always-on monitoring of all System RAM, summarised in
 * two read-only parameters: an estimate of the memory bandwidth in use and
 * the distribution of idle time over memory.  The sampling interval is
 * auto-tuned so that the numbers need no configuration.
 *
 * Parameters: /sys/module/damon_stat/parameters/, or damon_stat.enabled=Y
 * on the kernel command line.  See
 * Documentation/admin-guide/mm/damon/stat.rst.
 */

#include <linux/math64.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/spinlock.h>
#include <linux/sysfs.h>

#include "modules-common.h"

#ifdef MODULE_PARAM_PREFIX
#undef MODULE_PARAM_PREFIX
#endif
#define MODULE_PARAM_PREFIX "damon_stat."

#define DAMON_STAT_NR_PERCENTILES	101
#define DAMON_STAT_REFRESH_NS		(5 * NSEC_PER_SEC)

/*
 * Auto-tuning aims at 4% of the sampled accesses seen: higher than the
 * schemes modules, as only the summary matters and longer intervals cost
 * less.
 */
#define DAMON_STAT_TUNE_ACCESS_BP	400

static int damon_stat_set_regions(struct damon_module *m,
				  struct damon_ctx *ctx,
				  struct damon_target *t);
static void damon_stat_kdamond_work(struct damon_module *m,
				    struct damon_ctx *ctx);

static const struct damon_module_ops damon_stat_ops = {
	.set_regions = damon_stat_set_regions,
	.kdamond_work = damon_stat_kdamond_work,
};

static struct damon_module damon_stat = {
	DAMON_MODULE_DEFAULTS(damon_stat, damon_stat_ops),
	.enabled = IS_ENABLED(CONFIG_DAMON_STAT_ENABLED_DEFAULT),
	.autotune_intervals = true,
	.tune_access_bp = DAMON_STAT_TUNE_ACCESS_BP,
};

#define DAMON_MODULE_SELF damon_stat
DAMON_MODULE_CONTROL_PARAMS();

/* Written by the kdamond only; read racily by the parameter files. */
static unsigned long damon_stat_bandwidth;
static unsigned long damon_stat_aggr_us;
static u64 damon_stat_last_update_ns;

/*
 * Idle time percentiles, in ms, negative for memory accessed (for how
 * long it has been hot); by damon_stat_percentiles_lock.
 */
static long damon_stat_idle_ms[DAMON_STAT_NR_PERCENTILES];
static DEFINE_SPINLOCK(damon_stat_percentiles_lock);

module_param_named(estimated_memory_bandwidth, damon_stat_bandwidth, ulong,
		   0400);
MODULE_PARM_DESC(estimated_memory_bandwidth,
		 "Estimated memory bandwidth in use, in bytes per second");
module_param_named(aggr_interval_us, damon_stat_aggr_us, ulong, 0400);
MODULE_PARM_DESC(aggr_interval_us,
		 "Current (auto-tuned) aggregation interval in microseconds");

static int damon_stat_percentiles_get(char *buf,
				      const struct kernel_param *kp)
{
	int i, len = 0;

	spin_lock(&damon_stat_percentiles_lock);
	for (i = 0; i < DAMON_STAT_NR_PERCENTILES; i++)
		len += sysfs_emit_at(buf, len, "%ld%c", damon_stat_idle_ms[i],
				     i + 1 < DAMON_STAT_NR_PERCENTILES ?
				     ',' : '\n');
	spin_unlock(&damon_stat_percentiles_lock);
	return len;
}

static const struct kernel_param_ops damon_stat_percentiles_ops = {
	.set = damon_module_read_only_set,
	.get = damon_stat_percentiles_get,
};
module_param_cb(memory_idle_ms_percentiles, &damon_stat_percentiles_ops,
		NULL, 0400);
MODULE_PARM_DESC(memory_idle_ms_percentiles,
		 "Idle time in ms of the 0th to 100th percentile of memory, by size");

/* ==================== Monitored range ==================== */

/*
 * Monitor from the first to the last System RAM block, found again at
 * each start: the module has no region parameters to keep it in.
 */
static int damon_stat_set_regions(struct damon_module *m,
				  struct damon_ctx *ctx,
				  struct damon_target *t)
{
	struct damon_addr_range span = {};

	return damon_set_region_system_rams_default(t, &span.start, &span.end,
						    ctx->addr_unit,
						    ctx->min_sz_region);
}

/* ==================== Statistics ==================== */

struct damon_stat_region {
	long idle_ms;
	unsigned long sz;
};

static int damon_stat_cmp_idle(const void *a, const void *b)
{
	const struct damon_stat_region *ra = a, *rb = b;

	if (ra->idle_ms == rb->idle_ms)
		return 0;
	return ra->idle_ms < rb->idle_ms ? -1 : 1;
}

/*
 * Idle time percentiles of @nr (at least one) @regions, sorted by idle
 * time: the p-th is the idle time of the first region with which the
 * bytes so far reach p percent of the @total bytes.
 */
static void damon_stat_set_percentiles(const struct damon_stat_region *regions,
				       unsigned int nr, u64 total)
{
	u64 covered = regions[0].sz;	/* bytes of regions[0..i] */
	unsigned int i = 0, p;

	spin_lock(&damon_stat_percentiles_lock);
	for (p = 0; p < DAMON_STAT_NR_PERCENTILES; p++) {
		u64 want = div_u64(total * p, 100);

		while (covered < want && i + 1 < nr)
			covered += regions[++i].sz;
		damon_stat_idle_ms[p] = regions[i].idle_ms;
	}
	spin_unlock(&damon_stat_percentiles_lock);
}

/*
 * How long a region of @age aggregation intervals of @aggr_us has been
 * idle, in ms; if it was accessed (@nr_accesses), how long it has been
 * hot, negated, so that sorting puts the hottest memory first.
 */
static long damon_stat_idle_ms_of(unsigned int age, unsigned long aggr_us,
				  unsigned int nr_accesses)
{
	long ms = min_t(u64, div_u64(((u64)age + 1) * aggr_us, USEC_PER_MSEC),
			LONG_MAX);

	return nr_accesses ? -ms : ms;
}

/* Refresh the statistics from the regions of @ctx. */
static void damon_stat_update(struct damon_ctx *ctx)
{
	unsigned long aggr_us = ctx->attrs.aggr_interval;
	struct damon_stat_region *regions;
	u64 accessed = 0, total = 0;
	struct damon_target *t;
	struct damon_region *r;
	unsigned int nr = 0, nr_accesses;

	damon_for_each_target(t, ctx)
		nr += damon_nr_regions(t);
	if (!nr)
		return;
	regions = kmalloc_array(nr, sizeof(*regions), GFP_KERNEL);
	if (!regions)
		return;

	nr = 0;
	damon_for_each_target(t, ctx) {
		damon_for_each_region(r, t) {
			unsigned long sz = damon_sz_region(r) * ctx->addr_unit;

			/* bytes accessed per aggregation interval */
			nr_accesses = damon_nr_accesses_mvsum(ctx, r);
			accessed += (u64)sz * nr_accesses;
			regions[nr].sz = sz;
			regions[nr].idle_ms =
				damon_stat_idle_ms_of(r->age, aggr_us,
						      nr_accesses);
			total += sz;
			nr++;
		}
	}
	sort(regions, nr, sizeof(*regions), damon_stat_cmp_idle, NULL);
	damon_stat_set_percentiles(regions, nr, total);
	kfree(regions);

	/* the core takes a 0 interval as 1 us */
	WRITE_ONCE(damon_stat_bandwidth,
		   mul_u64_u64_div_u64(accessed, USEC_PER_SEC,
				       max(aggr_us, 1UL)));
	WRITE_ONCE(damon_stat_aggr_us, aggr_us);
}

/*
 * Once per sample; the statistics are refreshed at most every
 * &DAMON_STAT_REFRESH_NS, as sorting the regions is not free.
 */
static void damon_stat_kdamond_work(struct damon_module *m,
				    struct damon_ctx *ctx)
{
	u64 now = ktime_get_ns();

	if (damon_stat_last_update_ns &&
	    now - damon_stat_last_update_ns < DAMON_STAT_REFRESH_NS)
		return;
	damon_stat_last_update_ns = now;
	damon_stat_update(ctx);
}

static int __init damon_stat_init(void)
{
	return damon_module_init(&damon_stat);
}
late_initcall(damon_stat_init);
