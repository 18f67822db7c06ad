// Activity kinds, engagement events and call outcomes: the vocabulary the compiler
// checks against and the runtime executes. Part of the bytecode contract.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace seqc {

enum class ActivityKind : uint8_t {
#define ACTIVITY(E, N, S, A, EV) E,
#include "seqc/format/activity_kinds.def"
#undef ACTIVITY
};

enum class EngagementEvent : uint8_t {
#define ENGAGEMENT_EVENT(E, N) E,
#include "seqc/format/activity_kinds.def"
#undef ENGAGEMENT_EVENT
};

enum class CallOutcome : uint8_t {
#define CALL_OUTCOME(E, N) E,
#include "seqc/format/activity_kinds.def"
#undef CALL_OUTCOME
};

// Which events a step of a kind can receive.
enum class EventClass : uint8_t { NoEvents, EmailEvents, TextEvents, CallOutcomes };

struct ActivityInfo {
  std::string_view name;      // as in JSON output and history ("auto_email")
  std::string_view spelling;  // as written in source ("auto email")
  bool automated;
  EventClass events;
};

inline constexpr std::array kActivityInfo = {
#define ACTIVITY(E, N, S, A, EV) ActivityInfo{N, S, A, EventClass::EV},
#include "seqc/format/activity_kinds.def"
#undef ACTIVITY
};

inline constexpr std::array<std::string_view, 4> kEngagementEventNames = {
#define ENGAGEMENT_EVENT(E, N) N,
#include "seqc/format/activity_kinds.def"
#undef ENGAGEMENT_EVENT
};

inline constexpr std::array<std::string_view, 4> kCallOutcomeNames = {
#define CALL_OUTCOME(E, N) N,
#include "seqc/format/activity_kinds.def"
#undef CALL_OUTCOME
};

inline const ActivityInfo& info(ActivityKind k) { return kActivityInfo[static_cast<size_t>(k)]; }

inline std::optional<EngagementEvent> parseEngagementEvent(std::string_view s) {
  for (size_t i = 0; i < kEngagementEventNames.size(); ++i)
    if (kEngagementEventNames[i] == s) return static_cast<EngagementEvent>(i);
  return std::nullopt;
}

inline std::optional<CallOutcome> parseCallOutcome(std::string_view s) {
  for (size_t i = 0; i < kCallOutcomeNames.size(); ++i)
    if (kCallOutcomeNames[i] == s) return static_cast<CallOutcome>(i);
  return std::nullopt;
}

// Whether a step of kind `k` can receive event `e` (text steps only get replies).
inline bool acceptsEvent(ActivityKind k, EngagementEvent e) {
  switch (info(k).events) {
    case EventClass::EmailEvents: return true;
    case EventClass::TextEvents: return e == EngagementEvent::Replied;
    default: return false;
  }
}

}  // namespace seqc
