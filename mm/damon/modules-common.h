/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The skeleton shared by the built-in DAMON modules (DAMON_RECLAIM,
 * DAMON_LRU_SORT, DAMON_STAT, DAMON_ACMA).
 *
 * A module is a &struct damon_module: the values of its parameters, the
 * schemes it builds from them and, while it is enabled, one physical
 * address space context run by its own kdamond.  The parameter groups
 * below declare the /sys/module/<name>/parameters/ files that point into
 * that structure; a module file defines MODULE_PARAM_PREFIX, its
 * structure with its defaults, the groups it uses and its own parameters.
 *
 * A write stores any value of the parameter's type, as a plain module
 * parameter does; only text that does not parse is refused.  Parameters
 * are read when the module is enabled and when Y is written to
 * commit_inputs.  Either way a new context is built from them ("staged")
 * and checked as a whole before anything changes: first by
 * damon_module_check(), for what the core cannot check itself, then by the
 * core as the context is built and started or committed.  A running
 * kdamond gets it through damon_commit_ctx(), called from the kdamond
 * itself.
 */

#ifndef _MM_DAMON_MODULES_COMMON_H
#define _MM_DAMON_MODULES_COMMON_H

#include <linux/damon.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/time64.h>

/*
 * Monitoring intervals every module starts from.  With auto-tuning on,
 * they replace the interval parameters, so that the tuner always starts
 * from the same place and ages given in time can be converted before the
 * tuner moves the intervals.
 */
#define DAMON_MODULE_SAMPLE_US		(5 * USEC_PER_MSEC)
#define DAMON_MODULE_AGGR_US		(100 * USEC_PER_MSEC)

/*
 * Sampling interval auto-tuning goal of the modules, see damon_attrs.
 * The schemes modules aim at 0.4% of the sampled accesses seen: a low
 * ratio keeps the intervals short enough for the schemes to react.
 */
#define DAMON_MODULE_TUNE_ACCESS_BP	40
#define DAMON_MODULE_TUNE_AGGRS		3
#define DAMON_MODULE_TUNE_MIN_SAMPLE_US	(5 * USEC_PER_MSEC)
#define DAMON_MODULE_TUNE_MAX_SAMPLE_US	(10 * USEC_PER_SEC)

/* Most schemes a module has, and so statistics it keeps. */
#define DAMON_MODULE_MAX_SCHEMES	2

/* Free memory rates of the watermarks are in permil. */
#define DAMON_MODULE_PERMIL		1000

struct damon_module;

/**
 * struct damon_module_ops - What a module adds to the skeleton.
 * @add_schemes:	Optional.  Add the module's schemes to @ctx, built
 *			from the parameters with damon_module_add_scheme().
 *			Called with the module lock held.
 * @set_regions:	Optional.  Give the target of @ctx its regions;
 *			by default, the monitored region parameters, or
 *			all System RAM written back into them.
 * @kdamond_work:	Optional.  Called in the kdamond once per sample,
 *			after the scheme statistics were copied, and once
 *			per wake-up while the watermarks keep it asleep.
 * @start:		Optional.  Reset what the module keeps of a run of
 *			its kdamond.  Called with the module lock held and
 *			no kdamond of the module running, before a new one
 *			is built and started.
 * @committed:		Optional.  The parameters @add_schemes built a
 *			context from are now in use: take over what the
 *			module keeps of them outside the context.  Called
 *			once the context is built, before its kdamond
 *			starts, and by the kdamond right after a commit
 *			succeeded, while the committer holds the module
 *			lock; never at the same time as @kdamond_work.
 * @check:		Optional.  Return -EINVAL if a parameter of the
 *			module's own has a value the core cannot refuse
 *			itself and that the module cannot use (e.g. one that
 *			would wrap around), else 0.  Called with the module
 *			lock held, before a context is built.
 */
struct damon_module_ops {
	int (*add_schemes)(struct damon_module *m, struct damon_ctx *ctx);
	int (*set_regions)(struct damon_module *m, struct damon_ctx *ctx,
			   struct damon_target *t);
	void (*kdamond_work)(struct damon_module *m, struct damon_ctx *ctx);
	void (*start)(struct damon_module *m);
	void (*committed)(struct damon_module *m);
	int (*check)(struct damon_module *m);
};

