# The text rendering matches the golden file exactly (locations, carets, notes, order).
source "$(dirname "$0")/../lib.sh"
run "$SEQC" check inputs/bad.seq
expect_rc 1
diff -u golden/bad.txt <(printf '%s\n' "$out") || fail "text output differs from golden/bad.txt"
exit 0
