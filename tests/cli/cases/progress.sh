# Progress bars: `--progress` draws one on stderr even into a file and leaves stdout
# alone; by default a file or pipe gets none; `--no-progress` under a terminal gets none.
source "$(dirname "$0")/../lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ex=../../examples
args=("$ex/webinar_follow_up.seq" --records "$ex/data/leads.csv" --model "$ex/models/typical.json" --seed 3)
"$SEQC" simulate "${args[@]}" >"$tmp/plain.out" 2>"$tmp/plain.err" || fail "plain run"
[ -s "$tmp/plain.err" ] && fail "a file got progress output: $(cat "$tmp/plain.err")"
"$SEQC" simulate "${args[@]}" --progress >"$tmp/forced.out" 2>"$tmp/forced.err" || fail "--progress run"
cmp -s "$tmp/plain.out" "$tmp/forced.out" || fail "--progress changed stdout"
grep -q $'\rsimulating \\[[#.]*\\] *[0-9]*% ' "$tmp/forced.err" || fail "no bar with --progress: $(cat -v "$tmp/forced.err")"
[[ $(tail -c 4 "$tmp/forced.err") == $'\r\e[K' ]] || fail "the bar was not cleared: $(cat -v "$tmp/forced.err")"
# Under a terminal (script gives the command a pty): --no-progress draws nothing.
script -qec "$(printf '%q ' "$SEQC" simulate "${args[@]}" --no-progress) >/dev/null" "$tmp/typescript" >/dev/null ||
  fail "run under a pty"
grep -q 'simulating' "$tmp/typescript" && fail "--no-progress drew a bar: $(cat -v "$tmp/typescript")"
run "$SEQC" simulate "${args[@]}" --progress --no-progress
expect_rc 2; expect_out "excludes"
exit 0
