#!/bin/bash
# test_faults.sh - bad input and faults (issue 2): tampered bytes, hostile
# registries (tests/tools/hostile), unreachable and silent servers, broken
# key files, a corrupt trust cache, absurd references.  Each must end in
# exit 1 (verification failed) or 2 (operational error) with a clear
# message: never a crash, never a hang.
. "$(dirname "$0")/../lib/common.sh"

T=3 # --timeout for every sign call that talks to a server

# run_in NAME "EXITS" CMD...: like run, but any of the listed exit codes passes.
run_in() {
	local name=$1 want=$2 got
	shift 2
	"$@" >"$OUT" 2>"$ERR"
	got=$?
	case " $want " in
	*" $got "*) ok "$name" ;;
	*) bad "$name" "exit $got, wanted one of: $want" ;;
	esac
	return 0
}

# no_crash: the last run's stderr holds no sanitizer or abort report.
no_crash() { lacks "AddressSanitizer\|runtime error\|LeakSanitizer\|Aborted\|Segmentation" "$ERR"; }

# no_ctl: the last run's stderr holds no control characters (terminal escapes
# a hostile server could smuggle into a message).
no_ctl() { LC_ALL=C lacks "$(printf '[\001-\010\013-\037\177]')" "$ERR"; }

# start_hostile NAME MODE [ARG]: a hostile registry; sets H (host:port).
NH=0
start_hostile() {
	local name=$1
	shift
	NH=$((NH + 1))
	local d="$WORK/hostile-$NH-$name"
	mkdir -p "$d"
	"$TOOLS/hostile" "$d/port" "$@" >"$d/log" 2>&1 &
	PIDS="$PIDS $!"
	if ! wait_log "$d/log" "listening"; then
		echo "could not start hostile $*:" >&2
		cat "$d/log" >&2
		exit 1
	fi
	H="127.0.0.1:$(cat "$d/port")"
}

# hverify NAME WANT KEYWORD [all [PUSH_KEYWORD [INSPECT_KEYWORD]]]: verify
# H/app:v1 from a fresh home, check the exit code and a keyword in the
# message, and that no TLS error was reported (the server is reached over
# plain HTTP after the https attempt fails).  With "all", push and inspect
# must fail cleanly (exit 1 or 2) as well, saying PUSH_KEYWORD and
# INSPECT_KEYWORD (each defaults to the keyword before it).
hverify() {
	local name=$1 want=$2 kw=$3 pushkw=${5:-$3} inspectkw=${6:-${5:-$3}}
	run "$name" "$want" timeout 60 "$SIGN" --home "$WORK/home-h$NH" --timeout $T verify "$H/app:v1"
	expect "… says \"$kw\"" has "$kw" "$ERR"
	expect "… names the registry" has "$H" "$ERR"
	expect "… reports the HTTP answer, not TLS" lacks '[sS][sS][lL]\|[tT][lL][sS]' "$ERR"
	expect "… no crash report" no_crash
	expect "… no control characters" no_ctl
	[ "${4:-}" = all ] || return 0
	run_in "… push fails cleanly too" "1 2" timeout 60 "$SIGN" --home "$WORK/home-hpush" --timeout $T push "$H/app:v1"
	expect "… says \"$pushkw\"" has "$pushkw" "$ERR"
	expect "… no crash report" no_crash
	run_in "… inspect fails cleanly too" "1 2" timeout 60 "$SIGN" --home "$WORK/home-hi$NH" --timeout $T inspect "$H/app"
	expect "… says \"$inspectkw\"" has "$inspectkw" "$ERR"
	expect "… no crash report" no_crash
}

