// The interpreter's timer queue and its open-addressing index of instants: buckets come
// out in time order whatever the push order, and the index keeps finding every instant
// through growth and deletions that shift entries back.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <random>
#include <vector>

#include "seqc/interp/interpreter.h"

using namespace seqc;

TEST_CASE("the instant index finds what was inserted and not what was erased", "[interp]") {
  rt::InstantIndex index;
  std::map<int32_t, uint32_t> model;
  std::mt19937 rng(7);
  // Few distinct instants, so probes collide and erasures shift runs back.
  std::uniform_int_distribution<int32_t> at(-3000, 3000);
  for (int step = 0; step < 200000; ++step) {
    int32_t t = at(rng);
    if (rng() % 3 == 0) {
      index.erase(t);
      model.erase(t);
    } else {
      auto [value, inserted] = index.insert(t);
      CHECK(inserted == !model.count(t));
      if (inserted) *value = static_cast<uint32_t>(step);
      model.emplace(t, *value);
    }
    if (step % 997 == 0)
      for (int32_t u = -3000; u <= 3000; u += 7) {
        uint32_t* v = index.find(u);
        auto it = model.find(u);
        REQUIRE((v != nullptr) == (it != model.end()));
        if (v) REQUIRE(*v == it->second);
      }
  }
}

TEST_CASE("the timer queue gives buckets in time order", "[interp]") {
  rt::TimeQueue<uint32_t> q;
  std::mt19937 rng(3);
  std::vector<std::pair<int32_t, uint32_t>> pushed;
  for (uint32_t i = 0; i < 5000; ++i) {
    auto t = static_cast<int32_t>(rng() % 400) - 100;
    q.push(t, i);
    pushed.push_back({t, i});
  }
  std::sort(pushed.begin(), pushed.end());
  std::vector<std::pair<int32_t, uint32_t>> taken;
  std::vector<uint32_t> bucket;
  int32_t last = INT32_MIN;
  while (!q.empty()) {
    int32_t t = q.next();
    CHECK(t > last);
    last = t;
    q.take(bucket);
    for (uint32_t i : bucket) taken.push_back({t, i});
  }
  std::sort(taken.begin(), taken.end());
  CHECK(taken == pushed);
}
