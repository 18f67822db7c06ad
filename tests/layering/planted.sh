#!/usr/bin/env bash
# check.sh must fail on a tree where the interpreter includes a compiler header and
# where a workspace file includes the ANTLR runtime; and name both.
set -euo pipefail
src=${1:?usage: planted.sh SOURCE_DIR WORK_DIR}
work=${2:?usage: planted.sh SOURCE_DIR WORK_DIR}
rm -rf "$work" && mkdir -p "$work"
for d in support runtime compiler lsp workspace; do cp -r "$src/$d" "$work/"; done
printf '#include "compiler/ast.h"\n' >>"$work/runtime/interp/src/interpreter.cc"
printf '#include <antlr4-runtime.h>\n' >>"$work/workspace/src/catalog.cc"
if out=$("$src/tests/layering/check.sh" "$work"); then
  echo "check.sh accepted a planted violation"; exit 1
fi
grep -q 'runtime/interp/src/interpreter.cc:.*may not include "compiler/ast.h"' <<<"$out" || { echo "$out"; exit 1; }
grep -q 'workspace/src/catalog.cc:.*ANTLR' <<<"$out" || { echo "$out"; exit 1; }
echo "planted violations found"
