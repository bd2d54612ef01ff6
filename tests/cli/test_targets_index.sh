#!/bin/bash
# test_targets_index.sh - the verified targets index (issue 14).
#
# How its use is observed: `sign -v -v` prints libsign's debug lines, and
# the verify says where the targets came from: "read from the verified
# targets index ... not from the targets file" when the index stood for
# them, "the targets index of G is not used: WHY" and "wrote the verified
# targets index" when the files were checked (and indexed) instead.  A
# forged index is a warning: "failed its checks (WHY): it is rebuilt".
#
#   - the home keeps the targets file once (metadata/, not also in
#     cache/blobs);
#   - a warm verify reads the index; its answer is the full path's (the
#     --offline verify never reads the index: it checks the cached files);
#   - after a push of another tag the index is stale, rebuilt, and the new
#     tag verifies; an unsigned tag is refused through the index as before;
#   - an entry's digest or name edited on disk, the file truncated, an index
#     from another GUN or another home, a changed or broken MAC key: never
#     believed, the right digest (or refusal) printed, the index rebuilt.
. "$(dirname "$0")/../lib/common.sh"

start_registry reg
G="$REG/team/app"
G2="$REG/team/other"
A="$WORK/owner"
V="$WORK/verifier"
IX="$V/trust/$G/metadata/targets.index"
KEY="$V/cache/index.key"

D1=$(seed "$G:v1" 31)
D2=$(seed "$G:v2" 32)
DN=$(seed "$G:nosig" 33)
run "owner signs v1 and v2" 0 "$SIGN" --home "$A" push "$G:v1" "$G:v2"

# --- built on the first verify, read on the next -------------------------------------
run "first verify" 0 "$SIGN" --home "$V" -v -v verify "$G:v1"
expect "… prints the digest" has "^$G@$D1\$" "$OUT"
expect "… no index yet" has "targets index of $G is not used: none yet" "$ERR"
expect "… writes one" has "wrote the verified targets index of $G (1 file)" "$ERR"
expect "… beside the cached targets" test -s "$IX"
expect "… mode 0600" test "$(stat -c %a "$IX")" = 600
expect "… the home's index key, 0600, 32 bytes" \
	test "$(stat -c %a "$KEY") $(stat -c %s "$KEY")" = "600 32"
TH=$(sha256sum "$V/trust/$G/metadata/targets.json" | cut -d' ' -f1)
expect "… the targets kept once: not also as a blob" test ! -e "$V/cache/blobs/$TH"
expect "… (the snapshot is, as before)" test -e "$V/cache/blobs/$(sha256sum "$V/trust/$G/metadata/snapshot.json" | cut -d' ' -f1)"
expect "… nor in the publisher's home" test ! -e "$A/cache/blobs/$(sha256sum "$A/trust/$G/metadata/targets.json" | cut -d' ' -f1)"
run "warm verify" 0 "$SIGN" --home "$V" -v -v verify "$G:v1"
expect "… prints the digest" has "^$G@$D1\$" "$OUT"
expect "… reads the index, not the targets file" \
	has "$G: targets and 0 delegation(s) read from the verified targets index (2 targets), not from the targets file" "$ERR"
expect "… and writes none" lacks "wrote the verified targets index" "$ERR"
expect "… the other tag too" sh -c "'$SIGN' --home '$V' verify '$G:v2' | grep -qx '$G@$D2'"
cp "$IX" "$WORK/index.good"
run "an unsigned tag, through the index" 1 "$SIGN" --home "$V" -v -v verify "$G:nosig"
expect "… is refused as ever" has "$G:nosig is not signed: no trust data for that tag" "$ERR"
expect "… by the index" has "read from the verified targets index" "$ERR"
expect "… which holds (nothing rebuilt)" lacks "failed its checks" "$ERR"
expect "… the digest is not printed" lacks "$DN" "$OUT"
run "offline (the cached files, checked; no index)" 0 "$SIGN" --home "$V" -v -v verify --offline "$G:v1" "$G:v2"
expect "… the same answers" sh -c "grep -qx '$G@$D1' '$OUT' && grep -qx '$G@$D2' '$OUT'"
expect "… not from the index" lacks "verified targets index" "$ERR"

# --- a change: the index is stale, rebuilt ---------------------------------------------
D3=$(seed "$G:v3" 34)
run "owner signs v3" 0 "$SIGN" --home "$A" push "$G:v3"
run "verify v3" 0 "$SIGN" --home "$V" -v -v verify "$G:v3"
expect "… prints its digest" has "^$G@$D3\$" "$OUT"
expect "… the old index is not used" has "targets index of $G is not used: the snapshot lists other files" "$ERR"
expect "… a new one is written" has "wrote the verified targets index of $G" "$ERR"
run "warm again" 0 "$SIGN" --home "$V" -v -v verify "$G:v3" "$G:v1"
expect "… from the new index" has "read from the verified targets index (3 targets)" "$ERR"
expect "… both digests" sh -c "grep -qx '$G@$D3' '$OUT' && grep -qx '$G@$D1' '$OUT'"

