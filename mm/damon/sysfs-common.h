/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A table-driven sysfs directory tree for the DAMON sysfs interface.
 *
 * A directory type (&struct damon_sysfs_type) lists typed attribute files
 * (&struct damon_sysfs_attr), each a field at an offset of the
 * directory's data, and named child directories.  A "list" type adds
 * numbered child directories of one item type, sized by its nr_<X> file
 * (DAMON_SYSFS_NR_ATTR()) or by the kernel.
 *
 * Every store, and every show but of a one-word number, runs under
 * damon_sysfs_lock, taken interruptibly.  Directories removed while
 * holding it are only marked removed and queued; they are put after the
 * lock is released (damon_sysfs_unlock()), because putting a kobject
 * waits for the file operations in flight on it, which may be waiting
 * for the lock.  A store that waits for a
 * kdamond drops the lock meanwhile, holding the directories it needs
 * afterwards (damon_sysfs_dir_get()), and retakes it with
 * damon_sysfs_relock().
 */

#ifndef __MM_DAMON_SYSFS_COMMON_H
#define __MM_DAMON_SYSFS_COMMON_H

#include <linux/kobject.h>
#include <linux/mutex.h>
#include <linux/stddef.h>
#include <linux/sysfs.h>

extern struct mutex damon_sysfs_lock;

struct damon_sysfs_dir;

/**
 * enum damon_sysfs_kind - What an attribute file holds.
 * @DAMON_SYSFS_ULONG:	An unsigned long, in [min, max].
 * @DAMON_SYSFS_UINT:	An unsigned int, in [min, max].
 * @DAMON_SYSFS_INT:	An int, in [(long)min, (long)max].
 * @DAMON_SYSFS_BOOL:	A bool, read as Y or N.
 * @DAMON_SYSFS_NAME:	An int indexing a table of names.
 * @DAMON_SYSFS_STR:	A kmalloc()ed string, or NULL for an empty one.
 * @DAMON_SYSFS_CUSTOM:	Shown and stored by the attribute's own callbacks.
 */
enum damon_sysfs_kind {
	DAMON_SYSFS_ULONG,
	DAMON_SYSFS_UINT,
	DAMON_SYSFS_INT,
	DAMON_SYSFS_BOOL,
	DAMON_SYSFS_NAME,
	DAMON_SYSFS_STR,
	DAMON_SYSFS_CUSTOM,
};

/**
 * struct damon_sysfs_names - A table of names, for &DAMON_SYSFS_NAME files.
 * @names:	The names, indexed by value.
 * @nr:		Length of @names.
 */
struct damon_sysfs_names {
	const char * const *names;
	int nr;
};

/**
 * struct damon_sysfs_attr - A typed attribute file.
 * @kattr:	The sysfs attribute.  Read-only files have no store.
 * @kind:	What the file holds.
 * @offset:	Offset of the field in the directory's data.
 * @min:	Smallest value of numbers.
 * @max:	Largest value of numbers.
 * @names:	The names of &DAMON_SYSFS_NAME values.
 * @check:	Optional.  Called with the parsed new value (a pointer to
 *		the field's type; a string for &DAMON_SYSFS_STR) before it
 *		is stored; a non-zero return is the store's error.
 * @show:	&DAMON_SYSFS_CUSTOM only: fill @buf, return its length.
 * @store:	&DAMON_SYSFS_CUSTOM only: return 0 or a negative errno.
 */
struct damon_sysfs_attr {
	struct kobj_attribute kattr;
	enum damon_sysfs_kind kind;
	size_t offset;
	unsigned long min;
	unsigned long max;
	const struct damon_sysfs_names *names;
	int (*check)(struct damon_sysfs_dir *dir, const void *val);
	ssize_t (*show)(struct damon_sysfs_dir *dir, char *buf);
	int (*store)(struct damon_sysfs_dir *dir, const char *buf);
};

/**
 * struct damon_sysfs_bin_attr - A read-only file of any length.
 * @battr:	The sysfs binary attribute: unlike a show, which fills one
 *		page, it is read at offsets, so that it may hold a table.
 * @read:	Copy up to @count bytes of the file from offset @off into
 *		@buf.  Return the bytes copied, 0 past the end, or a
 *		negative errno.  Called with damon_sysfs_lock held.
 */
struct damon_sysfs_bin_attr {
	struct bin_attribute battr;
	ssize_t (*read)(struct damon_sysfs_dir *dir, char *buf, loff_t off,
			size_t count);
};

/**
 * struct damon_sysfs_child - A named child directory.
 * @name:	Its name.
 * @type:	Its type.
 */
struct damon_sysfs_child {
	const char *name;
	const struct damon_sysfs_type *type;
};

