# seqc fmt: rewrites files in place (atomically, only when they change), --check lists
# the files that are not canonical (exit 1, writes nothing), --stdout prints instead of
# writing; a file with syntax errors is left untouched with its diagnostics (exit 1); an
# unreadable file is an error (exit 1); wrong usage exits 2.
source "$(dirname "$0")/../lib.sh"
tmp=$(mktemp -d); trap 'chmod -R u+rw "$tmp"; rm -rf "$tmp"' EXIT

messy='sequence   "S" on lead{
  a:email "A"
    wait 2d
  if a.opened within 1d { task "T" } // done
}'
canonical='sequence "S" on lead {
  a: email "A"
  wait 2d
  if a.opened within 1d {
    task "T"
  } // done
}'
printf '%s\n' "$messy" >"$tmp/messy.seq"
printf '%s\n' "$canonical" >"$tmp/canonical.seq"
printf '%s\n' "$canonical" >"$tmp/expected.seq"
cp inputs/ok.seq "$tmp/ok.seq"

# --check: names the files that are not canonical, exit 1, writes nothing.
cp "$tmp/messy.seq" "$tmp/messy.before"
run "$SEQC" fmt --check "$tmp/messy.seq" "$tmp/canonical.seq" "$tmp/ok.seq"
expect_rc 1; expect_out "$tmp/messy.seq"
grep -qF "canonical.seq" <<<"$out" && fail "--check listed a canonical file: $out"
cmp -s "$tmp/messy.seq" "$tmp/messy.before" || fail "--check wrote the file"
run "$SEQC" fmt --check "$tmp/canonical.seq" "$tmp/ok.seq"; expect_rc 0; expect_no_out

# --stdout: prints the formatted text, writes nothing.
run "$SEQC" fmt --stdout "$tmp/messy.seq"; expect_rc 0
[ "$out" = "$canonical" ] || fail "--stdout printed:"$'\n'"$out"
cmp -s "$tmp/messy.seq" "$tmp/messy.before" || fail "--stdout wrote the file"
"$SEQC" fmt --stdout "$tmp/messy.seq" "$tmp/canonical.seq" >"$tmp/both.out" || fail "--stdout of two files failed"
cat "$tmp/expected.seq" "$tmp/expected.seq" | cmp -s - "$tmp/both.out" || fail "--stdout of two files printed the wrong text"

# In place: rewritten, silently; a canonical file is not touched (same inode).
chmod 600 "$tmp/messy.seq"
inode=$(stat -c %i "$tmp/canonical.seq")
run "$SEQC" fmt "$tmp/messy.seq" "$tmp/canonical.seq"; expect_rc 0; expect_no_out
cmp -s "$tmp/messy.seq" "$tmp/expected.seq" || fail "the file was not rewritten canonically: $(cat "$tmp/messy.seq")"
[ "$(stat -c %a "$tmp/messy.seq")" = 600 ] || fail "rewriting lost the file's permissions"
[ "$(stat -c %i "$tmp/canonical.seq")" = "$inode" ] || fail "a canonical file was rewritten"
run "$SEQC" fmt --check "$tmp/messy.seq"; expect_rc 0; expect_no_out
[ -z "$(find "$tmp" -name '*.tmp.*')" ] || fail "a temporary file was left behind"

# CRLF input becomes LF.
printf 'sequence "S" on lead {\r\n  task "T"\r\n}\r\n' >"$tmp/crlf.seq"
run "$SEQC" fmt "$tmp/crlf.seq"; expect_rc 0
printf 'sequence "S" on lead {\n  task "T"\n}\n' | cmp -s - "$tmp/crlf.seq" || fail "CRLF was not converted"

