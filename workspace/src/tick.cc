// `seqc tick`: advance the clock and run every timer due.
#include "seqc/workspace/workspace.h"

#include <algorithm>

#include "engine.h"

namespace seqc::ws {

TickResult Workspace::tick(std::optional<int64_t> to, const Progress& progress) {
  int64_t target = to.value_or(wallClock());
  return inWriteTransaction(*store_, [&] {
    TickResult result;
    int64_t now = metaInt(*store_, "clock"), epoch = metaInt(*store_, "epoch");
    result.from = now;
    // The clock never goes back: a late or repeated tick has nothing left to do.
    result.to = std::max(now, target);
    offset(result.to, epoch);
    ConnectionFilter f;
    f.activeOnly = true;
    f.dueBy = result.to;
    std::vector<ConnectionRow> rows = store_->connections(f);
    Mover mover{*store_, *impl_, epoch};
    mover.progress = progress;
    mover.run(rows, {}, result.to);
    store_->setMeta("clock", std::to_string(result.to));
    result.records = mover.moved;
    result.steps = mover.steps;
    return result;
  });
}

}  // namespace seqc::ws
