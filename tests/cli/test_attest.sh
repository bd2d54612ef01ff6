#!/bin/bash
# test_attest.sh - sign attest and sign verify --attestation against a real
# docker-registry (and an OCI layout): a scan result attested with the
# repository key travels with the image in cosign's .att layout (and as an
# OCI 1.1 referrer) and is verified, and every forgery is refused with its
# reason.
. "$(dirname "$0")/../lib/common.sh"

start_registry reg
A="$WORK/home-publisher"
B="$WORK/home-verifier"
ACC="Accept: application/vnd.oci.image.manifest.v1+json"
CT="Content-Type: application/vnd.oci.image.manifest.v1+json"

D1=$(seed "$REG/app:v1" 81)
D2=$(seed "$REG/app:v2" 82)
D3=$(seed "$REG/app:v3" 83)
D4=$(seed "$REG/app:v4" 84)
D5=$(seed "$REG/app:v5" 85)
D6=$(seed "$REG/app:v6" 86)
D7=$(seed "$REG/app:v7" 87)

# a grype-like scan result, a CycloneDX SBOM
cat >"$WORK/grype.json" <<'JSON'
{"matches":[{"vulnerability":{"id":"CVE-2026-0001","severity":"High","cvss":[{"metrics":{"baseScore":7.5}}]},
 "artifact":{"name":"openssl","version":"3.0.1"}}],
 "source":{"type":"image"},"descriptor":{"name":"grype","version":"0.80.0"}}
JSON
printf '{"bomFormat":"CycloneDX","specVersion":"1.5","components":[{"name":"busybox","version":"1.36"}]}\n' \
	>"$WORK/bom.json"

# att_tag DIGEST: cosign's attestation tag of DIGEST
att_tag() { echo "sha256-${1#sha256:}.att"; }
# get_manifest TAG FILE, put_manifest TAG FILE: the registry's manifest API
get_manifest() { curl -sf -H "$ACC" "http://$REG/v2/app/manifests/$1" >"$2"; }
put_manifest() { curl -sf -X PUT -H "$CT" --data-binary @"$2" "http://$REG/v2/app/manifests/$1" -o /dev/null; }
# put_blob FILE: upload FILE as a blob; prints its digest
put_blob() {
	local d loc
	d="sha256:$(sha256sum <"$1" | cut -c1-64)"
	loc=$(curl -sf -X POST -D - -o /dev/null "http://$REG/v2/app/blobs/uploads/" | tr -d '\r' |
		sed -n 's/^[Ll]ocation: //p')
	curl -sf -X PUT -H "Content-Type: application/octet-stream" --data-binary @"$1" \
		"$loc&digest=$d" -o /dev/null && echo "$d"
}
# set_att DIGEST ENVELOPE: make the .att manifest of DIGEST hold only the
# envelope file ENVELOPE (its layer as cosign writes it)
set_att() {
	local ed size
	ed=$(put_blob "$2") || return 1
	size=$(wc -c <"$2")
	jq -c -n --arg d "$ed" --argjson n "$size" \
		'{schemaVersion:2,mediaType:"application/vnd.oci.image.manifest.v1+json",
		  config:{mediaType:"application/vnd.oci.image.config.v1+json",size:2,
		          digest:"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"},
		  layers:[{mediaType:"application/vnd.dsse.envelope.v1+json",size:$n,digest:$d,
		           annotations:{"dev.cosignproject.cosign/signature":"",
		                        predicateType:"https://cosign.sigstore.dev/attestation/vuln/v1"}}]}' \
		>"$WORK/att-manifest.json" &&
		printf '{}' >"$WORK/empty.json" && put_blob "$WORK/empty.json" >/dev/null &&
		put_manifest "$(att_tag "$1")" "$WORK/att-manifest.json"
}
# first_envelope DIGEST FILE: the first envelope of DIGEST's .att manifest
first_envelope() {
	get_manifest "$(att_tag "$1")" "$WORK/m.json" || return 1
	curl -sf "http://$REG/v2/app/blobs/$(jq -r '.layers[0].digest' "$WORK/m.json")" >"$2"
}

