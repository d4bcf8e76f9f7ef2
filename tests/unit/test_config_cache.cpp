// config/config_cache: the encoding of a checked pipeline file round-trips every field, and
// a cache for other bytes, another path, another binary, another format, or one that is
// truncated or damaged anywhere, is refused (the loader then parses the file).
#include <doctest/doctest.h>

#include <string>

#include "config_helpers.h"
#include "orchestrator/config/config_cache.h"

using namespace orch;
using namespace orch::test;

namespace {

// Every setting the loader reads, with values other than the defaults, and a warning.
const std::string kEverything = R"(timezone: Europe/London
database: /srv/db/pipeline.db
log_dir: var/logs
max_parallel: 7
kill_grace_seconds: 25
daily_days: weekdays
daily_catchup: 3
metrics_file: metrics/o.prom
serve_token_file: secrets/t
serve_allowed_hosts: ["dash.example.com", "other"]
on_failure:
  command: ["notify.sh", "--loud"]
  timeout_seconds: 12
market_hours:
  open: "09:00"
  close: "17:00"
  pre_market_open: "05:00"
  post_market_close: "21:00"
  extra_closures: ["2027-01-09", "2027-02-01"]
  extra_early_closes: {"2027-11-26": "13:00"}
retry_policy:
  max_attempts: 3
  backoff_seconds: [10, 30]
freshness_thresholds:
  green: {prices: 300, nobody: 10}
  yellow: {prices: 900}
executors:
  cluster:
    type: slurm
    partition: batch
    account: acct
    cpus: 2
    memory: 4g
    extra_args: ["--qos=normal"]
    poll_seconds: 3
    max_pending_seconds: 600
daily_schedule:
  - name: Assets
    script: a.sh
    args: ["--universe", "sp500"]
    env: {B: "2", A: "1"}
    time: "09:30:15"
    max_runtime_seconds: 120
    critical: true
    retry_policy: {max_attempts: 1}
  - name: "Prices ü"
    script: /bin/b.sh
    dependencies: [Assets]
    tier: 4
    data_source: prices
    executor: cluster
    resources: {cpus: 8, memory: 32G}
intraday_schedule:
  - name: Ticks
    script: t.sh
    interval_seconds: 5
    market_hours_only: true
    session: extended
)";

const ConfigCacheKey kKey{"0123abcd 0.1.0", "/orch-test-nowhere/pipeline.yaml"};

}  // namespace

TEST_CASE("config cache: a checked pipeline round-trips field by field, warnings included") {
  const LoadResult loaded = load(kEverything);
  for (const auto& e : loaded.errors) INFO(e.format());
  REQUIRE(loaded.config.has_value());
  REQUIRE_FALSE(loaded.warnings.empty());  // e.g. the threshold of a source no task writes
  CachedConfig entry{*loaded.config, loaded.warnings};
  const std::string bytes = encode_config_cache(kKey, kEverything, entry);

  const auto back = decode_config_cache(bytes, kKey, kEverything);
  REQUIRE(back.has_value());
  CHECK(back->config == *loaded.config);
  CHECK(back->config.daily.at(0).env == loaded.config->daily.at(0).env);
  CHECK(back->config.daily.at(1).name == "Prices ü");
  CHECK(back->config.intraday.at(0).session == SessionKind::Extended);
  REQUIRE(back->warnings.size() == loaded.warnings.size());
  for (std::size_t i = 0; i < loaded.warnings.size(); ++i) {
    CHECK(back->warnings[i].line == loaded.warnings[i].line);
    CHECK(back->warnings[i].task == loaded.warnings[i].task);
    CHECK(back->warnings[i].message == loaded.warnings[i].message);
    CHECK(back->warnings[i].hint == loaded.warnings[i].hint);
  }
  CHECK_FALSE(back->config.setting_lines.empty());
  // The comparison sees a difference in any task field (so the round trip above means something).
  PipelineConfig changed = *loaded.config;
  changed.daily[1].script_line += 1;
  CHECK_FALSE(back->config == changed);
}

TEST_CASE("config cache: refused for other bytes, path, binary or format, and when damaged") {
  const LoadResult loaded = load(kEverything);
  REQUIRE(loaded.config.has_value());
  const CachedConfig entry{*loaded.config, loaded.warnings};
  const std::string bytes = encode_config_cache(kKey, kEverything, entry);
  REQUIRE(decode_config_cache(bytes, kKey, kEverything).has_value());

  SUBCASE("the file changed, even by one byte of the same length") {
    std::string edited = kEverything;
    edited[edited.find("max_parallel: 7") + 14] = '8';
    CHECK_FALSE(decode_config_cache(bytes, kKey, edited).has_value());
    CHECK_FALSE(decode_config_cache(bytes, kKey, kEverything + "\n").has_value());
  }
  SUBCASE("another path, another binary, no build id") {
    CHECK_FALSE(decode_config_cache(bytes, {kKey.binary, "/elsewhere/pipeline.yaml"}, kEverything)
                    .has_value());
    CHECK_FALSE(decode_config_cache(bytes, {"0123abce 0.1.0", kKey.absolute_file}, kEverything)
                    .has_value());
    CHECK_FALSE(decode_config_cache(bytes, {"0123abcd 0.2.0", kKey.absolute_file}, kEverything)
                    .has_value());
    CHECK_FALSE(decode_config_cache(bytes, {"", kKey.absolute_file}, kEverything).has_value());
  }
  SUBCASE("another format version") {
    std::string other = bytes;
    other[8] = static_cast<char>(kConfigCacheFormat + 1);
    CHECK_FALSE(decode_config_cache(other, kKey, kEverything).has_value());
  }
  SUBCASE("truncated anywhere, or longer") {
    for (std::size_t n = 0; n < bytes.size(); n += 7) {
      CHECK_FALSE(decode_config_cache(bytes.substr(0, n), kKey, kEverything).has_value());
    }
    CHECK_FALSE(
        decode_config_cache(bytes.substr(0, bytes.size() - 1), kKey, kEverything).has_value());
    CHECK_FALSE(decode_config_cache(bytes + '\0', kKey, kEverything).has_value());
  }
  SUBCASE("a damaged byte anywhere") {
    for (std::size_t i = 0; i < bytes.size(); i += 5) {
      std::string damaged = bytes;
      damaged[i] = static_cast<char>(damaged[i] ^ 0x20);
      CHECK_FALSE(decode_config_cache(damaged, kKey, kEverything).has_value());
    }
  }
}

TEST_CASE("config cache: lives beside the pipeline file, hidden") {
  CHECK(config_cache_path("/srv/p/dependency_graph.yaml") == "/srv/p/.dependency_graph.yaml.cache");
}
