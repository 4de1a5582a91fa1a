// SPDX-License-Identifier: GPL-2.0
/*
 * A minimal DAMON control for end-to-end tests.
 *
 * Parameters under /sys/module/damon_e2e/parameters/ describe one
 * monitoring context with one target; writing Y to "enabled" starts it and
 * N stops it.  Results are read from the damon_aggregated tracepoint.
 */

#define pr_fmt(fmt) "damon_e2e: " fmt

#include <linux/damon.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/pid.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/time64.h>

static char ops_name[16] = "vaddr";
module_param_string(ops, ops_name, sizeof(ops_name), 0600);
MODULE_PARM_DESC(ops, "Operation set: vaddr, fvaddr or paddr");

static int target_pid = -1;
module_param(target_pid, int, 0600);
MODULE_PARM_DESC(target_pid, "Process to monitor, for vaddr and fvaddr");

static unsigned long region_start;
module_param(region_start, ulong, 0600);
MODULE_PARM_DESC(region_start, "Start of the monitored range (fvaddr, paddr)");

static unsigned long region_end;
module_param(region_end, ulong, 0600);
MODULE_PARM_DESC(region_end, "End of the monitored range (fvaddr, paddr)");

static unsigned long sample_us = 5000;
module_param(sample_us, ulong, 0600);
MODULE_PARM_DESC(sample_us, "Sampling interval in microseconds");

static unsigned long aggr_us = 100000;
module_param(aggr_us, ulong, 0600);
MODULE_PARM_DESC(aggr_us, "Aggregation interval in microseconds");

static unsigned long min_nr_regions = 10;
module_param(min_nr_regions, ulong, 0600);
MODULE_PARM_DESC(min_nr_regions, "Minimum number of regions");

static unsigned long max_nr_regions = 1000;
module_param(max_nr_regions, ulong, 0600);
MODULE_PARM_DESC(max_nr_regions, "Maximum number of regions");

static DEFINE_MUTEX(damon_e2e_lock);
static struct damon_ctx *damon_e2e_ctx;

static int damon_e2e_add_target(struct damon_ctx *ctx, int ops_id)
{
	struct damon_addr_range range = {
		.start = region_start,
		.end = region_end,
	};
	struct damon_target *t = damon_new_target();
	unsigned long *start = &region_start, *end = &region_end;
	int err = 0;

	if (!t)
		return -ENOMEM;
	damon_add_target(ctx, t);

	if (ops_id != DAMON_OPS_PADDR) {
		t->pid = find_get_pid(target_pid);
		if (!t->pid)
			return -ESRCH;
	}
	switch (ops_id) {
	case DAMON_OPS_FVADDR:
		err = damon_set_regions(t, &range, 1, DAMON_MIN_REGION);
		break;
	case DAMON_OPS_PADDR:
#ifdef CONFIG_DAMON_PADDR
		err = damon_set_region_system_rams_default(t, start, end, 1,
							   DAMON_MIN_REGION);
#endif
		break;
	}
	return err;
}

static int damon_e2e_start(void)
{
	struct damon_attrs attrs = {
		.sample_interval = sample_us,
		.aggr_interval = aggr_us,
		.ops_update_interval = 60 * USEC_PER_SEC,
		.min_nr_regions = min_nr_regions,
		.max_nr_regions = max_nr_regions,
	};
	struct damon_ctx *ctx;
	int ops_id, err;

	ops_id = damon_ops_id_by_name(ops_name);
	if (ops_id < 0)
		return ops_id;
	ctx = damon_new_ctx();
	if (!ctx)
		return -ENOMEM;
	err = damon_select_ops(ctx, ops_id);
	if (!err)
		err = damon_set_attrs(ctx, &attrs);
	if (!err)
		err = damon_e2e_add_target(ctx, ops_id);
	if (!err)
		err = damon_start(&ctx, 1, true);
	if (err) {
		damon_destroy_ctx(ctx);
		return err;
	}
	damon_e2e_ctx = ctx;
	return 0;
}

