#!/bin/bash
# test_rotate.sh - sign key rotate (issue 4), in the registry backend and
# against a real notary-server (plain HTTP) with the real notary client:
#   - a verifier pinned to root v1 (--root-key, a pinned home, a home that
#     trusted v1) verifies after root -> repository -> root rotations;
#   - after a repository rotation a signature by the old key is refused,
#     and the current tags were re-signed by the new key;
#   - a root v+1 signed only by a new root key is refused;
#   - a rotation stopped between steps (SIGN_TEST_FAIL_AFTER, a test hook)
#     and run again finishes with the same new key and loses no tag;
#   - snapshot/timestamp rotations, --server on the notary backend;
#   - `notary list` reads the repository after each rotation;
#   - -o json fields; the keys-example rotation scripts.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/notary.sh"
# the CLI with the test hooks (SIGN_TEST_FAIL_AFTER); build/sign has none
SIGN_HOOKS="$TOOLS/sign-hooks"

# json_ids FIELD FILE: the key IDs of a JSON array field, one per line
json_ids() {
	tr -d ' \n' <"$2" | sed -n "s/.*\"$1\":\[\([^]]*\)\].*/\1/p" | tr ',' '\n' | tr -d '"'
}
json_int() {
	tr -d ' \n' <"$2" | sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p"
}
# key_id HOME ROLE [GUN]: the first key of ROLE (and GUN) in HOME
key_id() {
	"$SIGN" --home "$1" -o json key list | tr -d ' \n' |
		grep -o "\"keyid\":\"[0-9a-f]*\",\"role\":\"$2\",\"gun\":\"${3:-[^\"]*}\"" | head -1 |
		sed 's/"keyid":"\([0-9a-f]*\)".*/\1/'
}
# plain_key HOME KEYID OUT: the private key as unencrypted PKCS#8 PEM (for forge)
plain_key() {
	"$SIGN" --home "$1" key export "$2" --format pkcs8 | sed '/^[a-z]*: /d; /^$/d' |
		openssl pkey -passin "pass:$SIGN_REPOSITORY_PASSPHRASE" -out "$3"
}
# no_key_id HOME ROLE: HOME's key list can be read and holds no key of ROLE
no_key_id() {
	local list
	list=$("$SIGN" --home "$1" -o json key list) || return 1
	! printf '%s' "$list" | tr -d ' \n' | grep -q "\"role\":\"$2\""
}
# in_home HOME KEYID, not_in_home HOME KEYID: the key file is there, or the
# home's key folder is there and the key file is not (an empty KEYID, or a
# missing home, fails both)
in_home() { [ -n "$2" ] && test -f "$1/private/$2.key"; }
not_in_home() { [ -n "$2" ] && test -d "$1/private" && ! test -f "$1/private/$2.key"; }

start_registry reg

# =========================== registry backend ================================
A="$WORK/reg-publisher"
P="$WORK/reg-pinned"
T="$WORK/reg-tofu"
G="$REG/app"
D1=$(seed "$G:v1" 1)
D2=$(seed "$G:v2" 2)
run "[reg] push v1" 0 "$SIGN" --home "$A" push "$G:v1"
run "[reg] push v2" 0 "$SIGN" --home "$A" push "$G:v2"
ROOT1=$(key_id "$A" root)
REPO1=$(key_id "$A" targets "$G")
"$SIGN" --home "$A" key export "$ROOT1" --public >"$WORK/root1.pub"
plain_key "$A" "$REPO1" "$WORK/old-repo.pem"
expect "[reg] old repository key exported in the clear" has "BEGIN PRIVATE KEY" "$WORK/old-repo.pem"
run "[reg] a home pins root v1" 0 "$SIGN" --home "$P" trust pin "$G" --root-key "$WORK/root1.pub"
run "[reg] a home trusts root v1 on first use" 0 "$SIGN" --home "$T" verify "$G:v1"

