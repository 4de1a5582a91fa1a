/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pr_err() for the region self-check: counted, so that a test can tell
 * how many reports a check printed, and printed as a comment line of the
 * test output.  See stubs.c.
 */
#ifndef _TOOLS_TESTING_DAMON_LINUX_PRINTK_H
#define _TOOLS_TESTING_DAMON_LINUX_PRINTK_H

#include <linux/compiler.h>

#ifndef pr_fmt
#define pr_fmt(fmt)	fmt
#endif

__printf(1, 2) void damon_stub_printk(const char *fmt, ...);

#define pr_err(fmt, ...)	damon_stub_printk(pr_fmt(fmt), ##__VA_ARGS__)

/* Lines printed with pr_err() so far. */
extern long damon_stub_nr_printk;

#endif	/* _TOOLS_TESTING_DAMON_LINUX_PRINTK_H */
