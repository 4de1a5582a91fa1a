// SPDX-License-Identifier: GPL-2.0
/*
 * User-space runner of the DAMON region property checks.
 *
 * Builds mm/damon/regions.c and intervals.c against the stub headers of
 * this directory, under ASan and UBSan, and runs the randomized checks of
 * mm/damon/tests/regions-props.h (the same ones the damon-regions and
 * damon-intervals KUnit suites run) many more times than KUnit does, plus
 * allocation failures, which only the stub allocator can inject.
 *
 * Usage: regions_test [-s SEED] [-n RUNS]
 * Prints one line per test, then "N passed, N failed"; exits non-zero on
 * a failure.  Everything, including the cut points regions.c picks, is
 * reproducible from the seed.
 *
 * It also checks damon_reports_account(), the accounting of the page_fault
 * primitive, against a brute-force oracle on random regions and reports.
 *
 * The checks run the region self-check, damon_validate_regions(), after
 * every step; it must find nothing, and print nothing either.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/printk.h>
#include <linux/slab.h>

#include "../../../mm/damon/tests/regions-props.h"

#define DEFAULT_RUNS		2000
#define TUNING_CHECKS		200000
/* Report accounting: random cases per run, and their sizes. */
#define REPORT_CASES_PER_RUN	10
#define REPORT_MAX_REGIONS	24
#define REPORT_MAX_REPORTS	48

static unsigned int nr_passed, nr_failed;

static void report(const char *name, bool ok, const char *msg)
{
	if (ok) {
		nr_passed++;
		printf("ok %u - %s\n", nr_passed + nr_failed, name);
	} else {
		nr_failed++;
		printf("not ok %u - %s: %s\n", nr_passed + nr_failed, name,
		       msg);
	}
	/* what a test printed does not count against the next one */
	damon_stub_nr_printk = 0;
}

/* Reports of the region self-check: there are none on sound regions. */
static bool check_silent(struct damon_props *p)
{
	if (!damon_stub_nr_printk)
		return true;
	return damon_props_fail(p, "the self-check printed %ld lines",
				damon_stub_nr_printk);
}

/* Regions left over from a run, after its targets were emptied. */
static bool check_no_leak(struct damon_props *p)
{
	if (!damon_stub_nr_live)
		return true;
	return damon_props_fail(p, "%ld objects leaked", damon_stub_nr_live);
}

static bool test_region_properties(struct damon_props *p,
				   unsigned long nr_runs)
{
	unsigned long i;

	for (i = 0; i < nr_runs; i++) {
		if (!damon_props_run(p))
			return false;
		damon_props_cleanup(p);
		if (!check_no_leak(p) || !check_silent(p))
			return false;
	}
	printf("# %lu runs, %lu steps\n", nr_runs, p->nr_steps);
	/* how often the rarer paths ran */
	printf("# %lu aggregations in attributes-only mode\n",
	       p->nr_attrs_only);
	printf("# %lu aggregations splitting only some regions\n",
	       p->nr_some_splits);
	return true;
}

static bool test_tuning(struct damon_props *p)
{
	unsigned long i;

	p->step = 0;
	for (i = 0; i < TUNING_CHECKS; i++) {
		if (!damon_props_check_tuning(p))
			return false;
	}
	return true;
}

/*
 * damon_set_regions() failing at each of its allocations in turn leaves
 * a consistent list, and succeeds in the end from whatever it left.
 */
static bool check_set_regions_failures(struct damon_props *p,
				       struct damon_props_target *pt)
{
	long nth;
	int err;

	p->op = "damon_set_regions (failing)";
	damon_props_new_ranges(p, pt);
	for (nth = 1; ; nth++) {
		damon_stub_fail_countdown = nth;
		err = damon_set_regions(&pt->t, pt->ranges, pt->nr_ranges,
					damon_props_unit(p));
		damon_stub_fail_countdown = 0;
		if (!err)
			break;
		if (err != -ENOMEM)
			return damon_props_fail(p, "returned %d", err);
		if (!damon_props_check_targets(p, false))
			return false;
	}
	/* fit again from scratch, checking the counters this time */
	return damon_props_set(p, pt);
}

