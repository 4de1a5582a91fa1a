// SPDX-License-Identifier: GPL-2.0
/*
 * DAMON sysfs interface: /sys/kernel/mm/damon/admin, its contexts,
 * monitoring attributes and targets, and building a &struct damon_ctx
 * from them.  The kdamond directories and their commands are in
 * sysfs-kdamond.c, the schemes in sysfs-schemes*.c.
 */

#define pr_fmt(fmt) "damon-sysfs: " fmt

#include <linux/mm.h>
#include <linux/pid.h>
#include <linux/slab.h>

#include "sysfs.h"

/* ==================== targets/<T>/regions ==================== */

/**
 * struct damon_sysfs_region - regions/<R> of a target.
 * @start:	Start address.
 * @end:	End address.
 */
struct damon_sysfs_region {
	unsigned long start;
	unsigned long end;
};

static const struct damon_sysfs_attr damon_sysfs_region_attrs[] = {
	DAMON_SYSFS_RW_UL(start, struct damon_sysfs_region, start),
	DAMON_SYSFS_RW_UL(end, struct damon_sysfs_region, end),
};

static const struct damon_sysfs_type damon_sysfs_region_type = {
	.data_size = sizeof(struct damon_sysfs_region),
	DAMON_SYSFS_ATTRS(damon_sysfs_region_attrs),
};

static const struct damon_sysfs_attr damon_sysfs_regions_attrs[] = {
	DAMON_SYSFS_NR_ATTR(nr_regions),
};

static const struct damon_sysfs_type damon_sysfs_regions_type = {
	DAMON_SYSFS_ATTRS(damon_sysfs_regions_attrs),
	.item_type = &damon_sysfs_region_type,
};

/* ==================== targets ==================== */

/**
 * struct damon_sysfs_target - targets/<T>.
 * @pid:	pid_target: the process, for vaddr and fvaddr; 0 = none.
 * @obsolete:	obsolete_target: drop the target on the next commit.
 */
struct damon_sysfs_target {
	int pid;
	bool obsolete;
};

/*
 * Any pid is taken, as paddr ignores it and the process may come later:
 * "on" and "commit" look it up, for the operation sets that use it.
 */
static const struct damon_sysfs_attr damon_sysfs_target_attrs[] = {
	DAMON_SYSFS_RW(pid_target, DAMON_SYSFS_INT, struct damon_sysfs_target,
		       pid, .min = (unsigned long)INT_MIN, .max = INT_MAX),
	DAMON_SYSFS_RW_BOOL(obsolete_target, struct damon_sysfs_target,
			    obsolete),
};

enum damon_sysfs_target_child {
	DAMON_SYSFS_TARGET_REGIONS,
};

static const struct damon_sysfs_child damon_sysfs_target_children[] = {
	[DAMON_SYSFS_TARGET_REGIONS] = {
		"regions", &damon_sysfs_regions_type },
};

static const struct damon_sysfs_type damon_sysfs_target_type = {
	.data_size = sizeof(struct damon_sysfs_target),
	DAMON_SYSFS_ATTRS(damon_sysfs_target_attrs),
	DAMON_SYSFS_CHILDREN(damon_sysfs_target_children),
};

static const struct damon_sysfs_attr damon_sysfs_targets_attrs[] = {
	DAMON_SYSFS_NR_ATTR(nr_targets),
};

static const struct damon_sysfs_type damon_sysfs_targets_type = {
	DAMON_SYSFS_ATTRS(damon_sysfs_targets_attrs),
	.item_type = &damon_sysfs_target_type,
};

/* ==================== monitoring_attrs ==================== */

/* Checked together, by the core, at "on" and "commit". */
static const struct damon_sysfs_attr damon_sysfs_intervals_goal_attrs[] = {
	DAMON_SYSFS_RW_UL(access_bp, struct damon_intervals_goal, access_bp),
	DAMON_SYSFS_RW_UL(aggrs, struct damon_intervals_goal, aggrs),
	DAMON_SYSFS_RW_UL(min_sample_us, struct damon_intervals_goal,
			  min_sample_us),
	DAMON_SYSFS_RW_UL(max_sample_us, struct damon_intervals_goal,
			  max_sample_us),
};

