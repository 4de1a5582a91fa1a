// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of DAMON sample control, mm/damon/sample.c: the sample
 * filter objects, the filter chain, the write check switch, the checks
 * that damon_start() and damon_commit_ctx() run, and the commit copy.
 */

#include <kunit/test.h>
#include <linux/cpumask.h>
#include <linux/damon.h>

#include "../core.h"
#include "damon-kunit.h"

#define T	true
#define F	false

/* Thread ids of the threads filters of this suite. */
static const pid_t damon_test_tids[] = { 100, 200 };

/* The context of the running test, made by the suite's .init. */
static struct damon_ctx *damon_test_sample_ctx(struct kunit *test)
{
	return test->priv;
}

/*
 * A filter appended to @ctx, freed with it.  Threads filters get
 * &damon_test_tids and cpumask filters CPU 0, which every machine has.
 */
static struct damon_sample_filter *
damon_test_add_sample_filter(struct kunit *test, struct damon_ctx *ctx,
			     enum damon_sample_filter_type type, bool matching,
			     bool allow)
{
	struct damon_sample_filter *f;
	int err = 0;

	f = damon_new_sample_filter(type, matching, allow);
	KUNIT_ASSERT_NOT_NULL(test, f);
	damon_add_sample_filter(ctx, f);
	if (type == DAMON_SAMPLE_FILTER_THREADS)
		err = damon_sample_filter_set_tids(f, damon_test_tids,
						   ARRAY_SIZE(damon_test_tids));
	KUNIT_ASSERT_EQ(test, err, 0);
	if (type == DAMON_SAMPLE_FILTER_CPUMASK)
		cpumask_set_cpu(0, f->cpumask);
	return f;
}

/*
 * An access that has (@has) or has not the property filters of @type look
 * at, and no other: a read, by a thread and on a CPU no filter names.
 */
static struct damon_sample_access
damon_test_access(enum damon_sample_filter_type type, bool has)
{
	struct damon_sample_access a = { .cpu = -1, .tid = 300 };

	if (!has)
		return a;
	switch (type) {
	case DAMON_SAMPLE_FILTER_CPUMASK:
		a.cpu = 0;
		break;
	case DAMON_SAMPLE_FILTER_THREADS:
		a.tid = damon_test_tids[1];
		break;
	default:
		a.write = true;
		break;
	}
	return a;
}

static unsigned int damon_test_nr_sample_filters(struct damon_ctx *ctx)
{
	return list_count_nodes(&ctx->sample.filters);
}

/* Sample filter @idx of @ctx, or NULL. */
static struct damon_sample_filter *
damon_test_sample_filter(struct damon_ctx *ctx, unsigned int idx)
{
	struct damon_sample_filter *f;

	damon_for_each_sample_filter(f, ctx) {
		if (!idx--)
			return f;
	}
	return NULL;
}

/* Check that @f is a filter of @type, @matching and @allow. */
static void damon_test_expect_sample_filter(struct kunit *test,
					    struct damon_sample_filter *f,
					    enum damon_sample_filter_type type,
					    bool matching, bool allow)
{
	KUNIT_ASSERT_NOT_NULL(test, f);
	KUNIT_EXPECT_EQ(test, f->type, type);
	KUNIT_EXPECT_EQ(test, f->matching, matching);
	KUNIT_EXPECT_EQ(test, f->allow, allow);
}

/* ==================== Objects ==================== */

static void damon_test_sample_defaults(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_sample_ctx(test);

	KUNIT_EXPECT_TRUE(test, ctx->sample.primitives.page_table);
	KUNIT_EXPECT_FALSE(test, ctx->sample.primitives.page_fault);
	KUNIT_EXPECT_EQ(test, damon_test_nr_sample_filters(ctx), 0);
}

