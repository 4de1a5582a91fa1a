// SPDX-License-Identifier: GPL-2.0
/*
 * DAMON operation set registry.
 *
 * Operation sets register a pointer to their (constant) table once, at
 * boot; contexts then point at the registered table.  Nothing is copied,
 * and whether an id is registered is a NULL check.
 */

#include <linux/damon.h>
#include <linux/mutex.h>
#include <linux/string.h>

#include "core.h"

static const struct damon_operations *damon_registered_ops[NR_DAMON_OPS];
static DEFINE_MUTEX(damon_ops_lock);

static const struct damon_operations *damon_find_ops(enum damon_ops_id id)
{
	const struct damon_operations *ops = NULL;

	if ((unsigned int)id >= NR_DAMON_OPS)
		return NULL;
	mutex_lock(&damon_ops_lock);
	ops = damon_registered_ops[id];
	mutex_unlock(&damon_ops_lock);
	return ops;
}

/**
 * damon_register_ops() - Make an operation set available to contexts.
 * @ops:	The operation set.  It must stay valid and unchanged forever.
 *
 * @ops needs a valid id, a name, and the start_sample and
 * finish_sample callbacks; the others are optional.
 *
 * Return: 0 on success, -EINVAL if @ops is incomplete, -EBUSY if its id is
 * registered already.
 */
int damon_register_ops(const struct damon_operations *ops)
{
	int err = 0;

	if (!ops || (unsigned int)ops->id >= NR_DAMON_OPS || !ops->name ||
	    !ops->start_sample || !ops->finish_sample)
		return -EINVAL;

	mutex_lock(&damon_ops_lock);
	if (damon_registered_ops[ops->id])
		err = -EBUSY;
	else
		damon_registered_ops[ops->id] = ops;
	mutex_unlock(&damon_ops_lock);
	return err;
}

/**
 * damon_is_registered_ops() - Whether an operation set is registered.
 * @id:	Id of the operation set.
 *
 * Return: true if an operation set with @id is registered.
 */
bool damon_is_registered_ops(enum damon_ops_id id)
{
	return !!damon_find_ops(id);
}

/**
 * damon_select_ops() - Make a context use an operation set.
 * @ctx:	The context.  It must not be running.
 * @id:		Id of a registered operation set.
 *
 * Return: 0 on success, -EINVAL if no operation set with @id is
 * registered.
 */
int damon_select_ops(struct damon_ctx *ctx, enum damon_ops_id id)
{
	const struct damon_operations *ops = damon_find_ops(id);

	damon_assert_ctx_owned(ctx);
	if (!ops)
		return -EINVAL;
	ctx->ops = ops;
	return 0;
}

/**
 * damon_ops_id_by_name() - Look up a registered operation set by name.
 * @name:	The name; a trailing newline is ignored.
 *
 * Return: the id of the operation set, or -EINVAL if none has that name.
 */
int damon_ops_id_by_name(const char *name)
{
	int id, found = -EINVAL;

	mutex_lock(&damon_ops_lock);
	for (id = 0; id < NR_DAMON_OPS; id++) {
		if (damon_registered_ops[id] &&
		    sysfs_streq(name, damon_registered_ops[id]->name)) {
			found = id;
			break;
		}
	}
	mutex_unlock(&damon_ops_lock);
	return found;
}

/**
 * damon_ops_name() - The user-visible name of an operation set.
 * @id:		The id of the operation set.
 *
 * Return: the name, or NULL if no operation set is registered as @id.
 */
const char *damon_ops_name(enum damon_ops_id id)
{
	const struct damon_operations *ops = damon_find_ops(id);

	return ops ? ops->name : NULL;
}
