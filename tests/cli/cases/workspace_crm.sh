# The workspace beside a CRM (issue 13's round trip): --where over `extend entity`
# fields; engagement on an unlabelled email; a bundle whose sequence extends an entity
# imported into a fresh workspace; --where not starting finished records over; a
# clock-reading `exit when` fired by tick at the instant it turned true; `set` in the
# history, `records show` and `records export`; actions dated with --at.
source "$(dirname "$0")/../workspace_lib.sh"
# expect_re REGEX: some line of the output matches
expect_re() { grep -qE -- "$1" <<<"$out" || fail "no line matching /$1/; output:"$'\n'"$out"; }

cat >"$tmp/scored.seq" <<'SEQ'
extend entity lead {
  new_score: int "Score"
  new_tier: choice { 1 "Gold", 2 "Silver" } "Tier"
}
sequence "Scored" on lead {
  exit on reply
  auto email "Welcome" template "welcome"
  wait 1d
  set lead.leadqualitycode = "Hot"
  auto email "Follow up" template "follow-up"
  wait 2d
  call "Call" due 1d
}
SEQ
cat >"$tmp/leads.csv" <<'CSV'
id,firstname,lastname,statecode,new_score,new_tier,lastusedincampaign
L-1,Ava,"Stone, Jr.",Open,80,Gold,2026-01-01T09:00:00Z
L-2,Ben,Ray,Open,40,Silver,2026-01-04T09:00:00Z
L-3,Cy,Lee,Open,90,,
CSV

w init --clock 2026-01-05T09:00:00Z
expect_rc 0
w activate "$tmp/scored.seq"
expect_rc 0
w records load "$tmp/leads.csv" --entity lead
expect_rc 0; expect_line "loaded 3 records (3 new, 0 updated) from $tmp/leads.csv"

# ---- --where reads fields `extend entity` added
w connect Scored --where 'lead.new_score >= 50 and lead.new_tier != "Silver"'
expect_rc 0; expect_line 'connected 2 of 2 matching records to "Scored"'
w connect Scored --where 'lead.new_scor >= 50'
expect_rc 1; expect_out "new_scor"

# ---- an event without --step: the email sent last that can receive it
w tick --to 2026-01-06T10:00:00Z
expect_rc 0
w event L-1 opened
expect_rc 0; expect_line 'L-1 on "Scored": active, step wait (progress 2/3)'
w event L-1 replied
expect_rc 0; expect_line 'L-1 on "Scored": exited (reply) (progress 2/3)'
w history L-1
expect_rc 0; expect_re "^2026-01-06T09:00:00Z  Scored .* set +leadqualitycode = Hot$"
w history L-1 --json
expect_rc 0; expect_out '"result": "set",'; expect_out '"detail": "leadqualitycode = Hot"'

# ---- records show: fields (set's change included) and runs
w records show L-1
expect_rc 0
expect_line "L-1 (lead), updated 2026-01-06T09:00:00Z"
expect_re "^  new_score +80$"; expect_re "^  new_tier +Gold$"; expect_re "^  leadqualitycode +Hot$"
expect_re "^  lastname +Stone, Jr\.$"; expect_re "^  Scored +1  exited \(reply\)"
w records show L-3 --json
expect_rc 0; expect_out '"new_score": "90"'; expect_out '"status": "active"'; expect_out '"kind": "wait"'
w records show NOPE
expect_rc 1; expect_out "no record 'NOPE'"

# ---- records export writes what records load reads back unchanged
w records export --entity lead -o "$tmp/out.csv"
expect_rc 0
head -1 "$tmp/out.csv" | grep -q '^id,' || fail "export has no id column: $(cat "$tmp/out.csv")"
grep -q '^L-1,.*"Stone, Jr\."' "$tmp/out.csv" || fail "export lost a quoted value: $(cat "$tmp/out.csv")"
w records load "$tmp/out.csv" --entity lead
expect_rc 0; expect_line "loaded 3 records (0 new, 3 updated) from $tmp/out.csv"
w records export --entity lead
expect_rc 0
[ "$out" == "$(cat "$tmp/out.csv")" ] || fail "export after reload differs:"$'\n'"$out"$'\n'"$(cat "$tmp/out.csv")"
w records export
expect_rc 2; expect_out "--entity is required"

# ---- --where does not start over a record that finished the sequence
w connect Scored --where 'lead.new_score >= 50'
expect_rc 0; expect_line 'connected 0 of 2 matching records to "Scored"; 1 already on it; 1 ran it before'
w connect Scored --record L-1
expect_rc 0; expect_line 'connected 1 record to "Scored"'

# ---- --at: engagement synced late, at its real time
w tick --to 2026-01-10T09:00:00Z
expect_rc 0
w complete L-3 --at 2026-01-08T08:00:00Z
expect_rc 1; expect_out "before the last transition of 'L-3'"
w complete L-3 --at 2026-01-11T10:00:00Z
expect_rc 1; expect_out "after the workspace clock"
w complete L-3 --at 2026-01-09T12:00:00Z
expect_rc 0; expect_line 'L-3 on "Scored": completed (progress 3/3)'
w history L-3
expect_rc 0; expect_re "^2026-01-09T12:00:00Z  Scored .* call .* completed"
w update L-2 new_score=99 --at 2026-01-09T08:00:00Z
expect_rc 0; expect_line "updated L-2"
w records show L-2
expect_rc 0; expect_line "L-2 (lead), updated 2026-01-09T08:00:00Z"

# ---- a clock-reading `exit when` fires within the tick that crosses it, dated when it turned true
cat >"$tmp/stale.seq" <<'SEQ'
sequence "Stale" on lead {
  exit when days_since(lead.lastusedincampaign) > 30
  task "Check in"
}
SEQ
cat >"$tmp/later.seq" <<'SEQ'
sequence "Later" on lead {
  task "Check in"
}
SEQ
w activate "$tmp/stale.seq"
expect_rc 0
w activate "$tmp/later.seq"
expect_rc 0
w connect Stale --record L-1,L-2 --allow-multiple
expect_rc 0
w tick --to 2026-01-20T09:00:00Z
expect_rc 0
w records Stale
expect_rc 0; expect_out "L-1"; expect_out "L-2"
# A version activated after a tick that looked at the versions (they are inspected once,
# docs/workspace.md): its clock-reading exit is watched too.
cat >"$tmp/later.seq" <<'SEQ'
sequence "Later" on lead {
  exit when days_since(lead.lastusedincampaign) > 40
  task "Check in"
}
SEQ
w activate "$tmp/later.seq"
expect_rc 0; expect_out "version 2"
w connect Later --record L-1 --allow-multiple
expect_rc 0
w tick --to 2026-03-01T09:00:00Z
expect_rc 0; expect_line "clock 2026-01-20T09:00:00Z → 2026-03-01T09:00:00Z: 3 records moved, 0 steps"
w history L-1
expect_rc 0; expect_re "^2026-02-11T09:00:00Z  Later .* exited +exit when$"
w history L-1
expect_rc 0; expect_re "^2026-02-01T09:00:00Z  Stale .* exited +exit when$"
w history L-2
expect_rc 0; expect_re "^2026-02-04T09:00:00Z  Stale .* exited +exit when$"
exit 0