# --- attest, then verify --------------------------------------------------------------
for t in v1 v2 v3 v4 v5 v6; do
	run "push $t" 0 "$SIGN" --home "$A" push "$REG/app:$t"
done
run "attest a grype result (vuln)" 0 "$SIGN" --home "$A" attest --predicate "$WORK/grype.json" --type vuln \
	"$REG/app:v1"
expect "… prints REPO@digest" has "^$REG/app@$D1\$" "$OUT"
expect "… says it attested with the repository key" has "attested $REG/app@$D1 (https://cosign.sigstore.dev/attestation/vuln/v1) with key" "$ERR"
run "… the .att manifest is there" 0 get_manifest "$(att_tag "$D1")" "$WORK/att1.json"
expect "… one DSSE layer" test "$(jq -r '[.layers[].mediaType] | join(",")' "$WORK/att1.json")" = \
	"application/vnd.dsse.envelope.v1+json"
expect "… cosign's empty signature annotation" \
	test "$(jq -r '.layers[0].annotations["dev.cosignproject.cosign/signature"]' "$WORK/att1.json")" = ""
expect "… and its predicateType annotation" \
	test "$(jq -r '.layers[0].annotations.predicateType' "$WORK/att1.json")" = "https://cosign.sigstore.dev/attestation/vuln/v1"
run "… its envelope" 0 first_envelope "$D1" "$WORK/env1.json"
expect "… an in-toto envelope" test "$(jq -r .payloadType "$WORK/env1.json")" = "application/vnd.in-toto+json"
jq -r .payload "$WORK/env1.json" | base64 -d >"$WORK/stmt1.json"
expect "… a Statement v1 over the image digest" \
	test "$(jq -r '[._type, .subject[0].name, .subject[0].digest.sha256] | join(" ")' "$WORK/stmt1.json")" = \
	"https://in-toto.io/Statement/v1 $REG/app ${D1#sha256:}"
expect "… the predicate is the scan result" test "$(jq -c .predicate "$WORK/stmt1.json")" = "$(jq -c . "$WORK/grype.json")"

run "verify --attestation vuln" 0 "$SIGN" --home "$B" verify --attestation vuln "$REG/app:v1"
expect "… prints the digest to pull by" has "^$REG/app@$D1\$" "$OUT"
run "verify --attestation vuln -o json" 0 "$SIGN" --home "$B" -o json verify --attestation vuln "$REG/app:v1"
expect "… the predicate, for a policy to read" \
	test "$(jq -r '.results[0].attestations[0].predicate.matches[0].vulnerability.id' "$OUT")" = "CVE-2026-0001"
expect "… its type" test "$(jq -r '.results[0].attestations[0].predicateType' "$OUT")" = \
	"https://cosign.sigstore.dev/attestation/vuln/v1"
expect "… verified, with the digest" test "$(jq -r '[.ok, .results[0].digest] | join(" ")' "$OUT")" = "true $D1"
expect "… from the .att tag" test "$(jq -r '.results[0].attestations[0].source' "$OUT")" = "att"

run "attest the same result again" 0 "$SIGN" --home "$A" attest --predicate "$WORK/grype.json" --type vuln \
	"$REG/app:v1"
expect "… says it is there already" has "already holds this attestation" "$ERR"
run "… the .att manifest" 0 get_manifest "$(att_tag "$D1")" "$WORK/att1b.json"
expect "… still one layer" test "$(jq '.layers | length' "$WORK/att1b.json")" = 1
run "attest an SBOM (cyclonedx)" 0 "$SIGN" --home "$A" -o json attest --predicate "$WORK/bom.json" \
	--type cyclonedx "$REG/app:v1"
