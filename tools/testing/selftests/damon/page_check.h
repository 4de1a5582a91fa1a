/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Checks of page contents shared by the data-integrity workloads
 * (write_verify.c, verify_loop.c): how many bytes of a word differ, and
 * whether a page reads as all zeros (a page the kernel lost and mapped
 * again fresh).
 */

#ifndef DAMON_SELFTESTS_PAGE_CHECK_H
#define DAMON_SELFTESTS_PAGE_CHECK_H

/* The bytes in which @a and @b differ. */
static inline unsigned long bytes_differing(unsigned long long a,
					    unsigned long long b)
{
	unsigned long n = 0;

	for (; a != b; a >>= 8, b >>= 8)
		n += (a & 0xff) != (b & 0xff);
	return n;
}

/* Whether the @size bytes at @p are all zero. */
static inline int page_is_zero(const unsigned long long *p,
			       unsigned long size)
{
	unsigned long w, nr = size / sizeof(*p);

	for (w = 0; w < nr; w++)
		if (p[w])
			return 0;
	return 1;
}

#endif	/* DAMON_SELFTESTS_PAGE_CHECK_H */
