#!/bin/bash
# bench_admission.sh [BUILD] - the performance goals of `sign admission`,
# measured side by side in one run and printed as ratios with the command
# that made each number (the end of `make bench`, or run by itself after
# `make all-tests`).  Not a test: nothing here fails on a slow machine.
#   1. cached decisions over TLS keep-alive: wrk against nginx serving a
#      static file and against sign admission, the same TLS certificate,
#      workers, load and request body (an AdmissionReview naming its image
#      by digest, as /mutate leaves it)
#   2. an uncached decision (--cache-ttl 0) against the library's own
#      verify of the same image, in process (tests/tools/admtime.c)
#   3. the server's RSS over BENCH_ADM_REVIEWS (default 1,000,000) cached
#      reviews after a warm-up of BENCH_ADM_WARMUP (default 50,000), and
#      the answers that were not 200 and allowed
# BENCH_ADM_SECONDS (default 10) is each wrk run's length, BENCH_RUNS
# (default 30) the rounds of part 2, BENCH_ADM_PARTS (default 123) the parts
# run (e.g. 1 for the throughput alone).
set -u
export SIGN_BUILD=${1:-${SIGN_BUILD:-build}}
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/admission.sh"

CORES=$(nproc)
SECS=${BENCH_ADM_SECONDS:-10}
N=${BENCH_RUNS:-30}
REVIEWS=${BENCH_ADM_REVIEWS:-1000000}
WARMUP=${BENCH_ADM_WARMUP:-50000}
CONNS=16
LUA="$TOP/tests/bench/review.lua"
PARTS=${BENCH_ADM_PARTS:-123}
part() { case "$PARTS" in *"$1"*) return 0 ;; esac; return 1; }
AT="$TOOLS/admtime"

for t in wrk nginx jq; do
	command -v "$t" >/dev/null 2>&1 || { echo "bench: $t is missing (scripts/install-deps.sh bench)" >&2; exit 1; }
done
[ -x "$AT" ] || { echo "bench: $AT is missing (make all-tests)" >&2; exit 1; }

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
# wrk's figures: requests/s, the 99th percentile in ms, non-2xx answers and
# socket errors, from its --latency output in the file $1
wrk_rps() { awk '/^Requests\/sec:/ { print $2 }' "$1"; }
wrk_p99() {
	awk '$1 == "99%" { v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
		if (u == "us") v /= 1000; else if (u == "s") v *= 1000; else if (u == "m") v *= 60000;
		printf "%.2f\n", v }' "$1"
}
wrk_errors() {
	awk '/Non-2xx or 3xx responses:/ { n += $NF }
		/Socket errors:/ { gsub(/,/, ""); n += $4 + $6 + $8 + $10 }
		END { print n + 0 }' "$1"
}
vmrss() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
# die MESSAGE: stop, keeping the work folder (common.sh's cleanup keeps it
# when something failed) for its logs
die() {
	echo "bench: $*" >&2
	FAIL=1
	exit 1
}

start_registry admbench
seed "$REG/admbench:v1" 71 >/dev/null
P="$WORK/publisher"
"$SIGN" --home "$P" push "$REG/admbench:v1" >/dev/null 2>&1 || die "push failed"
DIGEST=$(skopeo inspect --raw --tls-verify=false "docker://$REG/admbench:v1" | sha256sum | sed 's/^/sha256:/; s/ .*//')
BYDIGEST="$REG/admbench@$DIGEST"
BYTAG="$REG/admbench:v1"

adm_certs "$WORK/certs" || die "no test certificate"
cat >"$WORK/policy.yaml" <<YML
rules:
- images: ["$REG/admbench"]
  trust: registry
- images: ["*"]
  action: deny
YML
adm_review Pod default bench "$BYDIGEST" >"$WORK/review-digest.json"
adm_review Pod default bench "$BYTAG" >"$WORK/review-tag.json"

# ---------------------------------------------------------------------------
# the cached server (parts 1 and 3), warmed by one review
ADM_GLOBAL="--home $WORK/adm-home"
start_admission cached "$WORK/policy.yaml" --workers "$CORES"
CACHED_URL=$ADM_URL
CACHED_PID=$ADM_PID
adm_post /validate "$WORK/review-digest.json"
if [ "$ADM_CODE" != 200 ] || [ "$(adm_allowed)" != true ]; then
	die "the warm-up review of $BYDIGEST was not allowed (HTTP $ADM_CODE): $(adm_message)$(adm_error)"
