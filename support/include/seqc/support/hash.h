// FNV-1a, 64 bits: the one hash whose values are stored or shape stored data (experiment
// buckets in bytecode, a record's tick bucket in the workspace), so it must never change.
#pragma once

#include <cstdint>
#include <string_view>

namespace seqc {

inline constexpr uint64_t kFnv1aOffset = 0xcbf29ce484222325ull;

// `h` continues an earlier hash: fnv1a(b, fnv1a(a)) is the hash of a then b.
constexpr uint64_t fnv1a(std::string_view text, uint64_t h = kFnv1aOffset) {
  for (unsigned char c : text) h = (h ^ c) * 0x100000001b3ull;
  return h;
}

}  // namespace seqc
