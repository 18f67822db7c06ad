// Loads syntaxes/seq.tmLanguage.json with vscode-textmate and vscode-oniguruma (the
// engine VS Code itself uses) and tokenizes text into lines of {start, end, text, scopes}.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
if (!fs.existsSync(path.join(__dirname, '..', 'node_modules', 'vscode-textmate'))) {
  console.error('editors/vscode/node_modules is missing: run scripts/setup (npm ci in editors/vscode)');
  process.exit(1);
}
const vsctm = require('vscode-textmate');
const oniguruma = require('vscode-oniguruma');

const GRAMMAR = path.join(__dirname, '..', 'syntaxes', 'seq.tmLanguage.json');

async function loadGrammar() {
  const wasm = fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scopeName) => {
      if (scopeName !== 'source.seq') return null;
      return vsctm.parseRawGrammar(fs.readFileSync(GRAMMAR, 'utf8'), GRAMMAR);
    },
  });
  const grammar = await registry.loadGrammar('source.seq');
  if (!grammar) throw new Error('source.seq did not load');
  return grammar;
}

// Tokenizes a whole text. Throws when a line is not tokenized to its end.
function tokenize(grammar, text) {
  const lines = text.split(/\r?\n/);
  let state = vsctm.INITIAL;
  const out = [];
  lines.forEach((line, i) => {
    const r = grammar.tokenizeLine(line, state, 10000);
    if (r.stoppedEarly) throw new Error(`line ${i + 1}: tokenization stopped early`);
    const last = r.tokens[r.tokens.length - 1];
    if (line.length > 0 && (!last || last.endIndex < line.length)) {
      throw new Error(`line ${i + 1}: tokens do not cover the line`);
    }
    out.push(r.tokens.map((t) => ({
      start: t.startIndex,
      end: Math.min(t.endIndex, line.length),
      text: line.slice(t.startIndex, t.endIndex),
      scopes: t.scopes,
    })));
    state = r.ruleStack;
  });
  return { lines, tokens: out };
}

// The scopes of the character at (line, col), 0-based.
function scopesAt(tok, line, col) {
  for (const t of tok.tokens[line]) {
    if (col >= t.start && col < t.end) return t.scopes;
  }
  return [];
}

module.exports = { loadGrammar, tokenize, scopesAt };
