#!/usr/bin/env bash
# Crash safety of the workspace: `kill -9` during `records load`, `connect` and `tick`
# leaves the database intact and the workspace entirely before or entirely after the
# command, and running the command again gives the state of a workspace never killed.
#
#   bash tests/workspace/crash.sh SEQC        (from the project root; ctest workspace/crash)
#
# One workspace goes through load → connect → tick; before each command a reference
# workspace (never killed) runs it to completion, which gives the state "after" and how
# long the command takes. The command is then started on the test workspace and killed
# at fractions of that time, and when its write-ahead log has grown to fractions of its
# final size (the commit being written), until a run finishes or a kill lands after
# the commit. After each kill: seqc opens the workspace (recovering the log), the
# database passes `PRAGMA integrity_check` and `foreign_key_check`, and a digest of
# every table equals the digest before the command or the reference's after it. Then
# the command runs to completion and the digest (and, for connect and tick,
# `seqc records --json` and `seqc stats --json`) must equal the reference's.
#
# SEQC_CRASH_RECORDS sets the number of leads (default 10000: about 30 s in a Debug
# build). Times are wall-clock only to choose when to kill.
set -uo pipefail
SEQC=${1:?usage: crash.sh SEQC}
root=$(pwd)
records=${SEQC_CRASH_RECORDS:-10000}
seq_file="$root/tests/workspace/drill.seq"
name="Nurture drill"

fail() { echo "FAIL (crash): $*" >&2; exit 1; }
command -v python3 >/dev/null || fail "python3 is required (sqlite3 module: integrity checks and digests)"
python3 -c 'import sqlite3' || fail "python3 has no sqlite3 module"
[ -x "$SEQC" ] || fail "no seqc executable at '$SEQC'"
[ -f "$seq_file" ] || fail "no $seq_file (run from the project root)"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ref="$tmp/ref"   # never killed
ws="$tmp/ws"     # killed again and again

cat >"$tmp/tool.py" <<'PY'
import hashlib, os, signal, sqlite3, subprocess, sys, time

