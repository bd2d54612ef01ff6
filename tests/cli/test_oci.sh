#!/bin/bash
# test_oci.sh - the OCI layout backend (oci:DIR), push --from, inspect, and
# the demo.
. "$(dirname "$0")/../lib/common.sh"

H="$WORK/home"
V="$WORK/verifier"
L="$WORK/layout"
"$MKIMAGE" "$L" v1 11 >/dev/null
D11=$("$MKIMAGE" "$L" v1 11)

run "push oci:DIR:tag" 0 "$SIGN" --home "$H" push "oci:$L:v1"
expect "… prints oci:DIR@digest" has "^oci:$L@$D11\$" "$OUT"
expect "… the layout holds the trust artifact" has '"_sign.trust"' "$L/index.json"
expect "… and the signature tag" has "sha256-${D11#sha256:}.sig" "$L/index.json"
run "verify oci:DIR:tag (TOFU)" 0 "$SIGN" --home "$V" verify "oci:$L:v1"
expect "… prints the digest" has "^oci:$L@$D11\$" "$OUT"
run "inspect oci:DIR" 0 "$SIGN" --home "$V" -o json inspect "oci:$L"
expect "… lists the tag" has '"SignedTag": "v1"' "$OUT"
expect "… names the GUN local/layout" has '"Name": "local/layout"' "$OUT"
run "inspect text" 0 "$SIGN" --home "$V" inspect "oci:$L"
expect "… shows the roles" has "timestamp" "$OUT"
"$MKIMAGE" "$WORK/l2" v1 11 >/dev/null
run "--gun names the GUN" 0 "$SIGN" --home "$H" push --gun example.com/team/app "oci:$WORK/l2:v1"
run "… verify with the same --gun" 0 "$SIGN" --home "$V" verify --gun example.com/team/app "oci:$WORK/l2:v1"
run "… another GUN is refused (the certificate names the GUN)" 1 "$SIGN" --home "$WORK/v2" verify --gun example.com/team/other "oci:$WORK/l2:v1"
expect "… says the certificate names another GUN" has "no valid root certificate for example.com/team/other: certificate CN \"example.com/team/app\" does not match the GUN" "$ERR"
run "trust refresh --gun of a layout" 0 "$SIGN" --home "$H" trust refresh --gun example.com/team/app "oci:$WORK/l2"
expect "… says when it expires" has "now expires at" "$ERR"
run "trust refresh -o json" 0 "$SIGN" --home "$H" -o json trust refresh --gun example.com/team/app --lifetime 30d "oci:$WORK/l2"
expect "… JSON" has '"timestamp_expires"' "$OUT"
run "… still verifies" 0 "$SIGN" --home "$V" verify --gun example.com/team/app "oci:$WORK/l2:v1"
run "trust show (text)" 0 "$SIGN" --home "$H" trust show example.com/team/app
expect "… lifetime 30 days" has "2592000" "$OUT"
run "one layout holds one GUN's trust data" 1 "$SIGN" --home "$H" push --gun example.com/team/other "oci:$WORK/l2:v1"
expect "… says the certificate names another GUN" has "no valid root certificate for example.com/team/other: certificate CN \"example.com/team/app\" does not match the GUN" "$ERR"

# a swapped image in the layout
"$MKIMAGE" "$L" v1 12 >/dev/null
run "swapped image in the layout" 1 "$SIGN" --home "$V" verify "oci:$L:v1"
expect "… says the tag moved" has "moved" "$ERR"

# push --from oci:DIR to a registry
start_registry reg
S="$WORK/src"
DS=$("$MKIMAGE" "$S" rel 13)
run "push --from oci:DIR:tag REF uploads and signs" 0 "$SIGN" --home "$H" push --from "oci:$S:rel" "$REG/up:1.0"
expect "… prints the digest" has "^$REG/up@$DS\$" "$OUT"
run "skopeo sees the uploaded image" 0 skopeo inspect --raw --tls-verify=false "docker://$REG/up:1.0"
run "verify the uploaded image" 0 "$SIGN" --home "$V" verify "$REG/up:1.0"
expect "… prints the digest" has "^$REG/up@$DS\$" "$OUT"
run "push --from a missing layout" 2 "$SIGN" --home "$H" push --from "oci:$WORK/nope:rel" "$REG/up:2.0"
expect "… says it is not an OCI image layout" has "nope is not an OCI image layout: reading .*nope/oci-layout: no such file" "$ERR"

# the OCI 1.1 referrers form (with the tag schema fallback): verify discovers it
DRF=$("$MKIMAGE" "$S" ref 14)
run "push --referrers" 0 "$SIGN" --home "$H" push --referrers --from "oci:$S:ref" "$REG/refs:1"
run "… no cosign .sig tag" 22 curl -sf -o /dev/null -w "%{http_code}" -H "Accept: application/vnd.oci.image.manifest.v1+json" \
	"http://$REG/v2/refs/manifests/sha256-${DRF#sha256:}.sig"
expect "… the registry answers 404" test "$(cat "$OUT")" = 404
run "… the fallback index sha256-<hex> lists the signature" 0 curl -sf -H "Accept: application/vnd.oci.image.index.v1+json" \
	"http://$REG/v2/refs/manifests/sha256-${DRF#sha256:}"