fi
cp "$ADM_BODY" "$WORK/answer.json"
ASIZE=$(wc -c <"$WORK/answer.json")

# nginx: the same certificate and key, as many workers, keep-alive, a
# static file as large as the answer (the answer itself), POSTed to like
# the webhook (a POST to a static file is a 405, which error_page turns
# back into the file)
NG="$WORK/nginx"
mkdir -p "$NG/www" "$NG/tmp"
cp "$WORK/answer.json" "$NG/www/answer.json"
NGPORT=$("$TOOLS/freeport")
# (as root, nginx's workers would otherwise drop to nobody, who cannot read
# the work folder; as another user the directive is ignored with a notice)
cat >"$NG/nginx.conf" <<CONF
user $(id -un) $(id -gn);
worker_processes $CORES;
daemon off;
pid $NG/nginx.pid;
error_log $NG/error.log notice;
events { worker_connections 1024; }
http {
	access_log $NG/access.log;
	client_body_temp_path $NG/tmp/body;
	proxy_temp_path $NG/tmp/proxy;
	fastcgi_temp_path $NG/tmp/fastcgi;
	uwsgi_temp_path $NG/tmp/uwsgi;
	scgi_temp_path $NG/tmp/scgi;
	keepalive_timeout 65;
	keepalive_requests 100000000;
	default_type application/json;
	server {
		listen 127.0.0.1:$NGPORT ssl;
		ssl_certificate $ADM_CERT;
		ssl_certificate_key $ADM_KEY;
		ssl_protocols TLSv1.2 TLSv1.3;
		root $NG/www;
		location / { error_page 405 =200 \$uri; }
	}
}
CONF
: >"$NG/error.log"
nginx -e "$NG/error.log" -p "$NG" -c "$NG/nginx.conf" &
NGPID=$!
PIDS="$PIDS $NGPID"
if ! wait_log "$NG/error.log" "start worker process"; then
	cat "$NG/error.log" >&2
	die "could not start nginx"
fi
NGURL="https://127.0.0.1:$NGPORT/answer.json"
code=$(curl -sS --cacert "$ADM_CA" -X POST -H 'Content-Type: application/json' \
	--data-binary "@$WORK/review-digest.json" -o "$WORK/ng-answer" -w '%{http_code}' "$NGURL")
if [ "$code" != 200 ] || ! cmp -s "$WORK/ng-answer" "$WORK/answer.json"; then
	die "nginx did not serve the answer file (HTTP $code)"
fi

if part 1; then
echo "== sign admission: cached decisions over TLS keep-alive ($CORES cores, $SECS s each)"
WRK=(wrk -t "$CORES" -c "$CONNS" -d "${SECS}s" --latency -s "$LUA")
"${WRK[@]}" "$NGURL" -- "$WORK/review-digest.json" >"$WORK/wrk-nginx" 2>&1
"${WRK[@]}" "$CACHED_URL/validate" -- "$WORK/review-digest.json" >"$WORK/wrk-sign" 2>&1
nr=$(wrk_rps "$WORK/wrk-nginx")
sr=$(wrk_rps "$WORK/wrk-sign")
echo "nginx static file      ${nr:-?} req/s, p99 $(wrk_p99 "$WORK/wrk-nginx") ms, $(wrk_errors "$WORK/wrk-nginx") errors   (${WRK[*]} $NGURL -- REVIEW; nginx: $CORES workers, the same cert, a $ASIZE-byte file)"
echo "sign admission         ${sr:-?} req/s, p99 $(wrk_p99 "$WORK/wrk-sign") ms, $(wrk_errors "$WORK/wrk-sign") errors   (${WRK[*]} $CACHED_URL/validate -- REVIEW; sign admission --workers $CORES, REVIEW: a Pod running $BYDIGEST)"
echo "ratio sign/nginx       $(ratio "${sr:-0}" "${nr:-0}")   (goal: >= 0.50)"
echo "sign p99               $(wrk_p99 "$WORK/wrk-sign") ms   (goal: <= 5)"
if command -v hey >/dev/null 2>&1; then
	# a second client, Go's HTTP and TLS stacks instead of wrk's
	HEY=(hey -z "${SECS}s" -c "$CONNS" -m POST -T application/json -D "$WORK/review-digest.json")
	"${HEY[@]}" "$NGURL" >"$WORK/hey-nginx" 2>&1
	"${HEY[@]}" "$CACHED_URL/validate" >"$WORK/hey-sign" 2>&1
	hn=$(awk '/Requests\/sec:/ { print $2 }' "$WORK/hey-nginx")
	hs=$(awk '/Requests\/sec:/ { print $2 }' "$WORK/hey-sign")
	hp=$(awk '/99% in/ { printf "%.2f", $3 * 1000 }' "$WORK/hey-sign")
	echo "with hey: nginx ${hn:-?} req/s, sign ${hs:-?} req/s, ratio $(ratio "${hs:-0}" "${hn:-0}"), sign p99 ${hp:-?} ms   (${HEY[*]} URL)"
