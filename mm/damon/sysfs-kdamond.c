// SPDX-License-Identifier: GPL-2.0
/*
 * DAMON sysfs interface: kdamonds/<K>, the commands written to its state
 * file, and the kdamond's own periodic refresh (refresh_ms).
 *
 * Commands reach a running kdamond only through damon_call() and
 * damos_walk().  They never wait holding damon_sysfs_lock, so that every
 * other file stays usable: under the lock, a command copies what it needs
 * out of the directories and marks the kdamond directory busy; it drops
 * the lock while the kdamond works on those private copies, and shows the
 * results in the directories after retaking it, if they are still there.
 * The periodic refresh runs in the kdamond on its own, so it only takes
 * the lock with mutex_trylock(), and skips a round when someone holds it
 * (who may be about to wait for this very kdamond, in damon_stop()).
 */

#include <linux/jiffies.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "sysfs.h"

/* ==================== Running functions in the kdamond ==================== */

/**
 * damon_sysfs_run_in_kdamond() - Run a function in the kdamond of a context
 * and wait for it.
 * @ctx:	The running context.
 * @fn:		The function.
 * @data:	Its argument.
 *
 * Return: what @fn returned, or the error of damon_call().
 */
int damon_sysfs_run_in_kdamond(struct damon_ctx *ctx, int (*fn)(void *data),
			       void *data)
{
	struct damon_call_control control = {
		.fn = fn,
		.data = data,
	};
	int err;

	err = damon_call(ctx, &control);
	return err ? err : control.return_code;
}

/**
 * damon_sysfs_wait_begin() - Drop damon_sysfs_lock to wait for the kdamond
 * of a kdamond directory.
 * @kdamond:	The kdamond directory, whose state file is being written.
 * @context:	A directory to fill after the wait, or NULL.
 *
 * Marks @kdamond busy: other commands on it fail with -EBUSY, and its
 * context is neither stopped nor freed, nor the directory removed (see
 * damon_sysfs_reap()).  Holds @context, which may be removed meanwhile.
 * Called with damon_sysfs_lock held; releases it.
 */
void damon_sysfs_wait_begin(struct damon_sysfs_dir *kdamond,
			    struct damon_sysfs_dir *context)
{
	struct damon_sysfs_kdamond *kd = damon_sysfs_data(kdamond);

	lockdep_assert_held(&damon_sysfs_lock);

	kd->busy = true;
	if (context)
		damon_sysfs_dir_get(context);
	damon_sysfs_unlock();
}

/**
 * damon_sysfs_wait_end() - Retake damon_sysfs_lock after a wait that
 * damon_sysfs_wait_begin() started.
 * @kdamond:	The kdamond directory.
 * @context:	The directory given to damon_sysfs_wait_begin(), or NULL.
 *
 * Waits for the lock uninterruptibly: the busy mark must go, and nobody
 * holds the lock for long.
 *
 * Return: true if @context is still in the tree: the results may go
 * there.  False for a NULL @context.
 */
bool damon_sysfs_wait_end(struct damon_sysfs_dir *kdamond,
			  struct damon_sysfs_dir *context)
{
	struct damon_sysfs_kdamond *kd = damon_sysfs_data(kdamond);
	bool alive;

	damon_sysfs_relock(kdamond);
	kd->busy = false;
	if (!context)
		return false;
	alive = !context->removed;
	damon_sysfs_dir_put(context);
	return alive;
}

/* What the kdamond copies for the directories, and the context it is of. */
struct damon_sysfs_update_arg {
	struct damon_ctx *ctx;
	struct damon_sysfs_schemes_snap *snap;
	unsigned long sample_us;
	unsigned long aggr_us;
};

static int damon_sysfs_update_fn(void *data)
{
	struct damon_sysfs_update_arg *arg = data;

	arg->sample_us = arg->ctx->attrs.sample_interval;
	arg->aggr_us = arg->ctx->attrs.aggr_interval;
	damon_sysfs_schemes_snap_take(arg->snap, arg->ctx);
	return 0;
}

/* Show what damon_sysfs_update_fn() copied, as @what names. */
static void damon_sysfs_update_install(struct damon_sysfs_dir *context,
				       const struct damon_sysfs_update_arg *arg,
				       unsigned int what)
{
	struct damon_sysfs_intervals *intervals;
	struct damon_sysfs_dir *attrs;

	lockdep_assert_held(&damon_sysfs_lock);

	if (what & DAMON_SYSFS_UPDATE_TUNED_INTERVALS) {
		attrs = context->children[DAMON_SYSFS_CONTEXT_ATTRS];
		intervals = damon_sysfs_child_data(attrs,
						   DAMON_SYSFS_ATTRS_INTERVALS);
		intervals->sample_us = arg->sample_us;
		intervals->aggr_us = arg->aggr_us;
	}
	damon_sysfs_schemes_snap_install(arg->snap, context->children
					 [DAMON_SYSFS_CONTEXT_SCHEMES], what);
}

