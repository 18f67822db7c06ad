// Module helpers shared by every user of the format.
#include <algorithm>

#include "seqc/format/bytecode.h"
#include "seqc/format/step_text.h"

#include <fmt/format.h>

#include "seqc/support/hash.h"
#include "seqc/support/time.h"

namespace seqc::bc {

uint32_t Module::lineAt(uint32_t pc) const {
  auto it = std::upper_bound(lines.begin(), lines.end(), pc,
                             [](uint32_t p, const LineEntry& e) { return p < e.pc; });
  return it == lines.begin() ? 0 : std::prev(it)->line;
}

std::string_view kindName(const Step& s) {
  switch (s.kind) {
    case StepKind::Activity:
      return static_cast<size_t>(s.activity) < kActivityInfo.size() ? info(s.activity).name : "?";
    case StepKind::Wait: return "wait";
    case StepKind::Condition: return "condition";
  }
  return "?";
}

uint32_t experimentBucket(std::string_view record, std::string_view sequence, std::string_view experiment) {
  constexpr std::string_view kZero("\0", 1);
  uint64_t h = fnv1a(experiment, fnv1a(kZero, fnv1a(sequence, fnv1a(kZero, fnv1a(record)))));
  return static_cast<uint32_t>(h % 100);
}

size_t variantOfBucket(const Experiment& x, uint32_t bucket) {
  uint32_t upTo = 0;
  for (size_t i = 0; i < x.variants.size(); ++i) {
    upTo += x.variants[i].weight;
    if (bucket < upTo) return i;
  }
  return x.variants.empty() ? 0 : x.variants.size() - 1;  // weights verified to add up to 100
}

std::string durationText(const Step& s) {
  switch (s.unit) {
    case DurationUnit::Seconds: return formatDuration(s.seconds);
    case DurationUnit::BusinessHours:
      return fmt::format("{} business hour{}", s.seconds, s.seconds == 1 ? "" : "s");
    case DurationUnit::BusinessDays:
      return fmt::format("{} business day{}", s.seconds, s.seconds == 1 ? "" : "s");
  }
  return fmt::format("{} ?", s.seconds);
}

}  // namespace seqc::bc
