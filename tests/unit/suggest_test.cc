// Edit distance and "did you mean" (seqc/support/suggest.h): the one rule the checker,
// the record readers and the workspace share.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "seqc/support/suggest.h"

using namespace seqc;

TEST_CASE("edit distance counts insertions, deletions and replacements", "[suggest]") {
  CHECK(editDistance("", "") == 0u);
  CHECK(editDistance("abc", "abc") == 0u);
  CHECK(editDistance("", "abc") == 3u);
  CHECK(editDistance("abc", "") == 3u);
  CHECK(editDistance("statcode", "statecode") == 1u);   // insertion
  CHECK(editDistance("budgetamout", "budgetamount") == 1u);
  CHECK(editDistance("emial", "email") == 2u);          // a swap is two replacements
  CHECK(editDistance("kitten", "sitting") == 3u);
  CHECK(editDistance("Email", "email") == 1u);          // case counts here
}

TEST_CASE("the threshold is one edit per three characters, at least one", "[suggest]") {
  CHECK(suggestionLimit("") == 1u);
  CHECK(suggestionLimit("id") == 1u);
  CHECK(suggestionLimit("abcd") == 2u);
  CHECK(suggestionLimit("statcode") == 3u);
  CHECK(suggestionLimit(std::string(30, 'x')) == 10u);
}

TEST_CASE("did-you-mean suggests only close names", "[suggest]") {
  std::vector<std::string_view> names = {"budgetamount", "budgetstatus", "statecode"};
  CHECK(closestMatch("budgetamout", names) == "budgetamount");
  CHECK(closestMatch("statcode", names) == "statecode");
  CHECK(closestMatch("zzz", names).empty());
  CHECK(closestMatch("x", std::vector<std::string_view>{}).empty());
  // At the limit and one past it: "abcd" allows 2 edits.
  CHECK(closestMatch("abcd", std::vector<std::string_view>{"abxy"}) == "abxy");
  CHECK(closestMatch("abcd", std::vector<std::string_view>{"axyz"}).empty());
  // A short name allows one edit only: "id" does not become "ab".
  CHECK(closestMatch("id", std::vector<std::string_view>{"ab", "if"}) == "if");
}

TEST_CASE("a difference only in case wins, then the nearest, then the first", "[suggest]") {
  // "EMAIL" is 5 edits from "email", past the limit, but only case differs.
  std::vector<std::string_view> names = {"emails", "email"};
  CHECK(closestMatch("EMAIL", names) == "email");
  CHECK(closestMatch("Email", names) == "email");
  // "cat" is 1 edit from both: the earlier candidate.
  CHECK(closestMatch("cat", std::vector<std::string_view>{"bat", "hat"}) == "bat");
  CHECK(closestMatch("cat", std::vector<std::string_view>{"hat", "bat"}) == "hat");
  // The nearest beats an earlier candidate that is merely close enough.
  std::vector<std::string_view> near = {"statuscode", "statecode"};
  CHECK(closestMatch("statcode", near) == "statecode");
}

TEST_CASE("a long name against short candidates is cheap and finds nothing", "[suggest]") {
  std::string huge(1 << 20, 'a');
  std::vector<std::string_view> names = {"email", "name"};
  CHECK(closestMatch(huge, names).empty());
}
