#!/bin/bash
# test_signers.sh - signers (TUF delegations, issue 4): sign signer
# add|remove|list and sign push --key, against a real docker-registry and
# against a real notary-server (plain HTTP):
#   - signer add/list/remove (text and -o json), docker trust signer
#     semantics: targets/NAME and targets/releases;
#   - push --key with a signer key from another home, then verify -> 0;
#     neither the root key nor the repository key is needed;
#   - a threshold-2 role: one signature -> verify 1, two -> verify 0, and
#     the second signature leaves the signed content (version) unchanged;
#   - path prefixes: a tag outside the signer's paths is refused, and a role
#     file that lists one anyway does not verify;
#   - keys-example/add-signer.sh against a test registry;
#   - notary list reads the repository after every signer change.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/notary.sh"

ADD_SIGNER="$TOP/keys-example/add-signer.sh"

# jfield KEY FILE: the first string value of "KEY" in a JSON file
jfield() { tr -d '\n' <"$2" | grep -o "\"$1\":\"[^\"]*\"" | head -1 | sed 's/.*:"\(.*\)"$/\1/'; }
# key_of HOME ROLE [GUN]: key ID of the home's key for ROLE (and GUN)
key_of() {
	"$SIGN" --home "$1" -o json key list | tr -d ' \n' | grep -o '{[^}]*}' |
		grep "\"role\":\"$2\"" | grep "${3:+\"gun\":\"$3\"}" | head -1 |
		sed 's/.*"keyid":"\([0-9a-f]*\)".*/\1/'
}
# no_key_of HOME ROLE...: HOME's key list can be read and holds no key of any
# ROLE (a key list that fails is no proof of an empty home)
no_key_of() {
	local home=$1 list role
	shift
	list=$("$SIGN" --home "$home" -o json key list) || return 1
	list=$(printf '%s' "$list" | tr -d ' \n')
	for role; do
		case $list in
		*"\"role\":\"$role\""*) echo "# $home holds a $role key" >&2; return 1 ;;
		esac
	done
}
# signer_key HOME NAME OUTPUB: a signer key for NAME in HOME, public key to OUTPUB; prints its ID
signer_key() {
	local id
	id=$("$SIGN" --home "$1" key generate --role "$2") || return 1
	"$SIGN" --home "$1" key export "$id" --public >"$3" || return 1
	echo "$id"
}
# give_snapshot_keys FROM TO GUN: copy the GUN's snapshot and timestamp keys
# between homes (a registry signer's home needs them)
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
# role_version JSON ROLE: version of ROLE in `signer list -o json` output
role_version() {
	tr -d ' \n' <"$1" | grep -o "{\"role\":\"$2\"[^]]*][^]]*][^}]*}" | grep -o '"version":[0-9]*' | head -1 | cut -d: -f2
}

start_registry reg

###############################################################################
# registry backend
###############################################################################
P="$REG/sig"
A="$WORK/home-owner"
S1="$WORK/home-alice"
D1=$(seed "$P:v1" 1)
DR=$(seed "$P:release-1" 2)
run "owner signs v1 (creates the repository)" 0 "$SIGN" --home "$A" push "$P:v1"

ALICE=$(signer_key "$S1" alice "$WORK/alice.pub")
expect "a signer key made in the signer's home" test -n "$ALICE"
expect "… exported as a PEM public key" has "BEGIN PUBLIC KEY" "$WORK/alice.pub"

run "signer add alice" 0 as_signer env SIGN_REPOSITORY_PASSPHRASE="$SIGN_REPOSITORY_PASSPHRASE" \
	"$SIGN" --home "$A" signer add alice "$P" --key "$WORK/alice.pub"