# --- forged on disk ---------------------------------------------------------------------
# byte offsets (man/sign-formats.5): header_len is the u32 at 20; entry i
# starts at header_len + 32 + 88 i, its digest 16 bytes in; entries are
# sorted by name: v1, v2, v3
u32() { od -An -tu4 -j"$2" -N4 "$1" | tr -d ' '; }
entry() { echo $(($(u32 "$IX" 20) + 32 + 88 * $1)); }
flip() { # flip FILE OFFSET: invert one byte
	local b
	b=$(od -An -tu1 -j"$2" -N1 "$1" | tr -d ' ')
	printf "\\$(printf %o $((255 - b)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
warm_again() { # warm_again WHAT: the rebuilt index is read on the next verify
	run "$1: the next verify" 0 "$SIGN" --home "$V" -v -v verify "$G:v1"
	expect "… reads the rebuilt index" has "read from the verified targets index (3 targets)" "$ERR"
	expect "… the right digest" has "^$G@$D1\$" "$OUT"
}

flip "$IX" $(($(entry 0) + 16))
run "v1's entry: a digest byte changed" 0 "$SIGN" --home "$V" -v -v verify "$G:v1"
expect "… the right digest still" has "^$G@$D1\$" "$OUT"
expect "… the forged entry is named" has "warning: the targets index of $G failed its checks (an entry does not verify): it is rebuilt" "$ERR"
expect "… and the index rebuilt" has "wrote the verified targets index of $G" "$ERR"
warm_again "digest edited"

# v1's entry takes v2's digest (both entries well formed, the MAC is v1's)
dd if="$IX" of="$IX" bs=1 skip=$(($(entry 1) + 16)) seek=$(($(entry 0) + 16)) count=32 conv=notrunc status=none
run "v1's entry holds v2's digest" 0 "$SIGN" --home "$V" -v -v verify "$G:v1"
expect "… v1's digest is printed" has "^$G@$D1\$" "$OUT"
expect "… not v2's" lacks "$D2" "$OUT"
expect "… the entry is refused" has "failed its checks (an entry does not verify)" "$ERR"
warm_again "digest swapped"

# v1's name in the strings made "zz": v1 would be absent
strings_at=$(($(entry 3)))
printf 'zz' | dd of="$IX" bs=1 seek="$strings_at" conv=notrunc status=none
run "v1's name changed (v1 would be absent)" 0 "$SIGN" --home "$V" -v -v verify "$G:v1"
expect "… v1 verifies" has "^$G@$D1\$" "$OUT"
expect "… the entry is refused" has "failed its checks (an entry does not verify)" "$ERR"
warm_again "name changed"

truncate -s -40 "$IX"
run "the index truncated" 0 "$SIGN" --home "$V" -v -v verify "$G:v1"
expect "… the right digest" has "^$G@$D1\$" "$OUT"
expect "… the index is refused, saying why" has "failed its checks (targets index: its sizes do not add up" "$ERR"
warm_again "truncated"

flip "$IX" 40
run "the header's root hash changed" 0 "$SIGN" --home "$V" -v -v verify "$G:v1"
expect "… the right digest" has "^$G@$D1\$" "$OUT"
expect "… the header's MAC fails" has "failed its checks (targets index: the header's MAC does not verify" "$ERR"
warm_again "header edited"

D4=$(seed "$G2:x" 35)
run "owner signs another GUN" 0 "$SIGN" --home "$A" push "$G2:x"
run "the verifier verifies it" 0 "$SIGN" --home "$V" verify "$G2:x"
cp "$V/trust/$G2/metadata/targets.index" "$IX"
run "the other GUN's index in place of G's" 0 "$SIGN" --home "$V" -v -v verify "$G:v1"
expect "… the right digest" has "^$G@$D1\$" "$OUT"
expect "… not the other's" lacks "$D4" "$OUT"
expect "… its MAC holds (same home) but it names another root" has "targets index of $G is not used: it was built under another root" "$ERR"
warm_again "another GUN's"
cp "$IX" "$WORK/g-index"
cp "$WORK/g-index" "$V/trust/$G2/metadata/targets.index"
run "G's index under $G2: v1 is not signed there" 1 "$SIGN" --home "$V" -v -v verify "$G2:v1"
expect "… refused" has "$G2:v1 is not signed" "$ERR"
expect "… G's index was not believed" has "targets index of $G2 is not used: it was built under another root" "$ERR"

run "another home verifies" 0 "$SIGN" --home "$WORK/v2" verify "$G:v1"
cp "$WORK/v2/trust/$G/metadata/targets.index" "$IX"
run "another home's index (another key)" 0 "$SIGN" --home "$V" -v -v verify "$G:v1"
expect "… the right digest" has "^$G@$D1\$" "$OUT"
expect "… its MAC fails under this home's key" has "failed its checks (targets index: the header's MAC does not verify (tampered, or another home's key))" "$ERR"
warm_again "another home's"

head -c 32 /dev/urandom >"$KEY"
run "the MAC key changed" 0 "$SIGN" --home "$V" -v -v verify "$G:v1"
expect "… the right digest" has "^$G@$D1\$" "$OUT"
expect "… the index fails under the new key" has "failed its checks (targets index: the header's MAC does not verify" "$ERR"
warm_again "key changed"
printf 'short' >"$KEY"
run "the MAC key broken (5 bytes)" 0 "$SIGN" --home "$V" -v -v verify "$G:v1"
expect "… the right digest" has "^$G@$D1\$" "$OUT"
expect "… a new key is made: the index fails under it" has "failed its checks (targets index: the header's MAC does not verify" "$ERR"
expect "… the key is whole again" test "$(stat -c %a "$KEY") $(stat -c %s "$KEY")" = "600 32"
warm_again "key broken"

# a FIFO in its place: not waited on (a verify that hung would be stopped by timeout)
rm -f "$IX"
mkfifo "$IX"
run "a FIFO in place of the index" 0 timeout 60 "$SIGN" --home "$V" -v -v verify "$G:v1"
expect "… the right digest" has "^$G@$D1\$" "$OUT"
expect "… refused as no regular file" has "failed its checks (reading .*targets.index: not a regular file)" "$ERR"
warm_again "FIFO"
expect "… a file again" test -f "$IX"

# an unsigned tag against a forged index: never a digest
flip "$IX" $(($(entry 2) + 16))
run "nosig with a forged index" 1 "$SIGN" --home "$V" -v -v verify "$G:nosig"
expect "… refused as ever" has "$G:nosig is not signed: no trust data for that tag" "$ERR"
expect "… no digest" lacks "$DN" "$OUT"
run "v3's forged entry is met" 0 "$SIGN" --home "$V" -v -v verify "$G:v3"
expect "… v3's digest" has "^$G@$D3\$" "$OUT"
expect "… the entry refused, the index rebuilt" has "failed its checks (an entry does not verify): it is rebuilt" "$ERR"

# --- delegations: targets/releases first, as docker pull ------------------------------------
ALICE=$("$SIGN" --home "$A" key generate --role alice)
"$SIGN" --home "$A" key export "$ALICE" --public >"$WORK/alice.pub"
run "signer add alice" 0 "$SIGN" --home "$A" signer add alice "$G" --key "$WORK/alice.pub"
DR=$(seed "$G:release-1" 36)
run "alice signs release-1 (targets/releases)" 0 "$SIGN" --home "$A" push --key "$ALICE" "$G:release-1"
D2R=$(seed "$G:v2" 37)
run "alice signs v2 anew in targets/releases (targets keeps the old v2)" 0 \
	"$SIGN" --home "$A" push --key "$ALICE" "$G:v2"
run "verify release-1 (index rebuilt with the delegation)" 0 "$SIGN" --home "$V" -v -v verify "$G:release-1"
expect "… its digest" has "^$G@$DR\$" "$OUT"
expect "… indexed with its delegation" has "wrote the verified targets index of $G (3 files)" "$ERR"
run "warm: every tag through the index" 0 "$SIGN" --home "$V" -v -v verify "$G:release-1" "$G:v1" "$G:v2" "$G:v3"
expect "… read from it" has "targets and 2 delegation(s) read from the verified targets index" "$ERR"
cp "$OUT" "$WORK/via-index"
run "the same tags --offline (full path)" 0 "$SIGN" --home "$V" verify --offline "$G:release-1" "$G:v1" "$G:v2" "$G:v3"
expect "… the same answers" cmp -s "$OUT" "$WORK/via-index"
expect "… v2 from targets/releases first, as docker pull" has "^$G@$D2R\$" "$WORK/via-index"
run "--signer alice, through the index" 0 "$SIGN" --home "$V" -v -v verify --signer alice "$G:release-1"
expect "… alice signs it" has "^$G@$DR\$" "$OUT"
run "--signer alice for a tag she did not sign" 1 "$SIGN" --home "$V" -v -v verify --signer alice "$G:v1"
expect "… refused, naming her" has "signed by 0 of the required signers (none), 1 needed: missing targets/alice (does not sign v1)" "$ERR"
expect "… from the index" has "read from the verified targets index" "$ERR"

finish
