#!/usr/bin/env bash
# The workload forecast at scale (docs/performance.md, CALENDARS.md §7):
#
#   bench/bench_workload.sh BUILD_BIN_DIR [N] [RUNS]     (default 100000 leads, 100 runs)
#
# Generates N leads (tests/workspace/gen_leads.py) owned by 50 sellers, then runs
# `seqc simulate bench/workload.seq --model examples/models/typical.json --runs RUNS
# --until 90d --report` and prints its wall time and peak RSS. Build BUILD_BIN_DIR in
# Release with the target seqc. BENCH_DIR: where to put the files (default: a temporary
# directory, removed after).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$(realpath "${1:?usage: bench_workload.sh BUILD_BIN_DIR [N] [RUNS]}")
N=${2:-100000}
RUNS=${3:-100}
[ -x "$bin/seqc" ] || { echo "no seqc in $bin" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "GNU time (/usr/bin/time) is required" >&2; exit 2; }
if [ -n "${BENCH_DIR:-}" ]; then dir=$BENCH_DIR; mkdir -p "$dir"; else dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT; fi

echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
if [ ! -s "$dir/owned$N.csv" ]; then
  python3 "$root/tests/workspace/gen_leads.py" "$N" "$dir/leads$N.csv" || exit 1
  # An owner column: 50 sellers, round robin.
  awk -F, 'NR == 1 { print $0 ",ownerid"; next } { printf "%s,U-%02d\n", $0, (NR - 2) % 50 }' \
    "$dir/leads$N.csv" >"$dir/owned$N.csv"
fi
cmd=("$bin/seqc" simulate "$root/bench/workload.seq" --records "$dir/owned$N.csv" --until 90d
     --model "$root/examples/models/typical.json" --seed 1 --runs "$RUNS" --report --format json --no-progress)
echo "command: seqc simulate bench/workload.seq --records <$N leads> --until 90d --model typical.json --runs $RUNS --report --format json"
/usr/bin/time -f '%e %M' -o "$dir/time" "${cmd[@]}" >"$dir/out.json" || { echo "seqc simulate failed" >&2; exit 1; }
read -r wall kb <"$dir/time"
printf 'wall %s s, peak %d MB, output %d MB\n' "$wall" $((kb / 1024)) $(($(stat -c %s "$dir/out.json") / 1048576))
python3 - "$dir/out.json" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))["report"]
cells = report["workload"]
print(f"runs {report['runs']}, {len(cells)} day × assignee cells; busiest p90:",
      max(c["total"]["p90"] for c in cells) if cells else 0)
PY
