#!/bin/bash
# test_notary.sh - the Notary v1 backend (issue 3) against a real
# notary-server and the real notary client, over plain HTTP and over TLS
# with a test CA, with images in a real docker-registry:
#   - sign push --trust-server is read by `notary list` and `docker trust inspect`;
#   - what notary publishes (targets, a targets/releases delegation, a
#     rotated root) is verified by sign verify --trust-server;
#   - a notary key file imports (sign key import) and signs;
#   - sign migrate moves a notary-signed repository into the registry backend;
#   - attacks through tufproxy (tampered snapshot, rolled-back and expired
#     timestamps) fail with exit 1 and name the role; redirects are followed,
#     a redirect loop ends in an error.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/notary.sh"

if ! command -v notary-server >/dev/null 2>&1 || ! command -v notary >/dev/null 2>&1; then
	echo "# skipped: notary-server / notary not installed (Debian package notary)"
	finish
	exit $?
fi

# hasE ERE FILE: an extended regular expression matches a line of FILE
hasE() { grep -Eq -- "$1" "$2"; }
# notary_list_has TAG HEX SIZE ROLE FILE: a line of `notary list` output
notary_list_has() { grep -Eq "^$1[[:space:]]+$2[[:space:]]+$3[[:space:]]+$4[[:space:]]*\$" "$5"; }
# role_keyid ROOT.json ROLE: the first key ID the root lists for ROLE
role_keyid() {
	tr -d '\n' <"$1" | grep -o "\"$2\":{\"keyids\":\[\"[0-9a-f]*\"" | grep -o '[0-9a-f]\{64\}' | head -1
}
# sign_import HOME FILE PASSPHRASE: import a notary key file into a sign home
sign_import() {
	SIGN_IMPORT_PASSPHRASE=$3 "$SIGN" --home "$1" key import "$2"
}

start_registry reg

# a delegation key made with openssl (notary imports it as "alice")
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$WORK/alice.key" 2>/dev/null
openssl pkey -in "$WORK/alice.key" -pubout -out "$WORK/alice.pub"
# an unrelated root key, for a pin that must not match
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$WORK/other-root.key" 2>/dev/null
openssl pkey -in "$WORK/other-root.key" -pubout -out "$WORK/other-root.pub"