/* Cutting regions with allocations failing at random keeps them exact. */
static bool check_split_failures(struct damon_props *p)
{
	damon_stub_fail_countdown = damon_props_rand(p, 1, 8);
	damon_props_snapshot(p);
	p->op = "damon_split_regions (failing)";
	damon_split_regions(&p->ctx);
	damon_stub_fail_countdown = 0;
	return damon_props_check_all(p);
}

static bool test_allocation_failures(struct damon_props *p,
				     unsigned long nr_runs)
{
	unsigned long i;
	unsigned int j;

	for (i = 0; i < nr_runs; i++) {
		if (!damon_props_run(p))
			return false;
		for (j = 0; j < p->nr_targets; j++) {
			if (!check_set_regions_failures(p, &p->targets[j]))
				return false;
		}
		if (!check_split_failures(p))
			return false;
		damon_props_cleanup(p);
		if (!check_no_leak(p) || !check_silent(p))
			return false;
	}
	return true;
}

/* ==================== Report accounting ==================== */

/*
 * One random case of damon_reports_account(): a target and its regions,
 * reports sorted by address, which of them the pass function accepts, and
 * what it was asked.
 */
struct report_case {
	struct damon_target t;
	struct damon_region *regions[REPORT_MAX_REGIONS];
	unsigned int before[REPORT_MAX_REGIONS];
	unsigned long unit;
	struct damon_fault_report reports[REPORT_MAX_REPORTS];
	unsigned int nr;
	bool accept[REPORT_MAX_REPORTS];
	bool use_pass;
	/* per report, the number of the call that asked about it, from 1 */
	unsigned int asked[REPORT_MAX_REPORTS];
	unsigned int nr_calls;
	/* over all cases: how often each outcome was checked */
	unsigned long nr_accessed, nr_not_accessed, nr_nowhere;
};

static bool report_pass(const struct damon_fault_report *rep, const void *arg)
{
	/* the case is this file's own, handed over as the opaque argument */
	struct report_case *c = (struct report_case *)arg;
	unsigned long i = rep - c->reports;

	/* not one of the reports: ASan would not tell, as they are all valid */
	if (i >= c->nr)
		abort();
	c->asked[i] = ++c->nr_calls;
	return c->accept[i];
}

/*
 * The oracle's "wholly inside": the plain definition, with a report that
 * ends past the top of the address space inside nothing.
 */
static bool report_inside(const struct damon_fault_report *rep,
			  const struct damon_region *r)
{
	unsigned long end;

	if (__builtin_add_overflow(rep->addr, rep->size, &end))
		return false;
	return rep->addr >= r->ar.start && end <= r->ar.end;
}

/*
 * Random regions of random multiples of the unit, touching or apart,
 * sometimes ending at the top of the address space.
 */
static void report_new_regions(struct damon_props *p, struct report_case *c)
{
	unsigned int i, nr = damon_props_rand(p, 0, REPORT_MAX_REGIONS);
	unsigned long cursor, len;
	struct damon_region *r;

	INIT_LIST_HEAD(&c->t.regions_list);
	c->t.nr_regions = 0;
	c->unit = damon_props_chance(p, 50) ? 1 : PAGE_SIZE;
	/* a region takes at most 12 units with its gap */
	if (damon_props_chance(p, 20))
		cursor = ULONG_MAX - 12 * nr * c->unit;
	else
		cursor = damon_props_rand(p, 0, 64) * c->unit;
	for (i = 0; i < nr; i++) {
		if (damon_props_chance(p, 50))
			cursor += damon_props_rand(p, 1, 4) * c->unit;
		len = damon_props_rand(p, 1, 8) * c->unit;
		r = damon_new_region(cursor, cursor + len);
		if (!r)
			abort();
		damon_add_region(r, &c->t);
		r->nr_accesses = damon_props_rand(p, 0, 100);
		c->regions[i] = r;
		c->before[i] = r->nr_accesses;
		cursor += len;
	}
}

/* A report wholly inside @r: a unit of it, or all the rest of it. */
static void report_inside_region(struct damon_props *p, struct report_case *c,
				 struct damon_region *r,
				 struct damon_fault_report *rep)
{
	unsigned long units = damon_sz_region(r) / c->unit;

