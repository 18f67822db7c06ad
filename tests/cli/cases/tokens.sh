# seqc tokens: the lexer's tokens as JSON lines (names, kinds, byte ranges), on any
# input — half-typed text, invalid UTF-8 — exit 0; an unreadable file 1; none 2.
source "$(dirname "$0")/../lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

printf 'sequence "Caf\xc3\xa9" on lead {\n  a: wait 1d12h // c\n  if lead.x == "Op' >"$tmp/half.seq"
run "$SEQC" tokens "$tmp/half.seq"; expect_rc 0
expect_out '{"token":"SEQUENCE","kind":"keyword","begin":0,"end":8}'
expect_out '{"token":"STRING","kind":"string","begin":9,"end":16}'   # bytes, not code points
expect_out '{"token":"DURATION","kind":"number","begin":37,"end":42}'
expect_out '{"token":"LINE_COMMENT","kind":"comment","begin":43,"end":47}'
expect_out '{"token":"EQ","kind":"punct","begin":60,"end":62}'
expect_out '{"token":"UNTERMINATED_STRING","kind":"open_string","begin":63,"end":66}'
[ "$(wc -l <<<"$out")" -eq 16 ] || fail "expected 16 tokens, got:"$'\n'"$out"

printf 'if \xff x' >"$tmp/bad.seq"
run "$SEQC" tokens "$tmp/bad.seq"; expect_rc 0
expect_out '{"token":"BAD_CHAR","kind":"bad","begin":3,"end":4}'
expect_out '{"token":"IDENT","kind":"name","begin":5,"end":6}'

run "$SEQC" tokens "$tmp/missing.seq"; expect_rc 1
expect_out "cannot read"
run "$SEQC" tokens; expect_rc 2
