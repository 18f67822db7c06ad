// folding.js: the folding ranges the extension gives VS Code for braces and block comments.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { foldingRanges } = require('../folding');

const ROOT = path.resolve(process.argv[2] || path.join(__dirname, '..', '..', '..'));

test('blocks fold up to the line before their closing brace', () => {
  const src = [
    'sequence "S" on lead {',        // 0
    '  a: email "{ not a brace"',    // 1
    '  if a.opened within 1d {',     // 2
    '    call "c" // } not a brace', // 3
    '    task "t"',                  // 4
    '  } else {',                    // 5
    '    task "u"',                  // 6
    '  }',                           // 7
    '  /* a comment',                // 8
    '     } { */',                   // 9
    '  if lead.x == 1 { task "v" }', // 10
    '}',                             // 11
  ].join('\n');
  assert.deepEqual(foldingRanges(src), [
    { start: 0, end: 10 },
    { start: 2, end: 4 },
    { start: 5, end: 6 },
    { start: 8, end: 9, kind: 'comment' },
  ]);
});

test('an entity with a multi-line choice', () => {
  const src = 'entity p {\n  tier: choice {\n    1 "Gold",\n    2 "Silver"\n  } "Tier"\n}';
  assert.deepEqual(foldingRanges(src), [{ start: 0, end: 4 }, { start: 1, end: 3 }]);
});

test('half-typed text: unclosed braces and strings', () => {
  assert.deepEqual(foldingRanges('sequence "S on lead {\n  email "x\n}\n'), []);
  assert.deepEqual(foldingRanges('sequence "S" on lead {\n  if x {\n    task "t"\n'), []);
  assert.deepEqual(foldingRanges('}\n}\n{'), []);
});

test('the webinar example folds its sequence and each branch', () => {
  const text = fs.readFileSync(path.join(ROOT, 'examples', 'webinar_follow_up.seq'), 'utf8');
  const lines = text.split('\n');
  const ranges = foldingRanges(text);
  const header = lines.findIndex((l) => l.startsWith('sequence'));
  assert.deepEqual(ranges[0], { start: header, end: lines.lastIndexOf('}') - 1 });
  for (const r of ranges) {
    assert.match(lines[r.start], /\{\s*$/);
    assert.match(lines[r.end + 1], /^\s*\}/);
  }
  assert.equal(ranges.length, lines.filter((l) => /\{\s*$/.test(l)).length);
});
