#!/bin/bash
# test_publish_integrity.sh - what a publisher signs and publishes (issue 11):
# a push signs the digest of the bytes it uploaded or fetched, never what a
# registry names afterwards or in a header; a signed tag is never lost
# silently to a concurrent publisher.  The attacks are made by
# tests/tools/tufproxy in front of a real docker-registry.
. "$(dirname "$0")/../lib/common.sh"

start_registry reg

# One tufproxy in front of the registry, for the whole script: the GUN
# names host:port, so every command goes through it.  Its attack is read
# from $MODE at each request ("pass": none).  Sets P (host:port).
MODE="$WORK/proxy.mode"
PLOG="$WORK/proxy.log"
echo pass >"$MODE"
start_tufproxy_for "${REG##*:}" "$PLOG" "@$MODE"
P=$PROXY
attack() { echo "$*" >"$MODE"; }

# the attacker's image, already in the registry (another repository)
DX=$(seed "$REG/evil:x" 9)
curl -sf -H "Accept: application/vnd.oci.image.manifest.v1+json" \
	"http://$REG/v2/evil/manifests/x" >"$WORK/evil.json"
expect "the attacker's manifest is saved" test -s "$WORK/evil.json"
# and its blobs in the target repository, so that what it serves is whole
skopeo copy --quiet --src-tls-verify=false --dest-tls-verify=false "docker://$REG/evil:x" \
	"docker://$REG/app:evil" >/dev/null 2>&1

# --- defect 2: push --from signs what it uploaded --------------------------------
"$MKIMAGE" "$WORK/layout" v1 1 >"$WORK/d1"
D1=$(cat "$WORK/d1")
H="$WORK/home-publisher"
seed "$REG/app:base" 5 >/dev/null
run "the publisher signs a first tag" 0 "$SIGN" --home "$H" push "$P/app:base"

attack movetag-v1 "$WORK/evil.json $DX"
run "push --from through a registry that moves the tag after the upload" 2 \
	"$SIGN" --home "$H" push --from "oci:$WORK/layout:v1" "$P/app:v1"
expect "… the proxy did move the tag" has "^moved " "$PLOG"
expect "… names the digest uploaded" has "$D1" "$ERR"
expect "… names the digest the registry now serves" has "$DX" "$ERR"
expect "… says nothing was signed" has "nothing was signed" "$ERR"
attack pass
run "inspect the trust data after it" 0 "$SIGN" --home "$WORK/home-look1" -o json inspect "$P/app"
expect "… the attacker's digest is not signed" lacks "${DX#sha256:}" "$OUT"
expect "… nor is v1" lacks '"v1"' "$OUT"
if curl -sf -o /dev/null "http://$REG/v2/app/manifests/sha256-${DX#sha256:}.sig"; then
	bad "… no detached signature over the attacker's digest" "one exists"
else
	ok "… no detached signature over the attacker's digest"
fi

# the same push with no attack signs the uploaded digest
run "push --from, no attack" 0 "$SIGN" --home "$H" push --from "oci:$WORK/layout:v1" "$P/app:v1"
expect "… prints the uploaded digest" has "^$P/app@$D1\$" "$OUT"
run "… a fresh home verifies it" 0 "$SIGN" --home "$WORK/home-v1" verify "$P/app:v1"
expect "… at the uploaded digest" has "^$P/app@$D1\$" "$OUT"

# --- defect 2: a plain push hashes the manifest it fetched -----------------------
D2=$(seed "$REG/app:v2" 2)
attack liedigest-v2 "$DX"
run "plain push through a registry whose digest header lies" 2 "$SIGN" --home "$H" push "$P/app:v2"
expect "… the proxy did lie" has "^lied " "$PLOG"
expect "… names the digest of the content" has "$D2" "$ERR"
expect "… names the digest the header claims" has "$DX" "$ERR"
attack pass
run "inspect after it" 0 "$SIGN" --home "$WORK/home-look2" -o json inspect "$P/app"
expect "… the header's digest is not signed" lacks "${DX#sha256:}" "$OUT"
expect "… nor is v2" lacks '"v2"' "$OUT"

