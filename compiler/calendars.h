// Checking `calendar` declarations (CALENDARS.md §1): the words of days and months, the
// values, and the rules of the calendar library (seqc/calendar/spec.h), which the
// bytecode verifier applies too, so what compiles also loads.
#pragma once

#include <optional>
#include <string_view>

#include "compiler/ast.h"
#include "compiler/diagnostics.h"

namespace seqc {

// `mon` … `sun` → 0 … 6, `jan` … `dec` → 1 … 12; nothing for any other word.
std::optional<int> weekdayNumber(std::string_view word);
std::optional<int> monthNumber(std::string_view word);

// Reports BadCalendar, BadHours, BadHoliday, UnknownZone and DuplicateSetting (a second
// `zone`) for `decl`, which parsed without errors; sets decl.spec when there are none.
void checkCalendar(ast::CalendarDecl& decl, DiagnosticEngine& diags);

// UnknownZone at `range` unless `name` is a zone of the tz database, with a "did you
// mean" note when one is close. True when it is a zone.
bool checkZoneName(std::string_view name, SourceRange range, DiagnosticEngine& diags);

}  // namespace seqc
