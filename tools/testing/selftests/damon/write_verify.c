// SPDX-License-Identifier: GPL-2.0
/*
 * Pages written while their dirtiness is at stake, then read back, for
 * the DAMON write-monitoring data-integrity test.
 *
 * Usage: write_verify [-m MIB] [-r ROUNDS] [-f FILE]
 *
 * Maps three MIB long areas (32 by default) and fills every byte of each
 * with a pattern that names the area, the round, the page and the word:
 *   lazyfree  anonymous; each round: verify, MADV_FREE, write every page
 *             again (a page freed before the write reads back as zeros,
 *             so every page is written whole after MADV_FREE, and must
 *             then read back as written)
 *   swapped   anonymous; each round: MADV_PAGEOUT (to swap),
 *             MADV_WILLNEED (back into the swap cache: a fault would read
 *             a page of zram, a synchronous device, around the swap
 *             cache), verify (the reads map the swap cache pages writable
 *             but clean, their swap copies kept), write (so that only the
 *             page table says the swap copies are stale)
 *   shared    MAP_SHARED of FILE (a memfd without -f); each round:
 *             MADV_PAGEOUT, verify through the mapping and through
 *             pread(), write through the mapping
 * It prints one "NAME START END" line per area (hexadecimal) and "ready",
 * and waits for a line on standard input (so that monitoring can start
 * first).  Then it runs ROUNDS rounds (4 by default), printing "round N"
 * after each, verifies once more and prints one line per check:
 *   result NAME BYTES PAGES ZEROED STALE
 * the corrupted bytes and pages of all rounds, and of those pages the ones
 * found all zero and the ones holding the previous round's data (a lost
 * write); the checks are lazyfree, swapped, shared (through the mapping)
 * and shared_read (through pread()).  Then "swapcache N": how many
 * pages, over all rounds, MADV_WILLNEED brought back into the swap cache
 * (mincore() after it, less before), then "done".  Details of the first
 * corrupted pages go to standard error.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "page_check.h"

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT	21
#endif

#define MIB		(1024UL * 1024)
#define MAX_REPORTS	8

enum area_id { LAZYFREE, SWAPPED, SHARED, NR_AREAS };
enum check_id { C_LAZYFREE, C_SWAPPED, C_SHARED, C_SHARED_READ, NR_CHECKS };

struct check {
	const char *name;
	unsigned long bytes, pages, zeroed, stale;
};

static struct check checks[NR_CHECKS] = {
	[C_LAZYFREE] = { .name = "lazyfree" },
	[C_SWAPPED] = { .name = "swapped" },
	[C_SHARED] = { .name = "shared" },
	[C_SHARED_READ] = { .name = "shared_read" },
};

static const char * const area_names[NR_AREAS] = {
	"lazyfree", "swapped", "shared"
};

static unsigned long page_size, size;
static char *areas[NR_AREAS];
static int shared_fd = -1;
static int nr_reports;
static unsigned long nr_swapcache;	/* pages MADV_WILLNEED brought back */

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* The word @word of page @page of @area in @round; never zero. */
static unsigned long long pattern(int area, unsigned long round,
				  unsigned long page, unsigned long word)
{
	return 1ULL << 63 | (unsigned long long)round << 40 |
		(unsigned long long)area << 36 |
		(unsigned long long)page << 9 | word;
}

static void fill_page(unsigned long long *p, int area, unsigned long round,
		      unsigned long page)
{
	unsigned long w, nr = page_size / sizeof(*p);

	for (w = 0; w < nr; w++)
		p[w] = pattern(area, round, page, w);
}

static void write_area(int area, unsigned long round)
{
	unsigned long i;

	for (i = 0; i < size / page_size; i++)
		fill_page((unsigned long long *)(areas[area] +
						 i * page_size), area, round, i);
}

/* Whether @p holds page @page of @area as written in @round. */
static int page_is(const unsigned long long *p, int area, unsigned long round,
		   unsigned long page)
{
	unsigned long w, nr = page_size / sizeof(*p);

	for (w = 0; w < nr; w++)
		if (p[w] != pattern(area, round, page, w))
			return 0;
	return 1;
}

/*
 * Count what differs between the page @p (at @addr, for the report) and
 * its content of @round into @c.
 */
static void verify_page(struct check *c, const unsigned long long *p,
			int area, unsigned long round, unsigned long page,
			void *addr)
{
	unsigned long w, nr = page_size / sizeof(*p), bytes = 0, first = nr;

	for (w = 0; w < nr; w++) {
		unsigned long long want = pattern(area, round, page, w);

		if (p[w] == want)
			continue;
		if (first == nr)
			first = w;
		bytes += bytes_differing(p[w], want);
	}
	if (!bytes)
		return;
	c->bytes += bytes;
	c->pages++;
	if (page_is_zero(p, page_size))
		c->zeroed++;
	else if (round > 1 && page_is(p, area, round - 1, page))
		c->stale++;
	if (nr_reports++ < MAX_REPORTS)
		fprintf(stderr,
			"%s round %lu page %lu (%p): %lu bytes differ, first at word %lu: %#llx, want %#llx\n",
			c->name, round, page, addr, bytes, first,
			p[first], pattern(area, round, page, first));
}