expect "… a new attestation" test "$(jq -r .new_attestation "$OUT")" = true
run "… the .att manifest" 0 get_manifest "$(att_tag "$D1")" "$WORK/att1c.json"
expect "… a second layer, appended" test "$(jq -r '[.layers[].annotations.predicateType] | join(" ")' \
	"$WORK/att1c.json")" = "https://cosign.sigstore.dev/attestation/vuln/v1 https://cyclonedx.org/bom"
run "verify --attestation cyclonedx" 0 "$SIGN" --home "$B" verify --attestation cyclonedx "$REG/app:v1"
expect "… prints the digest" has "^$REG/app@$D1\$" "$OUT"
run "verify --attestation by URI" 0 "$SIGN" --home "$B" -o json verify --attestation \
	https://cyclonedx.org/bom "$REG/app:v1"
expect "… the SBOM" test "$(jq -r '.results[0].attestations[0].predicate.components[0].name' "$OUT")" = busybox
run "attest --type custom (cosign's Data/Timestamp wrapping)" 0 "$SIGN" --home "$A" attest \
	--predicate "$WORK/bom.json" "$REG/app:v1"
run "… verify --attestation custom" 0 "$SIGN" --home "$B" -o json verify --attestation custom "$REG/app:v1"
expect "… the predicate's Data is the file" \
	test "$(jq -r '.results[0].attestations[0].predicate.Data' "$OUT" | jq -r .bomFormat)" = CycloneDX

# --- refusals -----------------------------------------------------------------------
run "a type the image has no attestation of" 1 "$SIGN" --home "$B" verify --attestation slsaprovenance \
	"$REG/app:v1"
expect "… says which types it found" has "no attestation of type https://slsa.dev/provenance/v0.2 (3 found): those signed by the keys are of type https://cosign.sigstore.dev/attestation/vuln/v1, https://cyclonedx.org/bom, https://cosign.sigstore.dev/attestation/v1" "$ERR"
run "an unknown type" 2 "$SIGN" --home "$B" verify --attestation sbom "$REG/app:v1"
expect "… says so" has "unknown predicate type \"sbom\"" "$ERR"
run "an image with no attestation" 1 "$SIGN" --home "$B" verify --attestation vuln "$REG/app:v2"
expect "… says none was found" has "no attestation found (no $(att_tag "$D2") tag, no referrer with one)" "$ERR"
run "-o json of a refusal" 1 "$SIGN" --home "$B" -o json verify --attestation vuln "$REG/app:v2"
expect "… not verified, with the reason" test "$(jq -r '[.ok, .results[0].verified] | join(" ")' "$OUT")" = "false false"
expect "… the reason" has "no attestation found" "$OUT"
run "--offline is refused" 2 "$SIGN" --home "$B" verify --offline --attestation vuln "$REG/app:v1"
expect "… says attestations are read from the registry" has "reads the attestations from the registry" "$ERR"

# tampered: v3's envelope with its payload edited, its signature kept
run "attest v3" 0 "$SIGN" --home "$A" attest --predicate "$WORK/grype.json" --type vuln "$REG/app:v3"
run "… its envelope" 0 first_envelope "$D3" "$WORK/env3.json"
jq -r .payload "$WORK/env3.json" | base64 -d | sed 's/CVE-2026-0001/CVE-2026-9999/' | base64 -w0 >"$WORK/p3"
jq -c --rawfile p "$WORK/p3" '.payload = $p' "$WORK/env3.json" >"$WORK/env3-tampered.json"
run "… replaced by the tampered one" 0 set_att "$D3" "$WORK/env3-tampered.json"
run "a tampered payload" 1 "$SIGN" --home "$B" verify --attestation vuln "$REG/app:v3"
expect "… is not signed by the repository key" has "no attestation of type https://cosign.sigstore.dev/attestation/vuln/v1 verifies (1 found): its envelope is signed by no key the trust data authorises" "$ERR"

