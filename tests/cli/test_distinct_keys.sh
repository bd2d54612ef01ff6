#!/bin/bash
# test_distinct_keys.sh - thresholds count distinct public keys, not key IDs
# (issue 11, "one key meets a threshold of two"), against a real
# docker-registry:
#   - sign signer add refuses one key given twice, as a.pub and as its
#     compressed form (two key IDs for notary), naming both IDs; a key given
#     compressed is listed under the ID `sign key list` shows;
#   - forged (tests/tools/forge dup-key): targets/releases lists key A under
#     two IDs with threshold 2 and is signed by A under both, and two
#     detached signatures by A: verify refuses the role, naming why;
#   - forged: the same role with a second key B, its file signed by A and B,
#     but the detached signatures are two by A only: verify refuses them
#     (step 6 counts keys too); once B signs as well it verifies, and
#     `-o json` (verify, inspect) lists each key once;
#   - a real two-key signer (one key given compressed): verify -o json
#     lists each signer key once, under its canonical ID.
. "$(dirname "$0")/../lib/common.sh"

# tuf_id PEM: the TUF key ID of an EC public key as the PEM file encodes it
# (notary's rule, computed here independently of sign)
tuf_id() {
	printf '{"keytype":"ecdsa","keyval":{"private":null,"public":"%s"}}' \
		"$(grep -v -- '-----' "$1" | tr -d '\n')" | sha256sum | cut -d' ' -f1
}
# occurrences PATTERN FILE: how many times PATTERN appears in FILE
occurrences() { grep -o -- "$1" "$2" | wc -l; }
DUPMSG="valid signatures did not meet threshold for targets/releases: 1 more signature(s) by a key already counted under another key ID (a threshold counts distinct keys)"

start_registry reg
A="$WORK/home-owner"

# key A: PEM public key, its compressed form, and the private key in a home
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$WORK/a.key" 2>/dev/null
openssl pkey -in "$WORK/a.key" -pubout -out "$WORK/a.pub" 2>/dev/null
openssl ec -pubin -in "$WORK/a.pub" -conv_form compressed -pubout -out "$WORK/a-compressed.pub" 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$WORK/b.key" 2>/dev/null
openssl pkey -in "$WORK/b.key" -pubout -out "$WORK/b.pub" 2>/dev/null
IDU=$(tuf_id "$WORK/a.pub")
IDC=$(tuf_id "$WORK/a-compressed.pub")
IDB=$(tuf_id "$WORK/b.pub")
expect "harness: a.pub and a-compressed.pub, two encodings with two key IDs" \
	test -n "$IDU" -a "$IDU" != "$IDC" -a "$(wc -c <"$WORK/a-compressed.pub")" -lt "$(wc -c <"$WORK/a.pub")"
run "key import a.key" 0 "$SIGN" --home "$A" key import "$WORK/a.key" --role ci
expect "… its ID is the one of the uncompressed key" test "$(cat "$OUT")" = "$IDU"
run "key import b.key" 0 "$SIGN" --home "$A" key import "$WORK/b.key" --role ci
expect "… its ID" test "$(cat "$OUT")" = "$IDB"

###############################################################################
# signer add refuses one key twice
###############################################################################
P="$REG/dup"
seed "$P:v1" 1 >/dev/null
run "owner signs $P:v1" 0 "$SIGN" --home "$A" push "$P:v1"
run "signer add --key a.pub --key a-compressed.pub --threshold 2 is refused" 2 \
	"$SIGN" --home "$A" signer add ci "$P" --key "$WORK/a.pub" --key "$WORK/a-compressed.pub" --threshold 2
expect "… names the ID of a.pub" has "a.pub (key ID $IDU)" "$ERR"
expect "… and the ID of a-compressed.pub" has "a-compressed.pub (key ID $IDC)" "$ERR"
expect "… says why" has "are the same public key: a threshold counts distinct keys" "$ERR"
run "… refused without --threshold too" 2 \
	"$SIGN" --home "$A" signer add ci "$P" --key "$WORK/a-compressed.pub" --key "$WORK/a.pub"
expect "… same message" has "are the same public key" "$ERR"
run "… nothing was added" 0 "$SIGN" --home "$A" -o json signer list "$P"
expect "… no roles" has "\"roles\":\[\]" "$OUT"
run "signer add with the compressed key alone" 0 "$SIGN" --home "$A" -o json signer add solo "$P" \
	--key "$WORK/a-compressed.pub"
expect "… lists it under the ID sign key list shows" \
	has "\"signer_role\":{\"role\":\"targets/solo\",\"keyids\":\[\"$IDU\"\]" "$OUT"
expect "… not under the compressed encoding's ID" lacks "$IDC" "$OUT"
run "… adding a.pub to the same signer adds nothing" 0 "$SIGN" --home "$A" -o json signer add solo "$P" \
	--key "$WORK/a.pub"
expect "… still one key" has "\"signer_role\":{\"role\":\"targets/solo\",\"keyids\":\[\"$IDU\"\]," "$OUT"
run "… and --threshold 2 cannot be set on it" 2 "$SIGN" --home "$A" signer add solo "$P" \
	--key "$WORK/a.pub" --threshold 2
expect "… one key" has "threshold 2 but 1 key" "$ERR"

