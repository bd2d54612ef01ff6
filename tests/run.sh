#!/bin/bash
# run.sh BUILD - the whole suite: unit tests (cmocka), then the CLI tests
# against real servers on loopback.  Prints "N passed, N failed" and fails
# when anything failed.
set -u
cd "$(dirname "$0")/.."
BUILD=${1:-build}
export SIGN_BUILD=$BUILD
export VECTORS=${VECTORS:-tests/vectors}
[ -d "$VECTORS" ] || { echo "run.sh: test vectors not found at $VECTORS" >&2; exit 1; }
export VECTORS=$(cd "$VECTORS" && pwd)
results=$(mktemp)
export RESULTS=$results
pass=0
fail=0

units=0
for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	units=$((units + 1))
	echo "# unit: $(basename "$t")"
	if "$t"; then
		pass=$((pass + 1))
	else
		echo "FAIL - unit test $(basename "$t")"
		fail=$((fail + 1))
	fi
done

# a suite that ran nothing must not pass
if [ "$units" -eq 0 ]; then
	echo "FAIL - no unit test in $BUILD/tests"
	fail=$((fail + 1))
fi

clis=0
for s in tests/cli/test_*.sh; do
	[ -f "$s" ] || continue
	clis=$((clis + 1))
	echo "# cli: $(basename "$s")"
	before=$(wc -l <"$results")
	if ! bash "$s"; then
		echo "# $(basename "$s") reported failures"
	fi
	if [ "$(wc -l <"$results")" -eq "$before" ]; then
		echo "FAIL - $(basename "$s") stopped before its end"
		fail=$((fail + 1))
	fi
done

if [ "$clis" -eq 0 ]; then
	echo "FAIL - no CLI test in tests/cli"
	fail=$((fail + 1))
fi

while read -r p f; do
	pass=$((pass + p))
	fail=$((fail + f))
done <"$results"
rm -f "$results"
echo
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
