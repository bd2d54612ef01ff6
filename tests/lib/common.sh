# common.sh - helpers for the CLI test scripts (sourced, bash).
#
# Servers run on random loopback ports and are stopped on exit.  Readiness
# is awaited by reading the server's log as it is written (tail -F), never
# by sleeping.

set -u

: "${SIGN_BUILD:=build}"
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD="$TOP/$SIGN_BUILD"
[ -d "$BUILD" ] || BUILD="$SIGN_BUILD"
SIGN="$BUILD/sign"
TOOLS="$BUILD/tools"
MKIMAGE="$TOP/tests/lib/mkimage.sh"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sign-test.XXXXXX")
RESULTS=${RESULTS:-$WORK/results}
PASS=0
FAIL=0
PIDS=""

export SIGN_ROOT_PASSPHRASE=test-root-passphrase
export SIGN_REPOSITORY_PASSPHRASE=test-repository-passphrase
export SIGN_DELEGATION_PASSPHRASE=test-delegation-passphrase
unset SIGN_HOME SIGN_TRUST_SERVER DOCKER_CONTENT_TRUST_SERVER SIGN_INSECURE_REGISTRIES SIGN_DISABLE_TOFU
export DOCKER_CONFIG="$WORK/docker-config"
mkdir -p "$DOCKER_CONFIG"

cleanup() {
	for p in $PIDS; do
		kill "$p" 2>/dev/null || true
	done
	for p in $PIDS; do
		wait "$p" 2>/dev/null || true
	done
	if [ "$FAIL" -eq 0 ] && [ -z "${KEEP_WORK:-}" ]; then
		rm -rf "$WORK"
	else
		echo "# work folder kept: $WORK" >&2
	fi
}
trap cleanup EXIT

# wait_log FILE PATTERN: block until PATTERN appears in FILE (30 s cap).
wait_log() {
	timeout 30 tail -n +1 -F "$1" 2>/dev/null | grep -q -m1 -- "$2"
}

# start_registry NAME [HTTP_YAML [YAML]]: a docker-registry on a random
# loopback port; HTTP_YAML is added to its http section (tls: ...), YAML at
# the top level (auth: ...).  Sets REG (host:port) and REG_DIR.
start_registry() {
	local name=${1:-reg} http_extra=${2:-} extra=${3:-} port
	port=$("$TOOLS/freeport")
	REG_DIR="$WORK/$name"
	mkdir -p "$REG_DIR/data"
	cat >"$REG_DIR/config.yml" <<YML
version: 0.1
log:
  level: info
  formatter: text
storage:
  filesystem:
    rootdirectory: $REG_DIR/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
$http_extra
$extra
YML
	docker-registry serve "$REG_DIR/config.yml" >"$REG_DIR/log" 2>&1 &
	PIDS="$PIDS $!"
	if ! wait_log "$REG_DIR/log" "listening on"; then
		echo "could not start docker-registry:" >&2
		cat "$REG_DIR/log" >&2
		exit 1
	fi
	REG="127.0.0.1:$port"
}

# start_auth_registry NAME: a registry (start_registry) that asks for Basic
# credentials, alice:s3cret (htpasswd).  Sets AUTHREG (host:port) and REG.
start_auth_registry() {
	htpasswd -bBc "$WORK/htpasswd" alice s3cret >/dev/null 2>&1
	start_registry "$1" "" "auth:
  htpasswd:
    realm: sign-test
    path: $WORK/htpasswd"
	AUTHREG=$REG
}

# start_tufproxy_for PORT LOG MODE [ARG]: tests/tools/tufproxy in front of
# the plain-HTTP server on loopback PORT, logging to LOG (read, not slept
# on, until it listens).  Sets PROXY (host:port).
start_tufproxy_for() {
	local up=$1 log=$2
	shift 2
	: >"$log"
	"$TOOLS/tufproxy" "$up" "$log" "$@" 2>>"$log" &
	PIDS="$PIDS $!"
	if ! wait_log "$log" "^listening on"; then
		echo "could not start tufproxy $*:" >&2
		cat "$log" >&2
		exit 1
	fi
	PROXY=$(sed -n 's/^listening on //p' "$log" | head -1)
}

# seed IMAGE_REF SEED: build a tiny image and copy it into the registry.
# Prints the manifest digest.
seed() {
	local ref=$1 seedval=${2:-0} dir tag
	dir="$WORK/layouts/$seedval"
	tag="s$seedval"
	"$MKIMAGE" "$dir" "$tag" "$seedval" >/dev/null
	skopeo copy --quiet --dest-tls-verify=false "oci:$dir:$tag" "docker://$ref" >&2
	skopeo inspect --raw --tls-verify=false "docker://$ref" | sha256sum | sed 's/^/sha256:/; s/ .*//'
}

# run NAME WANT_EXIT CMD...: run a command, record pass/fail on its exit.
# Its output is left in $OUT and $ERR.
OUT="$WORK/out"
ERR="$WORK/err"
run() {
	local name=$1 want=$2 got
	shift 2
	"$@" >"$OUT" 2>"$ERR"
	got=$?
	if [ "$got" -eq "$want" ]; then
		ok "$name"
	else
		bad "$name" "exit $got, wanted $want"
	fi
	return 0
}

ok() {
	PASS=$((PASS + 1))
	echo "ok - $1"
}

bad() {
	FAIL=$((FAIL + 1))
	echo "FAIL - $1: $2"
	sed 's/^/#   stdout: /' "$OUT" 2>/dev/null | head -20
	sed 's/^/#   stderr: /' "$ERR" 2>/dev/null | head -20
}

# expect NAME CONDITION...: a check on the last run's output.
expect() {
	local name=$1
	shift
	if "$@"; then
		ok "$name"
	else
		bad "$name" "condition failed: $*"
	fi
}

# readable FILE...: each FILE is a regular file that can be read; says
# which one is not (a check on a missing file must fail, not pass).
readable() {
	local f
	[ $# -gt 0 ] || { echo "# no file given" >&2; return 1; }
	for f; do
		if [ ! -f "$f" ] || [ ! -r "$f" ]; then
			echo "# cannot read $f" >&2
			return 1
		fi
	done
}

# has PATTERN FILE: a line of FILE matches.  Fails when FILE cannot be read.
has() {
	[ $# -eq 2 ] || { echo "# has: wanted PATTERN FILE, got $# arguments" >&2; return 1; }
	readable "$2" && grep -q -- "$1" "$2"
}

# lacks PATTERN FILE...: no line of any FILE matches.  Fails when a FILE
# cannot be read: grep's "no match" (1) passes, its error (2) does not.
lacks() {
	local pat=$1 rc
	shift
	readable "$@" || return 1
	grep -q -- "$pat" "$@"
	rc=$?
	[ "$rc" -eq 1 ]
}

# finish: record this script's counts; fails when a check failed, or when
# no check ran at all (a script that checked nothing proves nothing).
finish() {
	if [ $((PASS + FAIL)) -eq 0 ]; then
		bad "$(basename "$0")" "no check ran"
	fi
	echo "$PASS $FAIL" >>"$RESULTS"
	echo "# $(basename "$0"): $PASS passed, $FAIL failed"
	[ "$FAIL" -eq 0 ]
}
