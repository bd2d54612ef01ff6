#!/bin/bash
# test_admission_trust.sh - `sign admission` (issue 13) rules that name
# where the trust data is and what it must hold, end to end: a real
# docker-registry and a real notary-server on loopback, AdmissionReviews
# posted over real HTTPS (curl) to a real `sign admission`:
#   - trust: notary (sign push --trust-server): a signed tag is allowed and
#     /mutate pins it; unsigned, revoked and moved tags are denied, and so is
#     a notary root that rootKeys do not pin, and an image whose rule names
#     a notary server that is down;
#   - rootCA: a root whose certificate chains to the CA is allowed, one that
#     does not is denied;
#   - signers and threshold: a tag signed by the required delegation role is
#     allowed; one signed by the repository key only, or by fewer roles than
#     the threshold, is denied.
# Denials are checked for the image and the reason in the message.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/notary.sh"
. "$(dirname "$0")/../lib/admission.sh"
. "$(dirname "$0")/../lib/admission_checks.sh"

if ! command -v notary-server >/dev/null 2>&1; then
	echo "# skipped: notary-server not installed (Debian package notary)"
	finish
	exit $?
fi

# key_of HOME ROLE [GUN]: key ID of the home's key for ROLE (and GUN)
key_of() {
	"$SIGN" --home "$1" -o json key list | jq -r --arg r "$2" --arg g "${3:-}" \
		'[.[] | select(.role == $r and ($g == "" or .gun == $g))][0].keyid // empty'
}

start_registry reg
start_notary notary
A="$WORK/home-publisher"

# --- fixtures: trust: notary ---------------------------------------------------------------
D_L1=$(seed "$REG/legacy/app:v1" 1)
run "harness: sign push --trust-server legacy/app:v1" 0 sign_ts --home "$A" push "$REG/legacy/app:v1"
seed "$REG/legacy/app:v2" 2 >/dev/null
run "harness: sign push --trust-server legacy/app:v2" 0 sign_ts --home "$A" push "$REG/legacy/app:v2"
run "harness: sign revoke --trust-server legacy/app:v2" 0 sign_ts --home "$A" revoke "$REG/legacy/app:v2"
seed "$REG/legacy/plain:v1" 3 >/dev/null
D_L3=$(seed "$REG/legacy/app:v3" 4)
run "harness: sign push --trust-server legacy/app:v3" 0 sign_ts --home "$A" push "$REG/legacy/app:v3"
D_L3_NOW=$(seed "$REG/legacy/app:v3" 5) # moved behind the trust data's back
seed "$REG/legacy-pinned/app:v1" 6 >/dev/null
run "harness: sign push --trust-server legacy-pinned/app:v1" 0 sign_ts --home "$A" push "$REG/legacy-pinned/app:v1"
seed "$REG/legacy-down/app:v1" 14 >/dev/null # its rule names a notary server no one runs
NOTARY_DOWN="http://127.0.0.1:$("$TOOLS/freeport")"
"$SIGN" --home "$A" key export "$(key_of "$A" root)" --public >"$WORK/root.pub"
"$SIGN" --home "$WORK/home-other" key generate --role root >"$WORK/other-id"
"$SIGN" --home "$WORK/home-other" key export "$(cat "$WORK/other-id")" --public >"$WORK/other-root.pub"
expect "harness: root public keys" sh -c "grep -q 'BEGIN PUBLIC KEY' '$WORK/root.pub' && grep -q 'BEGIN PUBLIC KEY' '$WORK/other-root.pub'"

# --- fixtures: rootCA (registry trust) -----------------------------------------------------
# The root of ca/app lists a certificate for its root key; that certificate
# is the CA the rule pins (as trust pinning by CA does), and a CA of its own
# is the one that must not match.
D_CA=$(seed "$REG/ca/app:v1" 7)
run "harness: sign push ca/app:v1" 0 "$SIGN" --home "$A" push "$REG/ca/app:v1"
run "harness: a verifier caches the root" 0 "$SIGN" --home "$WORK/home-ca" verify "$REG/ca/app:v1"
ROOTJSON="$WORK/home-ca/trust/$REG/ca/app/metadata/root.json"
jq -r '.signed.keys[] | select(.keytype == "ecdsa-x509") | .keyval.public' "$ROOTJSON" 2>/dev/null | head -1 |
	base64 -d >"$WORK/rootcert.pem" 2>/dev/null
