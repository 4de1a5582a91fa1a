// SPDX-License-Identifier: GPL-2.0
/*
 * Folio filters: which folios a scheme's action may touch (DAMOS ops
 * filters), and which samples a data attribute probe counts as hits.
 *
 * The core hands a region to the operation set, which looks at every folio
 * in it.  The ops filters of the scheme decide, folio by folio, whether the
 * action is applied to it.  The rules are those of struct damos_filter:
 * the first filter whose condition holds decides; a folio no filter talks
 * about gets the opposite of what the last filter would have given.  They
 * continue the chain of the core filters: a region a core filter allowed
 * is not filtered again (damos_ops_filters_needed()).
 * Probe filters follow the same rules on the folio at a region's sampling
 * address, and never change that folio: the young check of a probe only
 * reads.
 */

#include <linux/damon.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>

#include "ops-common.h"

/* Whether @folio is charged to the memcg whose id @memcg_id is. */
static bool damon_folio_in_memcg(struct folio *folio,
				 unsigned short memcg_id)
{
	struct mem_cgroup *memcg;
	bool ret;

	rcu_read_lock();	/* keeps the memcg alive while we read its id */
	memcg = folio_memcg(folio);
	ret = memcg && mem_cgroup_id(memcg) == memcg_id;
	rcu_read_unlock();
	return ret;
}

/*
 * A folio property a filter asks about.  DAMOS ops filters and probe
 * filters name them differently; each name maps to one property here, so
 * that a property is tested by one piece of code.  0 is a property no
 * folio has, for names that never reach the ops.
 */
enum damon_folio_prop {
	DAMON_FOLIO_NONE,
	DAMON_FOLIO_ANON,
	DAMON_FOLIO_ACTIVE,
	DAMON_FOLIO_MEMCG,
	DAMON_FOLIO_YOUNG,
	DAMON_FOLIO_OLD,
	DAMON_FOLIO_SIZE,
	DAMON_FOLIO_UNMAPPED,
};

/* core filter types never reach the ops list: DAMON_FOLIO_NONE */
static const enum damon_folio_prop
damos_filter_props[NR_DAMOS_FILTER_TYPES] = {
	[DAMOS_FILTER_TYPE_UNMAPPED]		= DAMON_FOLIO_UNMAPPED,
	[DAMOS_FILTER_TYPE_ANON]		= DAMON_FOLIO_ANON,
	[DAMOS_FILTER_TYPE_MEMCG]		= DAMON_FOLIO_MEMCG,
	[DAMOS_FILTER_TYPE_ACTIVE]		= DAMON_FOLIO_ACTIVE,
	[DAMOS_FILTER_TYPE_YOUNG]		= DAMON_FOLIO_YOUNG,
	[DAMOS_FILTER_TYPE_HUGEPAGE_SIZE]	= DAMON_FOLIO_SIZE,
};

static const enum damon_folio_prop
damon_filter_props[NR_DAMON_FILTER_TYPES] = {
	[DAMON_FILTER_TYPE_ANON]		= DAMON_FOLIO_ANON,
	[DAMON_FILTER_TYPE_MEMCG]		= DAMON_FOLIO_MEMCG,
	[DAMON_FILTER_TYPE_PGIDLE_UNSET]	= DAMON_FOLIO_YOUNG,
	[DAMON_FILTER_TYPE_PGIDLE_SET]		= DAMON_FOLIO_OLD,
	[DAMON_FILTER_TYPE_HUGEPAGE_SIZE]	= DAMON_FOLIO_SIZE,
};

/* Whether the folio of @c is young; asks at most once per check. */
static bool damon_folio_check_young(struct damon_folio_check *c)
{
	if (c->young_cache < 0)
		c->young_cache = c->young && c->young->fn(c->folio,
							  c->young->arg);
	return c->young_cache;
}

/*
 * Whether the folio of @c has property @prop.  @memcg_id and @sz are the
 * arguments of the memcg and size properties.  Without a folio, nothing
 * is asked and no property holds, not even "old".
 */
