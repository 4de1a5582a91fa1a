/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DAMON: Data Access MONitoring framework.
 *
 * A monitoring context (&struct damon_ctx) watches a set of targets.  Each
 * target is covered by a list of address ranges (regions).  One kernel
 * thread per running context ("kdamond") samples one address of every region
 * per sampling interval, counts how often the sampled pages were found
 * accessed, and after every aggregation interval reports the counts, merges
 * neighbouring regions of similar access frequency and splits regions again,
 * so that the cost follows the number of regions, not the size of memory.
 *
 * The address space specific work is done by an operation set
 * (&struct damon_operations): "vaddr" and "fvaddr" for process address
 * spaces, "paddr" for physical memory.
 */

#ifndef _LINUX_DAMON_H
#define _LINUX_DAMON_H

#include <linux/completion.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/types.h>

struct pid;
struct task_struct;

/* Minimal size of a region, and the alignment of region boundaries. */
#define DAMON_MIN_REGION	PAGE_SIZE

/* One in ten thousand: the unit of access ratios and of nr_accesses_bp. */
#define DAMON_BP_UNIT		10000

/**
 * struct damon_addr_range - A half-open address range, [@start, @end).
 * @start:	First address of the range.
 * @end:	First address after the range.
 */
struct damon_addr_range {
	unsigned long start;
	unsigned long end;
};

/**
 * struct damon_size_range - An inclusive size range, [@min, @max].
 * @min:	Smallest size in the range.
 * @max:	Largest size in the range.
 */
struct damon_size_range {
	unsigned long min;
	unsigned long max;
};

/**
 * struct damon_region - A monitored address range of a target.
 * @ar:			The address range.
 * @sampling_addr:	Address sampled during the current sampling interval.
 * @nr_accesses:	Samples that found the region accessed, in the current
 *			aggregation interval.  At the end of the interval,
 *			after the results are reported, it restarts from 0.
 * @nr_accesses_bp:	Moving sum of the same count over the last
 *			aggregation interval's worth of samples, in
 *			&DAMON_BP_UNIT units, updated every sample.  Lets
 *			readers see an access rate at any moment.
 * @age:		Number of aggregation intervals the region's access
 *			frequency has stayed about the same.
 * @last_nr_accesses:	@nr_accesses of the previous aggregation interval.
 * @list:		Link in the target's region list.
 *
 * Regions of a target are kept sorted by address and never overlap.
 */
struct damon_region {
	struct damon_addr_range ar;
	unsigned long sampling_addr;
	unsigned int nr_accesses;
	unsigned int nr_accesses_bp;
	unsigned int age;
	unsigned int last_nr_accesses;
	struct list_head list;
};

/**
 * struct damon_target - A monitoring target.
 * @pid:	The process whose address space is monitored, for the vaddr
 *		and fvaddr operation sets.  The target holds a reference.
 * @nr_regions:	Number of regions in @regions_list.
 * @regions_list: The regions, sorted by address.
 * @obsolete:	Marked for removal by the next damon_commit_ctx().
 * @list:	Link in the context's target list.
 */
struct damon_target {
	struct pid *pid;
	unsigned int nr_regions;
	struct list_head regions_list;
	bool obsolete;
	struct list_head list;
};

struct damon_ctx;

/**
 * enum damon_ops_id - Which kind of address space an operation set covers.
 * @DAMON_OPS_VADDR:	Process address spaces, following their mappings.
 * @DAMON_OPS_FVADDR:	Process address spaces, fixed ranges given by the
 *			user.
 * @DAMON_OPS_PADDR:	Physical memory.
 * @NR_DAMON_OPS:	Count of the above; not an operation set.
 */
enum damon_ops_id {
	DAMON_OPS_VADDR,
	DAMON_OPS_FVADDR,
	DAMON_OPS_PADDR,
	NR_DAMON_OPS,
};

/**
 * struct damon_operations - What DAMON needs to know about an address space.
 * @name:		User-visible name: "vaddr", "fvaddr" or "paddr".
 * @id:			The registry slot of the operation set.
 * @start_sample:	Required.  Choose one address per region
 *			(sampling_addr) and make the page there look
 *			unaccessed.
 * @finish_sample:	Required.  Tell for every region whether the page
 *			at its sampling_addr was accessed since
 *			@start_sample, through
 *			damon_update_region_access_rate().
 * @setup_regions:	Optional.  Give targets their first regions when a
 *			kdamond starts.
 * @refresh_regions:	Optional.  Adjust the regions to changes of the
 *			address space, once per ops update interval.
 * @target_alive:	Optional.  False once a target can no longer be
 *			monitored; without it, targets live forever.
 *
 * Only the kdamond of a context calls these, one at a time.  Tables are
 * registered once with damon_register_ops() and never copied: contexts
 * point at them.
 */
