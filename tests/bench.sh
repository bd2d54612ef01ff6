#!/bin/bash
# bench.sh BUILD [STATIC_BUILD] - `make bench`: speed and memory of sign
# against the same loopback docker-registry and notary-server, from one run,
# printed as ratios with the command that made each number.  Each sign
# number is given for the default build (Debian's shared libcurl) and, when
# STATIC_BUILD holds one, for `make STATIC=1` (lean static libcurl).
# Not a test: nothing here fails on a slow machine.
set -u
export SIGN_BUILD=${1:-build}
. "$(dirname "$0")/lib/common.sh"
SS=""
if [ -n "${2:-}" ] && [ -x "$TOP/$2/sign" ]; then
	SS="$TOP/$2/sign"
elif [ -n "${2:-}" ] && [ -x "$2/sign" ]; then
	SS="$2/sign"
fi
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

# the commands compared are run in turn, one run of each per round (timeit
# with "::"), so that the VM's speed drifting meanwhile weighs on all alike
echo "== sign verify, one tag, warm trust cache, loopback registry ($N rounds, medians)"
static_cmd=()
[ -n "$SS" ] && static_cmd=(:: "$SS" --home "$V" verify "$REG/bench:v1")
all=$("$T" "$N" "$SIGN" --home "$V" verify "$REG/bench:v1" \
	:: skopeo inspect --raw --tls-verify=false "docker://$REG/bench:v1" \
	:: "$TOOLS/curlbase" "http://$REG/v2/" "${static_cmd[@]}")
sv=$(echo "$all" | sed -n 1p)
sk=$(echo "$all" | sed -n 2p)
cb=$(echo "$all" | sed -n 3p)
ssv=$(echo "$all" | sed -n 4p)
echo "sign verify            $(field "$sv" 1) ms   ($SIGN --home V verify $REG/bench:v1)"
echo "skopeo inspect --raw   $(field "$sk" 1) ms   (skopeo inspect --raw --tls-verify=false docker://$REG/bench:v1)"
echo "libcurl floor          $(field "$cb" 1) ms   ($TOOLS/curlbase http://$REG/v2/: load libcurl, one GET)"
echo "ratio sign/skopeo      $(ratio "$(field "$sv" 1)" "$(field "$sk" 1)")   (goal: <= 0.33)"
echo "ratio (sign - floor)/(skopeo - floor)  $(ratio "$(awk -v a="$(field "$sv" 1)" -v b="$(field "$cb" 1)" 'BEGIN{print a-b}')" "$(awk -v a="$(field "$sk" 1)" -v b="$(field "$cb" 1)" 'BEGIN{print a-b}')")"
if [ -n "$SS" ]; then
	echo "sign verify, STATIC=1  $(field "$ssv" 1) ms   ($SS --home V verify $REG/bench:v1)"
	echo "ratio static/skopeo    $(ratio "$(field "$ssv" 1)" "$(field "$sk" 1)")   (goal: <= 0.33)"
fi
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
if [ -n "$SS" ]; then
	rss=$(/usr/bin/time -f %M "$SS" --home "$V" verify "$REG/bench:v1" 2>&1 >/dev/null | tail -1)
	echo "sign verify, STATIC=1  $rss KiB   (/usr/bin/time -f %M $SS --home V verify $REG/bench:v1)"
	echo "difference             $((rss - rc)) KiB   (goal: <= 2048)"
fi

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
echo "note: a push decrypts three scrypt-protected keys (N=65536, 64 MiB each), two at a time: most of its time."
refs=""
for i in 1 2 3 4 5; do
	seed "$REG/bench:m$i" "$((40 + i))" >/dev/null
	refs="$refs $REG/bench:m$i"
done
# shellcheck disable=SC2086
r=$("$T" 1 "$SIGN" --home "$P" push $refs)
echo "5 tags in one push     $(field "$r" 1) ms in all, $(awk -v t="$(field "$r" 1)" 'BEGIN{printf "%.1f", t/5}') ms a tag   ($SIGN --home P push $REG/bench:m1 ... $REG/bench:m5: each key decrypted once)"

# ---------------------------------------------------------------------------
# Against a Notary server: the same notary-server and data for sign and notary
. "$(dirname "$0")/lib/notary.sh"
NT=${BENCH_NOTARY_TAGS:-1000}
start_notary nbench
G="$REG/nbench"
seed "$G:v1" 61 >/dev/null
"$SIGN" --home "$P" --trust-server "$NOTARY_URL" push "$G:v1" >/dev/null 2>&1 || { echo "bench: push --trust-server failed" >&2; exit 1; }
"$SIGN" --home "$V" --trust-server "$NOTARY_URL" verify "$G:v1" >/dev/null 2>&1 || { echo "bench: verify --trust-server failed" >&2; exit 1; }
notary_cli lookup "$G" v1 >/dev/null 2>&1 || { echo "bench: notary lookup failed" >&2; exit 1; }