# --- hostile registries: manifests -------------------------------------------
start_hostile garbage garbage
hverify "garbage manifest" 1 "malformed" all "invalid JSON" "malformed artifact manifest"
start_hostile truncated truncated
hverify "truncated manifest" 2 "transfer closed"
start_hostile huge huge
hverify "8 MiB manifest" 2 "exceeds" all
start_hostile badjson badjson
hverify "manifest of the wrong shape" 1 "malformed" all '"layers" is not an array' "malformed artifact manifest: bad layers"
start_hostile deepjson deepjson
hverify "100000-deep JSON manifest" 1 "malformed" all "maximum parsing depth reached"
start_hostile wrongdigest wrongdigest
hverify "Docker-Content-Digest does not match" 1 "digest mismatch" all
start_hostile redirect redirect-loop
hverify "manifest redirect loop" 2 "307"
start_hostile auth auth-loop
hverify "401 again after a token" 2 "authentication" all
start_hostile authg auth-loop garbage
hverify "token server answers garbage" 2 "token"
start_hostile errjson errjson
hverify "registry error with escapes and 20000 characters" 2 "INVALID" all
start_hostile busy busy
hverify "503 with Retry-After: 999999" 2 "503"
start_hostile badauth-q badauth quote
hverify "malformed Bearer challenge" 2 "challenge"
start_hostile badauth-l badauth long
hverify "8000-byte Bearer challenge" 2 "registry"
start_hostile badauth-e badauth empty-realm
hverify "Bearer challenge with an empty realm" 2 "realm"
start_hostile badauth-c badauth ctl
hverify "Bearer challenge with escapes" 2 "challenge"

# --- hostile registries: blobs (the manifests are well-formed) ---------------
# A push uploads a new signature's blobs without asking first (no HEAD),
# so its first blob request is the upload's POST, which the hostile answers
# (200 with garbage, a 307 loop) where a registry opens an upload with 202.
start_hostile garbage-b garbage blob
hverify "garbage blob" 1 "digest mismatch" all "publishing the detached signature: starting an upload to app: registry $H: HTTP 200 OK" "digest mismatch"
start_hostile truncated-b truncated blob
hverify "truncated blob" 2 "transfer closed"
start_hostile huge-b huge blob
hverify "blob of 10 GiB announced" 2 "exceeds" all
start_hostile redirect-b redirect-loop blob
hverify "blob redirect loop" 2 "redirects" all "publishing the detached signature: starting an upload to app: registry $H: HTTP 307 Temporary Redirect" "redirects"

# --- a server that accepts and never answers -------------------------------------
start_hostile hang hang
run "silent server: exit 2 within --timeout" 2 timeout 60 "$SIGN" --home "$WORK/home-hang" --timeout 2 verify "$H/app:v1"
expect "… says it timed out" has "timed out" "$ERR"
expect "… names the registry" has "$H" "$ERR"
run "silent server: push gives up too" 2 timeout 60 "$SIGN" --home "$WORK/home-hang" --timeout 2 push "$H/app:v1"
expect "… says it timed out" has "connecting to registry $H: .*timed out" "$ERR"

# --- registry unreachable ------------------------------------------------------------
CLOSED="127.0.0.1:$("$TOOLS/freeport")"
run "registry unreachable" 2 timeout 60 "$SIGN" --home "$WORK/home-closed" --timeout $T verify "$CLOSED/app:v1"
expect "… names the registry" has "$CLOSED" "$ERR"
expect "… no crash report" no_crash
run "registry unreachable (inspect)" 2 timeout 60 "$SIGN" --home "$WORK/home-closed" --timeout $T inspect "$CLOSED/app"
expect "… names the registry" has "$CLOSED" "$ERR"

# --- a real registry: tampered bytes ------------------------------------------------
start_registry reg
A="$WORK/home-publisher"
B="$WORK/home-verifier"
ACC="Accept: application/vnd.oci.image.manifest.v1+json"
CT="Content-Type: application/vnd.oci.image.manifest.v1+json"
D1=$(seed "$REG/app:v1" 1)
run "push" 0 "$SIGN" --home "$A" --timeout 30 push "$REG/app:v1"
run "verify (caches the trust collection)" 0 "$SIGN" --home "$B" --timeout $T verify "$REG/app:v1"

