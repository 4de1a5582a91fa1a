// SPDX-License-Identifier: GPL-2.0
/*
 * DAMON sysfs interface: the commands that move scheme state between the
 * directories and a running kdamond: statistics, effective quotas, quota
 * goals and tried regions.
 *
 * The kdamond only fills private buffers that the writer made, and the
 * writer shows them in the directories afterwards, under damon_sysfs_lock,
 * which it drops while waiting.  Schemes directories and the schemes of
 * the running context are matched by position; directories without a
 * scheme (or the other way round, after nr_schemes changed without a
 * commit) are left alone.
 */

#include <linux/slab.h>
#include <linux/string.h>

#include "sysfs-schemes.h"

/* ==================== Statistics and quotas ==================== */

/* The measured value of one quota goal; user_input ones are not. */
struct damon_sysfs_goal_snap {
	unsigned long value;
	bool measured;
};

/* What a running scheme shows in its directory. */
struct damon_sysfs_scheme_snap {
	struct damos_stat stat;
	unsigned long esz;
	struct damon_sysfs_goal_snap *goals;
	unsigned int nr_goals;
	unsigned int max_goals;
};

/**
 * struct damon_sysfs_schemes_snap - Scheme state of a running context,
 * taken by its kdamond to be shown in the directories afterwards.
 * @nr:		Schemes taken.
 * @max:	Room in @schemes: the scheme directories when made.
 * @schemes:	The schemes, in order.
 */
struct damon_sysfs_schemes_snap {
	unsigned int nr;
	unsigned int max;
	struct damon_sysfs_scheme_snap schemes[] __counted_by(max);
};

/**
 * damon_sysfs_schemes_snap_free() - Free a snapshot.
 * @snap:	The snapshot, or NULL.
 */
void damon_sysfs_schemes_snap_free(struct damon_sysfs_schemes_snap *snap)
{
	unsigned int i;

	if (!snap)
		return;
	for (i = 0; i < snap->max; i++)
		kfree(snap->schemes[i].goals);
	kfree(snap);
}

/**
 * damon_sysfs_schemes_snap_new() - Make room for the scheme state of a
 * running context.
 * @schemes:	The schemes directory it will be shown in.
 *
 * Sized by the directories: state of schemes or goals without one has
 * nowhere to go.  Called with damon_sysfs_lock held.
 *
 * Return: the empty snapshot, or NULL when out of memory.
 */
struct damon_sysfs_schemes_snap *
damon_sysfs_schemes_snap_new(struct damon_sysfs_dir *schemes)
{
	struct damon_sysfs_schemes_snap *snap;
	struct damon_sysfs_scheme_snap *ss;
	struct damon_sysfs_dir *quotas;
	unsigned int i;

	lockdep_assert_held(&damon_sysfs_lock);

	snap = kzalloc(struct_size(snap, schemes, schemes->nr_items),
		       GFP_KERNEL);
	if (!snap)
		return NULL;
	snap->max = schemes->nr_items;
	for (i = 0; i < snap->max; i++) {
		ss = &snap->schemes[i];
		quotas = schemes->items[i]->children[DAMON_SYSFS_SCHEME_QUOTAS];
		ss->max_goals = quotas->children
			[DAMON_SYSFS_QUOTAS_GOALS]->nr_items;
		ss->goals = kcalloc(ss->max_goals, sizeof(*ss->goals),
				    GFP_KERNEL);
		if (ss->max_goals && !ss->goals) {
			damon_sysfs_schemes_snap_free(snap);
			return NULL;
		}
	}
	return snap;
}

/**
 * damon_sysfs_schemes_snap_take() - Take the scheme state of a context.
 * @snap:	Room for it, from damon_sysfs_schemes_snap_new().
 * @ctx:	The context.
 *
 * Runs in the kdamond of @ctx, without damon_sysfs_lock: it touches no
 * directory.
 */
