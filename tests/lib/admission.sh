# admission.sh - helpers for the tests of `sign admission` (sourced, bash,
# after common.sh).  Reviews go to the server over real HTTPS with curl.
#
#   adm_certs DIR [CN]        a test CA (made once per DIR) and a server
#                             certificate and key for IP:127.0.0.1 and
#                             DNS:localhost, subject CN (default "sign admission
#                             test"); sets ADM_CA, ADM_CERT, ADM_KEY (files in
#                             DIR; a second call with another CN makes another
#                             pair signed by the same CA, DIR/CN.{pem,key})
#   start_admission NAME POLICY [ARGS...]
#                             $SIGN $ADM_GLOBAL admission --listen 127.0.0.1:0
#                             --tls-cert $ADM_CERT --tls-key $ADM_KEY --policy
#                             POLICY ARGS, awaited on its "listening on" line;
#                             sets ADM_URL (https://127.0.0.1:PORT), ADM_PID,
#                             ADM_LOG (its stderr), ADM_AUDIT (its stdout: the
#                             audit lines); stopped on exit.  A server that
#                             fails to start: its log is shown and the script
#                             exits 1.  ADM_GLOBAL (words, default empty):
#                             global options, e.g. "--insecure-registry $REG"
#   adm_review KIND NS NAME IMAGE...
#                             prints an admission.k8s.io/v1 AdmissionReview
#                             (operation CREATE, a fresh uid per call) of a
#                             KIND (Pod Deployment ReplicaSet StatefulSet
#                             DaemonSet Job CronJob ReplicationController)
#                             whose pod spec runs IMAGE... as containers
#   adm_review_init KIND NS NAME IMAGE...
#                             the same with the LAST image as an initContainer
#   adm_post PATH FILE        POST FILE to $ADM_URL$PATH (curl --cacert
#                             $ADM_CA); the answer's body goes to the file
#                             $ADM_BODY, its HTTP status to ADM_CODE ("000"
#                             when no answer came)
#   adm_get PATH              GET $ADM_URL$PATH, the same way
#   adm_allowed               the answer's response.allowed (true/false)
#   adm_message               the answer's response.status.message
#   adm_uid                   the answer's response.uid
#   adm_patch                 the answer's JSONPatch, decoded (empty: none)
#   adm_error                 the "error" of a 400 answer
#
# jq reads and writes the JSON.

ADM_BODY="$WORK/adm-body"
ADM_CODE=""
ADM_URL=""
ADM_PID=""
ADM_LOG=""
ADM_AUDIT=""
: "${ADM_GLOBAL:=}"