echo
echo "== Notary server: verify one tag, warm cache ($N rounds, medians)"
static_cmd=()
[ -n "$SS" ] && static_cmd=(:: "$SS" --home "$V" --trust-server "$NOTARY_URL" verify "$G:v1")
all=$("$T" "$N" "$SIGN" --home "$V" --trust-server "$NOTARY_URL" verify "$G:v1" \
	:: notary -d "$NOTARY_TRUST" -s "$NOTARY_URL" lookup "$G" v1 "${static_cmd[@]}")
a=$(echo "$all" | sed -n 1p)
b=$(echo "$all" | sed -n 2p)
sa=$(echo "$all" | sed -n 3p)
echo "sign verify --trust-server  $(field "$a" 1) ms   ($SIGN --home V --trust-server $NOTARY_URL verify $G:v1)"
echo "notary lookup               $(field "$b" 1) ms   (notary -d D -s $NOTARY_URL lookup $G v1)"
echo "speed-up                    $(ratio "$(field "$b" 1)" "$(field "$a" 1)")x   (goal: >= 4)"
if [ -n "$SS" ]; then
	echo "sign verify, STATIC=1       $(field "$sa" 1) ms   ($SS --home V --trust-server $NOTARY_URL verify $G:v1)"
	echo "speed-up, STATIC=1          $(ratio "$(field "$b" 1)" "$(field "$sa" 1)")x   (goal: >= 4)"
fi
ra=$(/usr/bin/time -f %M "$SIGN" --home "$V" --trust-server "$NOTARY_URL" verify "$G:v1" 2>&1 >/dev/null | tail -1)
rb=$(/usr/bin/time -f %M notary -d "$NOTARY_TRUST" -s "$NOTARY_URL" lookup "$G" v1 2>&1 >/dev/null | tail -1)
echo "peak RSS sign / notary      $ra / $rb KiB = $(ratio "$ra" "$rb")   (goal: <= 0.75; /usr/bin/time -f %M)"
if [ -n "$SS" ]; then
	rsa=$(/usr/bin/time -f %M "$SS" --home "$V" --trust-server "$NOTARY_URL" verify "$G:v1" 2>&1 >/dev/null | tail -1)
	echo "peak RSS STATIC=1 / notary  $rsa / $rb KiB = $(ratio "$rsa" "$rb")   (goal: <= 0.75)"
fi

echo
echo "== Notary server: sign and publish one tag (5 tags each)"
GN="example.com/bench/notary"
printf 'bench payload\n' >"$WORK/payload.txt"
notary_cli init "$GN" >/dev/null 2>&1 && notary_cli publish "$GN" >/dev/null 2>&1
cat >"$WORK/notary-add-publish.sh" <<SH
#!/bin/sh
notary -d "$NOTARY_TRUST" -s "$NOTARY_URL" add "$GN" "\$1" "$WORK/payload.txt" >/dev/null 2>&1 &&
notary -d "$NOTARY_TRUST" -s "$NOTARY_URL" publish "$GN" >/dev/null 2>&1
SH
chmod +x "$WORK/notary-add-publish.sh"
curl -sf -H "Accept: application/vnd.oci.image.manifest.v1+json" "http://$G/manifests/v1" >/dev/null 2>&1 || true
M="$WORK/nb-manifest.json"
curl -sf -H "Accept: application/vnd.oci.image.manifest.v1+json" "http://$REG/v2/nbench/manifests/v1" >"$M"
ts=0
tn=0
for i in 1 2 3 4 5; do
	curl -sf -X PUT -H "Content-Type: application/vnd.oci.image.manifest.v1+json" --data-binary @"$M" \
		"http://$REG/v2/nbench/manifests/p$i" >/dev/null
	x=$("$T" 1 "$SIGN" --home "$P" --trust-server "$NOTARY_URL" push "$G:p$i")
	y=$("$T" 1 "$WORK/notary-add-publish.sh" "p$i")
	ts=$(awk -v a="$ts" -v b="$(field "$x" 1)" 'BEGIN{print a+b}')
	tn=$(awk -v a="$tn" -v b="$(field "$y" 1)" 'BEGIN{print a+b}')
	if [ -n "$SS" ]; then
		curl -sf -X PUT -H "Content-Type: application/vnd.oci.image.manifest.v1+json" --data-binary @"$M" \
			"http://$REG/v2/nbench/manifests/q$i" >/dev/null
		z=$("$T" 1 "$SS" --home "$P" --trust-server "$NOTARY_URL" push "$G:q$i")
		tss=$(awk -v a="${tss:-0}" -v b="$(field "$z" 1)" 'BEGIN{print a+b}')
	fi
