# `seqc simulate --model` with experiment rates (docs/simulation.md): the summary's
# experiments block, JSON and table — records per variant near the weights, conversions
# near the rates, and the day the mSPRT decides when the variants differ a lot (and no
# decision when they are the same).
source "$(dirname "$0")/../lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/e.seq" <<'SEQ'
sequence "Outreach" on lead {
  experiment "Subject" {
    variant plain 50 {
      intro_a: auto email "Introduction" template "intro-plain"
    }
    variant question 50 {
      intro_b: auto email "Quick question?" template "intro-question"
    }
    metric replied within 3d
    baseline 0.08
    mde 0.03
  }
}
SEQ
{ echo id; for i in $(seq 1 2000); do echo "R$i"; done; } >"$tmp/r.csv"
echo '{"experiments": {"Subject": {"plain": 0.05, "question": 0.5}}}' >"$tmp/far.json"
echo '{"experiments": {"Subject": {"plain": 0.1, "question": 0.1}}}' >"$tmp/same.json"

run "$SEQC" simulate "$tmp/e.seq" --records "$tmp/r.csv" --model "$tmp/far.json" --seed 1 --format json
expect_rc 0
printf '%s' "$out" >"$tmp/far.out"
python3 - "$tmp/far.out" <<'PY' || fail "bad experiments block (in the JSON above)"
import json, sys
e = json.load(open(sys.argv[1]))["experiments"]
assert len(e) == 1 and e[0]["name"] == "Subject", e
v = {x["name"]: x for x in e[0]["variants"]}
assert v["plain"]["assigned"] + v["question"]["assigned"] == 2000, v
assert 900 < v["plain"]["assigned"] < 1100, v          # 50/50 by bucket
assert 25 < v["plain"]["converted"] < 100, v           # about 5% of ~1000
assert 900 < v["question"]["converted"] / v["question"]["assigned"] * 2000 < 1100, v  # about 50%
assert isinstance(e[0]["days_to_decision"], int) and 1 <= e[0]["days_to_decision"] <= 5, e
PY
run "$SEQC" simulate "$tmp/e.seq" --records "$tmp/r.csv" --model "$tmp/same.json" --seed 1 --format json
expect_rc 0
printf '%s' "$out" >"$tmp/same.out"
python3 - "$tmp/same.out" <<'PY' || fail "expected no decision"
import json, sys
import math
from datetime import datetime
out = json.load(open(sys.argv[1]))
e = out["experiments"][0]
assert e["days_to_decision"] is None, e
# Undecided: the planned 1,499 per variant at this run's rate of entries (2,000 records
# over the simulated days, half to each variant).
t = lambda s: datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").timestamp()
days = max(1.0, (t(out["end"]) - t(out["start"])) / 86400)
assert e["records_per_variant"] == 1499, e
assert e["projected_days"] == math.ceil(1499 / (2000 / days * 0.5)), (e, days)
PY
run "$SEQC" simulate "$tmp/e.seq" --records "$tmp/r.csv" --model "$tmp/same.json" --seed 1
expect_rc 0
expect_out 'no decision yet by the mSPRT; at this run'"'"'s rate of entries, the planned 1499 records per variant take about'
run "$SEQC" simulate "$tmp/e.seq" --records "$tmp/r.csv" --model "$tmp/far.json" --seed 1
expect_rc 0
expect_out 'Experiment "Subject":'; expect_out 'decided by the mSPRT after'
