// The floor of `seqc simulate` for one input: a hand-written program that does what
// `seqc simulate bench/three_steps.seq --records LEADS.csv --until 3d` does for the leads
// of tests/workspace/gen_leads.py, and prints the same bytes (JSON or table), with the
// sequence's behaviour hard-coded. bench/bench_simulate_cli.sh compares the two.
//
//   floor_simulate LEADS.csv json|table
//
// It does the work a correct run cannot skip: every cell checked against the lead
// schema (UTF-8 and length of strings, choice labels, money, bool, datetime), ids
// unique; then the sequence's outcome per lead, and the output. Anything outside what
// the generator writes (quotes, unknown columns, null budgets) is refused.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace {

[[noreturn]] void die(const std::string& message) {
  std::fprintf(stderr, "floor_simulate: %s\n", message.c_str());
  std::exit(1);
}

// ---- the lead columns gen_leads.py writes, typed as stdlib/lead.seq types them

enum class Type { Id, String, Choice, Money, Bool, DateTime };
struct Column {
  std::string_view name;
  Type type;
  uint32_t maxLength = 0;                // String
  std::vector<std::string_view> labels;  // Choice: by label (the generator writes no values)
};

const std::vector<Column>& schema() {
  static const std::vector<Column> kColumns = {
      {"id", Type::Id, 0, {}},
      {"firstname", Type::String, 50, {}},
      {"lastname", Type::String, 50, {}},
      {"emailaddress1", Type::String, 100, {}},
      {"companyname", Type::String, 100, {}},
      {"jobtitle", Type::String, 100, {}},
      {"telephone1", Type::String, 50, {}},
      {"statecode", Type::Choice, 0, {"Open", "Qualified", "Disqualified"}},
      {"statuscode", Type::Choice, 0,
       {"New", "Contacted", "Qualified", "Lost", "Cannot Contact", "No Longer Interested", "Canceled"}},
      {"leadqualitycode", Type::Choice, 0, {"Hot", "Warm", "Cold"}},
      {"leadsourcecode", Type::Choice, 0,
       {"Advertisement", "Employee Referral", "External Referral", "Partner", "Public Relations", "Seminar",
        "Trade Show", "Web", "Word of Mouth", "Other"}},
      {"industrycode", Type::Choice, 0,
       {"Accounting", "Agriculture and Non-petrol Natural Resource Extraction",
        "Broadcasting Printing and Publishing", "Brokers", "Building Supply Retail", "Business Services",
        "Consulting", "Consumer Services", "Design, Direction and Creative Management",
        "Distributors, Dispatchers and Processors", "Doctor's Offices and Clinics", "Durable Manufacturing",
        "Eating and Drinking Places", "Entertainment Retail", "Equipment Rental and Leasing", "Financial",
        "Food and Tobacco Processing", "Inbound Capital Intensive Processing", "Inbound Repair and Services",
        "Insurance", "Legal Services", "Non-Durable Merchandise Retail", "Outbound Consumer Service",
        "Petrochemical Extraction and Distribution", "Service Retail", "SIG Affiliations", "Social Services",
        "Special Outbound Trade Contractors", "Specialty Realty", "Transportation",
        "Utility Creation and Distribution", "Vehicle Retail", "Wholesale"}},
      {"budgetamount", Type::Money, 0, {}},
      {"estimatedamount", Type::Money, 0, {}},
      {"budgetstatus", Type::Choice, 0, {"No Committed Budget", "May Buy", "Can Buy", "Will Buy"}},
      {"need", Type::Choice, 0, {"Must have", "Should have", "Good to have", "No need"}},
      {"purchasetimeframe", Type::Choice, 0, {"Immediate", "This Quarter", "Next Quarter", "This Year", "Unknown"}},
      {"donotemail", Type::Bool, 0, {}},
      {"estimatedclosedate", Type::DateTime, 0, {}},
  };
  return kColumns;
}

// Code points of valid UTF-8, or -1.
int64_t utf8Length(std::string_view s) {
  int64_t n = 0;
  for (size_t i = 0; i < s.size(); ++n) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) { ++i; continue; }
    size_t len = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c <= 0xDF ? 2 : 0;
    if (len == 0 || c > 0xF4 || i + len > s.size()) return -1;
    uint32_t cp = c & (0x7F >> len);
    for (size_t k = 1; k < len; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return -1;
      cp = cp << 6 | (cc & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return -1;
    i += len;
  }
  return n;
}

