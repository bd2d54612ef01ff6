#!/bin/bash
# test_docs.sh - the documentation stays true to the code: the man pages
# are clean mdoc, every command has a page that names all its options,
# every --help works, and the C example of libsign(3) compiles, links and
# verifies an image.
. "$(dirname "$0")/../lib/common.sh"

MAN="$TOP/man"
export SIGN_HOME="$WORK/home"

# --- mandoc -Tlint: only WARNING and worse count ---------------------------------
for page in "$MAN"/*.1 "$MAN"/*.3 "$MAN"/*.5; do
	name=$(basename "$page")
	run "mandoc -Tlint $name" 0 mandoc -Tlint -W warning "$page"
	expect "… $name has no warnings" test ! -s "$OUT" -a ! -s "$ERR"
done
for page in sign.1 sign-formats.5 libsign.3 sign-admission.1 sign-policy.5; do
	expect "man/$page exists" test -f "$MAN/$page"
done

# --- --help ---------------------------------------------------------------------------
run "sign --help" 0 "$SIGN" --help
expect "… prints the usage" has "^usage: sign" "$OUT"
cp "$OUT" "$WORK/usage"
# the commands the usage lists, plus the ones the brief fixes
cmds=$(sed -n '/^commands:/,/^$/p' "$WORK/usage" | awk 'NR > 1 && NF { print $1 }')
for c in push verify inspect key trust admission; do
	echo "$cmds" | grep -qx "$c" || cmds="$cmds $c"
done
for c in $cmds; do
	run "sign $c --help" 0 "$SIGN" "$c" --help
	cat "$OUT" "$ERR" >"$WORK/help-$c"
	expect "… prints its usage" has "usage: sign $c" "$WORK/help-$c"
	page="$MAN/sign-$c.1"
	expect "sign $c has a man page" test -f "$page"
	[ -f "$page" ] || continue
	expect "sign.1 refers to sign-$c(1)" has "^\.Xr sign-$c 1" "$MAN/sign.1"
	for opt in $(grep -o -- '--[a-z][a-z-]*' "$WORK/help-$c" | sort -u); do
		[ "$opt" = "--help" ] && continue
		expect "sign-$c.1 documents $opt" has "Fl -${opt#--}\\b" "$page"
	done
done
# the policy format: its page refers to the command, and the command's to it
expect "sign.1 refers to sign-policy(5)" has "^\.Xr sign-policy 5" "$MAN/sign.1"
expect "sign-admission.1 refers to sign-policy(5)" has "^\.Xr sign-policy 5" "$MAN/sign-admission.1"
expect "sign-policy.5 refers to sign-admission(1)" has "^\.Xr sign-admission 1" "$MAN/sign-policy.5"
expect "sign-formats.5 points to sign-policy(5)" has "^\.Xr sign-policy 5" "$MAN/sign-formats.5"
# every key of a rule that policy.h lists is documented
for key in images name action trust rootKeys rootCA signers threshold server key layout identity \
	identityRegexp issuer issuerRegexp trustedRoot exemptNamespaces; do
	expect "sign-policy.5 documents $key" has "^\.It Cm $key\$" "$MAN/sign-policy.5"
done
# its examples are policies the server takes, once the key files they name
# (/etc/sign/*.pub) are test keys
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$WORK/policy-test.key" 2>/dev/null
openssl pkey -in "$WORK/policy-test.key" -pubout -out "$WORK/policy-test.pub" 2>/dev/null
examples=0
while read -r start; do
	examples=$((examples + 1))
	awk -v s="$start" 'NR > s && /^\.Ed/ { exit } NR > s' "$MAN/sign-policy.5" |
		sed "s|/etc/sign/[a-z-]*\.pub|$WORK/policy-test.pub|g" >"$WORK/policy-example-$examples"
	if grep -q '^rules:\|^{"rules"' "$WORK/policy-example-$examples"; then
		run "sign-policy.5's example $examples passes sign admission --check" 0 \
			"$SIGN" admission --check --policy "$WORK/policy-example-$examples"
		expect "… saying so" has "^policy .*: [0-9]* rules\?, OK$" "$OUT"
	fi
done < <(grep -n '^\.Bd -literal' "$MAN/sign-policy.5" | cut -d: -f1)
expect "sign-policy.5 has examples" test "$examples" -ge 3
for opt in $(sed -n '/^global options:/,/^$/p' "$WORK/usage" | grep -o -- '--[a-z][a-z-]*' | sort -u); do
	expect "sign.1 documents $opt" has "Fl -${opt#--}\\b" "$MAN/sign.1"
done

# --- the libsign(3) example ------------------------------------------------------------
# The program sits between the example-begin/-end comments, inside .Bd/.Ed;
# \e is a backslash in roff.
sed -n '/^\.\\" example-begin/,/^\.\\" example-end/p' "$MAN/libsign.3" |
	sed '/^\.\\"/d; /^\.Bd/d; /^\.Ed/d; s/\\e/\\/g; s/\\&//g' >"$WORK/example.c"
expect "libsign.3 has an example" grep -q "sign_verify(" "$WORK/example.c"
# a sanitizer build's libsign.a needs the sanitizer runtimes
san=""
if nm "$BUILD/libsign.a" 2>/dev/null | grep -q __asan_; then
	san="-fsanitize=address,undefined"
fi
# shellcheck disable=SC2046,SC2086
run "the libsign.3 example compiles and links against libsign.a" 0 \
	${CC:-cc} -std=c11 -Wall -Wextra -Werror $san -I"$TOP/include" -o "$WORK/example" "$WORK/example.c" \
	"$BUILD/libsign.a" $(pkg-config --cflags --libs openssl libcurl jansson libsodium yaml-0.1 yajl)

if [ -x "$WORK/example" ]; then
	"$MKIMAGE" "$WORK/layout" v1 docs-1 >/dev/null
	run "sign push into a layout" 0 "$SIGN" push "oci:$WORK/layout:v1"
	cp "$OUT" "$WORK/pushed"
	run "the example verifies it" 0 env SIGN_HOME="$WORK/verifier" "$WORK/example" "oci:$WORK/layout:v1"
	expect "… and prints what sign push printed" cmp -s "$OUT" "$WORK/pushed"
	"$MKIMAGE" "$WORK/layout" v1 docs-evil >/dev/null
	run "the example rejects a swapped image with 1" 1 env SIGN_HOME="$WORK/verifier" "$WORK/example" "oci:$WORK/layout:v1"
	expect "… says the tag moved" has "^verification failed: .*local/layout:v1 moved: it now points to sha256:[0-9a-f]* but the signed digest is sha256:" "$ERR"
	run "… and a usage error with 2" 2 "$WORK/example"
	expect "… prints its usage" has "^usage: .*example REF \[ROOT.pub\]" "$ERR"
	# a caller that declares version 1 of sign_verify_options (before at, root_ca, signers)
	sed 's/SIGN_VERIFY_OPTIONS_INIT/{ 1, NULL, NULL, NULL, 0, 0, NULL, NULL, 0 }/' "$WORK/example.c" >"$WORK/example1.c"
	run "the example with version 1 options compiles" 0 \
		${CC:-cc} -std=c11 -Wall -Wextra -Werror $san -I"$TOP/include" -o "$WORK/example1" "$WORK/example1.c" \
		"$BUILD/libsign.a" $(pkg-config --cflags --libs openssl libcurl jansson libsodium yaml-0.1 yajl)
	"$MKIMAGE" "$WORK/layout" v1 docs-1 >/dev/null
	run "… and verifies with them" 0 env SIGN_HOME="$WORK/verifier" "$WORK/example1" "oci:$WORK/layout:v1"
	expect "… the same digest" cmp -s "$OUT" "$WORK/pushed"
fi

finish
