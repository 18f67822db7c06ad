// The workspace catalog: listing, showing, deactivating, cloning, deleting, bundles
// (export/import), a record's history and a sequence's statistics (workspace.h).
#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <unordered_map>

#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "internal.h"
#include "seqc/interp/interpreter.h"
#include "seqc/sim/records.h"
#include "seqc/support/utf8.h"

namespace seqc::ws {

namespace {

using Json = nlohmann::ordered_json;  // keeps the bundle's key order as written

// The workspace clock read inside the caller's transaction (Workspace::clock() opens
// its own).
int64_t clockIn(Store& store) {
  auto v = store.meta("clock");
  int64_t out = 0;
  if (!v || std::from_chars(v->data(), v->data() + v->size(), out).ec != std::errc())
    throw StoreError("the workspace's 'clock' setting is missing or damaged");
  return out;
}

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

constexpr std::string_view kBase64 =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64Encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t v = static_cast<uint32_t>(static_cast<unsigned char>(bytes[i])) << 16 |
                 static_cast<uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8 |
                 static_cast<uint32_t>(static_cast<unsigned char>(bytes[i + 2]));
    for (int shift = 18; shift >= 0; shift -= 6) out += kBase64[(v >> shift) & 63];
  }
  size_t rest = bytes.size() - i;
  if (rest > 0) {
    uint32_t v = static_cast<uint32_t>(static_cast<unsigned char>(bytes[i])) << 16;
    if (rest == 2) v |= static_cast<uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8;
    out += kBase64[(v >> 18) & 63];
    out += kBase64[(v >> 12) & 63];
    out += rest == 2 ? kBase64[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// Strict: padded, no whitespace, no stray bits.
bool base64Decode(std::string_view text, std::string& out) {
  out.clear();
  if (text.size() % 4 != 0) return false;
  std::array<int, 256> value{};
  value.fill(-1);
  for (size_t i = 0; i < kBase64.size(); ++i) value[static_cast<unsigned char>(kBase64[i])] = static_cast<int>(i);
  out.reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    bool last = i + 4 == text.size();
    size_t pad = 0;
    if (last && text[i + 3] == '=') pad = text[i + 2] == '=' ? 2 : 1;
    uint32_t v = 0;
    for (size_t k = 0; k < 4; ++k) {
      int d = k >= 4 - pad ? 0 : value[static_cast<unsigned char>(text[i + k])];
      if (d < 0) return false;
      v = v << 6 | static_cast<uint32_t>(d);
    }
    out += static_cast<char>((v >> 16) & 0xFF);
    if (pad < 2) out += static_cast<char>((v >> 8) & 0xFF);
    if (pad < 1) out += static_cast<char>(v & 0xFF);
    if ((pad == 1 && (v & 0xFF) != 0) || (pad == 2 && (v & 0xFFFF) != 0)) return false;
  }
  return true;
}

// The sequences an `advance to` of sequence `seq` can leave for: the string constants
// of its Advance instructions (the module verified, so every instruction decodes).
std::vector<std::string> advanceTargets(const bc::Module& m, uint32_t seq) {
  std::vector<std::string> targets;
  const bc::Sequence& s = m.sequences[seq];
  for (uint32_t pc = s.codeBegin; pc < s.codeEnd;) {
    auto op = static_cast<bc::Opcode>(m.code[pc]);
    if (op == bc::Opcode::Advance) {
      const bc::Constant& k = m.constants[bc::readU16(m.code.data() + pc + 1)];
      std::string name(m.str(k.str));
      if (std::find(targets.begin(), targets.end(), name) == targets.end()) targets.push_back(name);
    }
    pc += static_cast<uint32_t>(bc::instructionSize(op));
  }
  return targets;
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

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(fmt::format("cannot read '{}'", path));
  std::stringstream text;
  text << in.rdbuf();
  if (in.bad()) throw Error(fmt::format("cannot read '{}'", path));
  return text.str();
}

// Writes `text` to `path` through a temporary file renamed over it: readers see the old
// file or the whole new one, never a part.
void writeAtomically(const std::string& path, const std::string& text) {
  namespace fs = std::filesystem;
  fs::path target(path);
  fs::path temp = target;
  temp += fmt::format(".tmp{}", static_cast<long long>(::getpid()));
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out) throw Error(fmt::format("cannot write '{}'", path));
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.flush();
    if (!out) {
      out.close();
      std::error_code ignored;
      fs::remove(temp, ignored);
      throw Error(fmt::format("cannot write '{}'", path));
    }
  }
  std::error_code ec;
  fs::rename(temp, target, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(temp, ignored);
    throw Error(fmt::format("cannot write '{}': {}", path, ec.message()));
  }
}