// Money as 1/10000ths: [-]digits[.up to 4 digits].
bool parseMoney(std::string_view s, int64_t& out) {
  size_t i = 0;
  bool negative = !s.empty() && s[0] == '-';
  if (negative) ++i;
  int64_t v = 0;
  size_t digits = 0;
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i, ++digits) {
    if (v > (INT64_MAX / 10000 - 9) / 10) return false;
    v = v * 10 + (s[i] - '0');
  }
  v *= 10000;
  if (i < s.size() && s[i] == '.') {
    int64_t scale = 1000;
    for (++i; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i, ++digits, scale /= 10) {
      if (scale == 0) return false;
      v += (s[i] - '0') * scale;
    }
  }
  if (digits == 0 || i != s.size()) return false;
  out = negative ? -v : v;
  return true;
}

bool isDateTime(std::string_view s) {  // YYYY-MM-DDTHH:MM:SSZ
  static constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:ddZ";
  if (s.size() != kShape.size()) return false;
  for (size_t i = 0; i < s.size(); ++i)
    if (kShape[i] == 'd' ? s[i] < '0' || s[i] > '9' : s[i] != kShape[i]) return false;
  return true;
}

void check(const Column& c, std::string_view cell, size_t line) {
  if (cell.empty() && c.type != Type::Id) return;  // null
  bool ok = true;
  switch (c.type) {
    case Type::Id: ok = !cell.empty() && utf8Length(cell) >= 0; break;
    case Type::String: {
      int64_t n = utf8Length(cell);
      ok = n >= 0 && n <= c.maxLength;
      break;
    }
    case Type::Choice: {
      ok = false;
      for (std::string_view l : c.labels) ok = ok || l == cell;
      break;
    }
    case Type::Money: {
      int64_t v;
      ok = parseMoney(cell, v);
      break;
    }
    case Type::Bool: ok = cell == "true" || cell == "false"; break;
    case Type::DateTime: ok = isDateTime(cell); break;
  }
  if (!ok) die("line " + std::to_string(line) + ": field '" + std::string(c.name) + "': not in the benchmark's input");
}

// ---- ids: an open-addressing set of (offset, length) into the file

class IdSet {
 public:
  explicit IdSet(const char* base) : base_(base) {}
  bool insert(uint32_t offset, uint32_t length) {
    if ((count_ + 1) * 2 > slots_.size()) grow();
    std::string_view id(base_ + offset, length);
    for (size_t i = hash(id) & (slots_.size() - 1);; i = (i + 1) & (slots_.size() - 1)) {
      if (slots_[i].length == 0) {
        slots_[i] = {offset, length};
        ++count_;
        return true;
      }
      if (std::string_view(base_ + slots_[i].offset, slots_[i].length) == id) return false;
    }
  }

 private:
  struct Slot {
    uint32_t offset = 0, length = 0;
  };
  static uint64_t hash(std::string_view s) {
    uint64_t h = 1469598103934665603ull;
    for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
    return h ^ (h >> 29);
  }
  void grow() {
    std::vector<Slot> old(std::max<size_t>(1024, slots_.size() * 2));
    old.swap(slots_);
    count_ = 0;
    for (const Slot& s : old)
      if (s.length) insert(s.offset, s.length);
  }
  const char* base_;
  std::vector<Slot> slots_;
  size_t count_ = 0;
};

// ---- output

class Out {
 public:
  Out() { buf_.reserve(kSize + 4096); }
  ~Out() { flush(); }
  void put(std::string_view s) {
    buf_.append(s);
    if (buf_.size() >= kSize) flush();
  }
  void flush() {
    if (!buf_.empty() && std::fwrite(buf_.data(), 1, buf_.size(), stdout) != buf_.size()) die("write failed");
    buf_.clear();
  }

 private:
  static constexpr size_t kSize = 1 << 16;
  std::string buf_;
};

enum Outcome : uint8_t { kActive, kCompleted, kExited };  // summary order

struct Lead {
  uint32_t idOffset, idLength;
  Outcome outcome;
};

