// Assignment (CALENDARS.md §6, docs/workspace.md "Assignment"): who a manual activity
// goes to when it becomes current. Users (systemuser records), teams and memberships
// (teammembership records) are the workspace's own records, read once per command.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "internal.h"

namespace seqc::ws {

// The history detail of an assignment: "USER (WHY)" or "unassigned (WHY)".
std::string assignmentDetail(const std::string& user, const std::string& why);

class Assigner {
 public:
  Assigner(Store& store, std::string stdlibDir) : store_(store), stdlibDir_(std::move(stdlibDir)) {}
  ~Assigner();

  // The assignee of `record`'s current manual activity on version `v` (its `assign to`
  // rule), counted as one more open activity of theirs; empty: unassigned.
  // `why`, when given, says how the rule found them or why no one (for the history).
  std::string assign(const LoadedVersion& v, const std::string& record, std::string* why = nullptr);
  // An assigned activity is no longer open (done, skipped, the record left it).
  void release(const std::string& user);
  // Whether `id` is a user who can be assigned work (a systemuser not disabled).
  bool activeUser(const std::string& id);
  // Users changed (loaded or updated): the open activities of users who can no longer
  // be assigned (disabled, gone) go back through assignment, each with a "reassigned"
  // history entry dated `at`. Returns how many moved.
  size_t reassignInactive(Workspace::Impl& impl, int64_t at);

 private:
  struct Filter;  // a compiled `where`
  void load();
  // Among `candidates`, the one with the fewest open activities, ties by lowest id.
  std::string leastLoaded(const std::vector<std::string>& candidates);
  // The active members of `team` for whom `where` holds with `record` (all without it).
  std::vector<std::string> members(const std::string& team, const std::string& entity, const std::string& where,
                                   const std::string& recordFields);
  std::optional<std::string> text(const std::string& entity, const std::string& fields, const std::string& name);

  Store& store_;
  std::string stdlibDir_;
  bool loaded_ = false;
  std::map<std::string, bool> users_;                       // id → active
  std::unordered_map<std::string, std::string> userFields_;  // id → stored fields
  struct Team {
    int64_t type = 0;          // teamtype: 0 owner, 1 access
    std::string regarding;     // an access team's record (regardingobjectid)
  };
  std::map<std::string, Team> teams_;
  std::unordered_map<std::string, std::set<std::string>> members_;  // team → users
  std::unordered_map<std::string, int64_t> open_;                   // user → open assigned activities
  std::map<std::pair<std::string, std::string>, std::shared_ptr<Filter>> filters_;  // (entity, where)
};

}  // namespace seqc::ws
