// `seqc show`.
#include "seqc/format/step_text.h"
#include "seqc/stats/experiment.h"
#include "seqc/support/time.h"
#include "tools/seqc/workspace/common.h"

namespace seqc::cli::wscmd {

namespace {
std::string metricText(const bc::Module&, const bc::Experiment& x) {
  return x.metric == bc::MetricKind::Event ? std::string(kEngagementEventNames[static_cast<size_t>(x.event)])
                                           : std::string("a field condition");
}
int64_t recordsNeeded(const bc::Experiment& x) {
  return stats::recordsPerVariant({x.baseline, x.mde, x.alpha, x.power, static_cast<int>(x.variants.size())})
      .value_or(0);
}
}  // namespace

Runner addShow(CLI::App& app) {
  struct Opts : Common {
    std::string name;
    int32_t version = 0;
  };
  auto opts = std::make_shared<Opts>();
  auto* cmd = command(app, "show", "Describe a sequence: properties, versions and steps", *opts, true);
  cmd->add_option("name", opts->name, "the sequence")->required()->type_name("NAME");
  auto* version = cmd->add_option("--version", opts->version, "show this version's steps (default: the latest)")
                      ->type_name("N");
  return runner(cmd, opts, [opts, version](ws::Workspace& w, const Context&) {
    std::optional<int32_t> which;
    if (version->count() > 0) which = opts->version;
    ws::SequenceDetail d = w.show(opts->name, which);
    const bc::Module& m = d.module;
    if (d.index >= m.sequences.size()) throw ws::StoreError("version " + std::to_string(d.shown) + " of \"" +
                                                            d.row.name + "\" has no such sequence");
    const bc::Sequence& seq = m.sequences[d.index];
    // Modules before bytecode 1.1 carry no assignment: the default, the record's owner.
    std::string assignment = seq.assign == bc::kNone ? "owner" : std::string(m.str(seq.assign));
    struct StepView {
      std::string label, kind, title, templ, description, condition;
      std::optional<std::string> due, wait, within;
      uint32_t line = 0;
    };
    std::vector<StepView> steps;
    for (uint32_t i = 0; i < seq.stepCount && seq.stepBegin + i < m.steps.size(); ++i) {
      const bc::Step& s = m.steps[seq.stepBegin + i];
      StepView v;
      if (s.label != bc::kNone) v.label = m.str(s.label);
      v.kind = bc::kindName(s);
      v.line = s.line;
      if (s.kind == bc::StepKind::Activity) {
        v.title = m.str(s.title);
        if (s.templ != bc::kNone) v.templ = m.str(s.templ);
        if (s.description != bc::kNone) v.description = m.str(s.description);
        if (s.seconds > 0) v.due = bc::durationText(s);
      } else if (s.kind == bc::StepKind::Wait) {
        v.wait = bc::durationText(s);
      } else {
        v.condition = conditionText(m, seq, s);
        v.within = bc::durationText(s);
      }
      steps.push_back(std::move(v));
    }
    std::string status = d.row.active ? "active" : "inactive";
    // The calendar (CALENDARS.md §2), and what `time zone` reads: a field, or an expression.
    const cal::CalendarSpec* calendar = seq.calendar == bc::kNone ? nullptr : &m.calendars[seq.calendar];
    std::string timeZone;
    if (seq.zoneBegin != seq.zoneEnd) {
      timeZone = "(an expression)";
      const uint8_t* code = m.code.data() + seq.zoneBegin;
      if (seq.zoneEnd - seq.zoneBegin == 4 && code[0] == static_cast<uint8_t>(bc::Opcode::LoadField) &&
          code[3] == static_cast<uint8_t>(bc::Opcode::ZoneResult)) {
        const bc::Field& f = m.fields[bc::readU16(code + 1)];
        timeZone = fmt::format("{}.{}", m.str(f.entity), m.str(f.name));
      }
    }

    if (opts->json) {
      Json versions = Json::array();
      for (const ws::VersionRow& v : d.versions)
        versions.push_back({{"number", v.number},
                            {"created", iso(v.created)},
                            {"change", v.change},
                            {"source", v.sourcePath},
                            {"shown", v.number == d.shown}});
      Json js = Json::array();
      for (const StepView& s : steps) {
        Json j;
        j["label"] = textOrNull(s.label);
        j["kind"] = s.kind;
        j["title"] = textOrNull(s.title);
        if (!s.condition.empty()) j["condition"] = s.condition;
        if (s.due) j["due"] = *s.due;
        if (s.wait) j["wait"] = *s.wait;
        if (s.within) j["within"] = *s.within;
        if (!s.templ.empty()) j["template"] = s.templ;
        if (!s.description.empty()) j["description"] = s.description;
        j["line"] = s.line;
        js.push_back(std::move(j));
      }
      Json out;
      out["name"] = d.row.name;
      out["description"] = d.row.description;
      out["entity"] = d.row.entity;
      out["assign_to"] = assignment;
      out["status"] = status;
      out["tags"] = d.row.tags;
      out["records"] = d.records;
      out["latest"] = d.row.latest;
      out["created"] = iso(d.row.created);
      out["modified"] = iso(d.row.modified);
      out["versions"] = std::move(versions);
      out["shown"] = d.shown;
      out["exit_on_reply"] = seq.exitOnReply;
      if (calendar) {
        out["calendar"] = calendar->name;
        out["zone"] = calendar->zone;
        out["time_zone"] = timeZone.empty() ? Json() : Json(timeZone);
        out["records_without_zone"] = d.withoutZone;
      }
      out["steps"] = std::move(js);
      Json experiments = Json::array();
      for (uint32_t k = 0; k < seq.experimentCount; ++k) {
        const bc::Experiment& x = m.experiments[seq.experimentBegin + k];
        Json variants = Json::array();
        for (const bc::Variant& v : x.variants) variants.push_back({{"name", m.str(v.name)}, {"weight", v.weight}});
        experiments.push_back({{"name", m.str(x.name)},
                               {"line", x.line},
                               {"variants", std::move(variants)},
                               {"metric", metricText(m, x)},
                               {"within", formatDuration(x.within)},
                               {"baseline", x.baseline},
                               {"mde", x.mde},
                               {"alpha", x.alpha},
                               {"power", x.power},
                               {"records_per_variant", recordsNeeded(x)}});
      }
      out["experiments"] = std::move(experiments);
      printJson(out);
      return kExitOk;
    }

    std::string out = fmt::format("\"{}\"\n", d.row.name);
    if (!d.row.description.empty()) out += fmt::format("  description: {}\n", d.row.description);
    out += fmt::format("  entity:      {}\n", d.row.entity);
    out += fmt::format("  assign to:   {}\n", assignment);
    out += fmt::format("  status:      {} (latest version {})\n", status, d.row.latest);
    out += fmt::format("  tags:        {}\n", d.row.tags.empty() ? "-" : join(d.row.tags, ", "));
    if (calendar) out += fmt::format("  calendar:    {} ({})\n", calendar->name, calendar->zone);
    if (!timeZone.empty()) out += fmt::format("  time zone:   {}\n", timeZone);
    out += fmt::format("  records:     {} connected\n", d.records);
    if (d.withoutZone > 0)
      out += fmt::format("  warning:     {} name{} no zone of the tz database: read in {}\n",
                         plural(static_cast<size_t>(d.withoutZone), "record", "records"), d.withoutZone == 1 ? "s" : "", calendar->zone);
    out += fmt::format("  modified:    {}\n", iso(d.row.modified));
    out += "\nVersions:\n";
    print(out);
    std::vector<std::vector<std::string>> rows;
    for (const ws::VersionRow& v : d.versions)
      rows.push_back({v.number == d.shown ? "*" : "", std::to_string(v.number), iso(v.created),
                      v.change.empty() ? "-" : v.change});
    printTable({"", "NUMBER", "CREATED", "CHANGE"}, rows, "lr", "  ");
    out = fmt::format("\nSteps of version {}{}:\n", d.shown, seq.exitOnReply ? " (exit on reply)" : "");
    if (steps.empty()) out += "  (none)\n";
    for (const StepView& s : steps) {
      std::string line = "  ";
      if (!s.label.empty()) line += s.label + ": ";
      line += s.kind;
      if (!s.title.empty()) line += fmt::format(" \"{}\"", s.title);
      if (!s.condition.empty()) line += " " + s.condition;
      if (s.due) line += " due " + *s.due;
      if (s.wait) line += " " + *s.wait;
      if (s.within) line += " within " + *s.within;
      if (!s.templ.empty()) line += fmt::format(" template \"{}\"", s.templ);
      out += line + "\n";
    }
    if (seq.experimentCount > 0) {
      out += fmt::format("\nExperiments of version {}:\n", d.shown);
      for (uint32_t k = 0; k < seq.experimentCount; ++k) {
        const bc::Experiment& x = m.experiments[seq.experimentBegin + k];
        std::vector<std::string> variants;
        for (const bc::Variant& v : x.variants) variants.push_back(fmt::format("{} {}%", m.str(v.name), v.weight));
        out += fmt::format("  \"{}\" (line {}): {}; metric {} within {}; {} records needed per variant\n",
                           m.str(x.name), x.line, join(variants, ", "), metricText(m, x), formatDuration(x.within),
                           recordsNeeded(x));
      }
    }
    print(out);
    return kExitOk;
  });
}

}  // namespace seqc::cli::wscmd
