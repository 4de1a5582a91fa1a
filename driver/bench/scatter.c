// SPDX-License-Identifier: GPL-2.0
/*
 * A workload with many small hot chunks spread evenly over a large cold
 * buffer, for the accuracy section of make bench: how well does a
 * monitor's region split find a scattered hot set?
 *
 * Usage: scatter TOTAL_MIB CHUNK_KIB STRIDE_KIB
 *
 * Maps TOTAL_MIB of anonymous memory with MADV_NOHUGEPAGE (so that every
 * 4 KiB page is a page of its own to the monitor), writes every page once
 * (so that all of it is present, cold memory included), prints one line
 * "START END" (the buffer's bounds, hex) and closes its standard output.
 * Then it reads one byte of every page of the hot chunks, forever: chunk
 * k is [k * STRIDE_KIB, k * STRIDE_KIB + CHUNK_KIB) KiB from the buffer's
 * start, for k = 0, 1, ..., so chunk 0 starts at offset 0 and the last
 * one is cut at the buffer's end.  CHUNK_KIB and STRIDE_KIB are
 * multiples of the page size, CHUNK_KIB <= STRIDE_KIB.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define KIB	1024UL
#define MIB	(1024UL * KIB)

/*
 * Read one byte of each page of [@p, @end).  Atomic loads, so that the
 * compiler keeps every one of them although their sum is never used.
 */
static unsigned long touch(const unsigned char *p, const unsigned char *end,
			   unsigned long page)
{
	unsigned long sum = 0;

	for (; p < end; p += page)
		sum += __atomic_load_n(p, __ATOMIC_RELAXED);
	return sum;
}

static void print_help(const char *name)
{
	fprintf(stderr,
		"usage: %s TOTAL_MIB CHUNK_KIB STRIDE_KIB\n"
		"  CHUNK_KIB <= STRIDE_KIB, both multiples of the page size\n",
		name);
}

int main(int argc, char *argv[])
{
	unsigned long total, chunk, stride, page, off, end, sum = 0;
	unsigned char *buf;

	if (argc != 4) {
		print_help(argv[0]);
		return 2;
	}
	page = sysconf(_SC_PAGESIZE);
	total = strtoul(argv[1], NULL, 0) * MIB;
	chunk = strtoul(argv[2], NULL, 0) * KIB;
	stride = strtoul(argv[3], NULL, 0) * KIB;
	if (!total || !chunk || chunk > stride || chunk % page ||
	    stride % page) {
		print_help(argv[0]);
		return 2;
	}
	buf = mmap(NULL, total, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	/* Before the first touch: a huge page would hide the chunks. */
	if (madvise(buf, total, MADV_NOHUGEPAGE)) {
		perror("madvise");
		return 1;
	}
	memset(buf, 1, total);
	printf("%#lx %#lx\n", (unsigned long)buf, (unsigned long)buf + total);
	if (fclose(stdout))
		return 1;
	for (;;) {
		for (off = 0; off < total; off += stride) {
			end = off + chunk < total ? off + chunk : total;
			sum += touch(buf + off, buf + end, page);
		}
	}
	/* not reached: the caller kills it */
	return sum == 0;
}