# another key: an envelope for v4 signed by a key of the attacker's (openssl)
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$WORK/evil.key" 2>/dev/null
jq -c -n --arg r "$REG/app" --arg d "${D4#sha256:}" \
	'{_type:"https://in-toto.io/Statement/v1",subject:[{name:$r,digest:{sha256:$d}}],
	  predicateType:"https://cosign.sigstore.dev/attestation/vuln/v1",predicate:{matches:[]}}' |
	tr -d '\n' >"$WORK/stmt4.json"
{ printf 'DSSEv1 28 application/vnd.in-toto+json %s ' "$(wc -c <"$WORK/stmt4.json")"; cat "$WORK/stmt4.json"; } \
	>"$WORK/pae4"
openssl dgst -sha256 -sign "$WORK/evil.key" -out "$WORK/sig4.der" "$WORK/pae4"
jq -c -n --arg p "$(base64 -w0 <"$WORK/stmt4.json")" --arg s "$(base64 -w0 <"$WORK/sig4.der")" \
	'{payloadType:"application/vnd.in-toto+json",payload:$p,signatures:[{keyid:"",sig:$s}]}' >"$WORK/env4.json"
run "an envelope by another key, put as v4's .att" 0 set_att "$D4" "$WORK/env4.json"
run "… is refused" 1 "$SIGN" --home "$B" verify --attestation vuln "$REG/app:v4"
expect "… not signed by the repository key" has "verifies (1 found): its envelope is signed by no key the trust data authorises" "$ERR"
# … and that key's own check of it passes (the envelope itself is sound)
openssl pkey -in "$WORK/evil.key" -pubout -out "$WORK/evil.pub" 2>/dev/null
run "… which verify --key of that key accepts" 0 "$SIGN" --home "$B" verify --key "$WORK/evil.pub" \
	--attestation vuln "$REG/app:v4"
expect "… printing the digest" has "^$REG/app@$D4\$" "$OUT"

# another subject: v1's genuine envelope (signed by the repository key)
# copied under v5's .att tag
run "v1's envelope" 0 first_envelope "$D1" "$WORK/env1-again.json"
run "… put as v5's .att" 0 set_att "$D5" "$WORK/env1-again.json"
run "an attestation of another image" 1 "$SIGN" --home "$B" verify --attestation vuln "$REG/app:v5"
expect "… says it is for another image" has "the attestation of type https://cosign.sigstore.dev/attestation/vuln/v1 is for another image: in-toto statement: no subject of its 1 is $D5" "$ERR"

# a home without the repository key cannot attest
run "attest from a home without the repository key" 2 "$SIGN" --home "$B" attest --predicate "$WORK/grype.json" \
	--type vuln "$REG/app:v1"
expect "… says it holds no repository key" has "this home holds no repository key for $REG/app" "$ERR"
run "a predicate that is not JSON" 2 "$SIGN" --home "$A" attest --predicate "$WORK/p3" --type vuln "$REG/app:v1"
expect "… says so" has "the predicate is not JSON" "$ERR"
run "attest without --predicate" 2 "$SIGN" --home "$A" attest --type vuln "$REG/app:v1"
expect "… says it is needed" has "attest needs --predicate FILE" "$ERR"
run "attest an unknown type" 2 "$SIGN" --home "$A" attest --predicate "$WORK/grype.json" --type sbom "$REG/app:v1"
expect "… says so" has "unknown predicate type \"sbom\"" "$ERR"

# --- the OCI 1.1 referrer --------------------------------------------------------------
run "attest --referrers" 0 "$SIGN" --home "$A" -o json attest --referrers --predicate "$WORK/grype.json" \
	--type vuln "$REG/app:v6"
REF6=$(jq -r .referrer "$OUT")
expect "… names the referrer manifest" test "${REF6#sha256:}" != "$REF6"
run "… the referrer manifest" 0 get_manifest "$REF6" "$WORK/ref6.json"
BT="application/vnd.dev.sigstore.bundle.v0.3+json"
expect "… cosign v3's form: a Sigstore bundle, subject the image" \
	test "$(jq -r '[.artifactType, .subject.digest, .config.mediaType, .layers[0].mediaType] | join(" ")' \
	"$WORK/ref6.json")" = "$BT $D6 application/vnd.oci.empty.v1+json $BT"
