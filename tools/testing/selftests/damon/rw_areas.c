// SPDX-License-Identifier: GPL-2.0
/*
 * Areas only read and areas written, for the DAMON write-monitoring tests
 * and make bench.
 *
 * Usage: rw_areas [-s MIB] [-t] [-o] [-H] [-g]
 *
 * Maps MIB long areas (32 by default), each its own mapping, 2 MiB
 * aligned, with an unmapped gap between two:
 *   read          a read-only shared mapping of a memfd filled with
 *                 write(): its pages are mapped by read faults, so no page
 *                 table entry of it is ever dirty.  An anonymous area
 *                 would have to be written first to get pages of its own
 *                 (not the zero page): see "once".
 *   write         anonymous, private, small pages, written every pass
 * and, on request:
 *   once          (-o) anonymous, small pages, written once when mapped
 *                 and then only read: every entry starts dirty, so write
 *                 monitoring finds it written unless it cleans the Dirty
 *                 bit of each page it starts a sample on
 *   thp           (-H) anonymous, MADV_HUGEPAGE, written every pass
 *   thp_once      (-H) the same, written once, then only read
 *   hugetlb       (-g) anonymous MAP_HUGETLB (default huge page size),
 *                 written every pass
 *   hugetlb_once  (-g) the same, written once, then only read
 * A hugetlb area that cannot be mapped (too few huge pages reserved in
 * /proc/sys/vm/nr_hugepages) is left out; whether the THP areas got huge
 * pages is for the caller to check (AnonHugePages in /proc/PID/smaps).
 * All are faulted in before it prints one "NAME START END" line per area
 * (hexadecimal) and "ready".  Then a thread loops forever: it loads one
 * word of every page of the areas not written every pass, then stores to
 * every page of the others; that is one pass.  With -t, each pass then
 * makes the kernel flush the process's TLB: it write-protects a side
 * mapping of SIDE_PAGES pages, more than x86 flushes page by page, and
 * writes them again.  A real CPU's TLB is small and soon forgets the
 * areas' translations; QEMU's software TLB keeps them until the next
 * flush, and a CPU that still holds a translation does not set the
 * Accessed bit again, which would hide the reads from a page-table
 * sampler that does not flush (paddr's Accessed-bit check).  Write
 * monitoring must flush by itself, so its tests run without -t.
 *
 * The main thread answers commands read from standard input, one per line:
 *   passes   the number of passes done so far
 * It exits at the end of its input.
 */

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MAP_HUGETLB
#define MAP_HUGETLB	0x40000
#endif

#define MIB		(1024UL * 1024)
#define ALIGN_SZ	(2 * MIB)
#define GAP		(16 * MIB)
#define SIDE_PAGES	64

enum area_id { READ, WRITE, ONCE, THP, THP_ONCE, HUGETLB, HUGETLB_ONCE,
	       NR_AREAS };

/* How an area is mapped and used. */
struct area {
	const char *name;
	int mmap_flags;		/* besides MAP_PRIVATE | MAP_FIXED */
	int advice;		/* madvise()d before it is written; 0: none */
	bool written;		/* stored to every pass, else only read */
	bool wanted;		/* asked for (read and write always are) */
	char *start;		/* NULL if not mapped */
};

static struct area areas[NR_AREAS] = {
	[READ] = { .name = "read", .wanted = true },
	[WRITE] = { .name = "write", .mmap_flags = MAP_ANONYMOUS,
		    .advice = MADV_NOHUGEPAGE, .written = true,
		    .wanted = true },
	[ONCE] = { .name = "once", .mmap_flags = MAP_ANONYMOUS,
		   .advice = MADV_NOHUGEPAGE },
	[THP] = { .name = "thp", .mmap_flags = MAP_ANONYMOUS,
		  .advice = MADV_HUGEPAGE, .written = true },
	[THP_ONCE] = { .name = "thp_once", .mmap_flags = MAP_ANONYMOUS,
		       .advice = MADV_HUGEPAGE },
	[HUGETLB] = { .name = "hugetlb",
		      .mmap_flags = MAP_ANONYMOUS | MAP_HUGETLB,
		      .written = true },
	[HUGETLB_ONCE] = { .name = "hugetlb_once",
			   .mmap_flags = MAP_ANONYMOUS | MAP_HUGETLB },
};

static unsigned long page_size, size;
static char *side;
static int flush_tlb;
static unsigned long nr_passes;		/* __atomic builtins */

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* The read area: a memfd filled with write(), mapped read-only. */
static char *map_read(char *at)
{
	char *page = malloc(page_size);
	unsigned long i;
	int fd;

	fd = memfd_create("rw_areas_read", 0);
	if (fd < 0 || !page)
		die("memfd_create");
	memset(page, 0x5a, page_size);
	for (i = 0; i < size; i += page_size)
		if (write(fd, page, page_size) != (ssize_t)page_size)
			die("write");
	free(page);
	if (mmap(at, size, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0) ==
	    MAP_FAILED)
		die("mmap read");
	close(fd);
	return at;
}

/*
 * An anonymous area, written whole (small pages for "write": paddr tests
 * score the areas by their frames).  NULL if a hugetlb area cannot be
 * mapped.
 */