static void damon_test_sample_type_names(struct kunit *test)
{
	const char * const *names = damon_sample_filter_type_names;

	KUNIT_EXPECT_STREQ(test, names[DAMON_SAMPLE_FILTER_CPUMASK], "cpumask");
	KUNIT_EXPECT_STREQ(test, names[DAMON_SAMPLE_FILTER_THREADS], "threads");
	KUNIT_EXPECT_STREQ(test, names[DAMON_SAMPLE_FILTER_WRITE], "write");
}

static void damon_test_new_sample_filter(struct kunit *test)
{
	struct damon_sample_filter *f;

	f = damon_new_sample_filter(DAMON_SAMPLE_FILTER_THREADS, T, F);
	KUNIT_ASSERT_NOT_NULL(test, f);
	damon_test_expect_sample_filter(test, f, DAMON_SAMPLE_FILTER_THREADS,
					T, F);
	KUNIT_EXPECT_TRUE(test, cpumask_empty(f->cpumask));
	KUNIT_EXPECT_NULL(test, f->tids);
	KUNIT_EXPECT_EQ(test, f->nr_tids, 0);
	/* never added: destroying it must not touch a list */
	damon_destroy_sample_filter(f);
}

static void damon_test_sample_filter_list(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_sample_ctx(test);
	struct damon_sample_filter *f;

	damon_test_add_sample_filter(test, ctx, DAMON_SAMPLE_FILTER_WRITE,
				     T, T);
	f = damon_test_add_sample_filter(test, ctx,
					 DAMON_SAMPLE_FILTER_CPUMASK, T, F);
	damon_test_add_sample_filter(test, ctx, DAMON_SAMPLE_FILTER_THREADS,
				     F, T);
	KUNIT_EXPECT_EQ(test, damon_test_nr_sample_filters(ctx), 3);

	/* the middle one goes; the others keep their order */
	damon_destroy_sample_filter(f);
	KUNIT_EXPECT_EQ(test, damon_test_nr_sample_filters(ctx), 2);
	damon_test_expect_sample_filter(test, damon_test_sample_filter(ctx, 0),
					DAMON_SAMPLE_FILTER_WRITE, T, T);
	damon_test_expect_sample_filter(test, damon_test_sample_filter(ctx, 1),
					DAMON_SAMPLE_FILTER_THREADS, F, T);

	damon_destroy_sample_filters(&ctx->sample.filters);
	KUNIT_EXPECT_EQ(test, damon_test_nr_sample_filters(ctx), 0);
}

static void damon_test_sample_filter_tids(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_sample_ctx(test);
	struct damon_sample_filter *f;
	pid_t tids[] = { 7, 8, 9 };

	f = damon_test_add_sample_filter(test, ctx, DAMON_SAMPLE_FILTER_WRITE,
					 T, T);
	KUNIT_ASSERT_EQ(test, damon_sample_filter_set_tids(f, tids, 3), 0);
	/* a copy: changing the caller's array changes nothing */
	tids[1] = 42;
	KUNIT_ASSERT_EQ(test, f->nr_tids, 3);
	KUNIT_EXPECT_EQ(test, f->tids[0], 7);
	KUNIT_EXPECT_EQ(test, f->tids[1], 8);
	KUNIT_EXPECT_EQ(test, f->tids[2], 9);

	/* replaced, not appended */
	KUNIT_ASSERT_EQ(test, damon_sample_filter_set_tids(f, &tids[1], 1), 0);
	KUNIT_ASSERT_EQ(test, f->nr_tids, 1);
	KUNIT_EXPECT_EQ(test, f->tids[0], 42);

	KUNIT_ASSERT_EQ(test, damon_sample_filter_set_tids(f, NULL, 0), 0);
	KUNIT_EXPECT_EQ(test, f->nr_tids, 0);
	KUNIT_EXPECT_NULL(test, f->tids);
}

/* ==================== The filter chain ==================== */

/*
 * A filter as a chain case gives it, and whether the access of the case
 * has its property.
 */
struct damon_test_chain_filter {
	bool matching;
	bool allow;
	bool has;
};

