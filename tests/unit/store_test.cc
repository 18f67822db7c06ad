// The SQLite workspace store: every row type round-trips, queries filter and order as
// store.h says, transactions commit/roll back and exclude each other, and a damaged
// file is reported as corrupt, never crashed on.
#include <algorithm>
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <thread>

#include "seqc/workspace/store.h"
#include "temp_dir.h"
#include "test_database.h"

using namespace seqc::ws;
using Catch::Matchers::Contains;

namespace {

using seqc::testing::TempDir;

SequenceRow makeSequence(const std::string& name) {
  SequenceRow s;
  s.name = name;
  s.entity = "lead";
  s.description = "about " + name;
  s.tags = {"outbound", "q3"};
  s.active = true;
  s.latest = 1;
  s.created = 1700000000;
  s.modified = 1700000100;
  return s;
}

VersionRow makeVersion(int64_t sequence, int32_t number) {
  VersionRow v;
  v.sequence = sequence;
  v.number = number;
  v.change = "version " + std::to_string(number);
  v.sourcePath = "seq/main.seq";
  v.sources = R"({"seq/main.seq":"sequence x {}"})";
  v.hash = "h" + std::to_string(number);
  v.bytecode = std::string("SEQB\0\x01\xff", 7);
  v.index = 2;
  v.created = 1700000000 + number;
  return v;
}

ConnectionRow makeConnection(const std::string& record, int64_t sequence, int32_t version) {
  ConnectionRow c;
  c.record = record;
  c.sequence = sequence;
  c.version = version;
  c.connected = 1700000000;
  c.entered = 1700000000;
  c.data = std::string("\0\x01slot", 6);
  return c;
}

// A store on the database the tests run on (test_database.h): a SQLite file, or a
// fresh PostgreSQL database.
struct TestDb {
  TempDir dir;
  std::string path = seqc::testing::onPostgres() ? seqc::testing::freshPgDatabase() : (dir / "seqc.db");
  std::unique_ptr<Store> open(bool create) const {
    return seqc::testing::onPostgres() ? openPostgresStore(path, create) : openSqliteStore(path, create);
  }
};

// A workspace with sequences "alpha" and "beta" (version 1 each) and records r1…r3.
struct Fixture {
  TestDb db;
  std::string path = db.path;
  std::unique_ptr<Store> store = db.open(true);
  std::unique_ptr<Store> reopen() const { return db.open(false); }
  int64_t alpha = 0, beta = 0;

  Fixture() {
    inWriteTransaction(*store, [&] {
      alpha = store->insertSequence(makeSequence("alpha"));
      beta = store->insertSequence(makeSequence("beta"));
      store->insertVersion(makeVersion(alpha, 1));
      store->insertVersion(makeVersion(beta, 1));
      store->upsertRecords({{"r1", "lead", "{}", 1}, {"r2", "lead", "{}", 1}, {"r3", "lead", "{}", 1}});
    });
  }

  std::vector<int64_t> ids(const ConnectionFilter& filter) {
    std::vector<int64_t> out;
    store->forEachConnection(filter, [&](const ConnectionRow& c) { out.push_back(c.id); });
    return out;
  }
};

// Overwrites 4 bytes of the database header (big-endian), as another program could.
void patchHeader(const std::string& path, std::streamoff offset, uint32_t value) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(offset);
  char bytes[4] = {static_cast<char>(value >> 24), static_cast<char>(value >> 16),
                   static_cast<char>(value >> 8), static_cast<char>(value)};
  f.write(bytes, 4);
}

// Opens `path` and reads everything in it.
void readAll(const std::string& path) {
  auto store = openSqliteStore(path, false);
  store->begin(false);
  for (const auto& s : store->sequences()) {
    store->versions(s.id);
    store->forEachHistory(s.id, [](const HistoryRow&) {});
  }
  store->forEachRecord("lead", [](const RecordRow&) {});
  store->forEachConnection({}, [](const ConnectionRow&) {});
  store->activeCounts();
  store->commit();
}

}  // namespace

TEST_CASE("store: create, reopen, missing and existing files", "[store][sqlite]") {
  TempDir dir;
  std::string path = (dir / "seqc.db");

  CHECK_THROWS_WITH(openSqliteStore(path, false), Contains("does not exist") && Contains(path));
  {
    auto store = openSqliteStore(path, true);
    inWriteTransaction(*store, [&] {
      store->setMeta("clock", "system");
      store->setMeta("epoch", "0");
      store->setMeta("epoch", "1700000000");
    });
    CHECK(std::filesystem::exists(path + "-wal"));  // WAL mode
  }
  CHECK_THROWS_WITH(openSqliteStore(path, true), Contains("exists already") && Contains(path));

  auto store = openSqliteStore(path, false);
  store->begin(false);
  CHECK(store->meta("clock") == "system");
  CHECK(store->meta("epoch") == "1700000000");
  CHECK_FALSE(store->meta("format"));
  store->commit();

  CHECK_THROWS_WITH(openSqliteStore((dir / "no/such/dir/seqc.db"), true), Contains("cannot create"));
}