static bool damon_folio_has(struct damon_folio_check *c,
			    enum damon_folio_prop prop,
			    unsigned short memcg_id,
			    const struct damon_size_range *sz)
{
	struct folio *folio = c->folio;

	if (!folio)
		return false;
	switch (prop) {
	case DAMON_FOLIO_ANON:
		return folio_test_anon(folio);
	case DAMON_FOLIO_ACTIVE:
		return folio_test_active(folio);
	case DAMON_FOLIO_MEMCG:
		return damon_folio_in_memcg(folio, memcg_id);
	case DAMON_FOLIO_YOUNG:
		return damon_folio_check_young(c);
	case DAMON_FOLIO_OLD:
		return !damon_folio_check_young(c);
	case DAMON_FOLIO_SIZE:
		return folio_size(folio) >= sz->min &&
			folio_size(folio) <= sz->max;
	case DAMON_FOLIO_UNMAPPED:
		return !folio_mapped(folio);
	default:
		return false;
	}
}

/* Whether the folio of @c has the property DAMOS filter @f looks at. */
static bool damos_folio_has(const struct damos_filter *f,
			    struct damon_folio_check *c)
{
	if ((unsigned int)f->type >= NR_DAMOS_FILTER_TYPES)
		return false;
	return damon_folio_has(c, damos_filter_props[f->type], f->memcg_id,
			       &f->sz_range);
}

/**
 * damos_ops_filters_needed() - Whether the ops must filter the region they
 * are applying a scheme to.
 * @s:		The scheme, during its damon_operations.apply_scheme().
 *
 * The core and ops filters form one chain: a region a core filter allowed
 * is not filtered again, so that the action is applied to all of it and
 * all of it counts as passed, as when the scheme has no ops filters.  An
 * operation set may then take its shortcuts for unfiltered regions.
 *
 * Context: the kdamond of the scheme's context, in apply_scheme().
 * Return: true if damos_folio_filter_pass() must be asked folio by folio.
 */
bool damos_ops_filters_needed(const struct damos *s)
{
	return !s->core_filters_allowed && !list_empty(&s->ops_filters);
}

/**
 * damos_folio_filter_pass() - Whether the ops filters of a scheme let its
 * action touch a folio.
 * @s:		The scheme.
 * @folio:	The folio, with a reference or under its page table lock.
 * @young:	How to tell whether @folio was accessed, for young filters;
 *		asked at most once, and only if a young filter is reached.
 *
 * Return: true if the action may be applied to @folio.  A scheme without
 * ops filters, or whose region a core filter allowed (see
 * damos_ops_filters_needed()), lets everything pass.
 */
bool damos_folio_filter_pass(struct damos *s, struct folio *folio,
			     const struct damon_folio_young *young)
{
	struct damon_folio_check check = DAMON_FOLIO_CHECK(folio, young);
	struct damos_filter *f;
	bool last_allow = false;

	if (!damos_ops_filters_needed(s))
		return true;
	damos_for_each_ops_filter(f, s) {
		if (damos_folio_has(f, &check) == f->matching)
			return f->allow;
		last_allow = f->allow;
	}
	return !last_allow;
}

/* Whether the folio of @c has the property probe filter @f looks at. */
static bool damon_probe_folio_has(const struct damon_filter *f,
				  struct damon_folio_check *c)
{
	if ((unsigned int)f->type >= NR_DAMON_FILTER_TYPES)
		return false;
	return damon_folio_has(c, damon_filter_props[f->type], f->memcg_id,
			       &f->sz_range);
}

/**
 * damon_probe_filter_pass() - Whether a probe's filters count a sample as a
 * hit.
 * @p:		The probe.
 * @check:	The sampled folio (NULL when none was found) and how to tell
 *		whether it is young.  Its young answer is cached in it, so
 *		that the probes of one sample share a single check.
 *
 * The filters are evaluated in order; the first one that applies (whether
 * the folio has its property equals its matching) decides by its allow.
 * When none applies, the sample is a hit unless the last filter allows.
 * Without a folio, every filter counts as not matching, and is still
 * evaluated.  Nothing of the folio is changed.
 *
 * Context: the folio is held by a reference or its page table lock; may
 * be called in atomic context, if the young callback may.
 * Return: true if the sample is a hit of @p.  A probe without filters
 * hits always.
 */
bool damon_probe_filter_pass(const struct damon_probe *p,
			     struct damon_folio_check *check)
{
	struct damon_filter *f;
	bool last_allow = false;

	damon_for_each_filter(f, p) {
		if (damon_probe_folio_has(f, check) == f->matching)
			return f->allow;
		last_allow = f->allow;
	}
	return !last_allow;
}
