// `seqc graph FILE.seq [--format dot|svg] [--sequence NAME] [-o OUT]`: draws sequences
// as Graphviz flow charts from the checked AST. One digraph for the whole run; with
// several sequences each is a cluster of it (so `dot -Tsvg` gives one SVG document).
// Node ids follow source order, so the same source always gives the same text. svg is
// rendered by the `dot` program found in PATH, fed on stdin.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <llvm/Support/Casting.h>

#include "compiler/driver.h"
#include "compiler/format.h"
#include "seqc/format/bytecode.h"
#include "seqc/support/quote.h"
#include "tools/seqc/command.h"

extern char** environ;

namespace seqc::cli {

namespace {

using llvm::cast;
using llvm::dyn_cast;

// How long `dot` may take before it is stopped: no input may hang seqc.
constexpr int kDotTimeoutSeconds = 120;
// Condition text is wrapped at spaces to about this many bytes a line.
constexpr size_t kWrapWidth = 40;

// ---- Text -------------------------------------------------------------------------

// A dot double-quoted string. In labels `\` starts an escape (`\n`, `\l`, `\N`, …), so
// a backslash is doubled; line breaks become `\n`; other control characters a space.
std::string dotQuote(std::string_view s) {
  std::string out = "\"";
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c < 0x20 || c == 0x7f) {
      out += ' ';
    } else {
      out += ch;
    }
  }
  out += '"';
  return out;
}

// `1d12h` for 2160 minutes; days, hours and minutes only, as people write waits.
std::string durationText(int64_t minutes) {
  if (minutes <= 0) return "0m";
  std::string out;
  if (minutes >= 1440) out += fmt::format("{}d", minutes / 1440);
  if (minutes % 1440 >= 60) out += fmt::format("{}h", minutes % 1440 / 60);
  if (minutes % 60) out += fmt::format("{}m", minutes % 60);
  return out;
}

// Breaks `text` at spaces outside string literals into lines of about `width` bytes.
std::string wrap(const std::string& text, size_t width) {
  std::string out;
  size_t lineStart = 0, lastBreak = std::string::npos;
  bool inString = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char ch = text[i];
    if (inString) {
      if (ch == '\\') ++i;
      else if (ch == '"') inString = false;
    } else if (ch == '"') {
      inString = true;
    } else if (ch == ' ') {
      lastBreak = i;
    }
    if (i + 1 - lineStart > width && lastBreak != std::string::npos && lastBreak > lineStart) {
      out += text.substr(lineStart, lastBreak - lineStart) + "\n";
      lineStart = lastBreak + 1;
      lastBreak = std::string::npos;
    }
  }
  out += text.substr(lineStart);
  return out;
}

// ---- Expressions as source text ---------------------------------------------------

// `e` as `seqc fmt` prints it, literals as written in its file.
std::string exprText(const SourceManager& sources, const ast::Expr& e) {
  return formatExpr(sources.file(e.range.file).text(), e);
}

// The label of the edge taken when an engagement condition holds: its events, without
// the step when they all belong to one step ("opened or clicked within 3d").
std::string engagementEdgeLabel(const ast::Condition& c) {
  std::vector<const ast::MemberExpr*> leaves;
  const char* joiner = " or ";
  bool simple = true;
  auto collect = [&](auto& self, const ast::Expr& e) -> void {
    if (const auto* m = dyn_cast<ast::MemberExpr>(&e)) {
      leaves.push_back(m);
    } else if (const auto* b = dyn_cast<ast::BinaryExpr>(&e);
               b && (b->op == ast::BinaryOp::Or || b->op == ast::BinaryOp::And)) {
      joiner = b->op == ast::BinaryOp::And ? " and " : " or ";
      self(self, *b->lhs);
      self(self, *b->rhs);
    } else {
      simple = false;
    }
  };
  collect(collect, *c.expr);
  std::string within = c.within ? " within " + durationText(c.within->minutes) : "";
  if (!simple || leaves.empty()) return "yes" + within;
  bool oneStep = true;
  for (const auto* m : leaves) oneStep &= m->object == leaves.front()->object;
  std::string out;
  for (size_t i = 0; i < leaves.size(); ++i)
    out += (i ? joiner : "") + (oneStep ? leaves[i]->member : leaves[i]->object + "." + leaves[i]->member);
  return out + within;
}

