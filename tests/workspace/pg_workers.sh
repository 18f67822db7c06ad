#!/usr/bin/env bash
# Several tick workers on a PostgreSQL workspace, and their failures, against a single
# SQLite run of the same inputs, compared record by record (every record's fields, every
# connection's state, every history entry, the step counts and the clock):
#
# (a) two, then (b) four `seqc tick --to T` at once, for each of two ticks: each exits 0,
#     their "records moved" add up to the SQLite tick's, and the workspace equals the
#     SQLite one (nothing run twice, nothing left out).
# (c) kill -9 of one of two workers mid-batch: the other finishes, a new tick takes the
#     killed worker's bucket over, and the workspace equals the SQLite one.
# (d) the server restarted (fast shutdown) mid-tick: the worker exits 1 with one line
#     `error: …`, and a tick run again completes it to the SQLite state.
# (e) `seqc tick --follow` catches up to the wall clock, then stops on SIGTERM with exit 0.
# (f) a follower with nothing due and a one-hour poll sleeps (its server session stays
#     idle), and wakes within seconds when another process commits a change (NOTIFY).
# (g) a clock-reading `exit when` (`now() > lead.estimatedclosedate`), two workers: the
#     buckets' clock readers are shared, and the workspace equals the SQLite one (each
#     exit at its instant, before the timers due after it); every bucket is then checked
#     up to the clock.
#
#   bash tests/workspace/pg_workers.sh SEQC   (from the project root; ctest workspace/pg-workers)
#
# It starts its own throwaway cluster (tests/pg/cluster.sh), as (d) restarts it.
# SEQC_PG_WORKERS_RECORDS sets the number of leads (default 3000; the bench in
# docs/performance.md runs 100,000).
test=pg-workers
# shellcheck source=tests/workspace/lib.sh
source "$(dirname "$0")/lib.sh"
records=${SEQC_PG_WORKERS_RECORDS:-3000}
name="Nurture drill"
at0=2026-01-05T09:00:00Z
T1=2026-01-07T09:00:00Z   # 2 days: every record sent two emails and waits on its condition
T2=2026-01-13T09:00:00Z   # 8 days: seven steps done, waiting 30 days
psql=${SEQC_PG_BIN:-/usr/lib/postgresql/15/bin}/psql

pgstate="$tmp/pg"
trap 'bash "$root/tests/pg/cluster.sh" stop "$pgstate"; cleanup' EXIT
bash "$root/tests/pg/cluster.sh" start "$pgstate" >/dev/null || fail "cannot start a PostgreSQL cluster"
base_url=$(cat "$pgstate/url")
databases=0
fresh_db() {  # fresh_db N: creates database number N, prints its URL
  local db="w$1"
  "$psql" -qX "${base_url/\/\?//postgres?}" -c "CREATE DATABASE $db" >/dev/null || fail "cannot create database $db"
  echo "${base_url/\/\?//$db?}"
}

# The state of a workspace, one line per row, sorted: what "record by record" compares.
# Connections and history are keyed by record, sequence name and connection time, not by
# their ids (insertion order, which differs between runs).
columns="c.record, s.name, c.version, c.status, c.reason, c.waiting, c.step, c.progress, c.pc, c.generation,
  c.connected, c.entered, c.due, c.ended, c.message"
