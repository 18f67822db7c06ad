# The workload forecast (CALENDARS.md §7): `simulate --report` counts the manual
# activities that became current per UTC day and assignee (the records' ownerid), by
# kind; the table draws it; `--runs N` gives nearest-rank p50/p90 over seeds
# seed … seed+N-1, equal to what N separate runs give.
source "$(dirname "$0")/../lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat >"$tmp/desk.seq" <<'SEQ'
sequence "Desk" on lead {
  call "Call" due 1d
  wait 1d
  task "Follow up"
}
SEQ
cat >"$tmp/leads.csv" <<'CSV'
id,ownerid
R1,U-1
R2,U-1
R3,U-2
R4,
CSV
cat >"$tmp/events.jsonl" <<'EV'
{"at": "+2h", "record": "R1", "event": "complete"}
{"at": "+3h", "record": "R3", "event": "complete"}
{"at": "+1d1h", "record": "R2", "event": "complete"}
EV

# Worked by hand: the four calls on 01-05 (null, U-1 ×2, U-2); R1's and R3's tasks a
# day after their calls (01-06); R2's on 01-07. R4's call is never completed.
run "$SEQC" simulate "$tmp/desk.seq" --records "$tmp/leads.csv" --events "$tmp/events.jsonl" --report --format json
expect_rc 0
python3 - "$out" <<'PY' || fail "workload: $out"
import json, sys
w = json.loads(sys.argv[1])["report"]["workload"]
got = [(c["day"], c["assignee"], c["kinds"], c["total"]) for c in w]
want = [("2026-01-05", None, {"call": 1}, 1), ("2026-01-05", "U-1", {"call": 2}, 2),
        ("2026-01-05", "U-2", {"call": 1}, 1), ("2026-01-06", "U-1", {"task": 1}, 1),
        ("2026-01-06", "U-2", {"task": 1}, 1), ("2026-01-07", "U-1", {"task": 1}, 1)]
assert got == want, got
PY
run "$SEQC" simulate "$tmp/desk.seq" --records "$tmp/leads.csv" --events "$tmp/events.jsonl" --report
expect_rc 0
expect_out "Workload (manual activities that became current per day):"
grep -qE '^  2026-01-05  U-1 +2  #{40}$' <<<"$out" || fail "no full bar for U-1's 2 calls: $out"
grep -qE '^  2026-01-05  - +1  #{20}$' <<<"$out" || fail "no half bar for the unowned call: $out"

# Without an ownerid column every activity counts for no one.
printf 'id\nR1\nR2\n' >"$tmp/plain.csv"
run "$SEQC" simulate "$tmp/desk.seq" --records "$tmp/plain.csv" --report --format json
expect_rc 0; expect_out '"assignee": null,'; expect_out '"total": 2'

# --runs: the percentiles of N runs are those of the N seeds run one by one.
cat >"$tmp/model.json" <<'M'
{"seller": {"complete_after": {"min": "1h", "max": "2d"}, "skip": 0.3}}
M
for seed in 3 4 5 6 7; do
  run "$SEQC" simulate "$tmp/desk.seq" --records "$tmp/leads.csv" --model "$tmp/model.json" --seed $seed \
    --until 10d --report --format json
  expect_rc 0
  printf '%s' "$out" >"$tmp/seed$seed.json"
done
run "$SEQC" simulate "$tmp/desk.seq" --records "$tmp/leads.csv" --model "$tmp/model.json" --seed 3 --runs 5 \
  --until 10d --report --format json
expect_rc 0
printf '%s' "$out" >"$tmp/runs.json"
python3 - "$tmp" <<'PY' || fail "--runs percentiles differ from the separate runs"
import json, math, sys
d = sys.argv[1]
runs = [json.load(open(f"{d}/seed{s}.json")) for s in range(3, 8)]
got = json.load(open(f"{d}/runs.json"))
def nearest(vals, p):
    vals = sorted(vals)
    return vals[max(math.ceil(p * len(vals) / 100), 1) - 1]
cells = {}
for i, r in enumerate(runs):
    for c in r["report"]["workload"]:
        cells.setdefault((c["day"], c["assignee"]), [0] * len(runs))[i] = c["total"]
want = [{"day": k[0], "assignee": k[1], "total": {"p50": nearest(v, 50), "p90": nearest(v, 90)}}
        for k, v in sorted(cells.items(), key=lambda kv: (kv[0][0], kv[0][1] is not None, kv[0][1] or ""))]
have = [{"day": c["day"], "assignee": c["assignee"], "total": c["total"]} for c in got["report"]["workload"]]
assert have == want, (have, want)
assert got["report"]["runs"] == 5
for status, p in got["report"]["summary_percentiles"].items():
    vals = [r["summary"][status] for r in runs]
    assert p == {"p50": nearest(vals, 50), "p90": nearest(vals, 90)}, (status, p, vals)
assert got["records"] == runs[0]["records"], "the records shown are not the first run's"
PY
run "$SEQC" simulate "$tmp/desk.seq" --records "$tmp/leads.csv" --model "$tmp/model.json" --runs 5 --until 10d
expect_rc 0
expect_out "Workload (manual activities that became current per day, p50 and p90 of 5 runs):"
expect_out "Summary over 5 runs (p50/p90): active "
run "$SEQC" simulate "$tmp/desk.seq" --records "$tmp/leads.csv" --runs 5
expect_rc 2; expect_out "--model"
run "$SEQC" simulate "$tmp/desk.seq" --records "$tmp/leads.csv" --model "$tmp/model.json" --runs 0
expect_rc 2
exit 0
