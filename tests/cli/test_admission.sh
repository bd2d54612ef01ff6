#!/bin/bash
# test_admission.sh - `sign admission` (issue 13) end to end: a real
# docker-registry on loopback, images signed with `sign push`, and
# AdmissionReviews posted over real HTTPS (curl) to a real `sign admission`:
#   - a Pod whose image is signed is allowed; unsigned, tampered (the tag
#     moved behind the trust data's back, the targets role altered in the
#     registry), wrong-root (rootKeys pin another key), revoked and expired
#     images are denied, the message naming the image and the reason;
#   - a Deployment, a CronJob, an initContainer (an unsigned one denies
#     the whole Pod) and an ephemeral container (`kubectl debug`'s UPDATE of
#     pods/ephemeralcontainers);
#   - /mutate: each tag replaced by the digest `sign verify` prints; an image
#     given by digest verifies by that digest and gets no patch op;
#   - a tag moved to an unsigned image after an allow is denied next time;
#   - exempt namespaces and allow rules pass, deny rules and images no rule
#     matches are denied, and so are kinds that hold no pod spec;
#   - a trust: key rule (a detached signature by a key file);
#   - a registry that is down or silent gives a deny within --deadline, and
#     the server keeps serving;
#   - the audit line of a decision (uid, namespace, kind, name, images,
#     digests, rule, result, latency_ms);
#   - concurrent reviews of one new image share one verification, and after
#     SIGHUP a stricter policy denies what the cache held as allowed;
#   - each server stops on SIGTERM with exit 0 and no sanitizer report.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/admission.sh"
. "$(dirname "$0")/../lib/admission_checks.sh"

# --- fixtures: images in a real registry, signed with sign push -----------------
start_registry reg
A="$WORK/home-publisher"
push() { "$SIGN" --home "$A" push "$@" >"$WORK/push.out" 2>"$WORK/push.err"; }

D_APP=$(seed "$REG/team/app:v1" 1)
run "harness: sign push team/app:v1" 0 push "$REG/team/app:v1"
D_WEB=$(seed "$REG/team/web:v2" 2)
run "harness: sign push team/web:v2" 0 push "$REG/team/web:v2"
D_PLAIN=$(seed "$REG/team/plain:v1" 3) # never signed
# tampered: the tag points at other bytes than the signed ones
D_MOVED_SIGNED=$(seed "$REG/team/moved:v1" 4)
run "harness: sign push team/moved:v1" 0 push "$REG/team/moved:v1"
D_MOVED_NOW=$(seed "$REG/team/moved:v1" 5)
# tampered: the targets role altered in the registry
seed "$REG/team/tampered:v1" 6 >/dev/null
run "harness: sign push team/tampered:v1" 0 push "$REG/team/tampered:v1"
run "harness: forge tamper targets" 0 "$TOOLS/forge" tamper "$A" "$REG/team/tampered:v1" targets
# revoked
seed "$REG/team/revoked:v1" 7 >/dev/null
run "harness: sign push team/revoked:v1" 0 push "$REG/team/revoked:v1"
run "harness: sign revoke team/revoked:v1" 0 "$SIGN" --home "$A" revoke "$REG/team/revoked:v1"
# expired: the timestamp re-signed with an expiry in the past
seed "$REG/team/expired:v1" 8 >/dev/null
run "harness: sign push team/expired:v1" 0 push "$REG/team/expired:v1"
run "harness: forge expire" 0 "$TOOLS/forge" expire "$A" "$REG/team/expired:v1"
# pinned repositories: the publisher's root, and another root
D_PIN=$(seed "$REG/pinned/app:v1" 9)
run "harness: sign push pinned/app:v1" 0 push "$REG/pinned/app:v1"
seed "$REG/wrongroot/app:v1" 10 >/dev/null
run "harness: sign push wrongroot/app:v1" 0 push "$REG/wrongroot/app:v1"
# key_of HOME ROLE [GUN]: key ID of the home's key for ROLE (and GUN)
key_of() {
	"$SIGN" --home "$1" -o json key list | jq -r --arg r "$2" --arg g "${3:-}" \
		'[.[] | select(.role == $r and ($g == "" or .gun == $g))][0].keyid // empty'
}
"$SIGN" --home "$A" key export "$(key_of "$A" root)" --public >"$WORK/root.pub"
expect "harness: the publisher's root public key" has "BEGIN PUBLIC KEY" "$WORK/root.pub"
OTHER=$("$SIGN" --home "$WORK/home-other" key generate --role root)
"$SIGN" --home "$WORK/home-other" key export "$OTHER" --public >"$WORK/other-root.pub"
expect "harness: another root public key" has "BEGIN PUBLIC KEY" "$WORK/other-root.pub"
# trust: key: a detached signature by the repository key of vendor/app
D_VENDOR=$(seed "$REG/vendor/app:v1" 11)
run "harness: sign push vendor/app:v1" 0 push "$REG/vendor/app:v1"
"$SIGN" --home "$A" key export "$(key_of "$A" targets "$REG/vendor/app")" --public >"$WORK/vendor.pub"
expect "harness: the vendor key" has "BEGIN PUBLIC KEY" "$WORK/vendor.pub"
# vendor/other is signed too, but by its own repository key: not the vendor key
seed "$REG/vendor/other:v1" 12 >/dev/null
run "harness: sign push vendor/other:v1" 0 push "$REG/vendor/other:v1"
# the tag that will move after an allow
D_LATER=$(seed "$REG/team/later:v1" 13)
run "harness: sign push team/later:v1" 0 push "$REG/team/later:v1"
# reviewed by many at once, never before
D_BURST=$(seed "$REG/team/burst:v1" 18)
run "harness: sign push team/burst:v1" 0 push "$REG/team/burst:v1"
# unsigned images under allow and deny rules
seed "$REG/public/tool:v1" 14 >/dev/null
seed "$REG/blocked/tool:v1" 15 >/dev/null
# workloads
D_JOB=$(seed "$REG/team/job:v1" 16)
run "harness: sign push team/job:v1" 0 push "$REG/team/job:v1"

