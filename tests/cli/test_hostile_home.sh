#!/bin/bash
# test_hostile_home.sh - hostile local files and a hostile environment:
#   - a FIFO (or device) where a file is read: refused at once, never waited on;
#   - a home, private/ or config.json that another user can write or owns:
#     refused with the chmod/chown to run, as OpenSSH's StrictModes;
#   - the library reads no environment variable (the CLI turns them into
#     options) and the release build has no fault-injection hook.
# Every sign call that could hang on a regression runs under `timeout 20`.
. "$(dirname "$0")/../lib/common.sh"

H="$WORK/home"
V="$WORK/verifier"

# --- FIFOs in an OCI layout ------------------------------------------------------------
F="$WORK/fifo-index"
"$MKIMAGE" "$F" v1 61 >/dev/null
rm -f "$F/index.json"
mkfifo "$F/index.json"
run "a FIFO as index.json: exit 2 at once" 2 timeout 20 "$SIGN" --home "$V" --timeout 5 verify "oci:$F:v1"
expect "… naming the file, not a regular file" has "$F/index.json: not a regular file" "$ERR"

F="$WORK/fifo-layout"
"$MKIMAGE" "$F" v1 62 >/dev/null
rm -f "$F/oci-layout"
mkfifo "$F/oci-layout"
run "a FIFO as oci-layout: exit 2 at once" 2 timeout 20 "$SIGN" --home "$V" --timeout 5 verify "oci:$F:v1"
expect "… naming the file, not a regular file" has "$F/oci-layout: not a regular file" "$ERR"

# a signed layout whose trust artifact manifest (the first blob verify reads)
# is a FIFO
L="$WORK/layout"
"$MKIMAGE" "$L" v1 63 >/dev/null
run "push into a layout" 0 "$SIGN" --home "$H" push "oci:$L:v1"
run "… verifies" 0 "$SIGN" --home "$V" verify "oci:$L:v1"
# the trust artifact's manifest: the one blob naming its artifact type
TD=$(grep -l 'application/vnd.sign.trust.v1' "$L"/blobs/sha256/* | head -1)
TD="sha256:${TD##*/}"
expect "the layout has a trust artifact" grep -q "\"$TD\".*\"_sign.trust\"" "$L/index.json"
mv "$L/blobs/sha256/${TD#sha256:}" "$WORK/trust-manifest"
mkfifo "$L/blobs/sha256/${TD#sha256:}"
run "a FIFO as a blob: exit 2 at once" 2 timeout 20 "$SIGN" --home "$V" --timeout 5 verify "oci:$L:v1"
expect "… naming the blob file, not a regular file" has "blobs/sha256/${TD#sha256:}: not a regular file" "$ERR"
rm -f "$L/blobs/sha256/${TD#sha256:}"
mv "$WORK/trust-manifest" "$L/blobs/sha256/${TD#sha256:}"
run "… the real blob back: verifies again" 0 "$SIGN" --home "$V" verify "oci:$L:v1"

# push --from streams a layout's blobs to the registry: a FIFO layer
start_registry reg
S="$WORK/src"
"$MKIMAGE" "$S" rel 64 >/dev/null
LAYER=$(grep -o 'sha256:[0-9a-f]\{64\}' "$S/index.json" | head -1)
LAYER=$(sed 's/.*"layers":\[{[^}]*"digest":"\(sha256:[0-9a-f]*\)".*/\1/' "$S/blobs/sha256/${LAYER#sha256:}")
rm -f "$S/blobs/sha256/${LAYER#sha256:}"
mkfifo "$S/blobs/sha256/${LAYER#sha256:}"
run "push --from a layout with a FIFO layer: exit 2 at once" 2 \
	timeout 20 "$SIGN" --home "$H" --timeout 5 push --from "oci:$S:rel" "$REG/fifo:1"
expect "… naming the blob file, not a regular file" has "blobs/sha256/${LAYER#sha256:}: not a regular file" "$ERR"

