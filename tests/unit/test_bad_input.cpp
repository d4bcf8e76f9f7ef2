// Regressions from the hostile-input work (tests/fuzz/, tests/integration/test_hostile_config.py):
// each case was a crash, a hang, a flood or an unreadable value before its fix.
#include <doctest/doctest.h>

#include <string>

#include "orchestrator/config/loader.h"
#include "orchestrator/util/time.h"

using namespace orch;

TEST_CASE("parse_iso8601: an offset may not carry an instant outside the years 0000-9999 UTC") {
  // found by fuzz_time: printed as "10000-01-01T11:59:59Z", which nothing reads back
  CHECK_FALSE(parse_iso8601("9999-12-31T23:59:59-12:00"));
  CHECK_FALSE(parse_iso8601("0000-01-01T00:00:00+00:01"));
  auto last = parse_iso8601("9999-12-31T23:59:59Z");
  REQUIRE(last);
  CHECK(parse_iso8601(format_iso_utc(*last)));
  CHECK(parse_db_time(format_db_time(*last)) == *last);
  CHECK(parse_iso8601("0000-01-01T00:00:00Z"));
}

TEST_CASE("loader: nesting past the parser's limit is a clear error, not 'bad file'") {
  const std::string deep = "daily_schedule: " + std::string(10'000, '[') + std::string(10'000, ']');
  LoadResult r = load_config_text(deep, "deep.yaml");
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].format().find("nesting is too deep") != std::string::npos);
}

TEST_CASE("loader: a huge task name is refused and quoted shortened") {
  const std::string name(1'000'000, 'N');
  LoadResult r = load_config_text(
      "daily_schedule:\n  - name: " + name + "\n    script: /bin/true\n", "big.yaml");
  REQUIRE(r.errors.size() == 1);
  const std::string line = r.errors[0].format();
  CHECK(line.find("task name is too long") != std::string::npos);
  CHECK(line.size() < 1000);
  CHECK(line.find("more bytes") != std::string::npos);
}

TEST_CASE("loader: a name of 200 folder characters is fine, 201 is not") {
  auto load = [](std::size_t n) {
    return load_config_text(
        "daily_schedule:\n  - name: " + std::string(n, 'a') + "\n    script: /bin/true\n",
        "names.yaml");
  };
  CHECK(load(200).errors.empty());
  CHECK(load(201).errors.size() == 1);
}
