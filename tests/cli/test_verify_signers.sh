#!/bin/bash
# test_verify_signers.sh - sign verify's version 3 checks (issue 13, for
# sign admission's rules), against a real docker-registry and, when it is
# installed, a real notary-server:
#   - --root-ca: the root must list a certificate with CN = GUN chaining to
#     the CA and be signed by its key; with --root-key, either pin does;
#     refused for a root chaining to another CA and for a root whose
#     certificate names another GUN (a collection copied under a new name);
#     an unreadable CA file or one holding no certificate is an error;
#   - --signer ROLE... --threshold N: the tag (or digest) must be signed with
#     the verified digest in N of the roles (all by default); a role not
#     delegated, or listing the tag with another digest, does not count;
#     the message names the roles that signed and the ones missing;
#     duplicates and a threshold above the roles are usage errors;
#   - the same with --offline and through a trust server (notary-server).
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/notary.sh"

# key_of HOME ROLE [GUN]: key ID of the home's key for ROLE (and GUN)
key_of() {
	"$SIGN" --home "$1" -o json key list | tr -d ' \n' | grep -o '{[^}]*}' |
		grep "\"role\":\"$2\"" | grep "${3:+\"gun\":\"$3\"}" | head -1 |
		sed 's/.*"keyid":"\([0-9a-f]*\)".*/\1/'
}
# signer_key HOME NAME OUTPUB: a signer key for NAME in HOME, public key to OUTPUB; prints its ID
signer_key() {
	local id
	id=$("$SIGN" --home "$1" key generate --role "$2") || return 1
	"$SIGN" --home "$1" key export "$id" --public >"$3" || return 1
	echo "$id"
}
# give_snapshot_keys FROM TO GUN: copy the GUN's snapshot and timestamp keys
give_snapshot_keys() {
	local role id
	for role in snapshot timestamp; do
		id=$(key_of "$1" "$role" "$3")
		[ -n "$id" ] || return 1
		"$SIGN" --home "$1" key export "$id" >"$WORK/.xfer.key" || return 1
		"$SIGN" --home "$2" key import "$WORK/.xfer.key" --role "$role" --gun "$3" >/dev/null || return 1
	done
}
# as_signer CMD...: run without the root and repository passphrases
as_signer() { (unset SIGN_ROOT_PASSPHRASE SIGN_REPOSITORY_PASSPHRASE; "$@"); }
# root_cert HOME GUN OUT: the first root certificate of GUN's cached root
root_cert() {
	grep -o '"keytype":"ecdsa-x509","keyval":{"private":null,"public":"[^"]*"' \
		"$1/trust/$2/metadata/root.json" | head -1 | sed 's/.*"public":"//; s/"$//' | base64 -d >"$3"
}
# notofu HOME: a verifier's home that refuses trust on first use, so that
# only the pins given decide
notofu() { "$SIGN" --home "$1" trust tofu off >/dev/null 2>&1; }

start_registry reg
P="$WORK/publisher"

###############################################################################
# --root-ca
###############################################################################
G="$REG/team/app"
DA=$(seed "$G:v1" 41)
run "publisher signs team/app:v1" 0 "$SIGN" --home "$P" push "$G:v1"
"$SIGN" --home "$WORK/tofu" verify "$G:v1" >/dev/null 2>&1
root_cert "$WORK/tofu" "$G" "$WORK/rootcert.pem"
expect "the root certificate (CN = the GUN, self-signed: its own CA)" has "BEGIN CERTIFICATE" "$WORK/rootcert.pem"
expect "… names the GUN" sh -c "openssl x509 -in '$WORK/rootcert.pem' -noout -subject | grep -q 'team/app'"
ROOTID=$(key_of "$P" root)
"$SIGN" --home "$P" key export "$ROOTID" --public >"$WORK/root.pub"
"$SIGN" --home "$WORK/x" key generate --role root >"$WORK/xid"
"$SIGN" --home "$WORK/x" key export "$(cat "$WORK/xid")" --public >"$WORK/other-root.pub"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=other CA" \
	-keyout "$WORK/oca.key" -out "$WORK/oca.pem" 2>/dev/null
expect "another CA" has "BEGIN CERTIFICATE" "$WORK/oca.pem"

notofu "$WORK/ca-ok"
run "--root-ca: a root chaining to the CA verifies (no trust on first use)" 0 \
	"$SIGN" --home "$WORK/ca-ok" verify --root-ca "$WORK/rootcert.pem" "$G:v1"