TEST_CASE("store: every row type round-trips", "[store]") {
  Fixture f;
  Store& s = *f.store;
  s.begin(true);

  SequenceRow seq = makeSequence("gamma ünïcode");
  seq.tags = {"a", "b \"quoted\"", ""};
  seq.deleted = false;
  seq.latest = 3;
  seq.id = s.insertSequence(seq);
  CHECK(seq.id > f.beta);
  auto got = s.sequenceById(seq.id);
  REQUIRE(got);
  CHECK(got->name == seq.name);
  CHECK(got->entity == "lead");
  CHECK(got->description == seq.description);
  CHECK(got->tags == seq.tags);
  CHECK(got->active);
  CHECK(got->latest == 3);
  CHECK(got->created == seq.created);
  CHECK(got->modified == seq.modified);
  CHECK_FALSE(got->deleted);

  seq.active = false;
  seq.tags.clear();
  seq.modified = 1800000000;
  seq.description = "";
  s.updateSequence(seq);
  got = s.sequence("gamma ünïcode");
  REQUIRE(got);
  CHECK_FALSE(got->active);
  CHECK(got->tags.empty());
  CHECK(got->modified == 1800000000);
  CHECK(got->description.empty());

  auto names = s.sequences();
  REQUIRE(names.size() == 3);
  CHECK(names[0].name == "alpha");
  CHECK(names[1].name == "beta");
  CHECK(names[2].name == "gamma ünïcode");

  // Versions: binary bytecode, ordered by number.
  s.insertVersion(makeVersion(seq.id, 2));
  VersionRow v1 = makeVersion(seq.id, 1);
  v1.bytecode = std::string(1000, '\0') + "end";
  v1.index = std::numeric_limits<uint32_t>::max();
  s.insertVersion(v1);
  auto v = s.version(seq.id, 1);
  REQUIRE(v);
  CHECK(v->sequence == seq.id);
  CHECK(v->number == 1);
  CHECK(v->change == v1.change);
  CHECK(v->sourcePath == v1.sourcePath);
  CHECK(v->sources == v1.sources);
  CHECK(v->hash == v1.hash);
  CHECK(v->bytecode == v1.bytecode);
  CHECK(v->index == v1.index);
  CHECK(v->created == v1.created);
  CHECK_FALSE(s.version(seq.id, 3));
  auto vs = s.versions(seq.id);
  REQUIRE(vs.size() == 2);
  CHECK(vs[0].number == 1);
  CHECK(vs[1].number == 2);
  CHECK(vs[1].bytecode == makeVersion(seq.id, 2).bytecode);
  CHECK_THROWS_AS(s.insertVersion(makeVersion(seq.id, 2)), StoreError);

  // Extensions, by field; one registration per field.
  s.insertExtension({"lead", "score", R"({"type":"number"})", seq.id});
  s.insertExtension({"lead", "region", R"({"type":"text","max_length":20})", f.alpha});
  s.insertExtension({"account", "tier", "{}", f.alpha});
  auto ext = s.extensions("lead");
  REQUIRE(ext.size() == 2);
  CHECK(ext[0].field == "region");
  CHECK(ext[0].spec == R"({"type":"text","max_length":20})");
  CHECK(ext[0].sequence == f.alpha);
  CHECK(ext[1].field == "score");
  CHECK(ext[1].entity == "lead");
  CHECK(s.extensions("contact").empty());
  CHECK_THROWS_WITH(s.insertExtension({"lead", "score", "{}", f.beta}), Contains("registered already"));

  // Records: upsert replaces, records() keeps the order asked and skips missing ones.
  s.upsertRecords({{"r2", "lead", R"({"name":"Bob"})", 5}, {"a1", "account", R"({"x":"1"})", 6}});
  auto r2 = s.record("r2");
  REQUIRE(r2);
  CHECK(r2->entity == "lead");
  CHECK(r2->fields == R"({"name":"Bob"})");
  CHECK(r2->updated == 5);
  CHECK_FALSE(s.record("nobody"));
  s.updateRecordFields("r3", R"({"name":"Cy"})", 9);
  CHECK(s.record("r3")->fields == R"({"name":"Cy"})");
  CHECK(s.record("r3")->updated == 9);
  CHECK_THROWS_AS(s.updateRecordFields("nobody", "{}", 1), StoreError);
  auto some = s.records({"r3", "missing", "a1", "r1"});
  REQUIRE(some.size() == 3);
  CHECK(some[0].id == "r3");
  CHECK(some[1].id == "a1");
  CHECK(some[2].id == "r1");
  std::vector<std::string> leads;
  s.forEachRecord("lead", [&](const RecordRow& r) { leads.push_back(r.id); });
  CHECK(leads == std::vector<std::string>{"r1", "r2", "r3"});

  // Connections: every column, extremes included.
  ConnectionRow c = makeConnection("r1", seq.id, 2);
  c.status = 4;
  c.reason = 3;
  c.waiting = 2;
  c.step = 0xFFFF;
  c.progress = 0xFFFE;
  c.pc = std::numeric_limits<uint32_t>::max();
  c.generation = 77;
  c.connected = -5;
  c.entered = 1700000500;
  c.due = 1700009999;
  c.ended = std::nullopt;
  c.message = "advanced to \"beta\"";
  c.data = std::string("\0\0\xff\x80", 4);
  ConnectionRow empty = makeConnection("r2", seq.id, 1);
  empty.data.clear();
  std::vector<ConnectionRow> rows{c, empty};
  s.insertConnections(rows);
  CHECK(rows[0].id > 0);
  CHECK(rows[1].id == rows[0].id + 1);
  c.id = rows[0].id;

  auto read = [&](int64_t id) {
    std::optional<ConnectionRow> out;
    s.forEachConnection({}, [&](const ConnectionRow& r) {
      if (r.id == id) out = r;
    });
    REQUIRE(out);
    return *out;
  };
  ConnectionRow back = read(c.id);
  CHECK(back.record == "r1");
  CHECK(back.sequence == seq.id);
  CHECK(back.version == 2);
  CHECK(back.status == 4);
  CHECK(back.reason == 3);
  CHECK(back.waiting == 2);
  CHECK(back.step == 0xFFFF);
  CHECK(back.progress == 0xFFFE);
  CHECK(back.pc == std::numeric_limits<uint32_t>::max());
  CHECK(back.generation == 77);
  CHECK(back.connected == -5);
  CHECK(back.entered == 1700000500);
  CHECK(back.due == 1700009999);
  CHECK_FALSE(back.ended);
  CHECK(back.message == c.message);
  CHECK(back.data == c.data);
  CHECK(read(rows[1].id).data.empty());

  c.version = 1;
  c.status = 1;
  c.due = std::nullopt;
  c.ended = 1700010000;
  c.data = "new";
  c.message = "";
  s.updateConnections({c});
  back = read(c.id);
  CHECK(back.version == 1);
  CHECK(back.status == 1);
  CHECK_FALSE(back.due);
  CHECK(back.ended == 1700010000);
  CHECK(back.data == "new");
  CHECK(back.message.empty());
  ConnectionRow ghost = c;
  ghost.id = 999999;
  CHECK_THROWS_AS(s.updateConnections({ghost}), StoreError);

  // Foreign keys: a connection needs its record and version.
  std::vector<ConnectionRow> bad{makeConnection("nobody", seq.id, 1)};
  CHECK_THROWS_AS(s.insertConnections(bad), StoreError);
  bad = {makeConnection("r1", seq.id, 9)};
  CHECK_THROWS_AS(s.insertConnections(bad), StoreError);

  // History.
  s.appendHistory({{c.id, 1700000001, 0, "sent", "email 1"}, {c.id, 1700000002, -1, "disconnected", "why"}});
  auto h = s.history("r1");
  REQUIRE(h.size() == 2);
  CHECK(h[0].connection == c.id);
  CHECK(h[0].at == 1700000001);
  CHECK(h[0].step == 0);
  CHECK(h[0].result == "sent");
  CHECK(h[0].detail == "email 1");
  CHECK(h[1].step == -1);
  CHECK(h[1].result == "disconnected");
  CHECK(h[1].detail == "why");
  CHECK(s.history("r2").empty());

  s.commit();
}

