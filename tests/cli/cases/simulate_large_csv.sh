# Records from a CSV larger than the reader's 1 MiB chunks: quoted fields with commas,
# "" and line breaks, CRLF line ends, and blank lines land on chunk boundaries; every
# record is read (ids as Python's csv module reads them), and an error in the last cell
# (after a quoted line break) names its line.
source "$(dirname "$0")/../lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 - "$tmp" <<'PY'
import csv, sys
d = sys.argv[1]
with open(f"{d}/leads.csv", "w", newline="") as f:
    f.write("id,companyname,jobtitle\r\n")
    for i in range(120000):
        name = f'Co {i}, "the" firm\nline two' if i % 7 == 0 else f"Co {i}"
        w = csv.writer(f, lineterminator="\r\n" if i % 2 else "\n")
        w.writerow([f'L{i}' if i % 11 else f'"L{i}"', name, "x" * (i % 37)])
        if i % 1000 == 0:
            f.write("\n")
with open(f"{d}/leads.csv", newline="") as f:
    ids = [r[0] for r in csv.reader(f) if r][1:]
open(f"{d}/ids.txt", "w").write("\n".join(ids) + "\n")
PY
[ "$(stat -c %s "$tmp/leads.csv")" -gt 3000000 ] || fail "the CSV is too small to span chunks"
"$SEQC" simulate inputs/ok.seq --records "$tmp/leads.csv" --format jsonl >"$tmp/out.jsonl" || fail "simulate failed"
python3 -c '
import json, sys
got = [json.loads(l)["id"] for l in list(open(sys.argv[1]))[:-1]]
want = open(sys.argv[2]).read().split("\n")[:-1]
assert got == want, f"{len(got)} ids read, {len(want)} expected; first difference at {next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), None)}"
' "$tmp/out.jsonl" "$tmp/ids.txt" || fail "the ids differ"
lines=$(wc -l <"$tmp/leads.csv")
printf 'Lbad,"Co\nbad",%s\n' "$(printf 'y%.0s' {1..101})" >>"$tmp/leads.csv"
run "$SEQC" simulate inputs/ok.seq --records "$tmp/leads.csv"
expect_rc 1; expect_out "leads.csv:$((lines + 2)): field 'jobtitle'"
exit 0