expect "… prints the signed digest" has "^$G@$DA\$" "$OUT"
notofu "$WORK/ca-nopin"
run "… the same home without the pin is refused" 1 "$SIGN" --home "$WORK/ca-nopin" verify "$G:v1"
expect "… trust on first use is off" has "trust on first use is disabled and no root is pinned" "$ERR"

notofu "$WORK/ca-other"
run "--root-ca: a root chaining to another CA is refused" 1 \
	"$SIGN" --home "$WORK/ca-other" verify --root-ca "$WORK/oca.pem" "$G:v1"
expect "… no root version is signed by the pin" has "root of $G: no root version is signed by the pinned root key (pinned by --root-ca)" "$ERR"
expect "… no certificate for the GUN chains to the CA" has "does not list the pinned root key (nor a certificate for this GUN that chains to the pinned CA)" "$ERR"
expect "… prints no digest" lacks "$DA" "$OUT"
run "… a home that trusted the root on first use is refused too (the pin decides)" 1 \
	"$SIGN" --home "$WORK/tofu" verify --root-ca "$WORK/oca.pem" "$G:v1"
expect "… names the pin" has "pinned by --root-ca" "$ERR"

notofu "$WORK/either"
run "--root-key another key and --root-ca the right CA: either pin is enough" 0 \
	"$SIGN" --home "$WORK/either" verify --root-key "$WORK/other-root.pub" --root-ca "$WORK/rootcert.pem" "$G:v1"
expect "… prints the signed digest" has "^$G@$DA\$" "$OUT"
notofu "$WORK/either2"
run "--root-key the right key and --root-ca another CA: verifies" 0 \
	"$SIGN" --home "$WORK/either2" verify --root-key "$WORK/root.pub" --root-ca "$WORK/oca.pem" "$G:v1"
notofu "$WORK/neither"
run "neither pin met: refused" 1 \
	"$SIGN" --home "$WORK/neither" verify --root-key "$WORK/other-root.pub" --root-ca "$WORK/oca.pem" "$G:v1"
expect "… names both pins" has "no root version is signed by the pinned root key (pinned by --root-key or --root-ca)" "$ERR"

# the publisher's collection copied as it is under another name: its root
# certificate, chaining to the CA and signing the root, is for team/app
C="$REG/team/copy"
seed "$C:v1" 41 >/dev/null
run "the collection copied under $C" 0 skopeo copy --quiet --src-tls-verify=false --dest-tls-verify=false \
	"docker://$G:_sign.trust" "docker://$C:_sign.trust"
notofu "$WORK/cn"
run "--root-ca: a root whose certificate names another GUN is refused" 1 \
	"$SIGN" --home "$WORK/cn" verify --root-ca "$WORK/rootcert.pem" "$C:v1"
expect "… no certificate for this GUN" has "root of $C: no root version is signed by the pinned root key (pinned by --root-ca): root version 1 does not list the pinned root key (nor a certificate for this GUN that chains to the pinned CA)" "$ERR"

run "--root-ca of a missing file" 2 "$SIGN" --home "$WORK/ca-ok" verify --root-ca "$WORK/nosuch.pem" "$G:v1"
expect "… says which file" has "reading root CA $WORK/nosuch.pem" "$ERR"
run "--root-ca of a file without a certificate" 2 "$SIGN" --home "$WORK/ca-ok" verify --root-ca "$WORK/root.pub" "$G:v1"
expect "… says so" has "reading root CA $WORK/root.pub: no PEM certificate in it" "$ERR"
run "--root-ca with --key is a usage error" 2 "$SIGN" --home "$WORK/ca-ok" verify --key "$WORK/root.pub" --root-ca "$WORK/rootcert.pem" "$G:v1"
expect "… says why" has "^sign: --key checks the detached signature only" "$ERR"

###############################################################################
# --signer / --threshold
###############################################################################
S="$REG/sig"
O="$WORK/owner"
DV1=$(seed "$S:v1" 51)
DR=$(seed "$S:rel" 52)
run "owner signs sig:v1 (in targets)" 0 "$SIGN" --home "$O" push "$S:v1"
ALICE=$(signer_key "$WORK/alice" alice "$WORK/alice.pub")
BOB=$(signer_key "$WORK/bob" bob "$WORK/bob.pub")
run "signer add alice" 0 "$SIGN" --home "$O" signer add alice "$S" --key "$WORK/alice.pub"
run "signer add bob" 0 "$SIGN" --home "$O" signer add bob "$S" --key "$WORK/bob.pub"
give_snapshot_keys "$O" "$WORK/alice" "$S" || echo "# harness: key copy failed" >&2
give_snapshot_keys "$O" "$WORK/bob" "$S" || echo "# harness: key copy failed" >&2
run "alice signs rel" 0 env -u SIGN_ROOT_PASSPHRASE "$SIGN" --home "$WORK/alice" push --key "$ALICE" "$S:rel"
expect "… the digest" has "^$S@$DR\$" "$OUT"

