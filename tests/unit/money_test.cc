// Exact money arithmetic (seqc/interp/money.h) against a decimal reference: the cases in
// money_cases.inc were computed by money_cases.py with Python's decimal module.
#include <catch2/catch.hpp>

#include <cstdint>
#include <iterator>
#include <limits>
#include <utility>

#include "seqc/interp/money.h"

using namespace seqc::rt;
using money::Exact;
using money::Result;
using money::Status;

namespace {

enum Op {
  FromInt, AddInt, SubInt, IntSub, MulInt, DivInt, CmpInt,
  FromDecimal, AddDecimal, SubDecimal, DecimalSub, MulDecimal, DivDecimal, CmpDecimal,
  AddMoney, SubMoney, Negate,
};

struct Case {
  Op op;
  int64_t m;     // money units
  int64_t k;     // int, or the second money's units
  double d;      // decimal
  int64_t want;  // units; the sign for Cmp*
  Status status;
};

constexpr Status Ok = Status::Ok, Overflow = Status::Overflow, DivisionByZero = Status::DivisionByZero;

const Case kCases[] = {
#include "money_cases.inc"
};

Result run(const Case& c) {
  Exact i = money::ofInt(c.k), b = money::ofMoney(c.k);
  auto d = money::ofDecimal(c.d);
  REQUIRE(d);
  switch (c.op) {
    case FromInt: return money::from(i);
    case AddInt: return money::add(c.m, i);
    case SubInt: return money::subtract(c.m, i);
    case IntSub: return money::subtractFrom(i, c.m);
    case MulInt: return money::multiply(c.m, i);
    case DivInt: return money::divide(c.m, i);
    case CmpInt: return {money::compare(c.m, i), Status::Ok};
    case FromDecimal: return money::from(*d);
    case AddDecimal: return money::add(c.m, *d);
    case SubDecimal: return money::subtract(c.m, *d);
    case DecimalSub: return money::subtractFrom(*d, c.m);
    case MulDecimal: return money::multiply(c.m, *d);
    case DivDecimal: return money::divide(c.m, *d);
    case CmpDecimal: return {money::compare(c.m, *d), Status::Ok};
    case AddMoney: return money::add(c.m, b);
    case SubMoney: return money::subtract(c.m, b);
    case Negate: return money::negate(c.m);
  }
  return {};
}

}  // namespace

TEST_CASE("money arithmetic matches the decimal reference", "[money]") {
  size_t failures = 0;
  for (const Case& c : kCases) {
    Result want{c.status == Status::Ok ? c.want : 0, c.status};
    Result got = run(c);
    if (got == want) continue;
    if (++failures > 20) continue;  // the first few are enough to see what is wrong
    INFO("op " << c.op << " m=" << c.m << " k=" << c.k << " d=" << c.d);
    CHECK(got.units == want.units);
    CHECK(static_cast<int>(got.status) == static_cast<int>(want.status));
  }
  CHECK(failures == 0);
  CHECK(std::size(kCases) > 4000);
}

TEST_CASE("a decimal counts as its shortest text", "[money]") {
  auto exact = [](double d) {
    auto x = money::ofDecimal(d);
    REQUIRE(x);
    return std::pair{x->digits, x->exponent};
  };
  CHECK(exact(1.1) == std::pair<int64_t, int32_t>{11, -1});
  CHECK(exact(0.0) == std::pair<int64_t, int32_t>{0, 0});
  CHECK(exact(-2.5) == std::pair<int64_t, int32_t>{-25, -1});
  CHECK(exact(1e20) == std::pair<int64_t, int32_t>{1, 20});
  CHECK(exact(0.30000000000000004) == std::pair<int64_t, int32_t>{30000000000000004, -17});
  CHECK(exact(5e-324) == std::pair<int64_t, int32_t>{5, -324});
  CHECK_FALSE(money::ofDecimal(std::numeric_limits<double>::infinity()));
  CHECK_FALSE(money::ofDecimal(std::numeric_limits<double>::quiet_NaN()));
}

TEST_CASE("the examples of the issue are exact", "[money]") {
  // 900719925474.0993 and 123456789012345.6789 were off in the last place through doubles.
  for (int64_t m : {int64_t{9007199254740993}, int64_t{1234567890123456789}}) {
    CHECK(money::multiply(m, money::ofInt(1)).units == m);
    CHECK(money::divide(m, money::ofInt(1)).units == m);
    CHECK(money::divide(money::multiply(m, money::ofInt(3)).units, money::ofInt(3)).units == m);
    CHECK(money::multiply(m, *money::ofDecimal(1.0)).units == m);
  }
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max(), kMin = std::numeric_limits<int64_t>::min();
  CHECK(money::multiply(kMax, money::ofInt(-1)) == Result{-kMax, Status::Ok});
  CHECK(money::negate(kMin).status == Status::Overflow);
  CHECK(money::multiply(kMin, money::ofInt(-1)).status == Status::Overflow);
  CHECK(money::format(kMin) == "-922337203685477.5808");
}

TEST_CASE("division rounds half away from zero", "[money]") {
  auto div = [](int64_t m, int64_t k) { return money::divide(m, money::ofInt(k)).units; };
  CHECK(div(100000, 3) == 33333);  // 10 / 3 = 3.3333
  CHECK(div(200000, 3) == 66667);  // 20 / 3 = 6.6667
  CHECK(div(2, 4) == 1);           // 0.00005 → 0.0001
  CHECK(div(-2, 4) == -1);         // -0.00005 → -0.0001
  CHECK(div(6, 4) == 2);           // 0.00015 → 0.0002
  CHECK(div(10, 4) == 3);          // 0.00025 → 0.0003 (not to even)
  CHECK(div(1, 3) == 0);
  CHECK(money::divide(1, money::ofInt(0)).status == Status::DivisionByZero);
  CHECK(money::divide(1, *money::ofDecimal(-0.0)).status == Status::DivisionByZero);
}
