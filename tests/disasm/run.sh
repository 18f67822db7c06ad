#!/usr/bin/env bash
# Golden disassembly test: builds FILE.seq with SEQC (twice: the bytes must be identical),
# lists it with `seqc disasm`, and diffs the listing against FILE.expected next to it.
# With --bless it writes FILE.expected instead; review the diff before committing it.
# Usage: tests/disasm/run.sh SEQC FILE.seq [--bless]
set -uo pipefail
[ $# -ge 2 ] || { echo "usage: $0 SEQC FILE.seq [--bless]" >&2; exit 2; }
seqc=$1 file=$2 mode=${3:-}
expected=${file%.seq}.expected
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$seqc" build "$file" -o "$tmp/a.seqb" || { echo "FAIL: seqc build $file" >&2; exit 1; }
"$seqc" build "$file" -o "$tmp/b.seqb" || { echo "FAIL: seqc build $file (again)" >&2; exit 1; }
cmp -s "$tmp/a.seqb" "$tmp/b.seqb" || { echo "FAIL: two builds of $file differ" >&2; exit 1; }
"$seqc" disasm "$tmp/a.seqb" >"$tmp/listing" || { echo "FAIL: seqc disasm $file" >&2; exit 1; }

if [ "$mode" = "--bless" ]; then
  cp "$tmp/listing" "$expected"
  echo "wrote $expected"
  exit 0
fi
[ -f "$expected" ] || { echo "FAIL: no $expected (run with --bless to create it)" >&2; exit 1; }
diff -u "$expected" "$tmp/listing" ||
  { echo "FAIL: the listing of $file differs from $expected (--bless accepts it)" >&2; exit 1; }
