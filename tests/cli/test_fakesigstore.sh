#!/bin/bash
# test_fakesigstore.sh - tests/tools/fakesigstore makes keyless Sigstore
# material that holds, checked here with the openssl command (chains,
# signatures, the SET, the checkpoint, RFC 3161) and with the tool's own
# `check` (OpenSSL's CT API for the SCT, an RFC 9162 proof check); each
# tamper option breaks exactly its piece; `attach` stores the signature
# in a registry as cosign does.  What `sign` does with it is tested
# elsewhere.
. "$(dirname "$0")/../lib/common.sh"

FS="$TOOLS/fakesigstore"
CA="$WORK/ca"
ID="https://github.com/example/app/.github/workflows/release.yml@refs/heads/main"
ISS="https://token.actions.githubusercontent.com"
echo "an artifact" >"$WORK/artifact"

# b64file FILE: base64 of FILE's bytes on one line
b64file() { base64 -w0 <"$1"; }

run "init" 0 "$FS" init "$CA"
expect "… writes the trusted root and keys" readable "$CA/trusted_root.json" "$CA/root.pem" \
	"$CA/inter.pem" "$CA/ctlog.pub.pem" "$CA/rekor.pub.pem" "$CA/tsa.pem" "$CA/tsa-root.pem"
TR="$CA/trusted_root.json"
expect "… trusted root media type" test "$(jq -r .mediaType "$TR")" = \
	"application/vnd.dev.sigstore.trustedroot+json;version=0.1"
openssl pkey -pubin -in "$CA/rekor.pub.pem" -outform DER -out "$WORK/rekor.spki" 2>/dev/null
openssl pkey -pubin -in "$CA/ctlog.pub.pem" -outform DER -out "$WORK/ctlog.spki" 2>/dev/null
expect "… tlog key is the Rekor key" test "$(jq -r '.tlogs[0].publicKey.rawBytes' "$TR")" = "$(b64file "$WORK/rekor.spki")"
expect "… tlog logId is SHA-256 of its SPKI" test "$(jq -r '.tlogs[0].logId.keyId' "$TR")" = \
	"$(openssl dgst -sha256 -binary "$WORK/rekor.spki" | base64 -w0)"
expect "… ctlog logId is SHA-256 of its SPKI" test "$(jq -r '.ctlogs[0].logId.keyId' "$TR")" = \
	"$(openssl dgst -sha256 -binary "$WORK/ctlog.spki" | base64 -w0)"
expect "… logs have keyDetails and validFor.start" test \
	"$(jq -r '[.tlogs[0],.ctlogs[0]] | map(.publicKey.keyDetails + " " + (.publicKey.validFor.start|tostring)) | join(",")' "$TR" | grep -c 'PKIX_ECDSA_P256_SHA_256 20')" = 1
expect "… CA chain is intermediate then root" test \
	"$(jq -r '.certificateAuthorities[0].certChain.certificates | map(.rawBytes) | join(" ")' "$TR")" = \
	"$(openssl x509 -in "$CA/inter.pem" -outform DER | base64 -w0) $(openssl x509 -in "$CA/root.pem" -outform DER | base64 -w0)"
expect "… TSA chain is leaf then root" test \
	"$(jq -r '.timestampAuthorities[0].certChain.certificates | map(.rawBytes) | join(" ")' "$TR")" = \
	"$(openssl x509 -in "$CA/tsa.pem" -outform DER | base64 -w0) $(openssl x509 -in "$CA/tsa-root.pem" -outform DER | base64 -w0)"
