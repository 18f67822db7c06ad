// The workspace catalog: listing, showing, deactivating, cloning, deleting, a record's
// history and a sequence's statistics (workspace.h). Bundles are in bundle.cc.
#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "seqc/stats/experiment.h"
#include "compiler/driver.h"
#include "engine.h"
#include "internal.h"
#include "segments.h"
#include "seqc/interp/interpreter.h"
#include "seqc/sim/records.h"

namespace seqc::ws {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// `tag` is `filter` or one of its children ("a" matches "a/b", not "ab").
bool tagMatches(const std::string& tag, const std::string& filter) {
  if (tag.size() < filter.size() || tag.compare(0, filter.size(), filter) != 0) return false;
  return tag.size() == filter.size() || tag[filter.size()] == '/';
}

// History results that finish a step's visit (leaveStep in the interpreter): done, or
// skipped (a skip, or a condition that timed out); lifecycle entries are neither.
bool isDone(std::string_view result) {
  auto r = rt::resultNamed(result);
  return r && !rt::isSkip(*r);
}
bool isSkipped(std::string_view result) {
  auto r = rt::resultNamed(result);
  return r && rt::isSkip(*r);
}

}  // namespace

// ---- deactivate, list, show, records ------------------------------------------------

Activation Workspace::reactivate(const std::string& name) {
  return inWriteTransaction(store(), [&] {
    SequenceRow row = impl_->require(name);
    if (row.active) return Activation{row.name, row.latest, Activation::What::Unchanged};
    size_t active = 0;
    for (const auto& s : store().sequences()) active += s.active;
    if (active >= kMaxActiveSequences)
      throw Error(fmt::format("cannot activate '{}': the workspace already has {} active sequences, the most it "
                              "allows; deactivate one first", row.name, kMaxActiveSequences));
    const LoadedVersion& v = impl_->version(row.id, row.latest);
    if (std::string clash = segmentClash(store(), *impl_, v.module, v.row.index, row.name); !clash.empty())
      throw Error(fmt::format("cannot activate '{}': {}", row.name, clash));
    row.active = true;
    row.modified = metaInt(store(), "clock");
    store().updateSequence(row);
    return Activation{row.name, row.latest, Activation::What::Reactivated};
  });
}

void Workspace::deactivate(const std::string& name) {
  inWriteTransaction(store(), [&] {
    SequenceRow row = impl_->require(name);
    if (!row.active) throw Error(fmt::format("sequence '{}' is already inactive", row.name));
    // Connected records keep running on their versions; only new connections are refused.
    row.active = false;
    row.modified = metaInt(store(), "clock");
    store().updateSequence(row);
  });
}

std::vector<SequenceSummary> Workspace::list(const ListFilter& filter) {
  if (filter.sort != "name" && filter.sort != "modified" && filter.sort != "records")
    throw Error(fmt::format("unknown sort key '{}' (name, modified, records)", filter.sort));
  std::string search = lower(filter.search);
  std::vector<SequenceSummary> out = inReadTransaction(store(), [&] {
    std::unordered_map<int64_t, int64_t> counts;
    for (auto [id, n] : store().activeCounts()) counts[id] = n;
    std::vector<SequenceSummary> rows;
    for (SequenceRow& row : store().sequences()) {
      if (filter.active && row.active != *filter.active) continue;
      if (!filter.entity.empty() && row.entity != filter.entity) continue;
      if (!filter.tag.empty() &&
          std::none_of(row.tags.begin(), row.tags.end(),
                       [&](const std::string& t) { return tagMatches(t, filter.tag); }))
        continue;
      if (!search.empty() && lower(row.name).find(search) == std::string::npos &&
          lower(row.description).find(search) == std::string::npos)
        continue;
      auto it = counts.find(row.id);
      int64_t n = it == counts.end() ? 0 : it->second;
      rows.push_back({std::move(row), n});
    }
    return rows;
  });
  auto byName = [](const SequenceSummary& a, const SequenceSummary& b) { return a.row.name < b.row.name; };
  if (filter.sort == "name") {
    std::sort(out.begin(), out.end(), byName);
  } else if (filter.sort == "modified") {
    std::sort(out.begin(), out.end(), [&](const SequenceSummary& a, const SequenceSummary& b) {
      if (a.row.modified != b.row.modified) return a.row.modified > b.row.modified;
      return byName(a, b);
    });
  } else {
    std::sort(out.begin(), out.end(), [&](const SequenceSummary& a, const SequenceSummary& b) {
      if (a.records != b.records) return a.records > b.records;
      return byName(a, b);
    });
  }
  return out;
}

