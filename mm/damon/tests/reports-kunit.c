// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the accounting of the page_fault sampling primitive: how
 * the reports of one sample become one sample of every region, in
 * damon_reports_account() (mm/damon/regions.c) for a target, and in
 * damon_sample_account_reports() (mm/damon/sample.c) for a context, with
 * its sample filters.
 */

#include <kunit/test.h>
#include <linux/damon.h>
#include <linux/kernel.h>

#include "../core.h"
#include "damon-kunit.h"

#define T	true
#define F	false

#define PG(n)	DAMON_TEST_PG(n)

/* nr_accesses every region starts a test with: a sample adds 0 or 1. */
#define DAMON_TEST_NR_ACCESSES	5

/* ==================== damon_reports_account() ==================== */

/* The regions of the target of the damon_reports_account() cases. */
static const struct damon_addr_range damon_test_report_regions[] = {
	{ PG(2), PG(4) },
	{ PG(4), PG(8) },
	/* a gap: [PG(8), PG(10)) */
	{ PG(10), PG(14) },
};

#define DAMON_TEST_NR_REGIONS	ARRAY_SIZE(damon_test_report_regions)
#define DAMON_TEST_MAX_REPORTS	4

/*
 * A report of a case: where it is, whether the case's pass function
 * accepts it, and whether damon_reports_account() must ask that function
 * about it.
 */
struct damon_test_report {
	unsigned long addr;
	unsigned long size;
	bool accept;
	bool asked;
};

/*
 * A damon_reports_account() case: its reports, sorted by address, whether
 * it passes a pass function (or NULL), and which regions it finds
 * accessed.
 */
struct damon_test_reports_case {
	const char *name;
	struct damon_test_report reports[DAMON_TEST_MAX_REPORTS];
	unsigned int nr;
	bool use_pass;
	bool accessed[DAMON_TEST_NR_REGIONS];
};

static const struct damon_test_reports_case damon_test_reports_cases[] = {
	{ "inside", { { PG(5), PG(1), T, T } }, 1, T, { F, T, F } },
	{ "inside, no pass function", { { PG(11), PG(1) } }, 1, F,
	  { F, F, T } },
	{ "one address unit", { { PG(3) - 1, 1, T, T } }, 1, T, { T, F, F } },
	{ "exactly filling a region", { { PG(2), PG(2), T, T } }, 1, T,
	  { T, F, F } },
	{ "exactly filling the middle region", { { PG(4), PG(4), T, T } }, 1,
	  T, { F, T, F } },
	{ "ending at the end of a region", { { PG(13), PG(1), T, T } }, 1, T,
	  { F, F, T } },
	{ "starting where a region ends",
	  { { PG(3), PG(1), T, T }, { PG(4), PG(1), T, T } }, 2, T,
	  { T, T, F } },
	{ "straddling a boundary counts for neither region",
	  { { PG(3), PG(2), T, F } }, 1, T, { F, F, F } },
	{ "straddling, then inside the next region",
	  { { PG(3), PG(2), T, F }, { PG(5), PG(1), T, T } }, 2, T,
	  { F, T, F } },
	{ "bigger than its region", { { PG(4), PG(5), T, F } }, 1, F,
	  { F, F, F } },
	{ "size wrapping past the top of the address space",
	  { { PG(2), ULONG_MAX, T, F } }, 1, T, { F, F, F } },
	{ "before the first region",
	  { { 0, PG(1), T, F }, { PG(1), PG(1), T, F } }, 2, T,
	  { F, F, F } },
	{ "straddling the start of the first region",
	  { { PG(1), PG(2), T, F } }, 1, T, { F, F, F } },
	{ "in the gap, and straddling into and out of it",
	  { { PG(7), PG(2), T, F }, { PG(8), PG(1), T, F },
	    { PG(9), PG(2), T, F } }, 3, T, { F, F, F } },
	{ "after the last region",
	  { { PG(13), PG(2), T, F }, { PG(14), PG(1), T, F },
	    { ULONG_MAX, 1, T, F } }, 3, T, { F, F, F } },
	{ "two reports in one region add one",
	  { { PG(5), PG(1), T, T }, { PG(6), PG(1), T, F } }, 2, T,
	  { F, T, F } },
	{ "the same page reported twice",
	  { { PG(12), PG(1) }, { PG(12), PG(1) } }, 2, F, { F, F, T } },
	{ "the first rejected, the second accepted",
	  { { PG(5), PG(1), F, T }, { PG(6), PG(1), T, T } }, 2, T,
	  { F, T, F } },
	{ "all rejected",
	  { { PG(2), PG(1), F, T }, { PG(5), PG(1), F, T },
	    { PG(6), PG(1), F, T }, { PG(12), PG(1), F, T } }, 4, T,
	  { F, F, F } },
	{ "a report in every region",
	  { { PG(2), PG(1), T, T }, { PG(7), PG(1), T, T },
	    { PG(10), PG(1), T, T } }, 3, T, { T, T, T } },
	{ "empty list", { }, 0, T, { F, F, F } },
	{ "empty list, no pass function", { }, 0, F, { F, F, F } },
};

