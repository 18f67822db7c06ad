// Simulator inputs: field values, CSV and JSONL records, scripted events. Errors name
// file, line and field; no input crashes or hangs the readers.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <unistd.h>

#include "seqc/sim/records.h"
#include "temp_dir.h"
#include "seqc/support/time.h"

using namespace seqc;
using namespace seqc::rt;
using seqc::bc::ValueType;
using Catch::Matchers::Contains;

namespace {

RecordSchema leadSchema() {
  RecordSchema s;
  s.entity = "lead";
  auto add = [&](std::string name, ValueType t) {
    FieldSpec f;
    f.name = std::move(name);
    f.type = t;
    s.fields.push_back(f);
    return &s.fields.back();
  };
  add("leadid", ValueType::Id);
  add("subject", ValueType::String);
  add("firstname", ValueType::String)->maxLength = 5;
  add("budgetamount", ValueType::Money);
  add("numberofemployees", ValueType::Int);
  add("score", ValueType::Decimal);
  add("donotemail", ValueType::Bool);
  add("estimatedclosedate", ValueType::Date);
  add("lastcontacted", ValueType::DateTime);
  add("parentaccountid", ValueType::Lookup);
  FieldSpec state;
  state.name = "statecode";
  state.type = ValueType::Choice;
  state.options = {{0, "Open"}, {1, "Qualified"}, {2, "Disqualified"}};
  s.fields.push_back(state);
  FieldSpec big;
  big.name = "industrycode";
  big.type = ValueType::Choice;
  for (int i = 1; i <= 20; ++i) big.options.emplace_back(i, "Industry " + std::to_string(i));
  s.fields.push_back(big);
  return s;
}

const RecordSchema& schema() {
  static const RecordSchema s = leadSchema();
  return s;
}

const FieldSpec& field(std::string_view name) {
  const FieldSpec* f = schema().find(name);
  REQUIRE(f);
  return *f;
}

using seqc::testing::TempDir;

struct Parsed {
  std::optional<Value> value;
  std::string error;
};

Parsed parse(std::string_view fieldName, std::string_view text) {
  static StringArena arena;
  Parsed p;
  p.value = parseFieldText(field(fieldName), text, arena, p.error);
  return p;
}

int64_t money(std::string_view text) {
  auto p = parse("budgetamount", text);
  INFO(text << ": " << p.error);
  REQUIRE(p.value);
  REQUIRE(p.value->tag == Tag::Money);
  return p.value->i;
}

std::string moneyError(std::string_view text) {
  auto p = parse("budgetamount", text);
  INFO(text);
  REQUIRE_FALSE(p.value);
  return p.error;
}

struct Records {
  bool ok = false;
  RecordTable table;
  std::string error;
  StringArena arena;
};

std::unique_ptr<Records> readCsvText(std::string_view text,
                                     const std::vector<std::string>& keep = {},
                                     const std::string& name = "records.csv") {
  TempDir dir;
  auto r = std::make_unique<Records>();
  std::string path = dir.write(name, text);
  r->ok = readRecords(path, schema(), keep, r->arena, r->table, r->error);
  // Errors name the file as given: make them relative for the checks.
  auto slash = path.rfind('/');
  std::string prefix = path.substr(0, slash + 1);
  for (size_t p; (p = r->error.find(prefix)) != std::string::npos;) r->error.erase(p, prefix.size());
  return r;
}

std::unique_ptr<Records> readJsonlText(std::string_view text,
                                       const std::vector<std::string>& keep = {}) {
  return readCsvText(text, keep, "records.jsonl");
}

struct Events {
  bool ok = false;
  std::vector<Event> events;
  std::string error;
  StringArena arena;
};

const int64_t kStart = *parseDateTime("2026-01-05T09:00:00Z");

std::unique_ptr<Events> readEventsText(std::string_view text) {
  TempDir dir;
  auto r = std::make_unique<Events>();
  std::string path = dir.write("events.jsonl", text);
  r->ok = readEvents(path, kStart, schema(), r->arena, r->events, r->error);
  auto slash = path.rfind('/');
  std::string prefix = path.substr(0, slash + 1);
  for (size_t p; (p = r->error.find(prefix)) != std::string::npos;) r->error.erase(p, prefix.size());
  return r;
}

std::string eventError(std::string_view text) {
  auto r = readEventsText(text);
  INFO(text);
  REQUIRE_FALSE(r->ok);
  return r->error;
}

}  // namespace

// ---- parseFieldText -----------------------------------------------------------------

TEST_CASE("RecordSchema::find", "[records]") {
  CHECK(schema().find("budgetamount")->type == ValueType::Money);
  CHECK(schema().find("BudgetAmount") == nullptr);
  CHECK(schema().find("") == nullptr);
}

TEST_CASE("empty text is null for every type", "[records]") {
  for (const auto& f : schema().fields) {
    INFO(f.name);
    auto p = parse(f.name, "");
    REQUIRE(p.value);
    CHECK(p.value->isNull());
  }
}

TEST_CASE("bool values", "[records]") {
  CHECK(parse("donotemail", "true").value->b == true);
  CHECK(parse("donotemail", "false").value->tag == Tag::Bool);
  CHECK(parse("donotemail", "false").value->b == false);
  for (auto bad : {"True", "TRUE", "1", "0", "yes", "t", "truex"}) {
    auto p = parse("donotemail", bad);
    INFO(bad);
    CHECK_FALSE(p.value);
    CHECK_THAT(p.error, Contains("expected true or false"));
  }
}

