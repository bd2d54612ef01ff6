# notary.sh - helpers for the tests against a real notary-server and the
# real notary client (sourced, bash, after common.sh).
#
#   start_notary NAME [tls]       notary-server (memory storage, local ed25519
#                                 signer) on a random loopback port, awaited on
#                                 its "Starting on 127.0.0.1:PORT" log line;
#                                 sets NOTARY_URL, NOTARY_HOSTPORT, NOTARY_PORT,
#                                 NOTARY_CA ("" for plain HTTP), NOTARY_TRUST
#                                 (the notary client's trust dir for this
#                                 server) and NOTARY_LOG.  With tls: a test CA
#                                 (notary_test_ca), and the CA copied to
#                                 $DOCKER_CONFIG/tls/127.0.0.1:PORT/ca.crt for
#                                 `docker trust inspect`
#   notary_use NAME               switch back to an earlier server
#   notary_cli ARGS...            the notary client against that server,
#                                 non-interactive, fixed passphrases
#   sign_ts ARGS...               $SIGN --trust-server URL [--ca-file CA] ARGS
#   notary_init GUN [server-snapshot]
#   notary_publish_file GUN TAG FILE [ROLE]   init if needed, add, publish
#   notary_delegate GUN ROLE PUBKEY.pem       delegation add --all-paths, publish
#   notary_import_key KEY.pem NAME            notary key import --role NAME
#   notary_add_to_role GUN ROLE TAG FILE      add --roles ROLE, publish
#   notary_rotate_root GUN                    key rotate GUN root (answers yes)
#   notary_key_file GUN ROLE      path of notary's key file for ROLE
#   notary_fetch GUN FILE OUT     curl .../_trust/tuf/FILE from the server
#   notary_root_pub ROOT.json OUT public key (PEM) of the root cert in a root.json
#   start_tufproxy MODE [ARG]     tufproxy in front of the current plain-HTTP
#                                 server; sets TUFPROXY_URL and TUFPROXY_LOG
#   manifest_of REF OUT           the manifest bytes the registry serves
#   docker_trust_ok, faketime_ok  are the optional tools there?
#
# Passphrases: NOTARY_{ROOT,TARGETS,SNAPSHOT,DELEGATION}_PASSPHRASE are
# exported with fixed test values (notary's own key files use them).

NOTARY_ROOT_PASSPHRASE=notary-root-pass
NOTARY_TARGETS_PASSPHRASE=notary-targets-pass
NOTARY_SNAPSHOT_PASSPHRASE=notary-snapshot-pass
NOTARY_DELEGATION_PASSPHRASE=notary-delegation-pass
export NOTARY_ROOT_PASSPHRASE NOTARY_TARGETS_PASSPHRASE NOTARY_SNAPSHOT_PASSPHRASE NOTARY_DELEGATION_PASSPHRASE

NOTARY_URL=""
NOTARY_CA=""
NOTARY_TRUST=""

# notary_test_ca: a test CA and a server certificate for IP:127.0.0.1, in
# $WORK/notary-ca/{ca.pem,server.pem,server.key}.  Valid for a year, so that
# a verifier whose clock runs weeks ahead (faketime) still accepts it.
notary_test_ca() {
	local d="$WORK/notary-ca"
	[ -f "$d/server.pem" ] && return 0
	mkdir -p "$d"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 365 \
		-subj "/CN=sign notary test CA" -keyout "$d/ca.key" -out "$d/ca.pem" 2>/dev/null &&
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" \
			-keyout "$d/server.key" -out "$d/server.csr" 2>/dev/null &&
		printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$d/ext" &&
		openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
			-days 365 -extfile "$d/ext" -out "$d/server.pem" 2>/dev/null
}