struct damon_operations {
	const char *name;
	enum damon_ops_id id;
	void (*start_sample)(struct damon_ctx *ctx);
	void (*finish_sample)(struct damon_ctx *ctx);
	void (*setup_regions)(struct damon_ctx *ctx);
	void (*refresh_regions)(struct damon_ctx *ctx);
	bool (*target_alive)(struct damon_target *t);
};

/**
 * struct damon_intervals_goal - Goal of sampling interval auto-tuning.
 * @access_bp:		Wanted ratio of observed access events to the
 *			number of events that could have been observed, in
 *			basis points.  0 disables auto-tuning.
 * @aggrs:		Number of aggregation intervals between two tuning
 *			steps.
 * @min_sample_us:	Smallest sampling interval the tuning may set.
 * @max_sample_us:	Largest sampling interval the tuning may set.
 *
 * Longer intervals let more accesses happen between two samples, so the
 * observed ratio grows with them.  The aggregation interval keeps its ratio
 * to the sampling interval.
 */
struct damon_intervals_goal {
	unsigned long access_bp;
	unsigned long aggrs;
	unsigned long min_sample_us;
	unsigned long max_sample_us;
};

/**
 * struct damon_attrs - Monitoring attributes.
 * @sample_interval:	Time between two access samples, in microseconds.
 * @aggr_interval:	Time between two result aggregations, in
 *			microseconds.  At least @sample_interval.
 * @ops_update_interval: Time between two calls of the ops' update
 *			callback, in microseconds.
 * @intervals_goal:	Sampling interval auto-tuning goal.
 * @min_nr_regions:	Lower bound of the number of regions per target.
 * @max_nr_regions:	Upper bound of the number of regions per context,
 *			restored by every aggregation (the initial split
 *			and new ranges may exceed it until then).
 */
struct damon_attrs {
	unsigned long sample_interval;
	unsigned long aggr_interval;
	unsigned long ops_update_interval;
	struct damon_intervals_goal intervals_goal;
	unsigned long min_nr_regions;
	unsigned long max_nr_regions;
};

/**
 * struct damon_call_control - A function for a kdamond to run.
 * @fn:		The function.  Its return value is stored in @return_code.
 * @data:	Argument of @fn.
 * @repeat:	Run @fn once per sampling interval until the kdamond stops,
 *		instead of once.
 * @return_code: Return value of the last call of @fn.
 * @canceled:	Set when the kdamond stopped before a one-shot @fn ran, and
 *		for a repeated @fn when the kdamond stopped.
 *
 * Used with damon_call().  The caller owns the structure, which must stay
 * valid until damon_call() returns for a one-shot call, and until the
 * kdamond stopped for a repeated one.
 */
struct damon_call_control {
	int (*fn)(void *data);
	void *data;
	bool repeat;
	int return_code;
	bool canceled;
/* private: */
	struct completion completion;
	struct list_head list;
};

/**
 * struct damon_ctx - A monitoring context.
 * @attrs:	Monitoring attributes.  Change them with damon_set_attrs().
 * @ops:	The selected operation set.
 * @adaptive_targets: The targets (&struct damon_target).
 * @min_sz_region: Minimal region size and alignment: a power of two, at
 *		least &DAMON_MIN_REGION.
 *
 * Set up a context with damon_new_ctx(), damon_select_ops(),
 * damon_set_attrs() and damon_add_target(), start it with damon_start(),
 * and change it while it runs only through damon_commit_ctx() or from
 * inside the kdamond (damon_call()).
 */
struct damon_ctx {
	struct damon_attrs attrs;
	const struct damon_operations *ops;
	struct list_head adaptive_targets;
	unsigned long min_sz_region;

/* private: kdamond state, see mm/damon/core.c */
	struct mutex kdamond_lock;	/* see mm/damon/core.c */
	struct task_struct *kdamond;
	int kdamond_id;
	bool kdamond_finished;

