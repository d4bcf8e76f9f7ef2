// The dashboard's data: freshness and tasks from the health report, the market from the
// calendar, the timeline, runtimes and outcome grid from the StatusReader. Read-only.
#include "orchestrator/app/dashboard_view.h"

#include <algorithm>
#include <chrono>

#include "orchestrator/app/health_check.h"
#include "orchestrator/calendar/trading_dates.h"
#include "orchestrator/store/instance_lock.h"
#include "orchestrator/ui/dashboard.h"

namespace orch {
namespace {

constexpr int kRuntimeRuns = 30;
constexpr int kGridDates = 20;

double seconds_between(WallTime a, WallTime b) {
  return std::chrono::duration<double>(b - a).count();
}

// The last `count` dates up to `today` that daily_days includes, oldest first.
std::vector<std::string> recent_daily_dates(const PipelineConfig& cfg, const MarketCalendar& cal,
                                            std::chrono::year_month_day today, int count) {
  const std::chrono::year_month_day tomorrow{std::chrono::sys_days{today} + std::chrono::days{1}};
  std::vector<std::string> out;
  for (const auto& d : trading_dates_before(cfg.daily_days, cal, tomorrow, count))
    out.push_back(format_date(d));
  return out;
}

web::Timeline timeline_of(const Zone& zone, const std::string& date,
                          const std::vector<AttemptRow>& rows, Liveness& live, WallTime now) {
  web::Timeline t;
  t.trading_date = date;
  std::optional<WallTime> origin;
  for (const auto& a : rows) {
    if (a.attempt > 0 && a.started_at && (!origin || *a.started_at < *origin))
      origin = a.started_at;
  }
  if (!origin) origin = now;
  t.origin_text = zone.local_datetime(*origin);
  t.bars.reserve(rows.size());
  for (const auto& a : rows) {
    if (a.attempt == 0) {
      t.skipped.emplace_back(a.task, a.error.empty() ? "skipped" : a.error);
      continue;
    }
    if (!a.started_at) continue;
    if (std::find(t.rows.begin(), t.rows.end(), a.task) == t.rows.end()) t.rows.push_back(a.task);
    web::TimelineBar b;
    b.task = a.task;
    b.attempt = a.attempt;
    b.status = live.shown(a.status, "daily");
    WallTime end =
        a.ended_at ? *a.ended_at : (b.status == TaskStatus::Running ? now : *a.started_at);
    b.start = seconds_between(*origin, *a.started_at);
    b.end = std::max(b.start, seconds_between(*origin, end));
    b.start_text = zone.local_clock(*a.started_at);
    b.end_text = a.ended_at ? zone.local_clock(*a.ended_at)
                            : (b.status == TaskStatus::Running ? "now" : "?");
    t.bars.push_back(std::move(b));
  }
  // A retry wait: from the end of one attempt to the start of the next of the same task and run.
  std::map<std::pair<std::int64_t, std::string>, std::size_t> last_bar;
  std::size_t i = 0;
  for (const auto& a : rows) {
    if (a.attempt == 0 || !a.started_at) continue;
    const auto key = std::make_pair(a.run_id, a.task);
    if (auto it = last_bar.find(key); it != last_bar.end()) {
      const web::TimelineBar& prev = t.bars[it->second];
      const web::TimelineBar& cur = t.bars[i];
      if (cur.start > prev.end) t.waits.push_back({a.task, cur.attempt, prev.end, cur.start});
    }
    last_bar[key] = i++;
  }
  return t;
}

}  // namespace

bool Liveness::alive(const std::string& mode) {
  if (mode.empty()) return false;
  auto it = known_.find(mode);
  if (it == known_.end()) it = known_.emplace(mode, !InstanceLock::is_free(db_, mode)).first;
  return it->second;
}

TaskStatus Liveness::shown(TaskStatus status, const std::string& mode) {
  if (status == TaskStatus::Running && !alive(mode)) return TaskStatus::Interrupted;
  return status;
}

void show_gone_as_interrupted(std::vector<TaskHealthRow>& rows,
                              const std::map<std::string, std::string>& modes, Liveness& live) {
  for (TaskHealthRow& r : rows) {
    if (r.status != TaskStatus::Running) continue;
    const auto m = modes.find(r.name);
    if (!live.alive(m == modes.end() ? "" : m->second)) r.status = TaskStatus::Interrupted;
  }
}

Expected<std::vector<TaskHealthRow>> read_rows_view(StatusReader& reader, Liveness& live) {
  auto rows = reader.read_task_health();
  if (!rows) return rows.error();
  bool any_running = std::any_of(rows->begin(), rows->end(), [](const TaskHealthRow& r) {
    return r.status == TaskStatus::Running;
  });
  if (!any_running) return rows;
  auto modes = reader.running_task_modes();
  if (!modes) return modes.error();
  show_gone_as_interrupted(*rows, *modes, live);
  return rows;
}

Expected<web::DashboardData> read_dashboard(const Pipeline& pipeline,
                                            const MarketCalendar& calendar, StatusReader& reader,
                                            Liveness& live, const std::vector<TaskHealthRow>& rows,
                                            WallTime now) {
  const PipelineConfig& cfg = pipeline.config;
  const Zone& zone = pipeline.zone;
  HealthReport report = build_report(cfg, calendar, rows, now);
  auto filled = fill_missed_dates(
      pipeline, calendar, report, now,
      [&](const std::vector<std::string>& tasks, const std::string& from, const std::string& to) {
        return reader.date_history(tasks, from, to);
      });
  if (!filled) return filled.error();
  web::DashboardData d;
  d.missed_dates.emplace();
  for (const MissedDate& m : report.missed_dates) {
    d.missed_dates->push_back(web::MissedDate{format_date(m.date), m.tasks});
  }
  d.pipeline = cfg.file.filename().string();
  d.checked_at = zone.local_datetime(now);
  d.zone = zone.name();
  const HealthSummary sum = summarize(report.sources);
  d.healthy = sum.healthy;
  d.stale = sum.stale;
  d.critical = sum.critical;
  d.unknown = sum.unknown;
  for (const auto& s : report.sources) {
    web::SourceView v;
    v.name = s.name;
    v.status = std::string(to_string(s.status));
    if (s.age) v.age = human_age(*s.age);
    if (s.last_success) v.last_success = zone.local_datetime(*s.last_success);
    v.market_time = s.market_time;
    v.tasks = s.tasks;
    d.sources.push_back(std::move(v));
  }

  std::vector<std::string> names, daily_names;
  for (const auto* schedule : {&cfg.daily, &cfg.intraday}) {
    for (const TaskSpec& t : *schedule) {
      names.push_back(t.name);
      if (schedule == &cfg.daily) daily_names.push_back(t.name);
    }
  }
  auto runtimes = reader.recent_runtimes(names, kRuntimeRuns);
  if (!runtimes) return runtimes.error();
  for (std::size_t i = 0; i < report.tasks.size(); ++i) {
    const TaskHealthRow& r = report.tasks[i];
    web::TaskView v;
    v.name = r.name;
    v.schedule = i < cfg.daily.size() ? "daily" : "intraday";
    v.status = r.status;
    if (r.total_runs > 0) {
      v.success_rate = static_cast<double>(r.total_successes) / static_cast<double>(r.total_runs);
    }
    v.average_runtime_seconds = r.average_runtime_seconds;
    if (auto last = r.last_run_end ? r.last_run_end : r.last_run_start)
      v.last_run = zone.local_datetime(*last);
    v.consecutive_failures = r.consecutive_failures;
    v.last_error = shorten(r.last_error, 200);
    const auto& points = (*runtimes)[r.name];
    for (const RuntimePoint& p : points) {
      v.runtimes.push_back({zone.local_datetime(p.started_at), p.seconds, p.status});
    }
    v.newest_silent =
        !points.empty() && points.back().output_bytes == 0 && r.status != TaskStatus::Running;
    d.tasks.push_back(std::move(v));
  }

  const SessionState state = calendar.session_at(now);
  d.market.open = state.session == MarketSession::Regular;
  d.market.session = std::string(to_string(state.session));
  d.market.reason = state.reason;
  d.market.trading_date = format_date(state.trading_date);
  d.market.next_open = zone.local_datetime(calendar.next_open(now));
  d.market.next_close = zone.local_datetime(calendar.next_close(now));

  auto latest = reader.latest_daily_date();
  if (!latest) return latest.error();
  if (!latest->empty()) {
    auto attempts = reader.daily_attempts_on(*latest);
    if (!attempts) return attempts.error();
    d.timeline = timeline_of(zone, *latest, *attempts, live, now);
  }

  d.grid.tasks = daily_names;
  d.grid.dates = recent_daily_dates(cfg, calendar, zone.date_of(now), kGridDates);
  if (!d.grid.dates.empty() && !daily_names.empty()) {
    auto cells = reader.daily_outcomes(daily_names, d.grid.dates.front(), d.grid.dates.back());
    if (!cells) return cells.error();
    d.grid.cells = std::move(*cells);
    for (auto& [task, by_date] : d.grid.cells) {
      for (auto& [date, status] : by_date) status = live.shown(status, "daily");
    }
  }
  return d;
}

}  // namespace orch
