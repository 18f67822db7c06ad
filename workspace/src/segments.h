// Segments in the workspace (docs/workspace.md "Segments"): the segments of the active
// sequences' latest versions, which records are members, and what entering and leaving
// do (connect, disconnect). Runs inside the caller's write transaction.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "internal.h"

namespace seqc::ws {

struct ActiveSegment {
  std::string name, entity;
  int64_t sequence = 0;            // the sequence it feeds
  std::string sequenceName;
  int32_t version = 0;             // that sequence's latest version, which holds the segment
  uint32_t priority = 0;
  bool disconnect = false;         // on leave
  bool readsClock = false;         // evaluated on tick too
  std::shared_ptr<const bc::Module> condition;  // rt::segmentConditionModule of the version
  uint32_t feeds = 0;              // the sequence's index in that module
};

// The segments of active sequences on `entity` (every entity when empty), by entity
// then priority.
std::vector<ActiveSegment> activeSegments(Store& store, Workspace::Impl& impl, const std::string& entity = {});

// Evaluates the segments on the records `ids` (of any entities; those not in the
// workspace are ignored) at `now`: entries connect, leaves disconnect (docs/workspace.md).
void evaluateSegments(Store& store, Workspace::Impl& impl, int64_t epoch, int64_t now,
                      const std::vector<std::string>& ids);
// The same over every record of each entity with a clock-reading segment, for those
// segments only (`tick`).
void evaluateClockSegments(Store& store, Workspace::Impl& impl, int64_t epoch, int64_t now);

// The message refusing an activation that would make two active segments clash, or
// empty: `module`'s segments feeding sequence `index`, against the active segments of
// other sequences than `name`.
std::string segmentClash(Store& store, Workspace::Impl& impl, const bc::Module& module, uint32_t index,
                         const std::string& name);

}  // namespace seqc::ws