/* A single-filter case: the first filter that applies decides, or not. */
struct damon_test_chain1 {
	struct damon_test_chain_filter f;
	bool pass;
};

static const struct damon_test_chain1 damon_test_chain1_cases[] = {
	/* applies: its allow decides */
	{ { .matching = T, .allow = T, .has = T }, .pass = T },
	{ { .matching = T, .allow = F, .has = T }, .pass = F },
	{ { .matching = F, .allow = T, .has = F }, .pass = T },
	{ { .matching = F, .allow = F, .has = F }, .pass = F },
	/* does not apply: the opposite of the last (only) filter's allow */
	{ { .matching = T, .allow = T, .has = F }, .pass = F },
	{ { .matching = T, .allow = F, .has = F }, .pass = T },
	{ { .matching = F, .allow = T, .has = T }, .pass = F },
	{ { .matching = F, .allow = F, .has = T }, .pass = T },
};

/* Check one single-filter case for a filter of @type. */
static void damon_test_expect_chain1(struct kunit *test, struct damon_ctx *ctx,
				     enum damon_sample_filter_type type,
				     const struct damon_test_chain1 *c)
{
	struct damon_sample_access a = damon_test_access(type, c->f.has);

	damon_destroy_sample_filters(&ctx->sample.filters);
	damon_test_add_sample_filter(test, ctx, type, c->f.matching,
				     c->f.allow);
	KUNIT_EXPECT_EQ_MSG(test, damon_sample_filters_pass(ctx, &a), c->pass,
			    "%s matching %d allow %d, access %s",
			    damon_sample_filter_type_names[type], c->f.matching,
			    c->f.allow, c->f.has ? "has it" : "has not");
}

static void damon_test_chain_single(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_sample_ctx(test);
	enum damon_sample_filter_type type;
	unsigned int i;

	for (type = 0; type < NR_DAMON_SAMPLE_FILTER_TYPES; type++) {
		for (i = 0; i < ARRAY_SIZE(damon_test_chain1_cases); i++)
			damon_test_expect_chain1(test, ctx, type,
						 &damon_test_chain1_cases[i]);
	}
}

/*
 * A two-filter case: a write filter, then a cpumask filter, and an access
 * that is a write or not (@f[0].has) on CPU 0 or on none (@f[1].has).
 */
struct damon_test_chain2 {
	struct damon_test_chain_filter f[2];
	bool pass;
};

static const struct damon_test_chain2 damon_test_chain2_cases[] = {
	/* the first applies: it decides, whatever the second says */
	{ { { T, T, T }, { T, F, T } }, .pass = T },
	{ { { T, F, T }, { T, T, T } }, .pass = F },
	/* only the second applies: it decides */
	{ { { T, T, F }, { T, T, T } }, .pass = T },
	{ { { T, T, F }, { T, F, T } }, .pass = F },
	{ { { F, F, T }, { F, T, F } }, .pass = T },
	/* none applies: the opposite of the last filter's allow */
	{ { { T, T, F }, { T, T, F } }, .pass = F },
	{ { { T, F, F }, { T, F, F } }, .pass = T },
	{ { { T, F, F }, { T, T, F } }, .pass = F },
	{ { { T, T, F }, { F, F, T } }, .pass = T },
};

/* Check one two-filter case. */
static void damon_test_expect_chain2(struct kunit *test, struct damon_ctx *ctx,
				     const struct damon_test_chain2 *c,
				     unsigned int idx)
{
	struct damon_sample_access a = {
		.cpu = c->f[1].has ? 0 : -1,
		.tid = 300,
		.write = c->f[0].has,
	};

	damon_destroy_sample_filters(&ctx->sample.filters);
	damon_test_add_sample_filter(test, ctx, DAMON_SAMPLE_FILTER_WRITE,
				     c->f[0].matching, c->f[0].allow);
	damon_test_add_sample_filter(test, ctx, DAMON_SAMPLE_FILTER_CPUMASK,
				     c->f[1].matching, c->f[1].allow);
	KUNIT_EXPECT_EQ_MSG(test, damon_sample_filters_pass(ctx, &a), c->pass,
			    "case %u", idx);
}

