// Sequence bundles: `seqc export` and `seqc import` (workspace.h). A bundle is a JSON
// file with the sequences, all their versions (sources, bytecode) and tags.
#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "compiler/driver.h"
#include "internal.h"
#include "seqc/interp/interpreter.h"
#include "seqc/support/file.h"
#include "seqc/support/quote.h"
#include "seqc/sim/records.h"

namespace seqc::ws {

namespace {

using Json = nlohmann::ordered_json;  // keeps the bundle's key order as written

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

// Bundles are a few MiB (sources and bytecode); the limit stops an input without end.
constexpr size_t kMaxBundleBytes = size_t{256} << 20;

std::string readBundle(const std::string& path) {
  std::string text, error;
  if (!seqc::readFile(path, {kMaxBundleBytes, {}, true}, text, error))
    throw Error(fmt::format("{}; nothing imported", error));
  return text;
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
  std::shared_ptr<CompileResult> compiled;  // the latest version's sources, compiled
};

}  // namespace

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
  std::string text = readBundle(path);
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
    // The metadata obeys the language's limits, as if it came from a source.
    if (std::string why = nameProblem(imp.row.name); !why.empty())
      throw bad(fmt::format("{}: the name {}", where, why));
    where = fmt::format("sequence '{}'", imp.row.name);
    if (!bundleNames.insert(imp.row.name).second) throw bad(where + " appears twice");
    imp.row.entity = field(s, "entity", isString, where).get<std::string>();
    imp.row.description = field(s, "description", isString, where).get<std::string>();
    if (std::string why = descriptionProblem(imp.row.description); !why.empty())
      throw bad(fmt::format("{}: the description {}", where, why));
    for (const Json& t : field(s, "tags", [](const Json& j) { return j.is_array(); }, where)) {
      if (!t.is_string()) throw bad(where + ": a tag is not a string");
      imp.row.tags.push_back(t.get<std::string>());
      if (std::string why = tagProblem(imp.row.tags.back()); !why.empty())
        throw bad(fmt::format("{}: tag {} {}", where, seqc::quoted(imp.row.tags.back()), why));
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
      auto files = std::make_shared<std::map<std::string, std::string>>();
      for (const auto& [file, source] : sources.items()) {
        if (!source.is_string()) throw bad(fmt::format("{}: the source of '{}' is not a string", vwhere, file));
        files->emplace(file, source.get<std::string>());
      }
      row.sources = sources.dump();
      field(v, "hash", isString, vwhere);  // a claim: recomputed below
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
      // The bytecode is what runs, the sources are what people read: import establishes
      // that they agree by compiling the sources again, and computes the hash itself.
      if (!files->count(row.sourcePath))
        throw bad(fmt::format("{}: its sources do not include its source path '{}'", vwhere, row.sourcePath));
      CompileResult again = compileFile(row.sourcePath, CompileOptions{stdlibDir_, files});
      if (!again.ok) {
        std::vector<Diagnostic> diags = again.diagnostics();
        std::string why = again.error;
        if (!diags.empty()) why = diags.front().message;
        throw bad(fmt::format("{}: its sources do not compile ({})", vwhere, why));
      }
      std::vector<uint8_t> bytes = bc::write(again.module);
      if (row.bytecode.size() != bytes.size() || !std::equal(bytes.begin(), bytes.end(), row.bytecode.begin(),
                                                             [](uint8_t a, char b) { return a == static_cast<uint8_t>(b); }))
        throw bad(fmt::format("{}: its bytecode is not what its sources compile to (it was changed, or "
                              "made by a seqc with another compiler or standard library)", vwhere));
      row.hash = fmt::format("{:016x}", fnv1a(fingerprint(module, row.index)));
      imp.versions.push_back(std::move(row));
      imp.latest = std::move(module);
      imp.index = imp.versions.back().index;
      imp.compiled = std::make_shared<CompileResult>(std::move(again));
    }
    imp.row.latest = imp.versions.back().number;
    imports.push_back(std::move(imp));
  }

  // 2. Against the workspace, then the inserts: one transaction, so a failure anywhere
  // leaves the workspace as it was.
  return inWriteTransaction(store(), [&] {
    std::vector<ExtensionRow> fieldsToAdd;  // new `extend entity` fields, and the import adding each
    std::vector<size_t> fieldOwners;
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
      // The fields its sources add with `extend entity` come with it, as at activate.
      std::vector<ExtensionRow> added;
      try {
        added = newExtensions(store(), *imp.compiled->compilation->program(), stdlibProgram(stdlibDir_),
                              imp.row.entity, fmt::format("in the bundle's sequence '{}'", imp.row.name));
      } catch (const Error& e) {
        throw Error(fmt::format("{}; nothing imported", e.what()));
      }
      for (ExtensionRow& x : added) {
        auto same = std::find_if(fieldsToAdd.begin(), fieldsToAdd.end(), [&](const ExtensionRow& y) {
          return y.entity == x.entity && y.field == x.field;
        });
        if (same == fieldsToAdd.end()) fieldsToAdd.push_back(std::move(x));
        else if (same->spec != x.spec)
          throw Error(fmt::format("{}.{} is declared with two types in the bundle; nothing imported", x.entity,
                                  x.field));
      }
      rt::RecordSchema schema;
      try {
        schema = this->schema(imp.row.entity);
      } catch (const Error& e) {
        throw Error(fmt::format("sequence '{}': {}; nothing imported", imp.row.name, e.what()));
      }
      for (const ExtensionRow& x : fieldsToAdd)
        if (x.entity == imp.row.entity && !schema.find(x.field))
          if (auto spec = specFromJson(x.field, x.spec)) schema.fields.push_back(*spec);
      for (const bc::Field& f : imp.latest.fields) {
        if (imp.latest.str(f.entity) != imp.row.entity) continue;
        std::string fieldName(imp.latest.str(f.name));
        const rt::FieldSpec* spec = schema.find(fieldName);
        if (!spec)
          throw Error(fmt::format("sequence '{}' uses {}.{}, a field its sources do not declare; "
                                  "nothing imported",
                                  imp.row.name, imp.row.entity, fieldName));
        if (spec->type != f.type)
          throw Error(fmt::format("sequence '{}' uses {}.{} as {}, but in this workspace it is {}; "
                                  "nothing imported",
                                  imp.row.name, imp.row.entity, fieldName, bc::name(f.type),
                                  bc::name(spec->type)));
      }
      fieldOwners.resize(fieldsToAdd.size(), static_cast<size_t>(&imp - imports.data()));
    }
    int64_t now = metaInt(store(), "clock");
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
      for (size_t k = 0; k < fieldsToAdd.size(); ++k)
        if (fieldOwners[k] == static_cast<size_t>(&imp - imports.data())) {
          fieldsToAdd[k].sequence = id;
          store().insertExtension(fieldsToAdd[k]);
        }
      names.push_back(imp.row.name);
    }
    return names;
  });
}

}  // namespace seqc::ws
