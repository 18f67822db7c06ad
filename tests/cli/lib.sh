# Helpers for CLI test cases: each case is `bash cases/NAME.sh SEQC` run from tests/cli.
set -uo pipefail
SEQC=$1
fail() { echo "FAIL: $*" >&2; exit 1; }
# run CMD…: sets $out (stdout+stderr) and $rc
run() { out=$("$@" 2>&1); rc=$?; }
expect_rc() { [ "$rc" -eq "$1" ] || fail "expected exit $1, got $rc; output:"$'\n'"$out"; }
expect_out() { grep -qF -- "$1" <<<"$out" || fail "output lacks '$1'; output:"$'\n'"$out"; }
expect_no_out() { [ -z "$out" ] || fail "expected no output, got:"$'\n'"$out"; }
# peak_kib IN OUT CMD…: runs CMD with stdin from IN and stdout+stderr to OUT; prints its
# exit status and its peak resident memory in KiB (getrusage of the child: exact, and no
# /usr/bin/time needed).
peak_kib() {
  python3 -c '
import resource, subprocess, sys
with open(sys.argv[1], "rb") as i, open(sys.argv[2], "wb") as o:
    rc = subprocess.run(sys.argv[3:], stdin=i, stdout=o, stderr=subprocess.STDOUT).returncode
print(rc, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
' "$@"
}
