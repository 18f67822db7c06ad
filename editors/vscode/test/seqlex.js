// The compiler's own tokens of a .seq file (`seqc tokens`), in the shape the grammar
// test reads: {kind, text, start, end} with JavaScript string offsets. Keywords are
// KEYWORD, operators and brackets OP, everything else the grammar's token name.
'use strict';

const { execFileSync } = require('node:child_process');

function lex(seqc, file, text) {
  const out = execFileSync(seqc, ['tokens', file], { encoding: 'utf8', maxBuffer: 1 << 28 });
  // Byte offsets → UTF-16 offsets of `text`.
  const buf = Buffer.from(text, 'utf8');
  const at = new Uint32Array(buf.length + 1);
  for (let b = 0, u = 0; b <= buf.length; ) {
    at[b] = u;
    if (b === buf.length) break;
    const c = buf[b];
    const n = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
    for (let k = 1; k < n && b + k <= buf.length; k++) at[b + k] = u;
    b += n;
    u += n === 4 ? 2 : 1;
  }
  return out.split('\n').filter(Boolean).map((line) => {
    const t = JSON.parse(line);
    const start = at[t.begin], end = at[t.end];
    const kind = t.kind === 'keyword' ? 'KEYWORD' : t.kind === 'punct' ? 'OP' : t.token;
    return { kind, text: text.slice(start, end), start, end };
  });
}

module.exports = { lex };
