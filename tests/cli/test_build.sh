#!/bin/bash
# test_build.sh - the shape of what `make` builds: the exported ABI, the
# public header on its own under strict flags, and `make install`.
. "$(dirname "$0")/../lib/common.sh"

nm -D --defined-only "$BUILD/libsign.so" | awk '{print $3}' | grep -v '^_' | sort >"$WORK/exports"
run "libsign.so exports exactly libsign.sym" 0 diff -u "$TOP/libsign.sym" "$WORK/exports"
run "static library and pkg-config file built" 0 test -f "$BUILD/libsign.a" -a -f "$BUILD/libsign.pc"

printf '#include <sign.h>\nint main(void){ sign_error e = {0}; (void)e; return sign_strerror(SIGN_OK)[0] == 0; }\n' >"$WORK/h.c"
run "sign.h compiles alone as C99 -pedantic -Werror" 0 cc -std=c99 -pedantic -Wall -Wextra -Werror -I"$TOP/include" -c -o "$WORK/h.o" "$WORK/h.c"
if command -v c++ >/dev/null 2>&1; then
	cp "$WORK/h.c" "$WORK/h.cc"
	run "sign.h compiles as C++" 0 c++ -Wall -Werror -I"$TOP/include" -c -o "$WORK/hh.o" "$WORK/h.cc"
fi

san=""
case "$SIGN_BUILD" in *san*) san="SANITIZE=1" ;; esac
run "make install DESTDIR PREFIX" 0 make -s -C "$TOP" install $san DESTDIR="$WORK/inst" PREFIX=/opt/sign
for f in bin/sign lib/libsign.a lib/libsign.so.0 lib/libsign.so include/sign.h lib/pkgconfig/libsign.pc \
	share/man/man1/sign.1 share/man/man5/sign-formats.5 share/man/man3/libsign.3; do
	expect "installed $f" test -e "$WORK/inst/opt/sign/$f"
done
expect "libsign.pc names the prefix" has "prefix=/opt/sign" "$WORK/inst/opt/sign/lib/pkgconfig/libsign.pc"

finish
