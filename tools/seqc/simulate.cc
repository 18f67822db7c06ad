// `seqc simulate (FILE.seq | FILE.seqb) --records RECORDS [--events EVENTS] …` (CLI.md).
#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <optional>
#include <map>
#include <memory>
#include <thread>

#include <fmt/format.h>

#include "seqc/sim/report.h"
#include "seqc/sim/simulator.h"
#include "seqc/support/time.h"
#include "tools/seqc/program_input.h"
#include "tools/seqc/progress.h"

namespace seqc::cli {

Runner addSimulate(CLI::App& app) {
  struct Options {
    std::string file, records, events, sequence, start = "2026-01-05T09:00:00Z", until, model,
        format = "table";
    uint64_t seed = 0;
    uint32_t runs = 1;
    bool report = false;
    bool segments = false;
    Progress::Mode progress = Progress::Mode::Auto;
  };
  auto opts = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("simulate", "Run a sequence against sample records on a simulated clock");
  cmd->add_option("file", opts->file, "the program: a .seq source or a .seqb module")
      ->required()
      ->type_name("FILE.seq|FILE.seqb");
  cmd->add_option("--records", opts->records, "the records: .csv (header row of field names) or .jsonl")
      ->required()
      ->type_name("RECORDS");
  cmd->add_option("--events", opts->events, "scripted events, one JSON object a line")->type_name("EVENTS.jsonl");
  cmd->add_option("--sequence", opts->sequence, "the sequence to run (required when the file defines several)")
      ->type_name("NAME");
  cmd->add_option("--start", opts->start, "when the simulation starts (default 2026-01-05T09:00:00Z)")
      ->type_name("ISO8601");
  cmd->add_option("--until", opts->until, "how long to simulate (default: until nothing can move, at most 365d)")
      ->type_name("DURATION");
  auto* model = cmd->add_option("--model", opts->model, "generate seller and customer behaviour (docs/simulation.md)")
                    ->type_name("MODEL.json");
  cmd->add_option("--seed", opts->seed, "seed of the model's random behaviour (default 0)")->type_name("N")->needs(model);
  cmd->add_option("--runs", opts->runs,
                  "run N times with seeds seed … seed+N-1; the report gives p50 and p90 of the workload and the "
                  "summary (default 1)")
      ->type_name("N")
      ->needs(model)
      ->check(CLI::Range(1u, 100000u));
  cmd->add_option("--format", opts->format, "output format")
      ->check(CLI::IsMember({"table", "json", "jsonl"}))
      ->type_name("table|json|jsonl");
  cmd->add_flag("--segments", opts->segments,
                "connect records only when they enter a segment feeding the sequence, and leave it likewise "
                "(docs/cli.md)");
  addProgressFlags(cmd, opts->progress);
  cmd->add_flag("--report", opts->report,
                "add the funnel: per-step and branch counts, days to completion (default with --model in tables)");

  return [opts, cmd, model](const Context& ctx) -> int {
    if (!cmd->parsed()) return -1;
    auto fail = [](const std::string& message) {
      std::fprintf(stderr, "error: %s\n", message.c_str());
      return kExitInputError;
    };
    rt::SimOptions sim;
    auto start = seqc::parseDateTime(opts->start);
    if (!start) {
      std::fprintf(stderr, "error: --start: '%s' is not an ISO 8601 time (like 2026-01-05T09:00:00Z)\n",
                   opts->start.c_str());
      return kExitUsage;
    }
    sim.start = *start;
    sim.segments = opts->segments;
    if (!opts->until.empty()) {
      auto until = seqc::parseDuration(opts->until);
      if (!until || *until <= 0 || *until > 10LL * 365 * seqc::kSecondsPerDay) {
        std::fprintf(stderr, "error: --until: '%s' is not a duration like 7d or 2w3d (at most 3650d)\n",
                     opts->until.c_str());
        return kExitUsage;
      }
      sim.until = *until;
    }

    ProgramInput in;
    if (auto rc = loadProgram(opts->file, ctx, in)) return *rc;
    uint32_t seqIndex = 0;
    if (auto rc = pickSequence(in, opts->sequence, seqIndex)) return *rc;
    const bc::Module& m = in.module;
    const bc::Sequence& seq = m.sequences[seqIndex];

    std::string error;
    rt::RecordSchema schema;
    if (!recordSchema(in, seqIndex, ctx, schema, error))
      return fail(fmt::format("invalid bytecode: {}: {}", opts->file, error));

    rt::Model behaviour;
    if (!opts->model.empty()) {
      if (!rt::readModel(opts->model, behaviour, error)) return fail(error);
      sim.model = &behaviour;
      sim.seed = opts->seed;
    }

    // Records keep the values of the fields the code touches, in module field order.
    std::vector<std::string> keep;
    std::vector<size_t> column(m.fields.size(), SIZE_MAX);
    for (size_t f = 0; f < m.fields.size(); ++f)
      if (m.fields[f].entity == seq.entity) {
        column[f] = keep.size();
        keep.emplace_back(m.str(m.fields[f].name));
      }
    // The workload counts each record's activities for its owner (CALENDARS.md §7).
    size_t ownerColumn = SIZE_MAX;
    bool ownerAdded = false;  // a column the module does not read
    if (schema.find("ownerid")) {
      auto it = std::find(keep.begin(), keep.end(), "ownerid");
      ownerColumn = static_cast<size_t>(it - keep.begin());
      ownerAdded = it == keep.end();
      if (ownerAdded) keep.emplace_back("ownerid");
    }
    Progress progress(opts->progress);
    progress.phase("reading records");
    rt::StringArena arena;
    rt::RecordTable table;
    if (!rt::readRecords(opts->records, schema, keep, arena, table, error)) return fail(error);
    // The table's columns are the module's fields unless the module reads fields of
    // other entities (which stay null).
    std::vector<uint32_t> assignees;
    std::vector<std::string> assigneeNames{""};
    if (ownerColumn != SIZE_MAX) {
      std::map<std::string_view, uint32_t> index;
      assignees.resize(table.ids.size(), 0);
      for (size_t r = 0; r < table.ids.size(); ++r) {
        const rt::Value& v = table.values[r * keep.size() + ownerColumn];
        if (v.tag != rt::Tag::String || v.str().empty()) continue;
        auto [it, fresh] = index.emplace(v.str(), static_cast<uint32_t>(assigneeNames.size()));
        if (fresh) assigneeNames.emplace_back(v.str());
        assignees[r] = it->second;
      }
    }
    std::vector<rt::Value> values;
    if (!ownerAdded && keep.size() == m.fields.size()) {
      values = std::move(table.values);
    } else {
      values.resize(table.ids.size() * m.fields.size());
      for (size_t r = 0; r < table.ids.size(); ++r)
        for (size_t f = 0; f < m.fields.size(); ++f)
          if (column[f] != SIZE_MAX) values[r * m.fields.size() + f] = table.values[r * keep.size() + column[f]];
      table.values = {};
    }

    std::vector<rt::Event> events;
    if (!opts->events.empty() && !rt::readEvents(opts->events, sim.start, schema, arena, events, error))
      return fail(error);

    progress.phase("simulating");
    sim.progress = [&](int64_t now, int64_t limit) {
      progress.update(static_cast<uint64_t>(now), static_cast<uint64_t>(limit));
    };
    // --runs: the other runs need the inputs again (their strings stay in `arena`,
    // which the first run's simulator keeps alive).
    std::vector<std::string> ids;
    std::vector<rt::Value> valuesAgain;
    std::vector<rt::Event> eventsAgain;
    if (opts->runs > 1) {
      ids = table.ids;
      valuesAgain = values;
      eventsAgain = events;
    }
    rt::Simulator simulator(m, seqIndex, sim);
    simulator.addRecords(std::move(table.ids), std::move(values), std::move(arena));
    simulator.setEvents(std::move(events), opts->events);
    simulator.setAssignees(assignees, assigneeNames);
    std::optional<rt::RunStats> runs;
    if (opts->runs > 1) {
      // Runs 1 … N-1 on the other cores, without history, while this thread runs run 0.
      std::vector<std::vector<rt::WorkloadRow>> workloads(opts->runs);
      std::vector<std::array<uint64_t, rt::kStatusNames.size()>> summaries(opts->runs);
      std::atomic<uint32_t> next{1};
      auto work = [&] {
        for (uint32_t i = next++; i < opts->runs; i = next++) {
          rt::SimOptions o = sim;
          o.seed = sim.seed + i;
          o.history = false;
          o.progress = nullptr;
          rt::Simulator s(m, seqIndex, o);
          // The strings stay in run 0's arena (read only, alive until every run ends).
          s.addRecords(ids, valuesAgain, rt::StringArena{});
          s.setEvents(eventsAgain, opts->events);
          s.setAssignees(assignees, assigneeNames);
          s.run();
          workloads[i] = s.workload();
          summaries[i] = rt::statusCounts(s);
        }
      };
      std::vector<std::thread> threads;
      unsigned cores = std::max(1u, std::thread::hardware_concurrency());
      for (unsigned t = 1; t < std::min<unsigned>(cores, opts->runs); ++t) threads.emplace_back(work);
      simulator.run();
      work();
      for (auto& t : threads) t.join();
      workloads[0] = simulator.workload();
      summaries[0] = rt::statusCounts(simulator);
      runs = rt::summarizeRuns(workloads, summaries);
    } else {
      simulator.run();
    }
    progress.phase("writing");
    auto written = [&, total = simulator.recordCount()](uint64_t n) { progress.update(n, total); };
    bool report = opts->report || (model->count() > 0 && opts->format == "table");
    const rt::RunStats* stats = runs ? &*runs : nullptr;
    if (opts->format == "json") rt::writeJson(simulator, opts->report, stdout, written, stats);
    else if (opts->format == "jsonl") rt::writeJsonLines(simulator, opts->report, stdout, written, stats);
    else rt::writeTable(simulator, report, stdout, written, stats);
    progress.clear();
    return kExitOk;
  };
}

}  // namespace seqc::cli
