// SPDX-License-Identifier: GPL-2.0
/*
 * One area only read and one only written, for the DAMON write-monitoring
 * tests and make bench.
 *
 * Usage: rw_areas [-s MIB] [-t]
 *
 * Maps two MIB long areas (32 by default), each its own mapping, 2 MiB
 * aligned, with an unmapped gap between them:
 *   read   a read-only shared mapping of a memfd filled with write():
 *          its pages are mapped by read faults, so no page table entry of
 *          it is ever dirty.  An anonymous area would have to be written
 *          first to get pages of its own (not the zero page), and DAMON
 *          would rightly count that first write until every page had
 *          been sampled once.
 *   write  anonymous, private, small pages
 * Both are faulted in before it prints one "NAME START END" line per area
 * (hexadecimal) and "ready".  Then a thread loops forever: it loads one
 * word of every page of the read area, then stores to every page of the
 * write area; that is one pass.  With -t, each pass then makes the kernel
 * flush the process's TLB: it write-protects a side mapping of
 * SIDE_PAGES pages, more than x86 flushes page by page, and writes them
 * again.  A real CPU's TLB is small and soon forgets the areas'
 * translations; QEMU's software TLB keeps them until the next flush, and
 * a CPU that still holds a translation does not set the Accessed bit
 * again, which would hide the reads from a page-table sampler that does
 * not flush (paddr's Accessed-bit check).  Write monitoring must flush by
 * itself, so its tests run without -t.
 *
 * The main thread answers commands read from standard input, one per line:
 *   passes   the number of passes done so far
 * It exits at the end of its input.
 */

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MIB		(1024UL * 1024)
#define ALIGN_SZ	(2 * MIB)
#define GAP		(16 * MIB)
#define SIDE_PAGES	64

static unsigned long page_size, size;
static char *read_area, *write_area, *side;
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

static char *map_write(char *at)
{
	if (mmap(at, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED)
		die("mmap write");
	/* small pages: paddr tests score the areas by their frames */
	madvise(at, size, MADV_NOHUGEPAGE);
	memset(at, 1, size);
	return at;
}

/*
 * Reserve both areas and the gap at once, map the areas over the
 * reservation, 2 MiB aligned, and unmap the rest: the gap keeps them two
 * mappings whatever their flags.
 */
static void map_areas(void)
{
	unsigned long span = 2 * size + GAP + ALIGN_SZ;
	char *base, *start;

	base = mmap(NULL, span, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED)
		die("mmap");
	start = (char *)(((unsigned long)base + ALIGN_SZ - 1) &
			 ~(ALIGN_SZ - 1));
	read_area = map_read(start);
	write_area = map_write(start + size + GAP);
	if (start > base)
		munmap(base, start - base);
	munmap(start + size, GAP);
	munmap(start + 2 * size + GAP, base + span - (start + 2 * size + GAP));
}

/* Atomic accesses: real loads and stores, that no compiler elides. */
static void read_pass(void)
{
	unsigned long i, sum = 0;

	for (i = 0; i < size; i += page_size)
		sum += __atomic_load_n((unsigned long *)(read_area + i),
				       __ATOMIC_RELAXED);
	asm volatile("" : : "r" (sum));
}

static void write_pass(unsigned long pass)
{
	unsigned long i;

	for (i = 0; i < size; i += page_size)
		__atomic_store_n((unsigned long *)(write_area + i), pass,
				 __ATOMIC_RELAXED);
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
	int opt;

	page_size = sysconf(_SC_PAGESIZE);
	size = 32 * MIB;
	while ((opt = getopt(argc, argv, "s:t")) != -1) {
		if (opt == 's') {
			size = strtoul(optarg, NULL, 0) * MIB;
		} else if (opt == 't') {
			flush_tlb = 1;
		} else {
			fprintf(stderr, "usage: %s [-s MIB] [-t]\n", argv[0]);
			return 2;
		}
	}
	if (!size) {
		fprintf(stderr, "the areas cannot be empty\n");
		return 2;
	}
	map_areas();
	side = mmap(NULL, SIDE_PAGES * page_size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (side == MAP_FAILED)
		die("mmap side");
	memset(side, 1, SIDE_PAGES * page_size);
	read_pass();		/* the read faults map the read area */
	printf("read %lx %lx\n", (unsigned long)read_area,
	       (unsigned long)read_area + size);
	printf("write %lx %lx\n", (unsigned long)write_area,
	       (unsigned long)write_area + size);
	printf("ready\n");
	fflush(stdout);

	errno = pthread_create(&thread, NULL, loop, NULL);
	if (errno)
		die("pthread_create");
	serve();
	return 0;
}