struct damon_sysfs_commit_arg {
	struct damon_ctx *ctx;
	struct damon_ctx *new_ctx;
};

static int damon_sysfs_commit_fn(void *data)
{
	struct damon_sysfs_commit_arg *arg = data;

	return damon_commit_ctx(arg->ctx, arg->new_ctx);
}

/* Refresh the directories of @kdamond, in its kdamond, holding the lock. */
static void damon_sysfs_refresh(struct damon_sysfs_dir *kdamond)
{
	struct damon_sysfs_kdamond *kd = damon_sysfs_data(kdamond);
	struct damon_sysfs_dir *context = damon_sysfs_kdamond_context(kdamond);
	struct damon_sysfs_update_arg arg = { .ctx = kd->ctx };

	if (!context)
		return;
	arg.snap = damon_sysfs_schemes_snap_new(context->children
						[DAMON_SYSFS_CONTEXT_SCHEMES]);
	if (!arg.snap)
		return;
	damon_sysfs_update_fn(&arg);
	damon_sysfs_update_install(context, &arg, DAMON_SYSFS_UPDATE_STATS |
				   DAMON_SYSFS_UPDATE_QUOTAS |
				   DAMON_SYSFS_UPDATE_TUNED_INTERVALS);
	damon_sysfs_schemes_snap_free(arg.snap);
}

/* The repeated call behind refresh_ms; see the comment at the top. */
static int damon_sysfs_refresh_fn(void *data)
{
	struct damon_sysfs_dir *kdamond = data;
	struct damon_sysfs_kdamond *kd = damon_sysfs_data(kdamond);
	unsigned int period_ms;

	if (time_before(jiffies, kd->refresh_next))
		return 0;
	if (!mutex_trylock(&damon_sysfs_lock))
		return 0;
	period_ms = kd->refresh_ms;
	if (period_ms)
		damon_sysfs_refresh(kdamond);
	/* look again for a newly set period soon */
	kd->refresh_next = jiffies + msecs_to_jiffies(period_ms ?: 100);
	/* never removes directories: a plain unlock */
	mutex_unlock(&damon_sysfs_lock);
	return 0;
}

/* ==================== The commands ==================== */

/*
 * Forget a context whose kdamond stopped on its own.  Return true if
 * @kd->ctx still runs, or a command waits for it.
 */
static bool damon_sysfs_reap(struct damon_sysfs_kdamond *kd)
{
	lockdep_assert_held(&damon_sysfs_lock);

	if (!kd->ctx)
		return false;
	/* the waiting command uses @kd->ctx without the lock */
	if (kd->busy || damon_is_running(kd->ctx))
		return true;
	/* reaps the thread */
	damon_stop(&kd->ctx, 1);
	damon_destroy_ctx(kd->ctx);
	kd->ctx = NULL;
	return false;
}

static int damon_sysfs_cmd_on(struct damon_sysfs_dir *kdamond)
{
	struct damon_sysfs_kdamond *kd = damon_sysfs_data(kdamond);
	struct damon_sysfs_dir *context = damon_sysfs_kdamond_context(kdamond);
	struct damon_ctx *ctx;
	int err;

	if (damon_sysfs_reap(kd))
		return -EBUSY;
	if (!context)
		return -EINVAL;
	ctx = damon_sysfs_build_ctx(context);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);
	err = damon_start(&ctx, 1, false);
	if (err) {
		damon_destroy_ctx(ctx);
		return err;
	}
	kd->ctx = ctx;
	kd->refresh_next = jiffies;
	kd->refresh_call = (struct damon_call_control) {
		.fn = damon_sysfs_refresh_fn,
		.data = kdamond,
		.repeat = true,
	};
	/* fails only if the kdamond already stopped: nothing to refresh */
	damon_call(ctx, &kd->refresh_call);
	return 0;
}

/* Stopping may wait for a sample in flight: without the lock. */
static int damon_sysfs_cmd_off(struct damon_sysfs_dir *kdamond)
{
	struct damon_sysfs_kdamond *kd = damon_sysfs_data(kdamond);
	struct damon_ctx *ctx = kd->ctx;

	if (!ctx)
		return -EINVAL;
	damon_sysfs_wait_begin(kdamond, NULL);
	damon_stop(&ctx, 1);
	damon_sysfs_wait_end(kdamond, NULL);
	damon_destroy_ctx(kd->ctx);
	kd->ctx = NULL;
	return 0;
}

