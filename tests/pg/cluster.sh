#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests: `cluster.sh start STATE` runs initdb and
# pg_ctl in a new temporary directory, listening on a Unix socket only (no TCP port to
# collide with), and writes into the directory STATE:
#   url   the base URL (postgresql://seqc@/?host=SOCKETDIR); tests add a database name
#   dir   the cluster's temporary directory
# `cluster.sh stop STATE` stops it (immediate shutdown) and removes it. CTest runs them
# as the fixture of every PostgreSQL test (FIXTURES_SETUP/CLEANUP), so the cluster is
# stopped also when tests fail. The server refuses to run as root: as root, the server
# runs as the unprivileged user seqc-pg (made here when missing; scripts/setup makes it).
set -euo pipefail
cmd=${1:?usage: cluster.sh start|stop|restart STATE}
state=${2:?usage: cluster.sh start|stop|restart STATE}
bin=${SEQC_PG_BIN:-/usr/lib/postgresql/15/bin}
user=seqc-pg

as_server() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u "$user" -- "$@"; else "$@"; fi
}

stop() {
  [ -f "$state/dir" ] || return 0
  local dir
  dir=$(cat "$state/dir")
  if [ -d "$dir/data" ]; then
    # Immediate: nothing to keep. A server that does not go within 15 s is killed.
    if ! as_server "$bin/pg_ctl" -D "$dir/data" -m immediate -t 15 stop >/dev/null 2>&1 && [ -f "$dir/data/postmaster.pid" ]; then
      kill -9 "$(head -1 "$dir/data/postmaster.pid")" 2>/dev/null || true
    fi
  fi
  rm -rf "$dir" "$state"
}

case $cmd in
  start)
    [ -x "$bin/initdb" ] || { echo "no PostgreSQL server binaries in $bin (scripts/setup installs postgresql-15)" >&2; exit 1; }
    stop  # one left by a run that was killed
    if [ "$(id -u)" -eq 0 ] && ! id "$user" >/dev/null 2>&1; then
      useradd --system --no-create-home --shell /usr/sbin/nologin "$user"
    fi
    dir=$(mktemp -d "${TMPDIR:-/tmp}/seqc-pg.XXXXXX")
    mkdir -p "$state"
    echo "$dir" >"$state/dir"
    [ "$(id -u)" -eq 0 ] && chown "$user" "$dir"
    as_server "$bin/initdb" -D "$dir/data" -A trust -U seqc -E UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 ||
      { cat "$dir/initdb.log" >&2; exit 1; }
    # Durability is not what these tests are about: no fsync keeps them fast.
    if ! as_server "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-k $dir -c listen_addresses= -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=60" start >/dev/null; then
      cat "$dir/server.log" >&2
      exit 1
    fi
    echo "postgresql://seqc@/?host=$dir" >"$state/url"
    echo "PostgreSQL cluster running in $dir"
    ;;
  stop) stop ;;
  restart)  # a server restart under the clients' feet (tests/workspace/pg_workers.sh)
    dir=$(cat "$state/dir")
    as_server "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 60 restart >/dev/null
    ;;
  *) echo "usage: cluster.sh start|stop|restart STATE" >&2; exit 2 ;;
esac