static void damon_e2e_stop(void)
{
	damon_stop(&damon_e2e_ctx, 1);
	damon_destroy_ctx(damon_e2e_ctx);
	damon_e2e_ctx = NULL;
}

static int damon_e2e_enabled_store(const char *val,
				   const struct kernel_param *kp)
{
	bool enable;
	int err;

	err = kstrtobool(val, &enable);
	if (err)
		return err;

	mutex_lock(&damon_e2e_lock);
	/* a kdamond whose target exited has stopped on its own */
	if (damon_e2e_ctx && !damon_is_running(damon_e2e_ctx))
		damon_e2e_stop();
	if (enable && !damon_e2e_ctx)
		err = damon_e2e_start();
	else if (!enable && damon_e2e_ctx)
		damon_e2e_stop();
	mutex_unlock(&damon_e2e_lock);
	return err;
}

static int damon_e2e_enabled_show(char *buf, const struct kernel_param *kp)
{
	bool running;

	mutex_lock(&damon_e2e_lock);
	running = damon_e2e_ctx && damon_is_running(damon_e2e_ctx);
	mutex_unlock(&damon_e2e_lock);
	return sysfs_emit(buf, "%c\n", running ? 'Y' : 'N');
}

static const struct kernel_param_ops damon_e2e_enabled_ops = {
	.set = damon_e2e_enabled_store,
	.get = damon_e2e_enabled_show,
};
module_param_cb(enabled, &damon_e2e_enabled_ops, NULL, 0600);
MODULE_PARM_DESC(enabled, "Write Y to start monitoring, N to stop");

static int damon_e2e_pid_show(char *buf, const struct kernel_param *kp)
{
	int pid = -1;

	mutex_lock(&damon_e2e_lock);
	if (damon_e2e_ctx)
		pid = damon_kdamond_pid(damon_e2e_ctx);
	mutex_unlock(&damon_e2e_lock);
	return sysfs_emit(buf, "%d\n", pid);
}

static const struct kernel_param_ops damon_e2e_pid_ops = {
	.get = damon_e2e_pid_show,
};
module_param_cb(kdamond_pid, &damon_e2e_pid_ops, NULL, 0400);
MODULE_PARM_DESC(kdamond_pid, "Pid of the kdamond, -1 when not running");

/* ==================== One action, applied directly ==================== */

/*
 * Writing an action name to "apply" builds a scheme with that action and
 * the ops filters and destinations below, and hands [region_start,
 * region_end) of target_pid (or of physical memory, for paddr, in units of
 * addr_unit) to the operation set's apply_scheme() once, from the writing
 * task, without any kdamond.  The results land in applied_bytes and
 * filter_passed_bytes.  Writing a node id to "sz_on_node" likewise stores
 * the ops' sz_on_node() of the range in node_bytes.
 */

static char apply_filters[128];
module_param_string(apply_filters, apply_filters, sizeof(apply_filters),
		    0600);
MODULE_PARM_DESC(apply_filters,
		 "Ops filters of \"apply\": TYPE:MATCHING:ALLOW[:ARG[:ARG]],...");

static char apply_dests[64];
module_param_string(apply_dests, apply_dests, sizeof(apply_dests), 0600);
MODULE_PARM_DESC(apply_dests,
		 "Migration destinations of \"apply\": NID:WEIGHT,...");

static int apply_target_nid;
module_param(apply_target_nid, int, 0600);
MODULE_PARM_DESC(apply_target_nid, "Target node of \"apply\" migrations");

static unsigned long addr_unit = 1;
module_param(addr_unit, ulong, 0600);
MODULE_PARM_DESC(addr_unit, "paddr: physical address of DAMON address 1");

static unsigned long applied_bytes;
module_param(applied_bytes, ulong, 0400);
MODULE_PARM_DESC(applied_bytes, "Bytes the last \"apply\" applied to");

static unsigned long filter_passed_bytes;
module_param(filter_passed_bytes, ulong, 0400);
MODULE_PARM_DESC(filter_passed_bytes,
		 "Bytes that passed the ops filters in the last \"apply\"");

