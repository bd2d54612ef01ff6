#!/bin/bash
# test_admission_server.sh - the HTTPS server of `sign admission` (issue
# 13): routes, health and metrics, bounds on bodies, keep-alive,
# certificate rotation on disk, policy reload on SIGHUP, draining on
# SIGTERM, refusals at start.  Policies of allow and deny rules need no
# registry; a silent registry is tests/tools/hostile in mode hang.  The
# verification scenarios against a real registry and notary-server are in
# test_admission.sh.
. "$(dirname "$0")/../lib/common.sh"
. "$TOP/tests/lib/admission.sh"

adm_certs "$WORK/certs"
CERT_A=$ADM_CERT
KEY_A=$ADM_KEY

POLICY="$WORK/policy.yaml"
cat >"$POLICY" <<'YML'
rules:
- images: ["registry.example.com/public/*"]
  action: allow
- images: ["*"]
  action: deny
exemptNamespaces: [kube-system]
YML

# ---- refusals at start, usage, --check ----

run "--check on a good policy" 0 "$SIGN" admission --check --policy "$POLICY"
expect "… says how many rules and OK" has "^policy $POLICY: 2 rules, OK$" "$OUT"

run "--check with a certificate and its key" 0 "$SIGN" admission --check --policy "$POLICY" \
	--tls-cert "$CERT_A" --tls-key "$KEY_A"
expect "… says the pair is OK" has "^certificate $CERT_A (/CN=sign admission test) and key $KEY_A: OK$" "$OUT"
expect "… and the policy" has "^policy $POLICY: 2 rules, OK$" "$OUT"

BROKEN="$WORK/broken.yaml"
printf 'rules:\n- images: ["registry.example.com/*"]\n  action: perhaps\n' >"$BROKEN"
run "--check on a broken policy exits 2" 2 "$SIGN" admission --check --policy "$BROKEN"
expect "… naming the file and the fault" has "^sign: .*broken.yaml.*perhaps" "$ERR"

run "a broken policy at start exits 2" 2 "$SIGN" admission --listen 127.0.0.1:0 \
	--tls-cert "$CERT_A" --tls-key "$KEY_A" --policy "$BROKEN"
expect "… with the policy's fault" has "^sign: .*broken.yaml.*perhaps" "$ERR"
expect "… before listening" lacks "listening on" "$ERR"

run "a missing policy at start exits 2" 2 "$SIGN" admission --listen 127.0.0.1:0 \
	--tls-cert "$CERT_A" --tls-key "$KEY_A" --policy "$WORK/nope.yaml"
expect "… naming it" has "^sign: .*nope.yaml" "$ERR"

adm_certs "$WORK/certs" other
CERT_O=$ADM_CERT
KEY_O=$ADM_KEY
run "a key that does not match the certificate exits 2" 2 "$SIGN" admission \
	--listen 127.0.0.1:0 --tls-cert "$CERT_A" --tls-key "$KEY_O" --policy "$POLICY"
expect "… saying so" has "^sign: TLS certificate: .*the key does not match the certificate" "$ERR"

run "--check with a key that does not match exits 2" 2 "$SIGN" admission --check --policy "$POLICY" \
	--tls-cert "$CERT_A" --tls-key "$KEY_O"
expect "… saying so" has "^sign: TLS certificate: .*the key does not match the certificate" "$ERR"

run "a certificate file that is no certificate exits 2" 2 "$SIGN" admission \
	--listen 127.0.0.1:0 --tls-cert "$POLICY" --tls-key "$KEY_A" --policy "$POLICY"
expect "… naming it" has "^sign: TLS certificate: reading the certificate .*policy.yaml" "$ERR"

run "--deadline 30 is refused (the webhook's timeout is 10 s at most 30)" 2 "$SIGN" admission \
	--listen 127.0.0.1:0 --tls-cert "$CERT_A" --tls-key "$KEY_A" --policy "$POLICY" --deadline 30
expect "… with the reason" has "^sign: --deadline 30: want seconds, more than 0 and less than 30" "$ERR"
run "--deadline 0 is refused" 2 "$SIGN" admission --listen 127.0.0.1:0 \
	--tls-cert "$CERT_A" --tls-key "$KEY_A" --policy "$POLICY" --deadline 0
