# Workspace commands on bad input: no workspace, a corrupt database, unknown sequences
# and records (exit 1, `error: …`), bad option values and wrong usage (exit 2). Nothing
# may crash (an exit status of 128 or more is a signal).
source "$(dirname "$0")/../workspace_lib.sh"

# Every workspace command with arguments that would be fine in a good workspace.
commands=(
  "list" "list --json" "show Welcome" "show Welcome --json" "deactivate Welcome"
  "records Welcome" "records Welcome --json" "records load ../../examples/data/leads.csv --entity lead"
  "connect Welcome --record L-1001" "disconnect Welcome --all" "complete L-1001" "skip L-1001"
  "event L-1001 opened --step hello" "update L-1001 jobtitle=CEO" "tick" "tick --to 2026-02-01T00:00:00Z"
  "clone Welcome Other" "delete Welcome" "export Welcome -o $tmp/out.json" "import $tmp/out.json"
  "history L-1001" "history L-1001 --json" "stats Welcome" "stats Welcome --json"
  "stats Welcome --format json" "report -o $tmp/report.html"
  "activate ../../examples/demo_request.seq"
)

# ---- no workspace: exit 1, "no workspace", and nothing created
ws="$tmp/none"
for c in "${commands[@]}"; do
  read -ra args <<<"$c"
  w "${args[@]}"
  expect_rc 1; expect_out "error:"; expect_out "no workspace"
done
[ -e "$tmp/none" ] && fail "a command created $tmp/none"
[ -e "$tmp/report.html" ] && fail "report wrote a file without a workspace"

# ---- a corrupt database: exit 1 naming it corrupt, no crash
mkdir -p "$tmp/bad"
ws="$tmp/bad"
for garbage in "not a database at all" "$(head -c 3000 /dev/urandom | base64)"; do
  printf '%s' "$garbage" >"$ws/seqc.db"
  for c in "${commands[@]}"; do
    read -ra args <<<"$c"
    w "${args[@]}"
    expect_rc 1; expect_out "error:"; expect_out "corrupt"
  done
done
# An empty file, and a real database cut short: errors, never a crash.
: >"$ws/seqc.db"
for c in "${commands[@]}"; do
  read -ra args <<<"$c"
  w "${args[@]}"
  [ "$rc" -lt 128 ] || fail "crashed (exit $rc): $out"
  [ "$rc" -eq 0 ] || expect_out "error:"
done
rm -rf "$tmp/good"
ws="$tmp/good"
w init --clock 2026-01-05T09:00:00Z
expect_rc 0
w activate ../../examples/demo_request.seq
expect_rc 0
w records load ../../examples/data/leads.csv --entity lead
expect_rc 0
size=$(wc -c <"$ws/seqc.db")
for cut in 100 1024 4096 $((size / 2)); do
  [ "$cut" -lt "$size" ] || continue
  rm -rf "$tmp/cut" && mkdir -p "$tmp/cut"
  head -c "$cut" "$tmp/good/seqc.db" >"$tmp/cut/seqc.db"
  ws="$tmp/cut"
  for c in "${commands[@]}" "show"; do
    read -ra args <<<"$c"
    [ "$c" = show ] && args=(show "Meeting for product demo requests")
    w "${args[@]}"
    [ "$rc" -lt 128 ] || fail "crashed (exit $rc) on a database cut at $cut bytes: $out"
    [ "$rc" -eq 0 ] || [ "$rc" -eq 1 ] || fail "exit $rc on a database cut at $cut bytes: $out"
    [ "$rc" -eq 0 ] || expect_out "error:"
  done
done

# ---- a good workspace from here on
ws="$tmp/ws"
w init --clock bad-time
expect_rc 2; expect_out "--clock"
[ -e "$ws" ] && fail "init with a bad --clock created the workspace"
w init --clock 2026-01-05T09:00:00Z
expect_rc 0
w init
expect_rc 1; expect_out "error:"
w records load ../../examples/data/leads.csv --entity lead
expect_rc 0

# Unknown sequences: exit 1 with a message naming them.
for c in "show Nobody" "deactivate Nobody" "records Nobody" "connect Nobody --record L-1" \
  "disconnect Nobody --all" "clone Nobody Other" "delete Nobody" "export Nobody -o $tmp/x.json" \
  "stats Nobody" "report -o $tmp/x.html --sequence Nobody" "complete L-1001 --sequence Nobody" "skip L-1001 --sequence Nobody"; do
  read -ra args <<<"$c"
  w "${args[@]}"
  expect_rc 1; expect_out "error:"; expect_out "Nobody"
done
# Unknown records.
for c in "complete NOPE" "skip NOPE" "event NOPE opened --step hello" "update NOPE jobtitle=CEO"; do
  read -ra args <<<"$c"
  w "${args[@]}"
  expect_rc 1; expect_out "error:"; expect_out "NOPE"
done

# Activating a file with errors prints its diagnostics and activates nothing.
w activate inputs/bad.seq
expect_rc 1; expect_out "error"
w activate "$tmp/missing.seq"
expect_rc 1; expect_out "missing.seq"
w list
expect_rc 0; expect_line "no sequences"

# Bad records: the file, line and field are named; nothing is loaded.
printf 'id,budgetamount\nL1,1000\nL2,lots\n' >"$tmp/bad.csv"
w records load "$tmp/bad.csv" --entity lead
expect_rc 1; expect_out "bad.csv:3"; expect_out "budgetamount"
w records load "$tmp/missing.csv" --entity lead
expect_rc 1; expect_out "missing.csv"
w records load ../../examples/data/leads.csv --entity nosuchentity
expect_rc 1; expect_out "nosuchentity"

# ---- bad option values: exit 2
w tick --to soon
expect_rc 2; expect_out "error: --to: 'soon'"
w tick --to 2026-13-45T00:00:00Z
expect_rc 2; expect_out "--to"
w complete L-1 --outcome maybe
expect_rc 2; expect_out "--outcome"; expect_out "maybe"
w event L-1 liked --step hello
expect_rc 2; expect_out "liked"
w update L-1 jobtitle
expect_rc 2; expect_out "FIELD=VALUE"
w list --status sleeping
expect_rc 2
w show Welcome --version two
expect_rc 2

# ---- wrong usage: exit 2
w connect Welcome --record L-1 --where 'lead.statecode == "Open"'
expect_rc 2
w connect Welcome
expect_rc 2; expect_out "--record"
w disconnect Welcome --record L-1 --all
expect_rc 2
w disconnect Welcome
expect_rc 2; expect_out "--all"
w records load ../../examples/data/leads.csv
expect_rc 2; expect_out "--entity"
w records load
expect_rc 2
w records load a.csv b.csv --entity lead
expect_rc 2
w records Welcome --entity lead
expect_rc 2
w records One Two
expect_rc 2
w records
expect_rc 2
w event L-1
expect_rc 2; expect_out "type"
w update L-1
expect_rc 2
w export Welcome
expect_rc 2
w clone Welcome
expect_rc 2
w activate
expect_rc 2
w show
expect_rc 2
w list --bogus
expect_rc 2
exit 0
