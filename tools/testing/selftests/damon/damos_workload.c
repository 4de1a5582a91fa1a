// SPDX-License-Identifier: GPL-2.0
/*
 * Memory with known contents and access pattern, for the DAMOS action
 * tests.
 *
 * Usage: damos_workload [-c COLD_MIB] [-H HOT_MIB] [-t THP_MIB]
 *                       [-s SHMEM_MIB] [-u UNMAPPED_MIB] [-n NODE]
 *
 * Each buffer is its own 2 MiB aligned mapping, written once:
 *   cold      anonymous, never touched again
 *   hot       anonymous, written page by page in a loop by a thread
 *   thp       anonymous, MADV_HUGEPAGE before it is first written
 *   shmem     a mapped memfd
 *   unmapped  a memfd filled with write(), never mapped
 * With -n, the buffers are allocated on that NUMA node only.
 *
 * It prints one "NAME START END" line per buffer (hexadecimal; unmapped
 * has no addresses and prints its size as END), then "ready", then
 * answers commands read from standard input, one per line:
 *   resident NAME   "N TOTAL": pages of NAME in memory (mincore), of TOTAL
 *   hot off|on      stop or restart writing the hot buffer ("ok")
 *   touch NAME      write every page of NAME once ("ok")
 * It exits at the end of its input.
 */

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MIB		(1024UL * 1024)
#define ALIGN_SZ	(2 * MIB)
#define MPOL_DEFAULT	0
#define MPOL_BIND	2

enum buf_id { COLD, HOT, THP, SHMEM, UNMAPPED, NR_BUFS };

struct buf {
	const char *name;
	unsigned long size;
	char *addr;
	int fd;
};

static struct buf bufs[NR_BUFS] = {
	[COLD] = { .name = "cold", .fd = -1 },
	[HOT] = { .name = "hot", .fd = -1 },
	[THP] = { .name = "thp", .fd = -1 },
	[SHMEM] = { .name = "shmem", .fd = -1 },
	[UNMAPPED] = { .name = "unmapped", .fd = -1 },
};

