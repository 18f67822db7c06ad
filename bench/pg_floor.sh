#!/usr/bin/env bash
# PostgreSQL's floor for one tick step (issue 15): the least server CPU PostgreSQL needs
# per record to make a step's writes durable (the connection's update, its timer's move,
# a history row), done in the cheapest way SQL allows, with no seqc and no client data
# on the socket. Compare it with a whole `seqc tick` on SQLite (bench/bench_workspace.sh):
# if the floor alone is above 2× that, no design that keeps those writes in PostgreSQL
# meets "one worker within 2× of SQLite".
#
#   bench/pg_floor.sh [CONNECTIONS] [SHARED_BUFFERS]     (defaults: 900000, the cluster's)
#
# Starts a throwaway cluster (tests/pg/cluster.sh: Unix socket, fsync=off; autovacuum off
# here, so that only the measured statements run), creates the tables and indexes of
# seqc's PostgreSQL schema 8 that a step touches (records, sequences, versions,
# connections with fill factor 80, timers, history), fills them server-side
# (generate_series: CONNECTIONS connections with a 200-byte `data`, CONNECTIONS / 0.9
# records with a 300-byte `fields`, as the bench connects 90% of its leads; two history
# rows a connection, as `connect` leaves), VACUUM ANALYZE. Then each
# floor runs on a fresh copy (CREATE DATABASE … TEMPLATE, prewarmed) as one plpgsql DO
# block, a transaction per batch where it says so:
#   tick     per bucket, batches of 2,000 (tick.cc's kBucketBatch), the rows a tick's
#            batch has (every 64th id): move the timers, update the connections (HOT:
#            pc, step, due, data), insert a history row each
#   range    the same by id ranges of 2,000 (neighbouring rows: fewer pages, but more
#            updates on a page than its free room, so most are not HOT)
#   one      the same three writes, all rows in one statement each, one transaction
#   conn / timer / hist   each write alone, batched as `tick`
#   reads    the reads a tick's batch makes, no writes: due timers of a bucket joined to
#            their connections and records (dueInBucket and the records' fields)
#   tick+reads  both, as a tick does them
# Server CPU is the postmaster's and its children's user + system time from /proc
# (exited backends included), read around each floor; WAL from pg_current_wal_insert_lsn(). The cluster
# runs with fsync=off, so the floor leaves out the flushes a durable server would add.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-900000}
shared_buffers=${2:-}
batch=2000
command -v psql >/dev/null || { echo "psql is required" >&2; exit 2; }

state=$(mktemp -d "${TMPDIR:-/tmp}/pg_floor.XXXXXX")
trap 'bash "$root/tests/pg/cluster.sh" stop "$state/pg" >/dev/null 2>&1 || true; rm -rf "$state"' EXIT
bash "$root/tests/pg/cluster.sh" start "$state/pg" >/dev/null
sock=$(cat "$state/pg/dir")
url() { echo "postgresql://seqc@/$1?host=$sock"; }
sql() { local db=$1; shift; psql -qAtX -v ON_ERROR_STOP=1 "$(url "$db")" "$@"; }

sql postgres -c "ALTER SYSTEM SET autovacuum = off" -c "ALTER SYSTEM SET max_wal_size = '4GB'" >/dev/null
[ -n "$shared_buffers" ] && sql postgres -c "ALTER SYSTEM SET shared_buffers = '$shared_buffers'" >/dev/null
bash "$root/tests/pg/cluster.sh" restart "$state/pg"
pm=$(head -1 "$sock/data/postmaster.pid")

# The server's CPU in clock ticks: the postmaster's own and its reaped children's, plus
# the live children's (backends, checkpointer, WAL writer).
server_ticks() {
  { awk '{ sub(/.*\) /, ""); print $12 + $13 + $14 + $15 }' "/proc/$pm/stat"
    for p in $(pgrep -P "$pm"); do awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$p/stat" 2>/dev/null || true; done
  } | awk '{ s += $1 } END { print s }'
}
hz=$(getconf CLK_TCK)

echo "machine: $(nproc) CPUs, $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "PostgreSQL: $(sql postgres -c 'SHOW server_version'), shared_buffers $(sql postgres -c 'SHOW shared_buffers'), connections: $N, batch: $batch"

records=$((N + N / 9))
t0=$(date +%s.%N)
sql postgres -c "CREATE DATABASE base" >/dev/null
# Schema 8's tables a step touches, with their keys and indexes (workspace/src/pg_store.cc);
# indexes made after the fill, as a long-running workspace's would be packed by then.
sql base >/dev/null <<SQL
CREATE EXTENSION pg_prewarm;
CREATE TABLE sequences(id bigserial PRIMARY KEY, name text COLLATE "C" NOT NULL, entity text NOT NULL,
  description text NOT NULL, tags text NOT NULL, active integer NOT NULL, latest integer NOT NULL,
  created bigint NOT NULL, modified bigint NOT NULL, deleted integer NOT NULL);