run "… the intermediate chains to the root" 0 openssl verify -CAfile "$CA/root.pem" "$CA/inter.pem"
run "… the TSA chains to its root" 0 openssl verify -purpose timestampsign -CAfile "$CA/tsa-root.pem" "$CA/tsa.pem"
run "… the TSA's EKU is timeStamping, critical" 0 openssl x509 -in "$CA/tsa.pem" -noout -ext extendedKeyUsage
expect "… (critical)" has "Extended Key Usage: critical" "$OUT"
expect "… (timeStamping)" has "Time Stamping" "$OUT"
run "init --not-before/--not-after" 0 "$FS" init "$WORK/ca2" --not-before 2024-01-01T00:00:00Z --not-after 1800000000
run "… sets the validity" 0 openssl x509 -in "$WORK/ca2/root.pem" -noout -dates
expect "… notBefore" has "notBefore=Jan  1 00:00:00 2024 GMT" "$OUT"
expect "… validFor.start" test "$(jq -r '.tlogs[0].publicKey.validFor.start' "$WORK/ca2/trusted_root.json")" = "2024-01-01T00:00:00Z"

# ---- a good signature ----
G="$WORK/good"
run "sign" 0 "$FS" sign "$CA" --payload "$WORK/artifact" --identity "$ID" --issuer "$ISS" --out "$G"
expect "… writes its files" readable "$G/cert.pem" "$G/chain.pem" "$G/sig.b64" "$G/rekor-bundle.json" \
	"$G/timestamp.json" "$G/bundle.sigstore.json" "$G/payload"
run "… check: every piece holds" 0 "$FS" check "$CA" "$G"
expect "… (SCT by OpenSSL's CT API)" has "^ok sct$" "$OUT"
expect "… (inclusion proof)" has "^ok proof$" "$OUT"
run "… leaf chains to the trusted root" 0 openssl verify -CAfile "$CA/root.pem" -untrusted "$G/chain.pem" "$G/cert.pem"
run "… leaf under the untrusted root of another CA" 2 openssl verify -CAfile "$WORK/ca2/root.pem" -untrusted "$G/chain.pem" "$G/cert.pem"
expect "… (not its root)" has "self-signed certificate in certificate chain" "$ERR"
openssl x509 -in "$G/cert.pem" -noout -text >"$WORK/leaf.txt"
expect "… SAN is critical" has "Subject Alternative Name: critical" "$WORK/leaf.txt"
expect "… SAN is the identity (URI)" has "URI:$ID" "$WORK/leaf.txt"
expect "… KeyUsage digitalSignature, critical" grep -A1 -q "Key Usage: critical" "$WORK/leaf.txt"
expect "… EKU codeSigning" has "Code Signing" "$WORK/leaf.txt"
expect "… issuer extension .1.1" has "1.3.6.1.4.1.57264.1.1:" "$WORK/leaf.txt"
expect "… issuer extension .1.8" has "1.3.6.1.4.1.57264.1.8:" "$WORK/leaf.txt"
expect "… embedded SCT" has "CT Precertificate SCTs" "$WORK/leaf.txt"
expect "… the SCT's log ID is the CT log's" has "$(openssl dgst -sha256 -binary "$WORK/ctlog.spki" | xxd -p -u -c 16 | head -1 | sed 's/../&:/g; s/:$//')" "$WORK/leaf.txt"
# .1.8's value is a DER UTF8String, .1.1's the bare string
openssl x509 -in "$G/cert.pem" -outform DER -out "$WORK/leaf.der"
expect "… .1.8 holds a UTF8String" test "$(openssl asn1parse -inform DER -in "$WORK/leaf.der" | grep -A1 ':1.3.6.1.4.1.57264.1.8' | tail -1 | grep -o '\[HEX DUMP\]:0C2B')" = "[HEX DUMP]:0C2B"
openssl x509 -in "$G/cert.pem" -pubkey -noout >"$WORK/leaf.pub"
run "… signature over the payload (openssl dgst)" 0 openssl dgst -sha256 -verify "$WORK/leaf.pub" -signature "$G/sig.der" "$WORK/artifact"
expect "… sig.b64 is sig.der" test "$(cat "$G/sig.b64")" = "$(b64file "$G/sig.der")"

