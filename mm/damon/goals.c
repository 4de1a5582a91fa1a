// SPDX-License-Identifier: GPL-2.0
/*
 * DAMOS quota goals: reading the metrics they aim at.
 *
 * The kdamond reads every goal's metric once per quota reset interval,
 * right before the goal tuner runs (see damos_update_quota() in apply.c).
 * Memory amounts are compared in pages, ratios are in basis points.  A
 * metric is a row of damos_metrics[]: its reader, and whether it is a
 * ratio, which a goal may then aim at the complement of.
 */

#include <linux/cgroup.h>
#include <linux/damon.h>
#include <linux/math64.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/nodemask.h>
#include <linux/psi.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmstat.h>

#include "damos.h"
#include "quota.h"

/* @part over @whole in basis points, 0 when @whole is 0. */
static unsigned long damos_bp(u64 part, u64 whole)
{
	if (!whole)
		return 0;
	return div64_u64(min(part, whole) * DAMON_BP_UNIT, whole);
}

/**
 * damos_psi_mem_some_us() - System memory "some" stall time since a read.
 * @last_total:	The stall total, in ns, at the last read, 0 before the
 *		first; updated to the current total.
 *
 * The first read only takes the reference point and reports no stall.
 *
 * Context: any; the caller serialises the reads of one @last_total.
 * Return: the stall time since the last read, in microseconds; 0 without
 * CONFIG_PSI.
 */
unsigned long damos_psi_mem_some_us(u64 *last_total)
{
#ifdef CONFIG_PSI
	u64 total = READ_ONCE(psi_system.total[PSI_AVGS][PSI_MEM_SOME]);
	u64 last = *last_total;

	*last_total = total;
	if (!last || total < last)
		return 0;
	return div_u64(total - last, NSEC_PER_USEC);
#else
	return 0;
#endif
}

static unsigned long damos_read_psi_us(struct damos_quota_goal *goal)
{
	return damos_psi_mem_some_us(&goal->last_psi_total);
}

/* Total and free pages of node @nid; false if there is no such node. */
static bool damos_node_pages(int nid, unsigned long *total,
			     unsigned long *free)
{
	struct sysinfo info;

	if (nid < 0 || nid >= MAX_NUMNODES || !node_online(nid))
		return false;
#ifdef CONFIG_NUMA
	si_meminfo_node(&info, nid);
#else
	si_meminfo(&info);
#endif
	*total = info.totalram;
	*free = info.freeram;
	return true;
}

static unsigned long damos_read_node_mem_bp(int nid, bool used)
{
	unsigned long total, free;

	if (!damos_node_pages(nid, &total, &free))
		return 0;
	return damos_bp(used ? total - min(free, total) : free, total);
}

/* Pages of memcg @id on node @nid: anonymous and page cache. */
static unsigned long damos_memcg_node_pages(unsigned short id, int nid)
{
	unsigned long pages = 0;
#ifdef CONFIG_MEMCG
	struct mem_cgroup *memcg;
	struct lruvec *lruvec;

	rcu_read_lock();
	memcg = mem_cgroup_from_id(id);
	if (memcg) {
		lruvec = mem_cgroup_lruvec(memcg, NODE_DATA(nid));
		pages = lruvec_page_state(lruvec, NR_ANON_MAPPED) +
			lruvec_page_state(lruvec, NR_FILE_PAGES);
	}
	rcu_read_unlock();
#endif
	return pages;
}

static unsigned long damos_read_node_memcg_bp(struct damos_quota_goal *goal,
					      bool used)
{
	unsigned long total, free, memcg_pages;

	if (!damos_node_pages(goal->nid, &total, &free))
		return 0;
	memcg_pages = min(damos_memcg_node_pages(goal->memcg_id, goal->nid),
			  total);
	return damos_bp(used ? memcg_pages : total - memcg_pages, total);
}

static unsigned long damos_read_lru_bp(bool active)
{
	unsigned long act, inact;

	act = global_node_page_state(NR_ACTIVE_ANON) +
		global_node_page_state(NR_ACTIVE_FILE);
	inact = global_node_page_state(NR_INACTIVE_ANON) +
		global_node_page_state(NR_INACTIVE_FILE);
	return damos_bp(active ? act : inact, (u64)act + inact);
}

/*
 * Transparent huge pages of any kind, in basis points of the used memory.
 * hugetlb pages are left out: they are reserved, not something a scheme
 * turns memory into or out of.
 */
