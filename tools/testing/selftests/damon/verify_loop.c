// SPDX-License-Identifier: GPL-2.0
/*
 * Memory that is written and verified over and over, for the DAMON
 * data-integrity test under every DAMOS action (actions_integrity.py).
 *
 * Usage: verify_loop [-m MIB] [-s MIB] [-p USEC]
 *
 * Maps three areas:
 *   thp     anonymous, MIB/2 MiB (32 by default), 2 MiB aligned and
 *           MADV_HUGEPAGE
 *   small   anonymous, MIB/2 MiB, MADV_NOHUGEPAGE
 *   shared  MAP_SHARED of a memfd, -s MIB (4 by default)
 * and fills every page with its generation 1 pattern, which names the
 * area, the page, the generation and the word (never zero).  It prints
 * one "NAME START END" line per area (hexadecimal), then "ready", and
 * waits for a line on standard input.  Then it loops over all pages:
 * verify that the page holds its last generation's pattern, write the
 * next generation's, and sleeps USEC (0 by default) after every MiB so
 * that the kdamond and the test get the CPU too.  Between MiBs it reads
 * the commands on standard input:
 *   status  print a JSON line of the counters so far
 *   stop    finish: one more pass that only verifies every page, then
 *           print the final JSON line and exit 0
 * The JSON line holds passes (whole passes done), pages_checked,
 * corrupted_pages, corrupted_bytes, zeroed (corrupted pages that were all
 * zero), stale (corrupted pages that held the generation before) and
 * first_bad: up to 8 of the first corrupted pages as "area:page:gen".
 * End of file on standard input is a stop.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "page_check.h"

#ifndef MADV_HUGEPAGE
#define MADV_HUGEPAGE	14
#endif
#ifndef MADV_NOHUGEPAGE
#define MADV_NOHUGEPAGE	15
#endif

#define MIB		(1024UL * 1024)
#define HPAGE		(2 * MIB)
#define MAX_BAD		8

enum area_id { THP, SMALL, SHARED, NR_AREAS };

static const char * const area_names[NR_AREAS] = { "thp", "small", "shared" };

struct area {
	char *start;
	unsigned long nr_pages;
	unsigned int *gen;	/* the generation each page holds */
};

static struct area areas[NR_AREAS];
static unsigned long page_size;
static unsigned long passes, pages_checked, bad_pages, bad_bytes;
static unsigned long zeroed, stale;
static char first_bad[MAX_BAD][48];
static int nr_first_bad;

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* Word @word of page @page of @area in generation @gen; never zero. */
static unsigned long long pattern(int area, unsigned long page,
				  unsigned int gen, unsigned long word)
{
	return 1ULL << 63 | (unsigned long long)(gen & 0xffffff) << 38 |
		(unsigned long long)area << 36 |
		(unsigned long long)page << 9 | word;
}

static void fill_page(unsigned long long *p, int area, unsigned long page,
		      unsigned int gen)
{
	unsigned long w, nr = page_size / sizeof(*p);

	for (w = 0; w < nr; w++)
		p[w] = pattern(area, page, gen, w);
}

/* Whether every word of @p is @want's pattern of generation @gen. */
static int page_is(const unsigned long long *p, int area, unsigned long page,
		   unsigned int gen)
{
	unsigned long w, nr = page_size / sizeof(*p);

	for (w = 0; w < nr; w++)
		if (p[w] != pattern(area, page, gen, w))
			return 0;
	return 1;
}

/* Check page @page of @area against the generation it should hold. */
static void verify_page(int area, unsigned long page)
{
	struct area *a = &areas[area];
	const unsigned long long *p = (void *)(a->start + page * page_size);
	unsigned long w, nr = page_size / sizeof(*p), bytes = 0;
	unsigned int gen = a->gen[page];

	pages_checked++;
	for (w = 0; w < nr; w++)
		bytes += bytes_differing(p[w], pattern(area, page, gen, w));
	if (!bytes)
		return;
	bad_pages++;
	bad_bytes += bytes;
	if (page_is_zero(p, page_size))
		zeroed++;
	else if (gen > 1 && page_is(p, area, page, gen - 1))
		stale++;
	if (nr_first_bad < MAX_BAD)
		snprintf(first_bad[nr_first_bad++], sizeof(first_bad[0]),
			 "%s:%lu:%u", area_names[area], page, gen);
}