/*
 * What the pass function of the cases sees: the reports handed to
 * damon_reports_account() (to find the one asked about), the case they
 * come from, and where to count how often it was asked about each.
 */
struct damon_test_pass_arg {
	const struct damon_fault_report *reports;
	const struct damon_test_reports_case *c;
	unsigned int *nr_asked;
};

static bool damon_test_pass(const struct damon_fault_report *rep,
			    const void *arg)
{
	const struct damon_test_pass_arg *pa = arg;
	unsigned int i = rep - pa->reports;

	/* not one of the reports: counted, then caught by the check */
	if (!pa->c || i >= pa->c->nr) {
		pa->nr_asked[DAMON_TEST_MAX_REPORTS]++;
		return false;
	}
	pa->nr_asked[i]++;
	return pa->c->reports[i].accept;
}

/* The target of a test, with DAMON_TEST_NR_REGIONS regions. */
static struct damon_target *damon_test_reports_target(struct kunit *test)
{
	return test->priv;
}

/* Set nr_accesses of every region of @t to DAMON_TEST_NR_ACCESSES. */
static void damon_test_reset_accesses(struct damon_target *t)
{
	struct damon_region *r;

	damon_for_each_region(r, t)
		r->nr_accesses = DAMON_TEST_NR_ACCESSES;
}

/*
 * Check that each region of @t got one sample, accessed as @accessed
 * says: nr_accesses grew by one, or stayed.
 */
static void damon_test_expect_accesses(struct kunit *test,
				       struct damon_target *t,
				       const bool *accessed, unsigned int nr,
				       const char *name)
{
	struct damon_region *r;
	unsigned int i = 0;

	KUNIT_ASSERT_EQ_MSG(test, damon_nr_regions(t), nr, "%s", name);
	damon_for_each_region(r, t) {
		KUNIT_EXPECT_EQ_MSG(test, r->nr_accesses,
				    DAMON_TEST_NR_ACCESSES + accessed[i],
				    "%s: region %u [%lx, %lx)", name, i,
				    r->ar.start, r->ar.end);
		i++;
	}
}

/*
 * Check that the pass function was asked exactly as @c says, once about
 * each report it must ask about and never about another.
 */
static void damon_test_expect_asked(struct kunit *test,
				    const struct damon_test_reports_case *c,
				    const unsigned int *nr_asked)
{
	unsigned int i, want;

	for (i = 0; i < c->nr; i++) {
		want = c->use_pass && c->reports[i].asked;
		KUNIT_EXPECT_EQ_MSG(test, nr_asked[i], want, "%s: report %u",
				    c->name, i);
	}
	KUNIT_EXPECT_EQ_MSG(test, nr_asked[DAMON_TEST_MAX_REPORTS], 0,
			    "%s: asked about something else", c->name);
}