run "[reg] rotate root" 0 "$SIGN" --home "$A" -o json key rotate "$G" root
expect "[reg] … json: gun" has "\"gun\": \"$G\"" "$OUT"
expect "[reg] … json: role" has '"role": "root"' "$OUT"
expect "[reg] … json: old key is root v1's" test "$(json_ids old_keyids "$OUT")" = "$ROOT1"
ROOT2=$(json_ids new_keyids "$OUT")
expect "[reg] … json: a new key ID" test -n "$ROOT2" -a "$ROOT2" != "$ROOT1"
expect "[reg] … json: root_version 2" test "$(json_int root_version "$OUT")" = 2
expect "[reg] … the old root key stays in the home" in_home "$A" "$ROOT1"
expect "[reg] … the new root key is in the home" in_home "$A" "$ROOT2"
curl -sf "http://$REG/v2/app/manifests/_sign.trust" -H "Accept: application/vnd.oci.image.manifest.v1+json" >"$WORK/art.json"
expect "[reg] … 2.root.json is published beside 1.root.json" sh -c "grep -q '\"2.root.json\"' '$WORK/art.json' && grep -q '\"1.root.json\"' '$WORK/art.json'"

run "[reg] rotate repository" 0 "$SIGN" --home "$A" -o json key rotate "$G" repository
expect "[reg] … json: role repository" has '"role": "repository"' "$OUT"
expect "[reg] … json: old key" test "$(json_ids old_keyids "$OUT")" = "$REPO1"
REPO2=$(json_ids new_keyids "$OUT")
expect "[reg] … json: root_version 3" test "$(json_int root_version "$OUT")" = 3
expect "[reg] … both tags re-signed" test "$(grep -c '"signature written"' "$OUT")" = 2
expect "[reg] … old repository key removed from the home" not_in_home "$A" "$REPO1"
expect "[reg] … new repository key in the home" in_home "$A" "$REPO2"

run "[reg] rotate root again (text output)" 0 "$SIGN" --home "$A" key rotate "$G" root
expect "[reg] … says so" has "rotated the root key of $G" "$OUT"
expect "[reg] … root version 4" has "(root version 4)" "$OUT"

run "[reg] verify --root-key root v1 after root, repository, root" 0 \
	"$SIGN" --home "$WORK/reg-rk" verify --root-key "$WORK/root1.pub" "$G:v1" "$G:v2"
expect "[reg] … both tags" test "$(wc -l <"$OUT")" -eq 2
run "[reg] the home that pinned v1 verifies" 0 "$SIGN" --home "$P" verify "$G:v1" "$G:v2"
run "[reg] the home that trusted v1 verifies" 0 "$SIGN" --home "$T" verify "$G:v1" "$G:v2"
run "[reg] signatures are by the new repository key" 0 "$SIGN" --home "$T" -o json verify "$G:v1"
expect "[reg] … signer is the new key" has "$REPO2" "$OUT"
run "[reg] push still works after the rotations" 0 "$SIGN" --home "$A" -o json push "$G:v1"
expect "[reg] … signed by the new repository key" has "\"keyid\":\"$REPO2\"" "$OUT"

run "[reg] forge a signature with the old repository key" 0 "$TOOLS/forge" badsig "$A" "$G:v1" "$WORK/old-repo.pem"
run "[reg] the old repository key's signature is refused" 1 "$SIGN" --home "$T" verify "$G:v1"
expect "[reg] … says no signature is by an authorised key" has "no detached signature is by a key the root authorises" "$ERR"
run "[reg] … by a pinned verifier too" 1 "$SIGN" --home "$WORK/reg-rk2" verify --root-key "$WORK/root1.pub" "$G:v1"
expect "[reg] … says no signature is by an authorised key" has "no detached signature is by a key the root authorises" "$ERR"
run "[reg] push again restores a good signature" 0 "$SIGN" --home "$A" push "$G:v1"
run "[reg] … and it verifies" 0 "$SIGN" --home "$T" verify "$G:v1"

