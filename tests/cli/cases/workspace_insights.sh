# Insights: `seqc stats` per message step (each run counted once), per version, per
# assignee and days to completion, with figures worked out by hand below; and
# `seqc report` (the HTML page: its figures, same bytes twice, no file on error).
source "$(dirname "$0")/../workspace_lib.sh"

cat >"$tmp/v1.seq" <<'SEQ'
sequence "Outreach" on lead {
  intro: auto email "Intro" template "intro"
  wait 1d
  call1: call "Intro call" due 1d
  sms: auto text "Ping" template "ping"
  task "Wrap up"
}
SEQ
# Version 2: the same labels, another title for the task.
sed 's/"Wrap up"/"Wrap up well"/' "$tmp/v1.seq" >"$tmp/v2.seq"
cat >"$tmp/users.csv" <<'CSV'
id,fullname,isdisabled
U-1,Ana,false
U-2,Bo,false
CSV
cat >"$tmp/leads.csv" <<'CSV'
id,lastname,ownerid
L-1,One,U-1
L-2,Two,U-1
L-3,Three,U-2
L-4,Four,U-2
L-5,Five,U-1
CSV

w init --clock 2026-01-05T09:00:00Z; expect_rc 0
w activate "$tmp/v1.seq"; expect_rc 0
w records load "$tmp/users.csv" --entity systemuser; expect_rc 0
w records load "$tmp/leads.csv" --entity lead; expect_rc 0

# Nothing connected yet: no messages sent, no versions with runs, no assignees.
w stats Outreach
expect_rc 0
expect_line "intro  auto_email  Intro     0       0        0        0           0"
expect_line "Days to completion: median -, p90 -"
expect_not_out "Versions:"; expect_not_out "Assignees:"

# 2026-01-05: intro is sent to L-1..L-4 on connecting.
w connect Outreach --record L-1,L-2,L-3,L-4; expect_rc 0
w event L-1 opened --step intro; expect_rc 0
w event L-1 opened --step intro; expect_rc 0   # a second open: still one opened run
w event L-1 clicked --step intro; expect_rc 0
w event L-1 downloaded --step intro; expect_rc 0
w event L-2 opened --step intro; expect_rc 0
w event L-3 opened --step intro; expect_rc 0
w event L-3 replied --step intro; expect_rc 0

# 2026-01-06: all four on call1, assigned to their owners (U-1: L-1, L-2; U-2: L-3, L-4).
w tick --to 2026-01-06T09:00:00Z; expect_rc 0
w complete L-1 --outcome answered; expect_rc 0     # U-1 done 1; sms sent to L-1
w event L-1 replied --step sms; expect_rc 0
w complete L-1; expect_rc 0                        # U-1 done 2; L-1 completed after 1 day
w skip L-3; expect_rc 0                            # skipped: done by nobody; sms sent to L-3

# 2026-01-08: L-2's call (U-1 done 3), its task given to U-2 by hand and done by U-2.
w tick --to 2026-01-08T09:00:00Z; expect_rc 0
w complete L-2 --outcome no_answer; expect_rc 0   # sms sent to L-2
w assign L-2 --to U-2 --sequence Outreach; expect_rc 0
w complete L-2; expect_rc 0                        # U-2 done 1; L-2 completed after 3 days

# 2026-01-10: L-3's task (U-2 done 2; completed after 5 days); version 2, L-5 on it.
w tick --to 2026-01-10T09:00:00Z; expect_rc 0
w complete L-3; expect_rc 0
w activate "$tmp/v2.seq"; expect_rc 0
w connect Outreach --record L-5; expect_rc 0      # intro (matched by label) sent to L-5

# By hand:
# - runs: L-1, L-2, L-3 completed; L-4 (on call1) and L-5 (version 2, waiting) active.
# - intro: sent 5 (L-1..L-5); opened 3 (L-1 twice, L-2, L-3) = 60.0%; clicked 1 (L-1),
#   replied 1 (L-3), downloaded 1 (L-1) = 20.0% each.
# - sms (a text: replies only): sent 3 (L-1, L-2, L-3); replied 1 (L-1) = 33.3%.
# - days to completion 1, 3, 5: mean 3.0, median 3.0, p90 (nearest rank: the 3rd of 3) 5.0.
# - U-1: runs L-1, L-2 (2), both completed; activities done: L-1 call, L-1 task, L-2 call (3).
#   U-2: runs L-3, L-4, L-2 (3), L-3 and L-2 completed (2); done: L-2 task, L-3 task (2).
w stats Outreach
expect_rc 0
expect_line '"Outreach": 5 records: 2 active, 3 completed, 0 exited, 0 disconnected, 0 advanced, 0 error'
expect_line "Average days to completion: 3.0 (3 completed)"
expect_line "Days to completion: median 3.0, p90 5.0"
expect_line "Messages (rates of sent):"
expect_line "LABEL  KIND        TITLE  SENT     OPENED    CLICKED    REPLIED  DOWNLOADED"
expect_line "intro  auto_email  Intro     5  3 (60.0%)  1 (20.0%)  1 (20.0%)   1 (20.0%)"
expect_line "sms    auto_text   Ping      3          -          -  1 (33.3%)           -"
expect_line "VERSION  RUNS  ACTIVE  COMPLETED  EXITED  DISCONNECTED  ADVANCED  ERROR"
expect_line "      1     4       1          3       0             0         0      0"
expect_line "      2     1       1          0       0             0         0      0"
expect_line "ASSIGNEE  RUNS  COMPLETED  ACTIVITIES DONE"
expect_line "U-1          2          2                3"
expect_line "U-2          3          2                2"

