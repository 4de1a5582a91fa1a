// SPDX-License-Identifier: GPL-2.0
/*
 * User-space stand-ins for the kernel services that mm/damon/regions.c
 * uses: slab allocation over malloc(), with a count of live objects and
 * failure injection, a seeded get_random_u32_below(), and a counted
 * pr_err().
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <linux/damon.h>
#include <linux/prandom.h>
#include <linux/printk.h>
#include <linux/random.h>
#include <linux/slab.h>

long damon_stub_nr_live;
long damon_stub_nr_printk;
long damon_stub_fail_countdown;

static struct rnd_state damon_stub_rnd;

/* Whether the current allocation is to fail. */
static bool damon_stub_fail(void)
{
	return damon_stub_fail_countdown > 0 && !--damon_stub_fail_countdown;
}

static void *damon_stub_alloc(size_t size, bool zero)
{
	void *obj;

	if (damon_stub_fail())
		return NULL;
	obj = zero ? calloc(1, size) : malloc(size);
	if (obj)
		damon_stub_nr_live++;
	return obj;
}

struct kmem_cache *damon_stub_kmem_cache_create(const char *name,
						size_t size,
						unsigned long flags)
{
	struct kmem_cache *cache = malloc(sizeof(*cache));

	if (!cache) {
		if (flags & SLAB_PANIC)
			abort();
		return NULL;
	}
	cache->name = name;
	cache->size = size;
	return cache;
}

void *kmem_cache_zalloc(struct kmem_cache *cache, gfp_t gfp)
{
	return damon_stub_alloc(cache->size, true);
}

void kmem_cache_free(struct kmem_cache *cache, void *obj)
{
	kfree(obj);
}

void *kmalloc_array(size_t n, size_t size, gfp_t gfp)
{
	if (size && n > (size_t)-1 / size)
		return NULL;
	return damon_stub_alloc(n * size, false);
}

void *kmalloc(size_t size, gfp_t gfp)
{
	return damon_stub_alloc(size, false);
}

void *kzalloc(size_t size, gfp_t gfp)
{
	return damon_stub_alloc(size, true);
}

void kfree(const void *obj)
{
	if (!obj)
		return;
	damon_stub_nr_live--;
	free((void *)obj);
}

void damon_stub_seed_random(u64 seed)
{
	prandom_seed_state(&damon_stub_rnd, seed);
}

u32 get_random_u32_below(u32 ceil)
{
	if (!ceil) {
		fprintf(stderr, "%s(0)\n", __func__);
		abort();
	}
	return prandom_u32_state(&damon_stub_rnd) % ceil;
}

u32 damon_rand_u32(void)
{
	return prandom_u32_state(&damon_stub_rnd);
}

u64 get_random_u64(void)
{
	u64 hi = prandom_u32_state(&damon_stub_rnd);

	return hi << 32 | prandom_u32_state(&damon_stub_rnd);
}

/* lib/hweight.c's software fallback of hweight16() */
unsigned int __sw_hweight16(unsigned int w)
{
	return __builtin_popcount(w & 0xffff);
}

/* Contexts of the tests never run: their callers always own them. */
void damon_assert_ctx_owned(struct damon_ctx *ctx)
{
}

void damon_stub_printk(const char *fmt, ...)
{
	va_list args;

	damon_stub_nr_printk++;
	/* a comment line of the test output */
	fputs("# ", stdout);
	va_start(args, fmt);
	vprintf(fmt, args);
	va_end(args);
}
