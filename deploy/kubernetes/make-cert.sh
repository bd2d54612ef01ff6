#!/bin/sh
# make-cert.sh OUT [DAYS] - the TLS set-up of sign admission, with the openssl
# command line only, into the folder OUT:
#   ca.crt, ca.key          a CA of its own (kept: see below)
#   tls.crt, tls.key        the serving certificate, for the Service's names
#                           (sign-admission.sign-admission.svc and shorter),
#                           valid DAYS days (default 365), signed by the CA
#   tls-secret.yaml         the Secret sign-admission-tls holding them
#   *.yaml, Dockerfile      copies of this folder's files, the two webhook
#                           configurations with caBundle set to the CA
# then `kubectl apply -k OUT`.  The files of this folder are never changed.
#
# Run it again on the same OUT to rotate the serving certificate: the CA in
# OUT is reused, so the webhook configurations stay as they are and only
# the Secret changes (the server reloads the files when they change).
# Private keys and the Secret are written mode 0600.  No root needed.
set -eu

usage() {
	echo "usage: make-cert.sh OUT [DAYS]" >&2
	exit 2
}
[ $# -ge 1 ] && [ $# -le 2 ] || usage
out=$1
days=${2:-365}
case $days in
'' | *[!0-9]* | 0) echo "make-cert.sh: DAYS must be a positive number of days, not $days" >&2; exit 2 ;;
esac
here=$(cd "$(dirname "$0")" && pwd)
command -v openssl >/dev/null 2>&1 || { echo "make-cert.sh: openssl not found" >&2; exit 2; }

service=sign-admission
namespace=sign-admission
cn=$service.$namespace.svc
sans="DNS:$service,DNS:$service.$namespace,DNS:$cn,DNS:$cn.cluster.local"

umask 077
mkdir -p "$out"
[ "$(cd "$out" && pwd)" != "$here" ] || { echo "make-cert.sh: OUT must not be $here itself" >&2; exit 2; }
tmp=$(mktemp -d "$out/.make-cert.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

serial() { printf '0x%s' "$(openssl rand -hex 16)"; }

if [ -f "$out/ca.key" ] && [ -f "$out/ca.crt" ]; then
	echo "make-cert.sh: reusing the CA in $out" >&2
else
	openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$tmp/ca.key" -out "$tmp/ca.crt" -days 3650 -set_serial "$(serial)" \
		-subj "/CN=sign-admission webhook CA" \
		-addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" 2>"$tmp/log" ||
		{ cat "$tmp/log" >&2; echo "make-cert.sh: could not make the CA" >&2; exit 1; }
	mv "$tmp/ca.key" "$out/ca.key"
	mv "$tmp/ca.crt" "$out/ca.crt"
fi

cat >"$tmp/ext" <<EXT
subjectAltName=$sans
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
EXT
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$tmp/tls.key" -out "$tmp/tls.csr" -subj "/CN=$cn" 2>"$tmp/log" &&
	openssl x509 -req -in "$tmp/tls.csr" -CA "$out/ca.crt" -CAkey "$out/ca.key" \
		-set_serial "$(serial)" -days "$days" -extfile "$tmp/ext" -out "$tmp/tls.crt" 2>"$tmp/log" ||
	{ cat "$tmp/log" >&2; echo "make-cert.sh: could not make the serving certificate" >&2; exit 1; }
openssl verify -CAfile "$out/ca.crt" -verify_hostname "$cn" "$tmp/tls.crt" >"$tmp/log" 2>&1 ||
	{ cat "$tmp/log" >&2; echo "make-cert.sh: the serving certificate does not verify for $cn" >&2; exit 1; }

b64() { openssl base64 -A -in "$1"; }
cat >"$tmp/tls-secret.yaml" <<YAML
# made by make-cert.sh: the serving certificate of sign admission ($cn)
apiVersion: v1
kind: Secret
metadata:
  name: sign-admission-tls
  namespace: $namespace
  labels:
    app.kubernetes.io/name: sign-admission
type: kubernetes.io/tls
data:
  tls.crt: $(b64 "$tmp/tls.crt")
  tls.key: $(b64 "$tmp/tls.key")
YAML

# copies of the manifests, the placeholder caBundle replaced by the CA
placeholder=UkVQTEFDRS1NRS1XSVRILU1BS0UtQ0VSVC5TSA==
bundle=$(b64 "$out/ca.crt")
for f in "$here"/*.yaml "$here/Dockerfile"; do
	name=$(basename "$f")
	case $name in
	*webhook.yaml)
		grep -q "caBundle: $placeholder" "$f" ||
			{ echo "make-cert.sh: $name has no placeholder caBundle to fill" >&2; exit 1; }
		sed "s|caBundle: $placeholder|caBundle: $bundle|" "$f" >"$tmp/$name"
		;;
	*) cp "$f" "$tmp/$name" ;;
	esac
	chmod 0644 "$tmp/$name"
done

for f in tls.key tls.crt tls-secret.yaml; do
	mv "$tmp/$f" "$out/$f"
done
chmod 0644 "$out/ca.crt" "$out/tls.crt"
for f in "$here"/*.yaml "$here/Dockerfile"; do
	mv "$tmp/$(basename "$f")" "$out/$(basename "$f")"
done
echo "make-cert.sh: wrote $out (serving certificate for $cn, valid $days days); next: kubectl apply -k $out" >&2