SequenceDetail Workspace::show(const std::string& name, std::optional<int32_t> version) {
  return inReadTransaction(store(), [&] {
    SequenceDetail d;
    d.row = impl_->require(name);
    d.shown = version.value_or(d.row.latest);
    if (d.shown < 1 || d.shown > d.row.latest)
      throw Error(fmt::format("sequence '{}' has no version {} (versions 1–{})", d.row.name,
                              d.shown, d.row.latest));
    const LoadedVersion& v = impl_->version(d.row.id, d.shown);
    d.module = v.module;
    d.index = v.row.index;
    d.versions = store().versions(d.row.id);
    for (auto [id, n] : store().activeCounts())
      if (id == d.row.id) d.records = n;
    if (v.sequence().zoneBegin != v.sequence().zoneEnd) {
      ConnectionFilter f;
      f.sequence = d.row.id;
      f.activeOnly = true;
      std::vector<ConnectionRow> rows = store().connections(f);
      for (const auto& [zone, fallback] : recordZones(store(), *impl_, rows, metaInt(store(), "epoch"),
                                                      metaInt(store(), "clock")))
        d.withoutZone += fallback;
    }
    return d;
  });
}

std::vector<ConnectionView> Workspace::records(const std::string& name) {
  return inReadTransaction(store(), [&] {
    SequenceRow row = impl_->require(name);
    ConnectionFilter f;
    f.sequence = row.id;
    f.activeOnly = true;
    std::vector<ConnectionRow> rows = store().connections(f);
    std::vector<ConnectionView> out;
    out.reserve(rows.size());
    for (const ConnectionRow& c : rows) out.push_back(impl_->view(c, &row.name));
    auto zones = recordZones(store(), *impl_, rows, metaInt(store(), "epoch"), metaInt(store(), "clock"));
    for (size_t i = 0; i < out.size(); ++i) std::tie(out[i].zone, out[i].zoneFallback) = zones[i];
    // A manual activity's due is shown where a timer's is.
    auto dues = manualDues(store(), *impl_, rows, metaInt(store(), "epoch"));
    for (size_t i = 0; i < out.size(); ++i)
      if (dues[i]) out[i].row.due = dues[i];
    return out;
  });
}

// ---- clone, remove ------------------------------------------------------------------

void Workspace::clone(const std::string& name, const std::string& newName,
                      const std::string& description) {
  if (std::string why = nameProblem(newName); !why.empty()) throw Error("the new sequence name " + why);
  if (std::string why = descriptionProblem(description); !why.empty()) throw Error("the description " + why);
  inWriteTransaction(store(), [&] {
    SequenceRow source = impl_->require(name);
    if (store().sequence(newName))
      throw Error(fmt::format("a sequence named '{}' already exists", newName));
    int64_t now = metaInt(store(), "clock");
    SequenceRow copy = source;
    copy.id = 0;
    copy.name = newName;
    if (!description.empty()) copy.description = description;
    copy.active = false;  // a copy starts inactive: activating it is a separate decision
    copy.deleted = false;
    copy.created = now;
    copy.modified = now;
    int64_t id = store().insertSequence(copy);
    // Every version, numbers and all: the copy's history reads like the original's. The
    // modules keep the original's sequence name inside; the workspace name is the row's.
    for (VersionRow v : store().versions(source.id)) {
      v.sequence = id;
      store().insertVersion(v);
    }
  });
}

size_t Workspace::remove(const std::string& name) {
  return inWriteTransaction(store(), [&] {
    SequenceRow row = impl_->require(name);
    int64_t now = metaInt(store(), "clock");
    ConnectionFilter f;
    f.sequence = row.id;
    f.activeOnly = true;
    std::vector<ConnectionRow> rows = store().connections(f);
    std::vector<HistoryRow> history;
    history.reserve(rows.size());
    for (ConnectionRow& c : rows) history.push_back(markDisconnected(c, now, "sequence deleted"));
    if (!rows.empty()) {
      store().updateConnections(rows);
      store().appendHistory(history);
    }
    row.active = false;
    row.deleted = true;
    row.modified = now;
    store().updateSequence(row);
    return rows.size();
  });
}

