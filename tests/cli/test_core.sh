#!/bin/bash
# test_core.sh - sign push and sign verify against a real docker-registry:
# the verification outcomes of issue 2.
. "$(dirname "$0")/../lib/common.sh"

# keys_0600 DIR: DIR holds key files, and every file in it has mode 0600
# (fails when DIR is missing or holds no key: then nothing was checked).
keys_0600() {
	local keys other
	keys=$(find "$1" -type f -name '*.key') || return 1
	[ -n "$keys" ] || { echo "# no key file in $1" >&2; return 1; }
	other=$(find "$1" -type f ! -perm 600) || return 1
	[ -z "$other" ] || { echo "# not 0600: $other" >&2; return 1; }
}

start_registry reg
A="$WORK/home-publisher"
B="$WORK/home-verifier"
C="$WORK/home-fresh"

D1=$(seed "$REG/app:v1" 1)
D2=$(seed "$REG/app:v2" 2)
D3=$(seed "$REG/app:other" 3)

# --- push, then verify with the root pinned ---------------------------------
run "push creates root and repository keys and signs" 0 "$SIGN" --home "$A" push "$REG/app:v1"
expect "push prints REPO@digest" has "^$REG/app@$D1\$" "$OUT"
expect "push says a root key was created" has "created a root key" "$ERR"
expect "home is 0700" test "$(stat -c %a "$A")" = 700
expect "private folder is 0700" test "$(stat -c %a "$A/private")" = 700
expect "key files are 0600" keys_0600 "$A/private"

run "key list shows the root key" 0 "$SIGN" --home "$A" -o json key list
ROOTID=$(tr -d ' \n' <"$OUT" | grep -o '"keyid":"[0-9a-f]*","role":"root"' | head -1 | sed 's/"keyid":"\([0-9a-f]*\)".*/\1/')
REPOID=$(tr -d ' \n' <"$OUT" | grep -o '"keyid":"[0-9a-f]*","role":"targets"' | head -1 | sed 's/"keyid":"\([0-9a-f]*\)".*/\1/')
expect "root key id found" test -n "$ROOTID"
expect "repository key id found" test -n "$REPOID"
run "export the root public key" 0 "$SIGN" --home "$A" key export "$ROOTID" --public
cp "$OUT" "$WORK/root.pub"
expect "root public key is PEM" has "BEGIN PUBLIC KEY" "$WORK/root.pub"

run "pin the root in another home" 0 "$SIGN" --home "$B" trust pin "$REG/app" --root-key "$WORK/root.pub"
run "verify with the pinned root" 0 "$SIGN" --home "$B" verify "$REG/app:v1"
expect "verify prints the digest the registry serves" has "^$REG/app@$D1\$" "$OUT"
run "verify with --root-key" 0 "$SIGN" --home "$WORK/home-rk" verify --root-key "$WORK/root.pub" "$REG/app:v1"
expect "… prints the same digest" has "^$REG/app@$D1\$" "$OUT"

# --- trust on first use -------------------------------------------------------
run "verify from a fresh home (TOFU)" 0 "$SIGN" --home "$C" verify "$REG/app:v1"
expect "… prints the digest" has "^$REG/app@$D1\$" "$OUT"
run "verify -o json" 0 "$SIGN" --home "$C" -o json verify "$REG/app:v1"
expect "… is one JSON document with the pull reference" has "\"pull\":\"$REG/app@$D1\"" "$OUT"
run "warm verify" 0 "$SIGN" --home "$C" -o json verify "$REG/app:v1"
expect "… uses one connection" has '"connections":1' "$OUT"
expect "… and 3 requests (trust manifest, tag HEAD, signature manifest)" has '"requests":3' "$OUT"

# --- push is idempotent; a second tag ------------------------------------------
run "push the same digest again" 0 "$SIGN" --home "$A" -o json push "$REG/app:v1"
expect "… adds no duplicate signature" has '"new_signature":false' "$OUT"
run "push a second tag" 0 "$SIGN" --home "$A" push "$REG/app:v2"
run "both tags verify" 0 "$SIGN" --home "$B" verify "$REG/app:v1" "$REG/app:v2"
expect "… two lines" test "$(wc -l <"$OUT")" -eq 2
run "verify by digest" 0 "$SIGN" --home "$B" verify "$REG/app@$D2"
expect "… prints it" has "^$REG/app@$D2\$" "$OUT"

