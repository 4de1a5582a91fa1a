// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the blocks DAMOS_ALLOC takes and DAMOS_FREE gives back,
 * mm/damon/blocks.c: which blocks a region holds, and, where the page
 * allocator can hand out a contiguous range (CONFIG_CONTIG_ALLOC), taking
 * and giving back real blocks, by the actions, the shrinker and the end
 * of a context.
 */

#include <kunit/test.h>
#include <linux/damon.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/shrinker.h>

#include "../blocks.h"
#include "damon-kunit.h"

#define SZ_BLOCK	((u64)SZ_2M)
#define BLOCKS_TRIES	64

/* ==================== Which blocks a region holds ==================== */

/* Check that [@start, @end) over @unit holds @nr blocks from @first. */
static void blocks_expect_span(struct kunit *test, unsigned long start,
			       unsigned long end, unsigned long unit,
			       u64 block_sz, unsigned long nr, u64 first)
{
	u64 got_first = 42;

	KUNIT_EXPECT_EQ_MSG(test, damon_blocks_span(start, end, unit, block_sz,
						    &got_first), nr,
			    "[%lx, %lx) x %lu", start, end, unit);
	KUNIT_EXPECT_EQ_MSG(test, got_first, first, "[%lx, %lx) x %lu",
			    start, end, unit);
}

static void damon_test_blocks_span_aligned(struct kunit *test)
{
	/* exactly one */
	blocks_expect_span(test, SZ_2M, SZ_4M, 1, SZ_BLOCK, 1, 1);
	/* many, from address 0 */
	blocks_expect_span(test, 0, SZ_1G, 1, SZ_BLOCK, 512, 0);
}

static void damon_test_blocks_span_unaligned(struct kunit *test)
{
	/* the partial blocks at both ends are left out */
	blocks_expect_span(test, SZ_2M - PAGE_SIZE, SZ_8M + PAGE_SIZE, 1,
			   SZ_BLOCK, 3, 1);
	blocks_expect_span(test, SZ_2M + PAGE_SIZE, SZ_8M - PAGE_SIZE, 1,
			   SZ_BLOCK, 1, 2);
	/* straddling one boundary: no whole block */
	blocks_expect_span(test, SZ_2M - PAGE_SIZE, SZ_2M + PAGE_SIZE, 1,
			   SZ_BLOCK, 0, 0);
}

static void damon_test_blocks_span_small(struct kunit *test)
{
	/* smaller than a block, aligned or not */
	blocks_expect_span(test, SZ_2M, SZ_2M + SZ_1M, 1, SZ_BLOCK, 0, 0);
	blocks_expect_span(test, SZ_2M + PAGE_SIZE, SZ_4M, 1, SZ_BLOCK, 0, 0);
	/* one byte short */
	blocks_expect_span(test, SZ_2M, SZ_4M - 1, 1, SZ_BLOCK, 0, 0);
}

static void damon_test_blocks_span_addr_unit(struct kunit *test)
{
	/* DAMON address 512K over 4: physical 2M */
	blocks_expect_span(test, SZ_512K, SZ_1M, 4, SZ_BLOCK, 1, 1);
	/* 1K units: [1M, 4M) is not block-aligned at the start */
	blocks_expect_span(test, SZ_1K, 4 * SZ_1K, SZ_1K, SZ_BLOCK, 1, 1);
	/* units bigger than a block */
	blocks_expect_span(test, 1, 3, SZ_4M, SZ_BLOCK, 4, 2);
}

static void damon_test_blocks_span_top(struct kunit *test)
{
	unsigned long top = ULONG_MAX;
	u64 first;

	if (BITS_PER_LONG != 64)
		kunit_skip(test, "the cases assume 64-bit addresses");
	/* the region ends at the last address: its partial tail is left */
	first = div64_u64((u64)top - 3 * SZ_2M, SZ_BLOCK) + 1;
	blocks_expect_span(test, top - 3 * SZ_2M, top, 1, SZ_BLOCK, 2, first);
	/* a start at the top does not wrap around to block 0 */
	blocks_expect_span(test, top - PAGE_SIZE, top, 1, SZ_BLOCK, 0, 0);
	/* an end beyond the address space: the blocks up to the top */
	first = div64_u64((u64)(top / 8) * 4, SZ_BLOCK) + 1;
	blocks_expect_span(test, top / 8, top / 2, 4, SZ_BLOCK,
			   div64_u64(U64_MAX, SZ_BLOCK) - first, first);
	/* a start beyond it: none */
	blocks_expect_span(test, top / 2, top, 4, SZ_BLOCK, 0, 0);
}

