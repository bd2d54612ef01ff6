#!/bin/bash
# test_verify_blob.sh - `sign verify-blob` on every bundle-verify case of
# sigstore-conformance (tests/vectors/sigstore-conformance, its README),
# through the suite's CLI protocol (tests/conformance/sigstore-client):
# the `_fail` cases refused with the reason the case is about, the others
# accepted, each given the artifact as a path and as its sha256: digest.
# Then the command's own rules: usage, identity and issuer mismatches,
# regexps, -o json.
. "$(dirname "$0")/../lib/common.sh"
export SIGN_HOME="$WORK/home" # never the home of whoever runs the tests

CASES="$TOP/tests/vectors/sigstore-conformance"
CLIENT="$TOP/tests/conformance/sigstore-client"
export SIGN
DEFAULT_IDENTITY="https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"
DEFAULT_ISSUER="https://token.actions.githubusercontent.com"

# The reason each refusal must give (an extended regexp of the message).
declare -A WHY=(
	[bundle-empty-certificate-chain_fail]="x509CertificateChain is empty"
	[bundle-from-wrong-instance_fail]="is not a transparency log of the trusted root"
	[bundle-invalid-base64-signature_fail]="signature is not base64"
	[bundle-malformed-json_fail]="bundle: not JSON"
	[bundle-negative-log-index_fail]="logIndex -1 is negative"
	[bundle-unknown-version_fail]="is not a Sigstore bundle v0.1, v0.2 or v0.3"
	[bundle-with-root-cert_fail]="holds a root \(self-signed\) certificate"
	[checkpoint-bad-keyhint_fail]="checkpoint: no signature by the log's key \(key hint"
	[checkpoint-wrong-roothash_fail]="its checkpoint .* is not of the inclusion proof's tree"
	[dsse-invalid-sig_fail]="DSSE envelope: none of its 1 signature\(s\) is by the key"
	[dsse-mismatch-envelope_fail]="dsse entry records the hash of another payload"
	[dsse-mismatch-sig_fail]="dsse entry records a signature the envelope does not carry"
	[inclusion-proof-corrupted-hash_fail]="inclusion proof: it leads to another root"
	[incorrect-public-key_fail]="signed entry timestamp does not verify with the log's key"
	[integrated-time-in-future_fail]="(in the future|certificate has expired at the signing time 2026-05-07)"
	[intoto-expired-certificate_fail]="certificate is not yet valid at the signing time"
	[intoto-log-entry-mismatch_fail]="intoto entry"
	[intoto-missing-inclusion-proof_fail]="it has no inclusion proof"
	[intoto-set-outside-signing-cert-validity_fail]="certificate has expired at the signing time"
	[intoto-tsa-timestamp-outside-cert-validity_fail]="certificate has expired at the signing time"
	[invalid-checkpoint-signature_fail]="checkpoint: the signature of rekor.sigstore.dev .* does not verify with the log's key"
	[invalid-ct-key_fail]="SCT: no SCT of the certificate verifies"
	[invalid-inclusion-proof_fail]="inclusionProof has no checkpoint"
	[managed-key-no-key_fail]="signed with a key, not a certificate; verify it with --key"
	[managed-key-wrong-key_fail]="reading --key .*key.pub"
	[message-digest-mismatch_fail]="the message digest is not the artifact's sha256 digest"
	[rekor2-checkpoint-missing-log-signature_fail]="checkpoint: no signature line"
	[rekor2-checkpoint-missing-origin_fail]="checkpoint: tree size is not a decimal number"
	[rekor2-checkpoint-missing-root-hash_fail]="checkpoint: no root hash line"
	[rekor2-checkpoint-missing-size_fail]="checkpoint: tree size is not a decimal number"
	[rekor2-checkpoint-no-matching-signature_fail]="checkpoint: its origin .* is not the log's"
	[rekor2-dsse-invalid-sig_fail]="DSSE envelope: none of its 1 signature\(s\) is by the key"
	[rekor2-dsse-mismatch-envelope_fail]="hashedrekord records the digest of another envelope"
	[rekor2-dsse-mismatch-sig_fail]="hashedrekord records another signature"
	[rekor2-no-inclusion-proof_fail]="no inclusion proof \(a Rekor v2 entry must\)"
	[rekor2-no-timestamp_fail]="no verified time to check the certificate at"
	[rekor2-timestamp-outside-trust-root-tsa-validity_fail]="is outside the validity of the timestamp authority"
	[rekor2-timestamp-outside-tsa-cert-validity_fail]="signed by no timestamp authority of the trusted root at its time .*certificate has expired"
	[rekor2-timestamp-payload-mismatch_fail]="it is over other data \(its message imprint is not the signature's\)"
	[rekor2-timestamp-untrusted-tsa-with-embedded-cert_fail]="signed by no timestamp authority of the trusted root"
	[rekor2-timestamp-untrusted-tsa-without-embedded-cert_fail]="signed by no timestamp authority of the trusted root"
	[rekor2-timestamp-with-incorrect-time_fail]="certificate .*(expired|not yet valid) at the signing time"
	[set-invalid-signature_fail]="signed entry timestamp does not verify with the log's key"
	[signature-mismatch_fail]="the signature does not verify over the artifact with the certificate's key"
	[trust-root-tlog-missing-validity-start_fail]="trusted root: tlogs\[1\]: validFor has no start"
	[wrong-hashedrekord-artifact_fail]="hashedrekord records the digest of another artifact"
	[wrong-hashedrekord-cert-and-sig_fail]="hashedrekord records another signature"
	[wrong-hashedrekord-entry_fail]="hashedrekord records the digest of another artifact"
	[wrong-material_fail]="the message digest is not the artifact's sha256 digest"
)