expect "… with cosign's artifactType" has "application/vnd.dev.cosign.artifact.sig.v1+json" "$OUT"
run "verify finds the signature through the referrers fallback" 0 "$SIGN" --home "$V" verify "$REG/refs:1"
expect "… prints the digest" has "^$REG/refs@$DRF\$" "$OUT"
run "push --referrers again adds no duplicate" 0 "$SIGN" --home "$H" -o json push --referrers "$REG/refs:1"
expect "… new_signature false" has '"new_signature":false' "$OUT"
run "… the index still has one entry" 0 curl -sf -H "Accept: application/vnd.oci.image.index.v1+json" \
	"http://$REG/v2/refs/manifests/sha256-${DRF#sha256:}"
expect "… one" test "$(grep -o '"digest"' "$OUT" | wc -l)" -eq 1
LR="$WORK/lref"
"$MKIMAGE" "$LR" v1 15 >/dev/null
run "push --referrers into a layout" 0 "$SIGN" --home "$H" push --referrers "oci:$LR:v1"
run "… verify" 0 "$SIGN" --home "$V" verify "oci:$LR:v1"

# verify --key: cosign's key-only mode
run "repository key id" 0 "$SIGN" --home "$H" -o json key list
REPOID=$(tr -d ' \n' <"$OUT" | grep -o '"keyid":"[0-9a-f]*","role":"targets","gun":"'"$REG"'/up"' | sed 's/"keyid":"\([0-9a-f]*\)".*/\1/')
run "export it" 0 "$SIGN" --home "$H" key export "$REPOID" --public
cp "$OUT" "$WORK/up.pub"
run "verify --key PUB (key-only mode)" 0 "$SIGN" --home "$V" verify --key "$WORK/up.pub" "$REG/up:1.0"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$WORK/x.pem" 2>/dev/null
openssl pkey -in "$WORK/x.pem" -pubout -out "$WORK/x.pub" 2>/dev/null
run "verify --key with another key" 1 "$SIGN" --home "$V" verify --key "$WORK/x.pub" "$REG/up:1.0"
expect "… says no signature is by that key" has "no detached signature is by a key the root authorises" "$ERR"

# offline: the cache only
run "verify --offline from the cache" 0 "$SIGN" --home "$V" verify --offline "$REG/up:1.0"
run "verify --offline with nothing cached" 1 "$SIGN" --home "$WORK/empty" verify --offline "$REG/up:1.0"
expect "… says nothing is cached" has "nothing cached for offline use" "$ERR"

# --recursive: an index and its platform manifests
# make_index DIR: two platform images (seeds 51, 52) and an index tagged "multi"
make_index() {
	local m=$1 sa sb si
	DA=$("$MKIMAGE" "$m" amd 51)
	DB=$("$MKIMAGE" "$m" arm 52)
	sa=$(stat -c %s "$m/blobs/sha256/${DA#sha256:}")
	sb=$(stat -c %s "$m/blobs/sha256/${DB#sha256:}")
	printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%s,"platform":{"architecture":"amd64","os":"linux"}},{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%s,"platform":{"architecture":"arm64","os":"linux"}}]}' \
		"$DA" "$sa" "$DB" "$sb" >"$WORK/index.json"
	DI="sha256:$(sha256sum "$WORK/index.json" | cut -d' ' -f1)"
	cp "$WORK/index.json" "$m/blobs/sha256/${DI#sha256:}"
	si=$(stat -c %s "$WORK/index.json")
	sed -i "s|\"manifests\":\[|\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"digest\":\"$DI\",\"size\":$si,\"annotations\":{\"org.opencontainers.image.ref.name\":\"multi\"}},|" "$m/index.json"
}
# repo_pub GUN FILE: export the repository public key of GUN from $H
repo_pub() {
	local id
	id=$("$SIGN" --home "$H" -o json key list | tr -d ' \n' | grep -o '"keyid":"[0-9a-f]*","role":"targets","gun":"'"$1"'"' | sed 's/"keyid":"\([0-9a-f]*\)".*/\1/')
	"$SIGN" --home "$H" key export "$id" --public >"$2"
}
make_index "$WORK/multi"
run "push --recursive of an index" 0 "$SIGN" --home "$H" push --recursive "oci:$WORK/multi:multi"
expect "… prints the index digest" has "^oci:$WORK/multi@$DI\$" "$OUT"
run "… the index verifies" 0 "$SIGN" --home "$V" verify "oci:$WORK/multi:multi"
repo_pub local/multi "$WORK/multi.pub"
run "… each platform manifest carries a signature (amd64)" 0 "$SIGN" --home "$V" verify --key "$WORK/multi.pub" "oci:$WORK/multi@$DA"
run "… (arm64)" 0 "$SIGN" --home "$V" verify --key "$WORK/multi.pub" "oci:$WORK/multi@$DB"
make_index "$WORK/multi2"
run "push an index without --recursive" 0 "$SIGN" --home "$H" push "oci:$WORK/multi2:multi"
repo_pub local/multi2 "$WORK/multi2.pub"
run "… then a platform manifest has no signature" 1 "$SIGN" --home "$V" verify --key "$WORK/multi2.pub" "oci:$WORK/multi2@$DA"
expect "… says no signature was found" has "local/multi2@sha256:[0-9a-f]*: no detached signature found" "$ERR"
run "… but the index has" 0 "$SIGN" --home "$V" verify --key "$WORK/multi2.pub" "oci:$WORK/multi2@$DI"

# make demo, end to end, in a temporary folder
run "make demo's script" 0 env DEMO_DIR="$WORK/demo" "$TOP/scripts/demo.sh" "$SIGN_BUILD"
expect "… verified the image" has "^oci:$WORK/demo/demo@sha256:" "$OUT"
expect "… rejected the swapped image" has "moved" "$ERR"
expect "… rejected the corrupted trust data" has "rejected (exit" "$OUT"

finish