	rep->addr = r->ar.start + damon_props_rand(p, 0, units - 1) * c->unit;
	rep->size = c->unit;
	if (damon_props_chance(p, 20))
		rep->size = r->ar.end - rep->addr;
}

/*
 * A random report: inside a region, straddling one of its ends, with a
 * size that wraps past the top of the address space, or anywhere around
 * the regions, gaps included.
 */
static void report_new(struct damon_props *p, struct report_case *c,
		       struct damon_fault_report *rep)
{
	unsigned int nr = c->t.nr_regions;
	struct damon_region *r, *first, *last;
	unsigned long base, span;

	if (!nr) {
		rep->addr = damon_props_rand(p, 0, 64) * c->unit;
		rep->size = c->unit;
		return;
	}
	r = c->regions[damon_props_rand(p, 0, nr - 1)];
	switch (damon_props_rand(p, 0, 5)) {
	case 0:
		/* over the end of @r, into a gap or the next region */
		rep->addr = r->ar.end - damon_props_rand(p, 1, c->unit);
		rep->size = r->ar.end - rep->addr +
			damon_props_rand(p, 1, c->unit);
		break;
	case 1:
		/* over the start of @r, when something is before it */
		if (r->ar.start < c->unit) {
			report_inside_region(p, c, r, rep);
			break;
		}
		rep->addr = r->ar.start - damon_props_rand(p, 1, c->unit);
		rep->size = r->ar.start - rep->addr +
			damon_props_rand(p, 1, c->unit);
		break;
	case 2:
		report_inside_region(p, c, r, rep);
		rep->size = ULONG_MAX - damon_props_rand(p, 0, 3);
		break;
	case 3:
		first = c->regions[0];
		last = c->regions[nr - 1];
		base = first->ar.start - min(first->ar.start, 2 * c->unit);
		span = min(last->ar.end - base + 2 * c->unit, ULONG_MAX - base);
		rep->addr = base + damon_props_rand(p, 0, span);
		rep->size = damon_props_rand(p, 1, 2 * c->unit);
		break;
	default:
		report_inside_region(p, c, r, rep);
		break;
	}
}

static int report_cmp(const void *a, const void *b)
{
	const struct damon_fault_report *l = a, *r = b;

	if (l->addr != r->addr)
		return l->addr < r->addr ? -1 : 1;
	return 0;
}

static void report_new_case(struct damon_props *p, struct report_case *c)
{
	unsigned int i;

	report_new_regions(p, c);
	c->nr = damon_props_rand(p, 0, REPORT_MAX_REPORTS);
	for (i = 0; i < c->nr; i++) {
		memset(&c->reports[i], 0, sizeof(c->reports[i]));
		report_new(p, c, &c->reports[i]);
	}
	qsort(c->reports, c->nr, sizeof(c->reports[0]), report_cmp);
	for (i = 0; i < c->nr; i++) {
		c->accept[i] = damon_props_chance(p, 50);
		c->asked[i] = 0;
	}
	c->use_pass = damon_props_chance(p, 75);
	c->nr_calls = 0;
}

/*
 * Check region @j of @c against the oracle: one sample, accessed iff a
 * report inside it passes; the pass function asked about reports inside
 * it only until one passed.
 */
static bool report_check_region(struct damon_props *p, struct report_case *c,
				unsigned int j)
{
	struct damon_region *r = c->regions[j];
	unsigned int i, last_call = 0, accepted_call = 0, nr_accepted = 0;
	bool want = false;

	for (i = 0; i < c->nr; i++) {
		if (!report_inside(&c->reports[i], r))
			continue;
		if (!c->use_pass || c->accept[i])
			want = true;
		if (!c->asked[i])
			continue;
		last_call = max(last_call, c->asked[i]);
		if (c->accept[i]) {
			nr_accepted++;
			accepted_call = c->asked[i];
		}
	}
	if (want)
		c->nr_accessed++;
	else
		c->nr_not_accessed++;
	if (r->nr_accesses != c->before[j] + want)
		return damon_props_fail(p,
			"region %u [%lx, %lx): nr_accesses %u, want %u", j,
			r->ar.start, r->ar.end, r->nr_accesses,
			c->before[j] + want);
	if (nr_accepted > 1 || accepted_call != (nr_accepted ? last_call : 0))
		return damon_props_fail(p,
			"region %u: pass asked after it accepted", j);
	return true;
}