	struct mutex call_controls_lock;	/* see mm/damon/core.c */
	struct list_head call_controls;
	bool accepting_calls;

	unsigned long passed_sample_intervals;
	unsigned long next_aggregation_sis;
	unsigned long next_ops_update_sis;
	unsigned long next_intervals_tune_sis;
	unsigned long nr_access_events;
	unsigned long nr_access_chances;
	unsigned long base_aggr_samples;
};

/*
 * Iterators.  @r walks the regions of target @t in address order, @t the
 * targets of context @ctx in the order they were added; the _safe forms
 * allow removing the current element, using @next as scratch.
 */
#define __damon_regions(t)	(&(t)->regions_list)
#define __damon_targets(ctx)	(&(ctx)->adaptive_targets)

#define damon_for_each_region(r, t) \
	list_for_each_entry(r, __damon_regions(t), list)
#define damon_for_each_region_safe(r, next, t) \
	list_for_each_entry_safe(r, next, __damon_regions(t), list)
#define damon_for_each_target(t, ctx) \
	list_for_each_entry(t, __damon_targets(ctx), list)
#define damon_for_each_target_safe(t, next, ctx) \
	list_for_each_entry_safe(t, next, __damon_targets(ctx), list)

/**
 * damon_add_target() - Append a target to a context.
 * @ctx:	The context.
 * @t:		The target.
 */
static inline void damon_add_target(struct damon_ctx *ctx,
				    struct damon_target *t)
{
	list_add_tail(&t->list, &ctx->adaptive_targets);
}

/**
 * damon_targets_empty() - Whether a context has no target.
 * @ctx:	The context.
 *
 * Return: true if @ctx has no target.
 */
static inline bool damon_targets_empty(struct damon_ctx *ctx)
{
	return list_empty(&ctx->adaptive_targets);
}

static inline unsigned long damon_sz_region(const struct damon_region *r)
{
	return r->ar.end - r->ar.start;
}

static inline struct damon_region *damon_first_region(struct damon_target *t)
{
	return list_first_entry(&t->regions_list, struct damon_region, list);
}

static inline struct damon_region *damon_last_region(struct damon_target *t)
{
	return list_last_entry(&t->regions_list, struct damon_region, list);
}

#ifdef CONFIG_DAMON

/* Regions and targets: mm/damon/regions.c */
struct damon_region *damon_new_region(unsigned long start, unsigned long end);
void damon_add_region(struct damon_region *r, struct damon_target *t);
void damon_destroy_region(struct damon_region *r, struct damon_target *t);
unsigned int damon_nr_regions(struct damon_target *t);
int damon_set_regions(struct damon_target *t,
		      const struct damon_addr_range *ranges,
		      unsigned int nr_ranges, unsigned long min_sz_region);
void damon_update_region_access_rate(struct damon_region *r, bool accessed,
				     const struct damon_attrs *attrs);

/* Contexts, targets and kdamonds: mm/damon/core.c */
struct damon_target *damon_new_target(void);
void damon_destroy_target(struct damon_target *t, struct damon_ctx *ctx);

struct damon_ctx *damon_new_ctx(void);
void damon_destroy_ctx(struct damon_ctx *ctx);
int damon_set_attrs(struct damon_ctx *ctx, const struct damon_attrs *attrs);
int damon_commit_ctx(struct damon_ctx *dst, struct damon_ctx *src);

int damon_start(struct damon_ctx **ctxs, int nr_ctxs, bool exclusive);
int damon_stop(struct damon_ctx **ctxs, int nr_ctxs);
bool damon_is_running(struct damon_ctx *ctx);
int damon_kdamond_pid(struct damon_ctx *ctx);
int damon_call(struct damon_ctx *ctx, struct damon_call_control *control);

/* Operation sets: mm/damon/ops.c */
int damon_register_ops(const struct damon_operations *ops);
bool damon_is_registered_ops(enum damon_ops_id id);
int damon_select_ops(struct damon_ctx *ctx, enum damon_ops_id id);
int damon_ops_id_by_name(const char *name);

#endif	/* CONFIG_DAMON */

#ifdef CONFIG_DAMON_PADDR
int damon_set_region_biggest_system_ram_default(struct damon_target *t,
						unsigned long *start,
						unsigned long *end);
#endif

#endif	/* _LINUX_DAMON_H */
