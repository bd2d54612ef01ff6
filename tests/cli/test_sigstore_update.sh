#!/bin/bash
# test_sigstore_update.sh - `sign trust sigstore-update` against a TUF 1.0
# repository served from the test (tests/tools/tufgen builds it step by
# step, tests/tools/dirserve serves it on a random loopback port):
#
#   - the first update starts from --tuf-root and caches trusted_root.json;
#   - a root rotation (v2 signed by the old and the new root key, new online
#     key) is followed, and the new trusted_root.json cached;
#   - an expired timestamp, a timestamp rolled back below the cached
#     version, and a root whose root role's threshold is not met are
#     refused (exit 1), each with its reason, and the cache keeps the last
#     good trusted root.
. "$(dirname "$0")/../lib/common.sh"

G="$WORK/gen"
H="$WORK/home"
mkdir -p "$G" "$H"
chmod 700 "$H"
"$TOOLS/tufgen" "$G" init || { echo "tufgen init failed" >&2; exit 1; }
LOG="$WORK/dirserve.log"
: >"$LOG"
"$TOOLS/dirserve" "$G/repo" "$LOG" &
PIDS="$PIDS $!"
if ! wait_log "$LOG" "^listening on"; then
	echo "could not start dirserve" >&2
	exit 1
fi
URL="http://$(sed -n 's/^listening on //p' "$LOG" | head -1)"
CACHE="$H/sigstore/${URL#http://}"
CACHE="${CACHE//:/_}"
update() { "$SIGN" --home "$H" trust sigstore-update --tuf-url "$URL" --tuf-root "$G/repo/1.root.json" "$@"; }

run "a repository other than the public good needs --tuf-root" 2 "$SIGN" --home "$WORK/other" trust sigstore-update --tuf-url "$URL"
expect "… and says so" has "no trusted root.json yet" "$ERR"

run "first update from --tuf-root" 0 update
expect "… reports root version 1" has "TUF root version 1" "$ERR"
expect "… caches trusted_root.json" has "trusted root 1" "$CACHE/targets/trusted_root.json"
expect "… and the TUF metadata" readable "$CACHE/root.json" "$CACHE/timestamp.json" "$CACHE/snapshot.json" "$CACHE/targets.json"
expect "… fetched the target by its hashed name" has "GET /targets/[0-9a-f]*\.trusted_root\.json 200" "$LOG"

run "-o json" 0 "$SIGN" --home "$H" -o json trust sigstore-update --tuf-url "$URL"
expect "… prints the root version" has '"root_version":1' "$OUT"

"$TOOLS/tufgen" "$G" rotate
run "update through a root rotation" 0 update
expect "… reports root version 2" has "TUF root version 2" "$ERR"
expect "… caches the new trusted_root.json" has "trusted root 2" "$CACHE/targets/trusted_root.json"
expect "… fetched 2.root.json" has "GET /2.root.json 200" "$LOG"

"$TOOLS/tufgen" "$G" expired
run "an expired timestamp is refused" 1 update
expect "… as expired" has "timestamp (version 3): expired" "$ERR"
expect "… the cache keeps trusted root 2" has "trusted root 2" "$CACHE/targets/trusted_root.json"
expect "… and the cached timestamp version 2" has '"version": 2' "$CACHE/timestamp.json"

"$TOOLS/tufgen" "$G" rollback
run "a timestamp older than the cached one is refused" 1 update
expect "… as a rollback" has "timestamp: version 1 is older than the trusted version 2 (rollback)" "$ERR"

"$TOOLS/tufgen" "$G" threshold
run "a root whose threshold is not met is refused" 1 update
expect "… naming the threshold" has "root version 3 is not signed by its own root role.*threshold 2 not met" "$ERR"
expect "… the cached root stays version 2" has '"version": 2' "$CACHE/root.json"

# the verify commands read the trusted root an update cached (--tuf-url names
# the instance), offline: a second repository whose target is a real
# trusted root, that of a throwaway Fulcio and Rekor (fakesigstore)
SS="$WORK/sigstore"
"$TOOLS/fakesigstore" init "$SS" >/dev/null
echo "an artifact" >"$WORK/artifact"
ID=https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main
ISS=https://token.actions.githubusercontent.com
"$TOOLS/fakesigstore" sign "$SS" --payload "$WORK/artifact" --identity "$ID" --issuer "$ISS" --out "$WORK/signed" >/dev/null
G2="$WORK/gen2"
mkdir -p "$G2"
TUFGEN_TARGET="$SS/trusted_root.json" "$TOOLS/tufgen" "$G2" init
LOG2="$WORK/dirserve2.log"
: >"$LOG2"
"$TOOLS/dirserve" "$G2/repo" "$LOG2" &
PIDS="$PIDS $!"
wait_log "$LOG2" "^listening on" || { echo "could not start dirserve" >&2; exit 1; }
URL2="http://$(sed -n 's/^listening on //p' "$LOG2" | head -1)"
run "update from a repository whose target is a real trusted root" 0 "$SIGN" --home "$H" trust sigstore-update \
	--tuf-url "$URL2" --tuf-root "$G2/repo/1.root.json"
blob() { "$SIGN" --home "$H" verify-blob --bundle "$WORK/signed/bundle.sigstore.json" --certificate-identity "$ID" \
	--certificate-oidc-issuer "$ISS" "$@" "$WORK/artifact"; }
run "verify-blob --tuf-url verifies against the cached trusted root, offline" 0 blob --tuf-url "$URL2"
expect "… Verified OK" has "^Verified OK: sha256:" "$OUT"
expect "… with no warning (its TUF metadata is fresh)" lacks "warning" "$ERR"
# a year and more on, the cached TUF metadata has expired: the cached root
# still serves, offline, with a warning (the verifier's clock runs ahead
# under libfaketime; the TUF metadata of tufgen lasts 365 days)
if ldd "$SIGN" 2>/dev/null | grep -q "statically linked" || ! command -v faketime >/dev/null 2>&1; then
	echo "# skipped: an expired cache: needs faketime and a dynamically linked sign"
else
	run "400 days on: the expired cache still verifies" 0 env \
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" FAKETIME_DONT_FAKE_MONOTONIC=1 \
		faketime -f +400d "$SIGN" --home "$H" verify-blob --bundle "$WORK/signed/bundle.sigstore.json" \
		--certificate-identity "$ID" --certificate-oidc-issuer "$ISS" --tuf-url "$URL2" "$WORK/artifact"
	expect "… with a warning that its TUF metadata has expired" \
		has "warning: the cached Sigstore trusted root's TUF metadata has expired" "$ERR"
	expect "… and the hint to update" has "run .sign trust sigstore-update." "$ERR"
fi
run "without --tuf-url: the public good's root (none cached: the embedded one) does not trust it" 1 blob
expect "… its CA is not a Fulcio CA of that root" grep -qE "not a transparency log of the trusted root|no Fulcio CA" "$ERR"
run "--tuf-url of a repository never updated is an error" 2 blob --tuf-url http://127.0.0.1:9/none
expect "… with the hint to update" grep -q "sign trust sigstore-update" "$ERR"
run "a cached target that is no trusted root is an error, not a pass" 2 blob --tuf-url "$URL"
expect "… saying the cached trusted root is malformed" has "the cached trusted root" "$ERR"
run "--tuf-url and --trusted-root together are a usage error" 2 blob --tuf-url "$URL2" --trusted-root "$SS/trusted_root.json"
expect "… saying so" has "not both" "$ERR"

finish