###############################################################################
# forged: one key under two IDs meets a threshold of 2 in the metadata
###############################################################################
P1="$REG/dup1"
seed "$P1:v1" 2 >/dev/null
D1=$(seed "$P1:rel" 3)
run "owner signs $P1:v1" 0 "$SIGN" --home "$A" push "$P1:v1"
run "forge: targets/releases lists A twice (threshold 2), signed by A under both IDs" 0 \
	"$TOOLS/forge" dup-key "$A" "$P1:rel" "$WORK/a.key"
expect "… under the uncompressed and the compressed ID" test "$(cat "$OUT")" = "$IDU $IDC"
run "verify refuses the forged role" 1 "$SIGN" --home "$WORK/v1" verify "$P1:rel"
expect "… the role's signatures are by one key" has "$DUPMSG" "$ERR"
expect "… so the tag is not signed" has "targets/releases did not verify (too few signatures" "$ERR"
expect "… prints nothing to pull" test ! -s "$OUT"
run "… nor with -o json" 1 "$SIGN" --home "$WORK/v1b" -o json verify "$P1:rel"
expect "… verified false" has "\"verified\":false" "$OUT"
expect "… no digest to pull" lacks "$D1" "$OUT"

###############################################################################
# forged: the metadata is signed by two keys, the detached signatures by one
###############################################################################
P2="$REG/dup2"
seed "$P2:v1" 4 >/dev/null
D2=$(seed "$P2:rel" 5)
run "owner signs $P2:v1" 0 "$SIGN" --home "$A" push "$P2:v1"
run "forge: A under two IDs and B, threshold 2; role file by A and B; detached two by A" 0 \
	"$TOOLS/forge" dup-key "$A" "$P2:rel" "$WORK/a.key" "$WORK/b.key"
run "verify refuses: two detached signatures by one key" 1 "$SIGN" --home "$WORK/v2" verify "$P2:rel"
expect "… one of two" has "$P2@$D2: 1 valid signature(s), the role needs 2" "$ERR"
expect "… the role itself verified" lacks "did not meet threshold" "$ERR"
run "forge: B adds its detached signature" 0 "$TOOLS/forge" add-sig "$A" "$P2:rel" "$WORK/b.key"
run "verify accepts A and B" 0 "$SIGN" --home "$WORK/v2" -o json verify "$P2:rel"
expect "… the digest" has "\"digest\":\"$D2\"" "$OUT"
expect "… signers: A once" test "$(occurrences "$IDU" "$OUT")" = 1
expect "… B once" test "$(occurrences "$IDB" "$OUT")" = 1
expect "… not A's other ID" lacks "$IDC" "$OUT"
expect "… two signers" has "\"signers\":\[\"[0-9a-f]*\",\"[0-9a-f]*\"\]" "$OUT"
run "inspect lists the signer's keys" 0 "$SIGN" --home "$WORK/v2" -o json inspect "$P2"
expect "… ci with A and B" sh -c "tr -d ' \n' <'$OUT' | grep -q '{\"Name\":\"ci\",\"Keys\":\[{\"ID\":\"$IDU\"},{\"ID\":\"$IDB\"}\]}'"
expect "… not A's other ID" lacks "$IDC" "$OUT"
run "signer add to the role that lists A twice is refused" 2 "$SIGN" --home "$A" signer add ci "$P2" \
	--key "$WORK/b.pub"
expect "… names the two IDs of A" has "targets/ci: key IDs $IDU and $IDC are the same public key" "$ERR"
run "… signer remove ci takes it out" 0 "$SIGN" --home "$A" signer remove ci "$P2"
run "… and it can be added again, each key once" 0 "$SIGN" --home "$A" -o json signer add ci "$P2" \
	--key "$WORK/a-compressed.pub" --key "$WORK/b.pub" --threshold 2
expect "… A under its canonical ID" has "\"keyids\":\[\"$IDU\",\"$IDB\"\],\"paths\":\[\"\"\],\"threshold\":2" "$OUT"

###############################################################################
# a real signer with two keys (A given compressed): each key once
###############################################################################
P3="$REG/two"
seed "$P3:v1" 6 >/dev/null
D3=$(seed "$P3:rel" 7)
run "owner signs $P3:v1" 0 "$SIGN" --home "$A" push "$P3:v1"
run "signer add ci --key a-compressed.pub --key b.pub --threshold 2" 0 "$SIGN" --home "$A" -o json \
	signer add ci "$P3" --key "$WORK/a-compressed.pub" --key "$WORK/b.pub" --threshold 2
expect "… both keys, canonical IDs" has "\"keyids\":\[\"$IDU\",\"$IDB\"\],\"paths\":\[\"\"\],\"threshold\":2" "$OUT"
run "push --key A,B" 0 "$SIGN" --home "$A" push --key "$IDU,$IDB" "$P3:rel"
run "verify -o json" 0 "$SIGN" --home "$WORK/v3" -o json verify "$P3:rel"
expect "… the digest" has "\"digest\":\"$D3\"" "$OUT"
expect "… from targets/releases" has "\"role\":\"targets/releases\"" "$OUT"
expect "… signers: A once" test "$(occurrences "$IDU" "$OUT")" = 1
expect "… B once" test "$(occurrences "$IDB" "$OUT")" = 1
expect "… two signers" has "\"signers\":\[\"[0-9a-f]*\",\"[0-9a-f]*\"\]" "$OUT"

finish