TEST_CASE("int values", "[records]") {
  CHECK(parse("numberofemployees", "42").value->i == 42);
  CHECK(parse("numberofemployees", "-42").value->i == -42);
  CHECK(parse("numberofemployees", "+42").value->i == 42);
  CHECK(parse("numberofemployees", "0").value->tag == Tag::Int);
  CHECK(parse("numberofemployees", "9223372036854775807").value->i ==
        std::numeric_limits<int64_t>::max());
  CHECK(parse("numberofemployees", "-9223372036854775808").value->i ==
        std::numeric_limits<int64_t>::min());
  auto over = parse("numberofemployees", "9223372036854775808");
  CHECK_FALSE(over.value);
  CHECK_THAT(over.error, Contains("out of range"));
  for (auto bad : {"4.5", "1e3", "abc", "12abc", "0x10", "+-1", "--1", "-", "+", "1,000"}) {
    auto p = parse("numberofemployees", bad);
    INFO(bad);
    CHECK_FALSE(p.value);
    CHECK_THAT(p.error, Contains("expected an integer"));
  }
  auto p = parse("numberofemployees", "abc");
  CHECK(p.error == "expected an integer, got \"abc\"");
}

TEST_CASE("decimal values", "[records]") {
  CHECK(parse("score", "12.5").value->d == 12.5);
  CHECK(parse("score", "-0.25").value->d == -0.25);
  CHECK(parse("score", "+3").value->d == 3.0);
  CHECK(parse("score", "1e3").value->d == 1000.0);
  CHECK(parse("score", ".5").value->d == 0.5);
  CHECK(parse("score", "7").value->tag == Tag::Decimal);
  for (auto bad : {"abc", "inf", "nan", "NaN", "infinity", "0x1p3", "1.2.3", "1,5", "--1"}) {
    auto p = parse("score", bad);
    INFO(bad);
    CHECK_FALSE(p.value);
    CHECK_THAT(p.error, Contains("expected a number"));
  }
  auto huge = parse("score", "1e400");
  CHECK_FALSE(huge.value);
  CHECK_THAT(huge.error, Contains("out of range"));
}

TEST_CASE("money is exact, scaled by 10^4", "[records]") {
  CHECK(money("0") == 0);
  CHECK(money("1") == 10000);
  CHECK(money("12.5") == 125000);
  CHECK(money("12.3456") == 123456);
  CHECK(money("-12.3456") == -123456);
  CHECK(money("+7.01") == 70100);
  CHECK(money("0.0001") == 1);
  CHECK(money(".5") == 5000);
  CHECK(money("5.") == 50000);
  CHECK(money("50000") == 500000000);
  CHECK(money("1.5e3") == 15000000);
  CHECK(money("15e-4") == 15);
  CHECK(money("12.34560000") == 123456);  // trailing zeros are harmless
  CHECK(money("922337203685477.5807") == std::numeric_limits<int64_t>::max());
  CHECK(money("-922337203685477.5808") == std::numeric_limits<int64_t>::min());
  CHECK(money("0.1") == 1000);  // no binary rounding

  CHECK_THAT(moneyError("12.34567"), Contains("money has at most 4 decimal places"));
  CHECK_THAT(moneyError("1e-5"), Contains("money has at most 4 decimal places"));
  CHECK_THAT(moneyError("922337203685477.5808"), Contains("out of range"));
  CHECK_THAT(moneyError("1e30"), Contains("out of range"));
  CHECK_THAT(moneyError("99999999999999999999999"), Contains("out of range"));
  for (auto bad : {"abc", "$5", "5$", "1,000", "1.2.3", ".", "-", "e5", "1e", "1e+", "inf",
                   "0x10", "12 34"}) {
    INFO(bad);
    CHECK_THAT(moneyError(bad), Contains("expected a number"));
  }
  CHECK(moneyError("abc") == "expected a number, got \"abc\"");
}

TEST_CASE("string values", "[records]") {
  auto p = parse("subject", "Hello, world");
  REQUIRE(p.value);
  CHECK(p.value->tag == Tag::String);
  CHECK(p.value->str() == "Hello, world");
  CHECK(parse("subject", "  spaced  ").value->str() == "  spaced  ");  // kept as is
  CHECK(parse("firstname", "Anna").value->str() == "Anna");
  CHECK(parse("firstname", "Zoë😀é").value);  // 5 code points, 10 bytes
  auto longer = parse("firstname", "Annabel");
  CHECK_FALSE(longer.value);
  CHECK_THAT(longer.error, Contains("longer than 5 characters"));
  auto bad = parse("subject", "caf\xC3");
  CHECK_FALSE(bad.value);
  CHECK_THAT(bad.error, Contains("not valid UTF-8"));
  CHECK_FALSE(parse("subject", "\xC0\xAF").value);          // overlong
  CHECK_FALSE(parse("subject", "\xED\xA0\x80").value);      // surrogate
  CHECK_FALSE(parse("subject", "\xF4\x90\x80\x80").value);  // past U+10FFFF
  CHECK_FALSE(parse("subject", "\xFF").value);
  CHECK(parse("subject", "\xF0\x9F\x98\x80").value);
}

TEST_CASE("id and lookup values are strings", "[records]") {
  CHECK(parse("leadid", "L-1").value->str() == "L-1");
  CHECK(parse("parentaccountid", "A-42").value->tag == Tag::String);
  CHECK(parse("parentaccountid", "42").value->str() == "42");
}