static unsigned long damos_read_hugepage_bp(void)
{
	unsigned long thp = global_node_page_state(NR_ANON_THPS) +
		global_node_page_state(NR_SHMEM_THPS) +
		global_node_page_state(NR_FILE_THPS);

	return damos_used_mem_share_bp(thp, totalram_pages(),
				global_zone_page_state(NR_FREE_PAGES));
}

/**
 * damos_eligible_mem_bp() - Share of a scheme's candidates on a node.
 * @ctx:	The context running @s.
 * @s:		The scheme.
 * @nid:	The node.
 *
 * Return: of the bytes in regions that match the access pattern of @s,
 * those the operation set finds on node @nid, in basis points; 0 when the
 * operation set cannot tell.
 */
unsigned long damos_eligible_mem_bp(struct damon_ctx *ctx, struct damos *s,
				    int nid)
{
	u64 total = 0, on_node = 0;
	struct damon_target *t;
	struct damon_region *r;

	if (!ctx->ops || !ctx->ops->sz_on_node)
		return 0;
	damon_for_each_target(t, ctx) {
		damon_for_each_region(r, t) {
			if (!damos_pattern_match(ctx, s, r))
				continue;
			total += damon_sz_region(r);
			on_node += ctx->ops->sz_on_node(ctx, t, r, nid);
		}
	}
	return damos_bp(on_node, total);
}

/* ==================== The metric table ==================== */

/*
 * Readers, all of the same shape for damos_metrics[].  @used picks the
 * share a pair of metrics reads: used (or active) memory, or the rest.
 */
static unsigned long
damos_metric_user_input(struct damon_ctx *ctx, struct damos *s,
			struct damos_quota_goal *goal, bool used)
{
	return goal->current_value;
}

static unsigned long
damos_metric_psi(struct damon_ctx *ctx, struct damos *s,
		 struct damos_quota_goal *goal, bool used)
{
	return damos_read_psi_us(goal);
}

static unsigned long
damos_metric_node(struct damon_ctx *ctx, struct damos *s,
		  struct damos_quota_goal *goal, bool used)
{
	return damos_read_node_mem_bp(goal->nid, used);
}

static unsigned long
damos_metric_memcg(struct damon_ctx *ctx, struct damos *s,
		   struct damos_quota_goal *goal, bool used)
{
	return damos_read_node_memcg_bp(goal, used);
}

static unsigned long
damos_metric_lru(struct damon_ctx *ctx, struct damos *s,
		 struct damos_quota_goal *goal, bool used)
{
	return damos_read_lru_bp(used);
}

static unsigned long
damos_metric_eligible(struct damon_ctx *ctx, struct damos *s,
		      struct damos_quota_goal *goal, bool used)
{
	return damos_eligible_mem_bp(ctx, s, goal->nid);
}

static unsigned long
damos_metric_hugepage(struct damon_ctx *ctx, struct damos *s,
		      struct damos_quota_goal *goal, bool used)
{
	return damos_read_hugepage_bp();
}

/**
 * struct damos_metric - How a quota goal metric is measured.
 * @read:	Reads the current value; gets @used as its last argument.
 * @used:	For the readers of a used/free (active/inactive) pair: read
 *		the used (active) share, not the rest.
 * @ratio:	The value is a share in basis points, 0 to &DAMON_BP_UNIT,
 *		so a goal may aim at its complement.
 */
struct damos_metric {
	unsigned long (*read)(struct damon_ctx *ctx, struct damos *s,
			      struct damos_quota_goal *goal, bool used);
	bool used;
	bool ratio;
};

/* A metric whose value is a share in basis points; see @used above. */
#define DAMOS_SHARE(_read, _used)	\
	{ .read = (_read), .used = (_used), .ratio = true }

static const struct damos_metric damos_metrics[NR_DAMOS_QUOTA_GOAL_METRICS] = {
	[DAMOS_QUOTA_USER_INPUT]	= { .read = damos_metric_user_input },
	[DAMOS_QUOTA_SOME_MEM_PSI_US]	= { .read = damos_metric_psi },
	[DAMOS_QUOTA_NODE_MEM_USED_BP]	= DAMOS_SHARE(damos_metric_node, true),
	[DAMOS_QUOTA_NODE_MEM_FREE_BP]	= DAMOS_SHARE(damos_metric_node, false),
	[DAMOS_QUOTA_NODE_MEMCG_USED_BP] =
		DAMOS_SHARE(damos_metric_memcg, true),
	[DAMOS_QUOTA_NODE_MEMCG_FREE_BP] =
		DAMOS_SHARE(damos_metric_memcg, false),
	[DAMOS_QUOTA_ACTIVE_MEM_BP]	= DAMOS_SHARE(damos_metric_lru, true),
	[DAMOS_QUOTA_INACTIVE_MEM_BP]	= DAMOS_SHARE(damos_metric_lru, false),
	[DAMOS_QUOTA_NODE_ELIGIBLE_MEM_BP] =
		DAMOS_SHARE(damos_metric_eligible, false),
	[DAMOS_QUOTA_HUGEPAGE_MEM_BP]	=
		DAMOS_SHARE(damos_metric_hugepage, false),
};

