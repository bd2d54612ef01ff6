#!/bin/bash
# test_publish_integrity.sh - what a publisher signs and publishes (issue 11):
# a push signs the digest of the bytes it uploaded or fetched, never what a
# registry names afterwards or in a header; a signed tag is never lost
# silently to a concurrent publisher.  The attacks are made by
# tests/tools/tufproxy in front of a real docker-registry.
. "$(dirname "$0")/../lib/common.sh"

start_registry reg

# One tufproxy in front of the registry, for the whole script: the GUN
# names host:port, so every command goes through it.  Its attack is read
# from $MODE at each request ("pass": none).  Sets P (host:port).
MODE="$WORK/proxy.mode"
PLOG="$WORK/proxy.log"
echo pass >"$MODE"
"$TOOLS/tufproxy" "${REG##*:}" "$PLOG" "@$MODE" 2>>"$PLOG" &
PIDS="$PIDS $!"
if ! wait_log "$PLOG" "listening on"; then
	echo "could not start tufproxy:" >&2
	cat "$PLOG" >&2
	exit 1
fi
P=$(sed -n 's/^listening on //p' "$PLOG" | head -1)
attack() { echo "$*" >"$MODE"; }

# the attacker's image, already in the registry (another repository)
DX=$(seed "$REG/evil:x" 9)
curl -sf -H "Accept: application/vnd.oci.image.manifest.v1+json" \
	"http://$REG/v2/evil/manifests/x" >"$WORK/evil.json"
expect "the attacker's manifest is saved" test -s "$WORK/evil.json"
# and its blobs in the target repository, so that what it serves is whole
skopeo copy --quiet --src-tls-verify=false --dest-tls-verify=false "docker://$REG/evil:x" \
	"docker://$REG/app:evil" >/dev/null 2>&1

# --- defect 2: push --from signs what it uploaded --------------------------------
"$MKIMAGE" "$WORK/layout" v1 1 >"$WORK/d1"
D1=$(cat "$WORK/d1")
H="$WORK/home-publisher"
seed "$REG/app:base" 5 >/dev/null
run "the publisher signs a first tag" 0 "$SIGN" --home "$H" push "$P/app:base"

attack movetag-v1 "$WORK/evil.json $DX"
run "push --from through a registry that moves the tag after the upload" 2 \
	"$SIGN" --home "$H" push --from "oci:$WORK/layout:v1" "$P/app:v1"
expect "… the proxy did move the tag" has "^moved " "$PLOG"
expect "… names the digest uploaded" has "$D1" "$ERR"
expect "… names the digest the registry now serves" has "$DX" "$ERR"
expect "… says nothing was signed" has "nothing was signed" "$ERR"
attack pass
run "inspect the trust data after it" 0 "$SIGN" --home "$WORK/home-look1" -o json inspect "$P/app"
expect "… the attacker's digest is not signed" lacks "${DX#sha256:}" "$OUT"
expect "… nor is v1" lacks '"v1"' "$OUT"
if curl -sf -o /dev/null "http://$REG/v2/app/manifests/sha256-${DX#sha256:}.sig"; then
	bad "… no detached signature over the attacker's digest" "one exists"
else
	ok "… no detached signature over the attacker's digest"
fi

# the same push with no attack signs the uploaded digest
run "push --from, no attack" 0 "$SIGN" --home "$H" push --from "oci:$WORK/layout:v1" "$P/app:v1"
expect "… prints the uploaded digest" has "^$P/app@$D1\$" "$OUT"
run "… a fresh home verifies it" 0 "$SIGN" --home "$WORK/home-v1" verify "$P/app:v1"
expect "… at the uploaded digest" has "^$P/app@$D1\$" "$OUT"

# --- defect 2: a plain push hashes the manifest it fetched -----------------------
D2=$(seed "$REG/app:v2" 2)
attack liedigest-v2 "$DX"
run "plain push through a registry whose digest header lies" 2 "$SIGN" --home "$H" push "$P/app:v2"
expect "… the proxy did lie" has "^lied " "$PLOG"
expect "… names the digest of the content" has "$D2" "$ERR"
expect "… names the digest the header claims" has "$DX" "$ERR"
attack pass
run "inspect after it" 0 "$SIGN" --home "$WORK/home-look2" -o json inspect "$P/app"
expect "… the header's digest is not signed" lacks "${DX#sha256:}" "$OUT"
expect "… nor is v2" lacks '"v2"' "$OUT"

finish