static const struct damon_sysfs_type damon_sysfs_intervals_goal_type = {
	.data_size = sizeof(struct damon_intervals_goal),
	DAMON_SYSFS_ATTRS(damon_sysfs_intervals_goal_attrs),
};

static void damon_sysfs_intervals_init(struct damon_sysfs_dir *dir)
{
	struct damon_sysfs_intervals *intervals = damon_sysfs_data(dir);

	intervals->sample_us = 5 * USEC_PER_MSEC;
	intervals->aggr_us = 100 * USEC_PER_MSEC;
	intervals->update_us = 60 * USEC_PER_SEC;
}

/* 0 is valid: the core gives it a meaning; it checks their order. */
static const struct damon_sysfs_attr damon_sysfs_intervals_attrs[] = {
	DAMON_SYSFS_RW_UL(sample_us, struct damon_sysfs_intervals, sample_us),
	DAMON_SYSFS_RW_UL(aggr_us, struct damon_sysfs_intervals, aggr_us),
	DAMON_SYSFS_RW_UL(update_us, struct damon_sysfs_intervals, update_us),
};

enum damon_sysfs_intervals_child {
	DAMON_SYSFS_INTERVALS_GOAL,
};

static const struct damon_sysfs_child damon_sysfs_intervals_children[] = {
	[DAMON_SYSFS_INTERVALS_GOAL] = {
		"intervals_goal", &damon_sysfs_intervals_goal_type },
};

static const struct damon_sysfs_type damon_sysfs_intervals_type = {
	.data_size = sizeof(struct damon_sysfs_intervals),
	DAMON_SYSFS_ATTRS(damon_sysfs_intervals_attrs),
	DAMON_SYSFS_CHILDREN(damon_sysfs_intervals_children),
	.init = damon_sysfs_intervals_init,
};

static void damon_sysfs_nr_regions_init(struct damon_sysfs_dir *dir)
{
	struct damon_size_range *range = damon_sysfs_data(dir);

	range->min = 10;
	range->max = 1000;
}

/* The core checks min >= 3 and max >= min at "on" and "commit". */
static const struct damon_sysfs_attr damon_sysfs_nr_regions_attrs[] = {
	DAMON_SYSFS_RW_UL(min, struct damon_size_range, min),
	DAMON_SYSFS_RW_UL(max, struct damon_size_range, max),
};

static const struct damon_sysfs_type damon_sysfs_nr_regions_type = {
	.data_size = sizeof(struct damon_size_range),
	DAMON_SYSFS_ATTRS(damon_sysfs_nr_regions_attrs),
	.init = damon_sysfs_nr_regions_init,
};

static const struct damon_sysfs_child damon_sysfs_attrs_children[] = {
	[DAMON_SYSFS_ATTRS_INTERVALS] = {
		"intervals", &damon_sysfs_intervals_type },
	[DAMON_SYSFS_ATTRS_NR_REGIONS] = {
		"nr_regions", &damon_sysfs_nr_regions_type },
	[DAMON_SYSFS_ATTRS_PROBES] = { "probes", &damon_sysfs_probes_type },
	[DAMON_SYSFS_ATTRS_SAMPLE] = { "sample", &damon_sysfs_sample_type },
};

static const struct damon_sysfs_type damon_sysfs_attrs_type = {
	DAMON_SYSFS_CHILDREN(damon_sysfs_attrs_children),
};

/* ==================== contexts ==================== */

/**
 * struct damon_sysfs_context - contexts/<C>.
 * @ops_id:	operations: an &enum damon_ops_id.
 * @addr_unit:	addr_unit: a DAMON address times it is a physical one.
 * @pause:	pause: the kdamond stays but does no work.
 */
