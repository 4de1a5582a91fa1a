// SPDX-License-Identifier: GPL-2.0
/*
 * DAMON sample control: how a context samples accesses, and which of the
 * accesses its samples find count.
 *
 * The primitive says how accesses are found (Accessed bits of page table
 * entries, or faults DAMON induces); the filters then decide, per access
 * found, whether it counts for the region.  This file makes, copies,
 * checks and evaluates the filters; the operation sets find the accesses
 * and call damon_sample_filters_pass() on each.  The page_fault primitive
 * collects its accesses as reports over a sample instead, which
 * damon_sample_account_reports() counts into the regions.
 *
 * Locking: the sample control of a context belongs to whoever owns the
 * context, as its probes do: its kdamond while it runs (changes come
 * through damon_commit_ctx() in damon_call()), the caller otherwise.  The
 * operation sets read it from the kdamond only.
 */

#include <linux/cpumask.h>
#include <linux/damon.h>
#include <linux/errno.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>

#include "core.h"
#include "regions.h"

const char * const
damon_sample_filter_type_names[NR_DAMON_SAMPLE_FILTER_TYPES] = {
	[DAMON_SAMPLE_FILTER_CPUMASK] = "cpumask",
	[DAMON_SAMPLE_FILTER_THREADS] = "threads",
	[DAMON_SAMPLE_FILTER_WRITE] = "write",
};

/**
 * damon_new_sample_filter() - Allocate a sample filter.
 * @type:	What the filter looks at.
 * @matching:	Whether it applies to accesses that have the property.
 * @allow:	Whether an access it applies to counts.
 *
 * The cpumask starts empty and there are no tids: set the one @type uses,
 * with cpumask_copy() or damon_sample_filter_set_tids().
 *
 * Context: process context, may sleep.
 * Return: the filter, in no list, or NULL when out of memory.
 */
struct damon_sample_filter *
damon_new_sample_filter(enum damon_sample_filter_type type, bool matching,
			bool allow)
{
	struct damon_sample_filter *f = kzalloc(sizeof(*f), GFP_KERNEL);

	if (!f)
		return NULL;
	f->cpumask = kzalloc(cpumask_size(), GFP_KERNEL);
	if (!f->cpumask) {
		kfree(f);
		return NULL;
	}
	f->type = type;
	f->matching = matching;
	f->allow = allow;
	/* destroying a filter that was never added is fine */
	INIT_LIST_HEAD(&f->list);
	return f;
}

/**
 * damon_sample_filter_set_tids() - Replace the thread ids of a filter.
 * @f:		The filter, not in a running context (or from its kdamond).
 * @tids:	The new thread ids; copied.  May be NULL if @nr_tids is 0.
 * @nr_tids:	Number of entries of @tids; 0 removes the ids.
 *
 * Context: process context, may sleep.
 * Return: 0 on success, -ENOMEM when out of memory (the old ids stay).
 */
int damon_sample_filter_set_tids(struct damon_sample_filter *f,
				 const pid_t *tids, unsigned int nr_tids)
{
	pid_t *copy = NULL;

	if (nr_tids) {
		copy = kmemdup_array(tids, nr_tids, sizeof(*tids), GFP_KERNEL);
		if (!copy)
			return -ENOMEM;
	}
	kfree(f->tids);
	f->tids = copy;
	f->nr_tids = nr_tids;
	return 0;
}

/**
 * damon_add_sample_filter() - Append a sample filter to a context.
 * @ctx:	The context, not running (or from its kdamond).
 * @f:		The filter, in no list.
 *
 * Whether the filter suits the context's primitive and operation set is
 * checked when the context is started or committed, not here.
 */
void damon_add_sample_filter(struct damon_ctx *ctx,
			     struct damon_sample_filter *f)
{
	damon_assert_ctx_owned(ctx);
	list_add_tail(&f->list, &ctx->sample.filters);
}

/**
 * damon_destroy_sample_filter() - Unlink a sample filter, if linked, and
 * free it.
 * @f:		The filter, not in a running context (or from its kdamond).
 */
void damon_destroy_sample_filter(struct damon_sample_filter *f)
{
	list_del(&f->list);
	kfree(f->cpumask);
	kfree(f->tids);
	kfree(f);
}

/**
 * damon_destroy_sample_filters() - Free all sample filters of a list.
 * @filters:	The list: the filters of a context, not running (or from its
 *		kdamond), or filters of no context yet.  It is empty after.
 */
void damon_destroy_sample_filters(struct list_head *filters)
{
	struct damon_sample_filter *f, *next;

	list_for_each_entry_safe(f, next, filters, list)
		damon_destroy_sample_filter(f);
}

/* ==================== Evaluation ==================== */

