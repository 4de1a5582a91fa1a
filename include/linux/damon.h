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

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/stddef.h>
#include <linux/types.h>
#include <linux/xarray.h>

struct cpumask;
struct pid;
struct shrinker;
struct task_struct;

/* Minimal size of a region, and the alignment of region boundaries. */
#define DAMON_MIN_REGION	PAGE_SIZE

/* One in ten thousand: the unit of access ratios. */
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

/* Most probes a context may have; each region keeps a counter per probe. */
#define DAMON_MAX_PROBES	4

/* Equal parts of a region that its sampling summary tells apart. */
#define DAMON_NR_SUBS		16

/**
 * struct damon_region - A monitored address range of a target.
 * @ar:			The address range.
 * @sampling_addr:	Address sampled during the current sampling interval.
 * @nr_accesses:	Samples that found the region accessed, in the current
 *			aggregation interval.  At the end of the interval,
 *			after the results are reported, it restarts from 0.
 *			damon_nr_accesses_mvsum() gives a full window's
 *			worth of it at any moment.
 * @age:		Number of aggregation intervals the region's access
 *			frequency has stayed about the same.
 * @last_nr_accesses:	@nr_accesses of the previous aggregation interval.
 * @probe_hits:		Per probe of the context, in probe order: samples
 *			of the current aggregation interval whose page the
 *			probe's filters passed.  Saturates at U8_MAX.
 * @last_probe_hits:	@probe_hits of the previous aggregation interval.
 * @sub_sampled:	Bit b set: a sample of the current aggregation
 *			interval looked at sub-region b, the b-th of
 *			DAMON_NR_SUBS equal parts of the region.
 * @sub_hits:		Bit b set: such a sample found an access.  With
 *			@sub_sampled, where in the region accesses start
 *			and stop; see damon_sub_cuts().
 * @list:		Link in the target's region list.
 *
 * Regions of a target are kept sorted by address and never overlap.
 */
struct damon_region {
	struct damon_addr_range ar;
	unsigned long sampling_addr;
	unsigned int nr_accesses;
	unsigned int age;
	unsigned int last_nr_accesses;
	u8 probe_hits[DAMON_MAX_PROBES];
	u8 last_probe_hits[DAMON_MAX_PROBES];
	u16 sub_sampled;
	u16 sub_hits;
	struct list_head list;
};

/* ==================== Data attribute probes ==================== */

/**
 * enum damon_filter_type - What a probe filter looks at, on the folio at a
 * region's sampling address.
 * @DAMON_FILTER_TYPE_ANON:		The folio is anonymous.
 * @DAMON_FILTER_TYPE_MEMCG:		The folio is charged to a memcg.
 * @DAMON_FILTER_TYPE_PGIDLE_UNSET:	The folio was accessed since it was
 *					last made idle (it is young).
 * @DAMON_FILTER_TYPE_PGIDLE_SET:	The folio is not young.
 * @DAMON_FILTER_TYPE_HUGEPAGE_SIZE:	The folio size is in a range.
 * @NR_DAMON_FILTER_TYPES:		Count of the above.
 *
 * User-visible names are in &damon_filter_type_names.
 */
enum damon_filter_type {
	DAMON_FILTER_TYPE_ANON,
	DAMON_FILTER_TYPE_MEMCG,
	DAMON_FILTER_TYPE_PGIDLE_UNSET,
	DAMON_FILTER_TYPE_PGIDLE_SET,
	DAMON_FILTER_TYPE_HUGEPAGE_SIZE,
	NR_DAMON_FILTER_TYPES,
};

/**
 * struct damon_filter - A filter of a probe.
 * @type:	What the filter looks at.
 * @matching:	Whether the filter applies to folios that have the property
 *		(true) or to folios that have not.
 * @allow:	Whether a sample the filter applies to is a hit (true) or
 *		not.
 * @memcg_id:	mem_cgroup_id() of the memcg, for &DAMON_FILTER_TYPE_MEMCG.
 * @sz_range:	Folio size range in bytes, inclusive, for
 *		&DAMON_FILTER_TYPE_HUGEPAGE_SIZE.
 * @list:	Link in the probe's filter list.
 *
 * The filters of a probe are evaluated in order, as DAMOS filters are: the
 * first that applies decides; when none applies, the sample is a hit if
 * the last filter does not allow.  A probe without filters hits always.
 * Where no folio is found, every filter counts as not matching.
 */
struct damon_filter {
	enum damon_filter_type type;
	bool matching;
	bool allow;
	union {
		unsigned short memcg_id;
		struct damon_size_range sz_range;
	};
	struct list_head list;
};

/**
 * enum damon_prep_action - What a probe prepares on a sampled page before
 * the sampling interval.
 * @DAMON_PREP_SET_PGIDLE:	Make the page look unaccessed: clear the
 *				accessed bits of its mappings (and of
 *				secondary MMUs) and set PG_idle.
 * @NR_DAMON_PREP_ACTIONS:	Count of the above.
 *
 * User-visible names are in &damon_prep_action_names.
 */
enum damon_prep_action {
	DAMON_PREP_SET_PGIDLE,
	NR_DAMON_PREP_ACTIONS,
};

/**
 * struct damon_prep - A preparation action of a probe.
 * @action:	The action.
 * @list:	Link in the probe's prep list.
 */
struct damon_prep {
	enum damon_prep_action action;
	struct list_head list;
};

