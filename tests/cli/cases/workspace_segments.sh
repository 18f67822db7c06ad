# Segments in the workspace (docs/workspace.md "Segments"): entry on `records load`
# connects; a record matching two segments goes to the higher priority's sequence, the
# other passes it over; leaving with `on leave disconnect` ends the run, with `stay` not;
# once per entry (a finished run is not started again while the record stays a member);
# leaving and matching again is a new entry; a clock-reading segment on `tick`;
# `seqc segments [NAME] [--json]`; an activation whose segment would clash is refused.
source "$(dirname "$0")/../workspace_lib.sh"
expect_re() { grep -qE -- "$1" <<<"$out" || fail "no line matching /$1/; output:"$'\n'"$out"; }
count() { grep -cE -- "$1" <<<"$out"; }

cat >"$tmp/seqs.seq" <<'SEQ'
extend entity lead {
  new_lastcontact: date "Last contact"
}

segment "Big" on lead {
  where lead.budgetamount >= 50000
  feeds "Nurture"
  priority 1
  on leave disconnect
}

segment "Lyon" on lead {
  where lead.address1_city == "Lyon"
  feeds "Local"
  priority 2
  on leave stay
}

segment "Stale" on lead {
  where days_since(lead.new_lastcontact) >= 10
  feeds "Revive"
  priority 3
}

sequence "Nurture" on lead {
  intro: task "Intro call"
}

sequence "Local" on lead {
  hello: auto email "Hello" template "hello"
  visit: task "Visit"
}

sequence "Revive" on lead {
  ping: task "Ping"
}
SEQ
cat >"$tmp/leads.csv" <<'CSV'
id,lastname,budgetamount,address1_city,new_lastcontact
L-1,One,60000,Lyon,2026-01-04
L-2,Two,1000,Lyon,2026-01-04
L-3,Three,1000,Paris,2026-01-04
L-4,Four,1000,Nice,2025-12-30
CSV

w init --clock 2026-01-05T09:00:00Z
expect_rc 0
w segments
expect_rc 0; expect_line "no active segments"
w activate "$tmp/seqs.seq"
expect_rc 0

# ---- entry on load; priorities: L-1 matches Big (1) and Lyon (2) and goes to Nurture
w records load "$tmp/leads.csv" --entity lead
expect_rc 0
w records Nurture
expect_rc 0; expect_re "^L-1 "; expect_not_out "L-2"
w records Local
expect_rc 0; expect_re "^L-2 "; expect_not_out "L-1"
w segments Lyon
expect_rc 0
expect_re "^L-1 +2026-01-05T09:00:00Z +passed over: segment 'Big' has a higher priority$"
expect_re "^L-2 +2026-01-05T09:00:00Z +connected$"
w segments
expect_rc 0
expect_re "^Big +lead +Nurture +1 +disconnect +1 +1 +1$"
expect_re "^Lyon +lead +Local +2 +stay +2 +2 +1$"
expect_re "^Stale +lead +Revive +3 +stay +0 +0 +0$"
w segments Lyon --json
expect_rc 0
python3 - "$out" <<'PY' || fail "members: $out"
import json, sys
got = json.loads(sys.argv[1])
assert [m["record"] for m in got] == ["L-1", "L-2"], got
assert [m["connected"] for m in got] == [False, True], got
PY
w history L-1
expect_rc 0; expect_re "^2026-01-05T09:00:00Z +Nurture .* segment entered +Big$"
w segments Nope
expect_rc 1; expect_out "no active segment named 'Nope'"

# ---- once per entry: L-2 finishes Local and stays a member: not started again
w complete L-2
expect_rc 0
w update L-2 lastname=Deux
expect_rc 0
w history L-2
expect_rc 0; [ "$(count ' connected ')" -eq 1 ] || fail "L-2 connected more than once: $out"

# ---- leave with stay: L-2 leaves Lyon (its run is over anyway); re-entry: a new run
w update L-2 address1_city=Paris
expect_rc 0
w segments Lyon
expect_rc 0; expect_not_out "L-2"
w update L-2 address1_city=Lyon
expect_rc 0
w history L-2
expect_rc 0; [ "$(count ' connected ')" -eq 2 ] || fail "L-2 not connected again: $out"
w records Local
expect_rc 0; expect_re "^L-2 +[0-9]+ +active"

# ---- leave with stay while running: the run goes on
w update L-2 address1_city=Nice
expect_rc 0
w records Local
expect_rc 0; expect_re "^L-2 +[0-9]+ +active"

# ---- leave with disconnect: L-1's budget drops, its Nurture run is disconnected; it stays
# a member of Lyon (passed over at its entry), so nothing else starts
w update L-1 budgetamount=100
expect_rc 0
w history L-1
expect_rc 0; expect_re "disconnected +left segment 'Big'$"
w records Nurture
expect_rc 0; expect_out 'no records connected to "Nurture"'
w records Local
expect_rc 0; expect_not_out "L-1 "

# ---- a clock-reading segment on tick: L-4 last contacted 2025-12-30, 10 days on 2026-01-09
w records Revive
expect_rc 0; expect_not_out "L-4"
w tick --to 2026-01-08T09:00:00Z
expect_rc 0
w records Revive
expect_rc 0; expect_not_out "L-4"
w tick --to 2026-01-09T09:00:00Z
expect_rc 0
w records Revive
expect_rc 0; expect_re "^L-4 +[0-9]+ +active"
w segments Stale
expect_rc 0; expect_re "^L-4 +2026-01-09T09:00:00Z +connected$"

# ---- an activation whose segment takes an active segment's priority is refused
cat >"$tmp/clash.seq" <<'SEQ'
segment "Also big" on lead {
  where lead.budgetamount >= 90000
  feeds "Other"
  priority 1
}

sequence "Other" on lead {
  t: task "T"
}
SEQ
w activate "$tmp/clash.seq"
expect_rc 1; expect_out "another segment on lead has priority 1"
w list
expect_rc 0; expect_not_out "Other"
