// `seqc lsp` driven by a real LSP client: vscode-jsonrpc over the server's stdin/stdout,
// with the message types of vscode-languageserver-protocol (LSP 3.17). Written against
// the specification, not against the server's code:
//   initialize (capabilities) → open examples/webinar_follow_up.seq → diagnostics (none)
//   → an edit with an error → its diagnostic (kind, range) → hover → completion →
//   definition (a label, a standard library field) → references → rename → symbols →
//   formatting → shutdown + exit (exit code 0).
// Run: node test/lsp.test.js SEQC [REPO_ROOT]   (SEQC_LSP_TIMEOUT_MS: per-request limit)
'use strict';

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { pathToFileURL, fileURLToPath } = require('node:url');

if (!fs.existsSync(path.join(__dirname, '..', 'node_modules', 'vscode-languageserver-protocol'))) {
  console.error('editors/vscode/node_modules is missing: run scripts/setup (npm ci in editors/vscode)');
  process.exit(1);
}
const rpc = require('vscode-jsonrpc/node');
const lsp = require('vscode-languageserver-protocol');

const SEQC = process.argv[2];
const ROOT = path.resolve(process.argv[3] || path.join(__dirname, '..', '..', '..'));
if (!SEQC) {
  console.error('usage: node test/lsp.test.js SEQC [REPO_ROOT]');
  process.exit(2);
}
// Generous: under AddressSanitizer the server is several times slower.
const TIMEOUT = Number(process.env.SEQC_LSP_TIMEOUT_MS || 60000);

const EXAMPLE = path.join(ROOT, 'examples', 'webinar_follow_up.seq');
const URI = pathToFileURL(EXAMPLE).href;
const ORIGINAL = fs.readFileSync(EXAMPLE, 'utf8');
const LINES = ORIGINAL.split('\n');

// ---------------------------------------------------------------------------------------
// helpers

// Set once the server is spawned: resolves when it exits, so a wait fails at once then.
let serverExit = new Promise(() => {});

function withTimeout(promise, what, ms = TIMEOUT, { exitFails = true } = {}) {
  let timer;
  return Promise.race([
    promise,
    ...(exitFails ? [serverExit.then(({ code, signal }) => { throw new Error(`${what}: the server exited (code ${code}, signal ${signal})`); })] : []),
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms); }),
  ]).finally(() => clearTimeout(timer));
}

// 0-based position of the nth occurrence of `needle` in `text` (+ `delta` characters).
function positionOf(text, needle, { nth = 0, delta = 0 } = {}) {
  let at = -1;
  for (let i = 0; i <= nth; i++) {
    at = text.indexOf(needle, at + 1);
    assert.notEqual(at, -1, `"${needle}" (occurrence ${nth}) not in the document`);
  }
  at += delta;
  const before = text.slice(0, at).split('\n');
  return { line: before.length - 1, character: before[before.length - 1].length };
}

function offsetAt(text, pos) {
  const lines = text.split('\n');
  let off = 0;
  for (let i = 0; i < pos.line; i++) off += lines[i].length + 1;
  return off + pos.character;
}

// Applies LSP TextEdits (ranges in UTF-16 units, as JavaScript strings count).
function applyEdits(text, edits) {
  const sorted = edits
    .map((e) => ({ start: offsetAt(text, e.range.start), end: offsetAt(text, e.range.end), newText: e.newText }))
    .sort((a, b) => b.start - a.start || b.end - a.end);
  for (let i = 1; i < sorted.length; i++) {
    assert.ok(sorted[i].end <= sorted[i - 1].start, 'text edits must not overlap');
  }
  for (const e of sorted) text = text.slice(0, e.start) + e.newText + text.slice(e.end);
  return text;
}

// The edits of a WorkspaceEdit for one URI (changes or documentChanges).
function editsFor(we, uri) {
  assert.ok(we && typeof we === 'object', `a WorkspaceEdit, got ${JSON.stringify(we)}`);
  const edits = [];
  if (we.changes) for (const [u, es] of Object.entries(we.changes)) if (u === uri) edits.push(...es);
  if (we.documentChanges) {
    for (const dc of we.documentChanges) {
      if (dc.textDocument && dc.textDocument.uri === uri) edits.push(...dc.edits);
    }
  }
  return edits;
}

