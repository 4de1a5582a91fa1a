#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build our documents with Sphinx, as the kernel builds its own: the
# composed tree's Documentation/conf.py and extensions (kernel-doc,
# kernel-abi, automarkup, ...), its scripts/kernel-doc on the composed
# sources.  HTML goes to build/docs/html, Sphinx's output to
# build/docs/sphinx.log.  Prints every warning and fails if there is one;
# make lint runs it as one check.  Needs make compose (the tree) and make
# deps (python3-sphinx).  -q: say nothing when there is no warning.
# DOCS_SRC (a Documentation/ directory, ours by default) and DOCS_WORK
# (build/docs) let driver/docs-test.sh build a faulty copy elsewhere.
#
# The kernel's own "make htmldocs" reads its 3,500 pages (far longer
# than the rest of make lint), and its SPHINXDIRS="mm/damon
# admin-guide/mm/damon" builds each directory as a project of its own,
# where the links between the two do not resolve.  So this builds a
# project of our pages only, in build/docs/tree: a copy of our
# Documentation/, a generated root page whose toctree holds our two index
# pages and a page rendering our ABI file (as the kernel's
# admin-guide/abi-testing.rst does), and scripts/ linked to the tree's,
# which the kernel-abi extension runs from there.  A page that no toctree
# reaches, a broken :doc: link, a kernel-doc directive naming a missing
# function, a malformed ABI entry or a path to a missing Documentation/
# file in any of our files is a warning.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

quiet=0
[[ ${1:-} == -q ]] && quiet=1
serialize docs
[[ -x $TREE/scripts/kernel-doc ]] || die "$TREE: no composed tree; run make compose"
command -v sphinx-build > /dev/null ||
	die "sphinx-build not found; run make deps (python3-sphinx)"

docs=${DOCS_SRC:-$REPO/Documentation}
work=${DOCS_WORK:-$BUILD/docs}
root=$work/tree
src=$root/Documentation
log=$work/sphinx.log
# get_abi.pl skips every path with a /. in it: the ABI page would be empty.
[[ $root != */.* ]] || die "$root: the ABI page needs a path without /."

discard "$root"
discard "$work/html"
discard "$work/doctrees"
mkdir -p "$src"
rsync -a "$docs/" "$src/"
ln -s "$TREE/scripts" "$root/scripts"

cat > "$src/index.rst" << 'EOF'
.. SPDX-License-Identifier: GPL-2.0

===================================
DAMON, written again: the documents
===================================

.. toctree::
   :maxdepth: 2

   admin-guide/mm/damon/index
   mm/damon/index
   abi-damon
EOF
cat > "$src/abi-damon.rst" << 'EOF'
.. SPDX-License-Identifier: GPL-2.0

=========
DAMON ABI
=========

.. kernel-abi:: ABI/testing
   :rst:
EOF

# Two notices on stderr that are no warning about our documents: conf.py
# names its theme, and kfigure says it renders graphs better with
# graphviz; our pages have no graph.
notices='^Using [a-z_]+ theme$|^WARNING: dot\(1\) not found, for better output quality'
rc=0
env -u DOCS_THEME -u SPHINX_CONF srctree="$root" PYTHONDONTWRITEBYTECODE=1 \
	sphinx-build -b html -E -q -j "$JOBS" -c "$TREE/Documentation" \
	-d "$work/doctrees" -D kerneldoc_srctree="$TREE" \
	-D kerneldoc_bin="$TREE/scripts/kernel-doc" \
	"$src" "$work/html" > "$log" 2>&1 || rc=$?
bad=0
grep -vE "$notices" "$log" >&2 && bad=1
((rc == 0)) || { printf 'sphinx-build exited with %d\n' "$rc" >&2; bad=1; }

# A Documentation/ path naming no file is no Sphinx warning (automarkup
# leaves it as plain text), and the kernel's documentation-file-ref-check
# needs a git tree of the kernel.  So look for such paths in our pages
# and in the rest of our files, against the composed tree and the pages
# built here.
mapfile -t ours < <(for p in "${OWNED_PATHS[@]}" tools/damon/ MAINTAINERS; do
	[[ $p == Documentation/* || ! -e $REPO/$p ]] || echo "$REPO/$p"
done)
while IFS=: read -r file line path; do
	[[ -e $TREE/$path || -e $root/$path ]] && continue
	printf '%s:%s: no such file: %s\n' "$file" "$line" "$path" >&2
	bad=1
done < <(grep -rnoIE 'Documentation/[A-Za-z0-9_./-]*[A-Za-z0-9_]' \
	"$docs" "${ours[@]}")

((bad == 0)) || exit 1
((quiet)) || say "docs: $work/html/index.html"
