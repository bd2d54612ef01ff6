#!/bin/bash
# test_keyless.sh - keyless-style image signatures in a real docker-registry:
# a throwaway Fulcio CA, CT log, Rekor and TSA (build/tools/fakesigstore,
# OpenSSL) sign as Fulcio and Rekor would; the signature is attached as
# cosign attaches it (sha256-<hex>.sig, certificate, chain, Rekor bundle and
# RFC 3161 timestamp annotations); `sign verify --certificate-identity`
# accepts it against the throwaway trusted root and prints the digest to
# pull by.  Each piece tampered with, in a repository of its own, is
# refused with the reason.
. "$(dirname "$0")/../lib/common.sh"

FAKE="$TOOLS/fakesigstore"
SS="$WORK/sigstore"
ID="https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1.0.0"
ISS="https://token.actions.githubusercontent.com"
export SIGN_HOME="$WORK/home"

start_registry
"$FAKE" init "$SS" >"$OUT" 2>"$ERR" || { bad "fakesigstore init" "failed"; finish; exit 1; }
TR="$SS/trusted_root.json"

# keyless REPO SEED [fakesigstore sign options]: an image in REPO, signed
# keylessly and attached; sets DIG.  The signed payload is the image's
# unless PAYLOAD_FOR names another digest.
keyless() {
	local repo=$1 seedval=$2 out="$WORK/sig-$1"
	shift 2
	DIG=$(seed "$REG/$repo:v1" "$seedval")
	"$FAKE" payload "$REG/$repo" "${PAYLOAD_FOR:-$DIG}" >"$WORK/payload-$repo"
	"$FAKE" sign "$SS" --payload "$WORK/payload-$repo" --identity "$ID" --issuer "$ISS" --out "$out" "$@" \
		>/dev/null || echo "# fakesigstore sign $* failed" >&2
	"$FAKE" attach "$REG" "$repo" "$DIG" "$out" >/dev/null || echo "# fakesigstore attach failed" >&2
}

verify() { # REF [options]
	local ref=$1
	shift
	"$SIGN" --insecure-registry "$REG" verify --trusted-root "$TR" --certificate-identity "$ID" \
		--certificate-oidc-issuer "$ISS" "$@" "$ref"
}

keyless good 1
run "a keyless signature verifies" 0 verify "$REG/good:v1"
expect "… and the digest to pull by is printed" has "^$REG/good@$DIG\$" "$OUT"
run "-o json names the identity" 0 verify "$REG/good:v1" -o json
expect "… role keyless, the signer's identity and issuer" \
	grep -q "\"role\":\"keyless\",\"signers\":\\[\"$ID ($ISS)\"\\]" "$OUT"
run "an identity regexp verifies" 0 "$SIGN" --insecure-registry "$REG" verify --trusted-root "$TR" \
	--certificate-identity-regexp '^https://github\.com/acme/app/' --certificate-oidc-issuer "$ISS" "$REG/good:v1"
run "an identity regexp in cosign's syntax (\\d) verifies" 0 "$SIGN" --insecure-registry "$REG" verify \
	--trusted-root "$TR" --certificate-oidc-issuer "$ISS" \
	--certificate-identity-regexp '^https://github\.com/acme/app/\.github/workflows/release\.yml@refs/tags/v\d+\.\d+\.\d+$' \
	"$REG/good:v1"
run "a Go-only regexp is refused, not misread" 2 "$SIGN" --insecure-registry "$REG" verify --trusted-root "$TR" \
	--certificate-identity-regexp '(?i)^https://github\.com/ACME/' --certificate-oidc-issuer "$ISS" "$REG/good:v1"
expect "… saying it is not a POSIX regular expression" has "is not a POSIX extended regular expression" "$ERR"
run "by digest too" 0 verify "$REG/good@$DIG"
run "another identity is refused" 1 "$SIGN" --insecure-registry "$REG" verify --trusted-root "$TR" \
	--certificate-identity https://github.com/evil/app/.github/workflows/x.yml@refs/heads/main \
	--certificate-oidc-issuer "$ISS" "$REG/good:v1"
expect "… naming the identity the certificate has" grep -q "acme/app" "$ERR"
run "another issuer is refused" 1 "$SIGN" --insecure-registry "$REG" verify --trusted-root "$TR" \
	--certificate-identity "$ID" --certificate-oidc-issuer https://accounts.google.com "$REG/good:v1"
expect "… naming the issuer the certificate has" grep -q "token.actions.githubusercontent.com" "$ERR"
run "another trusted root (the public good) refuses it" 1 "$SIGN" --insecure-registry "$REG" verify \
	--certificate-identity "$ID" --certificate-oidc-issuer "$ISS" "$REG/good:v1"
expect "… the chain is not to a Fulcio CA it trusts" grep -qiE "chain|CA|log" "$ERR"

# an image without a signature, and one signed with a key only
seed "$REG/none:v1" 2 >/dev/null
run "no keyless signature: refused" 1 verify "$REG/none:v1"
expect "… saying none was found" has "no keyless signature found" "$ERR"