expect "… with the reason" has "^sign: --deadline 0: want seconds" "$ERR"
run "--workers 0 is refused" 2 "$SIGN" admission --listen 127.0.0.1:0 \
	--tls-cert "$CERT_A" --tls-key "$KEY_A" --policy "$POLICY" --workers 0
expect "… with the reason" has "^sign: --workers 0: want a whole number from 1 to 256" "$ERR"
run "--cache-ttl -2 is refused" 2 "$SIGN" admission --listen 127.0.0.1:0 \
	--tls-cert "$CERT_A" --tls-key "$KEY_A" --policy "$POLICY" --cache-ttl -2
expect "… with the reason" has "^sign: --cache-ttl -2: want a whole number from -1 to " "$ERR"
run "no --tls-cert is a usage error" 2 "$SIGN" admission --listen 127.0.0.1:0 --policy "$POLICY"
expect "… naming what is missing" has "^sign: admission needs --listen ADDR:PORT, --tls-cert FILE and --tls-key FILE" "$ERR"
run "a bad --listen is refused" 2 "$SIGN" admission --listen nowhere \
	--tls-cert "$CERT_A" --tls-key "$KEY_A" --policy "$POLICY"
expect "… with the reason" has "^sign: --listen nowhere: want ADDR:PORT" "$ERR"
run "--io-threads 0 is refused" 2 "$SIGN" admission --listen 127.0.0.1:0 \
	--tls-cert "$CERT_A" --tls-key "$KEY_A" --policy "$POLICY" --io-threads 0
expect "… with the reason" has "^sign: --io-threads 0: want a whole number from 1 to 16" "$ERR"
run "admission --help" 0 "$SIGN" admission --help
for o in --listen --tls-cert --tls-key --policy --workers --io-threads --queue --deadline --cache-entries \
	--cache-ttl --resolve-cache --audit-log --check; do
	expect "… lists $o" has "  $o " "$OUT"
done

# ---- a running server: routes, health, metrics ----

# the certificate files the server reads, replaced later by rename
mkdir -p "$WORK/live"
cp "$CERT_A" "$WORK/live/tls.crt"
cp "$KEY_A" "$WORK/live/tls.key"
ADM_CERT="$WORK/live/tls.crt"
ADM_KEY="$WORK/live/tls.key"
ADM_GLOBAL="-v"
start_admission main "$POLICY" --audit-log "$WORK/audit.log" --io-threads 2
ADM_GLOBAL=""
MAIN_PID=$ADM_PID
MAIN_URL=$ADM_URL
echo "# server at $ADM_URL"
expect "the start line names the policy generation, the workers and the I/O threads" \
	has "^sign admission: listening on https://127.0.0.1:[0-9]* (policy generation 1, 4 workers, 2 I/O threads)$" "$ADM_LOG"

adm_get /healthz
expect "GET /healthz: 200 ok" test "$ADM_CODE:$(cat "$ADM_BODY")" = "200:ok"
adm_get /readyz
expect "GET /readyz: 200 with a policy in force" test "$ADM_CODE" = 200

adm_get /metrics
cp "$ADM_BODY" "$WORK/metrics0"
expect "GET /metrics: 200" test "$ADM_CODE" = 200
for m in "sign_admission_reviews_total counter" "sign_admission_review_duration_seconds histogram" \
	"sign_admission_cache_hits_total counter" "sign_admission_cache_misses_total counter" \
	"sign_admission_verifications_in_flight gauge" "sign_admission_upstream_errors_total counter" \
	"sign_admission_deadline_exceeded_total counter" "sign_admission_policy_generation gauge" \
	"sign_admission_policy_reload_failures_total counter"; do
	expect "… # TYPE $m" has "^# TYPE $m$" "$WORK/metrics0"
	expect "… # HELP ${m%% *}" has "^# HELP ${m%% *} " "$WORK/metrics0"
done
expect "… the histogram's buckets from 0.0005 to 10 s, +Inf, sum and count" \
	eval 'has "^sign_admission_review_duration_seconds_bucket{le=\"0.0005\"} 0$" "$WORK/metrics0" &&
	has "^sign_admission_review_duration_seconds_bucket{le=\"10\"} 0$" "$WORK/metrics0" &&
	has "^sign_admission_review_duration_seconds_bucket{le=\"+Inf\"} 0$" "$WORK/metrics0" &&
	has "^sign_admission_review_duration_seconds_sum " "$WORK/metrics0" &&
	has "^sign_admission_review_duration_seconds_count 0$" "$WORK/metrics0"'