# the Rekor entry
BODY=$(jq -r .Payload.body "$G/rekor-bundle.json" | base64 -d)
expect "… body is a hashedrekord 0.0.1" test "$(echo "$BODY" | jq -r '.apiVersion + " " + .kind')" = "0.0.1 hashedrekord"
expect "… body records the artifact's digest" test "$(echo "$BODY" | jq -r .spec.data.hash.value)" = "$(sha256sum <"$WORK/artifact" | cut -c1-64)"
expect "… body records the signature" test "$(echo "$BODY" | jq -r .spec.signature.content)" = "$(cat "$G/sig.b64")"
expect "… body records the certificate (base64 PEM)" test "$(echo "$BODY" | jq -r .spec.signature.publicKey.content)" = "$(b64file "$G/cert.pem")"
expect "… body is canonical (sorted, compact)" test "$BODY" = "$(echo "$BODY" | jq -cS .)"
expect "… logID is the Rekor key's, in hex" test "$(jq -r .Payload.logID "$G/rekor-bundle.json")" = \
	"$(openssl dgst -sha256 -binary "$WORK/rekor.spki" | xxd -p -c 64)"
# set_ok DIR: the SET verifies with the Rekor key over the canonical Payload
set_ok() {
	jq -cjS .Payload "$1/rekor-bundle.json" >"$1/set.msg" &&
	jq -r .SignedEntryTimestamp "$1/rekor-bundle.json" | base64 -d >"$1/set.der" &&
	openssl dgst -sha256 -verify "$CA/rekor.pub.pem" -signature "$1/set.der" "$1/set.msg" >/dev/null 2>&1
}
# checkpoint_ok DIR: the checkpoint's note verifies with the Rekor key,
# behind a key hint that is the log ID's first 4 bytes
checkpoint_ok() {
	local env="$1/checkpoint"
	jq -r '.verificationMaterial.tlogEntries[0].inclusionProof.checkpoint.envelope' "$1/bundle.sigstore.json" >"$env"
	head -3 "$env" >"$1/note"
	sed -n 5p "$env" | awk '{print $3}' | base64 -d >"$1/note.sig.hint"
	[ "$(head -c4 "$1/note.sig.hint" | xxd -p)" = "$(openssl dgst -sha256 -binary "$WORK/rekor.spki" | head -c4 | xxd -p)" ] &&
	tail -c +5 "$1/note.sig.hint" >"$1/note.sig" &&
	openssl dgst -sha256 -verify "$CA/rekor.pub.pem" -signature "$1/note.sig" "$1/note" >/dev/null 2>&1
}
expect "… SET verifies (openssl)" set_ok "$G"
expect "… checkpoint verifies (openssl)" checkpoint_ok "$G"
expect "… checkpoint: origin, size, root" test "$(head -3 "$G/checkpoint" | tr '\n' ' ')" = \
	"rekor.fake.test $(jq -r '.verificationMaterial.tlogEntries[0].inclusionProof | .treeSize + " " + .rootHash' "$G/bundle.sigstore.json") "
expect "… signature line starts with an em dash and the origin" has "^— rekor.fake.test " "$G/checkpoint"

# the timestamp
jq -r .SignedRFC3161Timestamp "$G/timestamp.json" | base64 -d >"$G/ts.der"
run "… RFC 3161 timestamp over the signature (openssl ts)" 0 openssl ts -verify -in "$G/ts.der" -data "$G/sig.der" \
	-CAfile "$CA/tsa-root.pem" -untrusted "$CA/tsa.pem"
run "… not over the payload" 1 openssl ts -verify -in "$G/ts.der" -data "$WORK/artifact" \
	-CAfile "$CA/tsa-root.pem" -untrusted "$CA/tsa.pem"
expect "… (imprint mismatch)" has "message imprint mismatch" "$ERR"
run "… not from another TSA" 1 openssl ts -verify -in "$G/ts.der" -data "$G/sig.der" \
	-CAfile "$WORK/ca2/tsa-root.pem"
expect "… (unknown issuer)" has "unable to get local issuer certificate" "$ERR"
run "… its genTime" 0 openssl ts -reply -in "$G/ts.der" -text
expect "… is the integrated time" has "Time stamp: $(date -u -d @"$(jq -r .Payload.integratedTime "$G/rekor-bundle.json")" '+%b %e %H:%M:%S %Y') GMT" "$OUT"