expect "… its annotations name the content and the type" \
	test "$(jq -r '.annotations | [."dev.sigstore.bundle.content", ."dev.sigstore.bundle.predicateType"] | join(" ")' \
	"$WORK/ref6.json")" = "dsse-envelope https://cosign.sigstore.dev/attestation/vuln/v1"
run "… the bundle" 0 curl -sf "http://$REG/v2/app/blobs/$(jq -r '.layers[0].digest' "$WORK/ref6.json")" -o "$WORK/b6.json"
run "… the repository public key" 0 "$SIGN" --home "$A" -o json key list
REPOID=$(jq -r '[.[] | select(.role == "targets")][0].keyid' "$OUT")
run "… exported" 0 "$SIGN" --home "$A" key export "$REPOID" --public
HINT=$(openssl pkey -pubin -outform DER <"$OUT" | openssl dgst -sha256 -binary | base64 -w0)
expect "… the key's hint, no log entry, the envelope" \
	test "$(jq -r '[.mediaType, .verificationMaterial.publicKey.hint, (.verificationMaterial.tlogEntries | length),
		.dsseEnvelope.payloadType] | join(" ")' "$WORK/b6.json")" = "$BT $HINT 0 application/vnd.in-toto+json"
run "… listed in the referrers tag schema's index" 0 curl -sf -H "Accept: application/vnd.oci.image.index.v1+json" \
	"http://$REG/v2/app/manifests/sha256-${D6#sha256:}" -o "$WORK/idx6.json"
expect "… with its artifactType" test "$(jq -r --arg d "$REF6" '.manifests[] | select(.digest == $d) | .artifactType' \
	"$WORK/idx6.json")" = "$BT"
run "attest --referrers again" 0 "$SIGN" --home "$A" -o json attest --referrers --predicate "$WORK/grype.json" \
	--type vuln "$REG/app:v6"
expect "… nothing new" test "$(jq -r .new_attestation "$OUT")" = false
# the .att tag deleted: the referrer alone carries it
run "… the .att manifest" 0 get_manifest "$(att_tag "$D6")" "$WORK/att6.json"
ATT6="sha256:$(sha256sum <"$WORK/att6.json" | cut -c1-64)"
run "… deleted" 0 curl -sf -X DELETE "http://$REG/v2/app/manifests/$ATT6" -o /dev/null
run "verify --attestation finds the referrer" 0 "$SIGN" --home "$B" -o json verify --attestation vuln "$REG/app:v6"
expect "… from the referrer" test "$(jq -r '.results[0].attestations | map(.source) | join(",")' "$OUT")" = referrer

# the envelope as a DSSE layer of its own referrer (cosign's WriteAttestationsReferrer form)
run "attest v2 (cyclonedx)" 0 "$SIGN" --home "$A" attest --predicate "$WORK/bom.json" --type cyclonedx "$REG/app:v2"
run "… its envelope" 0 first_envelope "$D2" "$WORK/env2.json"
ED2=$(put_blob "$WORK/env2.json")
printf '{}' >"$WORK/empty.json"
ED=$(put_blob "$WORK/empty.json")
curl -sf -H "$ACC" "http://$REG/v2/app/manifests/v2" -o "$WORK/v2.json"
IT="application/vnd.in-toto+json"
jq -c -n --arg ld "$ED2" --argjson ln "$(wc -c <"$WORK/env2.json")" --arg ed "$ED" --arg d "$D2" \
	--argjson n "$(wc -c <"$WORK/v2.json")" --arg it "$IT" \
	'{schemaVersion:2,mediaType:"application/vnd.oci.image.manifest.v1+json",artifactType:$it,
	  config:{mediaType:"application/vnd.oci.empty.v1+json",size:2,digest:$ed},
	  layers:[{mediaType:"application/vnd.dsse.envelope.v1+json",size:$ln,digest:$ld,
	           annotations:{"dev.cosignproject.cosign/signature":"",predicateType:"https://cyclonedx.org/bom"}}],
	  subject:{mediaType:"application/vnd.oci.image.manifest.v1+json",size:$n,digest:$d}}' >"$WORK/dref2.json"
