// A text spelled as a .seq string literal, defined once: the disassembler, the language
// server, the workspace and `seqc graph` show strings this way.
#pragma once

#include <string>
#include <string_view>

namespace seqc {

// `text` in double quotes with `"`, `\`, newline and tab escaped and other control bytes
// as \u{HEX}; everything else (UTF-8 included) as is. Call it as seqc::quoted: for a
// std::string argument, unqualified lookup finds std::quoted first (ADL).
std::string quoted(std::string_view text);

}  // namespace seqc
