#!/bin/bash
# test_pinning.sh - trust pinning rules (config.json), trust on first use
# refused, `sign trust show` naming the rule, and sign revoke.
. "$(dirname "$0")/../lib/common.sh"

start_registry reg
P="$WORK/publisher"
seed "$REG/team/app:v1" 71 >/dev/null
seed "$REG/team/app:v2" 72 >/dev/null
seed "$REG/other/app:v1" 73 >/dev/null
run "push team/app:v1" 0 "$SIGN" --home "$P" push "$REG/team/app:v1"
run "push team/app:v2" 0 "$SIGN" --home "$P" push "$REG/team/app:v2"
run "push other/app:v1" 0 "$SIGN" --home "$P" push "$REG/other/app:v1"
ROOTID=$("$SIGN" --home "$P" -o json key list | tr -d ' \n' | grep -o '"keyid":"[0-9a-f]*","role":"root"' | sed 's/"keyid":"\([0-9a-f]*\)".*/\1/')
"$SIGN" --home "$P" key export "$ROOTID" --public >"$WORK/root.pub"
"$SIGN" --home "$WORK/x" key generate --role root >"$WORK/xid"
"$SIGN" --home "$WORK/x" key export "$(cat "$WORK/xid")" --public >"$WORK/other-root.pub"

# --- trust on first use refused -------------------------------------------------------
H="$WORK/h1"
run "trust tofu off" 0 "$SIGN" --home "$H" trust tofu off
expect "… written to config.json" has '"disable_tofu": true' "$H/config.json"
run "no pin and no trust on first use: refused" 1 "$SIGN" --home "$H" verify "$REG/team/app:v1"
expect "… says how to pin" has "sign trust pin" "$ERR"
run "trust show says verify will refuse" 0 "$SIGN" --home "$H" trust show "$REG/team/app"
expect "… in text" has "trust on first use: refused" "$OUT"
run "SIGN_DISABLE_TOFU=1 refuses too" 1 env SIGN_DISABLE_TOFU=1 "$SIGN" --home "$WORK/h1b" verify "$REG/team/app:v1"
expect "… says trust on first use is disabled" has "team/app: trust on first use is disabled and no root is pinned" "$ERR"

# --- prefix* rule --------------------------------------------------------------------
run "pin a prefix to the root key" 0 "$SIGN" --home "$H" trust pin "$REG/team/*" --root-key "$WORK/root.pub"
expect "… in config.json" has "\"$REG/team/\*\"" "$H/config.json"
run "a GUN under the prefix verifies" 0 "$SIGN" --home "$H" verify "$REG/team/app:v1"
run "trust show names the rule" 0 "$SIGN" --home "$H" -o json trust show "$REG/team/app"
expect "… the prefix rule" has "trust_pinning.certs" "$OUT"
run "a GUN outside it is refused (no TOFU)" 1 "$SIGN" --home "$H" verify "$REG/other/app:v1"
expect "… says trust on first use is disabled" has "other/app: trust on first use is disabled and no root is pinned" "$ERR"
run "a longer prefix wins" 0 "$SIGN" --home "$H" trust pin "$REG/team/app*" --root-key "$WORK/other-root.pub"
mkdir -p "$WORK/h1c" && cp "$H/config.json" "$WORK/h1c/config.json"
run "… and refuses the real root" 1 "$SIGN" --home "$WORK/h1c" verify "$REG/team/app:v1"
expect "… names the rule" has "team/app\*" "$ERR"

# --- CA rule: root certificates must chain to a bundle ----------------------------------
H2="$WORK/h2"
"$SIGN" --home "$WORK/h2tofu" verify "$REG/team/app:v1" >/dev/null 2>&1
ROOTJSON="$WORK/h2tofu/trust/$REG/team/app/metadata/root.json"
grep -o '"keytype":"ecdsa-x509","keyval":{"private":null,"public":"[^"]*"' "$ROOTJSON" | head -1 |
	sed 's/.*"public":"//; s/"$//' | base64 -d >"$WORK/rootcert.pem"