static char *map_anon(struct area *a, char *at)
{
	if (mmap(at, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_FIXED | a->mmap_flags, -1, 0) ==
	    MAP_FAILED) {
		if (a->mmap_flags & MAP_HUGETLB)
			return NULL;
		die(a->name);
	}
	if (a->advice)
		madvise(at, size, a->advice);
	memset(at, 1, size);
	return at;
}

/*
 * Reserve the slots of all areas and the gaps at once, map the wanted
 * areas over the reservation, 2 MiB aligned, and unmap the rest: the gaps
 * keep them separate mappings whatever their flags.
 */
static void map_areas(void)
{
	unsigned long slot = size + GAP, span = NR_AREAS * slot + ALIGN_SZ;
	char *base, *start, *at;
	int i;

	base = mmap(NULL, span, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED)
		die("mmap");
	start = (char *)(((unsigned long)base + ALIGN_SZ - 1) &
			 ~(ALIGN_SZ - 1));
	for (i = 0; i < NR_AREAS; i++) {
		at = start + i * slot;
		if (i == READ)
			areas[i].start = map_read(at);
		else if (areas[i].wanted)
			areas[i].start = map_anon(&areas[i], at);
		if (!areas[i].start)
			munmap(at, size);
		munmap(at + size, GAP);
	}
	if (start > base)
		munmap(base, start - base);
	at = start + NR_AREAS * slot;
	munmap(at, base + span - at);
}

/* Atomic accesses: real loads and stores, that no compiler elides. */
static void read_pass(void)
{
	unsigned long i, sum = 0;
	int a;

	for (a = 0; a < NR_AREAS; a++) {
		if (!areas[a].start || areas[a].written)
			continue;
		for (i = 0; i < size; i += page_size)
			sum += __atomic_load_n((unsigned long *)
					       (areas[a].start + i),
					       __ATOMIC_RELAXED);
	}
	asm volatile("" : : "r" (sum));
}

static void write_pass(unsigned long pass)
{
	unsigned long i;
	int a;

	for (a = 0; a < NR_AREAS; a++) {
		if (!areas[a].start || !areas[a].written)
			continue;
		for (i = 0; i < size; i += page_size)
			__atomic_store_n((unsigned long *)
					 (areas[a].start + i), pass,
					 __ATOMIC_RELAXED);
	}
}

/* Downgrading present entries makes mprotect() flush; upgrading may not. */
static void tlb_pass(void)
{
	unsigned long i, len = SIDE_PAGES * page_size;

	if (mprotect(side, len, PROT_READ) ||
	    mprotect(side, len, PROT_READ | PROT_WRITE))
		die("mprotect");
	for (i = 0; i < len; i += page_size)
		side[i]++;
}

static void *loop(void *arg)
{
	unsigned long pass;

	for (pass = 1;; pass++) {
		read_pass();
		write_pass(pass);
		if (flush_tlb)
			tlb_pass();
		__atomic_store_n(&nr_passes, pass, __ATOMIC_RELAXED);
	}
	return arg;
}

static void serve(void)
{
	char line[64];

	while (fgets(line, sizeof(line), stdin)) {
		if (!strcmp(line, "passes\n"))
			printf("%lu\n", __atomic_load_n(&nr_passes,
							__ATOMIC_RELAXED));
		else
			printf("error: %s", line);
		fflush(stdout);
	}
}

int main(int argc, char *argv[])
{
	pthread_t thread;
	int opt, a;

	page_size = sysconf(_SC_PAGESIZE);
	size = 32 * MIB;
	while ((opt = getopt(argc, argv, "s:toHg")) != -1) {
		switch (opt) {
		case 's':
			size = strtoul(optarg, NULL, 0) * MIB;
			break;
		case 't':
			flush_tlb = 1;
			break;
		case 'o':
			areas[ONCE].wanted = true;
			break;
		case 'H':
			areas[THP].wanted = true;
			areas[THP_ONCE].wanted = true;
			break;
		case 'g':
			areas[HUGETLB].wanted = true;
			areas[HUGETLB_ONCE].wanted = true;
			break;
		default:
			fprintf(stderr, "usage: %s [-s MIB] [-t] [-o] [-H] [-g]\n",
				argv[0]);
			return 2;
		}
	}
	if (!size || size % ALIGN_SZ) {
		fprintf(stderr, "the areas must be a positive multiple of 2 MiB\n");
		return 2;
	}
	map_areas();
	side = mmap(NULL, SIDE_PAGES * page_size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (side == MAP_FAILED)
		die("mmap side");
	memset(side, 1, SIDE_PAGES * page_size);
	read_pass();		/* the read faults map the read area */
	for (a = 0; a < NR_AREAS; a++) {
		if (areas[a].start)
			printf("%s %lx %lx\n", areas[a].name,
			       (unsigned long)areas[a].start,
			       (unsigned long)areas[a].start + size);
	}
	printf("ready\n");
	fflush(stdout);

	errno = pthread_create(&thread, NULL, loop, NULL);
	if (errno)
		die("pthread_create");
	serve();
	return 0;
}