/* Run case @c on the target of the test. */
static void damon_test_reports_case(struct kunit *test,
				    const struct damon_test_reports_case *c)
{
	struct damon_target *t = damon_test_reports_target(test);
	struct damon_fault_report reports[DAMON_TEST_MAX_REPORTS] = {};
	unsigned int nr_asked[DAMON_TEST_MAX_REPORTS + 1] = {};
	const struct damon_test_pass_arg pa = {
		.reports = reports, .c = c, .nr_asked = nr_asked,
	};
	unsigned int i;

	for (i = 0; i < c->nr; i++) {
		reports[i].addr = c->reports[i].addr;
		reports[i].size = c->reports[i].size;
	}
	damon_test_reset_accesses(t);
	damon_reports_account(t, c->nr ? reports : NULL, c->nr,
			      c->use_pass ? damon_test_pass : NULL, &pa);
	damon_test_expect_accesses(test, t, c->accessed, DAMON_TEST_NR_REGIONS,
				   c->name);
	damon_test_expect_asked(test, c, nr_asked);
}

static void damon_test_reports_account(struct kunit *test)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(damon_test_reports_cases); i++)
		damon_test_reports_case(test, &damon_test_reports_cases[i]);
}

/* Each call is one sample: the same reports again count again. */
static void damon_test_reports_per_sample(struct kunit *test)
{
	struct damon_target *t = damon_test_reports_target(test);
	const struct damon_fault_report rep = { .addr = PG(2), .size = PG(1) };
	unsigned int i;

	damon_test_reset_accesses(t);
	for (i = 0; i < 3; i++)
		damon_reports_account(t, &rep, 1, NULL, NULL);
	KUNIT_EXPECT_EQ(test, damon_test_region(t, 0)->nr_accesses,
			DAMON_TEST_NR_ACCESSES + 3);
	KUNIT_EXPECT_EQ(test, damon_test_region(t, 1)->nr_accesses,
			DAMON_TEST_NR_ACCESSES);
	KUNIT_EXPECT_EQ(test, damon_test_region(t, 2)->nr_accesses,
			DAMON_TEST_NR_ACCESSES);
}

/* A target without regions takes any reports, asking nothing. */
static void damon_test_reports_no_regions(struct kunit *test)
{
	struct damon_target *t = damon_test_new_target(test);
	const struct damon_fault_report rep = { .addr = PG(2), .size = PG(1) };
	unsigned int nr_asked[DAMON_TEST_MAX_REPORTS + 1] = {};
	const struct damon_test_pass_arg pa = {
		.reports = &rep, .nr_asked = nr_asked,
	};

	damon_reports_account(t, &rep, 1, damon_test_pass, &pa);
	KUNIT_EXPECT_EQ(test, damon_nr_regions(t), 0);
	KUNIT_EXPECT_EQ(test, nr_asked[DAMON_TEST_MAX_REPORTS], 0);
}

/* ==================== damon_sample_account_reports() ==================== */

/*
 * The context of these tests has two targets of two regions each: target
 * 0 [PG(0), PG(2)) [PG(2), PG(4)), target 1 [PG(0), PG(4)) [PG(4), PG(8)).
 */
#define DAMON_TEST_CTX_REGIONS	4

static const struct damon_addr_range damon_test_ctx_regions[2][2] = {
	{ { PG(0), PG(2) }, { PG(2), PG(4) } },
	{ { PG(0), PG(4) }, { PG(4), PG(8) } },
};

/* The context of the test, with its two targets. */
static struct damon_ctx *damon_test_reports_new_ctx(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damon_target *t;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(damon_test_ctx_regions); i++) {
		t = damon_test_add_target(test, ctx);
		damon_test_add_regions(test, t, damon_test_ctx_regions[i], 2);
		damon_test_reset_accesses(t);
	}
	return ctx;
}

/*
 * Check the regions of all targets of @ctx, in target order, against
 * @accessed (DAMON_TEST_CTX_REGIONS entries).
 */