expect "root certificate extracted" has "BEGIN CERTIFICATE" "$WORK/rootcert.pem"
run "pin a GUN prefix to a CA bundle" 0 "$SIGN" --home "$H2" trust pin "$REG/team/" --ca "$WORK/rootcert.pem"
run "trust tofu off (h2)" 0 "$SIGN" --home "$H2" trust tofu off
run "a root chaining to the CA verifies" 0 "$SIGN" --home "$H2" verify "$REG/team/app:v1"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=other CA" \
	-keyout "$WORK/oca.key" -out "$WORK/oca.pem" 2>/dev/null
H3="$WORK/h3"
run "pin to another CA" 0 "$SIGN" --home "$H3" trust pin "$REG/team/" --ca "$WORK/oca.pem"
run "… refused" 1 "$SIGN" --home "$H3" verify "$REG/team/app:v1"
expect "… names the CA rule" has "trust_pinning.ca" "$ERR"

# --- revoke --------------------------------------------------------------------------
V="$WORK/verifier"
run "verify v1 and v2 before revoking" 0 "$SIGN" --home "$V" verify "$REG/team/app:v1" "$REG/team/app:v2"
run "sign revoke team/app:v2" 0 "$SIGN" --home "$P" revoke "$REG/team/app:v2"
run "verify the revoked tag" 1 "$SIGN" --home "$V" verify "$REG/team/app:v2"
expect "… not signed any more" has "not signed" "$ERR"
D72=$("$SIGN" --home "$V" -o json verify "$REG/team/app:v1" >/dev/null 2>&1; skopeo inspect --raw --tls-verify=false "docker://$REG/team/app:v2" | sha256sum | cut -d' ' -f1)
run "… its detached signature is gone" 22 curl -sf -o /dev/null -w "%{http_code}" -H "Accept: application/vnd.oci.image.manifest.v1+json" \
	"http://$REG/v2/team/app/manifests/sha256-$D72.sig"
expect "… the registry answers 404" test "$(cat "$OUT")" = 404
run "… by digest too" 1 "$SIGN" --home "$V" verify "$REG/team/app@sha256:$D72"
expect "… says no tag has that digest" has "is not signed: no tag of the trust data has that digest" "$ERR"
run "the other tag still verifies" 0 "$SIGN" --home "$V" verify "$REG/team/app:v1"
run "revoke -o json" 0 "$SIGN" --home "$P" -o json revoke "$REG/team/app:v1"
expect "… JSON" has '"revoked"' "$OUT"
run "revoke a tag that is not signed" 1 "$SIGN" --home "$P" revoke "$REG/team/app:v9"
expect "… says the tag is not signed" has "revoke $REG/team/app:v9: the tag is not signed" "$ERR"
run "revoke without a tag" 2 "$SIGN" --home "$P" revoke "$REG/team/app@sha256:$D72"
expect "… says to name the tag" has "name the tag to revoke" "$ERR"
run "push again after a revoke" 0 "$SIGN" --home "$P" push "$REG/team/app:v2"
run "… verifies again" 0 "$SIGN" --home "$V" verify "$REG/team/app:v2"

# revoke in an OCI layout
L="$WORK/layout"
"$MKIMAGE" "$L" v1 74 >/dev/null
run "push oci" 0 "$SIGN" --home "$P" push "oci:$L:v1"
run "revoke oci" 0 "$SIGN" --home "$P" revoke "oci:$L:v1"
run "… verify refused" 1 "$SIGN" --home "$V" verify "oci:$L:v1"
expect "… says it is not signed" has "local/layout:v1 is not signed: no trust data for that tag" "$ERR"
expect "… signature tag gone from the layout" lacks '\.sig"' "$L/index.json"

finish
