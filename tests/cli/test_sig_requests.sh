#!/bin/bash
# test_sig_requests.sh - registry requests per detached signature (issue 14),
# counted by sign (-o json "requests") and read in docker-registry's own
# log: verify checks sign's own payload without fetching its blob, a batch
# checks an image's signatures once for all its tags, and a new signature's
# blobs are uploaded without asking first whether they exist.
# What that must not change: a layer that names sign's payload but whose
# signature was made over other bytes, or by another key, still fails with
# the message of a wrong signature; a payload cosign made (other fields) is
# still fetched and verified.  Against a real docker-registry.
. "$(dirname "$0")/../lib/common.sh"

start_registry reg
P="$WORK/publisher"
V="$WORK/verifier"
G="$REG/req/app"
ACC="Accept: application/vnd.oci.image.manifest.v1+json"
CT="Content-Type: application/vnd.oci.image.manifest.v1+json"
D1=$(seed "$G:v1" 71)
D2=$(seed "$G:v2" 72)
D3=$(seed "$G:v3" 73)

# reqs: the requests in the registry's log since mark, "METHOD PATH" one a
# line (query strings dropped, upload session IDs shown as ID)
mark() { MARK=$(wc -l <"$REG_DIR/log"); }
reqs() {
	tail -n +$((MARK + 1)) "$REG_DIR/log" | grep -o '"[A-Z]* /v2/[^ "?]*' | tr -d '"' |
		sed 's|/blobs/uploads/[^/]*[^/]$|/blobs/uploads/ID|'
}

run "push v1" 0 "$SIGN" --home "$P" push "$G:v1"

# --- push: a new signature, no blob HEAD ------------------------------------------
mark
run "push v2, an image with no signature yet" 0 "$SIGN" --home "$P" -o json push "$G:v2"
expect "… a new signature" has '"new_signature":true' "$OUT"
# the signature's own requests: up to its manifest's PUT
reqs | sed '/^PUT .*\.sig$/q' >"$WORK/sigreqs"
printf '%s\n' "GET /v2/req/app/manifests/v2" \
	"GET /v2/req/app/manifests/sha256-${D2#sha256:}.sig" \
	"POST /v2/req/app/blobs/uploads/" "PUT /v2/req/app/blobs/uploads/ID" \
	"POST /v2/req/app/blobs/uploads/" "PUT /v2/req/app/blobs/uploads/ID" \
	"PUT /v2/req/app/manifests/sha256-${D2#sha256:}.sig" >"$WORK/want"
expect "… its signature takes 7 requests: the tag, the .sig tag, two uploads without a HEAD, the manifest" \
	diff -u "$WORK/want" "$WORK/sigreqs"
# then the trust publish: the collection's manifest, its three new role
# files (a HEAD and an upload each), root and the config checked, the
# manifest put and read back
expect "… 23 requests in all, signature and publish" has '"requests":23' "$OUT"

# --- verify: sign's own payload, no blob GET ------------------------------------
run "verify v1 (caches the trust data)" 0 "$SIGN" --home "$V" verify "$G:v1"
mark
run "verify v2, whose payload blob this home never fetched" 0 "$SIGN" --home "$V" -o json verify "$G:v2"
expect "… prints its digest" has "\"pull\":\"$G@$D2\"" "$OUT"
expect "… 3 requests: the trust manifest, the tag, the signature manifest" has '"requests":3,' "$OUT"
expect "… no blob fetched" test "$(reqs | grep -c '^GET .*/blobs/')" -eq 0

# --- a batch: one image under several tags, its signatures checked once ----------
MAN2=$(curl -sf -H "$ACC" "http://$REG/v2/req/app/manifests/v2")
for t in a1 a2 a3; do
	curl -sf -X PUT -H "$CT" --data-binary "$MAN2" "http://$REG/v2/req/app/manifests/$t" -o /dev/null