static void damon_test_blocks_span_invalid(struct kunit *test)
{
	blocks_expect_span(test, SZ_4M, SZ_2M, 1, SZ_BLOCK, 0, 0);
	blocks_expect_span(test, SZ_4M, SZ_4M, 1, SZ_BLOCK, 0, 0);
	blocks_expect_span(test, 0, SZ_1G, 0, SZ_BLOCK, 0, 0);
	blocks_expect_span(test, 0, SZ_1G, 1, 0, 0, 0);
}

static void damon_test_blocks_overlap(struct kunit *test)
{
	u64 first = 42;

	/* the partial blocks at both ends count */
	KUNIT_EXPECT_EQ(test, damon_blocks_overlap(SZ_2M - PAGE_SIZE,
						   SZ_8M + PAGE_SIZE, 1,
						   SZ_BLOCK, &first), 5);
	KUNIT_EXPECT_EQ(test, first, 0);
	/* a page inside one block */
	KUNIT_EXPECT_EQ(test, damon_blocks_overlap(SZ_4M + PAGE_SIZE,
						   SZ_4M + 2 * PAGE_SIZE, 1,
						   SZ_BLOCK, &first), 1);
	KUNIT_EXPECT_EQ(test, first, 2);
	/* aligned: as the span */
	KUNIT_EXPECT_EQ(test, damon_blocks_overlap(SZ_2M, SZ_4M, 1, SZ_BLOCK,
						   &first), 1);
	KUNIT_EXPECT_EQ(test, first, 1);
	KUNIT_EXPECT_EQ(test, damon_blocks_overlap(SZ_4M, SZ_2M, 1, SZ_BLOCK,
						   &first), 0);
	KUNIT_EXPECT_EQ(test, first, 0);
}

/* ==================== Real blocks ==================== */

#ifdef CONFIG_CONTIG_ALLOC

#define BLOCK_BYTES	(pageblock_nr_pages << PAGE_SHIFT)

/* A context of its own for each test, given back and freed after it. */
static int blocks_test_init(struct kunit *test)
{
	test->priv = damon_test_new_ctx(test);
	return 0;
}

/* The number past the last block of memory. */
static unsigned long blocks_test_end(void)
{
	unsigned long end = 0;
	struct zone *zone;

	for_each_populated_zone(zone)
		end = max(end, zone_end_pfn(zone));
	return end >> pageblock_order;
}

/*
 * Take a block for @ctx, trying from the top of memory down, where free
 * memory usually is; skip the test if none can be taken.
 */
static unsigned long blocks_test_take_one(struct kunit *test,
					  struct damon_ctx *ctx)
{
	unsigned long end = blocks_test_end(), nr;
	int i;

	for (i = 1; i <= BLOCKS_TRIES && i <= end; i++) {
		nr = end - i;
		if (damon_blocks_alloc(ctx, nr, 1) == BLOCK_BYTES)
			return nr;
	}
	kunit_skip(test, "no block could be taken");
	return 0;
}

/* Check that @ctx holds exactly @nr_blocks blocks, by every measure. */
static void blocks_expect_taken(struct kunit *test, struct damon_ctx *ctx,
				unsigned long nr_blocks)
{
	KUNIT_EXPECT_EQ(test, damon_blocks_taken_bytes(ctx),
			nr_blocks * BLOCK_BYTES);
	KUNIT_EXPECT_EQ(test, xa_empty(&ctx->taken_blocks), !nr_blocks);
}