static void verify_area(enum check_id c, int area, unsigned long round)
{
	unsigned long i;
	char *p;

	for (i = 0; i < size / page_size; i++) {
		p = areas[area] + i * page_size;
		verify_page(&checks[c], (const unsigned long long *)p, area,
			    round, i, p);
	}
}

/* The shared file through pread(), a MiB at a time. */
static void verify_file(unsigned long round)
{
	unsigned long off, i, chunk = size > MIB ? MIB : size;
	char *buf = malloc(chunk);

	if (!buf)
		die("malloc");
	for (off = 0; off < size; off += chunk) {
		if (pread(shared_fd, buf, chunk, off) != (ssize_t)chunk)
			die("pread");
		for (i = 0; i < chunk; i += page_size)
			verify_page(&checks[C_SHARED_READ],
				    (const unsigned long long *)(buf + i),
				    SHARED, round, (off + i) / page_size,
				    (void *)(off + i));
	}
	free(buf);
}

static void pageout(int area)
{
	/* EINVAL: a kernel without MADV_PAGEOUT; pressure still swaps */
	if (madvise(areas[area], size, MADV_PAGEOUT) && errno != EINVAL)
		die("madvise(MADV_PAGEOUT)");
}

static void round_lazyfree(unsigned long round)
{
	verify_area(C_LAZYFREE, LAZYFREE, round - 1);
	if (madvise(areas[LAZYFREE], size, MADV_FREE))
		die("madvise(MADV_FREE)");
	write_area(LAZYFREE, round);
}

/* Pages of @area in memory or in the swap cache (mincore()). */
static unsigned long resident(int area)
{
	unsigned long i, n = 0, nr = size / page_size;
	unsigned char *vec = malloc(nr);

	if (!vec || mincore(areas[area], size, vec))
		die("mincore");
	for (i = 0; i < nr; i++)
		n += vec[i] & 1;
	free(vec);
	return n;
}

static void round_swapped(unsigned long round)
{
	unsigned long before;

	pageout(SWAPPED);
	before = resident(SWAPPED);
	if (madvise(areas[SWAPPED], size, MADV_WILLNEED))
		die("madvise(MADV_WILLNEED)");
	nr_swapcache += resident(SWAPPED) - before;
	verify_area(C_SWAPPED, SWAPPED, round - 1);
	write_area(SWAPPED, round);
}

static void round_shared(unsigned long round)
{
	pageout(SHARED);
	verify_area(C_SHARED, SHARED, round - 1);
	verify_file(round - 1);
	write_area(SHARED, round);
}

static char *map_area(int fd)
{
	char *p;

	if (fd < 0)
		p = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	else
		p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			 0);
	if (p == MAP_FAILED)
		die("mmap");
	/* small pages: MADV_FREE and swap work on them one by one */
	madvise(p, size, MADV_NOHUGEPAGE);
	return p;
}

static int open_shared(const char *path)
{
	int fd;

	if (path) {
		fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
		if (fd >= 0)
			unlink(path);	/* gone with the process */
	} else {
		fd = memfd_create("write_verify", 0);
	}
	if (fd < 0 || ftruncate(fd, size))
		die("shared file");
	return fd;
}

int main(int argc, char *argv[])
{
	unsigned long round, nr_rounds = 4;
	const char *path = NULL;
	char line[16];
	int opt, i;

	page_size = sysconf(_SC_PAGESIZE);
	size = 32 * MIB;
	while ((opt = getopt(argc, argv, "m:r:f:")) != -1) {
		switch (opt) {
		case 'm':
			size = strtoul(optarg, NULL, 0) * MIB;
			break;
		case 'r':
			nr_rounds = strtoul(optarg, NULL, 0);
			break;
		case 'f':
			path = optarg;
			break;
		default:
			fprintf(stderr, "usage: %s [-m MIB] [-r ROUNDS] [-f FILE]\n",
				argv[0]);
			return 2;
		}
	}
	if (!size) {
		fprintf(stderr, "the areas cannot be empty\n");
		return 2;
	}
	shared_fd = open_shared(path);
	for (i = 0; i < NR_AREAS; i++) {
		areas[i] = map_area(i == SHARED ? shared_fd : -1);
		write_area(i, 1);
		printf("%s %lx %lx\n", area_names[i], (unsigned long)areas[i],
		       (unsigned long)areas[i] + size);
	}
	printf("ready\n");
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return 1;

	for (round = 2; round <= nr_rounds + 1; round++) {
		round_lazyfree(round);
		round_swapped(round);
		round_shared(round);
		printf("round %lu\n", round - 1);
		fflush(stdout);
	}
	verify_area(C_LAZYFREE, LAZYFREE, round - 1);
	verify_area(C_SWAPPED, SWAPPED, round - 1);
	verify_area(C_SHARED, SHARED, round - 1);
	verify_file(round - 1);
	for (i = 0; i < NR_CHECKS; i++)
		printf("result %s %lu %lu %lu %lu\n", checks[i].name,
		       checks[i].bytes, checks[i].pages, checks[i].zeroed,
		       checks[i].stale);
	printf("swapcache %lu\n", nr_swapcache);
	printf("done\n");
	return 0;
}
