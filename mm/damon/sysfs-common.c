// SPDX-License-Identifier: GPL-2.0
/*
 * The table-driven directory tree under the DAMON sysfs interface: typed
 * attribute files and lists of numbered directories.  See sysfs-common.h.
 */

#include <linux/damon.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/wait_bit.h>

#include "sysfs-common.h"

/* Serialises every access to the tree and to the contexts it started. */
DEFINE_MUTEX(damon_sysfs_lock);

/* Directories taken out of the tree, to put once the lock is released. */
static LIST_HEAD(damon_sysfs_graveyard);

/*
 * Directories taken out of the tree and not yet removed from sysfs.  No
 * store runs while there are any: a new directory could clash with the
 * name of a dying one, and removals must not overlap (a kobject must
 * leave sysfs before its parent does).
 */
static atomic_t damon_sysfs_nr_dying = ATOMIC_INIT(0);

/* ==================== Directories ==================== */

static void damon_sysfs_free_strings(struct damon_sysfs_dir *dir)
{
	const struct damon_sysfs_type *type = dir->type;
	unsigned int i;

	for (i = 0; i < type->nr_attrs; i++) {
		if (type->attrs[i].kind == DAMON_SYSFS_STR)
			kfree(*(char **)((void *)dir->data +
					 type->attrs[i].offset));
	}
}

static void damon_sysfs_dir_release(struct kobject *kobj)
{
	struct damon_sysfs_dir *dir =
		container_of(kobj, struct damon_sysfs_dir, kobj);

	if (dir->type->release)
		dir->type->release(dir);
	damon_sysfs_free_strings(dir);
	kfree(dir->children);
	kfree(dir->items);
	kfree(dir);
}

static const struct kobj_type damon_sysfs_ktype = {
	.release = damon_sysfs_dir_release,
	.sysfs_ops = &kobj_sysfs_ops,
};

/*
 * Put @dir and everything below it.  Children go first: each holds a
 * reference to its parent.  Must be called without damon_sysfs_lock.
 */
static void damon_sysfs_dir_put_tree(struct damon_sysfs_dir *dir)
{
	unsigned int i;

	for (i = 0; i < dir->type->nr_children; i++) {
		if (dir->children[i])
			damon_sysfs_dir_put_tree(dir->children[i]);
	}
	for (i = 0; i < dir->nr_items; i++)
		damon_sysfs_dir_put_tree(dir->items[i]);
	kobject_put(&dir->kobj);
}

/**
 * damon_sysfs_dir_get() - Keep a directory's memory while the lock is
 * dropped.
 * @dir:	The directory.
 *
 * @dir may be taken out of the tree meanwhile; the holder looks at
 * @dir->removed under damon_sysfs_lock before touching anything below it.
 * Called with damon_sysfs_lock held.
 */
void damon_sysfs_dir_get(struct damon_sysfs_dir *dir)
{
	lockdep_assert_held(&damon_sysfs_lock);
	kobject_get(&dir->kobj);
}

/**
 * damon_sysfs_dir_put() - Drop what damon_sysfs_dir_get() took.
 * @dir:	The directory.
 *
 * May be called with damon_sysfs_lock held: the tree that buried @dir
 * removed it from sysfs before putting its own reference, so a last put
 * here only frees memory.  Not for kdamond directories, whose release
 * stops a kdamond.
 */
void damon_sysfs_dir_put(struct damon_sysfs_dir *dir)
{
	kobject_put(&dir->kobj);
}

static void damon_sysfs_mark_removed(struct damon_sysfs_dir *dir)
{
	unsigned int i;

	WRITE_ONCE(dir->removed, true);
	for (i = 0; i < dir->type->nr_children; i++) {
		if (dir->children[i])
			damon_sysfs_mark_removed(dir->children[i]);
	}
	for (i = 0; i < dir->nr_items; i++)
		damon_sysfs_mark_removed(dir->items[i]);
}

/*
 * Remove @dir and everything below it from sysfs, children first.  Waits
 * for the file operations in flight on them.
 */
static void damon_sysfs_dir_del(struct damon_sysfs_dir *dir)
{
	unsigned int i;

	for (i = 0; i < dir->type->nr_children; i++) {
		if (dir->children[i])
			damon_sysfs_dir_del(dir->children[i]);
	}
	for (i = 0; i < dir->nr_items; i++)
		damon_sysfs_dir_del(dir->items[i]);
	if (dir->kobj.state_in_sysfs)
		kobject_del(&dir->kobj);
}

