// A progress bar on stderr for commands that run for seconds (simulate, records load,
// connect, tick): drawn only when stderr is a terminal and the work has lasted a
// moment, so pipes, files and CI logs never see it; `--progress` / `--no-progress`
// force it on or off.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>

#include <CLI/CLI.hpp>

namespace seqc::cli {

class Progress {
 public:
  enum class Mode { Auto, Always, Never };

  Progress(Mode mode, std::FILE* out = stderr);
  ~Progress();  // clears the bar
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // What is being done now ("simulating"); resets the rate estimate.
  void phase(std::string label);
  // `done` of `total` units (total 0: unknown, no percentage). Cheap: redraws at most
  // ten times a second.
  void update(uint64_t done, uint64_t total);
  // An adapter for the libraries' progress hooks.
  std::function<void(uint64_t, uint64_t)> callback() {
    return [this](uint64_t done, uint64_t total) { update(done, total); };
  }
  // Removes the bar from the terminal (also done by the destructor).
  void clear();
  bool enabled() const { return enabled_; }
  // The line last drawn (for tests).
  const std::string& line() const { return line_; }

 private:
  using Clock = std::chrono::steady_clock;
  void draw(uint64_t done, uint64_t total, Clock::time_point now);

  bool enabled_;
  bool immediate_;  // Always: draw from the first update, not after a delay
  std::FILE* out_;
  std::string label_;
  std::string line_;
  bool shown_ = false;
  Clock::time_point started_, phaseStarted_, lastDraw_;
};

// Adds `--progress` and `--no-progress` to `cmd`; the mode they select is written to `mode`.
void addProgressFlags(CLI::App* cmd, Progress::Mode& mode);

}  // namespace seqc::cli