// ---- history, stats -----------------------------------------------------------------

std::vector<HistoryView> Workspace::history(const std::string& record) {
  return inReadTransaction(store(), [&] {
    if (!store().record(record)) throw Error(fmt::format("no record '{}' in the workspace", record));
    ConnectionFilter f;
    f.record = record;
    std::unordered_map<int64_t, ConnectionRow> connections;
    store().forEachConnection(f, [&](const ConnectionRow& c) { connections.emplace(c.id, c); });
    std::unordered_map<int64_t, std::string> names;
    std::vector<HistoryView> out;
    for (const HistoryRow& h : store().history(record)) {
      HistoryView v;
      v.row = h;
      auto c = connections.find(h.connection);
      if (c != connections.end()) {
        int64_t seq = c->second.sequence;
        auto name = names.find(seq);
        if (name == names.end()) {
          auto row = store().sequenceById(seq);
          name = names.emplace(seq, row ? row->name : std::string()).first;
        }
        v.sequence = name->second;
        v.version = c->second.version;
        if (h.step >= 0)
          impl_->describe(impl_->version(seq, v.version), h.step, v.stepLabel, v.stepKind, v.stepTitle);
      }
      out.push_back(std::move(v));
    }
    return out;
  });
}

Stats Workspace::stats(const std::string& name) {
  return inReadTransaction(store(), [&] {
    Stats st;
    SequenceRow row = impl_->require(name);
    const LoadedVersion& latest = impl_->version(row.id, row.latest);
    uint32_t stepCount = latest.sequence().stepCount;
    std::unordered_map<std::string, size_t> byLabel;
    for (uint32_t i = 0; i < stepCount; ++i) {
      Stats::StepStats s;
      impl_->describe(latest, static_cast<int32_t>(i), s.label, s.kind, s.title);
      if (!s.label.empty()) byLabel.emplace(s.label, i);
      st.steps.push_back(std::move(s));
    }
    // Steps of older versions count toward the latest version's step with the same
    // label; an unlabelled step of an older version has no counterpart (indices shift
    // between versions), so only the latest version's history counts by index.
    std::map<std::pair<int32_t, int32_t>, std::optional<size_t>> attributed;
    auto attribute = [&](int32_t version, int32_t step) -> std::optional<size_t> {
      auto [it, fresh] = attributed.try_emplace({version, step});
      if (!fresh) return it->second;
      if (version == row.latest) {
        if (step >= 0 && static_cast<uint32_t>(step) < stepCount) it->second = static_cast<size_t>(step);
      } else {
        const LoadedVersion& v = impl_->version(row.id, version);
        if (step >= 0 && static_cast<uint32_t>(step) < v.sequence().stepCount) {
          std::string label, kind, title;
          impl_->describe(v, step, label, kind, title);
          auto l = label.empty() ? byLabel.end() : byLabel.find(label);
          if (l != byLabel.end()) it->second = l->second;
        }
      }
      return it->second;
    };

    // From counts the store keeps and aggregates: neither history nor connections are
    // read row by row.
    std::vector<int64_t> byStatus(rt::kStatusNames.size(), 0);
    double days = 0;
    int64_t timed = 0;
    const std::vector<ConnectionCount> counts = store().connectionCounts(row.id);  // a GROUP BY of every run: once
    for (const ConnectionCount& c : counts) {
      if (static_cast<size_t>(c.status) < byStatus.size()) byStatus[c.status] += c.count;
      auto status = static_cast<rt::Status>(c.status);
      if (status == rt::Status::Completed) {
        st.completed += c.count;
        days += static_cast<double>(c.seconds) / 86400.0;
        timed += c.ended;
      } else if (status == rt::Status::Active && c.step != 0xFFFF) {
        if (auto i = attribute(c.version, c.step)) st.steps[*i].current += c.count;
      }
    }
    for (size_t i = 0; i < rt::kStatusNames.size(); ++i)
      st.byStatus.emplace_back(std::string(rt::kStatusNames[i]), byStatus[i]);
    if (timed > 0) st.averageDaysToCompletion = days / static_cast<double>(timed);

    for (const StepCount& c : store().stepCounts(row.id)) {
      auto i = attribute(c.version, c.step);
      if (!i) continue;
      if (isDone(c.result)) st.steps[*i].done += c.count;
      else if (isSkipped(c.result)) st.steps[*i].skipped += c.count;
    }
    for (Stats::StepStats& s : st.steps) s.reached = s.done + s.skipped + s.current;

    std::map<int32_t, Stats::VersionStats> versions;
    for (const ConnectionCount& c : counts) {
      Stats::VersionStats& v = versions[c.version];
      v.version = c.version;
      v.byStatus.resize(rt::kStatusNames.size(), 0);
      v.runs += c.count;
      if (static_cast<size_t>(c.status) < v.byStatus.size()) v.byStatus[c.status] += c.count;
    }
    for (auto& [number, v] : versions) st.versions.push_back(std::move(v));

    // Engagement per message and the spread of completion times, from counts kept as
    // runs are saved (RunShares): per (version, slot), and per duration.
    std::vector<size_t> messageOf(stepCount, SIZE_MAX);
    for (uint32_t i = 0; i < stepCount; ++i) {
      const bc::Step& s = latest.step(static_cast<uint16_t>(i));
      if (s.kind != bc::StepKind::Activity) continue;
      EventClass events = info(s.activity).events;
      if (events != EventClass::EmailEvents && events != EventClass::TextEvents) continue;
      messageOf[i] = st.messages.size();
      Stats::MessageStats m;
      m.label = st.steps[i].label;
      m.kind = st.steps[i].kind;
      m.title = st.steps[i].title;
      m.email = events == EventClass::EmailEvents;
      st.messages.push_back(std::move(m));
    }
    // Per version: (slot, message) of each of its steps that counts toward a message.
    std::map<int32_t, std::vector<std::pair<uint16_t, size_t>>> slotsOf;
    auto slots = [&](int32_t version) -> const std::vector<std::pair<uint16_t, size_t>>& {
      auto [it, fresh] = slotsOf.try_emplace(version);
      if (!fresh) return it->second;
      const LoadedVersion& v = impl_->version(row.id, version);
      for (uint32_t i = 0; i < v.sequence().stepCount; ++i) {
        const bc::Step& s = v.step(static_cast<uint16_t>(i));
        if (s.kind != bc::StepKind::Activity || s.slot == bc::kNoSlot) continue;
        auto at = attribute(version, static_cast<int32_t>(i));
        if (at && messageOf[*at] != SIZE_MAX) it->second.emplace_back(s.slot, messageOf[*at]);
      }
      return it->second;
    };
    if (!st.messages.empty())
      for (const SlotCount& c : store().slotCounts(row.id))
        for (const auto& [slot, m] : slots(c.version)) {
          if (slot != c.slot) continue;
          Stats::MessageStats& ms = st.messages[m];
          ms.sent += c.sent;
          ms.opened += c.opened;
          ms.clicked += c.clicked;
          ms.replied += c.replied;
          ms.downloaded += c.downloaded;
        }
    // Median (of an even count: the mean of the middle two) and p90 (nearest rank: the
    // smallest duration at least 90% of the runs are within), in days.
    std::vector<DurationCount> times = store().durationCounts(row.id);
    int64_t n = 0;
    for (const DurationCount& t : times) n += t.count;
    if (n > 0) {
      auto nth = [&](int64_t k) {  // the k-th shortest (from 0)
        for (const DurationCount& t : times) {
          if (k < t.count) return static_cast<double>(t.seconds) / 86400.0;
          k -= t.count;
        }
        return static_cast<double>(times.back().seconds) / 86400.0;
      };
      st.medianDaysToCompletion = n % 2 ? nth(n / 2) : (nth(n / 2 - 1) + nth(n / 2)) / 2;
      st.p90DaysToCompletion = nth((n * 9 + 9) / 10 - 1);
    }

    // Assignees, from history: "assigned"/"reassigned" entries name the user (detail
    // "USER (why)" or "unassigned (why)") of the connection's current manual step; a
    // done result on that step counts for that user. A run is completed when its
    // history says so (the engine writes that entry as it saves the run completed, and
    // a finished run never changes): the connections are not read.
    std::map<std::string, Stats::AssigneeStats> users;
    std::unordered_map<int64_t, std::pair<int32_t, std::string>> holder;  // connection → (step, user)
    std::set<std::pair<std::string, int64_t>> runs;                        // (user, connection)
    std::unordered_set<int64_t> completedRuns;
    const std::string completed(rt::kStatusNames[static_cast<size_t>(rt::Status::Completed)]);
    store().forEachAssignedHistory(row.id, [&](const HistoryRow& h) {
      if (h.step < 0 && h.result == completed) completedRuns.insert(h.connection);
      if (h.result == "assigned" || h.result == "reassigned") {
        std::string user;
        if (h.detail.rfind("unassigned (", 0) != 0) user = h.detail.substr(0, h.detail.find(" ("));
        if (user.empty()) {
          holder.erase(h.connection);
          return;
        }
        holder[h.connection] = {h.step, user};
        if (runs.emplace(user, h.connection).second) {
          Stats::AssigneeStats& u = users[user];
          u.user = user;
          ++u.runs;
        }
        return;
      }
      if (h.step < 0) return;
      auto it = holder.find(h.connection);
      if (it == holder.end() || it->second.first != h.step) return;
      if (isDone(h.result)) ++users[it->second.second].done;
      if (isDone(h.result) || isSkipped(h.result)) holder.erase(it);
    });
    for (const auto& [user, connection] : runs) users[user].completed += completedRuns.count(connection) ? 1 : 0;
    for (auto& [user, u] : users) st.assignees.push_back(std::move(u));

    const bc::Module& m = latest.module;
    const bc::Sequence& seq = latest.sequence();
    if (seq.experimentCount > 0) {
      // Per (experiment, variant): assigned, decided, converted.
      std::map<std::pair<std::string, std::string>, std::array<int64_t, 3>> counted;
      std::map<std::string, uint32_t> windows;  // the latest version's, by experiment
      for (uint32_t k = 0; k < seq.experimentCount; ++k)
        windows[std::string(m.str(m.experiments[seq.experimentBegin + k].name))] =
            m.experiments[seq.experimentBegin + k].within;
      int64_t now = metaInt(store(), "clock");
      for (const VariantRow& v : store().variantsOfSequence(row.id)) {
        auto& c = counted[{v.experiment, v.variant}];
        ++c[0];
        auto w = windows.find(v.experiment);
        if (v.converted || (w != windows.end() && v.started + w->second <= now)) ++c[1];
        c[2] += v.converted;
      }
      for (uint32_t k = 0; k < seq.experimentCount; ++k) {
        const bc::Experiment& x = m.experiments[seq.experimentBegin + k];
        Stats::ExperimentStats e;
        e.name = m.str(x.name);
        int variants = static_cast<int>(x.variants.size());
        e.perVariant = stats::recordsPerVariant({x.baseline, x.mde, x.alpha, x.power, variants}).value_or(0);
        e.alpha = x.alpha;
        std::vector<int64_t> assigned;
        std::vector<double> weights;
        for (const bc::Variant& v : x.variants) {
          Stats::VariantStats vs;
          vs.name = m.str(v.name);
          vs.weight = v.weight;
          if (auto it = counted.find({e.name, vs.name}); it != counted.end()) {
            vs.assigned = it->second[0];
            vs.decided = it->second[1];
            vs.converted = it->second[2];
          }
          if (auto ci = stats::wilsonInterval({vs.decided, vs.converted}); ci && vs.decided > 0) {
            vs.low = ci->low;
            vs.high = ci->high;
          }
          assigned.push_back(vs.assigned);
          weights.push_back(v.weight);
          e.variants.push_back(std::move(vs));
        }
        // Each variant against the control, one look at the counts now, at α/(k−1).
        double a = stats::comparisonAlpha(x.alpha, variants);
        const Stats::VariantStats& control = e.variants.front();
        for (size_t i = 1; i < e.variants.size(); ++i) {
          Stats::VariantStats& vs = e.variants[i];
          auto look = stats::msprtLook({control.decided, control.converted}, {vs.decided, vs.converted},
                                       stats::defaultMixingVariance(x.mde));
          if (!look) continue;
          vs.difference = look->difference;
          vs.pValue = look->pValue;
          vs.verdict = stats::verdictName(stats::verdictAt(look->pValue, look->difference, a));
        }
        if (auto srm = stats::sampleRatioMismatch(assigned, weights)) {
          e.srmPValue = srm->pValue;
          e.srmAlarm = srm->alarm;
        }
        st.experiments.push_back(std::move(e));
      }
    }
    return st;
  });
}

}  // namespace seqc::ws
