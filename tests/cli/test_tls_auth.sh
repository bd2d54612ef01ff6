#!/bin/bash
# test_tls_auth.sh - HTTPS with a test CA (--ca-file, --insecure-registry)
# and Basic authentication with credentials from the docker config, against
# real docker-registry instances on loopback.
. "$(dirname "$0")/../lib/common.sh"

H="$WORK/home"
V="$WORK/verifier"

# --- a test CA and a server certificate for 127.0.0.1 -------------------------
CA="$WORK/ca"
mkdir -p "$CA"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-subj "/CN=sign test CA" -keyout "$CA/ca.key" -out "$CA/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" \
	-keyout "$CA/server.key" -out "$CA/server.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$CA/ext"
openssl x509 -req -in "$CA/server.csr" -CA "$CA/ca.pem" -CAkey "$CA/ca.key" -CAcreateserial \
	-days 2 -extfile "$CA/ext" -out "$CA/server.pem" 2>/dev/null

# --- TLS -------------------------------------------------------------------------
start_registry tls "  tls:
    certificate: $CA/server.pem
    key: $CA/server.key" ""
TLSREG=$REG
"$MKIMAGE" "$WORK/img" v1 41 >/dev/null
skopeo copy --quiet --dest-cert-dir "$WORK/nocerts" --dest-tls-verify=false "oci:$WORK/img:v1" "docker://$TLSREG/app:v1"
D41=$(skopeo inspect --raw --tls-verify=false "docker://$TLSREG/app:v1" | sha256sum | sed 's/^/sha256:/; s/ .*//')

run "TLS registry with an unknown CA is refused" 2 "$SIGN" --home "$H" --timeout 10 push "$TLSREG/app:v1"
expect "… with a hint about --ca-file" has "ca-file\|insecure-registry" "$ERR"
run "push with --ca-file" 0 "$SIGN" --home "$H" --ca-file "$CA/ca.pem" push "$TLSREG/app:v1"
expect "… prints the digest" has "^$TLSREG/app@$D41\$" "$OUT"
run "verify with --ca-file" 0 "$SIGN" --home "$V" --ca-file "$CA/ca.pem" verify "$TLSREG/app:v1"
run "verify with --insecure-registry (no CA)" 0 "$SIGN" --home "$V" --insecure-registry "$TLSREG" verify "$TLSREG/app:v1"
run "verify with SIGN_INSECURE_REGISTRIES" 0 env SIGN_INSECURE_REGISTRIES="other:1,$TLSREG" "$SIGN" --home "$V" verify "$TLSREG/app:v1"
run "verify with a CA file that does not exist" 2 "$SIGN" --home "$V" --ca-file "$WORK/none.pem" verify "$TLSREG/app:v1"
expect "… says the CA file cannot be set" has "error setting certificate file: .*none.pem" "$ERR"

# --- Basic auth (htpasswd) with docker config credentials --------------------------
start_auth_registry auth
skopeo copy --quiet --dest-creds alice:s3cret --dest-tls-verify=false "oci:$WORK/img:v1" "docker://$AUTHREG/secret:v1"

run "no credentials: refused" 2 "$SIGN" --home "$H" push "$AUTHREG/secret:v1"
expect "… names the registry" has "$AUTHREG" "$ERR"
expect "… hints at docker login" has "docker login" "$ERR"
printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$AUTHREG" "$(printf 'alice:wrong' | base64)" >"$DOCKER_CONFIG/config.json"
run "wrong password: refused" 2 "$SIGN" --home "$H" push "$AUTHREG/secret:v1"
expect "… says the registry refused the credentials" has "registry $AUTHREG refused the credentials" "$ERR"
printf '{"auths":{"http://%s/v2/":{"auth":"%s"}}}\n' "$AUTHREG" "$(printf 'alice:s3cret' | base64)" >"$DOCKER_CONFIG/config.json"
run "push with credentials from the docker config" 0 "$SIGN" --home "$H" push "$AUTHREG/secret:v1"
run "verify with credentials" 0 "$SIGN" --home "$V" verify "$AUTHREG/secret:v1"
expect "… prints the digest" has "^$AUTHREG/secret@$D41\$" "$OUT"
mkdir -p "$WORK/dc2"
printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$AUTHREG" "$(printf 'alice:s3cret' | base64)" >"$WORK/dc2/config.json"
run "DOCKER_CONFIG points elsewhere" 0 env DOCKER_CONFIG="$WORK/dc2" "$SIGN" --home "$V" verify "$AUTHREG/secret:v1"
rm -f "$DOCKER_CONFIG/config.json"