# what sign verify says of them (the engine's reasons are its messages)
run "harness: sign verify team/app:v1" 0 "$SIGN" --home "$WORK/home-v" verify "$REG/team/app:v1"
expect "… prints the digest the registry serves" has "^$REG/team/app@$D_APP\$" "$OUT"
run "harness: sign verify refuses the moved tag" 1 "$SIGN" --home "$WORK/home-v" verify "$REG/team/moved:v1"
expect "… it moved" has "moved: it now points to $D_MOVED_NOW but the signed digest is $D_MOVED_SIGNED" "$ERR"

# --- the server -----------------------------------------------------------------------
adm_certs "$WORK/certs"
# A DOWN host (no one listens) and a SILENT one (tests/tools/hostile hang:
# accepts, reads, never answers) get rules of their own.
DOWN="127.0.0.1:$("$TOOLS/freeport")"
HD="$WORK/hostile-hang"
mkdir -p "$HD"
"$TOOLS/hostile" "$HD/port" hang >"$HD/log" 2>&1 &
PIDS="$PIDS $!"
wait_log "$HD/log" "listening" || { echo "could not start hostile hang" >&2; cat "$HD/log" >&2; exit 1; }
SILENT="127.0.0.1:$(cat "$HD/port")"

POLICY="$WORK/policy.yaml"
cat >"$POLICY" <<YAML
rules:
- images: ["$REG/team/*"]
  name: team
  trust: registry
- images: ["$REG/pinned/*"]
  name: pinned
  trust: registry
  rootKeys: [$WORK/root.pub]
- images: ["$REG/wrongroot/*"]
  name: wrongroot
  trust: registry
  rootKeys: [$WORK/other-root.pub]
- images: ["$REG/vendor/*"]
  name: vendor
  trust: key
  key: $WORK/vendor.pub
- images: ["$REG/public/*"]
  action: allow
- images: ["$REG/blocked/*"]
  name: blocked
  action: deny
- images: ["$DOWN/*", "$SILENT/*"]
  name: faulty
  trust: registry
