/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the DAMON KUnit suites: contexts, targets and regions
 * that are freed when the test ends, however it ends.
 */

#ifndef _DAMON_TESTS_DAMON_KUNIT_H
#define _DAMON_TESTS_DAMON_KUNIT_H

#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/damon.h>
#include <linux/numa.h>
#include <linux/string.h>

#include "../regions.h"

/* Address of page @n, as region boundaries in tests are given. */
#define DAMON_TEST_PG(n)	((unsigned long)(n) * PAGE_SIZE)

/* A callback of an operation set that does nothing. */
static inline void damon_test_nop(struct damon_ctx *ctx)
{
}

static inline void damon_test_destroy_target(void *t)
{
	damon_destroy_target(t, NULL);
}

static inline void damon_test_destroy_ctx(void *ctx)
{
	damon_destroy_ctx(ctx);
}

/* A target in no context, freed at the end of the test. */
static inline struct damon_target *damon_test_new_target(struct kunit *test)
{
	struct damon_target *t = damon_new_target();
	int err;

	KUNIT_ASSERT_NOT_NULL(test, t);
	err = kunit_add_action_or_reset(test, damon_test_destroy_target, t);
	KUNIT_ASSERT_EQ(test, err, 0);
	return t;
}

/* A context with default attributes, freed at the end of the test. */
static inline struct damon_ctx *damon_test_new_ctx(struct kunit *test)
{
	struct damon_ctx *ctx = damon_new_ctx();
	int err;

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	err = kunit_add_action_or_reset(test, damon_test_destroy_ctx, ctx);
	KUNIT_ASSERT_EQ(test, err, 0);
	return ctx;
}

/* A new target of @ctx, freed with it. */
static inline struct damon_target *damon_test_add_target(struct kunit *test,
							 struct damon_ctx *ctx)
{
	struct damon_target *t = damon_new_target();

	KUNIT_ASSERT_NOT_NULL(test, t);
	damon_add_target(ctx, t);
	return t;
}

/* A new region [@start, @end) appended to @t, freed with it. */
static inline struct damon_region *
damon_test_new_region(struct kunit *test, struct damon_target *t,
		      unsigned long start, unsigned long end)
{
	struct damon_region *r = damon_new_region(start, end);

	KUNIT_ASSERT_NOT_NULL(test, r);
	damon_add_region(r, t);
	return r;
}

/* Append a region per range of @ranges to @t. */
static inline void damon_test_add_regions(struct kunit *test,
					  struct damon_target *t,
					  const struct damon_addr_range *ranges,
					  unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		damon_test_new_region(test, t, ranges[i].start, ranges[i].end);
}

/* Region @idx of @t, or NULL. */
static inline struct damon_region *damon_test_region(struct damon_target *t,
						     unsigned int idx)
{
	struct damon_region *r;

	damon_for_each_region(r, t) {
		if (!idx--)
			return r;
	}
	return NULL;
}

/* Check that the regions of @t are exactly @want. */
static inline void
damon_test_expect_regions(struct kunit *test, struct damon_target *t,
			  const struct damon_addr_range *want, unsigned int nr)
{
	struct damon_region *r;
	unsigned int i = 0;

	KUNIT_EXPECT_EQ(test, damon_nr_regions(t), nr);
	damon_for_each_region(r, t) {
		if (i == nr) {
			KUNIT_FAIL(test, "extra region [%lx, %lx)",
				   r->ar.start, r->ar.end);
			return;
		}
		KUNIT_EXPECT_EQ_MSG(test, r->ar.start, want[i].start,
				    "region %u", i);
		KUNIT_EXPECT_EQ_MSG(test, r->ar.end, want[i].end,
				    "region %u", i);
		i++;
	}
	KUNIT_EXPECT_EQ(test, i, nr);
}

/* Set all counters of @r. */
static inline void damon_test_set_counters(struct damon_region *r,
					   unsigned int nr_accesses,
					   unsigned int age,
					   unsigned int last_nr_accesses)
{
	r->nr_accesses = nr_accesses;
	r->age = age;
	r->last_nr_accesses = last_nr_accesses;
}

/* Check all counters of @r. */
static inline void damon_test_expect_counters(struct kunit *test,
					      struct damon_region *r,
					      unsigned int nr_accesses,
					      unsigned int age,
					      unsigned int last_nr_accesses)
{
	KUNIT_ASSERT_NOT_NULL(test, r);
	KUNIT_EXPECT_EQ(test, r->nr_accesses, nr_accesses);
	KUNIT_EXPECT_EQ(test, r->age, age);
	KUNIT_EXPECT_EQ(test, r->last_nr_accesses, last_nr_accesses);
}

