#!/bin/sh
# rotate-root-key.sh GUN ROOTKEY_FILE [NEW_ROOTKEY_FILE] - rotate the root key
# of GUN when the root key is kept offline.
#
#  1. ROOTKEY_FILE (the current root key, e.g. a cosign or notary key file)
#     is imported into the home for the rotation only;
#  2. `sign key rotate GUN root`: root version N+1 lists a new root key and is
#     signed by the old and the new root keys (verifiers pinned to the old
#     root follow the rotation);
#  3. the new root key is exported (encrypted, as stored) to NEW_ROOTKEY_FILE
#     (default: root-<keyid>.key beside ROOTKEY_FILE) and its public key to
#     the same name with .pub, to pin it;
#  4. both root keys are removed from the home.
#
# Non-interactive: SIGN_ROOT_PASSPHRASE is the passphrase of ROOTKEY_FILE and
# of the new root key; SIGN_REPOSITORY_PASSPHRASE that of the GUN's snapshot
# and timestamp keys (registry backend).  Optional: SIGN (the binary),
# SIGN_HOME, SIGN_OPTS (global options, e.g. "--trust-server URL").
# If it fails half way, run it again with the same arguments: the pending
# rotation is finished with the same new key.
set -eu
if [ $# -lt 2 ] || [ $# -gt 3 ]; then
	echo "usage: $0 GUN ROOTKEY_FILE [NEW_ROOTKEY_FILE]" >&2
	exit 2
fi
gun=$1
oldfile=$2
here=$(cd "$(dirname "$0")" && pwd)
if [ -z "${SIGN:-}" ]; then
	if [ -x "$here/../build/sign" ]; then SIGN=$here/../build/sign; else SIGN=sign; fi
fi
: "${SIGN_ROOT_PASSPHRASE:?set SIGN_ROOT_PASSPHRASE (the passphrase of the root keys)}"
export SIGN_ROOT_PASSPHRASE
[ -n "${SIGN_REPOSITORY_PASSPHRASE:-}" ] && export SIGN_REPOSITORY_PASSPHRASE
umask 077

sign_() {
	# shellcheck disable=SC2086 # SIGN_OPTS is a list of options
	"$SIGN" ${SIGN_OPTS:-} "$@"
}

oldid=$(SIGN_IMPORT_PASSPHRASE=$SIGN_ROOT_PASSPHRASE sign_ key import "$oldfile" --role root)
# the old root key goes back offline whatever happens
trap 'sign_ -q key remove "$oldid" >/dev/null 2>&1 || true' EXIT

report=$(sign_ -o json key rotate "$gun" root)
newid=$(printf '%s' "$report" | tr -d ' \n' | sed -n 's/.*"new_keyids":\["\([0-9a-f]*\)".*/\1/p')
if [ -z "$newid" ]; then
	echo "$0: could not read the new key ID from: $report" >&2
	exit 1
fi
newfile=${3:-$(dirname "$oldfile")/root-$newid.key}
sign_ key export "$newid" >"$newfile"
chmod 600 "$newfile"
sign_ key export "$newid" --public >"${newfile%.key}.pub"
sign_ -q key remove "$newid" >/dev/null
printf '%s\n' "$report"
echo "new root key: $newfile (public: ${newfile%.key}.pub); both root keys removed from the home" >&2