TEST_CASE("store: upserts in batches insert, replace and keep every row", "[store]") {
  // More rows than one multi-row statement holds, with existing ones among them and a
  // remainder: each row lands once, with its own values.
  Fixture f;
  Store& s = *f.store;
  std::vector<RecordRow> rows;
  for (int i = 0; i < 200; ++i) rows.push_back({fmt::format("b{:03}", i), "lead", fmt::format("f{}", i), i});
  rows[70] = {"r2", "lead", "again", 70};
  rows[199] = {"r3", "lead", "last", 199};
  inWriteTransaction(s, [&] { s.upsertRecords(rows); });
  s.begin(false);
  size_t leads = 0;
  s.forEachRecord("lead", [&](const RecordRow&) { ++leads; });
  CHECK(leads == 1 + 200);  // r1 and the 200 (two of them r2 and r3)
  CHECK(s.record("b000")->fields == "f0");
  CHECK(s.record("b069")->fields == "f69");
  CHECK(s.record("b071")->updated == 71);
  CHECK(s.record("b198")->fields == "f198");
  CHECK(s.record("r2")->fields == "again");
  CHECK(s.record("r3")->updated == 199);
  CHECK_FALSE(s.record("b070"));
  s.commit();
}

TEST_CASE("store: whether the workspace has records, of any entity", "[store]") {
  TestDb db;
  std::unique_ptr<Store> s = db.open(true);
  CHECK_FALSE(inReadTransaction(*s, [&] { return s->hasRecords(); }));
  s->begin(true);
  s->upsertRecords({{"a1", "account", "{}", 1}});
  CHECK(s->hasRecords());
  s->rollback();
  CHECK_FALSE(inReadTransaction(*s, [&] { return s->hasRecords(); }));
  inWriteTransaction(*s, [&] { s->upsertRecords({{"a1", "account", "{}", 1}}); });
  CHECK(inReadTransaction(*s, [&] { return s->hasRecords(); }));
}

