/* SPDX-License-Identifier: GPL-2.0 */
/* The kernel's limits, from the C library's. */
#ifndef _TOOLS_TESTING_DAMON_LINUX_LIMITS_H
#define _TOOLS_TESTING_DAMON_LINUX_LIMITS_H

#include <limits.h>
#include <stdint.h>

#define U8_MAX		UINT8_MAX
#define U32_MAX		UINT32_MAX
#define U64_MAX		UINT64_MAX

#endif	/* _TOOLS_TESTING_DAMON_LINUX_LIMITS_H */