void damon_sysfs_schemes_snap_take(struct damon_sysfs_schemes_snap *snap,
				   struct damon_ctx *ctx)
{
	struct damon_sysfs_scheme_snap *ss;
	struct damos_quota_goal *g;
	struct damos *s;

	snap->nr = 0;
	damon_for_each_scheme(s, ctx) {
		if (snap->nr >= snap->max)
			break;
		ss = &snap->schemes[snap->nr++];
		ss->stat = s->stat;
		ss->esz = s->quota.esz;
		ss->nr_goals = 0;
		damos_for_each_quota_goal(g, &s->quota) {
			if (ss->nr_goals >= ss->max_goals)
				break;
			ss->goals[ss->nr_goals++] = (struct damon_sysfs_goal_snap) {
				.value = g->current_value,
				/* what the user writes, not a measurement */
				.measured = g->metric != DAMOS_QUOTA_USER_INPUT,
			};
		}
	}
}

/* The next goal directory from @*i on that made a goal, or NULL. */
static struct damon_sysfs_goal *
damon_sysfs_next_used_goal(struct damon_sysfs_dir *goals, unsigned int *i)
{
	struct damon_sysfs_goal *goal;

	while (*i < goals->nr_items) {
		goal = damon_sysfs_data(goals->items[(*i)++]);
		if (damon_sysfs_goal_used(goal))
			return goal;
	}
	return NULL;
}

/* Goals match the directories that made them, in order. */
static void damon_sysfs_install_goals(struct damon_sysfs_dir *goals,
				      const struct damon_sysfs_scheme_snap *ss)
{
	struct damon_sysfs_goal *goal;
	unsigned int i = 0, g;

	for (g = 0; g < ss->nr_goals; g++) {
		goal = damon_sysfs_next_used_goal(goals, &i);
		if (!goal)
			break;
		if (ss->goals[g].measured)
			goal->current_value = ss->goals[g].value;
	}
}

/**
 * damon_sysfs_schemes_snap_install() - Show a snapshot in the schemes
 * directory.
 * @snap:	The snapshot.
 * @schemes:	The schemes directory, in the tree.
 * @what:	DAMON_SYSFS_UPDATE_STATS and/or DAMON_SYSFS_UPDATE_QUOTAS.
 *
 * Called with damon_sysfs_lock held: by a writer, or by the kdamond
 * itself (refresh_ms), which took it with mutex_trylock().
 */
void damon_sysfs_schemes_snap_install(const struct damon_sysfs_schemes_snap *snap,
				      struct damon_sysfs_dir *schemes,
				      unsigned int what)
{
	const struct damon_sysfs_scheme_snap *ss;
	struct damon_sysfs_stats *stats;
	struct damon_sysfs_dir *quotas;
	struct damon_sysfs_quotas *q;
	unsigned int i;

	lockdep_assert_held(&damon_sysfs_lock);

	/* nr_schemes may have changed since @snap was made */
	for (i = 0; i < snap->nr && i < schemes->nr_items; i++) {
		ss = &snap->schemes[i];
		if (what & DAMON_SYSFS_UPDATE_STATS) {
			stats = damon_sysfs_child_data(schemes->items[i],
						       DAMON_SYSFS_SCHEME_STATS);
			stats->stat = ss->stat;
		}
		if (what & DAMON_SYSFS_UPDATE_QUOTAS) {
			quotas = schemes->items[i]->children
				[DAMON_SYSFS_SCHEME_QUOTAS];
			q = damon_sysfs_data(quotas);
			q->effective_bytes = ss->esz;
			damon_sysfs_install_goals(quotas->children
						  [DAMON_SYSFS_QUOTAS_GOALS],
						  ss);
		}
	}
}

/* ==================== commit_schemes_quota_goals ==================== */

struct damon_sysfs_goals_arg {
	struct damon_ctx *ctx;
	struct damos_quota *quotas;
	unsigned int nr;
};

