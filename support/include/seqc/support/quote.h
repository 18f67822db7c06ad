// A text spelled as a .seq string literal, defined once: the disassembler, the language
// server, the workspace and `seqc graph` show strings this way. And any text made safe
// for a terminal line (diagnostics show source lines and paths this way).
#pragma once

#include <string>
#include <string_view>

namespace seqc {

// `text` in double quotes with `"`, `\`, newline and tab escaped and other control bytes
// as \u{HEX}; everything else (UTF-8 included) as is. Call it as seqc::quoted: for a
// std::string argument, unqualified lookup finds std::quoted first (ADL).
std::string quoted(std::string_view text);

// `text` as one printable line: control characters (C0 but tab, DEL, C1) as \u{HEX}, each
// byte that is not part of valid UTF-8 as \xHH; everything else as is. A NUL would cut a
// C string short, and raw control bytes or stray bytes would garble the terminal.
std::string printable(std::string_view text);

}  // namespace seqc
