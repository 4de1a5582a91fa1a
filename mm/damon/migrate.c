// SPDX-License-Identifier: GPL-2.0
/*
 * Migration of folios to the destination nodes of a DAMOS scheme, for the
 * migrate_hot and migrate_cold actions of every operation set.
 *
 * The operation set isolates the folios it found (damon_migrate_isolate())
 * into one list per destination, then moves each list with
 * migrate_pages() (damon_migrate_batch_flush()).  A scheme with weighted
 * destinations (&damos->migrate_dests) spreads the folios over them in
 * proportion to the weights, by a weighted round robin over the pages
 * visited; a scheme without them sends everything to &damos->target_nid.
 */

#include <linux/damon.h>
#include <linux/gfp.h>
#include <linux/migrate.h>
#include <linux/mm.h>
#include <linux/nodemask.h>
#include <linux/slab.h>

#include "../internal.h"
#include "ops-common.h"

static bool damon_migrate_node_ok(int nid)
{
	return nid >= 0 && nid < MAX_NUMNODES && node_online(nid);
}

/* Allocate the per-destination arrays of @b for @nr destinations. */
static int damon_migrate_batch_alloc(struct damon_migrate_batch *b,
				     unsigned int nr)
{
	unsigned int i;

	b->lists = kmalloc_array(nr, sizeof(*b->lists), GFP_KERNEL);
	b->nids = kmalloc_array(nr, sizeof(*b->nids), GFP_KERNEL);
	b->weights = kmalloc_array(nr, sizeof(*b->weights), GFP_KERNEL);
	if (!b->lists || !b->nids || !b->weights)
		goto free_arrays;
	for (i = 0; i < nr; i++)
		INIT_LIST_HEAD(&b->lists[i]);
	b->nr = nr;
	return 0;

free_arrays:
	kfree(b->lists);
	kfree(b->nids);
	kfree(b->weights);
	return -ENOMEM;
}

/**
 * damon_migrate_batch_init() - Prepare to migrate folios for a scheme.
 * @b:		The batch to set up.
 * @s:		The scheme, of a migrate_* action.
 *
 * Destinations that are not online nodes get no folio.
 *
 * Return: 0 on success, -EINVAL if no destination is usable, -ENOMEM when
 * out of memory.  On success, free @b with damon_migrate_batch_destroy().
 */
int damon_migrate_batch_init(struct damon_migrate_batch *b, struct damos *s)
{
	const struct damos_migrate_dests *dests = &s->migrate_dests;
	unsigned int i, nr = dests->nr_dests ? dests->nr_dests : 1;
	int err;

	memset(b, 0, sizeof(*b));
	err = damon_migrate_batch_alloc(b, nr);
	if (err)
		return err;
	for (i = 0; i < nr; i++) {
		b->nids[i] = dests->nr_dests ? dests->node_id_arr[i] :
			s->target_nid;
		b->weights[i] = dests->nr_dests ? dests->weight_arr[i] : 1;
		if (!damon_migrate_node_ok(b->nids[i]))
			b->weights[i] = 0;
		b->total_weight += b->weights[i];
	}
	if (!b->total_weight) {
		damon_migrate_batch_destroy(b);
		return -EINVAL;
	}
	return 0;
}

/* The destination of the next @nr_pages pages. */
static unsigned int damon_migrate_pick(struct damon_migrate_batch *b,
				       unsigned long nr_pages)
{
	unsigned long slot = b->pos % b->total_weight;
	unsigned int i;

	b->pos += nr_pages;
	for (i = 0; i < b->nr; i++) {
		if (slot < b->weights[i])
			return i;
		slot -= b->weights[i];
	}
	return b->nr - 1;	/* unreachable: slot < total_weight */
}

/**
 * damon_migrate_isolate() - Take a folio off its LRU list for migration.
 * @b:		The batch.
 * @folio:	The folio, with a reference or mapped under a held page
 *		table lock.
 *
 * A folio already on its destination node stays where it is.
 *
 * Return: true if @folio was isolated into @b.
 */
bool damon_migrate_isolate(struct damon_migrate_batch *b, struct folio *folio)
{
	unsigned int dest = damon_migrate_pick(b, folio_nr_pages(folio));

	if (folio_nid(folio) == b->nids[dest])
		return false;
	return isolate_folio_to_list(folio, &b->lists[dest]);
}

/**
 * damon_migrate_batch_flush() - Migrate the isolated folios.
 * @b:		The batch.  Its lists are empty afterwards.
 *
 * Folios that could not be migrated go back to their LRU lists.
 *
 * Return: the number of bytes migrated.
 */
unsigned long damon_migrate_batch_flush(struct damon_migrate_batch *b)
{
	unsigned long migrated = 0;
	unsigned int i, nr_succeeded;

	for (i = 0; i < b->nr; i++) {
		struct migration_target_control mtc = {
			.nid = b->nids[i],
			/* no fallback: a scheme asked for this node */
			.gfp_mask = GFP_HIGHUSER_MOVABLE | __GFP_THISNODE |
				__GFP_NOWARN | __GFP_NORETRY |
				__GFP_NOMEMALLOC,
			.reason = MR_DAMON,
		};

		if (list_empty(&b->lists[i]))
			continue;
		nr_succeeded = 0;
		migrate_pages(&b->lists[i], alloc_migration_target, NULL,
			      (unsigned long)&mtc, MIGRATE_ASYNC, MR_DAMON,
			      &nr_succeeded);
		putback_movable_pages(&b->lists[i]);
		migrated += (unsigned long)nr_succeeded << PAGE_SHIFT;
	}
	return migrated;
}

/**
 * damon_migrate_batch_destroy() - Free a batch.
 * @b:		The batch, flushed.
 */
void damon_migrate_batch_destroy(struct damon_migrate_batch *b)
{
	kfree(b->lists);
	kfree(b->nids);
	kfree(b->weights);
	b->nr = 0;
}
