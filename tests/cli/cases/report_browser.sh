# `seqc report` in a real browser (headless Chromium, Debian's `chromium`): the page
# renders to a non-trivial screenshot, its script ran without errors (the page marks
# <html data-loaded="yes"> and records errors in data-errors) and the DOM shows the
# figures. Skipped (exit 77) only when chromium is not installed; CI installs it and
# sets SEQC_REQUIRE_BROWSER, which turns the skip into a failure.
source "$(dirname "$0")/../workspace_lib.sh"

browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
  [ -z "${SEQC_REQUIRE_BROWSER:-}" ] || fail "chromium is not installed and SEQC_REQUIRE_BROWSER is set (CI)"
  echo "SKIP: chromium is not installed (scripts/setup installs it)"
  exit 77
fi

cat >"$tmp/s.seq" <<'SEQ'
sequence "Browser check" on lead {
  intro: auto email "Intro" template "intro"
  call1: call "Intro call" due 1d
}
SEQ
cat >"$tmp/users.csv" <<'CSV'
id,fullname,isdisabled
U-1,Ana,false
CSV
cat >"$tmp/leads.csv" <<'CSV'
id,lastname,ownerid
L-1,One,U-1
L-2,Two,U-1
L-3,Three,U-1
L-4,Four,U-1
CSV
w init --clock 2026-01-05T09:00:00Z; expect_rc 0
w activate "$tmp/s.seq"; expect_rc 0
w records load "$tmp/users.csv" --entity systemuser; expect_rc 0
w records load "$tmp/leads.csv" --entity lead; expect_rc 0
w connect "Browser check" --record L-1,L-2,L-3,L-4; expect_rc 0
# intro sent 4, opened by 3 (75.0%), clicked by 1 (25.0%); the calls all U-1's, L-1's
# done and its run completed: U-1 has 4 runs, 1 completed, 1 activity done, 3 calls
# open due 2026-01-06.
for r in L-1 L-2 L-3; do w event $r opened --step intro; expect_rc 0; done
w event L-1 clicked --step intro; expect_rc 0
w complete L-1 --outcome answered; expect_rc 0
w report -o "$tmp/report.html"; expect_rc 0

# chromium FLAGS… URL: a throwaway profile, at most 60 s.
chrome() {
  timeout 60 "$browser" --headless --no-sandbox --disable-gpu --no-first-run --disable-extensions \
    --user-data-dir="$tmp/profile-$RANDOM" --enable-logging=stderr --v=0 "$@"
}
# dom FILE: the page's DOM after load on stdout; the browser's log in $tmp/log.
dom() { chrome --dump-dom "file://$1" 2>"$tmp/log"; }

(cd "$tmp" && chrome --screenshot="$tmp/shot.png" --window-size=1200,2000 "file://$tmp/report.html") \
  >/dev/null 2>"$tmp/shot.log" || fail "chromium --screenshot failed: $(tail -5 "$tmp/shot.log")"
python3 - "$tmp/shot.png" <<'PY' || fail "screenshot"
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
w, h = struct.unpack(">II", data[16:24])
assert (w, h) == (1200, 2000), (w, h)
# A blank page compresses to almost nothing: the report's text and charts do not.
assert len(data) > 20000, len(data)
PY

page=$(dom "$tmp/report.html") || fail "chromium --dump-dom failed: $(tail -5 "$tmp/log")"
root=$(grep -o '<html[^>]*>' <<<"$page" | head -1)
grep -qF 'data-loaded="yes"' <<<"$root" || fail "the page's script did not run to its end: $root"
! grep -qF 'data-errors' <<<"$root" || fail "script errors: $root"
! grep -q 'Uncaught' "$tmp/log" || fail "uncaught error: $(grep 'Uncaught' "$tmp/log")"
for want in '<h2 id="seq-1-h">Browser check</h2>' '<td class="n">75.0%</td>' '<td class="n">25.0%</td>' \
    '<title id="t-1">Funnel of Browser check: runs that reached each step</title>' \
    '<td>U-1</td><td class="n">4</td><td class="n">1</td><td class="n">1</td>' \
    '<th scope="col" class="n">2026-01-06</th>' \
    '<td>U-1</td><td class="n">0</td><td class="n">3</td><td class="n">0</td><td class="n">3</td>'; do
  grep -qF -- "$want" <<<"$page" || fail "the rendered page lacks '$want'"
done

# The checks can fail: an error thrown after the page's script is recorded in the DOM.
sed 's|</body>|<script>undefinedFunction();</script></body>|' "$tmp/report.html" >"$tmp/broken.html"
page=$(dom "$tmp/broken.html") || fail "chromium --dump-dom failed on the broken page"
root=$(grep -o '<html[^>]*>' <<<"$page" | head -1)
grep -qF 'data-errors="Uncaught ReferenceError: undefinedFunction is not defined"' <<<"$root" ||
  fail "a throwing script went unnoticed: $root"
exit 0
