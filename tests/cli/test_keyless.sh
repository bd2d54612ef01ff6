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
tamper badsct --bad-sct "SCT" 3
tamper expired --expired "certificate.*(expired|not valid|valid)" 4
tamper badset --bad-set "(signed entry timestamp|SET)" 5
tamper otherdigest --other-digest "(digest|body)" 6
tamper untrusted --untrusted-ca "(chain|issuer|CA)" 7

# a payload that names another image's digest, signed and logged correctly
PAYLOAD_FOR="sha256:$(printf '%064d' 0)" keyless otherimage 8
run "a signature over another image's payload is refused" 1 verify "$REG/otherimage:v1"
expect "… naming the payload's digest" grep -qi "payload\|digest" "$ERR"

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
for opt in --bad-checkpoint --bad-proof --bad-sct --expired --other-digest --untrusted-ca; do
	"$FAKE" sign "$SS" --payload "$WORK/payload-good" --identity "$ID" --issuer "$ISS" --out "$WORK/blob$opt" $opt >/dev/null
	run "verify-blob: $opt refused" 1 "$SIGN" verify-blob --bundle "$WORK/blob$opt/bundle.sigstore.json" \
		--trusted-root "$TR" --certificate-identity "$ID" --certificate-oidc-issuer "$ISS" "$WORK/payload-good"
	expect "… with a reason" test -s "$ERR"
done

finish
