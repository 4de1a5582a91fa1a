// SPDX-License-Identifier: GPL-2.0
/*
 * DAMON sysfs interface: the contexts/<C>/monitoring_attrs/sample tree of
 * sample control (the damon/next interface), and setting the sample
 * control of a &struct damon_ctx from it.
 *
 * The files only stage values.  Each file checks its own syntax; whether
 * the primitives and filters suit one another and the operation set is
 * the core's check (damon_validate_ctx()), when "on" or "commit" builds
 * the context.
 */

#include <linux/cpumask.h>
#include <linux/ctype.h>
#include <linux/damon.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/threads.h>

#include "sysfs.h"

/* ==================== sample/primitives ==================== */

static void damon_sysfs_primitives_init(struct damon_sysfs_dir *dir)
{
	struct damon_sample_primitives *primitives = damon_sysfs_data(dir);

	primitives->page_table = true;
}

static const struct damon_sysfs_attr damon_sysfs_primitives_attrs[] = {
	DAMON_SYSFS_RW_BOOL(page_table, struct damon_sample_primitives,
			    page_table),
	DAMON_SYSFS_RW_BOOL(page_fault, struct damon_sample_primitives,
			    page_fault),
};

static const struct damon_sysfs_type damon_sysfs_primitives_type = {
	.data_size = sizeof(struct damon_sample_primitives),
	DAMON_SYSFS_ATTRS(damon_sysfs_primitives_attrs),
	.init = damon_sysfs_primitives_init,
};

/* ==================== sample/filters/<F> ==================== */

/* Most digits of a thread id: those of PID_MAX_LIMIT - 1. */
#define DAMON_SYSFS_TID_MAX_DIGITS	7

/*
 * Most thread ids of one tid_arr.  Far more than a filter needs, and few
 * enough that the longest list, its commas and a newline fit in what one
 * store takes and one show gives (PAGE_SIZE - 2 bytes: the generic store
 * refuses writes that fill the page), so that it reads back as written.
 */
#define DAMON_SYSFS_MAX_TIDS		511
/* The longest list with its newline: each id has a comma or the newline. */
#define DAMON_SYSFS_TIDS_MAX_LEN	\
	(DAMON_SYSFS_MAX_TIDS * (DAMON_SYSFS_TID_MAX_DIGITS + 1))

static const struct damon_sysfs_names damon_sysfs_sample_filter_names = {
	.names = damon_sample_filter_type_names,
	.nr = NR_DAMON_SAMPLE_FILTER_TYPES,
};

/**
 * struct damon_sysfs_sample_filter - sample/filters/<F>.
 * @type:	An &enum damon_sample_filter_type; 0 is "cpumask".
 * @matching:	Applies to accesses with the property, or without.
 * @allow:	An access it applies to counts, or not.
 * @tids:	tid_arr: the thread ids, kmalloc()ed; NULL if @nr_tids is 0.
 * @nr_tids:	Number of @tids.
 * @cpumask:	cpumask: the CPUs.  Last: its size depends on NR_CPUS.
 */
struct damon_sysfs_sample_filter {
	int type;
	bool matching;
	bool allow;
	pid_t *tids;
	unsigned int nr_tids;
	struct cpumask cpumask;
};

static void damon_sysfs_sample_filter_release(struct damon_sysfs_dir *dir)
{
	struct damon_sysfs_sample_filter *filter = damon_sysfs_data(dir);

	kfree(filter->tids);
}

static ssize_t damon_sysfs_cpumask_show(struct damon_sysfs_dir *dir,
					char *buf)
{
	struct damon_sysfs_sample_filter *filter = damon_sysfs_data(dir);

	return sysfs_emit(buf, "%*pbl\n", cpumask_pr_args(&filter->cpumask));
}

/* A cpulist as cpusets take it; "" (or "\n") empties the mask. */
static int damon_sysfs_cpumask_store(struct damon_sysfs_dir *dir,
				     const char *buf)
{
	struct damon_sysfs_sample_filter *filter = damon_sysfs_data(dir);
	cpumask_var_t mask;
	int err;

	/* parsed aside: a bad list leaves the old mask */
	if (!alloc_cpumask_var(&mask, GFP_KERNEL))
		return -ENOMEM;
	err = cpulist_parse(buf, mask);
	if (!err)
		cpumask_copy(&filter->cpumask, mask);
	free_cpumask_var(mask);
	/* -ERANGE for CPUs beyond nr_cpu_ids: bad input like the rest */
	return err ? -EINVAL : 0;
}