static void damon_test_expect_ctx_accesses(struct kunit *test,
					   struct damon_ctx *ctx,
					   const bool *accessed,
					   const char *name)
{
	struct damon_target *t;
	unsigned int i = 0;

	damon_for_each_target(t, ctx) {
		KUNIT_ASSERT_LE_MSG(test, i + 2, DAMON_TEST_CTX_REGIONS, "%s",
				    name);
		damon_test_expect_accesses(test, t, &accessed[i], 2, name);
		i += 2;
	}
	KUNIT_EXPECT_EQ_MSG(test, i, DAMON_TEST_CTX_REGIONS, "%s", name);
}

/* Thread ids of the threads filters of this suite. */
static const pid_t damon_test_report_tids[] = { 100, 200 };

/*
 * A sample filter appended to @ctx, freed with it: threads filters name
 * &damon_test_report_tids, cpumask filters CPU 0, which every machine has.
 */
static void damon_test_reports_add_filter(struct kunit *test,
					  struct damon_ctx *ctx,
					  enum damon_sample_filter_type type,
					  bool matching, bool allow)
{
	unsigned int nr_tids = ARRAY_SIZE(damon_test_report_tids);
	struct damon_sample_filter *f;
	int err = 0;

	f = damon_new_sample_filter(type, matching, allow);
	KUNIT_ASSERT_NOT_NULL(test, f);
	damon_add_sample_filter(ctx, f);
	if (type == DAMON_SAMPLE_FILTER_THREADS)
		err = damon_sample_filter_set_tids(f, damon_test_report_tids,
						   nr_tids);
	KUNIT_ASSERT_EQ(test, err, 0);
	if (type == DAMON_SAMPLE_FILTER_CPUMASK)
		cpumask_set_cpu(0, f->cpumask);
}

/*
 * A one-page report at @addr of target @target that has (@has) or has not
 * the property filters of @type look at, and no other: a read, by a
 * thread and on a CPU no filter names.
 */
static struct damon_fault_report
damon_test_report(unsigned int target, unsigned long addr,
		  enum damon_sample_filter_type type, bool has)
{
	struct damon_fault_report rep = {
		.addr = addr, .size = PG(1), .target = target,
		.cpu = -1, .tid = 300,
	};

	if (!has)
		return rep;
	switch (type) {
	case DAMON_SAMPLE_FILTER_CPUMASK:
		rep.cpu = 0;
		break;
	case DAMON_SAMPLE_FILTER_THREADS:
		rep.tid = damon_test_report_tids[1];
		break;
	default:
		rep.write = true;
		break;
	}
	return rep;
}

/*
 * One filter of each type in turn, against reports that have its property
 * (in the first region of target 0 and the second of target 1) and
 * reports that have not (in the other two regions).
 */
struct damon_test_filter_case {
	bool matching;
	bool allow;
	/* whether the reports with and without the property count */
	bool has_counts;
	bool has_not_counts;
};

static const struct damon_test_filter_case damon_test_filter_cases[] = {
	/* the filter applies to those with it, and to no other */
	{ .matching = T, .allow = T, .has_counts = T, .has_not_counts = F },
	{ .matching = T, .allow = F, .has_counts = F, .has_not_counts = T },
	/* it applies to those without it */
	{ .matching = F, .allow = T, .has_counts = F, .has_not_counts = T },
	{ .matching = F, .allow = F, .has_counts = T, .has_not_counts = F },
};

/* Run case @c with a filter of @type on a new context. */
static void damon_test_filter_case(struct kunit *test,
				   enum damon_sample_filter_type type,
				   const struct damon_test_filter_case *c)
{
	struct damon_ctx *ctx = damon_test_reports_new_ctx(test);
	struct damon_fault_report reports[] = {
		damon_test_report(0, PG(1), type, T),
		damon_test_report(0, PG(3), type, F),
		damon_test_report(1, PG(1), type, F),
		damon_test_report(1, PG(5), type, T),
	};
	const bool accessed[DAMON_TEST_CTX_REGIONS] = {
		c->has_counts, c->has_not_counts,
		c->has_not_counts, c->has_counts,
	};
	char name[64];

	snprintf(name, sizeof(name), "%s matching %d allow %d",
		 damon_sample_filter_type_names[type], c->matching, c->allow);
	damon_test_reports_add_filter(test, ctx, type, c->matching, c->allow);
	damon_sample_account_reports(ctx, reports, ARRAY_SIZE(reports));
	damon_test_expect_ctx_accesses(test, ctx, accessed, name);
}

