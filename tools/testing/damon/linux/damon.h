/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The real <linux/damon.h>, with what the kernel headers it includes
 * would otherwise provide to regions.c.
 */
#ifndef _TOOLS_TESTING_DAMON_LINUX_DAMON_H
#define _TOOLS_TESTING_DAMON_LINUX_DAMON_H

/* the kernel build includes it in every file: IS_ENABLED() */
#include <linux/kconfig.h>
#include <linux/types.h>

#define PAGE_SHIFT	12
#define PAGE_SIZE	4096UL

#include "../../../../include/linux/damon.h"

#endif	/* _TOOLS_TESTING_DAMON_LINUX_DAMON_H */
