// Simulation benchmark (not a test): compiles an example, generates records in memory
// and runs them through the bytecode simulator (rt::Simulator) and through a
// tree-walking evaluator of the same AST (bench/tree_walk.h) with the same behaviour
// model and seed. Prints plain "name: value unit" lines for docs/performance.md.
//
// Usage: bench_simulate [RECORDS=1000000] [--example FILE.seq] [--sequence NAME]
//                       [--model MODEL.json] [--seed N] [--repeat K] [--no-tree-walk]
//                       [--only-bytecode]
//   --repeat K: the main runs are repeated K times (default 3); the fastest is reported.
//   --only-bytecode: one bytecode run (history on) and nothing else, e.g. under perf.
//
// Every measured run happens in a forked child, so each starts from the same heap and
// its RSS growth and peak (VmHWM, reset through /proc/self/clear_refs) are its own.
// Runs are single-threaded; times are std::chrono::steady_clock wall times.
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "bench/tree_walk.h"
#include "compiler/driver.h"
#include "seqc/sim/simulator.h"
#include "seqc/support/time.h"

namespace fs = std::filesystem;
using namespace seqc;

namespace {

// ---- process memory -----------------------------------------------------------------

// A "VmXXX:" line of /proc/self/status, in bytes.
long statusBytes(const char* key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  size_t n = std::strlen(key);
  while (std::getline(in, line))
    if (line.compare(0, n, key) == 0) return std::strtol(line.c_str() + n + 1, nullptr, 10) * 1024;
  return -1;
}
long rss() { return statusBytes("VmRSS"); }
long peakRss() { return statusBytes("VmHWM"); }
// Resets VmHWM to the current RSS (Linux ≥ 4.0); false when not permitted.
bool resetPeak() {
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
  out.flush();
  return static_cast<bool>(out);
}

double seconds(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// CPU time of the process: unlike wall time, not inflated when other work shares the cores.
double cpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

std::string loadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

// ---- the program ----------------------------------------------------------------------

struct Compiled {
  std::unique_ptr<Compilation> compilation;
  bc::Module module;
  uint32_t sequence = 0;
  const ast::Sequence* decl = nullptr;
};

bool compile(const std::string& path, const std::string& stdlib, Compiled& out, std::string& error) {
  CompileResult r = compileFile(path, CompileOptions{stdlib});
  if (!r.ok) {
    error = r.diagnosticsText() + r.error;
    return false;
  }
  out.compilation = std::move(r.compilation);
  out.module = std::move(r.module);
  return true;
}

// A path given relative to the working directory, else to the source tree.
std::string locate(const std::string& path) {
#ifdef SEQC_SOURCE_DIR
  if (!fs::exists(path) && fs::path(path).is_relative() && fs::exists(fs::path(SEQC_SOURCE_DIR) / path))
    return (fs::path(SEQC_SOURCE_DIR) / path).string();
#endif
  return path;
}

// ---- records ----------------------------------------------------------------------------

uint64_t mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

struct Records {
  std::vector<std::string> ids;
  std::vector<rt::Value> values;  // row-major, one per module field
};

// `n` records with a value for every field of the sequence's entity the code touches:
// `statecode` is "Open" (or "Active") so that `exit when … statecode …` keeps them;
// other choices, numbers and dates vary by record, bools are false, strings missing.
Records generate(const bc::Module& m, uint32_t sequence, size_t n, int64_t start) {
  const bc::Sequence& seq = m.sequences[sequence];
  size_t width = m.fields.size();
  Records out;
  out.ids.reserve(n);
  out.values.resize(n * width);
  for (size_t r = 0; r < n; ++r) {
    out.ids.push_back(fmt::format("R-{}", r));
    for (size_t f = 0; f < width; ++f) {
      const bc::Field& field = m.fields[f];
      if (field.entity != seq.entity) continue;
      uint64_t h = mix(r * 1315423911u + f);
      rt::Value& v = out.values[r * width + f];
      switch (field.type) {
        case bc::ValueType::Choice: {
          if (field.options.empty()) break;
          int64_t value = field.options[h % field.options.size()].value;
          if (m.str(field.name) == "statecode") {
            value = field.options.front().value;
            for (const bc::Option& o : field.options)
              if (m.str(o.label) == "Open" || m.str(o.label) == "Active") value = o.value;
          }
          v = rt::Value::integer(value);
          break;
        }
        case bc::ValueType::Bool: v = rt::Value::boolean(false); break;
        case bc::ValueType::Int: v = rt::Value::integer(static_cast<int64_t>(h % 1000)); break;
        case bc::ValueType::Decimal: v = rt::Value::decimal(static_cast<double>(h % 10000) / 100); break;
        case bc::ValueType::Money: v = rt::Value::money(static_cast<int64_t>(h % 200000) * rt::kMoneyScale); break;
        case bc::ValueType::Date:
          v = rt::Value::date(start / seqc::kSecondsPerDay - static_cast<int64_t>(h % 60));
          break;
        case bc::ValueType::DateTime:
          v = rt::Value::datetime(start - static_cast<int64_t>(h % (60 * seqc::kSecondsPerDay)));
          break;
        default: break;  // strings, ids, lookups, durations: missing
      }
    }
  }
  return out;
}

// ---- one measured run ----------------------------------------------------------------------

struct Outcome {
  bool ok = false;
  size_t records = 0;
  uint64_t steps = 0;
  double setup = 0;  // constructing the engine and adding the records
  double run = 0;    // run()
  double setupCpu = 0, runCpu = 0;  // the same in CPU time
  size_t stateBytes = 0;  // bytecode: sim.stateBytesPerRecord() (besides field values)
  size_t withFields = 0;  // bytecode: sim.bytesPerRecord()
  long rssBefore = 0, rssAfter = 0, peak = 0;
  bool peakReset = false;
  std::array<uint64_t, 6> statuses{};
  uint64_t history = 0, progress = 0;
  int64_t end = 0;
};

// Runs `fn` in a forked child and returns what it filled in.
Outcome isolated(const std::function<void(Outcome&)>& fn) {
  std::fflush(stdout);
  int pipefd[2];
  if (pipe(pipefd) != 0) return {};
  pid_t pid = fork();
  if (pid == 0) {
    close(pipefd[0]);
    Outcome o;
    o.peakReset = resetPeak();
    o.rssBefore = rss();
    fn(o);
    o.ok = true;
    ssize_t w = write(pipefd[1], &o, sizeof o);
    _exit(w == static_cast<ssize_t>(sizeof o) ? 0 : 1);
  }
  close(pipefd[1]);
  Outcome o;
  ssize_t got = read(pipefd[0], &o, sizeof o);
  close(pipefd[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (got != static_cast<ssize_t>(sizeof o)) o.ok = false;
  return o;
}

struct Config {
  const Compiled* program;
  const rt::Model* model;
  uint64_t seed;
  int64_t start;
};

Outcome runBytecode(const Config& c, size_t n, bool history) {
  return isolated([&](Outcome& o) {
    const bc::Module& m = c.program->module;
    Records in = generate(m, c.program->sequence, n, c.start);
    rt::SimOptions opts;
    opts.start = c.start;
    opts.model = c.model;
    opts.seed = c.seed;
    opts.history = history;
    double c0 = cpuSeconds();
    auto t0 = std::chrono::steady_clock::now();
    rt::Simulator sim(m, c.program->sequence, opts);
    sim.addRecords(in.ids, std::move(in.values));
    auto t1 = std::chrono::steady_clock::now();
    double c1 = cpuSeconds();
    in = Records();  // the simulator keeps its own copies
    double c2 = cpuSeconds();
    auto t2 = std::chrono::steady_clock::now();
    sim.run();
    auto t3 = std::chrono::steady_clock::now();
    double c3 = cpuSeconds();
    o.rssAfter = rss();
    o.peak = peakRss();
    o.records = sim.recordCount();
    o.steps = sim.stepsExecuted();
    o.setup = seconds(t0, t1);
    o.run = seconds(t2, t3);
    o.setupCpu = c1 - c0;
    o.runCpu = c3 - c2;
    o.stateBytes = sim.stateBytesPerRecord();
    o.withFields = sim.bytesPerRecord();
    for (uint32_t r = 0; r < sim.recordCount(); ++r) {
      ++o.statuses[static_cast<size_t>(sim.state(r).status)];
      o.progress += sim.state(r).progress;
    }
    o.history = sim.historyByRecord().size();
    o.end = sim.end() - sim.start();
  });
}

Outcome runTreeWalk(const Config& c, size_t n, bool history) {
  return isolated([&](Outcome& o) {
    const bc::Module& m = c.program->module;
    const bc::Sequence& seq = m.sequences[c.program->sequence];
    Records in = generate(m, c.program->sequence, n, c.start);
    // The walker gets the same values, keyed by field name.
    std::vector<std::string> names;
    std::vector<rt::Value> values;
    values.reserve(n * m.fields.size());
    std::vector<size_t> columns;
    for (size_t f = 0; f < m.fields.size(); ++f)
      if (m.fields[f].entity == seq.entity) {
        names.emplace_back(m.str(m.fields[f].name));
        columns.push_back(f);
      }
    for (size_t r = 0; r < n; ++r)
      for (size_t f : columns) values.push_back(in.values[r * m.fields.size() + f]);
    double c0 = cpuSeconds();
    auto t0 = std::chrono::steady_clock::now();
    bench::TreeWalker walker(*c.program->decl, c.start, c.model, c.seed, history);
    walker.addRecords(in.ids, names, values);
    auto t1 = std::chrono::steady_clock::now();
    double c1 = cpuSeconds();
    in = Records();
    values = {};
    double c2 = cpuSeconds();
    auto t2 = std::chrono::steady_clock::now();
    walker.run();
    auto t3 = std::chrono::steady_clock::now();
    double c3 = cpuSeconds();
    o.rssAfter = rss();
    o.peak = peakRss();
    o.records = walker.recordCount();
    o.steps = walker.stepsExecuted();
    o.setup = seconds(t0, t1);
    o.run = seconds(t2, t3);
    o.setupCpu = c1 - c0;
    o.runCpu = c3 - c2;
    o.statuses = walker.statusCounts();
    o.history = walker.historyEntries();
    o.progress = walker.progressTotal();
    o.end = walker.end();
  });
}

// ---- output -------------------------------------------------------------------------------

void line(const std::string& name, const std::string& value) { std::printf("%s: %s\n", name.c_str(), value.c_str()); }

std::string mb(long bytes) { return fmt::format("{:.1f} MB", static_cast<double>(bytes) / (1 << 20)); }

double growthPerRecord(const Outcome& o) {
  return o.records ? static_cast<double>(o.rssAfter - o.rssBefore) / static_cast<double>(o.records) : 0;
}

void report(const std::string& p, const Outcome& o, bool stateBytes) {
  if (!o.ok) {
    line(p + ".error", "the measuring child process failed");
    return;
  }
  line(p + ".records", fmt::format("{}", o.records));
  line(p + ".record_steps", fmt::format("{}", o.steps));
  line(p + ".setup_time", fmt::format("{:.3f} s", o.setup));
  line(p + ".run_time", fmt::format("{:.3f} s", o.run));
  line(p + ".total_time", fmt::format("{:.3f} s", o.setup + o.run));
  line(p + ".record_steps_per_s", fmt::format("{:.0f} steps/s", static_cast<double>(o.steps) / o.run));
  line(p + ".record_steps_per_s_total",
       fmt::format("{:.0f} steps/s", static_cast<double>(o.steps) / (o.setup + o.run)));
  line(p + ".ns_per_record_step", fmt::format("{:.1f} ns", o.run * 1e9 / static_cast<double>(o.steps)));
  line(p + ".setup_cpu_time", fmt::format("{:.3f} s", o.setupCpu));
  line(p + ".run_cpu_time", fmt::format("{:.3f} s", o.runCpu));
  line(p + ".record_steps_per_cpu_s", fmt::format("{:.0f} steps/s", static_cast<double>(o.steps) / o.runCpu));
  if (stateBytes) {
    line(p + ".state_bytes_per_record", fmt::format("{} B (besides field values)", o.stateBytes));
    line(p + ".state_and_field_bytes_per_record", fmt::format("{} B", o.withFields));
  }
  line(p + ".rss_growth_per_record", fmt::format("{:.1f} B", growthPerRecord(o)));
  line(p + ".rss_growth", mb(o.rssAfter - o.rssBefore));
  line(p + ".peak_rss", mb(o.peak) + (o.peakReset ? "" : " (VmHWM could not be reset)"));
  std::string statuses;
  for (size_t s = 0; s < o.statuses.size(); ++s)
    if (o.statuses[s]) statuses += fmt::format("{}{} {}", statuses.empty() ? "" : ", ", rt::kStatusNames[s], o.statuses[s]);
  line(p + ".statuses", statuses);
  line(p + ".history_entries", fmt::format("{}", o.history));
  line(p + ".simulated_days", fmt::format("{:.1f} d", static_cast<double>(o.end) / 86400));
}

// The fastest of `k` runs (wall time): the one least disturbed by other work.
Outcome best(int k, const std::function<Outcome()>& fn) {
  Outcome out = fn();
  for (int i = 1; i < k; ++i) {
    Outcome o = fn();
    if (o.ok && (!out.ok || o.setup + o.run < out.setup + out.run)) out = o;
  }
  return out;
}

bool same(const Outcome& a, const Outcome& b) {
  return a.ok && b.ok && a.records == b.records && a.steps == b.steps && a.statuses == b.statuses &&
         a.history == b.history && a.progress == b.progress && a.end == b.end;
}

}  // namespace

int main(int argc, char** argv) {
  size_t n = 1000000;
  std::string example = "examples/webinar_follow_up.seq", modelPath = "examples/models/typical.json",
              sequenceName;
  uint64_t seed = 1;
  bool treeWalk = true, onlyBytecode = false;
  int repeat = 3;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "error: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--example") example = value();
    else if (a == "--model") modelPath = value();
    else if (a == "--seed") seed = std::strtoull(value().c_str(), nullptr, 10);
    else if (a == "--sequence") sequenceName = value();
    else if (a == "--repeat") repeat = std::max(1, std::atoi(value().c_str()));
    else if (a == "--no-tree-walk") treeWalk = false;
    else if (a == "--only-bytecode") onlyBytecode = true;
    else if (!a.empty() && a[0] != '-') n = std::strtoul(a.c_str(), nullptr, 10);
    else {
      std::fprintf(stderr,
                   "usage: bench_simulate [RECORDS=1000000] [--example FILE.seq] [--sequence NAME] "
                   "[--model MODEL.json] [--seed N] [--repeat K] [--no-tree-walk] [--only-bytecode]\n");
      return 2;
    }
  }
  if (n == 0) n = 1;
  example = locate(example);
  modelPath = locate(modelPath);
  std::string stdlib = defaultStdlibDir(argv[0]);

  Compiled program;
  std::string error;
  if (!compile(example, stdlib, program, error)) {
    std::fprintf(stderr, "%s: %s\n", example.c_str(), error.c_str());
    return 1;
  }
  const Compiled* prog = &program;
  const seqc::Program& checked = *program.compilation->program();
  for (uint32_t s = 0; s < program.module.sequences.size(); ++s)
    if (sequenceName.empty() ? s == 0 : program.module.str(program.module.sequences[s].name) == sequenceName)
      program.sequence = s, program.decl = checked.sequences[s].decl;
  if (!program.decl) {
    std::fprintf(stderr, "error: no sequence named \"%s\" in %s\n", sequenceName.c_str(), example.c_str());
    return 1;
  }
  rt::Model model;
  if (!rt::readModel(modelPath, model, error)) {
    std::fprintf(stderr, "error: %s\n", error.c_str());
    return 1;
  }
  const int64_t start = *seqc::parseDateTime("2026-01-05T09:00:00Z");
  Config config{prog, &model, seed, start};

  const bc::Sequence& seq = program.module.sequences[program.sequence];
  line("example", fmt::format("{} (sequence \"{}\", {} steps)", fs::path(example).filename().string(),
                              program.module.str(seq.name), seq.stepCount));
  line("model", fmt::format("{}, seed {}", fs::path(modelPath).filename().string(), seed));
  line("records", fmt::format("{}", n));
  line("machine.load_average_at_start", loadAverage());
  line("runs", fmt::format("best of {} (wall time) for bytecode, bytecode_no_history and tree_walk", onlyBytecode ? 1 : repeat));

  // The bytecode simulator, as `seqc simulate` runs it (history on), then without history.
  if (onlyBytecode) {
    report("bytecode", runBytecode(config, n, true), true);
    return 0;
  }
  Outcome bytecode = best(repeat, [&] { return runBytecode(config, n, true); });
  report("bytecode", bytecode, true);
  Outcome noHistory = best(repeat, [&] { return runBytecode(config, n, false); });
  report("bytecode_no_history", noHistory, true);

  // Memory linearity: the same run at a quarter, half and all of the records.
  std::vector<std::pair<size_t, Outcome>> sizes;
  for (size_t k : {n / 4, n / 2})
    if (k > 0) sizes.emplace_back(k, runBytecode(config, k, true));
  sizes.emplace_back(n, bytecode);
  for (const auto& [k, o] : sizes) {
    line(fmt::format("linearity.{}.rss_growth_per_record", k), fmt::format("{:.1f} B", growthPerRecord(o)));
    line(fmt::format("linearity.{}.rss_growth", k), mb(o.rssAfter - o.rssBefore));
    line(fmt::format("linearity.{}.peak_rss", k), mb(o.peak));
    line(fmt::format("linearity.{}.record_steps_per_s", k),
         fmt::format("{:.0f} steps/s", static_cast<double>(o.steps) / o.run));
  }

  // The tree walker over the same records and model.
  if (treeWalk) {
    Outcome walk = best(repeat, [&] { return runTreeWalk(config, n, true); });
    report("tree_walk", walk, false);
    line("tree_walk.agrees_with_bytecode",
         same(bytecode, walk) ? "yes (steps, statuses, history entries, progress, end time)" : "NO");
    if (walk.ok && bytecode.ok) {
      double b = static_cast<double>(bytecode.steps) / bytecode.run, w = static_cast<double>(walk.steps) / walk.run;
      line("ratio.bytecode_over_tree_walk.record_steps_per_s", fmt::format("{:.2f} x", b / w));
      line("ratio.bytecode_over_tree_walk.record_steps_per_cpu_s", fmt::format("{:.2f} x", walk.runCpu / bytecode.runCpu));
      line("ratio.bytecode_over_tree_walk.total_time",
           fmt::format("{:.2f} x", (walk.setup + walk.run) / (bytecode.setup + bytecode.run)));
      line("ratio.tree_walk_over_bytecode.rss_growth_per_record",
           fmt::format("{:.2f} x", growthPerRecord(walk) / growthPerRecord(bytecode)));
    }
  }

  // Module sizes of every example.
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(fs::path(example).parent_path().empty() ? "." : fs::path(example).parent_path()))
    if (e.path().extension() == ".seq") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  uint64_t totalBytes = 0, totalSteps = 0;
  for (const fs::path& f : files) {
    Compiled p;
    if (!compile(f.string(), stdlib, p, error)) {
      line("seqb." + f.stem().string(), "does not compile");
      continue;
    }
    size_t bytes = bc::write(p.module).size(), steps = p.module.steps.size();
    totalBytes += bytes;
    totalSteps += steps;
    line("seqb." + f.stem().string(),
         fmt::format("{} B, {} steps, {:.1f} B/step", bytes, steps,
                     steps ? static_cast<double>(bytes) / static_cast<double>(steps) : 0.0));
  }
  if (totalSteps)
    line("seqb.all_examples", fmt::format("{} B, {} steps, {:.1f} B/step", totalBytes, totalSteps,
                                          static_cast<double>(totalBytes) / static_cast<double>(totalSteps)));
  return 0;
}