/* Take @dir out of the tree; damon_sysfs_unlock() puts it. */
static void damon_sysfs_dir_bury(struct damon_sysfs_dir *dir)
{
	lockdep_assert_held(&damon_sysfs_lock);

	damon_sysfs_mark_removed(dir);
	list_add_tail(&dir->grave, &damon_sysfs_graveyard);
	atomic_inc(&damon_sysfs_nr_dying);
}

/**
 * damon_sysfs_unlock() - Release damon_sysfs_lock, then remove and put the
 * directories taken out of the tree while it was held.
 */
void damon_sysfs_unlock(void)
{
	struct damon_sysfs_dir *dir, *next;
	unsigned int nr = 0;
	LIST_HEAD(graves);

	list_splice_init(&damon_sysfs_graveyard, &graves);
	mutex_unlock(&damon_sysfs_lock);
	if (list_empty(&graves))
		return;

	/*
	 * Stores on the dying files may go on: they fail with -ENODEV.  The
	 * barrier orders the removed marks before the waiters' wake-up.
	 */
	smp_mb();
	wake_up_var(&damon_sysfs_nr_dying);
	list_for_each_entry_safe(dir, next, &graves, grave) {
		damon_sysfs_dir_del(dir);
		damon_sysfs_dir_put_tree(dir);
		nr++;
	}
	atomic_sub(nr, &damon_sysfs_nr_dying);
	/* the new count before the waiters' wake-up */
	smp_mb__after_atomic();
	wake_up_var(&damon_sysfs_nr_dying);
}

/* Whether a store on a file of @dir may take damon_sysfs_lock now. */
static bool damon_sysfs_store_may_lock(struct damon_sysfs_dir *dir)
{
	return !atomic_read(&damon_sysfs_nr_dying) || READ_ONCE(dir->removed);
}

/*
 * Take damon_sysfs_lock for a store on a file of @dir, once no directory
 * is dying, or at once if @dir itself is: the removal of @dir waits for
 * this store, which then fails with -ENODEV.  A signal ends the wait with
 * -ERESTARTSYS, the lock not taken.
 */
static int damon_sysfs_lock_for_store(struct damon_sysfs_dir *dir)
{
	int err;

	for (;;) {
		err = wait_var_event_interruptible(&damon_sysfs_nr_dying,
						   damon_sysfs_store_may_lock(dir));
		if (err)
			return err;
		if (mutex_lock_interruptible(&damon_sysfs_lock))
			return -ERESTARTSYS;
		if (damon_sysfs_store_may_lock(dir))
			return 0;
		mutex_unlock(&damon_sysfs_lock);
	}
}

/**
 * damon_sysfs_relock() - Retake damon_sysfs_lock in a store that dropped
 * it to wait.
 * @dir:	The directory of the file being written.
 *
 * Like the store's first taking of the lock, but not interruptible: the
 * store must get back to undo what it marked before dropping the lock,
 * and nobody holds the lock for long.
 */
void damon_sysfs_relock(struct damon_sysfs_dir *dir)
{
	for (;;) {
		wait_var_event(&damon_sysfs_nr_dying,
			       damon_sysfs_store_may_lock(dir));
		mutex_lock(&damon_sysfs_lock);
		if (damon_sysfs_store_may_lock(dir))
			return;
		mutex_unlock(&damon_sysfs_lock);
	}
}

/**
 * damon_sysfs_dir_add() - Make a directory with its files and named
 * children.
 * @parent_kobj: The kobject to put it under.
 * @parent:	The directory to put it under, or NULL for the root.
 * @type:	Its type.
 * @name:	Its name.
 *
 * A list directory starts with no items.  Called with damon_sysfs_lock
 * held.
 *
 * Return: the directory, or an ERR_PTR() on failure.
 */