TEST_CASE("store: sequence names are unique among live sequences", "[store]") {
  Fixture f;
  Store& s = *f.store;
  s.begin(true);
  CHECK_THROWS_WITH(s.insertSequence(makeSequence("alpha")), Contains("a sequence named 'alpha' exists"));

  auto alpha = *s.sequence("alpha");
  alpha.deleted = true;
  s.updateSequence(alpha);
  CHECK_FALSE(s.sequence("alpha"));
  CHECK(s.sequenceById(f.alpha)->deleted);
  CHECK(s.sequences().size() == 1);

  int64_t again = s.insertSequence(makeSequence("alpha"));
  CHECK(again != f.alpha);
  CHECK(s.sequence("alpha")->id == again);
  CHECK(s.sequenceById(f.alpha)->name == "alpha");  // the deleted one keeps its name

  // Undeleting while another live sequence has the name is refused; so is a rename.
  alpha.deleted = false;
  CHECK_THROWS_WITH(s.updateSequence(alpha), Contains("exists already"));
  auto beta = *s.sequence("beta");
  beta.name = "alpha";
  CHECK_THROWS_AS(s.updateSequence(beta), StoreError);
  SequenceRow ghost = makeSequence("ghost");
  ghost.id = 12345;
  CHECK_THROWS_AS(s.updateSequence(ghost), StoreError);
  s.commit();
}

TEST_CASE("store: connection filters", "[store]") {
  Fixture f;
  Store& s = *f.store;
  s.begin(true);
  s.insertVersion(makeVersion(f.alpha, 2));
  std::vector<ConnectionRow> rows;
  auto add = [&](const std::string& record, int64_t seq, int32_t version, uint8_t status,
                 std::optional<int64_t> due) {
    ConnectionRow c = makeConnection(record, seq, version);
    c.status = status;
    c.due = due;
    rows.push_back(c);
  };
  add("r1", f.alpha, 1, 0, 100);           // 0: active, due 100
  add("r2", f.alpha, 2, 0, 200);           // 1: active, due 200
  add("r3", f.alpha, 1, 0, std::nullopt);  // 2: active, no timer
  add("r1", f.beta, 1, 0, 50);             // 3: active, due 50
  add("r2", f.beta, 1, 1, std::nullopt);   // 4: completed
  add("r3", f.alpha, 2, 3, 10);            // 5: disconnected (a stale due is ignored)
  s.insertConnections(rows);
  auto id = [&](size_t i) { return rows[i].id; };
  using Ids = std::vector<int64_t>;

  CHECK(f.ids({}) == Ids{id(0), id(1), id(2), id(3), id(4), id(5)});
  ConnectionFilter bySeq;
  bySeq.sequence = f.alpha;
  CHECK(f.ids(bySeq) == Ids{id(0), id(1), id(2), id(5)});
  bySeq.activeOnly = true;
  CHECK(f.ids(bySeq) == Ids{id(0), id(1), id(2)});
  bySeq.version = 2;
  CHECK(f.ids(bySeq) == Ids{id(1)});

  ConnectionFilter byRecord;
  byRecord.record = "r2";
  CHECK(f.ids(byRecord) == Ids{id(1), id(4)});
  byRecord.sequence = f.beta;
  CHECK(f.ids(byRecord) == Ids{id(4)});
  byRecord.activeOnly = true;
  CHECK(f.ids(byRecord).empty());

  ConnectionFilter due;
  due.dueBy = 100;
  CHECK(f.ids(due) == Ids{id(0), id(3)});  // by id, not by due
  due.dueBy = 1000;
  CHECK(f.ids(due) == Ids{id(0), id(1), id(3)});
  due.sequence = f.alpha;
  CHECK(f.ids(due) == Ids{id(0), id(1)});
  due.dueBy = 49;
  CHECK(f.ids(due).empty());
  // Collected: whole rows, by id, with the other filters applied to each due row.
  due.sequence.reset();
  due.dueBy = 1000;
  std::vector<ConnectionRow> got = s.connections(due);
  REQUIRE(got.size() == 3);
  CHECK(got[0].id == id(0));
  CHECK(got[1].id == id(1));
  CHECK(got[1].record == "r2");
  CHECK(got[1].due == 200);
  CHECK(got[2].id == id(3));
  due.record = "r1";
  CHECK(f.ids(due) == Ids{id(0), id(3)});
  due.version = 2;
  CHECK(f.ids(due).empty());

  ConnectionFilter byVersion;
  byVersion.version = 2;
  CHECK(f.ids(byVersion) == Ids{id(1), id(5)});
  ConnectionFilter active;
  active.activeOnly = true;
  CHECK(f.ids(active) == Ids{id(0), id(1), id(2), id(3)});

  auto counts = s.activeCounts();
  CHECK(counts == std::vector<std::pair<int64_t, int64_t>>{{f.alpha, 3}, {f.beta, 1}});
  rows[3].status = 2;
  rows[3].due = std::nullopt;
  s.updateConnections({rows[3]});
  CHECK(s.activeCounts() == std::vector<std::pair<int64_t, int64_t>>{{f.alpha, 3}});
  s.commit();
}

