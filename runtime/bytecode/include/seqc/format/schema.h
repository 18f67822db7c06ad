// The schema records are typed by, as plain data: the compiler produces it from entity
// declarations (compiler/driver.h), the runtime reads records with it, and the
// workspace stores it for fields added by `extend entity`.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "seqc/format/bytecode.h"

namespace seqc::bc {

// One field of the schema.
struct FieldSpec {
  std::string name;
  ValueType type = ValueType::String;
  uint32_t maxLength = 0;                                // String: 0 = unbounded
  std::vector<std::pair<int64_t, std::string>> options;  // Choice: value, label
};

struct RecordSchema {
  std::string entity;
  std::vector<FieldSpec> fields;
  const FieldSpec* find(std::string_view name) const {
    for (const auto& f : fields)
      if (f.name == name) return &f;
    return nullptr;
  }
};

}  // namespace seqc::bc
