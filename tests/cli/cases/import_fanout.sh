# Memory follows the sources' sizes: a file importing 200 small files (and the language
# server re-checking one importing 50, edit after edit) stays far below what a buffer
# per file sized to the 16 MiB file limit would pin (200 × 16 MiB = 3.2 GiB).
source "$(dirname "$0")/../lib.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
# The sanitizers' shadow memory and quarantine count too: a higher ceiling, still far
# below the 16 MiB per file.
ceiling_mib=150
[ "${SEQC_SANITIZED:-0}" = 1 ] && ceiling_mib=1024

mkdir "$tmp/lib"
imports() {  # imports N: import lines for lib/f1.seq … lib/fN.seq
  for ((i = 1; i <= $1; i++)); do echo "import \"lib/f$i.seq\""; done
}
for ((i = 1; i <= 200; i++)); do
  printf 'entity e%d "E%d" {\n  name: string(50) "Name"\n}\n' "$i" "$i" >"$tmp/lib/f$i.seq"
done
{ imports 200; printf 'sequence "S" on e200 {\n  task "x"\n}\n'; } >"$tmp/main.seq"

read -r rc kib < <(peak_kib /dev/null "$tmp/out" "$SEQC" check "$tmp/main.seq")
[ "$rc" -eq 0 ] || fail "check failed (exit $rc): $(cat "$tmp/out")"
echo "check, 200 imports: peak $((kib / 1024)) MiB"
[ "$kib" -lt $((ceiling_mib * 1024)) ] || fail "check of 200 imports peaked at $((kib / 1024)) MiB (ceiling $ceiling_mib MiB)"

# The language server compiles the document again on every change: 30 edits of a file
# importing 50 files.
{ imports 50; printf 'sequence "S" on e50 {\n  task "x"\n}\n'; } >"$tmp/lsp.seq"
python3 - "$tmp/lsp.seq" >"$tmp/session" <<'PY'
import json, sys
path = sys.argv[1]
uri = "file://" + path
text = open(path).read()
def send(msg):
    body = json.dumps(msg).encode()
    sys.stdout.buffer.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
send({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}})
send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
send({"jsonrpc": "2.0", "method": "textDocument/didOpen",
      "params": {"textDocument": {"uri": uri, "languageId": "seq", "version": 1, "text": text}}})
for v in range(2, 32):
    text += "// edit %d\n" % v
    send({"jsonrpc": "2.0", "method": "textDocument/didChange",
          "params": {"textDocument": {"uri": uri, "version": v}, "contentChanges": [{"text": text}]}})
send({"jsonrpc": "2.0", "id": 2, "method": "shutdown"})
send({"jsonrpc": "2.0", "method": "exit"})
PY
read -r rc kib < <(peak_kib "$tmp/session" "$tmp/out" "$SEQC" lsp)
[ "$rc" -eq 0 ] || fail "lsp failed (exit $rc): $(tail -c 2000 "$tmp/out")"
[ "$(grep -o '"method":"textDocument/publishDiagnostics"' "$tmp/out" | wc -l)" -eq 31 ] ||
  fail "lsp did not publish diagnostics after every change: $(tail -c 2000 "$tmp/out")"
grep -q '"diagnostics":\[\]' "$tmp/out" || fail "the document did not check clean: $(tail -c 2000 "$tmp/out")"
echo "lsp, 50 imports, 30 edits: peak $((kib / 1024)) MiB"
[ "$kib" -lt $((ceiling_mib * 1024)) ] || fail "lsp peaked at $((kib / 1024)) MiB (ceiling $ceiling_mib MiB)"
exit 0