# the docker config, read when a registry asks for credentials (a symbolic
# link is followed, to a regular file only)
start_auth_registry auth
mkfifo "$WORK/fifo-config"
mkdir -p "$WORK/dc-fifo"
ln -s "$WORK/fifo-config" "$WORK/dc-fifo/config.json"
run "a docker config linked to a FIFO: exit 2 at once" 2 \
	env DOCKER_CONFIG="$WORK/dc-fifo" timeout 20 "$SIGN" --home "$V" --timeout 5 verify "$AUTHREG/app:1"
expect "… naming the file, not a regular file" has "dc-fifo/config.json: not a regular file" "$ERR"

# --root-key and the home's own files
mkfifo "$WORK/root-fifo.pub"
run "a FIFO as --root-key: exit 2 at once" 2 \
	timeout 20 "$SIGN" --home "$V" --timeout 5 verify --root-key "$WORK/root-fifo.pub" "oci:$L:v1"
expect "… naming the file, not a regular file" has "root-fifo.pub: not a regular file" "$ERR"
mkfifo "$WORK/ca-fifo.pem"
run "a FIFO as --ca-file: exit 2 at once" 2 \
	timeout 20 "$SIGN" --home "$V" --timeout 5 --ca-file "$WORK/ca-fifo.pem" verify "$REG/fifo:1"
expect "… naming the file, not a regular file" has "ca-fifo.pem: not a regular file" "$ERR"
mkfifo "$V/config.json"
run "a FIFO as the home's config.json: exit 2 at once" 2 timeout 20 "$SIGN" --home "$V" --timeout 5 verify "oci:$L:v1"
expect "… naming the file" has "$V/config.json" "$ERR"
rm -f "$V/config.json"
# a trust pinning CA rule whose bundle is a FIFO (the prefix "" applies to every GUN)
mkfifo "$WORK/ca-bundle-fifo.pem"
VC="$WORK/home-ca-fifo"
mkdir -m 700 "$VC"
printf '{"trust_pinning":{"ca":{"":"%s"}}}\n' "$WORK/ca-bundle-fifo.pem" >"$VC/config.json"
chmod 600 "$VC/config.json"
run "a FIFO as a CA rule's bundle: exit 2 at once" 2 timeout 20 "$SIGN" --home "$VC" --timeout 5 verify "oci:$L:v1"
expect "… naming the bundle, not a regular file" has "ca-bundle-fifo.pem: not a regular file" "$ERR"

# --- a home that someone else can write or owns ------------------------------------------
# (the tests run as root; /tmp, where $WORK is, is sticky and so accepted)
# refused NAME PATH HINT HOME: sign refuses HOME naming PATH, with HINT
refused() {
	run "$1: refused with exit 2" 2 timeout 20 "$SIGN" --home "$4" key list
	expect "… names $2" has "^sign: refusing .*$2" "$ERR"
	expect "… hint: $3" has "^hint: $3" "$ERR"
}
for m in 0777 0770 0722 1777; do
	mkdir -p "$WORK/h$m"
	chmod "$m" "$WORK/h$m"
	refused "a home with mode $m" "$WORK/h$m" "chmod 700 $WORK/h$m\$" "$WORK/h$m"
done
expect "… says who can write it" has "every user can write it (mode 1777)" "$ERR"
run "a home with mode 0770: says its group" 2 "$SIGN" --home "$WORK/h0770" key list
expect "… its group can write it" has "its group can write it (mode 0770)" "$ERR"

P="$WORK/hp"
run "a home with keys" 0 "$SIGN" --home "$P" key generate --name k1
chmod 0777 "$P/private"
refused "private/ with mode 0777" "$P/private" "chmod 700 $P/private\$" "$P"
chmod 0700 "$P/private"
run "… with mode 0700 again: accepted" 0 "$SIGN" --home "$P" key list

C="$WORK/hc"
mkdir -m 0700 "$C"
echo '{"trust_pinning":{"disable_tofu":true}}' >"$C/config.json"
chmod 0666 "$C/config.json"
refused "config.json with mode 0666" "$C/config.json" "chmod 600 $C/config.json\$" "$C"
chmod 0620 "$C/config.json"
refused "config.json with mode 0620" "$C/config.json" "chmod 600 $C/config.json\$" "$C"
chmod 0644 "$C/config.json"
run "… with mode 0644: accepted" 0 "$SIGN" --home "$C" key list