V="$WORK/verifier"
run "--signer alice: signed by alice" 0 "$SIGN" --home "$V" verify --signer alice "$S:rel"
expect "… prints the digest" has "^$S@$DR\$" "$OUT"
run "--signer targets/alice (the role's full name) too" 0 "$SIGN" --home "$V" verify --signer targets/alice "$S:rel"
run "--signer alice --signer bob (all by default): bob has not signed" 1 \
	"$SIGN" --home "$V" verify --signer alice --signer bob "$S:rel"
expect "… names who signed and who is missing" has "sig:rel is signed by 1 of the required signers (targets/alice), 2 needed: missing targets/bob (has signed nothing)" "$ERR"
expect "… prints no digest" lacks "$DR" "$OUT"
run "… --threshold 1: one of the two is enough" 0 \
	"$SIGN" --home "$V" verify --signer alice --signer bob --threshold 1 "$S:rel"
run "--signer targets/releases --signer alice" 0 "$SIGN" --home "$V" verify --signer releases --signer alice "$S:rel"
run "a role not delegated does not count" 1 "$SIGN" --home "$V" verify --signer alice --signer carol "$S:rel"
expect "… says it is not delegated" has "sig:rel is signed by 1 of the required signers (targets/alice), 2 needed: missing targets/carol (not delegated)" "$ERR"
run "--signer targets: the owner's tag" 0 "$SIGN" --home "$V" verify --signer targets "$S:v1"
expect "… its digest" has "^$S@$DV1\$" "$OUT"
run "--signer alice on the owner's tag" 1 "$SIGN" --home "$V" verify --signer alice "$S:v1"
expect "… none signed" has "sig:v1 is signed by 0 of the required signers (none), 1 needed: missing targets/alice (does not sign v1)" "$ERR"

run "bob signs rel too" 0 env -u SIGN_ROOT_PASSPHRASE "$SIGN" --home "$WORK/bob" push --key "$BOB" "$S:rel"
run "--signer alice --signer bob: both signed" 0 "$SIGN" --home "$V" verify --signer alice --signer bob "$S:rel"
expect "… prints the digest" has "^$S@$DR\$" "$OUT"
run "… by digest too" 0 "$SIGN" --home "$V" verify --signer alice --signer bob "$S@$DR"
run "… neither signs the owner's v1" 1 "$SIGN" --home "$V" verify --signer alice --signer bob --threshold 1 "$S:v1"
expect "… both named" has "sig:v1 is signed by 0 of the required signers (none), 1 needed: missing targets/alice (does not sign v1), targets/bob (does not sign v1)" "$ERR"
run "… --offline, from the cached trust data" 0 "$SIGN" --home "$V" verify --offline --signer alice --signer bob "$S:rel"
run "… --offline, a signer missing" 1 "$SIGN" --home "$V" verify --offline --signer alice --signer carol "$S:rel"
expect "… says it is not delegated" has "missing targets/carol (not delegated)" "$ERR"

# rel moves to another image that only bob signs: alice's role still lists
# the old digest
DR2=$(seed "$S:rel" 53)
run "bob signs rel's new image" 0 env -u SIGN_ROOT_PASSPHRASE "$SIGN" --home "$WORK/bob" push --key "$BOB" "$S:rel"
expect "… the new digest" has "^$S@$DR2\$" "$OUT"
run "a role listing the tag with another digest does not count" 1 \
	"$SIGN" --home "$V" verify --signer alice --signer bob "$S:rel"
expect "… names the other digest" has "sig:rel is signed by 1 of the required signers (targets/bob), 2 needed: missing targets/alice (signs rel for $DR)" "$ERR"
expect "… prints no digest" lacks "sha256:" "$OUT"
run "… --signer bob alone verifies the new digest" 0 "$SIGN" --home "$V" verify --signer bob "$S:rel"
expect "… the new digest" has "^$S@$DR2\$" "$OUT"
run "by digest: the old image is signed by alice only" 1 "$SIGN" --home "$V" verify --signer alice --signer bob "$S@$DR"
expect "… bob signs no tag with that digest" has "sig@$DR is signed by 1 of the required signers (targets/alice), 2 needed: missing targets/bob (signs no tag with that digest)" "$ERR"
run "by digest: the new image, by bob" 0 "$SIGN" --home "$V" verify --signer bob "$S@$DR2"
run "-o json: the failure's message" 1 "$SIGN" --home "$V" -o json verify --signer alice "$S:rel"
expect "… in the error field" has "\"error\":\"verifying $S:rel: $S:rel is signed by 0 of the required signers (none), 1 needed: missing targets/alice (signs rel for $DR)\"" "$OUT"

