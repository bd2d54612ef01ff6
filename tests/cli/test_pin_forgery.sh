#!/bin/bash
# test_pin_forgery.sh - a pinned root is met only by a signature of the
# pinned key (issue 11, defect 1).
#
# The attacker controls the registry (and in the last part a Notary server):
# it deletes the publisher's trust collection, publishes its own under the
# same GUN with its own root key, and then a root version whose root role
# also lists the pinned key:
#   list      the publisher's root certificates, copied from the public
#             root.json, beside the attacker's key (threshold 1, signed by
#             the attacker only);
#   id:KEYID  only the pinned key's ID, with the attacker's certificate as
#             that ID's key.
# A verifier pinned by --root-key, `sign trust pin`, a prefix rule, a CA
# rule or through --trust-server must refuse both and name why; the
# legitimate root verifies under every one of those pins.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/notary.sh"

start_registry reg
start_notary honest
NH=$NOTARY_URL
start_notary hostile
NX=$NOTARY_URL
G="$REG/team/app"
GN="$REG/team/notary-app" # kept on the Notary servers
P="$WORK/publisher"

DL=$(seed "$G:v1" 81)
run "the publisher signs v1 in the registry" 0 "$SIGN" --home "$P" push "$G:v1"
DN=$(seed "$GN:v1" 83)
run "… and another GUN on the honest Notary server, under the same root key" 0 \
	"$SIGN" --home "$P" --trust-server "$NH" push "$GN:v1"
ROOTID=$("$SIGN" --home "$P" -o json key list | tr -d ' \n' | grep -o '"keyid":"[0-9a-f]*","role":"root"' |
	sed 's/"keyid":"\([0-9a-f]*\)".*/\1/')
expect "the publisher's root key ID" test ${#ROOTID} -eq 64
"$SIGN" --home "$P" key export "$ROOTID" --public >"$WORK/root.pub"
"$SIGN" --home "$WORK/tofu-legit" verify "$G:v1" >/dev/null 2>&1
LEGIT_ROOT="$WORK/tofu-legit/trust/$G/metadata/root.json"
expect "the public root.json, as any client caches it" test -s "$LEGIT_ROOT"
grep -o '"keytype":"ecdsa-x509","keyval":{"private":null,"public":"[^"]*"' "$LEGIT_ROOT" | head -1 |
	sed 's/.*"public":"//; s/"$//' | base64 -d >"$WORK/rootcert.pem"
expect "its root certificate (the CA of the CA rule)" has "BEGIN CERTIFICATE" "$WORK/rootcert.pem"

# pinned KIND HOME: set up HOME with the pin of KIND (for the GUN $PG);
# prints the options verify needs on its command line
KINDS="root-key trust-pin prefix ca"
PG=$G
pinned() {
	case $1 in
	root-key) echo "--root-key $WORK/root.pub" ;;
	trust-pin) "$SIGN" --home "$2" trust pin "$PG" --root-key "$WORK/root.pub" >/dev/null 2>&1 ;;
	prefix) "$SIGN" --home "$2" trust pin "$REG/team/*" --root-key "$WORK/root.pub" >/dev/null 2>&1 ;;
	ca) "$SIGN" --home "$2" trust pin "$REG/team/" --ca "$WORK/rootcert.pem" >/dev/null 2>&1 ;;
	esac
}
# verify_pinned KIND HOME [SIGN OPTIONS...]: verify $PG:v1 from a home pinned by KIND
verify_pinned() {
	local kind=$1 h=$2 opts
	shift 2
	opts=$(pinned "$kind" "$h")
	# shellcheck disable=SC2086
	"$SIGN" --home "$h" "$@" verify $opts "$PG:v1"
}

# --- the legitimate root verifies under every pin ------------------------------------
for kind in $KINDS; do
	run "legitimate root, pinned by $kind: verifies" 0 verify_pinned "$kind" "$WORK/legit-$kind"
	expect "… prints the publisher's digest" has "^$G@$DL\$" "$OUT"
done
PG=$GN
for kind in root-key trust-pin; do
	run "legitimate root through --trust-server, pinned by $kind: verifies" 0 \
		verify_pinned "$kind" "$WORK/legit-notary-$kind" --trust-server "$NH"
	expect "… prints the publisher's digest" has "^$GN@$DN\$" "$OUT"
done
"$SIGN" --home "$WORK/tofu-legit-notary" --trust-server "$NH" verify "$GN:v1" >/dev/null 2>&1
LEGIT_NROOT="$WORK/tofu-legit-notary/trust/$GN/metadata/root.json"
expect "the public root.json of the Notary GUN" test -s "$LEGIT_NROOT"
PG=$G