run "[reg] rotate snapshot" 0 "$SIGN" --home "$A" -o json key rotate "$G" snapshot
expect "[reg] … root_version 5" test "$(json_int root_version "$OUT")" = 5
run "[reg] rotate timestamp" 0 "$SIGN" --home "$A" -o json key rotate "$G" timestamp
expect "[reg] … root_version 6" test "$(json_int root_version "$OUT")" = 6
run "[reg] verify after snapshot and timestamp rotations" 0 "$SIGN" --home "$P" verify "$G:v1" "$G:v2"
run "[reg] trust refresh uses the new timestamp key" 0 "$SIGN" --home "$A" trust refresh "$G"
run "[reg] --server needs a trust server" 2 "$SIGN" --home "$A" key rotate "$G" snapshot --server
expect "[reg] … says why" has "Notary trust server" "$ERR"
run "[reg] unknown role" 2 "$SIGN" --home "$A" key rotate "$G" delegation
expect "[reg] … names it and the roles there are" has "key rotate: unknown role \"delegation\": use root, repository, snapshot or timestamp" "$ERR"
run "[reg] a GUN with no trust data" 1 "$SIGN" --home "$A" key rotate "$REG/nothing" repository
expect "[reg] … says it was never signed" has "nothing has no trust data: it was never signed" "$ERR"
run "[reg] without the root key: exit 2, names it" 2 "$SIGN" --home "$WORK/reg-empty" key rotate "$G" repository
expect "[reg] … names the root key" has "root key" "$ERR"

# --- a root v+1 signed only by a new root key is refused ----------------------
F="$REG/forged"
seed "$F:v1" 3 >/dev/null
run "[reg] push forged:v1" 0 "$SIGN" --home "$A" push "$F:v1"
run "[reg] a home trusts it" 0 "$SIGN" --home "$T" verify "$F:v1"
run "[reg] publish a root v+1 signed by the new root key only" 0 "$TOOLS/forge" swap-root "$A" "$F"
run "[reg] … a home that trusted v1 refuses it" 1 "$SIGN" --home "$T" verify "$F:v1"
expect "[reg] … names the root rotation" has "root" "$ERR"
run "[reg] … a verifier pinned to root v1 refuses it" 1 \
	"$SIGN" --home "$WORK/reg-rk3" verify --root-key "$WORK/root1.pub" "$F:v1"
expect "[reg] … says root v2 is not signed by, or does not list, the pinned key" \
	has "root version 2 \(is not signed by the trusted root keys of version 1\|does not list the pinned root key\)" "$ERR"

# --- interrupted rotations ---------------------------------------------------
I="$REG/int"
seed "$I:t1" 4 >/dev/null
seed "$I:t2" 5 >/dev/null
run "[reg] push int:t1" 0 "$SIGN" --home "$A" push "$I:t1"
run "[reg] push int:t2" 0 "$SIGN" --home "$A" push "$I:t2"
run "[reg] a home trusts int" 0 "$SIGN" --home "$T" verify "$I:t1" "$I:t2"
IREPO1=$(key_id "$A" targets "$I")
REC="$A/trust/$I/rotation.json"
run "[reg] repository rotation stopped after the new key" 2 \
	env SIGN_TEST_FAIL_AFTER=key "$SIGN_HOOKS" --home "$A" key rotate "$I" repository
expect "[reg] … says where it stopped" has "stopped after key (SIGN_TEST_FAIL_AFTER)" "$ERR"
expect "[reg] … a pending rotation is recorded" test -f "$REC"
PENDING=$(sed -n 's/.*"keyid":"\([0-9a-f]*\)".*/\1/p' "$REC")
expect "[reg] … with the new key, saved in the home" in_home "$A" "$PENDING"
run "[reg] … the tags still verify" 0 "$SIGN" --home "$T" verify "$I:t1" "$I:t2"
run "[reg] run again, stopped after publishing" 2 \
	env SIGN_TEST_FAIL_AFTER=publish "$SIGN_HOOKS" --home "$A" key rotate "$I" repository
expect "[reg] … stopped by the test hook after publishing" has "^sign: stopped after publish (SIGN_TEST_FAIL_AFTER)" "$ERR"
expect "[reg] … same pending key (no second key made)" \
	test "$(sed -n 's/.*"keyid":"\([0-9a-f]*\)".*/\1/p' "$REC")" = "$PENDING"
