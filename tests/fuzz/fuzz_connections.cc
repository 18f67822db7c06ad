// libFuzzer harness for saved interpreter positions: the input rewrites the saved
// connection rows of a workspace (program counter, step, status, waiting kind,
// progress, times, engagement slots and variables) and adds a timers row of its own
// bytes, as a damaged or hostile database would; `tick`, `skip` and `complete` must then
// fail the damaged records with a message and never crash, hang or trip a sanitizer.
#include <sqlite3.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "compiler/driver.h"
#include "seqc/workspace/store.h"
#include "seqc/workspace/workspace.h"

namespace fs = std::filesystem;

namespace {

constexpr int64_t kStart = 1767225600;  // 2026-01-01T00:00:00Z

// Every kind of resume point: a manual step, a wait, a condition with a time limit,
// variables and engagement slots.
const char* kSource = R"(sequence "Fuzz" on lead {
  intro: email "Hello"
  let big = lead.budgetamount > 100
  wait 1d
  if intro.opened within 2d {
    call1: call "Call them"
    if call1.answered { task "Send the deck" } else { text "Sorry I missed you" }
  } else if big {
    task "Look them up"
  }
  wait 2d
  auto email "Bye" template "bye"
}
)";

struct Setup {
  std::string stdlib, pristine, db, dir;
  Setup() {
    const char* env = std::getenv("SEQC_STDLIB");
    stdlib = env ? env : "stdlib";
    fs::path base = fs::temp_directory_path() / ("seqc-fuzz-rows-" + std::to_string(::getpid()));
    fs::remove_all(base);
    fs::create_directories(base);
    std::string seed = (base / "seed").string();
    seqc::ws::Workspace::init(seed, kStart);
    {
      seqc::ws::Workspace ws(seed, stdlib);
      std::ofstream(base / "leads.csv") << "id,lastname,budgetamount\nL-1,A,50\nL-2,B,500\nL-3,C,\n";
      ws.loadRecords((base / "leads.csv").string(), "lead");
      seqc::CompileResult r = seqc::compileSource("fuzz.seq", kSource, seqc::CompileOptions{stdlib});
      if (!r.ok) __builtin_trap();
      ws.activate(r, "fuzz.seq", "", "");
      ws.connect("Fuzz", {"L-1", "L-2", "L-3"}, "", false);
      ws.complete("L-2", std::nullopt, "");  // L-2 waits; L-1 and L-3 are at the email
    }
    pristine = (seed + "/seqc.db");
    dir = (base / "ws").string();
    fs::create_directories(dir);
    db = dir + "/seqc.db";
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Setup setup;
  for (const char* suffix : {"-wal", "-shm"}) fs::remove(setup.db + suffix);
  fs::copy_file(setup.pristine, setup.db, fs::copy_options::overwrite_existing);

  // Each 16-byte chunk rewrites one column of one connection row.
  static const char* kColumns[] = {"pc", "step", "status", "waiting", "progress", "reason",
                                   "generation", "entered", "due", "connected", "data"};
  sqlite3* h = nullptr;
  if (sqlite3_open(setup.db.c_str(), &h) != SQLITE_OK) __builtin_trap();
  for (size_t at = 0; at + 16 <= size && at < 16 * 16; at += 16) {
    const uint8_t* c = data + at;
    int row = c[0] % 3 + 1;
    const char* column = kColumns[c[1] % (sizeof kColumns / sizeof *kColumns)];
    sqlite3_stmt* st = nullptr;
    std::string sql = std::string("UPDATE connections SET ") + column + " = ?1 WHERE id = ?2";
    if (sqlite3_prepare_v2(h, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) __builtin_trap();
    if (std::string_view(column) == "data") {
      sqlite3_bind_blob(st, 1, c + 3, c[2] % 14, SQLITE_TRANSIENT);
    } else {
      int64_t v = 0;
      for (int k = 0; k < 8; ++k) v = v << 8 | c[3 + k];
      if (c[2] & 1) v = static_cast<int8_t>(c[3]) + static_cast<int64_t>(c[4]) * (c[2] & 2 ? 1 : 0);  // small values
      sqlite3_bind_int64(st, 1, v);
    }
    sqlite3_bind_int(st, 2, row);
    sqlite3_step(st);
    sqlite3_finalize(st);
  }
  // A timers row naming all three connections (ids 1, 2, 3), so that the tick reads each
  // and judges it by its own `due`; the input past the column chunks is one more
  // timers row's ids, as hostile bytes.
  if (sqlite3_exec(h, "INSERT INTO timers(due, ids) VALUES(0, x'010101')", nullptr, nullptr, nullptr) != SQLITE_OK)
    __builtin_trap();
  if (size > 16 * 16) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(h, "INSERT INTO timers(due, ids) VALUES(0, ?1)", -1, &st, nullptr) != SQLITE_OK)
      __builtin_trap();
    sqlite3_bind_blob(st, 1, data + 16 * 16, static_cast<int>(size - 16 * 16), SQLITE_TRANSIENT);
    sqlite3_step(st);
    sqlite3_finalize(st);
  }
  sqlite3_close(h);

  try {
    seqc::ws::Workspace ws(setup.dir, setup.stdlib);
    for (const char* record : {"L-1", "L-2", "L-3"}) {
      try {
        ws.skip(record, "");
      } catch (const seqc::ws::Error&) {
      }
      try {
        ws.complete(record, std::nullopt, "");
      } catch (const seqc::ws::Error&) {
      }
    }
    ws.tick(kStart + 10 * 86400);
    for (const auto& v : ws.records("Fuzz")) (void)v;
  } catch (const seqc::ws::Error&) {
  } catch (const seqc::ws::StoreError&) {
    // A row the store itself cannot read (a text where a number belongs) is a damaged
    // database, reported as such.
  }
  return 0;
}
