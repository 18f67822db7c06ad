// .seq string literals and printable lines (quote.h).
#include "seqc/support/quote.h"

#include <fmt/format.h>

#include "seqc/support/utf8.h"

namespace seqc {

std::string quoted(std::string_view text) {
  std::string out = "\"";
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7f)
          out += fmt::format("\\u{{{:x}}}", c);
        else
          out += ch;
    }
  }
  return out + "\"";
}

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if ((c < 0x20 && c != '\t') || c == 0x7f) out += fmt::format("\\u{{{:x}}}", c);
      else out += static_cast<char>(c);
      ++i;
      continue;
    }
    size_t n = utf8::sequenceLength(text.substr(i));
    if (n == 0) {
      out += fmt::format("\\x{:02X}", c);
      ++i;
    } else if (n == 2 && c == 0xC2 && static_cast<unsigned char>(text[i + 1]) < 0xA0) {
      out += fmt::format("\\u{{{:x}}}", static_cast<unsigned char>(text[i + 1]));  // C1: U+0080…U+009F
      i += n;
    } else {
      out.append(text.substr(i, n));
      i += n;
    }
  }
  return out;
}

}  // namespace seqc