static void damon_test_chain_two(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_sample_ctx(test);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(damon_test_chain2_cases); i++)
		damon_test_expect_chain2(test, ctx, &damon_test_chain2_cases[i],
					 i);
}

static void damon_test_chain_empty(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_sample_ctx(test);
	enum damon_sample_filter_type type;
	struct damon_sample_access a;

	for (type = 0; type < NR_DAMON_SAMPLE_FILTER_TYPES; type++) {
		a = damon_test_access(type, true);
		KUNIT_EXPECT_TRUE(test, damon_sample_filters_pass(ctx, &a));
		a = damon_test_access(type, false);
		KUNIT_EXPECT_TRUE(test, damon_sample_filters_pass(ctx, &a));
	}
}

/* The CPU and thread tests themselves, beyond one name each. */
static void damon_test_chain_properties(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_sample_ctx(test);
	struct damon_sample_access a = { .cpu = 0, .tid = 100 };
	struct damon_sample_filter *f;

	f = damon_test_add_sample_filter(test, ctx,
					 DAMON_SAMPLE_FILTER_CPUMASK, T, T);
	KUNIT_EXPECT_TRUE(test, damon_sample_filters_pass(ctx, &a));
	/* a CPU out of range is on no mask, whatever the mask says */
	a.cpu = nr_cpu_ids;
	KUNIT_EXPECT_FALSE(test, damon_sample_filters_pass(ctx, &a));
	cpumask_clear(f->cpumask);
	a.cpu = 0;
	KUNIT_EXPECT_FALSE(test, damon_sample_filters_pass(ctx, &a));
	damon_destroy_sample_filter(f);

	/* either tid of the filter, and no other */
	damon_test_add_sample_filter(test, ctx, DAMON_SAMPLE_FILTER_THREADS,
				     T, T);
	KUNIT_EXPECT_TRUE(test, damon_sample_filters_pass(ctx, &a));
	a.tid = 200;
	KUNIT_EXPECT_TRUE(test, damon_sample_filters_pass(ctx, &a));
	a.tid = 0;
	KUNIT_EXPECT_FALSE(test, damon_sample_filters_pass(ctx, &a));
}

/* ==================== The write check switch ==================== */

static void damon_test_wants_write(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_sample_ctx(test);

	KUNIT_EXPECT_FALSE(test, damon_sample_wants_write(ctx));
	damon_test_add_sample_filter(test, ctx, DAMON_SAMPLE_FILTER_CPUMASK,
				     T, T);
	damon_test_add_sample_filter(test, ctx, DAMON_SAMPLE_FILTER_THREADS,
				     T, T);
	KUNIT_EXPECT_FALSE(test, damon_sample_wants_write(ctx));
	/* a rejecting or non-matching write filter needs the Dirty bit too */
	damon_test_add_sample_filter(test, ctx, DAMON_SAMPLE_FILTER_WRITE,
				     F, F);
	KUNIT_EXPECT_TRUE(test, damon_sample_wants_write(ctx));
	/* faults tell writes themselves */
	ctx->sample.primitives.page_table = false;
	ctx->sample.primitives.page_fault = true;
	KUNIT_EXPECT_FALSE(test, damon_sample_wants_write(ctx));
}

/* ==================== Checks ==================== */

/*
 * Check that damon_check_sample() and the whole validation of damon_start()
 * and damon_commit_ctx() both give @err for @ctx.
 */
static void damon_test_expect_check(struct kunit *test, struct damon_ctx *ctx,
				    int err)
{
	KUNIT_EXPECT_EQ(test, damon_check_sample(ctx), err);
	KUNIT_EXPECT_EQ(test, damon_validate_ctx(ctx), err);
}

