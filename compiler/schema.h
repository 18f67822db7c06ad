// The semantic model of entity schemas: entities, their fields and field types, built
// by the checker from `entity`/`extend entity` declarations (the stdlib's and the user's).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <llvm/ADT/StringMap.h>

#include "compiler/ast.h"
#include "compiler/types.h"

namespace seqc {

struct EntityInfo;

struct OptionInfo {
  int64_t value;
  std::string label;
};

struct FieldInfo {
  std::string name;
  std::string display;
  Type type;
  bool readonly = false;
  const EntityInfo* entity = nullptr;
  const ast::FieldDecl* decl = nullptr;  // where it is declared
  std::vector<OptionInfo> options;       // Choice
  std::vector<std::string> targets;      // Lookup

  const OptionInfo* optionByLabel(std::string_view label) const;
  const OptionInfo* optionByValue(int64_t value) const;
  bool canReference(std::string_view entity) const;
};

struct EntityInfo {
  std::string name;
  std::string display;
  const ast::EntityDecl* decl = nullptr;
  // Declared with a syntax error: unknown fields on it are not reported (no cascades).
  bool incomplete = false;
  std::vector<std::unique_ptr<FieldInfo>> fields;  // declaration order
  llvm::StringMap<FieldInfo*> byName;

  const FieldInfo* field(std::string_view fieldName) const {
    auto it = byName.find(fieldName);
    return it == byName.end() ? nullptr : it->second;
  }
};

class Schema {
 public:
  EntityInfo* find(std::string_view name) const {
    auto it = entities_.find(name);
    return it == entities_.end() ? nullptr : it->second.get();
  }
  EntityInfo& add(const std::string& entityName) {
    auto e = std::make_unique<EntityInfo>();
    e->name = entityName;
    EntityInfo& ref = *e;
    order_.push_back(&ref);
    entities_[entityName] = std::move(e);
    return ref;
  }
  const std::vector<EntityInfo*>& entities() const { return order_; }

 private:
  llvm::StringMap<std::unique_ptr<EntityInfo>> entities_;
  std::vector<EntityInfo*> order_;
};

}  // namespace seqc