def gen(n, path):
    first = ["Ana", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jonas"]
    last = ["Ruiz", "Okafor", "Martin", "Patel", "Novak", "Haddad", "Lee", "Schmidt", "Costa", "Berg"]
    status = ["New", "New", "Contacted"]
    quality = ["", "Warm", "Hot", "Cold"]
    source = ["Web", "Seminar", "Trade Show", "Partner", "Advertisement", "Word of Mouth", "Employee Referral"]
    industry = ["Business Services", "Financial", "Insurance", "Wholesale", "Consulting", "Legal Services"]
    budget = ["Will Buy", "May Buy", "Can Buy", "No Committed Budget"]
    need = ["Must have", "Should have", "Good to have", "No need"]
    frame = ["Immediate", "This Quarter", "Next Quarter", "This Year", "Unknown"]
    with open(path, "w") as f:
        f.write("id,firstname,lastname,emailaddress1,companyname,jobtitle,telephone1,statecode,statuscode,"
                "leadqualitycode,leadsourcecode,industrycode,budgetamount,estimatedamount,budgetstatus,need,"
                "purchasetimeframe,donotemail,estimatedclosedate\n")
        for i in range(n):
            a, b = first[i % 10], last[(i // 10) % 10]
            state = "Qualified" if i % 10 == 7 else "Open"   # 90% are Open
            f.write(f"L-{i:07d},{a},{b},{a.lower()}.{b.lower()}{i}@c{i % 997}.example.com,Company {i % 997},"
                    f"Manager,+1 425 555 {i % 10000:04d},{state},{status[i % 3]},{quality[i % 4]},"
                    f"{source[i % 7]},{industry[i % 6]},{(i % 50) * 1000},,{budget[i % 4]},{need[i % 4]},"
                    f"{frame[i % 5]},{'true' if i % 13 == 0 else 'false'},\n")

def state(db):
    """Checks the database and prints a digest of every table (one line)."""
    if not os.path.exists(db):
        sys.exit(f"no database {db}")
    con = sqlite3.connect(f"file:{db}?mode=rw", uri=True)
    check = [r[0] for r in con.execute("PRAGMA integrity_check")]
    if check != ["ok"]:
        sys.exit("PRAGMA integrity_check: " + "; ".join(check[:10]))
    fk = con.execute("PRAGMA foreign_key_check").fetchall()
    if fk:
        sys.exit(f"PRAGMA foreign_key_check: {len(fk)} violations, e.g. {fk[:5]}")
    tables = [r[0] for r in con.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    parts = []
    for t in tables:
        width = len(con.execute(f'PRAGMA table_info("{t}")').fetchall())
        h, n = hashlib.sha256(), 0
        order = ", ".join(str(k + 1) for k in range(width))
        for row in con.execute(f'SELECT * FROM "{t}" ORDER BY {order}'):
            h.update(repr(row).encode())
            n += 1
        parts.append(f"{t}={n}:{h.hexdigest()[:16]}")
    clock = con.execute("SELECT value FROM meta WHERE key = 'clock'").fetchone()
    con.close()
    print(f"clock={clock[0] if clock else None} " + " ".join(parts))

def run(mode, limit, wal, out, err, cmd):
    """Runs cmd; kills it (SIGKILL) when `delay` seconds have passed or the file `wal`
    has `wal` bytes. Prints: killed|finished RC SECONDS MAX-WAL-BYTES."""
    t0 = time.monotonic()
    with open(out, "wb") as o, open(err, "wb") as e:
        p = subprocess.Popen(cmd, stdout=o, stderr=e)
    biggest = 0
    while p.poll() is None:
        try:
            size = os.stat(wal).st_size
        except FileNotFoundError:
            size = 0
        biggest = max(biggest, size)
        if (mode == "delay" and time.monotonic() - t0 >= limit) or (mode == "wal" and size >= limit):
            os.kill(p.pid, signal.SIGKILL)
            break
        time.sleep(0.0005)
    p.wait()
    what = "killed" if p.returncode == -signal.SIGKILL else "finished"
    print(f"{what} {p.returncode} {time.monotonic() - t0:.3f} {biggest}")

cmd = sys.argv[1]
if cmd == "gen":
    gen(int(sys.argv[2]), sys.argv[3])
elif cmd == "state":
    state(sys.argv[2])
elif cmd == "run":
    run(sys.argv[2], float(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6], sys.argv[8:])
PY
tool() { python3 "$tmp/tool.py" "$@"; }

# state DIR: the digest of DIR's database (fails the test when it is damaged)
state() {
  local s
  s=$(tool state "$1/seqc.db" 2>&1) || fail "$2: the database is damaged: $s"
  printf '%s' "$s"
}

tool gen "$records" "$tmp/leads.csv" || fail "cannot generate $tmp/leads.csv"
at0=2026-01-05T09:00:00Z

"$SEQC" init --workspace "$ref" --clock "$at0" >/dev/null || fail "seqc init failed"
"$SEQC" activate "$seq_file" --workspace "$ref" >/dev/null || fail "seqc activate $seq_file failed"
cp -a "$ref" "$ws" || fail "cannot copy the workspace"

total_kills=0
# phase LABEL ARGS…: the command `seqc ARGS… --workspace W`, crashed on $ws (see the top).
phase() {
  local label=$1; shift
  local before after got line what rc secs wal t0 kills=0 n_before=0 n_after=0 finished=0
  before=$(state "$ws" "$label: before")
  [ "$before" = "$(state "$ref" "$label: reference before")" ] ||
    fail "$label: the test workspace differs from the reference before the command"

  # The reference: how long the command takes and how big its log grows.
  line=$(tool run none 0 "$ref/seqc.db-wal" "$tmp/ref.out" "$tmp/ref.err" -- "$SEQC" "$@" --workspace "$ref")
  read -r what rc secs wal <<<"$line"
  [ "$what $rc" = "finished 0" ] || fail "$label: \`seqc $*\` failed on the reference: $(cat "$tmp/ref.err")"
  after=$(state "$ref" "$label: reference after")
  [ "$before" != "$after" ] || fail "$label: \`seqc $*\` changed nothing; the test would prove nothing"

  local kills_at=()
  for f in 0.3 0.8; do kills_at+=("wal $(python3 -c "print(int($wal * $f))")"); done
  for f in 0.05 0.25 0.5 0.7 0.85 0.95 1.05; do kills_at+=("delay $(python3 -c "print(round($secs * $f, 3))")"); done
  for k in "${kills_at[@]}"; do
    line=$(tool run $k "$ws/seqc.db-wal" "$tmp/run.out" "$tmp/run.err" -- "$SEQC" "$@" --workspace "$ws")
    read -r what rc t0 _ <<<"$line"
    if [ "$what" = finished ]; then
      [ "$rc" = 0 ] || fail "$label: \`seqc $*\` exited $rc (not killed): $(cat "$tmp/run.err")"
      finished=1
    else
      kills=$((kills + 1))
      # seqc opens the killed workspace first: it recovers the write-ahead log.
      "$SEQC" list --json --workspace "$ws" >/dev/null 2>"$tmp/list.err" ||
        fail "$label: after kill -9 ($k, at ${t0}s) seqc cannot open the workspace: $(cat "$tmp/list.err")"
    fi
    got=$(state "$ws" "$label: after kill -9 ($k, at ${t0}s)")
    if [ "$got" = "$before" ] && [ "$what" = killed ]; then
      n_before=$((n_before + 1))
    elif [ "$got" = "$after" ]; then
      [ "$what" = killed ] && n_after=$((n_after + 1))
      break  # applied: running it again changes nothing
    else
      fail "$label: after \`seqc $*\` was ${what} ($k, at ${t0}s) the workspace is neither as before nor as after it:
  before: $before
  after:  $after
  got:    $got"
    fi
  done

  # Run to completion: the state of the workspace never killed.
  "$SEQC" "$@" --workspace "$ws" >"$tmp/run.out" 2>"$tmp/run.err" ||
    fail "$label: \`seqc $*\` after the kills failed: $(cat "$tmp/run.err")"
  got=$(state "$ws" "$label: final")
  [ "$got" = "$after" ] || fail "$label: after the kills and a complete run, the workspace differs from the reference:
  reference: $after
  got:       $got"
  total_kills=$((total_kills + kills))
  echo "crash: $label (${secs}s, log ${wal} bytes): $kills kills: $n_before left it before, $n_after after$([ $finished = 1 ] && echo "; a run finished")"
}

phase "records load" records load "$tmp/leads.csv" --entity lead
phase "connect" connect "$name" --where 'lead.statecode == "Open"'
phase "tick" tick --to 2026-01-13T09:00:00Z

for view in "records" "stats"; do
  "$SEQC" $view "$name" --json --workspace "$ref" >"$tmp/ref.$view.json" || fail "seqc $view on the reference failed"
  "$SEQC" $view "$name" --json --workspace "$ws" >"$tmp/ws.$view.json" || fail "seqc $view failed"
  cmp -s "$tmp/ref.$view.json" "$tmp/ws.$view.json" ||
    fail "\`seqc $view '$name' --json\` differs from the reference's:
$(diff "$tmp/ref.$view.json" "$tmp/ws.$view.json" | head -20)"
done
# The tick moved every record through its steps.
active=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["by_status"]["active"])' "$tmp/ws.stats.json")
expected=$((records - records / 10))
[ "$active" = "$expected" ] || fail "expected $expected active records after the tick, stats say $active"
grep -q '"due": "2026-02-09T09:00:00Z"' "$tmp/ws.records.json" || fail "the records are not waiting on the last timer"
[ "$total_kills" -ge 6 ] || fail "only $total_kills runs were killed: the test proved little"
echo "crash: ok ($records records)"