static void damon_test_set_primitives(struct damon_ctx *ctx, bool page_table,
				      bool page_fault)
{
	ctx->sample.primitives.page_table = page_table;
	ctx->sample.primitives.page_fault = page_fault;
}

static void damon_test_check_primitives(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_sample_ctx(test);

	ctx->ops = damon_test_fault_ops();
	damon_test_expect_check(test, ctx, 0);
	damon_test_set_primitives(ctx, T, T);
	damon_test_expect_check(test, ctx, -EINVAL);
	damon_test_set_primitives(ctx, F, F);
	damon_test_expect_check(test, ctx, -EINVAL);
	damon_test_set_primitives(ctx, F, T);
	damon_test_expect_check(test, ctx, 0);

	/* an operation set without the primitive */
	ctx->ops = damon_test_write_ops();
	damon_test_expect_check(test, ctx, -EINVAL);
	/* no operation set yet: only what does not depend on it */
	ctx->ops = NULL;
	KUNIT_EXPECT_EQ(test, damon_check_sample(ctx), 0);
	damon_test_set_primitives(ctx, T, T);
	KUNIT_EXPECT_EQ(test, damon_check_sample(ctx), -EINVAL);
}

static void damon_test_check_threads_tids(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_sample_ctx(test);
	struct damon_sample_filter *f;

	ctx->ops = damon_test_fault_ops();
	damon_test_set_primitives(ctx, F, T);
	f = damon_test_add_sample_filter(test, ctx,
					 DAMON_SAMPLE_FILTER_THREADS, T, T);
	damon_test_expect_check(test, ctx, 0);
	KUNIT_ASSERT_EQ(test, damon_sample_filter_set_tids(f, NULL, 0), 0);
	damon_test_expect_check(test, ctx, -EINVAL);
}

static void damon_test_check_ops_filters(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_sample_ctx(test);
	struct damon_sample_filter *f;

	/* the page_table primitive of these sets tells writes only */
	ctx->ops = damon_test_write_ops();
	damon_test_add_sample_filter(test, ctx, DAMON_SAMPLE_FILTER_WRITE,
				     T, T);
	damon_test_expect_check(test, ctx, 0);
	f = damon_test_add_sample_filter(test, ctx,
					 DAMON_SAMPLE_FILTER_CPUMASK, T, T);
	damon_test_expect_check(test, ctx, -EINVAL);
	damon_destroy_sample_filter(f);
	f = damon_test_add_sample_filter(test, ctx,
					 DAMON_SAMPLE_FILTER_THREADS, F, F);
	damon_test_expect_check(test, ctx, -EINVAL);

	/* faults tell CPUs and threads */
	ctx->ops = damon_test_fault_ops();
	damon_test_set_primitives(ctx, F, T);
	damon_test_add_sample_filter(test, ctx, DAMON_SAMPLE_FILTER_CPUMASK,
				     T, T);
	damon_test_expect_check(test, ctx, 0);

	/* a set that tells nothing refuses even a write filter */
	damon_destroy_sample_filters(&ctx->sample.filters);
	damon_test_set_primitives(ctx, T, F);
	ctx->ops = damon_test_hot_ops();
	damon_test_add_sample_filter(test, ctx, DAMON_SAMPLE_FILTER_WRITE,
				     T, T);
	damon_test_expect_check(test, ctx, -EINVAL);

	/* and a type out of the enum is refused before the table is read */
	damon_destroy_sample_filters(&ctx->sample.filters);
	ctx->ops = damon_test_fault_ops();
	damon_test_set_primitives(ctx, F, T);
	f = damon_test_add_sample_filter(test, ctx, DAMON_SAMPLE_FILTER_WRITE,
					 T, T);
	f->type = NR_DAMON_SAMPLE_FILTER_TYPES;
	damon_test_expect_check(test, ctx, -EINVAL);
}

/* ==================== Commit ==================== */

