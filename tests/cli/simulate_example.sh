# Simulates one example (tests/CMakeLists.txt registers one case per example): every
# sequence of it, against the sample records of its entity, with the scripted-free run,
# the behaviour model, and the built .seqb — table and JSON; the JSON has exactly the
# keys of CLI.md, and runs are reproducible.
#   bash simulate_example.sh SEQC EXAMPLE.seq   (run from the repository root)
set -uo pipefail
SEQC=$1
example=$2
fail() { echo "FAIL: $*" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$SEQC" build "$example" -o "$tmp/x.seqb" || fail "build failed"
records_for() {
  case "$1" in
    lead)
      if grep -q 'lead.new_timezone' "$example"; then echo examples/data/leads_local.csv
      elif grep -q 'import' "$example"; then echo examples/data/leads_scored.csv
      else echo examples/data/leads.csv; fi ;;
    contact) echo examples/data/contacts.csv ;;
    account) echo examples/data/accounts.csv ;;
    opportunity) echo examples/data/opportunities.csv ;;
    *) fail "no sample records for entity $1" ;;
  esac
}
count=0
while IFS= read -r line; do
  name=$(sed -E 's/^sequence "(([^"\\]|\\.)*)" on ([a-z_]+).*/\1/' <<<"$line")
  entity=$(sed -E 's/^sequence "(([^"\\]|\\.)*)" on ([a-z_]+).*/\3/' <<<"$line")
  records=$(records_for "$entity")
  count=$((count + 1))
  for input in "$example" "$tmp/x.seqb"; do
    "$SEQC" simulate "$input" --sequence "$name" --records "$records" >"$tmp/table.txt" 2>&1 ||
      fail "table run of \"$name\" ($input): $(cat "$tmp/table.txt")"
    grep -q '^Summary: ' "$tmp/table.txt" || fail "no summary in the table"
    "$SEQC" simulate "$input" --sequence "$name" --records "$records" --format json \
      --model examples/models/typical.json --seed 11 >"$tmp/$(basename "$input").json" 2>&1 ||
      fail "model run of \"$name\" ($input)"
  done
  cmp -s "$tmp/$(basename "$example").json" "$tmp/x.seqb.json" ||
    fail "\"$name\": simulating the .seq and the .seqb differ"
  "$SEQC" simulate "$example" --sequence "$name" --records "$records" --format json \
    --model examples/models/typical.json --seed 11 >"$tmp/again.json"
  cmp -s "$tmp/again.json" "$tmp/x.seqb.json" || fail "\"$name\": two runs with one seed differ"
  # Exactly the keys of CLI.md, at the top, per record and in the summary.
  keys=$(grep -E '^  "[a-z_]+":' "$tmp/again.json" | sed -E 's/^  "([a-z_]+)".*/\1/' | tr '\n' ' ')
  # With a calendar (CALENDARS.md §5): "tzdata" at the top, "zone" in each record.
  if grep -qE '^  calendar "' "$example"; then tz="tzdata " zone="zone "; else tz="" zone=""; fi
  [ "$keys" = "sequence entity start end ${tz}records summary warnings " ] || fail "top-level keys: $keys"
  rkeys=$(grep -E '^      "[a-z_]+":' "$tmp/again.json" | sed -E 's/^      "([a-z_]+)".*/\1/' | sort -u | tr '\n' ' ')
  [ "$rkeys" = "current_step days_elapsed history id progress reason status total ${zone}" ] ||
    fail "record keys: $rkeys"
  skeys=$(grep -E '^    "[a-z_]+":' "$tmp/again.json" | sed -E 's/^    "([a-z_]+)".*/\1/' | tr '\n' ' ')
  [ "$skeys" = "active completed exited disconnected advanced error " ] || fail "summary keys: $skeys"
  grep -q '"status": "error"' "$tmp/again.json" && fail "a record of \"$name\" ended in error"
done < <(grep -E '^sequence "' "$example")
[ "$count" -gt 0 ] || fail "no sequence found in $example"
echo "ok: $count sequence(s) of $example"
