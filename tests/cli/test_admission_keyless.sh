#!/bin/bash
# test_admission_keyless.sh - `sign admission` rules with trust: keyless:
# upstream images signed with cosign keylessly (a throwaway Fulcio, CT log,
# Rekor and TSA made by tests/tools/fakesigstore, attached as cosign does in
# a real docker-registry), reviewed over real HTTPS:
#   - the workflow's identity (identityRegexp) and issuer are allowed, and
#     /mutate pins the tag to the verified digest;
#   - another identity, another issuer, an unsigned image, and a signature
#     whose SCT does not verify are denied, each with the reason.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/admission.sh"
. "$(dirname "$0")/../lib/admission_checks.sh"
export SIGN_HOME="$WORK/home" # never the home of whoever runs the tests

FAKE="$TOOLS/fakesigstore"
SS="$WORK/sigstore"
ISS=https://token.actions.githubusercontent.com
ID=https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1.0.0
EVIL=https://github.com/evil/app/.github/workflows/release.yml@refs/heads/main

start_registry
"$FAKE" init "$SS" >/dev/null || { bad "harness: fakesigstore init" "failed"; finish; exit 1; }

# keyless REPO SEED SAN ISSUER [fakesigstore sign options]: an image signed
# keylessly and attached; prints its digest
keyless() {
	local repo=$1 seedval=$2 san=$3 iss=$4 dig
	shift 4
	dig=$(seed "$REG/$repo:v1" "$seedval")
	"$FAKE" payload "$REG/$repo" "$dig" >"$WORK/payload-$seedval"
	"$FAKE" sign "$SS" --payload "$WORK/payload-$seedval" --identity "$san" --issuer "$iss" \
		--out "$WORK/sig-$seedval" "$@" >/dev/null &&
		"$FAKE" attach "$REG" "$repo" "$dig" "$WORK/sig-$seedval" >/dev/null ||
		echo "# harness: keyless $repo failed" >&2
	echo "$dig"
}
D_GOOD=$(keyless acme/app 1 "$ID" "$ISS")
keyless acme/forked 2 "$EVIL" "$ISS" >/dev/null
keyless acme/otherissuer 3 "$ID" https://accounts.google.com >/dev/null
keyless acme/badsct 4 "$ID" "$ISS" --bad-sct >/dev/null
seed "$REG/acme/unsigned:v1" 5 >/dev/null

adm_certs "$WORK/certs"
POLICY="$WORK/policy.yaml"
cat >"$POLICY" <<YAML
rules:
- images: ["$REG/acme/*"]
  name: acme-releases
  trust: keyless
  identityRegexp: ^https://github\\.com/acme/[^/]+/\\.github/workflows/release\\.yml@refs/tags/
  issuer: $ISS
  trustedRoot: $SS/trusted_root.json
YAML
run "the policy with a keyless rule checks" 0 "$SIGN" admission --check --policy "$POLICY"
ADM_GLOBAL="--home $WORK/home-admission"
start_admission adm "$POLICY"

I="$REG/acme/app:v1"
review "keyless: the release workflow's signature" /validate Pod default k1 "$I"
expect "… allowed" allowed
review "keyless: /mutate" /mutate Deployment default k1 "$I"
expect "… allowed" allowed
expect "… pinned to the verified digest" patch_is \
	"[{\"op\":\"replace\",\"path\":\"/spec/template/spec/containers/0/image\",\"value\":\"$REG/acme/app@$D_GOOD\"}]"

I="$REG/acme/forked:v1"
review "keyless: a fork's workflow (another identity)" /validate Pod default k2 "$I"
expect "… denied" denied
expect "… names the image and the identity it has" says "$I" "evil/app"

I="$REG/acme/otherissuer:v1"
review "keyless: the right SAN from another issuer" /validate Pod default k3 "$I"
expect "… denied" denied
expect "… naming the issuer it has" says "$I" "accounts.google.com"

I="$REG/acme/badsct:v1"
review "keyless: a certificate whose SCT does not verify" /validate Pod default k4 "$I"
expect "… denied" denied
expect "… because of the SCT" says "$I" "SCT"

I="$REG/acme/unsigned:v1"
review "keyless: an unsigned image" /validate Pod default k5 "$I"
expect "… denied" denied
expect "… saying none was found" says "$I" "no keyless signature found"

# a policy whose keyless rule names a trusted root that is not there
cat >"$WORK/bad.yaml" <<YAML
rules:
- images: ["$REG/acme/*"]
  trust: keyless
  identity: $ID
  issuer: $ISS
  trustedRoot: $WORK/nowhere.json
YAML
run "a keyless rule's missing trustedRoot is refused at --check" 2 "$SIGN" admission --check --policy "$WORK/bad.yaml"
expect "… naming it" has "trustedRoot" "$ERR"

finish
