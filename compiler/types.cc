// Type names for messages, and the small lookups on schema fields.
#include "compiler/types.h"

#include <fmt/core.h>

#include "compiler/schema.h"

namespace seqc {

std::string typeName(const Type& t) {
  switch (t.kind) {
    case TypeKind::Error: return "<error>";
    case TypeKind::Null: return "null";
    case TypeKind::Bool: return "bool";
    case TypeKind::Int: return "int";
    case TypeKind::Decimal: return "decimal";
    case TypeKind::Money: return "money";
    case TypeKind::String: return t.maxLength ? fmt::format("string({})", t.maxLength) : "string";
    case TypeKind::Date: return "date";
    case TypeKind::DateTime: return "datetime";
    case TypeKind::Duration: return "duration";
    case TypeKind::Id: return "id";
    case TypeKind::Lookup: {
      std::string s = "lookup";
      if (t.field)
        for (size_t i = 0; i < t.field->targets.size(); ++i)
          s += (i ? " | " : " ") + t.field->targets[i];
      return s;
    }
    case TypeKind::Choice: return t.field ? fmt::format("choice ({})", t.field->name) : "choice";
  }
  return "?";
}

const OptionInfo* FieldInfo::optionByLabel(std::string_view label) const {
  for (const auto& o : options)
    if (o.label == label) return &o;
  return nullptr;
}

const OptionInfo* FieldInfo::optionByValue(int64_t value) const {
  for (const auto& o : options)
    if (o.value == value) return &o;
  return nullptr;
}

bool FieldInfo::canReference(std::string_view e) const {
  for (const auto& t : targets)
    if (t == e) return true;
  return false;
}

bc::ValueType valueType(const Type& t) {
  switch (t.kind) {
    case TypeKind::Error: case TypeKind::Null: return bc::ValueType::Null;
    case TypeKind::Bool: return bc::ValueType::Bool;
    case TypeKind::Int: return bc::ValueType::Int;
    case TypeKind::Decimal: return bc::ValueType::Decimal;
    case TypeKind::Money: return bc::ValueType::Money;
    case TypeKind::String: return bc::ValueType::String;
    case TypeKind::Date: return bc::ValueType::Date;
    case TypeKind::DateTime: return bc::ValueType::DateTime;
    case TypeKind::Duration: return bc::ValueType::Duration;
    case TypeKind::Id: return bc::ValueType::Id;
    case TypeKind::Lookup: return bc::ValueType::Lookup;
    case TypeKind::Choice: return bc::ValueType::Choice;
  }
  return bc::ValueType::Null;
}

}  // namespace seqc
