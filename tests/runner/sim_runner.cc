// Runs one simulation test: a .seq file whose comments hold the records, the events, the
// extra arguments and the expected outcome of `seqc simulate … --format json`
// (LANGUAGE.md §6, CLI.md "Simulator"). Directives, each on its own `//` line:
//
//   // record: {"id": "L1", "budgetamount": 60000}     one JSONL record (default {"id": "R1"})
//   // event: {"at": "+1d", "record": "L1", "event": "complete"}   one JSONL event, in order
//   // args: --until 10d                                  extra arguments of `seqc simulate`
//   //                                                    ("quoted" when they hold blanks)
//   // expect: L1 status=active progress=1 total=3 step=call1 kind=call line=12 days=2
//   //         reason=null title="Discuss"                fields of that record (only those
//   //                                                    given); step=none: no current step;
//   //                                                    key={{text}}: the value contains text
//   // expect-history: L1 intro:sent@+0m wait:waited@+2d  the whole history (LABEL, or the
//   //                                                    kind of an unlabelled step); a time
//   //                                                    may be absolute: @2026-01-09T14:00:00Z
//   // expect: L1 zone=America/Chicago                   with a calendar: the record's zone
//   // expect: L1 due=2026-01-12T22:00:00Z               with a calendar: when the current step is due
//   // expect-tzdata:                                     the output names the tz database
//   // expect-summary: active=1 completed=2
//   // expect-warning: {{text}}                           some warning contains text; every
//   //                                                    warning must be expected
//   // expect-end: 2026-01-12T09:00:00Z
//   // expect-exit: 1   and   // expect-stderr: {{text}}  error cases (no JSON then)
//
// The records and events go to temporary files named records.jsonl and events.jsonl, so
// warnings and errors can be matched as {{events.jsonl:2:}}. Besides the expectations,
// every run is checked against the invariants of CLI.md's JSON output (summary counts,
// current step and days elapsed only for active records, warnings naming the events
// file and line, history in time order). Every mismatch is printed as
// `FILE:LINE: expected …, got …`; the exit status is 1 if any.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

extern char** environ;

namespace fs = std::filesystem;
using Json = nlohmann::json;