static void damon_test_blocks_take_give(struct kunit *test)
{
	struct damon_ctx *ctx = test->priv;
	unsigned long total = totalram_pages(), nr;

	nr = blocks_test_take_one(test, ctx);
	blocks_expect_taken(test, ctx, 1);
	KUNIT_EXPECT_NOT_NULL(test, xa_load(&ctx->taken_blocks, nr));
	/* out of the managed memory */
	KUNIT_EXPECT_EQ(test, totalram_pages(), total - pageblock_nr_pages);
	/* a block taken already is not taken twice */
	KUNIT_EXPECT_EQ(test, damon_blocks_alloc(ctx, nr, 1), 0);
	/* a range without taken blocks gives nothing back */
	KUNIT_EXPECT_EQ(test, damon_blocks_free(ctx, nr + 1, 4), 0);
	KUNIT_EXPECT_EQ(test, damon_blocks_free(ctx, nr, 0), 0);

	KUNIT_EXPECT_EQ(test, damon_blocks_free(ctx, nr - 2, 3), BLOCK_BYTES);
	blocks_expect_taken(test, ctx, 0);
	KUNIT_EXPECT_EQ(test, totalram_pages(), total);
	/* given back, it can be taken again */
	KUNIT_EXPECT_EQ(test, damon_blocks_alloc(ctx, nr, 1), BLOCK_BYTES);
	damon_blocks_release(ctx);
	blocks_expect_taken(test, ctx, 0);
}

static void damon_test_blocks_shrinker(struct kunit *test)
{
	struct damon_ctx *ctx = test->priv;
	struct shrink_control sc = { .gfp_mask = GFP_KERNEL, .nr_to_scan = 1 };
	unsigned long total = totalram_pages();
	struct shrinker *shrinker;

	blocks_test_take_one(test, ctx);
	shrinker = ctx->blocks_shrinker;
	KUNIT_ASSERT_NOT_NULL(test, shrinker);
	KUNIT_EXPECT_EQ(test, shrinker->count_objects(shrinker, &sc),
			pageblock_nr_pages);
	/* one page asked for: the whole block comes back */
	KUNIT_EXPECT_EQ(test, shrinker->scan_objects(shrinker, &sc),
			pageblock_nr_pages);
	blocks_expect_taken(test, ctx, 0);
	KUNIT_EXPECT_EQ(test, totalram_pages(), total);
	KUNIT_EXPECT_EQ(test, shrinker->count_objects(shrinker, &sc),
			SHRINK_EMPTY);
	KUNIT_EXPECT_EQ(test, shrinker->scan_objects(shrinker, &sc),
			SHRINK_STOP);
	damon_blocks_release(ctx);
	KUNIT_EXPECT_NULL(test, ctx->blocks_shrinker);
}

static void damon_test_blocks_release(struct kunit *test)
{
	struct damon_ctx *ctx = test->priv;
	unsigned long total = totalram_pages(), nr;

	nr = blocks_test_take_one(test, ctx);
	/* a second block, if one more can be had below the first */
	damon_blocks_alloc(ctx, nr - 8, 8);
	KUNIT_EXPECT_LT(test, totalram_pages(), total);
	damon_blocks_release(ctx);
	blocks_expect_taken(test, ctx, 0);
	KUNIT_EXPECT_NULL(test, ctx->blocks_shrinker);
	KUNIT_EXPECT_EQ(test, totalram_pages(), total);
}

/* Apply a @action scheme of @ctx's paddr operation set to @r. */
static unsigned long blocks_test_apply(struct kunit *test,
				       struct damon_ctx *ctx,
				       struct damon_target *t,
				       struct damon_region *r,
				       enum damos_action action)
{
	unsigned long passed = 0, applied;
	struct damos *s;

	s = damon_test_add_any_scheme(test, ctx, action, 0, NULL);
	applied = ctx->ops->apply_scheme(ctx, t, r, s, &passed);
	/* blocks are not folios: the ops filters do not apply */
	KUNIT_EXPECT_EQ(test, passed, damon_sz_region(r));
	return applied;
}