/* Append a filter to @s; fails @test when out of memory. */
static inline struct damos_filter *
damon_test_add_filter(struct kunit *test, struct damos *s,
		      enum damos_filter_type type, bool matching, bool allow)
{
	struct damos_filter *f = damos_new_filter(type, matching, allow);

	KUNIT_ASSERT_NOT_NULL(test, f);
	damos_add_filter(s, f);
	return f;
}

/* ==================== Probes ==================== */

/* A probe of @weight appended to @ctx, freed with it. */
static inline struct damon_probe *
damon_test_ctx_add_probe(struct kunit *test, struct damon_ctx *ctx,
			 unsigned int weight)
{
	struct damon_probe *p = damon_new_probe(weight);

	KUNIT_ASSERT_NOT_NULL(test, p);
	damon_add_probe(ctx, p);
	return p;
}

/* A filter appended to probe @p, freed with it. */
static inline struct damon_filter *
damon_test_probe_add_filter(struct kunit *test, struct damon_probe *p,
			    enum damon_filter_type type, bool matching,
			    bool allow)
{
	struct damon_filter *f = damon_new_filter(type, matching, allow);

	KUNIT_ASSERT_NOT_NULL(test, f);
	damon_add_filter(p, f);
	return f;
}

/* A set_pgidle prep appended to probe @p, freed with it. */
static inline struct damon_prep *
damon_test_probe_add_prep(struct kunit *test, struct damon_probe *p)
{
	struct damon_prep *prep = damon_new_prep(DAMON_PREP_SET_PGIDLE);

	KUNIT_ASSERT_NOT_NULL(test, prep);
	damon_add_prep(p, prep);
	return prep;
}

/* ==================== Kdamonds on a fake operation set ==================== */

/* A kunit action: stop the kdamond of context @data if it runs, free it. */
static inline void damon_kunit_stop_destroy(void *data)
{
	struct damon_ctx *ctx = data;

	damon_stop(&ctx, 1);
	damon_destroy_ctx(ctx);
}

/* Attributes sampling every millisecond and aggregating every ten. */
static inline struct damon_attrs damon_test_ms_attrs(unsigned long min_nr,
						     unsigned long max_nr)
{
	return (struct damon_attrs){
		.sample_interval = 1000,
		.aggr_interval = 10000,
		.ops_update_interval = 100000,
		.min_nr_regions = min_nr,
		.max_nr_regions = max_nr,
	};
}

/*
 * A context on @ops and @attrs with one target over @range, not started.
 * The test may start and stop it; it is stopped if it runs and freed when
 * the test ends.
 */
static inline struct damon_ctx *
damon_test_new_kdamond_ctx(struct kunit *test,
			   const struct damon_operations *ops,
			   const struct damon_attrs *attrs,
			   const struct damon_addr_range *range)
{
	struct damon_target *t;
	struct damon_ctx *ctx;
	int err;

	ctx = damon_new_ctx();
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	err = kunit_add_action_or_reset(test, damon_kunit_stop_destroy, ctx);
	KUNIT_ASSERT_EQ(test, err, 0);
	ctx->ops = ops;
	KUNIT_ASSERT_EQ(test, damon_set_attrs(ctx, attrs), 0);
	t = damon_test_add_target(test, ctx);
	KUNIT_ASSERT_EQ(test, damon_set_regions(t, range, 1, PAGE_SIZE), 0);
	return ctx;
}

/*
 * A scheme of @ctx with @action that every region matches, applied every
 * @apply_us (0: every aggregation); @wmarks NULL means none.
 */
static inline struct damos *
damon_test_add_any_scheme(struct kunit *test, struct damon_ctx *ctx,
			  enum damos_action action, unsigned long apply_us,
			  const struct damos_watermarks *wmarks)
{
	static const struct damos_access_pattern any = {
		.max_sz_region = ULONG_MAX,
		.max_nr_accesses = UINT_MAX,
		.max_age_region = UINT_MAX,
	};
	static const struct damos_watermarks none = {};
	struct damos_quota quota = {};
	struct damos *s;

	s = damon_new_scheme(&any, action, apply_us, &quota,
			     wmarks ? wmarks : &none, NUMA_NO_NODE);
	KUNIT_ASSERT_NOT_NULL(test, s);
	damon_add_scheme(ctx, s);
	return s;
}

/* damon_test_add_any_scheme() with DAMOS_STAT. */
static inline struct damos *
damon_test_add_stat_scheme(struct kunit *test, struct damon_ctx *ctx,
			   unsigned long apply_us,
			   const struct damos_watermarks *wmarks)
{
	return damon_test_add_any_scheme(test, ctx, DAMOS_STAT, apply_us,
					 wmarks);
}

