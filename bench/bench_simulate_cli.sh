#!/usr/bin/env bash
# `seqc simulate` at scale, against its floor (docs/performance.md):
#
#   bench/bench_simulate_cli.sh BUILD_BIN_DIR [N]     (N leads, default 1000000)
#
# Generates N leads (tests/workspace/gen_leads.py), simulates bench/three_steps.seq for
# 3 days with `seqc simulate` in each format and with bench/floor_simulate.cc (the same
# behaviour hand-coded), checks that both print the same bytes (JSON and table), and
# prints the wall time and peak RSS of each run. Build BUILD_BIN_DIR in Release, with
# the targets seqc and floor_simulate. BENCH_DIR: where to put the files (default: a
# temporary directory, removed after).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$(realpath "${1:?usage: bench_simulate_cli.sh BUILD_BIN_DIR [N]}")
N=${2:-1000000}
for t in seqc floor_simulate; do
  [ -x "$bin/$t" ] || { echo "no $t in $bin (cmake --build BUILD --target seqc floor_simulate)" >&2; exit 2; }
done
[ -x /usr/bin/time ] || { echo "GNU time (/usr/bin/time) is required" >&2; exit 2; }
if [ -n "${BENCH_DIR:-}" ]; then dir=$BENCH_DIR; mkdir -p "$dir"; else dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT; fi

echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
[ -s "$dir/leads$N.csv" ] || python3 "$root/tests/workspace/gen_leads.py" "$N" "$dir/leads$N.csv" || exit 1
leads=$dir/leads$N.csv
echo "leads: $N ($(du -m "$leads" | cut -f1) MB)"
sim=("$bin/seqc" simulate "$root/bench/three_steps.seq" --records "$leads" --until 3d)

printf '\n%-24s %8s %10s %10s\n' RUN WALL_S PEAK_MB OUTPUT_MB
measure() {  # NAME OUT CMD…: runs CMD > OUT, prints its wall time, peak RSS, output size
  local name=$1 out=$2
  shift 2
  /usr/bin/time -f '%e %M' -o "$dir/time" "$@" >"$out" || { echo "$name failed" >&2; exit 1; }
  read -r wall kb <"$dir/time"
  printf '%-24s %8s %10d %10d\n' "$name" "$wall" $((kb / 1024)) $(($(stat -c %s "$out") / 1048576))
}
measure "floor json" "$dir/floor.json" "$bin/floor_simulate" "$leads" json
measure "seqc simulate json" "$dir/seqc.json" "${sim[@]}" --format json
measure "floor table" "$dir/floor.txt" "$bin/floor_simulate" "$leads" table
measure "seqc simulate table" "$dir/seqc.txt" "${sim[@]}" --format table
measure "seqc simulate jsonl" "$dir/seqc.jsonl" "${sim[@]}" --format jsonl
cmp "$dir/floor.json" "$dir/seqc.json" || { echo "JSON: seqc and the floor differ" >&2; exit 1; }
cmp "$dir/floor.txt" "$dir/seqc.txt" || { echo "table: seqc and the floor differ" >&2; exit 1; }
echo "identical bytes: json, table"
