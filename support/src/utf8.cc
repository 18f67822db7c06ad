// UTF-8 counting and validation (utf8.h).
#include "seqc/support/utf8.h"

#include <cstdint>
#include <cstring>

namespace seqc::utf8 {

size_t countCodePoints(std::string_view text) {
  size_t n = 0;
  for (unsigned char c : text) n += !isContinuation(c);
  return n;
}

size_t sequenceLength(std::string_view text) {
  if (text.empty()) return 0;
  auto c = static_cast<unsigned char>(text[0]);
  if (c < 0x80) return 1;
  // C0 and C1 only start overlong forms; F5…FF start code points past U+10FFFF.
  size_t n;
  uint32_t cp;
  if (c >= 0xC2 && c <= 0xDF) n = 2, cp = c & 0x1Fu;
  else if (c >= 0xE0 && c <= 0xEF) n = 3, cp = c & 0x0Fu;
  else if (c >= 0xF0 && c <= 0xF4) n = 4, cp = c & 0x07u;
  else return 0;
  if (text.size() < n) return 0;
  for (size_t k = 1; k < n; ++k) {
    auto cc = static_cast<unsigned char>(text[k]);
    if (!isContinuation(cc)) return 0;
    cp = (cp << 6) | (cc & 0x3Fu);
  }
  if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
      (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return n;
}

size_t validPrefix(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    if (static_cast<unsigned char>(text[i]) < 0x80) {
      ++i;
      continue;
    }
    size_t n = sequenceLength(text.substr(i));
    if (n == 0) return i;
    i += n;
  }
  return i;
}

bool isAscii(std::string_view text) {
  uint64_t high = 0;  // a word at a time
  size_t i = 0;
  for (; i + 8 <= text.size(); i += 8) {
    uint64_t word;
    std::memcpy(&word, text.data() + i, 8);
    high |= word;
  }
  for (; i < text.size(); ++i) high |= static_cast<unsigned char>(text[i]);
  return !(high & 0x8080808080808080ULL);
}

std::optional<size_t> validLength(std::string_view text) {
  size_t count = 0;
  for (size_t i = 0; i < text.size(); ++count) {
    // Eight ASCII bytes at once: records' texts are mostly ASCII.
    while (i + 8 <= text.size()) {
      uint64_t word;
      std::memcpy(&word, text.data() + i, 8);
      if (word & 0x8080808080808080ULL) break;
      i += 8;
      count += 8;
    }
    if (i == text.size()) break;
    if (static_cast<unsigned char>(text[i]) < 0x80) {
      ++i;
      continue;
    }
    size_t n = sequenceLength(text.substr(i));
    if (n == 0) return std::nullopt;
    i += n;
  }
  return count;
}

}  // namespace seqc::utf8