/* Sample the first page of every region of @ctx. */
static inline void damon_test_sample_first_pages(struct damon_ctx *ctx)
{
	struct damon_target *t;
	struct damon_region *r;

	damon_for_each_target(t, ctx) {
		damon_for_each_region(r, t)
			r->sampling_addr = r->ar.start;
	}
}

/* Find every region of @ctx accessed in this sample. */
static inline void damon_test_find_all_accessed(struct damon_ctx *ctx)
{
	struct damon_target *t;
	struct damon_region *r;

	damon_for_each_target(t, ctx) {
		damon_for_each_region(r, t)
			damon_update_region_access_rate(r, true);
	}
}

/*
 * What the hot operation set counted, from the kdamond; a suite that reads
 * it calls damon_test_hot_reset() in its .init.
 * @nr_samples:	finish_sample calls.
 * @nr_applied:	apply_scheme calls.
 */
struct damon_test_hot_counts {
	atomic_t nr_samples;
	atomic_t nr_applied;
};

/* The counts of the suite that includes this file. */
static inline struct damon_test_hot_counts *damon_test_hot(void)
{
	static struct damon_test_hot_counts counts;

	return &counts;
}

static inline void damon_test_hot_reset(void)
{
	atomic_set(&damon_test_hot()->nr_samples, 0);
	atomic_set(&damon_test_hot()->nr_applied, 0);
}

static inline void damon_test_hot_finish(struct damon_ctx *ctx)
{
	damon_test_find_all_accessed(ctx);
	atomic_inc(&damon_test_hot()->nr_samples);
}

/* Applies nothing, but every byte passes the (absent) ops filters. */
static inline unsigned long damon_test_hot_apply(struct damon_ctx *ctx,
						 struct damon_target *t,
						 struct damon_region *r,
						 struct damos *s,
						 unsigned long *sz_filter_passed)
{
	atomic_inc(&damon_test_hot()->nr_applied);
	*sz_filter_passed = damon_sz_region(r);
	return 0;
}

/*
 * The hot set: every sample finds every region accessed, and DAMOS_STAT
 * is counted.  Never registered, assigned to ctx->ops directly.
 */
static inline const struct damon_operations *damon_test_hot_ops(void)
{
	static const struct damon_operations ops = {
		.id = DAMON_OPS_PADDR,
		.name = "hot-test",
		.start_sample = damon_test_sample_first_pages,
		.finish_sample = damon_test_hot_finish,
		.apply_scheme = damon_test_hot_apply,
		.actions = BIT(DAMOS_STAT),
	};

	return &ops;
}

/*
 * The hot set whose page_table primitive tells writes, as vaddr and paddr
 * do; for the checks of sample control.
 */
static inline const struct damon_operations *damon_test_write_ops(void)
{
	static const struct damon_operations ops = {
		.id = DAMON_OPS_PADDR,
		.name = "write-test",
		.start_sample = damon_test_sample_first_pages,
		.finish_sample = damon_test_hot_finish,
		.apply_scheme = damon_test_hot_apply,
		.sample_filters = BIT(DAMON_SAMPLE_FILTER_WRITE),
		.actions = BIT(DAMOS_STAT),
	};

	return &ops;
}

/* The hot set, with a page_fault primitive too; for the checks. */
static inline const struct damon_operations *damon_test_fault_ops(void)
{
	static const struct damon_operations ops = {
		.id = DAMON_OPS_PADDR,
		.name = "fault-test",
		.start_sample = damon_test_sample_first_pages,
		.finish_sample = damon_test_hot_finish,
		.apply_scheme = damon_test_hot_apply,
		.sample_filters = BIT(DAMON_SAMPLE_FILTER_WRITE),
		.page_fault = true,
		.actions = BIT(DAMOS_STAT),
	};

	return &ops;
}

/* ==================== A fake operation set that logs its calls ==================== */

/* Calls logged; enough for a few dozen samples. */
#define DAMON_TEST_LOG_LEN	256

/*
 * What the logging operation set saw.  Only the kdamond writes it, except
 * @nr_calls; read the rest once the kdamond stopped.
 * @calls:	One letter per call, in order: 's' start_sample, 'f'
 *		finish_sample, 'p' prep_probes, 'a' apply_probes.
 * @len:	Letters in @calls; later calls are counted but not logged.
 * @nr_calls:	All calls so far.
 * @nr_bad_addrs: Sampling addresses seen by prep or apply outside their
 *		region or not aligned to the context's min_sz_region.
 * @nr_moved:	apply_probes calls right after prep_probes that saw other
 *		sampling addresses than it.
 * @addr_sum:	Sum of the sampling addresses prep_probes saw last.
 */
