# Assignment and the work list (CALENDARS.md §6): users, teams and memberships loaded
# as records; `assign to owner` (a user, a team), `field`, `team owner where` over the
# candidate member and the record, `team access`; load balancing with ties by id;
# unassigned activities listed; `seqc worklist` states, order and JSON; `seqc assign`;
# a disabled user's activities going back through assignment.
source "$(dirname "$0")/../workspace_lib.sh"
expect_re() { grep -qE -- "$1" <<<"$out" || fail "no line matching /$1/; output:"$'\n'"$out"; }

cat >"$tmp/seqs.seq" <<'SEQ'
extend entity lead {
  new_sdr: lookup systemuser "SDR"
}
extend entity systemuser {
  new_level: int "Level"
}
// A sequence on users makes the workspace know the field `extend entity systemuser` adds.
sequence "Onboarding" on systemuser {
  task "Welcome"
}
sequence "Owner" on lead {
  call "Intro call" due 1d
}
sequence "Field" on lead {
  assign to field lead.new_sdr
  task "Research" due 2h
}
sequence "Team" on lead {
  assign to team owner where systemuser.address1_city == lead.address1_city
  call "Local call" due 3d
}
sequence "Senior" on lead {
  assign to team owner where systemuser.new_level >= 2 and lead.lastname != "Six"
  task "Senior review"
}
sequence "Access" on lead {
  assign to team access
  task "Review"
}
SEQ
cat >"$tmp/users.csv" <<'CSV'
id,fullname,address1_city,isdisabled,new_level
U-1,Ana,Lyon,false,1
U-2,Bo,Lyon,false,2
U-3,Cy,Paris,false,3
U-4,Di,Lyon,true,3
CSV
cat >"$tmp/teams.csv" <<'CSV'
id,name,teamtype,regardingobjectid
T-SALES,Sales,Owner,
T-ACC,Deal room,Access,L-7
CSV
cat >"$tmp/members.csv" <<'CSV'
id,teamid,systemuserid
M-1,T-SALES,U-1
M-2,T-SALES,U-2
M-3,T-SALES,U-3
M-4,T-SALES,U-4
M-5,T-ACC,U-3
CSV
cat >"$tmp/leads.csv" <<'CSV'
id,lastname,ownerid,owningteam,address1_city,new_sdr
L-1,One,U-3,,Lyon,
L-2,Two,T-SALES,,Lyon,U-2
L-3,Three,T-SALES,T-SALES,Lyon,U-4
L-4,Four,T-SALES,T-SALES,Lyon,
L-5,Five,,T-SALES,Paris,
L-6,Six,,T-SALES,Nice,
L-7,Seven,,,,
CSV

w init --clock 2026-01-05T09:00:00Z
expect_rc 0
w activate "$tmp/seqs.seq"
expect_rc 0
w records load "$tmp/users.csv" --entity systemuser
expect_rc 0
w records load "$tmp/teams.csv" --entity team
expect_rc 0
w records load "$tmp/members.csv" --entity teammembership
expect_rc 0; expect_line "loaded 5 records (5 new, 0 updated) from $tmp/members.csv"
w records load "$tmp/leads.csv" --entity lead
expect_rc 0

# ---- owner: a user; a team (the least loaded active member, ties by lowest id)
w connect Owner --record L-1,L-2
expect_rc 0
w worklist --format json
expect_rc 0
expect_out '"at": "2026-01-05T09:00:00Z"'
expect_out '"record": "L-1",'; expect_out '"assignee": "U-3",'
expect_out '"record": "L-2",'; expect_out '"assignee": "U-1",'

# ---- field: the lookup's user; empty or disabled: as owner
w connect Field --record L-2,L-3,L-4 --allow-multiple
expect_rc 0
w worklist --owner U-2
expect_rc 0; expect_re "^today +2026-01-05T11:00:00Z +L-2 +Field +task \"Research\" +U-2$"
# L-3's SDR is disabled and L-4 has none: their owner team, balanced (U-1 has 1, U-2 1, U-3 1 → U-1; then U-2)
w worklist --format json
expect_rc 0
python3 - "$out" <<'PY' || fail "assignees: $out"
import json, sys
items = json.loads(sys.argv[1])["items"]
got = {(i["record"], i["sequence"]): i["assignee"] for i in items}
want = {("L-1", "Owner"): "U-3", ("L-2", "Owner"): "U-1", ("L-2", "Field"): "U-2",
        ("L-3", "Field"): "U-1", ("L-4", "Field"): "U-2"}
assert got == want, got
PY

# ---- team owner where: members in the record's city; none there: unassigned, still listed
w connect Team --record L-5,L-6 --allow-multiple
expect_rc 0
w worklist --owner U-3
expect_rc 0; expect_re "^upcoming +2026-01-08T09:00:00Z +L-5 +Team +call \"Local call\" +U-3$"
w worklist --owner -
expect_rc 0; expect_re "^upcoming +2026-01-08T09:00:00Z +L-6 +Team +call \"Local call\" +\(unassigned\)$"