expect "… the policy's generation" has "^sign_admission_policy_generation 1$" "$WORK/metrics0"

adm_review Pod default allowed registry.example.com/public/app:1 >"$WORK/allow.json"
adm_post /validate "$WORK/allow.json"
expect "POST /validate of an allowed image: 200, allowed" test "$ADM_CODE:$(adm_allowed)" = "200:true"
expect "… the answer carries the review's uid" test "$(adm_uid)" = "$(jq -r .request.uid "$WORK/allow.json")"
expect "… as an AdmissionReview" test "$(jq -r '.apiVersion + " " + .kind' "$ADM_BODY")" = "admission.k8s.io/v1 AdmissionReview"
ctype=$(curl -sS --cacert "$ADM_CA" -o /dev/null -w '%{content_type}' -H 'Content-Type: application/json' \
	--data-binary "@$WORK/allow.json" "$ADM_URL/validate")
expect "… with Content-Type application/json" test "$ctype" = "application/json"

adm_review Deployment team denied registry.example.com/private/app:1 >"$WORK/deny.json"
adm_post /validate "$WORK/deny.json"
expect "POST /validate of an unmatched image: 200, denied" test "$ADM_CODE:$(adm_allowed)" = "200:false"
expect "… the message names the image" eval '[[ "$(adm_message)" == *registry.example.com/private/app:1* ]]'

adm_review Pod kube-system exempt registry.example.com/private/app:1 >"$WORK/exempt.json"
adm_post /mutate "$WORK/exempt.json"
expect "POST /mutate in an exempt namespace: 200, allowed" test "$ADM_CODE:$(adm_allowed)" = "200:true"

# the audit: one JSON line per decision on stdout, and in --audit-log
wait_log "$ADM_AUDIT" "$(jq -r .request.uid "$WORK/exempt.json")"
expect "the audit has one JSON line per decision" test "$(jq -c . "$ADM_AUDIT" | wc -l)" -eq 4
expect "… naming the review's uid" has "$(jq -r .request.uid "$WORK/deny.json")" "$ADM_AUDIT"
expect "… and --audit-log has the same lines" cmp -s "$ADM_AUDIT" "$WORK/audit.log"

adm_get /metrics
cp "$ADM_BODY" "$WORK/metrics1"
expect "the metrics count the allowed reviews" has '^sign_admission_reviews_total{result="allow"} 3$' "$WORK/metrics1"
expect "… and the denied one" has '^sign_admission_reviews_total{result="deny"} 1$' "$WORK/metrics1"
expect "… and the histogram counts them" has "^sign_admission_review_duration_seconds_count 4$" "$WORK/metrics1"
expect "… in its +Inf bucket" has '^sign_admission_review_duration_seconds_bucket{le="+Inf"} 4$' "$WORK/metrics1"

# ---- routes and methods ----

adm_get /nowhere
expect "GET /nowhere: 404" test "$ADM_CODE" = 404
expect "… saying which paths exist" eval '[[ "$(adm_error)" == "no such path: "*"POST /validate"* ]]'
adm_get /validate
expect "GET /validate: 405" test "$ADM_CODE" = 405
expect "… saying to use POST" test "$(adm_error)" = "method not allowed: use POST"
ADM_CODE=$(curl -sS --cacert "$ADM_CA" -X DELETE -o "$ADM_BODY" -w '%{http_code}' "$ADM_URL/mutate")
expect "DELETE /mutate: 405" test "$ADM_CODE" = 405
expect "… saying to use POST" test "$(adm_error)" = "method not allowed: use POST"
adm_post /healthz "$WORK/allow.json"
expect "POST /healthz: 405" test "$ADM_CODE" = 405
expect "… saying to use GET" test "$(adm_error)" = "method not allowed: use GET"

# ---- bad bodies ----

printf '{"apiVersion": "admission.k8s.io/v1", "kind": ' >"$WORK/malformed.json"
adm_post /validate "$WORK/malformed.json"
expect "malformed JSON: 400" test "$ADM_CODE" = 400
expect "… with a message" eval '[[ "$(adm_error)" == "admission review"* ]]'
printf '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}' >"$WORK/norequest.json"
adm_post /validate "$WORK/norequest.json"
expect "a review without request: 400" test "$ADM_CODE" = 400
expect "… with a message naming request" eval '[[ "$(adm_error)" == *request* ]]'