# the bundle
B="$G/bundle.sigstore.json"
expect "bundle v0.3 media type" test "$(jq -r .mediaType "$B")" = "application/vnd.dev.sigstore.bundle.v0.3+json"
expect "… certificate is the leaf" test "$(jq -r .verificationMaterial.certificate.rawBytes "$B")" = "$(b64file "$WORK/leaf.der")"
expect "… messageDigest" test "$(jq -r '.messageSignature.messageDigest | .algorithm + " " + .digest' "$B")" = \
	"SHA2_256 $(openssl dgst -sha256 -binary "$WORK/artifact" | base64 -w0)"
expect "… signature" test "$(jq -r .messageSignature.signature "$B")" = "$(cat "$G/sig.b64")"
expect "… tlog entry: body, time, index, SET as cosign's" test \
	"$(jq -r '.verificationMaterial.tlogEntries[0] | [.canonicalizedBody, .integratedTime, .logIndex, .inclusionPromise.signedEntryTimestamp] | join(" ")' "$B")" = \
	"$(jq -r '[.Payload.body, (.Payload.integratedTime|tostring), (.Payload.logIndex|tostring), .SignedEntryTimestamp] | join(" ")' "$G/rekor-bundle.json")"
expect "… kindVersion" test "$(jq -r '.verificationMaterial.tlogEntries[0].kindVersion | .kind + " " + .version' "$B")" = "hashedrekord 0.0.1"
expect "… timestamp is timestamp.json's" test "$(jq -r '.verificationMaterial.timestampVerificationData.rfc3161Timestamps[0].signedTimestamp' "$B")" = \
	"$(jq -r .SignedRFC3161Timestamp "$G/timestamp.json")"

# ---- other shapes ----
run "sign --email --time --log-index --tree-size" 0 "$FS" sign "$CA" --payload "$WORK/artifact" --identity alice@example.com \
	--email --issuer https://accounts.google.com --time "$(($(date +%s) - 3600))" --log-index 10 --tree-size 11 --out "$WORK/email"
run "… check" 0 "$FS" check "$CA" "$WORK/email"
run "… SAN is an email" 0 openssl x509 -in "$WORK/email/cert.pem" -noout -ext subjectAltName
expect "… (email:)" has "email:alice@example.com" "$OUT"
expect "… index 10 of 11" test "$(jq -r '.verificationMaterial.tlogEntries[0].inclusionProof | .logIndex + "/" + .treeSize' "$WORK/email/bundle.sigstore.json")" = "10/11"
run "sign --othername --bundle-version 0.1 --no-timestamp" 0 "$FS" sign "$CA" --payload "$WORK/artifact" --identity alice \
	--othername --issuer https://oidc.example --bundle-version 0.1 --no-timestamp --out "$WORK/v01"
run "… check" 0 "$FS" check "$CA" "$WORK/v01"
expect "… v0.1 media type" test "$(jq -r .mediaType "$WORK/v01/bundle.sigstore.json")" = "application/vnd.dev.sigstore.bundle+json;version=0.1"
expect "… chain in x509CertificateChain: leaf, intermediate" test \
	"$(jq -r '.verificationMaterial.x509CertificateChain.certificates | length' "$WORK/v01/bundle.sigstore.json")" = 2
expect "… no timestamp" test "$(jq -r '.verificationMaterial.timestampVerificationData' "$WORK/v01/bundle.sigstore.json")" = null
run "… SAN is Fulcio's otherName" 0 openssl x509 -in "$WORK/v01/cert.pem" -noout -ext subjectAltName
expect "… (othername 1.3.6.1.4.1.57264.1.7)" has "1.3.6.1.4.1.57264.1.7" "$OUT"
run "sign --dsse" 0 "$FS" sign "$CA" --payload "$WORK/artifact" --identity "$ID" --issuer "$ISS" --dsse \
	--predicate-type https://example.com/scan/v1 --out "$WORK/dsse"