/**
 * struct damon_module - A built-in DAMON module.
 * @name:		Name for log messages, e.g. "damon_reclaim".
 * @ops:		The module's own parts.
 * @enabled:		Parameter: whether the kdamond should run.  Only
 *			what was written; the parameter file reads whether
 *			the kdamond actually runs.
 * @attrs:		Parameters: monitoring attributes.  Only the
 *			intervals and the region counts are used.
 * @autotune_intervals:	Parameter: auto-tune the monitoring intervals,
 *			starting from &DAMON_MODULE_SAMPLE_US and
 *			&DAMON_MODULE_AGGR_US instead of @attrs.
 * @tune_access_bp:	Access ratio goal of the auto-tuning, in bp.
 * @quota:		Parameters: quota of every scheme (ms, sz,
 *			reset_interval).  Weights are set per scheme.
 * @wmarks:		Parameters: watermarks of every scheme (interval,
 *			high, mid, low); the metric is the free memory rate.
 * @region:		Parameters: range to monitor, in DAMON addresses
 *			(physical addresses divided by @addr_unit).  If both
 *			ends are 0 when the module is enabled or commits,
 *			the span from the first to the last System RAM
 *			block is monitored and written back here.
 * @addr_unit:		Parameter: bytes of physical memory per DAMON
 *			address unit.
 * @stats:		Statistics of the schemes, by position, copied from
 *			the running context once per sample.
 *
 * The private part: the context while the module is enabled; the lock
 * that serialises enabling, disabling, committing and the readers of the
 * context; whether damon_module_init() ran (before, parameter writes come
 * from the kernel command line and only store values); and the repeated
 * damon_call() that copies @stats.
 */
struct damon_module {
	const char *name;
	const struct damon_module_ops *ops;

	bool enabled;
	struct damon_attrs attrs;
	bool autotune_intervals;
	unsigned long tune_access_bp;
	struct damos_quota quota;
	struct damos_watermarks wmarks;
	struct damon_addr_range region;
	unsigned long addr_unit;

	struct damos_stat stats[DAMON_MODULE_MAX_SCHEMES];

/* private: */
	struct damon_ctx *ctx;
	struct mutex lock;	/* see modules-common.c */
	bool booted;
	struct damon_call_control stats_call;
};

/**
 * struct damon_module_scheme - A scheme of a module, before the shared
 * quota and watermarks parameters are added.
 * @pattern:		The regions to act on.
 * @action:		What to do to them.
 * @weight_sz:		Quota ranking weight of region size.
 * @weight_nr_accesses:	Quota ranking weight of access frequency.
 * @weight_age:		Quota ranking weight of age.
 * @fail_charge_num:	Share of the bytes the action fails on that is
 *			charged to the quota: numerator.
 * @fail_charge_denom:	Its denominator; 0 charges them whole.
 */
struct damon_module_scheme {
	struct damos_access_pattern pattern;
	enum damos_action action;
	unsigned int weight_sz;
	unsigned int weight_nr_accesses;
	unsigned int weight_age;
	unsigned int fail_charge_num;
	unsigned int fail_charge_denom;
};

int damon_module_init(struct damon_module *m);
struct damos *damon_module_add_scheme(struct damon_module *m,
				      struct damon_ctx *ctx,
				      const struct damon_module_scheme *desc);
int damon_module_add_filter(struct damos *s, enum damos_filter_type type,
			    bool matching, bool allow);
int damon_module_add_goal(struct damos *s,
			  enum damos_quota_goal_metric metric,
			  unsigned long target, unsigned long current_value);
unsigned int damon_module_us_to_aggrs(struct damon_module *m,
				      unsigned long us);
unsigned int damon_module_max_nr_accesses(struct damon_module *m);
int damon_module_read_only_set(const char *val, const struct kernel_param *kp);
struct damos_access_pattern damon_module_cold_pattern(struct damon_module *m,
						      unsigned long min_age_us);
bool damon_module_scheme_on(const struct damos *s);
void damon_module_switch_scheme(struct damon_ctx *ctx, struct damos *s,
				bool on, unsigned long check_us);
unsigned long damon_module_read_ctx(struct damon_module *m,
				    unsigned long (*read)(struct damon_ctx *));

/* ==================== Defaults ==================== */

/*
 * Initialisers of a &struct damon_module named @self with operations
 * @module_ops: the monitoring attributes every module starts from, an
 * address unit of 1 and the lock.  A module adds what is its own.
 */
#define DAMON_MODULE_DEFAULTS(self, module_ops)				\
	.name = #self,							\
	.ops = &(module_ops),						\
	.attrs = {							\
		.sample_interval = DAMON_MODULE_SAMPLE_US,		\
		.aggr_interval = DAMON_MODULE_AGGR_US,			\
		.min_nr_regions = 10,					\
		.max_nr_regions = 1000,					\
	},								\
	.addr_unit = 1,							\
	.lock = __MUTEX_INITIALIZER(self.lock)