# a real review padded with blanks to 3 MiB + 1 byte (JSON allows them)
big="$WORK/big.json"
cp "$WORK/allow.json" "$big"
truncate -s $((3 * 1024 * 1024 + 1)) "$big"
sed -i 's/\x0/ /g' "$big"
adm_post /validate "$big"
expect "a body over 3 MiB: 400" test "$ADM_CODE" = 400
expect "… saying so" test "$(adm_error)" = "request body over 3 MiB"
truncate -s $((3 * 1024 * 1024)) "$big"
adm_post /validate "$big"
expect "a review of exactly 3 MiB is decided" test "$ADM_CODE:$(adm_allowed)" = "200:true"

# far larger: evhttp refuses it itself, before reading it
truncate -s $((4 * 1024 * 1024)) "$big"
adm_post /validate "$big"
expect "a body of 4 MiB: refused by the HTTP layer (413)" test "$ADM_CODE" = 413
# headers past 64 KiB
head -c 70000 /dev/zero | tr '\0' 'a' >"$WORK/hdr"
ADM_CODE=$(curl -sS --cacert "$ADM_CA" -o /dev/null -w '%{http_code}' -H "X-Big: $(cat "$WORK/hdr")" \
	"$ADM_URL/healthz" 2>/dev/null)
expect "headers over 64 KiB: refused" eval '[ "$ADM_CODE" != 200 ]'
adm_get /healthz
expect "… and the server goes on" test "$ADM_CODE:$(cat "$ADM_BODY")" = "200:ok"

adm_get /metrics
expect "the 400s count as errors" has '^sign_admission_reviews_total{result="error"} 3$' "$ADM_BODY"

# ---- keep-alive: two requests on one connection ----

curl -sS --cacert "$ADM_CA" -o /dev/null -o /dev/null -w '%{num_connects}\n' \
	"$ADM_URL/healthz" "$ADM_URL/readyz" >"$OUT" 2>"$ERR"
expect "keep-alive: the second request reuses the first's connection" \
	test "$(tr '\n' ' ' <"$OUT")" = "1 0 "
curl -sS --cacert "$ADM_CA" -o /dev/null -o /dev/null -w '%{num_connects} %{http_code}\n' \
	-H 'Content-Type: application/json' --data-binary "@$WORK/allow.json" \
	"$ADM_URL/validate" "$ADM_URL/validate" >"$OUT" 2>"$ERR"
expect "… and so do two reviews" test "$(tr '\n' ' ' <"$OUT")" = "1 200 0 200 "

# ---- certificate rotation on disk ----

subject() {
	openssl s_client -connect "${ADM_URL#https://}" -CAfile "$ADM_CA" -verify_return_error \
		</dev/null 2>/dev/null | openssl x509 -noout -subject -serial 2>/dev/null
}
subject >"$OUT"
expect "the server serves certificate A" has "CN *= *sign admission test$" "$OUT"
adm_certs "$WORK/certs" rotated-b
cp "$ADM_CERT" "$WORK/live/.tls.crt.new"
cp "$ADM_KEY" "$WORK/live/.tls.key.new"
serial_b=$(openssl x509 -in "$ADM_CERT" -noout -serial)
ADM_CERT="$WORK/live/tls.crt"
ADM_KEY="$WORK/live/tls.key"
mv "$WORK/live/.tls.key.new" "$WORK/live/tls.key"
mv "$WORK/live/.tls.crt.new" "$WORK/live/tls.crt"
if wait_log "$ADM_LOG" "^sign admission: certificate reloaded: .*CN=rotated-b"; then
	ok "certificate files replaced by rename: the server says it took them"
else
	bad "certificate files replaced by rename: the server says it took them" "no log line"
fi
subject >"$OUT"
expect "… a new connection sees certificate B" has "CN *= *rotated-b$" "$OUT"
expect "… by its serial" has "^$serial_b$" "$OUT"
adm_post /validate "$WORK/allow.json"
expect "… and reviews go on" test "$ADM_CODE:$(adm_allowed)" = "200:true"

