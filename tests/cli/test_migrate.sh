#!/bin/bash
# test_migrate.sh - sign migrate at scale (issue 14), against a real
# notary-server and docker-registry:
#   - a repository of 320 signed tags (300 in the registry, one of them moved
#     to another digest) migrates and verifies, its registry checks (the
#     tags list, then a HEAD per listed tag) spread over a bounded number of
#     connections (counted by client port in the registry's own log);
#   - a migration stopped after 100 signatures (SIGN_TEST_FAIL_AFTER, the
#     test build's hook, standing for a killed process or a network error)
#     publishes nothing, and its rerun writes only the signatures missing
#     (counted in the registry's log) and ends as one run would;
#   - progress on a terminal only (script gives a pty), not with -q, not
#     when standard error is a file.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/notary.sh"

if ! command -v notary-server >/dev/null 2>&1 || ! command -v notary >/dev/null 2>&1; then
	echo "# skipped: notary-server / notary not installed (Debian package notary)"
	finish
	exit $?
fi
# the CLI with the test hooks (SIGN_TEST_FAIL_AFTER); build/sign has none
SIGN_HOOKS="$TOOLS/sign-hooks"
# the connections a migration may use: 8 workers (SIGNP_MIGRATE_WORKERS)
# and the context's own handle
MAXCONN=9

start_registry reg
start_notary notary

# REPO N SERVED: a notary repository of tags t1..tN, each with its own digest
# (manytags: the base image's manifest with an annotation), the registry
# serving t1..tSERVED; prints nothing, sets up $REG/REPO
make_repo() {
	local repo=$1 n=$2 served=$3 g="$REG/$1"
	seed "$g:base" "$4" >/dev/null
	"$TOOLS/manytags" registry "$REG" "$repo" base 1 "$served" || return 1
	notary_init "$g" || return 1
	mkdir -p "$NOTARY_TRUST/tuf/$g/changelist"
	"$TOOLS/manytags" changelist "$NOTARY_TRUST/tuf/$g/changelist" "$REG" "$repo" base 1 "$n" || return 1
	notary_cli publish "$g" >/dev/null
}
# keys_home GUN HOME: a home holding the GUN's root and repository keys
keys_home() {
	SIGN_IMPORT_PASSPHRASE=$NOTARY_ROOT_PASSPHRASE "$SIGN" --home "$2" key import \
		"$(notary_key_file "$1" root)" >/dev/null 2>&1 &&
		SIGN_IMPORT_PASSPHRASE=$NOTARY_TARGETS_PASSPHRASE "$SIGN" --home "$2" key import \
			"$(notary_key_file "$1" targets)" >/dev/null 2>&1
}
# counts in the registry's log since mark (its access lines)
mark() { MARK=$(wc -l <"$REG_DIR/log"); }
since() { tail -n +$((MARK + 1)) "$REG_DIR/log"; }
sig_puts() { since | grep -c "\"PUT /v2/$1/manifests/sha256-[0-9a-f]*.sig "; }
sig_gets() { since | grep -c "\"GET /v2/$1/manifests/sha256-[0-9a-f]*.sig "; }
tag_heads() { since | grep -c "\"HEAD /v2/$1/manifests/t[0-9]* "; }
tag_lists() { since | grep -c "\"GET /v2/$1/tags/list "; }
trust_puts() { since | grep -c "\"PUT /v2/$1/manifests/_sign.trust "; }
# client ports sign used, from the registry's own request lines
sign_conns() { since | grep 'useragent=sign/' | grep -o 'remoteaddr="[^"]*"' | sort -u | wc -l; }
# untrust REPO: delete the trust artifact a migration published
untrust() {
	local d
	d=$(curl -sfI -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
		"http://$REG/v2/$1/manifests/_sign.trust" | tr -d '\r' | sed -n 's/^[Dd]ocker-[Cc]ontent-[Dd]igest: //p')
	[ -n "$d" ] && curl -sf -X DELETE "http://$REG/v2/$1/manifests/$d" >/dev/null
}

# --- 320 tags, 300 in the registry, t5 moved: stopped, then resumed --------------------
R=mig/many
G="$REG/$R"
make_repo "$R" 320 300 61 || echo "# harness: could not make $G" >&2
# t5 moved to another image after it was signed
"$TOOLS/manytags" registry "$REG" "$R" base 9005 9005 && curl -sf -o "$WORK/m9005" \
	-H 'Accept: application/vnd.oci.image.manifest.v1+json' "http://$REG/v2/$R/manifests/t9005" &&
	curl -sf -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' \
		--data-binary @"$WORK/m9005" "http://$REG/v2/$R/manifests/t5" -o /dev/null
run "harness: notary signed 320 tags" 0 notary_cli list "$G"
expect "… 320" test "$(grep -c '^t[0-9]* ' "$OUT")" -eq 320
H="$WORK/home"
keys_home "$G" "$H" || echo "# harness: key import failed" >&2

mark
run "a migration stopped after 100 signatures" 2 \
	env SIGN_TEST_FAIL_AFTER=signatures:100 "$SIGN_HOOKS" --home "$H" migrate "$G" --from-trust-server "$NOTARY_URL"
expect "… says where it stopped" has "^sign: stopped after 100 signatures (SIGN_TEST_FAIL_AFTER)" "$ERR"
W1=$(sig_puts "$R")
expect "… wrote at least 100 signatures, not all 299 ($W1)" test "$W1" -ge 100 -a "$W1" -lt 299
expect "… published no trust data" test "$(trust_puts "$R")" -eq 0
expect "… on at most $MAXCONN connections ($(sign_conns))" test "$(sign_conns)" -le $MAXCONN
run "… a verifier finds no trust data yet" 1 "$SIGN" --home "$WORK/v0" verify "$G:t1"
expect "… and says so" has "^sign: verifying $G:t1: $G has no trust data" "$ERR"