expect "harness: the root certificate from root.json" has "BEGIN CERTIFICATE" "$WORK/rootcert.pem"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=other CA" \
	-keyout "$WORK/oca.key" -out "$WORK/oca.pem" 2>/dev/null
expect "harness: another CA" has "BEGIN CERTIFICATE" "$WORK/oca.pem"
seed "$REG/ca-other/app:v1" 8 >/dev/null
run "harness: sign push ca-other/app:v1" 0 "$SIGN" --home "$A" push "$REG/ca-other/app:v1"

# --- fixtures: signers (registry trust) ----------------------------------------------------
# sig/app:rel is signed into targets/alice (and targets/releases) with
# alice's key; sig/app:v1 by the repository key only.
P="$REG/sig/app"
D_SV1=$(seed "$P:v1" 9)
run "harness: sign push sig/app:v1" 0 "$SIGN" --home "$A" push "$P:v1"
ALICE=$("$SIGN" --home "$A" key generate --role alice)
"$SIGN" --home "$A" key export "$ALICE" --public >"$WORK/alice.pub"
run "harness: signer add alice" 0 "$SIGN" --home "$A" signer add alice "$P" --key "$WORK/alice.pub"
D_REL=$(seed "$P:rel" 10)
run "harness: sign push --key alice sig/app:rel" 0 "$SIGN" --home "$A" push --key "$ALICE" "$P:rel"
expect "harness: … into targets/alice" has "targets/alice" "$ERR"
# sig/app2: signers alice and bob; rel by both, rel1 by alice only
P2="$REG/sig/app2"
seed "$P2:v1" 11 >/dev/null
run "harness: sign push sig/app2:v1" 0 "$SIGN" --home "$A" push "$P2:v1"
BOB=$("$SIGN" --home "$A" key generate --role bob)
"$SIGN" --home "$A" key export "$BOB" --public >"$WORK/bob.pub"
run "harness: signer add alice (app2)" 0 "$SIGN" --home "$A" signer add alice "$P2" --key "$WORK/alice.pub"
run "harness: signer add bob (app2)" 0 "$SIGN" --home "$A" signer add bob "$P2" --key "$WORK/bob.pub"
D_REL2=$(seed "$P2:rel" 12)
run "harness: sign push --key alice sig/app2:rel" 0 "$SIGN" --home "$A" push --key "$ALICE" "$P2:rel"
run "harness: sign push --key bob sig/app2:rel" 0 "$SIGN" --home "$A" push --key "$BOB" "$P2:rel"
seed "$P2:rel1" 13 >/dev/null
run "harness: sign push --key alice sig/app2:rel1" 0 "$SIGN" --home "$A" push --key "$ALICE" "$P2:rel1"

# --- the server ----------------------------------------------------------------------------
adm_certs "$WORK/certs"
POLICY="$WORK/policy.yaml"
cat >"$POLICY" <<YAML
rules:
- images: ["$REG/legacy/*"]
  name: legacy
  trust: notary
  server: $NOTARY_URL
- images: ["$REG/legacy-pinned/*"]
  name: legacy-wrongroot
  trust: notary
  server: $NOTARY_URL
  rootKeys: [$WORK/other-root.pub]
- images: ["$REG/legacy-down/*"]
  name: legacy-down
  trust: notary
  server: $NOTARY_DOWN
- images: ["$REG/ca/*"]
  name: ca
  trust: registry
  rootCA: $WORK/rootcert.pem
- images: ["$REG/ca-other/*"]
  name: ca-other
  trust: registry
  rootCA: $WORK/oca.pem
- images: ["$P"]
  name: alice
  trust: registry
  signers: [targets/alice]
- images: ["$REG/sig/*"]
  name: alice-and-bob
  trust: registry
  signers: [targets/alice, targets/bob]
  threshold: 2
YAML
ADM_GLOBAL="--home $WORK/home-admission"
start_admission adm "$POLICY"

