#!/usr/bin/env python3
"""Throwaway cross-check of the standard library calendars (stdlib/calendars/*.seq).

Evaluates each calendar's holiday rules (CALENDARS.md §1) for 2020-2035 with its own small
parser and compares the dates with the published list tests/calendars/published/CC.txt,
allowing for the known differences listed in CC.exceptions. It is an independent check of
the data, not of the compiler: the real test compares the compiler's dates with the same
published files.

    python3 tests/calendars/check_rules.py          # every country
    python3 tests/calendars/check_rules.py uk jp    # some
    python3 tests/calendars/check_rules.py --dump us   # print the evaluated dates

Published file: "YYYY-MM-DD Name" per line, sorted, '#' comments. Exceptions file:
"YYYY-MM-DD extra|missing Name -- reason": `extra` is a date the rules yield that is not a
holiday, `missing` a holiday the rules cannot yield. Exit status 1 on any unexplained
difference, unused exception or malformed line. Python 3 standard library only.
"""

import datetime as dt
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CALENDARS = ROOT / "stdlib" / "calendars"
PUBLISHED = ROOT / "tests" / "calendars" / "published"
FIRST, LAST = dt.date(2020, 1, 1), dt.date(2035, 12, 31)

MONTHS = {m: i + 1 for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split())}
DAYS = {d: i for i, d in enumerate("mon tue wed thu fri sat sun".split())}
NTH = {"1st": 1, "2nd": 2, "3rd": 3, "4th": 4, "5th": 5}


class Bad(Exception):
    pass


def strip_comments(text):
    """Removes // and /* */ comments outside strings (LANGUAGE.md §1)."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        elif text.startswith("//", i):
            while i < n and text[i] != "\n":
                i += 1
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            out.append("\n" * text.count("\n", i, j))
            i = j + 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def easter(y):
    """Western (Gregorian) Easter Sunday, anonymous Gregorian algorithm."""
    a, b, c = y % 19, y // 100, y % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l) // 451
    month = (h + l - 7 * m + 114) // 31
    day = (h + l - 7 * m + 114) % 31 + 1
    return dt.date(y, month, day)


def nth_weekday(y, month, wd, n):
    d = dt.date(y, month, 1)
    d += dt.timedelta((wd - d.weekday()) % 7)
    d += dt.timedelta(7 * (n - 1))
    return d if d.month == month else None


def last_weekday(y, month, wd):
    d = dt.date(y + month // 12, month % 12 + 1, 1) - dt.timedelta(1)
    return d - dt.timedelta((d.weekday() - wd) % 7)


def iso(s):
    try:
        return dt.date.fromisoformat(s)
    except ValueError:
        raise Bad(f"impossible date {s}")


HOLIDAY = re.compile(r'holiday\s+"((?:[^"\\]|\\.)*)"\s+(.*)$')


def parse_rule(rest):
    """Returns (kind, args, observed, offset_days) for the text after the holiday's name."""
    toks = rest.split()
    offset = 0
    if len(toks) >= 2 and toks[-2] in "+-" and re.fullmatch(r"\d+d", toks[-1]):
        n = int(toks[-1][:-1])
        if not 1 <= n <= 100:
            raise Bad(f"offset out of range: {rest}")
        offset = n if toks[-2] == "+" else -n
        toks = toks[:-2]
    observed = None
    if toks[-2:] == ["observed", "next"]:
        observed, toks = "next", toks[:-2]
    elif toks[-1:] == ["observed"]:
        observed, toks = "prev", toks[:-1]
    if len(toks) == 2 and toks[0] in MONTHS and toks[1].isdigit():
        month, day = MONTHS[toks[0]], int(toks[1])
        dt.date(2024, month, day)  # raises for feb 30 and the like
        rule = ("md", (month, day))
    elif observed:
        raise Bad(f"observed only with MON D: {rest}")
    elif len(toks) == 1 and toks[0] == "easter":
        rule = ("easter", ())
    elif len(toks) == 1:
        rule = ("date", (iso(toks[0]),))
    elif len(toks) == 3 and toks[1] == "to":
        a, b = iso(toks[0]), iso(toks[2])
        if not 0 <= (b - a).days < 366:
            raise Bad(f"bad range: {rest}")
        rule = ("range", (a, b))
    elif len(toks) == 4 and toks[2] == "of" and toks[1] in DAYS and toks[3] in MONTHS:
        if toks[0] == "last":
            rule = ("last", (DAYS[toks[1]], MONTHS[toks[3]]))
        elif toks[0] in NTH:
            rule = ("nth", (NTH[toks[0]], DAYS[toks[1]], MONTHS[toks[3]]))
        else:
            raise Bad(f"bad rule: {rest}")
    else:
        raise Bad(f"bad rule: {rest}")
    if observed and offset:
        raise Bad(f"observed with an offset is not used by the stdlib: {rest}")
    return rule[0], rule[1], observed, offset


def parse_calendar(path):
    """Returns (calendar name, zone, [(holiday name, rule)]) of the single calendar in path."""
    text = strip_comments(path.read_text(encoding="utf-8"))
    m = re.search(r'calendar\s+"([^"]+)"\s*\{(.*)\}\s*$', text, re.S)
    if not m:
        raise Bad(f"{path}: no calendar declaration")
    name, body = m.group(1), m.group(2)
    zone, hours, holidays = None, [], []
    for line in body.splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("zone "):
            if zone:
                raise Bad(f"{path}: zone twice")
            zone = re.fullmatch(r'zone\s+"([^"]+)"', line).group(1)
        elif line.startswith("hours "):
            hours.append(line)
        else:
            h = HOLIDAY.fullmatch(line)
            if not h:
                raise Bad(f"{path}: cannot read line: {line}")
            try:
                holidays.append((h.group(1).replace('\\"', '"'), parse_rule(h.group(2))))
            except Bad as e:
                raise Bad(f"{path}: {e}")
    if not zone:
        raise Bad(f"{path}: no zone")
    return name, zone, hours, holidays


