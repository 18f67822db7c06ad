#!/usr/bin/env bash
# Two processes on one workspace: write transactions exclude each other (BEGIN
# IMMEDIATE, waiting on the lock), so concurrent commands give the state of one of
# their serial orders, and nothing is applied twice.
#
#   bash tests/workspace/concurrency.sh SEQC   (from the project root; ctest workspace/concurrency)
#
# (a) tick + tick: two `seqc tick --to T` at once (then staggered) give exactly the state
#     of one tick (every table's digest, history included): one of them moves the
#     records, the other finds nothing due, and their steps add up to the reference's.
#     Then two processes tick to interleaved, increasing times: every tick succeeds, the
#     ticks that moved the clock chain up (each from the previous one's time), and the
#     workspace equals a serial replay of those ticks, and (connections, history, steps)
#     one tick to the last time.
# (b) tick + connect at once (and staggered both ways): both succeed, and the workspace
#     equals one of the two serial orders (both computed as references).
# (c) `seqc complete` of one record from two (then four) processes at once: exactly one
#     succeeds, the others exit 1 with "error: complete: … no current activity step to
#     complete", and the record's history has one completion.
#
# SEQC_CONCURRENCY_RECORDS sets the number of leads (default 10000: about 35 s in a Debug
# build). Wall-clock time only staggers the processes; every outcome accepted does not
# depend on it.
test=concurrency
# shellcheck source=tests/workspace/lib.sh
source "$(dirname "$0")/lib.sh"
records=${SEQC_CONCURRENCY_RECORDS:-10000}
name="Nurture drill"
at0=2026-01-05T09:00:00Z
T=2026-01-13T09:00:00Z   # 8 days: every connected record moves through 7 steps

# ticks FILE…: "FROM TO STEPS" for each line `clock FROM → TO: N records moved, S steps`.
ticks() { sed -n 's/^clock \([^ ]*\) → \([^ ]*\): [0-9]* records moved, \([0-9]*\) steps$/\1 \2 \3/p' "$@"; }
# field DIGEST TABLE: the "TABLE=COUNT:HASH" part of a digest
field() { tr ' ' '\n' <<<"$1" | grep "^$2="; }
# fresh NAME: a copy of the base workspace at $tmp/NAME
fresh() { rm -rf "${tmp:?}/$1"; cp -a "$base" "$tmp/$1" || fail "cannot copy the workspace"; }
# seconds ARGS…: runs `seqc ARGS…` and prints how long it took (fails the test if it fails)
seconds() {
  local line what rc secs
  line=$(tool run none 0 /dev/null "$tmp/sec.out" "$tmp/sec.err" -- "$SEQC" "$@")
  read -r what rc secs _ <<<"$line"
  [ "$what $rc" = "finished 0" ] || fail "\`seqc $*\` failed: $(cat "$tmp/sec.out" "$tmp/sec.err")"
  echo "$secs"
}

tool gen "$records" "$tmp/leads.csv" || fail "cannot generate $tmp/leads.csv"
base="$tmp/base"
"$SEQC" init --workspace "$base" --clock "$at0" >/dev/null || fail "seqc init failed"
"$SEQC" activate "$drill" --workspace "$base" >/dev/null || fail "seqc activate failed"
"$SEQC" records load "$tmp/leads.csv" --entity lead --workspace "$base" >/dev/null || fail "seqc records load failed"
# The New leads now; the Contacted ones are for (b).
"$SEQC" connect "$name" --where 'lead.statecode == "Open" and lead.statuscode == "New"' --workspace "$base" \
  >/dev/null || fail "seqc connect failed"

# ---- (a) tick + tick -------------------------------------------------------------------------
fresh one
tick_secs=$(seconds tick --to "$T" --workspace "$tmp/one")
read -r _ _ ref_steps <<<"$(ticks "$tmp/sec.out")"
[ "${ref_steps:-0}" -gt 0 ] || fail "the reference tick moved nothing: $(cat "$tmp/sec.out")"
one=$(state "$tmp/one" "reference tick")

for stagger in 0 "$(awk "BEGIN { print $tick_secs * 0.3 }")"; do
  fresh tt
  "$SEQC" tick --to "$T" --workspace "$tmp/tt" >"$tmp/tt1.out" 2>"$tmp/tt1.err" & p1=$!
  sleep "$stagger"
  "$SEQC" tick --to "$T" --workspace "$tmp/tt" >"$tmp/tt2.out" 2>"$tmp/tt2.err" & p2=$!
  wait $p1; rc1=$?; wait $p2; rc2=$?
  [ $rc1 = 0 ] && [ $rc2 = 0 ] ||
    fail "(a) two ticks at once (second ${stagger}s later): exit $rc1 and $rc2: $(cat "$tmp"/tt?.err)"
  steps=$(ticks "$tmp/tt1.out" "$tmp/tt2.out" | awk '{ s += $3 } END { print s + 0 }')
  moved=$(ticks "$tmp/tt1.out" "$tmp/tt2.out" | awk '$1 != $2' | wc -l)
  [ "$moved" = 1 ] || fail "(a) two ticks at once: $moved of them moved the clock (expected 1):
