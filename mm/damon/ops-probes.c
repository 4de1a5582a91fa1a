// SPDX-License-Identifier: GPL-2.0
/*
 * Data attribute probes, the part the operation sets share.
 *
 * Once per sample, an operation set finds the folio at each region's
 * sampling address (one look-up per region, whatever the number of probes)
 * and lets every probe of the context evaluate its filters on it; a probe
 * that passes counts a hit in the region's slot for it.  Before the
 * sampling interval, it runs the preps of every probe on the same page,
 * through the functions its &struct damon_prep_ops gives per action.
 */

#include <linux/damon.h>
#include <linux/limits.h>

#include "ops-common.h"

/**
 * damon_probes_apply() - Count the hits of every probe on one region's
 * sample.
 * @ctx:	The context whose probes are evaluated.
 * @r:		The region; probe_hits[i] counts the hits of the i-th probe.
 * @folio:	The folio at @r's sampling address, or NULL if none was
 *		found (every filter then counts as not matching).
 * @young:	How to tell, without changing anything, whether @folio is
 *		young; asked at most once for all probes.
 *
 * Counters saturate at U8_MAX rather than wrap, so that a long
 * aggregation interval reads as "hit every time", not as a small count.
 * Probes beyond &DAMON_MAX_PROBES, which the core never lets in, have no
 * slot and are not evaluated.
 *
 * Context: the kdamond of @ctx, with @folio held by a reference or its
 * page table lock; does not sleep unless @young does.
 */
void damon_probes_apply(const struct damon_ctx *ctx, struct damon_region *r,
			struct folio *folio,
			const struct damon_folio_young *young)
{
	struct damon_folio_check check = DAMON_FOLIO_CHECK(folio, young);
	struct damon_probe *p;
	unsigned int i = 0;

	damon_for_each_probe(p, ctx) {
		if (i == DAMON_MAX_PROBES)
			break;
		if (damon_probe_filter_pass(p, &check) &&
		    r->probe_hits[i] < U8_MAX)
			r->probe_hits[i]++;
		i++;
	}
}

/**
 * damon_probes_prep() - Run the preps of every probe on one sampled page.
 * @ctx:	The context whose probes' preps are run.
 * @ops:	The operation set's function per prep action.
 * @arg:	Argument of those functions: the page to prepare.
 *
 * Preps run for every probe in order, and for every prep of a probe in
 * order, even if an earlier one did the same: each prep is its own
 * request.  An action @ops has no function for is skipped.
 *
 * Context: the kdamond of @ctx, in the locking context the functions of
 * @ops need.
 */
void damon_probes_prep(const struct damon_ctx *ctx,
		       const struct damon_prep_ops *ops, void *arg)
{
	struct damon_probe *p;
	struct damon_prep *prep;
	unsigned int action;

	damon_for_each_probe(p, ctx) {
		damon_for_each_prep(prep, p) {
			action = prep->action;
			if (action < NR_DAMON_PREP_ACTIONS && ops->fns[action])
				ops->fns[action](arg);
		}
	}
}
