#!/bin/bash
# test_build.sh - the shape of what `make` builds: the exported ABI, the
# public header on its own under strict flags, and `make install`.
. "$(dirname "$0")/../lib/common.sh"

# both compile lines of cmd/main.c (sign and sign-hooks) seen, neither with -Ilibsign
cmd_flags_ok() { [ "$(grep -c . "$OUT")" -eq 2 ] && ! grep -q -- '-Ilibsign' "$OUT"; }

# OPENSSL_INIT_NO_ATEXIT appears once, in global.c, behind the caller's flag
has_only_flagged_atexit() {
	[ "$(grep -c . "$OUT")" -eq 1 ] && grep -q '^.*/global\.c:' "$OUT" &&
		grep -B1 'OPENSSL_INIT_NO_ATEXIT' "$TOP/libsign/global.c" | grep -q 'SIGN_GLOBAL_OPENSSL_NO_ATEXIT'
}

# the functions the public headers declare (SIGN_EXTERN(type) name(...)):
# include/sign.h and include/sign_admission.h
cmp_decls() {
	grep -ho 'SIGN_EXTERN([^)]*) *sign_[A-Za-z0-9_]*' "$TOP"/include/*.h |
		sed 's/.* *\(sign_[A-Za-z0-9_]*\)$/\1/' | sort >"$WORK/declared"
	diff -u "$WORK/declared" "$WORK/listed"
}

# libsign.sym is the linker's version script: its global names, one a line
sed -n 's/^[[:space:]]*\(sign_[A-Za-z0-9_]*\);$/\1/p' "$TOP/libsign.sym" | sort >"$WORK/listed"
expect "libsign.sym lists the public functions" test -s "$WORK/listed"
expect "… under one version node, everything else local" has "^LIBSIGN_0 {" "$TOP/libsign.sym"
expect "… every function the public headers declare, and only those" cmp_decls
nm -D --defined-only "$BUILD/libsign.so" | awk '$2 != "A" {print $3}' | sed 's/@.*//' | grep -v '^_' | sort >"$WORK/exports"
run "libsign.so exports exactly libsign.sym" 0 diff -u "$WORK/listed" "$WORK/exports"
nm -D --defined-only "$BUILD/libsign.so" | awk '$2 != "A" {print $3}' | grep -v '@@LIBSIGN_0$' >"$WORK/unversioned" || true
expect "… each under the version node LIBSIGN_0" test ! -s "$WORK/unversioned"
# the library makes no process-wide choice and reads no environment variable
grep -n 'getenv' "$TOP"/libsign/*.c >"$OUT" || true
expect "libsign reads no environment variable" test ! -s "$OUT"
grep -n 'OPENSSL_INIT_NO_ATEXIT' "$TOP"/libsign/*.c >"$OUT" || true
expect "… and sets OPENSSL_INIT_NO_ATEXIT only when the program asks" has_only_flagged_atexit
grep -n 'mallopt\|M_TOP_PAD\|MADV_POPULATE' "$TOP"/libsign/*.c "$TOP"/cmd/*.c >"$OUT" || true
expect "neither the library nor sign tunes the process's heap" test ! -s "$OUT"
run "static library and pkg-config file built" 0 test -f "$BUILD/libsign.a" -a -f "$BUILD/libsign.pc"

# the *_INIT macros name every field: no -Wmissing-field-initializers, in C or C++
printf '%s\n' '#include <sign.h>' 'int main(void){ sign_error e = {0};' \
	' sign_push_result p = SIGN_PUSH_RESULT_INIT; sign_verify_result v = SIGN_VERIFY_RESULT_INIT;' \
	' sign_global_options g = SIGN_GLOBAL_OPTIONS_INIT;' \
	' (void)e; (void)p; (void)v; (void)g; return sign_strerror(SIGN_OK)[0] == 0; }' >"$WORK/h.c"
run "sign.h compiles alone as C99 -pedantic -Werror" 0 cc -std=c99 -pedantic -Wall -Wextra -Werror -I"$TOP/include" -c -o "$WORK/h.o" "$WORK/h.c"
if command -v c++ >/dev/null 2>&1; then
	cp "$WORK/h.c" "$WORK/h.cc"
	run "sign.h compiles as C++" 0 c++ -Wall -Werror -I"$TOP/include" -c -o "$WORK/hh.o" "$WORK/h.cc"
fi

san=""
case "$SIGN_BUILD" in *san*) san="SANITIZE=1" ;; esac

# the CLI uses the public header only: cmd/ includes no internal header and
# is compiled without -Ilibsign (its own headers, cli.h and the admission
# server's adm.h, live in cmd/ and share no name with a libsign/ one)
grep -h '^#include "' "$TOP"/cmd/*.c "$TOP"/cmd/*.h | sed 's/^#include "\([^"]*\)".*/\1/' |
	while read -r h; do
		[ -f "$TOP/cmd/$h" ] && [ ! -e "$TOP/libsign/$h" ] || echo "$h"
	done >"$OUT"
expect "cmd/ includes no library-internal header" test ! -s "$OUT"
make -s -n -B -C "$TOP" $san "$SIGN_BUILD/obj/cmd/main.o" "$SIGN_BUILD/obj/hooks/cmd/main.o" 2>&1 |
	grep -- ' -c -o .*cmd/main.o' >"$OUT" || true
expect "… and compiled without -Ilibsign" cmd_flags_ok
run "make install DESTDIR PREFIX" 0 make -s -C "$TOP" install $san DESTDIR="$WORK/inst" PREFIX=/opt/sign
for f in bin/sign lib/libsign.a lib/libsign.so.0 lib/libsign.so include/sign.h include/sign_admission.h lib/pkgconfig/libsign.pc \
	share/man/man1/sign.1 share/man/man5/sign-formats.5 share/man/man3/libsign.3; do
	expect "installed $f" test -e "$WORK/inst/opt/sign/$f"
done
expect "libsign.pc names the prefix" has "prefix=/opt/sign" "$WORK/inst/opt/sign/lib/pkgconfig/libsign.pc"

finish