// ---- Drawing ----------------------------------------------------------------------

// An edge still to be connected to whatever comes next, with its label.
struct Pending {
  std::string from;
  std::string label;
};

// Draws one sequence: node and edge lines in source order.
class SequenceDrawer {
 public:
  SequenceDrawer(const SourceManager& sources, std::string prefix)
      : sources_(sources), prefix_(std::move(prefix)) {}

  std::string startId() const { return prefix_ + "start"; }
  const std::vector<std::string>& lines() const { return lines_; }
  // `advance to` nodes and their targets, for edges between drawn sequences.
  const std::vector<std::pair<std::string, const ast::Sequence*>>& advances() const { return advances_; }

  void draw(const ast::Sequence& s) {
    node(startId(), "shape=oval, label=\"start\"");
    std::string note;
    for (const ast::Setting& setting : s.settings) {
      if (setting.kind == ast::SettingKind::ExitOnReply) note += "exit on reply\n";
      if (setting.kind == ast::SettingKind::ExitWhen && setting.condition && setting.condition->expr)
        note += wrap("exit when " + exprText(sources_, *setting.condition->expr), kWrapWidth) + "\n";
    }
    if (!note.empty()) {
      note.pop_back();
      std::string id = prefix_ + "exit";
      node(id, "shape=note, label=" + dotQuote(note));
      lines_.push_back(fmt::format("{} -> {} [style=dashed, arrowhead=none];", startId(), id));
      lines_.push_back(fmt::format("{{ rank=same; {}; {}; }}", startId(), id));
    }
    std::vector<Pending> open = drawBlock(s.body, {{startId(), ""}});
    if (!open.empty()) {
      std::string done = prefix_ + "done";
      node(done, "shape=doublecircle, label=\"end\"");
      connect(open, done);
    }
  }

 private:
  std::string newNode(const std::string& attrs) {
    std::string id = fmt::format("{}n{}", prefix_, ++count_);
    node(id, attrs);
    return id;
  }
  void node(const std::string& id, const std::string& attrs) { lines_.push_back(id + " [" + attrs + "];"); }
  void connect(const std::vector<Pending>& from, const std::string& to) {
    for (const Pending& p : from)
      lines_.push_back(p.label.empty() ? fmt::format("{} -> {};", p.from, to)
                                       : fmt::format("{} -> {} [label={}];", p.from, to, dotQuote(p.label)));
  }
  // A node for statement `s` with `text` (after its label, if any), entered from `in`.
  std::string stmtNode(const ast::Stmt& s, const std::string& text, const std::string& attrs,
                       const std::vector<Pending>& in) {
    std::string label = s.label.empty() ? text : s.label + ": " + text;
    std::string id = newNode(attrs + ", label=" + dotQuote(label));
    connect(in, id);
    return id;
  }

  std::vector<Pending> drawBlock(const ast::Block& b, std::vector<Pending> open) {
    for (const auto& s : b.stmts) open = drawStmt(*s, open);
    return open;
  }

  std::vector<Pending> drawStmt(const ast::Stmt& s, const std::vector<Pending>& in) {
    switch (s.kind) {
      case ast::StmtKind::Activity: {
        const auto& a = cast<ast::ActivityStmt>(s);
        const ActivityInfo& kind = info(a.activity);
        std::string text = std::string(kind.spelling) + "\n" + a.title;
        if (const auto* due = a.option(ast::ActivityOptionKind::Due)) text += "\ndue " + durationText(due->due.minutes);
        std::string attrs = kind.automated ? "shape=box, style=\"rounded,filled\", fillcolor=\"#dde8f7\""
                                           : "shape=box, style=rounded";
        return {{stmtNode(s, text, attrs, in), ""}};
      }
      case ast::StmtKind::Wait:
        return {{stmtNode(s, "wait " + durationText(cast<ast::WaitStmt>(s).duration.minutes),
                          "shape=box, style=dashed", in),
                 ""}};
      case ast::StmtKind::Set: {
        const auto& set = cast<ast::SetStmt>(s);
        std::string text = "set " + (set.target ? exprText(sources_, *set.target) : "?") + " = " +
                           (set.value ? exprText(sources_, *set.value) : "?");
        return {{stmtNode(s, wrap(text, kWrapWidth), "shape=parallelogram", in), ""}};
      }
      case ast::StmtKind::Let: {
        const auto& let = cast<ast::LetStmt>(s);
        std::string text = "let " + let.name + " = " + (let.value ? exprText(sources_, *let.value) : "?");
        return {{stmtNode(s, wrap(text, kWrapWidth), "shape=parallelogram", in), ""}};
      }
      case ast::StmtKind::Assign: {
        const auto& assign = cast<ast::AssignStmt>(s);
        std::string text = assign.name + " = " + (assign.value ? exprText(sources_, *assign.value) : "?");
        return {{stmtNode(s, wrap(text, kWrapWidth), "shape=parallelogram", in), ""}};
      }
      case ast::StmtKind::End:
        stmtNode(s, "end", "shape=doublecircle", in);
        return {};
      case ast::StmtKind::Advance: {
        const auto& adv = cast<ast::AdvanceStmt>(s);
        std::string id = stmtNode(s, "advance to\n\"" + adv.target + "\"", "shape=cds", in);
        if (adv.resolved) advances_.emplace_back(id, adv.resolved);
        return {};
      }
      case ast::StmtKind::If: return drawIf(cast<ast::IfStmt>(s), in);
      case ast::StmtKind::Experiment: return drawExperiment(cast<ast::ExperimentStmt>(s), in);
    }
    return {};
  }