# --- independent check with openssl ---------------------------------------------
run "export the repository public key" 0 "$SIGN" --home "$A" key export "$REPOID" --public
cp "$OUT" "$WORK/repo.pub"
HEX=${D1#sha256:}
curl -sf -H "Accept: application/vnd.oci.image.manifest.v1+json" \
	"http://$REG/v2/app/manifests/sha256-$HEX.sig" >"$WORK/sig.json"
SIGB64=$(grep -o '"dev.cosignproject.cosign/signature":"[^"]*"' "$WORK/sig.json" | head -1 | sed 's/.*:"\(.*\)"/\1/')
LAYER=$(grep -o '"layers":\[{"mediaType":"[^"]*","size":[0-9]*,"digest":"sha256:[0-9a-f]*"' "$WORK/sig.json" | grep -o 'sha256:[0-9a-f]*')
curl -sf "http://$REG/v2/app/blobs/$LAYER" >"$WORK/payload.json"
printf '%s' "$SIGB64" | base64 -d >"$WORK/sig.der"
run "openssl verifies the detached signature" 0 openssl dgst -sha256 -verify "$WORK/repo.pub" -signature "$WORK/sig.der" "$WORK/payload.json"
expect "… Verified OK" has "Verified OK" "$OUT"
expect "payload names the digest" has "\"docker-manifest-digest\":\"$D1\"" "$WORK/payload.json"
expect "payload names the repository" has "\"docker-reference\":\"$REG/app\"" "$WORK/payload.json"

# --- tag moved ------------------------------------------------------------------
seed "$REG/app:v2" 3 >/dev/null
run "tag moved to another image" 1 "$SIGN" --home "$B" verify "$REG/app:v2"
expect "… names the served digest" has "${D3}" "$ERR"
expect "… names the signed digest" has "${D2}" "$ERR"

# --- never signed ----------------------------------------------------------------
seed "$REG/plain:v1" 4 >/dev/null
run "image never signed" 1 "$SIGN" --home "$B" verify "$REG/plain:v1"
expect "… says it was never signed" has "never signed" "$ERR"
run "tag never signed in a signed repository" 1 "$SIGN" --home "$B" verify "$REG/app:other"
expect "… says it is not signed" has "not signed" "$ERR"

# --- unauthorised key -------------------------------------------------------------
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$WORK/evil.pem" 2>/dev/null
run "attacker replaces the signature" 0 "$TOOLS/forge" badsig "$A" "$REG/app:v1" "$WORK/evil.pem"
run "signature by a key the root does not authorise" 1 "$SIGN" --home "$B" verify "$REG/app:v1"
expect "… says so" has "not authorise\|no detached signature is by" "$ERR"
run "re-push restores a good signature" 0 "$SIGN" --home "$A" push "$REG/app:v1"
run "… verifies again" 0 "$SIGN" --home "$B" verify "$REG/app:v1"

# --- a pinned root that differs ------------------------------------------------------
run "another root key" 0 "$SIGN" --home "$WORK/home-other" key generate --role root
OTHER=$(cat "$OUT")
run "… export it" 0 "$SIGN" --home "$WORK/home-other" key export "$OTHER" --public
cp "$OUT" "$WORK/other-root.pub"
run "pinned root differs from the registry's" 1 "$SIGN" --home "$WORK/home-pin2" verify --root-key "$WORK/other-root.pub" "$REG/app:v1"
expect "… names the pin" has "pinned" "$ERR"
run "sign trust pin with another root, then verify" 0 "$SIGN" --home "$WORK/home-pin3" trust pin "$REG/app" --root-key "$WORK/other-root.pub"
run "… refused" 1 "$SIGN" --home "$WORK/home-pin3" verify "$REG/app:v1"
expect "… says the pinned root key signs no root version" has "no root version is signed by the pinned root key" "$ERR"

# --- rollback: re-push an old trust artifact ---------------------------------------
curl -sf -H "Accept: application/vnd.oci.image.manifest.v1+json" \
	"http://$REG/v2/app/manifests/_sign.trust" >"$WORK/old-trust.json"
seed "$REG/app:v4" 5 >/dev/null
run "push a newer collection" 0 "$SIGN" --home "$A" push "$REG/app:v4"
run "verifier sees the newer one" 0 "$SIGN" --home "$B" verify "$REG/app:v4"
curl -sf -X PUT -H "Content-Type: application/vnd.oci.image.manifest.v1+json" \
	--data-binary @"$WORK/old-trust.json" "http://$REG/v2/app/manifests/_sign.trust" >/dev/null
run "rolled-back collection" 1 "$SIGN" --home "$B" verify "$REG/app:v1"
expect "… says rolled back" has "rolled back" "$ERR"
run "publisher refuses to build on it too" 1 "$SIGN" --home "$A" push "$REG/app:v4"
expect "… says the trust data was rolled back" has "timestamp: version 2 is lower than the cached version 3: the trust data was rolled back" "$ERR"

# --- expired timestamp ------------------------------------------------------------
REG1=$REG
start_registry reg2
seed "$REG/exp:v1" 6 >/dev/null
run "push for the expiry case" 0 "$SIGN" --home "$A" push "$REG/exp:v1"
run "verify before expiry" 0 "$SIGN" --home "$B" verify "$REG/exp:v1"
# --at: the same checks as of a later time, to hear of a freeze window's end
# ahead (the default timestamp lifetime is 14 days); never a past time
run "--at an hour ahead: still fresh" 0 "$SIGN" --home "$WORK/home-at" verify --at +1h "$REG/exp:v1"
expect "… prints the digest" has "^$REG/exp@sha256:" "$OUT"
expect "… and caches no trust data" test ! -e "$WORK/home-at/trust/$REG/exp/metadata/timestamp.json"
expect "… (where a home that verified does cache it)" test -s "$B/trust/$REG/exp/metadata/timestamp.json"
run "--at 30 days ahead: the timestamp will have expired" 1 "$SIGN" --home "$B" verify --at +30d "$REG/exp:v1"
expect "… says so, with the time checked" has "timestamp: expired at .*, as of .*, the time checked" "$ERR"
run "--at an absolute time 30 days ahead" 1 "$SIGN" --home "$B" verify --at "$(date -u -d '+30 days' +%Y-%m-%dT%H:%M:%SZ)" "$REG/exp:v1"
expect "… says so, with the time checked" has "timestamp: expired at .*, as of .*, the time checked" "$ERR"
run "--at a past time is refused" 2 "$SIGN" --home "$B" verify --at 2001-01-01T00:00:00Z "$REG/exp:v1"
expect "… and says why" has "in the past" "$ERR"
run "--at garbage is a usage error" 2 "$SIGN" --home "$B" verify --at tomorrow "$REG/exp:v1"
expect "… says what --at wants" has "sign: --at wants +N with a unit (s, m, h, d) or an RFC 3339 UTC time .*, not 'tomorrow'" "$ERR"
run "… and so is a duration without its unit" 2 "$SIGN" --home "$B" verify --at +3600 "$REG/exp:v1"
expect "… says what --at wants" has "sign: --at wants +N with a unit .*, not '+3600'" "$ERR"
run "… and the verifier's cache still verifies now" 0 "$SIGN" --home "$B" verify --offline "$REG/exp:v1"
run "timestamp re-signed with a past expiry" 0 "$TOOLS/forge" expire "$A" "$REG/exp:v1"
run "expired timestamp" 1 "$SIGN" --home "$B" verify "$REG/exp:v1"
expect "… names the role" has "timestamp: expired" "$ERR"
run "… fresh home too" 1 "$SIGN" --home "$WORK/home-exp" verify "$REG/exp:v1"
expect "… names the role" has "timestamp: expired" "$ERR"
run "sign trust refresh extends it" 0 "$SIGN" --home "$A" trust refresh "$REG/exp"
run "… and it verifies again" 0 "$SIGN" --home "$B" verify "$REG/exp:v1"

# --- expired root -----------------------------------------------------------------
seed "$REG/rexp:v1" 7 >/dev/null
run "push for the root expiry case" 0 "$SIGN" --home "$A" push "$REG/rexp:v1"
run "verify before the root expires" 0 "$SIGN" --home "$B" verify "$REG/rexp:v1"
run "root v2 signed by the root key, expired an hour ago" 0 "$TOOLS/forge" expire-root "$A" "$REG/rexp:v1"
run "expired root" 1 "$SIGN" --home "$B" verify "$REG/rexp:v1"
expect "… names the root" has "root: expired" "$ERR"
run "… fresh home too" 1 "$SIGN" --home "$WORK/home-rexp" verify "$REG/rexp:v1"
expect "… names the root" has "root: expired" "$ERR"
run "… offline, the cached root (v1, not expired) still serves" 0 "$SIGN" --home "$B" verify --offline "$REG/rexp:v1"

# --- tampered metadata --------------------------------------------------------------
for role in timestamp snapshot targets root; do
	seed "$REG/t-$role:v1" 7 >/dev/null
	"$SIGN" --home "$A" push "$REG/t-$role:v1" >/dev/null 2>&1
	"$TOOLS/forge" tamper "$A" "$REG/t-$role:v1" "$role" >/dev/null 2>&1
	run "tampered $role bytes (fresh verifier)" 1 "$SIGN" --home "$WORK/home-t-$role" verify "$REG/t-$role:v1"
	case $role in
	timestamp | root) why="valid signatures did not meet threshold for $role" ;;
	*) why="sha512 checksum for $role did not match" ;;
	esac
	expect "… says \"$why\"" has "$why" "$ERR"