TEST_CASE("date and datetime values", "[records]") {
  auto d = parse("estimatedclosedate", "2026-01-05");
  REQUIRE(d.value);
  CHECK(d.value->tag == Tag::Date);
  CHECK(d.value->i == 20458);
  auto badDate = parse("estimatedclosedate", "2026-02-30");
  CHECK_FALSE(badDate.value);
  CHECK(badDate.error == "expected a date (YYYY-MM-DD), got \"2026-02-30\"");
  CHECK_FALSE(parse("estimatedclosedate", "2026-01-05T09:00:00Z").value);

  auto t = parse("lastcontacted", "2026-01-05T09:00:00Z");
  REQUIRE(t.value);
  CHECK(t.value->tag == Tag::DateTime);
  CHECK(t.value->i == kStart);
  CHECK(parse("lastcontacted", "2026-01-05T10:00:00+01:00").value->i == kStart);
  CHECK(parse("lastcontacted", "2026-01-05").value->i == kStart - 9 * 3600);
  auto badTime = parse("lastcontacted", "yesterday");
  CHECK_FALSE(badTime.value);
  CHECK_THAT(badTime.error, Contains("expected a date and time"));
}

TEST_CASE("choice values by label or value", "[records]") {
  auto byLabel = parse("statecode", "Qualified");
  REQUIRE(byLabel.value);
  CHECK(byLabel.value->tag == Tag::Int);
  CHECK(byLabel.value->i == 1);
  CHECK(parse("statecode", "2").value->i == 2);
  CHECK(parse("statecode", "0").value->i == 0);

  auto unknown = parse("statecode", "Hot");
  CHECK_FALSE(unknown.value);
  CHECK_THAT(unknown.error, Contains("no option \"Hot\""));
  CHECK_THAT(unknown.error, Contains("'Open' (0), 'Qualified' (1), 'Disqualified' (2)"));

  auto wrongCase = parse("statecode", "open");  // labels are case-sensitive
  CHECK_FALSE(wrongCase.value);
  CHECK_THAT(wrongCase.error, Contains("did you mean 'Open'?"));

  auto badValue = parse("statecode", "7");
  CHECK_FALSE(badValue.value);
  CHECK_THAT(badValue.error, Contains("no option \"7\""));

  auto many = parse("industrycode", "Mining");
  CHECK_FALSE(many.value);
  CHECK_THAT(many.error, Contains("'Industry 1' (1)"));
  CHECK_THAT(many.error, Contains("14 more"));
  CHECK_THAT(many.error, !Contains("Industry 20"));
}

TEST_CASE("non-string values may be surrounded by blanks", "[records]") {
  CHECK(parse("numberofemployees", " 42 ").value->i == 42);
  CHECK(parse("budgetamount", "\t1.5 ").value->i == 15000);
  CHECK(parse("statecode", " Open").value->i == 0);
  CHECK(parse("numberofemployees", "   ").value->isNull());
}

TEST_CASE("duration values", "[records]") {
  FieldSpec f;
  f.name = "d";
  f.type = ValueType::Duration;
  StringArena arena;
  std::string error;
  auto v = parseFieldText(f, "1d4h", arena, error);
  REQUIRE(v);
  CHECK(v->tag == Tag::Duration);
  CHECK(v->i == 28 * 3600);
  CHECK_FALSE(parseFieldText(f, "1y", arena, error));
  CHECK_THAT(error, Contains("expected a duration"));
}

TEST_CASE("error messages quote bad text safely", "[records]") {
  auto p = parse("numberofemployees", std::string(1000, 'x'));
  CHECK_FALSE(p.value);
  CHECK(p.error.size() < 120);
  auto c = parse("numberofemployees", "a\"b\n\x01\xFF");
  CHECK(c.error == "expected an integer, got \"a\\\"b\\n\\x01\\xff\"");
}

// ---- CSV -------------------------------------------------------------------------------

TEST_CASE("CSV records: values, kept columns and lines", "[records][csv]") {
  auto r = readCsvText(
      "id,subject,budgetamount,statecode,donotemail\n"
      "L-1,Hello,50000,Open,true\n"
      "L-2,,12.5,1,\n",
      {"budgetamount", "statecode", "numberofemployees", "subject"});
  INFO(r->error);
  REQUIRE(r->ok);
  const auto& t = r->table;
  CHECK(t.ids == std::vector<std::string>{"L-1", "L-2"});
  CHECK(t.lines == std::vector<uint32_t>{2, 3});
  CHECK(t.columns ==
        std::vector<std::string>{"budgetamount", "statecode", "numberofemployees", "subject"});
  REQUIRE(t.values.size() == 8);
  CHECK(t.values[0].tag == Tag::Money);
  CHECK(t.values[0].i == 500000000);
  CHECK(t.values[1].i == 0);
  CHECK(t.values[2].isNull());  // no such column
  CHECK(t.values[3].str() == "Hello");
  CHECK(t.values[4].i == 125000);
  CHECK(t.values[5].i == 1);
  CHECK(t.values[6].isNull());
  CHECK(t.values[7].isNull());  // empty cell
}