verify_case() { # DIR ARTIFACT_ARG: run the client on the case's materials
	local d=$1 art=$2 args=(--bundle "$d/bundle.sigstore.json")
	if [ -f "$d/key.pub" ]; then
		args+=(--key "$d/key.pub")
	else
		local id=$DEFAULT_IDENTITY iss=$DEFAULT_ISSUER
		[ -f "$d/identity" ] && id=$(cat "$d/identity")
		[ -f "$d/issuer" ] && iss=$(cat "$d/issuer")
		args+=(--certificate-identity "$id" --certificate-oidc-issuer "$iss")
	fi
	[ -f "$d/trusted_root.json" ] && args+=(--trusted-root "$d/trusted_root.json")
	"$CLIENT" verify-bundle "${args[@]}" "$art"
}

ncases=0
for d in "$CASES"/*/; do
	d=${d%/}
	name=${d##*/}
	ncases=$((ncases + 1))
	artifact="$CASES/a.txt"
	[ -f "$d/artifact" ] && artifact="$d/artifact"
	digest="sha256:$(sha256sum "$artifact" | cut -d' ' -f1)"
	for art in "$artifact" "$digest"; do
		form=path
		[ "$art" = "$digest" ] && form=digest
		verify_case "$d" "$art" >"$OUT" 2>"$ERR"
		got=$?
		case $name in
		*_fail)
			if [ "$got" -ne 0 ] && [ "$got" -le 2 ]; then
				ok "$name ($form): refused (exit $got)"
			else
				bad "$name ($form)" "exit $got, wanted a refusal (1 or 2)"
			fi
			if [ -n "${WHY[$name]:-}" ]; then
				expect "… because: ${WHY[$name]}" grep -Eq -- "${WHY[$name]}" "$ERR"
			else
				bad "$name ($form)" "no expected reason listed in test_verify_blob.sh: $(head -c 300 "$ERR")"
			fi
			;;
		*)
			if [ "$got" -eq 0 ]; then
				ok "$name ($form): accepted"
			else
				bad "$name ($form)" "exit $got, wanted 0"
			fi
			expect "… saying what it verified" has "^Verified OK: sha256:" "$OUT"
			;;
		esac
	done
done
expect "every case folder was run ($ncases)" test "$ncases" -ge 70

# the command's own rules
HP="$CASES/happy-path-v0.3"
run "no --bundle is a usage error" 2 "$SIGN" verify-blob --key "$HP/README" "$CASES/a.txt"
expect "… saying so" has "needs --bundle" "$ERR"
run "no identity nor key is a usage error" 2 "$SIGN" verify-blob --bundle "$HP/bundle.sigstore.json" "$CASES/a.txt"
expect "… naming the options" has "needs --key, or --certificate-identity" "$ERR"
run "--key with an identity is a usage error" 2 "$SIGN" verify-blob --bundle "$HP/bundle.sigstore.json" \
	--key "$CASES/managed-key-happy-path/key.pub" --certificate-identity x "$CASES/a.txt"
expect "… saying so" has "takes no certificate identity" "$ERR"
run "another identity is refused" 1 "$SIGN" verify-blob --bundle "$HP/bundle.sigstore.json" \
	--certificate-identity https://github.com/evil/repo/.github/workflows/x.yml@refs/heads/main \
	--certificate-oidc-issuer "$DEFAULT_ISSUER" "$CASES/a.txt"
expect "… naming the identity the certificate has" grep -q "extremely-dangerous-oidc-beacon" "$ERR"
run "another issuer is refused" 1 "$SIGN" verify-blob --bundle "$HP/bundle.sigstore.json" \
	--certificate-identity "$DEFAULT_IDENTITY" --certificate-oidc-issuer https://accounts.google.com "$CASES/a.txt"
expect "… naming the issuer the certificate has" has "token.actions.githubusercontent.com" "$ERR"
run "an identity regexp that matches is accepted" 0 "$SIGN" verify-blob --bundle "$HP/bundle.sigstore.json" \
	--certificate-identity-regexp '^https://github\.com/sigstore-conformance/' \
	--certificate-oidc-issuer-regexp '^https://token\.actions\.githubusercontent\.com$' "$CASES/a.txt"
run "an identity regexp that does not match is refused" 1 "$SIGN" verify-blob --bundle "$HP/bundle.sigstore.json" \
	--certificate-identity-regexp '^https://github\.com/evil/' --certificate-oidc-issuer "$DEFAULT_ISSUER" "$CASES/a.txt"
