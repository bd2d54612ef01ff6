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
TD=$(jq -r '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == "_sign.trust") | .digest' "$L/index.json")
expect "the layout has a trust artifact" test -n "$TD" -a -f "$L/blobs/sha256/${TD#sha256:}"
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
LAYER=$(jq -r '.manifests[0].digest' "$S/index.json")
LAYER=$(jq -r '.layers[0].digest' "$S/blobs/sha256/${LAYER#sha256:}")
rm -f "$S/blobs/sha256/${LAYER#sha256:}"
mkfifo "$S/blobs/sha256/${LAYER#sha256:}"
run "push --from a layout with a FIFO layer: exit 2 at once" 2 \
	timeout 20 "$SIGN" --home "$H" --timeout 5 push --from "oci:$S:rel" "$REG/fifo:1"
expect "… naming the blob file, not a regular file" has "blobs/sha256/${LAYER#sha256:}: not a regular file" "$ERR"

# the docker config, read when a registry asks for credentials (a symbolic
# link is followed, to a regular file only)
htpasswd -bBc "$WORK/htpasswd" alice s3cret >/dev/null 2>&1
start_registry auth "" "auth:
  htpasswd:
    realm: sign-test
    path: $WORK/htpasswd"
AUTHREG=$REG
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
mkfifo "$V/config.json"
run "a FIFO as the home's config.json: exit 2 at once" 2 timeout 20 "$SIGN" --home "$V" --timeout 5 verify "oci:$L:v1"
expect "… naming the file" has "$V/config.json" "$ERR"
rm -f "$V/config.json"

finish
