// The TextMate grammar (syntaxes/seq.tmLanguage.json), loaded with vscode-textmate and
// vscode-oniguruma as VS Code loads it:
//  1. concrete snippets get the expected scopes (keywords, activity kinds, durations,
//     numbers, strings and escapes, comments, labels, field references, operators, types);
//  2. every example (examples/*.seq, examples/schemas/*.seq) and every standard library
//     schema is tokenized to the end of every line, and every token the compiler's lexer
//     finds in it (`seqc tokens`, through seqlex.js) has the scope its kind and place call for;
//  3. every .seq file under tests/ (many of them deliberately wrong) tokenizes without a
//     line failing.
// Run: node test/grammar.test.js REPO_ROOT SEQC
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { loadGrammar, tokenize, scopesAt } = require('./textmate');
const { lex } = require('./seqlex');

const ROOT = path.resolve(process.argv[2] || path.join(__dirname, '..', '..', '..'));
const SEQC = process.argv[3] || 'seqc';
const grammarP = loadGrammar();

// A scope matches a selector when it is the selector or starts with `selector.`.
function has(scopes, selector) {
  return scopes.some((s) => s === selector || s.startsWith(selector + '.'));
}

// Tokenizes `src` and checks that every character of the nth occurrence of `needle`
// carries `selector` (and none of `not`).
// With `within`, the needle is looked for inside the first occurrence of that text.
async function expectScope(src, needle, selector, { nth = 0, not = [], within } = {}) {
  const tok = tokenize(await grammarP, src);
  let from = -1;
  if (within !== undefined) {
    const w = src.indexOf(within);
    assert.notEqual(w, -1, `"${within}" not in the snippet`);
    from = src.indexOf(needle, w);
    assert.ok(from !== -1 && from + needle.length <= w + within.length, `"${needle}" not in "${within}"`);
  } else {
    for (let i = 0; i <= nth; i++) {
      from = src.indexOf(needle, from + 1);
      assert.notEqual(from, -1, `"${needle}" (occurrence ${nth}) not in the snippet`);
    }
  }
  const before = src.slice(0, from).split('\n');
  let line = before.length - 1;
  let col = before[before.length - 1].length;
  for (const ch of needle) {
    if (ch === '\n') { line++; col = 0; continue; }
    const scopes = scopesAt(tok, line, col);
    assert.ok(has(scopes, selector),
      `"${needle}" in ${JSON.stringify(src)}: '${ch}' at ${line + 1}:${col + 1} has [${scopes.join(', ')}], expected ${selector}`);
    for (const n of [].concat(not)) {
      assert.ok(!has(scopes, n), `"${needle}": '${ch}' has ${n}: [${scopes.join(', ')}]`);
    }
    col++;
  }
}

// ---------------------------------------------------------------------------------------
// 1. Snippets

test('control keywords', async () => {
  const src = [
    'sequence "S" on lead {',
    '  exit on reply',
    '  a: email "A"',
    '  wait 2d',
    '  if a.opened within 3d { end } else if lead.x == 1 { advance to "T" } else { call "C" }',
    '}',
  ].join('\n');
  await expectScope(src, 'if', 'keyword.control.conditional.seq');
  await expectScope(src, 'else', 'keyword.control.conditional.seq');
  await expectScope(src, 'else', 'keyword.control.conditional.seq', { nth: 1 });
  await expectScope(src, 'if', 'keyword.control.conditional.seq', { nth: 1 });
  await expectScope(src, 'wait', 'keyword.control.seq');
  await expectScope(src, 'within', 'keyword.control.seq');
  await expectScope(src, 'end', 'keyword.control.seq');
  await expectScope(src, 'advance', 'keyword.control.seq');
  await expectScope(src, 'to', 'keyword.control.seq');
  await expectScope(src, 'exit', 'keyword.control.seq');
  await expectScope(src, '"T"', 'string.quoted.double.seq');
  await expectScope(src, '"T"', 'entity.name.section.sequence.seq');
});

