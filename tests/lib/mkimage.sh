#!/bin/sh
# mkimage.sh DIR TAG [SEED]
#
# Build a tiny, valid, deterministic OCI image in the image layout folder DIR
# (created if missing) and tag it TAG.  The single layer is a gzip'd tar
# holding /hello.txt, whose content depends on SEED (default "0"): the same
# SEED always gives the same manifest digest.  Other tags already in
# index.json are kept; an entry with the same tag is replaced.
# Prints the manifest digest (sha256:<hex>) on stdout.
#
# Needs only POSIX sh and awk plus sha256sum, tar (GNU), gzip, printf, wc.
set -eu

usage() {
	echo "usage: $0 DIR TAG [SEED]" >&2
	exit 2
}

[ $# -ge 2 ] && [ $# -le 3 ] || usage
dir=$1
tag=$2
seed=${3:-0}

# docker tag grammar; keeps the tag free of JSON escaping issues
case $tag in
'' | [.-]* | *[!A-Za-z0-9_.-]*)
	echo "mkimage.sh: invalid tag: $tag" >&2
	exit 2
	;;
esac
[ ${#tag} -le 128 ] || { echo "mkimage.sh: tag too long" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/mkimage.XXXXXX")
trap 'rm -rf "$work"' EXIT HUP INT TERM

sha() { sha256sum "$1" | cut -d' ' -f1; }
size() { wc -c <"$1" | tr -d ' '; }
# store a file as a blob; prints its hex digest
put_blob() {
	h=$(sha "$1")
	if [ ! -f "$dir/blobs/sha256/$h" ]; then
		cp "$1" "$dir/blobs/sha256/$h.tmp.$$"
		chmod 0644 "$dir/blobs/sha256/$h.tmp.$$"
		mv "$dir/blobs/sha256/$h.tmp.$$" "$dir/blobs/sha256/$h"
	fi
	printf '%s' "$h"
}

mkdir -p "$dir/blobs/sha256"
chmod 0755 "$dir" "$dir/blobs" "$dir/blobs/sha256" 2>/dev/null || :
if [ ! -f "$dir/oci-layout" ]; then
	printf '{"imageLayoutVersion":"1.0.0"}' >"$dir/oci-layout"
	chmod 0644 "$dir/oci-layout"
fi

# ---- layer ----
mkdir "$work/rootfs"
printf 'hello from mkimage.sh\nseed: %s\n' "$seed" >"$work/rootfs/hello.txt"
tar --format=gnu --mtime=@0 --owner=0 --group=0 --numeric-owner --sort=name \
	--mode=u=rw,go=r -C "$work/rootfs" -cf "$work/layer.tar" hello.txt
diff_id=$(sha "$work/layer.tar")
gzip -n -9 -c "$work/layer.tar" >"$work/layer.tar.gz"
layer_hex=$(put_blob "$work/layer.tar.gz")
layer_size=$(size "$work/layer.tar.gz")

# ---- config ----
printf '{"created":"1970-01-01T00:00:00Z","architecture":"amd64","os":"linux","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["/hello.txt"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created":"1970-01-01T00:00:00Z","created_by":"mkimage.sh"}]}' \
	"$diff_id" >"$work/config.json"
config_hex=$(put_blob "$work/config.json")
config_size=$(size "$work/config.json")

# ---- manifest ----
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%s}]}' \
	"$config_hex" "$config_size" "$layer_hex" "$layer_size" >"$work/manifest.json"
manifest_hex=$(put_blob "$work/manifest.json")
manifest_size=$(size "$work/manifest.json")

# ---- index.json ----
# Keep the other entries of an existing index: split its top-level
# "manifests" array into one compact object per line (a small JSON scanner
# that respects strings), then drop the one carrying this tag.
: >"$work/entries"
if [ -f "$dir/index.json" ]; then
	awk '
	BEGIN { RS = "\001" }
	{
		s = $0; n = length(s); depth = 0; instr = 0; esc = 0
		key = ""; cur = ""; capture = 0; entry = ""; lastkey = ""
		for (i = 1; i <= n; i++) {
			c = substr(s, i, 1)
			if (instr) {
				if (capture && depth >= 3 - 1) entry = entry c
				if (esc) { esc = 0; cur = cur c; continue }
				if (c == "\\") { esc = 1; cur = cur c; continue }
				if (c == "\"") { instr = 0; if (depth == 1) lastkey = cur; continue }
				cur = cur c
				continue
			}
			if (c == " " || c == "\t" || c == "\n" || c == "\r") continue
			if (c == "\"") {
				instr = 1; cur = ""
				if (capture && depth >= 2) entry = entry c
				continue
			}
			if (c == "{" || c == "[") {
				depth++
				if (c == "[" && depth == 2 && lastkey == "manifests") { capture = 1; continue }
				if (capture && depth >= 3) entry = entry c
				continue
			}
			if (c == "}" || c == "]") {
				if (capture && depth >= 3) entry = entry c
				depth--
				if (capture && depth == 2 && c == "}") { print entry; entry = "" }
				if (capture && depth == 1) capture = 0
				continue
			}
			if (capture && depth >= 3) entry = entry c
			if (depth == 1 && c == ",") lastkey = ""
		}
	}' "$dir/index.json" | while IFS= read -r line; do
		case $line in
		*"\"org.opencontainers.image.ref.name\":\"$tag\""*) ;;
		'') ;;
		*) printf '%s\n' "$line" ;;
		esac
	done >"$work/entries"
fi
printf '{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"%s"}}\n' \
	"$manifest_hex" "$manifest_size" "$tag" >>"$work/entries"

{
	printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":['
	first=1
	while IFS= read -r line; do
		[ $first -eq 1 ] || printf ','
		first=0
		printf '%s' "$line"
	done <"$work/entries"
	printf ']}'
} >"$work/index.json"
cp "$work/index.json" "$dir/index.json.tmp.$$"
chmod 0644 "$dir/index.json.tmp.$$"
mv "$dir/index.json.tmp.$$" "$dir/index.json"

printf 'sha256:%s\n' "$manifest_hex"
