// `seqc activate`: a new version when what the sequence does changed (its fingerprint),
// the fields `extend entity` adds, and the change description.
#include "seqc/workspace/workspace.h"

#include <algorithm>
#include <iterator>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "compiler/driver.h"
#include "internal.h"
#include "segments.h"
#include "seqc/support/quote.h"

namespace seqc::ws {

using Json = nlohmann::ordered_json;


std::vector<Activation> Workspace::activate(const CompileResult& compiled, const std::string& path,
                                            const std::string& only, const std::string& change) {
  if (!compiled.ok) throw Error(fmt::format("{} did not compile", path));
  const bc::Module& module = compiled.module;
  // The sources: the main file and its imports, in load order. Paths are stored as text
  // (JSON holds UTF-8; a file name need not be): escaped alike, they still resolve.
  Json sources = Json::object();
  for (auto& [file, text] : compiled.sources()) sources[printable(file)] = std::move(text);
  std::vector<uint32_t> picked;
  for (uint32_t i = 0; i < module.sequences.size(); ++i)
    if (only.empty() || module.str(module.sequences[i].name) == only) picked.push_back(i);
  if (picked.empty()) {
    if (only.empty()) throw Error(fmt::format("{} defines no sequence", path));
    std::vector<std::string> names;
    for (const auto& s : module.sequences) names.emplace_back(module.str(s.name));
    throw Error(fmt::format("{} has no sequence '{}' (it defines {})", path, only, quotedList(names)));
  }
  std::vector<uint8_t> bytes = bc::write(module);
  std::string bytecode(bytes.begin(), bytes.end());
  const Program& stdlib = stdlibProgram(stdlibDir_);

  return inWriteTransaction(*store_, [&] {
    int64_t now = metaInt(*store_, "clock");
    std::vector<Activation> out;
    size_t active = 0;
    for (const auto& s : store_->sequences()) active += s.active;
    for (uint32_t index : picked) {
      const bc::Sequence& seq = module.sequences[index];
      std::string name(module.str(seq.name)), entity(module.str(seq.entity));
      std::vector<std::string> tags;
      for (uint32_t t : seq.tags) tags.emplace_back(module.str(t));
      auto existing = store_->sequence(name);
      if (existing && existing->entity != entity)
        throw Error(fmt::format("sequence '{}' runs on {} records in the workspace, but {} declares it on {}; "
                                "records cannot change entity: give it a new name",
                                name, existing->entity, path, entity));
      bool wasActive = existing && existing->active;
      // Its segments may not take a priority another active sequence's segment holds.
      if (std::string clash = segmentClash(*store_, *impl_, module, index, name); !clash.empty())
        throw Error(fmt::format("cannot activate '{}': {}", name, clash));
      std::string hashText = fmt::format("{:016x}", fnv1a(fingerprint(module, index)));
      if (!wasActive && active >= kMaxActiveSequences)
        throw Error(fmt::format("cannot activate '{}': the workspace already has {} active sequences, the most "
                                "it allows; deactivate one first", name, kMaxActiveSequences));
      // Fields `extend entity` added become part of the workspace's schema.
      std::vector<ExtensionRow> newFields =
          newExtensions(*store_, *compiled.compilation->program(), stdlib, entity, "in " + path);
      for (ExtensionRow& x : newFields) {
        x.sequence = existing ? existing->id : 0;
        if (existing) store_->insertExtension(x);
      }
      if (existing) {
        auto latest = store_->version(existing->id, existing->latest);
        if (latest && latest->hash == hashText) {
          if (!wasActive) {
            existing->active = true;
            existing->modified = now;
            store_->updateSequence(*existing);
            ++active;
          }
          out.push_back({name, existing->latest, wasActive ? Activation::What::Unchanged : Activation::What::Reactivated});
          continue;
        }
      }
      SequenceRow row = existing.value_or(SequenceRow{});
      row.name = name;
      row.entity = entity;
      row.description = seq.description == bc::kNone ? "" : std::string(module.str(seq.description));
      row.tags = tags;
      row.active = true;
      row.modified = now;
      if (!existing) {
        row.created = now;
        row.latest = 0;
        row.id = store_->insertSequence(row);
        for (ExtensionRow& x : newFields) {
          x.sequence = row.id;
          store_->insertExtension(x);
        }
      }
      VersionRow v;
      v.sequence = row.id;
      v.number = row.latest + 1;
      v.sourcePath = printable(path);
      v.sources = sources.dump();
      v.hash = hashText;
      v.bytecode = bytecode;
      v.index = index;
      v.created = now;
      v.change = change;
      if (v.change.empty()) {
        // Say what changed in the steps the designer view shows.
        if (!existing) {
          v.change = "first version";
        } else {
          const LoadedVersion& prev = impl_->version(row.id, row.latest);
          std::set<std::string> before, after;
          std::multiset<std::string> stepsBefore, stepsAfter;
          auto shape = [](const bc::Module& mod, const bc::Step& st) {
            auto text = [&](uint32_t i) { return i == bc::kNone ? std::string_view() : mod.str(i); };
            return fmt::format("{}|{}|{}|{}|{}|{}", static_cast<int>(st.kind), static_cast<int>(st.activity),
                               text(st.label), text(st.title), text(st.templ), st.seconds);
          };
          for (uint16_t s = 0; s < prev.sequence().stepCount; ++s) {
            stepsBefore.insert(shape(prev.module, prev.step(s)));
            if (prev.step(s).label != bc::kNone) before.emplace(prev.module.str(prev.step(s).label));
          }
          for (uint32_t s = seq.stepBegin; s < seq.stepBegin + seq.stepCount; ++s) {
            stepsAfter.insert(shape(module, module.steps[s]));
            if (module.steps[s].label != bc::kNone) after.emplace(module.str(module.steps[s].label));
          }
          std::vector<std::string> added, removed, edited;
          std::set_difference(after.begin(), after.end(), before.begin(), before.end(), std::back_inserter(added));
          std::set_difference(before.begin(), before.end(), after.begin(), after.end(), std::back_inserter(removed));
          std::set_difference(stepsAfter.begin(), stepsAfter.end(), stepsBefore.begin(), stepsBefore.end(),
                              std::back_inserter(edited));
          v.change = fmt::format("{} steps (was {})", seq.stepCount, prev.sequence().stepCount);
          if (!added.empty()) v.change += "; added " + quotedList(added);
          if (!removed.empty()) v.change += "; removed " + quotedList(removed);
          if (!edited.empty()) v.change += fmt::format("; {} new or changed", edited.size());
          else if (added.empty() && removed.empty()) v.change += "; same steps, other changes";
        }
      }
      store_->insertVersion(v);
      row.latest = v.number;
      store_->updateSequence(row);
      if (!wasActive) ++active;
      out.push_back({name, v.number, Activation::What::NewVersion});
    }
    return out;
  });
}

}  // namespace seqc::ws