namespace {

struct Directive {
  uint32_t line;
  std::string kind;  // record, event, args, expect, expect-history, …
  std::string text;  // after the colon, trimmed
};

struct Test {
  std::string file;
  std::vector<std::string> records, events, args;
  std::vector<Directive> expects;  // every expect-* directive
  std::optional<int> exitCode;
  uint32_t exitLine = 0;
};

int failures = 0;

void fail(const std::string& file, uint32_t line, const std::string& what) {
  ++failures;
  std::cerr << file << ":" << line << ": " << what << "\n";
}

std::string trim(std::string s) {
  size_t b = s.find_first_not_of(" \t\r");
  size_t e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

std::string readFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Splits on blanks, keeping "quoted strings" and {{…}} together.
std::vector<std::string> tokens(const std::string& s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    if (i >= s.size()) break;
    std::string tok;
    while (i < s.size() && s[i] != ' ' && s[i] != '\t') {
      if (s[i] == '"') {
        size_t j = i + 1;
        while (j < s.size() && s[j] != '"') j += s[j] == '\\' ? 2 : 1;
        tok += s.substr(i, j + 1 - i);
        i = j + 1;
      } else if (s.compare(i, 2, "{{") == 0) {
        size_t j = s.find("}}", i + 2);
        j = j == std::string::npos ? s.size() : j + 2;
        tok += s.substr(i, j - i);
        i = j;
      } else {
        tok += s[i++];
      }
    }
    out.push_back(tok);
  }
  return out;
}

// Every {{text}} of an expectation line.
std::vector<std::string> braces(const std::string& s) {
  std::vector<std::string> out;
  static const std::regex kItem(R"(\{\{(.*?)\}\})");
  for (auto it = std::sregex_iterator(s.begin(), s.end(), kItem); it != std::sregex_iterator(); ++it)
    out.push_back((*it)[1]);
  return out;
}

// "+1d4h30m", "+0m", "+45s" → seconds.
std::optional<int64_t> parseOffset(const std::string& s) {
  if (s.size() < 3 || s[0] != '+') return std::nullopt;
  int64_t total = 0;
  size_t i = 1;
  while (i < s.size()) {
    size_t j = i;
    while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
    if (j == i || j == s.size()) return std::nullopt;
    int64_t n = std::stoll(s.substr(i, j - i));
    switch (s[j]) {
      case 's': total += n; break;
      case 'm': total += n * 60; break;
      case 'h': total += n * 3600; break;
      case 'd': total += n * 86400; break;
      case 'w': total += n * 7 * 86400; break;
      default: return std::nullopt;
    }
    i = j + 1;
  }
  return total;
}

std::string formatOffset(int64_t s) {
  if (s < 0) return "-" + formatOffset(-s);
  std::string out = "+";
  if (s / 86400) out += std::to_string(s / 86400) + "d";
  if (s % 86400 / 3600) out += std::to_string(s % 86400 / 3600) + "h";
  if (s % 3600 / 60) out += std::to_string(s % 3600 / 60) + "m";
  if (s % 60) out += std::to_string(s % 60) + "s";
  return out == "+" ? "+0m" : out;
}

int64_t daysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

// "YYYY-MM-DDTHH:MM:SSZ" (the only form CLI.md writes) → seconds since the epoch.
std::optional<int64_t> parseTime(const Json& j) {
  static const std::regex kTime(R"(^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$)");
  if (!j.is_string()) return std::nullopt;
  std::string s = j.get<std::string>();
  std::smatch m;
  if (!std::regex_match(s, m, kTime)) return std::nullopt;
  auto n = [&](int i) { return std::stoi(m[i]); };
  return daysFromCivil(n(1), static_cast<unsigned>(n(2)), static_cast<unsigned>(n(3))) * 86400 +
         n(4) * 3600 + n(5) * 60 + n(6);
}

// ---- reading the test file ----------------------------------------------------------

bool parseTest(const std::string& path, Test& t) {
  static const std::regex kDirective(R"(^\s*//\s*(record|event|args|expect(-[a-z]+)?)\s*:(.*)$)");
  static const std::vector<std::string> kKinds = {
      "record", "event", "args", "expect", "expect-history", "expect-summary", "expect-warning",
      "expect-end", "expect-exit", "expect-stderr", "expect-tzdata"};
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cerr << path << ": cannot read the test file\n";
    return false;
  }
  t.file = path;
  std::string text;
  for (uint32_t line = 1; std::getline(in, text); ++line) {
    std::smatch m;
    if (!std::regex_search(text, m, kDirective)) continue;
    Directive d{line, m[1], trim(m[3])};
    if (std::find(kKinds.begin(), kKinds.end(), d.kind) == kKinds.end()) {
      fail(path, line, "unknown directive '" + d.kind + ":'");
      continue;
    }
    if (d.kind == "record") {
      t.records.push_back(d.text);
    } else if (d.kind == "event") {
      t.events.push_back(d.text);
    } else if (d.kind == "args") {
      for (std::string a : tokens(d.text)) {
        if (a.size() >= 2 && a.front() == '"' && a.back() == '"') {
          Json unquoted = Json::parse(a, nullptr, false);
          if (unquoted.is_string()) a = unquoted.get<std::string>();
        }
        t.args.push_back(a);
      }
    } else if (d.kind == "expect-exit") {
      try {
        t.exitCode = std::stoi(d.text);
        t.exitLine = line;
      } catch (...) {
        fail(path, line, "cannot read expect-exit '" + d.text + "'");
      }
    } else {
      t.expects.push_back(d);
    }
  }
  if (t.records.empty()) t.records.push_back(R"({"id": "R1"})");
  return true;
}

// ---- running seqc ---------------------------------------------------------------------

struct Outcome {
  int status = -1;  // exit status, or -1 when killed
  int signal = 0;
  std::string out, err;
};