static ssize_t damon_sysfs_tids_show(struct damon_sysfs_dir *dir, char *buf)
{
	struct damon_sysfs_sample_filter *filter = damon_sysfs_data(dir);
	unsigned int i;
	int len = 0;

	/* written and shown whole: see DAMON_SYSFS_MAX_TIDS */
	BUILD_BUG_ON(DAMON_SYSFS_TIDS_MAX_LEN + 2 > PAGE_SIZE);
	for (i = 0; i < filter->nr_tids; i++)
		len += sysfs_emit_at(buf, len, "%s%d", i ? "," : "",
				     filter->tids[i]);
	return len + sysfs_emit_at(buf, len, "\n");
}

/*
 * Count the thread ids of @buf, a list of positive decimal numbers
 * without leading zeros, separated by single commas, and ended by the
 * string's end or a newline.  get_options() alone would take more: it
 * reads "010" as octal and "0x" as hex, silently wraps numbers too big
 * for an int, stops quietly at a dangling comma, and expands "a-b" ranges
 * with a count that can overflow.  Return the count, or -EINVAL.
 */
static int damon_sysfs_count_tids(const char *buf)
{
	unsigned int nr = 0, digits = 0;
	const char *p;

	for (p = buf; *p && *p != '\n'; p++) {
		if (*p == ',' && digits) {
			digits = 0;
			continue;
		}
		if (!isdigit(*p) || (*p == '0' && !digits) ||
		    digits == DAMON_SYSFS_TID_MAX_DIGITS)
			return -EINVAL;
		if (!digits++ && ++nr > DAMON_SYSFS_MAX_TIDS)
			return -EINVAL;
	}
	/* a trailing newline only, and no dangling comma */
	if ((*p && p[1]) || (p > buf && !digits))
		return -EINVAL;
	return nr;
}

/*
 * Parse the @nr thread ids of @buf into a new array, with get_options(),
 * the kernel's parser of integer lists.  Return the array, NULL if @nr is
 * 0, or an ERR_PTR().
 */
static pid_t *damon_sysfs_parse_tids(const char *buf, int nr)
{
	char *end;
	int *ints;
	int i;

	BUILD_BUG_ON(sizeof(pid_t) != sizeof(int));
	if (!nr)
		return NULL;
	/* get_options() puts the count first */
	ints = kmalloc_array(nr + 1, sizeof(*ints), GFP_KERNEL);
	if (!ints)
		return ERR_PTR(-ENOMEM);
	end = get_options(buf, nr + 1, ints);
	if (ints[0] != nr || (*end && *end != '\n'))
		goto invalid;
	for (i = 1; i <= nr; i++) {
		/* PID_MAX_LIMIT itself is never a pid */
		if (ints[i] <= 0 || ints[i] >= PID_MAX_LIMIT)
			goto invalid;
	}
	memmove(ints, ints + 1, nr * sizeof(*ints));
	return ints;

invalid:
	kfree(ints);
	return ERR_PTR(-EINVAL);
}

/* Comma-separated thread ids; "" (or "\n") clears them. */
static int damon_sysfs_tids_store(struct damon_sysfs_dir *dir, const char *buf)
{
	struct damon_sysfs_sample_filter *filter = damon_sysfs_data(dir);
	int nr = damon_sysfs_count_tids(buf);
	pid_t *tids;

	if (nr < 0)
		return nr;
	tids = damon_sysfs_parse_tids(buf, nr);
	if (IS_ERR(tids))
		return PTR_ERR(tids);
	kfree(filter->tids);
	filter->tids = tids;
	filter->nr_tids = nr;
	return 0;
}

/*
 * Every file is kept whatever the type: a filter only uses the one its
 * type names, and damo writes only that one.
 */