/*
 * The quota, the watermarks check interval and the auto-tuning goal of a
 * module with schemes; the module adds its size quota and watermarks.
 */
#define DAMON_MODULE_SCHEME_DEFAULTS()					\
	.tune_access_bp = DAMON_MODULE_TUNE_ACCESS_BP,			\
	.quota.ms = 10,							\
	.quota.reset_interval = MSEC_PER_SEC,				\
	.wmarks.interval = 5 * USEC_PER_SEC

/* ==================== Parameter declarations ==================== */

/*
 * The groups below declare parameters of the module whose &struct
 * damon_module the including file names DAMON_MODULE_SELF.
 */

/*
 * A plain parameter @name for the unsigned long lvalue @field: a write
 * takes any unsigned long; values that cannot be used are refused when
 * the module is enabled or commits.
 */
#define DAMON_MODULE_ULONG(name, field)					\
	module_param_named(name, field, ulong, 0600)

/* enabled and kdamond_pid. */
#define DAMON_MODULE_CONTROL_PARAMS()					\
	module_param_cb(enabled, &damon_module_enabled_ops,		\
			&DAMON_MODULE_SELF, 0600);			\
	MODULE_PARM_DESC(enabled,					\
		"Y runs the kdamond of the module, N stops it");		\
	module_param_cb(kdamond_pid, &damon_module_pid_ops,		\
			&DAMON_MODULE_SELF, 0400);			\
	MODULE_PARM_DESC(kdamond_pid,					\
		"Pid of the kdamond of the module, -1 if it does not run")

/*
 * The statistics of scheme @idx, read-only: nr_@tried_regions,
 * bytes_@tried_regions, nr_@applied_regions, bytes_@applied_regions and
 * nr_@qt_exceeds.  @what, a word, names the scheme's regions in the
 * descriptions.  The values are read while the kdamond writes them, one
 * at a time, each a single word.
 */
