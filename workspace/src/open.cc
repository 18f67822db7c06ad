// Opening a workspace: init (built aside, linked into place), the constructors, the
// clock, and the internals the commands share (loaded versions, lookups).
#include "seqc/workspace/workspace.h"

#include <filesystem>
#include <fstream>

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "internal.h"
#include "seqc/interp/interpreter.h"

namespace seqc::ws {

namespace fs = std::filesystem;

// ---- internals shared with catalog.cc ------------------------------------------------------

const LoadedVersion& Workspace::Impl::version(int64_t id, int32_t number) {
  auto key = std::make_pair(id, number);
  if (auto it = versions.find(key); it != versions.end()) return *it->second;
  auto row = store.version(id, number);
  if (!row) throw StoreError(fmt::format("the workspace has lost version {} of sequence #{}", number, id));
  auto v = std::make_unique<LoadedVersion>();
  v->row = std::move(*row);
  std::string error;
  const auto* bytes = reinterpret_cast<const uint8_t*>(v->row.bytecode.data());
  if (!bc::load(bytes, v->row.bytecode.size(), v->module, error) || !bc::verify(v->module, error) ||
      v->row.index >= v->module.sequences.size())
    throw StoreError(fmt::format("version {} of sequence #{} is damaged: {}", number, id,
                                 error.empty() ? "no such sequence in its module" : error));
  v->row.bytecode.clear();
  v->row.bytecode.shrink_to_fit();
  return *versions.emplace(key, std::move(v)).first->second;
}

SequenceRow Workspace::Impl::require(const std::string& name) {
  if (auto row = store.sequence(name)) return *row;
  std::vector<std::string> names;
  for (const auto& s : store.sequences()) names.push_back(s.name);
  std::string hint;
  if (auto close = suggest(name, names); !close.empty()) hint = fmt::format("; did you mean '{}'?", close);
  else if (names.empty()) hint = " (the workspace has no sequences yet: `seqc activate FILE.seq`)";
  throw Error(fmt::format("no sequence named '{}' in the workspace{}", name, hint));
}

void Workspace::Impl::describe(const LoadedVersion& v, int32_t step, std::string& label, std::string& kind,
                               std::string& title) {
  label.clear(), kind.clear(), title.clear();
  if (step < 0 || static_cast<uint32_t>(step) >= v.sequence().stepCount) return;
  const bc::Step& s = v.step(static_cast<uint16_t>(step));
  if (s.label != bc::kNone) label = std::string(v.module.str(s.label));
  if (s.title != bc::kNone) title = std::string(v.module.str(s.title));
  switch (s.kind) {
    case bc::StepKind::Activity: kind = std::string(info(s.activity).name); break;
    case bc::StepKind::Wait: kind = "wait"; break;
    case bc::StepKind::Condition: kind = "condition"; break;
  }
}

ConnectionView Workspace::Impl::view(const ConnectionRow& row, const std::string* sequenceName) {
  ConnectionView v;
  v.row = row;
  if (sequenceName) v.sequence = *sequenceName;
  else if (auto seq = store.sequenceById(row.sequence)) v.sequence = seq->name;
  const LoadedVersion& lv = version(row.sequence, row.version);
  v.total = lv.sequence().total;
  if (row.status == static_cast<uint8_t>(rt::Status::Active) && row.step != 0xFFFF)
    describe(lv, row.step, v.stepLabel, v.stepKind, v.stepTitle);
  return v;
}

// ---- opening -------------------------------------------------------------------------------

void Workspace::init(const std::string& dir, std::optional<int64_t> clock) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw Error(fmt::format("cannot create the directory '{}': {}", dir, ec.message()));
  fs::path db = fs::path(dir) / kDatabaseName;
  if (fs::exists(db, ec)) throw Error(fmt::format("'{}' already holds a workspace ({})", dir, db.string()));
  if (fs::path url = fs::path(dir) / kDatabaseUrlFile; fs::exists(url, ec))
    throw Error(fmt::format("'{}' already holds a workspace ({})", dir, url.string()));
  int64_t now = clock.value_or(wallClock());
  // Built aside and linked into place: a workspace exists complete or not at all, and
  // of two concurrent inits one fails (link, unlike rename, never replaces).
  std::string prefix = fmt::format(".{}.init-", kDatabaseName);
  for (const auto& entry : fs::directory_iterator(dir, ec)) {  // left by a killed init
    std::string name = entry.path().filename().string();
    if (!name.starts_with(prefix)) continue;
    long pid = std::strtol(name.c_str() + prefix.size(), nullptr, 10);
    if (pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) fs::remove(entry.path(), ec);
  }
  fs::path aside = fs::path(dir) / fmt::format("{}{}", prefix, ::getpid());
  fs::remove(aside, ec);
  try {
    auto store = openSqliteStore(aside.string(), true);
    inWriteTransaction(*store, [&] {
      store->setMeta("clock", std::to_string(now));
      store->setMeta("epoch", std::to_string(now));
      store->setMeta("created", std::to_string(now));
    });
  } catch (...) {
    fs::remove(aside, ec);
    throw;
  }
  for (const char* suffix : {"-wal", "-shm", "-journal"}) fs::remove(aside.string() + suffix, ec);
  int linked = ::link(aside.c_str(), db.c_str());
  int why = errno;
  fs::remove(aside, ec);
  if (linked != 0 && why == EEXIST) throw Error(fmt::format("'{}' already holds a workspace ({})", dir, db.string()));
  if (linked != 0) throw Error(fmt::format("cannot create '{}': {}", db.string(), std::strerror(why)));
}

