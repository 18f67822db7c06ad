# Experiments in a workspace (docs/workspace.md, "Experiments"): the variant each record
# gets (its bucket), history rows `experiment` and `converted`, `seqc show` and `seqc
# stats`, and stickiness: a record reconnected after the source changed keeps the variant
# it had, though its bucket now falls in the other one.
source "$(dirname "$0")/../workspace_lib.sh"
expect_re() { grep -qE -- "$1" <<<"$out" || fail "no line matching /$1/; output:"$'\n'"$out"; }

cat >"$tmp/outreach.seq" <<'SEQ'
sequence "Outreach" on lead {
  experiment "Subject" {
    variant plain 50 {
      intro_a: auto email "Introduction" template "intro-plain"
    }
    variant question 50 {
      intro_b: auto email "Quick question?" template "intro-question"
    }
    metric replied within 7d
    baseline 0.08
    mde 0.03
  }
  review: task "Review"
}
SEQ
cat >"$tmp/leads.csv" <<'CSV'
id,lastname
L-1,One
L-2,Two
CSV

w init --clock 2026-01-05T09:00:00Z
expect_rc 0
w activate "$tmp/outreach.seq"
expect_rc 0
w records load "$tmp/leads.csv" --entity lead
expect_rc 0
w show Outreach
expect_rc 0
expect_line 'Experiments of version 1:'
expect_line '  "Subject" (line 2): plain 50%, question 50%; metric replied within 7d; 1499 records needed per variant'

# Buckets: L-1 40 (plain, [0, 50)), L-2 79 (question).
w connect Outreach --record L-1,L-2
expect_rc 0
w history L-1
expect_rc 0
expect_out 'experiment'; expect_out 'Subject: variant:plain'
w history L-2
expect_rc 0
expect_out 'Subject: variant:question'

# A reply to the variant's step within 7 days converts, once.
w tick --to 2026-01-06T09:00:00Z
expect_rc 0
w event L-1 replied --step intro_a --sequence Outreach
expect_rc 0
w event L-1 replied --step intro_a --sequence Outreach
expect_rc 0
w history L-1
expect_rc 0
expect_out 'converted'
n=$(grep -c 'converted' <<<"$out")
[ "$n" = 1 ] || fail "expected one converted row, got $n; output:"$'\n'"$out"
w stats Outreach
expect_rc 0
expect_out 'Experiment "Subject" (1499 records needed per variant):'
# L-1 converted (decided); L-2's window is still open (not decided): no decision yet.
expect_re '^plain \(control\) +50% +1 +1 +1 +100\.0% +20\.7-100\.0%$'
expect_re '^question +50% +1 +0 +0 +- +- +\+0\.0 pt +1\.000 +no decision yet$'
w stats Outreach --json
expect_rc 0
expect_out '"records_per_variant": 1499'; expect_out '"assigned": 1'; expect_out '"converted": 1'
expect_out '"verdict": "no decision yet"'; expect_out '"sample_ratio_alarm": false'

# The report draws the same figures: the experiment, its interval and its table rows.
w report -o "$tmp/report.html"
expect_rc 0
page=$(cat "$tmp/report.html")
for want in '<h4>Subject</h4>' '1499 records needed per variant' \
    '<td>plain</td><td class="n">50%</td><td class="n">1</td><td class="n">1</td><td class="n">1</td><td class="n">100.0%</td><td>20.7% – 100.0%</td>' \
    '<title>plain: 20.7% to 100.0%</title>' '<td class="n">1.000</td><td>no decision yet</td>'; do
  grep -qF -- "$want" <<<"$page" || fail "the report lacks '$want'"
done

# A new version where L-1's bucket (40) falls in `question`: reconnected, L-1 keeps plain.
sed -i 's/variant plain 50/variant plain 1/; s/variant question 50/variant question 99/' "$tmp/outreach.seq"
w activate "$tmp/outreach.seq"
expect_rc 0; expect_line 'activated "Outreach" version 2'
w disconnect Outreach --record L-1
expect_rc 0
w connect Outreach --record L-1
expect_rc 0
w history L-1
expect_rc 0
n=$(grep -cE 'experiment +Subject: variant:plain' <<<"$out")
[ "$n" = 2 ] || fail "expected L-1 in plain on both runs, got $n; output:"$'\n'"$out"
expect_not_out 'Subject: variant:question'
