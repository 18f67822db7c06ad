// The VS Code client of the seqc language server: starts `seqc lsp` over stdio for .seq
// files and leaves diagnostics, hover, completion, definitions, references, rename,
// symbols and formatting to it. Plain JavaScript, no build step.
'use strict';

const path = require('node:path');
const vscode = require('vscode');
const { LanguageClient, RevealOutputChannelOn } = require('vscode-languageclient/node');
const { foldingRanges } = require('./folding');

/** @type {LanguageClient | undefined} */
let client;
/** @type {vscode.OutputChannel | undefined} */
let outputChannel;
/** @type {vscode.OutputChannel | undefined} */
let traceChannel;

// The configured seqc executable: a bare name is looked up on PATH by the system; a
// relative path is taken from the first workspace folder; `~` is the home directory.
function seqcPath() {
  let p = vscode.workspace.getConfiguration('seqc').get('path') || 'seqc';
  p = p.trim();
  if (p.startsWith('~/')) p = path.join(require('node:os').homedir(), p.slice(2));
  const folders = vscode.workspace.workspaceFolders;
  if (p.includes('/') && !path.isAbsolute(p) && folders && folders.length > 0) {
    p = path.join(folders[0].uri.fsPath, p);
  }
  return p;
}

async function startClient() {
  const command = seqcPath();
  const serverOptions = {
    // no `transport`: the client then speaks over the child's stdin/stdout and passes
    // no extra --stdio argument
    run: { command, args: ['lsp'] },
    debug: { command, args: ['lsp'] },
  };
  const clientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'seq' },
      { scheme: 'untitled', language: 'seq' },
    ],
    outputChannel,
    traceOutputChannel: traceChannel,
    revealOutputChannelOn: RevealOutputChannelOn.Never,
    synchronize: {
      // an import may name any .seq file of the workspace
      fileEvents: vscode.workspace.createFileSystemWatcher('**/*.seq'),
    },
  };
  // The id `seqc` makes the client read the `seqc.trace.server` setting.
  client = new LanguageClient('seqc', 'seqc language server', serverOptions, clientOptions);
  try {
    await client.start();
  } catch (err) {
    const choice = await vscode.window.showErrorMessage(
      `Could not start the seqc language server (\`${command} lsp\`): ${err && err.message ? err.message : err}. ` +
      'Set "seqc.path" to the seqc executable.',
      'Open Settings', 'Show Output');
    if (choice === 'Open Settings') {
      vscode.commands.executeCommand('workbench.action.openSettings', 'seqc.path');
    } else if (choice === 'Show Output') {
      outputChannel.show(true);
    }
  }
}

async function stopClient() {
  const c = client;
  client = undefined;
  if (c) {
    try {
      await c.stop();
    } catch (_) {
      // the server may already be gone
    }
  }
}

async function restartClient() {
  await stopClient();
  await startClient();
}

function activate(context) {
  outputChannel = vscode.window.createOutputChannel('seqc language server');
  traceChannel = vscode.window.createOutputChannel('seqc language server trace');
  context.subscriptions.push(outputChannel, traceChannel);

  context.subscriptions.push(
    vscode.commands.registerCommand('seqc.restartServer', restartClient),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('seqc.path')) restartClient();
    }),
    // Folding on braces and block comments (the grammar's job in VS Code, not the server's).
    vscode.languages.registerFoldingRangeProvider({ language: 'seq' }, {
      provideFoldingRanges(document) {
        return foldingRanges(document.getText()).map((r) => new vscode.FoldingRange(
          r.start, r.end, r.kind === 'comment' ? vscode.FoldingRangeKind.Comment : undefined));
      },
    }),
  );
  return startClient();
}

function deactivate() {
  return stopClient();
}

module.exports = { activate, deactivate };
