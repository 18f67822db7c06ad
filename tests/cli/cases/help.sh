# --help, help CMD and --version describe the tool and exit 0.
source "$(dirname "$0")/../lib.sh"
run "$SEQC" --help;        expect_rc 0; expect_out "check"
run "$SEQC" help check;    expect_rc 0; expect_out "--diagnostics"
run "$SEQC" check --help;  expect_rc 0; expect_out "FILE.seq"
run "$SEQC" --version;     expect_rc 0; expect_out "seqc "
exit 0
