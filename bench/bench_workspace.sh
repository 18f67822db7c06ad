#!/usr/bin/env bash
# The workspace at scale: "connecting 1,000,000 records and ticking them through a day
# of a template finishes in minutes, not hours".
#
#   bench/bench_workspace.sh [SEQC] [RECORDS]     (defaults: build/bin/seqc, 1000000)
#
# Generates RECORDS leads (90% Open), then times each command on a fresh workspace:
# `records load`, `connect --where 'lead.statecode == "Open"'` to "Webinar follow up"
# (examples/webinar_follow_up.seq: an email at once, then wait 1d), ticks to +12h
# (nothing due), +1d (every record: the wait ends, the condition starts waiting 3d) and
# +4d (every record: the condition times out, an email, wait 3d), then the reads
# `stats`, `records --json` and `history`. Prints wall time, records per second, peak
# RSS and the database size after each. Use a Release build (-DCMAKE_BUILD_TYPE=Release).
# BENCH_DIR: where to put the workspace (default: a temporary directory, removed after).
# BENCH_DATABASE: a postgresql:// URL of an empty database: the workspace goes there
# (docs/deployment.md) instead of a SQLite file. BENCH_WORKERS (default 1): how many
# `seqc tick` run at once in the tick phases (on PostgreSQL they share the work).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
SEQC=$(realpath "${1:-$root/build/bin/seqc}")
N=${2:-1000000}
[ -x "$SEQC" ] || { echo "no seqc at $SEQC (build it: cmake --build build --target seqc)" >&2; exit 2; }
python=$(python3 -c 'import sys; print(sys.executable)') || { echo "python3 is required" >&2; exit 2; }
if [ -n "${BENCH_DIR:-}" ]; then dir=$BENCH_DIR; mkdir -p "$dir"; else dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT; fi
ws="$dir/ws"; rm -rf "$ws"
seq_name="Webinar follow up"

gnu_time=""
/usr/bin/time -v true >/dev/null 2>&1 && gnu_time=/usr/bin/time

echo "machine: $(nproc) CPUs, $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1), $(free -g 2>/dev/null | awk '/^Mem:/ { print $2 " GB RAM" }')"
echo "seqc: $SEQC"
echo "records: $N"

start=$(date +%s.%N)
"$python" "$root/tests/workspace/gen_leads.py" "$N" "$dir/leads.csv" || exit 1
echo "generated $dir/leads.csv ($(du -m "$dir/leads.csv" | cut -f1) MB) in $(awk "BEGIN { printf \"%.1f\", $(date +%s.%N) - $start }") s"

workers=${BENCH_WORKERS:-1}
database=()
[ -n "${BENCH_DATABASE:-}" ] && database=(--database "$BENCH_DATABASE")
echo "store: ${BENCH_DATABASE:-SQLite}, tick workers: $workers"
db_mb() {
  if [ -n "${BENCH_DATABASE:-}" ]; then
    psql -qAtX "$BENCH_DATABASE" -c "SELECT pg_database_size(current_database()) / 1048576" 2>/dev/null || echo "?"
  else
    du -cm "$ws"/seqc.db* | tail -1 | cut -f1
  fi
}
"$SEQC" init --workspace "$ws" --clock 2026-01-05T09:00:00Z "${database[@]}" >/dev/null || exit 1
"$SEQC" activate "$root/examples/webinar_follow_up.seq" --workspace "$ws" >/dev/null || exit 1

