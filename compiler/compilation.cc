// Loading a compilation: the standard library, the main file, imports (resolved
// relative to the importing file, each file read once, cycles reported), then checking.
#include "compiler/compilation.h"

#include <pthread.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>

#include "compiler/parser.h"
#include "seqc/support/file.h"
#include "seqc/support/quote.h"

namespace fs = std::filesystem;

namespace seqc {

namespace {

std::string canonicalPath(const fs::path& p) {
  std::error_code ec;
  fs::path absolute = fs::absolute(p, ec);
  fs::path canonical = fs::weakly_canonical(absolute, ec);
  // A link loop fails resolution: keep the path, so reading it says what is wrong.
  return ec || canonical.empty() ? absolute.lexically_normal().string() : canonical.string();
}

}  // namespace

std::shared_ptr<const Stdlib> Stdlib::get(const std::string& dir) {
  static std::mutex mutex;
  static std::map<std::string, std::shared_ptr<const Stdlib>> cache;
  std::lock_guard<std::mutex> lock(mutex);
  if (auto it = cache.find(dir); it != cache.end()) return it->second;

  auto lib = std::make_shared<Stdlib>();
  SourceManager sm;
  DiagnosticEngine diags;
  std::vector<fs::path> paths;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (entry.path().extension() == ".seq") paths.push_back(entry.path());
  if (ec || paths.empty())
    diags.report(DiagKind::FileError, {}, "standard library not found in '{}' (set SEQC_STDLIB)", dir);
  std::sort(paths.begin(), paths.end());  // deterministic FileIds
  for (const fs::path& p : paths) {
    std::string text, error;
    if (!readFile(p.string(), {kMaxFileBytes, {}, false}, text, error)) {
      diags.report(DiagKind::FileError, {}, "cannot read the standard library: {}", printable(error));
      continue;
    }
    FileId id = sm.add(p.string(), std::move(text));
    lib->files.push_back(parseFile(sm, id, diags));
    lib->sources.push_back(sm.shared(id));
  }
  lib->diagnostics = diags.diagnostics();
  cache[dir] = lib;
  return lib;
}

Compilation::Compilation(CompileOptions options)
    : stdlibDir_(options.stdlibDir), stdlib_(Stdlib::get(options.stdlibDir)) {
  if (options.files) {
    auto byKey = std::make_shared<std::map<std::string, std::string>>();
    for (const auto& [path, text] : *options.files) byKey->emplace(canonical(path), text);
    memory_ = std::move(byKey);
  }
  for (size_t i = 0; i < stdlib_->files.size(); ++i) {
    FileId id = sources_.add(stdlib_->sources[i]);
    files_.push_back(stdlib_->files[i].get());
    state_.push_back(LoadState::Done);
    byPath_[canonicalPath(stdlib_->sources[i]->path())] = id;
  }
  for (const Diagnostic& d : stdlib_->diagnostics) diags_.add(d);
}

void Compilation::checkFile(const std::string& path) {
  if (auto id = read(path, {})) load(*id, 0);
  finish();
}

void Compilation::checkSource(const std::string& path, std::string text) {
  if (text.size() > kMaxFileBytes)
    diags_.report(DiagKind::FileError, {}, "'{}' is larger than the {} MiB limit", path, kMaxFileBytes >> 20);
  else
    load(add(canonical(path), path, std::move(text)), 0);
  finish();
}

void Compilation::checkCondition(const std::string& name, std::string text, const std::string& entity,
                                 std::string declarations, bool readsMember) {
  if (!declarations.empty()) {
    std::string path = name + " (fields)";
    load(add(path, path, std::move(declarations)), 0);
  }
  if (text.size() > kMaxFileBytes) {
    diags_.report(DiagKind::FileError, {}, "'{}' is larger than the {} MiB limit", name, kMaxFileBytes >> 20);
    return finish();
  }
  auto length = static_cast<uint32_t>(text.size());
  FileId id = sources_.add(name, std::move(text));
  state_.push_back(LoadState::Done);
  auto file = std::make_unique<ast::File>();
  file->id = id;
  if (auto cond = parseCondition(sources_, id, diags_)) {
    SourceRange whole{id, 0, length}, start{id, 0, 0};
    auto seq = std::make_unique<ast::Sequence>();
    seq->range = seq->keyword = whole;
    seq->name = name;
    seq->nameRange = seq->entityRange = start;
    seq->entity = entity;
    seq->readsMember = readsMember;
    ast::Setting exit;
    exit.kind = ast::SettingKind::ExitWhen;
    exit.range = whole;
    exit.condition = std::move(*cond);
    seq->settings.push_back(std::move(exit));
    auto task = std::make_unique<ast::ActivityStmt>();
    task->activity = ActivityKind::Task;
    task->range = task->kindRange = task->titleRange = start;
    task->title = "condition";
    seq->body.range = start;
    seq->body.stmts.push_back(std::move(task));
    file->sequences.push_back(std::move(seq));
  }
  owned_.push_back(std::move(file));
  files_.push_back(owned_.back().get());
  finish();
}

FileId Compilation::add(const std::string& canonical, std::string path, std::string text) {
  FileId id = sources_.add(std::move(path), std::move(text));
  files_.push_back(nullptr);
  state_.push_back(LoadState::Loading);
  byPath_[canonical] = id;
  return id;
}

// In memory there is no disk to resolve links against: paths are equal when their
// absolute, lexically normal forms are.
std::string Compilation::canonical(const std::string& path) const {
  if (!memory_) return canonicalPath(path);
  std::error_code ec;
  return fs::absolute(path, ec).lexically_normal().string();
}

std::optional<FileId> Compilation::read(const std::string& path, SourceRange from) {
  std::string canon = canonical(path);
  if (auto it = byPath_.find(canon); it != byPath_.end()) return it->second;
  auto cannot = [&](DiagKind importKind, std::string_view why) -> std::optional<FileId> {
    if (from.valid()) diags_.report(importKind, from, "cannot import '{}': {}", printable(path), why);
    else diags_.report(DiagKind::FileError, {}, "cannot read '{}': {}", printable(path), why);
    return std::nullopt;
  };
  if (memory_) {
    auto it = memory_->find(canon);
    if (it != memory_->end()) return add(canon, path, it->second);
    return cannot(DiagKind::ImportNotFound, "no such file");
  }
  std::string text;
  bool missing = false;
  if (std::string why = readSourceFile(canon, text, &missing); !why.empty())
    return cannot(missing ? DiagKind::ImportNotFound : DiagKind::FileError, why);
  return add(canon, path, std::move(text));
}

void Compilation::load(FileId id, unsigned depth) {
  owned_.push_back(parseFile(sources_, id, diags_));
  files_[id] = owned_.back().get();
  fs::path dir = fs::path(sources_.file(id).path()).parent_path();
  for (const ast::ImportDecl& imp : files_[id]->imports) {
    if (!imp.pathRange.valid()) continue;  // no string: a syntax error says so
    if (imp.path.empty() || imp.path.find('\0') != std::string::npos) {
      // The OS would read "" as no name and stop a path at its NUL.
      diags_.report(DiagKind::ImportNotFound, imp.pathRange, "cannot import '{}': {}", printable(imp.path),
                    imp.path.empty() ? "the path is empty" : "a path cannot hold a NUL character");
      continue;
    }
    fs::path target = fs::path(imp.path).is_absolute() ? fs::path(imp.path) : dir / imp.path;
    // Not beside the importing file: the standard library's (`calendars/us.seq`).
    if (fs::path(imp.path).is_relative() && !stdlibDir_.empty() && !available(target)) {
      fs::path lib = fs::path(stdlibDir_) / imp.path;
      if (available(lib)) target = lib;
    }
    if (auto it = byPath_.find(canonical(target.string())); it != byPath_.end()) {
      if (state_[it->second] == LoadState::Loading)
        diags_.report(DiagKind::ImportCycle, imp.range, "importing '{}' closes an import cycle", imp.path);
      continue;  // each file is read once
    }
    if (depth >= kMaxImportDepth) {
      diags_.report(DiagKind::NestingTooDeep, imp.range, "imports are nested more than {} deep", kMaxImportDepth);
      continue;
    }
    if (auto next = read(target.lexically_normal().string(), imp.pathRange)) load(*next, depth + 1);
  }
  state_[id] = LoadState::Done;
}

// Whether `path` can be read: already loaded, in memory, or a file on disk.
bool Compilation::available(const fs::path& path) const {
  std::string canon = canonical(path.string());
  if (byPath_.count(canon)) return true;
  if (memory_) return memory_->count(canon) > 0;
  std::error_code ec;
  return fs::is_regular_file(canon, ec);
}

void Compilation::finish() {
  std::vector<ast::File*> files;
  for (ast::File* f : files_)
    if (f) files.push_back(f);
  program_ = checkProgram(files, stdlib_->files.size(), diags_);
}

std::string readSourceFile(const std::string& path, std::string& text, bool* missing) {
  text.clear();
  auto problem = [&](bool isMissing, std::string why) {
    if (missing) *missing = isMissing;
    return why;
  };
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    int err = errno;
    if (err == ENOENT || err == ENOTDIR) return problem(true, "no such file");
    if (err == ELOOP) return problem(true, "a loop of symbolic links");
    return problem(false, std::strerror(err));
  }
  if (!S_ISREG(st.st_mode)) return problem(true, "not a regular file");
  if (static_cast<uint64_t>(st.st_size) > kMaxFileBytes)
    return problem(false, fmt::format("larger than the {} limit", formatBytes(kMaxFileBytes)));
  // Sized to the file, not the limit: a compilation may read hundreds of small files.
  std::string error;
  if (!readFile(path, {kMaxFileBytes, {}, false}, text, error)) {
    std::string_view why = error;  // "PATH: why"
    if (why.substr(0, path.size() + 2) == path + ": ") why.remove_prefix(path.size() + 2);
    return problem(false, std::string(why));
  }
  return {};
}

std::string defaultStdlibDir(const char* argv0) {
  if (const char* env = std::getenv("SEQC_STDLIB"); env && *env) return env;
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) exe = fs::absolute(argv0 ? argv0 : "seqc", ec);
  return (exe.parent_path().parent_path() / "share" / "seqc" / "stdlib").string();
}

void runWithLargeStack(const std::function<void()>& fn) {
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 512u << 20);  // reserved, not committed
  pthread_t thread;
  auto trampoline = [](void* arg) -> void* {
    (*static_cast<const std::function<void()>*>(arg))();
    return nullptr;
  };
  if (pthread_create(&thread, &attr, trampoline, const_cast<std::function<void()>*>(&fn)) != 0) {
    pthread_attr_destroy(&attr);
    fn();  // no thread available: run here
    return;
  }
  pthread_join(thread, nullptr);
  pthread_attr_destroy(&attr);
}

}  // namespace seqc
