# seqc graph: valid, deterministic dot for every example; escaping; svg through Graphviz
# when `dot` is installed; errors, unknown sequences and usage mistakes.
source "$(dirname "$0")/../lib.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
have_dot=0; command -v dot >/dev/null 2>&1 && have_dot=1

# valid_dot FILE: dot accepts it (when installed), else it at least looks like a digraph.
valid_dot() {
  if [ $have_dot = 1 ]; then
    dot -Tsvg "$1" >/dev/null 2>"$tmp/dot.err" || fail "dot rejects $1:"$'\n'"$(cat "$tmp/dot.err")"$'\n'"$(cat "$1")"
  else
    head -c 8 "$1" | grep -q '^digraph' || fail "$1 does not start with digraph"
    [ "$(tail -n 1 "$1")" = "}" ] || fail "$1 does not end with }"
  fi
}

# Every example draws, is valid, and draws the same twice.
for f in ../../examples/*.seq; do
  "$SEQC" graph "$f" >"$tmp/a.dot" 2>"$tmp/err"; rc=$?
  [ $rc -eq 0 ] || fail "graph $f: exit $rc: $(cat "$tmp/err")"
  valid_dot "$tmp/a.dot"
  "$SEQC" graph "$f" >"$tmp/b.dot" 2>/dev/null
  cmp -s "$tmp/a.dot" "$tmp/b.dot" || fail "graph $f differs between runs"
done

# What the chart shows: start, the exit note, kinds, waits, conditions and their edges.
cat >"$tmp/flow.seq" <<'EOF'
sequence "Flow" on lead {
  exit on reply
  exit when lead.statecode != "Open"
  intro: auto email "Introduction" template "intro-v2"
  wait 2d
  if intro.opened or intro.clicked within 3d {
    call1: call "Follow-up call" due 1d
    if call1.answered {
      set lead.statuscode = "Contacted"
    } else if lead.budgetamount >= 50000 {
      advance to "Other"
    } else {
      end
    }
  }
  task "Wrap up"
}
sequence "Other" on lead {
  email "Hello"
}
EOF
run "$SEQC" graph "$tmp/flow.seq" --sequence Flow; expect_rc 0
expect_out 'digraph "Flow" {'
expect_out 's1_start [shape=oval, label="start"];'
expect_out 'exit on reply\nexit when lead.statecode != \"Open\"'
expect_out 'label="intro: auto email\nIntroduction"'
expect_out 'label="call1: call\nFollow-up call\ndue 1d"'
expect_out 'label="wait 2d"'
expect_out 'shape=hexagon, label="intro.opened or intro.clicked\nwithin 3d"'
expect_out '[label="opened or clicked within 3d"]'
expect_out '[label="timed out or skipped"]'
expect_out 'shape=diamond, label="lead.budgetamount >= 50000"'
expect_out 'label="advance to\n\"Other\""'
expect_out 's1_done [shape=doublecircle, label="end"];'
printf '%s\n' "$out" >"$tmp/flow.dot"; valid_dot "$tmp/flow.dot"
# Both sequences: one digraph, a cluster each, advance drawn to the target's start.
run "$SEQC" graph "$tmp/flow.seq"; expect_rc 0
expect_out 'subgraph cluster_1 {'
expect_out 'subgraph cluster_2 {'
expect_out '-> s2_start [style=dashed, constraint=false];'
[ "$(grep -c '^digraph' <<<"$out")" -eq 1 ] || fail "several sequences should share one digraph"
printf '%s\n' "$out" >"$tmp/both.dot"; valid_dot "$tmp/both.dot"

# Expressions read as `seqc fmt` prints them (formatExpr): the author's parentheses and
# literals as written, not re-spelled.
cat >"$tmp/expr.seq" <<'EOF'
sequence "Expr" on lead {
  set lead.budgetamount = (1 + 2) * 3
  if (lead.budgetamount > 1.50) and lead.subject == "\u{41}" {
    task "t"
  }
}
EOF
run "$SEQC" graph "$tmp/expr.seq"; expect_rc 0
expect_out 'label="set lead.budgetamount = (1 + 2) * 3"'
expect_out 'label="(lead.budgetamount > 1.50) and\nlead.subject == \"\\u{41}\""'

# Quotes, backslashes and newlines in titles and strings give valid dot.
cat >"$tmp/quotes.seq" <<'EOF'
sequence "Say \"hi\" \\ bye" on lead {
  q: email "He said \"hi\" from C:\\temp\\" description "x"
  task "two\nlines \\n not a newline"
  task "ends with a backslash \\"
  set lead.subject = "a \"quoted\" \\ subject"
}
EOF
run "$SEQC" graph "$tmp/quotes.seq"; expect_rc 0
expect_out 'label="q: email\nHe said \"hi\" from C:\\temp\\"'
expect_out 'label="task\ntwo\nlines \\n not a newline"'
expect_out 'label="task\nends with a backslash \\"'
printf '%s\n' "$out" >"$tmp/quotes.dot"; valid_dot "$tmp/quotes.dot"

# -o writes the same text atomically; a file with errors writes nothing, exit 1.
run "$SEQC" graph inputs/ok.seq -o "$tmp/ok.dot"; expect_rc 0; expect_no_out
"$SEQC" graph inputs/ok.seq | cmp -s - "$tmp/ok.dot" || fail "-o output differs from stdout"
"$SEQC" graph inputs/bad.seq -o "$tmp/bad.dot" >"$tmp/bad.out" 2>"$tmp/bad.err"; rc=$?
[ $rc -eq 1 ] || fail "graph of a file with errors: expected exit 1, got $rc"
[ ! -e "$tmp/bad.dot" ] || fail "graph of a file with errors left an output file"
[ ! -s "$tmp/bad.out" ] || fail "graph of a file with errors printed to stdout"
grep -qF '[UnknownField]' "$tmp/bad.err" || fail "diagnostics missing on stderr: $(cat "$tmp/bad.err")"
[ -z "$(ls "$tmp" | grep '\.tmp\.')" ] || fail "a temporary file was left behind"

# An unknown --sequence is an input error.
run "$SEQC" graph inputs/ok.seq --sequence "Nope"; expect_rc 1; expect_out 'has no sequence "Nope"'

# svg through Graphviz, or a clear error without it.
if [ $have_dot = 1 ]; then
  run "$SEQC" graph inputs/ok.seq --format svg; expect_rc 0; expect_out '<svg'
  run "$SEQC" graph "$tmp/flow.seq" --format svg -o "$tmp/flow.svg"; expect_rc 0
  grep -q '<svg' "$tmp/flow.svg" || fail "-o flow.svg holds no <svg"
fi
run env PATH=/nonexistent "$SEQC" graph inputs/ok.seq --format svg -o "$tmp/none.svg"
expect_rc 1; expect_out 'error: graphviz is not installed (dot not found); use --format dot'
[ ! -e "$tmp/none.svg" ] || fail "a failed svg run left an output file"

# A failing dot is reported, and no output file is left.
mkdir -p "$tmp/fake"; printf '#!/bin/sh\necho "Error: bad graph" >&2\nexit 3\n' >"$tmp/fake/dot"; chmod +x "$tmp/fake/dot"
run env PATH="$tmp/fake:$PATH" "$SEQC" graph inputs/ok.seq --format svg -o "$tmp/fail.svg"
expect_rc 1; expect_out 'dot failed with exit status 3'; expect_out 'Error: bad graph'
[ ! -e "$tmp/fail.svg" ] || fail "a failed dot run left an output file"

# Usage errors.
run "$SEQC" graph;                                 expect_rc 2
run "$SEQC" graph inputs/ok.seq --format png;      expect_rc 2
run "$SEQC" graph inputs/ok.seq --bogus;           expect_rc 2
exit 0
