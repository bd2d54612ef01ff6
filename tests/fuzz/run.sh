#!/bin/bash
# run.sh FUZZ_BUILD - `make fuzz`: for each harness FUZZ_BUILD/fuzz_NAME,
# first replay the crash reproducers kept in tests/fuzz/crashes/NAME/ (each
# must now pass), then fuzz for FUZZ_SECONDS (default 30) seconds, starting
# from the seed corpus tests/fuzz/corpus/NAME/.  New inputs go to
# FUZZ_BUILD/corpus/NAME/ (the committed seeds are not touched), a crash to
# FUZZ_BUILD/crashes/NAME-*.  Fails when any harness crashed.
# FUZZ_JOBS=N runs N harnesses at a time (default 1); FUZZ_ONLY=NAME one.
# A harness's dictionary of tokens is tests/fuzz/NAME.dict (see dict_of).
set -u
cd "$(dirname "$0")/../.."
B=${1:-build/fuzz}
SECS=${FUZZ_SECONDS:-30}
JOBS=${FUZZ_JOBS:-1}
failed=0
names=()
for bin in "$B"/fuzz_*; do
	[ -x "$bin" ] || continue
	n=${bin##*/fuzz_}
	[ -z "${FUZZ_ONLY:-}" ] || [ "$FUZZ_ONLY" = "$n" ] || continue
	names+=("$n")
done
[ ${#names[@]} -gt 0 ] || { echo "fuzz: no harness in $B (make fuzz-build)" >&2; exit 2; }

# the libFuzzer dictionary of a harness (tests/fuzz/*.dict), if it has one
dict_of() {
	case $1 in
	cjson | tuf_scan | dsse | intoto | rekor | bundle | tuf1 | sigstore_root | attest) echo json ;;
	cosign_*) echo cosign ;;
	registry_error | notary_error | notary_key) echo errors ;;
	*) echo "$1" ;;
	esac
}

one() {
	local n=$1 bin=$B/fuzz_$1 log=$B/logs/$1.log
	mkdir -p "$B/corpus/$n" "$B/crashes" "$B/logs"
	: >"$log"
	if [ -d "tests/fuzz/crashes/$n" ] && ls "tests/fuzz/crashes/$n"/* >/dev/null 2>&1; then
		if ! "$bin" -runs=1 "tests/fuzz/crashes/$n"/* >>"$log" 2>&1; then
			echo "FAIL - fuzz $n: a reproducer in tests/fuzz/crashes/$n crashes again (see $log)"
			return 1
		fi
	fi
	# -rss_limit_mb: the cosign key's scrypt alone takes 64 MiB; ASan doubles
	# what the parsers allocate
	local seeds=() dict=() d
	[ -d "tests/fuzz/corpus/$n" ] && seeds=("tests/fuzz/corpus/$n")
	d=tests/fuzz/$(dict_of "$n").dict
	[ -f "$d" ] && dict=("-dict=$d")
	if "$bin" -max_total_time="$SECS" -timeout=25 -rss_limit_mb=2048 -max_len=65536 \
		"${dict[@]}" -print_final_stats=1 -artifact_prefix="$B/crashes/$n-" \
		"$B/corpus/$n" "${seeds[@]}" >>"$log" 2>&1; then
		local stats
		stats=$(grep -E '^#[0-9]+.*DONE' "$log" | tail -1)
		echo "ok - fuzz $n: ${stats:-done} ($(ls "$B/corpus/$n" | wc -l) new inputs)"
		return 0
	fi
	echo "FAIL - fuzz $n: see $log; the input is in $B/crashes/$n-*"
	grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$log" | head -5 | sed 's/^/#   /'
	return 1
}

running=0
pids=()
for n in "${names[@]}"; do
	one "$n" &
	pids+=($!)
	running=$((running + 1))
	if [ "$running" -ge "$JOBS" ]; then
		wait -n || failed=$((failed + 1))
		running=$((running - 1))
	fi
done
while [ "$running" -gt 0 ]; do
	wait -n || failed=$((failed + 1))
	running=$((running - 1))
done
echo "fuzz: ${#names[@]} harnesses, $failed failed"
[ "$failed" -eq 0 ]