CREATE TABLE versions(sequence bigint NOT NULL REFERENCES sequences(id), number integer NOT NULL,
  change text NOT NULL, source_path text NOT NULL, sources text NOT NULL, hash text NOT NULL,
  bytecode bytea NOT NULL, module_index bigint NOT NULL, created bigint NOT NULL, PRIMARY KEY(sequence, number));
CREATE TABLE records(id text COLLATE "C" PRIMARY KEY, entity text NOT NULL, fields bytea NOT NULL, updated bigint NOT NULL);
CREATE TABLE connections(
  id bigserial PRIMARY KEY, record text COLLATE "C" NOT NULL REFERENCES records(id), sequence bigint NOT NULL,
  version integer NOT NULL, bucket integer NOT NULL, status bigint NOT NULL, reason bigint NOT NULL,
  waiting bigint NOT NULL, step bigint NOT NULL, progress bigint NOT NULL, pc bigint NOT NULL,
  generation bigint NOT NULL, connected bigint NOT NULL, entered bigint NOT NULL, due bigint, ended bigint,
  message text NOT NULL, data bytea NOT NULL, assignee text COLLATE "C" NOT NULL DEFAULT '',
  FOREIGN KEY(sequence, version) REFERENCES versions(sequence, number)) WITH (fillfactor = 80);
CREATE TABLE timers(connection bigint, bucket integer NOT NULL, due bigint NOT NULL);
CREATE TABLE history(id bigserial PRIMARY KEY, connection bigint NOT NULL, at bigint NOT NULL,
  step integer NOT NULL, result text NOT NULL, detail text NOT NULL);
INSERT INTO sequences VALUES (1, 'Webinar follow up', 'lead', '', 'templates', 1, 1, 0, 0, 0);
INSERT INTO versions VALUES (1, 1, '', 'webinar_follow_up.seq', '', '', '\x00', 0, 0);
-- 300 bytes of fields, incompressible enough to stay as written (no TOAST below 2 KB anyway).
INSERT INTO records SELECT format('L-%s', lpad(i::text, 7, '0')), 'lead',
  convert_to(rpad(md5(i::text), 300, md5((-i)::text)), 'UTF8'), 1767603600 FROM generate_series(1, $records) i;
-- bucket = id % 64: a bucket's rows are every 64th, as scattered over the heap as
-- seqc's hash of the record id makes them. Every connection waits for the same due time.
INSERT INTO connections SELECT i, format('L-%s', lpad(i::text, 7, '0')), 1, 1, i % 64, 0, 0, 1, 2, 0, 17, 1,
  1767603600, 1767603600, 1767690000, NULL, '', convert_to(rpad(md5((i * 7)::text), 200, md5(i::text)), 'UTF8'), ''
  FROM generate_series(1, $N) i;
SELECT setval('connections_id_seq', $N);
INSERT INTO timers SELECT id, bucket, due FROM connections;
INSERT INTO history(connection, at, step, result, detail)
  SELECT c, 1767603600, s, CASE s WHEN 0 THEN 'sent' ELSE 'waiting' END, 'Thanks for registering: recording and slides'
  FROM generate_series(1, $N) c, generate_series(0, 1) s ORDER BY c, s;
CREATE INDEX records_entity ON records(entity, id);
CREATE INDEX connections_sequence ON connections(sequence, status);
CREATE INDEX connections_record ON connections(record);
CREATE INDEX connections_bucket ON connections(bucket, sequence, version, id) WHERE status = 0;
CREATE INDEX timers_due ON timers(bucket, due, connection);
CREATE INDEX history_connection ON history(connection);
CREATE INDEX history_assigned ON history(connection) WHERE result IN ('assigned', 'reassigned');
SQL
sql base -c "VACUUM ANALYZE" >/dev/null
echo "filled in $(awk "BEGIN { printf \"%.0f\", $(date +%s.%N) - $t0 }") s: $(sql base -c "SELECT pg_size_pretty(pg_database_size('base'))")"
echo "connections: $(sql base -c "SELECT round(reltuples / relpages) || ' rows a page, ' || pg_size_pretty(pg_relation_size(oid))
  FROM pg_class WHERE relname = 'connections'")"

