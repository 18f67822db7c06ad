// `seqc worklist` and `seqc assign`: the sellers' current manual activities, and
// handing one to someone else (CALENDARS.md §6).
#include "seqc/workspace/workspace.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "engine.h"
#include "seqc/calendar/zone.h"
#include "seqc/support/time.h"

namespace seqc::ws {

std::vector<WorkItem> Workspace::worklist(const std::string& owner, std::optional<int64_t>& at) {
  return inReadTransaction(*store_, [&] {
    if (!at) at = metaInt(*store_, "clock");
    std::vector<WorkItem> items;
    std::vector<ConnectionRow> rows;
    ConnectionFilter f;
    f.activeOnly = true;
    store_->forEachConnection(f, [&](const ConnectionRow& c) {
      if (c.waiting != static_cast<uint8_t>(rt::Waiting::Manual) || c.step == rt::kNoStep) return;
      if (!owner.empty() && (owner == "-" ? !c.assignee.empty() : c.assignee != owner)) return;
      const LoadedVersion& v = impl_->version(c.sequence, c.version);
      if (c.step >= v.sequence().stepCount) return;  // damaged: the next command that runs it says so
      WorkItem w;
      w.record = c.record;
      if (auto s = store_->sequenceById(c.sequence)) w.sequence = s->name;
      w.version = c.version;
      w.assignee = c.assignee;
      impl_->describe(v, c.step, w.label, w.kind, w.title);
      w.line = v.step(c.step).line;
      w.since = c.entered;
      items.push_back(std::move(w));
      rows.push_back(c);
    });
    // Dues in business time on the record's calendar; "today" is at's local date in the
    // record's zone (UTC without a calendar).
    const int64_t epoch = metaInt(*store_, "epoch");
    auto dues = manualDues(*store_, *impl_, rows, epoch);
    auto zones = recordZones(*store_, *impl_, rows, epoch, *at);
    std::map<std::string, int64_t> dayEnds;
    for (size_t i = 0; i < items.size(); ++i) {
      WorkItem& w = items[i];
      w.due = dues[i];
      const std::string& zoneName = zones[i].first;
      auto known = dayEnds.find(zoneName);
      if (known == dayEnds.end()) {
        cal::Zone z = zoneName.empty() ? cal::Zone::utc() : cal::Zone::find(zoneName).value_or(cal::Zone::utc());
        int64_t local = z.toLocal(*at);
        int64_t day = local / kSecondsPerDay - (local % kSecondsPerDay < 0);
        known = dayEnds.emplace(zoneName, z.toUtc((day + 1) * kSecondsPerDay)).first;
      }
      if (!w.due) w.state = WorkState::Open;
      else if (*w.due < *at) w.state = WorkState::Overdue;
      else if (*w.due < known->second) w.state = WorkState::Today;
      else w.state = WorkState::Upcoming;
    }
    std::sort(items.begin(), items.end(), [](const WorkItem& a, const WorkItem& b) {
      if (a.state != b.state) return a.state < b.state;
      int64_t ka = a.due.value_or(a.since), kb = b.due.value_or(b.since);
      if (a.state == WorkState::Open) ka = a.since, kb = b.since;
      if (ka != kb) return ka < kb;
      if (a.record != b.record) return a.record < b.record;
      return a.sequence < b.sequence;
    });
    return items;
  });
}

ActionResult Workspace::assign(const std::string& record, const std::string& user, const std::string& sequence) {
  return inWriteTransaction(*store_, [&] {
    if (!store_->record(record)) throw Error(fmt::format("no record '{}' in the workspace", record));
    Assigner assigner(*store_, stdlibDir_);
    if (!assigner.activeUser(user)) {
      auto row = store_->record(user);
      if (!row || row->entity != "systemuser")
        throw Error(fmt::format("assign: no user '{}' (load users with `seqc records load FILE --entity "
                                "systemuser`)", user));
      throw Error(fmt::format("assign: user '{}' is disabled", user));
    }
    ConnectionFilter f;
    f.record = record;
    f.activeOnly = true;
    if (!sequence.empty()) f.sequence = impl_->require(sequence).id;
    std::vector<ConnectionRow> rows;
    for (const ConnectionRow& c : store_->connections(f))
      if (c.waiting == static_cast<uint8_t>(rt::Waiting::Manual)) rows.push_back(c);
    if (rows.empty())
      throw Error(fmt::format("assign: record '{}' has no current manual activity{}", record,
                              sequence.empty() ? "" : fmt::format(" on '{}'", sequence)));
    if (rows.size() > 1)
      throw Error(fmt::format("assign: record '{}' has a manual activity on {} sequences; choose one with "
                              "--sequence", record, rows.size()));
    std::string was = rows[0].assignee;
    rows[0].assignee = user;
    store_->updateConnections(rows);
    store_->appendHistory({{rows[0].id, metaInt(*store_, "clock"), rows[0].step, "reassigned",
                            assignmentDetail(user, was.empty() ? "seqc assign; was unassigned"
                                                               : fmt::format("seqc assign; was {}", was))}});
    ActionResult result;
    result.moved.push_back(impl_->view(rows[0]));
    return result;
  });
}

}  // namespace seqc::ws
