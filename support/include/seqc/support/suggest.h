// "Did you mean" for an unknown name, defined once: the checker (unknown fields, steps,
// sequences…), the record readers (unknown columns) and the workspace use it.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

namespace seqc {

// Levenshtein distance: inserting, deleting or replacing one byte costs 1.
size_t editDistance(std::string_view a, std::string_view b);

// The one threshold: a candidate is suggested for `name` when it is at most
// max(1, (n + 2) / 3) edits away, n being name's length in bytes — about one typo per
// three characters, so "statcode" finds "statecode" while a short name ("id", "x")
// never suggests an unrelated one. Before distances, a candidate equal but for ASCII
// case wins (CSV headers are often capitalised: "Email" for "email"). Ties go to the
// earlier candidate, so the answer does not depend on anything but the order given.
// Empty when nothing is close enough.
size_t suggestionLimit(std::string_view name);
std::string_view closestMatch(std::string_view name, std::span<const std::string_view> candidates);

}  // namespace seqc
