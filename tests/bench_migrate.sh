#!/bin/bash
# bench_migrate.sh BUILD [TAGS [SERVED_EVERY]] - time and peak RSS of sign
# migrate of a TAGS-tag Notary repository (default 10,000) against a loopback
# docker-registry and notary-server.  Every tag is its own digest; the
# registry serves one tag in SERVED_EVERY (default 10; the rest are tags
# whose images are gone, as in a CI repository).  Two runs from copies of
# the same home: the first migrate, and a migrate where every signature is
# already there (what a rerun of an interrupted migrate finds; skipped with
# BENCH_FIRST_ONLY=1).  BENCH_WRAP is put before each sign command (a
# profiler).  Not a test: nothing here fails on a slow machine.
set -u
export SIGN_BUILD=${1:-build}
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/notary.sh"
NT=${2:-10000}
EVERY=${3:-10}

start_registry mbench
start_notary mnbench
G="$REG/mig/scale"
seed "$G:base" 91 >/dev/null
echo "(making $NT notary targets and $((NT / EVERY)) registry tags)"
"$TOOLS/manytags" registry "$REG" mig/scale base 1 "$NT" "$EVERY" || exit 1
notary_cli init "$G" -p >/dev/null || exit 1
CL="$NOTARY_TRUST/tuf/$G/changelist"
mkdir -p "$CL"
"$TOOLS/manytags" changelist "$CL" "$REG" mig/scale base 1 "$NT" || exit 1
notary_cli publish "$G" >/dev/null || { echo "bench: notary publish failed" >&2; exit 1; }
H0="$WORK/home0"
SIGN_IMPORT_PASSPHRASE=$NOTARY_ROOT_PASSPHRASE "$SIGN" --home "$H0" key import "$(notary_key_file "$G" root)" >/dev/null
SIGN_IMPORT_PASSPHRASE=$NOTARY_TARGETS_PASSPHRASE "$SIGN" --home "$H0" key import "$(notary_key_file "$G" targets)" >/dev/null
# the snapshot and timestamp keys made once, so that each run only migrates
cp -a "$H0" "$WORK/home-pre"

# each run migrates into the same repository from a fresh copy of the home:
# the trust artifact the run before published is deleted first
untrust() {
	local d
	d=$(curl -sfI -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
		"http://$REG/v2/mig/scale/manifests/_sign.trust" | tr -d '\r' | sed -n 's/^[Dd]ocker-[Cc]ontent-[Dd]igest: //p')
	[ -n "$d" ] && curl -sf -X DELETE "http://$REG/v2/mig/scale/manifests/$d" >/dev/null
}
measure() { # LABEL CMD...
	local label=$1
	shift
	/usr/bin/time -f "%e s %M KiB" -o "$WORK/time" ${BENCH_WRAP:-} "$@" >"$WORK/out" 2>"$WORK/err"
	echo "$label: exit $? $(cat "$WORK/time")   ($*)"
	grep -c "signature written" "$WORK/out" | sed 's/^/  signatures written: /'
}
mark() { MARK=$(wc -l <"$REG_DIR/log"); }
reqs() { echo "  registry requests: $(tail -n +$((MARK + 1)) "$REG_DIR/log" | grep -c 'http.request.method=') HEAD $(tail -n +$((MARK + 1)) "$REG_DIR/log" | grep -c 'http.request.method=HEAD') PUT $(tail -n +$((MARK + 1)) "$REG_DIR/log" | grep -c 'http.request.method=PUT')"; }

echo "== sign migrate, $NT tags, $((NT / EVERY)) served by the registry"
cp -a "$WORK/home-pre" "$WORK/h1"
mark
measure "first migrate" "$SIGN" --home "$WORK/h1" migrate "$G" --from-trust-server "$NOTARY_URL"
reqs
[ -n "${BENCH_FIRST_ONLY:-}" ] && exit 0
untrust
mark
cp -a "$WORK/home-pre" "$WORK/h2"
measure "again, every signature there" "$SIGN" --home "$WORK/h2" migrate "$G" --from-trust-server "$NOTARY_URL"
reqs
"$SIGN" --home "$WORK/v" verify "$G:t$EVERY" >/dev/null 2>&1 && echo "  verify $G:t$EVERY: ok"