test('declaration keywords', async () => {
  await expectScope('import "schemas/custom_fields.seq"', 'import', 'keyword.control.import.seq');
  await expectScope('import "schemas/custom_fields.seq"', '"schemas/custom_fields.seq"', 'string.quoted.double.seq');
  const seq = 'sequence "Webinar \\"follow\\" up" on lead {\n  task "T"\n}';
  await expectScope(seq, 'sequence', 'storage.type.sequence.seq');
  await expectScope(seq, '"Webinar \\"follow\\" up"', 'string.quoted.double.seq');
  await expectScope(seq, '"Webinar \\"follow\\" up"', 'entity.name.section.sequence.seq');
  await expectScope(seq, '\\"', 'constant.character.escape.seq');
  await expectScope(seq, 'on', 'keyword.other.on.seq');
  await expectScope(seq, 'lead', 'entity.name.type.entity.seq');
  const ext = 'extend entity lead {\n  new_score: int "Score"\n}';
  await expectScope(ext, 'extend', 'storage.modifier.extend.seq');
  await expectScope(ext, 'entity', 'storage.type.entity.seq');
  await expectScope(ext, 'lead', 'entity.name.type.entity.seq');
  await expectScope('entity team "Team" {\n  teamid: id readonly\n}', 'team', 'entity.name.type.entity.seq', { not: 'keyword' });
  const let_ = 'sequence "S" on lead {\n  let points = 1\n  points = points + 1\n}';
  await expectScope(let_, 'let', 'storage.type.let.seq');
  await expectScope(let_, 'points', 'variable.other.readwrite.declaration.seq');
  await expectScope(let_, 'points', 'variable.other.readwrite.seq', { nth: 1, not: 'variable.other.readwrite.declaration' });
  await expectScope('sequence "S" on lead {\n  set lead.statuscode = "Contacted"\n}', 'set', 'keyword.other.set.seq');
});

test('settings', async () => {
  const src = [
    'sequence "S" on lead {',
    '  description "D"',
    '  tags "templates", "marketing/webinar"',
    '  assign to owner',
    '  assign to field lead.ownerid',
    '  assign to team access where lead.x == 1',
    '  exit on reply',
    '  exit when lead.statecode != "Open"',
    '}',
  ].join('\n');
  for (const w of ['description', 'tags', 'assign', 'to', 'owner', 'field', 'team', 'access', 'where', 'reply', 'when']) {
    await expectScope(src, w, 'keyword.other.setting.seq', { not: 'variable' });
  }
  await expectScope(src, 'exit', 'keyword.control.seq');
  await expectScope(src, 'on', 'keyword.other.on.seq', { within: 'exit on reply' });
  await expectScope(src, '"marketing/webinar"', 'string.quoted.double.seq');
  await expectScope(src, ',', 'punctuation.separator.comma.seq');
});

test('activity kinds have their own scope', async () => {
  const kinds = ['email', 'auto email', 'text', 'auto text', 'call', 'task',
    'linkedin research', 'linkedin introduce', 'linkedin connect', 'linkedin inmail'];
  for (const k of kinds) {
    const src = `sequence "S" on lead {\n  ${k} "Title" template "t" due 1d description "d"\n}`;
    await expectScope(src, k, 'support.function.activity.seq', { not: ['keyword', 'variable'] });
    await expectScope(src, '"Title"', 'string.quoted.double.seq');
    await expectScope(src, 'template', 'keyword.other.option.seq');
    await expectScope(src, 'due', 'keyword.other.option.seq');
    await expectScope(src, '1d', 'constant.numeric.duration.seq');
  }
  // `auto email` is one token, `auto  email` too
  const tok = tokenize(await grammarP, '  auto   email "x" template "t"');
  assert.equal(tok.tokens[0].find((t) => t.text.startsWith('auto')).text, 'auto   email');
});