static int damon_sysfs_commit_goals_fn(void *data)
{
	struct damon_sysfs_goals_arg *arg = data;
	unsigned int i = 0;
	struct damos *s;
	int err;

	damon_for_each_scheme(s, arg->ctx) {
		if (i >= arg->nr)
			break;
		err = damos_commit_quota_goals(&s->quota, &arg->quotas[i++]);
		if (err)
			return err;
	}
	return 0;
}

static void damon_sysfs_free_goals(struct damos_quota *quota)
{
	struct damos_quota_goal *g, *next;

	damos_for_each_quota_goal_safe(g, next, quota)
		damos_destroy_quota_goal(g);
}

/**
 * damon_sysfs_commit_quota_goals() - Apply the quota goal files to the
 * schemes of a running context.
 * @kdamond:	The kdamond directory, marked busy by the caller.
 * @context:	Its context directory.
 * @ctx:	The running context.
 *
 * Called with damon_sysfs_lock held; drops it while the kdamond applies
 * the goals, which were copied out of the directories before.
 *
 * Return: 0 on success, or a negative errno (-EINTR or -ERESTARTSYS if a
 * signal withdrew the request: nothing was applied).
 */
int damon_sysfs_commit_quota_goals(struct damon_sysfs_dir *kdamond,
				   struct damon_sysfs_dir *context,
				   struct damon_ctx *ctx)
{
	struct damon_sysfs_dir *schemes =
		context->children[DAMON_SYSFS_CONTEXT_SCHEMES];
	struct damon_sysfs_goals_arg arg = {
		.ctx = ctx,
		.nr = schemes->nr_items,
	};
	struct damon_sysfs_dir *quotas;
	unsigned int i;
	int err = 0;

	lockdep_assert_held(&damon_sysfs_lock);

	arg.quotas = kcalloc(arg.nr, sizeof(*arg.quotas), GFP_KERNEL);
	if (arg.nr && !arg.quotas)
		return -ENOMEM;
	for (i = 0; i < arg.nr; i++)
		INIT_LIST_HEAD(&arg.quotas[i].goals);
	for (i = 0; i < arg.nr && !err; i++) {
		quotas = schemes->items[i]->children[DAMON_SYSFS_SCHEME_QUOTAS];
		err = damon_sysfs_add_goals(&arg.quotas[i], quotas->children
					    [DAMON_SYSFS_QUOTAS_GOALS]);
	}
	if (!err) {
		damon_sysfs_wait_begin(kdamond, NULL);
		err = damon_sysfs_run_in_kdamond(ctx,
						 damon_sysfs_commit_goals_fn,
						 &arg);
		damon_sysfs_wait_end(kdamond, NULL);
	}
	for (i = 0; i < arg.nr; i++)
		damon_sysfs_free_goals(&arg.quotas[i]);
	kfree(arg.quotas);
	return err;
}

/* ==================== Tried regions ==================== */

/* What a walk collected for one region. */
struct damon_sysfs_walk_region {
	struct damon_sysfs_tried_region region;
	/* moving sums: more than a u8 once a window is over 255 samples */
	unsigned int probe_hits[DAMON_MAX_PROBES];
};

/* What a walk collected for one scheme. */
struct damon_sysfs_walk_scheme {
	struct damon_sysfs_walk_region *regions;
	unsigned int nr;
	unsigned int size;
	unsigned long total_bytes;
};

/* @nr_probes: the probes of the kdamond, each region has a count of. */
struct damon_sysfs_walk {
	struct damon_sysfs_walk_scheme *schemes;
	unsigned int nr_schemes;
	unsigned int nr_probes;
	bool bytes_only;
	int err;
};

static int damon_sysfs_scheme_index(struct damon_ctx *ctx, struct damos *s)
{
	struct damos *iter;
	int i = 0;

	damon_for_each_scheme(iter, ctx) {
		if (iter == s)
			return i;
		i++;
	}
	return -1;
}

