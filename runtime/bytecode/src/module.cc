// Module helpers shared by every user of the format.
#include <algorithm>

#include "seqc/format/bytecode.h"
#include "seqc/format/step_text.h"

#include <fmt/format.h>

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