# --- defect 5: two publishers, one tag lost, noticed and published again --------
# Two homes with the same keys push different tags of one GUN.  The proxy
# holds every PUT of the trust manifest; the script releases them so that
# the second write, built on the state before the first, lands after the
# first push has read its own write back and exited 0: the first tag is
# lost from the published targets, deterministically.
HA="$WORK/home-a"
HB="$WORK/home-b"
seed "$REG/race:base" 20 >/dev/null
DA=$(seed "$REG/race:a" 21)
DB=$(seed "$REG/race:b" 22)
run "home a signs the GUN's first tag" 0 "$SIGN" --home "$HA" push "$P/race:base"
cp -a "$HA" "$HB"
HOLD="$WORK/hold"
mkdir -p "$HOLD"
# race N A_ARGS... -- B_ARGS...: `sign push A_ARGS` from home a and `sign
# push B_ARGS` from home b, each held at its trust PUT (#N and #N+1, so
# both build on the same state), a's released first: b's write replaces
# a's.  Sets ra and rb to their exit statuses.
race() {
	local n=$1 a=() pa pb
	shift
	while [ "$1" != -- ]; do
		a+=("$1")
		shift
	done
	shift
	attack holdput-_sign.trust "$HOLD"
	"$SIGN" --home "$HA" push "${a[@]}" >"$WORK/pa.out" 2>"$WORK/pa.err" &
	pa=$!
	wait_log "$PLOG" "held PUT .*/race/manifests/_sign.trust #$n"
	"$SIGN" --home "$HB" push "$@" >"$WORK/pb.out" 2>"$WORK/pb.err" &
	pb=$!
	wait_log "$PLOG" "held PUT .*/race/manifests/_sign.trust #$((n + 1))"
	echo go >"$HOLD/release.$n"
	wait $pa
	ra=$?
	echo go >"$HOLD/release.$((n + 1))"
	wait $pb
	rb=$?
	attack pass
}
race 1 "$P/race:a" -- "$P/race:b"
expect "home a's trust PUT was held" has "held PUT .*#1" "$PLOG"
expect "home b's trust PUT was held, built on the same state" has "held PUT .*#2" "$PLOG"
expect "home a's push exits 0" test "$ra" -eq 0
expect "home b's push exits 0" test "$rb" -eq 0
run "inspect: home b's write replaced home a's" 0 "$SIGN" --home "$WORK/home-race-look" -o json inspect "$P/race"
expect "… tag a is missing from the published trust data" lacks '"a"' "$OUT"
expect "… tag b is there" has '"b"' "$OUT"
run "home a's inspect notices it" 0 "$SIGN" --home "$HA" inspect "$P/race"
expect "… names the lost tag and the command that publishes it again" has "race:a, signed by this home at $DA, is missing from the published trust data.*sign trust refresh $P/race" "$ERR"
run "home a's next command (trust refresh) notices and publishes it again" 0 \
	"$SIGN" --home "$HA" trust refresh "$P/race"
expect "… says tag a was missing and is published again" has "race:a, signed by this home at $DA, was missing from the published trust data.*published it again" "$ERR"
run "a fresh home verifies both tags" 0 "$SIGN" --home "$WORK/home-race-v" verify "$P/race:a" "$P/race:b"
expect "… a at its digest" has "^$P/race@$DA\$" "$OUT"
expect "… b at its digest" has "^$P/race@$DB\$" "$OUT"
run "home a's next push confirms it and says nothing more" 0 "$SIGN" --home "$HA" push "$P/race:base"
expect "… no re-publication" lacks "was missing" "$ERR"
expect "… the journal is empty" has '{"tags":{}}' "$HA/trust/$P/race/journal.json"

