// Value types of the language (spec §3, §5) as a small value type. Choice and lookup
// types point at the field that declares them (its options and targets).
#pragma once

#include <cstdint>
#include <string>

#include "seqc/format/bytecode.h"

namespace seqc {

struct FieldInfo;

enum class TypeKind : uint8_t {
  Error,     // an expression already reported: nothing further is said about it
  Null,      // the literal `null`
  Bool,
  Int,
  Decimal,
  Money,
  String,
  Date,
  DateTime,
  Duration,
  Id,
  Lookup,
  Choice,
};

struct Type {
  TypeKind kind = TypeKind::Error;
  uint32_t maxLength = 0;              // String: 0 = unbounded
  const FieldInfo* field = nullptr;    // Choice/Lookup: the field with the options/targets

  static Type error() { return {TypeKind::Error}; }
  static Type of(TypeKind k) { return {k}; }
  bool isError() const { return kind == TypeKind::Error; }
  bool isNumeric() const {
    return kind == TypeKind::Int || kind == TypeKind::Decimal || kind == TypeKind::Money;
  }
  bool isTemporal() const { return kind == TypeKind::Date || kind == TypeKind::DateTime; }
  bool isReference() const { return kind == TypeKind::Id || kind == TypeKind::Lookup; }
};

// How a type is written in messages ("string(100)", "choice statecode", …).
std::string typeName(const Type& t);

// The bytecode's value type of a checked type (Error maps to Null).
bc::ValueType valueType(const Type& t);

}  // namespace seqc
