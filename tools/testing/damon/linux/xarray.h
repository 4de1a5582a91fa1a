/* SPDX-License-Identifier: GPL-2.0 */
/* Only the type: the region arithmetic keeps no taken blocks. */
#ifndef _TOOLS_TESTING_DAMON_LINUX_XARRAY_H
#define _TOOLS_TESTING_DAMON_LINUX_XARRAY_H

struct xarray {
	int unused;
};

#endif	/* _TOOLS_TESTING_DAMON_LINUX_XARRAY_H */
