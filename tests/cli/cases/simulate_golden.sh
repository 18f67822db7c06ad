# `seqc simulate` output byte for byte: tables and JSON (with and without the report,
# the model, events and their warnings, a runtime error, ids with quotes, backslashes,
# control characters and non-ASCII text, the segments of --segments) against golden/simulate/*.
# BLESS=1 rewrites the golden files.
source "$(dirname "$0")/../lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ex=../../examples
webinar=("$ex/webinar_follow_up.seq" --records "$ex/data/leads.csv" --events "$ex/data/webinar_events.jsonl" --until 14d)
routing=("$ex/inbound_lead_routing.seq" --sequence "Inbound lead triage" --records "$ex/data/leads.csv"
         --model "$ex/models/typical.json" --seed 7)
segments=("$ex/segment_routing.seq" --sequence "Welcome track" --segments --records "$ex/data/leads.csv" --until 7d)
odd=(inputs/odd.seq --records inputs/odd_ids.jsonl --events inputs/odd_events.jsonl --until 3d)
check() {  # NAME ARGS…: the output of `seqc simulate ARGS…` equals golden/simulate/NAME
  local name=$1
  shift
  "$SEQC" simulate "$@" >"$tmp/$name" 2>"$tmp/$name.err" || fail "$name: exit $?: $(cat "$tmp/$name.err")"
  if [ -n "${BLESS:-}" ]; then cp "$tmp/$name" "golden/simulate/$name"; return; fi
  cmp -s "$tmp/$name" "golden/simulate/$name" ||
    fail "$name differs from golden/simulate/$name:"$'\n'"$(diff "golden/simulate/$name" "$tmp/$name" | head -20)"
}
check webinar.txt "${webinar[@]}"
check webinar.json "${webinar[@]}" --format json
check routing.txt "${routing[@]}"
check routing.json "${routing[@]}" --format json --report
check segments.txt "${segments[@]}"
check segments.json "${segments[@]}" --format json
check odd.txt "${odd[@]}" --report
check odd.json "${odd[@]}" --format json --report
exit 0
