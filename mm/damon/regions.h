/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DAMON region arithmetic: the pure part of the core.
 *
 * Nothing declared here sleeps on locks, touches page tables or depends on
 * a running kdamond, so regions.c and intervals.c also build in user space
 * (tools/testing/damon) with a stub header and run under ASan and UBSan.
 * Of the rest of DAMON, regions.c only asks damon_attrs_only() of
 * probes.c, which builds there too.
 */

#ifndef _MM_DAMON_REGIONS_H
#define _MM_DAMON_REGIONS_H

#include <linux/damon.h>
#include <linux/limits.h>

void damon_regions_init(void);

u32 damon_rand_u32(void);

/**
 * damon_rand() - A pseudo-random number in [@l, @r).
 * @l:	Lowest value.
 * @r:	One more than the highest value.  Must be greater than @l.
 *
 * Sampling addresses and split points need numbers that are spread evenly
 * and cheap, not unpredictable ones: damon_rand_u32() gives them from a
 * seeded generator, at a fraction of get_random_u32()'s cost (it was the
 * largest single cost of a sample after the page table walk).  A span
 * below 2^32 is scaled by a multiplication (Lemire), a wider one takes 64
 * bits modulo the span: sampling must look past the first 4 GiB of a big
 * region.  Either bias, below span / 2^32, is far under sampling noise.
 *
 * Return: the number.
 */
static inline unsigned long damon_rand(unsigned long l, unsigned long r)
{
	unsigned long span = r - l;
	u64 x;

	if (span > U32_MAX) {
		x = (u64)damon_rand_u32() << 32 | damon_rand_u32();
		return l + x % span;
	}
	return l + (unsigned long)(((u64)damon_rand_u32() * span) >> 32);
}

unsigned int damon_sub_cuts(u16 sampled, u16 hits, u8 cuts[2]);
void damon_destroy_regions(struct damon_target *t);
void damon_insert_region(struct damon_region *r, struct damon_region *prev,
			 struct damon_target *t);
int damon_split_region_at(struct damon_target *t, struct damon_region *r,
			  unsigned long sz_left);
void damon_split_evenly(struct damon_target *t, struct damon_region *r,
			unsigned int nr_pieces, unsigned long min_sz_region);
void damon_split_regions_of(struct damon_target *t, unsigned int nr_subs,
			    unsigned long min_sz_region);
void damon_merge_regions_of(struct damon_target *t, unsigned int thres,
			    unsigned long sz_limit);
unsigned long damon_sz_target(const struct damon_target *t);

/*
 * One aggregation step over all targets of a context.  Regions are
 * compared by a score that depends on the mode of the context: nr_accesses
 * normally, the weighted probe hit sum in attributes-only mode (see
 * damon_attrs_only()).  The kdamond takes the threshold once per
 * aggregation with damon_aggregation_threshold(), then calls
 * damon_update_ages(), damon_merge_regions(), damon_reset_aggregated() and
 * damon_split_regions() in that order.
 */
unsigned int damon_merge_threshold(unsigned int max_nr_accesses);
unsigned long damon_aggregation_threshold(const struct damon_ctx *ctx);
void damon_update_ages(struct damon_ctx *ctx, unsigned long thres);
void damon_merge_regions(struct damon_ctx *ctx, unsigned long thres);
void damon_reset_aggregated(struct damon_ctx *ctx);
void damon_split_regions(struct damon_ctx *ctx);
void damon_split_to_min_nr_regions(struct damon_ctx *ctx);
void damon_fit_nr_regions(struct damon_ctx *ctx);
unsigned int damon_nr_regions_ctx(struct damon_ctx *ctx);

unsigned long damon_window_samples(const struct damon_attrs *attrs);
unsigned int damon_max_nr_accesses(const struct damon_attrs *attrs);
void damon_rescale_region(struct damon_region *r,
			  const struct damon_attrs *old_attrs,
			  const struct damon_attrs *new_attrs);
void damon_rescale_counters(struct damon_ctx *ctx,
			    const struct damon_attrs *new_attrs);

/**
 * enum damon_validate_flags - What damon_validate_regions() checks beyond
 * the shape of the region lists.
 * @DAMON_VALIDATE_COUNTERS:	No per-window counter of a region exceeds the
 *				samples of an aggregation interval, and its
 *				sub-region hits are in sampled parts.
 * @DAMON_VALIDATE_NR_REGIONS:	The context has at most max_nr_regions
 *				regions, or none of them can merge any more.
 * @DAMON_VALIDATE_SAMPLING:	Every sampling address lies in its region.
 *
 * Each holds only at some points of a kdamond's loop; see
 * damon_validate_regions().
 */
enum damon_validate_flags {
	DAMON_VALIDATE_COUNTERS = 1U << 0,
	DAMON_VALIDATE_NR_REGIONS = 1U << 1,
	DAMON_VALIDATE_SAMPLING = 1U << 2,
};

/* What a running context holds after an aggregation or a commit. */
#define DAMON_VALIDATE_RUNNING \
	(DAMON_VALIDATE_COUNTERS | DAMON_VALIDATE_NR_REGIONS)

int damon_validate_regions_of(const struct damon_target *t, unsigned int tidx,
			      const struct damon_attrs *attrs,
			      unsigned long min_sz_region, unsigned int flags);
int damon_validate_regions(const struct damon_ctx *ctx, unsigned int flags);
void damon_warn_invalid_regions(const struct damon_ctx *ctx,
				unsigned int flags, const char *when);

/**
 * damon_debug_validate() - Self-check the regions of a context, if
 * CONFIG_DAMON_DEBUG_SANITY is set.
 * @ctx:	The context.
 * @flags:	&enum damon_validate_flags that hold where it is called.
 * @when:	Where it is called, for the warning.
 *
 * Compiled always, so that the calls stay type-checked, and optimized
 * out when the option is off.  See damon_warn_invalid_regions().
 */
static inline void damon_debug_validate(const struct damon_ctx *ctx,
					unsigned int flags, const char *when)
{
	if (IS_ENABLED(CONFIG_DAMON_DEBUG_SANITY))
		damon_warn_invalid_regions(ctx, flags, when);
}

int damon_three_regions_of(const struct damon_addr_range *vmas,
			   unsigned int nr_vmas,
			   struct damon_addr_range three[3]);

/**
 * struct damon_fault_report - One access the page_fault sampling primitive
 * saw: a fault on a page DAMON made inaccessible for one sample.
 * @addr:	Start of the accessed page, in DAMON address units.
 * @size:	Size of the page, in DAMON address units; at least 1.
 * @target:	Index of the target in the target list of its context.
 * @cpu:	The CPU the access faulted on.
 * @tid:	The id of the faulting thread, in the initial pid namespace.
 * @write:	Whether the faulting access was a write.
 */
struct damon_fault_report {
	unsigned long addr;
	unsigned long size;
	unsigned int target;
	int cpu;
	pid_t tid;
	bool write;
};

void damon_reports_account(struct damon_target *t,
			   const struct damon_fault_report *reports,
			   unsigned int nr,
			   bool (*pass)(const struct damon_fault_report *rep,
					const void *arg),
			   const void *arg);

/* Sampling interval auto-tuning: mm/damon/intervals.c */
unsigned long damon_tuned_sample_interval(const struct damon_attrs *attrs,
					  unsigned long nr_events,
					  unsigned long nr_chances);
void damon_apply_sample_interval(struct damon_attrs *attrs,
				 unsigned long sample_us,
				 unsigned long base_aggr_samples);

#endif	/* _MM_DAMON_REGIONS_H */