static void print_json(void)
{
	int i;

	printf("{\"passes\": %lu, \"pages_checked\": %lu, ", passes,
	       pages_checked);
	printf("\"corrupted_pages\": %lu, \"corrupted_bytes\": %lu, ",
	       bad_pages, bad_bytes);
	printf("\"zeroed\": %lu, \"stale\": %lu, \"first_bad\": [", zeroed,
	       stale);
	for (i = 0; i < nr_first_bad; i++)
		printf("%s\"%s\"", i ? ", " : "", first_bad[i]);
	printf("]}\n");
	fflush(stdout);
}

/* Handle the commands waiting on stdin; return 1 once told to stop. */
static int commands(void)
{
	struct pollfd pfd = { .fd = 0, .events = POLLIN };
	char line[32];

	while (poll(&pfd, 1, 0) > 0) {
		if (!fgets(line, sizeof(line), stdin))
			return 1;
		if (!strncmp(line, "stop", 4))
			return 1;
		if (!strncmp(line, "status", 6))
			print_json();
	}
	return 0;
}

/*
 * One pass over every page: verify, then, if @write, write the next
 * generation.  Return 1 if a stop came in the middle (the pass is then
 * not counted).
 */
static int pass(int write, unsigned long pause_us)
{
	unsigned long per_mib = MIB / page_size, done = 0, i;
	int area;

	for (area = 0; area < NR_AREAS; area++) {
		struct area *a = &areas[area];

		for (i = 0; i < a->nr_pages; i++) {
			verify_page(area, i);
			if (write) {
				a->gen[i]++;
				fill_page((void *)(a->start + i * page_size),
					  area, i, a->gen[i]);
			}
			if (++done % per_mib)
				continue;
			if (pause_us)
				usleep(pause_us);
			/* the last pass only verifies: no command then */
			if (write && commands())
				return 1;
		}
	}
	passes += write;
	return 0;
}

static void map_area(int area, unsigned long size, int fd, int advice)
{
	struct area *a = &areas[area];
	unsigned long i;
	char *p;

	if (fd < 0) {
		char *map;

		/* over-map, so that the area can start on a huge page */
		map = mmap(NULL, size + HPAGE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (map == MAP_FAILED)
			die("mmap");
		p = (char *)(((unsigned long)map + HPAGE - 1) & ~(HPAGE - 1));
		/*
		 * and unmap the rest, which a madvise() over the whole
		 * address space would otherwise merge into the area's VMA
		 */
		if (p > map)
			munmap(map, p - map);
		munmap(p + size, map + HPAGE - p);
	} else {
		p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			 0);
		if (p == MAP_FAILED)
			die("mmap");
	}
	/* EINVAL: a kernel without transparent huge pages */
	if (advice && madvise(p, size, advice) && errno != EINVAL)
		die("madvise");
	a->start = p;
	a->nr_pages = size / page_size;
	a->gen = malloc(a->nr_pages * sizeof(*a->gen));
	if (!a->gen)
		die("malloc");
	for (i = 0; i < a->nr_pages; i++) {
		a->gen[i] = 1;
		fill_page((void *)(p + i * page_size), area, i, 1);
	}
	printf("%s %lx %lx\n", area_names[area], (unsigned long)p,
	       (unsigned long)p + size);
}

int main(int argc, char *argv[])
{
	unsigned long anon = 64 * MIB, shared = 4 * MIB, pause_us = 0;
	char line[32];
	int opt, fd;

	page_size = sysconf(_SC_PAGESIZE);
	while ((opt = getopt(argc, argv, "m:s:p:")) != -1) {
		switch (opt) {
		case 'm':
			anon = strtoul(optarg, NULL, 0) * MIB;
			break;
		case 's':
			shared = strtoul(optarg, NULL, 0) * MIB;
			break;
		case 'p':
			pause_us = strtoul(optarg, NULL, 0);
			break;
		default:
			fprintf(stderr, "usage: %s [-m MIB] [-s MIB] [-p USEC]\n",
				argv[0]);
			return 2;
		}
	}
	/* two anonymous halves of whole huge pages */
	anon = anon / 2 / HPAGE * HPAGE;
	if (!anon || !shared) {
		fprintf(stderr, "the areas cannot be empty\n");
		return 2;
	}
	fd = memfd_create("verify_loop", 0);
	if (fd < 0 || ftruncate(fd, shared))
		die("memfd");
	map_area(THP, anon, -1, MADV_HUGEPAGE);
	map_area(SMALL, anon, -1, MADV_NOHUGEPAGE);
	map_area(SHARED, shared, fd, 0);
	printf("ready\n");
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return 1;
	while (!pass(1, pause_us))
		;
	pass(0, 0);
	print_json();
	return 0;
}