done
run "push a1 a2 a3, tags of v2's image" 0 "$SIGN" --home "$P" push "$G:a1" "$G:a2" "$G:a3"
mark
run "verify v2 a1 a2 a3 in one call" 0 "$SIGN" --home "$V" -o json verify "$G:v2" "$G:a1" "$G:a2" "$G:a3"
expect "… all four to v2's image" test "$(jq -r '.results[].pull' "$OUT" | sort | uniq -c | tr -s ' ')" = " 4 $G@$D2"
expect "… each with the same signer" test "$(jq -c '[.results[].signers] | unique | map(length)' "$OUT")" = "[1]"
expect "… each tag resolved" test "$(reqs | grep -c '^HEAD /v2/req/app/manifests/\(v2\|a[123]\)$')" -eq 4
expect "… the image's signature manifest fetched once" \
	test "$(reqs | grep -c "^GET /v2/req/app/manifests/sha256-${D2#sha256:}.sig$")" -eq 1

# --- forged layers that name sign's payload ------------------------------------
run "push v3" 0 "$SIGN" --home "$P" push "$G:v3"
SIGTAG="sha256-${D3#sha256:}.sig"
curl -sf -H "$ACC" "http://$REG/v2/req/app/manifests/$SIGTAG" >"$WORK/sig3.json"
curl -sf -H "$ACC" "http://$REG/v2/req/app/manifests/sha256-${D2#sha256:}.sig" >"$WORK/sig2.json"
sig_of() { jq -r '.layers[0].annotations["dev.cosignproject.cosign/signature"]' "$1"; }
PD3=$(jq -r '.layers[0].digest' "$WORK/sig3.json")
curl -sf "http://$REG/v2/req/app/blobs/$PD3" >"$WORK/payload3"
expect "v3's layer names sign's payload for it" \
	test "$(jq -c . "$WORK/payload3")" = "$(jq -c -n --arg r "$G" --arg d "$D3" \
		'{critical:{identity:{"docker-reference":$r},image:{"docker-manifest-digest":$d},type:"cosign container image signature"},optional:null}')"
# putsig FILE: FILE becomes v3's signature manifest
putsig() { curl -sf -X PUT -H "$CT" --data-binary @"$1" "http://$REG/v2/req/app/manifests/$SIGTAG" -o /dev/null; }
# v2's signature (the authorised key, over v2's payload) under v3's layer
jq -c --arg s "$(sig_of "$WORK/sig2.json")" '.layers[0].annotations["dev.cosignproject.cosign/signature"] = $s' \
	"$WORK/sig3.json" >"$WORK/forged1.json"
putsig "$WORK/forged1.json"
run "a layer naming v3's payload, signed by the authorised key over v2's" 1 "$SIGN" --home "$V" verify "$G:v3"
expect "… says no signature is by an authorised key" \
	has "^sign: verifying $G:v3: $G@$D3: no detached signature is by a key the root authorises (1 found)" "$ERR"
run "… the same from a fresh home" 1 "$SIGN" --home "$WORK/fresh1" verify "$G:v3"
expect "… with the same message" \
	has "^sign: verifying $G:v3: $G@$D3: no detached signature is by a key the root authorises (1 found)" "$ERR"
# another key's signature over v3's very payload
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$WORK/x.pem" 2>/dev/null
openssl pkey -in "$WORK/x.pem" -pubout -out "$WORK/x.pub" 2>/dev/null
xsign() { openssl dgst -sha256 -sign "$WORK/x.pem" "$1" | base64 -w0; }
jq -c --arg s "$(xsign "$WORK/payload3")" '.layers[0].annotations["dev.cosignproject.cosign/signature"] = $s' \
	"$WORK/sig3.json" >"$WORK/forged2.json"
putsig "$WORK/forged2.json"
run "a layer naming v3's payload, signed over it by another key" 1 "$SIGN" --home "$V" verify "$G:v3"
expect "… says no signature is by an authorised key" \
	has "^sign: verifying $G:v3: $G@$D3: no detached signature is by a key the root authorises (1 found)" "$ERR"
run "… though that key's own check passes (verify --key)" 0 "$SIGN" --home "$V" verify --key "$WORK/x.pub" "$G:v3"
# a failed check is not remembered: each tag of the image fails on its own
curl -sf -H "$ACC" "http://$REG/v2/req/app/manifests/v3" | curl -sf -X PUT -H "$CT" --data-binary @- \
	"http://$REG/v2/req/app/manifests/b1" -o /dev/null
run "push b1, a tag of v3's image" 0 "$SIGN" --home "$P" push "$G:b1"
putsig "$WORK/forged2.json"
mark
run "verify v3 and b1 in one call, v3's image forged" 1 "$SIGN" --home "$V" -o json verify "$G:v3" "$G:b1"
expect "… v3 refused" test "$(jq -r '.results[0].error' "$OUT")" = \
	"verifying $G:v3: $G@$D3: no detached signature is by a key the root authorises (1 found)"
expect "… b1 refused" test "$(jq -r '.results[1].error' "$OUT")" = \
	"verifying $G:b1: $G@$D3: no detached signature is by a key the root authorises (1 found)"
expect "… each checked the signature manifest" \
	test "$(reqs | grep -c "^GET /v2/req/app/manifests/$SIGTAG$")" -eq 2
putsig "$WORK/sig3.json"
run "v3's own signature back: verifies" 0 "$SIGN" --home "$V" verify "$G:v3"

# --- a payload cosign made: other fields, fetched ---------------------------------
# v1's payload as cosign writes it with -a: an "optional" map of annotations
jq -c -n --arg r "$G" --arg d "$D1" \
	'{critical:{identity:{"docker-reference":$r},image:{"docker-manifest-digest":$d},type:"cosign container image signature"},optional:{creator:"ci",run:"42"}}' |
	tr -d '\n' >"$WORK/cpayload"
CPD="sha256:$(sha256sum <"$WORK/cpayload" | cut -c1-64)"
CPS=$(wc -c <"$WORK/cpayload")
LOC=$(curl -sf -X POST -D - -o /dev/null "http://$REG/v2/req/app/blobs/uploads/" | tr -d '\r' | sed -n 's/^[Ll]ocation: //p')
curl -sf -X PUT -H "Content-Type: application/octet-stream" --data-binary @"$WORK/cpayload" \
	"$LOC&digest=$CPD" -o /dev/null
curl -sf -H "$ACC" "http://$REG/v2/req/app/manifests/sha256-${D1#sha256:}.sig" >"$WORK/sig1.json"
jq -c --arg d "$CPD" --argjson n "$CPS" --arg s "$(xsign "$WORK/cpayload")" \
	'.layers = [.layers[0] | .digest = $d | .size = $n | .annotations["dev.cosignproject.cosign/signature"] = $s]' \
	"$WORK/sig1.json" >"$WORK/cosign1.json"
curl -sf -X PUT -H "$CT" --data-binary @"$WORK/cosign1.json" \
	"http://$REG/v2/req/app/manifests/sha256-${D1#sha256:}.sig" -o /dev/null
mark
run "verify --key of v1 signed over cosign's payload" 0 "$SIGN" --home "$V" -o json verify --key "$WORK/x.pub" "$G:v1"
expect "… prints its digest" has "\"pull\":\"$G@$D1\"" "$OUT"
expect "… fetched that payload" test "$(reqs | grep -c "^GET /v2/req/app/blobs/$CPD\$")" -eq 1
expect "… 3 requests: the tag, the signature manifest, the payload" has '"requests":3,' "$OUT"
run "… the trust data's key did not sign it" 1 "$SIGN" --home "$V" verify "$G:v1"
expect "… says so" \
	has "^sign: verifying $G:v1: $G@$D1: no detached signature is by a key the root authorises (1 found)" "$ERR"
# that cosign payload's signature under a layer that names sign's payload
PD1=$(jq -r '.layers[0].digest' "$WORK/sig1.json")
jq -c --arg s "$(xsign "$WORK/cpayload")" '.layers[0].annotations["dev.cosignproject.cosign/signature"] = $s' \
	"$WORK/sig1.json" >"$WORK/forged3.json"
curl -sf -X PUT -H "$CT" --data-binary @"$WORK/forged3.json" \
	"http://$REG/v2/req/app/manifests/sha256-${D1#sha256:}.sig" -o /dev/null
mark
run "verify --key of a layer naming sign's payload ($PD1), signed over cosign's" 1 \
	"$SIGN" --home "$WORK/fresh2" verify --key "$WORK/x.pub" "$G:v1"
expect "… says no signature is by that key" \
	has "^sign: verifying $G:v1: $G@$D1: no detached signature is by a key the root authorises (1 found)" "$ERR"
expect "… and fetched no blob" test "$(reqs | grep -c '^GET .*/blobs/')" -eq 0

finish
