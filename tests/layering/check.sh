#!/usr/bin/env bash
# The layering rules of docs/design.md ("Parts"), checked on the #include lines of the
# sources under ROOT. Each part may include its own headers and those of the parts it
# depends on, nothing else; and the "nevers" hold whatever the table says. Prints every
# violation as FILE:LINE: what, and exits 1 when there is one.
#
# Usage: tests/layering/check.sh ROOT
set -uo pipefail
root=${1:?usage: check.sh ROOT}
cd "$root" || exit 2

# part directory → include prefixes it may use (quoted includes only; system headers
# are checked by the nevers below). seqc/stats/ is a leaf (pure functions over counts)
# that every part above support may use, and that uses no other part.
declare -A allowed=(
  [support]="seqc/support/"
  [runtime/stats]="seqc/stats/"
  [runtime/bytecode]="seqc/format/ seqc/calendar/ seqc/support/"
  [runtime/calendar]="seqc/calendar/ seqc/support/"
  [runtime/interp]="seqc/interp/ seqc/format/ seqc/calendar/ seqc/support/ seqc/stats/"
  [runtime/sim]="seqc/sim/ seqc/interp/ seqc/format/ seqc/calendar/ seqc/support/ seqc/stats/"
  [compiler]="compiler/ seqc/format/ seqc/calendar/ seqc/support/ seqc/stats/"
  [lsp]="lsp/ compiler/ seqc/format/ seqc/calendar/ seqc/support/ seqc/stats/"
  [workspace]="seqc/workspace/ compiler/driver.h seqc/format/ seqc/calendar/ seqc/support/ seqc/interp/ seqc/sim/ seqc/stats/"
)

status=0
violation() {
  echo "$1: $2"
  status=1
}

for part in "${!allowed[@]}"; do
  [ -d "$part" ] || { violation "$part" "the part's directory is missing"; continue; }
  while IFS= read -r hit; do
    file=${hit%%:*}; rest=${hit#*:}; line=${rest%%:*}; text=${rest#*:}
    [[ $text =~ \#[[:space:]]*include[[:space:]]*\"([^\"]*)\" ]] && header=${BASH_REMATCH[1]}  # no fork per line
    ok=0
    # A private header beside the file (`internal.h`, `encoding.h`).
    [[ $header != */* && -f ${file%/*}/$header ]] && ok=1
    # The generated parser, behind the ANTLR fence.
    [[ $file == compiler/parser.cc && $header =~ ^Seq(Lexer|Parser)\.h$ ]] && ok=1
    for prefix in ${allowed[$part]}; do
      [[ $header == "$prefix"* ]] && ok=1 && break
    done
    [ "$ok" = 1 ] || violation "$file:$line" "$part may not include \"$header\""
  done < <(grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$part" --include='*.h' --include='*.cc' --include='*.def')
done

# The nevers.
# 1. ANTLR types never leave the parser: only compiler/parser.cc sees the runtime or the
#    generated lexer and parser.
while IFS= read -r hit; do
  violation "${hit%%:*}:$(cut -d: -f2 <<<"$hit")" "only compiler/parser.cc may include ANTLR or the generated parser"
done < <(grep -rnE '#[[:space:]]*include[[:space:]]*[<"](antlr4|Seq(Lexer|Parser|Visitor|Listener))' \
           --include='*.h' --include='*.cc' support runtime compiler lsp workspace tools bench 2>/dev/null |
         grep -v '^compiler/parser\.cc:')
# 2. The runtime never depends on the compiler, and no part below the workspace on the
#    workspace (covered by the table for quoted includes; here for its CMake targets).
while IFS= read -r hit; do
  violation "${hit%%:*}" "the runtime may not link the compiler, ANTLR or the workspace"
done < <(grep -lE 'seqc_compiler|seq_grammar|antlr4|seqc_workspace|seqc_lsp' support/CMakeLists.txt runtime/CMakeLists.txt)
# 3. The compiler never links the interpreter or the simulator.
if grep -qE 'seqc_interp|seqc_sim|seqc_workspace' compiler/CMakeLists.txt; then
  violation compiler/CMakeLists.txt "the compiler may link the bytecode format and support only"
fi

[ "$status" = 0 ] && echo "layering: ${#allowed[@]} parts, every include allowed"
exit "$status"