bool run(const std::vector<std::string>& argv, const fs::path& dir, Outcome& o) {
  fs::path outPath = dir / "stdout", errPath = dir / "stderr";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, outPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, errPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    std::cerr << "cannot run " << argv[0] << ": " << std::strerror(rc) << "\n";
    return false;
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) o.status = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) o.signal = WTERMSIG(status);
  o.out = readFile(outPath);
  o.err = readFile(errPath);
  return true;
}

// ---- checking ---------------------------------------------------------------------------

std::string show(const Json& j) { return j.dump(); }

// Compares one expected `key=value` with the JSON value found.
bool matches(const std::string& expected, const Json& got, bool numeric) {
  if (expected.size() >= 4 && expected.compare(0, 2, "{{") == 0 &&
      expected.compare(expected.size() - 2, 2, "}}") == 0) {
    std::string text = expected.substr(2, expected.size() - 4);
    return got.is_string() && got.get<std::string>().find(text) != std::string::npos;
  }
  if (expected == "null") return got.is_null();
  if (numeric) {
    try {
      size_t used = 0;
      long long n = std::stoll(expected, &used);
      return used == expected.size() && got.is_number_integer() && got.get<long long>() == n;
    } catch (...) {
      return false;
    }
  }
  std::string want = expected;
  if (want.size() >= 2 && want.front() == '"' && want.back() == '"') {
    Json parsed = Json::parse(want, nullptr, false);
    if (parsed.is_string()) want = parsed.get<std::string>();
  }
  return got.is_string() && got.get<std::string>() == want;
}

const Json* findRecord(const Json& out, const std::string& id) {
  for (const Json& r : out["records"])
    if (r.is_object() && r.value("id", Json()) == Json(id)) return &r;
  return nullptr;
}

void checkRecord(const Test& t, const Directive& d, const Json& out) {
  auto toks = tokens(d.text);
  if (toks.empty()) return fail(t.file, d.line, "expect: needs a record id");
  const Json* rec = findRecord(out, toks[0]);
  if (!rec) return fail(t.file, d.line, "expected a record '" + toks[0] + "', got none");
  for (size_t i = 1; i < toks.size(); ++i) {
    size_t eq = toks[i].find('=');
    if (eq == std::string::npos) {
      fail(t.file, d.line, "cannot read expectation '" + toks[i] + "' (KEY=VALUE)");
      continue;
    }
    std::string key = toks[i].substr(0, eq), want = toks[i].substr(eq + 1);
    static const std::map<std::string, std::string> kRecordKeys = {
        {"status", "status"}, {"reason", "reason"}, {"progress", "progress"},
        {"total", "total"},   {"days", "days_elapsed"}, {"zone", "zone"}};
    static const std::map<std::string, std::string> kStepKeys = {
        {"step", "label"}, {"kind", "kind"}, {"line", "line"}, {"title", "title"}, {"due", "due"}};
    bool numeric = key == "progress" || key == "total" || key == "days" || key == "line";
    if (auto k = kRecordKeys.find(key); k != kRecordKeys.end()) {
      Json got = rec->contains(k->second) ? (*rec)[k->second] : Json("<missing>");
      if (!matches(want, got, numeric))
        fail(t.file, d.line, "expected " + toks[0] + " " + key + "=" + want + ", got " + show(got));
    } else if (auto s = kStepKeys.find(key); s != kStepKeys.end()) {
      const Json& cur = rec->contains("current_step") ? (*rec)["current_step"] : Json();
      if (key == "step" && want == "none") {
        if (!cur.is_null())
          fail(t.file, d.line, "expected " + toks[0] + " to have no current step, got " + show(cur));
        continue;
      }
      if (!cur.is_object()) {
        fail(t.file, d.line, "expected " + toks[0] + " " + key + "=" + want + ", got current_step " + show(cur));
        continue;
      }
      Json got = cur.contains(s->second) ? cur[s->second] : Json("<missing>");
      if (!matches(want, got, numeric))
        fail(t.file, d.line, "expected " + toks[0] + " " + key + "=" + want + ", got " + show(got));
    } else {
      fail(t.file, d.line, "unknown key '" + key + "' (status reason progress total days zone step kind line title due)");
    }
  }
}

