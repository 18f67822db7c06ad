// Small helpers shared by the workspace's source files (declared in internal.h).
#include "internal.h"
#include "seqc/support/suggest.h"

#include <algorithm>
#include <charconv>
#include <chrono>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "compiler/driver.h"
#include "seqc/support/time.h"

namespace seqc::ws {

using Json = nlohmann::ordered_json;

int64_t wallClock() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

uint64_t fnv1a(std::string_view text, uint64_t h) {
  for (unsigned char c : text) h = (h ^ c) * 0x100000001b3ull;
  return h;
}

std::string specJson(const bc::FieldSpec& s) {
  Json j;
  j["type"] = std::string(bc::name(s.type));
  if (s.maxLength) j["max_length"] = s.maxLength;
  if (!s.options.empty()) {
    Json options = Json::array();
    for (const auto& [value, label] : s.options) options.push_back(Json::array({value, label}));
    j["options"] = options;
  }
  return j.dump();
}

std::optional<bc::FieldSpec> specFromJson(const std::string& name, const std::string& text) {
  Json j = Json::parse(text, nullptr, false);
  if (!j.is_object() || !j.contains("type") || !j["type"].is_string()) return std::nullopt;
  bc::FieldSpec s;
  s.name = name;
  auto it = std::find(bc::kValueTypeNames.begin(), bc::kValueTypeNames.end(), j["type"].get<std::string>());
  if (it == bc::kValueTypeNames.end()) return std::nullopt;
  s.type = static_cast<bc::ValueType>(it - bc::kValueTypeNames.begin());
  if (j.contains("max_length") && j["max_length"].is_number_unsigned()) s.maxLength = j["max_length"].get<uint32_t>();
  if (j.contains("options") && j["options"].is_array())
    for (const auto& o : j["options"])
      if (o.is_array() && o.size() == 2 && o[0].is_number_integer() && o[1].is_string())
        s.options.emplace_back(o[0].get<int64_t>(), o[1].get<std::string>());
  return s;
}

bool sameSpec(const bc::FieldSpec& a, const bc::FieldSpec& b) {
  return a.type == b.type && a.maxLength == b.maxLength && a.options == b.options;
}

// The standard library checked alone: the entity schemas records are typed by.
const Program& stdlibProgram(const std::string& stdlibDir) {
  const Program* p = standardProgram(stdlibDir);
  if (!p) throw Error(fmt::format("the standard library in '{}' does not load", stdlibDir));
  return *p;
}

// What a sequence does, independent of where it sits in its file: its header, steps,
// branches and code with every operand resolved (constants and fields by value, jumps
// relative to the sequence). Two activations with equal fingerprints behave the same,

std::string quotedList(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += fmt::format("{}'{}'", out.empty() ? "" : ", ", n);
  return out;
}

std::string suggest(std::string_view name, const std::vector<std::string>& names) {
  std::vector<std::string_view> views(names.begin(), names.end());
  return std::string(closestMatch(name, views));
}

int32_t offset(int64_t at, int64_t epoch) {
  int64_t d = at - epoch;
  if (d > kMaxOffset || d < -kMaxOffset)
    throw Error(fmt::format("{} is too far from the workspace's start ({}); a workspace spans 34 years",
                            seqc::formatDateTime(at), seqc::formatDateTime(epoch)));
  return static_cast<int32_t>(d);
}

int64_t metaInt(Store& store, const char* key) {
  auto v = store.meta(key);
  int64_t out = 0;
  if (!v || std::from_chars(v->data(), v->data() + v->size(), out).ec != std::errc())
    throw StoreError(fmt::format("the workspace's '{}' setting is missing or damaged", key));
  return out;
}

}  // namespace seqc::ws
