// SPDX-License-Identifier: GPL-2.0
/*
 * A multi-threaded, memory-bound workload for make bench: how much does
 * monitoring it slow it down?
 *
 * Usage: membound NR_THREADS BUF_MIB OPS_PER_THREAD
 *
 * Each thread maps and fills its own BUF_MIB buffer, then does
 * OPS_PER_THREAD read-modify-writes of random cache lines in it (random,
 * so that every access misses the caches and the TLB alike, as the
 * accesses a monitor's Accessed-bit clearing and TLB flushes hurt most).
 * Once every buffer is filled it prints "ready PID" and waits for a line
 * on standard input, so that the caller can start monitoring the process
 * first; then it runs the threads and prints "elapsed SECONDS" (wall
 * clock from the first thread's start to the last one's end).
 */

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define MIB	(1024UL * 1024)
#define LINE	64UL

struct worker {
	pthread_t thread;
	unsigned char *buf;
	unsigned long nr_lines;		/* a power of two */
	unsigned long ops;
	uint64_t seed;
	unsigned long sum;		/* keeps the loop from being elided */
};

static pthread_barrier_t filled, go;

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	unsigned long i, sum = 0, mask = w->nr_lines - 1;

	memset(w->buf, 1, w->nr_lines * LINE);
	pthread_barrier_wait(&filled);
	pthread_barrier_wait(&go);
	for (i = 0; i < w->ops; i++) {
		unsigned char *p = w->buf + (xorshift(&w->seed) & mask) * LINE;

		sum += (*p)++;
	}
	w->sum = sum;
	return NULL;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char *argv[])
{
	unsigned long nr, sz, ops, i, sum = 0;
	struct worker *w;
	char line[16];
	double t0;

	if (argc != 4) {
		fprintf(stderr, "usage: %s NR_THREADS BUF_MIB OPS_PER_THREAD\n",
			argv[0]);
		return 2;
	}
	nr = strtoul(argv[1], NULL, 0);
	sz = strtoul(argv[2], NULL, 0) * MIB;
	ops = strtoul(argv[3], NULL, 0);
	if (!nr || nr > 64 || !sz || (sz & (sz - 1))) {
		fprintf(stderr, "1 to 64 threads; BUF_MIB a power of two\n");
		return 2;
	}
	w = calloc(nr, sizeof(*w));
	if (!w)
		return 1;
	pthread_barrier_init(&filled, NULL, nr + 1);
	pthread_barrier_init(&go, NULL, nr + 1);
	for (i = 0; i < nr; i++) {
		w[i].buf = mmap(NULL, sz, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (w[i].buf == MAP_FAILED) {
			perror("mmap");
			return 1;
		}
		w[i].nr_lines = sz / LINE;
		w[i].ops = ops;
		w[i].seed = 0x9e3779b97f4a7c15ULL * (i + 1);
		if (pthread_create(&w[i].thread, NULL, work, &w[i])) {
			fprintf(stderr, "pthread_create failed\n");
			return 1;
		}
	}
	pthread_barrier_wait(&filled);
	printf("ready %d\n", getpid());
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return 1;
	t0 = now();
	pthread_barrier_wait(&go);
	for (i = 0; i < nr; i++) {
		pthread_join(w[i].thread, NULL);
		sum += w[i].sum;
	}
	printf("elapsed %.6f\n", now() - t0);
	fflush(stdout);
	fprintf(stderr, "checksum %lu\n", sum);
	return 0;
}