/* The running context of @kdamond and its context directory, or an error. */
static int damon_sysfs_running(struct damon_sysfs_dir *kdamond,
			       struct damon_ctx **ctx,
			       struct damon_sysfs_dir **context)
{
	struct damon_sysfs_kdamond *kd = damon_sysfs_data(kdamond);

	if (!damon_sysfs_reap(kd))
		return -EINVAL;
	*ctx = kd->ctx;
	/* nr_contexts may have become 0 while the kdamond runs */
	*context = damon_sysfs_kdamond_context(kdamond);
	return *context ? 0 : -EINVAL;
}

static int damon_sysfs_cmd_commit(struct damon_sysfs_dir *kdamond)
{
	struct damon_sysfs_commit_arg arg;
	struct damon_sysfs_dir *context;
	int err;

	err = damon_sysfs_running(kdamond, &arg.ctx, &context);
	if (err)
		return err;
	arg.new_ctx = damon_sysfs_build_ctx(context);
	if (IS_ERR(arg.new_ctx))
		return PTR_ERR(arg.new_ctx);
	damon_sysfs_wait_begin(kdamond, NULL);
	err = damon_sysfs_run_in_kdamond(arg.ctx, damon_sysfs_commit_fn, &arg);
	damon_sysfs_wait_end(kdamond, NULL);
	damon_destroy_ctx(arg.new_ctx);
	return err;
}

static int damon_sysfs_cmd_commit_goals(struct damon_sysfs_dir *kdamond)
{
	struct damon_sysfs_dir *context;
	struct damon_ctx *ctx;
	int err;

	err = damon_sysfs_running(kdamond, &ctx, &context);
	if (err)
		return err;
	return damon_sysfs_commit_quota_goals(kdamond, context, ctx);
}

static int damon_sysfs_cmd_update(struct damon_sysfs_dir *kdamond,
				  unsigned int what)
{
	struct damon_sysfs_update_arg arg;
	struct damon_sysfs_dir *context;
	int err;

	err = damon_sysfs_running(kdamond, &arg.ctx, &context);
	if (err)
		return err;
	arg.snap = damon_sysfs_schemes_snap_new(context->children
						[DAMON_SYSFS_CONTEXT_SCHEMES]);
	if (!arg.snap)
		return -ENOMEM;
	damon_sysfs_wait_begin(kdamond, context);
	err = damon_sysfs_run_in_kdamond(arg.ctx, damon_sysfs_update_fn, &arg);
	if (damon_sysfs_wait_end(kdamond, context) && !err)
		damon_sysfs_update_install(context, &arg, what);
	damon_sysfs_schemes_snap_free(arg.snap);
	return err;
}

static int damon_sysfs_cmd_update_stats(struct damon_sysfs_dir *kdamond)
{
	return damon_sysfs_cmd_update(kdamond, DAMON_SYSFS_UPDATE_STATS);
}

static int damon_sysfs_cmd_update_quotas(struct damon_sysfs_dir *kdamond)
{
	return damon_sysfs_cmd_update(kdamond, DAMON_SYSFS_UPDATE_QUOTAS);
}

static int damon_sysfs_cmd_update_intervals(struct damon_sysfs_dir *kdamond)
{
	return damon_sysfs_cmd_update(kdamond,
				      DAMON_SYSFS_UPDATE_TUNED_INTERVALS);
}

static int damon_sysfs_cmd_tried(struct damon_sysfs_dir *kdamond,
				 bool bytes_only)
{
	struct damon_sysfs_dir *context;
	struct damon_ctx *ctx;
	int err;

	err = damon_sysfs_running(kdamond, &ctx, &context);
	if (err)
		return err;
	return damon_sysfs_update_tried_regions(kdamond, context, ctx,
						bytes_only);
}

static int damon_sysfs_cmd_tried_regions(struct damon_sysfs_dir *kdamond)
{
	return damon_sysfs_cmd_tried(kdamond, false);
}

static int damon_sysfs_cmd_tried_bytes(struct damon_sysfs_dir *kdamond)
{
	return damon_sysfs_cmd_tried(kdamond, true);
}

static int damon_sysfs_cmd_clear_tried(struct damon_sysfs_dir *kdamond)
{
	struct damon_sysfs_dir *context = damon_sysfs_kdamond_context(kdamond);

	if (!context)
		return -EINVAL;
	damon_sysfs_clear_tried_regions(context->children
					[DAMON_SYSFS_CONTEXT_SCHEMES]);
	return 0;
}

/**
 * struct damon_sysfs_cmd - A command of the state file.
 * @name:	What is written.
 * @fn:		What it does to the kdamond directory; returns 0 or an errno.
 */