#define DAMON_MODULE_STAT_PARAMS(idx, tried, applied, qt, what)	\
	static struct damon_module_stat damon_module_stat_##tried = {	\
		.stat = &DAMON_MODULE_SELF.stats[idx],			\
	};								\
	module_param_cb(nr_##tried##_regions, &damon_module_nr_tried_ops, \
			&damon_module_stat_##tried, 0400);		\
	MODULE_PARM_DESC(nr_##tried##_regions,				\
		"Number of " #what " regions the action was tried on");	\
	module_param_cb(bytes_##tried##_regions,			\
			&damon_module_sz_tried_ops,			\
			&damon_module_stat_##tried, 0400);		\
	MODULE_PARM_DESC(bytes_##tried##_regions,			\
		"Bytes of " #what " regions the action was tried on");	\
	module_param_cb(nr_##applied##_regions,				\
			&damon_module_nr_applied_ops,			\
			&damon_module_stat_##tried, 0400);		\
	MODULE_PARM_DESC(nr_##applied##_regions,			\
		"Number of " #what " regions the action was applied to, at least in part"); \
	module_param_cb(bytes_##applied##_regions,			\
			&damon_module_sz_applied_ops,			\
			&damon_module_stat_##tried, 0400);		\
	MODULE_PARM_DESC(bytes_##applied##_regions,			\
		"Bytes of " #what " regions the action was applied to");	\
	module_param_cb(nr_##qt##_exceeds, &damon_module_qt_exceeds_ops, \
			&damon_module_stat_##tried, 0400);		\
	MODULE_PARM_DESC(nr_##qt##_exceeds,				\
		"Times the quota stopped the action on " #what " regions")

/* commit_inputs. */
#define DAMON_MODULE_COMMIT_PARAM()					\
	module_param_cb(commit_inputs, &damon_module_commit_ops,	\
			&DAMON_MODULE_SELF, 0600);			\
	MODULE_PARM_DESC(commit_inputs,					\
		"Write Y to apply the other parameters to the running kdamond")

/* sample_interval, aggr_interval, min/max_nr_regions, autotuning. */
#define DAMON_MODULE_MON_ATTRS_PARAMS()					\
	DAMON_MODULE_ULONG(sample_interval,				\
			   DAMON_MODULE_SELF.attrs.sample_interval);	\
	MODULE_PARM_DESC(sample_interval,				\
		"Sampling interval in microseconds");			\
	DAMON_MODULE_ULONG(aggr_interval,				\
			   DAMON_MODULE_SELF.attrs.aggr_interval);	\
	MODULE_PARM_DESC(aggr_interval,					\
		"Aggregation interval in microseconds");		\
	DAMON_MODULE_ULONG(min_nr_regions,				\
			   DAMON_MODULE_SELF.attrs.min_nr_regions);	\
	MODULE_PARM_DESC(min_nr_regions,				\
		"Minimum number of monitoring regions");		\
	DAMON_MODULE_ULONG(max_nr_regions,				\
			   DAMON_MODULE_SELF.attrs.max_nr_regions);	\
	MODULE_PARM_DESC(max_nr_regions,				\
		"Maximum number of monitoring regions");		\
	module_param_named(autotune_monitoring_intervals,		\
			   DAMON_MODULE_SELF.autotune_intervals, bool, 0600); \
	MODULE_PARM_DESC(autotune_monitoring_intervals,			\
		"Y auto-tunes the intervals from 5 ms and 100 ms, overriding the parameters")

/* quota_ms and quota_reset_interval_ms. */
#define DAMON_MODULE_QUOTA_PARAMS()					\
	DAMON_MODULE_ULONG(quota_ms, DAMON_MODULE_SELF.quota.ms);	\
	MODULE_PARM_DESC(quota_ms,					\
		"Time the schemes may take per reset interval, in ms; 0 = unlimited"); \
	DAMON_MODULE_ULONG(quota_reset_interval_ms,			\
			   DAMON_MODULE_SELF.quota.reset_interval);	\
	MODULE_PARM_DESC(quota_reset_interval_ms,			\
		"Quota charge reset interval in milliseconds")

/* wmarks_interval, wmarks_high, wmarks_mid, wmarks_low. */
#define DAMON_MODULE_WMARKS_PARAMS()					\
	DAMON_MODULE_ULONG(wmarks_interval,				\
			   DAMON_MODULE_SELF.wmarks.interval);		\
	MODULE_PARM_DESC(wmarks_interval,				\
		"Watermarks check interval in microseconds");		\
	DAMON_MODULE_ULONG(wmarks_high, DAMON_MODULE_SELF.wmarks.high);	\
	MODULE_PARM_DESC(wmarks_high,					\
		"Free memory permil above which the module is inactive"); \
	DAMON_MODULE_ULONG(wmarks_mid, DAMON_MODULE_SELF.wmarks.mid);	\
	MODULE_PARM_DESC(wmarks_mid,					\
		"Free memory permil at or below which the module activates"); \
	DAMON_MODULE_ULONG(wmarks_low, DAMON_MODULE_SELF.wmarks.low);	\
	MODULE_PARM_DESC(wmarks_low,					\
		"Free memory permil below which the module is inactive")

/* monitor_region_start, monitor_region_end, addr_unit. */
#define DAMON_MODULE_REGION_PARAMS()					\
	DAMON_MODULE_ULONG(monitor_region_start,			\
			   DAMON_MODULE_SELF.region.start);		\
	MODULE_PARM_DESC(monitor_region_start,				\
		"Start of the monitored region in address units; 0 to 0: all System RAM"); \
	DAMON_MODULE_ULONG(monitor_region_end,				\
			   DAMON_MODULE_SELF.region.end);		\
	MODULE_PARM_DESC(monitor_region_end,				\
		"End of the monitored region, in address units");	\
	DAMON_MODULE_ULONG(addr_unit, DAMON_MODULE_SELF.addr_unit);	\
	MODULE_PARM_DESC(addr_unit,					\
		"Bytes of physical memory per DAMON address unit; not 0")

/**
 * struct damon_module_stat - What a statistics parameter points at.
 * @stat:	The statistics of one scheme, in &damon_module.stats.
 */
struct damon_module_stat {
	struct damos_stat *stat;
};

/* What the groups above point their parameters at. */
extern const struct kernel_param_ops damon_module_nr_tried_ops;
extern const struct kernel_param_ops damon_module_sz_tried_ops;
extern const struct kernel_param_ops damon_module_nr_applied_ops;
extern const struct kernel_param_ops damon_module_sz_applied_ops;
extern const struct kernel_param_ops damon_module_qt_exceeds_ops;
extern const struct kernel_param_ops damon_module_enabled_ops;
extern const struct kernel_param_ops damon_module_commit_ops;
extern const struct kernel_param_ops damon_module_pid_ops;

#endif	/* _MM_DAMON_MODULES_COMMON_H */