struct damon_sysfs_context {
	int ops_id;
	unsigned long addr_unit;
	bool pause;
};

static void damon_sysfs_context_init(struct damon_sysfs_dir *dir)
{
	struct damon_sysfs_context *context = damon_sysfs_data(dir);

	context->ops_id = DAMON_OPS_VADDR;
	context->addr_unit = 1;
}

static ssize_t damon_sysfs_avail_ops_show(struct damon_sysfs_dir *dir,
					  char *buf)
{
	int id, len = 0;

	for (id = 0; id < NR_DAMON_OPS; id++) {
		if (damon_is_registered_ops(id))
			len += sysfs_emit_at(buf, len, "%s\n",
					     damon_ops_name(id));
	}
	return len;
}

static ssize_t damon_sysfs_ops_show(struct damon_sysfs_dir *dir, char *buf)
{
	struct damon_sysfs_context *context = damon_sysfs_data(dir);
	const char *name = damon_ops_name(context->ops_id);

	return sysfs_emit(buf, "%s\n", name ? name : "");
}

/*
 * Only staged: "commit" refuses to switch the operation set of a running
 * kdamond (-EBUSY), and "on" and "commit" refuse an addr_unit of 0.
 */
static int damon_sysfs_ops_store(struct damon_sysfs_dir *dir, const char *buf)
{
	struct damon_sysfs_context *context = damon_sysfs_data(dir);
	int id = damon_ops_id_by_name(buf);

	if (id < 0)
		return id;
	context->ops_id = id;
	return 0;
}

static const struct damon_sysfs_attr damon_sysfs_context_attrs[] = {
	DAMON_SYSFS_CUSTOM_RO(avail_operations, damon_sysfs_avail_ops_show),
	DAMON_SYSFS_CUSTOM_RW(operations, damon_sysfs_ops_show,
			      damon_sysfs_ops_store),
	DAMON_SYSFS_RW_UL(addr_unit, struct damon_sysfs_context, addr_unit),
	DAMON_SYSFS_RW_BOOL(pause, struct damon_sysfs_context, pause),
};

static const struct damon_sysfs_child damon_sysfs_context_children[] = {
	[DAMON_SYSFS_CONTEXT_ATTRS] = {
		"monitoring_attrs", &damon_sysfs_attrs_type },
	[DAMON_SYSFS_CONTEXT_TARGETS] = {
		"targets", &damon_sysfs_targets_type },
	[DAMON_SYSFS_CONTEXT_SCHEMES] = {
		"schemes", &damon_sysfs_schemes_type },
};

static const struct damon_sysfs_type damon_sysfs_context_type = {
	.data_size = sizeof(struct damon_sysfs_context),
	DAMON_SYSFS_ATTRS(damon_sysfs_context_attrs),
	DAMON_SYSFS_CHILDREN(damon_sysfs_context_children),
	.init = damon_sysfs_context_init,
};

static const struct damon_sysfs_attr damon_sysfs_contexts_attrs[] = {
	DAMON_SYSFS_NR_ATTR(nr_contexts),
};

/*
 * One context per kdamond.  The directories may change while it runs:
 * the running context is its own copy, and the commands that need a
 * context directory fail without one.
 */
const struct damon_sysfs_type damon_sysfs_contexts_type = {
	DAMON_SYSFS_ATTRS(damon_sysfs_contexts_attrs),
	.item_type = &damon_sysfs_context_type,
	.max_items = 1,
};

/**
 * damon_sysfs_kdamond_context() - The context directory of a kdamond.
 * @kdamond:	The kdamond directory.
 *
 * Return: contexts/0 of @kdamond, or NULL if nr_contexts is 0.
 */
struct damon_sysfs_dir *
damon_sysfs_kdamond_context(struct damon_sysfs_dir *kdamond)
{
	struct damon_sysfs_dir *contexts =
		kdamond->children[DAMON_SYSFS_KDAMOND_CONTEXTS];

	return contexts->nr_items ? contexts->items[0] : NULL;
}

