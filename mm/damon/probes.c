// SPDX-License-Identifier: GPL-2.0
/*
 * DAMON data attribute probes: the objects and their checks.
 *
 * A probe is a chain of filters, and of preparation actions, that the
 * operation set applies to the page at every region's sampling address
 * (see ops->apply_probes and ops->prep_probes).  This file only makes,
 * counts and checks them; the hit counters live in the regions
 * (regions.c), the evaluation in the operation sets.
 *
 * Locking: the probes of a context belong to whoever owns the context: its
 * kdamond while it runs (changes come through damon_commit_ctx() in
 * damon_call()), the caller otherwise.
 */

#include <linux/damon.h>
#include <linux/errno.h>
#include <linux/limits.h>
#include <linux/minmax.h>
#include <linux/slab.h>

#include "core.h"
#include "regions.h"

const char * const damon_filter_type_names[NR_DAMON_FILTER_TYPES] = {
	[DAMON_FILTER_TYPE_ANON] = "anon",
	[DAMON_FILTER_TYPE_MEMCG] = "memcg",
	[DAMON_FILTER_TYPE_PGIDLE_UNSET] = "pgidle_unset",
	[DAMON_FILTER_TYPE_PGIDLE_SET] = "pgidle_set",
	[DAMON_FILTER_TYPE_HUGEPAGE_SIZE] = "hugepage_size",
};

const char * const damon_prep_action_names[NR_DAMON_PREP_ACTIONS] = {
	[DAMON_PREP_SET_PGIDLE] = "set_pgidle",
};

/* Most samples per aggregation interval an attributes-only window has. */
#define DAMON_ATTRS_ONLY_MAX_WINDOW	U8_MAX

/**
 * damon_new_probe() - Allocate a probe without filters and preps.
 * @weight:	Weight of the probe's hits; see &struct damon_probe.
 *
 * Context: process context, may sleep.
 * Return: the probe, or NULL when out of memory.
 */
struct damon_probe *damon_new_probe(unsigned int weight)
{
	struct damon_probe *p = kmalloc(sizeof(*p), GFP_KERNEL);

	if (!p)
		return NULL;
	p->weight = weight;
	INIT_LIST_HEAD(&p->filters);
	INIT_LIST_HEAD(&p->preps);
	/* destroying a probe that was never added is fine */
	INIT_LIST_HEAD(&p->list);
	return p;
}

/**
 * damon_add_probe() - Append a probe to a context.
 * @ctx:	The context, not running (or from its kdamond).
 * @p:		The probe, in no context.
 *
 * The probe's position in the list is its index in the regions'
 * probe_hits[].  The count limit, &DAMON_MAX_PROBES, is checked when the
 * context is started or committed, not here.
 */
void damon_add_probe(struct damon_ctx *ctx, struct damon_probe *p)
{
	damon_assert_ctx_owned(ctx);
	list_add_tail(&p->list, &ctx->probes);
}

/**
 * damon_destroy_probe() - Unlink a probe, if linked, and free it.
 * @p:		The probe, with its filters and preps.
 */
void damon_destroy_probe(struct damon_probe *p)
{
	struct damon_filter *f, *next_f;
	struct damon_prep *prep, *next_prep;

	damon_for_each_filter_safe(f, next_f, p)
		damon_destroy_filter(f);
	damon_for_each_prep_safe(prep, next_prep, p)
		damon_destroy_prep(prep);
	list_del(&p->list);
	kfree(p);
}

/**
 * damon_destroy_probes() - Free all probes of a list.
 * @probes:	The list: the probes of a context, not running (or from its
 *		kdamond), or probes of no context yet.  It is empty after.
 */
void damon_destroy_probes(struct list_head *probes)
{
	struct damon_probe *p, *next;

	list_for_each_entry_safe(p, next, probes, list)
		damon_destroy_probe(p);
}

/**
 * damon_nr_probes() - Number of probes of a context.
 * @ctx:	The context.
 *
 * Return: the length of @ctx->probes.
 */
unsigned int damon_nr_probes(const struct damon_ctx *ctx)
{
	const struct damon_probe *p;
	unsigned int nr = 0;

	damon_for_each_probe(p, ctx)
		nr++;
	return nr;
}

/**
 * damon_new_filter() - Allocate a probe filter.
 * @type:	What the filter looks at.
 * @matching:	Whether it applies to folios with the property.
 * @allow:	Whether a sample it applies to is a hit.
 *
 * The memcg id and the size range start zeroed: set the one @type uses.
 *
 * Context: process context, may sleep.
 * Return: the filter, or NULL when out of memory.
 */
struct damon_filter *damon_new_filter(enum damon_filter_type type,
				      bool matching, bool allow)
{
	struct damon_filter *f = kzalloc(sizeof(*f), GFP_KERNEL);

	if (!f)
		return NULL;
	f->type = type;
	f->matching = matching;
	f->allow = allow;
	INIT_LIST_HEAD(&f->list);
	return f;
}

/**
 * damon_add_filter() - Append a filter to a probe.
 * @p:		The probe.
 * @f:		The filter, in no probe.
 */
