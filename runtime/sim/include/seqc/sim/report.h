// Output of `seqc simulate` (CLI.md "Simulator"): the JSON object, JSON lines and the
// table, written as they are produced, so memory does not grow with the output.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>

#include "seqc/sim/simulator.h"

namespace seqc::rt {

// Called now and then with the number of records written so far.
using WriteProgress = std::function<void(uint64_t records)>;

// The JSON object of CLI.md, formatted as nlohmann::json's dump(2) formats it. `report`
// adds the funnel and the days-to-completion distribution.
void writeJson(const Simulator& sim, bool report, std::FILE* out, const WriteProgress& progress = {});

// One compact JSON object per record (those of writeJson's `records`), then one line
// with the rest of writeJson's object.
void writeJsonLines(const Simulator& sim, bool report, std::FILE* out,
                    const WriteProgress& progress = {});

// The table of CLI.md, then the summary (and the funnel with `report`).
void writeTable(const Simulator& sim, bool report, std::FILE* out, const WriteProgress& progress = {});

}  // namespace seqc::rt
