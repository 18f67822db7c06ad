// Source files and locations. A SourceRange is a half-open byte range [begin, end) into
// one file's text; lines and columns (1-based, columns counted in code points) are
// computed on demand from a table of line starts. A leading byte order mark is part of
// the text but of no line (line 1 starts after it).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace seqc {

using FileId = uint32_t;
inline constexpr FileId kNoFile = UINT32_MAX;

struct SourceRange {
  FileId file = kNoFile;
  uint32_t begin = 0;
  uint32_t end = 0;

  bool valid() const { return file != kNoFile; }
  bool contains(const SourceRange& r) const {
    return file == r.file && begin <= r.begin && r.end <= end;
  }
  // The smallest range covering both (same file assumed).
  static SourceRange cover(const SourceRange& a, const SourceRange& b) {
    if (!a.valid()) return b;
    if (!b.valid()) return a;
    return {a.file, std::min(a.begin, b.begin), std::max(a.end, b.end)};
  }
};

struct LineCol {
  uint32_t line = 0;    // 1-based
  uint32_t column = 0;  // 1-based, in code points
};

class SourceFile {
 public:
  SourceFile(std::string path, std::string text);

  const std::string& path() const { return path_; }
  std::string_view text() const { return text_; }
  LineCol lineCol(uint32_t offset) const;
  // The text of a 1-based line, without its line break.
  std::string_view lineText(uint32_t line) const;
  uint32_t lineCount() const { return static_cast<uint32_t>(lineStarts_.size()); }
  uint32_t lineStart(uint32_t line) const { return lineStarts_[line - 1]; }

 private:
  std::string path_;
  std::string text_;
  std::vector<uint32_t> lineStarts_;
};

// Owns every file of a compilation; FileIds index into it.
class SourceManager {
 public:
  FileId add(std::string path, std::string text);
  // Adds a file shared with other managers (the standard library's).
  FileId add(std::shared_ptr<const SourceFile> file);
  const SourceFile& file(FileId id) const { return *files_[id]; }
  std::shared_ptr<const SourceFile> shared(FileId id) const { return files_[id]; }
  size_t size() const { return files_.size(); }

 private:
  std::vector<std::shared_ptr<const SourceFile>> files_;
};

}  // namespace seqc
