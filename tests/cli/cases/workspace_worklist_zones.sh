# The work list's `today` in the record's zone (CALENDARS.md §6-7): with a calendar, the
# date of --at in the record's `time zone` (else the calendar's zone); without one, in
# UTC. The same due instant is `today` in Los Angeles and `upcoming` in Auckland, where
# it is already evening; crossing Auckland's midnight makes it `today` there too.
source "$(dirname "$0")/../workspace_lib.sh"
expect_re() { grep -qE -- "$1" <<<"$out" || fail "no line matching /$1/; output:"$'\n'"$out"; }

cat >"$tmp/seqs.seq" <<'SEQ'
extend entity lead {
  new_timezone: string(64) "Time zone"
}
calendar "Tokyo office" {
  zone "Asia/Tokyo"
}
sequence "Zoned" on lead {
  calendar "Tokyo office"
  time zone lead.new_timezone
  task "Call back" due 10h
}
sequence "Plain" on lead {
  task "Call back" due 10h
}
SEQ
cat >"$tmp/leads.csv" <<'CSV'
id,lastname,new_timezone
L-LA,West,America/Los_Angeles
L-AKL,East,Pacific/Auckland
L-NONE,Nowhere,
CSV

w init --clock 2026-01-06T10:00:00Z
expect_rc 0
w activate "$tmp/seqs.seq"
expect_rc 0
w records load "$tmp/leads.csv" --entity lead
expect_rc 0
w connect Zoned --record L-LA,L-AKL,L-NONE
expect_rc 0
w connect Plain --record L-LA,L-AKL,L-NONE --allow-multiple
expect_rc 0

# 10:00Z: 02:00 in Los Angeles, 23:00 in Auckland, 19:00 in Tokyo; all due at 20:00Z.
w worklist
expect_rc 0
expect_re "^today +2026-01-06T20:00:00Z +L-LA +Zoned "
expect_re "^upcoming +2026-01-06T20:00:00Z +L-AKL +Zoned "
expect_re "^upcoming +2026-01-06T20:00:00Z +L-NONE +Zoned "   # no zone: the calendar's (Tokyo, 05:00 tomorrow)
expect_re "^today +2026-01-06T20:00:00Z +L-AKL +Plain "       # no calendar: UTC
expect_re "^today +2026-01-06T20:00:00Z +L-LA +Plain "
expect_re "^today +2026-01-06T20:00:00Z +L-NONE +Plain "
w worklist --format json
expect_rc 0
python3 - "$out" <<'PY' || fail "states at 10:00Z: $out"
import json, sys
items = json.loads(sys.argv[1])["items"]
got = {(i["record"], i["sequence"]): i["state"] for i in items}
want = {("L-LA", "Zoned"): "today", ("L-AKL", "Zoned"): "upcoming", ("L-NONE", "Zoned"): "upcoming",
        ("L-LA", "Plain"): "today", ("L-AKL", "Plain"): "today", ("L-NONE", "Plain"): "today"}
assert got == want, got
PY

# 11:30Z is 00:30 tomorrow in Auckland: the call is today there now; Tokyo is still at 20:30.
w worklist --at 2026-01-06T11:30:00Z --format json
expect_rc 0
python3 - "$out" <<'PY' || fail "states at 11:30Z: $out"
import json, sys
items = json.loads(sys.argv[1])["items"]
got = {(i["record"], i["sequence"]): i["state"] for i in items}
assert got[("L-AKL", "Zoned")] == "today", got
assert got[("L-LA", "Zoned")] == "today", got
assert got[("L-NONE", "Zoned")] == "upcoming", got
PY

# Past the due instant every zone agrees: overdue.
w worklist --at 2026-01-06T20:00:01Z
expect_rc 0
n=$(grep -c '^overdue ' <<<"$out")
[ "$n" -eq 6 ] || fail "expected 6 overdue items, got $n:"$'\n'"$out"
exit 0