/**
 * struct damon_probe - A data attribute probe.
 * @weight:	Weight of the probe's hits in a region's weighted hit sum.
 *		Any non-zero weight in a context turns on attributes-only
 *		monitoring: no access checks, and merge and age follow the
 *		weighted hit sum.
 * @filters:	&struct damon_filter list deciding whether a sample hits.
 * @preps:	&struct damon_prep list run on the sampled page before each
 *		sampling interval.
 * @list:	Link in &damon_ctx->probes.
 *
 * Each sample, a probe looks at the folio at every region's sampling
 * address and counts a hit in the region's probe_hits[] slot of the probe
 * (its position in the context's list) when its filters pass the folio.
 */
struct damon_probe {
	unsigned int weight;
	struct list_head filters;
	struct list_head preps;
	struct list_head list;
};

/* ==================== Sample control ==================== */

/**
 * enum damon_sample_filter_type - What a sample filter looks at, on an
 * access a sample found.
 * @DAMON_SAMPLE_FILTER_CPUMASK:	The accessing CPU is in the filter's
 *					cpumask.
 * @DAMON_SAMPLE_FILTER_THREADS:	The accessing thread's id is in the
 *					filter's tids.
 * @DAMON_SAMPLE_FILTER_WRITE:		The access was a write.
 * @NR_DAMON_SAMPLE_FILTER_TYPES:	Count of the above.
 *
 * User-visible names are in &damon_sample_filter_type_names.
 */
enum damon_sample_filter_type {
	DAMON_SAMPLE_FILTER_CPUMASK,
	DAMON_SAMPLE_FILTER_THREADS,
	DAMON_SAMPLE_FILTER_WRITE,
	NR_DAMON_SAMPLE_FILTER_TYPES,
};

/**
 * struct damon_sample_filter - A filter on the accesses samples find.
 * @type:	What the filter looks at.
 * @matching:	Whether the filter applies to accesses that have the
 *		property (true) or to accesses that have not.
 * @allow:	Whether an access the filter applies to counts (true) or not.
 * @cpumask:	The CPUs, for &DAMON_SAMPLE_FILTER_CPUMASK.
 * @tids:	The thread ids, for &DAMON_SAMPLE_FILTER_THREADS; NULL if
 *		@nr_tids is 0.
 * @nr_tids:	Number of entries of @tids.
 * @list:	Link in &damon_sample_control->filters.
 *
 * The filters are evaluated in order, as DAMOS filters are: the first that
 * applies decides; when none applies, the access counts if the last filter
 * does not allow.  Without filters every access counts.  A property the
 * sampling primitive cannot tell (the CPU or thread of an Accessed bit)
 * makes damon_validate_ctx() refuse the filter.
 */
struct damon_sample_filter {
	enum damon_sample_filter_type type;
	bool matching;
	bool allow;
	struct cpumask *cpumask;
	pid_t *tids;
	unsigned int nr_tids;
	struct list_head list;
};

/**
 * struct damon_sample_primitives - How a context samples accesses.
 * @page_table:	Accessed bits of page table entries, and Dirty bits for
 *		write filters.
 * @page_fault:	Faults DAMON induces on sampled pages (mm/damon/fault.c);
 *		needs CONFIG_DAMON_PAGE_FAULT.
 *
 * Exactly one must be set.
 */
struct damon_sample_primitives {
	bool page_table;
	bool page_fault;
};

/**
 * struct damon_sample_control - How a context samples, and which of the
 * accesses it finds count.
 * @primitives:	The sampling primitive.
 * @filters:	&struct damon_sample_filter list, in order.
 */
struct damon_sample_control {
	struct damon_sample_primitives primitives;
	struct list_head filters;
};

/**
 * struct damon_sample_access - An access a sample found, as the sample
 * filters see it.
 * @cpu:	The accessing CPU, or -1 if the primitive cannot tell.
 * @tid:	The accessing thread's id, or 0 if the primitive cannot tell.
 * @write:	Whether the access was a write.
 */
