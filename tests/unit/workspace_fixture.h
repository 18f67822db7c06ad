// Shared by the workspace unit tests: a temporary directory, a fresh workspace, and
// activating a sequence from source text.
#pragma once

#include <catch2/catch.hpp>

#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "compiler/driver.h"
#include "compiler/lower.h"
#include "seqc/workspace/workspace.h"
#include "temp_dir.h"
#include "test_database.h"

namespace seqc::testing {

inline constexpr int64_t kStart = 1767225600;  // 2026-01-01T00:00:00Z
inline constexpr int64_t kDay = 86400;

inline std::string readText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void writeText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

// On the database the tests run on (test_database.h).
inline std::unique_ptr<ws::Workspace> makeWorkspace(const std::string& dir, int64_t clock = kStart) {
  if (onPostgres()) ws::Workspace::init(dir, clock, freshPgDatabase());
  else ws::Workspace::init(dir, clock);
  return std::make_unique<ws::Workspace>(dir, SEQC_STDLIB_DIR);
}

// Compiles `text` (as the file `path`), lowers it and activates it.
inline std::vector<ws::Activation> activate(ws::Workspace& w, const std::string& path, const std::string& text,
                                            const std::string& change = "", const std::string& only = "") {
  CompileResult r = compileSource(path, text, CompileOptions{SEQC_STDLIB_DIR});
  INFO(r.diagnosticsText());
  INFO(r.error);
  REQUIRE(r.ok);
  return w.activate(r, path, only, change);
}

// Runs `sql` on a workspace's database behind its back: what a damaged or hostile
// database looks like.
inline void exec(const std::string& db, const std::string& sql) {
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &h) == SQLITE_OK);
  char* error = nullptr;
  int rc = sqlite3_exec(h, sql.c_str(), nullptr, nullptr, &error);
  INFO((error ? error : ""));
  sqlite3_free(error);
  sqlite3_close(h);
  REQUIRE(rc == SQLITE_OK);
}

}  // namespace seqc::testing
