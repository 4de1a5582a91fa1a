/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TOOLS_TESTING_DAMON_LINUX_STDARG_H
#define _TOOLS_TESTING_DAMON_LINUX_STDARG_H

#include <stdarg.h>

#endif	/* _TOOLS_TESTING_DAMON_LINUX_STDARG_H */