TEST_CASE("CSV quoting (RFC 4180)", "[records][csv]") {
  auto r = readCsvText(
      "\xEF\xBB\xBFid,subject,firstname\r\n"
      "\"L-1\",\"Hello, \"\"world\"\"\",\"Ann\"\r\n"
      "L-2,\"two\nlines\",\r\n"
      "L-3,\"\",\"\"\r\n"
      "L-4,\"a,b\r\nc\",x",
      {"subject", "firstname", "id"});
  INFO(r->error);
  REQUIRE(r->ok);
  const auto& t = r->table;
  CHECK(t.ids == std::vector<std::string>{"L-1", "L-2", "L-3", "L-4"});
  CHECK(t.lines == std::vector<uint32_t>{2, 3, 5, 6});
  CHECK(t.values[0].str() == "Hello, \"world\"");
  CHECK(t.values[1].str() == "Ann");
  CHECK(t.values[2].str() == "L-1");  // `id` may be kept
  CHECK(t.values[3].str() == "two\nlines");
  CHECK(t.values[4].isNull());
  CHECK(t.values[6].isNull());  // "" is empty: null
  CHECK(t.values[9].str() == "a,b\r\nc");
  CHECK(t.values[10].str() == "x");
}

TEST_CASE("CSV blank lines, header spaces and a missing final newline", "[records][csv]") {
  auto r = readCsvText("\n id , subject\n\nL-1,a\n\n\nL-2,b", {"subject"});
  INFO(r->error);
  REQUIRE(r->ok);
  CHECK(r->table.ids == std::vector<std::string>{"L-1", "L-2"});
  CHECK(r->table.lines == std::vector<uint32_t>{4, 7});
  auto cr = readCsvText("id,subject\rL-1,a\rL-2,b\r", {"subject"});
  INFO(cr->error);
  REQUIRE(cr->ok);
  CHECK(cr->table.lines == std::vector<uint32_t>{2, 3});
  auto headerOnly = readCsvText("id,subject\n");
  REQUIRE(headerOnly->ok);
  CHECK(headerOnly->table.ids.empty());
  auto upper = readCsvText("id\nL-1\n", {}, "RECORDS.CSV");
  CHECK(upper->ok);
}

TEST_CASE("CSV duplicate ids are found in ascending runs and after them", "[records][csv]") {
  // Ascending ids are checked against the one before; the first id out of order indexes
  // those before it, so a duplicate anywhere is still found, with its first line.
  auto error = [](const std::string& text) {
    auto r = readCsvText(text);
    return r->ok ? std::string() : r->error;
  };
  std::string rows = "id,subject\n";
  for (int i = 0; i < 3000; ++i) rows += fmt::format("L-{:05},s\n", i);
  CHECK(error(rows).empty());
  CHECK(error(rows + "L-00000,x\n") == "records.csv:3002: duplicate id \"L-00000\" (first on line 2)");
  CHECK(error(rows + "L-02999,x\n") == "records.csv:3002: duplicate id \"L-02999\" (first on line 3001)");
  // Out of order first, the duplicate later.
  CHECK(error(rows + "A-1,x\nL-99999,y\nL-01500,z\n") ==
        "records.csv:3004: duplicate id \"L-01500\" (first on line 1502)");
  CHECK(error(rows + "A-1,x\nA-2,y\n").empty());
  CHECK(error("id,subject\nb,x\na,y\nb,z\n") == "records.csv:4: duplicate id \"b\" (first on line 2)");
}

TEST_CASE("CSV text of several chunks: UTF-8 checked and characters counted in each", "[records][csv]") {
  // The reader checks a chunk (1 MiB) for ASCII once; the cells of a chunk that is not
  // all ASCII are checked one by one. Either way bad bytes are refused and lengths are
  // counted in characters, in the first chunk and the last.
  std::string ascii = "id,firstname\n";
  for (int i = 0; i < 150000; ++i) ascii += fmt::format("L-{:06},Ana\n", i);  // 1.9 MB
  REQUIRE(ascii.size() > (1u << 20) + 1000);
  auto error = [](const std::string& text) {
    auto r = readCsvText(text);
    return r->ok ? std::string() : r->error;
  };
  CHECK(error(ascii).empty());
  CHECK(error(ascii + "X-1,Zo\xC3\xAB\xC3\xAB\xC3\xAB\n").empty());  // 5 characters, 8 bytes
  CHECK(error(ascii + "X-1,Zo\xC3\n") == "records.csv:150002: field 'firstname': \"Zo\\xc3\" is not valid UTF-8");
  CHECK(error(ascii + "X-\xFF,Zoe\n") == "records.csv:150002: id \"X-\\xff\" is not valid UTF-8");
  CHECK(error(ascii + "X-1,Annabel\n") ==
        "records.csv:150002: field 'firstname': \"Annabel\" is longer than 5 characters (7)");
  std::string accented = "id,firstname\nA-1,Zo\xC3\xAB\n" + ascii.substr(ascii.find('\n') + 1);
  CHECK(error(accented).empty());
  CHECK(error(accented + "X-1,Annabel\n") ==
        "records.csv:150003: field 'firstname': \"Annabel\" is longer than 5 characters (7)");
  CHECK(error("id,firstname\nA-1,Zo\xC3\xAB\xC3\xAB\xC3\xAB\xC3\xAB\n") ==
        "records.csv:2: field 'firstname': \"Zo\xC3\xAB\xC3\xAB\xC3\xAB\xC3\xAB\" is longer than 5 characters (6)");
}

