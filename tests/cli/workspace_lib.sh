# Shared by the workspace CLI cases (cases/workspace_*.sh): a temporary workspace
# directory and `w ARGS…`, which runs `seqc ARGS… --workspace $ws` and remembers the
# command for failure messages.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ws="$tmp/ws"
last=""
# With SEQC_TEST_PG (the state directory of tests/pg/cluster.sh), every `w init` puts
# its workspace in a fresh database of that PostgreSQL cluster; $store_file is what init
# leaves in the directory.
pg_url=""
store_file=seqc.db
if [ -n "${SEQC_TEST_PG:-}" ]; then
  pg_url=$(cat "$SEQC_TEST_PG/url") || { echo "FAIL: no PostgreSQL test cluster in $SEQC_TEST_PG" >&2; exit 1; }
  store_file=seqc.database
fi
databases=0
fresh_db() {  # fresh_db N: creates database number N, prints its URL
  local name="t$$_$1"
  "${SEQC_PG_BIN:-/usr/lib/postgresql/15/bin}/psql" -qX "${pg_url/\/\?//postgres?}" -c "CREATE DATABASE $name" >/dev/null ||
    { echo "FAIL: cannot create database $name" >&2; exit 1; }
  echo "${pg_url/\/\?//$name?}"
}
w() {
  last="$*"
  if [ "$1" = init ] && [ -n "$pg_url" ]; then
    local url
    databases=$((databases + 1))
    url=$(fresh_db "$databases") || exit 1
    run "$SEQC" "$@" --workspace "$ws" --database "$url"
  else
    run "$SEQC" "$@" --workspace "$ws"
  fi
}
fail() { echo "FAIL: after \`seqc $last\`: $*" >&2; exit 1; }
expect_line() { grep -qxF -- "$1" <<<"$out" || fail "no line '$1'; output:"$'\n'"$out"; }
expect_not_out() { ! grep -qF -- "$1" <<<"$out" || fail "output has '$1'; output:"$'\n'"$out"; }
