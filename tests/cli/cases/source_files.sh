# Source files as editors and file systems make them: a byte order mark (checked and
# formatted like the file without it, and kept), a NUL byte or a stray non-UTF-8 byte
# (shown escaped in the text diagnostic, which stays whole and on its own lines), and a
# file name that is not UTF-8 (builds, and a workspace stores it; shown escaped).
source "$(dirname "$0")/../lib.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
bom=$'\xEF\xBB\xBF'

# ---- a byte order mark -------------------------------------------------------------
{ printf '%s' "$bom"; cat inputs/ok.seq; } >"$tmp/bom.seq"
run "$SEQC" check "$tmp/bom.seq"; expect_rc 0; expect_no_out
run "$SEQC" fmt --check "$tmp/bom.seq"; expect_rc 0; expect_no_out
run "$SEQC" build "$tmp/bom.seq" -o "$tmp/bom.seqb"; expect_rc 0
# Formatting keeps the mark and the rest is what the file without it formats to.
printf '%ssequence   "S" on lead{\n  task "x"  // done\n}\n' "$bom" >"$tmp/messy_bom.seq"
printf 'sequence   "S" on lead{\n  task "x"  // done\n}\n' >"$tmp/messy.seq"
"$SEQC" fmt --stdout "$tmp/messy.seq" >"$tmp/messy.out" || fail "fmt of the file without a BOM failed"
"$SEQC" fmt --stdout "$tmp/messy_bom.seq" >"$tmp/messy_bom.out" || fail "fmt of a file with a BOM failed"
{ printf '%s' "$bom"; cat "$tmp/messy.out"; } | cmp -s - "$tmp/messy_bom.out" ||
  fail "fmt of a file with a BOM printed:"$'\n'"$(cat -A "$tmp/messy_bom.out")"
run "$SEQC" fmt "$tmp/messy_bom.seq"; expect_rc 0
cmp -s "$tmp/messy_bom.seq" "$tmp/messy_bom.out" || fail "fmt in place lost the BOM or changed the text"
# Positions do not count the mark: the same diagnostics, columns and carets as without it.
printf 'sequence "S" on leed { task "x" }\n' >"$tmp/plain.seq"
{ printf '%s' "$bom"; cat "$tmp/plain.seq"; } >"$tmp/marked.seq"
run "$SEQC" check "$tmp/plain.seq"; expect_rc 1; plain=${out//plain.seq/F}
run "$SEQC" check "$tmp/marked.seq"; expect_rc 1; marked=${out//marked.seq/F}
expect_out "marked.seq:1:17: error:"
[ "$plain" = "$marked" ] || fail "a BOM changed the diagnostics:"$'\n'"$plain"$'\n'"---"$'\n'"$marked"

# ---- a NUL byte and a stray byte -----------------------------------------------------
printf 'sequence "S" on lead {\n  task "x" \0 task "y"\n}\n' >"$tmp/nul.seq"
printf 'sequence "T" on lead {\n  // caf\xE9\n  task "x"\n}\n' >"$tmp/latin1.seq"
run "$SEQC" check "$tmp/nul.seq" "$tmp/latin1.seq"
expect_rc 1
[ "$(tr -dc '\0' <<<"$out" | wc -c)" -eq 0 ] || fail "the output holds a NUL byte"
expected="$tmp/nul.seq:2:12: error: unexpected character '\\u{0}' [SyntaxError]
      task \"x\" \\u{0} task \"y\"
               ^~~~~
$tmp/latin1.seq:2:9: error: invalid UTF-8 (byte 0xe9); .seq files must be UTF-8 [SyntaxError]
      // caf\\xE9
            ^~~~"
[ "$out" = "$expected" ] || fail "expected:"$'\n'"$expected"$'\n'"got:"$'\n'"$out"
# JSON carries the message as JSON strings do.
run "$SEQC" check --diagnostics json "$tmp/nul.seq"; expect_rc 1
python3 -c 'import json, sys; d = json.loads(sys.argv[1]); assert d[0]["message"] == "unexpected character \u0027\x00\u0027", d' "$out" ||
  fail "JSON diagnostics: $out"

# ---- a file name that is not UTF-8 ---------------------------------------------------
name=$'caf\xE9.seq'
cp inputs/ok.seq "$tmp/$name"
run "$SEQC" build "$tmp/$name" -o "$tmp/latin1.seqb"; expect_rc 0; expect_no_out
run "$SEQC" disasm "$tmp/latin1.seqb"; expect_rc 0; expect_out 'source "caf\\xE9.seq"'  # escaped, then quoted
printf 'sequence "S" on leed {\n  task "x"\n}\n' >"$tmp/$name"
run "$SEQC" check "$tmp/$name"; expect_rc 1
expect_out "$tmp/caf\\xE9.seq:1:17: error: unknown entity 'leed'"
run "$SEQC" build "$tmp/$name" -o "$tmp/latin1.seqb"; expect_rc 1
expect_out "caf\\xE9.seq:1:17:"
grep -q internal <<<"$out" && fail "an internal error: $out"
# A workspace stores the path as text: activate, export, and import (which compiles the
# stored sources again) work.
cp inputs/ok.seq "$tmp/$name"
run "$SEQC" init --workspace "$tmp/ws"; expect_rc 0
run "$SEQC" activate "$tmp/$name" --workspace "$tmp/ws"; expect_rc 0; expect_out 'activated "Welcome" version 1'
run "$SEQC" export Welcome -o "$tmp/bundle.json" --workspace "$tmp/ws"; expect_rc 0
run "$SEQC" init --workspace "$tmp/ws2"; expect_rc 0
run "$SEQC" import "$tmp/bundle.json" --workspace "$tmp/ws2"; expect_rc 0; expect_out 'imported "Welcome"'
exit 0