# One floor's DO block. $1: bucket|range|one; $2: the writes and reads, a list of
# conn timer hist reads. A batch's ids are computed, not read: the writes are all there is.
floor_sql() {
  local order=$1 what=$2 body=""
  [[ $what == *reads* ]] && body+="
      SELECT count(*), coalesce(sum(length(c.data) + length(r.fields)), 0) INTO n, bytes
        FROM (SELECT t.connection FROM timers t WHERE t.bucket = b AND t.due <= 1767690000
              AND t.connection >= lo ORDER BY t.due, t.connection LIMIT $batch) t
        JOIN connections c ON c.id = t.connection JOIN records r ON r.id = c.record;"
  # The timer found by what its connection holds, as updateConnections does (before the
  # connection moves: its old due time).
  [[ $what == *timer* ]] && body+="
      UPDATE timers t SET due = t.due + 86400 FROM connections c
        WHERE c.id = ANY(ids) AND t.bucket = c.bucket AND t.due = c.due AND t.connection = c.id;"
  [[ $what == *conn* ]] && body+="
      UPDATE connections SET pc = pc + 5, step = step + 1, due = due + 86400,
        data = set_byte(data, 0, (get_byte(data, 0) + 1) % 256) WHERE id = ANY(ids);"
  [[ $what == *hist* ]] && body+="
      INSERT INTO history(connection, at, step, result, detail)
        SELECT id, 1767690000, 3, 'waited', 'wait 1d' FROM unnest(ids) id;"
  case $order in
    bucket) cat <<SQL
DO \$\$
DECLARE ids bigint[]; lo bigint; n bigint; bytes bigint;
BEGIN
  FOR b IN 0..63 LOOP
    lo := CASE WHEN b = 0 THEN 64 ELSE b END;
    WHILE lo <= $N LOOP
      ids := ARRAY(SELECT generate_series(lo, LEAST($N, lo + 64 * ($batch - 1)), 64));
      $body
      COMMIT;
      lo := lo + 64 * $batch;
    END LOOP;
  END LOOP;
END \$\$;
SQL
      ;;
    range) cat <<SQL
DO \$\$
DECLARE ids bigint[]; n bigint; bytes bigint; b int := 0;
BEGIN
  FOR lo IN 1..$N BY $batch LOOP
    ids := ARRAY(SELECT generate_series(lo, LEAST($N, lo + $batch - 1)));
    $body
    COMMIT;
  END LOOP;
END \$\$;
SQL
      ;;
    one) cat <<SQL
DO \$\$
DECLARE ids bigint[] := ARRAY(SELECT generate_series(1, $N)); n bigint; bytes bigint; b int := 0; lo bigint := 1;
BEGIN
  $body
END \$\$;
SQL
      ;;
  esac
}

printf '\n%-12s %10s %13s %11s %9s %11s %8s %6s %5s\n' FLOOR ROWS SERVER_CPU_S US/RECORD WAL_MB WAL_B/REC WALL_S LOAD HOT%
copies=0
run_floor() {
  local name=$1 order=$2 what=$3 db=f$copies
  copies=$((copies + 1))
  sql postgres -c "CREATE DATABASE $db TEMPLATE base STRATEGY FILE_COPY" >/dev/null
  sql "$db" -c "SELECT count(pg_prewarm(c.oid)) FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'i')" >/dev/null
  sql postgres -c "CHECKPOINT" >/dev/null
  floor_sql "$order" "$what" >"$state/floor.sql"
  local load lsn0 lsn1 c0 c1 w0 w1
  load=$(cut -d' ' -f1 /proc/loadavg)
  lsn0=$(sql postgres -c "SELECT pg_current_wal_insert_lsn()")
  c0=$(server_ticks); w0=$(date +%s.%N)
  sql "$db" -f "$state/floor.sql" >/dev/null
  w1=$(date +%s.%N)
  sleep 0.5  # the backend exits and is reaped: its time moves to the postmaster's
  c1=$(server_ticks)
  lsn1=$(sql postgres -c "SELECT pg_current_wal_insert_lsn()")
  local wal hot
  wal=$(sql postgres -c "SELECT pg_wal_lsn_diff('$lsn1', '$lsn0')::bigint")
  # How many of the connections' updates were HOT (no index entry written).
  hot=$(sql "$db" -c "SELECT CASE WHEN n_tup_upd > 0 THEN round(100.0 * n_tup_hot_upd / n_tup_upd)::text ELSE '-' END
    FROM pg_stat_user_tables WHERE relname = 'connections'")
  awk -v n="$name" -v rows="$N" -v c="$(((c1 - c0)))" -v hz="$hz" -v wal="$wal" -v wall="$(awk "BEGIN { print $w1 - $w0 }")" -v load="$load" -v hot="$hot" \
    'BEGIN { s = c / hz; printf "%-12s %10d %13.2f %11.1f %9.1f %11.0f %8.1f %6s %5s\n", n, rows, s, s * 1e6 / rows, wal / 1048576, wal / rows, wall, load, hot }'
  sql postgres -c "DROP DATABASE $db" >/dev/null
}

run_floor reads bucket reads
run_floor tick bucket "timer conn hist"
run_floor tick+reads bucket "reads timer conn hist"
run_floor range range "timer conn hist"
run_floor one one "timer conn hist"
run_floor conn bucket conn
run_floor timer bucket timer
run_floor hist bucket hist
echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