void checkHistory(const Test& t, const Directive& d, const Json& out, int64_t start) {
  auto toks = tokens(d.text);
  if (toks.empty()) return fail(t.file, d.line, "expect-history: needs a record id");
  const Json* rec = findRecord(out, toks[0]);
  if (!rec) return fail(t.file, d.line, "expected a record '" + toks[0] + "', got none");
  struct Item {
    std::string name, result;
    std::optional<int64_t> at;
  };
  std::vector<Item> want;
  static const std::regex kItem(R"(^([A-Za-z_][A-Za-z0-9_]*):([a-z_]+(?::[A-Za-z0-9_]+)?)(@(\+[0-9a-z]+|[0-9-]+T[0-9:]+Z))?$)");
  for (size_t i = 1; i < toks.size(); ++i) {
    std::smatch m;
    std::optional<int64_t> at;
    auto when = [&](const std::string& text) {
      if (text[0] == '+') return parseOffset(text);
      auto abs = parseTime(Json(text));
      return abs ? std::optional<int64_t>(*abs - start) : std::nullopt;
    };
    if (std::regex_match(toks[i], m, kItem) && (!m[3].matched || (at = when(m[4])))) {
      want.push_back({m[1], m[2], at});
    } else {
      return fail(t.file, d.line, "cannot read history item '" + toks[i] + "' (LABEL:RESULT[@+OFFSET])");
    }
  }
  std::vector<Item> got;
  const Json& hist = rec->contains("history") ? (*rec)["history"] : Json();
  if (!hist.is_array()) return fail(t.file, d.line, "expected a history array, got " + show(hist));
  for (const Json& h : hist) {
    Item it;
    Json label = h.value("label", Json()), kind = h.value("kind", Json());
    it.name = label.is_string() ? label.get<std::string>() : kind.is_string() ? kind.get<std::string>() : "?";
    it.result = h.value("result", Json("?")).is_string() ? h["result"].get<std::string>() : "?";
    if (auto at = parseTime(h.value("at", Json()))) it.at = *at - start;
    got.push_back(it);
  }
  bool same = want.size() == got.size();
  for (size_t i = 0; same && i < want.size(); ++i)
    same = want[i].name == got[i].name && want[i].result == got[i].result &&
           (!want[i].at || want[i].at == got[i].at);
  if (same) return;
  auto render = [](const std::vector<Item>& items, bool times) {
    std::string s;
    for (const Item& it : items) {
      s += (s.empty() ? "" : " ") + it.name + ":" + it.result;
      if (it.at && times) s += "@" + formatOffset(*it.at);
    }
    return s.empty() ? "(none)" : s;
  };
  fail(t.file, d.line, "expected history of " + toks[0] + ": " + render(want, true) + ", got " + render(got, true));
}

void checkSummary(const Test& t, const Directive& d, const Json& out) {
  const Json& summary = out["summary"];
  for (const std::string& tok : tokens(d.text)) {
    size_t eq = tok.find('=');
    if (eq == std::string::npos) {
      fail(t.file, d.line, "cannot read expectation '" + tok + "' (STATUS=COUNT)");
      continue;
    }
    std::string key = tok.substr(0, eq);
    Json got = summary.is_object() && summary.contains(key) ? summary[key] : Json("<missing>");
    if (!matches(tok.substr(eq + 1), got, true))
      fail(t.file, d.line, "expected summary " + tok + ", got " + show(got));
  }
}