// A sequence of a bundle, checked and decoded.
struct Imported {
  SequenceRow row;
  std::vector<VersionRow> versions;
  bc::Module latest;  // the latest version's module
  uint32_t index = 0;
};

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
    row.active = true;
    row.modified = clockIn(store());
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
    row.modified = clockIn(store());
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
    for (const ConnectionRow& c : rows) out.push_back(impl_->view(c));
    return out;
  });
}

// ---- clone, remove ------------------------------------------------------------------

void Workspace::clone(const std::string& name, const std::string& newName,
                      const std::string& description) {
  if (newName.empty()) throw Error("the new sequence name is empty");
  if (utf8::countCodePoints(newName) > 100)
    throw Error(fmt::format("the new sequence name is {} characters long; the limit is 100",
                            utf8::countCodePoints(newName)));
  inWriteTransaction(store(), [&] {
    SequenceRow source = impl_->require(name);
    if (store().sequence(newName))
      throw Error(fmt::format("a sequence named '{}' already exists", newName));
    int64_t now = clockIn(store());
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
    int64_t now = clockIn(store());
    ConnectionFilter f;
    f.sequence = row.id;
    f.activeOnly = true;
    std::vector<ConnectionRow> rows = store().connections(f);
    std::vector<HistoryRow> history;
    history.reserve(rows.size());
    for (ConnectionRow& c : rows) {
      // As the interpreter finishes a record: no step, nothing pending.
      c.status = static_cast<uint8_t>(rt::Status::Disconnected);
      c.waiting = static_cast<uint8_t>(rt::Waiting::Nothing);
      c.step = 0xFFFF;
      ++c.generation;
      c.due.reset();
      c.ended = now;
      c.message = "sequence deleted";
      history.push_back({c.id, now, -1, "disconnected", "sequence deleted"});
    }
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

// ---- bundles ------------------------------------------------------------------------

void Workspace::exportBundle(const std::vector<std::string>& names, const std::string& path) {
  std::string text = inReadTransaction(store(), [&] {
    // No names: every sequence, by name. Otherwise in the order given, once each.
    std::vector<SequenceRow> rows;
    if (names.empty()) rows = store().sequences();
    std::set<std::string> seen;
    for (const std::string& name : names)
      if (seen.insert(name).second) rows.push_back(impl_->require(name));
    Json sequences = Json::array();
    for (const SequenceRow& row : rows) {
      Json versions = Json::array();
      for (const VersionRow& v : store().versions(row.id)) {
        Json sources;
        try {
          sources = Json::parse(v.sources);
        } catch (const Json::exception&) {
          throw StoreError(fmt::format("workspace database {}/{} is corrupt: the sources of "
                                       "version {} of '{}' are not JSON",
                                       dir_, kDatabaseName, v.number, row.name));
        }
        versions.push_back(Json{{"number", v.number},
                                {"change", v.change},
                                {"source_path", v.sourcePath},
                                {"sources", std::move(sources)},
                                {"hash", v.hash},
                                {"bytecode", base64Encode(v.bytecode)},
                                {"index", v.index},
                                {"created", v.created}});
      }
      sequences.push_back(Json{{"name", row.name},
                               {"entity", row.entity},
                               {"description", row.description},
                               {"tags", row.tags},
                               {"active", row.active},
                               {"versions", std::move(versions)}});
    }
    Json bundle{{"format", "seqc-bundle"}, {"version", 1}, {"sequences", std::move(sequences)}};
    try {
      return bundle.dump(2) + "\n";
    } catch (const Json::exception& e) {
      throw Error(fmt::format("cannot export: {}", e.what()));
    }
  });
  writeAtomically(path, text);
}

std::vector<std::string> Workspace::importBundle(const std::string& path) {
  std::string text = readFile(path);
  auto bad = [&](const std::string& what) {
    return Error(fmt::format("{}: {}; nothing imported", path, what));
  };

  // 1. The file on its own: shape, types, bytecode that loads and verifies.
  Json bundle;
  try {
    bundle = Json::parse(text);
  } catch (const Json::exception& e) {
    throw bad(fmt::format("not a seqc bundle: malformed JSON ({})", e.what()));
  }
  if (!bundle.is_object() || !bundle.contains("format") || bundle["format"] != "seqc-bundle")
    throw bad("not a seqc bundle (\"format\" is not \"seqc-bundle\")");
  if (!bundle.contains("version") || !bundle["version"].is_number_integer() || bundle["version"] != 1)
    throw bad("unsupported bundle version (this seqc reads version 1)");
  if (!bundle.contains("sequences") || !bundle["sequences"].is_array())
    throw bad("\"sequences\" is missing or not an array");

  auto field = [&](const Json& obj, const char* key, auto check, const std::string& where) -> const Json& {
    if (!obj.is_object() || !obj.contains(key) || !check(obj[key]))
      throw bad(fmt::format("{}: \"{}\" is missing or has the wrong type", where, key));
    return obj[key];
  };
  auto isString = [](const Json& j) { return j.is_string(); };
  auto isInt = [](const Json& j) { return j.is_number_integer(); };

  std::vector<Imported> imports;
  std::set<std::string> bundleNames;
  size_t n = 0;
  for (const Json& s : bundle["sequences"]) {
    std::string where = fmt::format("sequence {}", ++n);
    Imported imp;
    imp.row.name = field(s, "name", isString, where).get<std::string>();
    if (imp.row.name.empty()) throw bad(where + ": the name is empty");
    where = fmt::format("sequence '{}'", imp.row.name);
    if (!bundleNames.insert(imp.row.name).second) throw bad(where + " appears twice");
    imp.row.entity = field(s, "entity", isString, where).get<std::string>();
    imp.row.description = field(s, "description", isString, where).get<std::string>();
    for (const Json& t : field(s, "tags", [](const Json& j) { return j.is_array(); }, where)) {
      if (!t.is_string()) throw bad(where + ": a tag is not a string");
      imp.row.tags.push_back(t.get<std::string>());
    }
    const Json& versions = field(s, "versions", [](const Json& j) { return j.is_array() && !j.empty(); }, where);
    for (const Json& v : versions) {
      VersionRow row;
      row.number = static_cast<int32_t>(imp.versions.size() + 1);
      std::string vwhere = fmt::format("{} version {}", where, row.number);
      if (field(v, "number", isInt, vwhere) != row.number)
        throw bad(fmt::format("{}: versions must be numbered 1, 2, … in order", where));
      row.change = field(v, "change", isString, vwhere).get<std::string>();
      row.sourcePath = field(v, "source_path", isString, vwhere).get<std::string>();
      const Json& sources = field(v, "sources", [](const Json& j) { return j.is_object(); }, vwhere);
      row.sources = sources.dump();
      row.hash = field(v, "hash", isString, vwhere).get<std::string>();
      if (!base64Decode(field(v, "bytecode", isString, vwhere).get_ref<const std::string&>(), row.bytecode))
        throw bad(vwhere + ": the bytecode is not valid base64");
      const Json& index = field(v, "index", [](const Json& j) { return j.is_number_unsigned(); }, vwhere);
      row.created = field(v, "created", isInt, vwhere).get<int64_t>();
      bc::Module module;
      std::string error;
      // load decodes and verifies: a module that loads is safe to run.
      if (!bc::load(reinterpret_cast<const uint8_t*>(row.bytecode.data()), row.bytecode.size(), module, error))
        throw bad(fmt::format("{}: invalid bytecode: {}", vwhere, error));
      if (index.get<uint64_t>() >= module.sequences.size())
        throw bad(fmt::format("{}: index {} is out of range ({} sequences in the module)", vwhere,
                              index.get<uint64_t>(), module.sequences.size()));
      row.index = index.get<uint32_t>();
      if (module.str(module.sequences[row.index].entity) != imp.row.entity)
        throw bad(fmt::format("{}: the bytecode runs on '{}', not '{}'", vwhere,
                              module.str(module.sequences[row.index].entity), imp.row.entity));
      imp.versions.push_back(std::move(row));
      imp.latest = std::move(module);
      imp.index = imp.versions.back().index;
    }
    imp.row.latest = imp.versions.back().number;
    imports.push_back(std::move(imp));
  }

  // 2. Against the workspace, then the inserts: one transaction, so a failure anywhere
  // leaves the workspace as it was.
  return inWriteTransaction(store(), [&] {
    for (const Imported& imp : imports)
      if (store().sequence(imp.row.name))
        throw Error(fmt::format("sequence '{}' already exists in this workspace; nothing imported",
                                imp.row.name));
    for (const Imported& imp : imports) {
      // Only the latest version can run again (activating an unchanged source reuses it).
      for (const std::string& target : advanceTargets(imp.latest, imp.index))
        if (!bundleNames.count(target) && !store().sequence(target))
          throw Error(fmt::format("sequence '{}' advances to '{}', which is neither in this "
                                  "workspace nor in the bundle; nothing imported",
                                  imp.row.name, target));
      rt::RecordSchema schema;
      try {
        schema = this->schema(imp.row.entity);
      } catch (const Error& e) {
        throw Error(fmt::format("sequence '{}': {}; nothing imported", imp.row.name, e.what()));
      }
      for (const bc::Field& f : imp.latest.fields) {
        if (imp.latest.str(f.entity) != imp.row.entity) continue;
        std::string fieldName(imp.latest.str(f.name));
        const rt::FieldSpec* spec = schema.find(fieldName);
        if (!spec)
          throw Error(fmt::format("sequence '{}' uses {}.{}, a field added by `extend entity` that "
                                  "this workspace does not have; activate the source that declares "
                                  "it first; nothing imported",
                                  imp.row.name, imp.row.entity, fieldName));
        if (spec->type != f.type)
          throw Error(fmt::format("sequence '{}' uses {}.{} as {}, but in this workspace it is {}; "
                                  "nothing imported",
                                  imp.row.name, imp.row.entity, fieldName, bc::name(f.type),
                                  bc::name(spec->type)));
      }
    }
    int64_t now = clockIn(store());
    std::vector<std::string> names;
    for (Imported& imp : imports) {
      // Imported sequences come in inactive: running them is the importer's decision.
      imp.row.active = false;
      imp.row.created = now;
      imp.row.modified = now;
      int64_t id = store().insertSequence(imp.row);
      for (VersionRow& v : imp.versions) {
        v.sequence = id;
        store().insertVersion(v);
      }
      names.push_back(imp.row.name);
    }
    return names;
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

    std::vector<ConnectionRow> connections;
    ConnectionFilter f;
    f.sequence = row.id;
    store().forEachConnection(f, [&](const ConnectionRow& c) { connections.push_back(c); });
    std::vector<int64_t> byStatus(rt::kStatusNames.size(), 0);
    std::unordered_map<int64_t, int32_t> versionOf;
    double days = 0;
    int64_t timed = 0;
    for (const ConnectionRow& c : connections) {
      versionOf[c.id] = c.version;
      if (static_cast<size_t>(c.status) < byStatus.size()) ++byStatus[c.status];
      auto status = static_cast<rt::Status>(c.status);
      if (status == rt::Status::Completed) {
        ++st.completed;
        if (c.ended) {
          days += static_cast<double>(*c.ended - c.connected) / 86400.0;
          ++timed;
        }
      } else if (status == rt::Status::Active && c.step != 0xFFFF) {
        if (auto i = attribute(c.version, c.step)) ++st.steps[*i].current;
      }
    }
    for (size_t i = 0; i < rt::kStatusNames.size(); ++i)
      st.byStatus.emplace_back(std::string(rt::kStatusNames[i]), byStatus[i]);
    if (timed > 0) st.averageDaysToCompletion = days / static_cast<double>(timed);

    std::vector<HistoryRow> history;
    store().forEachHistory(row.id, [&](const HistoryRow& h) {
      if (h.step >= 0) history.push_back(h);
    });
    for (const HistoryRow& h : history) {
      auto v = versionOf.find(h.connection);
      if (v == versionOf.end()) continue;
      auto i = attribute(v->second, h.step);
      if (!i) continue;
      if (isDone(h.result)) ++st.steps[*i].done;
      else if (isSkipped(h.result)) ++st.steps[*i].skipped;
    }
    for (Stats::StepStats& s : st.steps) s.reached = s.done + s.skipped + s.current;
    return st;
  });
}

}  // namespace seqc::ws