expect "… says targets/alice" has "targets/alice" "$ERR"
run "signer list" 0 "$SIGN" --home "$A" signer list "$P"
expect "… shows targets/alice" has "^targets/alice" "$OUT"
expect "… and targets/releases" has "^targets/releases" "$OUT"
expect "… with alice's key" has "$ALICE" "$OUT"
run "signer list -o json" 0 "$SIGN" --home "$A" -o json signer list "$P"
expect "… role, keyids, paths, threshold" has "\"role\":\"targets/alice\",\"keyids\":\[\"$ALICE\"\],\"paths\":\[\"\"\],\"threshold\":1" "$OUT"
expect "… targets/releases lists alice's key" has "\"role\":\"targets/releases\",\"keyids\":\[\"$ALICE\"\]" "$OUT"
run "signer list from a home that only verifies" 0 "$SIGN" --home "$WORK/home-lister" signer list "$P"
expect "… shows the same roles" has "^targets/alice" "$OUT"

run "signer add without the repository passphrase fails" 2 as_signer "$SIGN" --home "$A" signer add bob "$P" --key "$WORK/alice.pub"
expect "… names the variable" has "SIGN_REPOSITORY_PASSPHRASE" "$ERR"
run "signer add releases is refused (reserved)" 2 "$SIGN" --home "$A" signer add releases "$P" --key "$WORK/alice.pub"
expect "… says the name is reserved" has "signer name \"releases\": .*(releases is reserved)" "$ERR"
run "signer add with a bad name" 2 "$SIGN" --home "$A" signer add "Bad/Name" "$P" --key "$WORK/alice.pub"
expect "… says what a name may hold" has "signer name \"Bad/Name\": use lower-case letters, digits, - and _" "$ERR"
run "signer add with a threshold above the key count" 2 "$SIGN" --home "$A" signer add alice "$P" --key "$WORK/alice.pub" --threshold 2
expect "… says why" has "threshold 2 but 1 key" "$ERR"
run "signer add of an unsigned GUN" 2 "$SIGN" --home "$A" signer add alice "$REG/nothing" --key "$WORK/alice.pub"
expect "… says the home holds no repository key for it" has "nothing: this home holds no repository key for it" "$ERR"
run "signer add with no --key is a usage error" 2 "$SIGN" --home "$A" signer add alice "$P"
expect "… says --key is needed" has "^sign: signer add needs --key PUB.pem" "$ERR"
run "signer add from a home without the repository key" 2 "$SIGN" --home "$S1" signer add alice "$P" --key "$WORK/alice.pub"
expect "… says so" has "holds no repository key" "$ERR"

# push --key: the signer's home holds only alice's key at first
run "push --key without snapshot/timestamp keys" 2 as_signer "$SIGN" --home "$S1" push --key "$ALICE" "$P:release-1"
expect "… explains what a registry signer needs" has "snapshot and timestamp keys" "$ERR"
expect "… and how to get them" has "sign key import" "$ERR"
give_snapshot_keys "$A" "$S1" "$P" || echo "# harness: copying snapshot/timestamp keys failed" >&2
run "push --key as alice (no root or repository key in that home)" 0 \
	env -u SIGN_ROOT_PASSPHRASE "$SIGN" --home "$S1" push --key "$ALICE" "$P:release-1"
expect "… prints REPO@digest" has "^$P@$DR\$" "$OUT"
expect "… signed into targets/releases and targets/alice" sh -c "grep -q 'targets/releases' '$ERR' && grep -q 'targets/alice' '$ERR'"
expect "… the home holds no root or repository key" no_key_of "$S1" root targets
run "verify (fresh home) accepts the signer's tag" 0 "$SIGN" --home "$WORK/home-v1" -o json verify "$P:release-1"
expect "… from targets/releases" has "\"role\":\"targets/releases\"" "$OUT"
expect "… detached signature by alice's key" has "$ALICE" "$OUT"
run "inspect lists the signer and who signed the tag" 0 "$SIGN" --home "$WORK/home-v1" -o json inspect "$P"
expect "… the tag signed by alice" sh -c "tr -d ' \n' <'$OUT' | grep -q '\"SignedTag\":\"release-1\",[^}]*\"Signers\":\[\"alice\"\]'"
expect "… alice among the signers" sh -c "tr -d ' \n' <'$OUT' | grep -q '\"Signers\":\[{\"Name\":\"alice\"'"
run "verify --key alice.pub (key-only)" 0 "$SIGN" --home "$WORK/home-v1" verify --key "$WORK/alice.pub" "$P:release-1"
run "the owner's tag still verifies" 0 "$SIGN" --home "$WORK/home-v1" verify "$P:v1"
run "push --key again" 0 as_signer env SIGN_REPOSITORY_PASSPHRASE="$SIGN_REPOSITORY_PASSPHRASE" \
	"$SIGN" --home "$S1" -o json push --key "$ALICE" "$P:release-1"
