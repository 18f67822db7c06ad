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
# The workspace's long commands: the same flags, the bar on stderr, stdout unchanged.
ws="$tmp/ws"
"$SEQC" init --workspace "$ws" --clock 2026-01-05T09:00:00Z >/dev/null || fail "init"
"$SEQC" activate "$ex/webinar_follow_up.seq" --workspace "$ws" >/dev/null || fail "activate"
"$SEQC" records load "$ex/data/leads.csv" --entity lead --workspace "$ws" --progress >"$tmp/load.out" 2>"$tmp/load.err" ||
  fail "records load --progress"
grep -q 'loaded 10 records' "$tmp/load.out" || fail "records load output: $(cat "$tmp/load.out")"
grep -q $'loading records ' "$tmp/load.err" || fail "no bar from records load: $(cat -v "$tmp/load.err")"
"$SEQC" connect "Webinar follow up" --where 'lead.statecode == "Open"' --workspace "$ws" --progress \
  >"$tmp/connect.out" 2>"$tmp/connect.err" || fail "connect --progress"
grep -q $'connecting ' "$tmp/connect.err" || fail "no bar from connect: $(cat -v "$tmp/connect.err")"
"$SEQC" tick --to 2026-01-07T09:00:00Z --workspace "$ws" >"$tmp/tick.out" 2>"$tmp/tick.err" || fail "tick"
[ -s "$tmp/tick.err" ] && fail "tick into a file drew a bar: $(cat -v "$tmp/tick.err")"
"$SEQC" tick --to 2026-01-09T09:00:00Z --workspace "$ws" --progress >/dev/null 2>"$tmp/tick2.err" || fail "tick --progress"
grep -q $'ticking ' "$tmp/tick2.err" || fail "no bar from tick: $(cat -v "$tmp/tick2.err")"
exit 0