NKEYS=$("$SIGN" --home "$A" -o json key list | tr -d ' \n' | grep -o "\"role\":\"targets\",\"gun\":\"$I\"" | wc -l)
expect "[reg] … two repository keys for the GUN (old and pending), not three" test "$NKEYS" = 2
run "[reg] … the tags verify in the meantime" 0 "$SIGN" --home "$T" verify "$I:t1" "$I:t2"
run "[reg] run again: finishes" 0 "$SIGN" --home "$A" -o json key rotate "$I" repository
expect "[reg] … with the same new key" test "$(json_ids new_keyids "$OUT")" = "$PENDING"
expect "[reg] … old key reported" test "$(json_ids old_keyids "$OUT")" = "$IREPO1"
expect "[reg] … the record is gone" test ! -f "$REC"
expect "[reg] … old repository key removed" not_in_home "$A" "$IREPO1"
NKEYS=$("$SIGN" --home "$A" -o json key list | tr -d ' \n' | grep -o "\"role\":\"targets\",\"gun\":\"$I\"" | wc -l)
expect "[reg] … one repository key for the GUN" test "$NKEYS" = 1
run "[reg] … no tag lost: both verify (trusting home)" 0 "$SIGN" --home "$T" -o json verify "$I:t1" "$I:t2"
expect "[reg] … signed by the new key" has "$PENDING" "$OUT"
run "[reg] … and from a fresh home" 0 "$SIGN" --home "$WORK/reg-fresh" verify "$I:t1" "$I:t2"

IV=$(curl -sf "http://$REG/v2/int/manifests/_sign.trust" -H "Accept: application/vnd.oci.image.manifest.v1+json" |
	grep -o '"[0-9]*\.root\.json"' | wc -l)
run "[reg] root rotation stopped after the re-sign step" 2 \
	env SIGN_TEST_FAIL_AFTER=resign "$SIGN_HOOKS" --home "$A" key rotate "$I" root
expect "[reg] … stopped by the test hook after re-signing" has "^sign: stopped after resign (SIGN_TEST_FAIL_AFTER)" "$ERR"
run "[reg] run again: finishes" 0 "$SIGN" --home "$A" -o json key rotate "$I" root
expect "[reg] … exactly one more root version" test "$(json_int root_version "$OUT")" = $((IV + 1))
run "[reg] root rotation stopped after publishing" 2 \
	env SIGN_TEST_FAIL_AFTER=publish "$SIGN_HOOKS" --home "$A" key rotate "$I" root
expect "[reg] … stopped by the test hook after publishing" has "^sign: stopped after publish (SIGN_TEST_FAIL_AFTER)" "$ERR"
run "[reg] run again: nothing left but the record" 0 "$SIGN" --home "$A" -o json key rotate "$I" root
expect "[reg] … no further root version" test "$(json_int root_version "$OUT")" = $((IV + 2))
expect "[reg] … the record is gone" test ! -f "$REC"
run "[reg] both tags verify for the home that trusted the first root" 0 "$SIGN" --home "$T" verify "$I:t1" "$I:t2"

# --- keys-example scripts ------------------------------------------------------
K="$REG/example"
KH="$WORK/example-home"
seed "$K:v1" 6 >/dev/null
run "[ex] push example:v1" 0 "$SIGN" --home "$KH" push "$K:v1"
KROOT=$(key_id "$KH" root)
"$SIGN" --home "$KH" key export "$KROOT" --public >"$WORK/kroot.pub"
mkdir -p "$WORK/offline"
"$SIGN" --home "$KH" key export "$KROOT" >"$WORK/offline/root.key"
run "[ex] the root key goes offline" 0 "$SIGN" --home "$KH" key remove "$KROOT"
run "[ex] rotate-repository-key.sh without the root key fails" 2 \
	env SIGN="$SIGN" SIGN_HOME="$KH" sh "$TOP/keys-example/rotate-repository-key.sh" "$K"
