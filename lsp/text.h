// Text positions for the language server: LSP positions (line, character) in UTF-16
// code units (the protocol's default) or UTF-8 bytes, converted to and from byte
// offsets; range edits for incremental sync; file:// URIs.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace seqc::lsp {

enum class PositionEncoding : uint8_t { Utf16, Utf8 };

struct Position {
  uint32_t line = 0;       // 0-based
  uint32_t character = 0;  // 0-based, in code units of the negotiated encoding
  bool operator==(const Position&) const = default;
};

// A table of line starts over a text (which it does not own). Lines end at "\n";
// a "\r" before it belongs to the line break. Out-of-range positions clamp: a line
// past the end is the end of the text, a character past the end of its line is the
// end of the line, and a character inside a UTF-16 surrogate pair or a UTF-8 sequence
// is the start of that code point.
class LineIndex {
 public:
  explicit LineIndex(std::string_view text);

  uint32_t offsetAt(Position p, PositionEncoding enc) const;
  Position positionAt(uint32_t offset, PositionEncoding enc) const;
  uint32_t lineCount() const { return static_cast<uint32_t>(starts_.size()); }

 private:
  std::string_view lineText(uint32_t line) const;  // without its line break
  std::string_view text_;
  std::vector<uint32_t> starts_;
};

// Replaces [begin, end) of `text` by `replacement` (offsets clamped, begin <= end).
void applyEdit(std::string& text, uint32_t begin, uint32_t end, std::string_view replacement);

// file:///a%20b/c.seq <-> /a b/c.seq. A URI of another scheme maps to a path under
// no directory ("untitled:x" -> "untitled:x"), so it still names a compilation.
std::string uriToPath(std::string_view uri);
std::string pathToUri(std::string_view path);

}  // namespace seqc::lsp