printf '\n%-28s %9s %12s %10s %9s %9s  %s\n' PHASE WALL_S RECORDS/S PEAK_MB DB_MB CPU_S OUTPUT
failed=0
# phase LABEL COUNT ARGS…: times `seqc ARGS… --workspace WS`; COUNT: records it handles
phase() {
  local label=$1 count=$2; shift 2
  local t0 t1 wall rss cpu out db
  t0=$(date +%s.%N)
  if [ -n "$gnu_time" ]; then
    $gnu_time -v -o "$dir/time.txt" "$SEQC" "$@" --workspace "$ws" >"$dir/out.txt" 2>"$dir/err.txt"
  else
    "$python" -c 'import resource, subprocess, sys
rc = subprocess.call(sys.argv[2:], stdout=open(sys.argv[1] + "/out.txt", "w"), stderr=open(sys.argv[1] + "/err.txt", "w"))
u = resource.getrusage(resource.RUSAGE_CHILDREN)
open(sys.argv[1] + "/time.txt", "w").write(f"Maximum resident set size (kbytes): {u.ru_maxrss}\nUser time (seconds): {u.ru_utime}\nSystem time (seconds): {u.ru_stime}\n")
sys.exit(rc)' "$dir" "$SEQC" "$@" --workspace "$ws"
  fi
  local rc=$?
  t1=$(date +%s.%N)
  wall=$(awk "BEGIN { printf \"%.2f\", $t1 - $t0 }")
  rss=$(awk -F': ' '/Maximum resident set size/ { printf "%d", $2 / 1024 }' "$dir/time.txt")
  cpu=$(awk -F': ' '/User time|System time/ { s += $2 } END { printf "%.2f", s }' "$dir/time.txt")
  db=$(db_mb)
  out=$(head -c 90 "$dir/out.txt" | head -1)
  [ $rc = 0 ] || { out="FAILED ($rc): $(head -c 200 "$dir/err.txt")"; failed=1; }
  printf '%-28s %9s %12s %10s %9s %9s  %s\n' "$label" "$wall" \
    "$([ "$count" -gt 0 ] && awk "BEGIN { printf \"%d\", $count / ($wall > 0 ? $wall : 0.01) }" || echo -)" \
    "$rss" "$db" "$cpu" "$out"
}

# tick_phase LABEL COUNT TO: BENCH_WORKERS `seqc tick --to TO` at once, timed together
# (peak RSS: the largest worker's; CPU: the workers' sum, the server's not included).
tick_phase() {
  if [ "$workers" = 1 ]; then phase "$1" "$2" tick --to "$3"; return; fi
  local label=$1 count=$2 t0 t1 wall i rc=0 pids=()
  t0=$(date +%s.%N)
  for ((i = 0; i < workers; i++)); do
    "$python" -c 'import resource, subprocess, sys
rc = subprocess.call(sys.argv[2:], stdout=open(sys.argv[1] + ".out", "w"), stderr=open(sys.argv[1] + ".err", "w"))
u = resource.getrusage(resource.RUSAGE_CHILDREN)
open(sys.argv[1] + ".time", "w").write(f"{u.ru_maxrss} {u.ru_utime + u.ru_stime}\n")
sys.exit(rc)' "$dir/worker$i" "$SEQC" tick --to "$3" --workspace "$ws" & pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || rc=1; done
  t1=$(date +%s.%N)
  wall=$(awk "BEGIN { printf \"%.2f\", $t1 - $t0 }")
  local rss cpu out
  rss=$(cat "$dir"/worker*.time | awk '{ if ($1 > m) m = $1 } END { printf "%d", m / 1024 }')
  cpu=$(cat "$dir"/worker*.time | awk '{ s += $2 } END { printf "%.2f", s }')
  out="$(cat "$dir"/worker*.out | sed -n 's/.*: \([0-9]*\) records\{0,1\} moved.*/\1/p' | awk '{ s += $1 } END { print s }') records moved by $workers workers"
  [ $rc = 0 ] || { out="FAILED: $(cat "$dir"/worker*.err | head -c 200)"; failed=1; }
  printf '%-28s %9s %12s %10s %9s %9s  %s\n' "$label" "$wall" \
    "$([ "$count" -gt 0 ] && awk "BEGIN { printf \"%d\", $count / ($wall > 0 ? $wall : 0.01) }" || echo -)" \
    "$rss" "$(db_mb)" "$cpu" "$out"
  rm -f "$dir"/worker*
}

open=$((N - N / 10))
phase "records load" "$N" records load "$dir/leads.csv" --entity lead
phase "connect --where (Open)" "$open" connect "$seq_name" --where 'lead.statecode == "Open"'
tick_phase "tick +12h (nothing due)" 0 2026-01-05T21:00:00Z
tick_phase "tick +1d (wait ends)" "$open" 2026-01-06T09:00:00Z
tick_phase "tick +4d (timeout, email)" "$open" 2026-01-09T09:00:00Z
phase "stats" "$open" stats "$seq_name" --json
phase "records NAME --json" "$open" records "$seq_name" --json
phase "history RECORD" 0 history L-0000001
exit $failed
