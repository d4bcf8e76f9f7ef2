// --report FILE: the dashboard page of --serve, self-contained (no script, nothing loaded from
// elsewhere), written once; the database is read, never written. It needs no HTTP server, so
// it runs in `orchestrator` itself.
#include <spdlog/spdlog.h>

#include <cstdio>

#include "orchestrator/app/dashboard_view.h"
#include "orchestrator/app/exit_codes.h"
#include "orchestrator/app/modes.h"
#include "orchestrator/util/atomic_write.h"

namespace orch {

int run_report(const GlobalOptions& global, const std::string& file) {
  const SystemClock system_clock(global.now);
  auto loaded = load_pipeline_and_calendar(global, system_clock);
  if (!loaded) return exit_code::kUsage;
  Pipeline& pipeline = loaded->pipeline;
  MarketCalendar& calendar = loaded->calendar;
  auto reader = StatusReader::open(pipeline.config.database);
  if (!reader) {
    spdlog::error("{}", reader.error().message);
    return exit_code::kStoreError;
  }
  Liveness live(pipeline.config.database);
  auto rows = read_rows_view(**reader, live);
  if (!rows) {
    spdlog::error("{}", rows.error().message);
    return exit_code::kStoreError;
  }
  auto data = read_dashboard(pipeline, calendar, **reader, live, *rows, pipeline.clock->now());
  if (!data) {
    spdlog::error("{}", data.error().message);
    return exit_code::kStoreError;
  }
  web::PageOptions options;
  options.live = false;
  const std::string html = web::render_page(*data, options);
  if (file == "-") {
    std::fwrite(html.data(), 1, html.size(), stdout);
    if (std::fflush(stdout) != 0) return exit_code::kStoreError;
    return exit_code::kOk;
  }
  if (auto written = write_file_atomically(file, html); !written) {
    spdlog::error("--report: {}", written.error().message);
    return exit_code::kStoreError;
  }
  spdlog::info("report written to {}", file);
  return exit_code::kOk;
}

}  // namespace orch
