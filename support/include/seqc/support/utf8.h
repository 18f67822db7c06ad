// UTF-8 as every part of seqc reads it, defined once. Valid means strict RFC 3629: no
// overlong forms, no surrogates (U+D800…U+DFFF), nothing past U+10FFFF, no truncated
// sequence — what the JSON writers accept and the ANTLR runtime does not throw on.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace seqc::utf8 {

// The byte order mark some editors write first; .seq sources may begin with it.
inline constexpr std::string_view kBom = "\xEF\xBB\xBF";
inline bool startsWithBom(std::string_view text) { return text.substr(0, kBom.size()) == kBom; }

// A continuation byte (10xxxxxx): never the start of a code point.
constexpr bool isContinuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// Code points of valid UTF-8 (bytes that are not continuation bytes). On invalid text
// each stray byte counts as one, which is what display widths want.
size_t countCodePoints(std::string_view text);

// Bytes of the valid sequence `text` starts with (1 for ASCII, up to 4); 0 when `text`
// is empty or starts with an invalid one.
size_t sequenceLength(std::string_view text);

// Bytes of the longest valid prefix of `text`: text.size() when it is all valid, else
// the offset of the first invalid sequence (where to point a diagnostic).
size_t validPrefix(std::string_view text);

inline bool isValid(std::string_view text) { return validPrefix(text) == text.size(); }

// Code points of `text` when it is valid, nullopt otherwise.
std::optional<size_t> validLength(std::string_view text);
// Whether every byte is ASCII (so the text is valid UTF-8, a character a byte).
bool isAscii(std::string_view text);

}  // namespace seqc::utf8