/**
 * damos_goal_value() - The value a goal compares with its target.
 * @goal:	The goal, for its metric and @goal->complement.
 * @value:	The value its metric measured.
 *
 * A complemented goal aims at the rest of a ratio: the share of active
 * memory complemented is the share of inactive memory.  The user's own
 * value and stall times are no ratios; their goals are left alone.
 *
 * Return: &DAMON_BP_UNIT - @value for a complemented ratio metric (0 if
 * @value exceeds &DAMON_BP_UNIT), @value otherwise.
 */
unsigned long damos_goal_value(const struct damos_quota_goal *goal,
			       unsigned long value)
{
	if (!goal->complement || goal->metric >= NR_DAMOS_QUOTA_GOAL_METRICS ||
	    !damos_metrics[goal->metric].ratio)
		return value;
	return DAMON_BP_UNIT - min_t(unsigned long, value, DAMON_BP_UNIT);
}

/**
 * damos_read_goal_metric() - Measure the metric of a quota goal.
 * @ctx:	The context running @s.
 * @s:		The scheme owning @goal.
 * @goal:	The goal.
 *
 * For &DAMOS_QUOTA_USER_INPUT the value the user wrote is kept.  Called
 * by the kdamond of @ctx, or while @ctx is not running.
 *
 * Return: the current value of the metric, complemented if @goal asks
 * for it (see damos_goal_value()); 0 for an unknown metric.
 */
unsigned long damos_read_goal_metric(struct damon_ctx *ctx, struct damos *s,
				     struct damos_quota_goal *goal)
{
	const struct damos_metric *m;

	if (goal->metric >= NR_DAMOS_QUOTA_GOAL_METRICS)
		return 0;
	m = &damos_metrics[goal->metric];
	return damos_goal_value(goal, m->read(ctx, s, goal, m->used));
}

/**
 * damos_free_mem_rate() - Free memory of the system.
 *
 * Return: free pages over all pages, in permil.
 */
unsigned long damos_free_mem_rate(void)
{
	unsigned long total = totalram_pages();
	unsigned long free = global_zone_page_state(NR_FREE_PAGES);

	if (!total)
		return 0;
	return div64_u64((u64)min(free, total) * 1000, total);
}

#ifdef CONFIG_MEMCG
/* Compare cgroup paths, ignoring a leading '/' and a trailing newline. */
static bool damon_same_cgroup_path(const char *a, const char *b)
{
	return sysfs_streq(a + (*a == '/'), b + (*b == '/'));
}
#endif

/**
 * damon_memcg_id_by_path() - Find a memory cgroup by its path.
 * @path:	The path, relative to the cgroup root ("/a/b" or "a/b").
 * @id:		Where to store mem_cgroup_id() of the memcg.
 *
 * Return: 0 on success, -EINVAL if no memcg has that path (or memcgs are
 * not built in), -ENOMEM when out of memory.
 */
int damon_memcg_id_by_path(const char *path, unsigned short *id)
{
#ifdef CONFIG_MEMCG
	struct mem_cgroup *memcg;
	int err = -EINVAL;
	char *buf;

	buf = kmalloc(PATH_MAX, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	for (memcg = mem_cgroup_iter(NULL, NULL, NULL); memcg;
	     memcg = mem_cgroup_iter(NULL, memcg, NULL)) {
		/* a removed memcg lingers while pages hold it: skip it */
		if (!mem_cgroup_online(memcg))
			continue;
		if (cgroup_path(memcg->css.cgroup, buf, PATH_MAX) < 0)
			continue;
		if (damon_same_cgroup_path(buf, path)) {
			*id = mem_cgroup_id(memcg);
			mem_cgroup_iter_break(NULL, memcg);
			err = 0;
			break;
		}
	}
	kfree(buf);
	return err;
#else
	return -EINVAL;
#endif
}
