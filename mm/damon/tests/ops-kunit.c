// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the DAMON operation set registry, mm/damon/ops.c.
 *
 * The built-in operation sets ("vaddr", "fvaddr", "paddr") register at
 * boot when configured; the registry cannot forget an operation set, so
 * these tests never register one successfully.
 */

#include <kunit/test.h>
#include <linux/damon.h>

#include "damon-kunit.h"

/* A built-in operation set. */
struct damon_test_builtin {
	enum damon_ops_id id;
	const char *name;
	bool configured;
};

static const struct damon_test_builtin damon_test_builtins[] = {
	{ DAMON_OPS_VADDR, "vaddr", IS_ENABLED(CONFIG_DAMON_VADDR) },
	{ DAMON_OPS_FVADDR, "fvaddr", IS_ENABLED(CONFIG_DAMON_VADDR) },
	{ DAMON_OPS_PADDR, "paddr", IS_ENABLED(CONFIG_DAMON_PADDR) },
};

static void damon_test_register_invalid(struct kunit *test)
{
	static struct damon_operations ops = {
		.id = DAMON_OPS_PADDR,
		.name = "test",
		.start_sample = damon_test_nop,
		.finish_sample = damon_test_nop,
	};
	static struct damon_operations bad;

	KUNIT_EXPECT_EQ(test, damon_register_ops(NULL), -EINVAL);

	bad = ops;
	bad.id = NR_DAMON_OPS;
	KUNIT_EXPECT_EQ(test, damon_register_ops(&bad), -EINVAL);
	bad.id = (enum damon_ops_id)-1;
	KUNIT_EXPECT_EQ(test, damon_register_ops(&bad), -EINVAL);

	bad = ops;
	bad.name = NULL;
	KUNIT_EXPECT_EQ(test, damon_register_ops(&bad), -EINVAL);

	bad = ops;
	bad.start_sample = NULL;
	KUNIT_EXPECT_EQ(test, damon_register_ops(&bad), -EINVAL);

	bad = ops;
	bad.finish_sample = NULL;
	KUNIT_EXPECT_EQ(test, damon_register_ops(&bad), -EINVAL);
}

static void damon_test_register_busy(struct kunit *test)
{
	static struct damon_operations ops = {
		.name = "test",
		.start_sample = damon_test_nop,
		.finish_sample = damon_test_nop,
	};
	const struct damon_test_builtin *b;
	unsigned int i, nr = 0;

	for (i = 0; i < ARRAY_SIZE(damon_test_builtins); i++) {
		b = &damon_test_builtins[i];
		if (!b->configured)
			continue;
		ops.id = b->id;
		KUNIT_EXPECT_EQ_MSG(test, damon_register_ops(&ops), -EBUSY,
				    "%s", b->name);
		nr++;
	}
	if (!nr)
		kunit_skip(test, "no built-in operation set");
}

static void damon_test_builtin_registered(struct kunit *test)
{
	const struct damon_test_builtin *b;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(damon_test_builtins); i++) {
		b = &damon_test_builtins[i];
		KUNIT_EXPECT_EQ_MSG(test, damon_is_registered_ops(b->id),
				    b->configured, "%s", b->name);
	}
	KUNIT_EXPECT_FALSE(test, damon_is_registered_ops(NR_DAMON_OPS));
	KUNIT_EXPECT_FALSE(test,
			   damon_is_registered_ops((enum damon_ops_id)-1));
}

static void damon_test_select_ops(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	const struct damon_test_builtin *b;
	unsigned int i;
	int err;

	for (i = 0; i < ARRAY_SIZE(damon_test_builtins); i++) {
		b = &damon_test_builtins[i];
		ctx->ops = NULL;
		err = damon_select_ops(ctx, b->id);
		if (!b->configured) {
			KUNIT_EXPECT_EQ(test, err, -EINVAL);
			KUNIT_EXPECT_NULL(test, ctx->ops);
			continue;
		}
		KUNIT_ASSERT_EQ(test, err, 0);
		KUNIT_ASSERT_NOT_NULL(test, ctx->ops);
		KUNIT_EXPECT_EQ(test, ctx->ops->id, b->id);
		KUNIT_EXPECT_STREQ(test, ctx->ops->name, b->name);
		KUNIT_EXPECT_NOT_NULL(test, ctx->ops->start_sample);
		KUNIT_EXPECT_NOT_NULL(test, ctx->ops->finish_sample);
	}
	ctx->ops = NULL;
	KUNIT_EXPECT_EQ(test, damon_select_ops(ctx, NR_DAMON_OPS), -EINVAL);
	KUNIT_EXPECT_NULL(test, ctx->ops);
}

static void damon_test_ops_id_by_name(struct kunit *test)
{
	const struct damon_test_builtin *b;
	unsigned int i;
	char name[16];
	int want;

	for (i = 0; i < ARRAY_SIZE(damon_test_builtins); i++) {
		b = &damon_test_builtins[i];
		want = b->configured ? b->id : -EINVAL;
		KUNIT_EXPECT_EQ(test, damon_ops_id_by_name(b->name), want);
		/* as written to a sysfs file */
		snprintf(name, sizeof(name), "%s\n", b->name);
		KUNIT_EXPECT_EQ(test, damon_ops_id_by_name(name), want);
	}
	KUNIT_EXPECT_EQ(test, damon_ops_id_by_name(""), -EINVAL);
	KUNIT_EXPECT_EQ(test, damon_ops_id_by_name("\n"), -EINVAL);
	KUNIT_EXPECT_EQ(test, damon_ops_id_by_name("vaddrx"), -EINVAL);
	KUNIT_EXPECT_EQ(test, damon_ops_id_by_name("vadd"), -EINVAL);
	KUNIT_EXPECT_EQ(test, damon_ops_id_by_name("paddr\n\n"), -EINVAL);
}

static struct kunit_case damon_ops_test_cases[] = {
	KUNIT_CASE(damon_test_register_invalid),
	KUNIT_CASE(damon_test_register_busy),
	KUNIT_CASE(damon_test_builtin_registered),
	KUNIT_CASE(damon_test_select_ops),
	KUNIT_CASE(damon_test_ops_id_by_name),
	{},
};

static struct kunit_suite damon_ops_test_suite = {
	.name = "damon-ops",
	.test_cases = damon_ops_test_cases,
};

kunit_test_suite(damon_ops_test_suite);

MODULE_DESCRIPTION("KUnit tests of the DAMON operation set registry");
MODULE_LICENSE("GPL");
