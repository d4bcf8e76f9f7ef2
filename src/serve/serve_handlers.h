#pragma once
// The answers of --serve, over one read-only connection shared under a mutex. The health
// rows are re-read only when the database changed (PRAGMA data_version); the JSON health
// object is rebuilt at most once a second, the page at most every 5 s, and both whenever the
// database changed or a runner died; while one request rebuilds, others get the previous
// answer (at most 3 s older than its rebuild).
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "orchestrator/app/dashboard_view.h"
#include "orchestrator/app/options.h"
#include "orchestrator/serve/server.h"

namespace orch {

// One cached answer, rebuilt when its key changes.
class Memo {
 public:
  // (data_version, second, which orchestrators with RUNNING rows are alive)
  using Key = std::tuple<std::int64_t, std::int64_t, std::string>;
  // `stale_limit`: how old an answer may be when handed out while another request rebuilds.
  explicit Memo(std::chrono::seconds stale_limit) : stale_limit_(stale_limit) {}
  template <class Build>
  web::Answer get(const Key& key, Build&& build);

 private:
  const std::chrono::seconds stale_limit_;
  std::mutex mutex_;  // guards the fields below
  std::mutex build_;  // one builder at a time
  std::optional<Key> key_;
  std::shared_ptr<const web::Answer> value_;
  std::chrono::steady_clock::time_point built_at_;
};

class ServeState {
 public:
  ServeState(const GlobalOptions& global, const Pipeline& pipeline, MarketCalendar calendar);
  web::Handlers handlers();

  // --report and the page: the dashboard's data now (nullopt with the error in `error`).
  Expected<web::DashboardData> dashboard(WallTime now);

 private:
  web::Answer page();
  web::Answer health();
  web::Answer metrics();
  web::Answer runs(int limit);
  web::Answer run(std::int64_t id);
  web::Answer log(const std::string& task);
  web::Answer start_task(const std::string& task);
  web::Answer update_stale();
  web::Answer start(const std::string& lock_mode, std::vector<std::string> mode_args);

  // Under db_mutex_: opens the reader when needed, refreshes the cached rows when the
  // database changed. Returns the data version, or an Error (no database yet, unreadable).
  Expected<std::int64_t> refresh_locked();
  // "daily=1 intraday=0": the liveness of the modes owning RUNNING task rows ("" when none),
  // so that a runner dying changes the cache key as a commit does.
  std::string liveness_key_locked();
  // The rows as last read (copied under db_mutex_), RUNNING rows of gone runners shown
  // INTERRUPTED, then the report built outside the lock.
  Expected<HealthReport> report(WallTime now);

  const GlobalOptions& global_;
  const Pipeline& pipeline_;
  MarketCalendar calendar_;
  std::mutex db_mutex_;
  std::unique_ptr<StatusReader> reader_;
  std::optional<std::int64_t> rows_version_;
  std::vector<TaskHealthRow> rows_;         // raw rows (RUNNING not yet checked for liveness)
  std::vector<std::string> running_modes_;  // modes of the runs owning RUNNING rows
  Memo page_memo_{std::chrono::seconds(15)}, health_memo_{std::chrono::seconds(3)};
  // The page's queries take a while with a long history: they run on a connection of their
  // own, so the API's short reads never wait behind them.
  std::mutex page_mutex_;
  std::unique_ptr<StatusReader> page_reader_;
};

}  // namespace orch
