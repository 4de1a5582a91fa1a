// SPDX-License-Identifier: GPL-2.0
/*
 * The skeleton shared by the built-in DAMON modules; see modules-common.h.
 *
 * Locking: m->lock serialises enabling, disabling and committing, and
 * keeps m->ctx alive for readers such as kdamond_pid.  The kdamond never
 * takes it: it only writes the statistics (word by word with WRITE_ONCE(),
 * read locklessly by their parameter files) through the repeated
 * damon_call() set up at start, so a writer holding m->lock may wait for
 * the kdamond.  The parameters themselves, including the region written
 * back at start and commit, are only touched by parameter callbacks, which
 * the kernel serialises with kernel_param_lock().
 */

#define pr_fmt(fmt) "damon: " fmt

#include <linux/err.h>
#include <linux/kstrtox.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include "core.h"
#include "modules-common.h"

/* ==================== Statistics parameters ==================== */

/**
 * damon_module_read_only_set() - The .set of a read-only parameter.
 * @val:	The value written.
 * @kp:		The parameter.
 *
 * The kernel command line reaches every parameter with a matching name,
 * whatever its mode, and a missing .set would be called all the same.
 * The value is only reported, but it must not fail the boot parameter
 * parsing (upstream's plain parameters take it): drop it.
 *
 * Context: kernel_param_lock() held, or early boot.
 * Return: 0.
 */
int damon_module_read_only_set(const char *val, const struct kernel_param *kp)
{
	return 0;
}

/* Show the unsigned long at @offset in the damos_stat of @kp. */
static int damon_module_stat_get(char *buf, const struct kernel_param *kp,
				 size_t offset)
{
	const struct damon_module_stat *p = kp->arg;
	const unsigned long *val = (void *)p->stat + offset;

	return sysfs_emit(buf, "%lu\n", READ_ONCE(*val));
}

/* The read-only parameter ops damon_module_@field_ops of a damos_stat. */
#define DAMON_MODULE_STAT_OPS(field)					\
static int damon_module_##field##_get(char *buf,			\
				      const struct kernel_param *kp)	\
{									\
	return damon_module_stat_get(buf, kp,				\
				     offsetof(struct damos_stat, field)); \
}									\
const struct kernel_param_ops damon_module_##field##_ops = {		\
	.set = damon_module_read_only_set,				\
	.get = damon_module_##field##_get,				\
}

DAMON_MODULE_STAT_OPS(nr_tried);
DAMON_MODULE_STAT_OPS(sz_tried);
DAMON_MODULE_STAT_OPS(nr_applied);
DAMON_MODULE_STAT_OPS(sz_applied);
DAMON_MODULE_STAT_OPS(qt_exceeds);

/* ==================== Building a context ==================== */

/*
 * The intervals a context of @m starts with: the parameters, or the fixed
 * start of the auto-tuning.  Ages and access frequencies given by other
 * parameters are converted with these.
 */
static struct damon_attrs damon_module_initial_attrs(struct damon_module *m)
{
	struct damon_attrs attrs = m->attrs;

	attrs.intervals_goal = (struct damon_intervals_goal){};
	if (!m->autotune_intervals)
		return attrs;
	attrs.sample_interval = DAMON_MODULE_SAMPLE_US;
	attrs.aggr_interval = DAMON_MODULE_AGGR_US;
	attrs.intervals_goal = (struct damon_intervals_goal){
		.access_bp = m->tune_access_bp,
		.aggrs = DAMON_MODULE_TUNE_AGGRS,
		.min_sample_us = DAMON_MODULE_TUNE_MIN_SAMPLE_US,
		.max_sample_us = DAMON_MODULE_TUNE_MAX_SAMPLE_US,
	};
	return attrs;
}

static int damon_module_set_attrs(struct damon_module *m,
				  struct damon_ctx *ctx)
{
	struct damon_attrs initial = damon_module_initial_attrs(m);
	struct damon_attrs attrs = ctx->attrs;

	attrs.sample_interval = initial.sample_interval;
	attrs.aggr_interval = initial.aggr_interval;
	attrs.min_nr_regions = initial.min_nr_regions;
	attrs.max_nr_regions = initial.max_nr_regions;
	attrs.intervals_goal = initial.intervals_goal;
	return damon_set_attrs(ctx, &attrs);
}

/*
 * Give @t the range @region, in DAMON address units, or if both its ends
 * are 0, the span of all System RAM, which is stored into @region.
 */
