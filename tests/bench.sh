#!/bin/bash
# bench.sh BUILD - `make bench`: speed and memory of sign against the same
# loopback docker-registry, from one run, printed as ratios with the command
# that made each number.  Not a test: nothing here fails on a slow machine.
set -u
export SIGN_BUILD=${1:-build}
. "$(dirname "$0")/lib/common.sh"
N=${BENCH_RUNS:-30}
T="$TOOLS/timeit"

start_registry bench
seed "$REG/bench:v1" 21 >/dev/null
P="$WORK/publisher"
V="$WORK/verifier"
"$SIGN" --home "$P" push "$REG/bench:v1" >/dev/null 2>&1 || { echo "bench: push failed" >&2; exit 1; }
"$SIGN" --home "$V" verify "$REG/bench:v1" >/dev/null 2>&1 || { echo "bench: verify failed" >&2; exit 1; }

field() { echo "$1" | cut -d' ' -f"$2"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

echo "== sign verify, one tag, warm trust cache, loopback registry ($N runs, medians)"
sv=$("$T" "$N" "$SIGN" --home "$V" verify "$REG/bench:v1")
sk=$("$T" "$N" skopeo inspect --raw --tls-verify=false "docker://$REG/bench:v1")
cb=$("$T" "$N" "$TOOLS/curlbase" "http://$REG/v2/")
echo "sign verify            $(field "$sv" 1) ms   ($SIGN --home V verify $REG/bench:v1)"
echo "skopeo inspect --raw   $(field "$sk" 1) ms   (skopeo inspect --raw --tls-verify=false docker://$REG/bench:v1)"
echo "libcurl floor          $(field "$cb" 1) ms   ($TOOLS/curlbase http://$REG/v2/: load libcurl, one GET)"
echo "ratio sign/skopeo      $(ratio "$(field "$sv" 1)" "$(field "$sk" 1)")   (goal: <= 0.33)"
echo "ratio (sign - floor)/(skopeo - floor)  $(ratio "$(awk -v a="$(field "$sv" 1)" -v b="$(field "$cb" 1)" 'BEGIN{print a-b}')" "$(awk -v a="$(field "$sk" 1)" -v b="$(field "$cb" 1)" 'BEGIN{print a-b}')")"
"$SIGN" --home "$V" -o json verify "$REG/bench:v1" >"$WORK/v.json"
req=$(grep -o '"requests":[0-9]*' "$WORK/v.json" | cut -d: -f2)
con=$(grep -o '"connections":[0-9]*' "$WORK/v.json" | cut -d: -f2)
echo "HTTP requests          $req   (GET trust artifact manifest, HEAD tag, GET .sig manifest; blobs from the cache)"
echo "TCP connections        $con"

echo
echo "== peak RSS (/usr/bin/time -f %M)"
rs=$(/usr/bin/time -f %M "$SIGN" --home "$V" verify "$REG/bench:v1" 2>&1 >/dev/null | tail -1)
rc=$(/usr/bin/time -f %M "$TOOLS/curlbase" "http://$REG/v2/" 2>&1 >/dev/null | tail -1)
echo "sign verify            $rs KiB   (/usr/bin/time -f %M $SIGN --home V verify $REG/bench:v1)"
echo "libcurl baseline       $rc KiB   (/usr/bin/time -f %M $TOOLS/curlbase http://$REG/v2/)"
echo "difference             $((rs - rc)) KiB   (goal: <= 2048)"

echo
echo "== sign push of a new tag (5 tags, one run each)"
tot=0
for i in 1 2 3 4 5; do
	seed "$REG/bench:n$i" "$((30 + i))" >/dev/null
	r=$("$T" 1 "$SIGN" --home "$P" push "$REG/bench:n$i")
	tot=$(awk -v a="$tot" -v b="$(field "$r" 1)" 'BEGIN{print a+b}')
done
seed "$REG/bench:n6" 36 >/dev/null
"$SIGN" --home "$P" -o json push "$REG/bench:n6" >"$WORK/p.json" 2>/dev/null
preq=$(grep -o '"requests":[0-9]*' "$WORK/p.json" | cut -d: -f2)
echo "sign push (mean)       $(awk -v t="$tot" 'BEGIN{printf "%.1f", t/5}') ms   ($SIGN --home P push $REG/bench:nI)"
echo "HTTP requests          $preq   (one push, as reported by -o json)"
echo "note: a push decrypts three scrypt-protected keys (N=65536), most of its time."
finish >/dev/null