w stats Outreach --format json
expect_rc 0
json="$out"
w stats Outreach --json
expect_rc 0
[ "$out" == "$json" ] || fail "--json and --format json differ"
python3 - "$json" <<'PY' || fail "stats JSON: $json"
import json, sys
s = json.loads(sys.argv[1])
intro, sms = s["messages"]
assert intro == {"label": "intro", "kind": "auto_email", "title": "Intro", "sent": 5,
                 "opened": 3, "opened_rate": 0.6, "clicked": 1, "clicked_rate": 0.2,
                 "replied": 1, "replied_rate": 0.2, "downloaded": 1, "downloaded_rate": 0.2}, intro
assert sms == {"label": "sms", "kind": "auto_text", "title": "Ping", "sent": 3,
               "opened": None, "opened_rate": None, "clicked": None, "clicked_rate": None,
               "replied": 1, "replied_rate": 0.3333, "downloaded": None, "downloaded_rate": None}, sms
assert s["days_to_completion"] == {"mean": 3.0, "median": 3.0, "p90": 5.0}, s["days_to_completion"]
assert s["average_days_to_completion"] == 3.0
v1, v2 = s["versions"]
assert v1["version"] == 1 and v1["runs"] == 4 and v1["by_status"]["active"] == 1 and v1["by_status"]["completed"] == 3, v1
assert v2 == {"version": 2, "runs": 1, "by_status": {"active": 1, "completed": 0, "exited": 0,
              "disconnected": 0, "advanced": 0, "error": 0}}, v2
assert s["assignees"] == [{"user": "U-1", "runs": 2, "completed": 2, "activities_done": 3},
                          {"user": "U-2", "runs": 3, "completed": 2, "activities_done": 2}], s["assignees"]
PY
w stats Outreach --format xml
expect_rc 2; expect_out "--format"

# ---- the report
w report -o "$tmp/report.html"
expect_rc 0; expect_line "wrote $tmp/report.html (1 sequence)"
html=$(cat "$tmp/report.html")
for want in '<title>Sequences report</title>' 'aria-labelledby="seq-1-h"' '<h2 id="seq-1-h">Outreach</h2>' \
    '<title id="t-1">Funnel of Outreach: runs that reached each step</title>' \
    '<td>intro</td><td class="n">5</td><td class="n">3</td><td class="n">60.0%</td>' \
    '<td>sms</td><td class="n">3</td><td class="n">-</td><td class="n">-</td><td class="n">-</td><td class="n">-</td><td class="n">1</td><td class="n">33.3%</td>' \
    '<td class="n">3</td><td class="n">3.0</td><td class="n">3.0</td><td class="n">5.0</td>' \
    '<td>U-1</td><td class="n">2</td><td class="n">2</td><td class="n">3</td>' \
    '<h2 id="workload-h">Workload</h2>' \
    '<td>U-2</td><td class="n">1</td><td class="n">0</td><td class="n">1</td>'; do
  grep -qF -- "$want" <<<"$html" || fail "report lacks '$want'"
done
# Self-contained: nothing fetched from elsewhere; no experiments section without experiments.
! grep -qiE 'https?://|<link|src=' <<<"$html" || fail "report refers to another resource"
! grep -qF 'Experiments' <<<"$html" || fail "report has an Experiments section without experiments"
# The same workspace gives the same bytes.
w report -o "$tmp/again.html" --sequence Outreach
expect_rc 0
w report -o "$tmp/one.html" --sequence Outreach
expect_rc 0
cmp -s "$tmp/again.html" "$tmp/one.html" || fail "two reports of the same workspace differ"
grep -qF '<title>Report: Outreach</title>' "$tmp/one.html" || fail "--sequence report has no title"
# Errors leave no file, and never a partial one.
w report -o "$tmp/none.html" --sequence Nobody
expect_rc 1; expect_out "Nobody"
[ ! -e "$tmp/none.html" ] || fail "a failed report left a file"
w report -o "$tmp/no/such/dir/r.html"
expect_rc 1; expect_out "cannot write"
ls "$tmp" | grep -q '\.tmp\.' && fail "a temporary file was left: $(ls "$tmp")"
w report
expect_rc 2
exit 0
