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
run "trust refresh --gun of a layout" 0 "$SIGN" --home "$H" trust refresh --gun example.com/team/app "oci:$WORK/l2"
expect "… says when it expires" has "now expires at" "$ERR"
run "trust refresh -o json" 0 "$SIGN" --home "$H" -o json trust refresh --gun example.com/team/app --lifetime 30d "oci:$WORK/l2"
expect "… JSON" has '"timestamp_expires"' "$OUT"
run "… still verifies" 0 "$SIGN" --home "$V" verify --gun example.com/team/app "oci:$WORK/l2:v1"
run "trust show (text)" 0 "$SIGN" --home "$H" trust show example.com/team/app
expect "… lifetime 30 days" has "2592000" "$OUT"
run "one layout holds one GUN's trust data" 1 "$SIGN" --home "$H" push --gun example.com/team/other "oci:$WORK/l2:v1"

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

# verify --key: cosign's key-only mode
run "repository key id" 0 "$SIGN" --home "$H" -o json key list
REPOID=$(tr -d ' \n' <"$OUT" | grep -o '"keyid":"[0-9a-f]*","role":"targets","gun":"'"$REG"'/up"' | sed 's/"keyid":"\([0-9a-f]*\)".*/\1/')
run "export it" 0 "$SIGN" --home "$H" key export "$REPOID" --public
cp "$OUT" "$WORK/up.pub"
run "verify --key PUB (key-only mode)" 0 "$SIGN" --home "$V" verify --key "$WORK/up.pub" "$REG/up:1.0"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$WORK/x.pem" 2>/dev/null
openssl pkey -in "$WORK/x.pem" -pubout -out "$WORK/x.pub" 2>/dev/null
run "verify --key with another key" 1 "$SIGN" --home "$V" verify --key "$WORK/x.pub" "$REG/up:1.0"

# offline: the cache only
run "verify --offline from the cache" 0 "$SIGN" --home "$V" verify --offline "$REG/up:1.0"
run "verify --offline with nothing cached" 1 "$SIGN" --home "$WORK/empty" verify --offline "$REG/up:1.0"

# make demo, end to end, in a temporary folder
run "make demo's script" 0 env DEMO_DIR="$WORK/demo" "$TOP/scripts/demo.sh" "$SIGN_BUILD"
expect "… verified the image" has "^oci:$WORK/demo/demo@sha256:" "$OUT"
expect "… rejected the swapped image" has "moved" "$ERR"
expect "… rejected the corrupted trust data" has "rejected (exit" "$OUT"

finish
