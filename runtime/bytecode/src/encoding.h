// Layout constants of the `.seqb` encoding shared by the writer and the loader
// (docs/bytecode.md), so the two cannot drift apart.
#pragma once

#include <cstdint>

namespace seqc::bc::encoding {

// A step's head byte: its kind, which optional strings follow, the condition's `and`,
// and whether it has an engagement slot.
inline constexpr uint8_t kStepKindMask = 0x03;
inline constexpr uint8_t kHasLabel = 1u << 2;
inline constexpr uint8_t kHasTitle = 1u << 3;
inline constexpr uint8_t kHasTemplate = 1u << 4;
inline constexpr uint8_t kHasDescription = 1u << 5;
inline constexpr uint8_t kAll = 1u << 6;
inline constexpr uint8_t kHasSlot = 1u << 7;

}  // namespace seqc::bc::encoding