# --- the attacker's collection -------------------------------------------------------
DX=$(seed "$G:v1" 82) # the attacker's image under the tag
# attack MODE: replace G's collection in the registry with the attacker's,
# its root grafted by MODE (forge graft-pin)
attack() {
	local td acc="Accept: application/vnd.oci.image.manifest.v1+json" att="$WORK/attacker-${1%%:*}"
	td=$(curl -sf -I -H "$acc" "http://$REG/v2/team/app/manifests/_sign.trust" | tr -d '\r' |
		grep -i '^docker-content-digest:' | cut -d' ' -f2)
	[ -n "$td" ] && curl -sf -o /dev/null -X DELETE "http://$REG/v2/team/app/manifests/$td" &&
		"$SIGN" --home "$att" push "$G:v1" >/dev/null 2>&1 &&
		"$TOOLS/forge" graft-pin "$att" "$G:v1" "$LEGIT_ROOT" "$1"
}

run "attacker: a root listing the publisher's root certificate, signed by the attacker only" 0 attack list
run "… the forged collection is otherwise valid (trust on first use takes it)" 0 \
	"$SIGN" --home "$WORK/tofu-list" verify "$G:v1"
expect "… and prints the attacker's digest" has "^$G@$DX\$" "$OUT"
for kind in $KINDS; do
	run "forged root listing the pinned certificate, pinned by $kind: refused" 1 \
		verify_pinned "$kind" "$WORK/list-$kind"
	expect "… no root version is signed by the pinned key" has "no root version is signed by the pinned root key" "$ERR"
	expect "… listed, but not signed by it" has "lists the pinned root key but is not signed by it" "$ERR"
	expect "… the attacker's digest is not printed" lacks "$DX" "$OUT"
done

run "attacker: a root listing only the pinned key ID, with the attacker's certificate as its key" 0 attack "id:$ROOTID"
run "… the forged collection is otherwise valid (trust on first use takes it)" 0 \
	"$SIGN" --home "$WORK/tofu-id" verify "$G:v1"
for kind in $KINDS; do
	run "forged root claiming the pinned key ID, pinned by $kind: refused" 1 \
		verify_pinned "$kind" "$WORK/id-$kind"
	expect "… no root version is signed by the pinned key" has "no root version is signed by the pinned root key" "$ERR"
	expect "… the ID is no key of it" has "does not list the pinned root key" "$ERR"
	expect "… the attacker's digest is not printed" lacks "$DX" "$OUT"
done
run "attacker: a root claiming version 1000000000" 0 attack "version:1000000000"
run "pinned by --root-key: refused at once, not one request per version" 1 \
	timeout 120 "$SIGN" --home "$WORK/huge" verify --root-key "$WORK/root.pub" "$G:v1"
expect "… says why" has "version 1000000000 is too high to search for the pinned root" "$ERR"

# a home that pinned the root and cached it is not moved by the forgery either
run "a home that verified the legitimate root refuses the swap" 1 verify_pinned trust-pin "$WORK/legit-trust-pin"
expect "… says which root version is forged" has "root: 2.root.json holds version 1000000000" "$ERR"

# --- a hostile Notary server ------------------------------------------------------------
PG=$GN
AN="$WORK/attacker-notary"
DXN=$(seed "$GN:v1" 84) # the attacker's image under the tag
run "attacker: its own collection for the GUN on its Notary server" 0 \
	"$SIGN" --home "$AN" --trust-server "$NX" push "$GN:v1"
run "… then a root listing the publisher's root certificate" 0 \
	"$TOOLS/forge" graft-pin "$AN" "$GN:v1" "$LEGIT_NROOT" list "$NX"
run "… otherwise valid (trust on first use takes it)" 0 \
	"$SIGN" --home "$WORK/tofu-notary" --trust-server "$NX" verify "$GN:v1"
expect "… and prints the attacker's digest" has "^$GN@$DXN\$" "$OUT"
for kind in root-key trust-pin; do
	run "through --trust-server, pinned by $kind: refused" 1 \
		verify_pinned "$kind" "$WORK/notary-pinned-$kind" --trust-server "$NX"
	expect "… no root version is signed by the pinned key" has "no root version is signed by the pinned root key" "$ERR"
	expect "… listed, but not signed by it" has "lists the pinned root key but is not signed by it" "$ERR"
	expect "… the attacker's digest is not printed" lacks "$DXN" "$OUT"
done

finish