def natural_dates(kind, args, year):
    """The dates a rule gives for one year, before weekend observance and offsets."""
    if kind == "md":
        month, day = args
        if month == 2 and day == 29 and not (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)):
            return []
        return [dt.date(year, month, day)]
    if kind == "easter":
        return [easter(year)]
    if kind == "nth":
        d = nth_weekday(year, args[2], args[1], args[0])
        return [d] if d else []
    if kind == "last":
        return [last_weekday(year, args[1], args[0])]
    if kind == "date":
        return [args[0]] if args[0].year == year else []
    if kind == "range":
        a, b = args
        return [a + dt.timedelta(i) for i in range((b - a).days + 1) if a.year == year]
    raise AssertionError(kind)


def evaluate(holidays):
    """Every (date, name) the rules give that falls in FIRST..LAST.

    `observed`: Saturday -> Friday before, Sunday -> Monday after. `observed next`: a weekend
    date moves to the first following weekday that is not already a holiday of the calendar;
    the weekend dates are placed in date order after all the others, so Christmas on a
    Saturday takes Monday and Boxing Day (Sunday) Tuesday."""
    fixed, pending = [], []
    for year in range(FIRST.year - 1, LAST.year + 2):
        for order, (name, (kind, args, observed, offset)) in enumerate(holidays):
            for d in natural_dates(kind, args, year):
                d += dt.timedelta(offset)
                if observed == "prev" and d.weekday() >= 5:
                    d += dt.timedelta(-1 if d.weekday() == 5 else 1)
                if observed == "next" and d.weekday() >= 5:
                    pending.append((d, order, name))
                else:
                    fixed.append((d, name))
    taken = {d for d, _ in fixed}
    for d, _, name in sorted(pending):
        while d.weekday() >= 5 or d in taken:
            d += dt.timedelta(1)
        taken.add(d)
        fixed.append((d, name))
    return sorted((d, n) for d, n in fixed if FIRST <= d <= LAST)


def read_published(path):
    rows, problems = [], []
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        m = re.fullmatch(r"(\d{4}-\d\d-\d\d) (\S.*\S|\S)", line)
        if not m:
            problems.append(f"{path.name}:{i}: malformed line: {line!r}")
            continue
        try:
            d = dt.date.fromisoformat(m.group(1))
        except ValueError:
            problems.append(f"{path.name}:{i}: impossible date: {line!r}")
            continue
        if not FIRST <= d <= LAST:
            problems.append(f"{path.name}:{i}: outside {FIRST}..{LAST}: {line!r}")
        rows.append((d, m.group(2)))
    if rows != sorted(rows):
        problems.append(f"{path.name}: not sorted")
    if len(set(rows)) != len(rows):
        problems.append(f"{path.name}: duplicate lines")
    return rows, problems


def read_exceptions(path):
    extra, missing, problems = {}, {}, []
    if not path.exists():
        return extra, missing, problems
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        m = re.fullmatch(r"(\d{4}-\d\d-\d\d) (extra|missing) (.+?) -- (.+)", line)
        if not m:
            problems.append(f"{path.name}:{i}: malformed line: {line!r}")
            continue
        key = (dt.date.fromisoformat(m.group(1)), m.group(3))
        (extra if m.group(2) == "extra" else missing)[key] = m.group(4)
    return extra, missing, problems


def check(country, dump=False):
    seq = CALENDARS / f"{country}.seq"
    name, zone, hours, holidays = parse_calendar(seq)
    got = evaluate(holidays)
    if dump:
        for d, n in got:
            print(d, n)
        return True
    published, problems = read_published(PUBLISHED / f"{country}.txt")
    extra, missing, more = read_exceptions(PUBLISHED / f"{country}.exceptions")
    problems += more
    got_set, pub_set = set(got), set(published)
    if len(got_set) != len(got):
        problems.append(f"{country}.seq: the rules give the same holiday twice")
    for key in sorted(got_set - pub_set):
        if key not in extra:
            problems.append(f"rules only:     {key[0]} {key[1]}")
    for key in sorted(pub_set - got_set):
        if key not in missing:
            problems.append(f"published only: {key[0]} {key[1]}")
    for key in sorted(extra):
        if key not in got_set or key in pub_set:
            problems.append(f"unused exception (extra): {key[0]} {key[1]}")
    for key in sorted(missing):
        if key not in pub_set or key in got_set:
            problems.append(f"unused exception (missing): {key[0]} {key[1]}")
    status = "ok" if not problems else "FAIL"
    print(f"{country}: {status}  \"{name}\" {zone}, {len(holidays)} holiday lines, "
          f"{len(published)} published dates, {len(extra)} extra + {len(missing)} missing known")
    for p in problems:
        print("  " + p)
    return not problems


def main(argv):
    dump = "--dump" in argv
    countries = [a for a in argv if not a.startswith("--")] or sorted(
        p.stem for p in CALENDARS.glob("*.seq"))
    ok = True
    for c in countries:
        try:
            ok &= check(c, dump)
        except Bad as e:
            print(f"{c}: FAIL  {e}")
            ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
