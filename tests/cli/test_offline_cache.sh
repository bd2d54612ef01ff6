#!/bin/bash
# test_offline_cache.sh - files read from the cache pass the checks a
# fetched one passes (issue 11, defect 3).
#
#   - after `sign signer remove alice`, a verifier's --offline refuses
#     alice's tag as its online verify does (the cached delegation file no
#     longer verifies under the cached targets, and is dropped);
#   - a cached targets, snapshot, timestamp or delegation file changed on
#     disk is refused --offline, named, and dropped from the cache; an
#     online verify then fetches and verifies it again;
#   - a cached root whose signatures no longer verify is refused --offline.
. "$(dirname "$0")/../lib/common.sh"

start_registry reg
G="$REG/team/app"
A="$WORK/owner"
V="$WORK/verifier"
M="$V/trust/$G/metadata"

DV=$(seed "$G:v1" 91)
DR=$(seed "$G:release-1" 92)
run "owner signs v1" 0 "$SIGN" --home "$A" push "$G:v1"
ALICE=$("$SIGN" --home "$A" key generate --role alice)
"$SIGN" --home "$A" key export "$ALICE" --public >"$WORK/alice.pub"
BOB=$("$SIGN" --home "$A" key generate --role bob)
"$SIGN" --home "$A" key export "$BOB" --public >"$WORK/bob.pub"
run "signer add alice" 0 "$SIGN" --home "$A" signer add alice "$G" --key "$WORK/alice.pub"
run "signer add bob" 0 "$SIGN" --home "$A" signer add bob "$G" --key "$WORK/bob.pub"
run "alice signs release-1 (targets/releases)" 0 "$SIGN" --home "$A" push --key "$ALICE" "$G:release-1"
run "a verifier verifies both online" 0 "$SIGN" --home "$V" verify "$G:v1" "$G:release-1"
expect "… and caches the delegation" test -s "$M/targets/releases.json"
cp "$M/targets/releases.json" "$WORK/releases-alice.json"
run "… and --offline" 0 "$SIGN" --home "$V" verify --offline "$G:v1" "$G:release-1"
expect "… the tag is in the cached delegation" has "^$G@$DR\$" "$OUT"

# --- a removed signer ------------------------------------------------------------------
# targets/releases stays (bob is in it), its file still holds alice's tag
# signed by alice only: it no longer verifies under the new targets
run "signer remove alice (bob stays)" 0 "$SIGN" --home "$A" signer remove alice "$G"
run "online: alice's tag is refused" 1 "$SIGN" --home "$V" verify "$G:release-1"
expect "… the delegation no longer verifies" has "skipping delegation: .*targets/releases" "$ERR"
expect "… and its cached copy is dropped" test ! -e "$M/targets/releases.json"
run "--offline: alice's tag is refused too" 1 "$SIGN" --home "$V" verify --offline "$G:release-1"
expect "… not signed in the cached state" has "release-1 is not signed" "$ERR"
expect "… the digest is not printed" lacks "$DR" "$OUT"
run "… while the owner's tag verifies offline" 0 "$SIGN" --home "$V" verify --offline "$G:v1"
# the delegation file that an older version left in the cache
cp "$WORK/releases-alice.json" "$M/targets/releases.json"
run "the removed signer's delegation file back in the cache: refused --offline" 1 \
	"$SIGN" --home "$V" verify --offline "$G:release-1"
expect "… it is checked and skipped, named" has "skipping delegation: .*targets/releases" "$ERR"
expect "… for its signatures" has "did not meet threshold for targets/releases" "$ERR"
expect "… the digest is not printed" lacks "$DR" "$OUT"
expect "… and it is dropped from the cache" test ! -e "$M/targets/releases.json"

