// The progress bar (progress.h).
#include "tools/seqc/progress.h"

#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

namespace seqc::cli {

namespace {

// Long enough that quick commands never flash a bar.
constexpr auto kDelay = std::chrono::milliseconds(500);
constexpr auto kInterval = std::chrono::milliseconds(100);
constexpr int kBarWidth = 30;

bool terminal(std::FILE* out) {
  const char* term = std::getenv("TERM");
  return isatty(fileno(out)) && !(term && std::strcmp(term, "dumb") == 0);
}

std::string duration(double seconds) {
  auto s = static_cast<long>(seconds + 0.5);
  if (s < 60) return fmt::format("{}s", s);
  if (s < 3600) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}h{:02}m", s / 3600, (s / 60) % 60);
}

}  // namespace

Progress::Progress(Mode mode, std::FILE* out)
    : enabled_(mode == Mode::Always || (mode == Mode::Auto && terminal(out))),
      immediate_(mode == Mode::Always), out_(out), started_(Clock::now()), phaseStarted_(started_) {}

Progress::~Progress() { clear(); }

void Progress::phase(std::string label) {
  label_ = std::move(label);
  phaseStarted_ = Clock::now();
}

void Progress::update(uint64_t done, uint64_t total) {
  if (!enabled_) return;
  auto now = Clock::now();
  if (!immediate_ && now - started_ < kDelay) return;
  if (shown_ && now - lastDraw_ < kInterval && done != total) return;
  draw(done, total, now);
}

void Progress::draw(uint64_t done, uint64_t total, Clock::time_point now) {
  lastDraw_ = now;
  double elapsed = std::chrono::duration<double>(now - phaseStarted_).count();
  if (total > 0) {
    double f = std::min(1.0, static_cast<double>(done) / static_cast<double>(total));
    int filled = static_cast<int>(f * kBarWidth);
    std::string eta = done > 0 && done < total ? " ETA " + duration(elapsed / f - elapsed) : "";
    line_ = fmt::format("{} [{}{}] {:3.0f}% {}/{}{}", label_, std::string(static_cast<size_t>(filled), '#'),
                        std::string(static_cast<size_t>(kBarWidth - filled), '.'), f * 100, done, total, eta);
  } else {
    line_ = fmt::format("{} {} ({})", label_, done, duration(elapsed));
  }
  // \r and "erase to end of line": the bar redraws in place.
  std::fprintf(out_, "\r%s\x1b[K", line_.c_str());
  std::fflush(out_);
  shown_ = true;
}

void Progress::clear() {
  if (!shown_) return;
  std::fputs("\r\x1b[K", out_);
  std::fflush(out_);
  shown_ = false;
}

void addProgressFlags(CLI::App* cmd, Progress::Mode& mode) {
  auto* on = cmd->add_flag_callback("--progress", [&mode] { mode = Progress::Mode::Always; },
                                    "show a progress bar on stderr even when it is not a terminal");
  auto* off = cmd->add_flag_callback("--no-progress", [&mode] { mode = Progress::Mode::Never; },
                                     "never show a progress bar");
  on->excludes(off);
}

}  // namespace seqc::cli