# the same race on a new tag, then the publisher revokes it: a revoked tag is
# never published again (the PUTs are numbered on: #3 and #4)
DC=$(seed "$REG/race:c" 23)
seed "$REG/race:e" 26 >/dev/null
race 3 "$P/race:c" -- "$P/race:e"
expect "second race: both pushes exit 0" test "$ra$rb" = 00
run "… tag c is lost" 1 "$SIGN" --home "$WORK/home-race-v2" verify "$P/race:c"
expect "… says c is not signed" has "race:c is not signed: no trust data for that tag" "$ERR"
run "home a revokes the lost tag" 0 "$SIGN" --home "$HA" revoke "$P/race:c"
expect "… says it will not be published again" has "race:c, signed by this home at $DC, is not in the published trust data.*will not be published again" "$ERR"
run "home a's next refresh does not publish it" 0 "$SIGN" --home "$HA" trust refresh "$P/race"
expect "… no re-publication" lacks "was missing" "$ERR"
run "… c stays unsigned" 1 "$SIGN" --home "$WORK/home-race-v3" verify "$P/race:c"
expect "… says c is not signed" has "race:c is not signed: no trust data for that tag" "$ERR"

# another publisher re-signs our tag to another digest: theirs stands
DD=$(seed "$REG/race:d" 24)
run "home a signs d" 0 "$SIGN" --home "$HA" push "$P/race:d"
seed "$REG/race:d" 25 >/dev/null
DD2=$(seed "$REG/race:d" 25)
run "home b signs d again, at another image" 0 "$SIGN" --home "$HB" push "$P/race:d"
run "home a's next refresh" 0 "$SIGN" --home "$HA" trust refresh "$P/race"
expect "… says another publisher changed d and leaves it" has "race:d, signed by this home at $DD, is now signed to another digest by another publisher; leaving theirs" "$ERR"
run "… d verifies at the other publisher's digest" 0 "$SIGN" --home "$WORK/home-race-v4" verify "$P/race:d"
expect "… which is $DD2" has "^$P/race@$DD2\$" "$OUT"

# a signer push (--key) lost the same way: the signer's next push with that
# key publishes it again (the PUTs are numbered on: #5 and #6)
ALICE=$("$SIGN" --home "$HA" key generate --role alice)
"$SIGN" --home "$HA" key export "$ALICE" --public >"$WORK/alice.pub"
run "home a adds signer alice" 0 "$SIGN" --home "$HA" signer add alice "$P/race" --key "$WORK/alice.pub"
DS=$(seed "$REG/race:s" 27)
seed "$REG/race:f" 28 >/dev/null
seed "$REG/race:s2" 29 >/dev/null
race 5 --key "$ALICE" "$P/race:s" -- "$P/race:f"
expect "signer race: both pushes exit 0" test "$ra$rb" = 00
run "… the signer's tag s is lost" 1 "$SIGN" --home "$WORK/home-race-v5" verify "$P/race:s"
expect "… says s is not signed" has "race:s is not signed: no trust data for that tag" "$ERR"
run "home a's inspect names the command for the signer's tag" 0 "$SIGN" --home "$HA" inspect "$P/race"
expect "… sign push --key" has "race:s, signed by this home at $DS with signer key $ALICE, is missing.*sign push --key $ALICE $P/race:s" "$ERR"
run "the signer's next push publishes it again" 0 "$SIGN" --home "$HA" push --key "$ALICE" "$P/race:s2"
expect "… and says so" has "race:s, signed by this home at $DS, was missing from the published trust data.*published it again" "$ERR"
run "a fresh home verifies s, s2 and f" 0 "$SIGN" --home "$WORK/home-race-v6" verify "$P/race:s" "$P/race:s2" "$P/race:f"
expect "… s at its digest" has "^$P/race@$DS\$" "$OUT"

