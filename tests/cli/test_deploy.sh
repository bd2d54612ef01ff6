#!/bin/bash
# test_deploy.sh - deploy/kubernetes/ stays true to `sign admission`: every
# YAML file parses (tests/tools/yaml2json, read with jq), the objects are the
# ones the README applies, the webhook configurations call the paths the
# server serves and fail closed, the Service reaches the port the server
# listens on, the Pods run locked down, the ConfigMap's policy passes
# `sign admission --check`, the home the Deployment gives sign is one sign
# accepts, and make-cert.sh makes a certificate that verifies for the
# Service's name under the CA it writes into the caBundles.
. "$(dirname "$0")/../lib/common.sh"

K="$TOP/deploy/kubernetes"
Y2J="$TOOLS/yaml2json"
NS=sign-admission
ALL="$WORK/all.json"

not_same() { ! cmp -s "$1" "$2"; }
jqe() { jq -e "$@" >/dev/null; }

# jqok NAME FILTER [FILE]: FILTER (jq -e) holds on FILE (default: every
# object of deploy/kubernetes/, as one array).
jqok() {
	run "$1" 0 jq -e "$2" "${3:-$ALL}"
}

# --- yaml2json itself: it must be able to say no ------------------------------------------
printf 'a: [1\n' >"$WORK/broken.yaml"
run "yaml2json refuses YAML that does not parse" 1 "$Y2J" "$WORK/broken.yaml"
expect "… naming the file, the problem and the place" \
	has "^yaml2json: $WORK/broken.yaml: did not find expected ',' or ']' (line 2 column 1)" "$ERR"
printf 'kind: A\nkind: B\n' >"$WORK/twice.yaml"
run "yaml2json refuses a key given twice" 1 "$Y2J" "$WORK/twice.yaml"
expect "… naming it" has '^yaml2json: .*twice.yaml: key "kind" given twice (line 2 column 1)' "$ERR"
printf -- '---\nn: 2\ns: "2"\nb: true\nz: ~\n---\n---\nk: v\n' >"$WORK/typed.yaml"
run "yaml2json reads a multi-document stream" 0 "$Y2J" "$WORK/typed.yaml"
expect "… into an array of its non-empty documents, typed as Kubernetes reads them" \
	jqe '. == [{"n":2,"s":"2","b":true,"z":null},{"k":"v"}]' "$OUT"