# blob_of TITLE: the digest of a trust collection layer
curl -sf -H "$ACC" "http://$REG/v2/app/manifests/_sign.trust" >"$WORK/trust.json"
blob_of() {
	grep -o "\"digest\":\"sha256:[0-9a-f]*\",\"size\":[0-9]*,\"annotations\":{\"org.opencontainers.image.title\":\"$1\"" \
		"${2:-$WORK/trust.json}" | head -1 | grep -o 'sha256:[0-9a-f]*'
}
TS=$(blob_of timestamp.json)
expect "timestamp layer found" test -n "$TS"

# A detached signature with one character changed (base64 stays valid).
SIGTAG="sha256-${D1#sha256:}.sig"
curl -sf -H "$ACC" "http://$REG/v2/app/manifests/$SIGTAG" >"$WORK/sig.json"
SIG=$(grep -o '"dev.cosignproject.cosign/signature":"[^"]*"' "$WORK/sig.json" | head -1 | sed 's/.*:"\(.*\)"/\1/')
expect "signature found" test -n "$SIG"
c=${SIG:20:1}
if [ "$c" = A ]; then r=B; else r=A; fi
putsig() { # putsig NEWSIG
	sed "s|$SIG|$1|" "$WORK/sig.json" >"$WORK/sig2.json"
	curl -sf -X PUT -H "$CT" --data-binary @"$WORK/sig2.json" "http://$REG/v2/app/manifests/$SIGTAG" >/dev/null
}
putsig "${SIG:0:20}$r${SIG:21}"
run "tampered signature" 1 "$SIGN" --home "$B" --timeout $T verify "$REG/app:v1"
expect "… says no valid signature" has "signature" "$ERR"
run "tampered signature (fresh home)" 1 "$SIGN" --home "$WORK/home-sig1" --timeout $T verify "$REG/app:v1"
expect "… says no signature is by an authorised key" has "no detached signature is by a key the root authorises" "$ERR"
putsig '!!!not*base64!!!'
run "signature that is not base64" 1 "$SIGN" --home "$B" --timeout $T verify "$REG/app:v1"
expect "… says signature" has "signature" "$ERR"
expect "… no crash report" no_crash
putsig "$(head -c 60000 /dev/zero | tr '\0' 'A')"
run "signature of 60000 characters" 1 "$SIGN" --home "$B" --timeout $T verify "$REG/app:v1"
expect "… says no signature was found" has "no detached signature found" "$ERR"
expect "… no crash report" no_crash
putsig ""
run "empty signature" 1 "$SIGN" --home "$B" --timeout $T verify "$REG/app:v1"
expect "… says no signature was found" has "no detached signature found" "$ERR"
expect "… no crash report" no_crash
run "re-push restores the signature" 0 "$SIGN" --home "$A" --timeout 30 push "$REG/app:v1"
run "… verifies" 0 "$SIGN" --home "$B" --timeout $T verify "$REG/app:v1"
# a hostile layer beside the good one must not hide it
curl -sf -H "$ACC" "http://$REG/v2/app/manifests/$SIGTAG" >"$WORK/sig.json"
LAYER=$(grep -o '"layers":\[{[^]]*}\]' "$WORK/sig.json" | sed 's/^"layers":\[//; s/\]$//')
BADLAYER=$(printf '%s' "$LAYER" | sed "s|\"dev.cosignproject.cosign/signature\":\"[^\"]*\"|\"dev.cosignproject.cosign/signature\":\"$(head -c 60000 /dev/zero | tr '\0' 'A')\"|")
printf '%s' "$(sed "s|\"layers\":\[|\"layers\":[$BADLAYER,{\"mediaType\":7},|" "$WORK/sig.json")" >"$WORK/sig3.json"
curl -sf -X PUT -H "$CT" --data-binary @"$WORK/sig3.json" "http://$REG/v2/app/manifests/$SIGTAG" >/dev/null
run "malformed layers beside a good signature are skipped" 0 "$SIGN" --home "$B" --timeout $T verify "$REG/app:v1"

