// A stand-in for the `vscode` module, for loading the packaged extension outside VS Code
// (test/package.test.js): what extension.js calls is recorded; anything else is a
// permissive proxy, so that vscode-languageclient can be loaded (not run) against it.
'use strict';

function deep(name) {
  const target = function () {};
  return new Proxy(target, {
    get(_, prop) {
      if (prop === 'then') return undefined; // not a promise
      if (prop === Symbol.toPrimitive) return () => name;
      if (prop === 'prototype') return target.prototype;
      return deep(`${name}.${String(prop)}`);
    },
    apply() { return deep(`${name}()`); },
    construct() { return deep(`new ${name}`); },
  });
}

const disposable = { dispose() {} };
const stub = {
  _settings: {},
  _commands: new Map(),
  _foldingProviders: [],
  _clients: [],
  _context: { subscriptions: [] },
  workspace: {
    workspaceFolders: undefined,
    getConfiguration(section) {
      return { get: (key, dflt) => (stub._settings[`${section}.${key}`] ?? dflt) };
    },
    onDidChangeConfiguration() { return disposable; },
    createFileSystemWatcher() { return disposable; },
  },
  window: {
    createOutputChannel(name) { return { name, append() {}, appendLine() {}, show() {}, dispose() {} }; },
    showErrorMessage: async () => undefined,
  },
  commands: {
    registerCommand(id, fn) { stub._commands.set(id, fn); return disposable; },
    executeCommand: async () => undefined,
  },
  languages: {
    registerFoldingRangeProvider(selector, provider) { stub._foldingProviders.push({ selector, provider }); return disposable; },
  },
  FoldingRange: class { constructor(start, end, kind) { Object.assign(this, { start, end, kind }); } },
  FoldingRangeKind: { Comment: 1, Imports: 2, Region: 3 },
};

module.exports = new Proxy(stub, {
  get(t, prop) {
    if (prop in t) return t[prop];
    if (prop === 'then' || typeof prop === 'symbol') return undefined;
    return deep(`vscode.${prop}`);
  },
});