expect "… adds no duplicate signature" has "\"new_signature\":false" "$OUT"
run "signer list shows the tag" 0 "$SIGN" --home "$A" -o json signer list "$P"
expect "… under targets/alice" has "\"name\":\"alice\",\"status\":\"valid\",\"version\":1,\"tags\":\[\"release-1\"\]" "$OUT"
run "push --key with a key not in the home" 2 "$SIGN" --home "$S1" push --key "$(printf '%064d' 0)" "$P:release-1"
expect "… says there is no such key file" has "push --key 0\{64\}: reading .*0\{64\}\.key: no such file" "$ERR"
BOBK=$(signer_key "$S1" bob "$WORK/bob.pub")
run "push --key with a key that is no signer" 2 "$SIGN" --home "$S1" push --key "$BOBK" "$P:release-1"
expect "… says so" has "is not a signer" "$ERR"

# a second signer: its keys join targets/releases
run "signer add bob" 0 "$SIGN" --home "$A" -o json signer add bob "$P" --key "$WORK/bob.pub"
expect "… targets/releases lists both keys" sh -c "tr -d '\n' <'$OUT' | grep -q '\"releases\":{\"role\":\"targets/releases\",\"keyids\":\[\"$ALICE\",\"$BOBK\"\]'"
run "the signer's tag still verifies" 0 "$SIGN" --home "$WORK/home-v1" verify "$P:release-1"

# remove
run "signer remove alice" 0 "$SIGN" --home "$A" -o json signer remove alice "$P"
expect "… keeps bob in targets/releases only" has "\"releases\":{\"role\":\"targets/releases\",\"keyids\":\[\"$BOBK\"\]" "$OUT"
run "… signer list no longer shows alice" 0 "$SIGN" --home "$A" signer list "$P"
expect "… no targets/alice" lacks "^targets/alice" "$OUT"
expect "… no alice key" lacks "$ALICE" "$OUT"
run "… alice's tag no longer verifies" 1 "$SIGN" --home "$WORK/home-v1" verify "$P:release-1"
expect "… says targets/releases did not verify" has "sig:release-1 is not signed: targets/releases did not verify" "$ERR"
run "signer remove of an unknown signer" 2 "$SIGN" --home "$A" signer remove alice "$P"
expect "… says so" has "has no signer alice" "$ERR"
run "signer remove bob (the last signer)" 0 "$SIGN" --home "$A" signer remove bob "$P"
run "… signer list: no signers" 0 "$SIGN" --home "$A" -o json signer list "$P"
expect "… empty" has "\"roles\":\[\]" "$OUT"
run "… the owner's tag still verifies" 0 "$SIGN" --home "$WORK/home-v1" verify "$P:v1"

# --- threshold 2: a two-person release ------------------------------------------
P2="$REG/two"
seed "$P2:v1" 3 >/dev/null
D2=$(seed "$P2:rel" 4)
run "owner signs $P2:v1" 0 "$SIGN" --home "$A" push "$P2:v1"
C1=$(signer_key "$WORK/home-c1" ci "$WORK/c1.pub")
# the second key made with openssl and imported (forge below needs its plain PEM)
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$WORK/c2.key" 2>/dev/null
openssl pkey -in "$WORK/c2.key" -pubout -out "$WORK/c2.pub"
C2=$("$SIGN" --home "$WORK/home-c2" key import "$WORK/c2.key" --role ci)
run "signer add ci --key c1 --key c2 --threshold 2" 0 "$SIGN" --home "$A" -o json signer add ci "$P2" \
	--key "$WORK/c1.pub" --key "$WORK/c2.pub" --threshold 2