# Metadata bytes flipped in the registry's storage: the digest no longer matches.
TSFILE="$REG_DIR/data/docker/registry/v2/blobs/sha256/${TS:7:2}/${TS#sha256:}/data"
expect "timestamp blob file found" test -f "$TSFILE"
cp "$TSFILE" "$WORK/ts.orig"
printf 'X' | dd of="$TSFILE" bs=1 seek=40 conv=notrunc 2>/dev/null
run "tampered timestamp bytes in storage" 1 "$SIGN" --home "$WORK/home-tsflip" --timeout $T verify "$REG/app:v1"
expect "… says digest mismatch" has "digest mismatch" "$ERR"
cp "$WORK/ts.orig" "$TSFILE"

# --- hostile TUF metadata with matching digests (served by hostile, files mode) -----
# A collection for the hostile server's GUN is made in an OCI layout and
# mirrored into FILES; one role file is then replaced by hostile bytes and
# the artifact manifest re-pointed at them (so every digest matches).
FILES="$WORK/files"
mkdir -p "$FILES/manifests" "$FILES/blobs"
start_hostile files files "$FILES"
"$MKIMAGE" "$WORK/lay" v1 11 >/dev/null
run "sign into a layout for the hostile server's GUN" 0 "$SIGN" --home "$WORK/home-lay" push --gun "$H/app" "oci:$WORK/lay:v1"
for f in "$WORK/lay/blobs/sha256/"*; do
	cp "$f" "$FILES/blobs/sha256:$(basename "$f")"
done
grep -o '"digest":"sha256:[0-9a-f]*","size":[0-9]*,"annotations":{"org.opencontainers.image.ref.name":"[^"]*"' \
	"$WORK/lay/index.json" | sed 's/"digest":"sha256:\([0-9a-f]*\)".*ref\.name":"\([^"]*\)"/\1 \2/' |
	while read -r hex name; do
		cp "$WORK/lay/blobs/sha256/$hex" "$FILES/manifests/$name"
	done
cp "$FILES/manifests/_sign.trust" "$WORK/ftrust.json"
# swap TITLE FILE: serve FILE as the layer TITLE (for root: every root version)
swap() {
	local old new size
	old=$(blob_of "$1" "$WORK/ftrust.json")
	new="sha256:$(sha256sum <"$2" | cut -d' ' -f1)"
	size=$(wc -c <"$2")
	cp "$2" "$FILES/blobs/$new"
	sed "s|\"digest\":\"$old\",\"size\":[0-9]*|\"digest\":\"$new\",\"size\":$size|g" \
		"$WORK/ftrust.json" >"$FILES/manifests/_sign.trust"
}
run "the mirrored collection verifies" 0 "$SIGN" --home "$WORK/home-files0" --timeout $T verify "$H/app:v1"
FTS=$(blob_of timestamp.json "$WORK/ftrust.json")
head -c 3000 /dev/urandom >"$WORK/bad-garbage"
{ printf '%0.s[' $(seq 100000); printf '%0.s]' $(seq 100000); } >"$WORK/bad-deep"
printf '{"signed":"x","signatures":"y"}' >"$WORK/bad-shape"
printf '{"signed":{"_type":"\\u001b]0;owned\\u0007\\u001b[2J","version":1,"expires":"\\u001b[31m"},"signatures":[{"keyid":"\\u001b[31m","method":"\\u001b[31m","sig":"\\u001b"}]}' >"$WORK/bad-esc"
printf '{"signed":{"_type":"Timestamp","version":99999999999999999999999,"expires":"9999-99-99T99:99:99Z","meta":{}},"signatures":[]}' >"$WORK/bad-numbers"
sed 's/"sig":"[^"]*"/"sig":"AAAA"/g' "$FILES/blobs/$FTS" >"$WORK/bad-sig"
{ printf '{"signed":{"_type":"Timestamp","version":2,"expires":"2999-01-01T00:00:00Z","meta":{}},"signatures":['
  for i in $(seq 2000); do printf '{"keyid":"%064d","method":"ecdsa","sig":"AAAA"},' "$i"; done
  printf '{}]}'; } >"$WORK/bad-many"