$(cat "$tmp"/tt?.out)"
  [ "$steps" = "$ref_steps" ] ||
    fail "(a) two ticks at once executed $steps steps in all; one tick executes $ref_steps:
$(cat "$tmp"/tt?.out)"
  got=$(state "$tmp/tt" "(a) two ticks at once")
  [ "$got" = "$one" ] || fail "(a) two ticks at once (second ${stagger}s later) differ from one tick:
  one tick: $one
  two:      $got"
done
echo "concurrency: (a) two ticks at once = one tick ($ref_steps steps, $(field "$one" history | sed "s/history=//; s/:.*//") history rows)"

# Interleaved ticks to increasing times from two processes.
fresh il
times_a=(2026-01-05T21:00:00Z 2026-01-06T21:00:00Z 2026-01-07T21:00:00Z 2026-01-09T09:00:00Z 2026-01-12T09:00:00Z)
times_b=(2026-01-06T09:00:00Z 2026-01-07T09:00:00Z 2026-01-08T09:00:00Z 2026-01-10T09:00:00Z "$T")
for side in a b; do
  (
    declare -n times="times_$side"
    for t in "${times[@]}"; do
      "$SEQC" tick --to "$t" --workspace "$tmp/il" >>"$tmp/il.$side.out" 2>>"$tmp/il.$side.err" ||
        echo "tick --to $t (process $side) exited $?" >>"$tmp/il.failed"
    done
  ) &
done
wait
[ ! -s "$tmp/il.failed" ] || fail "(a) interleaved ticks: $(cat "$tmp/il.failed"): $(cat "$tmp"/il.?.err)"
n=$(ticks "$tmp"/il.?.out | wc -l)
[ "$n" = 10 ] || fail "(a) interleaved ticks: $n tick reports instead of 10: $(cat "$tmp"/il.?.out)"
ticks "$tmp"/il.?.out | awk '$1 != $2' | sort -k2 >"$tmp/il.moves"
steps=$(awk '{ s += $3 } END { print s + 0 }' "$tmp/il.moves")
[ "$steps" = "$ref_steps" ] ||
  fail "(a) interleaved ticks executed $steps steps in all; one tick to $T executes $ref_steps:
$(cat "$tmp"/il.?.out)"
# The ticks that moved the clock, in commit order, each from where the previous one left it.
prev=$at0
while read -r from to _; do
  [ "$from" = "$prev" ] || fail "(a) interleaved ticks: a tick moved the clock from $from, but it was at $prev:
$(cat "$tmp"/il.?.out)"
  prev=$to
done <"$tmp/il.moves"
[ "$prev" = "$T" ] || fail "(a) interleaved ticks: the clock ended at $prev, not $T"
fresh replay
while read -r _ to _; do
  "$SEQC" tick --to "$to" --workspace "$tmp/replay" >/dev/null || fail "replaying tick --to $to failed"
done <"$tmp/il.moves"
got=$(state "$tmp/il" "(a) interleaved ticks")
replayed=$(state "$tmp/replay" "(a) replayed ticks")
[ "$got" = "$replayed" ] || fail "(a) interleaved ticks differ from the same ticks run one after the other:
  serial: $replayed
  got:    $got"
one_logical=$(state "$tmp/one" "(a) reference tick" logical)
got_logical=$(state "$tmp/il" "(a) interleaved ticks" logical)
for t in connections history; do
  [ "$(field "$got_logical" $t)" = "$(field "$one_logical" $t)" ] ||
    fail "(a) interleaved ticks: $t differ from one tick to $T: $(field "$got_logical" $t) vs $(field "$one_logical" $t)"
done
same_view "$tmp/one" "$tmp/il" records "$name"
echo "concurrency: (a) 2×5 interleaved ticks ($(wc -l <"$tmp/il.moves") moved the clock) = the same ticks in series"

# ---- (b) tick + connect ----------------------------------------------------------------------
where='lead.statecode == "Open"'   # the Contacted leads: the New ones are connected
fresh tc
seconds tick --to "$T" --workspace "$tmp/tc" >/dev/null
seconds connect "$name" --where "$where" --workspace "$tmp/tc" >/dev/null
tick_then_connect=$(state "$tmp/tc" "(b) tick then connect")
fresh ct
connect_secs=$(seconds connect "$name" --where "$where" --workspace "$tmp/ct")
seconds tick --to "$T" --workspace "$tmp/ct" >/dev/null
connect_then_tick=$(state "$tmp/ct" "(b) connect then tick")
[ "$tick_then_connect" != "$connect_then_tick" ] || fail "(b) both serial orders give the same state: the test would prove nothing"

