# Calendars in a workspace (CALENDARS.md §2-4): ticks end waits in business time and
# send held automated steps at the next opening in each record's zone; a held step is
# the current step, due at its sending instant, and `skip` skips it; `show` writes
# business durations and the calendar; `records` shows the zone used; a manual activity's
# `due N business days` is computed on the calendar in the record's zone (`records`,
# `records show`, `worklist`, whose "today" is the record's local date).
source "$(dirname "$0")/../workspace_lib.sh"
expect_re() { grep -qE -- "$1" <<<"$out" || fail "no line matching /$1/; output:"$'\n'"$out"; }

cat >"$tmp/cal.seq" <<'SEQ'
extend entity lead {
  new_timezone: string(64) "Time zone"
}
calendar "NY office" {
  zone "America/New_York"
  hours mon-fri 09:00-17:00
}
sequence "Local" on lead {
  calendar "NY office"
  time zone lead.new_timezone
  t: task "Start"
  wait 2d
  mail: auto email "Hello" template "hello"
  call1: call "Call" due 1 business day
  wait 3 business hours
  last: task "Last"
}
SEQ
cat >"$tmp/leads.csv" <<'CSV'
id,lastname,new_timezone
L-NY,York,America/New_York
L-TOKYO,Tanaka,Asia/Tokyo
L-NONE,Nobody,
CSV

# Friday 2026-01-09 15:00 in New York (20:00Z), Saturday 05:00 in Tokyo.
w init --clock 2026-01-09T20:00:00Z
expect_rc 0
w activate "$tmp/cal.seq"
expect_rc 0
w records load "$tmp/leads.csv" --entity lead
expect_rc 0
w connect Local --record L-NY,L-TOKYO,L-NONE
expect_rc 0
for r in L-NY L-TOKYO L-NONE; do w complete "$r"; expect_rc 0; done

w show Local
expect_rc 0
expect_out "calendar:    NY office (America/New_York)"
expect_out "time zone:   lead.new_timezone"
expect_line '  call1: call "Call" due 1 business day'
expect_line "  wait 3 business hours"
w show Local --json
expect_rc 0
expect_out '"calendar": "NY office",'; expect_out '"wait": "3 business hours",'

# The plain `wait 2d` ends Sunday 20:00Z: closed in New York (15:00 Sunday) and in Tokyo
# (05:00 Monday). Each email is held, due at the next opening in the record's zone.
w tick --to 2026-01-11T21:00:00Z
expect_rc 0
w records Local
expect_rc 0
expect_line "L-NY           1  active       1/4  mail     0  2026-01-12T14:00:00Z"
expect_line "L-TOKYO        1  active       1/4  mail     0  2026-01-12T00:00:00Z"
expect_line "L-NONE         1  active       1/4  mail     0  2026-01-12T14:00:00Z"
expect_line "warning: 1 record names no zone of the tz database: read in the calendar's own zone"
w records Local --json
expect_rc 0
expect_out '"zone": "Asia/Tokyo"'; expect_out '"zone": "America/New_York"'

# A held step can be skipped; the others go out as the clock reaches their openings.
w skip L-NONE
expect_rc 0; expect_line 'L-NONE on "Local": active, step call1 (progress 2/4)'
w tick --to 2026-01-12T00:00:00Z
expect_rc 0; expect_out "1 record moved"
w history L-TOKYO
expect_rc 0; expect_out '2026-01-12T00:00:00Z  Local           1  mail'; expect_out 'sent'
w records Local
expect_rc 0
expect_line "L-NY           1  active       1/4  mail      0  2026-01-12T14:00:00Z"
# `call1 ... due 1 business day`, current Monday 09:00 in Tokyo: due by Tuesday's closing,
# 17:00 JST (08:00Z); L-NONE's, current since the skip on Sunday in New York, by Monday's.
expect_line "L-TOKYO        1  active       2/4  call1     0  2026-01-13T08:00:00Z"
w records show L-TOKYO
expect_rc 0; expect_re '^  Local +1  active +2/4  call1 .* 2026-01-13T08:00:00Z '
w records show L-TOKYO --json
expect_rc 0; expect_out '"due": "2026-01-13T08:00:00Z"'
w worklist
expect_rc 0
expect_re '^upcoming +2026-01-12T22:00:00Z +L-NONE +Local +call1 +\(unassigned\)'
expect_re '^upcoming +2026-01-13T08:00:00Z +L-TOKYO +Local +call1 +\(unassigned\)'
# At 15:00Z it is Monday in New York and already Tuesday in Tokyo: both are due "today"
# in the record's own zone.
w worklist --at 2026-01-12T15:00:00Z
expect_rc 0
expect_re '^today +2026-01-12T22:00:00Z +L-NONE'
expect_re '^today +2026-01-13T08:00:00Z +L-TOKYO'
w worklist --at 2026-01-12T23:00:00Z --format json
expect_rc 0
expect_out '"state": "overdue"'; expect_out '"due": "2026-01-12T22:00:00Z"'
w tick --to 2026-01-12T14:00:00Z
expect_rc 0
w history L-NY
expect_rc 0; expect_out '2026-01-12T14:00:00Z  Local           1  mail'

# `wait 3 business hours` from Monday 15:30 in New York (20:30Z) ends Tuesday 10:30.
w tick --to 2026-01-12T20:30:00Z
expect_rc 0
w complete L-NY
expect_rc 0
w records Local
expect_rc 0
expect_line "L-NY           1  active       3/4  wait      0  2026-01-13T15:30:00Z"
w tick --to 2026-01-13T15:30:00Z
expect_rc 0
w records Local
expect_rc 0
expect_out "L-NY           1  active       3/4  last"
echo "ok: calendars in a workspace"
