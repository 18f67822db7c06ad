#!/usr/bin/env bash
# Crash safety of the workspace: `kill -9` during `records load`, `connect` and `tick`
# leaves the database intact and the workspace entirely before or entirely after the
# command, and running the command again gives the state of a workspace never killed.
#
#   bash tests/workspace/crash.sh SEQC        (from the project root; ctest workspace/crash)
#
# One workspace goes through load → connect → tick. Before each command a reference
# workspace (never killed) runs it to completion: that gives the state after it, how
# long it takes and how big its write-ahead log grows. The command is then started on
# the test workspace and killed once its log has grown to 30% and 80% of that size (the
# commit being written), then at 5%, 40%, 75%, 95% and 105% of that time, until a run
# finishes or a kill lands after the commit. After each kill seqc opens the workspace
# first (recovering the log); the database must pass integrity_check and
# foreign_key_check, and a digest of every table must equal the digest before the
# command or the reference's after it. Then the command runs to completion and the
# digests, and `seqc records --json` / `seqc stats --json`, must equal the reference's.
#
# SEQC_CRASH_RECORDS sets the number of leads (default 10000: about 45 s in a Debug
# build, 2 minutes with AddressSanitizer; 100000 works too, in 2 minutes in Release).
# Wall-clock time only chooses when to kill: the workspace clock is set by
# `init --clock` and `tick --to`.
test=crash
# shellcheck source=tests/workspace/lib.sh
source "$(dirname "$0")/lib.sh"
records=${SEQC_CRASH_RECORDS:-10000}
name="Nurture drill"
ref="$tmp/ref"   # never killed
ws="$tmp/ws"     # killed again and again

tool gen "$records" "$tmp/leads.csv" || fail "cannot generate $tmp/leads.csv"
"$SEQC" init --workspace "$ref" --clock 2026-01-05T09:00:00Z >/dev/null || fail "seqc init failed"
"$SEQC" activate "$drill" --workspace "$ref" >/dev/null || fail "seqc activate $drill failed"
cp -a "$ref" "$ws" || fail "cannot copy the workspace"

total_kills=0
# phase LABEL ARGS…: `seqc ARGS… --workspace W`, crashed on $ws as described at the top.
phase() {
  local label=$1; shift
  local before after got line what rc secs wal at log="" kills=0 n_before=0 n_after=0 k f
  before=$(state "$ws" "$label: before")
  [ "$before" = "$(state "$ref" "$label: reference before")" ] ||
    fail "$label: the test workspace differs from the reference before the command"

  line=$(tool run none 0 "$ref/seqc.db-wal" "$tmp/ref.out" "$tmp/ref.err" -- "$SEQC" "$@" --workspace "$ref")
  read -r what rc secs wal <<<"$line"
  [ "$what $rc" = "finished 0" ] || fail "$label: \`seqc $*\` failed on the reference: $(cat "$tmp/ref.err")"
  after=$(state "$ref" "$label: reference after")
  [ "$before" != "$after" ] || fail "$label: \`seqc $*\` changed nothing: the test would prove nothing"

  local kills_at=()
  for f in 0.3 0.8; do kills_at+=("wal $(awk "BEGIN { printf \"%d\", $wal * $f }")"); done
  for f in 0.05 0.4 0.75 0.95 1.05; do kills_at+=("delay $(awk "BEGIN { printf \"%.3f\", $secs * $f }")"); done
  for k in "${kills_at[@]}"; do
    # shellcheck disable=SC2086  # $k is "MODE LIMIT"
    line=$(tool run $k "$ws/seqc.db-wal" "$tmp/run.out" "$tmp/run.err" -- "$SEQC" "$@" --workspace "$ws")
    read -r what rc at _ <<<"$line"
    if [ "$what" = finished ]; then
      [ "$rc" = 0 ] || fail "$label: \`seqc $*\` exited $rc (not killed): $(cat "$tmp/run.err")"
    else
      kills=$((kills + 1))
      "$SEQC" list --json --workspace "$ws" >/dev/null 2>"$tmp/list.err" ||
        fail "$label: after kill -9 ($k, at ${at}s) seqc cannot open the workspace: $(cat "$tmp/list.err")"
    fi
    got=$(state "$ws" "$label: after kill -9 ($k, at ${at}s)")
    if [ "$what" = killed ] && [ "$got" = "$before" ]; then
      n_before=$((n_before + 1))
      log+=" ${k% *}@${at}s:before"
    elif [ "$got" = "$after" ]; then
      if [ "$what" = killed ]; then n_after=$((n_after + 1)); log+=" ${k% *}@${at}s:after"
      else log+=" finished@${at}s"; fi
      break  # applied: running it again changes nothing
    else
      fail "$label: \`seqc $*\` $what ($k, at ${at}s) left the workspace neither as before nor as after it:
  before: $before
  after:  $after
  got:    $got"
    fi
  done

  # To completion: the state of the workspace never killed.
  "$SEQC" "$@" --workspace "$ws" >"$tmp/run.out" 2>"$tmp/run.err" ||
    fail "$label: \`seqc $*\` after the kills failed: $(cat "$tmp/run.err")"
  got=$(state "$ws" "$label: final")
  [ "$got" = "$after" ] || fail "$label: after the kills and a complete run the workspace differs from the reference:
  reference: $after
  got:       $got"
  [ "$kills" -ge 1 ] || fail "$label: no run was killed (each finished within ${at}s): the test proved nothing"
  total_kills=$((total_kills + kills))
  echo "crash: $label (${secs}s, log ${wal} bytes): $kills kills, $n_before left it before, $n_after after;$log"
}

phase "records load" records load "$tmp/leads.csv" --entity lead
phase "connect" connect "$name" --where 'lead.statecode == "Open"'
same_view "$ref" "$ws" records "$name"
# 8 days: every record moves through 7 steps (a field set on the way) and waits on the
# last timer.
phase "tick" tick --to 2026-01-13T09:00:00Z
same_view "$ref" "$ws" records "$name"
same_view "$ref" "$ws" stats "$name"

"$SEQC" stats "$name" --json --workspace "$ws" >"$tmp/stats.json" || fail "seqc stats failed"
active=$(tool json "$tmp/stats.json" 'j["by_status"]["active"]')
expected=$((records - records / 10))
[ "$active" = "$expected" ] || fail "expected $expected active records after the tick, stats say $active"
"$SEQC" records "$name" --json --workspace "$ws" >"$tmp/records.json" || fail "seqc records failed"
waiting=$(tool json "$tmp/records.json" 'sum(r["due"] == "2026-02-09T09:00:00Z" for r in j)')
[ "$waiting" = "$expected" ] || fail "expected $expected records waiting on the last timer, got $waiting"
echo "crash: ok ($records records, $total_kills kills)"