struct damon_test_log {
	char calls[DAMON_TEST_LOG_LEN + 1];
	unsigned int len;
	atomic_t nr_calls;
	unsigned int nr_bad_addrs;
	unsigned int nr_moved;
	unsigned long addr_sum;
};

/* The log of the suite that includes this file. */
static inline struct damon_test_log *damon_test_log(void)
{
	static struct damon_test_log log;

	return &log;
}

/* Start a new log; call it in a suite's .init. */
static inline void damon_test_log_reset(void)
{
	struct damon_test_log *log = damon_test_log();

	memset(log->calls, 0, sizeof(log->calls));
	log->len = 0;
	atomic_set(&log->nr_calls, 0);
	log->nr_bad_addrs = 0;
	log->nr_moved = 0;
	log->addr_sum = 0;
}

static inline void damon_test_log_call(char call)
{
	struct damon_test_log *log = damon_test_log();

	if (log->len < DAMON_TEST_LOG_LEN)
		log->calls[log->len++] = call;
	atomic_inc(&log->nr_calls);
}

/* Check the sampling addresses; return their sum. */
static inline unsigned long damon_test_log_addrs(struct damon_ctx *ctx)
{
	struct damon_test_log *log = damon_test_log();
	unsigned long sum = 0;
	struct damon_target *t;
	struct damon_region *r;

	damon_for_each_target(t, ctx) {
		damon_for_each_region(r, t) {
			if (r->sampling_addr < r->ar.start ||
			    r->sampling_addr >= r->ar.end ||
			    !IS_ALIGNED(r->sampling_addr, ctx->min_sz_region))
				log->nr_bad_addrs++;
			sum += r->sampling_addr;
		}
	}
	return sum;
}

/* Samples the first page of every region. */
static inline void damon_test_log_start(struct damon_ctx *ctx)
{
	damon_test_sample_first_pages(ctx);
	damon_test_log_call('s');
}

/* Finds every region accessed. */
static inline void damon_test_log_finish(struct damon_ctx *ctx)
{
	damon_test_find_all_accessed(ctx);
	damon_test_log_call('f');
}

static inline void damon_test_log_prep(struct damon_ctx *ctx)
{
	damon_test_log()->addr_sum = damon_test_log_addrs(ctx);
	damon_test_log_call('p');
}

/* Every probe hits every region. */
static inline void damon_test_log_apply(struct damon_ctx *ctx)
{
	struct damon_test_log *log = damon_test_log();
	unsigned long sum = damon_test_log_addrs(ctx);
	unsigned int i, nr = min(damon_nr_probes(ctx), DAMON_MAX_PROBES);
	struct damon_target *t;
	struct damon_region *r;

	if (log->len && log->calls[log->len - 1] == 'p' &&
	    sum != log->addr_sum)
		log->nr_moved++;
	damon_for_each_target(t, ctx) {
		damon_for_each_region(r, t) {
			for (i = 0; i < nr; i++)
				if (r->probe_hits[i] < U8_MAX)
					r->probe_hits[i]++;
		}
	}
	damon_test_log_call('a');
}

/* The fake set: never registered, assigned to ctx->ops directly. */
static inline const struct damon_operations *damon_test_log_ops(void)
{
	static const struct damon_operations ops = {
		.id = DAMON_OPS_PADDR,
		.name = "log-test",
		.start_sample = damon_test_log_start,
		.finish_sample = damon_test_log_finish,
		.prep_probes = damon_test_log_prep,
		.apply_probes = damon_test_log_apply,
	};

	return &ops;
}

/*
 * Check that the log is @pattern, one sample's calls, repeated at least
 * @min_rounds times; the last repetition may be cut anywhere (the kdamond
 * stopped in the middle of a sample).
 */
static inline void damon_test_expect_log(struct kunit *test,
					 const char *pattern,
					 unsigned int min_rounds)
{
	struct damon_test_log *log = damon_test_log();
	unsigned int i, n = strlen(pattern);

	KUNIT_EXPECT_GE_MSG(test, log->len, n * min_rounds, "log %s",
			    log->calls);
	for (i = 0; i < log->len; i++) {
		if (log->calls[i] != pattern[i % n]) {
			KUNIT_FAIL(test, "call %u of %s is not after %s", i,
				   log->calls, pattern);
			return;
		}
	}
}

#endif	/* _DAMON_TESTS_DAMON_KUNIT_H */