O="$WORK/ho"
mkdir -m 0700 "$O"
chown nobody "$O"
refused "a home owned by another user" "$O" "chown -R 0 $O" "$O"
expect "… says whose it is" has "owned by uid $(id -u nobody), not by you (uid 0)" "$ERR"
chown root "$O"
echo '{}' >"$O/config.json"
chown nobody "$O/config.json"
refused "a config.json owned by another user" "$O/config.json" "chown 0 $O/config.json" "$O"
rm -f "$O/config.json"

W="$WORK/ww"
mkdir -m 0777 "$W"
refused "a home in a folder every user can write (not sticky)" "$W" "chmod go-w $W\$" "$W/sub/home"
expect "… names the home too" has "refusing home $W/sub/home: folder $W on its path" "$ERR"
run "… which is not made" 0 test ! -e "$W/sub"
chmod 1777 "$W"
run "a home in a sticky folder (as /tmp): accepted" 0 "$SIGN" --home "$W/sub/home" key list

mkdir -m 0700 "$WORK/h0700"
run "a home with mode 0700: accepted" 0 "$SIGN" --home "$WORK/h0700" key list
mkdir -m 0755 "$WORK/h0755"
run "a home with mode 0755: accepted" 0 "$SIGN" --home "$WORK/h0755" key list

# as a user other than root: its own home is accepted, another user's
# refused, root's accepted (root can change anything anyway)
if command -v setpriv >/dev/null && [ "$(id -u)" -eq 0 ]; then
	AS_NOBODY="setpriv --reuid=nobody --regid=nogroup --clear-groups"
	U="$WORK/users"
	mkdir -m 0711 "$U"
	chmod 0711 "$WORK"
	mkdir -m 0700 "$U/nobody" "$U/daemon"
	chown nobody "$U/nobody"
	chown daemon "$U/daemon"
	run "as nobody: a home of nobody's" 0 timeout 20 $AS_NOBODY "$SIGN" --home "$U/nobody" key list
	run "as nobody: a home of daemon's" 2 timeout 20 $AS_NOBODY "$SIGN" --home "$U/daemon" key list
	expect "… refused, naming the owner" has "refusing home $U/daemon: it is owned by uid $(id -u daemon), not by you (uid $(id -u nobody)) or root" "$ERR"
	expect "… with the chown to run" has "^hint: chown -R $(id -u nobody) $U/daemon" "$ERR"
	mkdir -m 0777 "$U/nobody/open"
	chown nobody "$U/nobody/open"
	run "as nobody: a home under a folder of nobody's that all can write" 2 timeout 20 $AS_NOBODY "$SIGN" --home "$U/nobody/open/h" key list
	expect "… names that folder" has "folder $U/nobody/open on its path can be written by others" "$ERR"
	chmod 0700 "$WORK"
else
	echo "# setpriv or root missing: the other-user checks are skipped"
fi

# --- the library reads no environment variable; the CLI passes them ------------------------
# (nm and strings write to files first: a grep that finds nothing in the
# output of a tool that failed must not pass)
run "nm reads libsign.a" 0 sh -c "nm '$BUILD/libsign.a' >'$WORK/nm-a'"
expect "… and lists its symbols" has " T sign_verify\$" "$WORK/nm-a"
run "nm -D reads libsign.so" 0 sh -c "nm -D '$BUILD/libsign.so' >'$WORK/nm-so'"
expect "… and lists its symbols, versioned by libsign.sym" has " T sign_verify@@LIBSIGN_0\$" "$WORK/nm-so"
run "strings reads the release library and sign" 0 \
	sh -c "strings '$BUILD/libsign.a' '$BUILD/libsign.so' '$BUILD/sign' >'$WORK/strings-rel'"