mark
run "the migration run again" 0 "$SIGN" --home "$H" -o json migrate "$G" --from-trust-server "$NOTARY_URL"
expect "… its report is JSON with 320 tags" test "$(jq '.tags | length' "$OUT")" -eq 320
expect "… writes only the $((299 - W1)) signatures missing" test "$(sig_puts "$R")" -eq $((299 - W1))
expect "… reports them written" \
	test "$(jq '[.tags[] | select(.signature == "signature written")] | length' "$OUT")" -eq $((299 - W1))
expect "… and the $W1 of the first run already there" \
	test "$(jq '[.tags[] | select(.signature == "signature already there")] | length' "$OUT")" -eq "$W1"
expect "… reads the registry's tags list once" test "$(tag_lists "$R")" -eq 1
expect "… one HEAD per tag it lists, none for the 20 it does not" test "$(tag_heads "$R")" -eq 300
expect "… one read of each digest's signatures" test "$(sig_gets "$R")" -eq 299
expect "… publishes the trust data once" test "$(trust_puts "$R")" -eq 1
expect "… on at most $MAXCONN connections, more than one ($(sign_conns))" \
	test "$(sign_conns)" -le $MAXCONN -a "$(sign_conns)" -gt 1
expect "… t5 moved: not carried, with the reason" \
	test "$(jq -r '.not_carried[] | select(.tag == "t5") | .reason' "$OUT")" = "the registry serves another digest"
expect "… t301..t320 are not in the registry" \
	test "$(jq '[.not_carried[] | select(.reason == "image not in the registry")] | length' "$OUT")" -eq 20
expect "… tags in the order notary lists them: t1 first, from targets" \
	test "$(jq -r '.tags[0] | .tag + " " + .role' "$OUT")" = "t1 targets"

cp "$OUT" "$WORK/resumed.json"
seq 1 300 | grep -vx 5 | sed "s|^|$G:t|" >"$WORK/refs"
run "all 299 signed tags verify from a fresh home" 0 "$SIGN" --home "$WORK/v1" verify --refs-from "$WORK/refs"
expect "… 299 digests" test "$(grep -c "^$G@sha256:" "$OUT")" -eq 299
run "… t5 (moved) does not" 1 "$SIGN" --home "$WORK/v1" verify "$G:t5"
expect "… and says why" has "^sign: verifying $G:t5: " "$ERR"

# the same repository migrated again from another home, after its trust data
# is deleted: every signature found, the same report
untrust "$R"
keys_home "$G" "$WORK/home2" || echo "# harness: key import failed" >&2
mark
run "a second migration of the same repository, from another home" 0 \
	"$SIGN" --home "$WORK/home2" -o json migrate "$G" --from-trust-server "$NOTARY_URL"
expect "… writes nothing: every signature is there" test "$(sig_puts "$R")" -eq 0
expect "… the same tags, digests and reasons (a signature there or written)" \
	test "$(jq -c '[.tags[] | [.tag, .digest, .role]], .not_carried' "$OUT" | md5sum)" = \
	"$(jq -c '[.tags[] | [.tag, .digest, .role]], .not_carried' "$WORK/resumed.json" | md5sum)"

# --- progress: on a terminal, not with -q, not when stderr is a file -------------------
R2=mig/few
G2="$REG/$R2"
make_repo "$R2" 40 40 62 || echo "# harness: could not make $G2" >&2
# five more tags of t1's image: one digest, one signature for all six
curl -sf -o "$WORK/few-t1" -H 'Accept: application/vnd.oci.image.manifest.v1+json' "http://$REG/v2/$R2/manifests/t1"
for i in 1 2 3 4 5; do
	curl -sf -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' \
		--data-binary @"$WORK/few-t1" "http://$REG/v2/$R2/manifests/same$i" -o /dev/null
	notary_cli add "$G2" "same$i" "$WORK/few-t1" >/dev/null
done
notary_cli publish "$G2" >/dev/null
keys_home "$G2" "$WORK/p0" || echo "# harness: key import failed" >&2
cp -a "$WORK/p0" "$WORK/p1"
cp -a "$WORK/p0" "$WORK/p2"
run "migrate on a terminal" 0 script -qec "'$SIGN' --home '$WORK/p0' migrate '$G2' --from-trust-server '$NOTARY_URL'" /dev/null
expect "… draws a progress line with count and rate" has "sign: checked 45/45 ([0-9]*/s)" "$OUT"
expect "… and the report" has "^migrated $G2 from $NOTARY_URL" "$OUT"
expect "… 40 signatures: the six tags of one digest share one" \
	test "$(grep -c 'signature written' "$OUT") $(grep -c 'signature already there' "$OUT")" = "40 5"
untrust "$R2"
run "migrate -q on a terminal" 0 script -qec "'$SIGN' --home '$WORK/p1' -q migrate '$G2' --from-trust-server '$NOTARY_URL'" /dev/null
expect "… draws none" lacks "checked [0-9]*/" "$OUT"
untrust "$R2"
run "migrate with standard error to a file" 0 "$SIGN" --home "$WORK/p2" migrate "$G2" --from-trust-server "$NOTARY_URL"
expect "… draws none" lacks "checked [0-9]*/" "$ERR"
expect "… 45 tags reported, each signature already there" \
	test "$(grep -c '^  [a-z]*[0-9]* *sha256:.*signature already there' "$OUT")" -eq 45

finish
