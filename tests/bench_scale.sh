#!/bin/bash
# bench_scale.sh BUILD - `make bench`'s scale section (issue 14): a
# repository of BENCH_TAGS signed tags (default 10,000; 100,000 on request),
# built through notary's own publish and through `sign push --refs-from`,
# then for sign and notary side by side: warm and first verify of one tag,
# verify of 1,000 tags in one call, push of one more tag, push of 1,000 new
# tags in one call; each with its time and peak RSS and the command that
# made it.  Also run by itself: bash tests/bench_scale.sh build [build/static]
# With a STATIC_BUILD (`make STATIC=1`, the binary the issue's figures and
# the container image use), its warm and first verify are measured too.
# Not a test: nothing here fails on a slow machine.
set -u
export SIGN_BUILD=${1:-build}
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/notary.sh"
SS=
if [ -n "${2:-}" ] && [ -x "$2/sign" ]; then
	SS=$(cd "$2" && pwd)/sign
fi
NT=${BENCH_TAGS:-10000}
R=${BENCH_SCALE_RUNS:-9}
T="$TOOLS/timeit"
field() { echo "$1" | cut -d' ' -f"$2"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }
# one timed run: "ms rss_kib exit"
once() { local r; r=$("$T" 1 "$@"); echo "$(field "$r" 1) $(field "$r" 3) $(field "$r" 4)"; }

start_registry scale
start_notary scale
P="$WORK/publisher"
V="$WORK/verifier"
GS="$REG/scale/sign"
GN="$REG/scale/notary"

echo "== scale: $NT tags (BENCH_TAGS), loopback docker-registry and notary-server"
# one image; its manifest is put under every tag of both repositories
seed "$GS:base" 91 >/dev/null
MT=application/vnd.oci.image.manifest.v1+json
curl -sf -H "Accept: $MT" "http://$REG/v2/scale/sign/manifests/base" >"$WORK/m.json"
# tags by the batch: one curl process, 16 transfers at a time
put_tags() { # REPO FIRST LAST
	local repo=$1 first=$2 last=$3
	awk -v r="$repo" -v reg="$REG" -v a="$first" -v b="$last" -v f="$WORK/m.json" -v mt="$MT" 'BEGIN {
		printf "header = \"Content-Type: %s\"\n", mt
		for (i = a; i <= b; i++)
			printf "url = \"http://%s/v2/%s/manifests/t%d\"\nupload-file = \"%s\"\noutput = \"/dev/null\"\n", reg, r, i, f
	}' >"$WORK/curl.cfg"
	curl -fsS --no-progress-meter --parallel --parallel-max 16 -K "$WORK/curl.cfg" ||
		echo "bench: some tag PUTs of $repo failed" >&2
}
put_tags scale/sign 1 "$NT"

seq 1 "$NT" | sed "s|^|$GS:t|" >"$WORK/refs-sign"