expect "… and finds their text" has "sign_verify" "$WORK/strings-rel"
run "libsign.a calls no getenv" 1 grep -i 'getenv' "$WORK/nm-a"
expect "… nm lists no getenv" test ! -s "$OUT" -a ! -s "$ERR"
run "libsign.so calls no getenv" 1 grep -i 'getenv' "$WORK/nm-so"
expect "… nm -D lists no getenv" test ! -s "$OUT" -a ! -s "$ERR"
run "the release library and sign have no fault-injection hook" 1 \
	grep 'signp_test_fail_after\|SIGN_TEST_FAIL_AFTER' "$WORK/nm-a" "$WORK/strings-rel"
expect "… neither its symbol nor its variable" test ! -s "$OUT" -a ! -s "$ERR"
run "… the test build has it" 0 sh -c "strings '$TOOLS/sign-hooks' | grep -q 'stopped after %s (SIGN_TEST_FAIL_AFTER)'"

# what the CLI turns into options still works: SIGN_HOME, else $HOME/.sign
EH="$WORK/envhome"
mkdir -m 0700 "$EH"
run "SIGN_HOME names the home" 0 env SIGN_HOME="$EH/sign-home" "$SIGN" key generate --name k2
expect "… the key is there" test -n "$(ls "$EH/sign-home/private")"
run "HOME/.sign without SIGN_HOME" 0 env -u SIGN_HOME HOME="$EH" "$SIGN" key generate --name k3
expect "… the key is there" test -n "$(ls "$EH/.sign/private")"
run "SIGN_HOME that all can write: refused" 2 env SIGN_HOME="$WORK/h0777" "$SIGN" key list
expect "… naming it" has "refusing home $WORK/h0777" "$ERR"
run "SIGN_DISABLE_TOFU=1: a fresh home refuses an unpinned GUN" 1 \
	env SIGN_DISABLE_TOFU=1 "$SIGN" --home "$WORK/tofu-off" verify "oci:$L:v1"
expect "… says trust on first use is disabled" has "root of local/layout: trust on first use is disabled and no root is pinned" "$ERR"
run "… without it, trusted on first use" 0 "$SIGN" --home "$WORK/tofu-on" verify "oci:$L:v1"

# credentials: DOCKER_AUTH_CONFIG, DOCKER_CONFIG, $HOME/.docker (the auth registry above)
"$MKIMAGE" "$WORK/authimg" v1 65 >/dev/null
skopeo copy --quiet --dest-creds alice:s3cret --dest-tls-verify=false "oci:$WORK/authimg:v1" "docker://$AUTHREG/app:1"
AUTHJSON=$(printf '{"auths":{"%s":{"auth":"%s"}}}' "$AUTHREG" "$(printf 'alice:s3cret' | base64)")
run "no credentials: refused" 2 "$SIGN" --home "$H" push "$AUTHREG/app:1"
expect "… says the registry requires authentication" has "registry $AUTHREG requires authentication" "$ERR"
expect "… with a hint" has "hint: run \`docker login $AUTHREG\`" "$ERR"
run "DOCKER_AUTH_CONFIG gives the credentials" 0 env DOCKER_AUTH_CONFIG="$AUTHJSON" "$SIGN" --home "$H" push "$AUTHREG/app:1"
mkdir -p "$EH/.docker"
printf '%s\n' "$AUTHJSON" >"$EH/.docker/config.json"
run "\$HOME/.docker/config.json without DOCKER_CONFIG" 0 env -u DOCKER_CONFIG HOME="$EH" "$SIGN" --home "$V" verify "$AUTHREG/app:1"
run "DOCKER_CONFIG before \$HOME/.docker" 2 env DOCKER_CONFIG="$WORK/no-docker-config" HOME="$EH" "$SIGN" --home "$V" verify "$AUTHREG/app:1"
expect "… says the registry requires authentication" has "registry $AUTHREG requires authentication" "$ERR"
mkdir -p "$WORK/dc3"
printf '%s\n' "$AUTHJSON" >"$WORK/dc3/config.json"
run "DOCKER_CONFIG names the folder" 0 env DOCKER_CONFIG="$WORK/dc3" "$SIGN" --home "$V" verify "$AUTHREG/app:1"

finish
