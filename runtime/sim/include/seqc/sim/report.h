// Output of `seqc simulate` (CLI.md "Simulator"): the JSON object, JSON lines and the
// table, written as they are produced, so memory does not grow with the output.
#pragma once

#include <array>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <utility>
#include <vector>

#include "seqc/sim/simulator.h"

namespace seqc::rt {

// Called now and then with the number of records written so far.
using WriteProgress = std::function<void(uint64_t records)>;

// `seqc simulate --runs N` (CALENDARS.md §7): the p50 and p90 (nearest rank; a run
// without the cell counts 0) of the workload cells and of each status of the summary.
struct RunStats {
  using P = std::pair<uint64_t, uint64_t>;  // p50, p90
  struct Row {
    int64_t day = 0;
    uint32_t assignee = 0;  // as in WorkloadRow
    std::array<P, kActivityInfo.size()> byKind{};
    P total{};
  };
  uint32_t runs = 0;
  std::vector<Row> workload;
  std::array<P, kStatusNames.size()> summary{};
};
RunStats summarizeRuns(const std::vector<std::vector<WorkloadRow>>& workloads,
                       const std::vector<std::array<uint64_t, kStatusNames.size()>>& summaries);
// A run's records by status, in kStatusNames order.
std::array<uint64_t, kStatusNames.size()> statusCounts(const Simulator& sim);

// The JSON object of CLI.md, formatted as nlohmann::json's dump(2) formats it. `report`
// adds the funnel and the days-to-completion distribution.
// `runs`, with `report`, gives the workload's percentiles over several runs.
void writeJson(const Simulator& sim, bool report, std::FILE* out, const WriteProgress& progress = {},
               const RunStats* runs = nullptr);

// One compact JSON object per record (those of writeJson's `records`), then one line
// with the rest of writeJson's object.
void writeJsonLines(const Simulator& sim, bool report, std::FILE* out,
                    const WriteProgress& progress = {}, const RunStats* runs = nullptr);

// The table of CLI.md, then the summary (and the funnel with `report`).
void writeTable(const Simulator& sim, bool report, std::FILE* out, const WriteProgress& progress = {},
                const RunStats* runs = nullptr);

}  // namespace seqc::rt
