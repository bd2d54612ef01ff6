#!/bin/bash
# test_keys.sh - sign key generate|list|import|export|remove, offline.
. "$(dirname "$0")/../lib/common.sh"

H="$WORK/home"
VEC=${VECTORS:-$TOP/tests/vectors}

run "generate a repository key" 0 "$SIGN" --home "$H" key generate --role targets --gun example.com/a/b
ID=$(cat "$OUT")
expect "… prints a 64-hex key ID" sh -c "printf '%s' '$ID' | grep -qx '[0-9a-f]\{64\}'"
expect "… file named by the ID, mode 600" test "$(stat -c %a "$H/private/$ID.key")" = 600
expect "… cosign's encrypted format" has "BEGIN ENCRYPTED SIGSTORE PRIVATE KEY" "$H/private/$ID.key"
expect "… role and GUN recorded beside it" has "^gun: example.com/a/b" "$H/private/$ID.key"
expect "… no secret in the clear" lacks 'BEGIN PRIVATE KEY\|BEGIN EC PRIVATE KEY' "$H/private/$ID.key"
run "list" 0 "$SIGN" --home "$H" key list
expect "… shows it" has "$ID" "$OUT"
run "list -o json" 0 "$SIGN" --home "$H" -o json key list
expect "… JSON with role" has '"role": "targets"' "$OUT"
run "export --public" 0 "$SIGN" --home "$H" key export "$ID" --public
cp "$OUT" "$WORK/pub.pem"
run "… openssl reads it" 0 openssl pkey -pubin -in "$WORK/pub.pem" -noout
run "export --public needs no passphrase" 0 env -u SIGN_REPOSITORY_PASSPHRASE "$SIGN" --home "$H" key export "$ID" --public </dev/null
expect "… same key" sh -c "diff -q '$OUT' '$WORK/pub.pem' >/dev/null"
run "export -o json" 0 "$SIGN" --home "$H" -o json key export "$ID" --public
expect "… JSON" has '"format":"public"' "$OUT"
run "export --format pkcs8 (encrypted PKCS#8)" 0 "$SIGN" --home "$H" key export "$ID" --format pkcs8
expect "… notary's role: header" has "^role: targets" "$OUT"
sed '/^[a-z]*: /d; /^$/d' "$OUT" >"$WORK/k.p8"   # openssl does not read PEM headers
run "… openssl decrypts it with the passphrase" 0 openssl pkey -in "$WORK/k.p8" -passin "pass:$SIGN_REPOSITORY_PASSPHRASE" -noout
run "export with a wrong passphrase" 2 env SIGN_REPOSITORY_PASSPHRASE=nope "$SIGN" --home "$H" key export "$ID" --format pkcs8
expect "… says so" has "passphrase" "$ERR"
expect "… never prints the passphrase" lacks nope "$ERR"

# imports
run "import a cosign key (k1, its own passphrase)" 0 env SIGN_IMPORT_PASSPHRASE=pass1 "$SIGN" --home "$H" key import "$VEC/cosign-local/k1.key" --gun example.com/c/d
K1=$(cat "$OUT")
run "… its public key matches k1.pub" 0 "$SIGN" --home "$H" key export "$K1" --public
expect "… same bytes" sh -c "diff -q '$OUT' '$VEC/cosign-local/k1.pub' >/dev/null"
run "import a cosign key with a wrong passphrase" 2 env SIGN_IMPORT_PASSPHRASE=wrong "$SIGN" --home "$H" key import "$VEC/cosign-local/k2.key"
expect "… says the passphrase is wrong" has "k2.key: decrypting key: wrong passphrase" "$ERR"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$WORK/plain.pem" 2>/dev/null
run "import a PKCS#8 PEM" 0 "$SIGN" --home "$H" key import "$WORK/plain.pem" --role targets --gun example.com/e/f
P8=$(cat "$OUT")
expect "… stored encrypted" has "ENCRYPTED SIGSTORE" "$H/private/$P8.key"
openssl pkcs8 -topk8 -in "$WORK/plain.pem" -passout pass:xyz -out "$WORK/enc.pem" 2>/dev/null
run "import an encrypted PKCS#8 PEM" 0 env SIGN_IMPORT_PASSPHRASE=xyz "$SIGN" --home "$H" key import "$WORK/enc.pem" --role targets
expect "… same key ID" has "$P8" "$OUT"
run "import a public key is refused" 2 "$SIGN" --home "$H" key import "$WORK/pub.pem"
expect "… says it is not a private key" has "pub.pem: not a private key" "$ERR"
run "import a missing file" 2 "$SIGN" --home "$H" key import "$WORK/none.pem"
expect "… says there is no such file" has "none.pem: no such file" "$ERR"
printf 'garbage\n' >"$WORK/garbage.pem"
run "import garbage" 2 "$SIGN" --home "$H" key import "$WORK/garbage.pem"
expect "… says it holds no PEM block" has "garbage.pem: reading PEM: no PEM block found" "$ERR"

