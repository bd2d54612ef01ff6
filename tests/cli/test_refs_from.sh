#!/bin/bash
# test_refs_from.sh - --refs-from FILE|- on push, verify and revoke (issue
# 14): references one a line, after those of the command line, from a file
# or standard input; blank lines and "#" comments skipped, spaces and a
# CR around a reference trimmed; a line over 4096 bytes, a NUL byte, a file
# that cannot be read or holds no reference refused with a message.  Against
# a real docker-registry.
. "$(dirname "$0")/../lib/common.sh"

start_registry reg
P="$WORK/publisher"
G="$REG/batch/app"
DA=$(seed "$G:a" 61)
DB=$(seed "$G:b" 62)
DC=$(seed "$G:c" 63)
seed "$G:d" 64 >/dev/null

# a file: a comment, a blank line, a reference with spaces and a CR
printf '# release 7\n\n  %s\t\n%s\r\n' "$G:b" "$G:c" >"$WORK/refs"
run "push REF --refs-from FILE" 0 "$SIGN" --home "$P" push "$G:a" --refs-from "$WORK/refs"
expect "… signs the command line's reference and the file's, in order" \
	test "$(cat "$OUT")" = "$(printf '%s\n' "$G@$DA" "$G@$DB" "$G@$DC")"

"$SIGN" --home "$P" verify --refs-from - >"$OUT" 2>"$ERR" <<REFS
$G:c
# skipped
$G:b
REFS
rc=$?
expect "verify --refs-from - (standard input) passes" test "$rc" -eq 0
expect "… and prints the digests to pull by, in order" \
	test "$(cat "$OUT")" = "$(printf '%s\n' "$G@$DC" "$G@$DB")"

# many more references than a command line would want: the same three, 200 times
for _ in $(seq 200); do printf '%s\n' "$G:a" "$G:b" "$G:c"; done >"$WORK/many"
run "verify --refs-from FILE of 600 references" 0 "$SIGN" --home "$P" verify --refs-from "$WORK/many"
expect "… prints 600 digests" test "$(wc -l <"$OUT")" -eq 600
expect "… each the one its tag was signed for" \
	test "$(sort "$OUT" | uniq -c | awk '{ print $1 }' | sort -u)" = 200

# an unsigned tag among them: exit 1, the others still verified
printf '%s\n' "$G:a" "$G:d" >"$WORK/mixed"
run "verify -o json --refs-from with an unsigned tag fails" 1 \
	"$SIGN" --home "$P" -o json verify --refs-from "$WORK/mixed"
expect "… the signed one verified" \
	test "$(jq -r '.results[0] | "\(.reference) \(.verified) \(.digest)"' "$OUT")" = "$G:a true $DA"
expect "… the unsigned one named and refused" \
	test "$(jq -r '.results[1] | "\(.reference) \(.verified) \(.exit)"' "$OUT")" = "$G:d false 1"
expect "… ok is false" test "$(jq -r .ok "$OUT")" = false

run "revoke --refs-from -" 0 sh -c "printf '%s\n' '$G:b' | '$SIGN' --home '$P' revoke --refs-from -"
expect "… says what it revoked" has "^sign: revoked $G:b ($DB)" "$ERR"
run "… and the tag no longer verifies" 1 "$SIGN" --home "$P" verify "$G:b"
expect "… says it is not signed" has "^sign: .*batch/app:b is not signed" "$ERR"
run "… while the others still do" 0 "$SIGN" --home "$P" verify "$G:a" "$G:c"

# refusals, each with its reason, before anything is signed
run "--refs-from a missing file" 2 "$SIGN" --home "$P" push --refs-from "$WORK/nope"
expect "… says it cannot open it" has "^sign: --refs-from $WORK/nope: cannot open: No such file or directory" "$ERR"
{ echo "$G:a"; head -c 4097 /dev/zero | tr '\0' x; echo; } >"$WORK/long"
run "a line over 4096 bytes" 2 "$SIGN" --home "$P" verify --refs-from "$WORK/long"
expect "… is refused by its number" has "^sign: --refs-from $WORK/long: line 2 is longer than 4096 bytes" "$ERR"
expect "… and nothing was verified" test ! -s "$OUT"
printf '%s\n%s\0:x\n' "$G:a" "$G:c" >"$WORK/nul"
run "a NUL byte in a line" 2 "$SIGN" --home "$P" revoke --refs-from "$WORK/nul"
expect "… is refused by its number" has "^sign: --refs-from $WORK/nul: line 2 holds a NUL byte" "$ERR"
run "… and nothing was revoked" 0 "$SIGN" --home "$P" verify "$G:a" "$G:c"
printf '# nothing\n\n' >"$WORK/empty"
run "a file of no reference" 2 "$SIGN" --home "$P" push --refs-from "$WORK/empty"
expect "… says so" has "^sign: push needs a REF: --refs-from $WORK/empty holds none" "$ERR"
run "verify with neither REF nor --refs-from" 2 "$SIGN" --home "$P" verify
expect "… says it needs a REF" has "^sign: verify needs at least one REF" "$ERR"

finish
