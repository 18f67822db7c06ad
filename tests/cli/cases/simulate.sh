# `seqc simulate`: usage errors (2), bad inputs (1, naming file and line), hostile
# bytecode (1, "invalid bytecode"), and no output but the report on stdout.
source "$(dirname "$0")/../lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'id,budgetamount\nL1,1000\nL2,lots\n' >"$tmp/bad.csv"
printf 'id,statecode\nL1,Open\n' >"$tmp/ok.csv"
printf '{"at": "+1h", "record": "L1", "event": "opened", "step": "hello"}\n{"at": "+1h", "record": "L1"\n' >"$tmp/bad.jsonl"

run "$SEQC" simulate inputs/ok.seq
expect_rc 2; expect_out "--records"
run "$SEQC" simulate inputs/ok.seq --records "$tmp/ok.csv" --until soon
expect_rc 2; expect_out "--until"
run "$SEQC" simulate inputs/ok.seq --records "$tmp/ok.csv" --start yesterday
expect_rc 2; expect_out "--start"
run "$SEQC" simulate inputs/ok.seq --records "$tmp/ok.csv" --seed 3
expect_rc 2

run "$SEQC" simulate inputs/ok.seq --records "$tmp/bad.csv"
expect_rc 1; expect_out "bad.csv:3: field 'budgetamount'"
run "$SEQC" simulate inputs/ok.seq --records "$tmp/ok.csv" --events "$tmp/bad.jsonl"
expect_rc 1; expect_out "bad.jsonl:2:"
run "$SEQC" simulate inputs/ok.seq --records "$tmp/missing.csv"
expect_rc 1; expect_out "missing.csv"
echo '{"email": {"open": 2}}' >"$tmp/model.json"
run "$SEQC" simulate inputs/ok.seq --records "$tmp/ok.csv" --model "$tmp/model.json"
expect_rc 1; expect_out "email.open"
run "$SEQC" simulate inputs/bad.seq --records "$tmp/ok.csv"
expect_rc 1; expect_out "error:"

# Several sequences: --sequence is required, and must name one of them.
cat >"$tmp/two.seq" <<'SEQ'
sequence "One" on lead { email "A" }
sequence "Two" on lead { task "B" }
SEQ
run "$SEQC" simulate "$tmp/two.seq" --records "$tmp/ok.csv"
expect_rc 2; expect_out "--sequence"
run "$SEQC" simulate "$tmp/two.seq" --records "$tmp/ok.csv" --sequence Three
expect_rc 1; expect_out '"One", "Two"'
run "$SEQC" simulate "$tmp/two.seq" --records "$tmp/ok.csv" --sequence Two
expect_rc 0; expect_out 'task "B"'

# Hostile bytecode: truncated, flipped, empty, not bytecode at all.
"$SEQC" build inputs/ok.seq -o "$tmp/ok.seqb" || fail "build"
head -c 40 "$tmp/ok.seqb" >"$tmp/short.seqb"
: >"$tmp/empty.seqb"
cp inputs/ok.seq "$tmp/text.seqb"
for f in short empty text; do
  run "$SEQC" simulate "$tmp/$f.seqb" --records "$tmp/ok.csv"
  expect_rc 1; expect_out "error: invalid bytecode: $tmp/$f.seqb"
done
size=$(wc -c <"$tmp/ok.seqb")
for ((i = 0; i < size; i += 7)); do
  cp "$tmp/ok.seqb" "$tmp/flip.seqb"
  printf '\xff' | dd of="$tmp/flip.seqb" bs=1 seek=$i conv=notrunc status=none
  run "$SEQC" simulate "$tmp/flip.seqb" --records "$tmp/ok.csv" --format json
  [ "$rc" -eq 0 ] || [ "$rc" -eq 1 ] || fail "byte $i flipped: exit $rc: $out"
  [ "$rc" -eq 0 ] || expect_out "invalid bytecode"
done

# A good run prints the report on stdout and nothing on stderr.
"$SEQC" simulate "$tmp/ok.seqb" --records "$tmp/ok.csv" --format json >"$tmp/out.json" 2>"$tmp/err.txt" ||
  fail "simulate failed"
[ -s "$tmp/err.txt" ] && fail "stderr not empty: $(cat "$tmp/err.txt")"
grep -q '"sequence": "Welcome"' "$tmp/out.json" || fail "no JSON report"
exit 0