struct damon_sysfs_dir *damon_sysfs_dir_add(struct kobject *parent_kobj,
					    struct damon_sysfs_dir *parent,
					    const struct damon_sysfs_type *type,
					    const char *name)
{
	size_t nr_words = DIV_ROUND_UP(type->data_size, sizeof(u64));
	struct damon_sysfs_dir *dir, *child;
	unsigned int i;
	int err;

	dir = kzalloc(struct_size(dir, data, nr_words), GFP_KERNEL);
	if (!dir)
		return ERR_PTR(-ENOMEM);
	dir->children = kcalloc(type->nr_children, sizeof(*dir->children),
				GFP_KERNEL);
	if (type->nr_children && !dir->children) {
		kfree(dir);
		return ERR_PTR(-ENOMEM);
	}
	dir->type = type;
	dir->parent = parent;
	INIT_LIST_HEAD(&dir->grave);
	if (type->init)
		type->init(dir);

	/* from here on, the release callback frees @dir */
	err = kobject_init_and_add(&dir->kobj, &damon_sysfs_ktype, parent_kobj,
				   "%s", name);
	if (err)
		goto put_dir;
	for (i = 0; i < type->nr_attrs; i++) {
		err = sysfs_create_file(&dir->kobj, &type->attrs[i].kattr.attr);
		if (err)
			goto put_dir;
	}
	for (i = 0; i < type->nr_bin_attrs; i++) {
		err = sysfs_create_bin_file(&dir->kobj,
					    &type->bin_attrs[i].battr);
		if (err)
			goto put_dir;
	}
	for (i = 0; i < type->nr_children; i++) {
		child = damon_sysfs_dir_add(&dir->kobj, dir,
					    type->children[i].type,
					    type->children[i].name);
		if (IS_ERR(child)) {
			err = PTR_ERR(child);
			goto put_dir;
		}
		dir->children[i] = child;
	}
	return dir;

put_dir:
	/* with the children made so far; files may be in use already */
	damon_sysfs_dir_bury(dir);
	return ERR_PTR(err);
}

/**
 * damon_sysfs_resize() - Set the number of items of a list directory.
 * @dir:	The list directory.
 * @nr:		The new number of items.
 *
 * Items beyond @nr are removed; new items get their type's defaults.  On
 * failure the list is left as it was.  Called with damon_sysfs_lock held.
 *
 * Return: 0 on success, -ENOMEM when out of memory.
 */
int damon_sysfs_resize(struct damon_sysfs_dir *dir, unsigned int nr)
{
	unsigned int old = dir->nr_items, i;
	struct damon_sysfs_dir **items, *item;
	char name[12];

	lockdep_assert_held(&damon_sysfs_lock);

	if (nr <= old) {
		for (i = nr; i < old; i++)
			damon_sysfs_dir_bury(dir->items[i]);
		dir->nr_items = nr;
		return 0;
	}

	items = krealloc_array(dir->items, nr, sizeof(*items),
			       GFP_KERNEL | __GFP_NOWARN);
	if (!items)
		return -ENOMEM;
	dir->items = items;
	for (i = old; i < nr; i++) {
		snprintf(name, sizeof(name), "%u", i);
		item = damon_sysfs_dir_add(&dir->kobj, dir,
					   dir->type->item_type, name);
		if (IS_ERR(item)) {
			while (i-- > old)
				damon_sysfs_dir_bury(items[i]);
			dir->nr_items = old;
			return PTR_ERR(item);
		}
		items[i] = item;
		/* counted at once, so that a failure buries it too */
		dir->nr_items = i + 1;
	}
	return 0;
}

/* ==================== Attribute files ==================== */

/* Whether a field is a number of one word, which a show reads at once. */
static bool damon_sysfs_kind_is_word(enum damon_sysfs_kind kind)
{
	switch (kind) {
	case DAMON_SYSFS_ULONG:
	case DAMON_SYSFS_UINT:
	case DAMON_SYSFS_INT:
	case DAMON_SYSFS_BOOL:
	case DAMON_SYSFS_NAME:
		return true;
	default:
		return false;
	}
}

static ssize_t damon_sysfs_field_show(const struct damon_sysfs_attr *attr,
				      void *field, char *buf)
{
	const char *str;

	switch (attr->kind) {
	case DAMON_SYSFS_ULONG:
		return sysfs_emit(buf, "%lu\n",
				  READ_ONCE(*(unsigned long *)field));
	case DAMON_SYSFS_UINT:
		return sysfs_emit(buf, "%u\n",
				  READ_ONCE(*(unsigned int *)field));
	case DAMON_SYSFS_INT:
		return sysfs_emit(buf, "%d\n", READ_ONCE(*(int *)field));
	case DAMON_SYSFS_BOOL:
		return sysfs_emit(buf, "%c\n",
				  READ_ONCE(*(bool *)field) ? 'Y' : 'N');
	case DAMON_SYSFS_NAME:
		return sysfs_emit(buf, "%s\n",
				  attr->names->names[READ_ONCE(*(int *)field)]);
	case DAMON_SYSFS_STR:
		str = *(char **)field;
		return sysfs_emit(buf, "%s\n", str ? str : "");
	default:
		return -EINVAL;
	}
}