expect "… targets/ci: both keys, threshold 2" has "\"signer_role\":{\"role\":\"targets/ci\",\"keyids\":\[\"$C1\",\"$C2\"\],\"paths\":\[\"\"\],\"threshold\":2}" "$OUT"
expect "… targets/releases: threshold 2" has "\"releases\":{\"role\":\"targets/releases\",\"keyids\":\[\"$C1\",\"$C2\"\],\"paths\":\[\"\"\],\"threshold\":2}" "$OUT"
give_snapshot_keys "$A" "$WORK/home-c1" "$P2" || echo "# harness: key copy failed" >&2
give_snapshot_keys "$A" "$WORK/home-c2" "$P2" || echo "# harness: key copy failed" >&2
run "first signer signs rel" 0 "$SIGN" --home "$WORK/home-c1" push --key "$C1" "$P2:rel"
expect "… warns that more signers are needed" has "needs more signers:.*targets/releases (1 of 2)" "$ERR"
run "… verify: one signature of two is not enough" 1 "$SIGN" --home "$WORK/home-v2" verify "$P2:rel"
expect "… says the role did not verify" has "targets/releases did not verify (too few signatures" "$ERR"
run "… signer list: targets/releases not valid yet" 0 "$SIGN" --home "$A" -o json signer list "$P2"
expect "… status not-valid" has "\"name\":\"releases\",\"status\":\"not-valid\"" "$OUT"
run "… the first signer again adds nothing" 0 "$SIGN" --home "$WORK/home-c1" -o json push --key "$C1" "$P2:rel"
expect "… no new detached signature" has "\"new_signature\":false" "$OUT"
run "… still one of two" 1 "$SIGN" --home "$WORK/home-v2" verify "$P2:rel"
expect "… says targets/releases did not verify" has "two:rel is not signed: targets/releases did not verify (too few signatures for its threshold" "$ERR"
# the owner pushes another tag meanwhile: the half-signed role file stays
seed "$P2:owner" 97 >/dev/null
run "owner pushes another tag during the two-person release" 0 "$SIGN" --home "$A" push "$P2:owner"
"$SIGN" --home "$WORK/home-c1" -o json signer list "$P2" >"$WORK/two-before.json" 2>/dev/null
run "second signer signs the same tag and digest" 0 "$SIGN" --home "$WORK/home-c2" push --key "$C2" "$P2:rel"
expect "… no warning left" lacks "needs more signers" "$ERR"
run "… verify: two signatures meet the threshold" 0 "$SIGN" --home "$WORK/home-v2" -o json verify "$P2:rel"
expect "… the digest" has "$D2" "$OUT"
expect "… both detached signatures count" sh -c "grep -q '$C1' '$OUT' && grep -q '$C2' '$OUT'"
run "… a fresh home agrees" 0 "$SIGN" --home "$WORK/home-v3" verify "$P2:rel"
run "… signer list: valid" 0 "$SIGN" --home "$A" -o json signer list "$P2"
expect "… targets/releases valid" has "\"name\":\"releases\",\"status\":\"valid\"" "$OUT"
expect "… the co-signature kept the version (same signed content)" test "$(role_version "$OUT" targets/ci)" = 1
"$SIGN" --home "$WORK/home-c1" -o json signer list "$P2" >/dev/null 2>&1
expect "… targets/releases version 1 too" test "$(role_version "$OUT" targets/releases)" = 1
# the threshold is also checked on the detached signatures (step 6): with
# both role files complete, removing one detached signature fails verify
run "… verify --key c1.pub (key-only)" 0 "$SIGN" --home "$WORK/home-v3" verify --key "$WORK/c1.pub" "$P2:rel"
run "forge: the detached signatures replaced by one of c2's" 0 "$TOOLS/forge" badsig "$WORK/home-c2" "$P2:rel" "$WORK/c2.key"
run "… verify: one detached signature of two fails (step 6 threshold)" 1 "$SIGN" --home "$WORK/home-v3" verify "$P2:rel"
expect "… says 1 of 2" has "1 valid signature(s), the role needs 2" "$ERR"