/**
 * struct damon_sysfs_type - A directory type.
 * @data_size:	Size of the data of a directory of this type.
 * @attrs:	Its attribute files.
 * @nr_attrs:	Length of @attrs.
 * @bin_attrs:	Its read-only files of any length.
 * @nr_bin_attrs: Length of @bin_attrs.
 * @children:	Its named child directories, made with the directory.
 * @nr_children: Length of @children.
 * @item_type:	List types only: type of the numbered children.
 * @max_items:	List types only: the most numbered children.
 * @init:	Optional.  Set the defaults of a new directory's data.
 * @release:	Optional.  Free what the data holds, besides strings.
 * @resize_check: Optional.  Whether the list may get @nr items now.
 */
struct damon_sysfs_type {
	size_t data_size;
	const struct damon_sysfs_attr *attrs;
	unsigned int nr_attrs;
	const struct damon_sysfs_bin_attr *bin_attrs;
	unsigned int nr_bin_attrs;
	const struct damon_sysfs_child *children;
	unsigned int nr_children;
	const struct damon_sysfs_type *item_type;
	unsigned int max_items;
	void (*init)(struct damon_sysfs_dir *dir);
	void (*release)(struct damon_sysfs_dir *dir);
	int (*resize_check)(struct damon_sysfs_dir *dir, unsigned int nr);
};

/**
 * struct damon_sysfs_dir - A directory of the tree.
 * @kobj:	Its kobject.
 * @type:	Its type.
 * @parent:	The directory it is in, or NULL for the root.
 * @children:	The named children, in the order of @type->children.
 * @items:	The numbered children of a list directory.
 * @nr_items:	Number of @items.
 * @removed:	Taken out of the tree; its files fail with -ENODEV.
 * @grave:	Link in the list of directories to put.
 * @data:	The values of its files, @type->data_size bytes.
 */
struct damon_sysfs_dir {
	struct kobject kobj;
	const struct damon_sysfs_type *type;
	struct damon_sysfs_dir *parent;
	struct damon_sysfs_dir **children;
	struct damon_sysfs_dir **items;
	unsigned int nr_items;
	bool removed;
	struct list_head grave;
	u64 data[];
};

/* Most numbered children of a list directory, unless its type says less. */
#define DAMON_SYSFS_MAX_ITEMS	65536

ssize_t damon_sysfs_attr_show(struct kobject *kobj,
			      struct kobj_attribute *kattr, char *buf);
ssize_t damon_sysfs_attr_store(struct kobject *kobj,
			       struct kobj_attribute *kattr, const char *buf,
			       size_t count);
ssize_t damon_sysfs_bin_read(struct file *file, struct kobject *kobj,
			     struct bin_attribute *battr, char *buf,
			     loff_t off, size_t count);
ssize_t damon_sysfs_nr_show(struct damon_sysfs_dir *dir, char *buf);
int damon_sysfs_nr_store(struct damon_sysfs_dir *dir, const char *buf);

#define __DAMON_SYSFS_ATTR(_name, _mode, _store, _kind, _type, _field, ...) \
	{								\
		.kattr = __ATTR(_name, _mode, damon_sysfs_attr_show,	\
				_store),				\
		.kind = _kind,						\
		.offset = offsetof(_type, _field),			\
		__VA_ARGS__						\
	}

/* A writable (0600) file of field @_field of @_type. */
#define DAMON_SYSFS_RW(_name, _kind, _type, _field, ...)		\
	__DAMON_SYSFS_ATTR(_name, 0600, damon_sysfs_attr_store, _kind,	\
			   _type, _field, __VA_ARGS__)

/* A read-only (0400) file of field @_field of @_type. */
#define DAMON_SYSFS_RO(_name, _kind, _type, _field, ...)		\
	__DAMON_SYSFS_ATTR(_name, 0400, NULL, _kind, _type, _field,	\
			   __VA_ARGS__)

/* Shorthands: a whole unsigned long, unsigned int, or bool. */
#define DAMON_SYSFS_RW_UL(_name, _type, _field, ...)			\
	DAMON_SYSFS_RW(_name, DAMON_SYSFS_ULONG, _type, _field,		\
		       .max = ULONG_MAX, __VA_ARGS__)
#define DAMON_SYSFS_RO_UL(_name, _type, _field)				\
	DAMON_SYSFS_RO(_name, DAMON_SYSFS_ULONG, _type, _field)
#define DAMON_SYSFS_RW_UINT(_name, _type, _field, ...)			\
	DAMON_SYSFS_RW(_name, DAMON_SYSFS_UINT, _type, _field,		\
		       .max = UINT_MAX, __VA_ARGS__)