// A tick reads its due connections a chunk at a time and writes each chunk back before
// the next is read: every due row comes once, by id, each chunk at most the size asked,
// with the total. The SQLite store reads each chunk just before handing it over, so a
// row an earlier chunk's writes made not due is left out (the base version, which
// PostgreSQL's shared ticks never use, reads them all first).
TEST_CASE("store: due connections in chunks", "[store]") {
  Fixture f;
  Store& s = *f.store;
  s.begin(true);
  std::vector<ConnectionRow> rows;
  for (int i = 0; i < 7; ++i) {
    ConnectionRow c = makeConnection(i % 2 ? "r1" : "r2", i % 3 ? f.alpha : f.beta, 1);
    c.due = i == 3 ? std::optional<int64_t>() : std::optional<int64_t>(100 + i);  // row 3: no timer
    rows.push_back(c);
  }
  s.insertConnections(rows);
  std::vector<int64_t> seen;
  std::vector<size_t> sizes, totals;
  s.forEachDueChunk(105, 2, [&](std::vector<ConnectionRow>& chunk, size_t total) {
    sizes.push_back(chunk.size());
    totals.push_back(total);
    for (ConnectionRow& c : chunk) {
      seen.push_back(c.id);
      CHECK(c.due.has_value());
      c.due = 1000;  // written back: no longer due
      c.step = 1;
    }
    if (!chunk.empty() && chunk.front().id == rows[0].id) {
      // An earlier chunk's writes take row 4 out of the due set before its chunk is read.
      ConnectionRow four = rows[4];
      four.due = std::nullopt;
      chunk.push_back(four);
    }
    s.updateConnections(chunk);
  });
  CHECK(totals.size() == 3);
  CHECK(std::all_of(totals.begin(), totals.end(), [](size_t t) { return t == 5; }));
  if (seqc::testing::onPostgres()) {
    CHECK(seen == std::vector<int64_t>{rows[0].id, rows[1].id, rows[2].id, rows[4].id, rows[5].id});
    CHECK(sizes == std::vector<size_t>{2, 2, 1});
  } else {
    CHECK(seen == std::vector<int64_t>{rows[0].id, rows[1].id, rows[2].id, rows[5].id});
    CHECK(sizes == std::vector<size_t>{2, 1, 1});
  }
  ConnectionFilter due;
  due.dueBy = 105;
  CHECK(f.ids(due).empty());
  due.dueBy = 1000;
  CHECK(f.ids(due).size() == seen.size() + 1);  // and row 6, due at 106
  bool none = true;
  s.forEachDueChunk(99, 2, [&](std::vector<ConnectionRow>&, size_t) { none = false; });
  CHECK(none);
  s.commit();
}

// The SQLite store writes many rows per statement: every row must still get its own id
// and state, a change of status in the middle of a batch too, and a missing row fails.
TEST_CASE("store: many connections inserted and updated at once", "[store]") {
  Fixture f;
  Store& s = *f.store;
  s.begin(true);
  s.insertVersion(makeVersion(f.alpha, 2));
  std::vector<ConnectionRow> rows;
  for (int i = 0; i < 200; ++i) {
    ConnectionRow c = makeConnection(i % 2 ? "r1" : "r2", f.alpha, 1);
    c.due = 1000 + i;
    c.generation = static_cast<uint32_t>(i);
    rows.push_back(c);
  }
  s.insertConnections(rows);
  for (size_t i = 1; i < rows.size(); ++i) CHECK(rows[i].id == rows[i - 1].id + 1);
  auto readAll = [&] {
    std::map<int64_t, ConnectionRow> out;
    s.forEachConnection({}, [&](const ConnectionRow& c) { out.emplace(c.id, c); });
    return out;
  };
  auto back = readAll();
  REQUIRE(back.size() == rows.size());
  for (const ConnectionRow& c : rows) {
    CHECK(back[c.id].record == c.record);
    CHECK(back[c.id].generation == c.generation);
    CHECK(back[c.id].due == c.due);
  }
  // Most keep their status and version; every 7th ends, every 11th moves to version 2.
  for (size_t i = 0; i < rows.size(); ++i) {
    rows[i].generation += 1000;
    rows[i].due = 5000 + static_cast<int64_t>(i);
    rows[i].message = "m" + std::to_string(i);
    if (i % 7 == 0) rows[i].status = 1, rows[i].due = std::nullopt;
    if (i % 11 == 0) rows[i].version = 2;
  }
  s.updateConnections(rows);
  back = readAll();
  for (size_t i = 0; i < rows.size(); ++i) {
    const ConnectionRow& b = back[rows[i].id];
    CHECK(b.generation == rows[i].generation);
    CHECK(b.due == rows[i].due);
    CHECK(b.message == rows[i].message);
    CHECK(b.status == rows[i].status);
    CHECK(b.version == rows[i].version);
  }
  ConnectionFilter ended;
  ended.sequence = f.alpha;
  ended.activeOnly = true;
  CHECK(f.ids(ended).size() == 200 - 29);  // 0, 7, …, 196 ended
  // A batch with a connection that does not exist fails.
  std::vector<ConnectionRow> ghosts(rows.begin(), rows.begin() + 100);
  ghosts[30].id = 999999;  // in a batch of many rows
  CHECK_THROWS_AS(s.updateConnections(ghosts), StoreError);
  s.rollback();
}

// recordFields: every id that exists gets its fields under its own index, once, repeated
// ids too; missing ones get nothing.
TEST_CASE("store: record fields by id, many at once", "[store]") {
  Fixture f;
  Store& s = *f.store;
  s.begin(true);
  std::vector<RecordRow> records;
  for (int i = 0; i < 150; ++i) records.push_back({"x" + std::to_string(i), "lead", "f" + std::to_string(i), 1});
  s.upsertRecords(records);
  std::vector<std::string> ids;
  for (int i = 0; i < 200; ++i) ids.push_back(i % 9 == 0 ? "missing" + std::to_string(i) : "x" + std::to_string((i * 37) % 150));
  ids[10] = ids[11] = ids[70] = "x5";  // repeats, in one batch and across batches
  std::vector<std::string> got(ids.size(), "-");
  s.recordFields(ids, [&](size_t i, std::string_view fields) {
    REQUIRE(i < got.size());
    CHECK(got[i] == "-");  // once per index
    got[i] = fields;
  });
  for (size_t i = 0; i < ids.size(); ++i) {
    INFO(ids[i]);
    CHECK(got[i] == (ids[i].rfind("missing", 0) == 0 ? "-" : "f" + ids[i].substr(1)));
  }
  s.commit();
}