static bool damon_sample_on_cpu(const struct damon_sample_filter *f,
				const struct damon_sample_access *access)
{
	/* a primitive that cannot tell the CPU reports -1: on none */
	return access->cpu >= 0 && (unsigned int)access->cpu < nr_cpu_ids &&
		cpumask_test_cpu(access->cpu, f->cpumask);
}

static bool damon_sample_by_thread(const struct damon_sample_filter *f,
				   const struct damon_sample_access *access)
{
	unsigned int i;

	for (i = 0; i < f->nr_tids; i++) {
		if (f->tids[i] == access->tid)
			return true;
	}
	return false;
}

static bool damon_sample_is_write(const struct damon_sample_filter *f,
				  const struct damon_sample_access *access)
{
	return access->write;
}

/* Whether @access has the property a filter of each type looks at. */
static bool (* const damon_sample_has[NR_DAMON_SAMPLE_FILTER_TYPES])
	(const struct damon_sample_filter *f,
	 const struct damon_sample_access *access) = {
	[DAMON_SAMPLE_FILTER_CPUMASK] = damon_sample_on_cpu,
	[DAMON_SAMPLE_FILTER_THREADS] = damon_sample_by_thread,
	[DAMON_SAMPLE_FILTER_WRITE] = damon_sample_is_write,
};

/**
 * damon_sample_filters_pass() - Whether an access a sample found counts.
 * @ctx:	The context whose sample filters decide.
 * @access:	The access, with what the primitive could tell of it.
 *
 * The filters are evaluated in order; the first that applies (the access
 * has the filter's property, or has not if the filter is not matching)
 * decides: the access counts if that filter allows.  When none applies,
 * the access counts if the last filter does not allow, so that a chain of
 * allowing filters keeps only what they name and a chain of rejecting
 * ones keeps everything else.  Without filters every access counts.
 *
 * Context: the kdamond of @ctx, or its owner while it is stopped.
 * Return: true if the access counts for its region.
 */
bool damon_sample_filters_pass(const struct damon_ctx *ctx,
			       const struct damon_sample_access *access)
{
	const struct damon_sample_filter *f;
	bool pass = true;

	damon_for_each_sample_filter(f, ctx) {
		if (damon_sample_has[f->type](f, access) == f->matching)
			return f->allow;
		pass = !f->allow;
	}
	return pass;
}

/**
 * damon_sample_wants_write() - Whether page_table samples must tell writes.
 * @ctx:	The context.
 *
 * Checking the Dirty bit costs more than the Accessed bit alone, so the
 * operation sets check it only when a filter asks for writes.  Called
 * every sample per target: a walk over the (few) filters.
 *
 * Context: the kdamond of @ctx, or its owner while it is stopped.
 * Return: true if @ctx samples with the page_table primitive and has a
 * write filter.
 */
bool damon_sample_wants_write(const struct damon_ctx *ctx)
{
	const struct damon_sample_filter *f;

	if (!ctx->sample.primitives.page_table)
		return false;
	damon_for_each_sample_filter(f, ctx) {
		if (f->type == DAMON_SAMPLE_FILTER_WRITE)
			return true;
	}
	return false;
}

/* ==================== Fault reports ==================== */

/* Order of damon_sample_account_reports(): by target index, then address. */
static int damon_report_cmp(const void *a, const void *b)
{
	const struct damon_fault_report *l = a, *r = b;

	if (l->target != r->target)
		return l->target < r->target ? -1 : 1;
	if (l->addr != r->addr)
		return l->addr < r->addr ? -1 : 1;
	return 0;
}

/* The filter chain of the context @ctx on what the fault told of @rep. */
static bool damon_report_passes(const struct damon_fault_report *rep,
				const void *ctx)
{
	const struct damon_sample_access access = {
		.cpu = rep->cpu,
		.tid = rep->tid,
		.write = rep->write,
	};

	return damon_sample_filters_pass(ctx, &access);
}

/* The end of the run of @reports of target @idx that starts at @first. */
static unsigned int damon_reports_end(const struct damon_fault_report *reports,
				      unsigned int nr, unsigned int first,
				      unsigned int idx)
{
	while (first < nr && reports[first].target == idx)
		first++;
	return first;
}

/**
 * damon_sample_account_reports() - Count one sample of every region of a
 * context from the reports of the page_fault primitive.
 * @ctx:	The context.
 * @reports:	The reports of the sample, in any order; sorted by target
 *		index and address on return.  May be NULL if @nr is 0.
 * @nr:		Number of @reports.
 *
 * Every region of every target of @ctx counts one sample, accessed if one
 * of the reports of its target (&damon_fault_report.target is the index of
 * the target in the target list, from 0) lies wholly inside it and passes
 * the sample filters of @ctx; see damon_reports_account().  A target
 * without reports gets a not accessed sample in all its regions.  Reports
 * with a target index past the last target are ignored.
 *
 * Context: the kdamond of @ctx, from finish_sample, after the primitive
 * stopped adding reports; takes no locks and does not sleep.
 * O(nr log nr) for the sort, then O(regions + nr).
 */