# --- files changed on disk -----------------------------------------------------------
# flip ROLE-FILE: change one character of the version inside "signed"
# (the JSON stays valid; hashes and signatures no longer match)
flip() {
	sed -i 's/"version":\([0-9]\)/"version":9\1/' "$1"
}
H="$WORK/tamper"
run "a fresh verifier" 0 "$SIGN" --home "$H" verify "$G:v1"
MH="$H/trust/$G/metadata"
for role in timestamp snapshot targets; do
	cp "$MH/$role.json" "$WORK/$role.good"
	flip "$MH/$role.json"
	run "cached $role changed on disk: refused --offline" 1 "$SIGN" --home "$H" verify --offline "$G:v1"
	expect "… names the role" has "$role" "$ERR"
	expect "… says why" sh -c "grep -q 'did not meet threshold\|checksum\|does not match\|length' '$ERR'"
	expect "… the digest is not printed" lacks "$DV" "$OUT"
	expect "… the file is dropped from the cache" test ! -e "$MH/$role.json"
	expect "… and says so" has "dropped the cached $role" "$ERR"
	cp "$WORK/$role.good" "$MH/$role.json"
done
run "online, the cache is whole again" 0 "$SIGN" --home "$H" verify "$G:v1"
run "… and --offline verifies" 0 "$SIGN" --home "$H" verify --offline "$G:v1"

# a removed cached file is fetched again online
rm "$MH/targets.json"
run "--offline without a cached targets: nothing to verify with" 1 "$SIGN" --home "$H" verify --offline "$G:v1"
expect "… says nothing is cached" has "nothing cached for offline use" "$ERR"
run "online fetches it again" 0 "$SIGN" --home "$H" verify "$G:v1"
expect "… and caches it" test -s "$MH/targets.json"

# the cached root: its own signatures are checked offline
cp "$MH/root.json" "$WORK/root.good"
flip "$MH/root.json"
run "cached root changed on disk: refused --offline" 1 "$SIGN" --home "$H" verify --offline "$G:v1"
expect "… names the root" has "root" "$ERR"
expect "… the digest is not printed" lacks "$DV" "$OUT"
cp "$WORK/root.good" "$MH/root.json"
run "the good root back: --offline verifies" 0 "$SIGN" --home "$H" verify --offline "$G:v1"

# --- online, a cached copy is no evidence of its own -------------------------------------
# The registry serves a timestamp changed without re-signing, and the
# verifier's cache holds the very same bytes (a home filled by an older,
# weaker verifier, or by someone who could write it): identical bytes do
# not spare the signature check.
served_blob() { # served_blob TITLE: the bytes of a role file in G's trust artifact
	local d
	d=$(curl -sf -H "Accept: application/vnd.oci.image.manifest.v1+json" \
		"http://$REG/v2/team/app/manifests/_sign.trust" |
		grep -o "\"digest\":\"sha256:[0-9a-f]*\",\"size\":[0-9]*,\"annotations\":{\"org.opencontainers.image.title\":\"$1\"" |
		head -1 | sed 's/"digest":"\(sha256:[0-9a-f]*\)".*/\1/')
	[ -n "$d" ] && curl -sf "http://$REG/v2/team/app/blobs/$d"
}
run "the registry serves a tampered timestamp (version changed, signature not)" 0 \
	"$TOOLS/forge" tamper "$A" "$G:v1" timestamp
served_blob timestamp.json >"$MH/timestamp.json"
expect "… and the verifier's cache holds the same bytes" test -s "$MH/timestamp.json"
run "online: refused, though the bytes equal the cached copy" 1 "$SIGN" --home "$H" verify "$G:v1"
expect "… for its signature" has "did not meet threshold for timestamp" "$ERR"
expect "… the digest is not printed" lacks "$DV" "$OUT"

# --- pins hold offline -----------------------------------------------------------------
"$SIGN" --home "$WORK/x" key generate --role root >"$WORK/xid"
"$SIGN" --home "$WORK/x" key export "$(cat "$WORK/xid")" --public >"$WORK/other-root.pub"
run "--offline with a --root-key that did not sign the cached root: refused" 1 \
	"$SIGN" --home "$H" verify --offline --root-key "$WORK/other-root.pub" "$G:v1"
expect "… names the pin" has "pinned root key" "$ERR"

finish