static void damon_test_account_filters(struct kunit *test)
{
	enum damon_sample_filter_type type;
	unsigned int i;

	for (type = 0; type < NR_DAMON_SAMPLE_FILTER_TYPES; type++) {
		for (i = 0; i < ARRAY_SIZE(damon_test_filter_cases); i++)
			damon_test_filter_case(test, type,
					       &damon_test_filter_cases[i]);
	}
}

/*
 * With allowing filters, a report no filter applies to does not count;
 * with rejecting ones, it does; and the first filter that applies decides.
 */
static void damon_test_account_default(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_reports_new_ctx(test);
	struct damon_fault_report reports[] = {
		/* on no named CPU, by no named thread */
		damon_test_report(0, PG(0), DAMON_SAMPLE_FILTER_WRITE, F),
		/* by a named thread */
		damon_test_report(0, PG(2), DAMON_SAMPLE_FILTER_THREADS, T),
		/* a write, but by no named thread */
		damon_test_report(1, PG(0), DAMON_SAMPLE_FILTER_WRITE, T),
		/* on CPU 0 */
		damon_test_report(1, PG(4), DAMON_SAMPLE_FILTER_CPUMASK, T),
	};
	static const bool allowing[] = { F, T, F, T };
	static const bool rejecting[] = { T, F, T, F };

	damon_test_reports_add_filter(test, ctx, DAMON_SAMPLE_FILTER_CPUMASK,
				      T, T);
	damon_test_reports_add_filter(test, ctx, DAMON_SAMPLE_FILTER_THREADS,
				      T, T);
	damon_sample_account_reports(ctx, reports, ARRAY_SIZE(reports));
	damon_test_expect_ctx_accesses(test, ctx, allowing, "allowing");

	ctx = damon_test_reports_new_ctx(test);
	damon_test_reports_add_filter(test, ctx, DAMON_SAMPLE_FILTER_CPUMASK,
				      T, F);
	damon_test_reports_add_filter(test, ctx, DAMON_SAMPLE_FILTER_THREADS,
				      T, F);
	damon_sample_account_reports(ctx, reports, ARRAY_SIZE(reports));
	damon_test_expect_ctx_accesses(test, ctx, rejecting, "rejecting");
}

/* Without filters every report counts, in its own region only. */
static void damon_test_account_no_filters(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_reports_new_ctx(test);
	struct damon_fault_report reports[] = {
		damon_test_report(0, PG(1), DAMON_SAMPLE_FILTER_WRITE, T),
		damon_test_report(1, PG(3), DAMON_SAMPLE_FILTER_CPUMASK, F),
		/* straddling the two regions of target 1 */
		damon_test_report(1, PG(3) + 1, DAMON_SAMPLE_FILTER_WRITE, T),
	};
	static const bool accessed[] = { T, F, T, F };

	damon_sample_account_reports(ctx, reports, ARRAY_SIZE(reports));
	damon_test_expect_ctx_accesses(test, ctx, accessed, "no filters");
}

/* Whether @a may come before @b in the order the reports are sorted in. */
static bool damon_test_report_le(const struct damon_fault_report *a,
				 const struct damon_fault_report *b)
{
	if (a->target != b->target)
		return a->target < b->target;
	return a->addr <= b->addr;
}

/*
 * Reports come in the order of the faults: across targets, and in
 * descending addresses within one.  A walk over them unsorted would miss
 * all but the last region of each target.
 */
