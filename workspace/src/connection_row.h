// A connection row as both stores read it back: one column order, and one place that
// refuses an interpreter state out of range (a damaged row fails its record only).
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <type_traits>
#include <utility>

#include "seqc/workspace/store.h"

namespace seqc::ws {

constexpr const char* kConnectionColumns =
    "id, record, sequence, version, status, reason, waiting, step, progress, pc, generation, "
    "connected, entered, due, ended, message, data, assignee";

// `q`: a result row with integer/text/optional/number<T>(column); `bytes(q, column)`:
// the data column, which the stores keep in different column types.
template <class Row, class Bytes>
ConnectionRow readConnectionRow(const Row& q, Bytes&& bytes) {
  ConnectionRow row;
  row.id = q.integer(0);
  row.record = q.text(1);
  row.sequence = q.integer(2);
  row.version = q.template number<int32_t>(3);
  auto state = [&](auto& field, int col, const char* name) {
    using T = std::remove_reference_t<decltype(field)>;
    int64_t v = q.integer(col);
    if (std::in_range<T>(v)) {
      field = static_cast<T>(v);
    } else if (row.damage.empty()) {
      row.damage = fmt::format("its saved {} {} is out of range", name, v);
    }
  };
  state(row.status, 4, "status");
  if (!row.damage.empty()) row.status = 0xFF;  // no status: never taken for Active
  state(row.reason, 5, "reason");
  state(row.waiting, 6, "waiting kind");
  state(row.step, 7, "step");
  state(row.progress, 8, "progress");
  state(row.pc, 9, "pc");
  state(row.generation, 10, "generation");
  row.connected = q.integer(11);
  row.entered = q.integer(12);
  row.due = q.optional(13);
  row.ended = q.optional(14);
  row.message = q.text(15);
  row.data = bytes(q, 16);
  row.assignee = q.text(17);
  return row;
}

}  // namespace seqc::ws