# --- every file parses -------------------------------------------------------------------
files=$(cd "$K" && ls ./*.yaml | sed 's|^\./||')
expect "deploy/kubernetes holds YAML files" test -n "$files"
: >"$WORK/parts"
for f in $files; do
	run "$f parses" 0 "$Y2J" "$K/$f"
	jq --arg f "$f" 'map(. + {"_file": $f})' "$OUT" >>"$WORK/parts" 2>/dev/null
	expect "… into Kubernetes objects (apiVersion, kind, metadata.name)" \
		jqe 'length > 0 and all(.[]; (.apiVersion | type) == "string" and (.kind | type) == "string" and (.kind == "Kustomization" or (.metadata.name | type) == "string"))' "$OUT"
done
jq -s 'add' "$WORK/parts" >"$ALL"

for kind in Namespace ServiceAccount Deployment Service ConfigMap PodDisruptionBudget \
	ValidatingWebhookConfiguration MutatingWebhookConfiguration; do
	jqok "one $kind" "[.[] | select(.kind == \"$kind\")] | length == 1"
done
jqok "the Namespace is $NS" "any(.[]; .kind == \"Namespace\" and .metadata.name == \"$NS\")"
jqok "every namespaced object is in $NS" \
	"all(.[] | select(.kind | IN(\"Namespace\", \"ValidatingWebhookConfiguration\", \"MutatingWebhookConfiguration\", \"Kustomization\") | not); .metadata.namespace == \"$NS\")"
jqok "kustomization.yaml lists every other file (and make-cert.sh's Secret)" \
	"([.[] | select(.kind == \"Kustomization\") | .resources[]] | sort) == ([.[] | select(.kind != \"Kustomization\") | ._file] + [\"tls-secret.yaml\"] | unique)"

# --- the webhook configurations -------------------------------------------------------------
W='.[] | select(.kind == "ValidatingWebhookConfiguration" or .kind == "MutatingWebhookConfiguration") | .webhooks[]'
V='.[] | select(.kind == "ValidatingWebhookConfiguration") | .webhooks'
M='.[] | select(.kind == "MutatingWebhookConfiguration") | .webhooks'
jqok "the validating webhook calls POST /validate" "($V | map(.clientConfig.service.path)) == [\"/validate\"]"
jqok "the mutating webhook calls POST /mutate" "($M | map(.clientConfig.service.path)) == [\"/mutate\"]"
# the paths are the ones the server's source serves
srcs=$(ls "$TOP"/cmd/cmd_admission.c "$TOP"/cmd/adm_*.c 2>/dev/null)
expect "sign admission's sources are in cmd/" test -n "$srcs"
for p in $(jq -r "$W | .clientConfig.service.path" "$ALL"); do
	# shellcheck disable=SC2086
	expect "… and serve $p" grep -q "\"$p\"" $srcs /dev/null
done
jqok "both fail closed (failurePolicy Fail)" "[$W | .failurePolicy] | length == 2 and all(. == \"Fail\")"
jqok "… have no side effects (sideEffects None)" "[$W | .sideEffects] | length == 2 and all(. == \"None\")"
jqok "… time out after 10 s" "[$W | .timeoutSeconds] | length == 2 and all(. == 10)"
jqok "… speak admission.k8s.io/v1" "[$W | .admissionReviewVersions] | all(. == [\"v1\"])"
jqok "… reach the Service $NS/$NS on its port" \
	"(.[] | select(.kind == \"Service\") | .spec.ports[0].port) as \$port | [$W | .clientConfig.service] | all(.namespace == \"$NS\" and .name == \"$NS\" and .port == \$port)"
jqok "… exclude kube-system and $NS by kubernetes.io/metadata.name" \
	"[$W | .namespaceSelector.matchExpressions[] | select(.key == \"kubernetes.io/metadata.name\" and .operator == \"NotIn\") | .values] | length == 2 and all(index(\"kube-system\") != null and index(\"$NS\") != null)"
jqok "… and nothing else selects namespaces" "[$W | .namespaceSelector.matchExpressions | length] | all(. == 1)"
for res in pods pods/ephemeralcontainers replicationcontrollers deployments replicasets statefulsets \
	daemonsets jobs cronjobs; do
	jqok "… cover $res on CREATE and UPDATE" \
		"[$W | [.rules[] | select(.resources | index(\"$res\")) | .operations] | add // [] | (index(\"CREATE\") != null and index(\"UPDATE\") != null)] | length == 2 and all"
done
jqok "… carry the placeholder caBundle make-cert.sh fills" \
	"[$W | .clientConfig.caBundle | @base64d] | length == 2 and all(. == \"REPLACE-ME-WITH-MAKE-CERT.SH\")"

# --- the Deployment and the Service ---------------------------------------------------------
D='(.[] | select(.kind == "Deployment"))'
C="($D | .spec.template.spec.containers[0])"
jqok "the Deployment runs two replicas" "$D | .spec.replicas == 2"
jqok "… keeping one up during a rollout" "$D | .spec.strategy.rollingUpdate.maxUnavailable == 0"
jqok "… and a drain (PodDisruptionBudget minAvailable 1 on its Pods)" \
	"(.[] | select(.kind == \"PodDisruptionBudget\") | .spec) as \$p | \$p.minAvailable == 1 and \$p.selector.matchLabels == ($D | .spec.template.metadata.labels)"
jqok "… runs sign admission" "$C | .args[0] == \"admission\""
jqok "… reloading the policy when the ConfigMap's edit reaches it (--watch-policy)" \
	"$C | .args | index(\"--watch-policy\") != null"
jqok "… with as many event loops as its CPU limit (--io-threads)" \
	"$C | (.args | index(\"--io-threads\")) as \$i | \$i != null and .args[\$i + 1] == (.resources.limits.cpu | tostring)"
jqok "… with --listen, --tls-cert, --tls-key, --policy and --home" \
	"$C | .args as \$a | all(\"--listen\", \"--tls-cert\", \"--tls-key\", \"--policy\", \"--home\"; . as \$o | \$a | index(\$o) != null)"
arg() { jq -r "$C | .args as \$a | \$a[(\$a | index(\"$1\")) + 1]" "$ALL"; }
listen=$(arg --listen)
lport=${listen##*:}
expect "… listening on all addresses ($listen)" test "${listen%:*}" = 0.0.0.0
jqok "… on its container port" "$C | .ports | any(.containerPort == $lport)"
jqok "the Service sends port 443 to the port --listen names" \
	"(.[] | select(.kind == \"Service\") | .spec.ports[0]) as \$s | \$s.port == 443 and ($C | .ports | any(.containerPort == $lport and (.name == \$s.targetPort or .containerPort == \$s.targetPort)))"
jqok "… to the Deployment's Pods" \
	"(.[] | select(.kind == \"Service\") | .spec.selector) as \$sel | ($D | .spec.template.metadata.labels | to_entries | map(select(\$sel[.key] == .value)) | length) == (\$sel | length)"
deadline=$(arg --deadline)
jqok "… whose --deadline ($deadline s) is below the webhooks' timeoutSeconds" \
	"($deadline | tonumber) as \$d | [.[] | select(.kind | test(\"WebhookConfiguration\")) | .webhooks[].timeoutSeconds] | all(. > \$d)"
S="($C | .securityContext)"
P="($D | .spec.template.spec.securityContext)"
jqok "the container runs as non-root user 65532" "$S | .runAsNonRoot == true and .runAsUser == 65532"
jqok "… so does the Pod" "$P | .runAsNonRoot == true and .runAsUser == 65532"
jqok "… on a read-only root filesystem" "$S | .readOnlyRootFilesystem == true"
jqok "… without privilege escalation or any capability" \
	"$S | .allowPrivilegeEscalation == false and .capabilities.drop == [\"ALL\"] and (.capabilities.add == null) and (.privileged != true)"
jqok "… under the runtime's seccomp profile" "$S | .seccompProfile.type == \"RuntimeDefault\""
jqok "… with no service account token" "$D | .spec.template.spec.automountServiceAccountToken == false"
jqok "… with resource requests and a memory limit" "$C | .resources.requests.cpu != null and .resources.requests.memory != null and .resources.limits.memory != null"
jqok "liveness is GET /healthz over HTTPS on the server's port" \
	"$C | .livenessProbe.httpGet | .path == \"/healthz\" and .scheme == \"HTTPS\" and (.port == $lport or .port == \"https\")"
jqok "readiness is GET /readyz over HTTPS" \
	"$C | .readinessProbe.httpGet | .path == \"/readyz\" and .scheme == \"HTTPS\" and (.port == $lport or .port == \"https\")"
for p in /healthz /readyz; do
	# shellcheck disable=SC2086
	expect "… a path sign admission serves: $p" grep -q "\"$p\"" $srcs /dev/null
done
# every file the arguments name is on a read-only mount of the right source
mounted_ro() { # PATH SOURCE-KIND NAME: PATH is below a read-only mount of that Secret or ConfigMap
	jqe --arg p "$1" --arg kind "$2" --arg name "$3" \
		"($D | .spec.template.spec.volumes) as \$v | [$C | .volumeMounts[] | select(.mountPath as \$m | \$p == \$m or (\$p | startswith(\$m + \"/\")))] | any(.readOnly == true and (.name as \$n | \$v | any(.name == \$n and ((\$kind == \"secret\" and .secret.secretName == \$name) or (\$kind == \"configMap\" and .configMap.name == \$name)))))" \
		"$ALL" >/dev/null
}
expect "--tls-cert is read from the Secret sign-admission-tls, read-only" mounted_ro "$(arg --tls-cert)" secret sign-admission-tls
expect "--tls-key too" mounted_ro "$(arg --tls-key)" secret sign-admission-tls
expect "--policy is read from the ConfigMap sign-admission-policy, read-only" mounted_ro "$(arg --policy)" configMap sign-admission-policy
home=$(arg --home)
jqok "the home ($home) is the image's; its trust/ and cache/ are emptyDirs" \
	"($D | .spec.template.spec.volumes) as \$v | [$C | .volumeMounts[] | select(.mountPath == \"$home/trust\" or .mountPath == \"$home/cache\") | .name as \$n | \$v[] | select(.name == \$n) | .emptyDir] | length == 2 and all(. != null)"
jqok "… the only places it can write" \
	"[$C | .volumeMounts[] | select(.readOnly != true) | .mountPath] | sort == [\"$home/cache\", \"$home/trust\"]"

# --- the policy ConfigMap: what it names is mounted, and it passes --check ----------------------
CM='(.[] | select(.kind == "ConfigMap" and .metadata.name == "sign-admission-policy"))'
jq -r "$CM | .data[\"policy.yaml\"]" "$ALL" >"$WORK/policy.yaml"
expect "the ConfigMap holds policy.yaml" has "^rules:" "$WORK/policy.yaml"
run "… YAML that parses" 0 "$Y2J" "$WORK/policy.yaml"
cp "$OUT" "$WORK/policy.json"
expect "… the issue's example: registry, notary, key, allow and deny rules" \
	jqe '[.[0].rules[] | .trust // .action] == ["registry", "notary", "key", "allow", "deny"]' "$WORK/policy.json"
expect "… exempting kube-system and $NS" jqe '.[0].exemptNamespaces | index("kube-system") != null and index("'$NS'") != null' "$WORK/policy.json"
for f in $(jq -r '.[0].rules[] | (.rootKeys // [])[], (.key // empty), (.rootCA // empty)' "$WORK/policy.json"); do
	k=${f##*/}
	expect "the ConfigMap holds the key file $f names" jqe "$CM | .data[\"$k\"] != null" "$ALL"
	expect "… and the Deployment mounts it there, read-only" mounted_ro "$f" configMap sign-admission-policy
	jqok "… with the ConfigMap's folder, not a subPath (edits must reach the server)" \
		"$C | .volumeMounts | any(.mountPath == \"${f%/*}\" and .subPath == null and .readOnly == true)"
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$WORK/$k.key" 2>/dev/null
	openssl pkey -in "$WORK/$k.key" -pubout -out "$WORK/$k" 2>/dev/null
	sed -i "s|$f|$WORK/$k|g" "$WORK/policy.yaml"