# --- paths: a signer may sign only its prefixes ---------------------------------
P3="$REG/paths"
seed "$P3:v1" 5 >/dev/null
D3R=$(seed "$P3:release-2" 6)
seed "$P3:dev-1" 7 >/dev/null
run "owner signs $P3:v1" 0 "$SIGN" --home "$A" push "$P3:v1"
R1=$(signer_key "$WORK/home-r" rel "$WORK/r.pub")
run "signer add rel --paths release-" 0 "$SIGN" --home "$A" -o json signer add rel "$P3" --key "$WORK/r.pub" --paths release-
expect "… targets/rel paths" has "\"role\":\"targets/rel\",\"keyids\":\[\"$R1\"\],\"paths\":\[\"release-\"\]" "$OUT"
expect "… targets/releases takes the signers' paths" has "\"role\":\"targets/releases\",\"keyids\":\[\"$R1\"\],\"paths\":\[\"release-\"\]" "$OUT"
give_snapshot_keys "$A" "$WORK/home-r" "$P3" || echo "# harness: key copy failed" >&2
run "push --key of dev-1 (outside the paths) is refused" 2 "$SIGN" --home "$WORK/home-r" push --key "$R1" "$P3:dev-1"
expect "… says which prefixes are allowed" has "may sign only tags starting with \"release-\"" "$ERR"
run "… nothing was signed" 1 "$SIGN" --home "$WORK/home-v4" verify "$P3:dev-1"
expect "… says dev-1 is not signed" has "paths:dev-1 is not signed: no trust data for that tag" "$ERR"
run "push --key of release-2 (inside)" 0 "$SIGN" --home "$WORK/home-r" push --key "$R1" "$P3:release-2"
run "… verifies" 0 "$SIGN" --home "$WORK/home-v4" verify "$P3:release-2"
expect "… the digest" has "$D3R" "$OUT"
# a role file that lists a tag outside the paths: sign dev-1 while the
# paths allow it, then narrow them (the file still lists dev-1)
P4="$REG/narrow"
seed "$P4:v1" 8 >/dev/null
seed "$P4:dev-1" 9 >/dev/null
run "owner signs $P4:v1" 0 "$SIGN" --home "$A" push "$P4:v1"
N1=$(signer_key "$WORK/home-n" dev "$WORK/n.pub")
run "signer add dev (all paths)" 0 "$SIGN" --home "$A" signer add dev "$P4" --key "$WORK/n.pub"
give_snapshot_keys "$A" "$WORK/home-n" "$P4" || echo "# harness: key copy failed" >&2
run "push --key dev-1" 0 "$SIGN" --home "$WORK/home-n" push --key "$N1" "$P4:dev-1"
run "… verifies" 0 "$SIGN" --home "$WORK/home-v5" verify "$P4:dev-1"
run "signer add dev --paths release- (narrowed)" 0 "$SIGN" --home "$A" signer add dev "$P4" --key "$WORK/n.pub" --paths release-
run "… the role file still lists dev-1: verify fails" 1 "$SIGN" --home "$WORK/home-v5" verify "$P4:dev-1"
expect "… not signed" has "not signed" "$ERR"
run "… and from a fresh home" 1 "$SIGN" --home "$WORK/home-v6" verify "$P4:dev-1"
expect "… says dev-1 is not signed" has "narrow:dev-1 is not signed: no trust data for that tag" "$ERR"

# --- keys-example/add-signer.sh -------------------------------------------------
P5="$REG/script"
seed "$P5:v1" 10 >/dev/null
run "owner signs $P5:v1" 0 "$SIGN" --home "$A" push "$P5:v1"
K5=$(signer_key "$WORK/home-k5" carol "$WORK/carol.pub")
run "add-signer.sh NAME GUN PUB.pem (non-interactive)" 0 \
	env SIGN="$SIGN" SIGN_HOME="$A" "$ADD_SIGNER" carol "$P5" "$WORK/carol.pub" </dev/null