struct damon_sample_access {
	int cpu;
	pid_t tid;
	bool write;
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
struct damon_fault_sink;
struct damos;
struct damos_walk_control;

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
 *			(sampling_addr, with damon_pick_sampling_addr())
 *			and make the page there look unaccessed.
 * @finish_sample:	Required.  Tell for every region whether the page
 *			at its sampling_addr was accessed since
 *			@start_sample, through
 *			damon_update_region_access_rate().
 * @setup_regions:	Optional.  Give targets their first regions when a
 *			kdamond starts.
 * @refresh_regions:	Optional.  Adjust the regions to changes of the
 *			address space, once per ops update interval, right
 *			before an aggregation merges regions.
 * @target_alive:	Optional.  False once a target can no longer be
 *			monitored; without it, targets live forever.
 * @apply_scheme:	Optional.  Apply the action of scheme @s to the whole
 *			of region @r of target @t, skipping memory that the
 *			scheme's ops filters reject, and return the number of
 *			bytes the action was applied to.  Stores in
 *			*@sz_filter_passed the bytes that passed the ops
 *			filters.  Re-checks under the right locks that the
 *			memory still belongs to @t.  The core has already
 *			fitted @r to the quota and checked the core filters.
 * @sz_on_node:		Optional.  Bytes of region @r of @t that sit on NUMA
 *			node @nid, for the node_eligible_mem_bp quota goal.
 * @apply_probes:	Optional.  Evaluate every probe of the context on the
 *			folio at each region's sampling_addr and count the
 *			hits in the region's probe_hits[].  Called after
 *			@finish_sample (or, in attributes-only mode, in its
 *			place).  Without it, probes never hit.
 * @prep_probes:	Optional.  Run the preps of every probe on the page
 *			at each region's sampling_addr, before the sampling
 *			interval starts: after @start_sample, on its
 *			addresses, or in attributes-only mode on addresses
 *			the core picked.  Called only if a probe has preps.
 * @sample_filters:	Bitmap of the &enum damon_sample_filter_type values
 *			the page_table primitive of this set can tell,
 *			BIT(type) each.  damon_validate_ctx() refuses other
 *			sample filters.
 * @page_fault:		Whether this set implements the page_fault
 *			sampling primitive.
 * @actions:		Bitmap of the &enum damos_action values this set
 *			can apply, BIT(action) each.  Schemes with other
 *			actions are refused by damon_start() and
 *			damon_commit_ctx().
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
	unsigned long (*apply_scheme)(struct damon_ctx *ctx,
				      struct damon_target *t,
				      struct damon_region *r, struct damos *s,
				      unsigned long *sz_filter_passed);
	unsigned long (*sz_on_node)(struct damon_ctx *ctx,
				    struct damon_target *t,
				    struct damon_region *r, int nid);
	void (*apply_probes)(struct damon_ctx *ctx);
	void (*prep_probes)(struct damon_ctx *ctx);
	unsigned long sample_filters;
	bool page_fault;
	unsigned long actions;
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
 *			callback, in microseconds; a call waits for the next
 *			aggregation.
 * @intervals_goal:	Sampling interval auto-tuning goal.
 * @min_nr_regions:	Lower bound of the number of regions per target.
 * @max_nr_regions:	Upper bound of the number of regions per context,
 *			restored by every aggregation (the initial split
 *			and new ranges may exceed it until then).
 *
 * Any of the three intervals may be 0, which counts as 1 us where an
 * interval divides another, and as no sleep between samples.
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

/* ==================== DAMOS: access-aware schemes ==================== */

/**
 * enum damos_action - What a scheme does to the regions it selects.
 * @DAMOS_STAT:		Do nothing but count.
 * @DAMOS_PAGEOUT:	Reclaim the memory now (MADV_PAGEOUT, or reclaim of
 *			the physical pages).
 * @DAMOS_COLD:		Mark the memory as cold for reclaim (MADV_COLD).
 * @DAMOS_WILLNEED:	Read the memory in ahead (MADV_WILLNEED).
 * @DAMOS_HUGEPAGE:	Allow huge pages (MADV_HUGEPAGE).
 * @DAMOS_NOHUGEPAGE:	Forbid huge pages (MADV_NOHUGEPAGE).
 * @DAMOS_COLLAPSE:	Collapse into huge pages now (MADV_COLLAPSE).
 * @DAMOS_LRU_PRIO:	Move the pages to the head of the active LRU list.
 * @DAMOS_LRU_DEPRIO:	Move the pages to the inactive LRU list.
 * @DAMOS_MIGRATE_HOT:	Migrate the pages to another node, hottest first.
 * @DAMOS_MIGRATE_COLD:	Migrate the pages to another node, coldest first.
 * @DAMOS_ALLOC:	Take the free or freeable physically contiguous blocks
 *			of the memory out of the page allocator and report
 *			them to the hypervisor as free (paddr only).
 * @DAMOS_FREE:		Give blocks that %DAMOS_ALLOC took back to the page
 *			allocator (paddr only).
 * @NR_DAMOS_ACTIONS:	Count of the above; not an action.
 *
 * User-visible names are in &damos_action_names.
 */
enum damos_action {
	DAMOS_STAT,
	DAMOS_PAGEOUT,
	DAMOS_COLD,
	DAMOS_WILLNEED,
	DAMOS_HUGEPAGE,
	DAMOS_NOHUGEPAGE,
	DAMOS_COLLAPSE,
	DAMOS_LRU_PRIO,
	DAMOS_LRU_DEPRIO,
	DAMOS_MIGRATE_HOT,
	DAMOS_MIGRATE_COLD,
	DAMOS_ALLOC,
	DAMOS_FREE,
	NR_DAMOS_ACTIONS,
};

/**
 * struct damos_access_pattern - Which regions a scheme selects.
 * @min_age_region:	Lowest age, in aggregation intervals.
 * @max_age_region:	Highest age, in aggregation intervals.
 * @min_nr_accesses:	Lowest nr_accesses per aggregation interval.
 * @max_nr_accesses:	Highest nr_accesses per aggregation interval.
 * @min_sz_region:	Smallest region size, in bytes.
 * @max_sz_region:	Largest region size, in bytes.
 *
 * All bounds are inclusive.  A region is selected if all three of its
 * properties are in range.
 */
struct damos_access_pattern {
	unsigned int min_age_region;
	unsigned int max_age_region;
	unsigned int min_nr_accesses;
	unsigned int max_nr_accesses;
	unsigned long min_sz_region;
	unsigned long max_sz_region;
};

/**
 * enum damos_quota_goal_metric - What a quota goal measures.
 * @DAMOS_QUOTA_USER_INPUT:	Whatever the user wrote to current_value.
 * @DAMOS_QUOTA_SOME_MEM_PSI_US: Memory "some" PSI stall time over the last
 *				quota reset interval, in microseconds.
 * @DAMOS_QUOTA_NODE_MEM_USED_BP: Used memory of node @nid, in basis points
 *				of the node's memory.
 * @DAMOS_QUOTA_NODE_MEM_FREE_BP: Free memory of node @nid, likewise.
 * @DAMOS_QUOTA_NODE_MEMCG_USED_BP: Memory of a memcg on node @nid, in basis
 *				points of the node's memory.
 * @DAMOS_QUOTA_NODE_MEMCG_FREE_BP: The rest of node @nid, likewise.
 * @DAMOS_QUOTA_ACTIVE_MEM_BP:	Active LRU memory, in basis points of all
 *				LRU memory.
 * @DAMOS_QUOTA_INACTIVE_MEM_BP: Inactive LRU memory, likewise.
 * @DAMOS_QUOTA_NODE_ELIGIBLE_MEM_BP: Of the memory in regions that match
 *				the scheme's access pattern, the share on node
 *				@nid, in basis points.
 * @DAMOS_QUOTA_HUGEPAGE_MEM_BP: Transparent huge page memory (anon, shmem
 *				and file), in basis points of used memory.
 * @NR_DAMOS_QUOTA_GOAL_METRICS: Count of the above; not a metric.
 *
 * User-visible names are in &damos_quota_goal_metric_names.
 */
enum damos_quota_goal_metric {
	DAMOS_QUOTA_USER_INPUT,
	DAMOS_QUOTA_SOME_MEM_PSI_US,
	DAMOS_QUOTA_NODE_MEM_USED_BP,
	DAMOS_QUOTA_NODE_MEM_FREE_BP,
	DAMOS_QUOTA_NODE_MEMCG_USED_BP,
	DAMOS_QUOTA_NODE_MEMCG_FREE_BP,
	DAMOS_QUOTA_ACTIVE_MEM_BP,
	DAMOS_QUOTA_INACTIVE_MEM_BP,
	DAMOS_QUOTA_NODE_ELIGIBLE_MEM_BP,
	DAMOS_QUOTA_HUGEPAGE_MEM_BP,
	NR_DAMOS_QUOTA_GOAL_METRICS,
};

/**
 * struct damos_quota_goal - A target value for a metric the scheme affects.
 * @metric:		What is measured.
 * @target_value:	The value the quota tuning aims at.
 * @current_value:	The last measured value; written by the user for
 *			&DAMOS_QUOTA_USER_INPUT.
 * @complement:		Aim at the complement of the metric: a measured
 *			value v counts as &DAMON_BP_UNIT - v.  Ignored for
 *			&DAMOS_QUOTA_USER_INPUT and
 *			&DAMOS_QUOTA_SOME_MEM_PSI_US.
 * @nid:		NUMA node of node_* metrics.
 * @memcg_id:		Memory cgroup (mem_cgroup_id()) of node_memcg_*
 *			metrics.  An id, not a reference: a removed memcg
 *			simply stops matching.
 * @list:		Link in &damos_quota->goals.
 */
struct damos_quota_goal {
	enum damos_quota_goal_metric metric;
	unsigned long target_value;
	unsigned long current_value;
	bool complement;
	int nid;
	unsigned short memcg_id;
	struct list_head list;
/* private: */
	u64 last_psi_total;
};

/**
 * enum damos_quota_goal_tuner - How goals drive the effective quota.
 * @DAMOS_QUOTA_GOAL_TUNER_CONSIST:	Adjust the quota in proportion to the
 *					distance from the goal, always.
 * @DAMOS_QUOTA_GOAL_TUNER_TEMPORAL:	Use the whole quota until the goal
 *					is met, then none.
 * @NR_DAMOS_QUOTA_GOAL_TUNERS:		Count of the above.
 */
enum damos_quota_goal_tuner {
	DAMOS_QUOTA_GOAL_TUNER_CONSIST,
	DAMOS_QUOTA_GOAL_TUNER_TEMPORAL,
	NR_DAMOS_QUOTA_GOAL_TUNERS,
};

/**
 * struct damos_quota - How much a scheme may do per reset interval.
 * @reset_interval:	Length of the charging period, in milliseconds.
 * @ms:			Time the action may take per period; 0 = no limit.
 * @sz:			Bytes the action may be applied to per period;
 *			0 = no limit.
 * @goals:		&struct damos_quota_goal list tuning the quota.
 * @goal_tuner:		How @goals tune the quota.
 * @weight_sz:		Weight of region size when ranking regions.
 * @weight_nr_accesses:	Weight of access frequency when ranking regions.
 * @weight_age:		Weight of age when ranking regions.
 * @fail_charge_num:	Numerator of the share of the bytes an action failed
 *			on that is charged to @sz.
 * @fail_charge_denom:	Its denominator; 0 charges whole regions, the
 *			bytes the action failed on included.
 * @esz:		Read-only: the effective size quota of the current
 *			period, the tightest of @sz, what @ms allows at the
 *			measured throughput and what @goals allow;
 *			ULONG_MAX when nothing limits the size.
 *
 * When the quota limits a scheme, the regions ranked best by the weights
 * are applied first.  With several goals, the one closest to being met
 * (the highest current/target ratio) drives the tuning.  A reset interval
 * of 0 makes every application of the scheme a period of its own.
 *
 * The scalar parameters the user sets are also grouped as one
 * &struct damos_quota_params, @params, so that creating and committing a
 * scheme copy them in one assignment and no copy can miss a new one.
 */
struct damos_quota {
	__struct_group(damos_quota_params, params, /* no attrs */, /* user-set */
		unsigned long reset_interval;
		unsigned long ms;
		unsigned long sz;
		enum damos_quota_goal_tuner goal_tuner;
		unsigned int weight_sz;
		unsigned int weight_nr_accesses;
		unsigned int weight_age;
		unsigned int fail_charge_num;
		unsigned int fail_charge_denom;
	);
	struct list_head goals;
	unsigned long esz;
/* private: see mm/damon/quota.c and mm/damon/apply.c */
	bool period_started;
	bool exceeded;
	unsigned long period_end;
	unsigned long charged_sz;
	u64 charged_ns;
	u64 total_charged_sz;
	u64 total_charged_ns;
	unsigned long goal_sz;
	unsigned int min_score;
	struct damon_target *charge_target_from;
	unsigned long charge_addr_from;
};

/**
 * enum damos_wmark_metric - What watermarks compare against.
 * @DAMOS_WMARK_NONE:		Nothing; the scheme is always active.
 * @DAMOS_WMARK_FREE_MEM_RATE:	Free memory of the system, in permil.
 * @NR_DAMOS_WMARK_METRICS:	Count of the above.
 */
enum damos_wmark_metric {
	DAMOS_WMARK_NONE,
	DAMOS_WMARK_FREE_MEM_RATE,
	NR_DAMOS_WMARK_METRICS,
};

/**
 * struct damos_watermarks - When a scheme is active.
 * @high:	Above it, the scheme deactivates.
 * @mid:	Between @low and @high, an inactive scheme activates.
 * @low:	Below it, the scheme deactivates.
 * @metric:	What the three levels are compared with.
 * @interval:	Time between two comparisons, in microseconds.
 */
struct damos_watermarks {
	unsigned long high;
	unsigned long mid;
	unsigned long low;
	enum damos_wmark_metric metric;
	unsigned long interval;
/* private: */
	unsigned long next_check_sis;
	bool activated;
};

/**
 * enum damos_filter_type - What a filter looks at.
 * @DAMOS_FILTER_TYPE_TARGET:	A monitoring target, by index.
 * @DAMOS_FILTER_TYPE_ADDR:	An address range.
 * @DAMOS_FILTER_TYPE_PROBE_HITS_WSUM: A range of the region's weighted sum
 *				of probe hits (moving sums).
 * @DAMOS_FILTER_TYPE_UNMAPPED:	Pages mapped by no page table.
 * @DAMOS_FILTER_TYPE_ANON:	Anonymous pages.
 * @DAMOS_FILTER_TYPE_MEMCG:	Pages charged to a memory cgroup.
 * @DAMOS_FILTER_TYPE_ACTIVE:	Pages on an active LRU list.
 * @DAMOS_FILTER_TYPE_YOUNG:	Pages accessed since the last check.
 * @DAMOS_FILTER_TYPE_HUGEPAGE_SIZE: Pages in a folio of a size range.
 * @NR_DAMOS_FILTER_TYPES:	Count of the above.
 *
 * The core evaluates the types up to &DAMOS_FILTER_TYPE_PROBE_HITS_WSUM per
 * region,
 * the operation set the ones after it per page; see
 * damos_filter_for_ops().
 */
enum damos_filter_type {
	DAMOS_FILTER_TYPE_TARGET,
	DAMOS_FILTER_TYPE_ADDR,
	DAMOS_FILTER_TYPE_PROBE_HITS_WSUM,
	DAMOS_FILTER_TYPE_UNMAPPED,
	DAMOS_FILTER_TYPE_ANON,
	DAMOS_FILTER_TYPE_MEMCG,
	DAMOS_FILTER_TYPE_ACTIVE,
	DAMOS_FILTER_TYPE_YOUNG,
	DAMOS_FILTER_TYPE_HUGEPAGE_SIZE,
	NR_DAMOS_FILTER_TYPES,
};

/**
 * struct damos_filter - Memory a scheme must or must not touch.
 * @type:	What the filter looks at.
 * @matching:	Whether the filter applies to memory that has the property
 *		(true) or to memory that has not.
 * @allow:	Whether memory the filter applies to is allowed (true) or
 *		rejected.
 * @target_idx:	Index of the target, for &DAMOS_FILTER_TYPE_TARGET.
 * @addr_range:	The range, for &DAMOS_FILTER_TYPE_ADDR.
 * @memcg_id:	mem_cgroup_id() of the memcg, for &DAMOS_FILTER_TYPE_MEMCG.
 * @sz_range:	Folio size range, for &DAMOS_FILTER_TYPE_HUGEPAGE_SIZE.
 * @wsum_range:	Inclusive range of the weighted probe hit sum, for
 *		&DAMOS_FILTER_TYPE_PROBE_HITS_WSUM.
 * @list:	Link in the core or ops filter list of the scheme.
 *
 * Filters of a stage (core, then ops) are evaluated in order; the first
 * that applies decides.  Memory no filter of a stage applies to is allowed
 * if the stage's last filter rejects, and rejected if it allows.
 */
struct damos_filter {
	enum damos_filter_type type;
	bool matching;
	bool allow;
	union {
		int target_idx;
		struct damon_addr_range addr_range;
		unsigned short memcg_id;
		struct damon_size_range sz_range;
		struct damon_size_range wsum_range;
	};
	struct list_head list;
};

/**
 * struct damos_migrate_dests - Weighted destination nodes of migrations.
 * @node_id_arr:	The node ids.
 * @weight_arr:		Their weights.
 * @nr_dests:		Length of both arrays; 0 = use &damos->target_nid.
 */
struct damos_migrate_dests {
	unsigned int *node_id_arr;
	unsigned int *weight_arr;
	size_t nr_dests;
};

/**
 * struct damos_stat - What a scheme did since it was created.
 * @nr_tried:		Regions the action was tried on.
 * @sz_tried:		Bytes of those regions.
 * @nr_applied:		Regions the action was applied to, at least in part.
 * @sz_applied:		Bytes the action was applied to.
 * @sz_ops_filter_passed: Bytes that passed the ops filters.
 * @qt_exceeds:		Times the quota stopped the scheme in a period.
 * @nr_snapshots:	Completed passes of the scheme over all regions.
 */
struct damos_stat {
	unsigned long nr_tried;
	unsigned long sz_tried;
	unsigned long nr_applied;
	unsigned long sz_applied;
	unsigned long sz_ops_filter_passed;
	unsigned long qt_exceeds;
	unsigned long nr_snapshots;
};

/**
 * struct damos - A data access monitoring-based operation scheme.
 * @pattern:		The regions to act on.
 * @action:		What to do to them.
 * @apply_interval_us:	Time between two applications; 0 = every
 *			aggregation interval.
 * @target_nid:		Destination node of migrate_* actions without
 *			@migrate_dests.
 * @migrate_dests:	Weighted destination nodes of migrate_* actions.
 * @quota:		Limits per reset interval.
 * @wmarks:		When the scheme is active.
 * @core_filters:	&struct damos_filter list evaluated by the core.
 * @ops_filters:	&struct damos_filter list evaluated by the ops.
 * @stat:		Statistics.
 * @max_nr_snapshots:	Deactivate the scheme after this many snapshots;
 *			0 = never.
 * @list:		Link in &damon_ctx->schemes.
 */
struct damos {
	struct damos_access_pattern pattern;
	enum damos_action action;
	unsigned long apply_interval_us;
	int target_nid;
	struct damos_migrate_dests migrate_dests;
	struct damos_quota quota;
	struct damos_watermarks wmarks;
	struct list_head core_filters;
	struct list_head ops_filters;
	struct damos_stat stat;
	unsigned long max_nr_snapshots;
	struct list_head list;
/* private: see mm/damon/apply.c */
	unsigned long next_apply_sis;
	struct damos_walk_control *walk_control;
	bool core_filters_allowed;
};

/**
 * struct damos_walk_control - Visit the regions schemes are tried on.
 * @walk_fn:	Called for every region a scheme is tried on, with the bytes
 *		of it that passed the ops filters, during the next complete
 *		pass of every scheme of the context.
 * @data:	First argument of @walk_fn.
 * @canceled:	Set when the kdamond stopped before the walk completed.
 *
 * Used with damos_walk().  @walk_fn runs in the kdamond without any DAMON
 * lock held, and may sleep.
 */
struct damos_walk_control {
	void (*walk_fn)(void *data, struct damon_ctx *ctx,
			struct damon_target *t, struct damon_region *r,
			struct damos *s, unsigned long sz_filter_passed);
	void *data;
	bool canceled;
/* private: */
	struct completion completion;
	unsigned long nr_pending;
};

/**
 * struct damon_ctx - A monitoring context.
 * @attrs:	Monitoring attributes.  Change them with damon_set_attrs().
 * @ops:	The selected operation set.
 * @adaptive_targets: The targets (&struct damon_target).
 * @min_sz_region: Minimal region size and alignment: a power of two.
 *		&DAMON_MIN_REGION unless @addr_unit scales addresses.
 * @addr_unit:	paddr only: a DAMON address times @addr_unit is a physical
 *		address.  1 by default.
 * @pause:	Keep the kdamond alive (it still serves damon_call() and
 *		damos_walk()) but stop monitoring and applying schemes.
 * @schemes:	The schemes (&struct damos), applied in order.
 * @probes:	The data attribute probes (&struct damon_probe), at most
 *		&DAMON_MAX_PROBES.
 * @sample:	How accesses are sampled and which count.
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
	unsigned long addr_unit;
	bool pause;
	struct list_head schemes;
	struct list_head probes;
	struct damon_sample_control sample;

/* private: kdamond state, see mm/damon/core.c */
	struct mutex kdamond_lock;	/* see mm/damon/core.c */
	struct task_struct *kdamond;
	int kdamond_id;
	bool kdamond_finished;
	bool kdamond_kicked;		/* see damon_kdamond_kick() */

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
	unsigned int split_offset;	/* see mm/damon/regions.c */
	unsigned int last_split_nr_regions;
	struct damon_fault_sink *fault_sink;	/* see mm/damon/fault.c */

