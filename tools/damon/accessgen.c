// SPDX-License-Identifier: GPL-2.0
/*
 * accessgen: a memory access pattern known by construction, for the
 * DAMON demo (make run).
 *
 * Maps one anonymous buffer, writes every page of it once, and splits it
 * into NR_AREAS equal areas named A, B, C, ...  It then runs the phases of
 * the table below, each for the same number of seconds; during a phase it
 * keeps reading one byte of every page of the phase's hot areas, and
 * touches nothing else.
 *
 * Usage: accessgen [-s MIB] [-t SECONDS] [-w]
 *   -s MIB      buffer size (default 256, a multiple of 4)
 *   -t SECONDS  length of each phase (default 4)
 *   -w          wait for a line on standard input before the first phase,
 *               and for the end of standard input after the last one (so
 *               that a monitor can start before and stop before we exit)
 *
 * Standard output gets JSON lines, so that what a monitor saw can be
 * compared with what happened:
 *   {"type": "layout", "pid": P, "page_size": N, "nr_phases": N,
 *    "start": S, "end": E, "areas": [{"name": "A", "start": S, "end": E},
 *    ...]}
 *     once the buffer is populated;
 *   {"type": "phase", "index": I, "hot": ["A", ...], "start": T0, "end": T1}
 *     at the end of each phase (I counts from 1).
 * Addresses are decimal; times are CLOCK_MONOTONIC seconds.
 */

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define MIB		(1024UL * 1024)
#define NR_AREAS	4
#define AREA(n)		(1U << (n))

/* The phases: a bit mask of hot areas each. */
static const unsigned int phases[] = {
	AREA(0),				/* A */
	AREA(1) | AREA(2),			/* B and C */
	0,					/* nothing */
	AREA(3),				/* D */
	AREA(0) | AREA(1) | AREA(2) | AREA(3),	/* everything */
};

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void print_layout(char *buf, unsigned long size, unsigned long page)
{
	unsigned long area = size / NR_AREAS;
	int i;

	printf("{\"type\": \"layout\", \"pid\": %d, \"page_size\": %lu, ",
	       (int)getpid(), page);
	printf("\"nr_phases\": %zu, ", ARRAY_SIZE(phases));
	printf("\"start\": %lu, \"end\": %lu, \"areas\": [",
	       (unsigned long)buf, (unsigned long)buf + size);
	for (i = 0; i < NR_AREAS; i++)
		printf("%s{\"name\": \"%c\", \"start\": %lu, \"end\": %lu}",
		       i ? ", " : "", 'A' + i,
		       (unsigned long)buf + i * area,
		       (unsigned long)buf + (i + 1) * area);
	printf("]}\n");
	fflush(stdout);
}

static void print_phase(unsigned int index, double start, double end)
{
	bool first = true;
	int i;

	printf("{\"type\": \"phase\", \"index\": %u, \"hot\": [", index + 1);
	for (i = 0; i < NR_AREAS; i++) {
		if (!(phases[index] & AREA(i)))
			continue;
		printf("%s\"%c\"", first ? "" : ", ", 'A' + i);
		first = false;
	}
	printf("], \"start\": %.6f, \"end\": %.6f}\n", start, end);
	fflush(stdout);
}

/* Read one byte of each page of the hot areas until @deadline. */
static void run_phase(const char *buf, unsigned long area, unsigned long page,
		      unsigned int hot, double deadline)
{
	unsigned long off;
	const char *p;
	char sum = 0;
	int i;

	while (now() < deadline) {
		for (i = 0; i < NR_AREAS; i++) {
			if (!(hot & AREA(i)))
				continue;
			p = buf + i * area;
			for (off = 0; off < area; off += page)
				sum += p[off];
		}
		/* Use the sum, and read the memory again on the next pass. */
		asm volatile("" : "+r" (sum) : : "memory");
		if (!hot)
			usleep(10000);
	}
}

static void bad_usage(const char *prog)
{
	fprintf(stderr, "usage: %s [-s MIB] [-t SECONDS] [-w]\n", prog);
	exit(2);
}

int main(int argc, char *argv[])
{
	unsigned long page = sysconf(_SC_PAGESIZE);
	unsigned long size = 256 * MIB;
	double seconds = 4, start;
	bool wait_go = false;
	char line[64];
	unsigned int i;
	char *buf;
	int opt;

	while ((opt = getopt(argc, argv, "s:t:w")) != -1) {
		switch (opt) {
		case 's':
			size = strtoul(optarg, NULL, 0) * MIB;
			break;
		case 't':
			seconds = strtod(optarg, NULL);
			break;
		case 'w':
			wait_go = true;
			break;
		default:
			bad_usage(argv[0]);
		}
	}
	if (optind != argc || !size || size % (NR_AREAS * MIB) ||
	    seconds <= 0)
		bad_usage(argv[0]);

	buf = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	/* Populate every page with non-zero data: no shared zero page. */
	memset(buf, 1, size);
	print_layout(buf, size, page);

	if (wait_go && !fgets(line, sizeof(line), stdin)) {
		fprintf(stderr, "accessgen: no go on standard input\n");
		return 1;
	}
	for (i = 0; i < ARRAY_SIZE(phases); i++) {
		start = now();
		run_phase(buf, size / NR_AREAS, page, phases[i],
			  start + seconds);
		print_phase(i, start, now());
	}
	while (wait_go && fgets(line, sizeof(line), stdin))
		;
	munmap(buf, size);
	return 0;
}
