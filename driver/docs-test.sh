#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Test that driver/docs.sh fails on the faults it is there to catch: it
# builds a copy of our Documentation/ with one fault of each kind put in
# (a page in no toctree, a broken :doc: link, a kernel-doc directive
# naming a missing function, broken inline markup, an ABI entry without a
# description, a path to a missing Documentation/ file), in a scratch
# directory under build/, and checks that it exits non-zero and names
# each fault, and that the pages it wrote still hold damon.h's kernel-doc
# and the ABI entries.  That our own pages build without a warning is
# docs.sh's check itself.  Prints "ok:" or "FAILED:" per check and
# "N passed, N failed"; -q prints the failures only.  Exits non-zero on a
# failure.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

quiet=0
[[ ${1:-} == -q ]] && quiet=1
# Not a dot directory: get_abi.pl skips every path with a /. in it.
scratch=$(mktemp -d "$BUILD/docs-test.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
passed=0 failed=0
check() {	# name command...
	if "${@:2}"; then
		passed=$((passed + 1))
		((quiet)) || echo "ok: $1"
	else
		failed=$((failed + 1))
		echo "FAILED: $1"
	fi
}

docs=$scratch/Documentation
cp -a "$REPO/Documentation" "$docs"
printf 'Orphan\n======\n\nIn no toctree.\n' > "$docs/mm/damon/orphan.rst"
cat >> "$docs/mm/damon/api.rst" << 'EOF'

Faults of docs-test.sh
======================

See :doc:`no-such-page` and ``an unterminated literal.  See also
Documentation/mm/damon/no-such-file.rst.

.. kernel-doc:: mm/damon/core.c
   :identifiers: no_such_function
EOF
cat >> "$docs/ABI/testing/sysfs-kernel-mm-damon" << 'EOF'

What:		/sys/kernel/mm/damon/docs_test_fault
Date:		Nov 2026
Contact:	DAMON project <damon@example.invalid>
EOF

rc=0
DOCS_SRC=$docs DOCS_WORK=$scratch/work "$DRIVER/docs.sh" -q \
	> "$scratch/out" 2>&1 || rc=$?
fails() { ((rc != 0)); }
names() { grep -qF -- "$1" "$scratch/out"; }	# text
check "docs.sh fails on faulty documents" fails
check "a page in no toctree" names "orphan.rst: WARNING: document isn't included in any toctree"
check "a broken :doc: link" names "WARNING: unknown document: 'no-such-page'"
check "a kernel-doc directive naming a missing function" \
	names "'no_such_function' not found"
check "broken inline markup" names "Inline literal start-string without end-string"
check "an ABI entry without a description" \
	names "'/sys/kernel/mm/damon/docs_test_fault' doesn't have a description"
check "a path to a missing Documentation/ file" \
	names "no such file: Documentation/mm/damon/no-such-file.rst"
html=$scratch/work/html
check "the API page has damon.h's kernel-doc" \
	grep -q 'id="c.damon_ctx"' "$html/mm/damon/api.html"
check "the ABI page has the ABI file's entries" \
	grep -q '/sys/kernel/mm/damon/admin/kdamonds/nr_kdamonds' \
	"$html/abi-damon.html"
if ((failed)); then
	printf '%s\n' "--- docs.sh output:" >&2
	cat "$scratch/out" >&2
fi
((quiet)) || echo "$passed passed, $failed failed"
((failed == 0))