	struct mutex walk_control_lock;	/* see mm/damon/apply.c */
	struct damos_walk_control *walk_control;
	bool accepting_walks;
	bool walk_started;
	bool walk_visiting;
	bool walk_withdrawn;

	struct xarray taken_blocks;	/* see mm/damon/blocks.c */
	atomic_long_t nr_taken_pages;
	struct shrinker *blocks_shrinker;
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
#define __damon_schemes(ctx)	(&(ctx)->schemes)
#define __damos_goals(quota)	(&(quota)->goals)

#define damon_for_each_scheme(s, ctx) \
	list_for_each_entry(s, __damon_schemes(ctx), list)
#define damon_for_each_scheme_safe(s, next, ctx) \
	list_for_each_entry_safe(s, next, __damon_schemes(ctx), list)
#define damos_for_each_quota_goal(goal, quota) \
	list_for_each_entry(goal, __damos_goals(quota), list)
#define damos_for_each_quota_goal_safe(goal, next, quota) \
	list_for_each_entry_safe(goal, next, __damos_goals(quota), list)
#define damos_for_each_core_filter(f, s) \
	list_for_each_entry(f, &(s)->core_filters, list)
#define damos_for_each_ops_filter(f, s) \
	list_for_each_entry(f, &(s)->ops_filters, list)

/*
 * Probes of a context, and the filters and preps of a probe, in order.
 * All three link through their member "list".
 */
#define __damon_each(pos, head)	list_for_each_entry(pos, head, list)
#define __damon_each_safe(pos, n, head)	\
	list_for_each_entry_safe(pos, n, head, list)
#define damon_for_each_probe(p, ctx)	__damon_each(p, &(ctx)->probes)
#define damon_for_each_filter(f, p)	__damon_each(f, &(p)->filters)
#define damon_for_each_prep(prep, p)	__damon_each(prep, &(p)->preps)
#define damon_for_each_sample_filter(f, ctx)	\
	__damon_each(f, &(ctx)->sample.filters)
#define damon_for_each_sample_filter_safe(f, next, ctx)	\
	__damon_each_safe(f, next, &(ctx)->sample.filters)
#define damon_for_each_probe_safe(p, next, ctx)	\
	__damon_each_safe(p, next, &(ctx)->probes)
#define damon_for_each_filter_safe(f, next, p)	\
	__damon_each_safe(f, next, &(p)->filters)
#define damon_for_each_prep_safe(prep, next, p)	\
	__damon_each_safe(prep, next, &(p)->preps)

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
 * damos_filter_for_ops() - Whether the operation set evaluates a filter type.
 * @type:	The filter type.
 *
 * Return: true for per-page types evaluated by the operation set, false
 * for types the core evaluates per region.
 */
static inline bool damos_filter_for_ops(enum damos_filter_type type)
{
	return type > DAMOS_FILTER_TYPE_PROBE_HITS_WSUM;
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
void damon_update_region_access_rate(struct damon_region *r, bool accessed);
unsigned long damon_pick_sampling_addr(const struct damon_ctx *ctx,
				       const struct damon_region *r,
				       unsigned long unit);

unsigned int damon_nr_accesses_mvsum(const struct damon_ctx *ctx,
				     const struct damon_region *r);
unsigned int damon_probe_hits_mvsum(const struct damon_ctx *ctx,
				    const struct damon_region *r,
				    unsigned int pidx);
unsigned long damon_probe_hits_wsum(const struct damon_ctx *ctx,
				    const struct damon_region *r, bool mvsum);

/* Contexts, targets and kdamonds: mm/damon/core.c */
struct damon_target *damon_new_target(void);
void damon_destroy_target(struct damon_target *t, struct damon_ctx *ctx);

struct damon_ctx *damon_new_ctx(void);
void damon_destroy_ctx(struct damon_ctx *ctx);
int damon_set_attrs(struct damon_ctx *ctx, const struct damon_attrs *attrs);
int damon_commit_ctx(struct damon_ctx *dst, struct damon_ctx *src);
unsigned long damon_min_sz_region_of(unsigned long addr_unit);

int damon_start(struct damon_ctx **ctxs, int nr_ctxs, bool exclusive);
int damon_stop(struct damon_ctx **ctxs, int nr_ctxs);
bool damon_is_running(struct damon_ctx *ctx);
int damon_kdamond_pid(struct damon_ctx *ctx);
int damon_call(struct damon_ctx *ctx, struct damon_call_control *control);

/* Schemes: mm/damon/schemes.c, quota.c, goals.c */
extern const char * const damos_action_names[NR_DAMOS_ACTIONS];
extern const char * const damos_filter_type_names[NR_DAMOS_FILTER_TYPES];
extern const char * const
damos_quota_goal_metric_names[NR_DAMOS_QUOTA_GOAL_METRICS];
extern const char * const
damos_quota_goal_tuner_names[NR_DAMOS_QUOTA_GOAL_TUNERS];
extern const char * const damos_wmark_metric_names[NR_DAMOS_WMARK_METRICS];
int damon_name_index(const char * const *names, int nr, const char *name);

struct damos *damon_new_scheme(const struct damos_access_pattern *pattern,
			       enum damos_action action,
			       unsigned long apply_interval_us,
			       const struct damos_quota *quota,
			       const struct damos_watermarks *wmarks,
			       int target_nid);
void damon_add_scheme(struct damon_ctx *ctx, struct damos *s);
void damon_destroy_scheme(struct damos *s);
int damon_set_schemes(struct damon_ctx *ctx, struct damos **schemes,
		      int nr_schemes);
int damos_set_migrate_dests(struct damos *s, const unsigned int *node_ids,
			    const unsigned int *weights, size_t nr_dests);

struct damos_filter *damos_new_filter(enum damos_filter_type type,
				      bool matching, bool allow);
void damos_add_filter(struct damos *s, struct damos_filter *f);
void damos_destroy_filter(struct damos_filter *f);

struct damos_quota_goal *
damos_new_quota_goal(enum damos_quota_goal_metric metric,
		     unsigned long target_value);
void damos_add_quota_goal(struct damos_quota *q, struct damos_quota_goal *g);
void damos_destroy_quota_goal(struct damos_quota_goal *g);
int damos_commit_quota_goals(struct damos_quota *dst,
			     struct damos_quota *src);
int damon_memcg_id_by_path(const char *path, unsigned short *id);

int damos_walk(struct damon_ctx *ctx, struct damos_walk_control *control);

/* Data attribute probes: mm/damon/probes.c */
extern const char * const damon_filter_type_names[NR_DAMON_FILTER_TYPES];
extern const char * const damon_prep_action_names[NR_DAMON_PREP_ACTIONS];

struct damon_probe *damon_new_probe(unsigned int weight);
void damon_add_probe(struct damon_ctx *ctx, struct damon_probe *p);
void damon_destroy_probe(struct damon_probe *p);
unsigned int damon_nr_probes(const struct damon_ctx *ctx);
struct damon_filter *damon_new_filter(enum damon_filter_type type,
				      bool matching, bool allow);
void damon_add_filter(struct damon_probe *p, struct damon_filter *f);
void damon_destroy_filter(struct damon_filter *f);
struct damon_prep *damon_new_prep(enum damon_prep_action action);
void damon_add_prep(struct damon_probe *p, struct damon_prep *prep);
void damon_destroy_prep(struct damon_prep *prep);
bool damon_attrs_only(const struct damon_ctx *ctx);

/* Sample control: mm/damon/sample.c */
extern const char * const
damon_sample_filter_type_names[NR_DAMON_SAMPLE_FILTER_TYPES];

struct damon_sample_filter *
damon_new_sample_filter(enum damon_sample_filter_type type, bool matching,
			bool allow);
int damon_sample_filter_set_tids(struct damon_sample_filter *f,
				 const pid_t *tids, unsigned int nr_tids);
void damon_add_sample_filter(struct damon_ctx *ctx,
			     struct damon_sample_filter *f);
void damon_destroy_sample_filter(struct damon_sample_filter *f);
bool damon_sample_filters_pass(const struct damon_ctx *ctx,
			       const struct damon_sample_access *access);
bool damon_sample_wants_write(const struct damon_ctx *ctx);

/* Operation sets: mm/damon/ops.c */
const char *damon_ops_name(enum damon_ops_id id);
int damon_register_ops(const struct damon_operations *ops);
bool damon_is_registered_ops(enum damon_ops_id id);
int damon_select_ops(struct damon_ctx *ctx, enum damon_ops_id id);
int damon_ops_id_by_name(const char *name);

#endif	/* CONFIG_DAMON */

#ifdef CONFIG_DAMON_PADDR
int damon_set_region_system_rams_default(struct damon_target *t,
					 unsigned long *start,
					 unsigned long *end,
					 unsigned long addr_unit,
					 unsigned long min_sz_region);
#endif

/* ==================== Hooks of the page_fault primitive ==================== */

struct folio;
struct vm_fault;

#ifdef CONFIG_DAMON_PAGE_FAULT
#include <linux/jump_label.h>

/* On while a context samples with the page_fault primitive: fault.c */
DECLARE_STATIC_KEY_FALSE(damon_fault_key);

bool __damon_fault_pte(struct vm_fault *vmf, struct folio *folio,
		       unsigned long pfn);
bool __damon_fault_pmd(struct vm_fault *vmf, struct folio *folio);

/**
 * damon_fault_pte() - Take a fault DAMON induced to sample an access.
 * @vmf:	The fault, on a PROT_NONE entry of an accessible VMA, the
 *		entry checked unchanged under the page table lock.
 * @folio:	The folio the entry maps.
 * @pfn:	The page frame number the entry maps.
 *
 * Called by do_numa_page() before any NUMA balancing work.  Reports the
 * access (CPU, thread, write) to the DAMON contexts that made the entry
 * PROT_NONE to sample it.
 *
 * Context: the page table lock held; does not sleep or allocate.
 * Return: true if DAMON made the entry PROT_NONE: the caller maps the page
 * again and does no NUMA hinting work.  False otherwise, and always while
 * no context samples with page faults.
 */
static inline bool damon_fault_pte(struct vm_fault *vmf, struct folio *folio,
				   unsigned long pfn)
{
	if (!static_branch_unlikely(&damon_fault_key))
		return false;
	return __damon_fault_pte(vmf, folio, pfn);
}

/**
 * damon_fault_pmd() - damon_fault_pte() for a PMD-mapped THP.
 * @vmf:	The fault, with the PMD lock held.
 * @folio:	The THP.
 *
 * Context: the PMD lock held; does not sleep or allocate.
 * Return: as damon_fault_pte().
 */
static inline bool damon_fault_pmd(struct vm_fault *vmf, struct folio *folio)
{
	if (!static_branch_unlikely(&damon_fault_key))
		return false;
	return __damon_fault_pmd(vmf, folio);
}
#else	/* CONFIG_DAMON_PAGE_FAULT */
static inline bool damon_fault_pte(struct vm_fault *vmf, struct folio *folio,
				   unsigned long pfn)
{
	return false;
}

static inline bool damon_fault_pmd(struct vm_fault *vmf, struct folio *folio)
{
	return false;
}
#endif	/* CONFIG_DAMON_PAGE_FAULT */

#endif	/* _LINUX_DAMON_H */