// The rules of CLI.md every JSON output obeys.
void checkInvariants(const Test& t, const Json& out) {
  for (const char* key : {"sequence", "entity", "start", "end", "records", "summary", "warnings"})
    if (!out.contains(key)) fail(t.file, 1, std::string("expected the output to have '") + key + "', got none");
  if (!out.contains("records") || !out["records"].is_array() || !out.contains("summary")) return;
  static const std::vector<std::string> kStatuses = {"active", "completed", "exited", "disconnected",
                                                     "advanced", "error"};
  std::map<std::string, int64_t> counts;
  auto start = parseTime(out.value("start", Json())), end = parseTime(out.value("end", Json()));
  if (!start || !end) fail(t.file, 1, "expected start and end as YYYY-MM-DDTHH:MM:SSZ, got " +
                                          show(out.value("start", Json())) + " and " + show(out.value("end", Json())));
  for (const Json& r : out["records"]) {
    std::string id = r.value("id", Json("?")).dump();
    std::string status = r.value("status", Json("?")).is_string() ? r["status"].get<std::string>() : "?";
    ++counts[status];
    if (std::find(kStatuses.begin(), kStatuses.end(), status) == kStatuses.end())
      fail(t.file, 1, "record " + id + ": expected a status of CLI.md, got " + show(r.value("status", Json())));
    bool active = status == "active";
    Json cur = r.value("current_step", Json()), days = r.value("days_elapsed", Json());
    Json reason = r.value("reason", Json());
    if (active != cur.is_object())
      fail(t.file, 1, "record " + id + " is " + status + ": expected current_step " +
                          (active ? "an object" : "null") + ", got " + show(cur));
    if (active != days.is_number_integer() || (active && days.get<int64_t>() < 0))
      fail(t.file, 1, "record " + id + " is " + status + ": expected days_elapsed " +
                          (active ? "a whole number" : "null") + ", got " + show(days));
    bool reasonOk = status == "exited"  ? (reason == Json("reply") || reason == Json("exit_when"))
                    : status == "error" ? reason.is_string()
                                        : reason.is_null();
    if (!reasonOk) fail(t.file, 1, "record " + id + " is " + status + ": expected a matching reason, got " + show(reason));
    int64_t last = start.value_or(0);
    for (const Json& h : r.value("history", Json::array())) {
      auto at = parseTime(h.value("at", Json()));
      if (!at || (start && *at < last) || (end && *at > *end))
        fail(t.file, 1, "record " + id + ": expected history times in order between start and end, got " + show(h));
      if (at) last = *at;
    }
  }
  for (const std::string& s : kStatuses) {
    Json got = out["summary"].value(s, Json());
    if (!got.is_number_integer() || got.get<int64_t>() != counts[s])
      fail(t.file, 1, "expected summary " + s + "=" + std::to_string(counts[s]) + " (the records), got " + show(got));
  }
  // Warnings about events name the events file and line; the others are about zones.
  static const std::regex kNamesEvents(R"(events\.jsonl:\d+|^time zone: |^calendar ")");
  for (const Json& w : out.value("warnings", Json::array()))
    if (!w.is_string() || !std::regex_search(w.get<std::string>(), kNamesEvents))
      fail(t.file, 1, "expected every warning to name the events file and line, got " + show(w));
  // With a calendar every record names its zone, and the output the tz database.
  bool zoned = false;
  for (const Json& r : out["records"]) zoned = zoned || r.contains("zone");
  if (zoned) {
    for (const Json& r : out["records"])
      if (!r.value("zone", Json()).is_string())
        fail(t.file, 1, "record " + r.value("id", Json("?")).dump() + ": expected a zone, got none");
    static const std::regex kVersion(R"(^[0-9]{4}[a-z]+$|^unknown$)");
    Json v = out.value("tzdata", Json());
    if (!v.is_string() || !std::regex_match(v.get<std::string>(), kVersion))
      fail(t.file, 1, "expected \"tzdata\" like \"2025b\" beside zones, got " + show(v));
  } else if (out.contains("tzdata")) {
    fail(t.file, 1, "expected no \"tzdata\" without zones, got " + show(out["tzdata"]));
  }
}

