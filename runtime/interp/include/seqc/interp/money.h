// Money arithmetic, exact: an amount is an int64 count of 1/10000 units (kMoneyScale),
// and every operation is done on integers (__int128 inside), never through doubles. A
// result with more than 4 decimal places is rounded half away from zero (0.00005 →
// 0.0001, -0.00005 → -0.0001); a result outside the int64 range is Overflow, never
// wrapped or clamped. A `decimal` operand (a double) counts as the shortest decimal text
// that reads back as it, so `1.1` is exactly 11/10 (docs/language.md, "Money").
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "seqc/interp/value.h"

namespace seqc::rt::money {

enum class Status : uint8_t { Ok, Overflow, DivisionByZero };

struct Result {
  int64_t units = 0;  // the amount × 10^4, when Ok
  Status status = Status::Ok;
  bool operator==(const Result&) const = default;
};

// A number as digits × 10^exponent: an int is {value, 0}, a money amount {units, -4}.
struct Exact {
  int64_t digits = 0;
  int32_t exponent = 0;
};

inline Exact ofInt(int64_t value) { return {value, 0}; }
inline Exact ofMoney(int64_t units) { return {units, -4}; }
// The shortest decimal that reads back as `d` (at most 17 digits); nullopt for inf/nan.
std::optional<Exact> ofDecimal(double d);

// An int or decimal as money (rounded to 4 places).
Result from(Exact x);
Result add(int64_t m, Exact x);       // m + x
Result subtract(int64_t m, Exact x);  // m - x
Result subtractFrom(Exact x, int64_t m);  // x - m
Result negate(int64_t m);
Result multiply(int64_t m, Exact x);
Result divide(int64_t m, Exact x);
// The sign of m - x, exactly.
int compare(int64_t m, Exact x);
// money / money is a decimal: the ratio, as the double nearest to it.
std::optional<double> ratio(int64_t a, int64_t b);
// The double nearest to the amount (a decimal field's value).
double toDouble(int64_t m);

// "-12.5000": always 4 decimal places.
std::string format(int64_t m);

}  // namespace seqc::rt::money