void damon_add_filter(struct damon_probe *p, struct damon_filter *f)
{
	list_add_tail(&f->list, &p->filters);
}

/**
 * damon_destroy_filter() - Unlink a probe filter, if linked, and free it.
 * @f:		The filter.
 */
void damon_destroy_filter(struct damon_filter *f)
{
	list_del(&f->list);
	kfree(f);
}

/**
 * damon_new_prep() - Allocate a probe preparation action.
 * @action:	The action.
 *
 * Context: process context, may sleep.
 * Return: the prep, or NULL when out of memory.
 */
struct damon_prep *damon_new_prep(enum damon_prep_action action)
{
	struct damon_prep *prep = kmalloc(sizeof(*prep), GFP_KERNEL);

	if (!prep)
		return NULL;
	prep->action = action;
	INIT_LIST_HEAD(&prep->list);
	return prep;
}

/**
 * damon_add_prep() - Append a preparation action to a probe.
 * @p:		The probe.
 * @prep:	The prep, in no probe.
 */
void damon_add_prep(struct damon_probe *p, struct damon_prep *prep)
{
	list_add_tail(&prep->list, &p->preps);
}

/**
 * damon_destroy_prep() - Unlink a preparation action, if linked, and free
 * it.
 * @prep:	The prep.
 */
void damon_destroy_prep(struct damon_prep *prep)
{
	list_del(&prep->list);
	kfree(prep);
}

/**
 * damon_attrs_only() - Whether a context monitors data attributes only.
 * @ctx:	The context.
 *
 * Any probe with a non-zero weight turns access checks off: regions are
 * then merged and aged by their weighted probe hit sums.
 *
 * Return: true if a probe of @ctx has a non-zero weight.
 */
bool damon_attrs_only(const struct damon_ctx *ctx)
{
	const struct damon_probe *p;

	damon_for_each_probe(p, ctx) {
		if (p->weight)
			return true;
	}
	return false;
}

/**
 * damon_ctx_has_preps() - Whether any probe of a context has preps.
 * @ctx:	The context.
 *
 * Return: true if a probe of @ctx has at least one preparation action.
 */
bool damon_ctx_has_preps(const struct damon_ctx *ctx)
{
	const struct damon_probe *p;

	damon_for_each_probe(p, ctx) {
		if (!list_empty(&p->preps))
			return true;
	}
	return false;
}

static int damon_check_filter(const struct damon_filter *f)
{
	if (f->type >= NR_DAMON_FILTER_TYPES)
		return -EINVAL;
	if (f->type == DAMON_FILTER_TYPE_HUGEPAGE_SIZE &&
	    f->sz_range.max < f->sz_range.min)
		return -EINVAL;
	return 0;
}

static int damon_check_probe(const struct damon_probe *p)
{
	const struct damon_filter *f;
	const struct damon_prep *prep;
	int err;

	damon_for_each_filter(f, p) {
		err = damon_check_filter(f);
		if (err)
			return err;
	}
	damon_for_each_prep(prep, p) {
		if (prep->action >= NR_DAMON_PREP_ACTIONS)
			return -EINVAL;
	}
	return 0;
}

/*
 * Attributes-only mode keeps the weighted sum of a region's hits, each at
 * most the samples of a window, in an unsigned int, and the hits of a
 * window in a u8.
 */
static int damon_check_weights(const struct damon_ctx *ctx,
			       const struct damon_attrs *attrs)
{
	unsigned long window = damon_window_samples(attrs);
	unsigned long samples = max(window, 1UL);
	const struct damon_probe *p;
	u64 sum = 0;

	if (!damon_attrs_only(ctx))
		return 0;
	if (window > DAMON_ATTRS_ONLY_MAX_WINDOW)
		return -EINVAL;
	damon_for_each_probe(p, ctx) {
		if (p->weight > UINT_MAX / samples)
			return -EINVAL;
		sum += (u64)p->weight * samples;
	}
	return sum > UINT_MAX ? -EINVAL : 0;
}

/**
 * damon_check_probes() - Check the probes of a context.
 * @ctx:	The context holding the probes.
 * @attrs:	The monitoring attributes they will run with.
 *
 * Part of the one validation damon_start() and damon_commit_ctx() run.
 *
 * Return: 0 if the probes are valid; -EINVAL for more than
 * &DAMON_MAX_PROBES probes, an unknown filter type or prep action, a
 * hugepage_size filter whose max is below its min, or, in attributes-only
 * mode, more than 255 samples per aggregation interval or weights whose
 * weighted hit sum could overflow an unsigned int.
 */
int damon_check_probes(const struct damon_ctx *ctx,
		       const struct damon_attrs *attrs)
{
	const struct damon_probe *p;
	int err;

	if (damon_nr_probes(ctx) > DAMON_MAX_PROBES)
		return -EINVAL;
	damon_for_each_probe(p, ctx) {
		err = damon_check_probe(p);
		if (err)
			return err;
	}
	return damon_check_weights(ctx, attrs);
}