run "… check" 0 "$FS" check "$CA" "$WORK/dsse"
D="$WORK/dsse/bundle.sigstore.json"
expect "… an in-toto DSSE envelope" test "$(jq -r .dsseEnvelope.payloadType "$D")" = "application/vnd.in-toto+json"
expect "… statement's subject is the artifact" test "$(jq -r .dsseEnvelope.payload "$D" | base64 -d | jq -r '.subject[0].digest.sha256 + " " + .predicateType')" = \
	"$(sha256sum <"$WORK/artifact" | cut -c1-64) https://example.com/scan/v1"
expect "… Rekor kind dsse" test "$(jq -r .Payload.body "$WORK/dsse/rekor-bundle.json" | base64 -d | jq -r .kind)" = dsse
expect "… payloadHash is the statement's" test "$(jq -r .Payload.body "$WORK/dsse/rekor-bundle.json" | base64 -d | jq -r .spec.payloadHash.value)" = \
	"$(jq -r .dsseEnvelope.payload "$D" | base64 -d | sha256sum | cut -c1-64)"
printf 'DSSEv1 28 application/vnd.in-toto+json %s ' "$(stat -c %s "$WORK/dsse/payload")" >"$WORK/pae"
cat "$WORK/dsse/payload" >>"$WORK/pae"
openssl x509 -in "$WORK/dsse/cert.pem" -pubkey -noout >"$WORK/dsse.pub"
run "… signature over DSSE's PAE (openssl dgst)" 0 openssl dgst -sha256 -verify "$WORK/dsse.pub" -signature "$WORK/dsse/sig.der" "$WORK/pae"

# ---- tampering: each option breaks its piece and nothing else ----
# tamper OPTION WHAT...: sign with OPTION; `check` must report exactly the
# named pieces bad
tamper() {
	local opt=$1 dir="$WORK/t$1" w want got
	shift
	run "sign $opt" 0 "$FS" sign "$CA" --payload "$WORK/artifact" --identity "$ID" --issuer "$ISS" "$opt" --out "$dir"
	run "… check refuses it" 1 "$FS" check "$CA" "$dir"
	expect "… says what is bad" has "^bad " "$OUT"
	want=$(printf '%s\n' "$@" | sort | tr '\n' ' ')
	got=$(sed -n 's/^bad \([a-z-]*\).*/\1/p' "$OUT" | sort | tr '\n' ' ')
	expect "… only $* bad (got: $got)" test "$want" = "$got"
}
tamper --bad-sct sct
openssl x509 -in "$WORK/t--bad-sct/cert.pem" -noout -text >"$WORK/bad-sct.txt"
expect "… the SCT still names the CT log" has "$(openssl dgst -sha256 -binary "$WORK/ctlog.spki" | xxd -p -u -c 16 | head -1 | sed 's/../&:/g; s/:$//')" \
	"$WORK/bad-sct.txt"
tamper --expired chain leaf-valid-at-integrated-time
T=$(jq -r .Payload.integratedTime "$WORK/t--expired/rekor-bundle.json")
run "… openssl verify -attime integratedTime refuses the leaf" 2 openssl verify -attime "$T" -CAfile "$CA/root.pem" \
	-untrusted "$WORK/t--expired/chain.pem" "$WORK/t--expired/cert.pem"
expect "… (expired)" has "certificate has expired" "$ERR"
run "… while the good leaf is valid then" 0 openssl verify -attime "$(jq -r .Payload.integratedTime "$G/rekor-bundle.json")" \
	-CAfile "$CA/root.pem" -untrusted "$G/chain.pem" "$G/cert.pem"
