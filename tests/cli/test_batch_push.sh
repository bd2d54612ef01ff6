#!/bin/bash
# test_batch_push.sh - push of many references as one batch (issue 14):
# each repository's trust data is published once, whatever the number of
# references (the trust PUTs are counted in the registry's own log); every
# reference verifies to its own digest; a failure in the middle publishes
# what was staged before it and names the reference; references of two
# repositories make one publish each; progress appears on a terminal only.
# Against a real docker-registry.
. "$(dirname "$0")/../lib/common.sh"

start_registry reg
P="$WORK/publisher"
G="$REG/batch/many"
N=300

# one image's blobs, then N manifests that differ by an annotation: N
# distinct digests under N tags, without N image builds
seed "$G:base" 81 >/dev/null
MAN=$(curl -sf -H 'Accept: application/vnd.oci.image.manifest.v1+json' "http://$REG/v2/batch/many/manifests/base")
MT=$(printf '%s' "$MAN" | jq -r .mediaType)
: >"$WORK/refs"
: >"$WORK/want"
for i in $(seq $N); do
	body="${MAN%\}},\"annotations\":{\"n\":\"$i\"}}"
	curl -sf -X PUT -H "Content-Type: $MT" --data-binary "$body" \
		"http://$REG/v2/batch/many/manifests/t$i" -o /dev/null || echo "# could not put t$i" >&2
	printf '%s\n' "$G:t$i" >>"$WORK/refs"
	printf '%s@sha256:%s\n' "$G" "$(printf '%s' "$body" | sha256sum | cut -c1-64)" >>"$WORK/want"
done

# trust_puts: PUTs of the trust manifest in the registry's log since mark
mark() { MARK=$(wc -l <"$REG_DIR/log"); }
trust_puts() { tail -n +$((MARK + 1)) "$REG_DIR/log" | grep -c "\"PUT /v2/$1/manifests/_sign.trust "; }
sig_puts() { tail -n +$((MARK + 1)) "$REG_DIR/log" | grep -c "\"PUT /v2/$1/manifests/sha256-[0-9a-f]*.sig "; }

mark
run "push --refs-from of $N references of a new GUN" 0 "$SIGN" --home "$P" push --refs-from "$WORK/refs"
expect "… prints one line per reference, in order, each with its own digest" \
	test "$(cat "$OUT")" = "$(cat "$WORK/want")"
expect "… the trust data is published once" test "$(trust_puts batch/many)" -eq 1
expect "… $N detached signatures written" test "$(sig_puts batch/many)" -eq $N
expect "… and no progress line when standard error is not a terminal" lacks "pushed [0-9]*/" "$ERR"
run "all $N verify from a fresh home" 0 "$SIGN" --home "$WORK/fresh" verify --refs-from "$WORK/refs"
expect "… each to the digest its tag was signed for" test "$(cat "$OUT")" = "$(cat "$WORK/want")"

# the verification of a batch runs over several connections: each check
# still holds for a reference checked on a worker's connection.  t150 is
# moved to another image; t200's detached signatures are deleted.
MOVED="${MAN%\}},\"annotations\":{\"n\":\"moved\"}}"
curl -sf -X PUT -H "Content-Type: $MT" --data-binary "$MOVED" "http://$REG/v2/batch/many/manifests/t150" -o /dev/null
D200=$(sed -n '200s/.*@//p' "$WORK/want")
SIGD=$(curl -sfI -H "Accept: $MT" "http://$REG/v2/batch/many/manifests/sha256-${D200#sha256:}.sig" |
	tr -d '\r' | sed -n 's/^[Dd]ocker-[Cc]ontent-[Dd]igest: //p')
curl -sf -X DELETE "http://$REG/v2/batch/many/manifests/$SIGD" -o /dev/null
run "verify of all $N with t150 moved and t200's signature gone fails" 1 \
	"$SIGN" --home "$WORK/fresh" -o json verify --refs-from "$WORK/refs"
expect "… t150 refused: it moved" test "$(jq -r '.results[149].error' "$OUT")" = \
	"verifying $G:t150: $G:t150 moved: it now points to sha256:$(printf '%s' "$MOVED" | sha256sum | cut -c1-64) but the signed digest is $(sed -n '150s/.*@//p' "$WORK/want")"
expect "… t200 refused: no detached signature" test "$(jq -r '.results[199].error' "$OUT")" = \
	"verifying $G:t200: $G@$D200: no detached signature found"
expect "… the $((N - 2)) others verified, each to its digest" \
	test "$(jq -r '.results[] | select(.verified) | .pull' "$OUT")" = "$(sed '150d;200d' "$WORK/want")"