# each piece tampered with, everything else valid
tamper() { # NAME OPTION REGEXP
	local name=$1 opt=$2 why=$3
	keyless "$name" "$4" "$opt"
	run "$opt: refused" 1 verify "$REG/$name:v1"
	expect "… because: $why" grep -Eq -- "$why" "$ERR"
}
tamper badsct --bad-sct "SCT: no SCT of the certificate verifies: its signature does not verify with the key of CT log" 3
tamper expired --expired "certificate has expired at the signing time" 4
tamper badset --bad-set "its signed entry timestamp does not verify with the log's key" 5
tamper otherdigest --other-digest "its hashedrekord records the digest of another artifact" 6
tamper untrusted --untrusted-ca "was issued by no Fulcio CA of the trusted root" 7
tamper badtime --bad-timestamp "RFC 3161 timestamp 1: .*over other data" 9

# a payload that names another image's digest, signed and logged correctly
PAYLOAD_FOR="sha256:$(printf '%064d' 0)" keyless otherimage 8
run "a signature over another image's payload is refused" 1 verify "$REG/otherimage:v1"
expect "… naming the payload's digest" grep -qi "payload\|digest" "$ERR"

# cosign v3: Sigstore bundles as OCI 1.1 referrers (DSSE in-toto statements
# over the image digest), signatures and attestations
DIG3=$(seed "$REG/v3:v1" 10)
echo '{"buildDefinition":{"buildType":"https://example.com/build/v1"},"runDetails":{"builder":{"id":"ci"}}}' >"$WORK/pred.json"
"$FAKE" sign "$SS" --dsse --payload "$WORK/pred.json" --subject-digest "$DIG3" \
	--predicate-type https://sigstore.dev/cosign/sign/v1 --identity "$ID" --issuer "$ISS" --out "$WORK/v3sig" >/dev/null
"$FAKE" attach-bundle "$REG" v3 "$DIG3" "$WORK/v3sig" >/dev/null
run "cosign v3: a bundle referrer verifies" 0 verify "$REG/v3:v1"
expect "… the digest to pull by" has "^$REG/v3@$DIG3\$" "$OUT"
run "cosign v3: no attestation of that type yet" 1 verify "$REG/v3:v1" --attestation slsaprovenance1
expect "… the signature is not an attestation of that type" has "an attestation of type https://sigstore.dev/cosign/sign/v1, not https://slsa.dev/provenance/v1" "$ERR"
"$FAKE" sign "$SS" --dsse --payload "$WORK/pred.json" --subject-digest "$DIG3" --predicate "$WORK/pred.json" \
	--predicate-type https://slsa.dev/provenance/v1 --identity "$ID" --issuer "$ISS" --out "$WORK/v3att" >/dev/null
"$FAKE" attach-bundle "$REG" v3 "$DIG3" "$WORK/v3att" >/dev/null
run "cosign v3: a provenance attestation verifies (-o json)" 0 verify "$REG/v3:v1" --attestation slsaprovenance1 -o json
expect "… printing its predicate for a policy" grep -q '"attestations":\[{"predicateType":"https://slsa.dev/provenance/v1","predicate":{"buildDefinition":{"buildType":"https://example.com/build/v1"}' "$OUT"
expect "… and who signed it" grep -q "\"identity\":\"$ID\",\"issuer\":\"$ISS\"" "$OUT"
run "cosign v3: the signature still verifies beside the attestation" 0 verify "$REG/v3:v1"
run "an attestation type no one attested is refused" 1 verify "$REG/v3:v1" --attestation vuln
expect "… naming the type it wanted" has "not https://cosign.sigstore.dev/attestation/vuln/v1" "$ERR"
# a referrer bundle whose statement names another image
DIG4=$(seed "$REG/v3other:v1" 11)
"$FAKE" sign "$SS" --dsse --payload "$WORK/pred.json" --subject-digest "$DIG3" \
	--predicate-type https://sigstore.dev/cosign/sign/v1 --identity "$ID" --issuer "$ISS" --out "$WORK/v3wrong" >/dev/null
"$FAKE" attach-bundle "$REG" v3other "$DIG4" "$WORK/v3wrong" >/dev/null
run "cosign v3: a statement about another image is refused" 1 verify "$REG/v3other:v1"
expect "… no subject carries this image's digest" grep -q "subject.*${DIG4#sha256:}\|${DIG4#sha256:}.*subject\|no subject" "$ERR"

# cosign v2: a keyless attestation in the .att layout (a DSSE envelope
# layer with the certificate, chain and Rekor bundle annotations)
DIG5=$(seed "$REG/att2:v1" 12)
"$FAKE" sign "$SS" --dsse --payload "$WORK/pred.json" --subject-digest "$DIG5" --predicate "$WORK/pred.json" \
	--predicate-type https://cyclonedx.org/bom --bundle-version 0.1 --identity "$ID" --issuer "$ISS" \
	--out "$WORK/att2" >/dev/null
