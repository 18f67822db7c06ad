// What the workspace commands share (common.h).
#include "tools/seqc/workspace/common.h"

namespace seqc::cli::wscmd {

void print(const std::string& text) { std::fwrite(text.data(), 1, text.size(), stdout); }

void printJson(const Json& j) { print(j.dump(2, ' ', false, Json::error_handler_t::replace) + "\n"); }


std::string iso(int64_t t) { return seqc::formatDateTime(t); }

Json isoOrNull(const std::optional<int64_t>& t) { return t ? Json(iso(*t)) : Json(nullptr); }

Json textOrNull(const std::string& s) { return s.empty() ? Json(nullptr) : Json(s); }

std::string plural(size_t n, const char* one, const char* many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

std::string join(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : sep) + s;
  return out;
}

std::string_view statusName(uint8_t status) {
  return status < rt::kStatusNames.size() ? rt::kStatusNames[status] : std::string_view("unknown");
}

std::string statusText(const ws::ConnectionRow& row) {
  std::string s(statusName(row.status));
  if (row.reason < rt::kReasonSuffixes.size()) s += rt::kReasonSuffixes[row.reason];
  return s;
}

Json reasonJson(const ws::ConnectionRow& row) {
  switch (static_cast<rt::Reason>(row.reason)) {
    case rt::Reason::Reply:
    case rt::Reason::ExitWhen: return rt::name(static_cast<rt::Reason>(row.reason));
    case rt::Reason::Error: return row.message;
    default: return nullptr;
  }
}

std::string stepCell(const std::string& label, const std::string& kind, const std::string& title) {
  if (!label.empty()) return label;
  if (kind.empty()) return "-";
  if (title.empty()) return kind;
  return fmt::format("{} \"{}\"", kind, title);
}

bool isActive(const ws::ConnectionRow& row) { return row.status == static_cast<uint8_t>(rt::Status::Active); }

std::string currentStep(const ws::ConnectionView& v) {
  if (!isActive(v.row)) return "-";
  return stepCell(v.stepLabel, v.stepKind, v.stepTitle);
}

std::optional<int64_t> daysElapsed(const ws::ConnectionRow& row, int64_t clock) {
  if (!isActive(row)) return std::nullopt;
  int64_t since = clock - row.entered;
  return since < 0 ? 0 : since / seqc::kSecondsPerDay;
}

std::string movedLine(const ws::ConnectionView& v) {
  std::string s = fmt::format("{} on \"{}\": {}", v.row.record, v.sequence, statusText(v.row));
  if (isActive(v.row)) {
    std::string step = currentStep(v);
    if (step != "-") s += ", step " + step;
  } else if (v.row.status == static_cast<uint8_t>(rt::Status::Error) && !v.row.message.empty()) {
    s += " (" + v.row.message + ")";
  }
  s += fmt::format(" (progress {}/{})", v.row.progress, v.total);
  return s;
}

std::string conditionText(const bc::Module& m, const bc::Sequence& seq, const bc::Step& s) {
  std::vector<std::string> parts;
  for (uint32_t t = 0; t < s.termCount && s.termBegin + t < m.terms.size(); ++t) {
    const bc::Term& term = m.terms[s.termBegin + t];
    std::string who = "?";
    if (term.step < seq.stepCount && seq.stepBegin + term.step < m.steps.size()) {
      const bc::Step& target = m.steps[seq.stepBegin + term.step];
      if (target.label != bc::kNone) who = std::string(m.str(target.label));
    }
    for (size_t e = 0; e < kEngagementEventNames.size(); ++e)
      if (term.events & (1u << e)) parts.push_back(fmt::format("{}.{}", who, kEngagementEventNames[e]));
  }
  return join(parts, s.all ? " and " : " or ");
}

std::optional<int64_t> timeOption(const std::string& flag, const std::string& text) {
  if (text.empty()) return std::nullopt;
  auto t = seqc::parseDateTime(text);
  if (!t)
    throw UsageError(fmt::format("{}: '{}' is not an ISO 8601 time (like 2026-01-05T09:00:00Z)", flag, text));
  return t;
}

CLI::App* command(CLI::App& app, const char* name, const char* help, Common& common, bool json) {
  auto* cmd = app.add_subcommand(name, help);
  cmd->add_option("--workspace", common.dir, "the workspace directory (default: the current directory)")
      ->type_name("DIR");
  if (json) cmd->add_flag("--json", common.json, "print JSON instead of a table");
  return cmd;
}
void printTable(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows,
                const std::string& align, const std::string& indent) {
  std::vector<size_t> width(header.size(), 0);
  for (size_t c = 0; c < header.size(); ++c) width[c] = utf8::countCodePoints(header[c]);
  for (const auto& row : rows)
    for (size_t c = 0; c < row.size() && c < width.size(); ++c) width[c] = std::max(width[c], utf8::countCodePoints(row[c]));
  std::string out;
  auto line = [&](const std::vector<std::string>& cells) {
    std::string text = indent;
    for (size_t c = 0; c < header.size(); ++c) {
      const std::string cell = c < cells.size() ? cells[c] : std::string();
      std::string pad(width[c] - std::min(width[c], utf8::countCodePoints(cell)), ' ');
      if (c > 0) text += "  ";
      bool right = c < align.size() && align[c] == 'r';
      text += right ? pad + cell : cell + pad;
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out += text + "\n";
  };
  line(header);
  for (const auto& row : rows) line(row);
  print(out);
}

}  // namespace seqc::cli::wscmd
