# Records in a workspace: records load, connect (--record, --where), the records view,
# seller and customer actions (complete, skip, event, update), tick, disconnect,
# history, stats, and delete of a sequence with records on it.
source "$(dirname "$0")/../workspace_lib.sh"

cat >"$tmp/two.seq" <<'SEQ'
sequence "Welcome" on lead {
  description "Say hello to new leads"
  hello: email "Hello" template "hello"
  wait 2d
  call1: call "Intro call" due 1d
  task "Wrap up"
}
sequence "Nurture" on lead {
  auto email "Monthly news" template "news-1"
  wait 1w
  auto email "More news" template "news-2"
}
SEQ
leads=../../examples/data/leads.csv

w init --clock 2026-01-05T09:00:00Z
expect_rc 0
w activate "$tmp/two.seq"
expect_rc 0

# ---- records load (insert, then update)
w records load "$leads" --entity lead
expect_rc 0; expect_line "loaded 10 records (10 new, 0 updated) from $leads"
w records load "$leads" --entity lead
expect_rc 0; expect_line "loaded 10 records (0 new, 10 updated) from $leads"

# ---- connect by id
w records Welcome
expect_rc 0; expect_line 'no records connected to "Welcome"'
w connect Welcome --record L-1001,L-1002
expect_rc 0; expect_line 'connected 2 records to "Welcome"'
w connect Welcome --record L-1003 --record L-1004
expect_rc 0; expect_line 'connected 2 records to "Welcome"'
w connect Welcome --record L-1001
expect_rc 1; expect_out "error:"; expect_out "L-1001"
w connect Nurture --record L-1001
expect_rc 1; expect_out "--allow-multiple"
w connect Nurture --record L-1001 --allow-multiple
expect_rc 0; expect_line 'connected 1 record to "Nurture"'
w connect Welcome --record NO-SUCH-ID
expect_rc 1; expect_out "NO-SUCH-ID"

w records Welcome
expect_rc 0
expect_line "RECORD  VERSION  STATUS  PROGRESS  STEP   DAYS  DUE"
expect_line "L-1001        1  active       0/3  hello     0  -"
expect_line "L-1004        1  active       0/3  hello     0  -"
w list
expect_rc 0; expect_line "Welcome  active  lead          1        4"

# ---- seller actions at the workspace clock
w complete L-1001 --sequence Welcome
expect_rc 0; expect_line 'L-1001 on "Welcome": active, step wait (progress 1/3)'
w complete L-1001 --sequence Welcome
expect_rc 1; expect_out "error:"
w event L-1001 opened --step hello --sequence Welcome
expect_rc 0; expect_out 'L-1001 on "Welcome"'
w event L-1002 clicked --step hello
expect_rc 1; expect_out "error:"
w skip L-1002
expect_rc 0; expect_line 'L-1002 on "Welcome": active, step wait (progress 1/3)'
w records Welcome
expect_rc 0
expect_line "L-1001        1  active       1/3  wait      0  2026-01-07T09:00:00Z"
w records Welcome --json
expect_rc 0
expect_out '"record": "L-1001",'; expect_out '"status": "active",'; expect_out '"progress": 1,'
expect_out '"total": 3,'; expect_out '"kind": "wait",'; expect_out '"days_elapsed": 0,'
expect_out '"due": "2026-01-07T09:00:00Z",'; expect_out '"connected": "2026-01-05T09:00:00Z"'

# ---- tick
w tick --to 2026-01-06T09:00:00Z
expect_rc 0; expect_line "clock 2026-01-05T09:00:00Z → 2026-01-06T09:00:00Z: 0 records moved, 0 steps"
w tick --to 2026-01-07T09:00:00Z
expect_rc 0; expect_line "clock 2026-01-06T09:00:00Z → 2026-01-07T09:00:00Z: 2 records moved, 2 steps"
w records Welcome
expect_rc 0
# DAYS counts from when the record entered its current step (LANGUAGE.md "days elapsed");
# DUE of a manual activity is its `due` from then (call1: `due 1d`).
expect_line 'L-1001        1  active       1/3  call1     0  2026-01-08T09:00:00Z'
expect_line 'L-1003        1  active       0/3  hello     2  -'
w complete L-1001 --outcome answered --sequence Welcome
expect_rc 0; expect_line 'L-1001 on "Welcome": active, step task "Wrap up" (progress 2/3)'
w complete L-1001 --sequence Welcome
expect_rc 0; expect_line 'L-1001 on "Welcome": completed (progress 3/3)'
w update L-1003 jobtitle=CEO budgetamount=50000
expect_rc 0; expect_line "updated L-1003"
w update L-1003 budgetamount=lots
expect_rc 1; expect_out "budgetamount"
w update L-1003 nosuchfield=1
expect_rc 1; expect_out "nosuchfield"

