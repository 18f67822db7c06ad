// The time queue (interpreter.h) against a plain reference: instants in order, items of
// one instant in push order, across growth of its open-addressing index and deletions
// that shift probe runs back (colliding instants, pushes before the earliest one).
#include <catch2/catch.hpp>

#include <map>
#include <random>
#include <vector>

#include "seqc/interp/interpreter.h"

using seqc::rt::TimeQueue;

TEST_CASE("time queue: takes instants in order, each bucket in push order", "[interp]") {
  std::mt19937 rng(7);
  for (int32_t spread : {1, 50, 5000, 1 << 20}) {
    INFO("spread " << spread);
    TimeQueue<uint32_t> q;
    std::map<int32_t, std::vector<uint32_t>> want;
    std::uniform_int_distribution<int32_t> delay(0, spread);
    uint32_t id = 0;
    int32_t now = -1000;
    std::vector<uint32_t> got;
    for (int round = 0; round < 200; ++round) {
      // Pushes at and after `now`, some at the same instant in a row, some negative.
      for (int k = 0; k < 300; ++k) {
        int32_t at = now + delay(rng);
        int repeat = 1 + static_cast<int>(rng() % 3);
        for (int j = 0; j < repeat; ++j) {
          q.push(at, id);
          want[at].push_back(id++);
        }
      }
      for (int k = 0; k < 250 && !want.empty(); ++k) {
        REQUIRE_FALSE(q.empty());
        REQUIRE(q.next() == want.begin()->first);
        now = q.next();
        q.take(got);
        REQUIRE(got == want.begin()->second);
        want.erase(want.begin());
      }
    }
    while (!want.empty()) {
      REQUIRE(q.next() == want.begin()->first);
      q.take(got);
      REQUIRE(got == want.begin()->second);
      want.erase(want.begin());
    }
    CHECK(q.empty());
  }
}
