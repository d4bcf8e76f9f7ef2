// libFuzzer target: the pipeline-file loader on arbitrary bytes, then the calendar built from
// whatever configuration it accepted. Any crash, sanitizer report or timeout is a bug.
// Built and run by tests/fuzz/run.sh.
#include <cstddef>
#include <cstdint>
#include <string>

#include "orchestrator/calendar/market_calendar.h"
#include "orchestrator/calendar/zone.h"
#include "orchestrator/config/loader.h"

using namespace orch;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  // A folder that does not exist: relative paths resolve, script checks find nothing.
  LoadResult result = load_config_text(text, "/nonexistent-orchestrator-fuzz/pipeline.yaml");
  for (const auto& d : result.errors) (void)d.format();
  for (const auto& d : result.warnings) (void)d.format();
  if (!result.config) return 0;
  const PipelineConfig& cfg = *result.config;
  auto zone = Zone::locate(cfg.timezone);
  if (!zone) return 0;
  auto calendar = MarketCalendar::create(cfg.market_hours, *zone);
  if (!calendar) return 0;
  // the instants the modes ask about: now-ish, the config's own closures, a DST change
  const WallTime t = WallTime{} + std::chrono::hours(24 * 20'777);  // 2026-11-20
  (void)calendar->session_at(t);
  (void)calendar->next_open(t);
  (void)calendar->next_close(t);
  (void)calendar->holidays(2026);
  (void)calendar->early_closes(2027);
  for (const auto& day : cfg.market_hours.extra_closures) (void)calendar->closure_reason(day);
  for (const auto& task : cfg.daily) {
    if (task.time)
      (void)zone->at(std::chrono::year_month_day{std::chrono::sys_days{std::chrono::days{20'520}}},
                     *task.time);
  }
  return 0;
}
