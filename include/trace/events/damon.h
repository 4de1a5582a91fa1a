/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints of DAMON.  Their output formats are parsed by user space
 * tools and must not change.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM damon

#if !defined(_TRACE_DAMON_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TRACE_DAMON_H

#include <linux/damon.h>
#include <linux/tracepoint.h>
#include <linux/types.h>

/*
 * damon_aggregated - the result of one aggregation interval for a region:
 * the index of its target, the number of regions of that target, the
 * region's range, its nr_accesses and its age.
 */
TRACE_EVENT(damon_aggregated,
	    TP_PROTO(unsigned long target_idx, unsigned int nr_regions,
		     const struct damon_region *r),
	    TP_ARGS(target_idx, nr_regions, r),
	    TP_STRUCT__entry(__field(unsigned long, target_idx)
			     __field(unsigned long, start)
			     __field(unsigned long, end)
			     __field(unsigned int, nr_regions)
			     __field(unsigned int, nr_accesses)
			     __field(unsigned int, age)),
	    TP_fast_assign(__entry->target_idx = target_idx;
			   __entry->start = r->ar.start;
			   __entry->end = r->ar.end;
			   __entry->nr_regions = nr_regions;
			   __entry->nr_accesses = r->nr_accesses;
			   __entry->age = r->age;),
	    TP_printk("target_id=%lu nr_regions=%u %lu-%lu: %u %u",
		      __entry->target_idx, __entry->nr_regions,
		      __entry->start, __entry->end,
		      __entry->nr_accesses, __entry->age)
);

/* damon_monitor_intervals_tune - auto-tuning set a new sampling interval */
TRACE_EVENT(damon_monitor_intervals_tune,
	    TP_PROTO(unsigned long sample_us),
	    TP_ARGS(sample_us),
	    TP_STRUCT__entry(__field(unsigned long, sample_us)),
	    TP_fast_assign(__entry->sample_us = sample_us;),
	    TP_printk("sample_us=%lu", __entry->sample_us)
);

/*
 * damos_before_apply - a scheme is about to apply its action to a region:
 * the indexes of the context (0: a kdamond runs one context), the scheme
 * and the target, the number of regions of the target, the region's range,
 * its access frequency (the moving rate the scheme matched, in accesses
 * per aggregation interval) and its age.
 */
TRACE_EVENT(damos_before_apply,
	    TP_PROTO(unsigned int ctx_idx, unsigned int scheme_idx,
		     unsigned long target_idx, unsigned int nr_regions,
		     const struct damon_region *r),
	    TP_ARGS(ctx_idx, scheme_idx, target_idx, nr_regions, r),
	    TP_STRUCT__entry(__field(unsigned int, ctx_idx)
			     __field(unsigned int, scheme_idx)
			     __field(unsigned long, target_idx)
			     __field(unsigned long, start)
			     __field(unsigned long, end)
			     __field(unsigned int, nr_regions)
			     __field(unsigned int, nr_accesses)
			     __field(unsigned int, age)),
	    TP_fast_assign(__entry->ctx_idx = ctx_idx;
			   __entry->scheme_idx = scheme_idx;
			   __entry->target_idx = target_idx;
			   __entry->start = r->ar.start;
			   __entry->end = r->ar.end;
			   __entry->nr_regions = nr_regions;
			   __entry->nr_accesses = r->nr_accesses_bp /
						  DAMON_BP_UNIT;
			   __entry->age = r->age;),
	    TP_printk("ctx_idx=%u scheme_idx=%u target_idx=%lu nr_regions=%u %lu-%lu: %u %u",
		      __entry->ctx_idx, __entry->scheme_idx,
		      __entry->target_idx, __entry->nr_regions,
		      __entry->start, __entry->end,
		      __entry->nr_accesses, __entry->age)
);

/* damos_esz - the effective size quota of a scheme was recomputed */
TRACE_EVENT(damos_esz,
	    TP_PROTO(unsigned int ctx_idx, unsigned int scheme_idx,
		     unsigned long esz),
	    TP_ARGS(ctx_idx, scheme_idx, esz),
	    TP_STRUCT__entry(__field(unsigned int, ctx_idx)
			     __field(unsigned int, scheme_idx)
			     __field(unsigned long, esz)),
	    TP_fast_assign(__entry->ctx_idx = ctx_idx;
			   __entry->scheme_idx = scheme_idx;
			   __entry->esz = esz;),
	    TP_printk("ctx_idx=%u scheme_idx=%u esz=%lu",
		      __entry->ctx_idx, __entry->scheme_idx, __entry->esz)
);

#endif /* _TRACE_DAMON_H */

/* This part must be outside protection */
#include <trace/define_trace.h>
