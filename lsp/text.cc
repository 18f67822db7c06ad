// Position conversion, range edits and URIs for the language server (text.h).
#include "lsp/text.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "seqc/support/utf8.h"

namespace seqc::lsp {

namespace {

// Bytes of the code point at the start of `text`; an invalid byte counts as one code
// point of its own (one UTF-16 unit), so positions still move forward in broken text.
uint32_t codePointBytes(std::string_view text) {
  return static_cast<uint32_t>(std::max<size_t>(1, utf8::sequenceLength(text)));
}

}  // namespace

LineIndex::LineIndex(std::string_view text) : text_(text) {
  starts_.push_back(0);
  for (uint32_t i = 0; i < text.size(); ++i)
    if (text[i] == '\n') starts_.push_back(i + 1);
}

std::string_view LineIndex::lineText(uint32_t line) const {
  uint32_t b = starts_[line];
  uint32_t e = line + 1 < starts_.size() ? starts_[line + 1] - 1 : static_cast<uint32_t>(text_.size());
  if (e > b && text_[e - 1] == '\r') --e;
  return text_.substr(b, e - b);
}

uint32_t LineIndex::offsetAt(Position p, PositionEncoding enc) const {
  if (p.line >= starts_.size()) return static_cast<uint32_t>(text_.size());
  std::string_view line = lineText(p.line);
  uint32_t units = 0, i = 0;
  while (i < line.size()) {
    uint32_t len = codePointBytes(line.substr(i));
    uint32_t width = enc == PositionEncoding::Utf8 ? len : (len == 4 ? 2 : 1);
    if (units + width > p.character) break;  // inside this code point: its start
    units += width;
    i += len;
  }
  return starts_[p.line] + i;
}

Position LineIndex::positionAt(uint32_t offset, PositionEncoding enc) const {
  offset = std::min<uint32_t>(offset, static_cast<uint32_t>(text_.size()));
  auto it = std::upper_bound(starts_.begin(), starts_.end(), offset);
  uint32_t line = static_cast<uint32_t>(it - starts_.begin()) - 1;
  std::string_view text = lineText(line);
  uint32_t end = std::min<uint32_t>(offset - starts_[line], static_cast<uint32_t>(text.size()));
  uint32_t units = 0, i = 0;
  while (i < end) {
    uint32_t len = codePointBytes(text.substr(i));
    if (i + len > end) break;  // an offset inside a code point: its start
    units += enc == PositionEncoding::Utf8 ? len : (len == 4 ? 2 : 1);
    i += len;
  }
  return {line, units};
}

void applyEdit(std::string& text, uint32_t begin, uint32_t end, std::string_view replacement) {
  size_t b = std::min<size_t>(begin, text.size());
  size_t e = std::clamp<size_t>(end, b, text.size());
  text.replace(b, e - b, replacement);
}

std::string uriToPath(std::string_view uri) {
  constexpr std::string_view kFile = "file://";
  if (uri.substr(0, kFile.size()) != kFile) return std::string(uri);
  std::string_view rest = uri.substr(kFile.size());
  // file://host/path: keep the path (the host is localhost or empty in practice).
  if (size_t slash = rest.find('/'); slash != std::string_view::npos) rest = rest.substr(slash);
  std::string out;
  for (size_t i = 0; i < rest.size(); ++i) {
    auto hex = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    if (rest[i] == '%' && i + 2 < rest.size() && hex(rest[i + 1]) >= 0 && hex(rest[i + 2]) >= 0) {
      out += static_cast<char>(hex(rest[i + 1]) * 16 + hex(rest[i + 2]));
      i += 2;
    } else if (rest[i] == '?' || rest[i] == '#') {
      break;
    } else {
      out += rest[i];
    }
  }
  return out;
}

std::string pathToUri(std::string_view path) {
  std::error_code ec;
  std::string abs = std::filesystem::absolute(std::filesystem::path(path), ec).lexically_normal().string();
  if (ec) abs = std::string(path);
  std::string out = "file://";
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (unsigned char c : abs) {
    if (std::isalnum(c) || c == '/' || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace seqc::lsp
