// Which database the store and workspace tests run on. By default SQLite files in
// temporary directories; with SEQC_TEST_PG set to the state directory of a cluster that
// tests/pg/cluster.sh started (CTest does, for the `pg/…` cases), a fresh PostgreSQL
// database of that cluster for each store. The same test cases run on both: only
// those about SQLite's files ([sqlite]) are left out on PostgreSQL.
#pragma once

#include <catch2/catch.hpp>
#include <libpq-fe.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

namespace seqc::testing {

inline bool onPostgres() {
  const char* state = std::getenv("SEQC_TEST_PG");
  return state && *state;
}

// A new, empty database on the test cluster: its URL.
inline std::string freshPgDatabase() {
  std::string state = std::getenv("SEQC_TEST_PG");
  std::ifstream in(state + "/url");
  std::string base;
  if (!std::getline(in, base)) FAIL("SEQC_TEST_PG: no " << state << "/url (is the cluster of tests/pg/cluster.sh running?)");
  static int counter = 0;
  std::string name = "t" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
  auto at = base.find("/?");
  REQUIRE(at != std::string::npos);
  auto url = [&](const std::string& db) { return base.substr(0, at + 1) + db + base.substr(at + 1); };
  PGconn* conn = PQconnectdb(url("postgres").c_str());
  INFO(PQerrorMessage(conn));
  REQUIRE(PQstatus(conn) == CONNECTION_OK);
  PGresult* r = PQexec(conn, ("CREATE DATABASE " + name).c_str());
  INFO(PQerrorMessage(conn));
  bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  PQclear(r);
  PQfinish(conn);
  REQUIRE(ok);
  return url(name);
}

}  // namespace seqc::testing
