# --diagnostics json prints an array of {file,line,column,severity,kind,message}.
source "$(dirname "$0")/../lib.sh"
run "$SEQC" check --diagnostics json inputs/bad.seq
expect_rc 1
diff -u golden/bad.json <(printf '%s\n' "$out") || fail "json output differs from golden/bad.json"
run "$SEQC" check --diagnostics json inputs/ok.seq
expect_rc 0
[ "$out" = "[]" ] || fail "clean file should print [], got: $out"
exit 0