static int damon_module_set_region(struct damon_ctx *ctx,
				   struct damon_target *t,
				   struct damon_addr_range *region)
{
	return damon_set_region_system_rams_default(t, &region->start,
						    &region->end,
						    ctx->addr_unit,
						    ctx->min_sz_region);
}

/*
 * The one check of the parameters of @m, which take any value when
 * written, before a context is built from them: what the core cannot
 * refuse itself, an address unit of 0, unordered watermarks and what
 * &damon_module_ops.check refuses.  The core checks the rest (intervals,
 * region counts, the monitored range, ...) as the context is built,
 * started or committed.
 */
static int damon_module_check(struct damon_module *m)
{
	lockdep_assert_held(&m->lock);

	/* damon_min_sz_region_of() divides by it */
	if (!m->addr_unit)
		return -EINVAL;
	/* the core takes any watermarks; sysfs refuses these too */
	if (m->ops->add_schemes && (m->wmarks.high < m->wmarks.mid ||
				    m->wmarks.mid < m->wmarks.low))
		return -EINVAL;
	if (m->ops->check)
		return m->ops->check(m);
	return 0;
}

/*
 * A new, stopped paddr context made of the current parameters of @m, or
 * an ERR_PTR() if they are invalid or memory ran out.  @region starts as
 * a copy of the region parameters and receives the range monitored; the
 * caller writes it back once the context is in use, so that a failure
 * leaves the parameters as they were.
 */
static struct damon_ctx *damon_module_build_ctx(struct damon_module *m,
						struct damon_addr_range *region)
{
	struct damon_target *t;
	struct damon_ctx *ctx;
	int err;

	err = damon_module_check(m);
	if (err)
		return ERR_PTR(err);

	ctx = damon_new_ctx();
	if (!ctx)
		return ERR_PTR(-ENOMEM);
	err = damon_select_ops(ctx, DAMON_OPS_PADDR);
	if (err)
		goto destroy_ctx;
	err = damon_module_set_attrs(m, ctx);
	if (err)
		goto destroy_ctx;
	ctx->addr_unit = m->addr_unit;
	ctx->min_sz_region = damon_min_sz_region_of(m->addr_unit);

	t = damon_new_target();
	if (!t) {
		err = -ENOMEM;
		goto destroy_ctx;
	}
	damon_add_target(ctx, t);
	if (m->ops->set_regions)
		err = m->ops->set_regions(m, ctx, t);
	else
		err = damon_module_set_region(ctx, t, region);
	if (err)
		goto destroy_ctx;

	if (m->ops->add_schemes) {
		err = m->ops->add_schemes(m, ctx);
		if (err)
			goto destroy_ctx;
	}
	return ctx;

destroy_ctx:
	damon_destroy_ctx(ctx);
	return ERR_PTR(err);
}

/**
 * damon_module_add_scheme() - Add a scheme with the module's quota and
 * watermarks to a context being built.
 * @m:		The module.
 * @ctx:	The context.
 * @desc:	The access pattern, action and quota weights of the scheme.
 *
 * Context: the module lock held, with the parameters checked by
 * damon_module_check() (watermarks ordered: high >= mid >= low).
 * Return: the scheme, to add filters and goals to, or ERR_PTR(-ENOMEM)
 * when out of memory.
 */
struct damos *damon_module_add_scheme(struct damon_module *m,
				      struct damon_ctx *ctx,
				      const struct damon_module_scheme *desc)
{
	struct damos_watermarks wmarks = m->wmarks;
	struct damos_quota quota = {
		.reset_interval = m->quota.reset_interval,
		.ms = m->quota.ms,
		.sz = m->quota.sz,
		.weight_sz = desc->weight_sz,
		.weight_nr_accesses = desc->weight_nr_accesses,
		.weight_age = desc->weight_age,
		.fail_charge_num = desc->fail_charge_num,
		.fail_charge_denom = desc->fail_charge_denom,
	};
	struct damos *s;

	wmarks.metric = DAMOS_WMARK_FREE_MEM_RATE;

	s = damon_new_scheme(&desc->pattern, desc->action, 0, &quota, &wmarks,
			     NUMA_NO_NODE);
	if (!s)
		return ERR_PTR(-ENOMEM);
	damon_add_scheme(ctx, s);
	return s;
}