# --- Bearer token flow (a token proxy in front of a plain registry) ------------------
start_registry upstream
UP=$REG
skopeo copy --quiet --dest-tls-verify=false "oci:$WORK/img:v1" "docker://$UP/tok:v1"
# start_tokenproxy LOG USER:PASS [IDTOKEN]: a token proxy in front of $UP,
# stopped at the end; sets TPROXY (host:port)
start_tokenproxy() {
	local log=$1
	shift
	"$TOOLS/tokenproxy" "${UP##*:}" "$log" "$@" &
	PIDS="$PIDS $!"
	wait_log "$log" "listening on" || exit 1
	TPROXY="127.0.0.1:$(sed -n 's/^listening on 127.0.0.1:\([0-9]*\)$/\1/p' "$log" | head -1)"
}
start_tokenproxy "$WORK/proxy.log" bob:hunter2
PROXY=$TPROXY
run "Bearer: no credentials" 2 "$SIGN" --home "$H" push "$PROXY/tok:v1"
expect "… says the registry requires authentication" has "registry $PROXY requires authentication (token server .*: HTTP 401)" "$ERR"
expect "… the token endpoint refused" has "token refused\|401" "$WORK/proxy.log"
printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$PROXY" "$(printf 'bob:hunter2' | base64)" >"$DOCKER_CONFIG/config.json"
run "Bearer: push with credentials from the docker config" 0 "$SIGN" --home "$H" push "$PROXY/tok:v1"
expect "… a token was issued" has "^token ok" "$WORK/proxy.log"
expect "… requests went through with it" has "^forward /v2/tok/manifests/" "$WORK/proxy.log"
run "Bearer: verify" 0 "$SIGN" --home "$V" verify "$PROXY/tok:v1"
expect "… prints the digest" has "^$PROXY/tok@$D41\$" "$OUT"
rm -f "$DOCKER_CONFIG/config.json"
run "Bearer: verify without credentials is refused" 2 "$SIGN" --home "$V" verify "$PROXY/tok:v1"
expect "… says the registry requires authentication" has "registry $PROXY requires authentication (token server .*: HTTP 401)" "$ERR"

# --- OAuth2: an identity token from the docker config ----------------------------
# Registries that issue identity tokens (docker login to Azure Container
# Registry, say) leave one in the docker config beside a placeholder user;
# docker trades it for a token with an OAuth2 refresh-token grant (POST).
skopeo copy --quiet --dest-tls-verify=false "oci:$WORK/img:v1" "docker://$UP/idt:v1"
IDT="idt-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
start_tokenproxy "$WORK/oauth.log" bob:hunter2 "$IDT"
OPROXY=$TPROXY
# idt_config TOKEN: a docker config holding TOKEN as the proxy's identity token
idt_config() {
	printf '{"auths":{"%s":{"auth":"%s","identitytoken":"%s"}}}\n' "$OPROXY" \
		"$(printf '00000000-0000-0000-0000-000000000000:' | base64)" "$1" >"$DOCKER_CONFIG/config.json"
}
idt_config "$IDT"
run "OAuth2: push with an identity token from the docker config" 0 "$SIGN" --home "$H" push "$OPROXY/idt:v1"
expect "… traded for a token by a refresh-token grant" has "^token oauth-ok" "$WORK/oauth.log"
expect "… and never sent as Basic credentials" lacks "^token ok\|^token refused" "$WORK/oauth.log"
expect "… requests went through with it" has "^forward /v2/idt/manifests/" "$WORK/oauth.log"
run "OAuth2: verify" 0 "$SIGN" --home "$V" verify "$OPROXY/idt:v1"
expect "… prints the digest" has "^$OPROXY/idt@$D41\$" "$OUT"
idt_config "$IDT-revoked"
run "OAuth2: a revoked identity token is refused" 2 "$SIGN" --home "$WORK/v-idt" verify "$OPROXY/idt:v1"
expect "… the token server refused it" has "^token oauth-refused" "$WORK/oauth.log"
expect "… the message says so" has "refused the credentials" "$ERR"
expect "… with a hint" has "hint: run .docker login $OPROXY" "$ERR"
expect "… and never shows the identity token" lacks "$IDT" "$OUT" "$ERR"
rm -f "$DOCKER_CONFIG/config.json"

finish