# ---- history: each assignment with its assignee and the rule that found them
w history L-5
expect_rc 0; expect_re "^2026-01-05T09:00:00Z  Team .* assigned +U-3 \(least loaded member of owning team T-SALES where systemuser.address1_city == lead.address1_city\)$"
w history L-6 --json
expect_rc 0; expect_out '"result": "assigned",'
expect_out '"detail": "unassigned (no member of owning team T-SALES where systemuser.address1_city == lead.address1_city)"'
w history L-1
expect_rc 0; expect_re "^2026-01-05T09:00:00Z  Owner .* assigned +U-3 \(owner\)$"
w history L-3
expect_rc 0; expect_re "^2026-01-05T09:00:00Z  Field .* assigned +U-1 \(field new_sdr names no active user; least loaded member of owning team T-SALES\)$"

# ---- a where over the member (a field `extend entity systemuser` adds) and the record:
# level 2 or more (U-2, U-3; U-4 is disabled), and not for L-6
w connect Senior --record L-5,L-6 --allow-multiple
expect_rc 0
w worklist --format json
expect_rc 0
python3 - "$out" <<'PY' || fail "Senior assignees: $out"
import json, sys
items = json.loads(sys.argv[1])["items"]
got = {(i["record"], i["sequence"]): i["assignee"] for i in items}
assert got[("L-5", "Senior")] in ("U-2", "U-3"), got
assert got[("L-6", "Senior")] is None, got
PY

# ---- team access: the Access team whose regardingobjectid is the record
w connect Access --record L-7
expect_rc 0
w worklist --owner U-3 --format json
expect_rc 0; expect_out '"record": "L-7",'; expect_out '"state": "open"'
w records show L-7
expect_rc 0; expect_re '^  Access +1  active +0/1  task "Review" +U-3 +0 +- '
w records show L-7 --json
expect_rc 0; expect_out '"assignee": "U-3",'

# ---- states and order at a later time: overdue by due, today by due, upcoming, open
w worklist --at 2026-01-06T10:00:00Z
expect_rc 0
first=$(sed -n 2p <<<"$out")
[[ "$first" =~ ^overdue\ +2026-01-05T11:00:00Z\ +L-2\ +Field ]] || fail "first item: $first"$'\n'"$out"
states=$(tail -n +2 <<<"$out" | awk '{print $1}' | uniq | tr '\n' ' ')
[ "$states" == "overdue upcoming open " ] || fail "states out of order: $states"$'\n'"$out"
w worklist --at 2026-01-07T23:59:59Z --owner U-3
expect_rc 0; expect_re "^overdue +2026-01-06T09:00:00Z +L-1 +Owner"; expect_re "^today +2026-01-08T09:00:00Z|^upcoming +2026-01-08T09:00:00Z"
w worklist --at 2026-01-08T00:00:00Z --owner U-3
expect_rc 0; expect_re "^today +2026-01-08T09:00:00Z +L-5 +Team"
w worklist --format xml
expect_rc 2; expect_out "--format"

# ---- assign: by hand; errors
w assign L-6 --to U-2 --sequence Team
expect_rc 0; expect_line 'L-6 on "Team": call "Local call" assigned to U-2'
w history L-6
expect_rc 0; expect_re "^2026-01-05T09:00:00Z  Team .* reassigned +U-2 \(seqc assign; was unassigned\)$"
w assign L-6 --to U-4 --sequence Team
expect_rc 1; expect_out "user 'U-4' is disabled"
w assign L-6 --to NOBODY --sequence Team
expect_rc 1; expect_out "no user 'NOBODY'"
w assign L-2 --to U-3
expect_rc 1; expect_out "--sequence"
w assign L-2 --to U-3 --sequence Owner
expect_rc 0

# ---- completing ends the assignment; the next activity is assigned afresh
w complete L-1 --sequence Owner
expect_rc 0
w worklist --owner U-3 --format json
expect_rc 0; expect_not_out '"record": "L-1",'

# ---- a disabled user's open activities go back through assignment
w update U-2 isdisabled=true
expect_rc 0
w worklist --owner U-2
expect_rc 0; expect_line "nothing to do at 2026-01-05T09:00:00Z"
w worklist --format json
expect_rc 0
python3 - "$out" <<'PY' || fail "after disabling U-2: $out"
import json, sys
items = json.loads(sys.argv[1])["items"]
got = {(i["record"], i["sequence"]): i["assignee"] for i in items}
assert "U-2" not in got.values(), got
assert got[("L-6", "Team")] is None, got          # no other member in Nice
assert got[("L-2", "Field")] in ("U-1", "U-3"), got
PY
w history L-6 --json
expect_rc 0; expect_out '"result": "reassigned",'
expect_out '"detail": "unassigned (U-2 is disabled; no member of owning team T-SALES where systemuser.address1_city == lead.address1_city)"'
exit 0