static const struct damon_sysfs_attr damon_sysfs_sample_filter_attrs[] = {
	DAMON_SYSFS_RW_NAME(type, struct damon_sysfs_sample_filter, type,
			    &damon_sysfs_sample_filter_names),
	DAMON_SYSFS_RW_BOOL(matching, struct damon_sysfs_sample_filter,
			    matching),
	DAMON_SYSFS_RW_BOOL(allow, struct damon_sysfs_sample_filter, allow),
	DAMON_SYSFS_CUSTOM_RW(cpumask, damon_sysfs_cpumask_show,
			      damon_sysfs_cpumask_store),
	DAMON_SYSFS_CUSTOM_RW(tid_arr, damon_sysfs_tids_show,
			      damon_sysfs_tids_store),
};

static const struct damon_sysfs_type damon_sysfs_sample_filter_type = {
	.data_size = sizeof(struct damon_sysfs_sample_filter),
	DAMON_SYSFS_ATTRS(damon_sysfs_sample_filter_attrs),
	.release = damon_sysfs_sample_filter_release,
};

static const struct damon_sysfs_attr damon_sysfs_sample_filters_attrs[] = {
	DAMON_SYSFS_NR_ATTR(nr_filters),
};

static const struct damon_sysfs_type damon_sysfs_sample_filters_type = {
	DAMON_SYSFS_ATTRS(damon_sysfs_sample_filters_attrs),
	.item_type = &damon_sysfs_sample_filter_type,
};

/* ==================== sample ==================== */

enum damon_sysfs_sample_child {
	DAMON_SYSFS_SAMPLE_PRIMITIVES,
	DAMON_SYSFS_SAMPLE_FILTERS,
};

static const struct damon_sysfs_child damon_sysfs_sample_children[] = {
	[DAMON_SYSFS_SAMPLE_PRIMITIVES] = {
		"primitives", &damon_sysfs_primitives_type },
	[DAMON_SYSFS_SAMPLE_FILTERS] = {
		"filters", &damon_sysfs_sample_filters_type },
};

const struct damon_sysfs_type damon_sysfs_sample_type = {
	DAMON_SYSFS_CHILDREN(damon_sysfs_sample_children),
};

/* ==================== Setting the sample control ==================== */

static int damon_sysfs_add_sample_filter(struct damon_ctx *ctx,
					 struct damon_sysfs_dir *dir)
{
	struct damon_sysfs_sample_filter *filter = damon_sysfs_data(dir);
	struct damon_sample_filter *f;

	f = damon_new_sample_filter(filter->type, filter->matching,
				    filter->allow);
	if (!f)
		return -ENOMEM;
	/* added first: destroying @ctx frees it on error */
	damon_add_sample_filter(ctx, f);
	cpumask_copy(f->cpumask, &filter->cpumask);
	return damon_sample_filter_set_tids(f, filter->tids, filter->nr_tids);
}

/**
 * damon_sysfs_set_sample() - Set the sample control of a context from a
 * sample directory.
 * @ctx:	The context, not running, without sample filters.
 * @sample:	The sample directory.
 *
 * Copies the primitives, and adds one sample filter per filter directory,
 * in directory order, with its cpumask and thread ids.  Whether they make
 * a valid sample control is left to damon_validate_ctx().  Called with
 * damon_sysfs_lock held.
 *
 * Return: 0 on success, -ENOMEM.  On failure, the filters added so far
 * stay in @ctx for damon_destroy_ctx() to free.
 */
int damon_sysfs_set_sample(struct damon_ctx *ctx,
			   struct damon_sysfs_dir *sample)
{
	struct damon_sysfs_dir *filters =
		sample->children[DAMON_SYSFS_SAMPLE_FILTERS];
	unsigned int i;
	int err;

	lockdep_assert_held(&damon_sysfs_lock);

	ctx->sample.primitives = *(struct damon_sample_primitives *)
		damon_sysfs_child_data(sample, DAMON_SYSFS_SAMPLE_PRIMITIVES);
	for (i = 0; i < filters->nr_items; i++) {
		err = damon_sysfs_add_sample_filter(ctx, filters->items[i]);
		if (err)
			return err;
	}
	return 0;
}
