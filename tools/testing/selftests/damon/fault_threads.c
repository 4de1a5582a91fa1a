// SPDX-License-Identifier: GPL-2.0
/*
 * Two threads, each accessing its own area from its own CPU, for the
 * DAMON page_fault sampling test (sample_fault.py).
 *
 * Usage: fault_threads [-s MIB] [-H]
 *
 * Maps two anonymous MIB long areas (32 by default), separate 2 MiB
 * aligned mappings with an unmapped gap between them, MADV_NOHUGEPAGE
 * (small pages: the test scores the areas by their frames too), or with
 * -H MADV_HUGEPAGE (so that THPs, mapped by PMDs, back them where the
 * kernel can allocate them).  Thread 0 is pinned to CPU 0 and accesses
 * area 0, thread 1 is pinned to CPU 1 and accesses area 1; a pass of a
 * thread loads and stores one word of every page of its area.
 *
 * The words carry a pattern: pass P stores pattern(page, P) and first
 * checks that the word holds pattern(page, P - 1), counting mismatches.
 * An entry DAMON armed and restored wrongly (a lost store, a zeroed or
 * another page) shows up there.
 *
 * Each area is first touched by the OTHER thread, from the other CPU:
 * with one NUMA node per CPU (the test guest) and the default memory
 * policy, area 0 then sits on CPU 1's node and area 1 on CPU 0's.  An
 * access fault that wrongly took NUMA balancing's path would find the
 * page misplaced and could migrate it to the accessing CPU's node, which
 * the node report below shows.  The loops start only once both areas are
 * populated.
 *
 * Then it prints one JSON line
 *   {"pid": P, "tids": [T0, T1], "areas": [[S0, E0], [S1, E1]],
 *    "nodes": [{"N": pages, ...}, {...}], "passes": [P0, P1],
 *    "mismatches": [M0, M1]}
 * where nodes counts, per area, the pages on each node (move_pages(2)
 * without target nodes; a negative "node" is the error status of pages
 * not present) and mismatches the words that did not hold the pattern.
 * On SIGUSR1 it prints {"nodes": [...], "passes": [...],
 * "mismatches": [...]} again, one line; on SIGTERM it exits.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MIB		(1024UL * 1024)
#define ALIGN_SZ	(2 * MIB)
#define GAP		(16 * MIB)
#define NR_THREADS	2
/* more than the guest has; node ids index the count array */
#define MAX_NODES	64

struct worker {
	int cpu;		/* pinned to it */
	char *own;		/* accessed every pass */
	char *other;		/* first touched by this worker */
	pid_t tid;
	unsigned long passes;	/* __atomic builtins */
	unsigned long mismatches;	/* __atomic builtins */
	pthread_t thread;
};

static struct worker workers[NR_THREADS];
static pthread_barrier_t populated;
static unsigned long page_size, size;
static int advice = MADV_NOHUGEPAGE;

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* Reserve both areas and the gap, map them, unmap the rest. */
static void map_areas(char *starts[NR_THREADS])
{
	unsigned long slot = size + GAP, span = NR_THREADS * slot + ALIGN_SZ;
	char *base, *start, *at;
	int i;

	base = mmap(NULL, span, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED)
		die("mmap");
	start = (char *)(((unsigned long)base + ALIGN_SZ - 1) &
			 ~(ALIGN_SZ - 1));
	for (i = 0; i < NR_THREADS; i++) {
		at = start + i * slot;
		if (mmap(at, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) ==
		    MAP_FAILED)
			die("mmap area");
		/* before the first touch: it decides the first faults */
		if (madvise(at, size, advice))
			die("madvise");
		munmap(at + size, GAP);
		starts[i] = at;
	}
	if (start > base)
		munmap(base, start - base);
	at = start + NR_THREADS * slot;
	munmap(at, base + span - at);
}

/*
 * The word of page i in pass: never 0 (a zeroed page), and different for
 * every page (another page) and from the previous pass (a lost store).
 */
static unsigned long pattern(unsigned long i, unsigned long pass)
{
	return (i << 32 | pass) * 0x9e3779b97f4a7c15UL | 1;
}

/*
 * One load and one store per page, real accesses no compiler elides;
 * returns the words that did not hold the previous pass's pattern.
 */
static unsigned long access_pass(char *area, unsigned long pass)
{
	unsigned long i, *word, bad = 0;

	for (i = 0; i < size / page_size; i++) {
		word = (unsigned long *)(area + i * page_size);
		if (pass &&
		    __atomic_load_n(word, __ATOMIC_RELAXED) != pattern(i, pass - 1))
			bad++;
		__atomic_store_n(word, pattern(i, pass), __ATOMIC_RELAXED);
	}
	return bad;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	unsigned long pass, bad;

	w->tid = syscall(SYS_gettid);
	if (sched_getcpu() != w->cpu) {
		fprintf(stderr, "thread of CPU %d runs on CPU %d\n", w->cpu,
			sched_getcpu());
		exit(1);
	}
	access_pass(w->other, 0);	/* populate it from this CPU */
	pthread_barrier_wait(&populated);
	for (pass = 1;; pass++) {
		bad = access_pass(w->own, pass);
		if (bad)
			__atomic_add_fetch(&w->mismatches, bad,
					   __ATOMIC_RELAXED);
		__atomic_store_n(&w->passes, pass, __ATOMIC_RELAXED);
	}
	return NULL;
}

