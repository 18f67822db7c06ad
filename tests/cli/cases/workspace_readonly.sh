# A workspace seqc may not write (a read-only mount, another user's directory) opens
# read-only: the commands that only read work, one that changes it fails with a clear
# error, exit 1, and nothing is changed. As root (which may write anything) the reader
# runs as `nobody`; otherwise the workspace is made read-only with chmod.
source "$(dirname "$0")/../workspace_lib.sh"
cat >"$tmp/w.seq" <<'SEQ'
sequence "Welcome" on lead {
  hello: email "Hello"
  wait 2d
  call "Intro call"
}
SEQ
printf 'id,lastname\nL-1,Ruiz\n' >"$tmp/leads.csv"
w init --clock 2026-01-05T09:00:00Z; expect_rc 0
w activate "$tmp/w.seq"; expect_rc 0
w records load "$tmp/leads.csv" --entity lead; expect_rc 0
w connect Welcome --record L-1; expect_rc 0
before=$(sha256sum "$ws/seqc.db")

chmod 755 "$tmp"
if [ "$(id -u)" -eq 0 ]; then
  command -v setpriv >/dev/null || { echo "SKIP: setpriv missing"; exit 0; }
  chmod -R a+rX "$ws"
  as_reader() { setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"; }
else
  chmod -R a-w "$ws"
  as_reader() { "$@"; }
fi
r() { last="$*"; run as_reader "$SEQC" "$@" --workspace "$ws"; }

r list; expect_rc 0; expect_out "Welcome"
r show Welcome; expect_rc 0; expect_out "Intro call"
r records Welcome; expect_rc 0; expect_out "L-1"
r history L-1; expect_rc 0; expect_out "connected"
r stats Welcome; expect_rc 0
mkdir -m 777 "$tmp/out"
r report -o "$tmp/out/report.html"; expect_rc 0
grep -qF '<h2 id="seq-1-h">Welcome</h2>' "$tmp/out/report.html" || fail "report of a read-only workspace"
r export Welcome -o "$tmp/out/bundle.json"; expect_rc 0
grep -q '"Welcome"' "$tmp/out/bundle.json" || fail "export wrote no bundle"

r tick --to 2026-01-09T09:00:00Z
expect_rc 1; expect_out "read-only"; expect_out "this command changes it"
r complete L-1
expect_rc 1; expect_out "read-only"
[ "$(sha256sum "$ws/seqc.db")" = "$before" ] || fail "a read-only command changed the database"
chmod -R u+w "$ws"
exit 0