# a Secret volume: the files are symlinks through ..data, swapped at once
mkdir -p "$WORK/secret/..v1" "$WORK/secret/..v2"
cp "$WORK/live/tls.crt" "$WORK/live/tls.key" "$WORK/secret/..v1/"
ln -s ..v1 "$WORK/secret/..data"
ln -s ..data/tls.crt "$WORK/secret/tls.crt"
ln -s ..data/tls.key "$WORK/secret/tls.key"
ADM_CERT="$WORK/secret/tls.crt"
ADM_KEY="$WORK/secret/tls.key"
start_admission secret "$POLICY"
SECRET_PID=$ADM_PID
adm_certs "$WORK/certs" rotated-c
cp "$ADM_CERT" "$WORK/secret/..v2/tls.crt"
cp "$ADM_KEY" "$WORK/secret/..v2/tls.key"
ln -s ..v2 "$WORK/secret/..data_tmp"
mv -T "$WORK/secret/..data_tmp" "$WORK/secret/..data"
ADM_CERT="$WORK/secret/tls.crt"
ADM_KEY="$WORK/secret/tls.key"
if wait_log "$ADM_LOG" "^sign admission: certificate reloaded: .*CN=rotated-c"; then
	ok "a Secret volume's symlink swap: the server says it took the new pair"
else
	bad "a Secret volume's symlink swap: the server says it took the new pair" "no log line"
fi
subject >"$OUT"
expect "… a new connection sees certificate C" has "CN *= *rotated-c$" "$OUT"
# a key that does not match: the old pair stays
cp "$KEY_O" "$WORK/secret/..v2/tls.key.new"
mv "$WORK/secret/..v2/tls.key.new" "$WORK/secret/..v2/tls.key"
if wait_log "$ADM_LOG" "^sign admission: certificate reload failed: .*the key does not match the certificate; keeping .*CN=rotated-c"; then
	ok "a new key that does not match: the server says why and keeps the old pair"
else
	bad "a new key that does not match: the server says why and keeps the old pair" "no log line"
fi
subject >"$OUT"
expect "… and still serves C" has "CN *= *rotated-c$" "$OUT"
kill -TERM "$SECRET_PID"
wait "$SECRET_PID"
expect "… and stops with 0 on SIGTERM" test $? -eq 0
ADM_CERT="$WORK/live/tls.crt"
ADM_KEY="$WORK/live/tls.key"

# ---- SIGHUP: a broken policy keeps the old one, a good one takes over ----

ADM_LOG="$WORK/main.log"
ADM_URL=$MAIN_URL
cp "$POLICY" "$WORK/policy.good"
printf 'rules: [ {images: ["*"], action: ' >"$POLICY"
kill -HUP "$MAIN_PID"
if wait_log "$ADM_LOG" "^sign admission: policy reload failed: .*; keeping generation 1$"; then
	ok "SIGHUP with a broken policy: the server says why and keeps generation 1"
else
	bad "SIGHUP with a broken policy: the server says why and keeps generation 1" "no log line"
fi
expect "… naming the file" has "policy reload failed: .*policy.yaml" "$ADM_LOG"
adm_post /validate "$WORK/allow.json"
expect "… reviews are still decided by the old policy" test "$ADM_CODE:$(adm_allowed)" = "200:true"
adm_get /readyz
expect "… and the server is still ready" test "$ADM_CODE" = 200
cat >"$POLICY" <<'YML'
rules:
- images: ["registry.example.com/private/*"]
  action: allow
- images: ["*"]
  action: deny
YML
kill -HUP "$MAIN_PID"
if wait_log "$ADM_LOG" "^sign admission: policy reloaded: generation 2$"; then
	ok "SIGHUP with a good policy: generation 2"
else
	bad "SIGHUP with a good policy: generation 2" "no log line"
fi
adm_post /validate "$WORK/allow.json"
expect "… takes effect: public/ is now denied" test "$ADM_CODE:$(adm_allowed)" = "200:false"
adm_review Pod default now-allowed registry.example.com/private/app:2 >"$WORK/allow2.json"
adm_post /validate "$WORK/allow2.json"
expect "… and private/ allowed" test "$ADM_CODE:$(adm_allowed)" = "200:true"
adm_get /metrics
expect "… the metrics show generation 2" has "^sign_admission_policy_generation 2$" "$ADM_BODY"
expect "… and one failed reload" has "^sign_admission_policy_reload_failures_total 1$" "$ADM_BODY"