/* Room for one more region in @ws, or false when out of memory. */
static bool damon_sysfs_walk_reserve(struct damon_sysfs_walk_scheme *ws)
{
	struct damon_sysfs_walk_region *regions;
	unsigned int size = max(ws->size * 2, 64U);

	if (ws->nr < ws->size)
		return true;
	regions = krealloc_array(ws->regions, size, sizeof(*regions),
				 GFP_KERNEL | __GFP_NOWARN);
	if (!regions)
		return false;
	ws->regions = regions;
	ws->size = size;
	return true;
}

/*
 * Runs in the kdamond, without damon_sysfs_lock: it only collects.  The
 * counts are moving sums, so that they read as full aggregation windows
 * whenever the walk happens.
 */
static void damon_sysfs_walk_fn(void *data, struct damon_ctx *ctx,
				struct damon_target *t, struct damon_region *r,
				struct damos *s, unsigned long sz_filter_passed)
{
	struct damon_sysfs_walk *walk = data;
	struct damon_sysfs_walk_region *wr;
	struct damon_sysfs_walk_scheme *ws;
	int idx = damon_sysfs_scheme_index(ctx, s);
	unsigned int p;

	if (idx < 0 || idx >= walk->nr_schemes)
		return;
	ws = &walk->schemes[idx];
	ws->total_bytes += damon_sz_region(r);
	if (walk->bytes_only)
		return;
	if (!damon_sysfs_walk_reserve(ws)) {
		walk->err = -ENOMEM;
		return;
	}
	wr = &ws->regions[ws->nr++];
	wr->region = (struct damon_sysfs_tried_region) {
		.start = r->ar.start,
		.end = r->ar.end,
		.nr_accesses = damon_nr_accesses_mvsum(ctx, r),
		.age = r->age,
		.sz_filter_passed = sz_filter_passed,
	};
	walk->nr_probes = min(damon_nr_probes(ctx), DAMON_MAX_PROBES);
	for (p = 0; p < walk->nr_probes; p++)
		wr->probe_hits[p] = damon_probe_hits_mvsum(ctx, r, p);
}

/* Fill tried_regions/<R>/probes from what a walk collected. */
static int damon_sysfs_set_probe_hits(struct damon_sysfs_dir *probes,
				      const struct damon_sysfs_walk_region *wr,
				      unsigned int nr_probes)
{
	struct damon_sysfs_probe_hits *hits;
	unsigned int p;
	int err;

	err = damon_sysfs_resize(probes, nr_probes);
	if (err)
		return err;
	for (p = 0; p < nr_probes; p++) {
		hits = damon_sysfs_data(probes->items[p]);
		hits->hits = wr->probe_hits[p];
	}
	return 0;
}

/* Fill the numbered directories of tried_regions from what a walk collected. */
static int damon_sysfs_set_tried_dirs(struct damon_sysfs_dir *tried,
				      const struct damon_sysfs_walk_scheme *ws,
				      unsigned int nr_probes)
{
	struct damon_sysfs_dir *region;
	unsigned int i;
	int err;

	err = damon_sysfs_resize(tried, ws->nr);
	if (err)
		return err;
	for (i = 0; i < ws->nr; i++) {
		region = tried->items[i];
		*(struct damon_sysfs_tried_region *)damon_sysfs_data(region) =
			ws->regions[i].region;
		err = damon_sysfs_set_probe_hits(region->children
						 [DAMON_SYSFS_TRIED_REGION_PROBES],
						 &ws->regions[i], nr_probes);
		if (err)
			return err;
	}
	return 0;
}

/*
 * The longest line of tried_regions_all: five numbers of up to 20 digits
 * and the hits of each probe, up to 10 digits, each after a separator,
 * and the newline.
 */
#define DAMON_SYSFS_TRIED_LINE_MAX	(5 * 21 + DAMON_MAX_PROBES * 11 + 1)