/* ==================== Building a context ==================== */

static int damon_sysfs_set_attrs(struct damon_ctx *ctx,
				 struct damon_sysfs_dir *attrs_dir)
{
	struct damon_sysfs_dir *intervals_dir =
		attrs_dir->children[DAMON_SYSFS_ATTRS_INTERVALS];
	struct damon_sysfs_intervals *intervals =
		damon_sysfs_data(intervals_dir);
	struct damon_size_range *nr_regions =
		damon_sysfs_child_data(attrs_dir, DAMON_SYSFS_ATTRS_NR_REGIONS);
	struct damon_attrs attrs = {
		.sample_interval = intervals->sample_us,
		.aggr_interval = intervals->aggr_us,
		.ops_update_interval = intervals->update_us,
		.intervals_goal = *(struct damon_intervals_goal *)
			damon_sysfs_child_data(intervals_dir,
					       DAMON_SYSFS_INTERVALS_GOAL),
		.min_nr_regions = nr_regions->min,
		.max_nr_regions = nr_regions->max,
	};

	return damon_set_attrs(ctx, &attrs);
}

/* paddr without regions: all System RAM, first block to last. */
static int damon_sysfs_set_default_regions(struct damon_ctx *ctx,
					   struct damon_target *t)
{
#ifdef CONFIG_DAMON_PADDR
	unsigned long start = 0, end = 0;

	if (ctx->ops->id == DAMON_OPS_PADDR)
		return damon_set_region_system_rams_default(t, &start, &end,
						ctx->addr_unit, ctx->min_sz_region);
#endif
	return 0;
}

/* Set the initial regions of @t from @regions_dir. */
static int damon_sysfs_set_regions(struct damon_ctx *ctx,
				   struct damon_target *t,
				   struct damon_sysfs_dir *regions_dir)
{
	struct damon_addr_range *ranges;
	unsigned int i, nr = regions_dir->nr_items;
	int err = 0;

	if (!nr)
		return damon_sysfs_set_default_regions(ctx, t);

	ranges = kmalloc_array(nr, sizeof(*ranges), GFP_KERNEL);
	if (!ranges)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		struct damon_sysfs_region *region =
			damon_sysfs_data(regions_dir->items[i]);

		ranges[i].start = region->start;
		ranges[i].end = region->end;
		/* sorted, not overlapping, not empty */
		if (ranges[i].start >= ranges[i].end ||
		    (i && ranges[i].start < ranges[i - 1].end)) {
			err = -EINVAL;
			goto free_ranges;
		}
	}
	err = damon_set_regions(t, ranges, nr, ctx->min_sz_region);
free_ranges:
	kfree(ranges);
	return err;
}

static bool damon_sysfs_ops_use_pid(const struct damon_ctx *ctx)
{
	return ctx->ops->id == DAMON_OPS_VADDR ||
		ctx->ops->id == DAMON_OPS_FVADDR;
}

static int damon_sysfs_add_target(struct damon_ctx *ctx,
				  struct damon_sysfs_dir *target_dir)
{
	struct damon_sysfs_target *sys_target = damon_sysfs_data(target_dir);
	struct damon_target *t = damon_new_target();

	if (!t)
		return -ENOMEM;
	/* added first: destroying @ctx frees it on any error below */
	damon_add_target(ctx, t);
	t->obsolete = sys_target->obsolete;
	if (damon_sysfs_ops_use_pid(ctx)) {
		/* pids that name no process, negative ones too, find none */
		t->pid = find_get_pid(sys_target->pid);
		/* an obsolete target only needs its position */
		if (!t->pid && !t->obsolete)
			return -EINVAL;
	}
	return damon_sysfs_set_regions(ctx, t, target_dir->children
				       [DAMON_SYSFS_TARGET_REGIONS]);
}

static int damon_sysfs_set_ops(struct damon_ctx *ctx,
			       struct damon_sysfs_context *context)
{
	int err;

