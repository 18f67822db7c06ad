// The front end as a library: in-memory sources, the stdlib, hostile input.
#include <catch2/catch.hpp>

#include <string>

#include "compiler/compilation.h"

using namespace seqc;

namespace {

std::vector<std::string> kinds(const std::string& text) {
  Compilation c({SEQC_STDLIB_DIR});
  runWithLargeStack([&] { c.checkSource("mem.seq", text); });
  std::vector<std::string> out;
  for (const auto& d : c.diagnostics().sorted(c.sources())) out.emplace_back(kindName(d.kind));
  return out;
}

}  // namespace

TEST_CASE("the standard library declares the seven CRM entities", "[stdlib]") {
  Compilation c({SEQC_STDLIB_DIR});
  c.checkSource("mem.seq", "");
  REQUIRE(!c.diagnostics().hasErrors());
  const Schema& schema = c.program()->schema;
  for (const char* e : {"lead", "opportunity", "contact", "account", "systemuser", "team", "teammembership"})
    CHECK(schema.find(e) != nullptr);
  const EntityInfo* lead = schema.find("lead");
  REQUIRE(lead);
  const FieldInfo* status = lead->field("statuscode");
  REQUIRE(status);
  CHECK(status->type.kind == TypeKind::Choice);
  CHECK(status->optionByLabel("Cannot Contact") != nullptr);
  CHECK(lead->field("budgetamount")->type.kind == TypeKind::Money);
  CHECK(lead->field("leadid")->readonly);
  CHECK(lead->field("createdon")->readonly);
  CHECK(lead->field("budgetamount_base")->readonly);
  CHECK(!lead->field("budgetamount")->readonly);
  const FieldInfo* owner = lead->field("ownerid");
  CHECK(owner->canReference("systemuser"));
  CHECK(owner->canReference("team"));
  CHECK(lead->field("subject")->type.maxLength == 300);
}

TEST_CASE("a clean program has no diagnostics", "[check]") {
  CHECK(kinds("sequence \"s\" on lead { e: email \"Hi\" wait 1d task \"Call back\" }").empty());
}

TEST_CASE("errors are reported together, sorted", "[check]") {
  auto k = kinds("sequence \"s\" on lead {\n wait 1d\n email \"a\"\n wait 2d\n}\n");
  CHECK(k == std::vector<std::string>{"WaitFirst", "WaitLast"});
}

TEST_CASE("hostile input never crashes", "[robustness]") {
  CHECK(kinds(std::string(100000, '(')) == std::vector<std::string>{"NestingTooDeep"});
  CHECK(kinds(std::string("\xff\xfe", 2)) == std::vector<std::string>{"SyntaxError"});
  CHECK(kinds(std::string(1000, '{')).size() == 1);
  std::string chain = "sequence \"s\" on lead { let x = 1";
  for (int i = 0; i < 5000; ++i) chain += " + 1";
  chain += " email \"a\" if x > 1 { task \"t\" } }";
  CHECK(kinds(chain) == std::vector<std::string>{"NestingTooDeep"});
  CHECK(!kinds(std::string("sequence \"s\" on lead { email \"a\0b\" }", 34)).empty());
  CHECK(kinds("\"unterminated") == std::vector<std::string>{"SyntaxError"});
  CHECK(kinds("/* unterminated") == std::vector<std::string>{"SyntaxError"});
}

TEST_CASE("a missing standard library is a clear error", "[stdlib]") {
  Compilation c({"/nonexistent/stdlib"});
  c.checkSource("mem.seq", "");
  REQUIRE(c.diagnostics().diagnostics().size() == 1);
  CHECK(c.diagnostics().diagnostics()[0].kind == DiagKind::FileError);
}
