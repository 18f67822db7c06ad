// Packages the extension with vsce (@vscode/vsce, offline: it reads the installed
// node_modules) into OUT_DIR and checks what the .vsix holds: the manifest, the grammar,
// the language configuration, the client and its runtime dependencies, and none of the
// tests or development packages. Then loads the packaged client, to show that every
// module it requires is inside the .vsix.
// Run: node test/package.test.js OUT_DIR
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const zlib = require('node:zlib');
const Module = require('node:module');
const { execFileSync } = require('node:child_process');

const DIR = path.join(__dirname, '..');
const OUT = path.resolve(process.argv[2] || path.join(os.tmpdir(), 'seqc-vsix'));
const pkg = JSON.parse(fs.readFileSync(path.join(DIR, 'package.json'), 'utf8'));
const VSIX = path.join(OUT, `${pkg.name}-${pkg.version}.vsix`);

// The entries of a zip file: name → {method, compressedSize, offset}, from its central directory.
function readZip(file) {
  const buf = fs.readFileSync(file);
  let eocd = buf.length - 22;
  while (eocd >= 0 && buf.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  assert.ok(eocd >= 0, `${file} is not a zip file`);
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const entries = new Map();
  for (let i = 0; i < count; i++) {
    assert.equal(buf.readUInt32LE(p), 0x02014b50, 'central directory entry');
    const method = buf.readUInt16LE(p + 10);
    const compressedSize = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28), extraLen = buf.readUInt16LE(p + 30), commentLen = buf.readUInt16LE(p + 32);
    const offset = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    entries.set(name, { method, compressedSize, offset });
    p += 46 + nameLen + extraLen + commentLen;
  }
  const read = (name) => {
    const e = entries.get(name);
    assert.ok(e, `${name} in the .vsix`);
    const nameLen = buf.readUInt16LE(e.offset + 26), extraLen = buf.readUInt16LE(e.offset + 28);
    const data = buf.subarray(e.offset + 30 + nameLen + extraLen, e.offset + 30 + nameLen + extraLen + e.compressedSize);
    return (e.method === 8 ? zlib.inflateRawSync(data) : data).toString('utf8');
  };
  return { names: [...entries.keys()], read };
}

let zip;

test('vsce package writes the .vsix', () => {
  fs.mkdirSync(OUT, { recursive: true });
  fs.rmSync(VSIX, { force: true });
  const vsce = path.join(DIR, 'node_modules', '@vscode', 'vsce', 'vsce');
  assert.ok(fs.existsSync(vsce), 'node_modules/@vscode/vsce is missing: run scripts/setup');
  const out = execFileSync(process.execPath, [vsce, 'package', '--allow-missing-repository', '--out', VSIX],
    { cwd: DIR, stdio: ['ignore', 'pipe', 'inherit'], timeout: 120000, encoding: 'utf8' });
  console.log(out.trim().split('\n').filter((l) => /DONE|WARNING/.test(l)).join('\n'));
  assert.ok(fs.statSync(VSIX).size > 10000, 'a .vsix of some size');
  zip = readZip(VSIX);
});