static unsigned long node_bytes;
module_param(node_bytes, ulong, 0400);
MODULE_PARM_DESC(node_bytes, "Result of the last \"sz_on_node\"");

/* Parse "Y" or "N" into @val. */
static int damon_e2e_parse_bool(char *tok, bool *val)
{
	return tok ? kstrtobool(tok, val) : -EINVAL;
}

/* Parse one "TYPE:MATCHING:ALLOW[:ARG[:ARG]]" filter and add it to @s. */
static int damon_e2e_add_filter(struct damos *s, char *spec)
{
	char *type_name = strsep(&spec, ":");
	struct damos_filter *f;
	bool matching, allow;
	unsigned long a = 0, b = 0;
	int type, err;

	type = damon_name_index(damos_filter_type_names,
				NR_DAMOS_FILTER_TYPES, type_name);
	if (type < 0 || !damos_filter_for_ops(type))
		return -EINVAL;
	err = damon_e2e_parse_bool(strsep(&spec, ":"), &matching);
	if (!err)
		err = damon_e2e_parse_bool(strsep(&spec, ":"), &allow);
	if (!err && spec)
		err = kstrtoul(strsep(&spec, ":"), 0, &a);
	if (!err && spec)
		err = kstrtoul(spec, 0, &b);
	if (err)
		return err;
	f = damos_new_filter(type, matching, allow);
	if (!f)
		return -ENOMEM;
	if (type == DAMOS_FILTER_TYPE_MEMCG) {
		f->memcg_id = a;
	} else if (type == DAMOS_FILTER_TYPE_HUGEPAGE_SIZE) {
		f->sz_range.min = a;
		f->sz_range.max = b;
	}
	damos_add_filter(s, f);
	return 0;
}

/* Parse "NID:WEIGHT,..." into the migration destinations of @s. */
static int damon_e2e_set_dests(struct damos *s, char *spec)
{
	unsigned int nids[8], weights[8];
	size_t nr = 0;
	char *tok;
	int err;

	while ((tok = strsep(&spec, ",")) && *tok) {
		if (nr == ARRAY_SIZE(nids))
			return -E2BIG;
		err = kstrtouint(strsep(&tok, ":"), 0, &nids[nr]);
		if (!err)
			err = tok ? kstrtouint(tok, 0, &weights[nr]) : -EINVAL;
		if (err)
			return err;
		nr++;
	}
	return nr ? damos_set_migrate_dests(s, nids, weights, nr) : 0;
}

/* The scheme of "apply": @action, and the filters and destinations. */
static struct damos *damon_e2e_new_scheme(int action)
{
	struct damos_access_pattern pattern = {
		.max_sz_region = ULONG_MAX,
		.max_nr_accesses = UINT_MAX,
		.max_age_region = UINT_MAX,
	};
	struct damos_watermarks wmarks = { .metric = DAMOS_WMARK_NONE };
	struct damos_quota quota = {};
	char *filters, *spec, *tok;
	struct damos *s;
	int err = 0;

	s = damon_new_scheme(&pattern, action, 0, &quota, &wmarks,
			     apply_target_nid);
	if (!s)
		return ERR_PTR(-ENOMEM);
	filters = kstrdup(apply_filters, GFP_KERNEL);
	if (!filters) {
		err = -ENOMEM;
		goto destroy_scheme;
	}
	spec = strim(filters);
	while (!err && (tok = strsep(&spec, ",")) && *tok)
		err = damon_e2e_add_filter(s, tok);
	kfree(filters);
	if (err)
		goto destroy_scheme;
	filters = kstrdup(apply_dests, GFP_KERNEL);
	if (!filters) {
		err = -ENOMEM;
		goto destroy_scheme;
	}
	err = damon_e2e_set_dests(s, strim(filters));
	kfree(filters);
	if (err)
		goto destroy_scheme;
	return s;

destroy_scheme:
	damon_destroy_scheme(s);
	return ERR_PTR(err);
}

/* A context of the "ops" set with one target covering the range. */
static struct damon_ctx *damon_e2e_range_ctx(void)
{
	struct damon_target *t;
	struct damon_region *r;
	struct damon_ctx *ctx;
	int ops_id, err;

