# `and`/`or` chains are read in linear time: 64,000 terms take well under 16 × 4 times
# what 4,000 take (the parser once looked each operator up from the chain's start:
# 256 times as long). Past the expression limit a chain is one NestingTooDeep error;
# below it, it checks and builds (the lowering flattens chains without recursing).
source "$(dirname "$0")/../lib.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

chain() {  # chain OP N FILE: a sequence whose `if` is N terms joined by OP
  python3 -c '
import sys
op, n = sys.argv[1], int(sys.argv[2])
terms = (" %s " % op).join("lead.donotemail" if i % 2 else "lead.numberofemployees > %d" % i for i in range(n))
print("sequence \"S\" on lead {\n  task \"x\"\n  if %s {\n    task \"y\"\n  }\n}" % terms)
' "$@" >"$3"
}
timed() {  # timed CMD…: sets $out and $rc, and $elapsed: the fastest of three runs, in ms
  elapsed=
  for _ in 1 2 3; do
    local t0 t1 d
    t0=$(date +%s%N)
    out=$(timeout 300 "$@" 2>&1); rc=$?
    t1=$(date +%s%N)
    d=$(((t1 - t0) / 1000000))
    if [ -z "$elapsed" ] || [ "$d" -lt "$elapsed" ]; then elapsed=$d; fi
  done
}

# Under the sanitizers (CI) the same ratio on half the terms: each run is ~10× slower there.
short_n=4000 long_n=64000
if [ -n "${SEQC_SANITIZED:-}" ]; then short_n=2000 long_n=32000; fi

for op in and or; do
  chain "$op" 900 "$tmp/ok.seq"
  run "$SEQC" build "$tmp/ok.seq" -o "$tmp/ok.seqb"; expect_rc 0

  chain "$op" "$short_n" "$tmp/short.seq"
  chain "$op" "$long_n" "$tmp/long.seq"
  timed "$SEQC" check "$tmp/short.seq"; expect_rc 1; short=$elapsed
  timed "$SEQC" check "$tmp/long.seq"; expect_rc 1; long=$elapsed
  # One error for the whole chain, at its line.
  [ "$(grep -c '\[NestingTooDeep\]' <<<"$out")" -eq 1 ] || fail "$op: expected one NestingTooDeep; got:"$'\n'"${out:0:2000}"
  expect_out "long.seq:3:"
  echo "$op: $short_n terms $short ms, $long_n terms $long ms"
  [ "$long" -lt $((32 * (short + 1))) ] || fail "$op: $long_n terms took $long ms, $short_n took $short ms: not linear"
done
exit 0
