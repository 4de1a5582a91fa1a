// SPDX-License-Identifier: GPL-2.0
/*
 * An anonymous buffer whose pages a DAMON test can act on.
 *
 * Usage: ops_buffer MIB
 *
 * Maps MIB MiB of private anonymous memory aligned to 2 MiB, marks it
 * MADV_NOHUGEPAGE (so that it starts as small pages), writes every page
 * and prints "<start> <end>" in hexadecimal.  Then, for every line read
 * from standard input, writes every page of the part the line names
 * ("all", "first" or "second" half) and prints "done"; "mlock" locks the
 * first quarter in memory instead.  Exits at the end of its input.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MIB	(1024UL * 1024)
#define ALIGN	(2 * MIB)

static void touch(char *start, char *end, unsigned long page)
{
	char *p;

	for (p = start; p < end; p += page)
		(*p)++;
	/* the stores are never read: keep the compiler from dropping them */
	asm volatile("" : : "r" (start) : "memory");
}

int main(int argc, char *argv[])
{
	unsigned long size, page = sysconf(_SC_PAGESIZE);
	char line[64], *map, *buf;

	size = argc == 2 ? strtoul(argv[1], NULL, 0) * MIB : 0;
	if (!size) {
		fprintf(stderr, "usage: %s MIB\n", argv[0]);
		return 2;
	}
	map = mmap(NULL, size + ALIGN, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	buf = (char *)(((unsigned long)map + ALIGN - 1) & ~(ALIGN - 1));
	if (madvise(buf, size, MADV_NOHUGEPAGE)) {
		perror("madvise");
		return 1;
	}
	memset(buf, 1, size);
	printf("%lx %lx\n", (unsigned long)buf, (unsigned long)buf + size);
	fflush(stdout);

	while (fgets(line, sizeof(line), stdin)) {
		if (!strncmp(line, "mlock", 5)) {
			if (mlock(buf, size / 4))
				perror("mlock");
		} else if (!strncmp(line, "first", 5)) {
			touch(buf, buf + size / 2, page);
		} else if (!strncmp(line, "second", 6)) {
			touch(buf + size / 2, buf + size, page);
		} else {
			touch(buf, buf + size, page);
		}
		printf("done\n");
		fflush(stdout);
	}
	return 0;
}
