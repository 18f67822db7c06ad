// Values as bytes (value.h).
#include <cstring>

#include "seqc/interp/value.h"

namespace seqc::rt {

// Each value's fixed part (tag, then a length or 8 bytes) is put together on the stack
// and appended once: a load encodes millions of fields, and a push_back per byte was a
// tenth of its instructions.
void encodeValues(std::span<const Value> values, std::string& out) {
  for (const Value& v : values) {
    char head[1 + 10];  // tag, then a LEB128 length (≤ 10 bytes) or 8 bytes
    size_t n = 0;
    head[n++] = static_cast<char>(v.tag);
    switch (v.tag) {
      case Tag::Null: break;
      case Tag::Bool: head[n++] = v.b ? 1 : 0; break;
      case Tag::String: {
        uint64_t len = v.len;
        do {
          uint8_t byte = len & 0x7F;
          len >>= 7;
          head[n++] = static_cast<char>(len ? byte | 0x80 : byte);
        } while (len);
        out.append(head, n);
        out.append(v.str());
        continue;
      }
      default: {  // Int, Decimal, Money, Date, DateTime, Duration: 8 bytes, little-endian
        uint64_t bits = 0;
        std::memcpy(&bits, &v.i, 8);
        for (int i = 0; i < 8; ++i) head[n++] = static_cast<char>((bits >> (8 * i)) & 0xFF);
      }
    }
    out.append(head, n);
  }
}

bool decodeValues(std::string_view bytes, std::span<Value> out, StringArena& arena) {
  size_t at = 0;
  auto byte = [&](uint8_t& b) {
    if (at >= bytes.size()) return false;
    b = static_cast<uint8_t>(bytes[at++]);
    return true;
  };
  for (Value& v : out) {
    uint8_t tag = 0;
    if (!byte(tag) || tag > static_cast<uint8_t>(Tag::Duration)) return false;
    v = Value();
    v.tag = static_cast<Tag>(tag);
    switch (v.tag) {
      case Tag::Null: break;
      case Tag::Bool: {
        uint8_t b = 0;
        if (!byte(b) || b > 1) return false;
        v.b = b == 1;
        break;
      }
      case Tag::String: {
        uint64_t n = 0;
        for (int shift = 0;; shift += 7) {
          uint8_t b = 0;
          if (shift > 28 || !byte(b)) return false;
          n |= static_cast<uint64_t>(b & 0x7F) << shift;
          if (!(b & 0x80)) break;
        }
        if (n > bytes.size() - at) return false;
        v = Value::string(arena.store(bytes.substr(at, n)));
        at += n;
        break;
      }
      default: {
        if (bytes.size() - at < 8) return false;
        uint64_t bits = 0;
        for (int i = 0; i < 8; ++i) bits |= static_cast<uint64_t>(static_cast<uint8_t>(bytes[at + i])) << (8 * i);
        at += 8;
        std::memcpy(&v.i, &bits, 8);
      }
    }
  }
  return at == bytes.size();
}

}  // namespace seqc::rt