	ops_id = damon_ops_id_by_name(ops_name);
	if (ops_id < 0)
		return ERR_PTR(ops_id);
	if (region_start >= region_end || !addr_unit)
		return ERR_PTR(-EINVAL);
	ctx = damon_new_ctx();
	if (!ctx)
		return ERR_PTR(-ENOMEM);
	err = damon_select_ops(ctx, ops_id);
	if (err)
		goto destroy_ctx;
	if (ops_id == DAMON_OPS_PADDR)
		ctx->addr_unit = addr_unit;
	err = -ENOMEM;
	t = damon_new_target();
	if (!t)
		goto destroy_ctx;
	damon_add_target(ctx, t);
	r = damon_new_region(region_start, region_end);
	if (!r)
		goto destroy_ctx;
	damon_add_region(r, t);
	if (ops_id != DAMON_OPS_PADDR) {
		err = -ESRCH;
		t->pid = find_get_pid(target_pid);
		if (!t->pid)
			goto destroy_ctx;
	}
	return ctx;

destroy_ctx:
	damon_destroy_ctx(ctx);
	return ERR_PTR(err);
}

static int damon_e2e_apply(int action)
{
	struct damon_target *t;
	struct damon_ctx *ctx;
	struct damos *s;
	unsigned long passed;
	int err = 0;

	ctx = damon_e2e_range_ctx();
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);
	s = damon_e2e_new_scheme(action);
	if (IS_ERR(s)) {
		err = PTR_ERR(s);
		goto destroy_ctx;
	}
	damon_add_scheme(ctx, s);
	if (!ctx->ops->apply_scheme || !(ctx->ops->actions & BIT(action))) {
		err = -EOPNOTSUPP;
		goto destroy_ctx;
	}
	t = list_first_entry(&ctx->adaptive_targets, struct damon_target,
			     list);
	applied_bytes = ctx->ops->apply_scheme(ctx, t, damon_first_region(t),
					       s, &passed);
	filter_passed_bytes = passed;
destroy_ctx:
	damon_destroy_ctx(ctx);
	return err;
}

static int damon_e2e_apply_store(const char *val,
				 const struct kernel_param *kp)
{
	int action, err;

	action = damon_name_index(damos_action_names, NR_DAMOS_ACTIONS, val);
	if (action < 0)
		return action;
	mutex_lock(&damon_e2e_lock);
	err = damon_e2e_apply(action);
	mutex_unlock(&damon_e2e_lock);
	return err;
}

static const struct kernel_param_ops damon_e2e_apply_ops = {
	.set = damon_e2e_apply_store,
};
module_param_cb(apply, &damon_e2e_apply_ops, NULL, 0200);
MODULE_PARM_DESC(apply, "Write an action name to apply it to the range once");

static int damon_e2e_sz_on_node_store(const char *val,
				      const struct kernel_param *kp)
{
	struct damon_target *t;
	struct damon_ctx *ctx;
	int nid, err;

	err = kstrtoint(val, 0, &nid);
	if (err)
		return err;
	mutex_lock(&damon_e2e_lock);
	ctx = damon_e2e_range_ctx();
	if (IS_ERR(ctx)) {
		err = PTR_ERR(ctx);
		goto unlock;
	}
	if (ctx->ops->sz_on_node) {
		t = list_first_entry(&ctx->adaptive_targets,
				     struct damon_target, list);
		node_bytes = ctx->ops->sz_on_node(ctx, t,
						  damon_first_region(t), nid);
	} else {
		err = -EOPNOTSUPP;
	}
	damon_destroy_ctx(ctx);
unlock:
	mutex_unlock(&damon_e2e_lock);
	return err;
}

static const struct kernel_param_ops damon_e2e_sz_on_node_ops = {
	.set = damon_e2e_sz_on_node_store,
};
module_param_cb(sz_on_node, &damon_e2e_sz_on_node_ops, NULL, 0200);
MODULE_PARM_DESC(sz_on_node, "Write a node id to measure the range on it");