# suite MODE SEEDBASE: the main cases against one notary-server (MODE is
# "plain" or "tls"); repositories are $REG/MODE-*.
suite() {
	local m=$1 s=$2 P H D DH SIZE ROOTID REPOID OLDROOT TKEY

	if [ "$m" = tls ]; then
		start_notary "notary-$m" tls
	else
		start_notary "notary-$m"
	fi
	P="$REG/$m"
	H="$WORK/$m-home-publisher"
	notary_import_key "$WORK/alice.key" alice || echo "# harness: notary key import failed" >&2

	# --- sign push --trust-server: notary list and docker trust inspect read it ----
	D=$(seed "$P-push:v1" $((s + 1)))
	DH=${D#sha256:}
	manifest_of "$P-push:v1" "$WORK/$m-push-v1.json"
	SIZE=$(wc -c <"$WORK/$m-push-v1.json")
	run "[$m] sign push --trust-server" 0 sign_ts --home "$H" push "$P-push:v1"
	expect "[$m] … prints REPO@digest" has "^$P-push@$D\$" "$OUT"
	run "[$m] notary list reads what sign published" 0 notary_cli list "$P-push"
	expect "[$m] … the tag with the manifest's sha256 and size" notary_list_has v1 "$DH" "$SIZE" targets "$OUT"
	run "[$m] notary lookup finds the tag" 0 notary_cli lookup "$P-push" v1
	expect "[$m] … with the digest" has "$DH" "$OUT"
	notary_fetch "$P-push" root.json "$WORK/$m-push-root.json"
	ROOTID=$(role_keyid "$WORK/$m-push-root.json" root)
	REPOID=$(role_keyid "$WORK/$m-push-root.json" targets)
	expect "[$m] root.json on the server lists root and targets keys" test -n "$ROOTID" -a -n "$REPOID"
	if ! docker_trust_ok; then
		echo "# skipped: [$m] docker trust inspect: no docker CLI"
	elif [ "$m" != tls ]; then
		echo "# skipped: [$m] docker trust inspect: the docker CLI refuses a plain-HTTP trust server (\"valid https URL required\"); covered by the TLS run"
	else
		run "[$m] docker trust inspect reads what sign published" 0 \
			env DOCKER_CONTENT_TRUST_SERVER="$NOTARY_URL" docker trust inspect "$P-push"
		expect "[$m] … the tag" has "\"SignedTag\": \"v1\"" "$OUT"
		expect "[$m] … its digest" has "\"Digest\": \"$DH\"" "$OUT"
		expect "[$m] … the root key" has "\"ID\": \"$ROOTID\"" "$OUT"
		expect "[$m] … the repository key" has "\"ID\": \"$REPOID\"" "$OUT"
		run "[$m] docker trust inspect --pretty" 0 \
			env DOCKER_CONTENT_TRUST_SERVER="$NOTARY_URL" docker trust inspect --pretty "$P-push"
		expect "[$m] … Root Key and Repository Key" sh -c "grep -q 'Root Key:.*$ROOTID' '$OUT' && grep -q 'Repository Key:.*$REPOID' '$OUT'"
	fi
	D=$(seed "$P-push:v2" $((s + 2)))
	run "[$m] a second push to the same GUN" 0 sign_ts --home "$H" push "$P-push:v2"
	run "[$m] … notary list shows both tags" 0 notary_cli list "$P-push"
	expect "[$m] … v2 with its digest" notary_list_has v2 "${D#sha256:}" "[0-9]+" targets "$OUT"
	expect "[$m] … v1 still there" notary_list_has v1 "$DH" "$SIZE" targets "$OUT"
	run "[$m] sign verify --trust-server reads it back" 0 sign_ts --home "$WORK/$m-home-v0" verify "$P-push:v1" "$P-push:v2"
	expect "[$m] … two digests" test "$(grep -c "^$P-push@sha256:" "$OUT")" -eq 2
	run "[$m] sign revoke --trust-server" 0 sign_ts --home "$H" revoke "$P-push:v2"
	run "[$m] … notary list no longer shows it" 0 notary_cli list "$P-push"
	expect "[$m] … v2 gone" lacks "^v2 " "$OUT"
	expect "[$m] … v1 still there" notary_list_has v1 "$DH" "$SIZE" targets "$OUT"
	run "[$m] … sign verify refuses v2" 1 sign_ts --home "$WORK/$m-home-v0" verify "$P-push:v2"
	expect "[$m] … says v2 is not signed" has "push:v2 is not signed: no trust data for that tag" "$ERR"
	run "[$m] trust tofu off in a fresh home" 0 "$SIGN" --home "$WORK/$m-home-notofu" trust tofu off
	run "[$m] … no pin: verify --trust-server refuses" 1 sign_ts --home "$WORK/$m-home-notofu" verify "$P-push:v1"
	expect "[$m] … saying how to pin" has "sign trust pin" "$ERR"
	"$SIGN" --home "$H" -o json key list | tr -d ' \n' | grep -o '"keyid":"[0-9a-f]*","role":"root"' | head -1 |
		sed 's/"keyid":"\([0-9a-f]*\)".*/\1/' >"$WORK/$m-rootid"
	"$SIGN" --home "$H" key export "$(cat "$WORK/$m-rootid")" --public >"$WORK/$m-root.pub"
	run "[$m] … pinned by a prefix rule it verifies" 0 "$SIGN" --home "$WORK/$m-home-notofu" trust pin "${P%/*}/*" --root-key "$WORK/$m-root.pub"
	run "[$m] … verify --trust-server" 0 sign_ts --home "$WORK/$m-home-notofu" verify "$P-push:v1"

	# --- notary init + add + publish: sign verify --trust-server ------------------------
	D=$(seed "$P-np:v1" $((s + 3)))
	manifest_of "$P-np:v1" "$WORK/$m-np-v1.json"
	notary_publish_file "$P-np" v1 "$WORK/$m-np-v1.json"
	run "[$m] harness: notary published v1" 0 notary_cli list "$P-np"
	expect "[$m] harness: … with the manifest digest" has "${D#sha256:}" "$OUT"
	run "[$m] sign verify --trust-server accepts what notary published" 0 sign_ts --home "$WORK/$m-home-v1" verify "$P-np:v1"
	expect "[$m] … prints the digest" has "^$P-np@$D\$" "$OUT"
	run "[$m] … -o json" 0 sign_ts --home "$WORK/$m-home-v1" -o json verify "$P-np:v1"
	expect "[$m] … pull reference" has "\"pull\":\"$P-np@$D\"" "$OUT"
	# warm: root.json and timestamp.json; over plain HTTP the root's GET
	# goes out at once on a second connection (which the timestamp's may
	# reuse if the root's answer came first), over TLS one is kept
	if [ "$m" = tls ]; then
		expect "[$m] … warm: 2 requests on 1 connection" has '"requests":2,"connections":1}' "$OUT"
	else
		expect "[$m] … warm: 2 requests, on at most 2 connections" has '"requests":2,"connections":[12]}' "$OUT"
	fi
	run "[$m] a tag notary never signed" 1 sign_ts --home "$WORK/$m-home-v1" verify "$P-np:nope"
	expect "[$m] … says it is not signed" has "not signed" "$ERR"
	NPD1=$D

	# --- a tag in targets/releases, signed with a delegation key ----------------------
	D=$(seed "$P-np:rel" $((s + 4)))
	manifest_of "$P-np:rel" "$WORK/$m-np-rel.json"
	notary_delegate "$P-np" targets/releases "$WORK/alice.pub"
	notary_add_to_role "$P-np" targets/releases rel "$WORK/$m-np-rel.json"
	run "[$m] harness: notary list shows rel in targets/releases" 0 notary_cli list "$P-np"
	expect "[$m] harness: … role targets/releases" notary_list_has rel "${D#sha256:}" "[0-9]+" targets/releases "$OUT"
	run "[$m] a tag signed into targets/releases by a delegation key verifies" 0 \
		sign_ts --home "$WORK/$m-home-v2" verify "$P-np:rel"
	expect "[$m] … prints the digest" has "^$P-np@$D\$" "$OUT"
	run "[$m] … and the known verifier follows the new delegation" 0 sign_ts --home "$WORK/$m-home-v1" verify "$P-np:rel" "$P-np:v1"

	# --- root rotated with notary key rotate: a verifier pinned to the old root ---------
	notary_fetch "$P-np" root.json "$WORK/$m-np-root1.json"
	OLDROOT="$WORK/$m-oldroot.pub"
	notary_root_pub "$WORK/$m-np-root1.json" "$OLDROOT"
	expect "[$m] harness: old root public key from root.json" has "BEGIN PUBLIC KEY" "$OLDROOT"
	run "[$m] verify pinned to the root (before rotation)" 0 \
		sign_ts --home "$WORK/$m-home-pin" verify --root-key "$OLDROOT" "$P-np:v1"
	notary_rotate_root "$P-np"
	notary_fetch "$P-np" root.json "$WORK/$m-np-root2.json"
	expect "[$m] harness: root rotated (version 2, another root key)" sh -c \
		"grep -q '\"version\":2' '$WORK/$m-np-root2.json' && [ '$(role_keyid "$WORK/$m-np-root1.json" root)' != '$(role_keyid "$WORK/$m-np-root2.json" root)' ]"
	D=$(seed "$P-np:v2" $((s + 5)))
	manifest_of "$P-np:v2" "$WORK/$m-np-v2.json"
	notary_publish_file "$P-np" v2 "$WORK/$m-np-v2.json"
	run "[$m] the verifier pinned to the old root follows the rotation" 0 \
		sign_ts --home "$WORK/$m-home-pin" verify "$P-np:v2"
	expect "[$m] … prints the digest" has "^$P-np@$D\$" "$OUT"
	run "[$m] a fresh verifier with --root-key OLD follows it too" 0 \
		sign_ts --home "$WORK/$m-home-pin2" verify --root-key "$OLDROOT" "$P-np:v2"
	notary_root_pub "$WORK/$m-np-root2.json" "$WORK/$m-newroot.pub"
	run "[$m] … and one pinned to the new root" 0 \
		sign_ts --home "$WORK/$m-home-pin3" verify --root-key "$WORK/$m-newroot.pub" "$P-np:v1"
	run "[$m] a root pin that matches neither is refused" 1 \
		sign_ts --home "$WORK/$m-home-pin4" verify --root-key "$WORK/other-root.pub" "$P-np:v1"
	expect "[$m] … names the pin" has "pinned" "$ERR"

	# --- a notary key file imports and signs; the server accepts it -----------------------
	notary_init "$P-imp" server-snapshot
	TKEY=$(notary_key_file "$P-imp" targets)
	expect "[$m] harness: notary's targets key file" has "^role: targets" "$TKEY"
	run "[$m] sign key import reads notary's key file" 0 sign_import "$WORK/$m-home-imp" "$TKEY" "$NOTARY_TARGETS_PASSPHRASE"
	D=$(seed "$P-imp:v1" $((s + 6)))
	notary_fetch "$P-imp" root.json "$WORK/$m-imp-root0.json"
	run "[$m] push with the imported key" 0 sign_ts --home "$WORK/$m-home-imp" push "$P-imp:v1"
	run "[$m] … notary list shows the tag" 0 notary_cli list "$P-imp"
	expect "[$m] … with the digest, in targets" notary_list_has v1 "${D#sha256:}" "[0-9]+" targets "$OUT"
	notary_fetch "$P-imp" root.json "$WORK/$m-imp-root.json"
	expect "[$m] … the root is still notary's (unchanged)" cmp -s "$WORK/$m-imp-root0.json" "$WORK/$m-imp-root.json"
	run "[$m] sign verify agrees" 0 sign_ts --home "$WORK/$m-home-v3" verify "$P-imp:v1"

	# --- sign migrate: a notary-signed repository into the registry backend ---------------
	D=$(seed "$P-mig:v1" $((s + 7)))
	DM2=$(seed "$P-mig:v2" $((s + 8)))
	manifest_of "$P-mig:v1" "$WORK/$m-mig-v1.json"
	manifest_of "$P-mig:v2" "$WORK/$m-mig-v2.json"
	notary_init "$P-mig"
	notary_cli add "$P-mig" v1 "$WORK/$m-mig-v1.json" >/dev/null
	notary_cli add "$P-mig" v2 "$WORK/$m-mig-v2.json" >/dev/null
	notary_cli publish "$P-mig" >/dev/null
	run "[$m] harness: notary signed the repository to migrate" 0 notary_cli list "$P-mig"
	expect "[$m] harness: … two tags" test "$(grep -c '^v[12] ' "$OUT")" -eq 2
	run "[$m] migrate without the root key is refused" 2 \
		"$SIGN" --home "$WORK/$m-home-nokey" ${NOTARY_CA:+--ca-file "$NOTARY_CA"} migrate "$P-mig" --from-trust-server "$NOTARY_URL"
	expect "[$m] … naming the GUN and the root key" has "migrating $P-mig: this home holds none of its root keys" "$ERR"
	expect "[$m] … creating no key" sh -c "! ls '$WORK/$m-home-nokey/private/'*.key >/dev/null 2>&1"
	run "[$m] … import notary's root key" 0 sign_import "$WORK/$m-home-mig" "$(notary_key_file "$P-mig" root)" "$NOTARY_ROOT_PASSPHRASE"
	run "[$m] migrate without the repository key is refused" 2 \
		"$SIGN" --home "$WORK/$m-home-mig" ${NOTARY_CA:+--ca-file "$NOTARY_CA"} migrate "$P-mig" --from-trust-server "$NOTARY_URL"
	expect "[$m] … names the repository key" has "repository key" "$ERR"
	run "[$m] … import notary's targets key" 0 sign_import "$WORK/$m-home-mig" "$(notary_key_file "$P-mig" targets)" "$NOTARY_TARGETS_PASSPHRASE"
	run "[$m] sign migrate --from-trust-server" 0 \
		"$SIGN" --home "$WORK/$m-home-mig" ${NOTARY_CA:+--ca-file "$NOTARY_CA"} migrate "$P-mig" --from-trust-server "$NOTARY_URL"
	run "[$m] after migrate, sign verify (registry backend) passes for each tag" 0 \
		"$SIGN" --home "$WORK/$m-home-mv" verify "$P-mig:v1" "$P-mig:v2"
	expect "[$m] … v1's digest" has "^$P-mig@$D\$" "$OUT"
	expect "[$m] … v2's digest" has "^$P-mig@$DM2\$" "$OUT"
	notary_fetch "$P-mig" root.json "$WORK/$m-mig-root.json"
	notary_root_pub "$WORK/$m-mig-root.json" "$WORK/$m-mig-root.pub"
	run "[$m] … also pinned to notary's root key" 0 \
		"$SIGN" --home "$WORK/$m-home-mv2" verify --root-key "$WORK/$m-mig-root.pub" "$P-mig:v1" "$P-mig:v2"

	# --- TLS only: the CA is needed ----------------------------------------------------------
	if [ "$m" = tls ]; then
		run "[$m] a trust server with an unknown CA is refused" 2 \
			"$SIGN" --home "$WORK/$m-home-noca" --trust-server "$NOTARY_URL" verify "$P-np:v1"
		expect "[$m] … hints at --ca-file" has "ca-file" "$ERR"
	else
		run "[$m] DOCKER_CONTENT_TRUST_SERVER selects the backend" 0 \
			env DOCKER_CONTENT_TRUST_SERVER="$NOTARY_URL" "$SIGN" --home "$WORK/$m-home-env" verify "$P-np:v1"
		expect "[$m] … prints the digest" has "^$P-np@$NPD1\$" "$OUT"
		run "[$m] SIGN_TRUST_SERVER selects the backend" 0 \
			env SIGN_TRUST_SERVER="$NOTARY_URL" "$SIGN" --home "$WORK/$m-home-env2" verify "$P-np:v1"
	fi
}

suite plain 100
suite tls 200

# --- attacks through tufproxy (plain HTTP notary-server) --------------------------------------
notary_use notary-plain
A="$REG/attack"
D=$(seed "$A:v1" 301)
manifest_of "$A:v1" "$WORK/atk-v1.json"
notary_publish_file "$A" v1 "$WORK/atk-v1.json"
notary_fetch "$A" timestamp.json "$WORK/ts-old.json"
D2=$(seed "$A:v2" 302)
manifest_of "$A:v2" "$WORK/atk-v2.json"
notary_publish_file "$A" v2 "$WORK/atk-v2.json"
notary_fetch "$A" timestamp.json "$WORK/ts-now.json"
expect "harness: the saved timestamp is older than the current one" sh -c \
	"! cmp -s '$WORK/ts-old.json' '$WORK/ts-now.json'"

MODEFILE="$WORK/tufproxy.mode"
echo pass >"$MODEFILE"
start_tufproxy "@$MODEFILE"
PX=$TUFPROXY_URL
run "through the proxy (pass): verifies" 0 "$SIGN" --home "$WORK/atk-known" --trust-server "$PX" verify "$A:v1" "$A:v2"
expect "… prints v2's digest" has "^$A@$D2\$" "$OUT"
expect "… the proxy forwarded the timestamp" has "^forward GET /v2/$A/_trust/tuf/timestamp.json 200" "$TUFPROXY_LOG"

echo tamper-snapshot >"$MODEFILE"
run "tampered snapshot (fresh verifier)" 1 "$SIGN" --home "$WORK/atk-t1" --trust-server "$PX" verify "$A:v1"
expect "… the proxy tampered with it" has "^tampered snapshot /v2/$A/_trust/tuf/snapshot" "$TUFPROXY_LOG"
expect "… the message names the snapshot" has "snapshot" "$ERR"

echo "rollback-timestamp $WORK/ts-old.json" >"$MODEFILE"
run "rolled-back timestamp (verifier that saw the newer one)" 1 "$SIGN" --home "$WORK/atk-known" --trust-server "$PX" verify "$A:v1"
expect "… the proxy served the old timestamp" has "^served timestamp /v2/$A/_trust/tuf/timestamp.json" "$TUFPROXY_LOG"
expect "… the message names the timestamp" has "timestamp" "$ERR"
expect "… and says rolled back" has "rolled back\|lower than\|rollback" "$ERR"

# Expired: notary-server signs the timestamp with its own key, 14 days ahead,
# and re-signs it lazily whenever it has expired by its own clock, so an
# expired yet correctly signed timestamp only exists from the point of view
# of a verifier whose clock is ahead.  The proxy replays a timestamp captured
# now (a freeze attack) and the verifier runs 20 days in the future: under
# libfaketime (sign is C: time() and clock_gettime() are intercepted; the
# Go notary-server is not affected), or, for a fully static sign (make
# STATIC=1), which nothing can be preloaded into, with `verify --at +20d`,
# the same checks as of that time.  The test CA is valid for a year.
cp "$WORK/ts-now.json" "$WORK/ts-frozen.json"
if ldd "$SIGN" 2>/dev/null | grep -q "statically linked"; then
	CLOCK=at
elif faketime_ok; then
	CLOCK=faketime
else
	CLOCK=""
fi
if [ -z "$CLOCK" ]; then
	echo "# skipped: expired timestamp: faketime (Debian package faketime) is not installed"
else
	echo "# the verifier's clock runs ahead through $CLOCK"
	ahead() { # ahead DAYS HOME REF: verify through the proxy, DAYS ahead
		local days=$1 home=$2 ref=$3
		if [ "$CLOCK" = at ]; then
			"$SIGN" --home "$home" --trust-server "$PX" verify --at "+${days}d" "$ref"
		else
			env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
				FAKETIME_DONT_FAKE_MONOTONIC=1 faketime -f "+${days}d" \
				"$SIGN" --home "$home" --trust-server "$PX" verify "$ref"
		fi
	}
	echo pass >"$MODEFILE"
	run "control: 10 days ahead, the timestamp is still valid" 0 ahead 10 "$WORK/atk-e0" "$A:v1"
	echo "expired-timestamp $WORK/ts-frozen.json" >"$MODEFILE"
	run "expired timestamp (frozen, verifier 20 days ahead)" 1 ahead 20 "$WORK/atk-e1" "$A:v1"
	expect "… the proxy served the frozen timestamp" has "^served timestamp .*(expired-timestamp)" "$TUFPROXY_LOG"
	expect "… the message names the timestamp" has "timestamp" "$ERR"
	expect "… and says expired" has "expired" "$ERR"
	run "… a verifier that knew the repository is refused too" 1 ahead 20 "$WORK/atk-known" "$A:v2"
	expect "… says the timestamp expired" has "timestamp: expired at" "$ERR"
fi

# A notary-server behind a proxy or a load balancer may answer with a
# redirect; notary and docker (Go's HTTP client) follow it, and so does sign:
# the metadata is signed, and credentials never go to another origin.
echo redirect-timestamp >"$MODEFILE"
run "a redirected timestamp is followed" 0 "$SIGN" --home "$WORK/atk-r1" --trust-server "$PX" verify "$A:v2"
expect "… the proxy redirected it" has "^redirected timestamp /v2/$A/_trust/tuf/timestamp.json" "$TUFPROXY_LOG"
expect "… prints v2's digest" has "^$A@$D2\$" "$OUT"
echo redirect-root >"$MODEFILE"
run "a redirected root is followed" 0 "$SIGN" --home "$WORK/atk-r1" --trust-server "$PX" verify "$A:v2"
expect "… the proxy redirected it" has "^redirected root /v2/$A/_trust/tuf/root.json" "$TUFPROXY_LOG"
echo loop-timestamp >"$MODEFILE"
run "a redirect loop ends in an error" 2 "$SIGN" --home "$WORK/atk-r2" --trust-server "$PX" verify "$A:v1"
expect "… that says so" has "timestamp.json.*more than 5 redirects" "$ERR"

echo pass >"$MODEFILE"
run "the proxy passes again: verifies" 0 "$SIGN" --home "$WORK/atk-t2" --trust-server "$PX" verify "$A:v1"

finish
