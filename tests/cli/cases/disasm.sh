# seqc disasm: lists a valid module (exit 0); a damaged, truncated, empty or foreign file
# is "invalid bytecode" (exit 1, never a crash); a missing file is 1; no file is usage (2).
source "$(dirname "$0")/../lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

run "$SEQC" build inputs/ok.seq -o "$tmp/ok.seqb"; expect_rc 0
run "$SEQC" disasm "$tmp/ok.seqb"; expect_rc 0
expect_out "seqb 1.4  source \"ok.seq\""
expect_out '== sequence 0 "Welcome" on lead'
expect_out "activity"
expect_out "'hello: auto_email \"Welcome\"'"

# Damaged files: each is rejected with a message on stderr and nothing on stdout.
expect_invalid() {
  local what=$1 file=$2
  local stdout
  stdout=$("$SEQC" disasm "$file" 2>"$tmp/stderr"); rc=$?
  out=$(cat "$tmp/stderr")
  [ "$rc" -eq 1 ] || fail "$what: expected exit 1, got $rc; stderr: $out"
  [ -z "$stdout" ] || fail "$what: expected no listing, got: $stdout"
  grep -qF "error: invalid bytecode: $file: " <<<"$out" || fail "$what: stderr lacks 'invalid bytecode': $out"
}
size=$(wc -c <"$tmp/ok.seqb")

: >"$tmp/empty.seqb"
expect_invalid "empty file" "$tmp/empty.seqb"
expect_invalid "a .seq source" inputs/ok.seq
grep -qF "not a .seqb file (bad magic)" <<<"$out" || fail "bad magic not named: $out"
printf 'SEQB\002\000\000\000' >"$tmp/v2.seqb"
expect_invalid "a newer major version" "$tmp/v2.seqb"
grep -qF "unsupported bytecode version 2.0 (this seqc reads 1.x)" <<<"$out" || fail "version: $out"

# Truncated at a spread of lengths, and garbage appended (the unit tests cut at every
# byte; here each case is a process, so a sample keeps the test quick).
for ((n = 1; n < size; n += size / 12 + 1)); do
  head -c "$n" "$tmp/ok.seqb" >"$tmp/cut.seqb"
  expect_invalid "truncated to $n bytes" "$tmp/cut.seqb"
done
head -c $((size - 1)) "$tmp/ok.seqb" >"$tmp/cut.seqb"
expect_invalid "last byte cut" "$tmp/cut.seqb"
{ cat "$tmp/ok.seqb"; printf 'x'; } >"$tmp/long.seqb"
expect_invalid "trailing garbage" "$tmp/long.seqb"

# Bytes overwritten here and there: the file loads or is rejected, never crashes.
for ((i = 0; i < size; i += 5)); do
  cp "$tmp/ok.seqb" "$tmp/bad.seqb"
  printf '\377' | dd of="$tmp/bad.seqb" bs=1 seek="$i" conv=notrunc 2>/dev/null
  "$SEQC" disasm "$tmp/bad.seqb" >/dev/null 2>"$tmp/stderr"; rc=$?
  [ "$rc" -eq 0 ] || [ "$rc" -eq 1 ] || fail "byte $i set to 0xff: exit $rc: $(cat "$tmp/stderr")"
  if [ "$rc" -eq 1 ]; then
    grep -qF "invalid bytecode" "$tmp/stderr" || fail "byte $i set to 0xff: $(cat "$tmp/stderr")"
  fi
done

# Files that cannot be read, and usage errors.
run "$SEQC" disasm "$tmp/does-not-exist.seqb"; expect_rc 1
expect_out "error: cannot read '$tmp/does-not-exist.seqb'"
run "$SEQC" disasm "$tmp"; expect_rc 1
expect_out "cannot read"
run "$SEQC" disasm; expect_rc 2
run "$SEQC" disasm "$tmp/ok.seqb" --bogus; expect_rc 2
exit 0