# Docker Content Trust / notary key files: several at once, roles kept, each
# file's passphrase from its role's variable
mkdir -p "$WORK/dct/private"
cp "$VEC/notary/root_key_aae408.key" "$VEC/notary/targets_key_sample.key" "$WORK/dct/private/"
run "import ~/.docker/trust/private/*.key" 0 env SIGN_ROOT_PASSPHRASE=rootpass SIGN_REPOSITORY_PASSPHRASE=targetspass \
	"$SIGN" --home "$WORK/dcthome" key import "$WORK"/dct/private/*.key
expect "… two key IDs" test "$(wc -l <"$OUT")" -eq 2
expect "… the notary root key ID" has "^aae40851" "$OUT"
run "… roles kept" 0 "$SIGN" --home "$WORK/dcthome" -o json key list
expect "… root" has '"role": "root"' "$OUT"
expect "… targets with its GUN" has '"gun": "example.com/test/repo"' "$OUT"
ROOTN=$(grep -o 'aae40851[0-9a-f]*' "$OUT" | head -1)
run "export --format notary" 0 env SIGN_ROOT_PASSPHRASE=rootpass "$SIGN" --home "$WORK/dcthome" key export "$ROOTN" --format notary
cp "$OUT" "$WORK/root-notary.key"
expect "… notary's header" has "^role: root" "$WORK/root-notary.key"
expect "… and its path (the key ID, as notary key export writes it)" has "^path: $ROOTN\$" "$WORK/root-notary.key"
run "notary key import takes it" 0 notary -d "$WORK/notary-imp" key import "$WORK/root-notary.key"
run "… notary key list shows it as a root key" 0 notary -d "$WORK/notary-imp" key list
expect "… with its ID" grep -Eq "^root +$ROOTN " "$OUT"
run "… and notary decrypts it" 0 env NOTARY_ROOT_PASSPHRASE=rootpass \
	notary -d "$WORK/notary-imp" key passwd "$ROOTN"
expect "… encrypted PKCS#8" has "BEGIN ENCRYPTED PRIVATE KEY" "$WORK/root-notary.key"
run "… imports back with the same ID" 0 env SIGN_ROOT_PASSPHRASE=rootpass "$SIGN" --home "$WORK/dcthome2" key import "$WORK/root-notary.key"
expect "… same ID" has "^$ROOTN\$" "$OUT"
run "import -o json lists each file" 0 env SIGN_ROOT_PASSPHRASE=rootpass SIGN_REPOSITORY_PASSPHRASE=targetspass \
	"$SIGN" --home "$WORK/dcthome3" -o json key import "$WORK"/dct/private/*.key
expect "… JSON" has '"keyid":"aae40851' "$OUT"
run "one bad file among several: exit 2, the rest imported" 2 env SIGN_ROOT_PASSPHRASE=rootpass SIGN_REPOSITORY_PASSPHRASE=targetspass \
	"$SIGN" --home "$WORK/dcthome4" key import "$WORK/garbage.pem" "$WORK"/dct/private/*.key
expect "… names the bad file" has "garbage.pem: reading PEM: no PEM block found" "$ERR"
expect "… two imported" test "$(wc -l <"$OUT")" -eq 2

run "remove" 0 "$SIGN" --home "$H" key remove "$P8"
expect "… file gone" test ! -e "$H/private/$P8.key"
run "remove again" 2 "$SIGN" --home "$H" key remove "$P8"
expect "… says the key is not there" has "removing key [0-9a-f]*: not in the key store" "$ERR"
run "remove a bad ID" 2 "$SIGN" --home "$H" key remove "../../etc/passwd"
expect "… says the ID is invalid" has "key store: invalid key ID" "$ERR"
run "key with no subcommand" 2 "$SIGN" --home "$H" key
expect "… says a subcommand is needed" has "^sign: key needs a subcommand" "$ERR"
run "key frob" 2 "$SIGN" --home "$H" key frob
expect "… names it" has "^sign: unknown key subcommand 'frob'" "$ERR"

finish
