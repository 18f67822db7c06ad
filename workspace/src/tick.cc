// `seqc tick`: advance the clock and run every timer due.
#include "seqc/workspace/workspace.h"

#include <algorithm>
#include <unordered_set>

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
    // An `exit when` that reads the clock can turn true with no timer due: every active
    // record of such a version is read and its condition tried (docs/workspace.md).
    std::unordered_set<int64_t> taken;
    for (const auto& c : rows) taken.insert(c.id);
    for (const SequenceRow& s : store_->sequences())
      for (int32_t n = 1; n <= s.latest; ++n) {
        const LoadedVersion& v = impl_->version(s.id, n);
        if (!rt::exitReadsClock(v.module, v.row.index)) continue;
        ConnectionFilter g;
        g.sequence = s.id;
        g.version = n;
        g.activeOnly = true;
        store_->forEachConnection(g, [&](const ConnectionRow& c) {
          if (taken.insert(c.id).second) rows.push_back(c);
        });
      }
    Mover mover{*store_, *impl_, epoch};
    mover.watchFrom = now;
    mover.progress = progress;
    mover.run(rows, {}, result.to);
    store_->setMeta("clock", std::to_string(result.to));
    result.records = mover.moved;
    result.steps = mover.steps;
    return result;
  });
}

}  // namespace seqc::ws