namespace {

// The URL a server workspace's directory records, or nullopt.
std::optional<std::string> databaseUrl(const std::string& dir) {
  fs::path file = fs::path(dir) / kDatabaseUrlFile;
  std::error_code ec;
  if (!fs::exists(file, ec)) return std::nullopt;
  std::ifstream in(file);
  std::string url;
  if (!in || !std::getline(in, url)) throw Error(fmt::format("cannot read '{}'", file.string()));
  if (!isDatabaseUrl(url)) throw Error(fmt::format("'{}' does not hold a postgresql:// URL", file.string()));
  return url;
}

}  // namespace

void Workspace::init(const std::string& dir, std::optional<int64_t> clock, const std::string& database) {
  checkDatabaseUrl(database);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw Error(fmt::format("cannot create the directory '{}': {}", dir, ec.message()));
  fs::path file = fs::path(dir) / kDatabaseUrlFile;
  for (const fs::path& p : {fs::path(dir) / kDatabaseName, file})
    if (fs::exists(p, ec)) throw Error(fmt::format("'{}' already holds a workspace ({})", dir, p.string()));
  int64_t now = clock.value_or(wallClock());
  auto store = openPostgresStore(database, true);
  inWriteTransaction(*store, [&] {
    store->setMeta("clock", std::to_string(now));
    store->setMeta("epoch", std::to_string(now));
    store->setMeta("created", std::to_string(now));
  });
  // Written aside and linked into place, as the SQLite workspace is.
  fs::path aside = fs::path(dir) / fmt::format(".{}.init-{}", kDatabaseUrlFile, ::getpid());
  {
    std::ofstream out(aside, std::ios::trunc);
    out << database << "\n";
    if (!out.flush()) throw Error(fmt::format("cannot write '{}'", aside.string()));
  }
  int linked = ::link(aside.c_str(), file.c_str());
  int why = errno;
  fs::remove(aside, ec);
  if (linked != 0) throw Error(fmt::format("cannot create '{}': {}", file.string(), std::strerror(why)));
}

Workspace::Workspace(const std::string& dir, std::string stdlibDir) : dir_(dir), stdlibDir_(std::move(stdlibDir)) {
  if (auto url = databaseUrl(dir)) {
    store_ = openPostgresStore(*url, false);
    impl_ = std::make_unique<Impl>(*store_, stdlibDir_);
    upgrade();
    return;
  }
  fs::path db = fs::path(dir) / kDatabaseName;
  std::error_code ec;
  if (!fs::exists(db, ec))
    throw Error(fmt::format("no workspace in '{}' (create one with `seqc init`, or pass --workspace DIR)", dir));
  store_ = openSqliteStore(db.string(), false);
  impl_ = std::make_unique<Impl>(*store_, stdlibDir_);
  upgrade();
}

Workspace::Workspace(std::unique_ptr<Store> store, std::string dir, std::string stdlibDir)
    : dir_(std::move(dir)), stdlibDir_(std::move(stdlibDir)), store_(std::move(store)) {
  impl_ = std::make_unique<Impl>(*store_, stdlibDir_);
  upgrade();
}

Workspace::~Workspace() = default;

int64_t Workspace::clock() {
  return inReadTransaction(*store_, [&] { return metaInt(*store_, "clock"); });
}

}  // namespace seqc::ws
