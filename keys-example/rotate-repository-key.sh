#!/bin/sh
# rotate-repository-key.sh GUN - rotate the repository (targets) key of GUN,
# non-interactively, e.g. from a CI job.
#
# The home ($SIGN_HOME, default ~/.sign) must hold the GUN's current root
# key (root version N+1 is signed by it) and, against a registry, its
# snapshot and timestamp keys.  Passphrases come from the environment:
#   SIGN_ROOT_PASSPHRASE        the root key
#   SIGN_REPOSITORY_PASSPHRASE  the new repository key (and snapshot/timestamp)
# Optional: SIGN (the sign binary), SIGN_OPTS (global options, e.g.
# "--trust-server https://notary.example.com").
#
# The current tags are re-signed with the new key; the old repository key is
# removed from the home.  If the job is interrupted, run it again: it picks up
# the pending rotation and finishes it.  Prints the JSON report.
set -eu
if [ $# -ne 1 ]; then
	echo "usage: $0 GUN" >&2
	exit 2
fi
gun=$1
here=$(cd "$(dirname "$0")" && pwd)
if [ -z "${SIGN:-}" ]; then
	if [ -x "$here/../build/sign" ]; then SIGN=$here/../build/sign; else SIGN=sign; fi
fi
: "${SIGN_ROOT_PASSPHRASE:?set SIGN_ROOT_PASSPHRASE (the root key signs the new root)}"
: "${SIGN_REPOSITORY_PASSPHRASE:?set SIGN_REPOSITORY_PASSPHRASE (it protects the new repository key)}"
export SIGN_ROOT_PASSPHRASE SIGN_REPOSITORY_PASSPHRASE

# shellcheck disable=SC2086 # SIGN_OPTS is a list of options
"$SIGN" ${SIGN_OPTS:-} -o json key rotate "$gun" repository
