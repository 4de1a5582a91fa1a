// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of probe hit counting and prep running in the operation sets,
 * mm/damon/ops-probes.c and the probe callbacks of paddr.c and vaddr.c.
 *
 * The filter chain itself is tested in ops-filters-kunit.c; here the folio
 * is mostly absent (NULL), which makes every filter not match, so that a
 * probe's result is known from its filters alone.  The paddr tests use a
 * real page cache folio of a shmem file, which sits on an LRU list.
 */

#include <kunit/test.h>
#include <linux/damon.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/page_idle.h>
#include <linux/pagemap.h>
#include <linux/shmem_fs.h>
#include <linux/swap.h>

#include "../ops-common.h"
#include "damon-kunit.h"

/* A probe of one filter appended to @ctx. */
static struct damon_probe *
damon_test_add_probe_of(struct kunit *test, struct damon_ctx *ctx,
			enum damon_filter_type type, bool matching, bool allow)
{
	struct damon_probe *p = damon_test_ctx_add_probe(test, ctx, 0);

	damon_test_probe_add_filter(test, p, type, matching, allow);
	return p;
}

/* A region [@start, @end) of a new target of @ctx, sampled at @start. */
static struct damon_region *damon_test_add_region(struct kunit *test,
						  struct damon_ctx *ctx,
						  unsigned long start,
						  unsigned long end)
{
	struct damon_target *t = damon_test_add_target(test, ctx);
	struct damon_region *r = damon_test_new_region(test, t, start, end);

	r->sampling_addr = start;
	return r;
}

/* Check the hit counters of @r, all of them. */
static void damon_test_expect_hits(struct kunit *test, struct damon_region *r,
				   const u8 want[DAMON_MAX_PROBES])
{
	unsigned int i;

	for (i = 0; i < DAMON_MAX_PROBES; i++) {
		KUNIT_EXPECT_EQ_MSG(test, r->probe_hits[i], want[i],
				    "probe %u", i);
		/* nothing spills into the next array */
		KUNIT_EXPECT_EQ_MSG(test, r->last_probe_hits[i], 0,
				    "probe %u", i);
	}
}

/* Each probe counts in the slot of its position in the list. */
static void damon_test_apply_per_probe(struct kunit *test)
{
	static const u8 want1[DAMON_MAX_PROBES] = { 1, 0, 1, 0 };
	static const u8 want2[DAMON_MAX_PROBES] = { 2, 0, 2, 0 };
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damon_region *r = damon_test_add_region(test, ctx, 0, PAGE_SIZE);

	damon_test_ctx_add_probe(test, ctx, 0);		/* no filter: hit */
	damon_test_add_probe_of(test, ctx, DAMON_FILTER_TYPE_ANON, true,
				true);			/* not applied: miss */
	damon_test_add_probe_of(test, ctx, DAMON_FILTER_TYPE_PGIDLE_SET,
				false, true);		/* applies: hit */
	damon_probes_apply(ctx, r, NULL, NULL);
	damon_test_expect_hits(test, r, want1);
	damon_probes_apply(ctx, r, NULL, NULL);
	damon_test_expect_hits(test, r, want2);
}

/* Counters stop at U8_MAX instead of wrapping to 0. */
static void damon_test_apply_saturates(struct kunit *test)
{
	static const u8 want[DAMON_MAX_PROBES] = { U8_MAX, 0, 0, 0 };
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damon_region *r = damon_test_add_region(test, ctx, 0, PAGE_SIZE);

	damon_test_ctx_add_probe(test, ctx, 0);
	r->probe_hits[0] = U8_MAX - 1;
	damon_probes_apply(ctx, r, NULL, NULL);
	damon_test_expect_hits(test, r, want);
	damon_probes_apply(ctx, r, NULL, NULL);
	damon_test_expect_hits(test, r, want);
}

/* A probe past DAMON_MAX_PROBES has no counter and is not evaluated. */
static void damon_test_apply_too_many(struct kunit *test)
{
	static const u8 want[DAMON_MAX_PROBES] = { 1, 1, 1, 1 };
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damon_region *r = damon_test_add_region(test, ctx, 0, PAGE_SIZE);
	unsigned int i;

	for (i = 0; i <= DAMON_MAX_PROBES; i++)
		damon_test_ctx_add_probe(test, ctx, 0);
	damon_probes_apply(ctx, r, NULL, NULL);
	damon_test_expect_hits(test, r, want);
}