struct damon_sysfs_cmd {
	const char *name;
	int (*fn)(struct damon_sysfs_dir *kdamond);
};

static const struct damon_sysfs_cmd damon_sysfs_cmds[] = {
	{ "on", damon_sysfs_cmd_on },
	{ "off", damon_sysfs_cmd_off },
	{ "commit", damon_sysfs_cmd_commit },
	{ "commit_schemes_quota_goals", damon_sysfs_cmd_commit_goals },
	{ "update_schemes_stats", damon_sysfs_cmd_update_stats },
	{ "update_schemes_tried_bytes", damon_sysfs_cmd_tried_bytes },
	{ "update_schemes_tried_regions", damon_sysfs_cmd_tried_regions },
	{ "clear_schemes_tried_regions", damon_sysfs_cmd_clear_tried },
	{ "update_schemes_effective_quotas", damon_sysfs_cmd_update_quotas },
	{ "update_tuned_intervals", damon_sysfs_cmd_update_intervals },
};

/* ==================== kdamonds/<K> files ==================== */

static ssize_t damon_sysfs_state_show(struct damon_sysfs_dir *dir, char *buf)
{
	struct damon_sysfs_kdamond *kd = damon_sysfs_data(dir);
	bool on = kd->ctx && damon_is_running(kd->ctx);

	return sysfs_emit(buf, "%s\n", on ? "on" : "off");
}

static int damon_sysfs_state_store(struct damon_sysfs_dir *dir,
				   const char *buf)
{
	struct damon_sysfs_kdamond *kd = damon_sysfs_data(dir);
	unsigned int i;

	/* one command at a time; see damon_sysfs_wait_begin() */
	if (kd->busy)
		return -EBUSY;
	for (i = 0; i < ARRAY_SIZE(damon_sysfs_cmds); i++) {
		if (sysfs_streq(buf, damon_sysfs_cmds[i].name))
			return damon_sysfs_cmds[i].fn(dir);
	}
	return -EINVAL;
}

static ssize_t damon_sysfs_pid_show(struct damon_sysfs_dir *dir, char *buf)
{
	struct damon_sysfs_kdamond *kd = damon_sysfs_data(dir);

	return sysfs_emit(buf, "%d\n", kd->ctx ? damon_kdamond_pid(kd->ctx) :
			  -1);
}

static const struct damon_sysfs_attr damon_sysfs_kdamond_attrs[] = {
	DAMON_SYSFS_CUSTOM_RW(state, damon_sysfs_state_show,
			      damon_sysfs_state_store),
	DAMON_SYSFS_CUSTOM_RO(pid, damon_sysfs_pid_show),
	DAMON_SYSFS_RW_UINT(refresh_ms, struct damon_sysfs_kdamond,
			    refresh_ms),
};

static const struct damon_sysfs_child damon_sysfs_kdamond_children[] = {
	[DAMON_SYSFS_KDAMOND_CONTEXTS] = {
		"contexts", &damon_sysfs_contexts_type },
};

/* Only reached once no kdamond runs; see the resize check. */
static void damon_sysfs_kdamond_release(struct damon_sysfs_dir *dir)
{
	struct damon_sysfs_kdamond *kd = damon_sysfs_data(dir);

	if (kd->ctx) {
		damon_stop(&kd->ctx, 1);
		damon_destroy_ctx(kd->ctx);
	}
}

static const struct damon_sysfs_type damon_sysfs_kdamond_type = {
	.data_size = sizeof(struct damon_sysfs_kdamond),
	.attrs = damon_sysfs_kdamond_attrs,
	.nr_attrs = ARRAY_SIZE(damon_sysfs_kdamond_attrs),
	.children = damon_sysfs_kdamond_children,
	.nr_children = ARRAY_SIZE(damon_sysfs_kdamond_children),
	.release = damon_sysfs_kdamond_release,
};

/* ==================== kdamonds ==================== */

/* No kdamond may run while kdamonds come and go. */
static int damon_sysfs_kdamonds_resize_check(struct damon_sysfs_dir *dir,
					     unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < dir->nr_items; i++) {
		if (damon_sysfs_reap(damon_sysfs_data(dir->items[i])))
			return -EBUSY;
	}
	return 0;
}

static const struct damon_sysfs_attr damon_sysfs_kdamonds_attrs[] = {
	DAMON_SYSFS_NR_ATTR(nr_kdamonds),
};

const struct damon_sysfs_type damon_sysfs_kdamonds_type = {
	.attrs = damon_sysfs_kdamonds_attrs,
	.nr_attrs = ARRAY_SIZE(damon_sysfs_kdamonds_attrs),
	.item_type = &damon_sysfs_kdamond_type,
	.resize_check = damon_sysfs_kdamonds_resize_check,
};
