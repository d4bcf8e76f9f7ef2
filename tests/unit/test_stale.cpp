// health/stale: which sources --update-stale refreshes and which tasks it runs for them.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "orchestrator/health/stale.h"

using namespace orch;

namespace {

TaskSpec task(std::string name, std::string source) {
  TaskSpec t;
  t.name = std::move(name);
  t.data_source = std::move(source);
  return t;
}

SourceFreshness source(std::string name, Freshness status) {
  SourceFreshness s;
  s.name = std::move(name);
  s.status = status;
  return s;
}

struct Fixture {
  Fixture() {
    cfg.daily = {task("prices", "prices"), task("news", "news"), task("prices_backup", "prices")};
    cfg.intraday = {task("quotes", "quotes"), task("headlines", "news")};
    report.sources = {source("news", Freshness::Yellow), source("prices", Freshness::Red),
                      source("quotes", Freshness::Green), source("other", Freshness::Unknown)};
  }
  std::vector<std::string> names(const StaleSelection& sel) const {
    std::vector<std::string> out;
    for (const TaskSpec* t : sel.tasks) out.push_back(t->name);
    return out;
  }
  std::vector<std::string> sources(const StaleSelection& sel) const {
    std::vector<std::string> out;
    for (const SourceFreshness* s : sel.sources) out.push_back(s->name);
    return out;
  }
  PipelineConfig cfg;
  HealthReport report;
};

}  // namespace

TEST_CASE("stale: red picks red sources only; yellow picks yellow and red; unknown never") {
  Fixture f;
  const auto red = select_stale(f.cfg, f.report, Freshness::Red, {});
  CHECK(f.sources(red) == std::vector<std::string>{"prices"});
  // every writer of the source, daily first, in file order
  CHECK(f.names(red) == std::vector<std::string>{"prices", "prices_backup"});

  const auto yellow = select_stale(f.cfg, f.report, Freshness::Yellow, {});
  CHECK(f.sources(yellow) == std::vector<std::string>{"news", "prices"});
  CHECK(f.names(yellow) ==
        std::vector<std::string>{"prices", "news", "prices_backup", "headlines"});
}

TEST_CASE("stale: --task keeps the selection to the named writers") {
  Fixture f;
  const auto sel = select_stale(f.cfg, f.report, Freshness::Yellow, {"headlines", "quotes"});
  CHECK(f.sources(sel) == std::vector<std::string>{"news", "prices"});  // sources still listed
  CHECK(f.names(sel) == std::vector<std::string>{"headlines"});         // quotes is green
}

TEST_CASE("stale: nothing stale selects nothing") {
  Fixture f;
  for (auto& s : f.report.sources) s.status = Freshness::Green;
  const auto sel = select_stale(f.cfg, f.report, Freshness::Yellow, {});
  CHECK(sel.sources.empty());
  CHECK(sel.tasks.empty());
}

TEST_CASE("stale: --task names are checked against both schedules") {
  Fixture f;
  CHECK(check_task_names(f.cfg, {"prices", "quotes"}));
  auto bad = check_task_names(f.cfg, {"quote"});
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message ==
        "--task: no task named 'quote' in this pipeline (did you mean 'quotes'?)");
}