// The SQLite store reads due rows as runs of nearby ids and an entity's records by
// stepping the table: far-apart ids, other entities' records between, and rows in a run
// that do not match must come out exactly as a row-by-row filter would.
TEST_CASE("store: due rows and an entity's records read in runs", "[store]") {
  Fixture f;
  Store& s = *f.store;
  s.begin(true);
  std::vector<RecordRow> records;
  for (int i = 0; i < 300; ++i)
    records.push_back({fmt::format("k{:03}", i), i % 3 == 0 ? "contact" : (i < 150 || i % 40 == 1) ? "lead" : "account",
                       "f" + std::to_string(i), i});
  s.upsertRecords(records);
  std::vector<std::string> leads;
  s.forEachRecord("lead", [&](const RecordRow& r) {
    CHECK(r.entity == "lead");
    if (r.id[0] == 'k') CHECK(r.fields == "f" + std::to_string(std::stoi(r.id.substr(1))));
    leads.push_back(r.id);
  });
  std::vector<std::string> expected;
  for (const RecordRow& r : records)
    if (r.entity == "lead" && r.id.rfind("r", 0) != 0) expected.push_back(r.id);
  expected.insert(expected.end(), {"r1", "r2", "r3"});  // the fixture's
  CHECK(leads == expected);

  std::vector<ConnectionRow> rows;
  for (int i = 0; i < 400; ++i) {
    ConnectionRow c = makeConnection(i % 2 ? "r1" : "r2", f.alpha, 1);
    // Due in runs, alone, and far apart; some due later, some without a timer or ended.
    bool due = (i < 40) || (i % 13 == 0) || (i > 300 && i % 3 == 0);
    c.due = due ? std::optional<int64_t>(100 + i % 5) : (i % 2 ? std::optional<int64_t>(9000) : std::nullopt);
    if (due && i % 17 == 0) c.status = 1;
    rows.push_back(c);
  }
  s.insertConnections(rows);
  std::vector<int64_t> want;
  for (const ConnectionRow& c : rows)
    if (c.status == 0 && c.due && *c.due <= 104) want.push_back(c.id);
  ConnectionFilter due;
  due.dueBy = 104;
  CHECK(f.ids(due) == want);
  std::vector<ConnectionRow> got = s.connections(due);
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i) CHECK(got[i].id == want[i]);

  // Whole batches that keep their status and version (a tick's steps).
  std::vector<ConnectionRow> moved(rows.begin(), rows.begin() + 130);
  for (size_t i = 0; i < moved.size(); ++i) {
    moved[i].due = 20000 + static_cast<int64_t>(i);
    moved[i].generation += 7;
    moved[i].data = "d" + std::to_string(i);
    moved[i].assignee = i % 2 ? "ann" : "";
  }
  s.updateConnections(moved);
  std::map<int64_t, ConnectionRow> back;
  s.forEachConnection({}, [&](const ConnectionRow& c) { back.emplace(c.id, c); });
  for (const ConnectionRow& m : moved) {
    const ConnectionRow& b = back[m.id];
    CHECK(b.due == m.due);
    CHECK(b.generation == m.generation);
    CHECK(b.data == m.data);
    CHECK(b.assignee == m.assignee);
    CHECK(b.status == m.status);
    CHECK(b.record == m.record);
    CHECK(b.sequence == f.alpha);
  }
  CHECK(back[rows[130].id].due == rows[130].due);
  s.commit();
}

TEST_CASE("store: callbacks may use the store while rows stream", "[store]") {
  Fixture f;
  Store& s = *f.store;
  s.begin(true);
  std::vector<ConnectionRow> rows{makeConnection("r1", f.alpha, 1), makeConnection("r2", f.alpha, 1)};
  s.insertConnections(rows);
  int outer = 0, inner = 0;
  s.forEachConnection({}, [&](const ConnectionRow& c) {
    ++outer;
    CHECK(s.record(c.record));
    s.forEachConnection({}, [&](const ConnectionRow&) { ++inner; });  // the same query, nested
  });
  CHECK(outer == 2);
  CHECK(inner == 4);

  // A throwing callback leaves the statement reusable.
  CHECK_THROWS_AS(s.forEachConnection({}, [](const ConnectionRow&) { throw std::runtime_error("stop"); }),
                  std::runtime_error);
  CHECK(f.ids({}).size() == 2);
  s.commit();
}