constexpr std::string_view kHistory =
    "\n"
    "        {\n"
    "          \"at\": \"2026-01-05T09:00:00Z\",\n"
    "          \"label\": \"intro\",\n"
    "          \"kind\": \"auto_email\",\n"
    "          \"result\": \"sent\"\n"
    "        },\n"
    "        {\n"
    "          \"at\": \"2026-01-06T09:00:00Z\",\n"
    "          \"label\": null,\n"
    "          \"kind\": \"wait\",\n"
    "          \"result\": \"waited\"\n"
    "        }\n"
    "      ]\n"
    "    }";
const std::string kAfterId[] = {
    std::string("\",\n"
                "      \"status\": \"active\",\n"
                "      \"reason\": null,\n"
                "      \"progress\": 1,\n"
                "      \"total\": 2,\n"
                "      \"current_step\": {\n"
                "        \"label\": \"discovery\",\n"
                "        \"kind\": \"call\",\n"
                "        \"title\": \"Discovery call\",\n"
                "        \"line\": 10\n"
                "      },\n"
                "      \"days_elapsed\": 2,\n"
                "      \"history\": [") + std::string(kHistory),
    std::string("\",\n"
                "      \"status\": \"completed\",\n"
                "      \"reason\": null,\n"
                "      \"progress\": 1,\n"
                "      \"total\": 2,\n"
                "      \"current_step\": null,\n"
                "      \"days_elapsed\": null,\n"
                "      \"history\": [") + std::string(kHistory),
    "\",\n"
    "      \"status\": \"exited\",\n"
    "      \"reason\": \"exit_when\",\n"
    "      \"progress\": 0,\n"
    "      \"total\": 2,\n"
    "      \"current_step\": null,\n"
    "      \"days_elapsed\": null,\n"
    "      \"history\": []\n"
    "    }",
};

void writeJson(const char* base, const std::vector<Lead>& leads, const uint64_t counts[3]) {
  Out out;
  out.put("{\n  \"sequence\": \"Three steps\",\n  \"entity\": \"lead\",\n"
          "  \"start\": \"2026-01-05T09:00:00Z\",\n  \"end\": \"2026-01-08T09:00:00Z\",\n  \"records\": [");
  for (size_t i = 0; i < leads.size(); ++i) {
    out.put(i ? ",\n    {\n      \"id\": \"" : "\n    {\n      \"id\": \"");
    out.put({base + leads[i].idOffset, leads[i].idLength});
    out.put(kAfterId[leads[i].outcome]);
  }
  out.put(leads.empty() ? "]" : "\n  ]");
  char tail[512];
  std::snprintf(tail, sizeof tail,
                ",\n  \"summary\": {\n    \"active\": %llu,\n    \"completed\": %llu,\n    \"exited\": %llu,\n"
                "    \"disconnected\": 0,\n    \"advanced\": 0,\n    \"error\": 0\n  },\n  \"warnings\": []\n}\n",
                static_cast<unsigned long long>(counts[0]), static_cast<unsigned long long>(counts[1]),
                static_cast<unsigned long long>(counts[2]));
  out.put(tail);
}

