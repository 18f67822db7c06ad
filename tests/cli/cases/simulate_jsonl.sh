# `seqc simulate --format jsonl`: one compact JSON object per record, equal to the
# records of `--format json`, then one summary line with the rest of that object.
source "$(dirname "$0")/../lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ex=../../examples
for args in "inputs/odd.seq --records inputs/odd_ids.jsonl --events inputs/odd_events.jsonl --until 3d" \
            "$ex/webinar_follow_up.seq --records $ex/data/leads.csv --model $ex/models/typical.json --seed 3"; do
  for report in "" --report; do
    # shellcheck disable=SC2086
    "$SEQC" simulate $args $report --format json >"$tmp/out.json" || fail "json run: $args"
    # shellcheck disable=SC2086
    "$SEQC" simulate $args $report --format jsonl >"$tmp/out.jsonl" || fail "jsonl run: $args"
    python3 - "$tmp/out.json" "$tmp/out.jsonl" "$report" <<'PY' || fail "jsonl of $args $report (above)"
import json, sys
whole = json.load(open(sys.argv[1]))
text = open(sys.argv[2], encoding="utf-8").read()
assert text.endswith("\n"), "the last line is not terminated"
lines = text.split("\n")[:-1]
objects = [json.loads(l) for l in lines]
for l in lines:  # compact, as nlohmann's dump() writes it
    assert json.dumps(json.loads(l), ensure_ascii=False, separators=(",", ":")) == l, "not compact: " + l
*records, summary = objects
assert records == whole["records"], "the record lines differ from --format json's records"
del whole["records"]
assert summary == whole, f"the last line is not the summary: {summary}"
assert list(summary) == ["sequence", "entity", "start", "end", "summary", "warnings"] + (["report"] if sys.argv[3] else []), list(summary)
PY
  done
done
# A usage error names the formats.
run "$SEQC" simulate inputs/ok.seq --records inputs/odd_ids.jsonl --format yaml
expect_rc 2; expect_out "jsonl"
exit 0