// Location | Location[] | LocationLink[] → [{uri, range}]
function locations(result) {
  if (!result) return [];
  return [].concat(result).map((l) => (l.targetUri ? { uri: l.targetUri, range: l.targetSelectionRange || l.targetRange } : l));
}

function hoverText(hover) {
  assert.ok(hover && hover.contents, `a hover, got ${JSON.stringify(hover)}`);
  const parts = [].concat(hover.contents);
  return parts.map((p) => (typeof p === 'string' ? p : p.value)).join('\n');
}

function completionItems(result) {
  assert.ok(result, 'a completion result');
  return Array.isArray(result) ? result : result.items;
}

// ---------------------------------------------------------------------------------------
// the session

describe(`seqc lsp (${SEQC})`, () => {
  let proc, conn, exited, stderr = '';
  let syncKind = lsp.TextDocumentSyncKind.Full;
  let version = 1;
  let text = ORIGINAL;
  const published = []; // every publishDiagnostics for the example, in order
  const waiters = [];

  // The next diagnostics published for the example after `since` (an index into
  // `published`) that satisfy `pred`.
  function diagnosticsAfter(since, pred = () => true, what = 'diagnostics') {
    const found = published.slice(since).find(pred);
    if (found) return Promise.resolve(found);
    return withTimeout(new Promise((resolve) => waiters.push({ since, pred, resolve })), what);
  }

  // Replaces the document text, as the client's sync kind says (one incremental edit of
  // the whole text, or the full text), and returns the diagnostics published for it.
  async function setText(newText) {
    const since = published.length;
    version++;
    const change = syncKind === lsp.TextDocumentSyncKind.Incremental
      ? { range: { start: { line: 0, character: 0 }, end: positionOf(text + '\u0000', '\u0000') }, text: newText }
      : { text: newText };
    text = newText;
    const v = version;
    await conn.sendNotification(lsp.DidChangeTextDocumentNotification.type,
      { textDocument: { uri: URI, version: v }, contentChanges: [change] });
    return diagnosticsAfter(since, (p) => p.version === undefined || p.version === v, `diagnostics of version ${v}`);
  }

  function request(type, params, what) {
    return withTimeout(conn.sendRequest(type, params), what || type.method);
  }

  before(async () => {
    proc = spawn(SEQC, ['lsp'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
    serverExit = exited;
    proc.stderr.on('data', (d) => { stderr += d; });
    proc.on('error', (e) => { stderr += `spawn: ${e.message}\n`; });
    conn = lsp.createProtocolConnection(new rpc.StreamMessageReader(proc.stdout), new rpc.StreamMessageWriter(proc.stdin));
    conn.onNotification(lsp.PublishDiagnosticsNotification.type, (p) => {
      if (p.uri !== URI) return;
      published.push(p);
      for (let i = waiters.length - 1; i >= 0; i--) {
        const w = waiters[i];
        if (published.length > w.since && w.pred(p)) { waiters.splice(i, 1); w.resolve(p); }
      }
    });
    conn.onRequest(() => null); // e.g. client/registerCapability, workspace/configuration
    conn.onNotification(() => {}); // window/logMessage and the like
    conn.listen();
  });

  after(async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    if (stderr.trim()) process.stderr.write(`--- seqc lsp stderr ---\n${stderr}\n`);
  });

  it('initialize: the capabilities the issue asks for', async () => {
    const result = await request(lsp.InitializeRequest.type, {
      processId: process.pid,
      clientInfo: { name: 'seqc-lsp-test', version: '1' },
      rootUri: pathToFileURL(ROOT).href,
      workspaceFolders: [{ uri: pathToFileURL(ROOT).href, name: 'main' }],
      capabilities: {
        general: { positionEncodings: ['utf-16'] },
        textDocument: {
          synchronization: { dynamicRegistration: false, didSave: true },
          publishDiagnostics: { relatedInformation: true, versionSupport: true },
          hover: { contentFormat: ['markdown', 'plaintext'] },
          completion: { completionItem: { snippetSupport: true } },
          definition: { linkSupport: false },
          rename: { prepareSupport: true },
          documentSymbol: { hierarchicalDocumentSymbolSupport: true },
        },
        workspace: { workspaceFolders: true },
      },
    });
    const caps = result.capabilities;
    assert.ok(caps, 'capabilities');
    if (caps.positionEncoding !== undefined) assert.equal(caps.positionEncoding, 'utf-16');
    const sync = caps.textDocumentSync;
    const change = typeof sync === 'number' ? sync : sync && sync.change;
    assert.ok(change === lsp.TextDocumentSyncKind.Full || change === lsp.TextDocumentSyncKind.Incremental,
      `full or incremental sync, got ${JSON.stringify(sync)}`);
    if (typeof sync === 'object') assert.equal(sync.openClose, true, 'openClose');
    syncKind = change;
    assert.ok(caps.hoverProvider, 'hoverProvider');
    assert.ok(caps.completionProvider, 'completionProvider');
    assert.ok((caps.completionProvider.triggerCharacters || []).includes('.'), 'completion is triggered by "."');
    assert.ok(caps.definitionProvider, 'definitionProvider');
    assert.ok(caps.referencesProvider, 'referencesProvider');
    assert.ok(caps.renameProvider, 'renameProvider');
    assert.ok(caps.documentSymbolProvider, 'documentSymbolProvider');
    assert.ok(caps.documentFormattingProvider, 'documentFormattingProvider');
    await conn.sendNotification(lsp.InitializedNotification.type, {});
  });

  it('didOpen of a valid example: empty diagnostics', async () => {
    await conn.sendNotification(lsp.DidOpenTextDocumentNotification.type,
      { textDocument: { uri: URI, languageId: 'seq', version, text } });
    const p = await diagnosticsAfter(0, () => true, 'diagnostics on open');
    assert.deepEqual(p.diagnostics, [], `a valid example has no diagnostics: ${JSON.stringify(p.diagnostics)}`);
    if (p.version !== undefined) assert.equal(p.version, 1);
  });

  it('didChange with an unknown field: an UnknownField error at the field', async () => {
    const bad = ORIGINAL.replace('set lead.statuscode = "Contacted"', 'set lead.statuscod = "Contacted"');
    assert.notEqual(bad, ORIGINAL);
    const p = await setText(bad);
    assert.equal(p.diagnostics.length, 1, JSON.stringify(p.diagnostics));
    const d = p.diagnostics[0];
    assert.equal(d.code, 'UnknownField');
    assert.equal(d.severity, lsp.DiagnosticSeverity.Error);
    const ref = positionOf(bad, 'lead.statuscod');
    const field = positionOf(bad, 'statuscod');
    assert.equal(d.range.start.line, ref.line);
    assert.equal(d.range.end.line, ref.line);
    assert.ok(d.range.start.character >= ref.character && d.range.start.character <= field.character,
      `the range starts at the reference: ${JSON.stringify(d.range)}`);
    assert.equal(d.range.end.character, field.character + 'statuscod'.length, `the range ends after the field name: ${JSON.stringify(d.range)}`);
    assert.match(d.message, /statuscod/);
    // the "did you mean" note names the real field, in the message or a related note
    const notes = [d.message, ...(d.relatedInformation || []).map((r) => r.message)].join('\n');
    assert.match(notes, /statuscode/);
  });

  it('didChange with a syntax error: SyntaxError at the offending token; fixed: no diagnostics', async () => {
    const bad = ORIGINAL.replace('wait 1d', 'wait 1dx');
    const p = await setText(bad);
    assert.ok(p.diagnostics.length >= 1);
    const d = p.diagnostics[0];
    assert.equal(d.code, 'SyntaxError');
    assert.equal(d.severity, lsp.DiagnosticSeverity.Error);
    assert.deepEqual(d.range.start, positionOf(bad, '1dx'));
    const fixed = await setText(ORIGINAL);
    assert.deepEqual(fixed.diagnostics, []);
  });

  it('hover over a field reference: its type, display name and options', async () => {
    const h = await request(lsp.HoverRequest.type,
      { textDocument: { uri: URI }, position: positionOf(text, 'statuscode', { delta: 3 }) });
    const s = hoverText(h);
    assert.match(s, /Status Reason/, 'the display name');
    assert.match(s, /choice/, 'the type');
    assert.match(s, /Contacted/, 'an option label');
    if (h.range) assert.deepEqual(h.range.start.line, positionOf(text, 'statuscode').line);
  });

  it('hover over a step label: its kind, title and template', async () => {
    const h = await request(lsp.HoverRequest.type,
      { textDocument: { uri: URI }, position: positionOf(text, 'recap.downloaded', { delta: 1 }) });
    const s = hoverText(h);
    assert.match(s, /auto[ _]email/);
    assert.match(s, /Thanks for registering: recording and slides/);
    assert.match(s, /webinar-recap/);
  });

  it('completion after `lead.`: the fields of lead', async () => {
    const typed = ORIGINAL.replace('      task "Book a discovery meeting" due 1d\n',
      '      task "Book a discovery meeting" due 1d\n      set lead.\n');
    await setText(typed);
    const pos = positionOf(typed, 'set lead.\n', { delta: 'set lead.'.length });
    const r = await request(lsp.CompletionRequest.type, {
      textDocument: { uri: URI }, position: pos,
      context: { triggerKind: lsp.CompletionTriggerKind.TriggerCharacter, triggerCharacter: '.' },
    });
    const labels = completionItems(r).map((i) => i.label);
    for (const f of ['statuscode', 'statecode', 'leadqualitycode', 'fullname']) {
      assert.ok(labels.includes(f), `${f} in ${JSON.stringify(labels.slice(0, 20))}…`);
    }
    assert.ok(!labels.includes('wait'), 'no keywords after a dot');
    assert.ok(!labels.includes('opened'), 'no events after lead.');
  });

  it('completion after `recap.` and `call1.`: events of an email, outcomes of a call', async () => {
    const typed = ORIGINAL.replace('      task "Book a discovery meeting" due 1d\n',
      '      task "Book a discovery meeting" due 1d\n      if recap. within 1d { task "x" }\n      if call1. { task "y" }\n');
    await setText(typed);
    const at = (needle) => positionOf(typed, needle, { delta: needle.length });
    const events = completionItems(await request(lsp.CompletionRequest.type, {
      textDocument: { uri: URI }, position: at('if recap.'),
      context: { triggerKind: lsp.CompletionTriggerKind.TriggerCharacter, triggerCharacter: '.' },
    })).map((i) => i.label);
    for (const e of ['opened', 'clicked', 'replied', 'downloaded']) assert.ok(events.includes(e), `${e} in ${JSON.stringify(events)}`);
    assert.ok(!events.includes('answered'), 'no call outcomes for an email step');
    const outcomes = completionItems(await request(lsp.CompletionRequest.type, {
      textDocument: { uri: URI }, position: at('if call1.'),
      context: { triggerKind: lsp.CompletionTriggerKind.TriggerCharacter, triggerCharacter: '.' },
    })).map((i) => i.label);
    for (const o of ['answered', 'voicemail', 'no_answer', 'wrong_number']) assert.ok(outcomes.includes(o), `${o} in ${JSON.stringify(outcomes)}`);
    assert.ok(!outcomes.includes('opened'), 'no email events for a call');
    await setText(ORIGINAL);
  });

  it('definition of a label used in a condition: its declaration', async () => {
    const r = await request(lsp.DefinitionRequest.type,
      { textDocument: { uri: URI }, position: positionOf(text, 'recap.clicked', { delta: 2 }) });
    const locs = locations(r);
    assert.equal(locs.length, 1, JSON.stringify(r));
    assert.equal(locs[0].uri, URI);
    const decl = positionOf(text, 'recap: auto email');
    assert.equal(locs[0].range.start.line, decl.line, `the line of "recap:" (${decl.line}), got ${JSON.stringify(locs[0].range)}`);
    assert.equal(locs[0].range.start.character, decl.character);
  });

  it('definition of a field: its declaration in the standard library', async () => {
    const r = await request(lsp.DefinitionRequest.type,
      { textDocument: { uri: URI }, position: positionOf(text, 'lead.statuscode', { delta: 'lead.'.length + 2 }) });
    const locs = locations(r);
    assert.equal(locs.length, 1, JSON.stringify(r));
    assert.match(locs[0].uri, /^file:.*\/lead\.seq$/);
    const file = fileURLToPath(locs[0].uri);
    const line = fs.readFileSync(file, 'utf8').split('\n')[locs[0].range.start.line];
    assert.ok(line !== undefined, `line ${locs[0].range.start.line} of ${file}`);
    assert.match(line, /^\s*statuscode\s*:/, `the declaration of statuscode, got line ${locs[0].range.start.line + 1}: ${line}`);
    assert.equal(locs[0].range.start.character, line.indexOf('statuscode'));
  });

  it('references of a label: its declaration and every use', async () => {
    const r = await request(lsp.ReferencesRequest.type, {
      textDocument: { uri: URI }, position: positionOf(text, 'call1.answered', { delta: 1 }),
      context: { includeDeclaration: true },
    });
    assert.ok(Array.isArray(r), JSON.stringify(r));
    const want = [...text.matchAll(/\bcall1\b/g)].map((m) => positionOf(text.slice(0, m.index) + '\u0000', '\u0000'));
    assert.equal(want.length, 3);
    const got = r.filter((l) => l.uri === URI).map((l) => l.range.start).sort((a, b) => a.line - b.line || a.character - b.character);
    assert.deepEqual(got, want);
  });

  it('rename a label: every occurrence is edited', async () => {
    const pos = positionOf(text, 'call1.voicemail', { delta: 2 });
    const prep = await request(lsp.PrepareRenameRequest.type, { textDocument: { uri: URI }, position: pos });
    assert.ok(prep, 'the label can be renamed');
    const prange = prep.range || prep;
    assert.deepEqual(prange.start, positionOf(text, 'call1.voicemail'));
    const we = await request(lsp.RenameRequest.type, { textDocument: { uri: URI }, position: pos, newName: 'first_call' });
    const renamed = applyEdits(text, editsFor(we, URI));
    assert.equal(renamed, text.replace(/\bcall1\b/g, 'first_call'));
    // a keyword is not a valid new name
    await assert.rejects(request(lsp.RenameRequest.type, { textDocument: { uri: URI }, position: pos, newName: 'wait' }),
      (e) => e instanceof rpc.ResponseError, 'renaming to a keyword is refused');
  });

  it('document symbols: the sequence and its labelled steps', async () => {
    const r = await request(lsp.DocumentSymbolRequest.type, { textDocument: { uri: URI } });
    assert.ok(Array.isArray(r) && r.length === 1, JSON.stringify(r));
    const names = (s) => [s.name, ...(s.children || []).flatMap(names)];
    const all = names(r[0]);
    assert.match(r[0].name, /Webinar follow up/);
    for (const l of ['recap', 'call1', 'resources']) assert.ok(all.some((n) => n === l || n.startsWith(l + ':') || n.startsWith(l + ' ')), `${l} in ${JSON.stringify(all)}`);
  });

  it('formatting: edits that give the canonical text', async () => {
    const messy = ORIGINAL
      .split('\n')
      .map((l) => l.trim().replace(/ = /g, '   =   ').replace(/ \{$/, '{'))
      .join('\n')
      .replace('wait 1d', 'wait    1d');
    assert.notEqual(messy, ORIGINAL);
    const p = await setText(messy);
    assert.deepEqual(p.diagnostics, [], 'the messy text is still valid');
    const edits = await request(lsp.DocumentFormattingRequest.type,
      { textDocument: { uri: URI }, options: { tabSize: 2, insertSpaces: true } });
    assert.ok(Array.isArray(edits) && edits.length > 0, `formatting edits, got ${JSON.stringify(edits)}`);
    assert.equal(applyEdits(messy, edits), ORIGINAL);
    // formatting canonical text changes nothing
    await setText(ORIGINAL);
    const none = await request(lsp.DocumentFormattingRequest.type,
      { textDocument: { uri: URI }, options: { tabSize: 2, insertSpaces: true } });
    assert.equal(applyEdits(ORIGINAL, none || []), ORIGINAL);
  });

  it('shutdown, then exit: the process exits with 0', async () => {
    const r = await request(lsp.ShutdownRequest.type, undefined);
    assert.equal(r, null);
    await conn.sendNotification(lsp.ExitNotification.type);
    const { code, signal } = await withTimeout(exited, 'process exit', TIMEOUT, { exitFails: false });
    conn.dispose();
    assert.equal(signal, null, `killed by ${signal}`);
    assert.equal(code, 0, `exit code ${code}`);
  });
});