# --- trust: notary ---------------------------------------------------------------------------
I="$REG/legacy/app:v1"
review "notary: a signed tag" /validate Pod default l1 "$I"
expect "… allowed" allowed
review "notary: /mutate" /mutate Deployment default l1 "$I"
expect "… allowed" allowed
expect "… pinned to the digest notary holds" patch_is \
	"[{\"op\":\"replace\",\"path\":\"/spec/template/spec/containers/0/image\",\"value\":\"$REG/legacy/app@$D_L1\"}]"
I="$REG/legacy/app:v2"
review "notary: a revoked tag" /validate Pod default l2 "$I"
expect "… denied" denied
expect "… names the image and says it is not signed" says "$I" "is not signed: no trust data for that tag"
I="$REG/legacy/plain:v1"
review "notary: a repository never signed" /validate Pod default l3 "$I"
expect "… denied" denied
expect "… names the image and says it was never signed" says "$I" "never signed"
I="$REG/legacy/app:v3"
review "notary: a tag moved to unsigned bytes" /validate Pod default l4 "$I"
expect "… denied (the tag is resolved at the registry, not taken from notary)" denied
expect "… names the image, the signed digest and the one served" says "$I" \
	"is signed for $D_L3, not for the digest $D_L3_NOW given"
review "notary: its signed digest, by digest" /validate Pod default l5 "$REG/legacy/app@$D_L3"
expect "… allowed" allowed
review "notary: the bytes the tag points at now, by digest" /validate Pod default l6 "$REG/legacy/app@$D_L3_NOW"
expect "… denied" denied
expect "… names the image and says no signed tag has that digest" says "$REG/legacy/app@$D_L3_NOW" \
	"no tag of the trust data has that digest"
I="$REG/legacy-pinned/app:v1"
review "notary: rootKeys pin another root" /validate Pod default l7 "$I"
expect "… denied" denied
expect "… names the image and the pin" says "$I" "no root version is signed by the pinned root key"
I="$REG/legacy-down/app:v1"
review "notary: the rule's server is down" /validate Pod default l8 "$I"
expect "… denied" denied
expect "… names the image and the server it could not reach" says "$I" "connecting to notary server ${NOTARY_DOWN#http://}"
review "… and the next review of a signed tag" /validate Pod default l9 "$REG/legacy/app:v1"
expect "… is allowed" allowed

# --- rootCA -----------------------------------------------------------------------------------
review "rootCA: the root's certificate chains to the CA" /validate Pod default c1 "$REG/ca/app:v1"
expect "… allowed" allowed
review "rootCA: another CA" /validate Pod default c2 "$REG/ca-other/app:v1"
expect "… denied" denied
expect "… names the image and the CA pin" says "$REG/ca-other/app:v1" \
	"nor a certificate for this GUN that chains to the pinned CA"

# --- signers and threshold ----------------------------------------------------------------------
review "signers [targets/alice]: signed by alice" /validate Pod default s1 "$P:rel"
expect "… allowed" allowed
review "… /mutate pins it" /mutate Pod default s1 "$P:rel"
expect "… to its digest" patch_is \
	"[{\"op\":\"replace\",\"path\":\"/spec/containers/0/image\",\"value\":\"$P@$D_REL\"}]"
review "signers [targets/alice]: signed by the repository key only" /validate Pod default s2 "$P:v1"
expect "… denied" denied
expect "… names the image and the missing role" says "$P:v1" \
	"is signed by 0 of the required signers (none), 1 needed: missing targets/alice"
review "signers [alice, bob], threshold 2: signed by both" /validate Pod default s3 "$P2:rel"
expect "… allowed" allowed
review "signers [alice, bob], threshold 2: alice alone" /validate Pod default s4 "$P2:rel1"
expect "… denied" denied
expect "… names the image, who signed and who did not" says "$P2:rel1" \
	"is signed by 1 of the required signers (targets/alice), 2 needed: missing targets/bob"

expect "the server still runs" kill -0 "$ADM_PID"
expect "… no crash report" no_crash

stop_clean "the server" "$ADM_PID" "$ADM_LOG"

finish