start_notary() {
	local name=${1:-notary} tls=${2:-} port dir tlscfg=""
	port=$("$TOOLS/freeport")
	dir="$WORK/$name"
	mkdir -p "$dir"
	if [ "$tls" = tls ]; then
		if ! notary_test_ca; then
			echo "could not make the notary test CA" >&2
			exit 1
		fi
		tlscfg=",\"tls_cert_file\":\"$WORK/notary-ca/server.pem\",\"tls_key_file\":\"$WORK/notary-ca/server.key\""
	fi
	cat >"$dir/config.json" <<JSON
{
  "server": {"http_addr": "127.0.0.1:$port"$tlscfg},
  "trust_service": {"type": "local"},
  "storage": {"backend": "memory"},
  "logging": {"level": "info"}
}
JSON
	notary-server -config "$dir/config.json" -logf logfmt >"$dir/log" 2>&1 &
	PIDS="$PIDS $!"
	# notary-server logs "Starting on 127.0.0.1:PORT" after it has bound the port
	if ! wait_log "$dir/log" "Starting on"; then
		echo "could not start notary-server:" >&2
		cat "$dir/log" >&2
		exit 1
	fi
	NOTARY_PORT=$port
	NOTARY_HOSTPORT="127.0.0.1:$port"
	NOTARY_LOG="$dir/log"
	NOTARY_TRUST="$WORK/notary-trust/$name"
	mkdir -p "$NOTARY_TRUST"
	if [ "$tls" = tls ]; then
		NOTARY_URL="https://127.0.0.1:$port"
		NOTARY_CA="$WORK/notary-ca/ca.pem"
		# where the docker CLI looks for a trust server's CA
		mkdir -p "$DOCKER_CONFIG/tls/127.0.0.1:$port"
		cp "$NOTARY_CA" "$DOCKER_CONFIG/tls/127.0.0.1:$port/ca.crt"
	else
		NOTARY_URL="http://127.0.0.1:$port"
		NOTARY_CA=""
	fi
	printf '%s %s %s %s\n' "$NOTARY_URL" "${NOTARY_CA:--}" "$NOTARY_TRUST" "$NOTARY_LOG" >"$dir/vars"
}