done
echo "sign push --trust-server    $(awk -v t="$ts" 'BEGIN{printf "%.1f", t/5}') ms   ($SIGN --home P --trust-server URL push $G:pI)"
echo "notary add + publish        $(awk -v t="$tn" 'BEGIN{printf "%.1f", t/5}') ms   (notary add $GN pI FILE && notary publish $GN)"
echo "speed-up                    $(ratio "$tn" "$ts")x   (goal: >= 5)"
if [ -n "$SS" ]; then
	echo "sign push, STATIC=1         $(awk -v t="$tss" 'BEGIN{printf "%.1f", t/5}') ms   ($SS --home P --trust-server URL push $G:qI)"
	echo "speed-up, STATIC=1          $(ratio "$tn" "$tss")x   (goal: >= 5)"
fi
echo "note: sign decrypts the repository key, stored in cosign's scrypt format (N=65536) as SPEC §4 asks."
nrefs=""
for i in 1 2 3 4 5; do
	curl -sf -X PUT -H "Content-Type: application/vnd.oci.image.manifest.v1+json" --data-binary @"$M" \
		"http://$REG/v2/nbench/manifests/r$i" >/dev/null
	nrefs="$nrefs $G:r$i"
done
cat >"$WORK/notary-batch.sh" <<SH
#!/bin/sh
for t in r1 r2 r3 r4 r5; do
	notary -d "$NOTARY_TRUST" -s "$NOTARY_URL" add "$GN" "b\$t" "$WORK/payload.txt" >/dev/null 2>&1 || exit 1
done
notary -d "$NOTARY_TRUST" -s "$NOTARY_URL" publish "$GN" >/dev/null 2>&1
SH
chmod +x "$WORK/notary-batch.sh"
# shellcheck disable=SC2086
x=$("$T" 1 "$SIGN" --home "$P" --trust-server "$NOTARY_URL" push $nrefs)
y=$("$T" 1 "$WORK/notary-batch.sh")
echo "5 tags in one sign push    $(field "$x" 1) ms; notary: $(field "$y" 1) ms; speed-up $(ratio "$(field "$y" 1)" "$(field "$x" 1)")x   (sign push --trust-server URL $G:r1 ... $G:r5; notary add x5 + one notary publish)"

echo
echo "== Notary server: verify $NT tags"
GM="$REG/many"
seed "$GM:t0" 62 >/dev/null
curl -sf -H "Accept: application/vnd.oci.image.manifest.v1+json" "http://$REG/v2/many/manifests/t0" >"$WORK/many.json"
# the tags are added with notary itself (one publish), then read by both
notary_cli init "$GM" >/dev/null 2>&1 || { echo "bench: notary init failed" >&2; exit 1; }
for i in $(seq 1 "$NT"); do
	notary_cli add "$GM" "t$i" "$WORK/many.json" >/dev/null 2>&1 || true
done
echo "(publishing $NT tags with notary publish)"
notary_cli publish "$GM" >/dev/null 2>&1 || { echo "bench: notary publish failed" >&2; exit 1; }
refs=()
for i in $(seq 1 "$NT"); do refs+=("$GM:t$i"); done
"$SIGN" --home "$V" --trust-server "$NOTARY_URL" verify "$GM:t1" >/dev/null 2>&1
vs=$("$T" 1 "$SIGN" --home "$V" --trust-server "$NOTARY_URL" verify "${refs[@]}")
cat >"$WORK/lookups.sh" <<SH
#!/bin/sh
i=1
while [ \$i -le $NT ]; do
	notary -d "$NOTARY_TRUST" -s "$NOTARY_URL" lookup "$GM" "t\$i" >/dev/null 2>&1 || exit 1
	i=\$((i + 1))
done
SH
chmod +x "$WORK/lookups.sh"
vn=$("$T" 1 "$WORK/lookups.sh")
echo "one sign verify of $NT refs $(field "$vs" 1) ms (exit $(field "$vs" 4))   ($SIGN --trust-server URL verify $GM:t1 ... $GM:t$NT)"
echo "$NT notary lookup calls    $(field "$vn" 1) ms (exit $(field "$vn" 4))   (notary lookup $GM tI, for I in 1..$NT)"
echo "speed-up                    $(ratio "$(field "$vn" 1)" "$(field "$vs" 1)")x   (goal: >= 20)"
if [ -n "$SS" ]; then
	vss=$("$T" 1 "$SS" --home "$V" --trust-server "$NOTARY_URL" verify "${refs[@]}")
	echo "STATIC=1 sign verify        $(field "$vss" 1) ms (exit $(field "$vss" 4))   ($SS --trust-server URL verify $GM:t1 ... $GM:t$NT)"
	echo "speed-up, STATIC=1          $(ratio "$(field "$vn" 1)" "$(field "$vss" 1)")x   (goal: >= 20)"
fi
finish >/dev/null

# thousands of tags: BENCH_TAGS (default 10,000) through sign push
# --refs-from and notary publish, then verify and push at that scale; a
# script of its own, also run by itself
echo
bash "$(dirname "$0")/bench_scale.sh" "$SIGN_BUILD" "${2:-}"

# sign admission against nginx, cached and uncached, and its RSS over many
# reviews: a script of its own, also run by itself
echo
bash "$(dirname "$0")/bench_admission.sh" "$SIGN_BUILD"