	err = damon_select_ops(ctx, context->ops_id);
	if (err)
		return err;
	/* damon_min_sz_region_of() divides by it */
	if (!context->addr_unit)
		return -EINVAL;
	if (context->addr_unit != 1 && ctx->ops->id != DAMON_OPS_PADDR)
		return -EINVAL;
	ctx->addr_unit = context->addr_unit;
	ctx->min_sz_region = damon_min_sz_region_of(context->addr_unit);
	ctx->pause = context->pause;
	return 0;
}

/**
 * damon_sysfs_build_ctx() - Make a context following a context directory.
 * @context_dir: The context directory.
 *
 * Resolves what the files name (processes, memcgs) and checks the order
 * of the initial regions, of access pattern ranges and of watermarks.
 * The core checks the rest when the context is started or committed.
 * Called with damon_sysfs_lock held.
 *
 * Return: a new, not running context, or an ERR_PTR(): -EINVAL if the
 * files do not make a valid context, -ENOMEM.
 */
struct damon_ctx *damon_sysfs_build_ctx(struct damon_sysfs_dir *context_dir)
{
	struct damon_sysfs_context *context = damon_sysfs_data(context_dir);
	struct damon_sysfs_dir *targets =
		context_dir->children[DAMON_SYSFS_CONTEXT_TARGETS];
	struct damon_sysfs_dir *attrs_dir =
		context_dir->children[DAMON_SYSFS_CONTEXT_ATTRS];
	struct damon_ctx *ctx;
	unsigned int i;
	int err;

	lockdep_assert_held(&damon_sysfs_lock);

	ctx = damon_new_ctx();
	if (!ctx)
		return ERR_PTR(-ENOMEM);
	err = damon_sysfs_set_ops(ctx, context);
	if (err)
		goto destroy_ctx;
	err = damon_sysfs_set_attrs(ctx, attrs_dir);
	if (err)
		goto destroy_ctx;
	err = damon_sysfs_add_probes(ctx, attrs_dir->children
				     [DAMON_SYSFS_ATTRS_PROBES]);
	if (err)
		goto destroy_ctx;
	err = damon_sysfs_set_sample(ctx, attrs_dir->children
				     [DAMON_SYSFS_ATTRS_SAMPLE]);
	if (err)
		goto destroy_ctx;
	for (i = 0; i < targets->nr_items; i++) {
		err = damon_sysfs_add_target(ctx, targets->items[i]);
		if (err)
			goto destroy_ctx;
	}
	err = damon_sysfs_add_schemes(ctx, context_dir->children
				      [DAMON_SYSFS_CONTEXT_SCHEMES]);
	if (err)
		goto destroy_ctx;
	return ctx;

destroy_ctx:
	damon_destroy_ctx(ctx);
	return ERR_PTR(err);
}

/* ==================== admin ==================== */

static const struct damon_sysfs_child damon_sysfs_admin_children[] = {
	{ "kdamonds", &damon_sysfs_kdamonds_type },
};

static const struct damon_sysfs_type damon_sysfs_admin_type = {
	DAMON_SYSFS_CHILDREN(damon_sysfs_admin_children),
};

static int __init damon_sysfs_init(void)
{
	struct damon_sysfs_dir *admin;
	struct kobject *damon_kobj;

	damon_kobj = kobject_create_and_add("damon", mm_kobj);
	if (!damon_kobj)
		return -ENOMEM;
	mutex_lock(&damon_sysfs_lock);
	admin = damon_sysfs_dir_add(damon_kobj, NULL, &damon_sysfs_admin_type,
				    "admin");
	damon_sysfs_unlock();
	if (IS_ERR(admin)) {
		pr_err("cannot make the admin directory (%ld)\n",
		       PTR_ERR(admin));
		kobject_put(damon_kobj);
		return PTR_ERR(admin);
	}
	return 0;
}
subsys_initcall(damon_sysfs_init);