# notary_use NAME: make an earlier start_notary NAME the current server again.
notary_use() {
	local ca
	read -r NOTARY_URL ca NOTARY_TRUST NOTARY_LOG <"$WORK/$1/vars" || return 1
	[ "$ca" = - ] && ca=""
	NOTARY_CA=$ca
	NOTARY_HOSTPORT=${NOTARY_URL#*://}
	NOTARY_PORT=${NOTARY_HOSTPORT##*:}
}

# notary_cli ARGS...: the real notary client, non-interactive.
notary_cli() {
	local tls=()
	[ -n "$NOTARY_CA" ] && tls=(--tlscacert "$NOTARY_CA")
	notary -d "$NOTARY_TRUST" -s "$NOTARY_URL" ${tls[@]+"${tls[@]}"} "$@" </dev/null
}

# sign_ts ARGS...: sign with --trust-server (and --ca-file for TLS).
sign_ts() {
	local tls=()
	[ -n "$NOTARY_CA" ] && tls=(--ca-file "$NOTARY_CA")
	"$SIGN" --trust-server "$NOTARY_URL" ${tls[@]+"${tls[@]}"} "$@"
}

# notary_init GUN [server-snapshot]: create and publish the collection if it
# is not on the server yet.  "server-snapshot" hands the snapshot key to the
# server (as docker does); by default notary keeps it in the trust dir.
notary_init() {
	local gun=$1 mode=${2:-}
	if curl -sf ${NOTARY_CA:+--cacert "$NOTARY_CA"} -o /dev/null \
		"$NOTARY_URL/v2/$gun/_trust/tuf/root.json"; then
		return 0
	fi
	notary_cli init "$gun" -p >/dev/null || return 1
	if [ "$mode" = server-snapshot ]; then
		notary_cli key rotate "$gun" snapshot -r >/dev/null || return 1
	fi
}

# notary_publish_file GUN TAG FILE [ROLE]: init if needed, add, publish.
notary_publish_file() {
	local gun=$1 tag=$2 file=$3 role=${4:-}
	notary_init "$gun" || return 1
	if [ -n "$role" ]; then
		notary_cli add "$gun" "$tag" "$file" --roles "$role" >/dev/null || return 1
	else
		notary_cli add "$gun" "$tag" "$file" >/dev/null || return 1
	fi
	notary_cli publish "$gun" >/dev/null
}

# notary_delegate GUN ROLE PUBKEY.pem: add a delegation role (all paths) with
# that key and publish.  The private key must then be imported with
# notary_import_key before notary_add_to_role.
notary_delegate() {
	local gun=$1 role=$2 pub=$3
	notary_init "$gun" || return 1
	notary_cli delegation add "$gun" "$role" "$pub" --all-paths >/dev/null || return 1
	notary_cli publish "$gun" >/dev/null
}

# notary_import_key KEY.pem NAME: import a private key (PKCS#8 or SEC1 PEM,
# unencrypted) into the notary trust dir as a delegation key named NAME.
notary_import_key() {
	notary_cli key import "$1" --role "$2" >/dev/null
}

# notary_add_to_role GUN ROLE TAG FILE: add a target signed into a delegation.
notary_add_to_role() {
	notary_publish_file "$1" "$3" "$4" "$2"
}

# notary_rotate_root GUN: notary key rotate GUN root (answers its yes/no
# prompt); the new root is signed by the old and the new root keys and
# published at once.
notary_rotate_root() {
	printf 'yes\n' | notary -d "$NOTARY_TRUST" -s "$NOTARY_URL" ${NOTARY_CA:+--tlscacert "$NOTARY_CA"} \
		key rotate "$1" root >/dev/null
}

# notary_key_file GUN ROLE: the notary key file holding ROLE's key for GUN
# (targets, snapshot: the file with "gun: GUN"; root: the root key file
# whose public key is the one in the GUN's current root.json on the server;
# any other ROLE: a delegation key imported under that name).  Prints the path.
notary_key_file() {
	local gun=$1 role=$2 f want have
	if [ "$role" = root ]; then
		notary_fetch "$gun" root.json "$WORK/.nkf-root.json" &&
			notary_root_pub "$WORK/.nkf-root.json" "$WORK/.nkf-want.pem" || return 1
		want=$(cat "$WORK/.nkf-want.pem")
	fi
	for f in "$NOTARY_TRUST"/private/*.key; do
		[ -f "$f" ] || continue
		grep -q "^role: $role\$" "$f" || continue
		case $role in
		root)
			# openssl does not read PEM headers: strip them
			have=$(sed '/^[a-z]*: /d; /^$/d' "$f" |
				openssl pkey -passin "pass:$NOTARY_ROOT_PASSPHRASE" -pubout 2>/dev/null)
			[ "$have" = "$want" ] || continue
			;;
		targets | snapshot)
			grep -q "^gun: $gun\$" "$f" || continue
			;;
		esac
		echo "$f"
		return 0
	done
	return 1
}

# notary_fetch GUN FILE OUT: GET .../_trust/tuf/FILE (e.g. root.json,
# 1.root.json, timestamp.json) from the current server into OUT.
notary_fetch() {
	curl -sf ${NOTARY_CA:+--cacert "$NOTARY_CA"} -o "$3" "$NOTARY_URL/v2/$1/_trust/tuf/$2"
}

# notary_root_pub ROOT.json OUT: the public key (PEM "PUBLIC KEY") of the
# root certificate that ROOT.json's root role lists.
notary_root_pub() {
	local id b64
	id=$(tr -d '\n' <"$1" | grep -o '"root":{"keyids":\["[0-9a-f]*"' | grep -o '[0-9a-f]\{64\}' | head -1)
	[ -n "$id" ] || return 1
	b64=$(tr -d '\n' <"$1" | grep -o "\"$id\":{\"keytype\":\"ecdsa-x509\",\"keyval\":{\"private\":null,\"public\":\"[^\"]*\"" |
		sed 's/.*"public":"\([^"]*\)"$/\1/')
	[ -n "$b64" ] || return 1
	printf '%s' "$b64" | base64 -d | openssl x509 -pubkey -noout >"$2"
}

# start_tufproxy MODE [ARG]: tufproxy in front of the current server (which
# must be plain HTTP).  Sets TUFPROXY_URL and TUFPROXY_LOG.
TUFPROXY_N=0
start_tufproxy() {
	TUFPROXY_N=$((TUFPROXY_N + 1))
	TUFPROXY_LOG="$WORK/tufproxy.$TUFPROXY_N.log"
	start_tufproxy_for "$NOTARY_PORT" "$TUFPROXY_LOG" "$@"
	TUFPROXY_URL="http://$PROXY"
}

# manifest_of REF OUT: the exact manifest bytes the registry serves for REF.
manifest_of() {
	skopeo inspect --raw --tls-verify=false "docker://$1" >"$2"
}

# docker_trust_ok: can `docker trust inspect` run here (docker CLI present)?
docker_trust_ok() {
	command -v docker >/dev/null 2>&1
}

# faketime_ok: is libfaketime available (the expired-timestamp case runs the
# verifier with its clock moved ahead)?
faketime_ok() {
	command -v faketime >/dev/null 2>&1 && faketime -f +1d true 2>/dev/null
}

# skip NAME WHY: record nothing, print a "# skipped:" line.
skip() {
	echo "# skipped: $1: $2"
}
