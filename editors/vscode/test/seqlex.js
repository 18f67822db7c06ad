// A reference lexer for .seq, written from the lexer rules of grammar/Seq.g4 (longest
// match, the first rule on a tie), independent of the TextMate grammar it checks.
'use strict';

const ESC = String.raw`\\["\\nt]|\\u\{[0-9A-Fa-f]+\}`;
const RULES = [
  ['WS', /[ \t\r\n\f]+/y],
  ['LINE_COMMENT', /\/\/[^\r\n]*/y],
  ['BLOCK_COMMENT', /\/\*[\s\S]*?\*\//y],
  ['UNTERMINATED_COMMENT', /\/\*[\s\S]*/y],
  ['DURATION', /(?:[0-9]+[mhdw])+/y],
  ['DECIMAL', /[0-9]+\.[0-9]+/y],
  ['INT', /[0-9]+/y],
  ['BAD_NUMBER', /[0-9]+[A-Za-z0-9_]*[A-Za-z_][A-Za-z0-9_]*/y],
  ['IDENT', /[A-Za-z_][A-Za-z0-9_]*/y],
  ['STRING', new RegExp(`"(?:${ESC}|[^"\\\\\\r\\n])*"`, 'y')],
  ['UNTERMINATED_STRING', new RegExp(`"(?:${ESC}|[^"\\\\\\r\\n])*`, 'y')],
  ['BAD_ESCAPE_STRING', new RegExp(`"(?:${ESC}|\\\\.|[^"\\\\\\r\\n])*"`, 'y')],
  ['OP', /==|!=|<=|>=|[{}()[\]:,|.=<>+\-*/%]/y],
  ['BAD_CHAR', /[\s\S]/y],
];

const KEYWORDS = new Set(`import entity extend sequence on description tags assign to owner field
  team access where exit reply when email text auto call task linkedin research introduce
  connect inmail template due wait within if else set let end advance and or not in true
  false null string int decimal money bool date datetime choice lookup readonly`.split(/\s+/));

function lex(text) {
  const tokens = [];
  let pos = 0;
  while (pos < text.length) {
    let best = null;
    for (const [kind, re] of RULES) {
      re.lastIndex = pos;
      const m = re.exec(text);
      if (m && m[0].length > 0 && (!best || m[0].length > best.text.length)) {
        best = { kind, text: m[0] };
      }
    }
    if (best.kind === 'IDENT' && KEYWORDS.has(best.text)) best.kind = 'KEYWORD';
    if (best.kind !== 'WS') tokens.push({ kind: best.kind, text: best.text, start: pos, end: pos + best.text.length });
    pos += best.text.length;
  }
  return tokens;
}

module.exports = { lex, KEYWORDS };