# Syntax errors: the file is left byte for byte, diagnostics as `check` prints them, exit 1;
# the other files are still formatted.
printf 'sequence "S" on lead {\n  task "T" due\n}\n' >"$tmp/broken.seq"
cp "$tmp/broken.seq" "$tmp/broken.before"
printf '%s\n' "$messy" >"$tmp/messy2.seq"
run "$SEQC" fmt "$tmp/broken.seq" "$tmp/messy2.seq"
expect_rc 1; expect_out "broken.seq:3:1: error:"; expect_out "[SyntaxError]"
cmp -s "$tmp/broken.seq" "$tmp/broken.before" || fail "a file with syntax errors was modified"
cmp -s "$tmp/messy2.seq" "$tmp/expected.seq" || fail "the file after a broken one was not formatted"
check_out=$("$SEQC" check "$tmp/broken.seq" 2>&1)
run "$SEQC" fmt "$tmp/broken.seq"
[ "$out" = "$check_out" ] || fail "fmt and check print different diagnostics:"$'\n'"$out"$'\n'"vs"$'\n'"$check_out"
run "$SEQC" fmt --check "$tmp/broken.seq"; expect_rc 1; expect_out "[SyntaxError]"
run "$SEQC" fmt --stdout "$tmp/broken.seq"; expect_rc 1; expect_out "[SyntaxError]"
# Semantic errors are not the formatter's business: formatted, exit 0.
printf 'sequence "S" on lead {\n  set lead.nosuchfield   = 1\n}\n' >"$tmp/semantic.seq"
run "$SEQC" fmt "$tmp/semantic.seq"; expect_rc 0; expect_no_out
grep -qF 'set lead.nosuchfield = 1' "$tmp/semantic.seq" || fail "a file with semantic errors was not formatted"

# Unreadable files: exit 1 with a message, the others still formatted.
printf '%s\n' "$messy" >"$tmp/messy3.seq"
run "$SEQC" fmt "$tmp/missing.seq" "$tmp/messy3.seq"
expect_rc 1; expect_out "cannot read '$tmp/missing.seq': no such file"
cmp -s "$tmp/messy3.seq" "$tmp/expected.seq" || fail "the file after a missing one was not formatted"
run "$SEQC" fmt "$tmp"; expect_rc 1; expect_out "not a regular file"
if [ "$(id -u)" != 0 ]; then
  printf '%s\n' "$messy" >"$tmp/locked.seq"; chmod 000 "$tmp/locked.seq"
  run "$SEQC" fmt "$tmp/locked.seq"; expect_rc 1; expect_out "cannot read"
fi
# A file the formatter can read but not replace (read-only directory): exit 1, unchanged.
mkdir "$tmp/ro"; printf '%s\n' "$messy" >"$tmp/ro/x.seq"; chmod 555 "$tmp/ro"
if [ "$(id -u)" != 0 ]; then
  run "$SEQC" fmt "$tmp/ro/x.seq"; expect_rc 1; expect_out "cannot write"
  printf '%s\n' "$messy" | cmp -s - "$tmp/ro/x.seq" || fail "a file in a read-only directory changed"
fi
chmod 755 "$tmp/ro"

# Deep nesting near the parser's limits (250 blocks, 250 parentheses, 250 `not`, a
# 900-term sum): formatted, and the result is canonical.
{
  echo 'sequence "Deep" on lead {'
  echo '  a: email "A"'
  for i in $(seq 250); do echo "if lead.budgetamount > $i {"; done
  echo 'task "deep"'
  for i in $(seq 250); do echo '}'; done
  printf 'let p = %s1%s\n' "$(printf '(%.0s' $(seq 250))" "$(printf ')%.0s' $(seq 250))"
  printf 'let q = %strue\n' "$(printf 'not %.0s' $(seq 250))"
  printf 'let r = 1%s\n' "$(printf ' + 1%.0s' $(seq 900))"
  echo 'set lead.budgetamount = p + r'
  echo 'if q { task "q" }'
  echo '}'
} >"$tmp/deep.seq"
run "$SEQC" fmt --stdout "$tmp/deep.seq"; expect_rc 0
printf '%s\n' "$out" >"$tmp/deep_formatted.seq"
grep -qF "$(printf '%500s' '')task \"deep\"" "$tmp/deep_formatted.seq" || fail "the deepest statement is not indented 250 levels"
run "$SEQC" fmt --check "$tmp/deep_formatted.seq"; expect_rc 0; expect_no_out
run "$SEQC" check "$tmp/deep_formatted.seq"; expect_rc 0

# Wrong usage.
run "$SEQC" fmt;                                       expect_rc 2
run "$SEQC" fmt --bogus "$tmp/ok.seq";                 expect_rc 2
run "$SEQC" fmt --check --stdout "$tmp/ok.seq";        expect_rc 2
run "$SEQC" help fmt;  expect_rc 0; expect_out "--check"; expect_out "--stdout"
run "$SEQC" --help;    expect_rc 0; expect_out "fmt"
exit 0