test('durations and numbers', async () => {
  const src = 'sequence "S" on lead {\n  wait 2d\n  wait 1d12h\n  wait 30m\n  wait 1w\n  wait 1d 12h\n  if lead.a > 12.5 or lead.b == 42 { task "t" due 4h }\n}';
  for (const d of ['2d', '1d12h', '30m', '1w', '4h']) {
    await expectScope(src, d, 'constant.numeric.duration.seq');
  }
  await expectScope(src, '12h', 'constant.numeric.duration.seq', { nth: 1 });
  await assert.rejects(expectScope(src, '1d 12h', 'constant.numeric.duration.seq'), /has \[source\.seq/,
    'the space between two durations is not part of one');
  await expectScope(src, '12.5', 'constant.numeric.decimal.seq');
  await expectScope(src, '42', 'constant.numeric.integer.seq');
  await expectScope('  wait 2dx', '2dx', 'invalid.illegal.numeric.seq');
  await expectScope('  x = 12abc', '12abc', 'invalid.illegal.numeric.seq');
  await expectScope('  x = call1', 'call1', 'variable.other.readwrite.seq', { not: 'constant.numeric' });
});

test('strings, escapes and invalid escapes', async () => {
  const s = String.raw`  email "a\nb\tc \"q\" \\ \u{1F600} \q \u{zz}" template "t"`;
  await expectScope(s, String.raw`"a\nb\tc \"q\" \\ \u{1F600} \q \u{zz}"`, 'string.quoted.double.seq');
  for (const e of [String.raw`\n`, String.raw`\t`, String.raw`\"`, String.raw`\\`]) {
    await expectScope(s, e, 'constant.character.escape.seq', { not: 'invalid' });
  }
  await expectScope(s, String.raw`\u{1F600}`, 'constant.character.escape.unicode.seq', { not: 'invalid' });
  await expectScope(s, String.raw`\q`, 'invalid.illegal.escape.seq');
  await expectScope(s, String.raw`\u{zz}`, 'invalid.illegal.escape.seq');
  await expectScope(s, 'template', 'keyword.other.option.seq', { not: 'string' });
  await expectScope(s, '"', 'punctuation.definition.string.begin.seq');
  // a string ends at the end of its line
  const u = 'sequence "S" on lead {\n  email "unterminated\n  call "C"\n}';
  await expectScope(u, 'call', 'support.function.activity.seq', { not: 'string' });
  // comment markers inside a string are text
  await expectScope('  email "see // this /* and */"', '// this /* and */', 'string.quoted.double.seq', { not: 'comment' });
});

test('line and block comments', async () => {
  const src = [
    '// if wait email "x"',
    'sequence "S" on lead { // trailing',
    '  /* a block',
    '     if wait call "c" */ task "T"',
    '  call "x" // end',
    '}',
    '/* unterminated',
    'sequence',
  ].join('\n');
  await expectScope(src, '// if wait email "x"', 'comment.line.double-slash.seq', { not: ['keyword', 'string'] });
  await expectScope(src, '//', 'punctuation.definition.comment.seq');
  await expectScope(src, '// trailing', 'comment.line.double-slash.seq');
  await expectScope(src, '/* a block\n     if wait call "c" */', 'comment.block.seq', { not: ['keyword', 'support', 'string'] });
  await expectScope(src, 'task', 'support.function.activity.seq', { not: 'comment' });
  await expectScope(src, '// end', 'comment.line.double-slash.seq', { not: 'keyword' });
  await expectScope(src, '/* unterminated\nsequence', 'comment.block.seq', { not: 'storage' });
  await expectScope('  x = a / b', '/', 'keyword.operator.arithmetic.seq', { not: 'comment' });
});

test('step labels', async () => {
  const src = [
    'sequence "S" on lead {',
    '  recap: auto email "Recap" template "t"',
    '  call1 : call "C"',
    '  if recap.opened within 2d { nudge: email "N" } else {',
    '    follow_up2: task "T"',
    '  }',
    '}',
  ].join('\n');
  await expectScope(src, 'recap', 'entity.name.label.seq');
  await expectScope(src, ':', 'punctuation.separator.label.seq');
  await expectScope(src, 'call1', 'entity.name.label.seq');
  await expectScope(src, 'nudge', 'entity.name.label.seq');
  await expectScope(src, 'follow_up2', 'entity.name.label.seq');
  await expectScope(src, 'recap', 'variable.other.object.seq', { nth: 1, not: 'entity.name.label' });
  // a field declaration is not a label
  await expectScope('entity p {\n  name: string(100) "Name"\n}', 'name', 'variable.other.property.declaration.seq', { not: 'entity.name.label' });
  // and a keyword is not one either
  await expectScope('  email: task "T"', 'email', 'support.function.activity.seq', { not: 'entity.name.label' });
});

test('field references', async () => {
  const src = [
    'sequence "S" on lead {',
    '  exit when lead.statecode != "Open"',
    '  a: email "A"',
    '  if a.clicked within 1d { set lead.statuscode = "Contacted" }',
    '  if lead.description == "x" and lead . subject == "y" { task "T" }',
    '}',
  ].join('\n');
  await expectScope(src, 'lead', 'variable.other.object.seq', { nth: 1 });
  await expectScope(src, '.', 'punctuation.accessor.seq', { nth: 0 });
  await expectScope(src, 'statecode', 'variable.other.property.seq');
  await expectScope(src, 'statuscode', 'variable.other.property.seq');
  await expectScope(src, 'clicked', 'variable.other.property.event.seq');
  await expectScope(src, 'a', 'variable.other.object.seq', { within: 'a.clicked' });
  // keywords after the dot are field names
  await expectScope(src, 'description', 'variable.other.property.seq', { not: 'keyword' });
  await expectScope(src, 'subject', 'variable.other.property.seq');
  // half-typed `lead.`
  await expectScope('  if lead.', 'lead', 'variable.other.object.seq');
  await expectScope('  if lead.', '.', 'punctuation.accessor.seq');
});

test('operators, constants and functions', async () => {
  const src = 'sequence "S" on lead {\n  let x = (1 + 2 - 3) * 4 / 5 % 6\n  if x == 1 or x != 2 and not x < 3 or x <= 4 or x > 5 or x >= 6 or lead.c in ["A", "B"] or lead.d == null or lead.e == true or lead.f == false or days_since(lead.g) > len(lower("X")) { task "t" }\n}';
  for (const op of ['+', '-', '*', '/', '%']) await expectScope(src, op, 'keyword.operator.arithmetic.seq');
  for (const op of ['==', '!=', '<=', '>=', '< 3', '> 5']) {
    await expectScope(src, op.split(' ')[0], 'keyword.operator.comparison.seq', { nth: src.split(op)[0].split(op.split(' ')[0]).length - 1 });
  }
  await expectScope(src, '=', 'keyword.operator.assignment.seq');
  for (const w of ['or', 'and', 'not']) await expectScope(src, w, 'keyword.operator.logical.seq');
  await expectScope(src.slice(src.indexOf(' in [') + 1), 'in', 'keyword.operator.word.seq');
  await expectScope(src, '[', 'punctuation.section.brackets.begin.seq');
  await expectScope(src, 'null', 'constant.language.null.seq');
  await expectScope(src, 'true', 'constant.language.boolean.seq');
  await expectScope(src, 'false', 'constant.language.boolean.seq');
  await expectScope(src, 'days_since', 'support.function.builtin.seq');
  await expectScope(src, 'len', 'support.function.builtin.seq');
  await expectScope(src, 'lower', 'support.function.builtin.seq');
  await expectScope(src, '{', 'punctuation.section.block.begin.seq');
  await expectScope('  x = a @ b', '@', 'invalid.illegal.character.seq');
});

test('types in entity declarations', async () => {
  const src = [
    'entity partner "Partner" {             // a custom entity',
    '  partnerid:       id readonly          "Partner"',
    '  name:            string(100)          "Name"',
    '  annualquota:     money                "Annual Quota"',
    '  seats:           int',
    '  discountrate:    decimal',
    '  active:          bool',
    '  renewaldate:     date',
    '  createdon:       datetime readonly    "Created On"',
    '  tier:            choice { 1 "Gold", 2 "Silver", -3 "Bronze" }  "Tier"',
    '  primarycontact:  lookup contact       "Primary Contact"',
    '  ownerid:         lookup systemuser | team  "Owner"',
    '  description:     string               "Description"',
    '}',
    'sequence "S" on partner {',
    '  recap: email "R"',
    '}',
  ].join('\n');
  await expectScope(src, 'entity', 'storage.type.entity.seq');
  await expectScope(src, 'partner', 'entity.name.type.entity.seq');
  await expectScope(src, '"Partner"', 'string.quoted.double.seq');
  await expectScope(src, '// a custom entity', 'comment.line.double-slash.seq');
  const tok = tokenize(await grammarP, src);
  // the scopes of the first character of `word` on 0-based `line`
  const scope = (line, word) => {
    const col = src.split('\n')[line].indexOf(word);
    assert.notEqual(col, -1, `${word} not on line ${line + 1}`);
    return scopesAt(tok, line, col + (word.startsWith(' ') ? 1 : 0));
  };
  const types = [[1, ' id '], [2, ' string('], [3, ' money '], [4, ' int'], [5, ' decimal'], [6, ' bool'], [7, ' date'], [8, ' datetime '], [12, ' string ']];
  for (const [line, word] of types) {
    const scopes = scopesAt(tok, line, src.split('\n')[line].indexOf(word) + 1);
    assert.ok(has(scopes, 'support.type.primitive.seq'), `${word.trim()} on line ${line + 1}: [${scopes}]`);
  }
  assert.ok(has(scope(9, 'choice'), 'support.type.choice.seq'));
  assert.ok(has(scope(10, 'lookup'), 'support.type.lookup.seq'));
  assert.ok(has(scope(11, 'lookup'), 'support.type.lookup.seq'));
  assert.ok(has(scope(10, ' contact'), 'entity.name.type.entity.seq'));
  assert.ok(has(scope(11, 'systemuser'), 'entity.name.type.entity.seq'));
  assert.ok(has(scope(11, ' team'), 'entity.name.type.entity.seq'));
  assert.ok(has(scope(11, '|'), 'punctuation.separator.pipe.seq'));
  assert.ok(has(scope(1, 'readonly'), 'storage.modifier.readonly.seq'));
  assert.ok(has(scope(1, 'partnerid'), 'variable.other.property.declaration.seq'));
  assert.ok(has(scope(12, 'description'), 'variable.other.property.declaration.seq'));
  assert.ok(!has(scope(12, 'description'), 'keyword'));
  assert.ok(has(scope(2, '100'), 'constant.numeric.integer.seq'));
  assert.ok(has(scope(9, '1'), 'constant.numeric.integer.seq'));
  assert.ok(has(scope(9, '"Silver"'), 'string.quoted.double.seq'));
  assert.ok(has(scope(9, '-'), 'keyword.operator.arithmetic.seq'));
  assert.ok(has(scope(9, '"Tier"'), 'string.quoted.double.seq'));
  // after the entity's closing brace the sequence is a sequence again
  assert.ok(has(scope(14, 'sequence'), 'storage.type.sequence.seq'));
  assert.ok(!has(scope(14, 'sequence'), 'meta.entity.seq'));
  assert.ok(has(scope(15, 'recap'), 'entity.name.label.seq'));
});

test('a half-typed entity declaration does not swallow what follows', async () => {
  const src = 'entity partner\nsequence "S" on lead {\n  recap: email "R"\n}';
  await expectScope(src, 'partner', 'entity.name.type.entity.seq');
  await expectScope(src, 'sequence', 'storage.type.sequence.seq', { not: 'meta.entity' });
  await expectScope(src, 'recap', 'entity.name.label.seq', { not: 'meta.entity' });
});

test('segments: the declaration and its words, which stay names elsewhere', async () => {
  const src = [
    'segment "Big inbound" on lead {',
    '  where lead.budgetamount >= 50000',
    '  feeds "Nurture"',
    '  priority 1',
    '  on leave disconnect',
    '}',
    'sequence "Nurture" on lead {',
    '  priority: task "T"',
    '}',
  ].join('\n');
  await expectScope(src, 'segment', 'storage.type.segment.seq');
  await expectScope(src, '"Big inbound"', 'string.quoted.double.seq');
  await expectScope(src, 'lead', 'entity.name.type.entity.seq');
  await expectScope(src, 'where', 'keyword.other.setting.seq');
  await expectScope(src, 'budgetamount', 'variable.other.property');
  await expectScope(src, '>=', 'keyword.operator.comparison.seq');
  await expectScope(src, 'feeds', 'keyword.other.segment.seq');
  await expectScope(src, 'priority', 'keyword.other.segment.seq');
  await expectScope(src, '1', 'constant.numeric.integer.seq', { within: 'priority 1' });
  await expectScope(src, 'on', 'keyword.other.on.seq', { within: 'on leave' });
  await expectScope(src, 'leave', 'keyword.other.segment.seq');
  await expectScope(src, 'disconnect', 'keyword.other.segment.seq');
  await expectScope(src, 'sequence', 'storage.type.sequence.seq', { not: 'meta.segment' });
  await expectScope(src, 'priority', 'entity.name.label.seq', { nth: 1, not: 'keyword' });
});

test('calendars: declarations, settings and business durations', async () => {
  const src = [
    'calendar "US East" {',
    '  zone "America/New_York"',
    '  hours mon-thu 08:30-12:00, 13:00-17:30',
    '  holiday "Day after" 4th thu of nov + 1d',
    '  holiday "Christmas" dec 25 observed next',
    '  holiday "Good Friday" easter - 2d',
    '  holiday "Offsite" 2026-03-12 to 2026-03-13',
    '  holiday "Memorial Day" last mon of may',
    '}',
    'sequence "S" on lead {',
    '  calendar "US East"',
    '  time zone lead.address1_city',
    '  a: email "A" due 2 business days',
    '  wait 1 business hour',
    '  let hours = 8',
    '}',
  ].join('\n');
  await expectScope(src, 'calendar', 'storage.type.calendar.seq');
  await expectScope(src, '"US East"', 'entity.name.section.calendar.seq');
  for (const w of ['zone', 'hours', 'holiday', 'of', 'observed', 'next', 'easter', 'to', 'last']) {
    await expectScope(src, w, 'keyword.other.calendar.seq', { not: 'variable' });
  }
  await expectScope(src, 'mon', 'support.constant.weekday.seq');
  await expectScope(src, 'thu', 'support.constant.weekday.seq');
  await expectScope(src, 'nov', 'support.constant.month.seq');
  await expectScope(src, '08:30', 'constant.numeric.time.seq');
  await expectScope(src, '2026-03-12', 'constant.numeric.date.seq');
  await expectScope(src, '4th', 'constant.numeric.ordinal.seq', { not: 'invalid' });
  await expectScope(src, '1d', 'constant.numeric.duration.seq');
  await expectScope(src, '"America/New_York"', 'string.quoted.double.seq');
  await expectScope(src, 'sequence', 'storage.type.sequence.seq', { not: 'meta.calendar' });
  await expectScope(src, 'calendar', 'keyword.other.setting.seq', { nth: 1 });
  await expectScope(src, 'time', 'keyword.other.setting.seq', { not: 'variable' });
  await expectScope(src, 'zone', 'keyword.other.setting.seq', { within: 'time zone', not: 'variable' });
  await expectScope(src, 'business', 'keyword.other.unit.seq');
  await expectScope(src, 'days', 'keyword.other.unit.seq', { within: 'business days' });
  await expectScope(src, 'hour', 'keyword.other.unit.seq', { within: 'business hour' });
  // outside a calendar its words are names
  await expectScope(src, 'hours', 'variable.other.readwrite.declaration.seq', { within: 'let hours = 8' });
});

// ---------------------------------------------------------------------------------------
// 2. Every example and stdlib schema, token by token against the reference lexer

// The scope a token must carry, from its kind and its neighbours; null: not checked.
function expectedScope(toks, i, inEntity, inCalendar) {
  const t = toks[i];
  if (inCalendar) {
    const c = calendarScope(toks, i);
    if (c !== undefined) return c;
  }
  const prev = toks[i - 1] || {};
  const prev2 = toks[i - 2] || {};
  const next = toks[i + 1] || {};
  switch (t.kind) {
    case 'LINE_COMMENT': return 'comment.line.double-slash.seq';
    case 'BLOCK_COMMENT': case 'UNTERMINATED_COMMENT': return 'comment.block.seq';
    case 'STRING': case 'BAD_ESCAPE_STRING': case 'UNTERMINATED_STRING': return 'string.quoted.double.seq';
    case 'DURATION': return 'constant.numeric.duration.seq';
    case 'DECIMAL': return 'constant.numeric.decimal.seq';
    case 'INT': return 'constant.numeric.integer.seq';
    case 'BAD_NUMBER': case 'ORDINAL': return 'invalid.illegal.numeric.seq';
    case 'BAD_CHAR': return 'invalid.illegal.character.seq';
    case 'OP': return {
      '{': 'punctuation.section.block.begin.seq', '}': 'punctuation.section.block.end.seq',
      '(': 'punctuation.section.parens.begin.seq', ')': 'punctuation.section.parens.end.seq',
      '[': 'punctuation.section.brackets.begin.seq', ']': 'punctuation.section.brackets.end.seq',
      ':': 'punctuation.separator', ',': 'punctuation.separator.comma.seq', '.': 'punctuation.accessor.seq',
      '|': 'punctuation.separator.pipe.seq', '=': 'keyword.operator.assignment.seq',
    }[t.text] || (/^[-+*/%]$/.test(t.text) ? 'keyword.operator.arithmetic.seq' : 'keyword.operator.comparison.seq');
    default: break;
  }
  // words
  if (prev.text === '.') return 'variable.other.property';
  if (next.text === '.') return 'variable.other.object.seq';
  if (inEntity && next.text === ':') return 'variable.other.property.declaration.seq';
  if (prev.text === 'entity' || prev.text === 'lookup' || (inEntity && prev.text === '|')) return 'entity.name.type.entity.seq';
  if (prev.text === 'on' && prev2.kind === 'STRING') return 'entity.name.type.entity.seq';
  if (!inEntity && next.text === ':') return 'entity.name.label.seq';
  // The `time zone` setting: unreserved words, a setting only together.
  if ((t.text === 'time' && next.text === 'zone') || (t.text === 'zone' && prev.text === 'time')) {
    return 'keyword.other.setting.seq';
  }
  // `N business days|hours`: the unit words after `business`.
  if (prev.text === 'business' && ['day', 'days', 'hour', 'hours'].includes(t.text)) return 'keyword.other.unit.seq';
  if (t.kind === 'IDENT') {
    if (next.text === '(') return prev.text === 'let' ? null : 'support.function.builtin.seq';
    if (prev.text === 'let') return 'variable.other.readwrite.declaration.seq';
    if (inEntity) return t.text === 'id' ? 'support.type.primitive.seq' : 'entity.name.type.seq';
    return 'variable.other.readwrite.seq';
  }
  const w = t.text;
  if (w === 'auto' || w === 'linkedin' || ['email', 'text', 'call', 'task'].includes(w)) return 'support.function.activity.seq';
  if (['research', 'introduce', 'connect', 'inmail'].includes(w) && prev.text === 'linkedin') return 'support.function.activity.seq';
  if (w === 'to' && prev.text === 'advance') return 'keyword.control.seq';
  if (w === 'business') return 'keyword.other.unit.seq';
  const classes = {
    'keyword.control.conditional.seq': 'if else',
    'keyword.control.seq': 'wait within end advance exit',
    'keyword.control.import.seq': 'import',
    'storage.type.sequence.seq': 'sequence',
    'storage.type.entity.seq': 'entity',
    'storage.modifier.extend.seq': 'extend',
    'storage.type.let.seq': 'let',
    'keyword.other.on.seq': 'on',
    'keyword.other.set.seq': 'set',
    'keyword.other.setting.seq': 'description tags assign to owner field team access where reply when calendar',
    'keyword.other.option.seq': 'template due',
    'keyword.operator.logical.seq': 'and or not',
    'keyword.operator.word.seq': 'in',
    'constant.language.boolean.seq': 'true false',
    'constant.language.null.seq': 'null',
    'support.type.primitive.seq': 'string int decimal money bool date datetime',
    'support.type.choice.seq': 'choice',
    'support.type.lookup.seq': 'lookup',
    'storage.modifier.readonly.seq': 'readonly',
  };
  for (const [scope, words] of Object.entries(classes)) {
    if (words.split(' ').includes(w)) return scope;
  }
  throw new Error(`no expectation for keyword ${w}`);
}

// Inside a calendar's braces (undefined: as anywhere else). Times and dates are one
// scope over several tokens (`08:30`, `2026-03-12`).
const kCalendarWords = 'zone hours holiday observed next last of to easter'.split(' ');
const kDayWords = 'mon tue wed thu fri sat sun'.split(' ');
const kMonthWords = 'jan feb mar apr may jun jul aug sep oct nov dec'.split(' ');
function calendarScope(toks, i) {
  const t = toks[i], prev = toks[i - 1] || {}, next = toks[i + 1] || {};
  const glued = (a, b) => a && b && a.end === b.start;
  if (t.kind === 'IDENT' || t.kind === 'KEYWORD') {
    if (kCalendarWords.includes(t.text)) return 'keyword.other.calendar.seq';
    if (kDayWords.includes(t.text)) return 'support.constant.weekday.seq';
    if (kMonthWords.includes(t.text)) return 'support.constant.month.seq';
    return undefined;
  }
  if (t.kind === 'ORDINAL') return 'constant.numeric.ordinal.seq';
  // a token of `HH:MM` or `YYYY-MM-DD`: numeric, whichever
  if (t.kind === 'INT' || t.text === ':' || (t.text === '-' && glued(prev, t) && glued(t, next) &&
      prev.kind === 'INT' && next.kind === 'INT' && (prev.text.length === 4 || prev.text.length === 2) &&
      (toks[i - 2] || {}).text !== ':')) {
    return 'constant.numeric';
  }
  return undefined;
}

function checkFile(grammar, file) {
  const text = fs.readFileSync(file, 'utf8');
  const tok = tokenize(grammar, text);
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStarts.push(i + 1);
  const pos = (off) => {
    let lo = 0, hi = lineStarts.length - 1;
    while (lo < hi) { const mid = (lo + hi + 1) >> 1; if (lineStarts[mid] <= off) lo = mid; else hi = mid - 1; }
    return [lo, off - lineStarts[lo]];
  };
  const toks = lex(SEQC, file, text);
  const counts = {};
  let depth = 0, entityDepth = -1, pendingEntity = false, calendarDepth = -1, pendingCalendar = false;
  let segmentDepth = -1, pendingSegment = false;
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i];
    const inEntity = entityDepth >= 0 && depth > entityDepth;
    const inCalendar = calendarDepth >= 0 && depth > calendarDepth;
    const inSegment = segmentDepth >= 0 && depth === segmentDepth + 1;
    const declaresCalendar = t.text === 'calendar' && depth === 0 && t.kind === 'KEYWORD';
    const declaresSegment = t.text === 'segment' && depth === 0 && toks[i + 1]?.kind === 'STRING';
    // A segment's words (not reserved): `feeds`, `priority`, `leave`, `stay`, `disconnect`.
    const segmentWord = inSegment && ['feeds', 'priority', 'leave', 'stay', 'disconnect'].includes(t.text) &&
      (t.text !== 'leave' || toks[i - 1]?.text === 'on') &&
      (!['stay', 'disconnect'].includes(t.text) || toks[i - 1]?.text === 'leave');
    const want = declaresCalendar ? 'storage.type.calendar.seq'
      : declaresSegment ? 'storage.type.segment.seq'
      : segmentWord ? 'keyword.other.segment.seq'
      : expectedScope(toks, i, inEntity || (pendingEntity && t.kind !== 'OP'), inCalendar);
    if (declaresSegment) pendingSegment = true;
    if (t.text === 'entity' && !inEntity && toks[i - 1]?.text !== '.') pendingEntity = true;
    if (declaresCalendar) pendingCalendar = true;
    if (t.text === '{') {
      if (pendingEntity) { entityDepth = depth; pendingEntity = false; }
      if (pendingCalendar) { calendarDepth = depth; pendingCalendar = false; }
      if (pendingSegment) { segmentDepth = depth; pendingSegment = false; }
      depth++;
    }
    if (t.text === '}') {
      depth--;
      if (depth === entityDepth) entityDepth = -1;
      if (depth === calendarDepth) calendarDepth = -1;
      if (depth === segmentDepth) segmentDepth = -1;
    }
    if (!want) continue;
    for (let off = t.start; off < t.end; off++) {
      if (text[off] === '\n' || text[off] === '\r') continue;
      const [line, col] = pos(off);
      const scopes = scopesAt(tok, line, col);
      assert.ok(has(scopes, want),
        `${path.relative(ROOT, file)}:${line + 1}:${col + 1}: ${t.kind} ${JSON.stringify(t.text)} has [${scopes.join(', ')}], expected ${want}`);
    }
    // escapes inside strings
    if (t.kind.endsWith('STRING')) {
      const re = /\\(u\{[0-9A-Fa-f]+\}|["\\nt])|\\./g;
      let m;
      while ((m = re.exec(t.text))) {
        const [line, col] = pos(t.start + m.index);
        const scopes = scopesAt(tok, line, col);
        assert.ok(has(scopes, m[1] ? 'constant.character.escape' : 'invalid.illegal.escape'),
          `${path.relative(ROOT, file)}:${line + 1}:${col + 1}: escape ${m[0]} has [${scopes.join(', ')}]`);
      }
    }
    counts[t.kind] = (counts[t.kind] || 0) + 1;
  }
  return counts;
}

function seqFiles(dir, recursive) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return recursive ? seqFiles(p, true) : [];
    return e.name.endsWith('.seq') ? [p] : [];
  }).sort();
}