/* Write the line of one region into @buf, of @size bytes; return its length. */
static size_t damon_sysfs_tried_line(char *buf, size_t size,
				     const struct damon_sysfs_walk_region *wr,
				     unsigned int nr_probes)
{
	const struct damon_sysfs_tried_region *r = &wr->region;
	unsigned int p;
	size_t n;

	n = scnprintf(buf, size, "%lu %lu %u %u %lu", r->start, r->end,
		      r->nr_accesses, r->age, r->sz_filter_passed);
	for (p = 0; p < nr_probes; p++)
		n += scnprintf(buf + n, size - n, " %u", wr->probe_hits[p]);
	n += scnprintf(buf + n, size - n, "\n");
	return n;
}

/*
 * The text of tried_regions_all for what a walk collected: NULL for no
 * region.  It is written before the directories are touched, so that
 * running out of memory leaves both as they were.
 */
static int damon_sysfs_tried_table(const struct damon_sysfs_walk_scheme *ws,
				   unsigned int nr_probes, char **table,
				   size_t *len)
{
	size_t size, n = 0;
	unsigned int i;
	char *t;

	*table = NULL;
	*len = 0;
	if (!ws->nr)
		return 0;
	size = array_size(ws->nr, DAMON_SYSFS_TRIED_LINE_MAX);
	/* a huge max_nr_regions may ask too much: fail, do not warn */
	t = kvmalloc(size, GFP_KERNEL | __GFP_NOWARN);
	if (!t)
		return -ENOMEM;
	for (i = 0; i < ws->nr; i++)
		n += damon_sysfs_tried_line(t + n, size - n, &ws->regions[i],
					    nr_probes);
	*table = t;
	*len = n;
	return 0;
}

/* Fill tried_regions of one scheme directory from what a walk collected. */
static int damon_sysfs_set_tried_regions(struct damon_sysfs_dir *tried,
					 struct damon_sysfs_walk_scheme *ws,
					 unsigned int nr_probes,
					 bool bytes_only)
{
	struct damon_sysfs_tried_regions *data = damon_sysfs_data(tried);
	size_t len;
	char *table;
	int err;

	data->total_bytes = ws->total_bytes;
	if (bytes_only)
		return 0;
	err = damon_sysfs_tried_table(ws, nr_probes, &table, &len);
	if (err)
		return err;
	err = damon_sysfs_set_tried_dirs(tried, ws, nr_probes);
	if (err) {
		/* the directories are partly filled: no table matches them */
		kvfree(table);
		table = NULL;
		len = 0;
	}
	kvfree(data->table);
	data->table = table;
	data->table_len = len;
	return err;
}

/**
 * damon_sysfs_tried_regions_release() - Free the table of a tried_regions
 * directory.
 * @tried:	The tried_regions directory, being released.
 */
void damon_sysfs_tried_regions_release(struct damon_sysfs_dir *tried)
{
	struct damon_sysfs_tried_regions *data = damon_sysfs_data(tried);

	kvfree(data->table);
}

/**
 * damon_sysfs_tried_regions_all_read() - Read schemes/<S>/tried_regions_all.
 * @scheme:	The scheme directory.
 * @buf:	Where to copy to.
 * @off:	Offset in the file.
 * @count:	Most bytes to copy.
 *
 * The file is the table made with the numbered directories of
 * tried_regions by the last update_schemes_tried_regions, one line per
 * region: "start end nr_accesses age sz_filter_passed", then the hits of
 * each probe of the kdamond (none without probes), in decimal.  It is
 * empty before any update and after clear_schemes_tried_regions.  Called
 * with damon_sysfs_lock held: an update cannot change the table in the
 * middle of one read() call, though it can between two.
 *
 * Return: the bytes copied, 0 past the end, or -EINVAL for a negative
 * @off.
 */