expect "… saying it does not match" grep -qi "match" "$ERR"
run "an identity regexp with Go's \\d verifies" 0 "$SIGN" verify-blob --bundle "$HP/bundle.sigstore.json" \
	--certificate-identity-regexp '^https://github\.com/sigstore-conformance/[^/]+/\.github/workflows/[a-z-]+\.yml@refs/heads/\D+$' \
	--certificate-oidc-issuer "$DEFAULT_ISSUER" "$CASES/a.txt"
run "a Go-only regexp is a usage error, before any check" 2 "$SIGN" verify-blob --bundle "$HP/bundle.sigstore.json" \
	--certificate-identity-regexp '\pL' --certificate-oidc-issuer "$DEFAULT_ISSUER" "$CASES/a.txt"
expect "… saying why" has "\\p is Go's (RE2), not POSIX" "$ERR"
run "-o json says what was verified" 0 "$SIGN" -o json verify-blob --bundle "$HP/bundle.sigstore.json" \
	--certificate-identity "$DEFAULT_IDENTITY" --certificate-oidc-issuer "$DEFAULT_ISSUER" "$CASES/a.txt"
expect "… with the identity, issuer and digest" grep -q '"verified":true,"digest":"sha256:[0-9a-f]\{64\}","identity":"https://github.com/sigstore-conformance/.*","issuer":"https://token.actions.githubusercontent.com"' "$OUT"
run "a digest not of the artifact is refused" 1 "$SIGN" verify-blob --bundle "$HP/bundle.sigstore.json" \
	--certificate-identity "$DEFAULT_IDENTITY" --certificate-oidc-issuer "$DEFAULT_ISSUER" \
	sha256:0000000000000000000000000000000000000000000000000000000000000000
expect "… saying the digest differs" has "message digest is not the artifact" "$ERR"
run "a missing artifact is an operational error" 2 "$SIGN" verify-blob --bundle "$HP/bundle.sigstore.json" \
	--certificate-identity "$DEFAULT_IDENTITY" --certificate-oidc-issuer "$DEFAULT_ISSUER" "$WORK/nothing"
expect "… naming it" has "nothing" "$ERR"
# a home that cannot be used (others may write it) holds no cache: the
# built-in root serves, unless an instance's cache is asked for
mkdir -p "$WORK/openhome"
chmod 777 "$WORK/openhome"
run "an unusable home: the built-in trusted root" 0 env SIGN_HOME="$WORK/openhome" "$SIGN" -v verify-blob \
	--bundle "$HP/bundle.sigstore.json" --certificate-identity "$DEFAULT_IDENTITY" \
	--certificate-oidc-issuer "$DEFAULT_ISSUER" "$CASES/a.txt"
expect "… saying so with -v" has "using the built-in Sigstore trusted root" "$ERR"
run "… but --tuf-url needs that home" 2 env SIGN_HOME="$WORK/openhome" "$SIGN" verify-blob \
	--bundle "$HP/bundle.sigstore.json" --certificate-identity "$DEFAULT_IDENTITY" \
	--certificate-oidc-issuer "$DEFAULT_ISSUER" --tuf-url https://tuf.example.com "$CASES/a.txt"
expect "… naming the home's problem" grep -qi "openhome" "$ERR"

# a key's bundle without a log entry: refused, unless --insecure-ignore-tlog
MK="$CASES/managed-key-happy-path"
jq '.verificationMaterial.tlogEntries = []' "$MK/bundle.sigstore.json" >"$WORK/nolog.json"
run "a key's bundle without a log entry is refused" 1 "$SIGN" verify-blob --bundle "$WORK/nolog.json" \
	--key "$MK/key.pub" "$CASES/a.txt"
expect "… saying so" has "no transparency log entry" "$ERR"
run "… accepted with --insecure-ignore-tlog" 0 "$SIGN" verify-blob --bundle "$WORK/nolog.json" \
	--key "$MK/key.pub" --insecure-ignore-tlog "$CASES/a.txt"
run "… which still checks the signature (another artifact)" 1 "$SIGN" verify-blob --bundle "$WORK/nolog.json" \
	--key "$MK/key.pub" --insecure-ignore-tlog "$CASES/README.md"
expect "… refused for the digest" has "message digest is not the artifact" "$ERR"
run "--insecure-ignore-tlog without --key is a usage error" 2 "$SIGN" verify-blob --bundle "$HP/bundle.sigstore.json" \
	--certificate-identity "$DEFAULT_IDENTITY" --certificate-oidc-issuer "$DEFAULT_ISSUER" --insecure-ignore-tlog \
	"$CASES/a.txt"
expect "… saying it is for --key" has "is for --key" "$ERR"
run "the protocol's sign-bundle is refused" 2 "$CLIENT" sign-bundle --identity-token x --bundle "$WORK/b" "$CASES/a.txt"
expect "… saying signing is not supported" has "signing is not supported" "$ERR"

finish