dump_sqlite() {
  "$python" - "$1/seqc.db" <<PY
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
def cell(v):
    if v is None: return ""
    if isinstance(v, bytes): return v.hex()
    return str(v)
out = []
def q(tag, sql):
    for row in con.execute(sql):
        out.append(tag + "|" + "|".join(cell(v) for v in row))
q("record", "SELECT id, fields, updated FROM records")
q("connection", """SELECT $columns, c.data FROM connections c JOIN sequences s ON s.id = c.sequence""")
q("history", "SELECT c.record, s.name, c.connected, h.at, h.step, h.result, h.detail FROM history h "
             "JOIN connections c ON c.id = h.connection JOIN sequences s ON s.id = c.sequence")
q("steps", "SELECT s.name, k.version, k.step, k.result, k.count FROM step_counts k JOIN sequences s ON s.id = k.sequence")
q("clock", "SELECT value FROM meta WHERE key = 'clock'")
print("\n".join(out))
PY
}
dump_pg() {
  "$psql" -qAtX -F'|' "$1" <<SQL
SELECT 'record', id, encode(fields, 'hex'), updated FROM records;
SELECT 'connection', $columns, encode(c.data, 'hex') FROM connections c JOIN sequences s ON s.id = c.sequence;
SELECT 'history', c.record, s.name, c.connected, h.at, h.step, h.result, h.detail FROM history h
  JOIN connections c ON c.id = h.connection JOIN sequences s ON s.id = c.sequence;
SELECT 'steps', s.name, k.version, k.step, k.result, k.count FROM step_counts k JOIN sequences s ON s.id = k.sequence;
SELECT 'clock', value FROM meta WHERE key = 'clock';
SQL
}
# same REFERENCE-DUMP URL WHAT: the PostgreSQL workspace at URL equals the reference,
# and its timers table holds exactly the connections' due times
same() {
  dump_pg "$2" | LC_ALL=C sort >"$tmp/pg.dump" || fail "$3: cannot read the PostgreSQL workspace"
  if ! cmp -s "$1" "$tmp/pg.dump"; then
    fail "$3: the PostgreSQL workspace differs from the SQLite one (< SQLite, > PostgreSQL):
$(diff "$1" "$tmp/pg.dump" | head -20)"
  fi
  local stray
  stray=$("$psql" -qAtX "$2" -c "SELECT count(*) FROM connections c FULL JOIN timers t ON t.connection = c.id
    WHERE c.due IS DISTINCT FROM t.due OR (t.connection IS NOT NULL AND c.bucket IS DISTINCT FROM t.bucket)")
  [ "$stray" = 0 ] || fail "$3: $stray timers differ from their connections' due times"
}
moved() { sed -n 's/^clock [^ ]* → [^ ]*: \([0-9]*\) records\{0,1\} moved.*/\1/p' "$@" | awk '{ s += $1 } END { print s + 0 }'; }

# setup_with SEQ CSV NAME DIR [URL]: a workspace with SEQ active, the leads of CSV loaded
# and the Open ones connected to NAME
setup_with() {
  local extra=()
  [ -n "${5:-}" ] && extra=(--database "$5")
  "$SEQC" init --workspace "$4" --clock "$at0" "${extra[@]}" >/dev/null || fail "seqc init failed in $4"
  "$SEQC" activate "$1" --workspace "$4" >/dev/null || fail "seqc activate $1 failed in $4"
  "$SEQC" records load "$2" --entity lead --workspace "$4" >/dev/null || fail "seqc records load $2 failed in $4"
  "$SEQC" connect "$3" --where 'lead.statecode == "Open"' --workspace "$4" >/dev/null || fail "seqc connect failed in $4"
}
# setup DIR [URL]: the drill's workspace
setup() { setup_with "$drill" "$tmp/leads.csv" "$name" "$@"; }

# workers DIR N T WHAT: N `seqc tick --to T` at once; all must succeed; prints records moved
workers() {
  local pids=() i rc
  for ((i = 0; i < $2; i++)); do
    "$SEQC" tick --to "$3" --workspace "$1" >"$tmp/w$i.out" 2>"$tmp/w$i.err" & pids+=($!)
  done
  for ((i = 0; i < $2; i++)); do
    wait "${pids[$i]}"; rc=$?
    [ $rc = 0 ] || fail "$4: worker $i exited $rc: $(cat "$tmp/w$i.err")"
  done
  moved "$tmp"/w*.out
  rm -f "$tmp"/w*.out "$tmp"/w*.err
}

tool gen "$records" "$tmp/leads.csv" || fail "cannot generate $tmp/leads.csv"

# ---- the reference: SQLite, one tick at a time
echo "pg_workers: $(date -u +%T) the reference: SQLite, one tick at a time"  # where a timeout stopped it
setup "$tmp/ref"
"$SEQC" tick --to "$T1" --workspace "$tmp/ref" >"$tmp/ref1.out" || fail "reference tick to $T1 failed"
dump_sqlite "$tmp/ref" | LC_ALL=C sort >"$tmp/ref1.dump" || fail "cannot read the reference workspace"
"$SEQC" tick --to "$T2" --workspace "$tmp/ref" >"$tmp/ref2.out" || fail "reference tick to $T2 failed"
dump_sqlite "$tmp/ref" | LC_ALL=C sort >"$tmp/ref2.dump" || fail "cannot read the reference workspace"
moved1=$(moved "$tmp/ref1.out"); moved2=$(moved "$tmp/ref2.out")
[ "$moved1" -gt 0 ] && [ "$moved2" -gt 0 ] || fail "the reference ticks moved nothing"

# ---- (a), (b): 2 and 4 workers
echo "pg_workers: $(date -u +%T) (a), (b): 2 and 4 workers"  # where a timeout stopped it
for n in 2 4; do
  databases=$((databases + 1)); url=$(fresh_db "$databases")
  setup "$tmp/pg$n" "$url"
  got=$(workers "$tmp/pg$n" "$n" "$T1" "($n workers, $T1)")
  [ "$got" = "$moved1" ] || fail "$n workers to $T1 moved $got records in all; SQLite moved $moved1"
  same "$tmp/ref1.dump" "$url" "$n workers, tick to $T1"
  got=$(workers "$tmp/pg$n" "$n" "$T2" "($n workers, $T2)")
  [ "$got" = "$moved2" ] || fail "$n workers to $T2 moved $got records in all; SQLite moved $moved2"
  same "$tmp/ref2.dump" "$url" "$n workers, tick to $T2"
done

# ---- (c) kill -9 of a worker mid-batch
echo "pg_workers: $(date -u +%T) (c) kill -9 of a worker mid-batch"  # where a timeout stopped it
databases=$((databases + 1)); url=$(fresh_db "$databases")
setup "$tmp/kill" "$url"
workers "$tmp/kill" 2 "$T1" "(kill, $T1)" >/dev/null
"$SEQC" tick --to "$T2" --workspace "$tmp/kill" >"$tmp/k1.out" 2>&1 & victim=$!
"$SEQC" tick --to "$T2" --workspace "$tmp/kill" >"$tmp/k2.out" 2>&1 & other=$!
sleep 0.3
kill -9 "$victim" 2>/dev/null && killed=1 || killed=0
wait "$victim" 2>/dev/null
wait "$other" || fail "(c) the surviving worker failed: $(cat "$tmp/k2.out")"
"$SEQC" tick --to "$T2" --workspace "$tmp/kill" >"$tmp/k3.out" 2>&1 || fail "(c) the tick after the kill failed: $(cat "$tmp/k3.out")"
same "$tmp/ref2.dump" "$url" "kill -9 of a worker mid-tick (killed: $killed)"

# ---- (d) the server restarted mid-tick
echo "pg_workers: $(date -u +%T) (d) the server restarted mid-tick"  # where a timeout stopped it
databases=$((databases + 1)); url=$(fresh_db "$databases")
setup "$tmp/restart" "$url"
"$SEQC" tick --to "$T1" --workspace "$tmp/restart" >/dev/null || fail "(d) tick to $T1 failed"
"$SEQC" tick --to "$T2" --workspace "$tmp/restart" >"$tmp/r.out" 2>"$tmp/r.err" & worker=$!
sleep 0.3
running=0; kill -0 "$worker" 2>/dev/null && running=1
bash "$root/tests/pg/cluster.sh" restart "$pgstate" || fail "(d) cannot restart the server"
wait "$worker"; rc=$?
if [ "$running" = 1 ] && [ $rc != 0 ]; then
  [ $rc = 1 ] || fail "(d) the worker cut off by the restart exited $rc (want 1): $(cat "$tmp/r.err")"
  [ "$(wc -l <"$tmp/r.err")" = 1 ] && grep -q '^error: ' "$tmp/r.err" ||
    fail "(d) the worker cut off by the restart did not say one line 'error: …': $(cat "$tmp/r.err")"
fi
"$SEQC" tick --to "$T2" --workspace "$tmp/restart" >"$tmp/r2.out" 2>&1 || fail "(d) the tick after the restart failed: $(cat "$tmp/r2.out")"
same "$tmp/ref2.dump" "$url" "server restarted mid-tick"

# ---- (g) a clock-reading exit, shared by two workers a bucket at a time
echo "pg_workers: $(date -u +%T) (g) a clock-reading exit, shared by two workers a bucket at a time"  # where a timeout stopped it
cat >"$tmp/closing.seq" <<'SEQ'
sequence "Closing watch" on lead {
  exit when now() > lead.estimatedclosedate
  hello: auto email "Hello" template "closing-hello"
  wait 1d
  call1: call "Closing call" due 1d
  wait 2d
  bye: auto email "Bye" template "closing-bye"
}
SEQ
# Closing dates spread over ten days from the start, by the hour; a tenth with none.
"$python" - "$tmp/leads.csv" "$tmp/closing.csv" <<'PY'
import sys
rows = open(sys.argv[1]).read().splitlines()
with open(sys.argv[2], "w") as out:
    out.write(rows[0] + "\n")
    for i, row in enumerate(rows[1:]):
        h = (i * 37) % 240 + 9
        date = "" if i % 10 == 3 else f"2026-01-{5 + h // 24:02d}T{h % 24:02d}:00:00Z"
        out.write(row[:row.rindex(",") + 1] + date + "\n")
PY
setup_closing() { setup_with "$tmp/closing.seq" "$tmp/closing.csv" "Closing watch" "$@"; }
setup_closing "$tmp/cref"
databases=$((databases + 1)); url=$(fresh_db "$databases")
setup_closing "$tmp/closing" "$url"
for T in "$T1" "$T2"; do
  "$SEQC" tick --to "$T" --workspace "$tmp/cref" >"$tmp/cref.out" || fail "(g) reference tick to $T failed"
  dump_sqlite "$tmp/cref" | LC_ALL=C sort >"$tmp/cref.dump" || fail "(g) cannot read the reference workspace"
  grep -q 'exit when' "$tmp/cref.dump" || fail "(g) the reference tick to $T exited no record"
  got=$(workers "$tmp/closing" 2 "$T" "(g, $T)")
  [ "$got" = "$(moved "$tmp/cref.out")" ] || fail "(g) 2 workers to $T moved $got records in all; SQLite moved $(moved "$tmp/cref.out")"
  same "$tmp/cref.dump" "$url" "(g) a clock-reading exit, 2 workers, tick to $T"
done
behind=$("$psql" -qAtX "$url" -c "SELECT count(*) FROM buckets WHERE readers_at <> readers_to OR readers_at <>
  (SELECT value::bigint FROM meta WHERE key = 'clock')")
[ "$behind" = 0 ] || fail "(g) $behind buckets' clock readers are not checked up to the clock"
# A tick that moved the clock and died before any bucket's readers were checked: a
# command that runs a record first watches its exit from where the buckets stand.
# L-0000001 waits on its call from 2026-01-06T09:00 and closes at 22:00: `complete` at
# the moved clock exits it at 22:00:01, as a tick would have (unwatched, its exit was
# dated when the next tick got to it: 2026-01-07T09:00).
databases=$((databases + 1)); url=$(fresh_db "$databases")
setup_closing "$tmp/floor" "$url"
"$SEQC" tick --to 2026-01-06T10:00:00Z --workspace "$tmp/floor" >/dev/null || fail "(g) tick to 2026-01-06T10:00 failed"
"$psql" -qX "$url" -c "UPDATE meta SET value = '$(date -ud "$T1" +%s)' WHERE key = 'clock'" \
  -c "UPDATE buckets SET readers_at = $(date -ud 2026-01-06T10:00:00Z +%s), readers_to = $(date -ud 2026-01-06T10:00:00Z +%s)" >/dev/null ||
  fail "(g) cannot move the clock behind seqc's back"
"$SEQC" complete L-0000001 --workspace "$tmp/floor" >"$tmp/floor.out" 2>&1
"$SEQC" tick --to "$T1" --workspace "$tmp/floor" >/dev/null || fail "(g) the tick after the command failed"
"$SEQC" history L-0000001 --workspace "$tmp/floor" >"$tmp/floor.history" || fail "(g) history L-0000001 failed"
grep -q '^2026-01-06T22:00:01Z .*exited' "$tmp/floor.history" ||
  fail "(g) L-0000001 did not exit at 2026-01-06T22:00:01: $(cat "$tmp/floor.out" "$tmp/floor.history")"

# ---- (e) tick --follow: catches up to now, stops on SIGTERM
echo "pg_workers: $(date -u +%T) (e) tick --follow: catches up to now, stops on SIGTERM"  # where a timeout stopped it
databases=$((databases + 1)); url=$(fresh_db "$databases")
setup "$tmp/follow" "$url"
"$SEQC" tick --follow --poll 1 --workspace "$tmp/follow" >"$tmp/f.out" 2>"$tmp/f.err" & follower=$!
for _ in $(seq 100); do grep -q "records\{0,1\} moved" "$tmp/f.out" && break; sleep 0.1; done
grep -q "records\{0,1\} moved" "$tmp/f.out" || fail "(e) tick --follow did not tick within 10 s: $(cat "$tmp/f.out" "$tmp/f.err")"
kill -TERM "$follower"
for _ in $(seq 50); do kill -0 "$follower" 2>/dev/null || break; sleep 0.1; done
kill -0 "$follower" 2>/dev/null && fail "(e) tick --follow still runs 5 s after SIGTERM"
wait "$follower"; rc=$?
[ $rc = 0 ] || fail "(e) tick --follow exited $rc after SIGTERM: $(cat "$tmp/f.err")"
tail -1 "$tmp/f.out" | grep -qx stopped || fail "(e) tick --follow did not say 'stopped': $(cat "$tmp/f.out")"
left=$("$psql" -qAtX "$url" -c "SELECT count(*) FROM connections WHERE status = 0")
[ "$left" = 0 ] || fail "(e) after catching up to now, $left connections are still active"

# ---- (f) tick --follow wakes on NOTIFY, not on its poll
echo "pg_workers: $(date -u +%T) (f) tick --follow wakes on NOTIFY, not on its poll"  # where a timeout stopped it
# Every record has finished, so nothing is due and the follower sleeps for its whole
# --poll (an hour) unless a NOTIFY wakes it. Its session's state_change in
# pg_stat_activity moves only when it runs a statement: the sign it woke.
PGAPPNAME=seqc-follow-test "$SEQC" tick --follow --poll 3600 --workspace "$tmp/follow" >"$tmp/f2.out" 2>"$tmp/f2.err" & follower=$!
last_statement() {
  "$psql" -qAtX "$url" -c "SELECT state || ' ' || state_change FROM pg_stat_activity WHERE application_name = 'seqc-follow-test'"
}
idle=""
for _ in $(seq 100); do
  s=$(last_statement)
  case "$s" in idle\ *) [ "$s" = "$idle" ] && break; idle=$s ;; esac  # idle, and the same twice
  sleep 0.2
done
case "$idle" in idle\ *) ;; *) fail "(f) the follower's session never went idle: '$(last_statement)' $(cat "$tmp/f2.err")" ;; esac
sleep 2
[ "$(last_statement)" = "$idle" ] || fail "(f) the follower ran statements with nothing due and no change (want it asleep for its --poll 3600)"
"$SEQC" connect "$name" --record L-0000001 --workspace "$tmp/follow" >/dev/null || fail "(f) connect failed"
woke=0
for _ in $(seq 50); do
  [ "$(last_statement)" != "$idle" ] && { woke=1; break; }
  sleep 0.1
done
[ $woke = 1 ] || fail "(f) the follower did not wake within 5 s of a committed change (NOTIFY)"
kill -TERM "$follower"; wait "$follower"; rc=$?
[ $rc = 0 ] || fail "(f) tick --follow exited $rc after SIGTERM: $(cat "$tmp/f2.err")"

echo "ok: $records leads; 2 and 4 workers, kill -9 (killed: $killed), restart (cut off: $running), a clock-reading exit all equal SQLite; --follow wakes on NOTIFY"
