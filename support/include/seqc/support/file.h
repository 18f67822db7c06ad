// Reading an input file whole, bounded: every file seqc reads from a user has a size
// limit, and memory follows the file's size, not the limit.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace seqc {

struct ReadLimits {
  size_t maxBytes;             // larger is an error
  std::string_view magic;      // when set: a file not beginning with it is read no further
  bool text = false;           // a NUL byte is an error (binary data, /dev/zero)
};

// Reads `path` into `out` in chunks (pipes and /proc files report no size), stopping at
// the first thing wrong: an input without end at the limit, a NUL byte at the chunk that
// shows it. False with `error` ("cannot read 'PATH': why"). A wrong magic number is not an error
// here: `out` holds the bytes that show it, for the caller's decoder to report.

bool readFile(const std::string& path, const ReadLimits& limits, std::string& out, std::string& error);

// "16 MiB", "1.5 GiB": a limit as error messages and docs state it.
std::string formatBytes(size_t bytes);

}  // namespace seqc
