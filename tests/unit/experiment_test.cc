// Experiments: the bucket rule, the records needed, the experiments section
// (round trip, verifier, damaged bytes) and the interpreter's choice of variant.
#include <catch2/catch.hpp>

#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "compiler/compilation.h"
#include "compiler/lower.h"
#include "seqc/format/bytecode.h"
#include "seqc/interp/interpreter.h"
#include "seqc/stats/experiment.h"

using namespace seqc;

namespace {

constexpr const char* kExperimentSource = R"(sequence "Outreach" on lead {
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
)";

bc::Module compileExperiment(const std::string& text) {
  Compilation c({SEQC_STDLIB_DIR});
  c.checkSource("mem.seq", text);
  INFO(renderText(c.sources(), c.diagnostics().sorted(c.sources())));
  REQUIRE(!c.diagnostics().hasErrors());
  bc::Module m;
  std::string error;
  REQUIRE(lower(c, m, error));
  return m;
}

std::string experimentVerifyError(const bc::Module& m) {
  std::string error;
  return bc::verify(m, error) ? std::string("(verified)") : error;
}

}  // namespace

TEST_CASE("experiments: the bucket is FNV-1a 64 mod 100, as documented", "[experiment]") {
  // Values from an independent implementation (docs/bytecode.md gives the rule).
  CHECK(bc::experimentBucket("R1", "Outreach", "Subject") == 27);
  CHECK(bc::experimentBucket("R2", "Outreach", "Subject") == 60);
  CHECK(bc::experimentBucket("L-1", "Outreach", "Subject") == 40);
  CHECK(bc::experimentBucket("R1", "Qualify", "CallFirst") == 25);
  // The zero bytes keep the parts apart: moving a character across them changes it.
  CHECK(bc::experimentBucket("ab", "c", "d") != bc::experimentBucket("a", "bc", "d"));
  bc::Experiment x;
  x.variants = {{0, 30, 0, 0, 0}, {0, 50, 0, 0, 0}, {0, 20, 0, 0, 0}};
  CHECK(bc::variantOfBucket(x, 0) == 0);
  CHECK(bc::variantOfBucket(x, 29) == 0);
  CHECK(bc::variantOfBucket(x, 30) == 1);
  CHECK(bc::variantOfBucket(x, 79) == 1);
  CHECK(bc::variantOfBucket(x, 80) == 2);
  CHECK(bc::variantOfBucket(x, 99) == 2);
}

TEST_CASE("experiments: records needed per variant", "[experiment]") {
  // What `seqc build` prints comes from the statistics library (its own tests check it).
  CHECK(stats::recordsPerVariant({0.10, 0.05, 0.05, 0.8, 2}) == 686);  // the design's check value
  CHECK(stats::recordsPerVariant({0.08, 0.03, 0.05, 0.8, 2}) == 1499);
}