expect "[ex] … says the home holds no root key" has "this home holds none of its root keys" "$ERR"
run "[ex] rotate-root-key.sh GUN ROOTKEY_FILE" 0 \
	env SIGN="$SIGN" SIGN_HOME="$KH" sh "$TOP/keys-example/rotate-root-key.sh" "$K" "$WORK/offline/root.key"
expect "[ex] … prints the report" has '"role": "root"' "$OUT"
NEWROOT=$(json_ids new_keyids "$OUT")
expect "[ex] … the new root key is written beside the old one" test -s "$WORK/offline/root-$NEWROOT.key"
expect "[ex] … with its public key" has "BEGIN PUBLIC KEY" "$WORK/offline/root-$NEWROOT.pub"
expect "[ex] … no root key left in the home" no_key_id "$KH" root
run "[ex] verify pinned to the old root" 0 "$SIGN" --home "$WORK/ex-v1" verify --root-key "$WORK/kroot.pub" "$K:v1"
run "[ex] verify pinned to the new root" 0 \
	"$SIGN" --home "$WORK/ex-v2" verify --root-key "$WORK/offline/root-$NEWROOT.pub" "$K:v1"
run "[ex] import the new root key for the repository rotation" 0 \
	env SIGN_IMPORT_PASSPHRASE="$SIGN_ROOT_PASSPHRASE" "$SIGN" --home "$KH" key import "$WORK/offline/root-$NEWROOT.key"
run "[ex] rotate-repository-key.sh GUN" 0 \
	env SIGN="$SIGN" SIGN_HOME="$KH" sh "$TOP/keys-example/rotate-repository-key.sh" "$K"
expect "[ex] … prints the report" has '"role": "repository"' "$OUT"
expect "[ex] … the tag re-signed" has '"signature written"' "$OUT"
run "[ex] verify pinned to the old root after both" 0 \
	"$SIGN" --home "$WORK/ex-v1" verify --root-key "$WORK/kroot.pub" "$K:v1"

# ============================ notary backend ==================================
if ! command -v notary-server >/dev/null 2>&1 || ! command -v notary >/dev/null 2>&1; then
	echo "# skipped: notary backend: notary-server / notary not installed"
	finish
	exit $?
