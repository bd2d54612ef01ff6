#!/bin/sh
# build-curl.sh PREFIX - a lean, static libcurl for `make STATIC=1`.
#
# Debian's libcurl links 33 shared libraries (GnuTLS through librtmp and
# libldap, Kerberos, libssh2, ...).  Loading them is most of the time of a
# short `sign verify`.  This builds the very same source that Debian's
# libcurl4-openssl-dev was built from - the installed version, Debian's
# security patches applied, fetched with `apt-get source` so that apt checks
# it against the archive's signed Sources index - configured for HTTP and
# HTTPS over OpenSSL only, as a static library installed under PREFIX
# (PREFIX/lib/libcurl.a, PREFIX/include, PREFIX/lib/pkgconfig/libcurl.pc).
#
# Nothing is downloaded when PREFIX already holds a build of that version.
# Needs: apt-get, dpkg-source (dpkg-dev), patch, a C compiler, network access
# to the Debian mirror that /etc/apt lists.
set -eu

prefix=${1:?usage: build-curl.sh PREFIX}
mkdir -p "$prefix"
prefix=$(cd "$prefix" && pwd)
version=$(dpkg-query -W -f='${Version}' libcurl4-openssl-dev 2>/dev/null) || {
	echo "build-curl.sh: libcurl4-openssl-dev is not installed (run scripts/install-deps.sh build static)" >&2
	exit 2
}
stamp="$prefix/.built-$version"
if [ -f "$stamp" ] && [ -f "$prefix/lib/libcurl.a" ]; then
	exit 0
fi

src="$prefix/src"
rm -rf "$src" "$prefix/lib" "$prefix/include" "$prefix"/.built-*
mkdir -p "$src/lists/partial" "$src/cache/archives/partial"

# The system's Debian sources, as deb-src, in a private apt state: nothing
# outside PREFIX is changed.
list="$src/sources.list"
: >"$list"
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
	[ -f "$f" ] && sed -n 's/^deb \(.*debian.*\)$/deb-src \1/p' "$f" >>"$list"
done
for f in /etc/apt/sources.list.d/*.sources; do
	[ -f "$f" ] || continue
	awk 'BEGIN { RS = ""; ORS = "\n\n" } /debian/ { gsub(/Types: deb([ \t]+deb-src)?/, "Types: deb-src"); print }' \
		"$f" >"$src/$(basename "$f")"
done
set -- -o Dir::Etc::SourceList="$list" -o Dir::Etc::SourceParts="$src" \
	-o Dir::State::Lists="$src/lists" -o Dir::Cache="$src/cache" \
	-o APT::Sandbox::User="$(id -un)" -o Debug::NoLocking=1
echo "build-curl.sh: fetching Debian's curl $version source" >&2
apt-get "$@" update -qq >&2
cd "$src"
if ! apt-get "$@" source --download-only -qq "curl=$version" >&2; then
	echo "build-curl.sh: curl $version is no longer on the mirror; taking the newest source" >&2
	apt-get "$@" source --download-only -qq curl >&2
fi
dsc=$(ls curl_*.dsc | head -1)
dpkg-source --no-check -x --skip-patches "$dsc" tree >/dev/null
cd tree
# Debian's own series, up to the patches that only rename the library for
# the GnuTLS and NSS flavours (debian/rules builds the OpenSSL one without).
while read -r p; do
	case $p in
	'' | '#'*) continue ;;
	90_gnutls.patch | 99_nss.patch) break ;;
	esac
	patch -p1 -s -N <"debian/patches/$p" >/dev/null
done <debian/patches/series

echo "build-curl.sh: building a static libcurl (HTTP and HTTPS on OpenSSL)" >&2
CFLAGS="-O2 -fPIC -fstack-protector-strong -D_FORTIFY_SOURCE=2" ./configure -q \
	--prefix="$prefix" --disable-shared --enable-static --with-openssl \
	--disable-ftp --disable-file --disable-ldap --disable-ldaps --disable-rtsp \
	--disable-dict --disable-telnet --disable-tftp --disable-pop3 --disable-imap \
	--disable-smb --disable-smtp --disable-gopher --disable-mqtt --disable-manual \
	--disable-ntlm --disable-unix-sockets --disable-alt-svc --disable-cookies \
	--disable-docs --without-libpsl --without-brotli --without-zstd --without-nghttp2 \
	--without-libidn2 --without-librtmp --without-libssh2 --without-gssapi --without-zlib \
	--without-ca-bundle --with-ca-path=/etc/ssl/certs >/dev/null
jobs=$(nproc 2>/dev/null || echo 2)
make -s -j"$jobs" -C lib >/dev/null
make -s -C lib install >/dev/null
make -s -C include install >/dev/null
make -s install-pkgconfigDATA >/dev/null
cd "$prefix"
rm -rf "$src"
touch "$stamp"
echo "build-curl.sh: $prefix/lib/libcurl.a" >&2
