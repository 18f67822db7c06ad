// Stored field values (fields.h).
#include "fields.h"

#include <algorithm>
#include <cstring>
#include <span>

#include "seqc/sim/records.h"

namespace seqc::ws {

FieldNumbers::FieldNumbers(Store& store, std::string entity) : store_(store), entity_(std::move(entity)) {
  names_ = store_.fieldNames(entity_);
  for (uint32_t i = 0; i < names_.size(); ++i) byName_.emplace(names_[i], i);
}

std::optional<uint32_t> FieldNumbers::find(std::string_view name) const {
  auto it = byName_.find(std::string(name));
  if (it == byName_.end()) return std::nullopt;
  return it->second;
}

uint32_t FieldNumbers::number(const std::string& name) {
  if (auto it = byName_.find(name); it != byName_.end()) return it->second;
  auto n = static_cast<uint32_t>(names_.size());
  store_.addFieldName(entity_, n, name);
  names_.push_back(name);
  byName_.emplace(name, n);
  return n;
}

void appendField(uint32_t number, const rt::Value& v, std::string& out) {
  if (v.isNull()) return;
  leb128::append(number, out);
  rt::encodeValues(std::span<const rt::Value>(&v, 1), out);
}

bool decodeValue(std::string_view bytes, rt::Value& out, rt::StringArena& arena) {
  return rt::decodeValues(bytes, std::span<rt::Value>(&out, 1), arena);
}

bool fits(const bc::FieldSpec& spec, const rt::Value& v) {
  using bc::ValueType;
  switch (spec.type) {
    case ValueType::Bool: return v.tag == rt::Tag::Bool;
    case ValueType::Int: return v.tag == rt::Tag::Int;
    case ValueType::Decimal: return v.tag == rt::Tag::Decimal;
    case ValueType::Money: return v.tag == rt::Tag::Money;
    case ValueType::Date: return v.tag == rt::Tag::Date;
    case ValueType::DateTime: return v.tag == rt::Tag::DateTime;
    case ValueType::Duration: return v.tag == rt::Tag::Duration;
    case ValueType::Id: case ValueType::Lookup: return v.tag == rt::Tag::String;
    case ValueType::String: {
      if (v.tag != rt::Tag::String) return false;
      if (!spec.maxLength || v.len <= spec.maxLength) return true;  // bytes ≥ characters
      auto s = v.str();
      size_t chars = static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
      }));
      return chars <= spec.maxLength;
    }
    case ValueType::Choice:
      return v.tag == rt::Tag::Int && std::any_of(spec.options.begin(), spec.options.end(),
                                                  [&](const auto& o) { return o.first == v.i; });
    default: return false;
  }
}

bool sameValue(const rt::Value& a, const rt::Value& b) {
  if (a.tag != b.tag) return false;
  switch (a.tag) {
    case rt::Tag::Null: return true;
    case rt::Tag::Bool: return a.b == b.b;
    case rt::Tag::String: return a.str() == b.str();
    default: return a.i == b.i;  // the 8 bytes, doubles included (as stored)
  }
}

std::string withChanges(std::string_view fields, const std::vector<std::pair<uint32_t, rt::Value>>& changes) {
  std::string out;
  out.reserve(fields.size() + 16);
  std::vector<bool> done(changes.size(), false);
  auto change = [&](uint32_t number) -> const rt::Value* {
    for (size_t k = changes.size(); k-- > 0;)  // the last change of a field wins
      if (changes[k].first == number) {
        for (size_t j = 0; j < changes.size(); ++j)
          if (changes[j].first == number) done[j] = true;
        return &changes[k].second;
      }
    return nullptr;
  };
  forEachField(fields, [&](uint32_t number, std::string_view bytes) {
    if (const rt::Value* v = change(number)) {
      appendField(number, *v, out);
    } else {
      leb128::append(number, out);
      out.append(bytes);
    }
  });
  for (size_t k = 0; k < changes.size(); ++k)
    if (!done[k]) {
      change(changes[k].first);  // marks every change of this field done
      size_t last = k;
      for (size_t j = k; j < changes.size(); ++j)
        if (changes[j].first == changes[k].first) last = j;
      appendField(changes[k].first, changes[last].second, out);
    }
  return out;
}

}  // namespace seqc::ws
