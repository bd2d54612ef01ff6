#!/bin/sh
# demo.sh BUILD - the main job on the embedded default: sign an image in an
# OCI image layout with the example keys, verify it, then show that a
# swapped image and a corrupted one are rejected.  No server needed.
set -eu
cd "$(dirname "$0")/.."
B=${1:-build}
SIGN="$PWD/$B/sign"
DEMO=${DEMO_DIR:-"$PWD/$B/demo"}
KEYS="$PWD/keys-example"

rm -rf "$DEMO"
mkdir -p "$DEMO"
export SIGN_HOME="$DEMO/home"
SIGN_ROOT_PASSPHRASE=$(cat "$KEYS/root.passphrase")
SIGN_REPOSITORY_PASSPHRASE=$(cat "$KEYS/repository.passphrase")
export SIGN_ROOT_PASSPHRASE SIGN_REPOSITORY_PASSPHRASE

step() { printf '\n== %s\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@"; }

step "1. A tiny image in an OCI layout (the embedded default: no registry)"
show sh tests/lib/mkimage.sh "$DEMO/demo" v1 demo-1 >/dev/null
echo "built oci:$DEMO/demo:v1"

step "2. Import the example keys (throwaway: their passphrases sit beside them)"
for k in root targets snapshot timestamp; do
	show "$SIGN" -q key import "$KEYS/$k.key" >/dev/null
done
show "$SIGN" key list

step "3. Sign it: detached signature + Notary-style trust data, stored in the layout"
show "$SIGN" push "oci:$DEMO/demo:v1"

step "4. Verify it before 'pulling', from a fresh home, pinned to the example root"
export SIGN_HOME="$DEMO/verifier"
show "$SIGN" verify --root-key "$KEYS/root.pub" "oci:$DEMO/demo:v1"

step "5. Someone swaps the image behind the tag"
show sh tests/lib/mkimage.sh "$DEMO/demo" v1 demo-evil >/dev/null
set +e
show "$SIGN" verify --root-key "$KEYS/root.pub" "oci:$DEMO/demo:v1"
rc=$?
set -e
if [ "$rc" -ne 1 ]; then
	echo "demo: expected the swapped image to be rejected with exit 1, got $rc" >&2
	exit 1
fi
echo "-> rejected (exit $rc), as it should be"

step "6. Someone corrupts the signed trust data in the layout"
sh tests/lib/mkimage.sh "$DEMO/demo2" v1 demo-1 >/dev/null
SIGN_HOME="$DEMO/home" "$SIGN" -q push "oci:$DEMO/demo2:v1" >/dev/null
trust=$(grep -o '"digest":"sha256:[0-9a-f]*","size":[0-9]*,"annotations":{"org.opencontainers.image.ref.name":"_sign.trust"' \
	"$DEMO/demo2/index.json" | grep -o 'sha256:[0-9a-f]*')
# flip the targets file: swap a digit of its version in the blob store
tblob=$(grep -o '"digest":"sha256:[0-9a-f]*","size":[0-9]*,"annotations":{"org.opencontainers.image.title":"targets.json"' \
	"$DEMO/demo2/blobs/sha256/${trust#sha256:}" | grep -o 'sha256:[0-9a-f]*')
chmod u+w "$DEMO/demo2/blobs/sha256/${tblob#sha256:}"
sed -i 's/"version":1/"version":7/' "$DEMO/demo2/blobs/sha256/${tblob#sha256:}"
set +e
show "$SIGN" verify --root-key "$KEYS/root.pub" "oci:$DEMO/demo2:v1"
rc=$?
set -e
if [ "$rc" -ne 1 ] && [ "$rc" -ne 2 ]; then
	echo "demo: expected the corrupted trust data to be rejected, got $rc" >&2
	exit 1
fi
echo "-> rejected (exit $rc), as it should be"

printf '\ndemo: done. Everything is under %s\n' "$DEMO"