/* Counts the calls of a fake prep action. */
static void damon_test_prep_count(void *arg)
{
	(*(unsigned int *)arg)++;
}

/* Every prep of every probe runs, repeated ones too; unsupported: none. */
static void damon_test_prep_runs_all(struct kunit *test)
{
	static const struct damon_prep_ops counting = {
		.fns = { [DAMON_PREP_SET_PGIDLE] = damon_test_prep_count },
	};
	static const struct damon_prep_ops unsupported = {};
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damon_probe *p1, *p2;
	unsigned int nr = 0;

	p1 = damon_test_ctx_add_probe(test, ctx, 0);
	p2 = damon_test_ctx_add_probe(test, ctx, 0);
	damon_probes_prep(ctx, &counting, &nr);
	KUNIT_EXPECT_EQ(test, nr, 0);

	damon_test_probe_add_prep(test, p2);
	damon_test_probe_add_prep(test, p1);
	damon_test_probe_add_prep(test, p1);
	damon_probes_prep(ctx, &counting, &nr);
	KUNIT_EXPECT_EQ(test, nr, 3);
	damon_probes_prep(ctx, &unsupported, &nr);
	KUNIT_EXPECT_EQ(test, nr, 3);
}

/* paddr, vaddr and fvaddr all count probe hits and run preps. */
static void damon_test_ops_have_probes(struct kunit *test)
{
	static const enum damon_ops_id ids[] = {
		DAMON_OPS_VADDR, DAMON_OPS_FVADDR, DAMON_OPS_PADDR,
	};
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ids); i++) {
		if (damon_select_ops(ctx, ids[i]))
			continue;	/* not configured */
		KUNIT_EXPECT_NOT_NULL_MSG(test, ctx->ops->apply_probes, "%s",
					  ctx->ops->name);
		KUNIT_EXPECT_NOT_NULL_MSG(test, ctx->ops->prep_probes, "%s",
					  ctx->ops->name);
	}
}

/*
 * vaddr: a process without an address space (this kernel thread) maps
 * nothing at the sampled address, so no probe is evaluated, not even one
 * without filters, which would hit on anything.
 */
static void damon_test_va_nothing_mapped(struct kunit *test)
{
	static const u8 want[DAMON_MAX_PROBES] = {};
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damon_target *t;
	struct damon_region *r;

	if (damon_select_ops(ctx, DAMON_OPS_VADDR))
		kunit_skip(test, "no vaddr");
	r = damon_test_add_region(test, ctx, 0, PAGE_SIZE);
	t = list_first_entry(&ctx->adaptive_targets, struct damon_target,
			     list);
	t->pid = get_pid(task_pid(current));
	damon_test_ctx_add_probe(test, ctx, 0);
	damon_test_probe_add_prep(test, damon_test_ctx_add_probe(test, ctx, 0));
	ctx->ops->prep_probes(ctx);
	ctx->ops->apply_probes(ctx);
	damon_test_expect_hits(test, r, want);
}

static void damon_test_fput(void *file)
{
	fput(file);
}

static void damon_test_folio_put(void *folio)
{
	folio_put(folio);
}

/* A page cache folio of a new shmem file, on its LRU list. */
static struct folio *damon_test_lru_folio(struct kunit *test)
{
	struct file *file = shmem_file_setup("damon-test", PAGE_SIZE, 0);
	struct folio *folio;
	int err;

	KUNIT_ASSERT_FALSE(test, IS_ERR(file));
	err = kunit_add_action_or_reset(test, damon_test_fput, file);
	KUNIT_ASSERT_EQ(test, err, 0);
	folio = shmem_read_folio(file->f_mapping, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(folio));
	err = kunit_add_action_or_reset(test, damon_test_folio_put, folio);
	KUNIT_ASSERT_EQ(test, err, 0);
	/* new folios wait in a per-CPU batch before they get on the LRU */
	lru_add_drain();
	if (!folio_test_lru(folio))
		kunit_skip(test, "the folio did not get on an LRU list");
	return folio;
}

/* A context of the paddr operation set, or a skip if it is not there. */
static struct damon_ctx *damon_test_pa_ctx(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_new_ctx(test);

	if (damon_select_ops(ctx, DAMON_OPS_PADDR))
		kunit_skip(test, "no paddr");
	return ctx;
}