ssize_t damon_sysfs_tried_regions_all_read(struct damon_sysfs_dir *scheme,
					   char *buf, loff_t off,
					   size_t count)
{
	struct damon_sysfs_tried_regions *data =
		damon_sysfs_child_data(scheme,
				       DAMON_SYSFS_SCHEME_TRIED_REGIONS);

	lockdep_assert_held(&damon_sysfs_lock);

	return memory_read_from_buffer(buf, count, &off, data->table,
				       data->table_len);
}

/* Fill the tried_regions directories from what a walk collected. */
static int damon_sysfs_install_walk(struct damon_sysfs_dir *schemes,
				    struct damon_sysfs_walk *walk)
{
	unsigned int i;
	int err = 0;

	/* nr_schemes may have changed during the walk */
	for (i = 0; i < walk->nr_schemes && i < schemes->nr_items && !err; i++)
		err = damon_sysfs_set_tried_regions(schemes->items[i]->children
						    [DAMON_SYSFS_SCHEME_TRIED_REGIONS],
						    &walk->schemes[i],
						    walk->nr_probes,
						    walk->bytes_only);
	return err;
}

/**
 * damon_sysfs_update_tried_regions() - Fill the tried_regions directories
 * with the regions the schemes of a running context are tried on next.
 * @kdamond:	The kdamond directory, marked busy by the caller.
 * @context:	Its context directory.
 * @ctx:	The running context.
 * @bytes_only:	Update only total_bytes.
 *
 * Called with damon_sysfs_lock held.  Drops it while waiting for a full
 * pass of the schemes, collecting into private buffers, and fills the
 * directories afterwards if @context is still in the tree.
 *
 * Return: 0 on success (also when @context went away meanwhile), or a
 * negative errno (-EINTR or -ERESTARTSYS if a signal ended the wait: the
 * directories are left as they were).
 */
int damon_sysfs_update_tried_regions(struct damon_sysfs_dir *kdamond,
				     struct damon_sysfs_dir *context,
				     struct damon_ctx *ctx, bool bytes_only)
{
	struct damon_sysfs_walk walk = {
		.nr_schemes = context->children
			[DAMON_SYSFS_CONTEXT_SCHEMES]->nr_items,
		.bytes_only = bytes_only,
	};
	struct damos_walk_control control = {
		.walk_fn = damon_sysfs_walk_fn,
		.data = &walk,
	};
	unsigned int i;
	int err;

	lockdep_assert_held(&damon_sysfs_lock);

	walk.schemes = kcalloc(walk.nr_schemes, sizeof(*walk.schemes),
			       GFP_KERNEL);
	if (walk.nr_schemes && !walk.schemes)
		return -ENOMEM;
	damon_sysfs_wait_begin(kdamond, context);
	err = damos_walk(ctx, &control);
	if (!err && control.canceled)
		err = -ECANCELED;
	if (!err)
		err = walk.err;
	if (damon_sysfs_wait_end(kdamond, context) && !err)
		err = damon_sysfs_install_walk(context->children
					       [DAMON_SYSFS_CONTEXT_SCHEMES],
					       &walk);
	for (i = 0; i < walk.nr_schemes; i++)
		kfree(walk.schemes[i].regions);
	kfree(walk.schemes);
	return err;
}

/**
 * damon_sysfs_clear_tried_regions() - Empty the tried_regions directories.
 * @schemes:	The schemes directory.
 *
 * Called with damon_sysfs_lock held.
 */
void damon_sysfs_clear_tried_regions(struct damon_sysfs_dir *schemes)
{
	struct damon_sysfs_walk_scheme none = {};
	unsigned int i;

	lockdep_assert_held(&damon_sysfs_lock);

	for (i = 0; i < schemes->nr_items; i++)
		/* shrinking cannot fail */
		damon_sysfs_set_tried_regions(schemes->items[i]->children
					      [DAMON_SYSFS_SCHEME_TRIED_REGIONS],
					      &none, 0, false);
}
