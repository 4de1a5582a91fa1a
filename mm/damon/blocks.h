/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Blocks of memory the DAMOS_ALLOC action took out of the page allocator,
 * as mm/damon/blocks.c keeps them, and what the core, the paddr operation
 * set and DAMON_ACMA need of them.  Not an API.
 */

#ifndef _MM_DAMON_BLOCKS_H
#define _MM_DAMON_BLOCKS_H

#include <linux/damon.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/overflow.h>

/*
 * The physical addresses of the DAMON address range [@start, @end) of a
 * context whose addresses are physical addresses over @addr_unit, in
 * *@start_pa and *@end_pa: false if it is empty, @addr_unit or @block_sz
 * is 0, or it starts beyond the physical address space (and so holds no
 * block); an end beyond it is the top.
 */
static inline bool damon_blocks_pa_range(unsigned long start,
					 unsigned long end,
					 unsigned long addr_unit, u64 block_sz,
					 u64 *start_pa, u64 *end_pa)
{
	if (!addr_unit || !block_sz || start >= end)
		return false;
	if (check_mul_overflow((u64)start, (u64)addr_unit, start_pa))
		return false;
	if (check_mul_overflow((u64)end, (u64)addr_unit, end_pa))
		*end_pa = U64_MAX;
	return true;
}

/*
 * The blocks wholly inside the DAMON address range [@start, @end), for
 * blocks of @block_sz bytes aligned to their size: *@first gets the
 * number (physical address over @block_sz) of the first; returns how many
 * there are, 0 with *@first 0 if none or damon_blocks_pa_range() refuses
 * the range.  Computed by division only, so that no address of the range,
 * however close to the top of the address space, overflows.
 */
static inline unsigned long damon_blocks_span(unsigned long start,
					      unsigned long end,
					      unsigned long addr_unit,
					      u64 block_sz, u64 *first)
{
	u64 start_pa, end_pa, last;

	*first = 0;
	if (!damon_blocks_pa_range(start, end, addr_unit, block_sz, &start_pa,
				   &end_pa))
		return 0;
	*first = div64_u64(start_pa, block_sz);
	if (*first * block_sz != start_pa)
		(*first)++;
	last = div64_u64(end_pa, block_sz);
	if (last <= *first) {
		*first = 0;
		return 0;
	}
	return last - *first;
}

/*
 * The blocks that overlap the DAMON address range [@start, @end): as
 * damon_blocks_span(), but with the partial blocks at both ends.  Regions
 * split at page boundaries, so a block taken while inside one region may
 * lie across two later; giving blocks back goes by overlap.
 */
static inline unsigned long damon_blocks_overlap(unsigned long start,
						 unsigned long end,
						 unsigned long addr_unit,
						 u64 block_sz, u64 *first)
{
	u64 start_pa, end_pa;

	*first = 0;
	if (!damon_blocks_pa_range(start, end, addr_unit, block_sz, &start_pa,
				   &end_pa))
		return 0;
	*first = div64_u64(start_pa, block_sz);
	/* up to the block of the last byte */
	return div64_u64(end_pa - 1, block_sz) - *first + 1;
}

#if defined(CONFIG_DAMON_PADDR) && defined(CONFIG_CONTIG_ALLOC)
unsigned long damon_blocks_alloc(struct damon_ctx *ctx, u64 first,
				 unsigned long nr);
unsigned long damon_blocks_free(struct damon_ctx *ctx, u64 first,
				unsigned long nr);
void damon_blocks_release(struct damon_ctx *ctx);
void damon_blocks_destroy(struct damon_ctx *ctx);
#else
static inline unsigned long damon_blocks_alloc(struct damon_ctx *ctx,
					       u64 first, unsigned long nr)
{
	return 0;
}

static inline unsigned long damon_blocks_free(struct damon_ctx *ctx,
					      u64 first, unsigned long nr)
{
	return 0;
}

static inline void damon_blocks_release(struct damon_ctx *ctx)
{
}

static inline void damon_blocks_destroy(struct damon_ctx *ctx)
{
}
#endif

/*
 * Bytes of memory the DAMOS_ALLOC schemes of @ctx hold now, out of the
 * page allocator: a snapshot, for any context, from any thread.
 */
static inline unsigned long damon_blocks_taken_bytes(struct damon_ctx *ctx)
{
	return (unsigned long)atomic_long_read(&ctx->nr_taken_pages) <<
		PAGE_SHIFT;
}

#endif /* _MM_DAMON_BLOCKS_H */
