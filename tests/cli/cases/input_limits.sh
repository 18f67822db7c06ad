# No input hangs or exhausts memory: endless inputs (/dev/zero behind a name with the
# right extension) and huge ones are errors naming the file, exit 1, within a memory
# ceiling and a time limit; a binary input's magic number is checked before the rest
# is read.
source "$(dirname "$0")/../lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'id,statecode\nL1,Open\n' >"$tmp/ok.csv"
for name in zero.seqb zero.csv zero.jsonl events.jsonl model.json zero.seq bundle.json; do
  ln -s /dev/zero "$tmp/$name"
done

# Each command runs with at most 1 GiB of address space (not under the sanitizers,
# whose shadow memory reserves terabytes) and 60 s.
limited() {
  if [ -z "${SEQC_SANITIZED:-}" ]; then
    run bash -c 'ulimit -v 1048576; exec timeout 60 "$@"' limited "$@"
  else
    run timeout 60 "$@"
  fi
  [ "$rc" -ne 124 ] || fail "timed out: $*"
}

limited "$SEQC" disasm "$tmp/zero.seqb"
expect_rc 1; expect_out "zero.seqb"; expect_out "invalid bytecode"
limited "$SEQC" simulate "$tmp/zero.seqb" --records "$tmp/ok.csv"
expect_rc 1; expect_out "zero.seqb"
limited "$SEQC" simulate inputs/ok.seq --records "$tmp/zero.csv"
expect_rc 1; expect_out "zero.csv"
limited "$SEQC" simulate inputs/ok.seq --records "$tmp/zero.jsonl"
expect_rc 1; expect_out "zero.jsonl"
limited "$SEQC" simulate inputs/ok.seq --records "$tmp/ok.csv" --events "$tmp/events.jsonl"
expect_rc 1; expect_out "events.jsonl"
limited "$SEQC" simulate inputs/ok.seq --records "$tmp/ok.csv" --model "$tmp/model.json"
expect_rc 1; expect_out "model.json"
limited "$SEQC" tokens "$tmp/zero.seq"
expect_rc 1; expect_out "zero.seq"
limited "$SEQC" check "$tmp/zero.seq"
expect_rc 1; expect_out "zero.seq"

# A 2 GiB sparse module that starts right: refused for its size, not read.
"$SEQC" build inputs/ok.seq -o "$tmp/ok.seqb" >/dev/null || fail "build"
head -c 16 "$tmp/ok.seqb" >"$tmp/big.seqb"
truncate -s 2G "$tmp/big.seqb"
limited "$SEQC" disasm "$tmp/big.seqb"
expect_rc 1; expect_out "big.seqb"; expect_out "64 MiB"
limited "$SEQC" simulate "$tmp/big.seqb" --records "$tmp/ok.csv"
expect_rc 1; expect_out "big.seqb"; expect_out "64 MiB"

# The workspace: records load and import of endless files fail cleanly, and the
# workspace is neither locked meanwhile nor changed.
ws="$tmp/ws"
"$SEQC" init --workspace "$ws" >/dev/null || fail "init"
limited "$SEQC" records load "$tmp/zero.csv" --entity lead --workspace "$ws"
expect_rc 1; expect_out "zero.csv"
limited "$SEQC" import "$tmp/bundle.json" --workspace "$ws"
expect_rc 1; expect_out "bundle.json"
run "$SEQC" list --workspace "$ws"
expect_rc 0; expect_out "no sequences"

# While a records load reads an endless pipe, other writers are not held up.
mkfifo "$tmp/fifo.csv"
timeout 20 "$SEQC" records load "$tmp/fifo.csv" --entity lead --workspace "$ws" >/dev/null 2>&1 &
loader=$!
exec 3>"$tmp/fifo.csv"  # the loader reads; this end stays open, so the input never ends
printf 'id,lastname\n' >&3
sleep 1
run timeout 10 "$SEQC" activate inputs/ok.seq --workspace "$ws"
expect_rc 0; expect_out 'activated "Welcome"'
exec 3>&-
wait "$loader"
exit 0