exemptNamespaces: [kube-system]
YAML
ADM_GLOBAL="--home $WORK/home-admission --timeout 5"
start_admission adm "$POLICY"
MAIN_URL=$ADM_URL MAIN_PID=$ADM_PID MAIN_LOG=$ADM_LOG MAIN_AUDIT=$ADM_AUDIT

# --- a signed Pod is allowed; the others are denied, with the image and the reason ------
I="$REG/team/app:v1"
review "signed Pod" /validate Pod default app "$I"
expect "… allowed" allowed
APP_UID=$UID_

I="$REG/team/plain:v1"
review "unsigned Pod" /validate Pod default plain "$I"
expect "… denied" denied
expect "… names the image and says it was never signed" says "$I" "never signed"

I="$REG/team/moved:v1"
review "tag moved behind the trust data (tampered)" /validate Pod default moved "$I"
expect "… denied" denied
expect "… names the image, the signed digest and the one served" says "$I" \
	"is signed for $D_MOVED_SIGNED, not for the digest $D_MOVED_NOW"

I="$REG/team/tampered:v1"
review "targets role altered in the registry (tampered)" /validate Pod default tampered "$I"
expect "… denied" denied
expect "… names the image and the role whose checksum failed" says "$I" "sha512 checksum for targets did not match"

I="$REG/wrongroot/app:v1"
review "rootKeys pin another root (wrong root)" /validate Pod default wrongroot "$I"
expect "… denied" denied
expect "… names the image and the pin" says "$I" "no root version is signed by the pinned root key"

I="$REG/pinned/app:v1"
review "rootKeys pin the publisher's root" /validate Pod default pinned "$I"
expect "… allowed" allowed

I="$REG/team/revoked:v1"
review "revoked tag" /validate Pod default revoked "$I"
expect "… denied" denied
expect "… names the image and says it is not signed" says "$I" "is not signed: no trust data for that tag"

I="$REG/team/expired:v1"
review "expired timestamp" /validate Pod default expired "$I"
expect "… denied" denied
expect "… names the image and the expired role" says "$I" "timestamp: expired at"

# --- workloads and initContainers ----------------------------------------------------
review "Deployment of signed images" /validate Deployment default web "$REG/team/web:v2" "$REG/team/app:v1"
expect "… allowed" allowed
review "Deployment with an unsigned image" /validate Deployment default web2 "$REG/team/web:v2" "$REG/team/plain:v1"
expect "… denied" denied
expect "… names the unsigned image and why" says "$REG/team/plain:v1" "never signed"
review "CronJob of a signed image" /validate CronJob default nightly "$REG/team/job:v1"
expect "… allowed" allowed
review "CronJob of an unsigned image" /validate CronJob default nightly2 "$REG/team/plain:v1"
expect "… denied" denied
expect "… names the image and why" says "$REG/team/plain:v1" "never signed"
review_init "Pod with a signed initContainer" /validate Pod default init "$REG/team/app:v1" "$REG/team/job:v1"
expect "… allowed" allowed
review_init "Pod with an unsigned initContainer" /validate Pod default init2 "$REG/team/app:v1" "$REG/team/plain:v1"
expect "… the whole Pod is denied" denied
expect "… names the initContainer's image and why" says "$REG/team/plain:v1" "never signed"
review_init "Deployment with an unsigned initContainer" /validate Deployment default init3 "$REG/team/web:v2" "$REG/team/plain:v1"
expect "… denied" denied
expect "… names the initContainer's image" says "$REG/team/plain:v1"

# ephemeralContainers: `kubectl debug` adds one by an UPDATE of the
# pods/ephemeralcontainers subresource, whose review carries the whole Pod
# eph NAME PATH IMAGE: such a review of a Pod running app:v1, adding IMAGE
eph() {
	next_req
	adm_review Pod default debugged "$REG/team/app:v1" |
		jq --arg img "$3" '.request.operation = "UPDATE" | .request.subResource = "ephemeralcontainers" |
			.request.object.spec.ephemeralContainers = [{name: "debugger", image: $img}]' >"$REQ"
	post_review "$1" "$2"
}
eph "an ephemeral container of an unsigned image" /validate "$REG/team/plain:v1"
expect "… denied" denied
expect "… names the ephemeral container's image and why" says "$REG/team/plain:v1" "never signed"
eph "an ephemeral container of a signed image, through /mutate" /mutate "$REG/team/job:v1"
expect "… allowed" allowed
expect "… pinned at the ephemeral container's path" \
	eval 'adm_patch | jq -e --arg v "$REG/team/job@$D_JOB" '"'"'any(.[]; .path == "/spec/ephemeralContainers/0/image" and .value == $v)'"'"' >/dev/null'