/* A context on @ops with a target, that damon_validate_ctx() accepts. */
static struct damon_ctx *
damon_test_sample_commit_ctx(struct kunit *test,
			     const struct damon_operations *ops)
{
	struct damon_ctx *ctx = damon_test_new_ctx(test);

	ctx->ops = ops;
	damon_test_add_target(test, ctx);
	return ctx;
}

static void damon_test_commit_copies(struct kunit *test)
{
	struct damon_ctx *dst = damon_test_sample_ctx(test);
	struct damon_ctx *src;
	struct damon_sample_filter *f, *cpus, *threads;
	struct damon_sample_access a = { .cpu = 0, .tid = 100, .write = T };

	dst->ops = damon_test_fault_ops();
	damon_test_add_sample_filter(test, dst, DAMON_SAMPLE_FILTER_WRITE,
				     T, T);
	src = damon_test_sample_commit_ctx(test, damon_test_fault_ops());
	damon_test_set_primitives(src, F, T);
	cpus = damon_test_add_sample_filter(test, src,
					    DAMON_SAMPLE_FILTER_CPUMASK, F, F);
	threads = damon_test_add_sample_filter(test, src,
					       DAMON_SAMPLE_FILTER_THREADS,
					       T, T);
	KUNIT_ASSERT_EQ(test, damon_commit_ctx(dst, src), 0);

	/* a deep copy: the source may change, then go */
	cpumask_clear(cpus->cpumask);
	KUNIT_ASSERT_EQ(test, damon_sample_filter_set_tids(threads, NULL, 0),
			0);
	damon_destroy_sample_filters(&src->sample.filters);

	KUNIT_EXPECT_FALSE(test, dst->sample.primitives.page_table);
	KUNIT_EXPECT_TRUE(test, dst->sample.primitives.page_fault);
	KUNIT_ASSERT_EQ(test, damon_test_nr_sample_filters(dst), 2);
	f = damon_test_sample_filter(dst, 0);
	damon_test_expect_sample_filter(test, f, DAMON_SAMPLE_FILTER_CPUMASK,
					F, F);
	KUNIT_EXPECT_TRUE(test, cpumask_test_cpu(0, f->cpumask));
	KUNIT_EXPECT_EQ(test, cpumask_weight(f->cpumask), 1);
	f = damon_test_sample_filter(dst, 1);
	damon_test_expect_sample_filter(test, f, DAMON_SAMPLE_FILTER_THREADS,
					T, T);
	KUNIT_ASSERT_EQ(test, f->nr_tids, ARRAY_SIZE(damon_test_tids));
	KUNIT_EXPECT_EQ(test, f->tids[0], damon_test_tids[0]);
	KUNIT_EXPECT_EQ(test, f->tids[1], damon_test_tids[1]);
	/* and the copies work as a chain: CPU 0 is named, tid 100 too */
	KUNIT_EXPECT_TRUE(test, damon_sample_filters_pass(dst, &a));
	a.tid = 1;
	KUNIT_EXPECT_FALSE(test, damon_sample_filters_pass(dst, &a));
}

static void damon_test_commit_removes(struct kunit *test)
{
	struct damon_ctx *dst = damon_test_sample_ctx(test);
	struct damon_ctx *src;

	dst->ops = damon_test_write_ops();
	damon_test_add_sample_filter(test, dst, DAMON_SAMPLE_FILTER_WRITE,
				     T, T);
	damon_test_add_sample_filter(test, dst, DAMON_SAMPLE_FILTER_WRITE,
				     F, F);
	src = damon_test_sample_commit_ctx(test, damon_test_write_ops());
	KUNIT_ASSERT_EQ(test, damon_commit_ctx(dst, src), 0);
	KUNIT_EXPECT_EQ(test, damon_test_nr_sample_filters(dst), 0);
	KUNIT_EXPECT_TRUE(test, dst->sample.primitives.page_table);
	KUNIT_EXPECT_FALSE(test, dst->sample.primitives.page_fault);
}

