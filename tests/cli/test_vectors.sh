#!/bin/bash
# test_vectors.sh - the test vectors are part of the tree: no test, script,
# CI step or Makefile line reads them from outside it (../shared), and the
# folder's README names where each set comes from.
. "$(dirname "$0")/../lib/common.sh"

cd "$TOP" || exit 2
grep -rn '\.\./shared\|/shared/vectors' Makefile tests scripts .ci \
	--exclude=test_vectors.sh --exclude-dir=vectors >"$OUT" 2>"$ERR"
rc=$?
expect "nothing in Makefile, tests, scripts or .ci reads ../shared" test ! -s "$OUT"
expect "… and grep read them all (exit 1: no match, no error)" test "$rc" -eq 1 -a ! -s "$ERR"
expect "the Makefile's default VECTORS is tests/vectors" has '^VECTORS ?= tests/vectors$' Makefile
expect "tests/run.sh's default too" has 'VECTORS:-tests/vectors' tests/run.sh
for d in tests/vectors/*/; do
	d=${d%/}
	expect "tests/vectors/README.md names the source of ${d##*/}" has "^## ${d##*/}/" tests/vectors/README.md
done
# every vector a unit test names by path is in the tree
grep -ohE '"(notary|cosign-local|containers-image-cosign)/[^"%]+"' tests/unit/*.c | tr -d '"' | sort -u >"$WORK/named"
expect "the unit tests name vectors by path" test -s "$WORK/named"
missing=""
while read -r f; do
	[ -f "tests/vectors/$f" ] || missing="$missing $f"
done <"$WORK/named"
expect "every vector the unit tests name is in tests/vectors ($(wc -l <"$WORK/named") files)" test -z "$missing"
[ -z "$missing" ] || echo "# missing:$missing"

finish