tamper --bad-set set
expect "… openssl refuses the SET" eval '! set_ok "$WORK/t--bad-set"'
expect "… the checkpoint still verifies" checkpoint_ok "$WORK/t--bad-set"
tamper --bad-checkpoint checkpoint-signature
expect "… openssl refuses the checkpoint" eval '! checkpoint_ok "$WORK/t--bad-checkpoint"'
expect "… the SET still verifies" set_ok "$WORK/t--bad-checkpoint"
tamper --bad-proof proof
expect "… SET and checkpoint still verify" eval 'set_ok "$WORK/t--bad-proof" && checkpoint_ok "$WORK/t--bad-proof"'
tamper --other-digest body-digest
expect "… the body records another digest" test "$(jq -r .Payload.body "$WORK/t--other-digest/rekor-bundle.json" | base64 -d | jq -r .spec.data.hash.value)" != \
	"$(sha256sum <"$WORK/artifact" | cut -c1-64)"
expect "… the bundle's messageDigest is still the artifact's" test "$(jq -r .messageSignature.messageDigest.digest "$WORK/t--other-digest/bundle.sigstore.json")" = \
	"$(openssl dgst -sha256 -binary "$WORK/artifact" | base64 -w0)"
tamper --untrusted-ca chain
run "… openssl verify refuses the leaf" 2 openssl verify -CAfile "$CA/root.pem" -untrusted "$WORK/t--untrusted-ca/chain.pem" \
	"$WORK/t--untrusted-ca/cert.pem"
expect "… (not the trusted root)" has "self-signed certificate in certificate chain" "$ERR"
run "… it chains to its own root" 0 openssl verify -CAfile <(sed -n '/BEGIN/,$p' "$WORK/t--untrusted-ca/chain.pem" | awk 'n>=1{print} /END CERT/{n++}') \
	-untrusted "$WORK/t--untrusted-ca/chain.pem" "$WORK/t--untrusted-ca/cert.pem"

# an entry from the future: consistent in itself; a verifier must refuse it by its clock
run "sign --time an hour ahead" 0 "$FS" sign "$CA" --payload "$WORK/artifact" --identity "$ID" --issuer "$ISS" \
	--time "$(($(date +%s) + 3600))" --out "$WORK/future"
run "… check: it holds in itself" 0 "$FS" check "$CA" "$WORK/future"
expect "… integrated time ahead of now" test "$(jq -r .Payload.integratedTime "$WORK/future/rekor-bundle.json")" -gt "$(($(date +%s) + 3000))"

run "sign --bad-timestamp" 0 "$FS" sign "$CA" --payload "$WORK/artifact" --identity "$ID" --issuer "$ISS" --bad-timestamp --out "$WORK/tts"
run "… check: the rest holds" 0 "$FS" check "$CA" "$WORK/tts"
run "… openssl ts refuses the timestamp for the signature" 1 openssl ts -verify -in "$WORK/tts/timestamp.der" \
	-data "$WORK/tts/sig.der" -CAfile "$CA/tsa-root.pem" -untrusted "$CA/tsa.pem"
expect "… (imprint mismatch)" has "message imprint mismatch" "$ERR"
run "… though the TSA signed it" 0 openssl ts -verify -in "$WORK/tts/timestamp.der" \
	-digest "$(printf 'fakesigstore: not the signature' | sha256sum | cut -c1-64)" -CAfile "$CA/tsa-root.pem" -untrusted "$CA/tsa.pem"

run "sign without --identity" 2 "$FS" sign "$CA" --payload "$WORK/artifact" --issuer "$ISS" --out "$WORK/x"
expect "… says what is missing" has "are required" "$ERR"
run "sign --log-index beyond the tree" 2 "$FS" sign "$CA" --payload "$WORK/artifact" --identity "$ID" --issuer "$ISS" \
	--log-index 5 --tree-size 5 --out "$WORK/x"
expect "… says why" has "want --log-index < --tree-size" "$ERR"

# ---- attach, as cosign does ----
start_registry reg
DIG=$(seed "$REG/app" 1)
"$FS" payload "$REG/app" "$DIG" >"$WORK/image.payload"
expect "payload is cosign's simple signing" test "$(cat "$WORK/image.payload")" = \
	"{\"critical\":{\"identity\":{\"docker-reference\":\"$REG/app\"},\"image\":{\"docker-manifest-digest\":\"$DIG\"},\"type\":\"cosign container image signature\"},\"optional\":null}"