/**
 * damon_module_add_filter() - Add an ops filter to a scheme.
 * @s:		The scheme.
 * @type:	What the filter looks at; a type without argument.
 * @matching:	Whether it applies to memory with the property.
 * @allow:	Whether that memory is allowed.
 *
 * Return: 0, or -ENOMEM.
 */
int damon_module_add_filter(struct damos *s, enum damos_filter_type type,
			    bool matching, bool allow)
{
	struct damos_filter *f = damos_new_filter(type, matching, allow);

	if (!f)
		return -ENOMEM;
	damos_add_filter(s, f);
	return 0;
}

/**
 * damon_module_add_goal() - Add a quota goal to a scheme.
 * @s:			The scheme.
 * @metric:		What the goal measures.
 * @target:		The value to aim at.
 * @current_value:	The current value, for &DAMOS_QUOTA_USER_INPUT.
 *
 * Return: 0, or -ENOMEM.
 */
int damon_module_add_goal(struct damos *s,
			  enum damos_quota_goal_metric metric,
			  unsigned long target, unsigned long current_value)
{
	struct damos_quota_goal *g = damos_new_quota_goal(metric, target);

	if (!g)
		return -ENOMEM;
	g->current_value = current_value;
	damos_add_quota_goal(&s->quota, g);
	return 0;
}

/**
 * damon_module_us_to_aggrs() - A time as a region age.
 * @m:		The module.
 * @us:		The time, in microseconds.
 *
 * The age is counted in aggregation intervals of the context as it
 * starts.  With auto-tuning, that is the fixed initial 100 ms, so the
 * time the age stands for grows as the tuner stretches the intervals.
 *
 * Context: the module lock held, as the parameters are read.
 * Return: the number of initial aggregation intervals in @us, at most
 * UINT_MAX.
 */
unsigned int damon_module_us_to_aggrs(struct damon_module *m,
				      unsigned long us)
{
	struct damon_attrs attrs = damon_module_initial_attrs(m);

	return min(us / max(attrs.aggr_interval, 1UL),
		   (unsigned long)UINT_MAX);
}

/**
 * damon_module_max_nr_accesses() - The highest access count of a region.
 * @m:		The module.
 *
 * Context: the module lock held, as the parameters are read.
 * Return: the number of samples per aggregation interval of the context
 * as it starts (a 0 sampling interval counting as 1 us), at least 1.
 */
unsigned int damon_module_max_nr_accesses(struct damon_module *m)
{
	struct damon_attrs attrs = damon_module_initial_attrs(m);
	unsigned long nr = attrs.aggr_interval /
		max(attrs.sample_interval, 1UL);

	return clamp(nr, 1UL, (unsigned long)UINT_MAX);
}

/**
 * damon_module_cold_pattern() - The access pattern of cold memory.
 * @m:		The module.
 * @min_age_us:	Time without access, in microseconds, from which memory
 *		is cold.
 *
 * Return: regions of at least a page that were not accessed for
 * @min_age_us or longer.
 */
struct damos_access_pattern damon_module_cold_pattern(struct damon_module *m,
						      unsigned long min_age_us)
{
	return (struct damos_access_pattern){
		.min_sz_region = PAGE_SIZE,
		.max_sz_region = ULONG_MAX,
		.min_nr_accesses = 0,
		.max_nr_accesses = 0,
		.min_age_region = damon_module_us_to_aggrs(m, min_age_us),
		.max_age_region = UINT_MAX,
	};
}

/* ==================== The kdamond side ==================== */

/**
 * damon_module_scheme_on() - Whether a scheme is switched on.
 * @s:		A scheme set up by damon_module_switch_scheme().
 *
 * Return: true if @s is on, false if switched off.
 */
bool damon_module_scheme_on(const struct damos *s)
{
	return s->wmarks.metric == DAMOS_WMARK_NONE;
}

/**
 * damon_module_switch_scheme() - Switch a scheme of a module on or off.
 * @ctx:	The context of @s: being built, or run by the caller.
 * @s:		The scheme.
 * @on:		Whether @s is to run.
 * @check_us:	While @s is off, the interval of its watermarks checks, in
 *		microseconds.
 *
 * For a module that decides itself when its schemes run.  The switch is
 * the watermarks: none when on, and when off, free memory rate levels no
 * rate meets, so that @s stays off whatever memory is free.  While every
 * scheme is off, the kdamond stops monitoring and sleeps until the next
 * watermarks check, where it runs &damon_module_ops.kdamond_work again.
 * The watermarks of @s are checked right away, at the current sample: off,
 * it is not applied again, and a damos_walk() no longer waits for it; on,
 * it is applied from the next sample, when the kdamond wakes up if it
 * slept.
 *
 * Context: the kdamond of @ctx, e.g. in &damon_module_ops.kdamond_work,
 * or the builder of a context that does not run.
 */