TEST_CASE("CSV errors name file, line and field", "[records][csv]") {
  auto check = [](std::string_view text, std::string_view expected) {
    auto r = readCsvText(text);
    INFO(text);
    REQUIRE_FALSE(r->ok);
    CHECK(r->error == expected);
  };
  check("id,budgetamount\nL-1,5\nL-2,6\nL-3,abc\n",
        "records.csv:4: field 'budgetamount': expected a number, got \"abc\"");
  check("id,budgetamout\n", "records.csv:1: unknown field 'budgetamout' of entity lead (did "
                           "you mean 'budgetamount'?)");
  check("id,xyzzy\n", "records.csv:1: unknown field 'xyzzy' of entity lead");
  check("id,Subject\n", "records.csv:1: unknown field 'Subject' of entity lead (did you mean "
                        "'subject'?)");
  check("subject\nx\n", "records.csv:1: no 'id' column (the header must name an id column)");
  check("ID,subject\nx,y\n",
        "records.csv:1: unknown field 'ID' of entity lead (did you mean 'id'?)");
  check("id,subject,subject\n", "records.csv:1: duplicate column 'subject' (columns 2 and 3)");
  check("id,,subject\n", "records.csv:1: empty column name (column 2)");
  check("id,subject\nL-1,a\nL-2\n", "records.csv:3: the row has 1 cell, the header 2");
  check("id,subject\nL-1,a,b\n", "records.csv:2: the row has 3 cells, the header 2");
  check("id,subject\nL-1,a\n,b\n", "records.csv:3: empty id");
  check("id,subject\nL-1,a\nL-2,b\nL-1,c\n",
        "records.csv:4: duplicate id \"L-1\" (first on line 2)");
  check("id,subject\nL-1,\"abc\n", "records.csv:2: unterminated quoted field");
  check("id,subject\nL-1,\"abc\"x\n",
        "records.csv:2: unexpected \"x\" after a quoted field (expected a comma or the end of "
        "the line)");
  check("id,subject\nL-1,ab\"c\n",
        "records.csv:2: a quote inside an unquoted field (quote the whole field and double "
        "the quote)");
  check("id,firstname\nL-1,\"a\nb\",\nL-2,Annabel\n",
        "records.csv:2: the row has 3 cells, the header 2");
  check("id,firstname\nL-1,\"a\nb\"\nL-2,Annabel\n",
        "records.csv:4: field 'firstname': \"Annabel\" is longer than 5 characters (7)");
  check("id,statecode\nL-1,Hot\n",
        "records.csv:2: field 'statecode': no option \"Hot\" (options: 'Open' (0), "
        "'Qualified' (1), 'Disqualified' (2))");
  check("id,donotemail\nL-1,yes\n",
        "records.csv:2: field 'donotemail': expected true or false, got \"yes\"");
  check("", "records.csv: no header row (the file is empty)");
  check("\n\n", "records.csv: no header row (the file is empty)");
  check("id,subject\nL-\xFF,a\n", "records.csv:2: id \"L-\\xff\" is not valid UTF-8");
}

TEST_CASE("records files: extension and access errors", "[records]") {
  StringArena arena;
  RecordTable t;
  std::string error;
  CHECK_FALSE(readRecords("records.txt", schema(), {}, arena, t, error));
  CHECK(error == "records.txt: records must be .csv or .jsonl");
  CHECK_FALSE(readRecords("records", schema(), {}, arena, t, error));
  CHECK(error == "records: records must be .csv or .jsonl");
  CHECK_FALSE(readRecords("/nonexistent/dir/r.csv", schema(), {}, arena, t, error));
  CHECK_THAT(error, Contains("/nonexistent/dir/r.csv: cannot open"));
  TempDir dir;
  std::string sub = dir.write("x", "") + ".csv";
  std::filesystem::create_directory(sub);
  CHECK_FALSE(readRecords(sub, schema(), {}, arena, t, error));
  CHECK_THAT(error, Contains("is a directory"));
}

// ---- JSONL records -----------------------------------------------------------------------

TEST_CASE("JSONL records", "[records][jsonl]") {
  auto r = readJsonlText(
      "{\"id\": \"L-1\", \"budgetamount\": 50000, \"statecode\": \"Open\", \"donotemail\": true}\n"
      "\n"
      "{\"id\": 2, \"budgetamount\": 12.345, \"statecode\": 1, \"score\": 7, "
      "\"subject\": null}\r\n"
      "   \n"
      "{\"id\": \"L-3\", \"budgetamount\": \"1.5\", \"numberofemployees\": 3.0, "
      "\"estimatedclosedate\": \"2026-01-05\", \"parentaccountid\": 17, "
      "\"numberofemployees\": 4}\n",
      {"budgetamount", "statecode", "donotemail", "score", "id", "numberofemployees",
       "estimatedclosedate", "parentaccountid"});
  INFO(r->error);
  REQUIRE(r->ok);
  const auto& t = r->table;
  CHECK(t.ids == std::vector<std::string>{"L-1", "2", "L-3"});
  CHECK(t.lines == std::vector<uint32_t>{1, 3, 5});
  REQUIRE(t.values.size() == 24);
  CHECK(t.values[0].i == 500000000);
  CHECK(t.values[1].i == 0);
  CHECK(t.values[2].b == true);
  CHECK(t.values[3].isNull());
  CHECK(t.values[4].str() == "L-1");
  CHECK(t.values[8].i == 123450);
  CHECK(t.values[9].i == 1);
  CHECK(t.values[10].isNull());
  CHECK(t.values[11].tag == Tag::Decimal);
  CHECK(t.values[11].d == 7.0);
  CHECK(t.values[12].str() == "2");
  CHECK(t.values[16].i == 15000);
  CHECK(t.values[21].tag == Tag::Int);
  CHECK(t.values[22].i == 20458);
  CHECK(t.values[23].str() == "17");
}

