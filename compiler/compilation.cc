// Loading a compilation: the standard library, the main file, imports (resolved
// relative to the importing file, each file read once, cycles reported), then checking.
#include "compiler/compilation.h"

#include <pthread.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include "compiler/parser.h"

namespace fs = std::filesystem;

namespace seqc {

Compilation::Compilation(CompileOptions options) : options_(std::move(options)) {}

void Compilation::checkFile(const std::string& path) {
  loadStdlib();
  if (auto id = read(path, {})) load(*id, 0);
  finish();
}

void Compilation::checkSource(const std::string& path, std::string text) {
  loadStdlib();
  if (text.size() > kMaxFileBytes) {
    diags_.report(DiagKind::FileError, {}, "'{}' is larger than the {} MiB limit", path, kMaxFileBytes >> 20);
  } else {
    std::error_code ec;
    fs::path canon = fs::weakly_canonical(fs::absolute(path, ec), ec);
    FileId id = sources_.add(path, std::move(text));
    state_.push_back(LoadState::Loading);
    files_.push_back(nullptr);
    byPath_[canon.string()] = id;
    load(id, 0);
  }
  finish();
}

void Compilation::loadStdlib() {
  std::vector<fs::path> paths;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(options_.stdlibDir, ec))
    if (entry.path().extension() == ".seq") paths.push_back(entry.path());
  if (ec || paths.empty()) {
    diags_.report(DiagKind::FileError, {}, "standard library not found in '{}' (set SEQC_STDLIB)",
                  options_.stdlibDir);
  }
  std::sort(paths.begin(), paths.end());  // deterministic order
  for (const fs::path& p : paths)
    if (auto id = read(p.string(), {})) load(*id, 0);
  stdlibFiles_ = sources_.size();
}

std::optional<FileId> Compilation::read(const std::string& path, SourceRange from) {
  std::error_code ec;
  fs::path canon = fs::weakly_canonical(fs::absolute(path, ec), ec);
  if (auto it = byPath_.find(canon.string()); it != byPath_.end()) return it->second;
  if (!fs::is_regular_file(canon, ec)) {
    bool exists = fs::exists(canon, ec);
    if (from.valid())
      diags_.report(DiagKind::ImportNotFound, from, "cannot import '{}': {}", path,
                    exists ? "not a regular file" : "no such file");
    else
      diags_.report(DiagKind::FileError, {}, "cannot read '{}': {}", path,
                    exists ? "not a regular file" : "no such file");
    return std::nullopt;
  }
  auto size = fs::file_size(canon, ec);
  if (ec || size > kMaxFileBytes) {
    diags_.report(from.valid() ? DiagKind::ImportNotFound : DiagKind::FileError, from,
                  "cannot read '{}': {}", path,
                  ec ? ec.message() : fmt::format("larger than the {} MiB limit", kMaxFileBytes >> 20));
    return std::nullopt;
  }
  std::ifstream in(canon, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  if (!in) {
    diags_.report(DiagKind::FileError, from, "cannot read '{}'", path);
    return std::nullopt;
  }
  FileId id = sources_.add(path, ss.str());
  state_.push_back(LoadState::Loading);
  files_.push_back(nullptr);
  byPath_[canon.string()] = id;
  return id;
}

void Compilation::load(FileId id, unsigned depth) {
  files_[id] = parseFile(sources_, id, diags_);
  const std::string& path = sources_.file(id).path();
  fs::path dir = fs::path(path).parent_path();
  for (const ast::ImportDecl& imp : files_[id]->imports) {
    if (imp.path.empty()) continue;
    fs::path target = fs::path(imp.path).is_absolute() ? fs::path(imp.path) : dir / imp.path;
    std::error_code ec;
    fs::path canon = fs::weakly_canonical(fs::absolute(target, ec), ec);
    if (auto it = byPath_.find(canon.string()); it != byPath_.end()) {
      if (state_[it->second] == LoadState::Loading)
        diags_.report(DiagKind::ImportCycle, imp.range, "importing '{}' closes an import cycle", imp.path);
      continue;  // read once
    }
    if (depth > 256) {
      diags_.report(DiagKind::NestingTooDeep, imp.range, "imports are nested more than 256 deep");
      continue;
    }
    if (auto next = read(target.lexically_normal().string(), imp.pathRange)) load(*next, depth + 1);
  }
  state_[id] = LoadState::Done;
}

void Compilation::finish() {
  std::vector<ast::File*> files;
  for (const auto& f : files_)
    if (f) files.push_back(f.get());
  size_t stdlib = 0;
  for (const auto& f : files_)
    if (f && f->id < stdlibFiles_) ++stdlib;
  program_ = checkProgram(files, stdlib, diags_);
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
