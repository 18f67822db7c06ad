# seqc check: 0 for a clean file (and no output), 1 for errors, 2 for wrong usage.
source "$(dirname "$0")/../lib.sh"
run "$SEQC" check inputs/ok.seq;            expect_rc 0; expect_no_out
run "$SEQC" check inputs/bad.seq;           expect_rc 1
run "$SEQC" check inputs/ok.seq inputs/bad.seq; expect_rc 1
run "$SEQC" check;                          expect_rc 2
run "$SEQC" check --bogus inputs/ok.seq;    expect_rc 2
run "$SEQC" frobnicate;                     expect_rc 2
run "$SEQC";                                expect_rc 2
run "$SEQC" check --diagnostics xml inputs/ok.seq; expect_rc 2
run "$SEQC" help nosuchcommand;             expect_rc 2
exit 0
