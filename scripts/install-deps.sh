#!/bin/sh
# install-deps.sh [build] [test] [static] [fuzz] [bench] - install the Debian packages sign needs
# that are missing.  Called by `make deps`, `make check`, `make demo`,
# `make fuzz`, `make bench` and .ci/run.  Needs root (or sudo) only when something is missing.
set -eu

build="libssl-dev libcurl4-openssl-dev libjansson-dev libsodium-dev libyaml-dev libyajl-dev libevent-dev libcmocka-dev pkg-config make gcc"
test="docker-registry skopeo curl openssl time mandoc apache2-utils notary faketime strace jq"
# `make STATIC=1` builds a lean libcurl from Debian's source (build-curl.sh)
static="libcurl4-openssl-dev dpkg-dev patch xz-utils"
# `make fuzz`: clang (14 on Debian 12) and libFuzzer's runtime, which is in
# libclang-rt-14-dev (libclang_rt.fuzzer-x86_64.a), only recommended by clang
fuzz="clang libclang-rt-14-dev"
# `make bench`, sign admission against nginx over the same TLS set-up:
# HTTP load generators (wrk, hey) and the reference static-file server
bench="wrk hey nginx-light"

want=""
for group in "$@"; do
	case $group in
	build) want="$want $build" ;;
	test) want="$want $test" ;;
	static) want="$want $static" ;;
	fuzz) want="$want $fuzz" ;;
	bench) want="$want $bench" ;;
	*) echo "install-deps.sh: unknown group $group" >&2; exit 2 ;;
	esac
done
[ -n "$want" ] || want=$build

missing=""
for p in $want; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -n "$missing" ] || exit 0

echo "install-deps.sh: installing$missing" >&2
if [ "$(id -u)" -eq 0 ]; then
	SUDO=""
elif command -v sudo >/dev/null 2>&1; then
	SUDO="sudo"
else
	echo "install-deps.sh: missing packages:$missing (run as root: apt-get install$missing)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