TEST_CASE("store: history is in time order, ties in insertion order", "[store]") {
  Fixture f;
  Store& s = *f.store;
  s.begin(true);
  std::vector<ConnectionRow> rows{makeConnection("r1", f.alpha, 1), makeConnection("r1", f.beta, 1),
                                  makeConnection("r2", f.alpha, 1)};
  s.insertConnections(rows);
  int64_t a = rows[0].id, b = rows[1].id, other = rows[2].id;
  s.appendHistory({{b, 20, 0, "sent", "b1"}, {a, 20, 0, "sent", "a1"}, {a, 10, -1, "connected", ""}});
  s.appendHistory({{other, 5, -1, "connected", ""}, {a, 20, 1, "completed", "a2"}, {b, 15, 0, "waited", "b0"}});

  std::vector<std::string> details;
  for (const auto& h : s.history("r1")) details.push_back(h.detail.empty() ? h.result : h.detail);
  CHECK(details == std::vector<std::string>{"connected", "b0", "b1", "a1", "a2"});

  // By sequence: insertion order, that sequence's connections only.
  details.clear();
  s.forEachHistory(f.alpha, [&](const HistoryRow& h) { details.push_back(h.detail.empty() ? h.result : h.detail); });
  CHECK(details == std::vector<std::string>{"a1", "connected", "connected", "a2"});
  std::vector<int64_t> conns;
  s.forEachHistory(f.beta, [&](const HistoryRow& h) { conns.push_back(h.connection); });
  CHECK(conns == std::vector<int64_t>{b, b});

  // Only the connections with an assignment, all their entries, in insertion order.
  details.clear();
  s.forEachAssignedHistory(f.alpha, [&](const HistoryRow& h) { details.push_back(h.result); });
  CHECK(details.empty());
  s.appendHistory({{other, 30, 0, "assigned", "U-1 (owner)"}, {a, 31, 0, "skipped", ""},
                   {other, 32, 0, "reassigned", "U-2 (seqc assign; was U-1)"}, {other, 33, 0, "completed", ""}});
  s.forEachAssignedHistory(f.alpha, [&](const HistoryRow& h) { details.push_back(h.detail.empty() ? h.result : h.detail); });
  CHECK(details == std::vector<std::string>{"connected", "U-1 (owner)", "U-2 (seqc assign; was U-1)", "completed"});
  conns.clear();
  s.forEachAssignedHistory(f.beta, [&](const HistoryRow& h) { conns.push_back(h.connection); });
  CHECK(conns.empty());
  s.commit();
}

TEST_CASE("store: rollback discards, commit persists", "[store]") {
  Fixture f;
  Store& s = *f.store;
  s.rollback();  // no transaction: nothing happens

  s.begin(true);
  s.insertSequence(makeSequence("gone"));
  s.setMeta("clock", "fake");
  CHECK(s.sequence("gone"));
  s.rollback();
  CHECK_FALSE(s.sequence("gone"));
  CHECK_FALSE(s.meta("clock"));
  s.rollback();

  CHECK_THROWS_AS(inWriteTransaction(s, [&] {
                    s.insertSequence(makeSequence("thrown"));
                    throw StoreError("midway");
                  }),
                  StoreError);
  CHECK_FALSE(s.sequence("thrown"));

  int64_t kept = inWriteTransaction(s, [&] { return s.insertSequence(makeSequence("kept")); });
  f.store.reset();
  auto again = f.reopen();
  again->begin(false);
  auto row = again->sequence("kept");
  REQUIRE(row);
  CHECK(row->id == kept);
  CHECK_FALSE(again->sequence("gone"));
  CHECK(again->sequences().size() == 3);
  again->commit();
}