test('the .vsix holds the grammar, the language configuration and the client', () => {
  const names = new Set(zip.names);
  for (const f of ['extension.vsixmanifest', '[Content_Types].xml', 'extension/package.json',
    'extension/syntaxes/seq.tmLanguage.json', 'extension/language-configuration.json',
    'extension/extension.js', 'extension/folding.js', 'extension/readme.md',
    'extension/node_modules/vscode-languageclient/package.json',
    'extension/node_modules/vscode-languageclient/lib/node/main.js',
    'extension/node_modules/vscode-languageserver-protocol/package.json',
    'extension/node_modules/vscode-jsonrpc/package.json']) {
    assert.ok(names.has(f), `${f} in the .vsix`);
  }
  for (const n of names) {
    assert.ok(!n.startsWith('extension/test/'), `no tests in the .vsix: ${n}`);
    assert.ok(!/node_modules\/(@vscode\/vsce|vscode-textmate|vscode-oniguruma)\//.test(n), `no development packages: ${n}`);
  }
  const grammar = JSON.parse(zip.read('extension/syntaxes/seq.tmLanguage.json'));
  assert.equal(grammar.scopeName, 'source.seq');
  assert.deepEqual(grammar, JSON.parse(fs.readFileSync(path.join(DIR, 'syntaxes', 'seq.tmLanguage.json'), 'utf8')));
  const conf = JSON.parse(zip.read('extension/language-configuration.json'));
  assert.equal(conf.comments.lineComment, '//');
  const manifest = JSON.parse(zip.read('extension/package.json'));
  assert.equal(manifest.main, './extension.js');
  assert.equal(manifest.contributes.languages[0].id, 'seq');
  assert.deepEqual(manifest.contributes.languages[0].extensions, ['.seq']);
  assert.equal(manifest.contributes.grammars[0].scopeName, 'source.seq');
  assert.equal(manifest.contributes.configuration.properties['seqc.path'].default, 'seqc');
  assert.ok(manifest.contributes.configuration.properties['seqc.trace.server']);
  assert.match(zip.read('extension.vsixmanifest'), /Microsoft\.VisualStudio\.Code/);
});

test('the packaged client loads from the .vsix alone and starts `seqc lsp`', async () => {
  // Unpack, then load the client with a stand-in for the `vscode` module (which only
  // VS Code provides): every other module must come from the unpacked tree.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seqc-vsix-'));
  const resolve = Module._resolveFilename;
  try {
    for (const n of zip.names.filter((x) => x.startsWith('extension/') && !x.endsWith('/'))) {
      const dest = path.join(dir, n);
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      fs.writeFileSync(dest, zip.read(n));
    }
    const ext = path.join(dir, 'extension');
    const stub = path.join(__dirname, 'vscode-stub.js');
    const fakeClient = path.join(dir, 'fake-languageclient.js');
    fs.writeFileSync(fakeClient, `
      const vscode = require('vscode');
      class LanguageClient {
        constructor(id, name, serverOptions, clientOptions) {
          Object.assign(this, { id, name, serverOptions, clientOptions });
          vscode._clients.push(this);
        }
        start() { return Promise.resolve(); }
        stop() { return Promise.resolve(); }
      }
      module.exports = { LanguageClient, RevealOutputChannelOn: { Never: 4 } };`);
    let fake = false;
    Module._resolveFilename = function (request, parent, ...rest) {
      if (request === 'vscode') return stub;
      if (fake && request === 'vscode-languageclient/node') return fakeClient;
      const r = resolve.call(this, request, parent, ...rest);
      if (path.isAbsolute(r) && !r.startsWith(dir + path.sep) && r !== stub) {
        throw new Error(`${request} (from ${parent && parent.filename}) resolved outside the .vsix: ${r}`);
      }
      return r;
    };
    // 1. the real client and all it requires, from the .vsix
    const real = require(require.resolve('vscode-languageclient/node', { paths: [ext] }));
    assert.equal(typeof real.LanguageClient, 'function');
    // 2. activate() creates a client for `seqc lsp` with the configured path
    fake = true;
    const extension = require(path.join(ext, 'extension.js'));
    const vscode = require(stub);
    vscode._settings['seqc.path'] = '/opt/seqc/bin/seqc';
    await extension.activate(vscode._context);
    assert.ok(vscode._commands.has('seqc.restartServer'), 'the restart command is registered');
    const client = vscode._clients[0];
    assert.ok(client, 'a LanguageClient was created');
    assert.equal(client.id, 'seqc', 'the id that makes the client read seqc.trace.server');
    assert.deepEqual(client.serverOptions.run, { command: '/opt/seqc/bin/seqc', args: ['lsp'] });
    assert.deepEqual(client.clientOptions.documentSelector.map((d) => d.language), ['seq', 'seq']);
    // the restart command makes a new client
    await vscode._commands.get('seqc.restartServer')();
    assert.equal(vscode._clients.length, 2);
    // folding through the registered provider
    assert.equal(vscode._foldingProviders.length, 1);
    const ranges = vscode._foldingProviders[0].provider.provideFoldingRanges({ getText: () => 'sequence "S" on lead {\n  task "t"\n  call "c"\n}' });
    assert.deepEqual(ranges.map((r) => [r.start, r.end]), [[0, 2]]);
    await extension.deactivate();
  } finally {
    Module._resolveFilename = resolve;
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
