// Folding ranges of a .seq text: each { … } block that spans lines (entity bodies,
// sequence bodies, if/else branches, choice option lists) and each block comment that
// spans lines. Strings and comments are skipped, so a brace inside them does not count.
// Pure function (no vscode import), tested by test/folding.test.js.
'use strict';

/**
 * @param {string} text
 * @returns {{start: number, end: number, kind?: 'comment'}[]} 0-based lines; `end` is
 *   the last line to hide (the line before the closing brace, so `} else {` stays visible).
 */
function foldingRanges(text) {
  const ranges = [];
  const open = []; // lines of the unclosed `{`
  let line = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') { line++; continue; }
    if (c === '/' && text[i + 1] === '/') {
      while (i + 1 < text.length && text[i + 1] !== '\n') i++;
    } else if (c === '/' && text[i + 1] === '*') {
      const startLine = line;
      i += 2;
      while (i < text.length && !(text[i] === '*' && text[i + 1] === '/')) {
        if (text[i] === '\n') line++;
        i++;
      }
      i++; // on the '/' of '*/' (or past the end)
      if (line > startLine) ranges.push({ start: startLine, end: line, kind: 'comment' });
    } else if (c === '"') {
      // a string ends at its closing quote or at the end of the line
      while (i + 1 < text.length && text[i + 1] !== '\n') {
        i++;
        if (text[i] === '\\') { i++; continue; }
        if (text[i] === '"') break;
      }
    } else if (c === '{') {
      open.push(line);
    } else if (c === '}') {
      const start = open.pop();
      if (start !== undefined && line - 1 > start) ranges.push({ start, end: line - 1 });
    }
  }
  return ranges.sort((a, b) => a.start - b.start || b.end - a.end);
}

module.exports = { foldingRanges };
