// .seq string literals (quote.h).
#include "seqc/support/quote.h"

#include <fmt/format.h>

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

}  // namespace seqc
