# Helpers for CLI test cases: each case is `bash cases/NAME.sh SEQC` run from tests/cli.
set -uo pipefail
SEQC=$1
fail() { echo "FAIL: $*" >&2; exit 1; }
# run CMD…: sets $out (stdout+stderr) and $rc
run() { out=$("$@" 2>&1); rc=$?; }
expect_rc() { [ "$rc" -eq "$1" ] || fail "expected exit $1, got $rc; output:"$'\n'"$out"; }
expect_out() { grep -qF -- "$1" <<<"$out" || fail "output lacks '$1'; output:"$'\n'"$out"; }
expect_no_out() { [ -z "$out" ] || fail "expected no output, got:"$'\n'"$out"; }