void writeTable(const char* base, const std::vector<Lead>& leads, const uint64_t counts[3]) {
  static constexpr std::string_view kStatus[] = {"active", "completed", "exited (exit when)"};
  static constexpr std::string_view kStep = "discovery: call \"Discovery call\" (line 10)";
  size_t wi = 6, ws = 6, wc = 12;
  for (const Lead& l : leads) {
    wi = std::max<size_t>(wi, l.idLength);
    ws = std::max(ws, kStatus[l.outcome].size());
    if (l.outcome == kActive) wc = kStep.size();
  }
  Out out;
  out.put("Sequence \"Three steps\" on lead, 2026-01-05T09:00:00Z to 2026-01-08T09:00:00Z\n\n");
  std::string row;
  auto cell = [&](std::string_view text, size_t width) {
    row += text;
    row.append(width - text.size() + 2, ' ');
  };
  cell("Record", wi), cell("Status", ws), cell("Progress", 8), cell("Current step", wc);
  row += "Days elapsed\n";
  out.put(row);
  // Each outcome's row after the id column is always the same text.
  std::string rest[3];
  for (int o = 0; o < 3; ++o) {
    row.clear();
    cell(kStatus[o], ws), cell(o == kExited ? "0/2" : "1/2", 8), cell(o == kActive ? kStep : "-", wc);
    rest[o] = row + (o == kActive ? "2\n" : "-\n");
  }
  std::string spaces(wi + 2, ' ');
  for (const Lead& l : leads) {
    out.put({base + l.idOffset, l.idLength});
    out.put(std::string_view(spaces).substr(0, wi + 2 - l.idLength));  // ids are ASCII here
    out.put(rest[l.outcome]);
  }
  char tail[256];
  std::snprintf(tail, sizeof tail, "\nSummary: %llu active, %llu completed, %llu exited, 0 disconnected, 0 advanced, 0 error\n",
                static_cast<unsigned long long>(counts[0]), static_cast<unsigned long long>(counts[1]),
                static_cast<unsigned long long>(counts[2]));
  out.put(tail);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 || (std::strcmp(argv[2], "json") != 0 && std::strcmp(argv[2], "table") != 0))
    die("usage: floor_simulate LEADS.csv json|table");
  int fd = open(argv[1], O_RDONLY);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0) die(std::string("cannot open ") + argv[1]);
  size_t size = static_cast<size_t>(st.st_size);
  if (size >= UINT32_MAX) die("the file is too large for 32-bit offsets");
  const char* base = size ? static_cast<const char*>(mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0)) : "";
  if (base == MAP_FAILED) die("mmap failed");
  if (size) madvise(const_cast<char*>(base), size, MADV_SEQUENTIAL);
  if (std::memchr(base, '"', size)) die("quoted CSV fields are not in the benchmark's input");

  const char* p = base;
  const char* end = base + size;
  auto nextLine = [&]() {
    const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
    std::string_view line(p, static_cast<size_t>((nl ? nl : end) - p));
    p = nl ? nl + 1 : end;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return line;
  };
  // Header: each column's type; where id, statecode and budgetamount are.
  std::vector<const Column*> columns;
  size_t idCol = SIZE_MAX, stateCol = SIZE_MAX, budgetCol = SIZE_MAX;
  for (std::string_view header = nextLine(); !header.empty();) {
    size_t comma = header.find(',');
    std::string_view name = header.substr(0, comma);
    const Column* c = nullptr;
    for (const Column& k : schema()) c = k.name == name ? &k : c;
    if (!c) die("unknown column " + std::string(name));
    if (name == "id") idCol = columns.size();
    if (name == "statecode") stateCol = columns.size();
    if (name == "budgetamount") budgetCol = columns.size();
    columns.push_back(c);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
  }
  if (idCol == SIZE_MAX || stateCol == SIZE_MAX || budgetCol == SIZE_MAX)
    die("the header must name id, statecode and budgetamount");

  std::vector<Lead> leads;
  leads.reserve(size / 100);
  IdSet ids(base);
  uint64_t counts[3] = {};
  std::vector<std::string_view> cells(columns.size());
  for (size_t line = 2; p < end; ++line) {
    std::string_view l = nextLine();
    if (l.empty()) continue;
    size_t n = 0;
    for (size_t from = 0;;) {
      size_t comma = l.find(',', from);
      if (n == cells.size()) die("line " + std::to_string(line) + ": too many cells");
      cells[n++] = l.substr(from, comma - from);
      if (comma == std::string_view::npos) break;
      from = comma + 1;
    }
    if (n != cells.size()) die("line " + std::to_string(line) + ": too few cells");
    for (size_t c = 0; c < n; ++c) check(*columns[c], cells[c], line);
    auto offset = static_cast<uint32_t>(cells[idCol].data() - base);
    auto length = static_cast<uint32_t>(cells[idCol].size());
    if (!ids.insert(offset, length)) die("line " + std::to_string(line) + ": duplicate id");
    // The sequence: `exit when statecode != "Open"` at connect; else the email, a day's
    // wait, and the call if budgetamount >= 25000 (pending at +3d), otherwise completed.
    int64_t budget;
    Outcome o;
    if (cells[stateCol] != "Open") o = kExited;
    else if (!parseMoney(cells[budgetCol], budget)) die("line " + std::to_string(line) + ": no budget");
    else o = budget >= 25000 * 10000LL ? kActive : kCompleted;
    ++counts[o];
    leads.push_back({offset, length, o});
  }
  if (std::strcmp(argv[2], "json") == 0) writeJson(base, leads, counts);
  else writeTable(base, leads, counts);
  return 0;
}
