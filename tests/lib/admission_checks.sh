# admission_checks.sh - the checks the end-to-end admission tests share
# (test_admission.sh, test_admission_trust.sh); sourced after common.sh and
# admission.sh.  Each review posted is recorded as a check that an answer
# came; the others are conditions for expect.

# review NAME PATH KIND NS OBJNAME IMAGE...: an AdmissionReview of KIND posted
# to PATH; the answer's body is left in $OUT (and in $ADM_BODY), the server's
# log in $ERR, for bad() to show.  Records a check that an answer came (HTTP
# 200 with the review's uid).  REQ is the review's file, UID its uid.
NREQ=0
# next_req: a fresh file name for the next review, in REQ
next_req() {
	NREQ=$((NREQ + 1))
	REQ="$WORK/review.$NREQ.json"
}
review() {
	local name=$1 path=$2
	shift 2
	next_req
	adm_review "$@" >"$REQ"
	post_review "$name" "$path"
}
# review_init: the same with the last image as an initContainer
review_init() {
	local name=$1 path=$2
	shift 2
	next_req
	adm_review_init "$@" >"$REQ"
	post_review "$name" "$path"
}
post_review() {
	UID_=$(jq -r .request.uid "$REQ")
	adm_post "$2" "$REQ"
	cp "$ADM_BODY" "$OUT"
	cp "$ADM_LOG" "$ERR"
	expect "$1: answered (HTTP 200, same uid)" answered
}
answered() { [ "$ADM_CODE" = 200 ] && [ "$(adm_uid)" = "$UID_" ]; }
allowed() { [ "$(adm_allowed)" = true ]; }
denied() { [ "$(adm_allowed)" = false ]; }
# says TEXT...: the answer's message holds each TEXT (fixed strings)
says() {
	local m t
	m=$(adm_message)
	for t; do
		case $m in
		*"$t"*) ;;
		*) echo "# message lacks: $t" >&2; return 1 ;;
		esac
	done
}
# says_re ERE: the answer's message matches ERE
says_re() { adm_message | grep -Eq -- "$1"; }
# patch_is JSON: the answer's decoded JSONPatch equals JSON (compared by jq)
patch_is() { [ "$(adm_patch | jq -cS .)" = "$(printf '%s' "$1" | jq -cS .)" ]; }
no_patch() { [ -z "$(jq -r '.response.patch // empty' "$ADM_BODY")" ]; }
# audit_of UID: the audit line of that review (awaited: it may be written
# just after the answer), on stdout
audit_of() {
	wait_log "$ADM_AUDIT" "\"$1\"" || return 1
	grep -F "\"$1\"" "$ADM_AUDIT" | head -1
}
# jqe ARGS...: jq -e, its output dropped
jqe() { jq -e "$@" >/dev/null; }
# alive: the server process still runs
alive() { kill -0 "$ADM_PID" 2>/dev/null; }
# stop_clean NAME PID LOG: SIGTERM the server; it exits 0 and its log says
# it stopped, with no sanitizer report (under SANITIZE=1: no leak after all
# the reviews above)
stop_clean() {
	local rc
	kill -TERM "$2"
	wait "$2"
	rc=$?
	cp "$3" "$ERR"
	: >"$OUT"
	expect "$1: exits 0 on SIGTERM" test "$rc" -eq 0
	expect "… says it stopped" has "sign admission: stopped" "$3"
	expect "… no sanitizer or crash report" lacks "Sanitizer\|runtime error\|Aborted\|Segmentation" "$3"
}
# no_crash: the server's log holds no sanitizer or abort report
no_crash() { lacks "AddressSanitizer\|runtime error\|LeakSanitizer\|Aborted\|Segmentation" "$ADM_LOG"; }
