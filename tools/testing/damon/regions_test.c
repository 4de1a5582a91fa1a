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
 */

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <linux/slab.h>

#include "../../../mm/damon/tests/regions-props.h"

#define DEFAULT_RUNS		2000
#define TUNING_CHECKS		200000

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
		if (!check_no_leak(p))
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
		if (!check_no_leak(p))
			return false;
	}
	return true;
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

	free(p);
	printf("%u passed, %u failed\n", nr_passed, nr_failed);
	return nr_failed ? 1 : 0;
}