DR2="sha256:$(sha256sum <"$WORK/dref2.json" | cut -c1-64)"
run "… pushed as a DSSE referrer" 0 put_manifest "$DR2" "$WORK/dref2.json"
jq -c -n --arg d "$DR2" --argjson n "$(wc -c <"$WORK/dref2.json")" --arg it "$IT" \
	'{schemaVersion:2,mediaType:"application/vnd.oci.image.index.v1+json",
	  manifests:[{mediaType:"application/vnd.oci.image.manifest.v1+json",digest:$d,size:$n,artifactType:$it}]}' \
	>"$WORK/idx2.json"
run "… listed in the tag schema's index" 0 curl -sf -X PUT -H "Content-Type: application/vnd.oci.image.index.v1+json" \
	--data-binary @"$WORK/idx2.json" "http://$REG/v2/app/manifests/sha256-${D2#sha256:}" -o /dev/null
run "… v2's .att manifest" 0 get_manifest "$(att_tag "$D2")" "$WORK/att2.json"
run "… deleted" 0 curl -sf -X DELETE "http://$REG/v2/app/manifests/sha256:$(sha256sum <"$WORK/att2.json" | cut -c1-64)" \
	-o /dev/null
run "verify --attestation reads the DSSE referrer" 0 "$SIGN" --home "$B" -o json verify --attestation cyclonedx \
	"$REG/app:v2"
expect "… from the referrer" test "$(jq -r '.results[0].attestations | map(.source) | join(",")' "$OUT")" = referrer
expect "… its predicate" test "$(jq -r '.results[0].attestations[0].predicate.bomFormat' "$OUT")" = CycloneDX

# --- with --key: the repository key's public half, an unsigned image ---------------------
run "export the repository public key" 0 "$SIGN" --home "$A" key export "$REPOID" --public
cp "$OUT" "$WORK/repo.pub"
run "attest v7 (never pushed: no trust data entry)" 0 "$SIGN" --home "$A" attest --predicate "$WORK/grype.json" \
	--type vuln "$REG/app:v7"
run "verify --key --attestation" 0 "$SIGN" --home "$B" verify --key "$WORK/repo.pub" --attestation vuln "$REG/app:v7"
expect "… prints the digest" has "^$REG/app@$D7\$" "$OUT"
run "… without --key the image is not signed" 1 "$SIGN" --home "$B" verify --attestation vuln "$REG/app:v7"
expect "… says the tag is not signed" has "$REG/app:v7 is not signed: no trust data for that tag" "$ERR"
run "verify --key of another key" 1 "$SIGN" --home "$B" verify --key "$WORK/evil.pub" --attestation vuln "$REG/app:v7"
expect "… refused" has "its envelope is signed by no key the trust data authorises" "$ERR"

# --- a tag a signer signed: its attestation by the signer's key ---------------------------
S1="$WORK/home-alice"
DS=$(seed "$REG/app:release-1" 89)
ALICE=$("$SIGN" --home "$S1" key generate --role alice)
run "alice's public key" 0 "$SIGN" --home "$S1" key export "$ALICE" --public
cp "$OUT" "$WORK/alice.pub"
run "signer add alice" 0 "$SIGN" --home "$A" signer add alice "$REG/app" --key "$WORK/alice.pub"
for role in snapshot timestamp; do
	id=$("$SIGN" --home "$A" -o json key list | jq -r --arg r "$role" '[.[] | select(.role == $r)][0].keyid')
	"$SIGN" --home "$A" key export "$id" >"$WORK/xfer.key"
	"$SIGN" --home "$S1" key import "$WORK/xfer.key" --role "$role" --gun "$REG/app" >/dev/null
