// Module helpers shared by every user of the format.
#include <algorithm>

#include "seqc/format/bytecode.h"

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

}  // namespace seqc::bc