/* Per node, the pages of area that are on it, as a JSON object. */
static void print_nodes(const char *area)
{
	unsigned long nr = size / page_size, i, count[MAX_NODES] = { 0 };
	unsigned long errs[MAX_NODES] = { 0 };
	void **pages = malloc(nr * sizeof(*pages));
	int *status = malloc(nr * sizeof(*status));
	const char *sep = "";
	int n;

	if (!pages || !status)
		die("malloc");
	for (i = 0; i < nr; i++)
		pages[i] = (void *)(area + i * page_size);
	if (syscall(SYS_move_pages, 0, nr, pages, NULL, status, 0))
		die("move_pages");
	for (i = 0; i < nr; i++) {
		n = status[i];
		if (n >= 0 && n < MAX_NODES)
			count[n]++;
		else if (n < 0 && -n < MAX_NODES)
			errs[-n]++;
		else
			errs[0]++;	/* shown as "-0": out of range */
	}
	printf("{");
	for (n = 0; n < MAX_NODES; n++) {
		if (count[n]) {
			printf("%s\"%d\": %lu", sep, n, count[n]);
			sep = ", ";
		}
		if (errs[n]) {
			printf("%s\"-%d\": %lu", sep, n, errs[n]);
			sep = ", ";
		}
	}
	printf("}");
	free(pages);
	free(status);
}

static void print_state(void)
{
	int i;

	printf("\"nodes\": [");
	for (i = 0; i < NR_THREADS; i++) {
		printf("%s", i ? ", " : "");
		print_nodes(workers[i].own);
	}
	printf("], \"passes\": [%lu, %lu]",
	       __atomic_load_n(&workers[0].passes, __ATOMIC_RELAXED),
	       __atomic_load_n(&workers[1].passes, __ATOMIC_RELAXED));
	printf(", \"mismatches\": [%lu, %lu]",
	       __atomic_load_n(&workers[0].mismatches, __ATOMIC_RELAXED),
	       __atomic_load_n(&workers[1].mismatches, __ATOMIC_RELAXED));
}

static void start_workers(char *areas[NR_THREADS])
{
	pthread_attr_t attr;
	cpu_set_t cpus;
	int i;

	errno = pthread_barrier_init(&populated, NULL, NR_THREADS + 1);
	if (errno)
		die("pthread_barrier_init");
	for (i = 0; i < NR_THREADS; i++) {
		struct worker *w = &workers[i];

		w->cpu = i;
		w->own = areas[i];
		w->other = areas[(i + 1) % NR_THREADS];
		CPU_ZERO(&cpus);
		CPU_SET(i, &cpus);
		errno = pthread_attr_init(&attr);
		if (errno)
			die("pthread_attr_init");
		/* pinned from its first instruction, before the first touch */
		errno = pthread_attr_setaffinity_np(&attr, sizeof(cpus), &cpus);
		if (errno)
			die("pthread_attr_setaffinity_np");
		errno = pthread_create(&w->thread, &attr, work, w);
		if (errno)
			die("pthread_create (is there a CPU 1?)");
		pthread_attr_destroy(&attr);
	}
	pthread_barrier_wait(&populated);
}

int main(int argc, char *argv[])
{
	char *areas[NR_THREADS];
	sigset_t sigs;
	int opt, sig;

	page_size = sysconf(_SC_PAGESIZE);
	size = 32 * MIB;
	while ((opt = getopt(argc, argv, "s:H")) != -1) {
		if (opt == 's') {
			size = strtoul(optarg, NULL, 0) * MIB;
		} else if (opt == 'H') {
			advice = MADV_HUGEPAGE;
		} else {
			fprintf(stderr, "usage: %s [-s MIB] [-H]\n", argv[0]);
			return 2;
		}
	}
	if (!size || size % ALIGN_SZ) {
		fprintf(stderr, "the areas must be a positive multiple of 2 MiB\n");
		return 2;
	}
	/* the workers inherit the mask: only the main thread takes them */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGUSR1);
	sigaddset(&sigs, SIGTERM);
	errno = pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	if (errno)
		die("pthread_sigmask");
	map_areas(areas);
	start_workers(areas);

	printf("{\"pid\": %d, \"tids\": [%d, %d], ", getpid(),
	       workers[0].tid, workers[1].tid);
	printf("\"areas\": [[%lu, %lu], [%lu, %lu]], ",
	       (unsigned long)areas[0], (unsigned long)areas[0] + size,
	       (unsigned long)areas[1], (unsigned long)areas[1] + size);
	print_state();
	printf("}\n");
	fflush(stdout);

	for (;;) {
		if (sigwait(&sigs, &sig))
			die("sigwait");
		if (sig == SIGTERM)
			return 0;
		printf("{");
		print_state();
		printf("}\n");
		fflush(stdout);
	}
}
