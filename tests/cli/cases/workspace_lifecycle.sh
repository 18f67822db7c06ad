# Workspace lifecycle: init, activate (new / unchanged / reactivated versions), list and
# its filters, show (text, JSON, --version), deactivate, clone, delete, export, import.
source "$(dirname "$0")/../workspace_lib.sh"

cat >"$tmp/two.seq" <<'SEQ'
sequence "Welcome" on lead {
  description "Say hello to new leads"
  tags "onboarding", "onboarding/web"
  hello: email "Hello" template "hello"
  wait 2d
  call1: call "Intro call" due 1d
  task "Wrap up"
}
sequence "Nurture" on lead {
  tags "nurture"
  auto email "Monthly news" template "news-1"
  wait 1w
  auto email "More news" template "news-2"
}
SEQ

# ---- init
w init --clock 2026-01-05T09:00:00Z
expect_rc 0; expect_line "initialized workspace in $ws (clock 2026-01-05T09:00:00Z)"
[ -f "$ws/$store_file" ] || fail "init made no $store_file"
w init --clock 2026-01-05T09:00:00Z
expect_rc 1; expect_out "error:"; expect_out "already"
w list
expect_rc 0; expect_line "no sequences"

# ---- activate: new versions, unchanged sources, --sequence, -m
w activate "$tmp/two.seq" -m "first draft"
expect_rc 0
expect_line 'activated "Welcome" version 1'
expect_line 'activated "Nurture" version 1'
w activate "$tmp/two.seq"
expect_rc 0
expect_line '"Welcome" is unchanged (version 1, active)'
expect_line '"Nurture" is unchanged (version 1, active)'
sed -i 's/"Intro call"/"Discovery call"/' "$tmp/two.seq"
w activate "$tmp/two.seq" --sequence Welcome --message "rename the call"
expect_rc 0; expect_line 'activated "Welcome" version 2'; expect_not_out "Nurture"
w activate "$tmp/two.seq" --sequence Welcome
expect_rc 0; expect_line '"Welcome" is unchanged (version 2, active)'; expect_not_out "Nurture"
w activate "$tmp/two.seq" --sequence Nobody
expect_rc 1; expect_out "error:"; expect_out "Nobody"

# ---- list
w list
expect_rc 0
expect_line "NAME     STATUS  ENTITY  VERSION  RECORDS  TAGS"
expect_line "Nurture  active  lead          1        0  nurture"
expect_line "Welcome  active  lead          2        0  onboarding, onboarding/web"
w list --tag onboarding
expect_rc 0; expect_out "Welcome"; expect_not_out "Nurture"
w list --search HELLO
expect_rc 0; expect_out "Welcome"; expect_not_out "Nurture"
w list --entity contact
expect_rc 0; expect_line "no sequences"
w list --json
expect_rc 0
expect_out '"name": "Welcome",'; expect_out '"status": "active",'; expect_out '"version": 2,'
expect_out '"records": 0,'; expect_out '"onboarding/web"'; expect_out '"description": "Say hello to new leads",'
expect_out '"modified": "2026-01-05T09:00:00Z"'
w list --tag nothing-like-this --json
expect_rc 0; expect_line "[]"
w list --status maybe
expect_rc 2
w list --sort size
expect_rc 2

# ---- show
w show Welcome
expect_rc 0
expect_line '"Welcome"'
expect_line "  description: Say hello to new leads"
expect_line "  entity:      lead"
expect_line "  status:      active (latest version 2)"
expect_line "  tags:        onboarding, onboarding/web"
expect_line "     NUMBER  CREATED               CHANGE"
expect_line "          1  2026-01-05T09:00:00Z  first draft"
expect_line "  *       2  2026-01-05T09:00:00Z  rename the call"
expect_line "Steps of version 2:"
expect_line '  hello: email "Hello" template "hello"'
expect_line "  wait 2d"
expect_line '  call1: call "Discovery call" due 1d'
expect_line '  task "Wrap up"'
w show Welcome --version 1
expect_rc 0
expect_line "  *       1  2026-01-05T09:00:00Z  first draft"
expect_line '  call1: call "Intro call" due 1d'
w show Welcome --json
expect_rc 0
expect_out '"name": "Welcome",'; expect_out '"entity": "lead",'; expect_out '"shown": 2,'
expect_out '"change": "rename the call",'; expect_out '"kind": "wait",'; expect_out '"wait": "2d",'
expect_out '"due": "1d",'; expect_out '"template": "hello",'; expect_out '"title": "Discovery call",'
w show Welcome --version 7
expect_rc 1; expect_out "error:"
# Engagement conditions are shown as written.
w activate ../../examples/demo_request.seq
expect_rc 0; expect_line 'activated "Meeting for product demo requests" version 1'
w show "Meeting for product demo requests"
expect_rc 0
expect_line "Steps of version 1 (exit on reply):"
expect_line "  condition slots.opened or slots.clicked within 2d"
expect_line '  sms: text "Quick text with the scheduling link" due 1h'

# ---- deactivate and reactivate
w deactivate Welcome
expect_rc 0; expect_line 'deactivated "Welcome"'
w list --status inactive
expect_rc 0; expect_out "Welcome  inactive"; expect_not_out "Nurture"
w list --status active
expect_rc 0; expect_not_out "Welcome"; expect_out "Nurture"
w deactivate Welcome
expect_rc 1; expect_out "error:"
w activate "$tmp/two.seq" --sequence Welcome
expect_rc 0; expect_line 'reactivated "Welcome" (version 2, unchanged)'

# ---- clone
w clone Welcome "Welcome copy" --description "A copy of Welcome"
expect_rc 0; expect_line 'cloned "Welcome" as "Welcome copy"'
w show "Welcome copy"
expect_rc 0; expect_line '"Welcome copy"'; expect_line "  description: A copy of Welcome"
expect_line '  call1: call "Discovery call" due 1d'
w clone Welcome Nurture
expect_rc 1; expect_out "error:"; expect_out "Nurture"
w clone Nobody Somebody
expect_rc 1; expect_out "error:"; expect_out "Nobody"

# ---- export, delete, import
w export Welcome Nurture -o "$tmp/bundle.json"
expect_rc 0; expect_line "exported 2 sequences to $tmp/bundle.json"
[ -s "$tmp/bundle.json" ] || fail "export wrote no bundle"
w export Nobody -o "$tmp/nobody.json"
expect_rc 1; expect_out "Nobody"
w delete Welcome
expect_rc 0; expect_line 'deleted "Welcome"; 0 records disconnected'
w list
expect_rc 0; grep -q '^Welcome  ' <<<"$out" && fail "deleted sequence still listed: $out"
expect_out "Welcome copy"
w show Welcome
expect_rc 1; expect_out "error:"
w delete Welcome
expect_rc 1; expect_out "error:"

ws="$tmp/ws2"
w init --clock 2026-02-01T00:00:00Z
expect_rc 0
w import "$tmp/bundle.json"
expect_rc 0; expect_line 'imported "Welcome"'; expect_line 'imported "Nurture"'
w show Welcome
expect_rc 0
expect_line "          1  2026-01-05T09:00:00Z  first draft"
expect_line "  *       2  2026-01-05T09:00:00Z  rename the call"
w import "$tmp/bundle.json"
expect_rc 1; expect_out "error:"
echo '{"not": "a bundle"' >"$tmp/garbage.json"
w import "$tmp/garbage.json"
expect_rc 1; expect_out "error:"
w import "$tmp/missing.json"
expect_rc 1; expect_out "error:"
exit 0