static void damon_test_blocks_paddr_actions(struct kunit *test)
{
	struct damon_ctx *ctx = test->priv;
	unsigned long unit = 4, nr, start;
	struct damon_target *t;
	struct damon_region *r;

	KUNIT_ASSERT_EQ(test, damon_select_ops(ctx, DAMON_OPS_PADDR), 0);
	KUNIT_ASSERT_TRUE(test, ctx->ops->actions & BIT(DAMOS_ALLOC));
	KUNIT_ASSERT_TRUE(test, ctx->ops->actions & BIT(DAMOS_FREE));
	ctx->addr_unit = unit;
	t = damon_test_add_target(test, ctx);
	/* find a block that can be taken, and give it back for the action */
	nr = blocks_test_take_one(test, ctx);
	damon_blocks_release(ctx);
	start = (nr << pageblock_order << PAGE_SHIFT) / unit;

	/* half a block: nothing, and all of it counts as failed */
	r = damon_test_new_region(test, t, start, start + BLOCK_BYTES / unit / 2);
	KUNIT_EXPECT_EQ(test, blocks_test_apply(test, ctx, t, r, DAMOS_ALLOC),
			0);
	blocks_expect_taken(test, ctx, 0);
	/* the whole block: applied in DAMON addresses */
	r->ar.end = start + BLOCK_BYTES / unit;
	KUNIT_EXPECT_EQ(test, blocks_test_apply(test, ctx, t, r, DAMOS_ALLOC),
			BLOCK_BYTES / unit);
	blocks_expect_taken(test, ctx, 1);
	KUNIT_EXPECT_EQ(test, blocks_test_apply(test, ctx, t, r, DAMOS_FREE),
			BLOCK_BYTES / unit);
	blocks_expect_taken(test, ctx, 0);
	KUNIT_EXPECT_EQ(test, blocks_test_apply(test, ctx, t, r, DAMOS_FREE),
			0);

	/* a taken block across two regions: either gives it back */
	KUNIT_EXPECT_EQ(test, blocks_test_apply(test, ctx, t, r, DAMOS_ALLOC),
			BLOCK_BYTES / unit);
	r->ar.start = start + BLOCK_BYTES / unit / 2;
	r->ar.end = start + BLOCK_BYTES / unit + PAGE_SIZE;
	KUNIT_EXPECT_EQ(test, blocks_test_apply(test, ctx, t, r, DAMOS_FREE),
			damon_sz_region(r));
	blocks_expect_taken(test, ctx, 0);

	/* beyond the end of memory: nothing tried, at once */
	r->ar.start = ULONG_MAX / 2;
	r->ar.end = ULONG_MAX;
	KUNIT_EXPECT_EQ(test, blocks_test_apply(test, ctx, t, r, DAMOS_ALLOC),
			0);
	damon_blocks_release(ctx);
}

#else /* CONFIG_CONTIG_ALLOC */

static int blocks_test_init(struct kunit *test)
{
	return 0;
}

static void damon_test_blocks_no_contig(struct kunit *test)
{
	kunit_skip(test, "CONFIG_CONTIG_ALLOC is off: no real blocks");
}

#define damon_test_blocks_take_give	damon_test_blocks_no_contig
#define damon_test_blocks_shrinker	damon_test_blocks_no_contig
#define damon_test_blocks_release	damon_test_blocks_no_contig
#define damon_test_blocks_paddr_actions	damon_test_blocks_no_contig

#endif /* CONFIG_CONTIG_ALLOC */

static struct kunit_case damon_blocks_test_cases[] = {
	KUNIT_CASE(damon_test_blocks_span_aligned),
	KUNIT_CASE(damon_test_blocks_span_unaligned),
	KUNIT_CASE(damon_test_blocks_span_small),
	KUNIT_CASE(damon_test_blocks_span_addr_unit),
	KUNIT_CASE(damon_test_blocks_span_top),
	KUNIT_CASE(damon_test_blocks_span_invalid),
	KUNIT_CASE(damon_test_blocks_overlap),
	KUNIT_CASE(damon_test_blocks_take_give),
	KUNIT_CASE(damon_test_blocks_shrinker),
	KUNIT_CASE(damon_test_blocks_release),
	KUNIT_CASE(damon_test_blocks_paddr_actions),
	{},
};

static struct kunit_suite damon_blocks_test_suite = {
	.name = "damon-blocks",
	.init = blocks_test_init,
	.test_cases = damon_blocks_test_cases,
};

kunit_test_suite(damon_blocks_test_suite);

MODULE_DESCRIPTION("KUnit tests of the blocks DAMOS_ALLOC takes");
MODULE_LICENSE("GPL");
