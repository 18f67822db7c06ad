// Line tables and code-point columns for SourceFile.
#include "compiler/source.h"

#include <algorithm>

#include "seqc/support/utf8.h"

namespace seqc {

SourceFile::SourceFile(std::string path, std::string text)
    : path_(std::move(path)), text_(std::move(text)) {
  // A byte order mark is in no line: columns and snippets start after it.
  lineStarts_.push_back(utf8::startsWithBom(text_) ? static_cast<uint32_t>(utf8::kBom.size()) : 0);
  for (uint32_t i = 0; i < text_.size(); ++i)
    if (text_[i] == '\n') lineStarts_.push_back(i + 1);
}

LineCol SourceFile::lineCol(uint32_t offset) const {
  offset = std::clamp<uint32_t>(offset, lineStarts_[0], static_cast<uint32_t>(text_.size()));
  auto it = std::upper_bound(lineStarts_.begin(), lineStarts_.end(), offset);
  uint32_t line = static_cast<uint32_t>(it - lineStarts_.begin());
  uint32_t start = lineStarts_[line - 1];
  uint32_t column = 1 + static_cast<uint32_t>(
                            utf8::countCodePoints(std::string_view(text_).substr(start, offset - start)));
  return {line, column};
}

std::string_view SourceFile::lineText(uint32_t line) const {
  if (line == 0 || line > lineStarts_.size()) return {};
  uint32_t start = lineStarts_[line - 1];
  uint32_t end = line < lineStarts_.size() ? lineStarts_[line] - 1 : static_cast<uint32_t>(text_.size());
  std::string_view s = std::string_view(text_).substr(start, end - start);
  if (!s.empty() && s.back() == '\r') s.remove_suffix(1);
  return s;
}

FileId SourceManager::add(std::string path, std::string text) {
  return add(std::make_shared<const SourceFile>(std::move(path), std::move(text)));
}

FileId SourceManager::add(std::shared_ptr<const SourceFile> file) {
  files_.push_back(std::move(file));
  return static_cast<FileId>(files_.size() - 1);
}

}  // namespace seqc
