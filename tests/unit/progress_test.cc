// The progress bar: shown on terminals only after a moment, forced on or off by the
// flags, never on files; drawn in place and cleared at the end.
#include <catch2/catch.hpp>

#include <pty.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "tools/seqc/progress.h"

using seqc::cli::Progress;

namespace {

struct Pty {
  int master = -1, slave = -1;
  std::FILE* out = nullptr;
  Pty() {
    REQUIRE(openpty(&master, &slave, nullptr, nullptr, nullptr) == 0);
    out = fdopen(slave, "w");
    REQUIRE(out);
  }
  ~Pty() {
    std::fclose(out);
    close(master);
  }
  std::string read() {
    std::fflush(out);
    std::string text(4096, '\0');
    ssize_t n = ::read(master, text.data(), text.size());
    text.resize(n > 0 ? static_cast<size_t>(n) : 0);
    return text;
  }
};

}  // namespace

TEST_CASE("progress: a terminal gets the bar once the work has lasted a moment") {
  Pty pty;
  Progress p(Progress::Mode::Auto, pty.out);
  CHECK(p.enabled());
  p.phase("simulating");
  p.update(1, 4);
  CHECK(p.line().empty());  // quick work never flashes a bar
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  p.update(2, 4);
  CHECK(p.line().starts_with("simulating [###############..............."));
  CHECK(p.line().find(" 50% 2/4") != std::string::npos);
  p.clear();
  std::string shown = pty.read();
  CHECK(shown.find("\r" + p.line() + "\x1b[K") != std::string::npos);
  CHECK(shown.ends_with("\r\x1b[K"));  // cleared: the prompt comes back on a clean line
}

TEST_CASE("progress: never on a file or a pipe unless forced, never when disabled") {
  std::FILE* file = std::tmpfile();
  REQUIRE(file);
  {
    Progress p(Progress::Mode::Auto, file);
    CHECK_FALSE(p.enabled());
    p.update(1, 2);
  }
  CHECK(std::ftell(file) == 0);
  {
    Progress p(Progress::Mode::Always, file);
    p.phase("writing");
    p.update(3, 0);  // total unknown: a count, no percentage
    CHECK(p.line().starts_with("writing 3 ("));
  }
  CHECK(std::ftell(file) > 0);
  std::fclose(file);
  Pty pty;
  Progress off(Progress::Mode::Never, pty.out);
  CHECK_FALSE(off.enabled());
}