int runTest(const std::string& seqc, const std::string& path) {
  Test t;
  if (!parseTest(path, t)) return 1;
  char tmpl[] = "/tmp/sim_runner.XXXXXX";
  if (!mkdtemp(tmpl)) {
    std::cerr << "cannot create a temporary directory: " << std::strerror(errno) << "\n";
    return 1;
  }
  fs::path dir = tmpl;
  auto write = [&](const char* name, const std::vector<std::string>& lines) {
    std::ofstream f(dir / name, std::ios::binary);
    for (const std::string& l : lines) f << l << "\n";
  };
  write("records.jsonl", t.records);
  std::vector<std::string> argv = {seqc, "simulate", path, "--records", (dir / "records.jsonl").string()};
  if (!t.events.empty()) {
    write("events.jsonl", t.events);
    argv.insert(argv.end(), {"--events", (dir / "events.jsonl").string()});
  }
  argv.insert(argv.end(), {"--format", "json"});
  argv.insert(argv.end(), t.args.begin(), t.args.end());
  Outcome o;
  if (!run(argv, dir, o)) return 1;

  std::string command;
  for (const std::string& a : argv) command += (command.empty() ? "" : " ") + a;
  if (o.signal != 0) {
    fail(path, 1, "expected seqc to exit, got signal " + std::to_string(o.signal) + " (" + command + ")\n" + o.err);
    return 1;
  }
  int wantExit = t.exitCode.value_or(0);
  if (o.status != wantExit)
    fail(path, t.exitLine ? t.exitLine : 1,
         "expected exit status " + std::to_string(wantExit) + ", got " + std::to_string(o.status) +
             (o.err.empty() ? "" : "; stderr:\n" + o.err));

  for (const Directive& d : t.expects)
    if (d.kind == "expect-stderr")
      for (const std::string& text : braces(d.text))
        if (o.err.find(text) == std::string::npos)
          fail(path, d.line, "expected stderr containing '" + text + "', got '" + trim(o.err) + "'");

  if (wantExit == 0 && o.status == 0) {
    Json out = Json::parse(o.out, nullptr, false);
    if (out.is_discarded() || !out.is_object()) {
      fail(path, 1, "expected one JSON object on stdout, got:\n" + o.out);
    } else {
      checkInvariants(t, out);
      int64_t start = parseTime(out.value("start", Json())).value_or(0);
      std::vector<std::string> warnings;
      for (const Json& w : out.value("warnings", Json::array()))
        if (w.is_string()) warnings.push_back(w.get<std::string>());
      std::vector<bool> expected(warnings.size(), false);
      for (const Directive& d : t.expects) {
        if (d.kind == "expect") checkRecord(t, d, out);
        else if (d.kind == "expect-history") checkHistory(t, d, out, start);
        else if (d.kind == "expect-summary") checkSummary(t, d, out);
        else if (d.kind == "expect-tzdata") {
          if (!out.value("tzdata", Json()).is_string())
            fail(path, d.line, "expected \"tzdata\" in the output, got none");
        }
        else if (d.kind == "expect-end") {
          if (!matches(d.text, out.value("end", Json()), false))
            fail(path, d.line, "expected end " + d.text + ", got " + show(out.value("end", Json())));
        } else if (d.kind == "expect-warning") {
          auto texts = braces(d.text);
          if (texts.empty()) fail(path, d.line, "expect-warning needs {{text}}");
          for (const std::string& text : texts) {
            bool found = false;
            for (size_t i = 0; i < warnings.size(); ++i)
              if (warnings[i].find(text) != std::string::npos) found = expected[i] = true;
            if (!found) {
              std::string all;
              for (const std::string& w : warnings) all += "\n  " + w;
              fail(path, d.line, "expected a warning containing '" + text + "', got " +
                                     (all.empty() ? "none" : all));
            }
          }
        }
      }
      for (size_t i = 0; i < warnings.size(); ++i)
        if (!expected[i]) fail(path, 1, "expected no other warnings, got '" + warnings[i] + "'");
    }
  } else if (wantExit == 0) {
    // Already reported: the run failed, so nothing else can be checked.
  } else {
    for (const Directive& d : t.expects)
      if (d.kind != "expect-stderr")
        fail(path, d.line, "a test that expects exit status " + std::to_string(wantExit) +
                               " has no JSON to check " + d.kind + " against");
  }
  if (failures == 0) {
    std::error_code ec;
    fs::remove_all(dir, ec);
    std::cout << "ok: " << path << " (" << t.expects.size() << " expectations)\n";
    return 0;
  }
  std::cerr << "command (inputs kept): " << command << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() == 3 && args[0] == "--seqc") return runTest(args[1], args[2]);
  std::cerr << "usage: sim_runner --seqc PATH FILE.seq\n";
  return 2;
}
