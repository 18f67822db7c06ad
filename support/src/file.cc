#include "seqc/support/file.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sys/stat.h>

#include <fmt/format.h>

namespace seqc {

namespace {

struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// Reads up to `n` bytes; fewer only at the end of the file. -1 on an error.
ssize_t readFully(int fd, char* buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = ::read(fd, buf + got, n - got);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return -1;
    if (r == 0) break;
    got += static_cast<size_t>(r);
  }
  return static_cast<ssize_t>(got);
}

}  // namespace

std::string formatBytes(size_t bytes) {
  if (bytes >= (size_t{1} << 30) && bytes % (size_t{1} << 30) == 0) return fmt::format("{} GiB", bytes >> 30);
  if (bytes >= (size_t{1} << 20) && bytes % (size_t{1} << 20) == 0) return fmt::format("{} MiB", bytes >> 20);
  if (bytes >= (size_t{1} << 10) && bytes % (size_t{1} << 10) == 0) return fmt::format("{} KiB", bytes >> 10);
  return fmt::format("{} bytes", bytes);
}

bool readFile(const std::string& path, const ReadLimits& limits, std::string& out, std::string& error) {
  out.clear();
  auto fail = [&](std::string why) {
    error = fmt::format("cannot read '{}': {}", path, why);
    out.clear();
    out.shrink_to_fit();
    return false;
  };
  if (path.find('\0') != std::string::npos) return fail("the path holds a NUL byte");
  Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0) return fail(std::strerror(errno));
  struct stat st {};
  if (::fstat(f.fd, &st) == 0) {
    if (S_ISDIR(st.st_mode)) return fail("is a directory");
    // A regular file says its size: refuse a large one before reading it.
    if (S_ISREG(st.st_mode) && static_cast<uint64_t>(st.st_size) > limits.maxBytes)
      return fail(fmt::format("is larger than the {} limit", formatBytes(limits.maxBytes)));
    if (S_ISREG(st.st_mode)) out.reserve(static_cast<size_t>(st.st_size) + 1);  // +1: the end probe
  }
  if (!limits.magic.empty()) {
    std::string head(limits.magic.size(), '\0');
    ssize_t got = readFully(f.fd, head.data(), head.size());
    if (got < 0) return fail(std::strerror(errno));
    out.append(head.data(), static_cast<size_t>(got));
    if (out != limits.magic) return true;
  }
  constexpr size_t kChunk = 1 << 16;
  for (;;) {
    size_t at = out.size();
    // Fill what is reserved before growing (geometrically, by the string), and read at
    // most one byte past the limit: that byte shows it is exceeded.
    size_t room = out.capacity() > at ? out.capacity() - at : kChunk;
    size_t want = std::min({room, kChunk, limits.maxBytes + 1 - std::min(at, limits.maxBytes)});
    if (want == 0) want = 1;
    out.resize(at + want);
    ssize_t got = readFully(f.fd, out.data() + at, want);
    if (got < 0) return fail(std::strerror(errno));
    out.resize(at + static_cast<size_t>(got));
    if (limits.text) {
      if (const void* nul = std::memchr(out.data() + at, '\0', static_cast<size_t>(got)))
        return fail(fmt::format("is not text: a NUL byte at offset {}",
                                static_cast<const char*>(nul) - out.data()));
    }
    if (out.size() > limits.maxBytes)
      return fail(fmt::format("is larger than the {} limit", formatBytes(limits.maxBytes)));
    if (static_cast<size_t>(got) < want) break;
  }
  if (out.capacity() - out.size() > out.size() / 4) out.shrink_to_fit();
  return true;
}

}  // namespace seqc