TEST_CASE("experiments: the section round-trips and is verified", "[experiment][bytecode]") {
  bc::Module m = compileExperiment(kExperimentSource);
  REQUIRE(m.experiments.size() == 1);
  const bc::Experiment& x = m.experiments[0];
  CHECK(m.str(x.name) == "Subject");
  REQUIRE(x.variants.size() == 2);
  CHECK(x.variants[0].weight == 50);
  CHECK(x.variants[0].stepBegin == 0);
  CHECK(x.variants[0].stepEnd == 1);
  CHECK(x.variants[1].stepBegin == 1);
  CHECK(x.within == 7 * 86400);
  CHECK(x.metric == bc::MetricKind::Event);
  CHECK(x.event == EngagementEvent::Replied);
  CHECK(m.sequences[0].experimentCount == 1);
  CHECK(m.sequences[0].total == 2);

  std::vector<uint8_t> bytes = bc::write(m);
  bc::Module loaded;
  std::string error;
  REQUIRE(bc::load(bytes.data(), bytes.size(), loaded, error));
  CHECK(bc::write(loaded) == bytes);
  CHECK(loaded.experiments[0].baseline == 0.08);
  CHECK(loaded.sequences[0].experimentCount == 1);

  // Truncated anywhere: rejected, never a crash.
  for (size_t n = 0; n < bytes.size(); ++n) {
    bc::Module cut;
    CHECK_FALSE(bc::load(bytes.data(), n, cut, error));
  }

  SECTION("weights must add up to 100") {
    m.experiments[0].variants[1].weight = 40;
    CHECK_THAT(experimentVerifyError(m), Catch::Contains("weights add up to 90"));
  }
  SECTION("a target must be an instruction of the sequence") {
    m.experiments[0].variants[1].target = m.experiments[0].variants[0].target + 1;
    CHECK_THAT(experimentVerifyError(m), Catch::Contains("is not an instruction"));
  }
  SECTION("a target must be forward") {
    m.experiments[0].variants[1].target = 0;
    CHECK_THAT(experimentVerifyError(m), Catch::Contains("not forward"));
  }
  SECTION("a variant's steps lie in the sequence") {
    m.experiments[0].variants[1].stepEnd = 99;
    CHECK_THAT(experimentVerifyError(m), Catch::Contains("outside the sequence's"));
  }
  SECTION("names are unique") {
    m.experiments[0].variants[1].name = m.experiments[0].variants[0].name;
    CHECK_THAT(experimentVerifyError(m), Catch::Contains("also that of variant 0"));
  }
  SECTION("the operand names an experiment of the sequence") {
    m.sequences[0].experimentCount = 0;
    CHECK_THAT(experimentVerifyError(m), Catch::Contains("experiment 0 out of range"));
  }
}

TEST_CASE("experiments: the interpreter takes a stored variant, else the bucket", "[experiment][interp]") {
  bc::Module m = compileExperiment(kExperimentSource);
  struct Driver : rt::Interpreter::Listener {
    std::vector<std::string> ids{"R1", "R2"};
    std::optional<std::string> stored;
    void manualStep(uint32_t, uint16_t, int32_t) override {}
    void stepDone(uint32_t, uint16_t, int32_t) override {}
    std::string_view recordId(uint32_t r) override { return ids[r]; }
    std::optional<std::string> storedVariant(uint32_t r, std::string_view) override {
      return r == 0 ? stored : std::nullopt;
    }
  } driver;
  auto variantOf = [&](uint32_t r, const rt::Interpreter& in) {
    for (const rt::HistoryEntry& h : in.history())
      if (h.record == r && h.result == rt::Result::Experiment) return std::string(m.str(m.experiments[0].variants[h.variant].name));
    return std::string("none");
  };
  {
    rt::Interpreter in(m, 0, {}, &driver);
    in.addRecords(2, {});
    in.connect(0, 0);
    in.connect(1, 0);
    CHECK(variantOf(0, in) == "plain");     // R1: bucket 27
    CHECK(variantOf(1, in) == "question");  // R2: bucket 60
    // The metric: a reply on the variant's step converts; on the other variant's, not.
    CHECK(in.engage(1, 0, EngagementEvent::Replied, 60) == rt::Refusal::NotSent);
    in.engage(0, 0, EngagementEvent::Replied, 60);
    CHECK(in.experimentRun(0, 0).converted);
    CHECK(in.variantCount(0, 0).converted == 1);
    CHECK(in.variantCount(0, 1).entered == 1);
  }
  {
    driver.stored = "question";  // stored by an earlier run: kept
    rt::Interpreter in(m, 0, {}, &driver);
    in.addRecords(2, {});
    in.connect(0, 0);
    CHECK(variantOf(0, in) == "question");
  }
  {
    driver.stored = "gone";  // a variant this version no longer has: the bucket decides
    rt::Interpreter in(m, 0, {}, &driver);
    in.addRecords(2, {});
    in.connect(0, 0);
    CHECK(variantOf(0, in) == "plain");
  }
}