TEST_CASE("store: writers take turns, readers do not wait", "[store]") {
  Fixture f;
  auto other = f.reopen();
  Store& s = *f.store;

  s.begin(true);
  s.insertSequence(makeSequence("first"));

  // A reader sees the last commit while the writer works.
  other->begin(false);
  CHECK(other->sequences().size() == 2);
  other->commit();

  std::atomic<bool> committed{false}, began{false};
  bool sawCommit = false;
  size_t seen = 0;
  std::string error;
  std::thread second([&] {
    try {
      other->begin(true);  // waits for the first writer
      began = true;
      sawCommit = committed.load();
      seen = other->sequences().size();
      other->insertSequence(makeSequence("second"));
      other->commit();
    } catch (const std::exception& e) {
      error = e.what();
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK_FALSE(began.load());
  committed = true;
  s.commit();
  second.join();
  CHECK(error.empty());
  CHECK(sawCommit);
  CHECK(seen == 3);

  s.begin(false);
  CHECK(s.sequence("second"));
  s.commit();
}

TEST_CASE("store: damaged or foreign files are reported, not crashed on", "[store][sqlite]") {
  TempDir dir;

  SECTION("garbage") {
    std::string path = (dir / "garbage.db");
    std::mt19937 rng(42);
    std::string bytes(8192, '\0');
    for (auto& c : bytes) c = static_cast<char>(rng());
    std::ofstream(path, std::ios::binary) << bytes;
    CHECK_THROWS_WITH(openSqliteStore(path, false),
                      Contains("workspace database '" + path + "' is corrupt"));
    std::ofstream(path, std::ios::binary | std::ios::trunc) << "hello, world";
    CHECK_THROWS_WITH(openSqliteStore(path, false), Contains("corrupt"));
  }

  SECTION("empty file") {
    std::string path = (dir / "empty.db");
    std::ofstream(path, std::ios::binary).close();
    CHECK_THROWS_WITH(openSqliteStore(path, false), Contains("is not a seqc workspace"));
  }

  SECTION("truncated") {
    std::string path = (dir / "seqc.db");
    {
      auto store = openSqliteStore(path, true);
      inWriteTransaction(*store, [&] {
        int64_t seq = store->insertSequence(makeSequence("alpha"));
        store->insertVersion(makeVersion(seq, 1));
        std::vector<RecordRow> records;
        std::vector<ConnectionRow> rows;
        for (int i = 0; i < 2000; ++i) {
          std::string id = "record-" + std::to_string(i);
          records.push_back({id, "lead", R"({"name":"someone"})", i});
          rows.push_back(makeConnection(id, seq, 1));
          rows.back().data = std::string(100, static_cast<char>(i));
        }
        store->upsertRecords(records);
        store->insertConnections(rows);
        std::vector<HistoryRow> history;
        for (const auto& c : rows) history.push_back({c.id, 1, -1, "connected", ""});
        store->appendHistory(history);
      });
    }
    REQUIRE_FALSE(std::filesystem::exists(path + "-wal"));  // checkpointed at close
    auto size = std::filesystem::file_size(path);
    REQUIRE(size > 50 * 4096);
    std::filesystem::resize_file(path, size / 2);
    CHECK_THROWS_WITH(readAll(path), Contains("workspace database '" + path + "' is corrupt"));
    std::filesystem::resize_file(path, 50);  // half a header
    CHECK_THROWS_WITH(readAll(path), Contains("corrupt"));
  }

  SECTION("other SQLite files and newer schemas") {
    std::string path = (dir / "seqc.db");
    openSqliteStore(path, true).reset();
    readAll(path);
    patchHeader(path, 60, 9);  // user_version: one past the current schema (8)
    CHECK_THROWS_WITH(openSqliteStore(path, false), Contains("was made by a newer seqc (schema 9)"));
    patchHeader(path, 68, 0x12345678);  // application_id
    CHECK_THROWS_WITH(openSqliteStore(path, false), Contains("'" + path + "' is not a seqc workspace"));
  }
}

// 1,000,000 connections: `unit_tests "[.bench]" -s` prints the timings.
TEST_CASE("store: a million connections", "[.bench]") {
  using Clock = std::chrono::steady_clock;
  auto seconds = [](Clock::time_point since) {
    return std::chrono::duration<double>(Clock::now() - since).count();
  };
  constexpr int kRows = 1000000;
  constexpr size_t kBatch = 10000;
  TestDb db;
  auto store = db.open(true);
  Store& s = *store;
  int64_t seq = inWriteTransaction(s, [&] {
    int64_t id = s.insertSequence(makeSequence("alpha"));
    s.insertVersion(makeVersion(id, 1));
    return id;
  });

  auto t = Clock::now();
  inWriteTransaction(s, [&] {
    std::vector<RecordRow> records;
    for (int i = 0; i < kRows; ++i) {
      records.push_back({"lead-" + std::to_string(i), "lead", R"({"name":"Someone","email":"x@y.z"})", 1});
      if (records.size() == kBatch) s.upsertRecords(records), records.clear();
    }
  });
  WARN("upsert 1M records: " << seconds(t) << " s");

  t = Clock::now();
  std::vector<int64_t> ids;
  inWriteTransaction(s, [&] {
    std::vector<ConnectionRow> rows;
    for (int i = 0; i < kRows; ++i) {
      rows.push_back(makeConnection("lead-" + std::to_string(i), seq, 1));
      rows.back().data = std::string(20, 'd');
      rows.back().waiting = 2;
      rows.back().due = 1700000000 + i % 1000;
      if (rows.size() == kBatch) {
        s.insertConnections(rows);
        for (const auto& r : rows) ids.push_back(r.id);
        rows.clear();
      }
    }
  });
  WARN("insert 1M connections: " << seconds(t) << " s");

  t = Clock::now();
  size_t due = 0;
  inWriteTransaction(s, [&] {
    ConnectionFilter filter;
    filter.dueBy = 1700000000 + 1000;
    std::vector<ConnectionRow> batch;
    s.forEachConnection(filter, [&](const ConnectionRow& c) {
      ++due;
      batch.push_back(c);
      batch.back().step = 1;
      batch.back().due = std::nullopt;
      batch.back().data = std::string(20, 'e');
      if (batch.size() == kBatch) s.updateConnections(batch), batch.clear();
    });
    s.updateConnections(batch);
  });
  WARN("tick 1M due connections (stream + update): " << seconds(t) << " s, " << due << " rows");

  t = Clock::now();
  inWriteTransaction(s, [&] {
    std::vector<HistoryRow> history;
    for (int64_t id : ids) {
      history.push_back({id, 1700000000, 0, "sent", ""});
      if (history.size() == kBatch) s.appendHistory(history), history.clear();
    }
  });
  WARN("append 1M history rows: " << seconds(t) << " s");

  t = Clock::now();
  auto counts = s.activeCounts();
  WARN("activeCounts: " << seconds(t) << " s, " << counts.at(0).second);
  t = Clock::now();
  size_t n = 0;
  s.forEachConnection({}, [&](const ConnectionRow&) { ++n; });
  WARN("stream all connections: " << seconds(t) << " s, " << n);
  t = Clock::now();
  s.history("lead-123456");
  WARN("one record's history: " << seconds(t) << " s");
  if (!seqc::testing::onPostgres()) WARN("database size: " << std::filesystem::file_size(db.path) / (1 << 20) << " MiB");
}