void damon_module_switch_scheme(struct damon_ctx *ctx, struct damos *s,
				bool on, unsigned long check_us)
{
	damon_assert_ctx_owned(ctx);

	s->wmarks.metric = on ? DAMOS_WMARK_NONE : DAMOS_WMARK_FREE_MEM_RATE;
	s->wmarks.high = DAMON_MODULE_PERMIL + 1;
	s->wmarks.mid = DAMON_MODULE_PERMIL + 1;
	s->wmarks.low = DAMON_MODULE_PERMIL + 1;
	s->wmarks.interval = check_us;
	s->wmarks.next_check_sis = ctx->passed_sample_intervals;
}

/* Word by word, for the parameter files that read them meanwhile. */
static void damon_module_copy_stat(struct damos_stat *dst,
				   const struct damos_stat *src)
{
	WRITE_ONCE(dst->nr_tried, src->nr_tried);
	WRITE_ONCE(dst->sz_tried, src->sz_tried);
	WRITE_ONCE(dst->nr_applied, src->nr_applied);
	WRITE_ONCE(dst->sz_applied, src->sz_applied);
	WRITE_ONCE(dst->qt_exceeds, src->qt_exceeds);
}

/* Repeated in the kdamond: refresh the statistics of @data's module. */
static int damon_module_kdamond_work(void *data)
{
	struct damon_module *m = data;
	struct damon_ctx *ctx = m->ctx;
	unsigned int i = 0;
	struct damos *s;

	damon_for_each_scheme(s, ctx) {
		if (i >= ARRAY_SIZE(m->stats))
			break;
		damon_module_copy_stat(&m->stats[i++], &s->stat);
	}
	if (m->ops->kdamond_work)
		m->ops->kdamond_work(m, ctx);
	return 0;
}

struct damon_module_commit {
	struct damon_module *m;
	struct damon_ctx *dst;
	struct damon_ctx *staged;
};

/* Run by the kdamond: take over the staged parameters. */
static int damon_module_commit_fn(void *data)
{
	struct damon_module_commit *c = data;
	int err;

	err = damon_commit_ctx(c->dst, c->staged);
	if (!err && c->m->ops->committed)
		c->m->ops->committed(c->m);
	return err;
}

/* ==================== Starting, stopping, committing ==================== */

static bool damon_module_running(struct damon_module *m)
{
	lockdep_assert_held(&m->lock);

	return m->ctx && damon_is_running(m->ctx);
}

static void damon_module_stop(struct damon_module *m)
{
	lockdep_assert_held(&m->lock);

	if (!m->ctx)
		return;
	damon_stop(&m->ctx, 1);
	damon_destroy_ctx(m->ctx);
	m->ctx = NULL;
}

static int damon_module_start(struct damon_module *m)
{
	struct damon_addr_range region = m->region;
	struct damon_ctx *ctx;
	int err;

	lockdep_assert_held(&m->lock);

	/* a kdamond that ended on its own leaves its context behind */
	damon_module_stop(m);
	if (m->ops->start)
		m->ops->start(m);

	ctx = damon_module_build_ctx(m, &region);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);
	if (m->ops->committed)
		m->ops->committed(m);
	err = damon_start(&ctx, 1, true);
	if (err)
		goto destroy_ctx;

	memset(m->stats, 0, sizeof(m->stats));
	m->region = region;
	m->ctx = ctx;
	m->stats_call = (struct damon_call_control){
		.fn = damon_module_kdamond_work,
		.data = m,
		.repeat = true,
	};
	err = damon_call(ctx, &m->stats_call);
	if (err)
		goto stop_ctx;
	return 0;

stop_ctx:
	damon_stop(&ctx, 1);
	m->ctx = NULL;
destroy_ctx:
	damon_destroy_ctx(ctx);
	return err;
}

static int damon_module_commit(struct damon_module *m)
{
	struct damon_module_commit c = { .m = m, .dst = m->ctx };
	struct damon_call_control control = {
		.fn = damon_module_commit_fn,
		.data = &c,
	};
	struct damon_addr_range region = m->region;
	int err;

	lockdep_assert_held(&m->lock);

	c.staged = damon_module_build_ctx(m, &region);
	if (IS_ERR(c.staged))
		return PTR_ERR(c.staged);
	err = damon_call(m->ctx, &control);
	if (!err)
		err = control.return_code;
	if (!err)
		m->region = region;
	damon_destroy_ctx(c.staged);
	return err;
}

