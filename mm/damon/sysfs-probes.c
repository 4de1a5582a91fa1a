// SPDX-License-Identifier: GPL-2.0
/*
 * DAMON sysfs interface: the contexts/<C>/monitoring_attrs/probes tree of
 * data attribute probes, and building the probes of a &struct damon_ctx
 * from it.
 *
 * The files only stage values: the memcg paths of filters are resolved,
 * and the probes, filters and preps are checked by the core (number of
 * probes, size ranges, weights), when "on" or "commit" builds the context.
 */

#include <linux/damon.h>

#include "sysfs.h"

static const struct damon_sysfs_names damon_sysfs_probe_filter_names = {
	.names = damon_filter_type_names,
	.nr = NR_DAMON_FILTER_TYPES,
};

static const struct damon_sysfs_names damon_sysfs_prep_action_names = {
	.names = damon_prep_action_names,
	.nr = NR_DAMON_PREP_ACTIONS,
};

/* ==================== probes/<P>/filters ==================== */

/**
 * struct damon_sysfs_probe_filter - probes/<P>/filters/<F>.
 * @type:	An &enum damon_filter_type; 0 is "anon".
 * @matching:	Applies to folios with the property, or without.
 * @allow:	A sample it applies to is a hit, or not.
 * @path:	The memcg of memcg filters, from the cgroup mount root.
 * @sz:		The folio size range of hugepage_size filters, in bytes.
 */
struct damon_sysfs_probe_filter {
	int type;
	bool matching;
	bool allow;
	char *path;
	struct damon_size_range sz;
};

static const struct damon_sysfs_attr damon_sysfs_probe_filter_attrs[] = {
	DAMON_SYSFS_RW_NAME(type, struct damon_sysfs_probe_filter, type,
			    &damon_sysfs_probe_filter_names),
	DAMON_SYSFS_RW_BOOL(matching, struct damon_sysfs_probe_filter,
			    matching),
	DAMON_SYSFS_RW_BOOL(allow, struct damon_sysfs_probe_filter, allow),
	DAMON_SYSFS_RW(path, DAMON_SYSFS_STR, struct damon_sysfs_probe_filter,
		       path),
	DAMON_SYSFS_RW_UL(min, struct damon_sysfs_probe_filter, sz.min),
	DAMON_SYSFS_RW_UL(max, struct damon_sysfs_probe_filter, sz.max),
};

static const struct damon_sysfs_type damon_sysfs_probe_filter_type = {
	.data_size = sizeof(struct damon_sysfs_probe_filter),
	DAMON_SYSFS_ATTRS(damon_sysfs_probe_filter_attrs),
};

static const struct damon_sysfs_attr damon_sysfs_probe_filters_attrs[] = {
	DAMON_SYSFS_NR_ATTR(nr_filters),
};

static const struct damon_sysfs_type damon_sysfs_probe_filters_type = {
	DAMON_SYSFS_ATTRS(damon_sysfs_probe_filters_attrs),
	.item_type = &damon_sysfs_probe_filter_type,
};

/* ==================== probes/<P>/preps ==================== */

/**
 * struct damon_sysfs_prep - probes/<P>/preps/<R>.
 * @action:	An &enum damon_prep_action; 0 is "set_pgidle".
 */
struct damon_sysfs_prep {
	int action;
};

static const struct damon_sysfs_attr damon_sysfs_prep_attrs[] = {
	DAMON_SYSFS_RW_NAME(prep_action, struct damon_sysfs_prep, action,
			    &damon_sysfs_prep_action_names),
};

static const struct damon_sysfs_type damon_sysfs_prep_type = {
	.data_size = sizeof(struct damon_sysfs_prep),
	DAMON_SYSFS_ATTRS(damon_sysfs_prep_attrs),
};

static const struct damon_sysfs_attr damon_sysfs_preps_attrs[] = {
	DAMON_SYSFS_NR_ATTR(nr_preps),
};

static const struct damon_sysfs_type damon_sysfs_preps_type = {
	DAMON_SYSFS_ATTRS(damon_sysfs_preps_attrs),
	.item_type = &damon_sysfs_prep_type,
};

/* ==================== probes/<P> ==================== */

/**
 * struct damon_sysfs_probe - probes/<P>.
 * @weight:	Weight of the probe's hits; non-zero turns on
 *		attributes-only monitoring.
 */
struct damon_sysfs_probe {
	unsigned int weight;
};

enum damon_sysfs_probe_child {
	DAMON_SYSFS_PROBE_PREPS,
	DAMON_SYSFS_PROBE_FILTERS,
};

static const struct damon_sysfs_attr damon_sysfs_probe_attrs[] = {
	DAMON_SYSFS_RW_UINT(weight, struct damon_sysfs_probe, weight),
};

