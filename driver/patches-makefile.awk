# SPDX-License-Identifier: GPL-2.0
# A kbuild Makefile as it is at one patch of the series: the objects and
# directories whose sources the series has not added yet are left out, so
# that each patch brings its own Makefile lines with its files.  driver/
# patches.sh calls it for every Makefile under mm/damon/.
#
# Usage: awk -v have="core.c tests/Makefile ..." -f patches-makefile.awk FILE
#   have: the files present at that patch, relative to FILE's directory.
#
# An assignment to obj-* or to a composite object (name-y, name-objs) keeps
# the words whose source is present: x.o needs x.c, x.S or a composite x
# with a present part; dir/ needs dir/Makefile.  A line left without words
# goes, with the comment lines right above it; a conditional block left
# empty goes too.  A line that keeps all its words is copied as is, so
# with every file present the output is the input, byte for byte.

function rtrim(s) { sub(/[ \t]+$/, "", s); return s }

function present(w,	b) {
	if (w ~ /\/$/)
		return (w "Makefile") in have_set
	if (w !~ /\.o$/)
		return 1
	b = substr(w, 1, length(w) - 2)
	return (b ".c") in have_set || (b ".S") in have_set || b in composite
}

# The words of physical line j (its assignment prefix, if any, removed).
function words_of(j, first, out,	s) {
	s = line[j]
	if (first)
		s = substr(s, length(prefix(j)) + 1)
	sub(/\\$/, "", s)
	return split(s, out, /[ \t]+/)
}

function prefix(j,	s) {
	s = line[j]
	return match(s, /^[^=]*=[ \t]*/) ? substr(s, 1, RLENGTH) : ""
}

# Is logical line l an object list (obj-*, name-y, name-objs)?
function is_list(l,	lhs) {
	if (!match(line[start[l]], /^[A-Za-z0-9_$()-]+[ \t]*[:+]?=/))
		return 0
	lhs = line[start[l]]
	sub(/[ \t]*[:+]?=.*/, "", lhs)
	return lhs ~ /^[A-Za-z0-9_]+-(y|objs|\$\(CONFIG_[A-Za-z0-9_]+\))$/
}

# Append s to the output: to the open conditional block, or out.
function emit(s) {
	if (in_cond)
		cond_buf = cond_buf s "\n"
	else
		out = out s "\n"
}

# Logical line l filtered; "" when no word is left.
function filtered(l,	j, n, k, w, kept, s, res, nkept, removed, pieces, np) {
	np = 0
	for (j = start[l]; j <= stop[l]; j++) {
		n = words_of(j, j == start[l], w)
		s = ""
		for (k = 1; k <= n; k++) {
			if (w[k] == "")
				continue
			if (present(w[k])) {
				s = s (s == "" ? "" : " ") w[k]
				nkept++
			} else {
				removed++
			}
		}
		if (j == start[l])
			pieces[++np] = s == "" ? rtrim(prefix(j)) : prefix(j) s
		else if (s != "")
			pieces[++np] = (match(line[j], /^[ \t]*/) ? \
					substr(line[j], 1, RLENGTH) : "") s
	}
	if (!nkept)
		return ""
	if (!removed) {
		for (j = start[l]; j <= stop[l]; j++)
			res = res (j > start[l] ? "\n" : "") line[j]
		return res
	}
	for (j = 1; j <= np; j++)
		res = res (j > 1 ? " \\\n" : "") pieces[j]
	return res
}

BEGIN {
	n = split(have, h, /[ \t\n]+/)
	for (i = 1; i <= n; i++)
		if (h[i] != "")
			have_set[h[i]] = 1
}

{ line[NR] = $0 }

END {
	for (i = 1; i <= NR; i++) {
		start[++nl] = i
		while (line[i] ~ /\\$/ && i < NR)
			i++
		stop[nl] = i
	}
	# Composite objects first: x.o is there if a part of x is.
	for (l = 1; l <= nl; l++) {
		if (!is_list(l))
			continue
		name = line[start[l]]
		sub(/-(y|objs|\$\(CONFIG_[A-Za-z0-9_]+\))[ \t]*[:+]?=.*/, "", name)
		if (name == "obj")
			continue
		for (j = start[l]; j <= stop[l]; j++) {
			n = words_of(j, j == start[l], w)
			for (k = 1; k <= n; k++)
				if (w[k] != "" && present(w[k]))
					composite[name] = 1
		}
	}
	for (l = 1; l <= nl; l++) {
		s = line[start[l]]
		if (s ~ /^#/) {
			# a comment right above a line goes with that line
			pending = pending s "\n"
			if (l < nl && line[start[l + 1]] !~ /^[ \t]*$/)
				continue
			sub(/\n$/, "", pending)
			emit(pending)
			pending = ""
		} else if (s ~ /^(ifeq|ifneq|ifdef|ifndef)[ \t(]/) {
			if (in_cond) {
				print "nested conditionals are not supported" > "/dev/stderr"
				exit 2
			}
			cond_head = pending s "\n"
			pending = cond_buf = ""
			in_cond = 1
			cond_kept = 0
		} else if (s ~ /^else/) {
			print "else is not supported" > "/dev/stderr"
			exit 2
		} else if (s ~ /^endif/) {
			in_cond = 0
			if (cond_kept)
				out = out cond_head cond_buf s "\n"
		} else if (is_list(l)) {
			f = filtered(l)
			if (f != "") {
				if (pending != "")
					emit(substr(pending, 1, length(pending) - 1))
				emit(f)
				cond_kept = 1
			}
			pending = ""
		} else {
			if (pending != "")
				emit(substr(pending, 1, length(pending) - 1))
			pending = ""
			for (j = start[l]; j <= stop[l]; j++)
				emit(line[j])
			if (s !~ /^[ \t]*$/)
				cond_kept = 1
		}
	}
	# no blank line twice in a row, none at the end
	gsub(/\n\n\n+/, "\n\n", out)
	sub(/\n+$/, "\n", out)
	printf "%s", out
}