#define DAMON_SYSFS_RW_BOOL(_name, _type, _field)			\
	DAMON_SYSFS_RW(_name, DAMON_SYSFS_BOOL, _type, _field)
#define DAMON_SYSFS_RW_NAME(_name, _type, _field, _names, ...)		\
	DAMON_SYSFS_RW(_name, DAMON_SYSFS_NAME, _type, _field,		\
		       .names = _names, __VA_ARGS__)

/* A file with its own show and (if @_store) store callbacks. */
#define DAMON_SYSFS_CUSTOM_RW(_name, _show, _store)			\
	{								\
		.kattr = __ATTR(_name, 0600, damon_sysfs_attr_show,	\
				damon_sysfs_attr_store),		\
		.kind = DAMON_SYSFS_CUSTOM,				\
		.show = _show,						\
		.store = _store,					\
	}
#define DAMON_SYSFS_CUSTOM_RO(_name, _show)				\
	{								\
		.kattr = __ATTR(_name, 0400, damon_sysfs_attr_show,	\
				NULL),					\
		.kind = DAMON_SYSFS_CUSTOM,				\
		.show = _show,						\
	}

/*
 * A read-only (0400) file of any length, read by @_read at offsets.  Its
 * size is 0: sysfs then leaves the end of the file to @_read.
 */
#define DAMON_SYSFS_BIN_RO(_name, _read)				\
	{								\
		.battr = __BIN_ATTR(_name, 0400, damon_sysfs_bin_read,	\
				    NULL, 0),				\
		.read = _read,						\
	}

/*
 * The .attrs and .nr_attrs of a &struct damon_sysfs_type, from an array.
 * ARRAY_SIZE() spelled out: the array is only looked at by sizeof.
 */
#define DAMON_SYSFS_ATTRS(_attrs)					\
	.attrs = _attrs,						\
	.nr_attrs = sizeof(_attrs) / sizeof((_attrs)[0]) +		\
		__must_be_array(_attrs)

/* The .bin_attrs and .nr_bin_attrs of a &struct damon_sysfs_type, likewise. */
#define DAMON_SYSFS_BIN_ATTRS(_attrs)					\
	.bin_attrs = _attrs,						\
	.nr_bin_attrs = sizeof(_attrs) / sizeof((_attrs)[0]) +		\
		__must_be_array(_attrs)

/* The .children and .nr_children of a &struct damon_sysfs_type, likewise. */
#define DAMON_SYSFS_CHILDREN(_children)					\
	.children = _children,						\
	.nr_children = sizeof(_children) / sizeof((_children)[0]) +	\
		__must_be_array(_children)

/* The nr_<X> file of a list directory. */
#define DAMON_SYSFS_NR_ATTR(_name)					\
	DAMON_SYSFS_CUSTOM_RW(_name, damon_sysfs_nr_show,		\
			      damon_sysfs_nr_store)

/**
 * damon_sysfs_data() - The data of a directory.
 * @dir:	The directory.
 *
 * Return: a pointer to the data of @dir, of its type's data structure.
 */
static inline void *damon_sysfs_data(struct damon_sysfs_dir *dir)
{
	return dir->data;
}

/**
 * damon_sysfs_child_data() - The data of a named child of a directory.
 * @dir:	The directory.
 * @idx:	Index of the child in the type's children.
 *
 * Return: a pointer to the data of the child.
 */
static inline void *damon_sysfs_child_data(struct damon_sysfs_dir *dir,
					   unsigned int idx)
{
	return damon_sysfs_data(dir->children[idx]);
}

struct damon_sysfs_dir *damon_sysfs_dir_add(struct kobject *parent_kobj,
					    struct damon_sysfs_dir *parent,
					    const struct damon_sysfs_type *type,
					    const char *name);
int damon_sysfs_resize(struct damon_sysfs_dir *dir, unsigned int nr);
void damon_sysfs_unlock(void);
void damon_sysfs_relock(struct damon_sysfs_dir *dir);
void damon_sysfs_dir_get(struct damon_sysfs_dir *dir);
void damon_sysfs_dir_put(struct damon_sysfs_dir *dir);

/**
 * damon_sysfs_ancestor() - A directory some levels up.
 * @dir:	The directory.
 * @levels:	How many levels up.
 *
 * Return: the ancestor, or NULL above the root.
 */
static inline struct damon_sysfs_dir *
damon_sysfs_ancestor(struct damon_sysfs_dir *dir, unsigned int levels)
{
	while (dir && levels--)
		dir = dir->parent;
	return dir;
}

#endif /* __MM_DAMON_SYSFS_COMMON_H */
