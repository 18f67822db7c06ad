# A file that cannot be read is an input error (exit 1) with a clear message.
# Covers the diagnostic kind: // expect-error: FileError
source "$(dirname "$0")/../lib.sh"
run "$SEQC" check inputs/does-not-exist.seq
expect_rc 1
expect_out "cannot read 'inputs/does-not-exist.seq': no such file [FileError]"
run "$SEQC" check inputs
expect_rc 1
expect_out "not a regular file [FileError]"
exit 0