# bad arguments: exit 2 with the reason
run "a role given twice" 2 "$SIGN" --home "$V" verify --signer alice --signer targets/alice "$S:rel"
expect "… says so" has "targets/alice is given twice (each role counts once)" "$ERR"
run "a threshold above the number of roles" 2 "$SIGN" --home "$V" verify --signer alice --signer bob --threshold 3 "$S:rel"
expect "… says so" has "signers: threshold 3 but only 2 roles given" "$ERR"
run "--threshold without --signer" 2 "$SIGN" --home "$V" verify --threshold 1 "$S:rel"
expect "… says so" has "^sign: --threshold counts --signer roles" "$ERR"
run "--threshold 0" 2 "$SIGN" --home "$V" verify --signer alice --threshold 0 "$S:rel"
expect "… says what it takes" has "^sign: --threshold wants a number of signers from 1 to 1000, not '0'" "$ERR"
run "--threshold abc" 2 "$SIGN" --home "$V" verify --signer alice --threshold abc "$S:rel"
expect "… says what it takes" has "not 'abc'" "$ERR"
run "a role name that is none" 2 "$SIGN" --home "$V" verify --signer "targets/a/../b" "$S:rel"
expect "… says so" has "is not a role name (targets or targets/NAME)" "$ERR"
run "--signer with --key is a usage error" 2 "$SIGN" --home "$V" verify --key "$WORK/alice.pub" --signer alice "$S:rel"
expect "… says why" has "^sign: --key checks the detached signature only" "$ERR"

###############################################################################
# through a trust server
###############################################################################
if ! command -v notary-server >/dev/null 2>&1; then
	echo "# skipped: trust server: notary-server not installed"
	finish
	exit $?
fi
start_notary vs-notary
NP="$REG/n-sig"
NA="$WORK/n-owner"
seed "$NP:v1" 61 >/dev/null
DN=$(seed "$NP:rel" 62)
run "[notary] owner signs v1" 0 sign_ts --home "$NA" push "$NP:v1"
NALICE=$(signer_key "$WORK/n-alice" alice "$WORK/n-alice.pub")
signer_key "$WORK/n-bob" bob "$WORK/n-bob.pub" >/dev/null
run "[notary] signer add alice" 0 sign_ts --home "$NA" signer add alice "$NP" --key "$WORK/n-alice.pub"
run "[notary] signer add bob" 0 sign_ts --home "$NA" signer add bob "$NP" --key "$WORK/n-bob.pub"
run "[notary] alice signs rel" 0 as_signer sign_ts --home "$WORK/n-alice" push --key "$NALICE" "$NP:rel"
run "[notary] --signer alice" 0 sign_ts --home "$WORK/n-v" verify --signer alice "$NP:rel"
expect "[notary] … the digest" has "^$NP@$DN\$" "$OUT"
run "[notary] --signer alice --signer bob: bob missing" 1 sign_ts --home "$WORK/n-v" verify --signer alice --signer bob "$NP:rel"
expect "[notary] … names them" has "n-sig:rel is signed by 1 of the required signers (targets/alice), 2 needed: missing targets/bob (has signed nothing)" "$ERR"
run "[notary] … --threshold 1" 0 sign_ts --home "$WORK/n-v" verify --signer alice --signer bob --threshold 1 "$NP:rel"
run "[notary] a role not delegated" 1 sign_ts --home "$WORK/n-v" verify --signer carol "$NP:rel"
expect "[notary] … says so" has "missing targets/carol (not delegated)" "$ERR"
sign_ts --home "$WORK/n-tofu" verify "$NP:v1" >/dev/null 2>&1
root_cert "$WORK/n-tofu" "$NP" "$WORK/n-rootcert.pem"
expect "[notary] the GUN's root certificate" has "BEGIN CERTIFICATE" "$WORK/n-rootcert.pem"
notofu "$WORK/n-ca"
run "[notary] --root-ca: verifies" 0 sign_ts --home "$WORK/n-ca" verify --root-ca "$WORK/n-rootcert.pem" "$NP:v1"
notofu "$WORK/n-ca-other"
run "[notary] --root-ca another CA: refused" 1 sign_ts --home "$WORK/n-ca-other" verify --root-ca "$WORK/oca.pem" "$NP:v1"
expect "[notary] … names the pin" has "no root version is signed by the pinned root key (pinned by --root-ca)" "$ERR"
finish