# files_why ROLE.json BAD: what verify says when the hostile server serves
# BAD as ROLE.json: the top roles are parsed and checked, snapshot and
# targets are bounded by the size and hash the signed roles before them name.
files_why() {
	local r=${1%.json}
	case $r:$2 in
	snapshot:garbage | snapshot:deep | snapshot:many | targets:garbage | targets:deep | targets:many)
		echo "$1 is [0-9]* bytes, over the [0-9]* byte bound" ;;
	snapshot:* | targets:*) echo "sha512 checksum for $r did not match" ;;
	timestamp:sig) echo "valid signatures did not meet threshold for timestamp" ;;
	*:garbage) echo "$r: malformed metadata: invalid JSON" ;;
	*:deep) echo "$r: malformed metadata: invalid JSON: maximum parsing depth reached" ;;
	*:shape) echo "$r: malformed metadata: missing signed" ;;
	*:numbers) echo "$r: malformed metadata: invalid JSON: too big integer" ;;
	*:many) echo "$r: malformed metadata: invalid signature entry" ;;
	*:sig | *:esc) echo "$r: malformed metadata: wrong _type" ;;
	esac
}
n=0
for role in timestamp.json snapshot.json targets.json root.json; do
	for bad in garbage deep shape numbers sig many esc; do
		n=$((n + 1))
		swap "$role" "$WORK/bad-$bad"
		run "$role replaced by $bad (digest matches)" 1 "$SIGN" --home "$WORK/home-files$n" --timeout $T verify "$H/app:v1"
		expect "… says \"$(files_why "$role" "$bad")\"" has "$(files_why "$role" "$bad")" "$ERR"
		expect "… no crash report" no_crash
		expect "… no control characters" no_ctl
	done
done
cp "$WORK/ftrust.json" "$FILES/manifests/_sign.trust"
# the same against a home that already trusts the collection
run "verify (a warm home for what follows)" 0 "$SIGN" --home "$WORK/home-warm" --timeout $T verify "$H/app:v1"
# A swapped timestamp is refused.  A swapped snapshot or targets file is
# never even read: the (unchanged, signed) timestamp still names the hash
# of the good copy, which the warm home holds, so verify uses that one.
for role in timestamp.json snapshot.json targets.json; do
	want=1
	[ "$role" = timestamp.json ] || want=0
	for bad in garbage deep shape sig; do
		swap "$role" "$WORK/bad-$bad"
		run_in "$role replaced by $bad (warm home)" "$want" "$SIGN" --home "$WORK/home-warm" --timeout $T verify "$H/app:v1"
		if [ "$want" = 1 ]; then
			expect "… says \"$(files_why "$role" "$bad")\"" has "$(files_why "$role" "$bad")" "$ERR"
		else
			expect "… prints the digest" has "^$H/app@sha256:[0-9a-f]\{64\}\$" "$OUT"
		fi
		expect "… no crash report" no_crash
	done
done

# --- a corrupt trust cache in the home ---------------------------------------------
META="$B/trust/$REG/app/metadata"
expect "trust cache present" test -f "$META/timestamp.json"
cp -r "$META" "$WORK/meta.orig"
for f in timestamp snapshot targets root; do
	for how in truncate garbage deep empty; do
		rm -rf "$META" && cp -r "$WORK/meta.orig" "$META"
		case $how in
		truncate) head -c 50 "$WORK/meta.orig/$f.json" >"$META/$f.json" ;;
		garbage) cp "$WORK/bad-garbage" "$META/$f.json" ;;
		deep) cp "$WORK/bad-deep" "$META/$f.json" ;;
		empty) : >"$META/$f.json" ;;
		esac
		run_in "cached $f.json: $how" "0 1" "$SIGN" --home "$B" --timeout $T verify "$REG/app:v1"
		expect "… no crash report" no_crash
	done