# --- /mutate: tags pinned to the verified digests -----------------------------------------
run "harness: sign verify prints the digests" 0 "$SIGN" --home "$WORK/home-v" verify "$REG/team/app:v1" "$REG/team/web:v2"
V_APP=$(sed -n "s|^$REG/team/app@||p" "$OUT")
V_WEB=$(sed -n "s|^$REG/team/web@||p" "$OUT")
expect "harness: … the ones seeded" test "$V_APP" = "$D_APP" -a "$V_WEB" = "$D_WEB"
review "/mutate a Pod of two tags" /mutate Pod default m1 "$REG/team/app:v1" "$REG/team/web:v2"
expect "… allowed" allowed
expect "… the patch pins both tags to the digests sign verify prints" patch_is \
	"[{\"op\":\"replace\",\"path\":\"/spec/containers/0/image\",\"value\":\"$REG/team/app@$V_APP\"},
	  {\"op\":\"replace\",\"path\":\"/spec/containers/1/image\",\"value\":\"$REG/team/web@$V_WEB\"}]"
expect "… a JSONPatch" test "$(jq -r .response.patchType "$ADM_BODY")" = JSONPatch
review "/mutate a Pod with one image by digest" /mutate Pod default m2 "$REG/team/app@$D_APP" "$REG/team/web:v2"
expect "… allowed" allowed
expect "… no op for the image given by digest" patch_is \
	"[{\"op\":\"replace\",\"path\":\"/spec/containers/1/image\",\"value\":\"$REG/team/web@$V_WEB\"}]"
review "/mutate a Pod of images by digest only" /mutate Pod default m3 "$REG/team/app@$D_APP"
expect "… allowed" allowed
expect "… without a patch" no_patch
review "/mutate a Deployment" /mutate Deployment default m4 "$REG/team/app:v1"
expect "… allowed" allowed
expect "… the patch points into the pod template" patch_is \
	"[{\"op\":\"replace\",\"path\":\"/spec/template/spec/containers/0/image\",\"value\":\"$REG/team/app@$V_APP\"}]"
review "/mutate a CronJob" /mutate CronJob default m5 "$REG/team/job:v1"
expect "… allowed" allowed
expect "… the patch points into the job template" patch_is \
	"[{\"op\":\"replace\",\"path\":\"/spec/jobTemplate/spec/template/spec/containers/0/image\",\"value\":\"$REG/team/job@$D_JOB\"}]"
review_init "/mutate a Pod with an initContainer" /mutate Pod default m6 "$REG/team/web:v2" "$REG/team/app:v1"
expect "… allowed" allowed
expect "… the initContainer pinned too" patch_is \
	"[{\"op\":\"replace\",\"path\":\"/spec/containers/0/image\",\"value\":\"$REG/team/web@$V_WEB\"},
	  {\"op\":\"replace\",\"path\":\"/spec/initContainers/0/image\",\"value\":\"$REG/team/app@$V_APP\"}]"
review "/mutate an unsigned Pod" /mutate Pod default m7 "$REG/team/plain:v1"
expect "… denied" denied
expect "… without a patch" no_patch
expect "… names the image and why" says "$REG/team/plain:v1" "never signed"
# by digest: the signed digest of the moved tag verifies, the bytes the tag
# points at now do not
review "the moved tag's signed digest, by digest" /validate Pod default d1 "$REG/team/moved@$D_MOVED_SIGNED"
expect "… allowed: verified by that digest" allowed
review "the moved tag's new digest, by digest" /validate Pod default d2 "$REG/team/moved@$D_MOVED_NOW"
expect "… denied" denied
expect "… names the image and says no signed tag has that digest" says \
	"$REG/team/moved@$D_MOVED_NOW" "no tag of the trust data has that digest"

# --- a tag moved to an unsigned image after an allow: denied on the next review -----------
review "team/later:v1 while signed" /validate Pod default later "$REG/team/later:v1"
expect "… allowed" allowed
review "… again: from the cache" /validate Pod default later "$REG/team/later:v1"
expect "… allowed" allowed
audit_of "$UID_" >"$WORK/later.audit"
expect "… its audit line says the cache answered" jqe '.cached == [true]' "$WORK/later.audit"
D_LATER_NOW=$(seed "$REG/team/later:v1" 17)
review "… the tag moved to an unsigned image" /validate Pod default later "$REG/team/later:v1"
expect "… denied: the cache does not allow it" denied
expect "… names the image and both digests" says "$REG/team/later:v1" \
	"is signed for $D_LATER, not for the digest $D_LATER_NOW"
audit_of "$UID_" >"$WORK/later.audit"
expect "… its audit line: the digest served now, not from the cache" \
	jqe --arg d "$D_LATER_NOW" '.digests == [$d] and .cached == [false]' "$WORK/later.audit"
review "… through /mutate too" /mutate Pod default later "$REG/team/later:v1"
expect "… denied" denied
expect "… without a patch" no_patch

# --- exempt namespaces, allow and deny rules, the default ------------------------------------
review "unsigned image in an exempt namespace" /validate Pod kube-system plain "$REG/team/plain:v1"
expect "… allowed" allowed
review "… the same in another namespace" /validate Pod kube-public plain "$REG/team/plain:v1"
expect "… denied" denied
review "unsigned image under an allow rule" /validate Pod default tool "$REG/public/tool:v1"
expect "… allowed" allowed
review "… through /mutate: allowed, not pinned (not verified)" /mutate Pod default tool "$REG/public/tool:v1"
expect "… allowed" allowed
expect "… without a patch" no_patch
review "image under a deny rule" /validate Pod default blocked "$REG/blocked/tool:v1"
expect "… denied" denied
expect "… names the image" says "$REG/blocked/tool:v1"
review "image no rule matches" /validate Pod default nginx "nginx:1.25"
expect "… denied by default" denied
expect "… names the image and says no policy rule matches" says "nginx:1.25" "no policy rule"
review "a signed and an unmatched image" /validate Pod default mixed "$REG/team/app:v1" "quay.io/other/x:1"
expect "… denied" denied
expect "… names the unmatched image" says "quay.io/other/x:1" "no policy rule"

# --- kinds without a pod spec: a reasoned deny, fail closed ----------------------------------
# unknown_kind NAME OBJNAME GROUP KIND [NS]: a review of that kind (the
# webhook's rules should never send them; if they do, nothing is let
# through unlooked-at).  Made from a Pod's review with jq.
unknown_kind() {
	next_req
	adm_review Pod "${5:-default}" "$2" "$REG/team/app:v1" |
		jq --arg g "$3" --arg k "$4" '.request.kind = {group: $g, version: "v1", kind: $k} |
			.request.resource = {group: $g, version: "v1", resource: ($k | ascii_downcase + "s")}' >"$REQ"
	post_review "$1" /validate
}
unknown_kind "a Service" svc "" Service
expect "… denied" denied
expect "… saying which kind and why" says 'kind Service (group "") holds no pod spec' "sign admission reviews Pods and workloads"
unknown_kind "a custom resource named Deployment in another group" crd example.com Deployment
expect "… denied" denied
expect "… saying which kind, its group and why" says 'kind Deployment (group "example.com") holds no pod spec'
unknown_kind "… the same in an exempt namespace" crd example.com Deployment kube-system
expect "… allowed: the operator exempted it" allowed
expect "the server still serves after them" alive

# --- trust: key ------------------------------------------------------------------------------
review "trust: key, signed by that key" /validate Pod default vendor "$REG/vendor/app:v1"
expect "… allowed" allowed
review "… /mutate pins it" /mutate Pod default vendor "$REG/vendor/app:v1"
expect "… to its digest" patch_is \
	"[{\"op\":\"replace\",\"path\":\"/spec/containers/0/image\",\"value\":\"$REG/vendor/app@$D_VENDOR\"}]"
review "trust: key, signed by another key" /validate Pod default vendor2 "$REG/vendor/other:v1"
expect "… denied" denied
expect "… names the image and says no signature is by the key" says "$REG/vendor/other:v1" "no detached signature is by"
review "trust: key, never signed" /validate Pod default vendor3 "$REG/vendor/none:v1"
expect "… denied" denied
expect "… names the image" says "$REG/vendor/none:v1"

# --- the audit line ---------------------------------------------------------------------------
AUD=$(audit_of "$APP_UID")
printf '%s\n' "$AUD" >"$OUT"
expect "audit line of the signed Pod: one JSON object" jqe 'type == "object"' "$OUT"
expect "… uid" jqe --arg u "$APP_UID" '.uid == $u' "$OUT"
expect "… namespace" jqe '.namespace == "default"' "$OUT"
expect "… kind" jqe '.kind == "Pod"' "$OUT"
expect "… name" jqe '.name == "app"' "$OUT"
expect "… images" jqe --arg i "$REG/team/app:v1" '.images == [$i]' "$OUT"
expect "… digests" jqe --arg d "$D_APP" '.digests == [$d]' "$OUT"
expect "… rule" jqe '.rules == ["team"]' "$OUT"
expect "… result" jqe '.result == "allow"' "$OUT"
expect "… latency_ms" jqe '.latency_ms | type == "number" and . >= 0' "$OUT"
AUD=$(audit_of "$(jq -r .request.uid "$WORK/review.2.json")")
printf '%s\n' "$AUD" >"$OUT"
expect "audit line of the unsigned Pod: result deny" jqe '.result == "deny"' "$OUT"
expect "… the image" jqe --arg i "$REG/team/plain:v1" '.images == [$i]' "$OUT"
expect "… the rule" jqe '.rules == ["team"]' "$OUT"
expect "… the digest the tag resolved to" jqe --arg d "$D_PLAIN" '.digests == [$d]' "$OUT"
expect "… the reason" jqe --arg i "$REG/team/plain:v1" '.reasons | length == 1 and (.[0] | contains($i) and contains("never signed"))' "$OUT"
audit_of "$UID_" >/dev/null
expect "one audit line per decision" test "$(wc -l <"$MAIN_AUDIT")" -eq "$NREQ"
expect "every audit line is JSON" jqe -s 'length > 0' "$MAIN_AUDIT"

# --- a registry down or silent: a deny within the deadline; the server keeps serving ------------
# a second server with --deadline 2 (the first keeps the default); curl
# gives up after 10 s, which must not be reached
ADM_GLOBAL="--home $WORK/home-admission2 --timeout 5"
start_admission adm-deadline "$POLICY" --deadline 2
DL_PID=$ADM_PID DL_LOG=$ADM_LOG
post_within() {
	: >"$ADM_BODY"
	ADM_CODE=$(curl -sS --max-time 10 --cacert "$ADM_CA" -H 'Content-Type: application/json' \
		--data-binary "@$REQ" -o "$ADM_BODY" -w '%{http_code}' "$ADM_URL$1" 2>"$WORK/adm-curl.err")
	[ -n "$ADM_CODE" ] || ADM_CODE=000
	cp "$ADM_BODY" "$OUT"
	cat "$WORK/adm-curl.err" "$ADM_LOG" >"$ERR"
}
next_req
adm_review Pod default down "$DOWN/app:v1" >"$REQ"
UID_=$(jq -r .request.uid "$REQ")
post_within /validate
expect "registry down: answered before curl's 10 s" answered
expect "… denied" denied
expect "… names the image" says "$DOWN/app:v1"
expect "… and the network error or the deadline" says_re "connect|deadline exceeded"
next_req
adm_review Pod default silent "$SILENT/app:v1" >"$REQ"
UID_=$(jq -r .request.uid "$REQ")
post_within /validate
expect "registry silent: answered before curl's 10 s" answered
expect "… denied" denied
expect "… names the image" says "$SILENT/app:v1"
expect "… says the deadline passed or the request timed out" says_re "deadline exceeded|timed out"
next_req
adm_review Pod default both "$REG/team/app:v1" "$SILENT/app:v1" >"$REQ"
UID_=$(jq -r .request.uid "$REQ")
post_within /mutate
expect "a signed and a silent image: answered in time" answered
expect "… denied" denied
expect "… without a patch" no_patch
expect "… the server still runs" alive
AUD=$(audit_of "$UID_")
printf '%s\n' "$AUD" >"$OUT"
expect "… its audit line: deny, no digest for the silent image" jqe --arg d "$D_APP" \
	'.result == "deny" and .digests == [$d, null] and .rules == ["team", "faulty"]' "$OUT"
review "… and the next review of a signed image" /validate Pod default after "$REG/team/app:v1"
expect "… is allowed" allowed
expect "… no crash report" no_crash

# the first server too: still up, still answering
ADM_URL=$MAIN_URL ADM_PID=$MAIN_PID ADM_LOG=$MAIN_LOG ADM_AUDIT=$MAIN_AUDIT
review "the first server still answers" /validate Pod default last "$REG/team/web:v2"
expect "… allowed" allowed
expect "… no crash report" no_crash

# --- concurrent reviews of one image share one verification -----------------------------------
# metric NAME: its value in the server's /metrics
metric() {
	adm_get /metrics
	sed -n "s/^$1 \([0-9][0-9]*\)\$/\1/p" "$ADM_BODY" | head -1
}
V0=$(metric sign_admission_verifications_total)
expect "harness: verifications_total read from /metrics" test -n "$V0"
BURST=""
for n in 1 2 3 4 5 6 7 8; do
	adm_review Pod default "burst-$n" "$REG/team/burst:v1" >"$WORK/burst.$n.json"
	curl -sS --max-time 60 --cacert "$ADM_CA" -H 'Content-Type: application/json' \
		--data-binary "@$WORK/burst.$n.json" -o "$WORK/burst.$n.out" "$ADM_URL/validate" 2>/dev/null &
	BURST="$BURST $!"
done
for p in $BURST; do
	wait "$p"
done
all_burst_allowed() {
	local n
	for n in 1 2 3 4 5 6 7 8; do
		[ "$(jq -r .response.allowed "$WORK/burst.$n.out" 2>/dev/null)" = true ] || return 1
		[ "$(jq -r .response.uid "$WORK/burst.$n.out")" = "$(jq -r .request.uid "$WORK/burst.$n.json")" ] || return 1
	done
}
cat "$WORK"/burst.*.out >"$OUT" 2>/dev/null
expect "8 concurrent reviews of an image never reviewed: all allowed" all_burst_allowed
V1=$(metric sign_admission_verifications_total)
expect "… with one verification between them" test "$((V1 - V0))" -eq 1

# --- SIGHUP: results cached under the old policy are not reused ---------------------------
# team/* now pins another root: team/app:v1, allowed (and cached) so far, is denied
review "team/app:v1 before the reload" /validate Pod default app "$REG/team/app:v1"
expect "… allowed" allowed
review "… again" /validate Pod default app "$REG/team/app:v1"
expect "… allowed" allowed
audit_of "$UID_" >"$WORK/hup.audit"
expect "… from the cache" jqe '.cached == [true]' "$WORK/hup.audit"
sed "s|^  name: team\$|  name: team\n  rootKeys: [$WORK/other-root.pub]|" "$POLICY" >"$WORK/policy.new"
expect "harness: the new policy pins team/*" has "rootKeys: \[$WORK/other-root.pub\]" "$WORK/policy.new"
cp "$WORK/policy.new" "$POLICY"
kill -HUP "$MAIN_PID"
if wait_log "$MAIN_LOG" "policy reloaded: generation 2"; then
	ok "SIGHUP: the new policy is in force"
else
	bad "SIGHUP: the new policy is in force" "no log line"
fi
review "team/app:v1, cached as allowed under the old policy" /validate Pod default app "$REG/team/app:v1"
expect "… denied under the new one" denied
expect "… names the image and the pin" says "$REG/team/app:v1" "no root version is signed by the pinned root key"

stop_clean "the first server" "$MAIN_PID" "$MAIN_LOG"
stop_clean "the deadline server" "$DL_PID" "$DL_LOG"

finish