static const struct damon_sysfs_child damon_sysfs_probe_children[] = {
	[DAMON_SYSFS_PROBE_PREPS] = { "preps", &damon_sysfs_preps_type },
	[DAMON_SYSFS_PROBE_FILTERS] = {
		"filters", &damon_sysfs_probe_filters_type },
};

static const struct damon_sysfs_type damon_sysfs_probe_type = {
	.data_size = sizeof(struct damon_sysfs_probe),
	DAMON_SYSFS_ATTRS(damon_sysfs_probe_attrs),
	DAMON_SYSFS_CHILDREN(damon_sysfs_probe_children),
};

static const struct damon_sysfs_attr damon_sysfs_probes_attrs[] = {
	DAMON_SYSFS_NR_ATTR(nr_probes),
};

/*
 * Any number of probes may be staged: more than DAMON_MAX_PROBES fails
 * "on" and "commit", as the core refuses them.
 */
const struct damon_sysfs_type damon_sysfs_probes_type = {
	DAMON_SYSFS_ATTRS(damon_sysfs_probes_attrs),
	.item_type = &damon_sysfs_probe_type,
};

/* ==================== Building probes ==================== */

/*
 * Set what the type of @f needs; -EINVAL for a memcg filter whose path is
 * unset (empty) or names no online memcg.
 */
static int damon_sysfs_probe_filter_arg(struct damon_filter *f,
					const struct damon_sysfs_probe_filter *filter)
{
	switch (f->type) {
	case DAMON_FILTER_TYPE_MEMCG:
		/* damon_memcg_id_by_path() takes "" for the root */
		if (!filter->path || !*filter->path)
			return -EINVAL;
		return damon_memcg_id_by_path(filter->path, &f->memcg_id);
	case DAMON_FILTER_TYPE_HUGEPAGE_SIZE:
		/* the core refuses max < min */
		f->sz_range = filter->sz;
		return 0;
	default:
		return 0;
	}
}

static int damon_sysfs_add_probe_filters(struct damon_probe *p,
					 struct damon_sysfs_dir *filters)
{
	struct damon_filter *f;
	unsigned int i;

	for (i = 0; i < filters->nr_items; i++) {
		struct damon_sysfs_probe_filter *filter =
			damon_sysfs_data(filters->items[i]);

		f = damon_new_filter(filter->type, filter->matching,
				     filter->allow);
		if (!f)
			return -ENOMEM;
		/* added first: destroying the probe frees it on error */
		damon_add_filter(p, f);
		if (damon_sysfs_probe_filter_arg(f, filter))
			return -EINVAL;
	}
	return 0;
}

static int damon_sysfs_add_preps(struct damon_probe *p,
				 struct damon_sysfs_dir *preps)
{
	struct damon_prep *prep;
	unsigned int i;

	for (i = 0; i < preps->nr_items; i++) {
		struct damon_sysfs_prep *sys_prep =
			damon_sysfs_data(preps->items[i]);

		prep = damon_new_prep(sys_prep->action);
		if (!prep)
			return -ENOMEM;
		damon_add_prep(p, prep);
	}
	return 0;
}

static int damon_sysfs_add_probe(struct damon_ctx *ctx,
				 struct damon_sysfs_dir *dir)
{
	struct damon_sysfs_probe *sys_probe = damon_sysfs_data(dir);
	struct damon_probe *p = damon_new_probe(sys_probe->weight);
	int err;

	if (!p)
		return -ENOMEM;
	/* added first: destroying @ctx frees it on any error below */
	damon_add_probe(ctx, p);
	err = damon_sysfs_add_preps(p, dir->children[DAMON_SYSFS_PROBE_PREPS]);
	if (err)
		return err;
	return damon_sysfs_add_probe_filters(p, dir->children
					     [DAMON_SYSFS_PROBE_FILTERS]);
}

/**
 * damon_sysfs_add_probes() - Add the probes of a probes directory to a
 * context.
 * @ctx:	The context, not running, without probes.
 * @probes:	The probes directory.
 *
 * Called with damon_sysfs_lock held.
 *
 * Return: 0 on success, -EINVAL for a memcg filter whose path names no
 * online memcg, -ENOMEM.  On failure, what was added so far stays in @ctx
 * for damon_destroy_ctx() to free.
 */
int damon_sysfs_add_probes(struct damon_ctx *ctx,
			   struct damon_sysfs_dir *probes)
{
	unsigned int i;
	int err;

	lockdep_assert_held(&damon_sysfs_lock);

	for (i = 0; i < probes->nr_items; i++) {
		err = damon_sysfs_add_probe(ctx, probes->items[i]);
		if (err)
			return err;
	}
	return 0;
}