TEST_CASE("JSONL record errors name file, line and field", "[records][jsonl]") {
  auto check = [](std::string_view text, std::string_view expected) {
    auto r = readJsonlText(text);
    INFO(text);
    REQUIRE_FALSE(r->ok);
    CHECK(r->error == expected);
  };
  auto contains = [](std::string_view text, std::string_view expected) {
    auto r = readJsonlText(text);
    INFO(text);
    REQUIRE_FALSE(r->ok);
    CHECK_THAT(r->error, Contains(std::string(expected)));
  };
  check("{\"id\":\"a\"}\n{\"id\":\"b\",\"budgetamount\":\"abc\"}\n",
        "records.jsonl:2: field 'budgetamount': expected a number, got \"abc\"");
  check("{\"id\":\"a\",\"budgetamount\":[1]}",
        "records.jsonl:1: field 'budgetamount': expected a number, got an array");
  check("{\"id\":\"a\",\"subject\":{}}",
        "records.jsonl:1: field 'subject': expected a string, got an object");
  check("{\"id\":\"a\",\"subject\":5}",
        "records.jsonl:1: field 'subject': expected a string, got a number");
  check("{\"id\":\"a\",\"donotemail\":1}",
        "records.jsonl:1: field 'donotemail': expected true or false, got a number");
  check("{\"id\":\"a\",\"numberofemployees\":true}",
        "records.jsonl:1: field 'numberofemployees': expected an integer, got a boolean");
  check("{\"id\":\"a\",\"numberofemployees\":4.5}",
        "records.jsonl:1: field 'numberofemployees': expected an integer, got 4.5");
  check("{\"id\":\"a\",\"numberofemployees\":18446744073709551615}",
        "records.jsonl:1: field 'numberofemployees': \"18446744073709551615\" is out of range "
        "for an integer");
  check("{\"id\":\"a\",\"budgetamount\":0.12345}",
        "records.jsonl:1: field 'budgetamount': \"0.12345\": money has at most 4 decimal "
        "places");
  check("{\"id\":\"a\",\"statecode\":9}",
        "records.jsonl:1: field 'statecode': no option \"9\" (options: 'Open' (0), "
        "'Qualified' (1), 'Disqualified' (2))");
  check("{\"id\":\"a\",\"statecode\":1.5}",
        "records.jsonl:1: field 'statecode': expected an option label or value, got 1.5");
  check("{\"id\":\"a\",\"estimatedclosedate\":20458}",
        "records.jsonl:1: field 'estimatedclosedate': expected a date (YYYY-MM-DD), got a "
        "number");
  check("{\"id\":\"a\",\"budgetamout\":1}",
        "records.jsonl:1: unknown field 'budgetamout' of entity lead (did you mean "
        "'budgetamount'?)");
  check("{\"subject\":\"x\"}", "records.jsonl:1: missing 'id'");
  check("{\"id\":\"\"}", "records.jsonl:1: 'id': must not be empty");
  check("{\"id\":1.5}", "records.jsonl:1: 'id': expected a string or an integer, got a number");
  check("{\"id\":null}", "records.jsonl:1: 'id': expected a string or an integer, got null");
  check("{\"id\":\"a\"}\n{\"id\":\"a\"}", "records.jsonl:2: duplicate id \"a\" (first on line 1)");
  check("{\"id\":1}\n{\"id\":\"1\"}", "records.jsonl:2: duplicate id \"1\" (first on line 1)");
  check("[1,2]", "records.jsonl:1: expected a JSON object");
  check("\"x\"", "records.jsonl:1: expected a JSON object");
  contains("{\"id\":\"a\"}\n\n{\"id\":\"b\",}\n", "records.jsonl:3: malformed JSON");
  contains("{\"id\":\"a\"", "records.jsonl:1: malformed JSON");
  contains("{\"id\":\"a\"} {\"id\":\"b\"}", "records.jsonl:1: malformed JSON");
  contains("{\"id\":\"\xFF\"}", "records.jsonl:1: malformed JSON");
}

// ---- events ------------------------------------------------------------------------------