/**
 * damon_module_read_ctx() - Read a value off the running context.
 * @m:		The module.
 * @read:	Gives the value, from the context; must not sleep on
 *		anything the kdamond waits for.
 *
 * For read-only parameters that show the state of a running kdamond.
 *
 * Context: process context, may sleep; takes the module lock.
 * Return: what @read returns, or 0 if the kdamond of @m does not run.
 */
unsigned long damon_module_read_ctx(struct damon_module *m,
				    unsigned long (*read)(struct damon_ctx *))
{
	unsigned long val = 0;

	if (!READ_ONCE(m->booted))
		return 0;
	mutex_lock(&m->lock);
	if (damon_module_running(m))
		val = read(m->ctx);
	mutex_unlock(&m->lock);
	return val;
}

/* ==================== Control parameters ==================== */

static int damon_module_enabled_set(const char *val,
				    const struct kernel_param *kp)
{
	struct damon_module *m = kp->arg;
	bool enable;
	int err;

	err = kstrtobool(val, &enable);
	if (err)
		return err;
	/* the kernel command line: damon_module_init() acts on it */
	if (!READ_ONCE(m->booted)) {
		m->enabled = enable;
		return 0;
	}

	mutex_lock(&m->lock);
	if (enable && !damon_module_running(m))
		err = damon_module_start(m);
	else if (!enable)
		damon_module_stop(m);
	if (!err)
		m->enabled = enable;
	mutex_unlock(&m->lock);
	return err;
}

static int damon_module_enabled_get(char *buf, const struct kernel_param *kp)
{
	struct damon_module *m = kp->arg;
	bool running;

	if (!READ_ONCE(m->booted))
		return sysfs_emit(buf, "%c\n", m->enabled ? 'Y' : 'N');
	mutex_lock(&m->lock);
	running = damon_module_running(m);
	mutex_unlock(&m->lock);
	return sysfs_emit(buf, "%c\n", running ? 'Y' : 'N');
}

const struct kernel_param_ops damon_module_enabled_ops = {
	.set = damon_module_enabled_set,
	.get = damon_module_enabled_get,
};

static int damon_module_commit_set(const char *val,
				   const struct kernel_param *kp)
{
	struct damon_module *m = kp->arg;
	bool commit;
	int err;

	err = kstrtobool(val, &commit);
	if (err || !commit || !READ_ONCE(m->booted))
		return err;

	mutex_lock(&m->lock);
	/* a stopped module reads the parameters when it is enabled */
	if (damon_module_running(m))
		err = damon_module_commit(m);
	mutex_unlock(&m->lock);
	return err;
}

/* Commits are done when the write returns: there is never one pending. */
static int damon_module_commit_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "N\n");
}

const struct kernel_param_ops damon_module_commit_ops = {
	.set = damon_module_commit_set,
	.get = damon_module_commit_get,
};

static int damon_module_pid_get(char *buf, const struct kernel_param *kp)
{
	struct damon_module *m = kp->arg;
	int pid = -1;

	if (READ_ONCE(m->booted)) {
		mutex_lock(&m->lock);
		if (m->ctx)
			pid = damon_kdamond_pid(m->ctx);
		mutex_unlock(&m->lock);
	}
	return sysfs_emit(buf, "%d\n", pid);
}

const struct kernel_param_ops damon_module_pid_ops = {
	.set = damon_module_read_only_set,
	.get = damon_module_pid_get,
};

/**
 * damon_module_init() - Make a module's parameters act, and start its
 * kdamond if it was enabled on the kernel command line.
 * @m:		The module.
 *
 * Call it from a late_initcall, once the operation sets are registered.
 *
 * Return: 0.  A kdamond that cannot start is reported in the kernel log
 * and leaves the module disabled.
 */
int damon_module_init(struct damon_module *m)
{
	int err = 0;

	mutex_lock(&m->lock);
	WRITE_ONCE(m->booted, true);
	if (m->enabled)
		err = damon_module_start(m);
	if (err) {
		m->enabled = false;
		pr_warn("%s: cannot start at boot (%d)\n", m->name, err);
	}
	mutex_unlock(&m->lock);
	return 0;
}