  // One node for the split, an edge per variant labelled with its name and weight.
  std::vector<Pending> drawExperiment(const ast::ExperimentStmt& e, const std::vector<Pending>& in) {
    std::string id = stmtNode(e, "experiment\n\"" + e.name + "\"", "shape=trapezium", in);
    std::vector<Pending> out;
    for (const ast::ExperimentItem* v : e.variants())
      for (Pending& p : drawBlock(v->body, {{id, fmt::format("{} {}%", v->name, v->weight)}}))
        out.push_back(std::move(p));
    return out;
  }

  // Each arm is a decision node; its "no" edge leads to the next arm, the else block, or
  // past the `if`.
  std::vector<Pending> drawIf(const ast::IfStmt& s, std::vector<Pending> in) {
    std::vector<Pending> out;
    for (size_t i = 0; i < s.arms.size(); ++i) {
      const ast::IfArm& arm = s.arms[i];
      const ast::Condition& c = arm.condition;
      std::string text = c.expr ? wrap(exprText(sources_, *c.expr), kWrapWidth) : "?";
      std::string yes = "yes", no = "no", attrs = "shape=diamond";
      if (c.within) {  // waits for events: a hexagon
        text += "\nwithin " + durationText(c.within->minutes);
        yes = engagementEdgeLabel(c);
        no = "timed out or skipped";
        attrs = "shape=hexagon";
      }
      std::string label = i == 0 && !s.label.empty() ? s.label + ": " + text : text;
      std::string id = newNode(attrs + ", label=" + dotQuote(label));
      connect(in, id);
      for (Pending& p : drawBlock(arm.body, {{id, yes}})) out.push_back(std::move(p));
      in = {{id, no}};
    }
    if (s.elseBlock) in = drawBlock(*s.elseBlock, in);
    for (Pending& p : in) out.push_back(std::move(p));
    return out;
  }

  const SourceManager& sources_;
  std::string prefix_;
  int count_ = 0;
  std::vector<std::string> lines_;
  std::vector<std::pair<std::string, const ast::Sequence*>> advances_;
};

std::string headerLabel(const ast::Sequence& s) { return "\"" + s.name + "\" on " + s.entity; }

// The whole run as one digraph: a single sequence drawn at top level, several as
// clusters; `advance to` a drawn sequence is a dashed edge to its start.
std::string renderDot(const SourceManager& sources, const std::vector<const ast::Sequence*>& seqs,
                      const std::string& graphName) {
  std::string out = fmt::format("digraph {} {{\n", dotQuote(graphName));
  out += "  graph [rankdir=TB, labelloc=t, fontsize=14";
  if (seqs.size() == 1) out += ", label=" + dotQuote(headerLabel(*seqs[0]));
  out += "];\n  node [fontsize=11];\n  edge [fontsize=10];\n";
  std::map<const ast::Sequence*, std::string> starts;
  std::vector<std::pair<std::string, const ast::Sequence*>> advances;
  for (size_t i = 0; i < seqs.size(); ++i) {
    SequenceDrawer d(sources, fmt::format("s{}_", i + 1));
    d.draw(*seqs[i]);
    starts[seqs[i]] = d.startId();
    for (const auto& a : d.advances()) advances.push_back(a);
    std::string indent = "  ";
    if (seqs.size() > 1) {
      out += fmt::format("  subgraph cluster_{} {{\n    label={};\n", i + 1, dotQuote(headerLabel(*seqs[i])));
      indent = "    ";
    }
    for (const std::string& line : d.lines()) out += indent + line + "\n";
    if (seqs.size() > 1) out += "  }\n";
  }
  for (const auto& [from, target] : advances)
    if (auto it = starts.find(target); it != starts.end())
      out += fmt::format("  {} -> {} [style=dashed, constraint=false];\n", from, it->second);
  out += "}\n";
  return out;
}

