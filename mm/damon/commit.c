// SPDX-License-Identifier: GPL-2.0
/*
 * DAMON online parameter commit.
 *
 * damon_commit_ctx() makes a context look like another one while keeping
 * what was learned about the memory that is still monitored: targets are
 * matched by position, and a matched target keeps its regions (refitted to
 * new initial ranges, if any are given) with their access counts.
 */

#include <linux/damon.h>
#include <linux/log2.h>
#include <linux/pid.h>
#include <linux/slab.h>

#include "regions.h"

/* Whether @dst and @src watch the same thing. */
static bool damon_same_target(const struct damon_target *dst,
			      const struct damon_target *src)
{
	return dst->pid == src->pid;
}

/* Copy the regions of @src into @dst as its new initial ranges. */
static int damon_commit_target_regions(struct damon_target *dst,
				       struct damon_target *src,
				       unsigned long min_sz_region)
{
	struct damon_addr_range *ranges;
	struct damon_region *r;
	unsigned int i = 0;
	int err;

	if (!damon_nr_regions(src))
		return 0;
	ranges = kmalloc_array(damon_nr_regions(src), sizeof(*ranges),
			       GFP_KERNEL);
	if (!ranges)
		return -ENOMEM;
	damon_for_each_region(r, src)
		ranges[i++] = r->ar;
	err = damon_set_regions(dst, ranges, i, min_sz_region);
	kfree(ranges);
	return err;
}

/* A new target for @ctx watching what @src watches. */
static struct damon_target *damon_copy_target(struct damon_target *src,
					      unsigned long min_sz_region)
{
	struct damon_target *t = damon_new_target();

	if (!t)
		return NULL;
	t->pid = get_pid(src->pid);
	if (damon_commit_target_regions(t, src, min_sz_region)) {
		damon_destroy_target(t, NULL);
		return NULL;
	}
	return t;
}

/* Replace @old of @ctx by a copy of @src, at the same position. */
static int damon_replace_target(struct damon_ctx *ctx,
				struct damon_target *old,
				struct damon_target *src)
{
	struct damon_target *t = damon_copy_target(src, ctx->min_sz_region);

	if (!t)
		return -ENOMEM;
	list_add(&t->list, &old->list);
	damon_destroy_target(old, ctx);
	return 0;
}

static struct damon_target *damon_next_target(struct damon_ctx *ctx,
					      struct damon_target *t)
{
	if (list_is_last(&t->list, &ctx->adaptive_targets))
		return NULL;
	return list_next_entry(t, list);
}

static int damon_commit_targets(struct damon_ctx *dst, struct damon_ctx *src)
{
	struct damon_target *st, *dt, *next, *t;
	int err = 0;

	/* @dt: the first target of @dst not matched yet */
	dt = damon_targets_empty(dst) ? NULL :
		list_first_entry(&dst->adaptive_targets, struct damon_target,
				 list);
	damon_for_each_target(st, src) {
		if (!dt) {
			if (st->obsolete)
				continue;
			t = damon_copy_target(st, dst->min_sz_region);
			if (!t)
				return -ENOMEM;
			damon_add_target(dst, t);
			continue;
		}
		next = damon_next_target(dst, dt);
		if (st->obsolete)
			damon_destroy_target(dt, dst);
		else if (damon_same_target(dt, st))
			err = damon_commit_target_regions(dt, st,
							  dst->min_sz_region);
		else
			err = damon_replace_target(dst, dt, st);
		if (err)
			return err;
		dt = next;
	}

	/* targets beyond those of @src are gone */
	while (dt) {
		next = damon_next_target(dst, dt);
		damon_destroy_target(dt, dst);
		dt = next;
	}
	return 0;
}

/**
 * damon_commit_ctx() - Make a context follow the parameters of another.
 * @dst:	The context to change, running or not.
 * @src:	The context holding the new parameters.  Not running.
 *
 * Copies the attributes, the operation set and the targets of @src into
 * @dst.  Targets are matched by position.  A matched target that watches
 * the same process keeps its regions and their access counts; regions given
 * in @src become its new initial ranges, fitted with damon_set_regions().
 * A target of @src marked obsolete removes its counterpart from @dst.
 * Other targets are replaced or added as new.
 *
 * Call it while @dst is not running, or from the kdamond of @dst through
 * damon_call().
 *
 * Return: 0 on success, -EINVAL for invalid parameters (nothing changes),
 * -EBUSY when changing the operation set of a running context (nothing
 * changes), -ENOMEM when out of memory (targets may then be partially
 * committed).
 */
int damon_commit_ctx(struct damon_ctx *dst, struct damon_ctx *src)
{
	int err;

	if (!src->ops)
		return -EINVAL;
	/* called from the running kdamond, or while @dst is stopped */
	if (dst->ops && dst->ops != src->ops &&
	    READ_ONCE(dst->kdamond) == current)
		return -EBUSY;

	if (src->min_sz_region < DAMON_MIN_REGION ||
	    !is_power_of_2(src->min_sz_region))
		return -EINVAL;

	err = damon_set_attrs(dst, &src->attrs);
	if (err)
		return err;
	dst->ops = src->ops;
	dst->min_sz_region = src->min_sz_region;
	err = damon_commit_targets(dst, src);
	if (err || READ_ONCE(dst->kdamond) != current)
		return err;
	/* new targets of a running context need their initial regions */
	if (dst->ops->setup_regions)
		dst->ops->setup_regions(dst);
	damon_split_initial_regions(dst);
	return 0;
}
