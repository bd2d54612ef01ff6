#!/bin/bash
# test_static.sh - `make STATIC=1` builds build/static/sign (lean static
# libcurl from Debian's source, static OpenSSL, jansson, libsodium and
# glibc), with no warnings, no shared library at all and still
# position-independent (static-pie: ASLR), and that binary passes the core,
# TLS/auth and Notary suites, the same scripts as the default build.
. "$(dirname "$0")/../lib/common.sh"

S=build/static
log="$WORK/static-build.log"
# a clean make environment: `make check SANITIZE=1` must not leak into it
# (make puts a command line's variables into its recipes' environment too)
if (cd "$TOP" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u SANITIZE make STATIC=1 SANITIZE= all-tests >"$log" 2>&1); then
	ok "make STATIC=1 builds $S/sign"
else
	echo "# make STATIC=1 failed:" >&2
	tail -30 "$log" | sed 's/^/#   /' >&2
	bad "make STATIC=1 builds $S/sign" "see the log above"
	finish
	exit
fi
if grep -E "warning:|error:" "$log" >"$WORK/static-warnings"; then
	bad "… with no warnings" "$(head -3 "$WORK/static-warnings")"
else
	ok "… with no warnings"
fi
ldd "$TOP/$S/sign" >"$OUT" 2>&1
if grep -Eq "libcurl|libssl|libcrypto|libjansson|libsodium|libgnutls|libkrb5" "$OUT"; then
	bad "… linking OpenSSL, libcurl, jansson and libsodium statically" "$(tr '\n' ' ' <"$OUT")"
else
	ok "… linking OpenSSL, libcurl, jansson and libsodium statically"
fi
expect "… and glibc too: no shared library at all" has "statically linked" "$OUT"
LC_ALL=C readelf -h "$TOP/$S/sign" >"$OUT" 2>&1
expect "… yet position-independent, loaded at a random address (static-pie)" has "Type:.*DYN" "$OUT"
"$TOP/$S/sign" --version >"$OUT" 2>"$ERR"
expect "… and runs" has "sign" "$OUT"
# It starts at the C library's own entry point: no start-up code of ours
# runs before libc and the self-relocation (process-wide tricks belong in
# main, where the program chooses them)
entry=$(LC_ALL=C readelf -h "$TOP/$S/sign" | awk '/Entry point address/ { print $4 }')
start=$(LC_ALL=C nm "$TOP/$S/sign" | awk '$3 == "_start" { print $1 }')
at_start() { [ -n "$entry" ] && [ -n "$start" ] && [ $((entry)) -eq $((16#$start)) ]; }
expect "… entered at the C library's _start" at_start
"$TOP/$S/sign" version >"$OUT" 2>"$ERR"
expect "… and reports the library's version" has "^sign [0-9][0-9.]*$" "$OUT"

for suite in core tls_auth notary; do
	echo "# static build: test_$suite.sh"
	if SIGN_BUILD="$S" bash "$TOP/tests/cli/test_$suite.sh"; then
		ok "the static binary passes test_$suite.sh"
	else
		bad "the static binary passes test_$suite.sh" "see its failures above"
	fi
done
finish