void damon_sample_account_reports(struct damon_ctx *ctx,
				  struct damon_fault_report *reports,
				  unsigned int nr)
{
	struct damon_target *t;
	unsigned int idx = 0, first = 0, end;

	sort(reports, nr, sizeof(*reports), damon_report_cmp, NULL);
	/* the reports of each target follow those of the one before */
	damon_for_each_target(t, ctx) {
		end = damon_reports_end(reports, nr, first, idx++);
		damon_reports_account(t, end > first ? &reports[first] : NULL,
				      end - first, damon_report_passes, ctx);
		first = end;
	}
}

/* ==================== Checks and commit ==================== */

static int damon_check_sample_primitives(const struct damon_ctx *ctx)
{
	const struct damon_sample_primitives *prim = &ctx->sample.primitives;

	if (prim->page_table == prim->page_fault)
		return -EINVAL;
	if (prim->page_fault && ctx->ops && !ctx->ops->page_fault)
		return -EINVAL;
	return 0;
}

static int damon_check_sample_filter(const struct damon_ctx *ctx,
				     const struct damon_sample_filter *f)
{
	if (f->type >= NR_DAMON_SAMPLE_FILTER_TYPES)
		return -EINVAL;
	/* a threads filter without threads would apply to every access */
	if (f->type == DAMON_SAMPLE_FILTER_THREADS && !f->nr_tids)
		return -EINVAL;
	/* Accessed and Dirty bits tell no CPU or thread */
	if (ctx->sample.primitives.page_table && ctx->ops &&
	    !(ctx->ops->sample_filters & BIT(f->type)))
		return -EINVAL;
	return 0;
}

/**
 * damon_check_sample() - Check the sample control of a context.
 * @ctx:	The context: one about to start, or the source of a commit.
 *
 * Part of the one validation damon_start() and damon_commit_ctx() run.
 * The parts that depend on the operation set are skipped while @ctx has
 * none.
 *
 * Return: 0 if the sample control is valid; -EINVAL if not exactly one
 * primitive is set, the page_fault primitive is set but the operation set
 * does not implement it, a filter has an unknown type, a threads filter
 * has no thread ids, or, with the page_table primitive, a filter looks at
 * something the operation set cannot tell (&damon_operations.sample_filters).
 */
int damon_check_sample(const struct damon_ctx *ctx)
{
	const struct damon_sample_filter *f;
	int err;

	err = damon_check_sample_primitives(ctx);
	if (err)
		return err;
	damon_for_each_sample_filter(f, ctx) {
		err = damon_check_sample_filter(ctx, f);
		if (err)
			return err;
	}
	return 0;
}

/* A copy of @src, with its cpumask and thread ids, in no list. */
static struct damon_sample_filter *
damon_copy_sample_filter(const struct damon_sample_filter *src)
{
	struct damon_sample_filter *f;

	f = damon_new_sample_filter(src->type, src->matching, src->allow);
	if (!f)
		return NULL;
	cpumask_copy(f->cpumask, src->cpumask);
	if (damon_sample_filter_set_tids(f, src->tids, src->nr_tids)) {
		damon_destroy_sample_filter(f);
		return NULL;
	}
	return f;
}

/**
 * damon_copy_sample() - Copy the sample control of a context.
 * @copy:	Where to put the copy; its filter list is initialized here.
 * @src:	The context to copy from.
 *
 * The copy is all or nothing, so that damon_commit_ctx() can make it
 * before it changes anything, then install it with damon_install_sample()
 * or free it with damon_destroy_sample_filters().
 *
 * Context: process context, may sleep.
 * Return: 0 on success, -ENOMEM when out of memory (@copy then has no
 * filters).
 */
int damon_copy_sample(struct damon_sample_control *copy,
		      const struct damon_ctx *src)
{
	const struct damon_sample_filter *f;
	struct damon_sample_filter *nf;

	copy->primitives = src->sample.primitives;
	INIT_LIST_HEAD(&copy->filters);
	damon_for_each_sample_filter(f, src) {
		nf = damon_copy_sample_filter(f);
		if (!nf) {
			damon_destroy_sample_filters(&copy->filters);
			return -ENOMEM;
		}
		list_add_tail(&nf->list, &copy->filters);
	}
	return 0;
}

/**
 * damon_install_sample() - Replace the sample control of a context.
 * @dst:	The context, not running (or from its kdamond).
 * @copy:	The new sample control, from damon_copy_sample().  Its
 *		filters move to @dst; the list is empty after.
 */
void damon_install_sample(struct damon_ctx *dst,
			  struct damon_sample_control *copy)
{
	damon_destroy_sample_filters(&dst->sample.filters);
	dst->sample.primitives = copy->primitives;
	list_splice_init(&copy->filters, &dst->sample.filters);
}
