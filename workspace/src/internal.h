// Shared by the workspace's source files: loaded versions, lookups with the messages
// users see, and small helpers (defined in internal.cc).
#pragma once

#include <climits>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "seqc/format/bytecode.h"
#include "seqc/format/schema.h"
#include "seqc/support/hash.h"
#include "seqc/workspace/workspace.h"

namespace seqc {
struct Program;  // compiler/driver.h
}

namespace seqc::ws {

// Interpreter times are int32 seconds from the workspace's epoch (its creation).
inline constexpr int64_t kMaxOffset = INT32_MAX / 2;

// A record may advance from sequence to sequence this often within one command; more
// is a loop of `advance to` between sequences whose steps take no time.
inline constexpr int kMaxAdvances = 32;

// How many connections one interpreter run holds: bounds memory on a large tick.
inline constexpr size_t kBatch = 200000;

// A stored version, its bytecode loaded and verified.
struct LoadedVersion {
  VersionRow row;
  bc::Module module;
  const bc::Sequence& sequence() const { return module.sequences[row.index]; }
  const bc::Step& step(uint16_t local) const { return module.steps[sequence().stepBegin + local]; }
};

struct Workspace::Impl {
  Impl(Store& s, std::string lib) : store(s), stdlibDir(std::move(lib)) {}
  Store& store;
  std::string stdlibDir;
  std::map<std::pair<int64_t, int32_t>, std::unique_ptr<LoadedVersion>> versions;

  // Loads (once) version `number` of sequence `id`; StoreError when it is missing or its
  // bytecode does not verify (a damaged database).
  const LoadedVersion& version(int64_t id, int32_t number);
  // The sequence called `name` (not deleted); Error "no sequence named …" otherwise,
  // suggesting a close name.
  SequenceRow require(const std::string& name);
  // A connection with its sequence's name (looked up unless given) and current step described.
  ConnectionView view(const ConnectionRow& row, const std::string* sequenceName = nullptr);
  // Step label, kind name and title of `step` (sequence-local) in a version.
  void describe(const LoadedVersion& v, int32_t step, std::string& label, std::string& kind,
                std::string& title);
};

// The counts `stats` reads instead of the runs (Store::addSlotCounts,
// addDurationCounts): a run's share is, for each engagement slot it has done, one sent
// and one per event received there, and when it is completed with an end time, its
// duration. Whoever saves runs of one version takes each run's share as it was
// (sign -1) and adds it as it is (+1); write() stores what changed.
struct RunShares {
  RunShares(int64_t sequence, int32_t version, uint32_t slots);
  // `c.data` starts with the version's slots (fewer when damaged: those count nothing).
  void add(const ConnectionRow& c, int sign);
  void write(Store& store);
  int64_t sequence;
  std::vector<SlotCount> slots;            // by slot
  std::map<int64_t, int64_t> durations;    // seconds → completed runs
};
// Fills the counts from all connections (an upgrade that made them; the setting
// "run_counts" then says "fill"), and marks them kept.
void fillRunCounts(Store& store, Workspace::Impl& impl);

// ---- helpers (internal.cc) ----------------------------------------------------------

int64_t wallClock();
// Ends run `c` at `now` as `seqc disconnect` does (no step, nothing pending, a new
// generation) and returns its history row; the caller writes both.
HistoryRow markDisconnected(ConnectionRow& c, int64_t now, std::string why);
// An `extend entity` field's spec as stored in ExtensionRow::spec, and back.
std::string specJson(const bc::FieldSpec& s);
std::optional<bc::FieldSpec> specFromJson(const std::string& name, const std::string& text);
bool sameSpec(const bc::FieldSpec& a, const bc::FieldSpec& b);
// The `extend entity` fields the workspace knows for `entity`, as `.seq` declarations a
// condition is checked with (`connect --where`); empty when there are none.
// `more` are field lines to add to the block (`  name: type "label"`).
std::string extensionDeclarations(Store& store, const std::string& entity, const std::string& more = {});
// A field's type as a declaration writes it (`string(80)`, `choice { 1 "A" }`); empty
// for a type no declaration has.
std::string typeText(const bc::FieldSpec& spec);
// The fields `program` adds to `entity` with `extend entity`, beyond the standard
// library's; Error when one is already in the workspace with another type.
std::vector<ExtensionRow> newExtensions(Store& store, const Program& program, const Program& stdlib,
                                        const std::string& entity, const std::string& what);
// The standard library checked alone: the entity schemas records are typed by.
const Program& stdlibProgram(const std::string& stdlibDir);
// What sequence `index` of `m` does, independent of where it sits in its file: equal
// fingerprints behave the same (a version's hash is fnv1a of it).
std::string fingerprint(const bc::Module& m, uint32_t index);
std::string quotedList(const std::vector<std::string>& names);
std::string suggest(std::string_view name, const std::vector<std::string>& names);
// `at` as an interpreter time; Error (or nullopt) when it is too far from the epoch.
int32_t offset(int64_t at, int64_t epoch);
std::optional<int32_t> tryOffset(int64_t at, int64_t epoch);
// An integer setting read inside the caller's transaction.
int64_t metaInt(Store& store, const char* key);

}  // namespace seqc::ws
