# seqc finds its standard library relative to itself, wherever the tree is copied.
source "$(dirname "$0")/../lib.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/bin" "$tmp/share/seqc"
cp "$SEQC" "$tmp/bin/seqc"
cp -r "$(dirname "$SEQC")/../share/seqc/stdlib" "$tmp/share/seqc/stdlib"
run env -u SEQC_STDLIB "$tmp/bin/seqc" check inputs/ok.seq; expect_rc 0; expect_no_out
rm -rf "$tmp/share"
run env -u SEQC_STDLIB "$tmp/bin/seqc" check inputs/ok.seq; expect_rc 1; expect_out "standard library not found"
exit 0
