# seqc build: writes FILE.seqb (or -o OUT), silently, byte-identical run after run; a file
# with errors prints diagnostics, exits 1 and writes nothing; no file argument exits 2.
source "$(dirname "$0")/../lib.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

cp inputs/ok.seq "$tmp/ok.seq"
run "$SEQC" build "$tmp/ok.seq";                      expect_rc 0; expect_no_out
[ -s "$tmp/ok.seqb" ] || fail "default output $tmp/ok.seqb was not written"
[ "$(head -c 4 "$tmp/ok.seqb")" = "SEQB" ] || fail "output does not start with the SEQB magic"
run "$SEQC" build "$tmp/ok.seq" -o "$tmp/again.seqb"; expect_rc 0; expect_no_out
cmp -s "$tmp/ok.seqb" "$tmp/again.seqb" || fail "two builds of the same file differ"

# An example with imports, built twice.
ex=../../examples/scored_lead_nurture.seq
run "$SEQC" build "$ex" -o "$tmp/a.seqb";             expect_rc 0; expect_no_out
run "$SEQC" build "$ex" --output "$tmp/b.seqb";       expect_rc 0; expect_no_out
cmp -s "$tmp/a.seqb" "$tmp/b.seqb" || fail "two builds of $ex differ"

# A name without .seq gets .seqb appended.
cp inputs/ok.seq "$tmp/plain"
run "$SEQC" build "$tmp/plain";                       expect_rc 0
[ -s "$tmp/plain.seqb" ] || fail "default output $tmp/plain.seqb was not written"

# Errors: diagnostics as `check` prints them, exit 1, no output file.
cp inputs/bad.seq "$tmp/bad.seq"
run "$SEQC" build "$tmp/bad.seq";                     expect_rc 1; expect_out "[UnknownField]"
[ ! -e "$tmp/bad.seqb" ] || fail "a file with errors produced $tmp/bad.seqb"
run "$SEQC" build "$tmp/bad.seq" -o "$tmp/out.seqb";  expect_rc 1
[ ! -e "$tmp/out.seqb" ] || fail "a file with errors produced $tmp/out.seqb"
run "$SEQC" build --diagnostics json "$tmp/bad.seq";  expect_rc 1; expect_out '"kind": "UnknownField"'
run "$SEQC" build "$tmp/missing.seq";                 expect_rc 1; expect_out "[FileError]"
# Clean for the checker but beyond the format's limits: an error, no output file.
printf 'sequence "s" on lead {\n  task "x" due 400d\n}\n' > "$tmp/long.seq"
run "$SEQC" build "$tmp/long.seq";                    expect_rc 1; expect_out "long.seq:2:"
[ ! -e "$tmp/long.seqb" ] || fail "a module beyond the limits produced $tmp/long.seqb"
[ -z "$(find "$tmp" -name '*.tmp.*')" ] || fail "a temporary file was left behind"

# Wrong usage.
run "$SEQC" build;                                    expect_rc 2
run "$SEQC" build --bogus "$tmp/ok.seq";              expect_rc 2
run "$SEQC" build --diagnostics xml "$tmp/ok.seq";    expect_rc 2
run "$SEQC" build "$tmp/ok.seq" "$tmp/plain";         expect_rc 2
# A limit of the format the checker does not know (a step lasting over 366 days): a
# clear error naming file and line, exit 1, no output.
printf 'sequence "S" on lead {\n  task "T" due 400d\n}\n' >"$tmp/due.seq"
run "$SEQC" build "$tmp/due.seq" -o "$tmp/due.seqb"
expect_rc 1; expect_out "due.seq:2: \`due\` is longer than the 366 days"
[ -e "$tmp/due.seqb" ] && fail "a failed build wrote $tmp/due.seqb"
exit 0
