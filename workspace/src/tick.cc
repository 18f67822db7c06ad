// `seqc tick`: advance the clock and run every timer due; `seqc tick --follow`.
#include "seqc/workspace/workspace.h"

#include <algorithm>
#include <chrono>
#include <unordered_set>

#include <nlohmann/json.hpp>

#include "engine.h"
#include "segments.h"

namespace seqc::ws {

namespace {

// Due connections one worker runs per transaction on a store with shared ticks: small
// enough that a transaction lasts well under a second and a killed worker loses little.
constexpr size_t kBucketBatch = 2000;
// Due connections a tick (without shared ticks) reads and runs at a time.
constexpr size_t kTickChunk = 16384;
// A transaction that collided with another worker's (a deadlock) is run again.
constexpr int kConflictRetries = 5;
constexpr int64_t kMinWaitMs = 200;
// A follower's wait is cut into slices, `stop` asked between them: a stop signal that
// arrives after the last check but before the wait begins is then seen within one
// slice instead of sleeping out the whole --poll. Slices run no statement, so an idle
// follower's server session stays idle.
constexpr int64_t kStopSliceMs = 250;

// The versions whose `exit when` reads the clock, kept in meta `clock_readers` as
// {"checked": {sequence id: last version looked at}, "readers": [[id, version], …]}:
// versions never change once stored, so each one is loaded and inspected once, by the
// first tick after its activation, not by every tick.
std::vector<std::pair<int64_t, int32_t>> clockReaders(Store& store, Workspace::Impl& impl) {
  using Json = nlohmann::json;
  Json state = Json::object();
  if (auto text = store.meta("clock_readers")) {
    state = Json::parse(*text, nullptr, false);
    if (!state.is_object()) state = Json::object();  // damaged: look at every version again
  }
  if (!state.contains("checked") || !state["checked"].is_object()) state["checked"] = Json::object();
  if (!state.contains("readers") || !state["readers"].is_array()) state["readers"] = Json::array();
  Json& checked = state["checked"];
  Json& readers = state["readers"];
  bool changed = false;
  for (const SequenceRow& s : store.sequences()) {
    std::string key = std::to_string(s.id);
    int32_t from = checked.contains(key) && checked[key].is_number_integer() ? checked[key].get<int32_t>() : 0;
    if (from >= s.latest) continue;
    for (int32_t n = from + 1; n <= s.latest; ++n) {
      const LoadedVersion& v = impl.version(s.id, n);
      if (rt::exitReadsClock(v.module, v.row.index)) readers.push_back({s.id, n});
    }
    checked[key] = s.latest;
    changed = true;
  }
  if (changed) store.setMeta("clock_readers", state.dump());
  std::vector<std::pair<int64_t, int32_t>> out;
  for (const Json& r : readers)
    if (r.is_array() && r.size() == 2 && r[0].is_number_integer() && r[1].is_number_integer())
      out.emplace_back(r[0].get<int64_t>(), r[1].get<int32_t>());
  return out;
}

// An `exit when` that reads the clock can turn true with no timer due: every active
// record of such a version is read and its condition tried (docs/workspace.md). Adds
// those not in `rows` yet; returns how many it read.
size_t addClockReaders(Store& store, Workspace::Impl& impl, std::vector<ConnectionRow>& rows) {
  auto readers = clockReaders(store, impl);
  if (readers.empty()) return 0;
  std::unordered_set<int64_t> taken;
  for (const auto& c : rows) taken.insert(c.id);
  size_t read = 0;
  for (const auto& [sequence, version] : readers) {
    ConnectionFilter g;
    g.sequence = sequence;
    g.version = version;
    g.activeOnly = true;
    store.forEachConnection(g, [&](const ConnectionRow& c) {
      ++read;
      if (taken.insert(c.id).second) rows.push_back(c);
    });
  }
  return read;
}

}  // namespace

TickResult Workspace::tick(std::optional<int64_t> to, const Progress& progress) {
  int64_t target = to.value_or(wallClock());
  if (!store_->sharedTicks()) {
    return inWriteTransaction(*store_, [&] {
      TickResult result;
      int64_t now = metaInt(*store_, "clock"), epoch = metaInt(*store_, "epoch");
      result.from = now;
      // The clock never goes back: a late or repeated tick has nothing left to do.
      result.to = std::max(now, target);
      offset(result.to, epoch);
      Mover mover{*store_, *impl_, epoch};
      mover.watchFrom = now;
      if (clockReaders(*store_, *impl_).empty()) {
        // Chunk by chunk: memory is bounded by a chunk, and its pages are still cached
        // when the rows are written back (docs/performance.md).
        size_t done = 0, total = 0;
        store_->forEachDueChunk(result.to, kTickChunk, [&](std::vector<ConnectionRow>& rows, size_t all) {
          mover.add(rows, {}, result.to);
          done += rows.size();
          total = all;
          if (progress) progress(done, total);
        });
        // The total counted every timer named, some of them moved since: the bar ends full.
        if (progress && done > 0 && done != total) progress(done, done);
        mover.finish(result.to);
      } else {
        // The due rows and the clock readers, all at once.
        bool ran = false;
        auto run = [&](std::vector<ConnectionRow>& rows) {
          ran = true;
          result.checked = addClockReaders(*store_, *impl_, rows);
          mover.progress = progress;
          mover.run(rows, {}, result.to);
        };
        store_->forEachDueChunk(result.to, SIZE_MAX, [&](std::vector<ConnectionRow>& rows, size_t) { run(rows); });
        if (!ran) {
          std::vector<ConnectionRow> none;
          run(none);
        }
      }
      store_->setMeta("clock", std::to_string(result.to));
      evaluateSegments(*store_, *impl_, epoch, result.to, mover.fieldsSet);
      evaluateClockSegments(*store_, *impl_, epoch, result.to);
      result.records = mover.moved;
      result.steps = mover.steps;
      return result;
    });
  }

  // Shared ticks: the clock moves first (a short exclusive transaction), then the due
  // work is run a bucket and a batch at a time, each batch one short transaction, by
  // however many workers are at it. Records not yet run are simply still due: a
  // command that touches one first runs it up to the clock.
  TickResult result;
  int64_t epoch = 0;
  std::vector<std::pair<int64_t, int32_t>> readers;
  inWriteTransaction(*store_, [&] {
    int64_t now = metaInt(*store_, "clock");
    epoch = metaInt(*store_, "epoch");
    result.from = now;
    result.to = std::max(now, target);
    offset(result.to, epoch);
    if (result.to != now) store_->setMeta("clock", std::to_string(result.to));
    readers = clockReaders(*store_, *impl_);
    if (!readers.empty()) store_->startReaders(now);
    evaluateClockSegments(*store_, *impl_, epoch, result.to);
  });
  uint64_t done = 0;
  for (int conflicts = 0;;) {
    Mover mover{*store_, *impl_, epoch};
    bool more = false;
    size_t checked = 0;
    try {
      store_->beginShared();
      try {
        // Clock readers are checked per bucket, before its due work (an exit may come
        // before a timer), in batches by id; the bucket's row says how far they got.
        std::optional<BucketReaders> bucket;
        if (!readers.empty()) bucket = store_->lockReadersBucket(result.to);
        if (!bucket) {
          if (auto due = store_->lockDueBucket(result.to))
            bucket = readers.empty() ? BucketReaders{*due} : store_->bucketReaders(*due);
        }
        if (bucket && !readers.empty() && (bucket->to > bucket->at || bucket->at < result.to)) {
          // A pass under way (perhaps a later tick's) is finished first, up to its clock.
          int64_t passTo = bucket->to > bucket->at ? bucket->to : result.to;
          int64_t after = bucket->to > bucket->at ? bucket->after : 0;
          std::vector<ConnectionRow> rows = store_->readersInBucket(bucket->bucket, readers, after, kBucketBatch);
          checked = rows.size();
          bool last = rows.size() < kBucketBatch;
          BucketReaders next{bucket->bucket, last ? passTo : bucket->at, passTo, last ? 0 : rows.back().id};
          mover.watchFrom = bucket->at ? bucket->at : result.from;
          mover.run(rows, {}, passTo);
          evaluateSegments(*store_, *impl_, epoch, passTo, mover.fieldsSet);
          store_->setBucketReaders(next);
          more = true;
        } else if (bucket) {
          std::vector<ConnectionRow> rows = store_->dueInBucket(bucket->bucket, result.to, kBucketBatch);
          mover.run(rows, {}, result.to);
          evaluateSegments(*store_, *impl_, epoch, result.to, mover.fieldsSet);
          more = true;
        }
        store_->commit();
      } catch (...) {
        store_->rollback();
        throw;
      }
    } catch (const StoreConflict&) {
      if (++conflicts > kConflictRetries) throw;
      continue;
    }
    if (!more) break;
    conflicts = 0;
    // The total is known only at the end: each batch is reported once the next one is
    // found, and the last one as the total.
    if (progress && done > 0) progress(done, 0);
    result.records += mover.moved;
    result.steps += mover.steps;
    result.checked += checked;
    done += mover.moved;
  }
  if (progress && done > 0) progress(done, done);
  return result;
}

void Workspace::follow(int pollSeconds, const std::function<bool()>& stop,
                       const std::function<void(const TickResult&)>& report) {
  using namespace std::chrono;
  store_->listen();
  while (!stop()) {
    TickResult r = tick(std::nullopt);
    if (r.records > 0 && report) report(r);
    if (stop()) break;
    // Sleep until the next timer falls due, a change is committed elsewhere (a connect,
    // an event), or the poll interval passes, whichever comes first.
    int64_t wait = static_cast<int64_t>(pollSeconds) * 1000;
    std::optional<int64_t> next = inReadTransaction(*store_, [&] { return store_->nextDue(); });
    // Work still due is held by another worker: look again shortly.
    if (next) wait = std::clamp<int64_t>((*next - wallClock()) * 1000, kMinWaitMs, wait);
    for (int64_t left = wait; left > 0 && !stop(); left -= kStopSliceMs)
      if (store_->waitForChange(static_cast<int>(std::min(left, kStopSliceMs)))) break;
  }
}

}  // namespace seqc::ws