// ---- Running dot ------------------------------------------------------------------

// The executable `name` in PATH, if any.
std::optional<std::string> findInPath(const std::string& name) {
  const char* env = std::getenv("PATH");
  std::string_view dirs = env ? env : "/usr/local/bin:/usr/bin:/bin";
  while (true) {
    size_t colon = dirs.find(':');
    std::string dir(dirs.substr(0, colon));
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    struct stat st;
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(candidate.c_str(), X_OK) == 0)
      return candidate;
    if (colon == std::string_view::npos) return std::nullopt;
    dirs.remove_prefix(colon + 1);
  }
}

// Runs `exe -Tsvg` with `input` on stdin; its stdout in `out`. False with `error` set
// when it cannot run, fails or takes too long.
bool runDot(const std::string& exe, const std::string& input, std::string& out, std::string& error) {
  int in[2], so[2], se[2];
  if (::pipe2(in, O_CLOEXEC) != 0) {
    error = std::string("cannot run dot: ") + std::strerror(errno);
    return false;
  }
  if (::pipe2(so, O_CLOEXEC) != 0) {
    error = std::string("cannot run dot: ") + std::strerror(errno);
    ::close(in[0]), ::close(in[1]);
    return false;
  }
  if (::pipe2(se, O_CLOEXEC) != 0) {
    error = std::string("cannot run dot: ") + std::strerror(errno);
    ::close(in[0]), ::close(in[1]), ::close(so[0]), ::close(so[1]);
    return false;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], 0);
  posix_spawn_file_actions_adddup2(&actions, so[1], 1);
  posix_spawn_file_actions_adddup2(&actions, se[1], 2);
  // dot gets the default SIGPIPE disposition whatever ours is.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);
  std::string arg0 = "dot", arg1 = "-Tsvg";
  char* argv[] = {arg0.data(), arg1.data(), nullptr};
  pid_t pid = 0;
  int rc = posix_spawn(&pid, exe.c_str(), &actions, &attr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(in[0]), ::close(so[1]), ::close(se[1]);
  if (rc != 0) {
    ::close(in[1]), ::close(so[0]), ::close(se[0]);
    error = fmt::format("cannot run '{}': {}", exe, std::strerror(rc));
    return false;
  }

  // Feed stdin while draining stdout and stderr, so no pipe fills up and blocks dot.
  struct sigaction ignore = {}, previous = {};
  ignore.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &ignore, &previous);
  ::fcntl(in[1], F_SETFL, ::fcntl(in[1], F_GETFL) | O_NONBLOCK);
  std::string err;
  size_t written = 0;
  int fds[3] = {in[1], so[0], se[0]};
  if (input.empty()) ::close(fds[0]), fds[0] = -1;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(kDotTimeoutSeconds);
  bool timedOut = false;
  while (fds[1] >= 0 || fds[2] >= 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timedOut = true;
      break;
    }
    pollfd p[3];
    for (int i = 0; i < 3; ++i) p[i] = {fds[i], static_cast<short>(i == 0 ? POLLOUT : POLLIN), 0};
    if (::poll(p, 3, static_cast<int>(left.count())) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[0] >= 0 && p[0].revents) {
      ssize_t n = ::write(fds[0], input.data() + written, input.size() - written);
      if (n > 0) written += static_cast<size_t>(n);
      if ((n < 0 && errno != EAGAIN && errno != EINTR) || written == input.size()) ::close(fds[0]), fds[0] = -1;
    }
    for (int i = 1; i < 3; ++i) {
      if (fds[i] < 0 || !p[i].revents) continue;
      char buf[65536];
      ssize_t n = ::read(fds[i], buf, sizeof buf);
      if (n > 0)
        (i == 1 ? out : err).append(buf, static_cast<size_t>(n));
      else if (n == 0 || (errno != EAGAIN && errno != EINTR))
        ::close(fds[i]), fds[i] = -1;
    }
  }
  for (int fd : fds)
    if (fd >= 0) ::close(fd);
  sigaction(SIGPIPE, &previous, nullptr);
  if (timedOut) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timedOut) {
    error = fmt::format("dot did not finish within {} seconds", kDotTimeoutSeconds);
    return false;
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    while (!err.empty() && (err.back() == '\n' || err.back() == ' ')) err.pop_back();
    error = WIFEXITED(status) ? fmt::format("dot failed with exit status {}", WEXITSTATUS(status))
                              : fmt::format("dot was killed by signal {}", WTERMSIG(status));
    if (!err.empty()) error += ":\n" + err;
    return false;
  }
  return true;
}

}  // namespace

