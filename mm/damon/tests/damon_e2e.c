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
		err = damon_set_region_biggest_system_ram_default(t, start,
								  end);
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