done
expect "the policy names no /etc/sign file once the test keys replace them" lacks "/etc/sign/" "$WORK/policy.yaml"
export SIGN_HOME="$WORK/home"
run "sign admission --check passes the ConfigMap's policy" 0 "$SIGN" admission --check --policy "$WORK/policy.yaml"
expect "… and counts its rules" has "^policy $WORK/policy.yaml: 5 rules, OK$" "$OUT"
sed 's/trust: notary/trust: notray/' "$WORK/policy.yaml" >"$WORK/bad-policy.yaml"
run "… and refuses a broken one with 2" 2 "$SIGN" admission --check --policy "$WORK/bad-policy.yaml"
expect "… saying where and why" has "^sign: .*rules\[1\]\.trust: .*notray" "$ERR"
# the ConfigMap as the kubelet mounts it: each file a symbolic link through
# ..data to a timestamped folder; sign reads the policy and its key files
# through the links
CMV="$WORK/cm-volume"
mkdir -p "$CMV/..2026_12_03_v1"
for f in $(jq -r '.[0].rules[] | (.rootKeys // [])[], (.key // empty), (.rootCA // empty)' "$WORK/policy.json"); do
	k=${f##*/}
	cp "$WORK/$k" "$CMV/..2026_12_03_v1/$k"
	ln -s "..data/$k" "$CMV/$k"
done
sed "s|$WORK/|$CMV/|g" "$WORK/policy.yaml" >"$CMV/..2026_12_03_v1/policy.yaml"
ln -s ..2026_12_03_v1 "$CMV/..data"
ln -s ..data/policy.yaml "$CMV/policy.yaml"
expect "harness: the volume's policy names the volume's key files" has "$CMV/team-root.pub" "$CMV/policy.yaml"
run "… a policy in a ConfigMap volume (symbolic links) passes --check" 0 "$SIGN" admission --check --policy "$CMV/policy.yaml"
expect "… with its 5 rules" has "^policy $CMV/policy.yaml: 5 rules, OK$" "$OUT"

# --- the home the Deployment gives sign -------------------------------------------------------
# The image's 0700 folder with world-writable emptyDirs as trust/ and cache/
# (an emptyDir is mode 0777): sign accepts it and verifies with it, where an
# emptyDir as the home itself is refused.
"$MKIMAGE" "$WORK/layout" v1 deploy-1 >/dev/null
run "sign push into a layout" 0 "$SIGN" --home "$WORK/publisher" push "oci:$WORK/layout:v1"
mkdir -p "$WORK/pod/home/trust" "$WORK/pod/home/cache" "$WORK/pod/emptydir"
chmod 0700 "$WORK/pod/home"
chmod 0777 "$WORK/pod/home/trust" "$WORK/pod/home/cache" "$WORK/pod/emptydir"
run "sign verifies with the Deployment's home (0700, its trust/ and cache/ mode 0777)" 0 \
	"$SIGN" --home "$WORK/pod/home" verify "oci:$WORK/layout:v1"
expect "… and caches the trust data in the emptyDir" test -d "$WORK/pod/home/trust/local/layout"
run "… where an emptyDir as the home is refused" 2 "$SIGN" --home "$WORK/pod/emptydir" verify "oci:$WORK/layout:v1"
expect "… saying so" has "^sign: refusing home $WORK/pod/emptydir: .*can write it (mode 0777)" "$ERR"

# --- the image ----------------------------------------------------------------------------------
DF="$K/Dockerfile"
expect "the Dockerfile's image starts from scratch" has "^FROM scratch" "$DF"
expect "… holds the static binary" has "^COPY build/static/sign /sign" "$DF"
expect "… and CA certificates" has "^COPY .*/etc/ssl/certs /etc/ssl/certs" "$DF"
expect "… gives the home to 65532, mode 0700" has "^COPY .*--chown=65532:65532 --chmod=0700 .* $home$" "$DF"
expect "… runs as 65532" has "^USER 65532" "$DF"
expect "… and runs sign" has '^ENTRYPOINT \["/sign"\]' "$DF"

# --- make-cert.sh -------------------------------------------------------------------------------
MC="$K/make-cert.sh"
sum_before=$(cd "$K" && cat ./* | sha256sum)
run "make-cert.sh without OUT is a usage error" 2 "$MC"
expect "… saying so" has "^usage: make-cert.sh OUT \[DAYS\]" "$ERR"
run "make-cert.sh refuses a bad DAYS" 2 "$MC" "$WORK/certs" 1x
expect "… saying so" has "^make-cert.sh: DAYS must be a positive number of days, not 1x" "$ERR"
run "make-cert.sh OUT makes the TLS set-up" 0 "$MC" "$WORK/certs"
expect "… and says what is next" has "next: kubectl apply -k $WORK/certs" "$ERR"
O="$WORK/certs"
SVC=$NS.$NS.svc
run "the serving certificate verifies against its CA for $SVC" 0 \
	openssl verify -CAfile "$O/ca.crt" -verify_hostname "$SVC" "$O/tls.crt"
expect "… OK" has ": OK$" "$OUT"
for n in "$NS" "$NS.$NS" "$SVC.cluster.local"; do
	run "… and for $n" 0 openssl verify -CAfile "$O/ca.crt" -verify_hostname "$n" "$O/tls.crt"
done
run "… and for no other name" 2 openssl verify -CAfile "$O/ca.crt" -verify_hostname "evil.$NS.svc" "$O/tls.crt"
expect "… saying so" has "hostname mismatch" "$ERR"
openssl x509 -in "$O/tls.crt" -noout -ext extendedKeyUsage,basicConstraints >"$WORK/ext" 2>&1
expect "… a server certificate, not a CA" grep -q "TLS Web Server Authentication" "$WORK/ext"
expect "… not a CA" grep -q "CA:FALSE" "$WORK/ext"
for f in ca.key tls.key tls-secret.yaml; do
	expect "$f is mode 0600" test "$(stat -c %a "$O/$f")" = 600
done
for f in $files Dockerfile; do
	expect "OUT holds $f" test -f "$O/$f"
done
for f in validatingwebhook.yaml mutatingwebhook.yaml; do
	run "$f's copy parses" 0 "$Y2J" "$O/$f"
	jq -r '.[0].webhooks[0].clientConfig.caBundle' "$OUT" | base64 -d >"$WORK/bundle" 2>/dev/null
	expect "… and its caBundle decodes to the CA" cmp -s "$WORK/bundle" "$O/ca.crt"
	expect "… otherwise unchanged" \
		jqe --slurpfile orig <("$Y2J" "$K/$f") 'del(.[0].webhooks[0].clientConfig.caBundle) == ($orig[0] | del(.[0].webhooks[0].clientConfig.caBundle))' "$OUT"
done
run "tls-secret.yaml parses" 0 "$Y2J" "$O/tls-secret.yaml"
cp "$OUT" "$WORK/secret.json"
expect "… a kubernetes.io/tls Secret named as the Deployment mounts it" \
	jqe ".[0] | .kind == \"Secret\" and .type == \"kubernetes.io/tls\" and .metadata.name == \"sign-admission-tls\" and .metadata.namespace == \"$NS\"" "$WORK/secret.json"
jq -r '.[0].data["tls.crt"]' "$WORK/secret.json" | base64 -d >"$WORK/secret.crt" 2>/dev/null
jq -r '.[0].data["tls.key"]' "$WORK/secret.json" | base64 -d >"$WORK/secret.key" 2>/dev/null
expect "… holding the certificate" cmp -s "$WORK/secret.crt" "$O/tls.crt"
expect "… and its key" cmp -s "$WORK/secret.key" "$O/tls.key"
pub_of_cert=$(openssl x509 -in "$O/tls.crt" -noout -pubkey 2>/dev/null)
pub_of_key=$(openssl pkey -in "$O/tls.key" -pubout 2>/dev/null)
expect "… which is the certificate's" test -n "$pub_of_key" -a "$pub_of_cert" = "$pub_of_key"
expect "the committed files are unchanged" test "$(cd "$K" && cat ./* | sha256sum)" = "$sum_before"

# a second run rotates the serving certificate under the same CA
cp "$O/tls.crt" "$WORK/first.crt"
cp "$O/validatingwebhook.yaml" "$WORK/first-webhook.yaml"
run "make-cert.sh again on the same OUT" 0 "$MC" "$O" 30
expect "… reuses the CA" has "^make-cert.sh: reusing the CA in $O" "$ERR"
expect "… so the caBundles stay" cmp -s "$O/validatingwebhook.yaml" "$WORK/first-webhook.yaml"
expect "… and makes a new serving certificate" not_same "$WORK/first.crt" "$O/tls.crt"
run "… that verifies for $SVC" 0 openssl verify -CAfile "$O/ca.crt" -verify_hostname "$SVC" "$O/tls.crt"

# --- the Deployment's command, with make-cert.sh's certificate -----------------------------------
# sign admission run with the Deployment's own arguments, the test's files in
# place of the Pod's (the port is any free one): the API server's view of it,
# by the Service's name, under the caBundle's CA.
. "$TOP/tests/lib/admission.sh"
mapfile -t dargs < <(jq -r "$C | .args[]" "$ALL")
cmdline=()
for ((i = 0; i < ${#dargs[@]}; i++)); do
	a=${dargs[$i]}
	cmdline+=("$a")
	case $a in
	--listen) cmdline+=(127.0.0.1:0) ;;
	--tls-cert) cmdline+=("$O/tls.crt") ;;
	--tls-key) cmdline+=("$O/tls.key") ;;
	--policy) cmdline+=("$WORK/policy.yaml") ;;
	--home) cmdline+=("$WORK/pod/home") ;;
	*) continue ;;
	esac
	i=$((i + 1))
done
DLOG="$WORK/deployed.log"
: >"$DLOG"
"$SIGN" "${cmdline[@]}" >"$WORK/deployed.audit" 2>"$DLOG" &
DPID=$!
PIDS="$PIDS $DPID"
wait_log "$DLOG" 'sign admission: listening on\|^sign: '
dport=$(sed -n 's|^sign admission: listening on https://127\.0\.0\.1:\([0-9]*\) .*|\1|p' "$DLOG" | head -1)
cp "$DLOG" "$ERR"
expect "sign admission starts with the Deployment's arguments" test -n "$dport"
if [ -n "$dport" ]; then
	ADM_URL="https://$SVC:$dport"
	ADM_CA="$O/ca.crt"
	svc_get() { # PATH: GET by the Service's name, verified under the caBundle's CA
		curl -sS --max-time 60 --cacert "$ADM_CA" --resolve "$SVC:$dport:127.0.0.1" \
			-o "$ADM_BODY" -w '%{http_code}' "$ADM_URL$1" 2>"$ERR"
	}
	svc_post() { # PATH FILE
		curl -sS --max-time 60 --cacert "$ADM_CA" --resolve "$SVC:$dport:127.0.0.1" \
			-H 'Content-Type: application/json' --data-binary "@$2" \
			-o "$ADM_BODY" -w '%{http_code}' "$ADM_URL$1" 2>"$ERR"
	}
	for probe in livenessProbe readinessProbe; do
		path=$(jq -r "$C | .$probe.httpGet.path" "$ALL")
		expect "its $probe ($path) answers 200 over TLS verified for $SVC" test "$(svc_get "$path")" = 200
	done
	vpath=$(jq -r "$V | .[0].clientConfig.service.path" "$ALL")
	mpath=$(jq -r "$M | .[0].clientConfig.service.path" "$ALL")
	adm_review Pod shop web registry.example.com/public/web:1.0 >"$WORK/r-public.json"
	expect "the validating webhook's path answers a review" test "$(svc_post "$vpath" "$WORK/r-public.json")" = 200
	expect "… allowing an image the ConfigMap's policy allows" test "$(adm_allowed)" = true
	adm_review Pod shop web nginx:1.27 >"$WORK/r-other.json"
	expect "… and the mutating webhook's path too" test "$(svc_post "$mpath" "$WORK/r-other.json")" = 200
	expect "… denying an image no other rule matches" test "$(adm_allowed)" = false
	adm_message >"$OUT"
	expect "… by the policy's last rule, saying so" has '^image nginx:1.27 (rule 5 "default"): denied by the policy' "$OUT"
	adm_review Pod kube-system dns nginx:1.27 >"$WORK/r-exempt.json"
	svc_post "$vpath" "$WORK/r-exempt.json" >/dev/null
	expect "… and allowing it in an exempt namespace" test "$(adm_allowed)" = true
	kill -TERM "$DPID"
	wait "$DPID"
	expect "SIGTERM stops it, exit 0" test $? -eq 0
	expect "… after draining" has "^sign admission: stopped" "$DLOG"
	expect "one audit line per review" test "$(grep -c '^{' "$WORK/deployed.audit")" -eq 3
fi

finish