# ---- --watch-policy: a ConfigMap volume's edit reaches the server ----
# The kubelet's layout: policy.yaml -> ..data/policy.yaml, ..data -> a
# timestamped folder, swapped by a rename of the ..data link.
CMV="$WORK/cm"
mkdir -p "$CMV/..v1" "$CMV/..v2" "$CMV/..v3"
printf 'rules:\n- images: ["registry.example.com/public/*"]\n  action: allow\n' >"$CMV/..v1/policy.yaml"
printf 'rules:\n- images: ["registry.example.com/public/*"]\n  action: deny\n' >"$CMV/..v2/policy.yaml"
printf 'rules: [ {images: ["*"], action: ' >"$CMV/..v3/policy.yaml"
ln -s ..v1 "$CMV/..data"
ln -s ..data/policy.yaml "$CMV/policy.yaml"
cm_swap() { ln -s "$1" "$CMV/..data_tmp" && mv -T "$CMV/..data_tmp" "$CMV/..data"; }
start_admission watch "$CMV/policy.yaml" --watch-policy
WATCH_PID=$ADM_PID
adm_post /validate "$WORK/allow.json"
expect "--watch-policy, a policy read through a ConfigMap volume's links: allowed under it" \
	test "$ADM_CODE:$(adm_allowed)" = "200:true"
cm_swap ..v2
if wait_log "$ADM_LOG" "^sign admission: policy reloaded: generation 2$"; then
	ok "… the volume's ..data swapped: the server loads the new policy, no signal"
else
	bad "… the volume's ..data swapped: the server loads the new policy, no signal" "no log line"
fi
expect "… saying why" has "^sign admission: policy file $CMV/policy.yaml changed: loading it$" "$ADM_LOG"
adm_post /validate "$WORK/allow.json"
expect "… which decides from then on: denied" test "$ADM_CODE:$(adm_allowed)" = "200:false"
expect "… by the new rule" eval '[[ "$(adm_message)" == *"denied by the policy"* ]]'
cm_swap ..v3
if wait_log "$ADM_LOG" "^sign admission: policy reload failed: .*; keeping generation 2$"; then
	ok "… a broken policy swapped in: the server says why and keeps generation 2"
else
	bad "… a broken policy swapped in: the server says why and keeps generation 2" "no log line"
fi
adm_post /validate "$WORK/allow.json"
expect "… reviews still decided by generation 2" test "$ADM_CODE:$(adm_allowed)" = "200:false"
expect "… and the failure is tried once, not every second" \
	test "$(grep -c "policy reload failed" "$ADM_LOG")" -eq 1
kill -TERM "$WATCH_PID"
wait "$WATCH_PID"
expect "… and the server stops with 0" test $? -eq 0
ADM_LOG="$WORK/main.log"
ADM_URL=$MAIN_URL

# ---- SIGTERM drains a review waiting on a silent registry ----

"$TOOLS/hostile" "$WORK/hang.port" hang >"$WORK/hang.log" 2>&1 &
PIDS="$PIDS $!"
wait_log "$WORK/hang.log" "^listening on"
HANG="127.0.0.1:$(cat "$WORK/hang.port")"
cat >"$WORK/silent.yaml" <<YML
rules:
- images: ["$HANG/*"]
  trust: registry
YML
ADM_GLOBAL="--insecure-registry $HANG"
# a client that gives up before the answer: the answer is dropped, the
# server goes on, and stops at once
start_admission gone "$WORK/silent.yaml" --deadline 2 --io-threads 1
GONE_PID=$ADM_PID
expect "--io-threads 1: one event loop, as the start line says" \
	has "^sign admission: listening on .*, 1 I/O thread)$" "$ADM_LOG"
adm_review Pod default gone "$HANG/hang/gone:1" >"$WORK/gone.json"
curl -sS --max-time 1 --cacert "$ADM_CA" -H 'Content-Type: application/json' \
	--data-binary "@$WORK/gone.json" "$ADM_URL/validate" >"$OUT" 2>"$ERR"
