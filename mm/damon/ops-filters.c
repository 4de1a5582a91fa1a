// SPDX-License-Identifier: GPL-2.0
/*
 * DAMOS ops filters: which folios a scheme's action may touch.
 *
 * The core hands a region to the operation set, which looks at every folio
 * in it.  The ops filters of the scheme decide, folio by folio, whether the
 * action is applied to it.  The rules are those of struct damos_filter:
 * the first filter whose condition holds decides; a folio no filter talks
 * about gets the opposite of what the last filter would have given.
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
 * Whether @folio has the property @f looks at.  @young caches the answer of
 * the young check, which has side effects: -1 until it is asked.
 */
static bool damos_folio_has(const struct damos_filter *f, struct folio *folio,
			    const struct damon_folio_young *young,
			    int *young_cache)
{
	unsigned long sz;

	switch (f->type) {
	case DAMOS_FILTER_TYPE_ANON:
		return folio_test_anon(folio);
	case DAMOS_FILTER_TYPE_ACTIVE:
		return folio_test_active(folio);
	case DAMOS_FILTER_TYPE_MEMCG:
		return damon_folio_in_memcg(folio, f->memcg_id);
	case DAMOS_FILTER_TYPE_YOUNG:
		if (*young_cache < 0)
			*young_cache = young && young->fn(folio, young->arg);
		return *young_cache;
	case DAMOS_FILTER_TYPE_HUGEPAGE_SIZE:
		sz = folio_size(folio);
		return sz >= f->sz_range.min && sz <= f->sz_range.max;
	case DAMOS_FILTER_TYPE_UNMAPPED:
		return !folio_mapped(folio);
	default:
		/* core filter types never reach the ops list */
		return false;
	}
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
 * ops filters lets everything pass.
 */
bool damos_folio_filter_pass(struct damos *s, struct folio *folio,
			     const struct damon_folio_young *young)
{
	struct damos_filter *f;
	bool last_allow = false;
	int young_cache = -1;

	damos_for_each_ops_filter(f, s) {
		if (damos_folio_has(f, folio, young, &young_cache) ==
		    f->matching)
			return f->allow;
		last_allow = f->allow;
	}
	return !last_allow;
}