/**
 * damon_sysfs_attr_show() - The show callback of every attribute file.
 * @kobj:	The kobject of the directory.
 * @kattr:	The attribute.
 * @buf:	The page to fill.
 *
 * Numbers are read without damon_sysfs_lock; other files wait for it
 * interruptibly.
 *
 * Return: the length of @buf, -ERESTARTSYS if a signal came first,
 * -ENODEV if the directory was removed, or another negative errno.
 */
ssize_t damon_sysfs_attr_show(struct kobject *kobj,
			      struct kobj_attribute *kattr, char *buf)
{
	struct damon_sysfs_dir *dir =
		container_of(kobj, struct damon_sysfs_dir, kobj);
	const struct damon_sysfs_attr *attr =
		container_of(kattr, struct damon_sysfs_attr, kattr);
	void *field = (void *)dir->data + attr->offset;
	ssize_t ret;

	/*
	 * A number of one word is read at once, without the lock: reading
	 * many files (the thousand regions of tried_regions) then costs no
	 * lock traffic, and readers never wait for one another.  @dir stays
	 * in memory: its removal waits for the file operations in flight.
	 */
	if (damon_sysfs_kind_is_word(attr->kind)) {
		if (READ_ONCE(dir->removed))
			return -ENODEV;
		return damon_sysfs_field_show(attr, field, buf);
	}
	/* a long command never holds the lock, but a reader may be killed */
	if (mutex_lock_interruptible(&damon_sysfs_lock))
		return -ERESTARTSYS;
	if (dir->removed)
		ret = -ENODEV;
	else if (attr->kind == DAMON_SYSFS_CUSTOM)
		ret = attr->show(dir, buf);
	else
		ret = damon_sysfs_field_show(attr, field, buf);
	/* a show never removes directories */
	mutex_unlock(&damon_sysfs_lock);
	return ret;
}

/**
 * damon_sysfs_bin_read() - The read callback of every file of any length.
 * @file:	The open file.
 * @kobj:	The kobject of the directory.
 * @battr:	The binary attribute.
 * @buf:	Where to copy to; sysfs gives at most a page per call.
 * @off:	Offset in the file.
 * @count:	Most bytes to copy.
 *
 * Waits for damon_sysfs_lock interruptibly, like the show of a file
 * that is not one number.
 *
 * Return: the bytes copied (0 past the end), -ERESTARTSYS if a signal
 * came first, -ENODEV if the directory was removed, or the error of the
 * file's read callback.
 */
ssize_t damon_sysfs_bin_read(struct file *file, struct kobject *kobj,
			     struct bin_attribute *battr, char *buf,
			     loff_t off, size_t count)
{
	struct damon_sysfs_dir *dir =
		container_of(kobj, struct damon_sysfs_dir, kobj);
	const struct damon_sysfs_bin_attr *attr =
		container_of(battr, struct damon_sysfs_bin_attr, battr);
	ssize_t ret;

	if (mutex_lock_interruptible(&damon_sysfs_lock))
		return -ERESTARTSYS;
	ret = dir->removed ? -ENODEV : attr->read(dir, buf, off, count);
	/* a read never removes directories */
	mutex_unlock(&damon_sysfs_lock);
	return ret;
}

union damon_sysfs_value {
	unsigned long ul;
	unsigned int uint;
	int i;
	bool b;
	char *str;
};

/* Parse @buf into @val and check it against the bounds of @attr. */
static int damon_sysfs_parse(const struct damon_sysfs_attr *attr,
			     const char *buf, union damon_sysfs_value *val)
{
	int err;

	switch (attr->kind) {
	case DAMON_SYSFS_ULONG:
		err = kstrtoul(buf, 0, &val->ul);
		if (!err && (val->ul < attr->min || val->ul > attr->max))
			err = -EINVAL;
		return err;
	case DAMON_SYSFS_UINT:
		err = kstrtouint(buf, 0, &val->uint);
		if (!err && (val->uint < attr->min || val->uint > attr->max))
			err = -EINVAL;
		return err;
	case DAMON_SYSFS_INT:
		err = kstrtoint(buf, 0, &val->i);
		if (!err && (val->i < (long)attr->min ||
			     val->i > (long)attr->max))
			err = -EINVAL;
		return err;
	case DAMON_SYSFS_BOOL:
		return kstrtobool(buf, &val->b);
	case DAMON_SYSFS_NAME:
		val->i = damon_name_index(attr->names->names, attr->names->nr,
					  buf);
		return val->i < 0 ? val->i : 0;
	case DAMON_SYSFS_STR:
		val->str = kstrndup(buf, strcspn(buf, "\n"), GFP_KERNEL);
		return val->str ? 0 : -ENOMEM;
	default:
		return -EINVAL;
	}
}