done
run "alice signs release-1" 0 "$SIGN" --home "$S1" push --key "$ALICE" "$REG/app:release-1"
run "the repository key attests release-1" 0 "$SIGN" --home "$A" attest --predicate "$WORK/grype.json" --type vuln \
	"$REG/app:release-1"
run "… which does not count for a tag the signer's role signs" 1 "$SIGN" --home "$B" verify --attestation vuln \
	"$REG/app:release-1"
expect "… not signed by the role's keys" has "verifies (1 found): its envelope is signed by no key the trust data authorises" "$ERR"
run "alice attests release-1 (attest --key)" 0 "$SIGN" --home "$S1" -o json attest --key "$ALICE" \
	--predicate "$WORK/grype.json" --type vuln "$REG/app:release-1"
expect "… with her key" test "$(jq -r .keyid "$OUT")" = "$ALICE"
run "… verify --attestation" 0 "$SIGN" --home "$B" -o json verify --attestation vuln "$REG/app:release-1"
expect "… signed by alice" test "$(jq -r '[.results[0].role, .results[0].attestations[0].signer] | join(" ")' "$OUT")" = \
	"targets/releases $ALICE"
ROOTID=$("$SIGN" --home "$A" -o json key list | jq -r '[.[] | select(.role == "root")][0].keyid')
run "attest --key of a root key" 2 "$SIGN" --home "$A" attest --key "$ROOTID" --predicate "$WORK/grype.json" \
	--type vuln "$REG/app:release-1"
expect "… is refused" has "that is a root key, not a signer key" "$ERR"

# --- an OCI layout ---------------------------------------------------------------------
L="$WORK/layout"
DL=$("$MKIMAGE" "$L" v1 88)
run "push oci:DIR:tag" 0 "$SIGN" --home "$A" push "oci:$L:v1"
run "attest oci:DIR:tag" 0 "$SIGN" --home "$A" attest --predicate "$WORK/grype.json" --type vuln "oci:$L:v1"
expect "… prints oci:DIR@digest" has "^oci:$L@$DL\$" "$OUT"
expect "… the layout tags the .att manifest" has "$(att_tag "$DL")" "$L/index.json"
run "verify --attestation oci:DIR:tag" 0 "$SIGN" --home "$B" -o json verify --attestation vuln "oci:$L:v1"
expect "… the predicate" test "$(jq -r '.results[0].attestations[0].predicate.descriptor.name' "$OUT")" = grype
run "… another type refused" 1 "$SIGN" --home "$B" verify --attestation cyclonedx "oci:$L:v1"
expect "… says which it found" has "(1 found): those signed by the keys are of type https://cosign.sigstore.dev/attestation/vuln/v1" "$ERR"
run "the same statement again with --referrers" 0 "$SIGN" --home "$A" -o json attest --referrers \
	--predicate "$WORK/grype.json" --type vuln "oci:$L:v1"
expect "… only the referrer is new" test "$(jq -r '[.new_attestation, (.referrer | startswith("sha256:"))] | join(" ")' \
	"$OUT")" = "true true"
run "… verify finds it twice" 0 "$SIGN" --home "$B" -o json verify --attestation vuln "oci:$L:v1"
expect "… once in the .att tag (not added again), once as a referrer" \
	test "$(jq -r '.results[0].attestations | map(.source) | join(",")' "$OUT")" = "att,referrer"
run "attest --referrers oci:DIR:tag (an SBOM)" 0 "$SIGN" --home "$A" attest --referrers --predicate "$WORK/bom.json" \
	--type cyclonedx "oci:$L:v1"
expect "… the layout tags the referrers index" has "sha256-${DL#sha256:}\"" "$L/index.json"
run "verify --attestation cyclonedx oci:DIR:tag" 0 "$SIGN" --home "$B" -o json verify --attestation cyclonedx "oci:$L:v1"
expect "… from the .att tag and the referrer" \
	test "$(jq -r '.results[0].attestations | map(.source) | join(",")' "$OUT")" = "att,referrer"

finish