orders=""
for trial in together tick-first connect-first; do
  fresh race
  first=(tick --to "$T"); second=(connect "$name" --where "$where"); stagger=0
  case $trial in
    tick-first) stagger=$(awk "BEGIN { print $tick_secs * 0.3 }") ;;
    connect-first) first=(connect "$name" --where "$where"); second=(tick --to "$T")
                   stagger=$(awk "BEGIN { print $connect_secs * 0.5 }") ;;
  esac
  "$SEQC" "${first[@]}" --workspace "$tmp/race" >"$tmp/r1.out" 2>"$tmp/r1.err" & p1=$!
  sleep "$stagger"
  "$SEQC" "${second[@]}" --workspace "$tmp/race" >"$tmp/r2.out" 2>"$tmp/r2.err" & p2=$!
  wait $p1; rc1=$?; wait $p2; rc2=$?
  [ $rc1 = 0 ] || fail "(b) $trial: \`seqc ${first[*]}\` exited $rc1: $(cat "$tmp/r1.err")"
  [ $rc2 = 0 ] || fail "(b) $trial: \`seqc ${second[*]}\` exited $rc2: $(cat "$tmp/r2.err")"
  got=$(state "$tmp/race" "(b) $trial")
  if [ "$got" = "$tick_then_connect" ]; then orders+=" $trial:tick,connect"
  elif [ "$got" = "$connect_then_tick" ]; then orders+=" $trial:connect,tick"
  else
    fail "(b) tick and connect at once ($trial) give neither serial order:
  tick, connect: $tick_then_connect
  connect, tick: $connect_then_tick
  got:           $got"
  fi
done
echo "concurrency: (b) tick + connect = a serial order;$orders"

# ---- (c) complete the same record from several processes ------------------------------------
small="$tmp/small"
tool gen 30 "$tmp/small.csv"
"$SEQC" init --workspace "$small" --clock "$at0" >/dev/null || fail "seqc init failed"
"$SEQC" activate "$drill" --workspace "$small" >/dev/null || fail "seqc activate failed"
"$SEQC" records load "$tmp/small.csv" --entity lead --workspace "$small" >/dev/null || fail "seqc records load failed"
"$SEQC" connect Drill --where 'lead.statecode == "Open"' --workspace "$small" >/dev/null || fail "seqc connect failed"
"$SEQC" tick --to 2026-01-06T09:00:00Z --workspace "$small" >/dev/null || fail "seqc tick failed"
raced=0
for i in 0 1 2 3 4 5 6 8 9 10 11 12; do
  rec=$(printf 'L-%07d' "$i")
  procs=2; [ "$i" -ge 10 ] && procs=4
  pids=()
  for p in $(seq "$procs"); do
    "$SEQC" complete "$rec" --workspace "$small" >"$tmp/c$p.out" 2>"$tmp/c$p.err" & pids+=($!)
  done
  ok=0
  for p in $(seq "$procs"); do
    wait "${pids[$((p - 1))]}"; rc=$?
    case $rc in
      0) ok=$((ok + 1)) ;;
      1) grep -qF "error: complete: record '$rec' has no current activity step to complete" "$tmp/c$p.err" ||
           fail "(c) a losing \`seqc complete $rec\` says: $(cat "$tmp/c$p.out" "$tmp/c$p.err")" ;;
      *) fail "(c) \`seqc complete $rec\` exited $rc: $(cat "$tmp/c$p.out" "$tmp/c$p.err")" ;;
    esac
  done
  [ "$ok" = 1 ] || fail "(c) $procs processes completed $rec at once: $ok succeeded (expected exactly 1)"
  "$SEQC" history "$rec" --json --workspace "$small" >"$tmp/history.json" || fail "seqc history $rec failed"
  n=$(tool json "$tmp/history.json" 'sum(h["step"] == "call1" and h["result"] == "completed" for h in j)')
  [ "$n" = 1 ] || fail "(c) $rec's history has $n completions of call1 (expected 1)"
  raced=$((raced + 1))
done
"$SEQC" stats Drill --json --workspace "$small" >"$tmp/stats.json" || fail "seqc stats Drill failed"
done=$(tool json "$tmp/stats.json" '[s["done"] for s in j["steps"] if s["label"] == "call1"][0]')
[ "$done" = "$raced" ] || fail "(c) stats: call1 done $done times, expected $raced"
echo "concurrency: (c) $raced records completed from 2 or 4 processes at once: one success each"
echo "concurrency: ok ($records records)"
