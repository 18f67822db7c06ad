// Assignment at run time (assign.h).
#include "assign.h"

#include <algorithm>
#include <string_view>

#include <fmt/format.h>

#include "compiler/driver.h"
#include "engine.h"
#include "fields.h"

namespace seqc::ws {

namespace {

constexpr int64_t kAccessTeam = 1;  // teamtype's "Access" option

// `assign to` as lowered: "owner", "field E.F", "team owner|access [where E]".
struct Rule {
  enum class Kind { Owner, Field, TeamOwner, TeamAccess } kind = Kind::Owner;
  std::string field;  // Field: F
  std::string where;  // Team*: E, or empty
};

Rule parseRule(std::string_view text) {
  Rule r;
  if (text.starts_with("field ")) {
    r.kind = Rule::Kind::Field;
    auto dot = text.find('.');
    r.field = std::string(text.substr(dot == std::string_view::npos ? 6 : dot + 1));
  } else if (text.starts_with("team ")) {
    r.kind = text.starts_with("team access") ? Rule::Kind::TeamAccess : Rule::Kind::TeamOwner;
    if (auto w = text.find(" where "); w != std::string_view::npos) r.where = std::string(text.substr(w + 7));
  }
  return r;
}

}  // namespace

// A `where` compiled as a condition over the record's entity that also reads the
// candidate member (compileCondition's readsMember): the member's fields are module
// fields named "systemuser.F", filled from the member's record.
constexpr std::string_view kMember = "systemuser.";

struct Assigner::Filter {
  CompileResult compiled;
  std::unique_ptr<FieldColumns> record;
  std::vector<std::pair<uint16_t, uint32_t>> member;  // module field, systemuser field number
  std::vector<rt::FieldSpec> memberSpecs;
};

Assigner::~Assigner() = default;

void Assigner::load() {
  if (loaded_) return;
  loaded_ = true;
  users_.clear();
  userFields_.clear();
  teams_.clear();
  members_.clear();
  open_.clear();
  store_.forEachRecord("systemuser", [&](const RecordRow& r) {
    auto disabled = text("systemuser", r.fields, "isdisabled");
    users_[r.id] = disabled.value_or("false") != "true";
    userFields_[r.id] = r.fields;
  });
  store_.forEachRecord("team", [&](const RecordRow& r) {
    Team t;
    if (auto type = text("team", r.fields, "teamtype")) t.type = *type == "1" ? 1 : 0;
    t.regarding = text("team", r.fields, "regardingobjectid").value_or("");
    teams_[r.id] = t;
  });
  store_.forEachRecord("teammembership", [&](const RecordRow& r) {
    auto team = text("teammembership", r.fields, "teamid"), user = text("teammembership", r.fields, "systemuserid");
    if (team && user) members_[*team].insert(*user);
  });
  // The open activities only choose among users: with none, every connection is not
  // read (on shared ticks this runs once per batch).
  if (users_.empty()) return;
  ConnectionFilter f;
  f.activeOnly = true;
  store_.forEachConnection(f, [&](const ConnectionRow& c) {
    if (!c.assignee.empty() && c.waiting == static_cast<uint8_t>(rt::Waiting::Manual)) ++open_[c.assignee];
  });
}

// A stored field as text: strings, lookups and ids as they are, a choice by its value.
std::optional<std::string> Assigner::text(const std::string& entity, const std::string& fields,
                                          const std::string& name) {
  FieldNumbers numbers(store_, entity);
  std::optional<uint32_t> n = numbers.find(name);
  if (!n) return std::nullopt;
  std::string out;  // empty: none (an empty value is no value)
  rt::StringArena arena;
  forEachField(fields, [&](uint32_t number, std::string_view bytes) {
    rt::Value v;
    if (number != *n || !decodeValue(bytes, v, arena)) return;
    switch (v.tag) {
      case rt::Tag::String: out = std::string(v.str()); break;
      case rt::Tag::Int: out = std::to_string(v.i); break;
      case rt::Tag::Bool: out = v.b ? "true" : "false"; break;
      default: break;
    }
  });
  if (out.empty()) return std::nullopt;
  return out;
}

bool Assigner::activeUser(const std::string& id) {
  load();
  auto it = users_.find(id);
  return it != users_.end() && it->second;
}

void Assigner::release(const std::string& user) {
  if (user.empty()) return;
  load();  // counts as stored, before this command's changes are written
  if (auto it = open_.find(user); it != open_.end() && it->second > 0) --it->second;
}

std::string Assigner::leastLoaded(const std::vector<std::string>& candidates) {
  std::string best;
  int64_t least = INT64_MAX;
  for (const std::string& u : candidates) {  // candidates come sorted: ties go to the lowest id
    int64_t n = open_.count(u) ? open_[u] : 0;
    if (n < least) {
      least = n;
      best = u;
    }
  }
  return best;
}

std::vector<std::string> Assigner::members(const std::string& team, const std::string& entity,
                                           const std::string& where, const std::string& recordFields) {
  std::vector<std::string> out;
  auto it = members_.find(team);
  if (it == members_.end()) return out;
  Filter* filter = nullptr;
  if (!where.empty()) {
    auto& slot = filters_[{entity, where}];
    if (!slot) {
      slot = std::make_shared<Filter>();
      // The workspace's `extend entity` fields of both, as the condition may read them.
      std::string decls = extensionDeclarations(store_, entity) + extensionDeclarations(store_, "systemuser");
      slot->compiled = compileCondition("assign to", where, entity, CompileOptions{stdlibDir_}, decls, true);
      if (slot->compiled.ok) {
        const bc::Module& m = slot->compiled.module;
        slot->record = std::make_unique<FieldColumns>(m, entity, FieldNumbers(store_, entity));
        FieldNumbers userNumbers(store_, "systemuser");
        for (size_t f = 0; f < m.fields.size(); ++f) {
          std::string_view name = m.str(m.fields[f].name);
          if (m.str(m.fields[f].entity) != entity || !name.starts_with(kMember)) continue;
          if (auto n = userNumbers.find(name.substr(kMember.size()))) {
            slot->member.emplace_back(static_cast<uint16_t>(f), *n);
            slot->memberSpecs.push_back(rt::fieldSpec(m, m.fields[f]));
          }
        }
      }
    }
    filter = slot.get();
    // A `where` the workspace cannot compile (a field it lost) lets no member through.
    if (!filter->compiled.ok) return out;
  }
  for (const std::string& u : it->second) {
    if (!users_.count(u) || !users_[u]) continue;
    if (filter) {
      const bc::Module& m = filter->compiled.module;
      rt::Interpreter in(m, 0, {0, false});
      std::vector<rt::Value> row(filter->record->width);
      rt::StringArena arena;
      if (!filter->record->read(recordFields, row.data(), arena)) continue;
      forEachField(userFields_[u], [&](uint32_t number, std::string_view bytes) {
        for (size_t k = 0; k < filter->member.size(); ++k) {
          rt::Value v;
          if (filter->member[k].second == number && decodeValue(bytes, v, arena) && fits(filter->memberSpecs[k], v))
            row[filter->member[k].first] = v;
        }
      });
      uint32_t at = in.addRecords(1, row);
      if (!in.exitCondition(at, 0).value_or(false)) continue;
    }
    out.push_back(u);
  }
  return out;
}

std::string Assigner::assign(const LoadedVersion& v, const std::string& record, std::string* why) {
  load();
  std::string reason;
  auto said = [&](std::string user, std::string what) {
    if (!user.empty()) ++open_[user];
    if (why) *why = std::move(what);
    return user;
  };
  auto row = store_.record(record);
  if (!row) return said({}, "the record is not in the workspace");
  const bc::Sequence& seq = v.sequence();
  const std::string entity(v.module.str(seq.entity));
  Rule rule = parseRule(seq.assign == bc::kNone ? std::string_view("owner") : v.module.str(seq.assign));
  auto fromOwner = [&](std::string before) -> std::string {
    auto owner = text(entity, row->fields, "ownerid");
    if (!owner) return said({}, before + "no owner");
    if (activeUser(*owner)) return said(*owner, before + "owner");
    if (teams_.count(*owner)) {
      std::string user = leastLoaded(members(*owner, entity, {}, row->fields));
      return said(user, before + fmt::format("{} of owning team {}",
                                             user.empty() ? "no active member" : "least loaded member", *owner));
    }
    return said({}, before + fmt::format("owner {} is no active user or team", *owner));
  };
  switch (rule.kind) {
    case Rule::Kind::Owner: return fromOwner({});
    case Rule::Kind::Field: {
      auto user = text(entity, row->fields, rule.field);
      if (user && activeUser(*user)) return said(*user, fmt::format("field {}", rule.field));
      // missing (or no user who can work): as `owner`
      return fromOwner(fmt::format("field {} {}; ", rule.field, user ? "names no active user" : "is empty"));
    }
    case Rule::Kind::TeamOwner: {
      auto team = text(entity, row->fields, "owningteam");
      if (!team || !teams_.count(*team)) team = text(entity, row->fields, "ownerid");
      if (!team || !teams_.count(*team)) return said({}, "no owning team");
      std::string user = leastLoaded(members(*team, entity, rule.where, row->fields));
      return said(user, fmt::format("{} of owning team {}{}", user.empty() ? "no member" : "least loaded member",
                                    *team, rule.where.empty() ? "" : " where " + rule.where));
    }
    case Rule::Kind::TeamAccess: {
      // The record's access team: a team of type Access whose regardingobjectid is the record.
      for (const auto& [id, t] : teams_)
        if (t.type == kAccessTeam && t.regarding == record) {
          std::string user = leastLoaded(members(id, entity, rule.where, row->fields));
          return said(user, fmt::format("{} of access team {}{}", user.empty() ? "no member" : "least loaded member",
                                        id, rule.where.empty() ? "" : " where " + rule.where));
        }
      return said({}, "no access team");
    }
  }
  return said({}, "no rule");
}

std::string assignmentDetail(const std::string& user, const std::string& why) {
  return user.empty() ? fmt::format("unassigned ({})", why) : fmt::format("{} ({})", user, why);
}

size_t Assigner::reassignInactive(Workspace::Impl& impl, int64_t at) {
  loaded_ = false;
  load();
  std::vector<ConnectionRow> rows;
  ConnectionFilter f;
  f.activeOnly = true;
  store_.forEachConnection(f, [&](const ConnectionRow& c) {
    if (!c.assignee.empty() && c.waiting == static_cast<uint8_t>(rt::Waiting::Manual) && !activeUser(c.assignee))
      rows.push_back(c);
  });
  std::vector<HistoryRow> history;
  for (ConnectionRow& c : rows) {
    open_.erase(c.assignee);
    std::string why, was = c.assignee;
    c.assignee = assign(impl.version(c.sequence, c.version), c.record, &why);
    bool gone = users_.count(was) > 0;
    history.push_back({c.id, at, c.step, "reassigned",
                       assignmentDetail(c.assignee, fmt::format("{} {}; {}", was, gone ? "is disabled" : "is no user",
                                                                why))});
  }
  store_.updateConnections(rows);
  store_.appendHistory(history);
  return rows.size();
}

}  // namespace seqc::ws