run "sign the image payload" 0 "$FS" sign "$CA" --payload "$WORK/image.payload" --identity "$ID" --issuer "$ISS" --out "$WORK/img"
run "attach" 0 "$FS" attach "$REG" app "$DIG" "$WORK/img"
MD=$(cat "$OUT")
TAG="sha256-${DIG#sha256:}.sig"
curl -fsS -H 'Accept: application/vnd.oci.image.manifest.v1+json' "http://$REG/v2/app/manifests/$TAG" >"$WORK/sig.json"
expect "… the .sig manifest is where cosign looks" test "sha256:$(sha256sum <"$WORK/sig.json" | cut -c1-64)" = "$MD"
M="$WORK/sig.json"
expect "… an OCI manifest" test "$(jq -r .mediaType "$M")" = "application/vnd.oci.image.manifest.v1+json"
expect "… one simple-signing layer" test "$(jq -r '.layers | map(.mediaType) | join(",")' "$M")" = "application/vnd.dev.cosign.simplesigning.v1+json"
expect "… layer is the payload" test "$(jq -r '.layers[0].digest' "$M")" = "sha256:$(sha256sum <"$WORK/image.payload" | cut -c1-64)"
A='.layers[0].annotations'
expect "… signature annotation" test "$(jq -r "$A[\"dev.cosignproject.cosign/signature\"]" "$M")" = "$(cat "$WORK/img/sig.b64")"
expect "… certificate annotation (PEM)" test "$(jq -r "$A[\"dev.sigstore.cosign/certificate\"]" "$M")" = "$(cat "$WORK/img/cert.pem")"
expect "… chain annotation (PEM)" test "$(jq -r "$A[\"dev.sigstore.cosign/chain\"]" "$M")" = "$(cat "$WORK/img/chain.pem")"
expect "… bundle annotation" test "$(jq -r "$A[\"dev.sigstore.cosign/bundle\"]" "$M")" = "$(cat "$WORK/img/rekor-bundle.json")"
expect "… rfc3161timestamp annotation" test "$(jq -r "$A[\"dev.sigstore.cosign/rfc3161timestamp\"]" "$M")" = "$(cat "$WORK/img/timestamp.json")"
expect "… annotations in Go's order" test "$(jq -r "$A | keys_unsorted | join(\" \")" "$M")" = \
	"dev.cosignproject.cosign/signature dev.sigstore.cosign/bundle dev.sigstore.cosign/certificate dev.sigstore.cosign/chain dev.sigstore.cosign/rfc3161timestamp"
curl -fsS "http://$REG/v2/app/blobs/$(jq -r .config.digest "$M")" >"$WORK/sig.config"
expect "… config is go-containerregistry's empty image (233 bytes)" test "$(stat -c %s "$WORK/sig.config")" = 233
curl -fsS "http://$REG/v2/app/blobs/$(jq -r '.layers[0].digest' "$M")" >"$WORK/got.payload"
expect "… the payload blob is there" cmp -s "$WORK/got.payload" "$WORK/image.payload"
run "… signature over the stored payload (openssl)" 0 openssl dgst -sha256 -verify <(openssl x509 -in "$WORK/img/cert.pem" -pubkey -noout) \
	-signature "$WORK/img/sig.der" "$WORK/got.payload"
run "attach a second signature" 0 "$FS" sign "$CA" --payload "$WORK/image.payload" --identity "$ID" --issuer "$ISS" --bad-set --out "$WORK/img2"
run "… attach" 0 "$FS" attach "$REG" app "$DIG" "$WORK/img2"
curl -fsS -H 'Accept: application/vnd.oci.image.manifest.v1+json' "http://$REG/v2/app/manifests/$TAG" >"$WORK/sig2.json"
expect "… appended: two layers, the first unchanged" test "$(jq -c '.layers[0]' "$WORK/sig2.json")" = "$(jq -c '.layers[0]' "$M")"
expect "… the second has its own certificate" test "$(jq -r '.layers[1].annotations["dev.sigstore.cosign/certificate"]' "$WORK/sig2.json")" = "$(cat "$WORK/img2/cert.pem")"
run "… attach the same again" 0 "$FS" attach "$REG" app "$DIG" "$WORK/img2"
expect "… changes nothing" has "already holds this signature" "$ERR"

