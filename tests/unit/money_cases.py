#!/usr/bin/env python3
"""Writes money_cases.inc: money operations and their results, computed with Python's
decimal module, for money_test.cc to check the interpreter's money arithmetic against.

    python3 tests/unit/money_cases.py > tests/unit/money_cases.inc

The rules are those of docs/language.md ("Money"): an amount is an integer count of
1/10000 units in int64; a decimal operand is the shortest text that reads back as its
double (Python's repr); a result is rounded to 4 places half away from zero
(ROUND_HALF_UP in the decimal module); a result outside int64 units is Overflow.
Deterministic: the same file on every run.
"""
import decimal
import random
from decimal import Decimal

D = decimal.Context(prec=1000, Emin=-10000, Emax=10000, rounding=decimal.ROUND_HALF_UP,
                    traps=[decimal.InvalidOperation, decimal.DivisionByZero])
MIN, MAX = -2**63, 2**63 - 1
UNIT = Decimal("0.0001")


def units(x):
    """An exact Decimal amount as money units, or None on overflow."""
    if abs(x) > Decimal(2**64):  # clearly out of range; quantize would need huge precision
        return None
    u = int(D.quantize(x, UNIT).scaleb(4, D))
    return u if MIN <= u <= MAX else None


def money(m):
    return Decimal(m).scaleb(-4, D)


def dec(d):
    return Decimal(repr(d))


def cxx_int(v):
    return "INT64_MIN" if v == MIN else str(v)


def cxx_double(d):
    return repr(d)


cases = []  # (op, m, k, d, result units or None, status)


def emit(op, m=0, k=0, d=0.0, value=None, status="Ok"):
    if status == "Ok" and value is None:
        status = "Overflow"
    cases.append((op, m, k, d, 0 if value is None else value, status))


def with_int(m, k):
    x = money(m)
    emit("FromInt", k=k, value=units(Decimal(k)))
    emit("AddInt", m, k, value=units(D.add(x, Decimal(k))))
    emit("SubInt", m, k, value=units(D.subtract(x, Decimal(k))))
    emit("IntSub", m, k, value=units(D.subtract(Decimal(k), x)))
    emit("MulInt", m, k, value=units(D.multiply(x, Decimal(k))))
    if k == 0:
        emit("DivInt", m, k, status="DivisionByZero")
    else:
        emit("DivInt", m, k, value=units(D.divide(x, Decimal(k))))
    emit("CmpInt", m, k, value=(x > Decimal(k)) - (x < Decimal(k)))


def with_decimal(m, d):
    x, y = money(m), dec(d)
    emit("FromDecimal", d=d, value=units(y))
    emit("AddDecimal", m, d=d, value=units(D.add(x, y)))
    emit("SubDecimal", m, d=d, value=units(D.subtract(x, y)))
    emit("DecimalSub", m, d=d, value=units(D.subtract(y, x)))
    emit("MulDecimal", m, d=d, value=units(D.multiply(x, y)))
    if y == 0:
        emit("DivDecimal", m, d=d, status="DivisionByZero")
    else:
        emit("DivDecimal", m, d=d, value=units(D.divide(x, y)))
    emit("CmpDecimal", m, d=d, value=(x > y) - (x < y))


def with_money(a, b):
    emit("AddMoney", a, b, value=units(D.add(money(a), money(b))))
    emit("SubMoney", a, b, value=units(D.subtract(money(a), money(b))))


EDGE_MONEY = [0, 1, -1, 5000, -5000, 15000, 9007199254740993, -9007199254740993,
              1234567890123456789, MAX, MIN, MAX - 1, MIN + 1, MAX // 3]
EDGE_INT = [0, 1, -1, 3, -7, 10000, 2**32 + 1, 922337203685478, MAX, MIN]
EDGE_DECIMAL = [0.0, -0.0, 1.0, -1.0, 0.1, 1.1, 2.5, 1 / 3, 0.30000000000000004, 5e-5, -5e-5,
                1.5e-4, 1.00005, 99.99995, 1e20, 1e-19, 1e-20, 1e300, 5e-324,
                1.7976931348623157e308, 922337203685477.5807, 123456789012345.6789,
                900719925474.0993, 1e-4 / 3]

rng = random.Random(20260105)


def random_money():
    kind = rng.randrange(4)
    if kind == 0:
        return rng.randint(-10**6, 10**6)
    if kind == 1:
        return rng.randint(-10**12, 10**12)
    if kind == 2:
        return rng.randint(MIN, MAX)
    if rng.random() < 0.5:  # next to an edge
        return min(MAX, max(MIN, rng.choice(EDGE_MONEY) + rng.randint(-3, 3)))
    return rng.randint(-10**16, 10**16)


def random_int():
    kind = rng.randrange(4)
    if kind == 0:
        return rng.randint(-20, 20)
    if kind == 1:
        return rng.randint(-10**6, 10**6)
    if kind == 2:
        return rng.randint(-10**15, 10**15)
    return rng.randint(MIN, MAX)


def random_decimal():
    kind = rng.randrange(5)
    if kind == 0:  # a short decimal as written in a sequence: 12.5, 0.07, 1.15
        return round(rng.uniform(-1000, 1000), rng.randrange(0, 6))
    if kind == 1:  # any double of a moderate size
        return rng.uniform(-1, 1) * 10 ** rng.randint(-8, 8)
    if kind == 2:  # a quotient, as int / int gives
        return rng.randint(-10**6, 10**6) / rng.choice([3, 7, 9, 11, 13, 10**4 + 1])
    if kind == 3:  # near a rounding midpoint
        return (rng.randint(-10**6, 10**6) + 0.5) / 10**rng.randint(4, 9)
    return rng.uniform(-1, 1) * 10 ** rng.randint(-30, 30)


for m in EDGE_MONEY:
    for k in EDGE_INT:
        with_int(m, k)
    for d in EDGE_DECIMAL:
        with_decimal(m, d)
    for b in EDGE_MONEY:
        with_money(m, b)
    emit("Negate", m, value=units(D.minus(money(m))))
for _ in range(100):
    with_int(random_money(), random_int())
    with_decimal(random_money(), random_decimal())
    with_money(random_money(), random_money())
    m = random_money()
    emit("Negate", m, value=units(D.minus(money(m))))

# The same case can come from two edges; keep the first.
seen = set()
print("// Generated by money_cases.py (python3 tests/unit/money_cases.py > tests/unit/money_cases.inc);")
print("// {op, money units, int, decimal, expected units (or the sign, for Cmp*), status}.")
for op, m, k, d, value, status in cases:
    line = f"{{{op}, {cxx_int(m)}, {cxx_int(k)}, {cxx_double(d)}, {cxx_int(value)}, {status}}},"
    if line not in seen:
        seen.add(line)
        print(line)