expect "… prints the roles" has "targets/carol" "$OUT"
run "… signer list shows carol" 0 "$SIGN" --home "$A" signer list "$P5"
expect "… with her key" has "$K5" "$OUT"
run "add-signer.sh without the passphrase fails clearly" 2 \
	env -u SIGN_REPOSITORY_PASSPHRASE SIGN="$SIGN" SIGN_HOME="$A" "$ADD_SIGNER" carol "$P5" "$WORK/carol.pub" </dev/null
expect "… names the variable" has "SIGN_REPOSITORY_PASSPHRASE" "$ERR"
run "add-signer.sh with missing arguments" 2 env SIGN="$SIGN" "$ADD_SIGNER" carol
expect "… prints its usage" has "^usage: .*add-signer.sh NAME GUN PUB.pem" "$ERR"

###############################################################################
# notary backend
###############################################################################
if ! command -v notary-server >/dev/null 2>&1 || ! command -v notary >/dev/null 2>&1; then
	echo "# skipped: notary backend: notary-server / notary not installed"
	finish
	exit $?
fi
start_notary notary-signers
# notary_list_has TAG HEX ROLE FILE: a line of `notary list` output
notary_list_has() { grep -Eq "^$1[[:space:]]+$2[[:space:]]+[0-9]+[[:space:]]+$3[[:space:]]*\$" "$4"; }
NP="$REG/n-sig"
NA="$WORK/home-n-owner"
seed "$NP:v1" 11 >/dev/null
DN=$(seed "$NP:release-1" 12)
run "[notary] owner signs v1" 0 sign_ts --home "$NA" push "$NP:v1"
NALICE=$(signer_key "$WORK/home-n-alice" alice "$WORK/n-alice.pub")
run "[notary] signer add alice" 0 sign_ts --home "$NA" signer add alice "$NP" --key "$WORK/n-alice.pub"
run "[notary] … notary list reads the repository" 0 notary_cli list "$NP"
expect "[notary] … v1 in targets" notary_list_has v1 "[0-9a-f]{64}" targets "$OUT"
run "[notary] … notary delegation list shows the roles" 0 notary_cli delegation list "$NP"
expect "[notary] … targets/alice" has "targets/alice" "$OUT"
expect "[notary] … targets/releases" has "targets/releases" "$OUT"
run "[notary] signer list" 0 sign_ts --home "$NA" -o json signer list "$NP"
expect "[notary] … alice's key" has "\"role\":\"targets/alice\",\"keyids\":\[\"$NALICE\"\]" "$OUT"
# the signer's home: alice's key only; the server makes snapshot and timestamp
run "[notary] push --key as alice (no root, repository, snapshot or timestamp key)" 0 \
	as_signer sign_ts --home "$WORK/home-n-alice" push --key "$NALICE" "$NP:release-1"
expect "[notary] … prints REPO@digest" has "^$NP@$DN\$" "$OUT"
run "[notary] … notary list shows the tag under its role" 0 notary_cli list "$NP"
expect "[notary] … release-1 under a signer role" notary_list_has release-1 "${DN#sha256:}" "targets/(releases|alice)" "$OUT"
run "[notary] … verify (fresh home)" 0 sign_ts --home "$WORK/home-n-v1" -o json verify "$NP:release-1"
expect "[notary] … from targets/releases" has "\"role\":\"targets/releases\"" "$OUT"
run "[notary] … notary lookup finds it" 0 notary_cli lookup "$NP" release-1
expect "[notary] … with the digest" has "${DN#sha256:}" "$OUT"

# threshold 2
NP2="$REG/n-two"
seed "$NP2:v1" 13 >/dev/null
DN2=$(seed "$NP2:rel" 14)
run "[notary] owner signs $NP2:v1" 0 sign_ts --home "$NA" push "$NP2:v1"
# a Notary server takes a delegation file only with its threshold of
# signatures: one signer's push is refused; a home holding two of the
# role's keys signs with both at once (--key ID1,ID2)
NC1=$(signer_key "$WORK/home-n-cc" ci "$WORK/n-c1.pub")
NC2=$(signer_key "$WORK/home-n-cc" ci "$WORK/n-c2.pub")
run "[notary] signer add ci --threshold 2" 0 sign_ts --home "$NA" signer add ci "$NP2" \
	--key "$WORK/n-c1.pub" --key "$WORK/n-c2.pub" --threshold 2