static void damon_test_account_unsorted(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_reports_new_ctx(test);
	struct damon_fault_report reports[] = {
		damon_test_report(1, PG(6), DAMON_SAMPLE_FILTER_WRITE, T),
		damon_test_report(0, PG(3), DAMON_SAMPLE_FILTER_WRITE, T),
		damon_test_report(1, PG(2), DAMON_SAMPLE_FILTER_WRITE, T),
		damon_test_report(0, PG(0), DAMON_SAMPLE_FILTER_WRITE, T),
		damon_test_report(1, PG(4), DAMON_SAMPLE_FILTER_WRITE, T),
	};
	static const bool accessed[] = { T, T, T, T };
	unsigned int i;

	damon_sample_account_reports(ctx, reports, ARRAY_SIZE(reports));
	damon_test_expect_ctx_accesses(test, ctx, accessed, "unsorted");
	/* and they are left sorted, as documented */
	for (i = 1; i < ARRAY_SIZE(reports); i++)
		KUNIT_EXPECT_TRUE_MSG(test, damon_test_report_le(&reports[i - 1],
								 &reports[i]),
				      "report %u", i);
}

/* Reports of a target the context does not have are ignored. */
static void damon_test_account_bad_target(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_reports_new_ctx(test);
	struct damon_fault_report reports[] = {
		damon_test_report(2, PG(1), DAMON_SAMPLE_FILTER_WRITE, T),
		damon_test_report(UINT_MAX, PG(5), DAMON_SAMPLE_FILTER_WRITE,
				  T),
		damon_test_report(1, PG(5), DAMON_SAMPLE_FILTER_WRITE, T),
	};
	static const bool accessed[] = { F, F, F, T };

	damon_sample_account_reports(ctx, reports, ARRAY_SIZE(reports));
	damon_test_expect_ctx_accesses(test, ctx, accessed, "bad target");
}

/* Without reports every region gets a sample, not accessed. */
static void damon_test_account_empty(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_reports_new_ctx(test);
	static const bool accessed[] = { F, F, F, F };
	struct damon_fault_report rep;

	damon_sample_account_reports(ctx, NULL, 0);
	damon_test_expect_ctx_accesses(test, ctx, accessed, "empty");

	/* a context without targets ignores whatever it is given */
	ctx = damon_test_new_ctx(test);
	rep = damon_test_report(0, PG(1), DAMON_SAMPLE_FILTER_WRITE, T);
	damon_sample_account_reports(ctx, &rep, 1);
	KUNIT_EXPECT_TRUE(test, list_empty(&ctx->adaptive_targets));
}

/* Only the target the reports name counts them, at the same address. */
static void damon_test_account_one_target(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_reports_new_ctx(test);
	struct damon_fault_report reports[] = {
		damon_test_report(1, PG(1), DAMON_SAMPLE_FILTER_WRITE, F),
	};
	static const bool accessed[] = { F, F, T, F };

	damon_sample_account_reports(ctx, reports, ARRAY_SIZE(reports));
	damon_test_expect_ctx_accesses(test, ctx, accessed, "target 1");
}

static int damon_reports_test_init(struct kunit *test)
{
	struct damon_target *t = damon_test_new_target(test);

	damon_test_add_regions(test, t, damon_test_report_regions,
			       DAMON_TEST_NR_REGIONS);
	test->priv = t;
	return 0;
}

static void damon_reports_test_exit(struct kunit *test)
{
	/* the target, contexts and regions are freed by kunit actions */
	test->priv = NULL;
}

static struct kunit_case damon_reports_test_cases[] = {
	KUNIT_CASE(damon_test_reports_account),
	KUNIT_CASE(damon_test_reports_per_sample),
	KUNIT_CASE(damon_test_reports_no_regions),
	KUNIT_CASE(damon_test_account_filters),
	KUNIT_CASE(damon_test_account_default),
	KUNIT_CASE(damon_test_account_no_filters),
	KUNIT_CASE(damon_test_account_unsorted),
	KUNIT_CASE(damon_test_account_bad_target),
	KUNIT_CASE(damon_test_account_empty),
	KUNIT_CASE(damon_test_account_one_target),
	{},
};

static struct kunit_suite damon_reports_test_suite = {
	.name = "damon-reports",
	.init = damon_reports_test_init,
	.exit = damon_reports_test_exit,
	.test_cases = damon_reports_test_cases,
};

kunit_test_suite(damon_reports_test_suite);

MODULE_DESCRIPTION("KUnit tests of DAMON page fault report accounting");
MODULE_LICENSE("GPL");