TEST_CASE("events: every kind, absolute and relative times, file order", "[events]") {
  auto r = readEventsText(
      "{\"at\": \"+1d4h\", \"record\": \"L-1\", \"event\": \"complete\", \"outcome\": "
      "\"answered\"}\n"
      "{\"at\": \"2026-01-05T10:00:00Z\", \"record\": 7, \"event\": \"skip\"}\n"
      "\n"
      "{\"at\": \"+30m\", \"record\": \"L-1\", \"event\": \"opened\", \"step\": \"intro\"}\n"
      "{\"at\": \"+0m\", \"record\": \"L-1\", \"event\": \"clicked\", \"step\": \"intro\"}\n"
      "{\"at\": \"+2d\", \"record\": \"L-1\", \"event\": \"replied\", \"step\": \"intro\"}\n"
      "{\"at\": \"+2d\", \"record\": \"L-1\", \"event\": \"downloaded\", \"step\": \"intro\"}\n"
      "{\"at\": \"+3d\", \"record\": \"L-1\", \"event\": \"update\", \"fields\": "
      "{\"budgetamount\": 100, \"statecode\": \"Qualified\", \"subject\": null}}\n"
      "{\"at\": \"+3d\", \"record\": \"L-1\", \"event\": \"disconnect\"}\n"
      "{\"event\": \"connect\", \"record\": \"L-2\", \"at\": \"2026-01-05T10:00:00+01:00\"}\n"
      "{\"at\": \"+1h\", \"record\": \"L-3\", \"event\": \"complete\"}\n"
      "{\"at\": \"+1h\", \"record\": \"L-3\", \"event\": \"complete\", \"outcome\": null}\n");
  INFO(r->error);
  REQUIRE(r->ok);
  const auto& e = r->events;
  REQUIRE(e.size() == 11);
  CHECK(e[0].at == kStart + 28 * 3600);
  CHECK(e[0].line == 1);
  CHECK(e[0].record == "L-1");
  CHECK(e[0].type == EventType::Complete);
  CHECK(e[0].outcome == seqc::CallOutcome::Answered);
  CHECK(e[1].at == kStart + 3600);
  CHECK(e[1].record == "7");
  CHECK(e[1].type == EventType::Skip);
  CHECK(e[2].line == 4);
  CHECK(e[2].type == EventType::Opened);
  CHECK(e[2].step == "intro");
  CHECK(e[2].at == kStart + 1800);
  CHECK(e[3].type == EventType::Clicked);
  CHECK(e[3].at == kStart);
  CHECK(e[4].type == EventType::Replied);
  CHECK(e[5].type == EventType::Downloaded);
  CHECK(e[6].type == EventType::Update);
  REQUIRE(e[6].fields.size() == 3);
  CHECK(e[6].fields[0].first == "budgetamount");
  CHECK(e[6].fields[0].second.i == 1000000);
  CHECK(e[6].fields[1].first == "statecode");
  CHECK(e[6].fields[1].second.i == 1);
  CHECK(e[6].fields[2].second.isNull());
  CHECK(e[7].type == EventType::Disconnect);
  CHECK(e[8].type == EventType::Connect);
  CHECK(e[8].at == kStart);
  CHECK_FALSE(e[9].outcome);
  CHECK_FALSE(e[10].outcome);

  auto empty = readEventsText("");
  CHECK(empty->ok);
  CHECK(empty->events.empty());
}

TEST_CASE("event errors name file, line and member", "[events]") {
  const std::string ok = R"("at":"+1d","record":"L-1",)";
  CHECK(eventError("{\"record\":\"L-1\",\"event\":\"skip\"}") == "events.jsonl:1: missing 'at'");
  CHECK(eventError("{\"at\":\"+1d\",\"event\":\"skip\"}") == "events.jsonl:1: missing 'record'");
  CHECK(eventError("{\"at\":\"+1d\",\"record\":\"L-1\"}") == "events.jsonl:1: missing 'event'");
  CHECK(eventError("\n{" + ok + R"("event":"skip","stpe":"x"})") ==
        "events.jsonl:2: unknown member 'stpe' (did you mean 'step'?) (expected at, record, "
        "event, outcome, step, fields)");
  CHECK(eventError("{" + ok + R"("event":"skip","comment":"x"})") ==
        "events.jsonl:1: unknown member 'comment' (expected at, record, event, outcome, step, "
        "fields)");
  CHECK_THAT(eventError(R"({"at":"tomorrow","record":"L-1","event":"skip"})"),
             Contains("events.jsonl:1: 'at': expected an ISO 8601 time"));
  CHECK_THAT(eventError(R"({"at":"+1y","record":"L-1","event":"skip"})"),
             Contains("got \"+1y\""));
  CHECK_THAT(eventError(R"({"at":"2026-01-05T09:00:00","record":"L-1","event":"skip"})"),
             Contains("'at'"));
  CHECK_THAT(eventError(R"({"at":"+","record":"L-1","event":"skip"})"), Contains("'at'"));
  CHECK_THAT(eventError(R"({"at":5,"record":"L-1","event":"skip"})"),
             Contains("'at': expected an ISO 8601 time (2026-01-05T09:00:00Z) or an offset "
                      "from the start (+1d4h), got a number"));
  CHECK_THAT(eventError(R"({"at":"+9223372036854775807s","record":"L-1","event":"skip"})"),
             Contains("'at'"));
  CHECK(eventError(R"({"at":"+1d","record":"","event":"skip"})") ==
        "events.jsonl:1: 'record': must not be empty");
  CHECK(eventError(R"({"at":"+1d","record":true,"event":"skip"})") ==
        "events.jsonl:1: 'record': expected a string or an integer, got a boolean");
  CHECK(eventError("{" + ok + R"("event":"open"})") ==
        "events.jsonl:1: 'event': unknown event \"open\" (expected one of complete, skip, "
        "opened, clicked, replied, downloaded, update, disconnect, connect)");
  CHECK_THAT(eventError("{" + ok + R"("event":3})"), Contains("'event': expected one of"));
  CHECK(eventError("{" + ok + R"("event":"complete","outcome":"busy"})") ==
        "events.jsonl:1: 'outcome': expected answered, voicemail, no_answer or wrong_number, "
        "got \"busy\"");
  CHECK(eventError("{" + ok + R"("event":"skip","outcome":"answered"})") ==
        "events.jsonl:1: 'outcome' does not apply to a 'skip' event");
  // Without 'step', an engagement event goes to the email sent last (docs/simulation.md).
  CHECK(eventError("{" + ok + R"("event":"clicked","step":""})") ==
        "events.jsonl:1: 'step': expected a step label, got an empty string");
  CHECK(eventError("{" + ok + R"("event":"replied","step":1})") ==
        "events.jsonl:1: 'step': expected a step label, got a number");
  CHECK(eventError("{" + ok + R"("event":"complete","step":"intro"})") ==
        "events.jsonl:1: 'step' does not apply to a 'complete' event");
  CHECK(eventError("{" + ok + R"("event":"update"})") == "events.jsonl:1: missing 'fields'");
  CHECK(eventError("{" + ok + R"("event":"update","fields":[]})") ==
        "events.jsonl:1: 'fields': expected an object, got an array");
  CHECK(eventError("{" + ok + R"("event":"update","fields":{"budgetamout":1}})") ==
        "events.jsonl:1: 'fields': unknown field 'budgetamout' of entity lead (did you mean "
        "'budgetamount'?)");
  CHECK(eventError("{" + ok + R"("event":"update","fields":{"id":"x"}})") ==
        "events.jsonl:1: 'fields': the record id cannot be updated");
  CHECK(eventError("{" + ok + R"("event":"update","fields":{"budgetamount":"abc"}})") ==
        "events.jsonl:1: field 'budgetamount': expected a number, got \"abc\"");
  CHECK(eventError("{" + ok + R"("event":"update","fields":{"statecode":{}}})") ==
        "events.jsonl:1: field 'statecode': expected an option label or value, got an object");
  CHECK(eventError("{" + ok + R"("event":"skip","fields":{}})") ==
        "events.jsonl:1: 'fields' does not apply to a 'skip' event");
  CHECK_THAT(eventError("{" + ok + R"("event":"skip"}x)"), Contains("events.jsonl:1: malformed JSON"));
  CHECK(eventError("[]") == "events.jsonl:1: expected a JSON object");
  StringArena arena;
  std::vector<Event> out;
  std::string error;
  CHECK_FALSE(readEvents("/nonexistent/e.jsonl", kStart, schema(), arena, out, error));
  CHECK_THAT(error, Contains("cannot read '/nonexistent/e.jsonl': No such file"));
}