run "[notary] … notary list reads the repository" 0 notary_cli list "$NP2"
run "[notary] … notary delegation list: threshold 2" 0 notary_cli delegation list "$NP2"
expect "[notary] … targets/ci" has "targets/ci" "$OUT"
run "[notary] one signer alone is refused by the server" 2 as_signer sign_ts --home "$WORK/home-n-cc" push --key "$NC1" "$NP2:rel"
expect "[notary] … the server's reason" has "did not meet threshold" "$ERR"
expect "[notary] … and what to do" has "ID1,ID2" "$ERR"
run "[notary] … verify: not signed" 1 sign_ts --home "$WORK/home-n-v2" verify "$NP2:rel"
expect "[notary] … says rel is not signed" has "n-two:rel is not signed: no trust data for that tag" "$ERR"
run "[notary] … notary list still reads the repository" 0 notary_cli list "$NP2"
expect "[notary] … without the tag" lacks "^rel " "$OUT"
run "[notary] two keys of the role sign at once" 0 as_signer sign_ts --home "$WORK/home-n-cc" -o json push --key "$NC1,$NC2" "$NP2:rel"
expect "[notary] … no pending warning" lacks "needs more signers" "$ERR"
run "[notary] … verify: two of two" 0 sign_ts --home "$WORK/home-n-v2" verify "$NP2:rel"
expect "[notary] … the digest" has "$DN2" "$OUT"
run "[notary] … notary list shows the tag under its role" 0 notary_cli list "$NP2"
expect "[notary] … rel under a signer role" notary_list_has rel "${DN2#sha256:}" "targets/(releases|ci)" "$OUT"
run "[notary] … registry detached signatures by both keys" 0 "$SIGN" --home "$WORK/home-n-v2" verify --key "$WORK/n-c2.pub" "$NP2:rel"

# paths
NP3="$REG/n-paths"
seed "$NP3:v1" 15 >/dev/null
seed "$NP3:dev-1" 16 >/dev/null
run "[notary] owner signs $NP3:v1" 0 sign_ts --home "$NA" push "$NP3:v1"
NR=$(signer_key "$WORK/home-n-r" rel "$WORK/n-r.pub")
run "[notary] signer add rel --paths release-" 0 sign_ts --home "$NA" signer add rel "$NP3" --key "$WORK/n-r.pub" --paths release-
run "[notary] … notary list reads the repository" 0 notary_cli list "$NP3"
run "[notary] push --key of dev-1 is refused" 2 as_signer sign_ts --home "$WORK/home-n-r" push --key "$NR" "$NP3:dev-1"
expect "[notary] … says which prefixes" has "may sign only tags starting with \"release-\"" "$ERR"
run "[notary] … dev-1 does not verify" 1 sign_ts --home "$WORK/home-n-v3" verify "$NP3:dev-1"
expect "[notary] … says dev-1 is not signed" has "n-paths:dev-1 is not signed: no trust data for that tag" "$ERR"

# remove
run "[notary] signer remove alice" 0 sign_ts --home "$NA" signer remove alice "$NP"
run "[notary] … notary list reads the repository" 0 notary_cli list "$NP"
expect "[notary] … v1 still in targets" notary_list_has v1 "[0-9a-f]{64}" targets "$OUT"
run "[notary] … notary delegation list: no targets/alice" 0 notary_cli delegation list "$NP"
expect "[notary] … gone" lacks "targets/alice" "$OUT"
run "[notary] … signer list: no roles" 0 sign_ts --home "$NA" -o json signer list "$NP"
expect "[notary] … empty" has "\"roles\":\[\]" "$OUT"
run "[notary] … release-1 no longer verifies" 1 sign_ts --home "$WORK/home-n-v1" verify "$NP:release-1"
expect "[notary] … says release-1 is not signed" has "n-sig:release-1 is not signed: no trust data for that tag" "$ERR"
run "[notary] … v1 still does" 0 sign_ts --home "$WORK/home-n-v1" verify "$NP:v1"

finish
