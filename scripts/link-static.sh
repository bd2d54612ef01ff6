#!/bin/sh
# link-static.sh CC ARGS... - run the fully static link of `make STATIC=1`
# and drop, from the linker's output, only glibc's notices that NSS-backed
# functions (getaddrinfo, getpwuid, dlopen...) need "at runtime the shared
# libraries from the glibc version used for linking".  They are expected:
# hosts and passwd lookups through files and dns are built into the static
# glibc; other NSS modules are loaded from the running system's glibc
# (docs/architecture.md, "Build variants").  Every other line of the
# linker's output is kept, and so is its exit status.
set -u
log=$(mktemp) || exit 2
"$@" 2>"$log"
rc=$?
awk '
/in statically linked applications requires at runtime the shared libraries from the glibc version used for linking/ {
	held = ""; next
}
/: in function `/ { if (held != "") print held; held = $0; next }
{ if (held != "") { print held; held = "" } print }
END { if (held != "") print held }
' "$log" >&2
rm -f "$log"
exit $rc