expect "a client that gives up before the deadline gets nothing" has "Operation timed out" "$ERR"
wait_log "$ADM_AUDIT" "$(jq -r .request.uid "$WORK/gone.json")"
expect "… the server decides it all the same (audit)" has "$(jq -r .request.uid "$WORK/gone.json")" "$ADM_AUDIT"
adm_get /healthz
expect "… and keeps serving" test "$ADM_CODE:$(cat "$ADM_BODY")" = "200:ok"
kill -TERM "$GONE_PID"
wait "$GONE_PID"
expect "… and stops with 0 on SIGTERM" test $? -eq 0
expect "… not waiting on the answer nobody reads" lacks "not written out" "$ADM_LOG"

ADM_GLOBAL="-v --insecure-registry $HANG"
start_admission drain "$WORK/silent.yaml" --deadline 2 --io-threads 2
ADM_GLOBAL=""
DRAIN_PID=$ADM_PID
adm_review Pod default silent "$HANG/hang/app:1" >"$WORK/silent.json"
adm_post /validate "$WORK/silent.json" &
POST_PID=$!
wait_log "$ADM_LOG" "^sign admission: review #1 of [0-9]* bytes taken for /validate (1 pending)$"
kill -TERM "$DRAIN_PID"
if wait_log "$ADM_LOG" "^sign admission: draining 1 review$"; then
	ok "SIGTERM with a review in flight: the server drains it"
else
	bad "SIGTERM with a review in flight: the server drains it" "no log line"
fi
code=$(curl -sS --max-time 5 --cacert "$ADM_CA" -o /dev/null -w '%{http_code}' "$ADM_URL/healthz" 2>&1)
expect "… and accepts no new connection" eval '[[ "$code" != 200 ]]'
wait "$POST_PID"
expect "… the review in flight got its answer: denied" test "$(adm_allowed)" = "false"
expect "… at the deadline, saying so and naming the image" \
	eval '[[ "$(adm_message)" == *"deadline exceeded"* && "$(adm_message)" == *"$HANG/hang/app:1"* ]] ||
	      [[ "$(adm_message)" == "deadline exceeded"* ]]'
expect "… with the review's uid" test "$(adm_uid)" = "$(jq -r .request.uid "$WORK/silent.json")"
wait "$DRAIN_PID"
expect "… then the server exits 0" test $? -eq 0
expect "… saying it stopped" has "^sign admission: stopped$" "$ADM_LOG"
expect "… after the audit line of that review" has "$(jq -r .request.uid "$WORK/silent.json")" "$ADM_AUDIT"

# ---- a full queue: denied at once ----

ADM_GLOBAL="-v --insecure-registry $HANG"
start_admission busy "$WORK/silent.yaml" --workers 1 --queue 1 --deadline 5
ADM_GLOBAL=""
BUSY_PID=$ADM_PID
for k in 1 2 3; do
	adm_review Pod default "busy$k" "$HANG/hang/busy$k:1" >"$WORK/busy$k.json"
done
curl -sS --cacert "$ADM_CA" -H 'Content-Type: application/json' --data-binary "@$WORK/busy1.json" \
	-o "$WORK/busy1.out" "$ADM_URL/validate" 2>/dev/null &
B1=$!
wait_log "$ADM_LOG" "^sign admission: review #1 started$"
curl -sS --cacert "$ADM_CA" -H 'Content-Type: application/json' --data-binary "@$WORK/busy2.json" \
	-o "$WORK/busy2.out" "$ADM_URL/validate" 2>/dev/null &
B2=$!
wait_log "$ADM_LOG" "^sign admission: review #2 of [0-9]* bytes taken for /validate (2 pending)$"
# the only worker waits on the silent registry, the queue's one place is taken
adm_post /validate "$WORK/busy3.json"
expect "a review over a full queue: answered at once, denied" test "$ADM_CODE:$(adm_allowed)" = "200:false"
expect "… saying the server is busy" eval '[[ "$(adm_message)" == "server busy"* ]]'
expect "… with its uid" test "$(adm_uid)" = "$(jq -r .request.uid "$WORK/busy3.json")"
expect "… and the log says so" has "^sign admission: review #3 refused: server busy$" "$ADM_LOG"
wait "$B1" "$B2"
expect "… the two before it are decided (denied at their deadline)" \
	eval '[ "$(jq -r .response.allowed "$WORK/busy1.out"):$(jq -r .response.allowed "$WORK/busy2.out")" = "false:false" ]'