done

# --- concurrent pushes of different tags ----------------------------------------------
seed "$REG/conc:a" 8 >/dev/null
seed "$REG/conc:b" 9 >/dev/null
seed "$REG/conc:c" 10 >/dev/null
"$SIGN" --home "$A" push "$REG/conc:c" >/dev/null 2>&1
"$SIGN" --home "$A" push "$REG/conc:a" >"$WORK/pa.out" 2>&1 &
pa=$!
"$SIGN" --home "$A" push "$REG/conc:b" >"$WORK/pb.out" 2>&1 &
pb=$!
wait $pa; ra=$?
wait $pb; rb=$?
expect "concurrent push a succeeded" test "$ra" -eq 0
expect "concurrent push b succeeded" test "$rb" -eq 0
run "both concurrent tags verify" 0 "$SIGN" --home "$WORK/home-conc" verify "$REG/conc:a" "$REG/conc:b" "$REG/conc:c"

# --- several references in one push: each key is decrypted once ------------------------
M1=$(seed "$REG/multi:m1" 501)
M2=$(seed "$REG/multi:m2" 502)
M3=$(seed "$REG/multi:m3" 503)
run "one push of three tags of a new GUN" 0 "$SIGN" --home "$A" -v -v push "$REG/multi:m1" "$REG/multi:m2" "$REG/multi:m3"
expect "… one line per reference, in order" test "$(cat "$OUT")" = "$(printf '%s\n' "$REG/multi@$M1" "$REG/multi@$M2" "$REG/multi@$M3")"
expect "… decrypts the root key once, and not the keys it created" test "$(grep -c 'debug: decrypted key' "$ERR")" -eq 1
expect "… (that one is the root key)" has "debug: decrypted key [0-9a-f]* (root)" "$ERR"
M4=$(seed "$REG/multi:m4" 504)
M5=$(seed "$REG/multi:m5" 505)
run "one push of two more tags (-o json)" 0 "$SIGN" --home "$A" -v -v -o json push "$REG/multi:m4" "$REG/multi:m5"
expect "… one JSON object per line" test "$(grep -c '^{"repository":.*"digest":"sha256:' "$OUT")" -eq 2
expect "… each key decrypted once: targets, snapshot, timestamp" test "$(grep -c 'debug: decrypted key' "$ERR")" -eq 3
expect "… requests counted per reference" test "$(grep -c '"requests":[1-9]' "$OUT")" -eq 2
run "all five verify" 0 "$SIGN" --home "$WORK/home-multi" verify "$REG/multi:m1" "$REG/multi:m2" "$REG/multi:m3" "$REG/multi:m4" "$REG/multi:m5"
expect "… with the digests the registry serves" test "$(cat "$OUT")" = "$(printf '%s\n' "$REG/multi@$M1" "$REG/multi@$M2" "$REG/multi@$M3" "$REG/multi@$M4" "$REG/multi@$M5")"
M6=$(seed "$REG/multi:m6" 506)
run "a failing reference stops the run" 2 "$SIGN" --home "$A" push "$REG/multi:m1" "$REG/multi:nosuch" "$REG/multi:m6"
expect "… after the ones before it" test "$(cat "$OUT")" = "$REG/multi@$M1"
expect "… and names the one that failed" has "nosuch" "$ERR"
run "… the one after it was not signed" 1 "$SIGN" --home "$WORK/home-multi" verify "$REG/multi:m6"
expect "… says it is not signed" has "multi:m6 is not signed: no trust data for that tag" "$ERR"
run "a wrong repository passphrase: push refused" 2 env SIGN_REPOSITORY_PASSPHRASE=wrong "$SIGN" --home "$A" push "$REG/multi:m6"
expect "… says the passphrase is wrong" has "passphrase" "$ERR"
expect "… with a hint" has "hint: check SIGN_REPOSITORY_PASSPHRASE" "$ERR"
run "… nothing was signed" 1 "$SIGN" --home "$WORK/home-multi" verify "$REG/multi:m6"
expect "… says it is not signed" has "multi:m6 is not signed: no trust data for that tag" "$ERR"

