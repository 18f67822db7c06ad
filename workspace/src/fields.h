// A record's field values as the store keeps them (RecordRow::fields): for each field
// with a value, its number in the entity's field list (Store::fieldNames) as LEB128,
// then the value as rt::encodeValues writes it (a tag byte, then the payload). Typed
// bytes, not text: a command decodes only the fields its module reads and parses
// nothing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "seqc/format/schema.h"
#include "seqc/interp/value.h"
#include "seqc/support/leb128.h"
#include "seqc/workspace/store.h"

namespace seqc::ws {

// An entity's field numbers, read from the store; a name seen for the first time gets
// the next number, written to the store (in the caller's transaction).
class FieldNumbers {
 public:
  FieldNumbers(Store& store, std::string entity);
  std::optional<uint32_t> find(std::string_view name) const;
  uint32_t number(const std::string& name);
  const std::vector<std::string>& names() const { return names_; }

 private:
  Store& store_;
  std::string entity_;
  std::vector<std::string> names_;
  std::unordered_map<std::string, uint32_t> byName_;
};

// Appends one field (a null value is not stored).
void appendField(uint32_t number, const rt::Value& v, std::string& out);

// Calls fn(number, bytes of its value) for each stored field; false when `fields` is
// malformed.
template <class F>
bool forEachField(std::string_view fields, F&& fn);

// One value (the bytes forEachField passed); strings are copied into `arena`.
bool decodeValue(std::string_view bytes, rt::Value& out, rt::StringArena& arena);

// Whether `spec` admits `v`: a stored value whose field changed type or lost its
// option since it was stored reads as null.
bool fits(const bc::FieldSpec& spec, const rt::Value& v);

bool sameValue(const rt::Value& a, const rt::Value& b);

// The same fields with `changes` (number, value; null removes) applied; order is kept,
// new fields go last.
std::string withChanges(std::string_view fields, const std::vector<std::pair<uint32_t, rt::Value>>& changes);

// ---- inline ---------------------------------------------------------------------------


template <class F>
bool forEachField(std::string_view fields, F&& fn) {
  size_t at = 0;
  while (at < fields.size()) {
    uint64_t number = 0;
    if (!leb128::read(fields, at, number) || number > UINT32_MAX || at >= fields.size()) return false;
    size_t begin = at;
    auto tag = static_cast<uint8_t>(fields[at++]);
    switch (static_cast<rt::Tag>(tag)) {
      case rt::Tag::Null: break;
      case rt::Tag::Bool: at += 1; break;
      case rt::Tag::String: {
        uint64_t n = 0;
        if (!leb128::read(fields, at, n) || n > fields.size() - at) return false;
        at += n;
        break;
      }
      case rt::Tag::Int: case rt::Tag::Decimal: case rt::Tag::Money: case rt::Tag::Date:
      case rt::Tag::DateTime: case rt::Tag::Duration:
        at += 8;
        break;
      default: return false;
    }
    if (at > fields.size()) return false;
    fn(static_cast<uint32_t>(number), fields.substr(begin, at - begin));
  }
  return true;
}

}  // namespace seqc::ws