# ---- attach-bundle, as cosign v3 does ----
run "sign the image as cosign v3 (DSSE, --subject-digest)" 0 "$FS" sign "$CA" --dsse --subject-digest "$DIG" \
	--predicate-type https://sigstore.dev/cosign/sign/v1 --identity "$ID" --issuer "$ISS" --out "$WORK/v3"
run "… check" 0 "$FS" check "$CA" "$WORK/v3"
expect "… the statement's subject is the image, without a name" test "$(jq -c .subject "$WORK/v3/payload")" = \
	"[{\"digest\":{\"sha256\":\"${DIG#sha256:}\"}}]"
run "attach-bundle" 0 "$FS" attach-bundle "$REG" app "$DIG" "$WORK/v3"
RD=$(cat "$OUT")
curl -fsS -H 'Accept: application/vnd.oci.image.manifest.v1+json' "http://$REG/v2/app/manifests/$RD" >"$WORK/ref.json"
R="$WORK/ref.json"
expect "… the referrer is stored by digest" test "sha256:$(sha256sum <"$R" | cut -c1-64)" = "$RD"
expect "… artifactType is the bundle's" test "$(jq -r .artifactType "$R")" = "application/vnd.dev.sigstore.bundle.v0.3+json"
expect "… empty config" test "$(jq -r '.config | .mediaType + " " + .digest + " " + (.size|tostring)' "$R")" = \
	"application/vnd.oci.empty.v1+json sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a 2"
expect "… subject is the image" test "$(jq -r .subject.digest "$R")" = "$DIG"
expect "… annotations: content and predicate type" test \
	"$(jq -r '.annotations | .["dev.sigstore.bundle.content"] + " " + .["dev.sigstore.bundle.predicateType"]' "$R")" = \
	"dsse-envelope https://sigstore.dev/cosign/sign/v1"
curl -fsS "http://$REG/v2/app/blobs/$(jq -r '.layers[0].digest' "$R")" >"$WORK/got.bundle"
expect "… its layer is the bundle" cmp -s "$WORK/got.bundle" "$WORK/v3/bundle.sigstore.json"
curl -fsS -H 'Accept: application/vnd.oci.image.index.v1+json' "http://$REG/v2/app/manifests/sha256-${DIG#sha256:}" >"$WORK/idx.json"
expect "… the fallback index lists it" test "$(jq -r '.manifests | map(.digest + " " + .artifactType) | join(",")' "$WORK/idx.json")" = \
	"$RD application/vnd.oci.empty.v1+json"
run "… a second bundle" 0 "$FS" sign "$CA" --dsse --subject-digest "$DIG" --predicate-type https://sigstore.dev/cosign/sign/v1 \
	--identity "$ID" --issuer "$ISS" --out "$WORK/v3b"
run "… attach-bundle" 0 "$FS" attach-bundle "$REG" app "$DIG" "$WORK/v3b"
curl -fsS -H 'Accept: application/vnd.oci.image.index.v1+json' "http://$REG/v2/app/manifests/sha256-${DIG#sha256:}" >"$WORK/idx.json"
expect "… the index lists both, sorted by digest" test "$(jq -r '.manifests | map(.digest) | join(" ")' "$WORK/idx.json")" = \
	"$(printf '%s\n' "$RD" "$(cat "$OUT")" | sort | tr '\n' ' ' | sed 's/ $//')"
run "attach-bundle to a missing image" 2 "$FS" attach-bundle "$REG" app "sha256:$(printf x | sha256sum | cut -c1-64)" "$WORK/v3"
expect "… says so" has "the subject app@sha256:" "$ERR"

finish