static unsigned long page_size;
static int hot_on = 1;	/* read and written with __atomic builtins */

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* A 2 MiB aligned mapping of @size bytes, anonymous or of @fd. */
static char *map_aligned(unsigned long size, int fd)
{
	int flags = fd < 0 ? MAP_PRIVATE | MAP_ANONYMOUS : MAP_SHARED;
	char *area, *start;
	unsigned long head;

	area = mmap(NULL, size + ALIGN_SZ, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (area == MAP_FAILED)
		die("mmap");
	start = (char *)(((unsigned long)area + ALIGN_SZ - 1) & ~(ALIGN_SZ - 1));
	head = start - area;
	if (head)
		munmap(area, head);
	munmap(start + size, ALIGN_SZ - head);
	if (mmap(start, size, PROT_READ | PROT_WRITE, flags | MAP_FIXED,
		 fd < 0 ? -1 : fd, 0) == MAP_FAILED)
		die("mmap fixed");
	return start;
}

static void touch(struct buf *b)
{
	unsigned long i;

	for (i = 0; i < b->size; i += page_size)
		b->addr[i]++;
}

/*
 * The first write of each page: a store, not a read-modify-write, whose
 * read fault would map the huge zero page and make the write fall back
 * to small pages.
 */
static void populate(struct buf *b)
{
	unsigned long i;

	for (i = 0; i < b->size; i += page_size)
		b->addr[i] = 1;
}

static void fill_unmapped(struct buf *b)
{
	char *page = malloc(page_size);
	unsigned long i;

	if (!page)
		die("malloc");
	memset(page, 1, page_size);
	for (i = 0; i < b->size; i += page_size)
		if (write(b->fd, page, page_size) != (ssize_t)page_size)
			die("write");
	free(page);
}

static void *hot_loop(void *arg)
{
	struct buf *b = arg;

	for (;;) {
		if (__atomic_load_n(&hot_on, __ATOMIC_RELAXED))
			touch(b);
		else
			usleep(10000);	/* idle until told to go on */
		asm volatile("" : : "r" (b->addr) : "memory");
	}
	return NULL;
}

/* Resident pages of @b, and its size in pages through @total. */
static unsigned long resident(struct buf *b, unsigned long *total)
{
	unsigned long i, n = 0, nr = b->size / page_size;
	unsigned char *vec = malloc(nr);
	char *addr = b->addr;

	*total = nr;
	if (!vec)
		die("malloc");
	if (!addr) {	/* the unmapped memfd: map it just to ask */
		addr = mmap(NULL, b->size, PROT_READ, MAP_SHARED, b->fd, 0);
		if (addr == MAP_FAILED)
			die("mmap memfd");
	}
	if (mincore(addr, b->size, vec))
		die("mincore");
	for (i = 0; i < nr; i++)
		n += vec[i] & 1;
	if (!b->addr)
		munmap(addr, b->size);
	free(vec);
	return n;
}

static struct buf *find_buf(const char *name)
{
	int i;

	for (i = 0; i < NR_BUFS; i++)
		if (bufs[i].size && !strcmp(bufs[i].name, name))
			return &bufs[i];
	return NULL;
}

static void serve(void)
{
	char line[128], arg[64];
	unsigned long total, n;
	struct buf *b;

	while (fgets(line, sizeof(line), stdin)) {
		b = NULL;
		if (sscanf(line, "%*s %63s", arg) == 1)
			b = find_buf(arg);
		if (b && !strncmp(line, "resident ", 9)) {
			n = resident(b, &total);
			printf("%lu %lu\n", n, total);
		} else if (b && !strncmp(line, "touch ", 6)) {
			touch(b);
			printf("ok\n");
		} else if (!strncmp(line, "hot ", 4)) {
			__atomic_store_n(&hot_on, !strcmp(arg, "on"),
					 __ATOMIC_RELAXED);
			printf("ok\n");
		} else {
			printf("error: %s", line);
		}
		fflush(stdout);
	}
}

static void set_node(int node)
{
	unsigned long mask = 1UL << node;

	if (syscall(SYS_set_mempolicy, node < 0 ? MPOL_DEFAULT : MPOL_BIND,
		    node < 0 ? NULL : &mask, node < 0 ? 0 : 64))
		die("set_mempolicy");
}

int main(int argc, char *argv[])
{
	pthread_t thread;
	int opt, node = -1, i;

	page_size = sysconf(_SC_PAGESIZE);
	while ((opt = getopt(argc, argv, "c:H:t:s:u:n:")) != -1) {
		switch (opt) {
		case 'c':
			bufs[COLD].size = strtoul(optarg, NULL, 0) * MIB;
			break;
		case 'H':
			bufs[HOT].size = strtoul(optarg, NULL, 0) * MIB;
			break;
		case 't':
			bufs[THP].size = strtoul(optarg, NULL, 0) * MIB;
			break;
		case 's':
			bufs[SHMEM].size = strtoul(optarg, NULL, 0) * MIB;
			break;
		case 'u':
			bufs[UNMAPPED].size = strtoul(optarg, NULL, 0) * MIB;
			break;
		case 'n':
			node = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: %s %s\n", argv[0],
				"[-c MIB] [-H MIB] [-t MIB] [-s MIB] [-u MIB] [-n NODE]");
			return 2;
		}
	}

	if (node >= 0)
		set_node(node);
	for (i = 0; i < NR_BUFS; i++) {
		struct buf *b = &bufs[i];

		if (!b->size)
			continue;
		if (i == SHMEM || i == UNMAPPED) {
			b->fd = memfd_create(b->name, 0);
			if (b->fd < 0 || ftruncate(b->fd, i == SHMEM ? b->size : 0))
				die("memfd");
		}
		if (i == UNMAPPED) {
			fill_unmapped(b);
			printf("%s 0 %lx\n", b->name, b->size);
			continue;
		}
		b->addr = map_aligned(b->size, b->fd);
		if (i == THP && madvise(b->addr, b->size, MADV_HUGEPAGE))
			die("madvise");
		populate(b);
		printf("%s %lx %lx\n", b->name, (unsigned long)b->addr,
		       (unsigned long)b->addr + b->size);
	}
	if (node >= 0)
		set_node(-1);
	printf("ready\n");
	fflush(stdout);

	if (bufs[HOT].size) {
		errno = pthread_create(&thread, NULL, hot_loop, &bufs[HOT]);
		if (errno)
			die("pthread_create");
	}
	serve();
	return 0;
}