/* Check a case after damon_reports_account() against the oracle. */
static bool report_check(struct damon_props *p, struct report_case *c)
{
	unsigned int i, j, nr_asked = 0;
	bool inside;

	if (c->t.nr_regions > REPORT_MAX_REGIONS)
		return damon_props_fail(p, "%u regions", c->t.nr_regions);
	/* regions near the top of the address space are not aligned */
	if (damon_validate_regions_of(&c->t, 0, NULL, 0, 0))
		return damon_props_fail(p, "damon_validate_regions_of() failed");
	for (j = 0; j < c->t.nr_regions; j++) {
		if (!report_check_region(p, c, j))
			return false;
	}
	for (i = 0; i < c->nr; i++) {
		inside = false;
		for (j = 0; j < c->t.nr_regions; j++)
			inside |= report_inside(&c->reports[i], c->regions[j]);
		c->nr_nowhere += !inside;
		if (!c->asked[i])
			continue;
		nr_asked++;
		if (!c->use_pass || !inside)
			return damon_props_fail(p,
				"asked about report %u [%lx, +%lx)", i,
				c->reports[i].addr, c->reports[i].size);
	}
	if (nr_asked != c->nr_calls)
		return damon_props_fail(p, "%u calls about %u reports",
					c->nr_calls, nr_asked);
	return true;
}

static void report_free_case(struct report_case *c)
{
	struct damon_region *r, *next;

	damon_for_each_region_safe(r, next, &c->t)
		damon_destroy_region(r, &c->t);
}

static bool test_report_accounting(struct damon_props *p,
				   unsigned long nr_runs)
{
	struct report_case *c = calloc(1, sizeof(*c));
	unsigned long nr_cases = nr_runs * REPORT_CASES_PER_RUN, i;
	bool ok = true;

	if (!c)
		return damon_props_fail(p, "out of memory");
	p->op = "damon_reports_account";
	for (i = 0; i < nr_cases && ok; i++) {
		p->run = i;
		report_new_case(p, c);
		damon_reports_account(&c->t, c->nr ? c->reports : NULL, c->nr,
				      c->use_pass ? report_pass : NULL, c);
		ok = report_check(p, c);
		report_free_case(c);
		if (ok)
			ok = check_no_leak(p) && check_silent(p);
	}
	if (ok) {
		printf("# %lu report accounting cases\n", nr_cases);
		printf("# %lu regions accessed, %lu not, %lu reports in none\n",
		       c->nr_accessed, c->nr_not_accessed, c->nr_nowhere);
	}
	free(c);
	return ok;
}

int main(int argc, char *argv[])
{
	unsigned long long seed = DAMON_PROPS_SEED;
	unsigned long nr_runs = DEFAULT_RUNS;
	struct damon_props *p;
	int opt;

	while ((opt = getopt(argc, argv, "s:n:")) != -1) {
		switch (opt) {
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'n':
			nr_runs = strtoul(optarg, NULL, 0);
			break;
		default:
			fprintf(stderr, "usage: %s [-s SEED] [-n RUNS]\n",
				argv[0]);
			return 2;
		}
	}
	printf("# seed %llu\n", seed);
	damon_stub_seed_random(seed);
	damon_regions_init();
	p = calloc(1, sizeof(*p));
	if (!p)
		return 1;

	damon_props_init(p, seed);
	report("region properties", test_region_properties(p, nr_runs),
	       p->msg);
	damon_props_cleanup(p);

	damon_props_init(p, seed);
	report("sampling interval tuning", test_tuning(p), p->msg);

	damon_props_init(p, seed);
	report("allocation failures",
	       test_allocation_failures(p, nr_runs / 10 + 1), p->msg);
	damon_props_cleanup(p);

	damon_props_init(p, seed);
	report("report accounting", test_report_accounting(p, nr_runs),
	       p->msg);

	free(p);
	printf("%u passed, %u failed\n", nr_passed, nr_failed);
	return nr_failed ? 1 : 0;
}
