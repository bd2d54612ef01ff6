#!/bin/bash
# test_lint.sh - the CLI tests themselves can fail: the helpers of
# tests/lib/common.sh fail on bad input (a missing or unreadable file, a
# wrong exit), and every `run` that wants a failure (a non-zero exit) is
# followed, before the next `run` and inside the same block, by an `expect`
# on what the command said ("$ERR", or "$OUT" for -o json errors): an exit
# code alone does not tell one refusal from another.
. "$(dirname "$0")/../lib/common.sh"

# fails CMD...: CMD fails (its complaint on stderr is dropped)
fails() { ! "$@" 2>/dev/null; }

# --- has, lacks, readable ---------------------------------------------------------
printf 'alpha\nbeta\n' >"$WORK/text"
mkdir -p "$WORK/folder"
expect "has: a line that is there" has beta "$WORK/text"
expect "has: fails on a line that is not there" fails has gamma "$WORK/text"
expect "has: fails on a missing file" fails has alpha "$WORK/nonexistent"
expect "has: fails on a folder" fails has alpha "$WORK/folder"
expect "has: fails without a file" fails has alpha
expect "lacks: a line that is not there" lacks gamma "$WORK/text"
expect "lacks: fails on a line that is there" fails lacks alpha "$WORK/text"
expect "lacks: fails on a missing file" fails lacks x /nonexistent
expect "lacks: fails on a missing file after a good one" fails lacks gamma "$WORK/text" "$WORK/nonexistent"
expect "lacks: fails on a folder" fails lacks gamma "$WORK/folder"
expect "lacks: fails without a file" fails lacks gamma
expect "readable: fails on a missing file" fails readable "$WORK/nonexistent"

# --- run and expect record a failure ------------------------------------------------
# In a subshell, so that the failures they record stay out of this test's
# count; the subshell prints its count on the last line.
counts() { "$@" >"$WORK/self.out" 2>&1; echo "$PASS $FAIL"; }
self_fail() { (counts "$@") | tail -1; }
expect "run: a wrong exit is a failure" test "$(self_fail run "x" 1 true)" = "$PASS $((FAIL + 1))"
expect "run: the wanted exit passes" test "$(self_fail run "x" 1 false)" = "$((PASS + 1)) $FAIL"
expect "expect: a false condition is a failure" test "$(self_fail expect "x" false)" = "$PASS $((FAIL + 1))"
expect "expect: on a missing file, lacks is a failure" \
	test "$(self_fail expect "x" lacks x /nonexistent)" = "$PASS $((FAIL + 1))"
# finish_with PASS FAIL: finish with those counts, in a subshell, recording
# into a scratch results file
finish_with() { (PASS=$1 FAIL=$2 RESULTS="$WORK/results.self"; finish) >/dev/null; }
expect "finish: a script with a failed check fails" fails finish_with 3 1
expect "finish: a script that ran no check fails" fails finish_with 0 0
expect "finish: … and records it as a failure" test "$(tail -1 "$WORK/results.self")" = "0 1"
expect "finish: a script whose checks passed passes" finish_with 2 0