static void damon_sysfs_assign(const struct damon_sysfs_attr *attr,
			       void *field, union damon_sysfs_value *val)
{
	switch (attr->kind) {
	case DAMON_SYSFS_ULONG:
		*(unsigned long *)field = val->ul;
		break;
	case DAMON_SYSFS_UINT:
		*(unsigned int *)field = val->uint;
		break;
	case DAMON_SYSFS_INT:
	case DAMON_SYSFS_NAME:
		*(int *)field = val->i;
		break;
	case DAMON_SYSFS_BOOL:
		*(bool *)field = val->b;
		break;
	case DAMON_SYSFS_STR:
		kfree(*(char **)field);
		*(char **)field = val->str;
		break;
	default:
		break;
	}
}

static int damon_sysfs_field_store(struct damon_sysfs_dir *dir,
				   const struct damon_sysfs_attr *attr,
				   const char *buf)
{
	void *field = (void *)dir->data + attr->offset;
	union damon_sysfs_value val;
	int err;

	err = damon_sysfs_parse(attr, buf, &val);
	if (err)
		/* out of range numbers are invalid like any other */
		return err == -ERANGE ? -EINVAL : err;
	if (attr->check) {
		err = attr->check(dir, attr->kind == DAMON_SYSFS_STR ?
				  (void *)val.str : (void *)&val);
		if (err) {
			if (attr->kind == DAMON_SYSFS_STR)
				kfree(val.str);
			return err;
		}
	}
	damon_sysfs_assign(attr, field, &val);
	return 0;
}

/**
 * damon_sysfs_attr_store() - The store callback of every writable file.
 * @kobj:	The kobject of the directory.
 * @kattr:	The attribute.
 * @buf:	What was written.
 * @count:	Its length.
 *
 * Nothing changes unless the whole value is valid.  A write that fills
 * the page sysfs gives (PAGE_SIZE - 1 bytes or more) may have been cut,
 * and is refused.  Waits for damon_sysfs_lock interruptibly.
 *
 * Return: @count on success, -EINVAL for a write filling the page,
 * -ERESTARTSYS if a signal came before the lock, -ENODEV if the directory
 * was removed, another negative errno otherwise.
 */
ssize_t damon_sysfs_attr_store(struct kobject *kobj,
			       struct kobj_attribute *kattr, const char *buf,
			       size_t count)
{
	struct damon_sysfs_dir *dir =
		container_of(kobj, struct damon_sysfs_dir, kobj);
	const struct damon_sysfs_attr *attr =
		container_of(kattr, struct damon_sysfs_attr, kattr);
	int err;

	/*
	 * kernfs cuts a longer write into page-sized stores, each of which
	 * would be taken for a whole value; no value is that long.
	 */
	if (count >= PAGE_SIZE - 1)
		return -EINVAL;
	err = damon_sysfs_lock_for_store(dir);
	if (err)
		return err;
	if (dir->removed)
		err = -ENODEV;
	else if (attr->kind == DAMON_SYSFS_CUSTOM)
		err = attr->store(dir, buf);
	else
		err = damon_sysfs_field_store(dir, attr, buf);
	damon_sysfs_unlock();
	return err ? err : count;
}

/* ==================== nr_<X> files of list directories ==================== */

/**
 * damon_sysfs_nr_show() - Show the number of items of a list directory.
 * @dir:	The list directory.
 * @buf:	The page to fill.
 *
 * Return: the length of @buf.
 */
ssize_t damon_sysfs_nr_show(struct damon_sysfs_dir *dir, char *buf)
{
	return sysfs_emit(buf, "%u\n", dir->nr_items);
}

/**
 * damon_sysfs_nr_store() - Resize a list directory to a written number.
 * @dir:	The list directory.
 * @buf:	The number.
 *
 * Return: 0 on success, -EINVAL for a number that is not one or is too
 * big, the error of the type's resize_check(), or -ENOMEM.
 */
int damon_sysfs_nr_store(struct damon_sysfs_dir *dir, const char *buf)
{
	const struct damon_sysfs_type *type = dir->type;
	unsigned int nr, max = type->max_items ?: DAMON_SYSFS_MAX_ITEMS;
	int err;

	lockdep_assert_held(&damon_sysfs_lock);

	err = kstrtouint(buf, 0, &nr);
	if (err || nr > max)
		return -EINVAL;
	if (type->resize_check) {
		err = type->resize_check(dir, nr);
		if (err)
			return err;
	}
	return damon_sysfs_resize(dir, nr);
}