/* A refused commit changes neither the primitive nor the filters. */
static void damon_test_commit_invalid(struct kunit *test)
{
	struct damon_ctx *dst = damon_test_sample_ctx(test);
	struct damon_ctx *src;
	struct damon_sample_filter *f;

	dst->ops = damon_test_write_ops();
	damon_test_add_sample_filter(test, dst, DAMON_SAMPLE_FILTER_WRITE,
				     T, F);
	src = damon_test_sample_commit_ctx(test, damon_test_write_ops());
	damon_test_add_sample_filter(test, src, DAMON_SAMPLE_FILTER_WRITE,
				     F, T);

	/* page_fault on a set without it */
	damon_test_set_primitives(src, F, T);
	KUNIT_EXPECT_EQ(test, damon_commit_ctx(dst, src), -EINVAL);
	/* a threads filter without thread ids */
	src->ops = damon_test_fault_ops();
	f = damon_test_add_sample_filter(test, src,
					 DAMON_SAMPLE_FILTER_THREADS, T, T);
	KUNIT_ASSERT_EQ(test, damon_sample_filter_set_tids(f, NULL, 0), 0);
	KUNIT_EXPECT_EQ(test, damon_commit_ctx(dst, src), -EINVAL);
	/* a cpumask filter with page_table */
	damon_destroy_sample_filter(f);
	damon_test_set_primitives(src, T, F);
	damon_test_add_sample_filter(test, src, DAMON_SAMPLE_FILTER_CPUMASK,
				     T, T);
	KUNIT_EXPECT_EQ(test, damon_commit_ctx(dst, src), -EINVAL);

	KUNIT_EXPECT_PTR_EQ(test, dst->ops, damon_test_write_ops());
	KUNIT_EXPECT_TRUE(test, dst->sample.primitives.page_table);
	KUNIT_EXPECT_FALSE(test, dst->sample.primitives.page_fault);
	KUNIT_ASSERT_EQ(test, damon_test_nr_sample_filters(dst), 1);
	damon_test_expect_sample_filter(test, damon_test_sample_filter(dst, 0),
					DAMON_SAMPLE_FILTER_WRITE, T, F);
}

static int damon_sample_test_init(struct kunit *test)
{
	test->priv = damon_test_new_ctx(test);
	return 0;
}

static void damon_sample_test_exit(struct kunit *test)
{
	/* the contexts and their filters are freed by kunit actions */
	test->priv = NULL;
}

static struct kunit_case damon_sample_test_cases[] = {
	KUNIT_CASE(damon_test_sample_defaults),
	KUNIT_CASE(damon_test_sample_type_names),
	KUNIT_CASE(damon_test_new_sample_filter),
	KUNIT_CASE(damon_test_sample_filter_list),
	KUNIT_CASE(damon_test_sample_filter_tids),
	KUNIT_CASE(damon_test_chain_single),
	KUNIT_CASE(damon_test_chain_two),
	KUNIT_CASE(damon_test_chain_empty),
	KUNIT_CASE(damon_test_chain_properties),
	KUNIT_CASE(damon_test_wants_write),
	KUNIT_CASE(damon_test_check_primitives),
	KUNIT_CASE(damon_test_check_threads_tids),
	KUNIT_CASE(damon_test_check_ops_filters),
	KUNIT_CASE(damon_test_commit_copies),
	KUNIT_CASE(damon_test_commit_removes),
	KUNIT_CASE(damon_test_commit_invalid),
	{},
};

static struct kunit_suite damon_sample_test_suite = {
	.name = "damon-sample",
	.init = damon_sample_test_init,
	.exit = damon_sample_test_exit,
	.test_cases = damon_sample_test_cases,
};

kunit_test_suite(damon_sample_test_suite);

MODULE_DESCRIPTION("KUnit tests of DAMON sample control");
MODULE_LICENSE("GPL");