fi

fi

# ---------------------------------------------------------------------------
if part 2; then
echo
echo "== sign admission: uncached decision for one image against the library's verify ($N rounds, medians)"
start_admission uncached "$WORK/policy.yaml" --workers "$CORES" --cache-ttl 0
UNCACHED_URL=$ADM_URL
UNCACHED_PID=$ADM_PID
out=$("$AT" uncached "$N" "$WORK/lib-home" "$BYTAG" "$UNCACHED_URL/validate" "$ADM_CA" "$WORK/review-tag.json")
vm=$(echo "$out" | awk '$1 == "verify" { print $2 }')
rv=$(echo "$out" | awk '$1 == "review" { print $2 }')
echo "library sign_verify    ${vm:-?} ms, $(echo "$out" | awk '$1 == "verify" { print $5 }') failures   ($AT uncached $N HOME $BYTAG ...: a fresh sign_ctx each, in process)"
echo "uncached review        ${rv:-?} ms, $(echo "$out" | awk '$1 == "review" { print $5 }') errors, p99 $(echo "$out" | awk '$1 == "review" { print $4 }') ms   (POST $UNCACHED_URL/validate over one keep-alive connection; sign admission --cache-ttl 0; a Pod running $BYTAG)"
echo "difference             $(awk -v a="${rv:-0}" -v b="${vm:-0}" 'BEGIN { printf "%.2f", a - b }') ms   (goal: within 2)"
cv=$("$TOOLS/timeit" "$N" "$SIGN" --home "$WORK/lib-home" verify "$BYTAG")
echo "CLI sign verify        $(echo "$cv" | cut -d' ' -f1) ms   ($TOOLS/timeit $N $SIGN --home H verify $BYTAG: a process each)"
adm_get /metrics
echo "server's own count     $(awk '/^sign_admission_verifications_total / { print $2 }' "$ADM_BODY") verifications, $(awk '/^sign_admission_cache_hits_total / { print $2 }' "$ADM_BODY") cache hits for $((N + 1)) reviews   (GET $UNCACHED_URL/metrics)"
kill "$UNCACHED_PID" 2>/dev/null
wait "$UNCACHED_PID" 2>/dev/null
fi

# ---------------------------------------------------------------------------
part 3 || exit 0
echo
echo "== sign admission: $REVIEWS cached reviews, RSS and errors"
"$AT" load "$WARMUP" "$CONNS" "$CACHED_URL/validate" "$ADM_CA" "$WORK/review-digest.json" >"$WORK/warm" 2>&1
r0=$(vmrss "$CACHED_PID")
"$AT" load "$REVIEWS" "$CONNS" "$CACHED_URL/validate" "$ADM_CA" "$WORK/review-digest.json" >"$WORK/load" 2>"$WORK/load.err"
r1=$(vmrss "$CACHED_PID")
read -r done_ errs secs <"$WORK/load"
echo "RSS after warm-up      $r0 KiB   ($AT load $WARMUP $CONNS $CACHED_URL/validate CA REVIEW; VmRSS of /proc/$CACHED_PID/status)"
echo "RSS after the reviews  $r1 KiB   ($AT load $REVIEWS $CONNS $CACHED_URL/validate CA REVIEW: $secs s)"
echo "growth                 $(awk -v a="$r1" -v b="$r0" 'BEGIN { if (b > 0) printf "%.2f", (a - b) * 100 / b; else print "n/a" }') %   (goal: <= 5)"
echo "errors                 $errs of $done_   (answers not 200 or not allowed; goal: 0)"
if [ -s "$WORK/load.err" ]; then
	sed 's/^/  first error: /' "$WORK/load.err" | head -2
fi
