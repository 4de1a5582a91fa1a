/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Slab allocation over malloc(), counting live objects and failing on
 * request: see stubs.c.
 */
#ifndef _TOOLS_TESTING_DAMON_LINUX_SLAB_H
#define _TOOLS_TESTING_DAMON_LINUX_SLAB_H

#include <linux/types.h>

#ifndef GFP_KERNEL
#define GFP_KERNEL	((gfp_t)0)
#endif

#define SLAB_PANIC	0x1UL

struct kmem_cache {
	const char *name;
	size_t size;
};

#define KMEM_CACHE(__struct, __flags) \
	damon_stub_kmem_cache_create(#__struct, sizeof(struct __struct), \
				     (__flags))

struct kmem_cache *damon_stub_kmem_cache_create(const char *name,
						size_t size,
						unsigned long flags);
void *kmem_cache_zalloc(struct kmem_cache *cache, gfp_t gfp);
void kmem_cache_free(struct kmem_cache *cache, void *obj);
void *kmalloc_array(size_t n, size_t size, gfp_t gfp);
void *kmalloc(size_t size, gfp_t gfp);
void *kzalloc(size_t size, gfp_t gfp);
void kfree(const void *obj);

/* Objects allocated and not freed yet. */
extern long damon_stub_nr_live;
/* When positive, the allocation that counts it down to zero fails. */
extern long damon_stub_fail_countdown;

#endif	/* _TOOLS_TESTING_DAMON_LINUX_SLAB_H */