"$FAKE" attach-att "$REG" att2 "$DIG5" "$WORK/att2" >/dev/null
run "cosign v2: a keyless .att attestation verifies (-o json)" 0 verify "$REG/att2:v1" --attestation cyclonedx -o json
expect "… with its predicate" grep -q '"attestations":\[{"predicateType":"https://cyclonedx.org/bom","predicate":{"buildDefinition"' "$OUT"
run "… of another type: refused" 1 verify "$REG/att2:v1" --attestation https://spdx.dev/Document
expect "… naming the type it found" has "an attestation of type https://cyclonedx.org/bom, not https://spdx.dev/Document" "$ERR"
# the same envelope under another image's .att tag
DIG6=$(seed "$REG/att2other:v1" 13)
"$FAKE" attach-att "$REG" att2other "$DIG6" "$WORK/att2" >/dev/null
run "cosign v2: another image's attestation copied under this one's .att is refused" 1 \
	verify "$REG/att2other:v1" --attestation cyclonedx
expect "… no subject is this image" grep -q "no subject of its 1 is sha256:${DIG6#sha256:}" "$ERR"

# usage
run "--certificate-identity without an issuer is a usage error" 2 "$SIGN" verify --certificate-identity "$ID" \
	"$REG/good:v1"
expect "… naming the options" has "needs --certificate-identity\[-regexp\] and --certificate-oidc-issuer" "$ERR"
run "keyless takes no --key" 2 "$SIGN" verify --certificate-identity "$ID" --certificate-oidc-issuer "$ISS" \
	--key "$TR" "$REG/good:v1"
expect "… saying so" has "reads no trust data" "$ERR"

# the same material as a Sigstore bundle, through verify-blob: the
# inclusion proof and checkpoint (a .sig carries a SET only)
"$FAKE" sign "$SS" --payload "$WORK/payload-good" --identity "$ID" --issuer "$ISS" --out "$WORK/blob" >/dev/null
run "verify-blob: the fake Sigstore's v0.3 bundle verifies" 0 "$SIGN" verify-blob --bundle "$WORK/blob/bundle.sigstore.json" \
	--trusted-root "$TR" --certificate-identity "$ID" --certificate-oidc-issuer "$ISS" "$WORK/payload-good"
declare -A BLOBWHY=(
	[--bad-checkpoint]="checkpoint: the signature of rekor.fake.test .* does not verify with the log's key"
	[--bad-proof]="inclusion proof: it leads to another root than the log's"
	[--bad-sct]="SCT: no SCT of the certificate verifies"
	[--expired]="certificate has expired at the signing time"
	[--other-digest]="its hashedrekord records the digest of another artifact"
	[--untrusted-ca]="was issued by no Fulcio CA of the trusted root"
	[--bad-set]="its signed entry timestamp does not verify with the log's key"
	[--bad-timestamp]="RFC 3161 timestamp 1: timestamp: it is over other data"
)
for opt in "${!BLOBWHY[@]}"; do
	"$FAKE" sign "$SS" --payload "$WORK/payload-good" --identity "$ID" --issuer "$ISS" --out "$WORK/blob$opt" $opt >/dev/null
	run "verify-blob: $opt refused" 1 "$SIGN" verify-blob --bundle "$WORK/blob$opt/bundle.sigstore.json" \
		--trusted-root "$TR" --certificate-identity "$ID" --certificate-oidc-issuer "$ISS" "$WORK/payload-good"
	expect "… because: ${BLOBWHY[$opt]}" grep -Eq -- "${BLOBWHY[$opt]}" "$ERR"
done
# an entry integrated in the future (the log's clock ahead of ours by a day)
"$FAKE" sign "$SS" --payload "$WORK/payload-good" --identity "$ID" --issuer "$ISS" --out "$WORK/future" \
	--time "$(($(date +%s) + 86400))" >/dev/null
run "verify-blob: an entry from the future is refused" 1 "$SIGN" verify-blob --bundle "$WORK/future/bundle.sigstore.json" \
	--trusted-root "$TR" --certificate-identity "$ID" --certificate-oidc-issuer "$ISS" "$WORK/payload-good"
expect "… saying so" grep -qi "future" "$ERR"
# a DSSE in-toto bundle: the artifact is a subject of the statement
"$FAKE" sign "$SS" --dsse --payload "$WORK/payload-good" --identity "$ID" --issuer "$ISS" --out "$WORK/dsse" >/dev/null
run "verify-blob: a DSSE bundle verifies over its subject" 0 "$SIGN" verify-blob --bundle "$WORK/dsse/bundle.sigstore.json" \
	--trusted-root "$TR" --certificate-identity "$ID" --certificate-oidc-issuer "$ISS" "$WORK/payload-good"
expect "… naming its predicate" has "in-toto statement, predicate https://slsa.dev/provenance/v1" "$OUT"
run "verify-blob: … not over another file" 1 "$SIGN" verify-blob --bundle "$WORK/dsse/bundle.sigstore.json" \
	--trusted-root "$TR" --certificate-identity "$ID" --certificate-oidc-issuer "$ISS" "$TR"
expect "… saying no subject carries its digest" grep -qi "subject" "$ERR"

finish