# ---- disconnect
w disconnect Welcome --record L-1002
expect_rc 0; expect_line 'disconnected 1 record from "Welcome"'
w disconnect Welcome --record L-1002
expect_rc 1; expect_out "error:"
w records Welcome
expect_rc 0; expect_not_out "L-1002"; expect_not_out "L-1001"; expect_out "L-1003"

# ---- history
w history L-1001
expect_rc 0
expect_line "TIME                  SEQUENCE  VERSION  STEP                       RESULT     DETAIL"
expect_out "2026-01-05T09:00:00Z  Welcome         1  hello                      completed  -"
expect_out 'Nurture         1  auto_email "Monthly news"  sent'
expect_out "2026-01-07T09:00:00Z  Welcome         1  call1                      answered   -"
w history L-1001 --json
expect_rc 0
expect_out '"at": "2026-01-05T09:00:00Z",'; expect_out '"sequence": "Welcome",'; expect_out '"version": 1,'
expect_out '"step": "call1",'; expect_out '"kind": "call",'; expect_out '"title": "Intro call",'
expect_out '"result": "answered",'; expect_out '"result": "connected",'
w history L-1010
expect_rc 0; expect_line "no history for L-1010"

# ---- stats
w stats Welcome
expect_rc 0
expect_out '"Welcome": 4 records: 2 active, 1 completed, 0 exited, 1 disconnected'
expect_line "LABEL  KIND   TITLE       REACHED  DONE  SKIPPED  CURRENT"
expect_line "hello  email  Hello             4     1        1        2"
expect_line "call1  call   Intro call        1     1        0        0"
expect_line "Average days to completion: 2.0 (1 completed)"
w stats Welcome --json
expect_rc 0
expect_out '"sequence": "Welcome",'; expect_out '"completed": 1,'; expect_out '"average_days_to_completion": 2'
expect_out '"active": 2,'; expect_out '"label": "hello",'; expect_out '"reached": 4,'
w stats Nurture
expect_rc 0; expect_line "Average days to completion: - (0 completed)"

# ---- delete disconnects the records on the sequence
w delete Welcome
expect_rc 0; expect_line 'deleted "Welcome"; 2 records disconnected'
w history L-1003
expect_rc 0; expect_out "disconnected"

# ---- --where and update with `exit when` (a sequence of the examples)
demo="Meeting for product demo requests"
w activate ../../examples/demo_request.seq
expect_rc 0
w connect "$demo" --where 'lead.statecode == "Open" and lead.leadsourcecode == "Web"' --allow-multiple
expect_rc 0; expect_out "connected "; expect_out " matching record"
n=$(grep -o 'connected [0-9]*' <<<"$out" | grep -o '[0-9]*')
[ "${n:-0}" -ge 1 ] || fail "--where connected no record: $out"
w connect "$demo" --where 'lead.budgetamount >' --allow-multiple
expect_rc 1; expect_out "--where"
w connect "$demo" --where 'lead.nosuchfield == 1'
expect_rc 1; expect_out "nosuchfield"
w disconnect "$demo" --all
expect_rc 0; expect_line "disconnected $n records from \"$demo\""
w connect "$demo" --record L-1005 --allow-multiple
expect_rc 0
w update L-1005 statecode=Disqualified
expect_rc 0; expect_line "updated L-1005"
expect_line "L-1005 on \"$demo\": exited (exit when) (progress 1/6)"
exit 0
