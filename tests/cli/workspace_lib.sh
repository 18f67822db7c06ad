# Shared by the workspace CLI cases (cases/workspace_*.sh): a temporary workspace
# directory and `w ARGS…`, which runs `seqc ARGS… --workspace $ws` and remembers the
# command for failure messages.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ws="$tmp/ws"
last=""
w() { last="$*"; run "$SEQC" "$@" --workspace "$ws"; }
fail() { echo "FAIL: after \`seqc $last\`: $*" >&2; exit 1; }
expect_line() { grep -qxF -- "$1" <<<"$out" || fail "no line '$1'; output:"$'\n'"$out"; }
expect_not_out() { ! grep -qF -- "$1" <<<"$out" || fail "output has '$1'; output:"$'\n'"$out"; }
