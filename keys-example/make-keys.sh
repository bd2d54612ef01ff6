#!/bin/sh
# make-keys.sh [SIGN] - regenerate the throwaway example keys in this folder.
#
# THESE KEYS ARE PUBLIC AND FOR DEMOS AND TESTS ONLY: their passphrases are
# written beside them.  Never sign anything real with them.
#
# root.key        the example root key (role root), passphrase in root.passphrase
# root.pub        its public key, to pin: sign trust pin local/demo --root-key root.pub
# targets.key     repository key of the GUN local/demo   } passphrase in
# snapshot.key    snapshot key of local/demo             } repository.passphrase
# timestamp.key   timestamp key of local/demo            }
set -eu
here=$(cd "$(dirname "$0")" && pwd)
SIGN=${1:-$here/../build/sign}
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT

printf 'demo-root-passphrase' >"$here/root.passphrase"
printf 'demo-repository-passphrase' >"$here/repository.passphrase"
export SIGN_ROOT_PASSPHRASE="demo-root-passphrase"
export SIGN_REPOSITORY_PASSPHRASE="demo-repository-passphrase"

root=$("$SIGN" --home "$home" key generate --role root)
cp "$home/private/$root.key" "$here/root.key"
"$SIGN" --home "$home" key export "$root" --public >"$here/root.pub"
for role in targets snapshot timestamp; do
	id=$("$SIGN" --home "$home" key generate --role "$role" --gun local/demo)
	cp "$home/private/$id.key" "$here/$role.key"
done
chmod 600 "$here"/*.key
echo "wrote example keys to $here"