kill -TERM "$BUSY_PID"
wait "$BUSY_PID"
expect "… and the server stops with 0" test $? -eq 0

# ---- --io-threads 2: connections on both loops, cached reviews without a worker ----

# each curl is a connection of its own; SO_REUSEPORT spreads them over the
# two loops' sockets by their ports (all 40 on one loop: 1 chance in 2^39)
ADM_URL=$MAIN_URL
metric() { awk -v m="$1" '$1 == m { print $2 }' "$2"; }
adm_get /metrics
cp "$ADM_BODY" "$WORK/metrics-p0"
PAR=40
pids=""
for k in $(seq 1 $PAR); do
	adm_review Pod default "par$k" registry.example.com/public/app:1 >"$WORK/par$k.json"
done
for k in $(seq 1 $PAR); do
	curl -sS --max-time 60 --cacert "$ADM_CA" -H 'Content-Type: application/json' \
		--data-binary "@$WORK/par$k.json" -o "$WORK/par$k.out" "$ADM_URL/validate" 2>/dev/null &
	pids="$pids $!"
done
# shellcheck disable=SC2086
wait $pids
n=0
for k in $(seq 1 $PAR); do
	[ "$(jq -r '.response.allowed | type' "$WORK/par$k.out" 2>/dev/null)" = boolean ] &&
		[ "$(jq -r .response.uid "$WORK/par$k.out")" = "$(jq -r .request.uid "$WORK/par$k.json")" ] &&
		n=$((n + 1))
done
expect "$PAR reviews on parallel connections with --io-threads 2: each answered, with its uid" \
	test "$n" = "$PAR"
expect "… both I/O threads answered some (-v)" \
	eval 'has "answered without a worker (I/O thread 1)$" "$WORK/main.log" &&
	has "answered without a worker (I/O thread 2)$" "$WORK/main.log"'
adm_get /metrics
cp "$ADM_BODY" "$WORK/metrics-p1"
reviews() {
	awk '$1 ~ /^sign_admission_reviews_total\{/ { n += $2 } END { print n + 0 }' "$1"
}
d_reviews=$(( $(reviews "$WORK/metrics-p1") - $(reviews "$WORK/metrics-p0") ))
d_count=$(( $(metric sign_admission_review_duration_seconds_count "$WORK/metrics-p1") -
	$(metric sign_admission_review_duration_seconds_count "$WORK/metrics-p0") ))
d_fast=$(( $(metric sign_admission_reviews_fast_total "$WORK/metrics-p1") -
	$(metric sign_admission_reviews_fast_total "$WORK/metrics-p0") ))
expect "… /metrics sums both loops: $PAR more reviews (got $d_reviews)" test "$d_reviews" = "$PAR"
expect "… and $PAR more in the histogram (got $d_count)" test "$d_count" = "$PAR"
expect "… each answered where it was read, without a worker: reviews_fast_total +$PAR (got $d_fast)" \
	test "$d_fast" = "$PAR"
expect "… # TYPE sign_admission_reviews_fast_total counter" \
	has "^# TYPE sign_admission_reviews_fast_total counter$" "$WORK/metrics-p1"
expect "… no worker started a review (-v)" lacks "^sign admission: review #[0-9]* started$" "$WORK/main.log"
for f in "$WORK/audit.log" "$WORK/main.audit"; do
	nbad=0
	while IFS= read -r line; do
		printf '%s\n' "$line" | jq -ec 'type == "object"' >/dev/null 2>&1 || nbad=$((nbad + 1))
	done <"$f"
	expect "… every line of $(basename "$f") is one JSON object ($(wc -l <"$f") lines, $nbad not)" \
		test "$nbad" = 0
	nmiss=0
	for k in $(seq 1 $PAR); do
		[ "$(grep -c -- "$(jq -r .request.uid "$WORK/par$k.json")" "$f")" = 1 ] || nmiss=$((nmiss + 1))
	done
	expect "… with each parallel review's line once ($nmiss not)" test "$nmiss" = 0
done

# the main server stops cleanly too
kill -TERM "$MAIN_PID"
wait "$MAIN_PID"
expect "the main server exits 0 on SIGTERM" test $? -eq 0
expect "… draining none" has "^sign admission: draining 0 reviews$" "$WORK/main.log"
expect "… both of its loops stopped" has "^sign admission: stopped$" "$WORK/main.log"

finish