done
rm -rf "$META" && cp -r "$WORK/meta.orig" "$META"
run "restored cache verifies" 0 "$SIGN" --home "$B" --timeout $T verify "$REG/app:v1"

# --- bad key files ------------------------------------------------------------------
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$WORK/good.pem" 2>/dev/null
head -c 100 "$WORK/good.pem" >"$WORK/trunc.pem"
head -c 5000 /dev/urandom >"$WORK/garbage.pem"
{ echo "-----BEGIN PRIVATE KEY-----"; head -c 75000000 /dev/zero | tr '\0' 'A'; } >"$WORK/huge.pem"
truncate -s 100M "$WORK/huge.pem"
: >"$WORK/empty.pem"
for k in trunc garbage huge empty; do
	run "key import: $k key file" 2 "$SIGN" --home "$WORK/home-keys" key import "$WORK/$k.pem" --role targets --gun "$REG/app"
	expect "… names the file" has "$k.pem" "$ERR"
	expect "… no crash report" no_crash
done
run "key import: missing file" 2 "$SIGN" --home "$WORK/home-keys" key import "$WORK/nope.pem"
expect "… says there is no such file" has "nope.pem: no such file" "$ERR"
run "key import: a directory" 2 "$SIGN" --home "$WORK/home-keys" key import "$WORK"
expect "… says it is not a regular file" has ": not a regular file" "$ERR"
run "verify --root-key garbage" 2 "$SIGN" --home "$WORK/home-rk" --timeout $T verify --root-key "$WORK/garbage.pem" "$REG/app:v1"
expect "… says the root key holds no PEM block" has "reading root key .*garbage.pem: reading PEM: no PEM block found" "$ERR"
run "verify --root-key 100 MiB" 2 "$SIGN" --home "$WORK/home-rk" --timeout $T verify --root-key "$WORK/huge.pem" "$REG/app:v1"
expect "… says the file is too large" has "huge.pem: file is larger than 262144 bytes" "$ERR"
rm -f "$WORK/huge.pem"

# --- absurd references ----------------------------------------------------------------
LONG=$(printf 'a%.0s' $(seq 300))
run "reference of 300 characters" 2 "$SIGN" --home "$B" --timeout $T verify "$REG/$LONG:v1"
expect "… says the repository name is too long" has "repository name longer than 255 characters" "$ERR"
expect "… no crash report" no_crash
run "tag of 300 characters" 2 "$SIGN" --home "$B" --timeout $T verify "$REG/app:$LONG"
expect "… says the tag is invalid" has "invalid tag \"a\{128\}" "$ERR"
run "host of 300 characters" 2 "$SIGN" --home "$B" --timeout $T verify "$LONG.example/app:v1"
expect "… says the name is too long" has "repository name longer than 255 characters" "$ERR"
run "reference of 5000 characters" 2 "$SIGN" --home "$B" --timeout $T verify "$REG/$(printf 'ab/%.0s' $(seq 1250))x"
expect "… says it is too long" has "reference \"$REG/ab/ab/.*\\.\\.\\.\": too long" "$ERR"
run "bad digest" 2 "$SIGN" --home "$B" --timeout $T verify "$REG/app@sha256:1234"
expect "… says the digest is invalid" has "reference: invalid digest (want sha256:<64 lowercase hex>)" "$ERR"
run "control characters" 2 "$SIGN" --home "$B" --timeout $T verify "$(printf '%s/app:v1\033[31m' "$REG")"
expect "… says the tag is invalid" has "invalid tag \"v1?\\[31m\"" "$ERR"
run "empty reference" 2 "$SIGN" --home "$B" --timeout $T verify ""
expect "… says it is empty" has "parsing reference: empty reference" "$ERR"

finish