adm_certs() {
	local d=$1 cn=${2:-sign admission test} base
	mkdir -p "$d"
	if [ ! -f "$d/ca.pem" ]; then
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 365 \
			-subj "/CN=sign admission test CA" -keyout "$d/ca.key" -out "$d/ca.pem" 2>/dev/null ||
			{ echo "adm_certs: could not make the test CA" >&2; return 1; }
	fi
	if [ $# -ge 2 ]; then
		base="$d/$(printf '%s' "$cn" | tr -c 'A-Za-z0-9._-' '_')"
	else
		base="$d/server"
	fi
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$cn" \
		-keyout "$base.key" -out "$base.csr" 2>/dev/null &&
		printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >"$base.ext" &&
		openssl x509 -req -in "$base.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
			-days 365 -extfile "$base.ext" -out "$base.pem" 2>/dev/null ||
		{ echo "adm_certs: could not make the server certificate $cn" >&2; return 1; }
	ADM_CA="$d/ca.pem"
	ADM_CERT="$base.pem"
	ADM_KEY="$base.key"
}

start_admission() {
	local name=$1 policy=$2 port
	shift 2
	ADM_LOG="$WORK/$name.log"
	ADM_AUDIT="$WORK/$name.audit"
	: >"$ADM_LOG"
	: >"$ADM_AUDIT"
	# shellcheck disable=SC2086
	"$SIGN" $ADM_GLOBAL admission --listen 127.0.0.1:0 --tls-cert "$ADM_CERT" \
		--tls-key "$ADM_KEY" --policy "$policy" "$@" >"$ADM_AUDIT" 2>"$ADM_LOG" &
	ADM_PID=$!
	PIDS="$PIDS $ADM_PID"
	# the start line, or a fatal error ("sign: ..."); a warning before the
	# start line is no reason to give up while the server runs
	wait_log "$ADM_LOG" 'sign admission: listening on\|^sign: '
	if ! grep -q 'sign admission: listening on' "$ADM_LOG" && kill -0 "$ADM_PID" 2>/dev/null; then
		wait_log "$ADM_LOG" 'sign admission: listening on'
	fi
	port=$(sed -n 's|^sign admission: listening on https://127\.0\.0\.1:\([0-9]*\) .*|\1|p' "$ADM_LOG" | head -1)
	if [ -z "$port" ]; then
		echo "could not start sign admission $name:" >&2
		sed 's/^/#   /' "$ADM_LOG" >&2
		exit 1
	fi
	ADM_URL="https://127.0.0.1:$port"
}

# adm_object KIND NS NAME NINIT IMAGE...: the object, NINIT (0 or 1) of the
# last images as initContainers
adm_object() {
	local kind=$1 ns=$2 name=$3 ninit=$4 spec
	shift 4
	spec=$(printf '%s\n' "$@" | jq -R . | jq -s --argjson ninit "$ninit" '
		(length - $ninit) as $n
		| { containers: [ .[:$n] | to_entries[] | { name: "c\(.key)", image: .value } ] }
		+ (if $ninit > 0 then
			{ initContainers: [ .[$n:] | to_entries[] | { name: "i\(.key)", image: .value } ] }
		   else {} end)')
	jq -n --arg kind "$kind" --arg ns "$ns" --arg name "$name" --argjson spec "$spec" '
		{ metadata: { name: $name, namespace: $ns } } as $meta
		| { template: { metadata: { labels: { app: $name } }, spec: $spec } } as $tmpl
		| if $kind == "Pod" then { apiVersion: "v1", kind: $kind } + $meta + { spec: $spec }
		  elif $kind == "ReplicationController" then { apiVersion: "v1", kind: $kind } + $meta + { spec: $tmpl }
		  elif $kind == "Job" then { apiVersion: "batch/v1", kind: $kind } + $meta + { spec: $tmpl }
		  elif $kind == "CronJob" then { apiVersion: "batch/v1", kind: $kind } + $meta
			+ { spec: { schedule: "*/5 * * * *", jobTemplate: { spec: $tmpl } } }
		  else { apiVersion: "apps/v1", kind: $kind } + $meta
			+ { spec: ({ selector: { matchLabels: { app: $name } } } + $tmpl) }
		  end'
}

adm_review_n() {
	local kind=$1 ns=$2 name=$3 ninit=$4 group version resource obj uid
	case $kind in
	Pod) group=""; version=v1; resource=pods ;;
	ReplicationController) group=""; version=v1; resource=replicationcontrollers ;;
	Deployment | ReplicaSet | StatefulSet | DaemonSet)
		group=apps; version=v1; resource="$(printf '%s' "$kind" | tr 'A-Z' 'a-z')s" ;;
	Job) group=batch; version=v1; resource=jobs ;;
	CronJob) group=batch; version=v1; resource=cronjobs ;;
	*) group=""; version=v1; resource="$(printf '%s' "$kind" | tr 'A-Z' 'a-z')s" ;;
	esac
	obj=$(adm_object "$@") || return 1
	uid=$(cat /proc/sys/kernel/random/uuid)
	jq -n --arg uid "$uid" --arg kind "$kind" --arg group "$group" --arg version "$version" \
		--arg resource "$resource" --arg ns "$ns" --arg name "$name" --argjson obj "$obj" '
		{ apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview",
		  request: {
			uid: $uid,
			kind: { group: $group, version: $version, kind: $kind },
			resource: { group: $group, version: $version, resource: $resource },
			requestKind: { group: $group, version: $version, kind: $kind },
			requestResource: { group: $group, version: $version, resource: $resource },
			name: $name, namespace: $ns, operation: "CREATE",
			userInfo: { username: "kubernetes-admin", groups: ["system:masters", "system:authenticated"] },
			object: $obj, oldObject: null, dryRun: false,
			options: { apiVersion: "meta.k8s.io/v1", kind: "CreateOptions" } } }'
}

adm_review() {
	local kind=$1 ns=$2 name=$3
	shift 3
	adm_review_n "$kind" "$ns" "$name" 0 "$@"
}

adm_review_init() {
	local kind=$1 ns=$2 name=$3
	shift 3
	[ $# -ge 2 ] || { echo "adm_review_init: needs at least two images" >&2; return 1; }
	adm_review_n "$kind" "$ns" "$name" 1 "$@"
}

adm_post() {
	: >"$ADM_BODY"
	ADM_CODE=$(curl -sS --max-time 60 --cacert "$ADM_CA" -H 'Content-Type: application/json' \
		--data-binary "@$2" -o "$ADM_BODY" -w '%{http_code}' "$ADM_URL$1" 2>"$WORK/adm-curl.err")
	[ -n "$ADM_CODE" ] || ADM_CODE=000
}

adm_get() {
	: >"$ADM_BODY"
	ADM_CODE=$(curl -sS --max-time 60 --cacert "$ADM_CA" -o "$ADM_BODY" -w '%{http_code}' \
		"$ADM_URL$1" 2>"$WORK/adm-curl.err")
	[ -n "$ADM_CODE" ] || ADM_CODE=000
}

adm_allowed() {
	jq -r '.response.allowed' "$ADM_BODY" 2>/dev/null
}

adm_message() {
	jq -r '.response.status.message // empty' "$ADM_BODY" 2>/dev/null
}

adm_uid() {
	jq -r '.response.uid // empty' "$ADM_BODY" 2>/dev/null
}

adm_patch() {
	local p
	p=$(jq -r '.response.patch // empty' "$ADM_BODY" 2>/dev/null)
	[ -n "$p" ] && printf '%s' "$p" | base64 -d
}

adm_error() {
	jq -r '.error // empty' "$ADM_BODY" 2>/dev/null
}
