// Language-server latency benchmark (not a test): starts `seqc lsp` (next to this
// binary) on pipes, opens a generated file of LINES lines, then makes RUNS incremental
// edits (a step title changes, one character) and times each didChange until its
// publishDiagnostics arrives. Prints the median, p95 and max.
// Usage: bench_lsp [LINES] [RUNS]
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "bench/generate.h"

extern char** environ;

using nlohmann::json;

namespace {

struct Pipe {
  int in = -1, out = -1;  // write to the server, read from it
  std::string buffer;

  void send(const json& m) {
    std::string body = m.dump();
    std::string msg = fmt::format("Content-Length: {}\r\n\r\n{}", body.size(), body);
    for (size_t done = 0; done < msg.size();) {
      ssize_t w = ::write(in, msg.data() + done, msg.size() - done);
      if (w <= 0) std::exit(1);
      done += static_cast<size_t>(w);
    }
  }
  json receive() {
    for (;;) {
      size_t hdr = buffer.find("\r\n\r\n");
      if (hdr != std::string::npos) {
        size_t len = std::stoul(buffer.substr(16, hdr - 16));
        if (buffer.size() >= hdr + 4 + len) {
          json m = json::parse(buffer.substr(hdr + 4, len));
          buffer.erase(0, hdr + 4 + len);
          return m;
        }
      }
      char chunk[65536];
      ssize_t r = ::read(out, chunk, sizeof chunk);
      if (r <= 0) {
        std::fputs("bench_lsp: the server closed its output\n", stderr);
        std::exit(1);
      }
      buffer.append(chunk, static_cast<size_t>(r));
    }
  }
};

}  // namespace

int main(int argc, char** argv) {
  size_t lines = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 1000;
  int runs = argc > 2 ? std::atoi(argv[2]) : 100;
  std::string seqc = (std::filesystem::path(argv[0]).parent_path() / "seqc").string();

  int toServer[2], fromServer[2];
  if (pipe(toServer) != 0 || pipe(fromServer) != 0) return 1;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, toServer[0], 0);
  posix_spawn_file_actions_adddup2(&fa, fromServer[1], 1);
  posix_spawn_file_actions_addclose(&fa, toServer[1]);
  posix_spawn_file_actions_addclose(&fa, fromServer[0]);
  std::string lsp = "lsp";
  char* args[] = {seqc.data(), lsp.data(), nullptr};
  pid_t pid;
  if (posix_spawn(&pid, seqc.c_str(), &fa, nullptr, args, environ) != 0) {
    std::fprintf(stderr, "bench_lsp: cannot start %s\n", seqc.c_str());
    return 1;
  }
  close(toServer[0]);
  close(fromServer[1]);
  Pipe p{toServer[1], fromServer[0], {}};

  std::string text = seqc::bench::generateSequences(lines);
  size_t actual = static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
  std::string uri = "file:///tmp/seqc-bench-lsp/generated.seq";
  p.send({{"jsonrpc", "2.0"}, {"id", 1}, {"method", "initialize"}, {"params", {{"capabilities", json::object()}}}});
  while (!p.receive().contains("id")) {
  }
  p.send({{"jsonrpc", "2.0"}, {"method", "initialized"}, {"params", json::object()}});
  p.send({{"jsonrpc", "2.0"},
          {"method", "textDocument/didOpen"},
          {"params", {{"textDocument", {{"uri", uri}, {"languageId", "seq"}, {"version", 1}, {"text", text}}}}}});
  auto waitFor = [&](int version) {
    for (;;) {
      json m = p.receive();
      if (m.value("method", "") == "textDocument/publishDiagnostics" && m["params"]["version"] == version)
        return m["params"]["diagnostics"].size();
    }
  };
  if (size_t n = waitFor(1); n != 0) {
    std::fprintf(stderr, "bench_lsp: the generated file has %zu diagnostics\n", n);
    return 1;
  }
  // Line 3 is `  e0: auto email "Touch 0" …`: edit the digit of the title in place,
  // halfway through the file's sequences too.
  std::vector<double> ms;
  for (int r = 0; r < runs; ++r) {
    int line = (r % 2 == 0) ? 3 : static_cast<int>(actual / 2 / 42 * 42 + 3);
    json range = {{"start", {{"line", line}, {"character", 26}}}, {"end", {{"line", line}, {"character", 27}}}};
    auto t0 = std::chrono::steady_clock::now();
    p.send({{"jsonrpc", "2.0"},
            {"method", "textDocument/didChange"},
            {"params",
             {{"textDocument", {{"uri", uri}, {"version", r + 2}}},
              {"contentChanges", {{{"range", range}, {"text", std::to_string(r % 10)}}}}}}});
    waitFor(r + 2);
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  p.send({{"jsonrpc", "2.0"}, {"id", 2}, {"method", "shutdown"}});
  p.send({{"jsonrpc", "2.0"}, {"method", "exit"}});
  int status = 0;
  waitpid(pid, &status, 0);

  std::sort(ms.begin(), ms.end());
  auto pct = [&](double q) { return ms[std::min(ms.size() - 1, static_cast<size_t>(q * static_cast<double>(ms.size())))]; };
  std::printf("lsp didChange -> publishDiagnostics: %zu lines, %zu bytes, %d edits: median %.1f ms, p95 %.1f ms, max %.1f ms (server exit %d)\n",
              actual, text.size(), runs, pct(0.5), pct(0.95), ms.back(), WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  return 0;
}
