// Unsigned LEB128, the variable-length integers of the workspace's stored bytes (field
// numbers and lengths, timer id lists). The bytecode loader has its own reader, which
// also refuses overlong forms (docs/bytecode.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace seqc::leb128 {

// Appends v in one piece (not a push_back per byte).
inline void append(uint64_t v, std::string& out) {
  char bytes[10];
  size_t k = 0;
  do {
    auto byte = static_cast<uint8_t>(v & 0x7F);
    v >>= 7;
    bytes[k++] = static_cast<char>(v ? byte | 0x80 : byte);
  } while (v);
  out.append(bytes, k);
}

// Reads one value at s[at], moving `at` past it; false when s ends inside it or it is
// longer than 64 bits allow.
inline bool read(std::string_view s, size_t& at, uint64_t& out) {
  out = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (at >= s.size()) return false;
    auto b = static_cast<uint8_t>(s[at++]);
    out |= static_cast<uint64_t>(b & 0x7F) << shift;
    if (!(b & 0x80)) return true;
  }
  return false;
}

}  // namespace seqc::leb128