# --- every negative run asserts its message ------------------------------------------
# lint_runs FILE: print FILE:LINE: for each `run NAME WANT ...` whose WANT
# is not 0 (a number or a variable), or `run_in NAME "WANTS" ...` whose
# WANTS do not hold 0, and that no `expect ... "$ERR"` (or
# "$OUT") follows before the next run, the end of its block (a line
# indented less) or the end of the file.  Continued lines (\) are joined;
# here-documents are skipped.
lint_runs() {
	awk '
	function indent(s) { match(s, /^[ \t]*/); return RLENGTH }
	# the first word of s (a quoted one whole) in tok; returns the rest of s
	function word(s,    i, n, c, q) {
		sub(/^[ \t]+/, "", s)
		n = length(s)
		q = substr(s, 1, 1)
		if (q == "\"" || q == "\047") {
			for (i = 2; i <= n; i++) {
				c = substr(s, i, 1)
				if (c == "\\" && q == "\"") { i++; continue }
				if (c == q) break
			}
			tok = substr(s, 2, i - 2)
			return substr(s, i + 1)
		}
		match(s, /^[^ \t]*/)
		tok = substr(s, 1, RLENGTH)
		return substr(s, RLENGTH + 1)
	}
	# the WANT of a line "run NAME WANT ..." or "run_in NAME WANTS ...",
	# "" when the line is neither
	function want_of(s) {
		if (s !~ /^[ \t]*run(_in)?[ \t]/) return ""
		sub(/^[ \t]*run(_in)?[ \t]+/, "", s)
		s = word(s)
		word(s)
		return tok
	}
	# does WANT (one exit, a list of them, or a variable) allow a failure only?
	function negative(w,    n, i, a) {
		n = split(w, a, /[ \t]+/)
		for (i = 1; i <= n; i++)
			if (a[i] == "0") return 0
		return n > 0
	}
	function report() {
		printf "%s:%d: %s\n", FILENAME, pline, pname
		pending = 0
	}
	{
		# the body of a here-document is text, not commands
		if (hd != "") {
			l = $0
			if (hdtab)
				sub(/^\t+/, "", l)
			if (l == hd)
				hd = ""
			next
		}
		line = $0
		start = FNR
		while (line ~ /\\$/ && (getline nxt) > 0)
			line = substr(line, 1, length(line) - 1) nxt
		if (line ~ /^[ \t]*(#.*)?$/)
			next
		if (match(line, /(^|[^<])<<-?[ \t]*["\047]?[A-Za-z_][A-Za-z0-9_]*/)) {
			hd = substr(line, RSTART, RLENGTH)
			sub(/^[^<]*/, "", hd)
			hdtab = hd ~ /^<<-/
			sub(/^<<-?[ \t]*["\047]?/, "", hd)
		}
		if (pending) {
			if (indent(line) < pind || want_of(line) != "")
				report()
			else if (line ~ /^[ \t]*expect[ \t]/ && line ~ /"\$(ERR|OUT)"/) {
				pending = 0
				next
			}
		}
		w = want_of(line)
		if (negative(w)) {
			pending = 1
			pline = start
			pind = indent(line)
			pname = line
			sub(/^[ \t]*run(_in)?[ \t]+/, "", pname)
			pname = substr(pname, 1, 80)
		}
	}
	END { if (pending) report() }
	' "$1"
}

# the lint on itself: it finds a bare negative run, and takes an asserted one
cat >"$WORK/lint-bad.sh" <<'SH'
run "refused" 2 "$SIGN" frob
run "next" 0 true
run_in "any of two failures" "1 2" false
run_in "zero among them" "0 1" true
for x in a b; do
	run "in a loop" 1 false
done
expect "after the loop is too late" has x "$ERR"
run "continued" 1 \
	false
SH
cat >"$WORK/lint-good.sh" <<'SH'
run "refused" 2 "$SIGN" frob
expect "… says why" has "unknown command" "$ERR"
for x in a b; do
	run "in a loop \"$x\"" "$want" \
		false
	# a comment
	expect "… says why" has "no" "$ERR"
done
cat >"$WORK/text" <<EOT
run "in a here-document: text, not a command" 2 frob
EOT
run "json" 1 "$SIGN" -o json verify x
expect "… says why" has '"error"' "$OUT"
run "fine" 0 true
SH
lint_runs "$WORK/lint-bad.sh" >"$OUT"
expect "lint: finds a negative run with no message check" has "lint-bad.sh:1: " "$OUT"
expect "lint: … and one in a loop checked only after it" has "lint-bad.sh:6: " "$OUT"
expect "lint: … and a continued one at the end of the file" has "lint-bad.sh:9: " "$OUT"
expect "lint: … and a run_in that wants failures only" has "lint-bad.sh:3: " "$OUT"
expect "lint: … and nothing else" test "$(wc -l <"$OUT")" -eq 4
lint_runs "$WORK/lint-good.sh" >"$OUT"
expect "lint: takes runs that check the message" test ! -s "$OUT"

n=0
for f in "$TOP"/tests/cli/test_*.sh; do
	[ -f "$f" ] || continue
	n=$((n + 1))
	lint_runs "$f" | sed "s|^$TOP/||"
done >"$OUT" 2>"$ERR"
expect "lint: read the CLI tests ($n files)" test "$n" -gt 10 -a ! -s "$ERR"
expect "every run that wants a failure checks the message" test ! -s "$OUT"
sed 's/^/# no message check: /' "$OUT"

finish
