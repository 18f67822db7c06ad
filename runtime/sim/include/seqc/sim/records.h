// Reading the simulator's inputs: records (CSV or JSONL) typed by an entity schema, and
// scripted events (JSONL). Errors name the file, line and field.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "seqc/format/activity.h"
#include "seqc/format/bytecode.h"
#include "seqc/format/schema.h"
#include "seqc/interp/value.h"

namespace seqc::rt {

using bc::FieldSpec;
using bc::RecordSchema;

// The schema of a field the module's code touches (its name, type and options).
FieldSpec fieldSpec(const bc::Module& m, const bc::Field& f);

// Parses one textual value of `field` (CSV cell or JSON string): choice by label or
// value, numbers, `true`/`false`, ISO dates; empty text is null. Nullopt + `error`
// ("expected a number", "no option 'Hot' (options: …)") when it does not fit.
std::optional<Value> parseFieldText(const FieldSpec& field, std::string_view text,
                                    StringArena& arena, std::string& error);
// As parseFieldText, but a string value points into `text` instead of a copy (for a
// value that is only checked). `ascii`: the caller knows `text` is ASCII (a CSV chunk
// checked once), so its UTF-8 need not be checked again.
std::optional<Value> parseFieldView(const FieldSpec& field, std::string_view text, std::string& error,
                                    bool ascii = false);

// The text parseFieldText reads back as `value` (choices by label; null is empty).
std::string fieldText(const FieldSpec& field, const Value& value);

// Records read from a file. `values` is row-major: ids.size() rows of `columns.size()`
// values, `columns` being the field names the caller asked to keep (others are
// checked, then dropped).
struct RecordTable {
  std::vector<std::string> ids;
  std::vector<uint32_t> lines;  // source line of each record
  std::vector<std::string> columns;
  std::vector<Value> values;
};

// What a records or events file may hold (docs/cli.md): larger files, rows and models
// are errors, so no input exhausts memory.
inline constexpr size_t kMaxRecordsFileBytes = size_t{4} << 30;
inline constexpr size_t kMaxRowBytes = size_t{64} << 20;
inline constexpr size_t kMaxModelBytes = size_t{1} << 20;

// Reads `path` (.csv or .jsonl by extension). Every value is checked against `schema`;
// only the fields named in `keep` are stored (missing columns are null; with
// `presentOnly`, a CSV's table has only the kept fields its header names, which saves
// memory when a schema has many more fields than the file). On error
// returns false with `error` = "FILE:LINE: field 'x': …" (or "FILE: …").
bool readRecords(const std::string& path, const RecordSchema& schema,
                 const std::vector<std::string>& keep, StringArena& arena, RecordTable& out,
                 std::string& error, bool presentOnly = false);

// The events of an events file: the engagement events are expanded from
// activity_kinds.def, in its order.
enum class EventType : uint8_t {
  Complete, Skip,
#define ENGAGEMENT_EVENT(E, N) E,
#include "seqc/format/activity_kinds.def"
#undef ENGAGEMENT_EVENT
  Update, Disconnect, Connect,
};
inline constexpr std::array kEventTypeNames = {
    std::string_view("complete"), std::string_view("skip"),
#define ENGAGEMENT_EVENT(E, N) std::string_view(N),
#include "seqc/format/activity_kinds.def"
#undef ENGAGEMENT_EVENT
    std::string_view("update"), std::string_view("disconnect"), std::string_view("connect")};
static_assert(kEventTypeNames.size() == static_cast<size_t>(EventType::Connect) + 1);

// The engagement event an event type is, if it is one.
inline std::optional<EngagementEvent> engagementEvent(EventType t) {
  auto i = static_cast<int>(t) - static_cast<int>(EventType::Opened);
  if (i < 0 || static_cast<size_t>(i) >= kEngagementEventNames.size()) return std::nullopt;
  return static_cast<EngagementEvent>(i);
}

struct Event {
  int64_t at = 0;  // seconds since the epoch
  uint32_t line = 0;
  std::string record;
  EventType type = EventType::Complete;
  std::optional<CallOutcome> outcome;                    // Complete
  std::string step;                                      // engagement events: label
  std::vector<std::pair<std::string, Value>> fields;     // Update
};

// Reads scripted events; "+1d4h" offsets are from `start`. Unknown field names in an
// `update` and values of the wrong type are errors. The result is in file order.
bool readEvents(const std::string& path, int64_t start, const RecordSchema& schema,
                StringArena& arena, std::vector<Event>& out, std::string& error);

}  // namespace seqc::rt