# --- a registry restored from backup: --republish ---------------------------------
# its own registry, reached directly; the GUN names its port, so a restart
# reuses its config (same port)
start_registry restore
R="$REG"
RDIR="$REG_DIR"
RPID=${PIDS##* }
H3="$WORK/home-owner"
seed "$R/rest:r1" 31 >/dev/null
R2D=$(seed "$R/rest:r2" 32)
run "restore: sign r1" 0 "$SIGN" --home "$H3" push "$R/rest:r1"
cp -a "$RDIR/data" "$WORK/backup-r1"
run "restore: sign r2 after the backup" 0 "$SIGN" --home "$H3" push "$R/rest:r2"
# restart_registry DATA: stop the registry, put DATA in place, start it again
NRST=0
restart_registry() {
	kill "$RPID" && wait "$RPID" 2>/dev/null
	rm -rf "$RDIR/data" && cp -a "$1" "$RDIR/data"
	NRST=$((NRST + 1))
	docker-registry serve "$RDIR/config.yml" >"$RDIR/log.$NRST" 2>&1 &
	RPID=$!
	PIDS="$PIDS $RPID"
	if ! wait_log "$RDIR/log.$NRST" "listening on"; then
		echo "could not restart docker-registry:" >&2
		cat "$RDIR/log.$NRST" >&2
		exit 1
	fi
}
restart_registry "$WORK/backup-r1"
run "restored registry: push from the owner's home is refused" 1 "$SIGN" --home "$H3" push "$R/rest:r1"
expect "… as rolled back" has "rolled back" "$ERR"
run "… and so is trust refresh" 1 "$SIGN" --home "$H3" trust refresh "$R/rest"
expect "… as rolled back" has "rolled back" "$ERR"
run "trust refresh --republish" 0 "$SIGN" --home "$H3" trust refresh --republish "$R/rest"
expect "… says what it did" has "republished the trust data of $R/rest over the older state the registry served: targets 1 -> 3" "$ERR"
run "a fresh home verifies the newer state's tags" 0 "$SIGN" --home "$WORK/home-rest-v" verify "$R/rest:r1" "$R/rest:r2"
expect "… r2 at its digest" has "^$R/rest@$R2D\$" "$OUT"
run "the owner pushes again" 0 "$SIGN" --home "$H3" push "$R/rest:r1"
run "--republish again: nothing to do" 0 "$SIGN" --home "$H3" trust refresh --republish "$R/rest"
expect "… says so" has "nothing to republish" "$ERR"

# a restore that is not an earlier state of this home's: another root
cp -a "$RDIR/data" "$WORK/backup-now"
rm -rf "$WORK/backup-empty" && cp -a "$WORK/backup-r1" "$WORK/backup-empty"
find "$WORK/backup-empty" -path '*/_manifests/tags/_sign.trust' -prune -exec rm -rf {} +
restart_registry "$WORK/backup-empty"
run "another home starts the GUN over with its own root" 0 "$SIGN" --home "$WORK/home-other" push "$R/rest:r1"
run "--republish over another home's root is refused" 1 "$SIGN" --home "$H3" trust refresh --republish "$R/rest"
expect "… says the served root is not this home's" has "not the root this home trusts" "$ERR"
expect "… and not an earlier state" has "not an earlier state of this home's trust data" "$ERR"
run "… and published nothing: the other home's state stands" 0 "$SIGN" --home "$WORK/home-other" trust refresh "$R/rest"

# a served state newer than the home's is no restore
restart_registry "$WORK/backup-now"
cp -a "$H3" "$WORK/home-owner-old"
run "the owner pushes r2 once more from its home" 0 "$SIGN" --home "$H3" push "$R/rest:r2"
R3D=$(seed "$R/rest:r3" 33)
run "… and r3" 0 "$SIGN" --home "$H3" push "$R/rest:r3"
run "--republish from a home copy that is behind is refused" 1 "$SIGN" --home "$WORK/home-owner-old" trust refresh --republish "$R/rest"
expect "… the served version is above the home's" has "is above this home's version" "$ERR"

finish
