# The same input gives byte-identical diagnostics, run after run.
source "$(dirname "$0")/../lib.sh"
a=$("$SEQC" check --diagnostics json inputs/bad.seq ../check 2>&1)
b=$("$SEQC" check --diagnostics json inputs/bad.seq ../check 2>&1)
[ "$a" = "$b" ] || fail "output differs between runs"
exit 0