# --- building the repositories ---------------------------------------------
# notary: every tag staged in its changelist (files written directly, as
# `notary add` writes them, since one process per tag would take hours),
# then one `notary publish`
notary_init "$GN" server-snapshot >/dev/null 2>&1 || { echo "bench: notary init failed" >&2; exit 1; }
notary_cli add "$GN" t0 "$WORK/m.json" >/dev/null 2>&1
CL="$NOTARY_TRUST/tuf/$GN/changelist"
DATA=$(sed 's/.*"data":"\([^"]*\)".*/\1/' "$CL"/*.change | head -1)
rm -f "$CL"/*.change
awk -v d="$CL" -v n="$NT" -v data="$DATA" 'BEGIN {
	for (i = 1; i <= n; i++) {
		f = sprintf("%s/0179635172850%07d_%08d-0000-4000-8000-000000000000.change", d, i, i)
		printf "{\"action\":\"create\",\"role\":\"targets\",\"type\":\"target\",\"path\":\"t%d\",\"data\":\"%s\"}", i, data > f
		close(f)
	}
}'
nb=$(once notary -d "$NOTARY_TRUST" -s "$NOTARY_URL" publish "$GN")
sb=$(once "$SIGN" --home "$P" push --refs-from "$WORK/refs-sign")
echo "notary publish of $NT staged tags    $(field "$nb" 1) ms, $(mib "$(field "$nb" 2)") (exit $(field "$nb" 3))   (notary publish $GN)"
echo "sign push --refs-from of $NT tags     $(field "$sb" 1) ms, $(mib "$(field "$sb" 2)") (exit $(field "$sb" 3))   ($SIGN push --refs-from FILE; new GUN: keys created)"
echo "ratio sign/notary                     $(ratio "$(field "$sb" 1)" "$(field "$nb" 1)")"
tf=$(find "$P/cache" "$P/trust" -path "*scale/sign*" -name 'targets.json' -type f -printf '%s\n' 2>/dev/null | sort -n | tail -1)
echo "targets file                          ${tf:-?} bytes"

# --- verify one tag: warm home -----------------------------------------------
"$SIGN" --home "$V" verify "$GS:t1" >/dev/null 2>&1 || { echo "bench: sign verify failed" >&2; exit 1; }
"$SIGN" --home "$V" --trust-server "$NOTARY_URL" verify "$GN:t1" >/dev/null 2>&1 || echo "bench: sign verify --trust-server failed" >&2
notary_cli lookup "$GN" t1 >/dev/null 2>&1 || echo "bench: notary lookup failed" >&2
echo
echo "== verify one tag, warm home ($R rounds, medians; RSS: the largest)"
all=$("$T" "$R" "$SIGN" --home "$V" verify "$GS:t7" \
	:: "$SIGN" --home "$V" --trust-server "$NOTARY_URL" verify "$GN:t7" \
	:: notary -d "$NOTARY_TRUST" -s "$NOTARY_URL" lookup "$GN" t7)
a=$(echo "$all" | sed -n 1p); b=$(echo "$all" | sed -n 2p); c=$(echo "$all" | sed -n 3p)
echo "sign verify (registry)        $(field "$a" 1) ms, $(mib "$(field "$a" 3)")   ($SIGN verify $GS:t7; goal at 100,000: <= 20 ms, <= 12 MiB)"
echo "sign verify --trust-server    $(field "$b" 1) ms, $(mib "$(field "$b" 3)")   ($SIGN --trust-server URL verify $GN:t7)"
echo "notary lookup                 $(field "$c" 1) ms, $(mib "$(field "$c" 3)")   (notary lookup $GN t7)"
echo "speed-up over notary          $(ratio "$(field "$c" 1)" "$(field "$a" 1)")x (registry), $(ratio "$(field "$c" 1)" "$(field "$b" 1)")x (trust server)"
VS="$WORK/verifier-static"
if [ -n "$SS" ]; then
	"$SS" --home "$VS" verify "$GS:t1" >/dev/null 2>&1 || echo "bench: STATIC=1 sign verify failed" >&2
	st=$("$T" "$R" "$SS" --home "$VS" verify "$GS:t7")
	echo "STATIC=1 sign verify          $(field "$st" 1) ms, $(mib "$(field "$st" 3)")   ($SS verify $GS:t7; goal at 100,000: <= 20 ms, <= 12 MiB)"
fi

# --- push one more tag, then the first verify after the change ----------------
echo
echo "== push one more tag, then the first verify of a warm home after the change"
put_tags scale/sign $((NT + 1)) $((NT + 1))

cat >"$WORK/notary-one.sh" <<SH
#!/bin/sh
notary -d "$NOTARY_TRUST" -s "$NOTARY_URL" add "$GN" "t$((NT + 1))" "$WORK/m.json" >/dev/null 2>&1 &&
exec notary -d "$NOTARY_TRUST" -s "$NOTARY_URL" publish "$GN" >/dev/null 2>&1
SH
chmod +x "$WORK/notary-one.sh"
sp=$(once "$SIGN" --home "$P" push "$GS:t$((NT + 1))")
np=$(once "$WORK/notary-one.sh")
echo "sign push of one tag          $(field "$sp" 1) ms, $(mib "$(field "$sp" 2)")   ($SIGN push $GS:t$((NT + 1)); goal at 100,000: <= 1 s plus key unlocking)"
echo "notary add + publish          $(field "$np" 1) ms, $(mib "$(field "$np" 2)")   (notary add $GN t$((NT + 1)) FILE && notary publish $GN)"
echo "speed-up over notary          $(ratio "$(field "$np" 1)" "$(field "$sp" 1)")x"
sf=$(once "$SIGN" --home "$V" verify "$GS:t$((NT + 1))")
tf=$(find "$P/cache" "$P/trust" -path "*scale/sign*" -name 'targets.json' -type f -printf '%s\n' 2>/dev/null | sort -n | tail -1)
nf=$(once notary -d "$NOTARY_TRUST" -s "$NOTARY_URL" lookup "$GN" "t$((NT + 1))")
echo "sign verify, first after it   $(field "$sf" 1) ms, $(mib "$(field "$sf" 2)") (exit $(field "$sf" 3))   (goal at 100,000: <= 300 ms, RSS <= 3x the targets file: ${tf:-?} bytes)"
echo "notary lookup, first after it $(field "$nf" 1) ms, $(mib "$(field "$nf" 2)")"
ratio_rss=$(awk -v k="$(field "$sf" 2)" -v t="${tf:-0}" 'BEGIN { if (t > 0) printf "%.2f", k * 1024 / t; else print "n/a" }')
echo "sign RSS / targets file       ${ratio_rss}x"
if [ -n "$SS" ]; then
	ssf=$(once "$SS" --home "$VS" verify "$GS:t$((NT + 1))")
	echo "STATIC=1 verify, first after  $(field "$ssf" 1) ms, $(mib "$(field "$ssf" 2)") (exit $(field "$ssf" 3)), $(awk -v k="$(field "$ssf" 2)" -v t="${tf:-0}" 'BEGIN { if (t > 0) printf "%.2f", k * 1024 / t; else print "n/a" }')x the targets file"
fi

# --- verify 1,000 tags in one call --------------------------------------------
echo
K=1000
[ "$NT" -lt "$K" ] && K=$NT
head -n "$K" "$WORK/refs-sign" >"$WORK/refs-k"
sed "s|^$GS:|$GN:|" "$WORK/refs-k" >"$WORK/refs-kn"
echo "== verify $K tags in one call"
sk=$(once "$SIGN" --home "$V" verify --refs-from "$WORK/refs-k")
skn=$(once "$SIGN" --home "$V" --trust-server "$NOTARY_URL" verify --refs-from "$WORK/refs-kn")
# notary has no batch lookup: 20 lookups, scaled to K
cat >"$WORK/lookups.sh" <<SH
#!/bin/sh
for i in \$(seq 1 20); do
	notary -d "$NOTARY_TRUST" -s "$NOTARY_URL" lookup "$GN" "t\$i" >/dev/null 2>&1 || exit 1
done
SH
chmod +x "$WORK/lookups.sh"
nl=$(once "$WORK/lookups.sh")
nlk=$(awk -v t="$(field "$nl" 1)" -v k="$K" 'BEGIN { printf "%.0f", t * k / 20 }')
echo "sign verify --refs-from ($K)          $(field "$sk" 1) ms, $(mib "$(field "$sk" 2)") (exit $(field "$sk" 3))   ($SIGN verify --refs-from FILE; goal: <= 1 s)"
echo "sign --trust-server verify ($K)       $(field "$skn" 1) ms, $(mib "$(field "$skn" 2)") (exit $(field "$skn" 3))"
echo "notary lookup x $K (20 timed, scaled)  $nlk ms   (notary lookup $GN tI)"
echo "speed-up over notary                  $(ratio "$nlk" "$(field "$sk" 1)")x"

# --- push 1,000 new tags in one call ------------------------------------------
echo
echo "== push $K new tags, each its own image, in one call"
# K manifests that differ by an annotation: K digests, K new signatures
MAN=$(cat "$WORK/m.json")
: >"$WORK/refs-new"
for i in $(seq 1 "$K"); do
	printf '%s' "${MAN%\}},\"annotations\":{\"n\":\"$i\"}}" >"$WORK/nm.json"
	curl -sf -X PUT -H "Content-Type: $MT" --data-binary @"$WORK/nm.json" \
		"http://$REG/v2/scale/sign/manifests/n$i" -o /dev/null
	echo "$GS:n$i" >>"$WORK/refs-new"
done
sn=$(once "$SIGN" --home "$P" push --refs-from "$WORK/refs-new")
echo "sign push --refs-from ($K new)        $(field "$sn" 1) ms, $(mib "$(field "$sn" 2)") (exit $(field "$sn" 3))   (goal: <= 10 s plus key unlocking)"
awk -v t="$(field "$sn" 1)" -v k="$K" 'BEGIN { printf "per tag                               %.1f ms\n", t / k }'
# the same K tags verified: K images, so K .sig manifests (the verify of K
# tags above shares one image, whose signatures a batch checks once)
sv=$(once "$SIGN" --home "$V" verify --refs-from "$WORK/refs-new")
sv2=$(once "$SIGN" --home "$V" verify --refs-from "$WORK/refs-new")
echo "sign verify --refs-from ($K images)   $(field "$sv" 1) ms first after the push, $(field "$sv2" 1) ms warm, $(mib "$(field "$sv2" 2)") (exit $(field "$sv2" 3))   (goal: <= 1 s)"
# what the registry itself allows: a verify of K images needs 2K requests
# (each tag's HEAD, each image's .sig manifest); curl sends 2K HEADs over
# as many connections
awk -v reg="$REG" -v k="$K" -v mt="$MT" 'BEGIN {
	printf "header = \"Accept: %s\"\n", mt
	for (j = 0; j < 2; j++)
		for (i = 1; i <= k; i++)
			printf "url = \"http://%s/v2/scale/sign/manifests/n%d\"\nhead\noutput = \"/dev/null\"\n", reg, i
}' >"$WORK/heads.cfg"
ch=$(once curl -sS --parallel --parallel-max 8 -K "$WORK/heads.cfg")
echo "curl: $((2 * K)) HEADs, 8 at a time       $(field "$ch" 1) ms   (the registry's own pace: the floor of a verify of $K images)"

# --- migrate the notary-hosted repository into the registry backend ----------
echo
echo "== sign migrate of the $((NT + 1))-tag notary repository into the registry backend"
# the registry serves each tag's image, so each gets its detached signature
seed "$GN:base" 91 >/dev/null
put_tags scale/notary 1 $((NT + 1))
M="$WORK/migrator"
SIGN_IMPORT_PASSPHRASE=$NOTARY_ROOT_PASSPHRASE "$SIGN" --home "$M" key import "$(notary_key_file "$GN" root)" >/dev/null 2>&1 &&
	SIGN_IMPORT_PASSPHRASE=$NOTARY_TARGETS_PASSPHRASE "$SIGN" --home "$M" key import "$(notary_key_file "$GN" targets)" >/dev/null 2>&1 ||
	echo "bench: could not import notary's keys" >&2
sm=$(once "$SIGN" --home "$M" migrate "$GN" --from-trust-server "$NOTARY_URL")
echo "sign migrate                          $(field "$sm" 1) ms, $(mib "$(field "$sm" 2)") (exit $(field "$sm" 3))   ($SIGN migrate $GN --from-trust-server URL; goal at 100,000: <= 90 s)"
mv=$(once "$SIGN" --home "$WORK/after-migrate" verify "$GN:t$NT")
echo "… then sign verify of a tag           $(field "$mv" 1) ms (exit $(field "$mv" 3))   (registry backend, fresh home)"
