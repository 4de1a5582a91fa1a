// SPDX-License-Identifier: GPL-2.0
/*
 * Anonymous memory that shrinks and grows on command, with its contents
 * verified, for the DAMON_ACMA test (modules_acma.py): the guest's need
 * for memory goes down and up again while the module gives memory to the
 * host and takes it back.
 *
 * Usage: resize_workload MIB [-p USEC]
 *
 * Maps MIB MiB in chunks of CHUNK_MIB (separate mappings, so that a
 * shrink is a munmap of the last chunks), writes every page's pattern
 * (the page's number and the word's index in every word; word 0 holds
 * the page's generation too) and prints "ready MIB SECONDS".  Then it
 * keeps touching its memory: a pass reads and rewrites word 0 of every
 * page (the next generation) and sleeps USEC (10000 by default) after
 * every chunk, so that the kdamond and the test get the CPU too.
 * Between chunks it reads commands on standard input:
 *   size MIB  shrink (verify, then munmap the last chunks) or grow (map
 *             and write new chunks) to MIB MiB, then print
 *             "done MIB SECONDS"
 *   status    print a JSON line of the counters so far
 *   stop      verify every page in full, print the final JSON line and
 *             exit: 0 only if no page was ever found corrupted
 * The JSON line holds size_mib, passes, pages_checked, corrupted_pages,
 * zeroed (corrupted pages that were all zero) and first_bad (the first
 * corrupted page as "chunk:page", or "").  End of file on standard input
 * is a stop.
 */

#define _GNU_SOURCE
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "page_check.h"

#define MIB		(1024UL * 1024)
#define CHUNK_MIB	32UL
#define MAX_CHUNKS	1024	/* 32 GiB */

struct chunk {
	unsigned long long *start;
	unsigned long gen;	/* the generation word 0 of its pages holds */
};

static struct chunk chunks[MAX_CHUNKS];
static unsigned long nr_chunks, page_words, pages_per_chunk;
static unsigned long passes, pages_checked, bad_pages, zeroed;
static char first_bad[48];

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Word @word of page @page of chunk @c; never zero. */
static unsigned long long pattern(unsigned long c, unsigned long page,
				  unsigned long word)
{
	return 1ULL << 63 | (unsigned long long)c << 40 |
		(unsigned long long)page << 20 | word;
}

/* Word 0 of page @page of chunk @c in generation @gen. */
static unsigned long long head(unsigned long c, unsigned long page,
			       unsigned long gen)
{
	return pattern(c, page, 0) ^ (unsigned long long)gen << 9;
}

static unsigned long long *page_of(unsigned long c, unsigned long page)
{
	return chunks[c].start + page * page_words;
}

static void corrupted(unsigned long c, unsigned long page)
{
	if (page_is_zero(page_of(c, page), page_words * 8))
		zeroed++;
	if (!bad_pages++)
		snprintf(first_bad, sizeof(first_bad), "%lu:%lu", c, page);
}

/* Check page @page of chunk @c: word 0 only, or every word if @full. */
static void verify_page(unsigned long c, unsigned long page, int full)
{
	const unsigned long long *p = page_of(c, page);
	unsigned long w;

	pages_checked++;
	if (p[0] != head(c, page, chunks[c].gen)) {
		corrupted(c, page);
		return;
	}
	for (w = 1; full && w < page_words; w++) {
		if (p[w] != pattern(c, page, w)) {
			corrupted(c, page);
			return;
		}
	}
}

static void verify_chunk(unsigned long c)
{
	unsigned long i;

	for (i = 0; i < pages_per_chunk; i++)
		verify_page(c, i, 1);
}

/* Map chunk @c and write its first generation. */
static void add_chunk(unsigned long c)
{
	unsigned long i, w;
	void *p;

	p = mmap(NULL, CHUNK_MIB * MIB, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		die("mmap");
	chunks[c].start = p;
	chunks[c].gen = 1;
	for (i = 0; i < pages_per_chunk; i++) {
		unsigned long long *q = page_of(c, i);

		q[0] = head(c, i, 1);
		for (w = 1; w < page_words; w++)
			q[w] = pattern(c, i, w);
	}
}

/* Shrink or grow to @mib MiB (whole chunks); return the new size. */
static unsigned long resize(unsigned long mib)
{
	unsigned long want = (mib + CHUNK_MIB - 1) / CHUNK_MIB;

	if (!want || want > MAX_CHUNKS) {
		fprintf(stderr, "size %lu MiB out of range\n", mib);
		exit(2);
	}
	while (nr_chunks > want) {
		nr_chunks--;
		/* what goes must still have been right while it stayed */
		verify_chunk(nr_chunks);
		if (munmap(chunks[nr_chunks].start, CHUNK_MIB * MIB))
			die("munmap");
	}
	while (nr_chunks < want)
		add_chunk(nr_chunks++);
	return nr_chunks * CHUNK_MIB;
}

static void print_json(void)
{
	printf("{\"size_mib\": %lu, \"passes\": %lu, \"pages_checked\": %lu, ",
	       nr_chunks * CHUNK_MIB, passes, pages_checked);
	printf("\"corrupted_pages\": %lu, \"zeroed\": %lu, ", bad_pages,
	       zeroed);
	printf("\"first_bad\": \"%s\"}\n", first_bad);
	fflush(stdout);
}

/* Handle the commands waiting on stdin; return 1 once told to stop. */
static int commands(void)
{
	struct pollfd pfd = { .fd = 0, .events = POLLIN };
	char line[64];
	unsigned long mib;
	double t0;

	while (poll(&pfd, 1, 0) > 0) {
		if (!fgets(line, sizeof(line), stdin))
			return 1;
		if (!strncmp(line, "stop", 4))
			return 1;
		if (!strncmp(line, "status", 6)) {
			print_json();
		} else if (sscanf(line, "size %lu", &mib) == 1) {
			t0 = now();
			mib = resize(mib);
			printf("done %lu %.3f\n", mib, now() - t0);
			fflush(stdout);
		}
	}
	return 0;
}

/* Touch chunk @c: check and advance the generation in word 0. */
static void touch_chunk(unsigned long c)
{
	unsigned long i, gen = chunks[c].gen;

	for (i = 0; i < pages_per_chunk; i++) {
		verify_page(c, i, 0);
		page_of(c, i)[0] = head(c, i, gen + 1);
	}
	chunks[c].gen = gen + 1;
}

int main(int argc, char *argv[])
{
	unsigned long mib, pause_us = 10000, c;
	double t0;
	int opt;

	while ((opt = getopt(argc, argv, "p:")) != -1) {
		if (opt != 'p') {
			fprintf(stderr, "usage: %s MIB [-p USEC]\n", argv[0]);
			return 2;
		}
		pause_us = strtoul(optarg, NULL, 0);
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: %s MIB [-p USEC]\n", argv[0]);
		return 2;
	}
	page_words = sysconf(_SC_PAGESIZE) / sizeof(unsigned long long);
	pages_per_chunk = CHUNK_MIB * MIB / (page_words * 8);
	mib = strtoul(argv[optind], NULL, 0);
	t0 = now();
	mib = resize(mib);
	printf("ready %lu %.3f\n", mib, now() - t0);
	fflush(stdout);
	for (;;) {
		for (c = 0; c < nr_chunks; c++) {
			touch_chunk(c);
			if (pause_us)
				usleep(pause_us);
			if (commands())
				goto out;
		}
		passes++;
	}
out:
	for (c = 0; c < nr_chunks; c++)
		verify_chunk(c);
	print_json();
	return bad_pages ? 1 : 0;
}