/* A region of @ctx over the page at physical address @addr, sampled there. */
static struct damon_region *damon_test_pa_region(struct kunit *test,
						 struct damon_ctx *ctx,
						 phys_addr_t addr)
{
	return damon_test_add_region(test, ctx, addr, addr + PAGE_SIZE);
}

/*
 * paddr on a real folio: set_pgidle makes it idle, an access makes it
 * young again; the probes only read that state, never clear it.
 */
static void damon_test_pa_probes(struct kunit *test)
{
	static const u8 young[DAMON_MAX_PROBES] = { 1, 0, 1, 1 };
	static const u8 idle[DAMON_MAX_PROBES] = { 2, 1, 1, 2 };
	static const u8 again[DAMON_MAX_PROBES] = { 3, 1, 2, 3 };
	struct damon_ctx *ctx = damon_test_pa_ctx(test);
	struct folio *folio = damon_test_lru_folio(test);
	struct damon_region *r;
	struct damon_probe *p;

	r = damon_test_pa_region(test, ctx, PFN_PHYS(folio_pfn(folio)));
	p = damon_test_ctx_add_probe(test, ctx, 0);
	damon_test_add_probe_of(test, ctx, DAMON_FILTER_TYPE_PGIDLE_SET, true,
				true);
	damon_test_add_probe_of(test, ctx, DAMON_FILTER_TYPE_PGIDLE_UNSET,
				true, true);
	/* shmem folios are not anonymous */
	damon_test_add_probe_of(test, ctx, DAMON_FILTER_TYPE_ANON, false, true);

	folio_clear_idle(folio);
	ctx->ops->apply_probes(ctx);
	damon_test_expect_hits(test, r, young);
	KUNIT_EXPECT_FALSE(test, folio_test_idle(folio));

	damon_test_probe_add_prep(test, p);
	ctx->ops->prep_probes(ctx);
	KUNIT_EXPECT_TRUE(test, folio_test_idle(folio));
	ctx->ops->apply_probes(ctx);
	damon_test_expect_hits(test, r, idle);
	KUNIT_EXPECT_TRUE(test, folio_test_idle(folio));

	folio_mark_accessed(folio);	/* clears PG_idle */
	ctx->ops->apply_probes(ctx);
	damon_test_expect_hits(test, r, again);
}

/*
 * paddr without a folio (a kernel page, on no LRU list): the filters do not
 * match but are evaluated, and preps have nothing to work on.
 */
static void damon_test_pa_no_folio(struct kunit *test)
{
	static const u8 want[DAMON_MAX_PROBES] = { 1, 0, 1, 0 };
	struct damon_ctx *ctx = damon_test_pa_ctx(test);
	struct page *page = alloc_page(GFP_KERNEL);
	struct damon_region *r;
	struct damon_probe *p;
	int err;

	KUNIT_ASSERT_NOT_NULL(test, page);
	err = kunit_add_action_or_reset(test, damon_test_folio_put,
					page_folio(page));
	KUNIT_ASSERT_EQ(test, err, 0);
	r = damon_test_pa_region(test, ctx, page_to_phys(page));
	p = damon_test_ctx_add_probe(test, ctx, 0);
	damon_test_add_probe_of(test, ctx, DAMON_FILTER_TYPE_ANON, true, true);
	damon_test_add_probe_of(test, ctx, DAMON_FILTER_TYPE_ANON, false,
				true);
	damon_test_add_probe_of(test, ctx, DAMON_FILTER_TYPE_PGIDLE_SET, true,
				true);
	damon_test_probe_add_prep(test, p);
	ctx->ops->prep_probes(ctx);
	KUNIT_EXPECT_FALSE(test, folio_test_idle(page_folio(page)));
	ctx->ops->apply_probes(ctx);
	damon_test_expect_hits(test, r, want);
}

static struct kunit_case damon_ops_probes_cases[] = {
	KUNIT_CASE(damon_test_apply_per_probe),
	KUNIT_CASE(damon_test_apply_saturates),
	KUNIT_CASE(damon_test_apply_too_many),
	KUNIT_CASE(damon_test_prep_runs_all),
	KUNIT_CASE(damon_test_ops_have_probes),
	KUNIT_CASE(damon_test_va_nothing_mapped),
	KUNIT_CASE(damon_test_pa_probes),
	KUNIT_CASE(damon_test_pa_no_folio),
	{},
};

static struct kunit_suite damon_ops_probes_suite = {
	.name = "damon-ops-probes",
	.test_cases = damon_ops_probes_cases,
};

kunit_test_suite(damon_ops_probes_suite);
