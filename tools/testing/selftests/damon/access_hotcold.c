// SPDX-License-Identifier: GPL-2.0
/*
 * A memory access pattern known by construction, for DAMON tests.
 *
 * Usage: access_hotcold TOTAL_MIB HOT_MIB HOT_OFFSET_MIB
 *
 * Maps TOTAL_MIB of anonymous memory, writes every page once, then keeps
 * writing every page of the HOT_MIB long part at HOT_OFFSET_MIB until it
 * is killed.  Before the loop it prints one line:
 *   <buffer start> <buffer end> <hot start> <hot end>
 * in hexadecimal, and closes standard output.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MIB	(1024UL * 1024)

int main(int argc, char *argv[])
{
	unsigned long total, hot, offset, page = sysconf(_SC_PAGESIZE);
	char *buf, *hot_buf;
	unsigned long i;

	if (argc != 4) {
		fprintf(stderr, "usage: %s TOTAL_MIB HOT_MIB HOT_OFFSET_MIB\n",
			argv[0]);
		return 2;
	}
	total = strtoul(argv[1], NULL, 0) * MIB;
	hot = strtoul(argv[2], NULL, 0) * MIB;
	offset = strtoul(argv[3], NULL, 0) * MIB;
	if (!total || !hot || offset + hot > total) {
		fprintf(stderr, "the hot part must lie inside the buffer\n");
		return 2;
	}

	buf = mmap(NULL, total, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	/* small pages, so that physical placement follows the access order */
	madvise(buf, total, MADV_NOHUGEPAGE);
	memset(buf, 1, total);

	hot_buf = buf + offset;
	printf("%lx %lx %lx %lx\n", (unsigned long)buf,
	       (unsigned long)buf + total, (unsigned long)hot_buf,
	       (unsigned long)hot_buf + hot);
	fflush(stdout);
	fclose(stdout);

	for (;;) {
		for (i = 0; i < hot; i += page)
			hot_buf[i]++;
		/* the stores are never read: keep the compiler from dropping them */
		asm volatile("" : : "r" (hot_buf) : "memory");
	}
	return 0;
}