expect "… over more than one connection" \
	test "$(jq '[.results[] | select(.verified) | .connections] | max' "$OUT")" -gt 1
# put them back as they were
body="${MAN%\}},\"annotations\":{\"n\":\"150\"}}"
curl -sf -X PUT -H "Content-Type: $MT" --data-binary "$body" "http://$REG/v2/batch/many/manifests/t150" -o /dev/null
run "push t200 again restores its signature" 0 "$SIGN" --home "$P" push "$G:t200"

# 50 more into the repository, and 5 already signed among them
for i in $(seq 301 350); do
	body="${MAN%\}},\"annotations\":{\"n\":\"$i\"}}"
	curl -sf -X PUT -H "Content-Type: $MT" --data-binary "$body" \
		"http://$REG/v2/batch/many/manifests/t$i" -o /dev/null
	printf '%s\n' "$G:t$i"
done >"$WORK/more"
head -5 "$WORK/refs" >>"$WORK/more"
mark
run "push of 55 more (5 already signed) into the repository" 0 "$SIGN" --home "$P" -o json push --refs-from "$WORK/more"
expect "… one publish" test "$(trust_puts batch/many)" -eq 1
expect "… 55 results" test "$(grep -c '"digest":"sha256:' "$OUT")" -eq 55
expect "… the 5 already signed have no new signature" \
	test "$(tail -5 "$OUT" | grep -c '"new_signature":false')" -eq 5
expect "… each reference counts its own requests" test "$(grep -c '"requests":[1-9]' "$OUT")" -eq 55
run "… all 350 verify" 0 "$SIGN" --home "$WORK/fresh" verify --refs-from "$WORK/refs" --refs-from "$WORK/more"

# a tag the registry does not have, in the middle: the ones before it are
# published (once), the one after it is not, and the failure is named
seed "$G:x1" 82 >/dev/null
seed "$G:x3" 83 >/dev/null
mark
run "push of x1, a missing tag, x3 fails" 2 "$SIGN" --home "$P" push "$G:x1" "$G:x2" "$G:x3"
expect "… names the missing tag" has "^sign: resolving $G:x2: .*MANIFEST_UNKNOWN" "$ERR"
expect "… prints the one it signed" test "$(cat "$OUT")" = "$G@$(skopeo inspect --raw --tls-verify=false "docker://$G:x1" | sha256sum | sed 's/ .*//; s/^/sha256:/')"
expect "… published once, for x1" test "$(trust_puts batch/many)" -eq 1
run "… x1 verifies" 0 "$SIGN" --home "$WORK/fresh" verify "$G:x1"
run "… x3 was not signed" 1 "$SIGN" --home "$WORK/fresh" verify "$G:x3"
expect "… says so" has "^sign: .*batch/many:x3 is not signed" "$ERR"

# two repositories, interleaved: one publish each, output in input order
H="$REG/batch/other"
DO1=$(seed "$H:o1" 84)
DO2=$(seed "$H:o2" 85)
mark
run "push of references of two repositories, interleaved" 0 "$SIGN" --home "$P" push "$H:o1" "$G:x3" "$H:o2"
expect "… in input order" test "$(sed -n '1p;3p' "$OUT")" = "$(printf '%s\n' "$H@$DO1" "$H@$DO2")"
expect "… one publish for each repository" \
	test "$(trust_puts batch/other) $(trust_puts batch/many)" = "1 1"
run "… all three verify" 0 "$SIGN" --home "$WORK/fresh" verify "$H:o1" "$G:x3" "$H:o2"

# a bad reference anywhere: refused before anything is done
mark
run "a batch with an invalid reference" 2 "$SIGN" --home "$P" push "$G:t1" "$REG/Bad/Name:x"
expect "… names it" has "^sign: .*Bad/Name" "$ERR"
expect "… and nothing was published" test "$(trust_puts batch/many)" -eq 0

# progress: on a terminal (script(1) gives the command a pty), not with -q
head -40 "$WORK/refs" >"$WORK/forty"
run "push on a terminal" 0 script -qec "'$SIGN' --home '$P' push --refs-from '$WORK/forty'" /dev/null
expect "… draws a progress line with count and rate" has "sign: pushed 40/40 ([0-9]*/s)" "$OUT"
run "push -q on a terminal" 0 script -qec "'$SIGN' --home '$P' -q push --refs-from '$WORK/forty'" /dev/null
expect "… draws none" lacks "pushed [0-9]*/" "$OUT"
expect "… and still prints the digests" test "$(grep -c "^$G@sha256:" "$OUT")" -eq 40

finish
