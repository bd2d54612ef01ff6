#!/bin/sh
# add-signer.sh NAME GUN PUB.pem [PUB.pem...] - add a signer to GUN, non-interactively.
#
# Lists the signer's public key(s) in the GUN's targets metadata as
# targets/NAME and targets/releases (docker trust signer semantics), re-signs
# targets with the repository key, and publishes (against a registry this
# home also re-signs snapshot and timestamp; a Notary server makes them).
#
# Environment:
#   SIGN                        the sign binary (default: ../build/sign, then PATH)
#   SIGN_HOME                   the home holding the GUN's repository key
#   SIGN_REPOSITORY_PASSPHRASE  its passphrase (required: nothing is prompted)
#   SIGN_TRUST_SERVER           a Notary server URL, if the GUN lives there
#   SIGN_SIGNER_PATHS           optional space-separated path prefixes (tags the signer may sign)
#   SIGN_SIGNER_THRESHOLD       optional number of the signer's keys that must sign
#
# The signer then signs with its own key, in its own home:
#   sign push --key KEYID GUN:TAG   (SIGN_DELEGATION_PASSPHRASE)
set -eu

usage() {
	echo "usage: $0 NAME GUN PUB.pem [PUB.pem...]" >&2
	exit 2
}
[ "$#" -ge 3 ] || usage
name=$1
gun=$2
shift 2

here=$(cd "$(dirname "$0")" && pwd)
if [ -z "${SIGN:-}" ]; then
	if [ -x "$here/../build/sign" ]; then
		SIGN="$here/../build/sign"
	else
		SIGN=sign
	fi
fi
if [ -z "${SIGN_REPOSITORY_PASSPHRASE:-}" ] && [ -z "${DOCKER_CONTENT_TRUST_REPOSITORY_PASSPHRASE:-}" ]; then
	echo "add-signer.sh: set SIGN_REPOSITORY_PASSPHRASE (the passphrase of the repository key of $gun)" >&2
	exit 2
fi

for pub in "$@"; do
	if [ ! -r "$pub" ]; then
		echo "add-signer.sh: cannot read $pub" >&2
		exit 2
	fi
done

# build the argument list without word-splitting surprises
n=0
for pub in "$@"; do
	n=$((n + 1))
	set -- "$@" --key "$pub"
done
shift "$n"
if [ -n "${SIGN_SIGNER_PATHS:-}" ]; then
	for p in $SIGN_SIGNER_PATHS; do
		set -- "$@" --paths "$p"
	done
fi
if [ -n "${SIGN_SIGNER_THRESHOLD:-}" ]; then
	set -- "$@" --threshold "$SIGN_SIGNER_THRESHOLD"
fi

"$SIGN" signer add "$name" "$gun" "$@" </dev/null
"$SIGN" signer list "$gun" </dev/null
