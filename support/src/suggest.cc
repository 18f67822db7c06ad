// Edit distance and "did you mean" (suggest.h).
#include "seqc/support/suggest.h"

#include <algorithm>
#include <vector>

namespace seqc {

namespace {

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool equalsIgnoringCase(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](char x, char y) { return lower(x) == lower(y); });
}

}  // namespace

size_t editDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

size_t suggestionLimit(std::string_view name) { return std::max<size_t>(1, (name.size() + 2) / 3); }

std::string_view closestMatch(std::string_view name, std::span<const std::string_view> candidates) {
  for (std::string_view c : candidates)
    if (equalsIgnoringCase(c, name)) return c;
  std::string_view best;
  size_t bestDistance = suggestionLimit(name) + 1;  // accepted: below
  for (std::string_view c : candidates) {
    // The distance is at least the difference in length: skip without computing it
    // (this also bounds the work for a very long name against short candidates).
    size_t gap = c.size() > name.size() ? c.size() - name.size() : name.size() - c.size();
    if (gap >= bestDistance) continue;
    size_t d = editDistance(name, c);
    if (d < bestDistance) bestDistance = d, best = c;
  }
  return best;
}

}  // namespace seqc
