# SPDX-License-Identifier: GPL-2.0
# A Kconfig file as it is at one patch of the series: only the options
# that patch and the earlier ones bring, so that a symbol comes with the
# code that uses it.  driver/patches.sh calls it for mm/damon/Kconfig.
#
# Usage: awk -v keep="DAMON DAMON_VADDR ..." -f patches-kconfig.awk FILE
#   prints the first line (the SPDX tag) alone when keep is empty.
#   -v list=1 prints the file's symbols instead, one a line.
#
# The file is a header (up to the first config entry), config entries and
# a footer (from endmenu on).  A config entry runs to the next one; any
# other top-level construct (if, choice, source...) is refused, since
# keeping or dropping it would need to understand it.  With every symbol
# kept, the output is the input, byte for byte.

BEGIN {
	n = split(keep, k, /[ \t\n]+/)
	for (i = 1; i <= n; i++)
		if (k[i] != "")
			want[k[i]] = 1
	part = "head"
}

/^(menu)?config[ \t]/ {
	part = "entry"
	sym = $2
	order[++nsym] = sym
	text[sym] = $0 "\n"
	next
}

/^endmenu/ && part != "head" { part = "tail" }

part == "entry" && /^[^ \t#]/ {
	printf "%s:%d: unsupported construct: %s\n", FILENAME, FNR, $0 \
		> "/dev/stderr"
	bad = 1
	exit 2
}

part == "head" { head = head $0 "\n"; if (NR == 1) first = $0 "\n"; next }
part == "entry" { text[sym] = text[sym] $0 "\n"; next }
{ tail = tail $0 "\n" }

END {
	if (bad)
		exit 2
	if (list) {
		for (i = 1; i <= nsym; i++)
			print order[i]
		exit 0
	}
	for (i = 1; i <= nsym; i++)
		if (order[i] in want)
			body = body text[order[i]]
	if (body == "") {
		printf "%s", first
		exit 0
	}
	# the blank line before endmenu came with the last entry of the file
	if (!(order[nsym] in want) && body !~ /\n\n$/)
		body = body "\n"
	printf "%s%s%s", head, body, tail
}