# --- the registry lost the trust data: never start a new collection silently ----------
TD=$(curl -sf -I -H "Accept: application/vnd.oci.image.manifest.v1+json" "http://$REG/v2/conc/manifests/_sign.trust" |
	tr -d '\r' | sed -n 's/^[Dd]ocker-[Cc]ontent-[Dd]igest: //p')
curl -sf -X DELETE "http://$REG/v2/conc/manifests/$TD" >/dev/null
run "trust data deleted from the registry: push refuses" 1 "$SIGN" --home "$A" push "$REG/conc:a"
expect "… and says so" has "holds no trust data" "$ERR"
run "… nothing was published" 22 curl -sf -o /dev/null -w "%{http_code}" -H "Accept: application/vnd.oci.image.manifest.v1+json" "http://$REG/v2/conc/manifests/_sign.trust"
expect "… the registry answers 404" test "$(cat "$OUT")" = 404

# --- usage errors -------------------------------------------------------------------
run "no command" 2 "$SIGN"
expect "… prints the usage" has "^usage: sign \[global options\] COMMAND" "$ERR"
run "unknown command" 2 "$SIGN" frobnicate
expect "… names it" has "^sign: unknown command 'frobnicate'" "$ERR"
run "bad reference" 2 "$SIGN" --home "$B" verify "UPPER/Case:tag"
expect "… says what is wrong in it" has "reference \"UPPER/Case:tag\": invalid repository name \"Case\"" "$ERR"
run "missing passphrase" 2 env -u SIGN_REPOSITORY_PASSPHRASE -u SIGN_ROOT_PASSPHRASE "$SIGN" --home "$WORK/home-nopass" push "$REG1/app:v1" </dev/null
expect "… names the variable" has "SIGN_\(ROOT\|REPOSITORY\)_PASSPHRASE" "$ERR"
chmod 644 "$A"/private/*.key
run "group-readable key refused" 2 "$SIGN" --home "$A" push "$REG1/app:v1"
expect "… with a hint" has "chmod 600" "$ERR"
chmod 600 "$A"/private/*.key

finish
