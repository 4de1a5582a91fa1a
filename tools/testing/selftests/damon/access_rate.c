// SPDX-License-Identifier: GPL-2.0
/*
 * A known rate of memory accesses, for the DAMON_STAT bandwidth test.
 *
 * Usage: access_rate MIB PERIOD_MS SECONDS
 *
 * Maps MIB of anonymous memory and writes every page once.  Then, for
 * SECONDS seconds, writes one byte of every page at the start of each
 * PERIOD_MS long period and sleeps until the next period.  It prints
 * "ready" once the buffer is populated, and at the end
 *   <bytes of the pages written in the timed part> <elapsed nanoseconds>
 * so that the rate at which distinct memory was touched is known even if
 * a sweep took longer than a period.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define MIB	(1024UL * 1024)
#define NSEC	1000000000ULL

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * NSEC + ts.tv_nsec;
}

int main(int argc, char *argv[])
{
	unsigned long size, i, page = sysconf(_SC_PAGESIZE);
	unsigned long long period, start, end, next, touched = 0;
	struct timespec until;
	char *buf;

	if (argc != 4) {
		fprintf(stderr, "usage: %s MIB PERIOD_MS SECONDS\n", argv[0]);
		return 2;
	}
	size = strtoul(argv[1], NULL, 0) * MIB;
	period = strtoull(argv[2], NULL, 0) * 1000000ULL;
	if (!size || !period) {
		fprintf(stderr, "MIB and PERIOD_MS must not be 0\n");
		return 2;
	}

	buf = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	madvise(buf, size, MADV_NOHUGEPAGE);
	memset(buf, 1, size);
	printf("ready\n");
	fflush(stdout);

	start = now_ns();
	end = start + strtoull(argv[3], NULL, 0) * NSEC;
	for (next = start; next < end; next += period) {
		for (i = 0; i < size; i += page)
			buf[i]++;
		asm volatile("" : : "r" (buf) : "memory");
		touched += size;
		if (now_ns() > next + period)	/* late: start again now */
			next = now_ns() - period;
		until.tv_sec = (next + period) / NSEC;
		until.tv_nsec = (next + period) % NSEC;
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL);
	}
	printf("%llu %llu\n", touched, now_ns() - start);
	return 0;
}