fi
start_notary notary
NA="$WORK/n-publisher"
NT="$WORK/n-tofu"
NG="$REG/napp"
ND1=$(seed "$NG:v1" 7)
NDH=${ND1#sha256:}
run "[notary] push v1" 0 sign_ts --home "$NA" push "$NG:v1"
NROOT1=$(key_id "$NA" root)
NREPO1=$(key_id "$NA" targets "$NG")
"$SIGN" --home "$NA" key export "$NROOT1" --public >"$WORK/nroot1.pub"
run "[notary] a home trusts root v1" 0 sign_ts --home "$NT" verify "$NG:v1"

nlist() {
	run "[notary] notary list after $1" 0 notary_cli list "$NG"
	expect "[notary] … lists v1 with its digest" has "$NDH" "$OUT"
}
run "[notary] rotate root" 0 sign_ts --home "$NA" -o json key rotate "$NG" root
expect "[notary] … root_version 2" test "$(json_int root_version "$OUT")" = 2
nlist "the root rotation"
run "[notary] rotate repository" 0 sign_ts --home "$NA" -o json key rotate "$NG" repository
expect "[notary] … root_version 3" test "$(json_int root_version "$OUT")" = 3
expect "[notary] … the tag re-signed" has '"signature written"' "$OUT"
NREPO2=$(json_ids new_keyids "$OUT")
nlist "the repository rotation"
notary_fetch "$NG" root.json "$WORK/n-root.json"
expect "[notary] … the server's root lists the new repository key" has "$NREPO2" "$WORK/n-root.json"
expect "[notary] … and not the old one" lacks "$NREPO1" "$WORK/n-root.json"
run "[notary] rotate root again" 0 sign_ts --home "$NA" -o json key rotate "$NG" root
expect "[notary] … root_version 4" test "$(json_int root_version "$OUT")" = 4
nlist "the second root rotation"
run "[notary] verify --root-key root v1 after root, repository, root" 0 \
	sign_ts --home "$WORK/n-rk" verify --root-key "$WORK/nroot1.pub" "$NG:v1"
run "[notary] the home that trusted v1 verifies" 0 sign_ts --home "$NT" verify "$NG:v1"

# with a trust server, verify trusts the server's signed targets (as docker
# pull does) and reads no detached signature: the old key is checked there
notary_fetch "$NG" targets.json "$WORK/n-targets.json"
expect "[notary] the server's targets are signed by the new repository key" \
	has "\"keyid\":\"$NREPO2\"" "$WORK/n-targets.json"
expect "[notary] … not by the old one" lacks "$NREPO1" "$WORK/n-targets.json"
"$SIGN" --home "$NA" key export "$NREPO2" --public >"$WORK/n-repo2.pub"
run "[notary] the detached signature was re-made by the new key" 0 \
	"$SIGN" --home "$WORK/n-key" verify --key "$WORK/n-repo2.pub" "$NG:v1"
run "[notary] push again" 0 sign_ts --home "$NA" push "$NG:v1"
run "[notary] … verifies" 0 sign_ts --home "$NT" verify "$NG:v1"

run "[notary] rotate timestamp without --server" 2 sign_ts --home "$NA" key rotate "$NG" timestamp
expect "[notary] … asks for --server" has "\-\-server" "$ERR"
run "[notary] rotate timestamp --server" 0 sign_ts --home "$NA" -o json key rotate "$NG" timestamp --server
expect "[notary] … root_version 5" test "$(json_int root_version "$OUT")" = 5
nlist "the timestamp rotation"
run "[notary] rotate snapshot (to a local key)" 0 sign_ts --home "$NA" -o json key rotate "$NG" snapshot
NSNAP=$(json_ids new_keyids "$OUT")
expect "[notary] … the new snapshot key is in the home" in_home "$NA" "$NSNAP"
nlist "the local snapshot rotation"
run "[notary] push with the local snapshot key" 0 sign_ts --home "$NA" push "$NG:v1"
run "[notary] rotate snapshot --server" 0 sign_ts --home "$NA" -o json key rotate "$NG" snapshot --server
expect "[notary] … the local snapshot key is removed" not_in_home "$NA" "$NSNAP"
nlist "the server snapshot rotation"
run "[notary] verify after the snapshot and timestamp rotations" 0 sign_ts --home "$NT" verify "$NG:v1"
run "[notary] … pinned to root v1" 0 sign_ts --home "$WORK/n-rk2" verify --root-key "$WORK/nroot1.pub" "$NG:v1"

run "[notary] the server refuses a root signed by a new root key only" 3 \
	"$TOOLS/forge" swap-root "$NA" "$NG" "$NOTARY_URL"
expect "[notary] … the server says the new root is not trusted" has "notary server .* refused the update: ErrBadRoot" "$ERR"
run "[notary] … and the collection still verifies" 0 sign_ts --home "$NT" verify "$NG:v1"

run "[notary] repository rotation stopped after publishing" 2 \
	env SIGN_TEST_FAIL_AFTER=publish "$SIGN_HOOKS" --trust-server "$NOTARY_URL" --home "$NA" key rotate "$NG" repository
expect "[notary] … stopped by the test hook after publishing" has "^sign: stopped after publish (SIGN_TEST_FAIL_AFTER)" "$ERR"
NPENDING=$(sed -n 's/.*"keyid":"\([0-9a-f]*\)".*/\1/p' "$NA/trust/$NG/rotation.json")
run "[notary] run again: finishes" 0 sign_ts --home "$NA" -o json key rotate "$NG" repository
expect "[notary] … with the same key" test "$(json_ids new_keyids "$OUT")" = "$NPENDING"
nlist "the interrupted repository rotation"
run "[notary] verify after it" 0 sign_ts --home "$NT" verify "$NG:v1"
run "[notary] … pinned to root v1" 0 sign_ts --home "$WORK/n-rk3" verify --root-key "$WORK/nroot1.pub" "$NG:v1"

finish