Runner addGraph(CLI::App& app) {
  struct Options {
    std::string file, format = "dot", sequence, output;
  };
  auto opts = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("graph", "Draw sequences as flow charts (Graphviz dot or svg)");
  cmd->add_option("file", opts->file, "the .seq file whose sequences to draw")->required()->type_name("FILE.seq");
  cmd->add_option("--format", opts->format, "dot text, or svg rendered by Graphviz `dot` (must be in PATH)")
      ->check(CLI::IsMember({"dot", "svg"}))
      ->type_name("dot|svg");
  cmd->add_option("--sequence", opts->sequence, "draw only this sequence (default: every sequence of the file)")
      ->type_name("NAME");
  cmd->add_option("-o,--output", opts->output, "write to this file instead of standard output")->type_name("OUT");

  return [opts, cmd](const Context& ctx) -> int {
    if (!cmd->parsed()) return -1;
    auto fail = [](const std::string& message) {
      std::fprintf(stderr, "error: %s\n", message.c_str());
      return kExitInputError;
    };
    // Checked before compiling so a missing Graphviz is reported whatever the input.
    std::optional<std::string> dot;
    if (opts->format == "svg" && !(dot = findInPath("dot")))
      return fail("graphviz is not installed (dot not found); use --format dot");

    CompileResult checked = compileFile(opts->file, {ctx.stdlibDir()}, Stage::Check);
    std::fputs(checked.diagnosticsText().c_str(), stderr);
    if (!checked.ok) return kExitInputError;
    const Compilation& c = *checked.compilation;
    const Program& program = *c.program();

    std::vector<const ast::Sequence*> seqs;
    if (!opts->sequence.empty()) {
      auto it = program.sequenceByName.find(opts->sequence);
      if (it == program.sequenceByName.end()) {
        std::string names;
        for (const SequenceInfo& s : program.sequences)
          names += (names.empty() ? "" : ", ") + seqc::quoted(s.decl->name);
        return fail(fmt::format("{} has no sequence {} (it defines {})", opts->file, seqc::quoted(opts->sequence),
                                names.empty() ? "none" : names));
      }
      seqs.push_back(program.sequences[it->second].decl);
    } else {
      // The main file is the first after the standard library; imports come later.
      FileId main = kNoFile;
      for (FileId id = 0; id < c.files().size() && main == kNoFile; ++id)
        if (!c.isStdlib(id)) main = id;
      for (const SequenceInfo& s : program.sequences)
        if (s.decl->range.file == main) seqs.push_back(s.decl);
      if (seqs.empty()) return fail(fmt::format("{} defines no sequence", opts->file));
    }

    std::string graphName =
        seqs.size() == 1 ? seqs[0]->name : std::filesystem::path(opts->file).filename().string();
    std::string text;  // deep expressions recurse as deep as the checker did
    runWithLargeStack([&] { text = renderDot(c.sources(), seqs, graphName); });
    if (dot) {
      std::string svg, error;
      if (!runDot(*dot, text, svg, error)) return fail(error);
      text = std::move(svg);
    }
    if (!opts->output.empty()) {
      std::string error;
      if (!writeFileAtomically(opts->output, text, error)) return fail(error);
      return kExitOk;
    }
    if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() || std::fflush(stdout) != 0)
      return fail("cannot write to standard output");
    return kExitOk;
  };
}

}  // namespace seqc::cli
