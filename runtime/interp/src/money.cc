// Exact money arithmetic (money.h). Every operation becomes one rounded quotient
// num × 10^shift / den of 128-bit integers; the bounds that make this safe are noted
// where they are used.
#include "seqc/interp/money.h"

#include <array>
#include <charconv>
#include <limits>

#include <fmt/format.h>

namespace seqc::rt::money {
namespace {

__extension__ typedef __int128 i128;  // __extension__: no -Wpedantic warning

constexpr i128 kTwo64 = static_cast<i128>(1) << 64;
constexpr int kMaxPow10 = 38;  // 10^38 < 2^127 - 1 < 10^39

constexpr std::array<i128, kMaxPow10 + 1> kPow10 = [] {
  std::array<i128, kMaxPow10 + 1> p{};
  p[0] = 1;
  for (int i = 1; i <= kMaxPow10; ++i) p[i] = p[i - 1] * 10;
  return p;
}();

// x × 10^k; false (and x unchanged) when that does not fit in 128 bits.
bool scaleUp(i128& x, int k) {
  i128 r = 0;
  if (x == 0) return true;
  if (k > kMaxPow10 || __builtin_mul_overflow(x, kPow10[k], &r)) return false;
  x = r;
  return true;
}

Result fit(i128 units) {
  if (units < std::numeric_limits<int64_t>::min() || units > std::numeric_limits<int64_t>::max())
    return {0, Status::Overflow};
  return {static_cast<int64_t>(units), Status::Ok};
}

// num × 10^shift / den in units, rounded half away from zero. Needs |den| < 2^64 (so a
// num × 10^shift past 128 bits is past int64: Overflow) and |num| ≤ 2^126 when shift < 0
// (so a den × 10^-shift past 128 bits is over twice |num|: the quotient rounds to 0).
Result quotient(i128 num, i128 den, int shift) {
  if (den == 0) return {0, Status::DivisionByZero};
  if (den < 0) num = -num, den = -den;
  if (shift > 0 && !scaleUp(num, shift)) return {0, Status::Overflow};
  if (shift < 0 && !scaleUp(den, -shift)) return {0, Status::Ok};
  i128 q = num / den, r = num % den;
  if (r < 0) r = -r;
  if (r >= den - r) q += num < 0 ? -1 : 1;
  return fit(q);
}

// units + digits × 10^exponent, in units, rounded; |units|, |digits| ≤ 2^63.
Result sum(i128 units, i128 digits, int exponent) {
  int shift = exponent + 4;  // the second term is digits × 10^shift units
  if (shift >= 0) {
    // Past 2^64 the second term is past what |units| ≤ 2^63 can bring back into int64.
    if (!scaleUp(digits, shift) || digits > kTwo64 || digits < -kTwo64) return {0, Status::Overflow};
    return fit(units + digits);
  }
  // Below 10^-19 units the second term is under 0.1 units and cannot move units, a
  // whole number, to another one.
  if (-shift >= 20) return fit(units);
  return quotient(units * kPow10[-shift] + digits, 1, shift);  // < 2^127 for -shift ≤ 19
}

}  // namespace

std::optional<Exact> ofDecimal(double d) {
  // Shortest round-trip text in scientific form: "-1.2345e+02" (at most 17 digits).
  std::array<char, 32> buf{};
  auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), d, std::chars_format::scientific);
  if (ec != std::errc()) return std::nullopt;
  const char* p = buf.data();
  bool negative = *p == '-';
  if (negative) ++p;
  if (*p < '0' || *p > '9') return std::nullopt;  // inf, nan
  int64_t digits = 0;
  int fraction = 0;
  bool afterPoint = false;
  for (; p < end && *p != 'e'; ++p) {
    if (*p == '.') {
      afterPoint = true;
      continue;
    }
    digits = digits * 10 + (*p - '0');
    if (afterPoint) ++fraction;
  }
  int exponent = 0;
  if (p < end) std::from_chars(p + 1 + (p[1] == '+'), end, exponent);
  return Exact{negative ? -digits : digits, exponent - fraction};
}

Result from(Exact x) { return quotient(x.digits, 1, x.exponent + 4); }

Result add(int64_t m, Exact x) { return sum(m, x.digits, x.exponent); }
Result subtract(int64_t m, Exact x) { return sum(m, -static_cast<i128>(x.digits), x.exponent); }
Result subtractFrom(Exact x, int64_t m) { return sum(-static_cast<i128>(m), x.digits, x.exponent); }

Result negate(int64_t m) { return fit(-static_cast<i128>(m)); }

// |m × digits| ≤ 2^126.
Result multiply(int64_t m, Exact x) { return quotient(static_cast<i128>(m) * x.digits, 1, x.exponent); }

// m / (digits × 10^e) = m × 10^-e / digits, with |digits| ≤ 2^63.
Result divide(int64_t m, Exact x) { return quotient(m, x.digits, -x.exponent); }

int compare(int64_t m, Exact x) {
  auto sign = [](i128 v) { return v < 0 ? -1 : (v > 0 ? 1 : 0); };
  i128 lhs = m, rhs = x.digits;
  int shift = x.exponent + 4;
  // Whichever side leaves 128 bits when scaled is the larger in magnitude.
  if (shift >= 0 && !scaleUp(rhs, shift)) return -sign(rhs);
  if (shift < 0 && !scaleUp(lhs, -shift)) return sign(lhs);
  return lhs < rhs ? -1 : (lhs > rhs ? 1 : 0);
}

std::optional<double> ratio(int64_t a, int64_t b) {
  if (b == 0) return std::nullopt;
  return static_cast<double>(static_cast<long double>(a) / static_cast<long double>(b));
}

double toDouble(int64_t m) {
  std::string text = format(m);  // read back from the text: m / 10^4 correctly rounded
  double d = 0;
  std::from_chars(text.data(), text.data() + text.size(), d);
  return d;
}

std::string format(int64_t m) {
  uint64_t mag = m < 0 ? 0 - static_cast<uint64_t>(m) : static_cast<uint64_t>(m);
  return fmt::format("{}{}.{:04}", m < 0 ? "-" : "", mag / kMoneyScale, mag % kMoneyScale);
}

}  // namespace seqc::rt::money
