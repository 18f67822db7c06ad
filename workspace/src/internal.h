// Shared by the workspace's source files: loaded versions and lookups with the
// messages users see.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>

#include "seqc/format/bytecode.h"
#include "seqc/workspace/workspace.h"

namespace seqc::ws {

// A stored version, its bytecode loaded and verified.
struct LoadedVersion {
  VersionRow row;
  bc::Module module;
  const bc::Sequence& sequence() const { return module.sequences[row.index]; }
  const bc::Step& step(uint16_t local) const { return module.steps[sequence().stepBegin + local]; }
};

struct Workspace::Impl {
  explicit Impl(Store& s) : store(s) {}
  Store& store;
  std::map<std::pair<int64_t, int32_t>, std::unique_ptr<LoadedVersion>> versions;

  // Loads (once) version `number` of sequence `id`; StoreError when it is missing or its
  // bytecode does not verify (a damaged database).
  const LoadedVersion& version(int64_t id, int32_t number);
  // The sequence called `name` (not deleted); Error "no sequence named …" otherwise,
  // suggesting a close name.
  SequenceRow require(const std::string& name);
  // A connection with its sequence's name and current step described.
  ConnectionView view(const ConnectionRow& row);
  // Step label, kind name and title of `step` (sequence-local) in a version.
  void describe(const LoadedVersion& v, int32_t step, std::string& label, std::string& kind,
                std::string& title);
};

}  // namespace seqc::ws