const examples = [
  ...seqFiles(path.join(ROOT, 'examples'), false),
  ...seqFiles(path.join(ROOT, 'examples', 'schemas'), false),
];
const stdlib = [
  ...seqFiles(path.join(ROOT, 'stdlib'), false),
  ...seqFiles(path.join(ROOT, 'stdlib', 'calendars'), false),
];

test('the examples are found', () => {
  assert.ok(examples.length >= 10, `only ${examples.length} examples under ${ROOT}/examples`);
  assert.ok(examples.some((f) => f.endsWith('webinar_follow_up.seq')));
  assert.ok(examples.some((f) => f.endsWith('custom_fields.seq')));
  assert.ok(stdlib.length >= 6);
});

for (const file of [...examples, ...stdlib]) {
  test(`every token of ${path.relative(ROOT, file)}`, async () => {
    const counts = checkFile(await grammarP, file);
    assert.ok(counts.LINE_COMMENT > 0, 'every example starts with a comment');
    assert.ok((counts.STRING || 0) > 0, 'strings were checked');
  });
}

// ---------------------------------------------------------------------------------------
// 3. Every test input, right or wrong, tokenizes to the end of every line

test('every .seq file under tests/ tokenizes', async () => {
  const grammar = await grammarP;
  const files = seqFiles(path.join(ROOT, 'tests'), true);
  assert.ok(files.length > 100, `only ${files.length} test files`);
  for (const f of files) {
    try {
      // VS Code does not tokenize lines longer than editor.maxTokenizationLineLength
    // (20000 by default), such as the 230,000-character line of 10,000 nested blocks.
    const text = fs.readFileSync(f, 'utf8').split('\n').map((l) => (l.length > 20000 ? '' : l)).join('\n');
    tokenize(grammar, text);
    } catch (e) {
      assert.fail(`${path.relative(ROOT, f)}: ${e.message}`);
    }
  }
});
