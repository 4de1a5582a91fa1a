// SPDX-License-Identifier: GPL-2.0
/*
 * DAMON online parameter commit.
 *
 * damon_commit_ctx() makes a context look like another one while keeping
 * what was learned about the memory that is still monitored: targets are
 * matched by position, and a matched target keeps its regions (refitted to
 * new initial ranges, if any are given) with their access counts.  Schemes
 * are matched by position too, and a matched scheme keeps its run state:
 * statistics, quota charges and tuning, watermark state, schedule.
 */

#include <linux/damon.h>
#include <linux/log2.h>
#include <linux/pid.h>
#include <linux/slab.h>

#include "core.h"
#include "damos.h"
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

/*
 * Regions are in address units and aligned to min_sz_region: when either
 * changes, the regions of @ctx no longer name the memory they did, or no
 * longer have the alignment sampling and splitting assume.  Drop them;
 * committing the targets sets the ranges given, and setup_regions() (or
 * the start) the initial regions of targets left without.
 */
static void damon_drop_regions(struct damon_ctx *ctx)
{
	struct damon_target *t;

	damon_for_each_target(t, ctx)
		damon_destroy_regions(t);
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

/* ==================== Schemes ==================== */

/* Replace the filters of @dst by copies of those of @src. */
static int damos_commit_filters(struct damos *dst, struct damos *src)
{
	struct damos_filter *f, *nf, *next;
	struct damos copies;

	INIT_LIST_HEAD(&copies.core_filters);
	INIT_LIST_HEAD(&copies.ops_filters);
	damos_for_each_core_filter(f, src) {
		nf = damos_new_filter(f->type, f->matching, f->allow);
		if (!nf)
			goto free_copies;
		*nf = *f;
		damos_add_filter(&copies, nf);
	}
	damos_for_each_ops_filter(f, src) {
		nf = damos_new_filter(f->type, f->matching, f->allow);
		if (!nf)
			goto free_copies;
		*nf = *f;
		damos_add_filter(&copies, nf);
	}

	list_for_each_entry_safe(f, next, &dst->core_filters, list)
		damos_destroy_filter(f);
	list_for_each_entry_safe(f, next, &dst->ops_filters, list)
		damos_destroy_filter(f);
	list_splice(&copies.core_filters, &dst->core_filters);
	list_splice(&copies.ops_filters, &dst->ops_filters);
	return 0;

free_copies:
	list_for_each_entry_safe(f, next, &copies.core_filters, list)
		damos_destroy_filter(f);
	list_for_each_entry_safe(f, next, &copies.ops_filters, list)
		damos_destroy_filter(f);
	return -ENOMEM;
}

/*
 * Copy the parameters of @src into @dst; the private run state of @dst
 * stays.  Lists are committed first, so that running out of memory leaves
 * at worst a scheme whose lists are partly new.
 */
static int damos_commit_scheme(struct damos *dst, struct damos *src)
{
	struct damos_quota *dq = &dst->quota;
	int err;

	err = damos_commit_quota_goals(dq, &src->quota);
	if (err)
		return err;
	err = damos_commit_filters(dst, src);
	if (err)
		return err;
	err = damos_set_migrate_dests(dst, src->migrate_dests.node_id_arr,
				      src->migrate_dests.weight_arr,
				      src->migrate_dests.nr_dests);
	if (err)
		return err;

	dst->pattern = src->pattern;
	dst->action = src->action;
	dst->apply_interval_us = src->apply_interval_us;
	dst->target_nid = src->target_nid;
	dst->max_nr_snapshots = src->max_nr_snapshots;

	dq->params = src->quota.params;

	dst->wmarks.metric = src->wmarks.metric;
	dst->wmarks.interval = src->wmarks.interval;
	dst->wmarks.high = src->wmarks.high;
	dst->wmarks.mid = src->wmarks.mid;
	dst->wmarks.low = src->wmarks.low;
	if (dst->wmarks.metric == DAMOS_WMARK_NONE)
		dst->wmarks.activated = true;
	return 0;
}

/* A new scheme with the parameters of @src and a fresh run state. */
static struct damos *damos_copy_scheme(struct damos *src)
{
	struct damos *s;

	s = damon_new_scheme(&src->pattern, src->action,
			     src->apply_interval_us, &src->quota,
			     &src->wmarks, src->target_nid);
	if (!s)
		return NULL;
	if (damos_commit_scheme(s, src)) {
		damon_destroy_scheme(s);
		return NULL;
	}
	return s;
}

/* Remove scheme @s of @dst, releasing a walk that waits for it. */
static void damos_remove_scheme(struct damon_ctx *dst, struct damos *s)
{
	damos_walk_scheme_done(dst, s);
	damon_destroy_scheme(s);
}

static int damos_commit_schemes(struct damon_ctx *dst, struct damon_ctx *src)
{
	struct damos *ds, *ss, *next, *s;
	bool changed;
	int err;

	ds = list_first_entry(&dst->schemes, struct damos, list);
	damon_for_each_scheme(ss, src) {
		if (&ds->list == &dst->schemes) {
			s = damos_copy_scheme(ss);
			if (!s)
				return -ENOMEM;
			damon_add_scheme(dst, s);
			continue;
		}
		changed = ds->apply_interval_us != ss->apply_interval_us;
		err = damos_commit_scheme(ds, ss);
		if (err)
			return err;
		/* not after the rest of an interval it no longer has */
		if (changed)
			damos_reschedule_scheme(dst, ds);
		ds = list_next_entry(ds, list);
	}
	/* schemes beyond those of @src */
	list_for_each_entry_safe_from(ds, next, &dst->schemes, list)
		damos_remove_scheme(dst, ds);
	return 0;
}

/* ==================== Probes ==================== */

/* A copy of @src, with copies of its filters and preps, in no context. */
static struct damon_probe *damon_copy_probe(const struct damon_probe *src)
{
	struct damon_probe *p = damon_new_probe(src->weight);
	const struct damon_filter *f;
	const struct damon_prep *prep;
	struct damon_filter *nf;
	struct damon_prep *nprep;

	if (!p)
		return NULL;
	damon_for_each_filter(f, src) {
		nf = damon_new_filter(f->type, f->matching, f->allow);
		if (!nf)
			goto free;
		/* the memcg id or size range, whichever the type uses */
		*nf = *f;
		INIT_LIST_HEAD(&nf->list);
		damon_add_filter(p, nf);
	}
	damon_for_each_prep(prep, src) {
		nprep = damon_new_prep(prep->action);
		if (!nprep)
			goto free;
		damon_add_prep(p, nprep);
	}
	return p;
free:
	damon_destroy_probe(p);
	return NULL;
}

/*
 * Copy the probes of @src onto @copies, all or nothing.  Probes are not
 * matched: all of them are replaced at once.
 */
static int damon_copy_probes(struct list_head *copies, struct damon_ctx *src)
{
	struct damon_probe *p, *np;

	damon_for_each_probe(p, src) {
		np = damon_copy_probe(p);
		if (!np) {
			damon_destroy_probes(copies);
			return -ENOMEM;
		}
		list_add_tail(&np->list, copies);
	}
	return 0;
}

/*
 * Replace the probes of @dst by @copies.  The regions' hit counters stay:
 * a probe at the same position goes on counting in the same slot.
 */
static void damon_install_probes(struct damon_ctx *dst,
				 struct list_head *copies)
{
	damon_destroy_probes(&dst->probes);
	list_splice(copies, &dst->probes);
}

/* ==================== Contexts ==================== */

/*
 * Commit the attributes, the probes and the sample control of @src, which
 * is valid, all or nothing: the copies are made first, so that running
 * out of memory changes nothing.
 */
static int damon_commit_params(struct damon_ctx *dst, struct damon_ctx *src)
{
	struct damon_sample_control sample;
	LIST_HEAD(probes);
	int err;

	err = damon_copy_probes(&probes, src);
	if (err)
		return err;
	err = damon_copy_sample(&sample, src);
	if (err)
		goto free_probes;
	/* validated: it changes nothing when it fails */
	err = damon_set_attrs(dst, &src->attrs);
	if (err)
		goto free_sample;
	damon_install_probes(dst, &probes);
	damon_install_sample(dst, &sample);
	return 0;

free_sample:
	damon_destroy_sample_filters(&sample.filters);
free_probes:
	damon_destroy_probes(&probes);
	return err;
}

/**
 * damon_min_sz_region_of() - Region size unit for an address unit.
 * @addr_unit:	How many bytes of physical memory one DAMON address stands
 *		for; not 0.
 *
 * A region should cover at least a page of memory, so the unit is
 * DAMON_MIN_REGION divided by @addr_unit, rounded down to a power of two
 * and at least 1.
 *
 * Return: the value for &damon_ctx.min_sz_region.
 */
unsigned long damon_min_sz_region_of(unsigned long addr_unit)
{
	return rounddown_pow_of_two(max(DAMON_MIN_REGION / addr_unit, 1UL));
}

/**
 * damon_commit_ctx() - Make a context follow the parameters of another.
 * @dst:	The context to change, running or not.
 * @src:	The context holding the new parameters.  Not running.
 *
 * Copies the attributes, the operation set, the address unit, the pause
 * state, the targets and the schemes of @src into @dst.  Targets are
 * matched by position.  A matched target that watches the same process
 * keeps its regions and their access counts; regions given
 * in @src become its new initial ranges, fitted with damon_set_regions().
 * A target of @src marked obsolete removes its counterpart from @dst.
 * Other targets are replaced or added as new.  Schemes are matched by
 * position: a matched scheme takes the parameters of its counterpart and
 * keeps its statistics, quota state and activation (and its schedule,
 * unless its apply interval changes: then it is next applied one new
 * interval from now); its quota goals are
 * committed with damos_commit_quota_goals(), its filters and migration
 * destinations replaced.  Extra schemes are removed, missing ones added.
 * The probes of @dst are replaced by copies of those of @src, with their
 * filters and preps; the regions keep their probe hit counts.  The
 * sample control of @dst is replaced too: the primitive, and copies of
 * the sample filters with their cpumasks and thread ids.
 *
 * @src is checked first with damon_validate_ctx(), the check damon_start()
 * runs too.
 *
 * Context: process context, may sleep.  Call it while @dst is not running,
 * or from the kdamond of @dst through damon_call().
 *
 * Return: 0 on success, -EINVAL for parameters damon_validate_ctx()
 * refuses (nothing changes), -EBUSY when changing the operation set of a
 * running context (nothing changes), -ENOMEM when out of memory (nothing
 * changes if the probes or sample filters could not be copied; targets
 * may be partially committed otherwise).
 */
int damon_commit_ctx(struct damon_ctx *dst, struct damon_ctx *src)
{
	int err;

	damon_assert_ctx_owned(dst);
	err = damon_validate_ctx(src);
	if (err)
		return err;
	/* called from the running kdamond, or while @dst is stopped */
	if (dst->ops && dst->ops != src->ops &&
	    READ_ONCE(dst->kdamond) == current)
		return -EBUSY;
	err = damon_commit_params(dst, src);
	if (err)
		return err;
	dst->ops = src->ops;
	if (dst->min_sz_region != src->min_sz_region ||
	    dst->addr_unit != src->addr_unit)
		damon_drop_regions(dst);
	dst->min_sz_region = src->min_sz_region;
	dst->addr_unit = src->addr_unit;
	WRITE_ONCE(dst->pause, src->pause);
	err = damon_commit_targets(dst, src);
	if (err)
		return err;
	err = damos_commit_schemes(dst, src);
	if (err)
		return err;
	if (READ_ONCE(dst->kdamond) != current) {
		/* not running: start resets the counters and fits regions */
		damon_debug_validate(dst, 0, "after a commit");
		return 0;
	}
	/*
	 * New targets of a running context need their initial regions, and
	 * the regions of all must fit new limits before anybody looks.
	 */
	if (dst->ops->setup_regions)
		dst->ops->setup_regions(dst);
	damon_fit_nr_regions(dst);
	damon_debug_validate(dst, DAMON_VALIDATE_RUNNING, "after a commit");
	return 0;
}
