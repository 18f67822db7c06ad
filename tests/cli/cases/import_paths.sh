# Import paths the file system resolves badly: a loop of symbolic links is said to be
# one (not "no such file"), for an import, for `check` and for `fmt`; a directory is not
# a regular file; a directory whose name is not UTF-8 imports and reports fine.
# Covers the diagnostic kind: // expect-error: ImportNotFound
source "$(dirname "$0")/../lib.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

ln -s loop_b.seq "$tmp/loop_a.seq"
ln -s loop_a.seq "$tmp/loop_b.seq"
mkdir "$tmp/dir.seq"
printf 'import "loop_a.seq"\nimport "dir.seq"\n\nsequence "S" on lead {\n  task "x"\n}\n' >"$tmp/main.seq"
run "$SEQC" check "$tmp/main.seq"; expect_rc 1
expect_out "main.seq:1:8: error: cannot import '$tmp/loop_a.seq': a loop of symbolic links [ImportNotFound]"
expect_out "main.seq:2:8: error: cannot import '$tmp/dir.seq': not a regular file [ImportNotFound]"
run "$SEQC" check "$tmp/loop_a.seq"; expect_rc 1
expect_out "cannot read '$tmp/loop_a.seq': a loop of symbolic links [FileError]"
run "$SEQC" fmt --check "$tmp/loop_a.seq"; expect_rc 1
expect_out "seqc: cannot read '$tmp/loop_a.seq': a loop of symbolic links"

# An importing file in a directory whose name is not UTF-8.
dir="$tmp/"$'d\xE9j\xE0'
mkdir "$dir"
printf 'entity partner "Partner" {\n  name: string(50) "Name"\n}\n' >"$dir/partner.seq"
printf 'import "partner.seq"\n\nsequence "S" on partner {\n  task "x"\n}\n' >"$dir/main.seq"
run "$SEQC" build "$dir/main.seq" -o "$tmp/main.seqb"; expect_rc 0; expect_no_out
printf 'import "partner.seq"\nimport "missing.seq"\n\nsequence "S" on partner {\n  task "x"\n}\n' >"$dir/main.seq"
run "$SEQC" check "$dir/main.seq"; expect_rc 1
expect_out "$tmp/d\\xE9j\\xE0/main.seq:2:8: error: cannot import '$tmp/d\\xE9j\\xE0/missing.seq': no such file [ImportNotFound]"
exit 0