// ---- robustness -----------------------------------------------------------------------------

TEST_CASE("readers survive random and hostile input", "[records][fuzz]") {
  std::mt19937 rng(12345);
  const std::string alphabet = "id,subject,budgetamount,statecode\"\r\n{}[]:0123456789.-+eE "
                               "\\tfalsnu\xC3\xA9\xFF\x00L";
  TempDir dir;
  StringArena arena;
  int files = 0;  // fresh names: truncating files can be slow on some file systems
  auto run = [&](const std::string& text) {
    RecordTable t;
    std::string error;
    std::vector<Event> events;
    for (const char* ext : {".csv", ".jsonl"}) {
      std::string path = dir.write("f" + std::to_string(files++) + ext, text);
      bool ok = readRecords(path, schema(), {"budgetamount", "subject", "statecode"}, arena, t,
                            error);
      if (ok) {
        CHECK(t.values.size() == t.ids.size() * 3);
        CHECK(t.lines.size() == t.ids.size());
      } else {
        CHECK_FALSE(error.empty());
      }
      ok = readEvents(path, kStart, schema(), arena, events, error);
      if (!ok) CHECK_FALSE(error.empty());
    }
  };
  for (int iter = 0; iter < 400; ++iter) {
    std::string text;
    size_t n = rng() % 300;
    for (size_t i = 0; i < n; ++i) {
      if (rng() % 4 == 0)
        text += static_cast<char>(rng() % 256);
      else
        text += alphabet[rng() % alphabet.size()];
    }
    run(text);
  }
  // Mutations of valid inputs.
  const std::string seeds[] = {
      "id,subject,budgetamount,statecode\nL-1,\"a,b\",12.5,Open\nL-2,x,1e3,1\n",
      R"({"id":"L-1","budgetamount":12.5,"statecode":"Open","subject":"x"})" "\n"
      R"({"at":"+1d","record":"L-1","event":"update","fields":{"budgetamount":1}})" "\n"};
  for (int iter = 0; iter < 400; ++iter) {
    std::string text = seeds[iter % 2];
    for (int k = 0; k < 3; ++k) {
      size_t pos = rng() % (text.size() + 1);
      switch (rng() % 3) {
        case 0: text.insert(pos, 1, alphabet[rng() % alphabet.size()]); break;
        case 1: if (pos < text.size()) text.erase(pos, 1); break;
        default: if (pos < text.size()) text[pos] = static_cast<char>(rng() % 256); break;
      }
    }
    run(text);
  }
  // Huge lines, deep nesting, long quoted fields.
  run(std::string(2'000'000, 'x'));
  run("id,subject\nL-1,\"" + std::string(1'000'000, 'a'));
  run(std::string(100'000, '[') + std::string(100'000, ']'));
  run("{\"id\":" + std::string(100'000, '[') + std::string(100'000, ']') + "}");
  run("{\"id\":\"a\",\"budgetamount\":1" + std::string(10'000, '0') + "}");
  run("{\"id\":\"a\",\"budgetamount\":\"1e99999999999\"}");
  run(std::string(100'000, '\n'));
  run(std::string(100'000, ','));
  run(std::string(100'000, '"'));
  std::string many = "id\n";
  for (int i = 0; i < 50'000; ++i) many += "R" + std::to_string(i) + "\n";
  RecordTable t;
  std::string error;
  REQUIRE(readRecords(dir.write("many.csv", many), schema(), {"id"}, arena, t, error));
  CHECK(t.ids.size() == 50'000);
}
