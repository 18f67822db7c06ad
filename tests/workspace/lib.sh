# Helpers for the workspace tests (crash.sh, concurrency.sh), run from the project root
# as `bash tests/workspace/NAME.sh SEQC`. The test sets $test (its name) before
# sourcing this file.
#
# The database is inspected with Python's sqlite3 module (the sqlite3 shell may be
# missing): `state` checks it (integrity_check, foreign_key_check) and prints a digest
# of every table, which tells whether two workspaces hold the same state.
set -uo pipefail
SEQC=${1:?usage: bash tests/workspace/$test.sh SEQC}
root=$(pwd)
export SEQC_ROOT="$root"
drill="$root/tests/workspace/drill.seq"

fail() { echo "FAIL ($test): $*" >&2; exit 1; }
[ -x "$SEQC" ] || fail "no seqc executable at '$SEQC'"
[ -f "$drill" ] || fail "no $drill (run from the project root)"
command -v python3 >/dev/null || fail "python3 is required (its sqlite3 module checks the databases)"
# The interpreter itself: a version manager's shim costs half a second a call.
python=$(python3 -c 'import sqlite3, sys; print(sys.executable)') || fail "python3 has no sqlite3 module"

tmp=$(mktemp -d)
cleanup() {
  local p
  for p in $(jobs -p); do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

cat >"$tmp/tool.py" <<'PY'
import hashlib, os, signal, sqlite3, subprocess, sys, time

def state(db, logical):
    """Checks the database and prints a digest of every table on one line. `logical`
    leaves out the ids of connections and history (insertion order), which differ when
    the same moves happen in other transactions."""
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
    def columns(t, skip=()):
        return [f'"{r[1]}"' for r in con.execute(f'PRAGMA table_info("{t}")') if r[1] not in skip]
    parts = []
    for t in tables:
        cols = columns(t)
        query = f'SELECT * FROM "{t}" ORDER BY {", ".join(str(k + 1) for k in range(len(cols)))}'
        if logical and t == "connections":
            cols = columns(t, ("id",))
            query = f'SELECT {", ".join(cols)} FROM connections ORDER BY {", ".join(cols)}'
        elif logical and t == "history":
            cols = ["c.record", "c.sequence", "c.connected"] + ["h." + c for c in columns(t, ("id", "connection"))]
            query = (f'SELECT {", ".join(cols)} FROM history h JOIN connections c ON c.id = h.connection '
                     f'ORDER BY c.record, c.sequence, c.connected, h.at, h.id')
        h, n = hashlib.sha256(), 0
        for row in con.execute(query):
            h.update(repr(row).encode())
            n += 1
        parts.append(f"{t}={n}:{h.hexdigest()[:16]}")
    clock = con.execute("SELECT value FROM meta WHERE key = 'clock'").fetchone()
    con.close()
    print(f"clock={clock[0] if clock else None} " + " ".join(parts))

def run(mode, limit, wal, out, err, cmd):
    """Runs cmd; with mode `delay`, kills it (SIGKILL) after `limit` seconds, with mode
    `wal` once the file `wal` has `limit` bytes. Prints: killed|finished RC SECONDS
    MAX-WAL-BYTES."""
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
    subprocess.run([sys.executable, os.environ["SEQC_ROOT"] + "/tests/workspace/gen_leads.py"] + sys.argv[2:4], check=True)
elif cmd == "state":
    state(sys.argv[2], len(sys.argv) > 3 and sys.argv[3] == "logical")
elif cmd == "run":
    run(sys.argv[2], float(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6], sys.argv[8:])
elif cmd == "json":  # json FILE EXPR: prints EXPR over the parsed file `j`
    import json
    j = json.load(open(sys.argv[2]))
    print(eval(sys.argv[3]))
PY
tool() { "$python" "$tmp/tool.py" "$@"; }

# state DIR WHAT [logical]: the digest of DIR's database; fails the test when it is damaged.
state() {
  local s
  s=$(tool state "$1/seqc.db" ${3:-}) || fail "$2: the workspace database is damaged: $s"
  printf '%s' "$s"
}

# same_view DIR1 DIR2 VIEW NAME: `seqc VIEW NAME --json` is the same in both workspaces.
same_view() {
  "$SEQC" "$3" "$4" --json --workspace "$1" >"$tmp/view1.json" 2>&1 || fail "seqc $3 '$4' failed in $1: $(cat "$tmp/view1.json")"
  "$SEQC" "$3" "$4" --json --workspace "$2" >"$tmp/view2.json" 2>&1 || fail "seqc $3 '$4' failed in $2: $(cat "$tmp/view2.json")"
  cmp -s "$tmp/view1.json" "$tmp/view2.json" ||
    fail "\`seqc $3 '$4' --json\` differs between $1 and $2:
$(diff "$tmp/view1.json" "$tmp/view2.json" | head -20)"
}
