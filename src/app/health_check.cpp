// Health bookkeeping shared by the modes: freshness read and recorded, alerts, metrics.
#include "orchestrator/app/health_check.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>

#include "orchestrator/app/exit_codes.h"
#include "orchestrator/app/launch.h"
#include "orchestrator/health/alerts.h"
#include "orchestrator/health/metrics.h"
#include "orchestrator/store/date_queries.h"
#include "orchestrator/util/atomic_write.h"

namespace orch {
namespace {

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// Why a source is red, for ORCHESTRATOR_ALERT_ERROR.
std::string red_reason(const SourceFreshness& s) {
  const long long age = s.age ? s.age->count() / 1000 : 0;
  std::string text = "data source " + s.name + " is red: ";
  text += s.age ? "its data is " + std::to_string(age) + "s old" : "no data";
  if (s.market_time) text += " (market time)";
  if (s.yellow) {
    text += ", red from " + std::to_string(s.yellow->count()) + "s";
  } else if (s.green) {
    text += ", red from " + std::to_string(s.green->count()) + "s";
  }
  return text;
}

std::optional<MarketCalendar> calendar_of(const Pipeline& pipeline) {
  auto calendar = MarketCalendar::create(pipeline.config.market_hours, pipeline.zone);
  if (!calendar) {
    spdlog::warn("health: {}", calendar.error().message);
    return std::nullopt;
  }
  return *calendar;
}

}  // namespace

Status fill_missed_dates(const Pipeline& pipeline, const MarketCalendar& calendar,
                         HealthReport& report, WallTime now, const DateHistoryReader& read) {
  const PipelineConfig& cfg = pipeline.config;
  const Date today = pipeline.zone.date_of(now);
  auto range = look_back_range(cfg.daily_days, calendar, today, kHealthMissedDates);
  if (!range) return ok();
  std::vector<std::string> daily;
  for (const TaskSpec& t : cfg.daily) daily.push_back(t.name);
  auto history = read(daily, format_date(range->from), format_date(range->to));
  if (!history) return history.error();
  std::optional<Date> first;
  if (history->first_recorded) {
    if (auto d = parse_date(*history->first_recorded)) first = *d;
  }
  report.missed_dates = missed_dates(cfg.daily_days, calendar, today, kHealthMissedDates, first,
                                     daily, history->succeeded);
  return ok();
}

Expected<HealthReport> read_health(const Pipeline& pipeline, const MarketCalendar& calendar,
                                   StatusStore& store, WallTime now) {
  auto rows = store.read_task_health();
  if (!rows) return rows.error();
  return build_report(pipeline.config, calendar, *rows, now);
}

Expected<std::vector<const SourceFreshness*>> record_health(StatusStore& store,
                                                            const HealthReport& report) {
  std::vector<SourceRecord> records;
  for (const auto& s : report.sources) {
    SourceRecord r;
    r.source = s.name;
    r.status = std::string(to_string(s.status));
    if (s.age) r.age_seconds = static_cast<double>(s.age->count()) / 1000.0;
    r.last_success = s.last_success;
    if (s.from_data_as_of) r.data_as_of = s.reference;
    records.push_back(std::move(r));
  }
  auto red = store.record_source_freshness(records, report.checked_at);
  if (!red) return red.error();
  std::vector<const SourceFreshness*> out;
  for (const auto& s : report.sources) {
    if (std::find(red->begin(), red->end(), s.name) != red->end()) out.push_back(&s);
  }
  return out;
}

void write_metrics(const Pipeline& pipeline, const HealthReport& report) {
  const PipelineConfig& cfg = pipeline.config;
  if (!cfg.metrics_file) return;
  // The rows behind the report: its tasks are the pipeline's, which is what the file shows.
  const std::string text = render_metrics(cfg, report.tasks, report.sources, report.checked_at);
  if (auto written = write_file_atomically(*cfg.metrics_file, text); !written) {
    spdlog::warn("metrics: {}", written.error().message);
  }
}

void write_metrics(const Pipeline& pipeline, StatusStore& store, WallTime now) {
  if (!pipeline.config.metrics_file) return;
  auto calendar = calendar_of(pipeline);
  if (!calendar) return;
  auto report = read_health(pipeline, *calendar, store, now);
  if (!report) {
    spdlog::warn("metrics: {}", report.error().message);
    return;
  }
  write_metrics(pipeline, *report);
}

BackgroundProcesses alert_runner(ProcessRunner& inner, const Clock& clock) {
  return BackgroundProcesses(inner, clock, kMaxAlertsAtOnce, kMaxAlertsQueued, log_alert_end);
}

void log_alert_end(const BackgroundEnd& end) {
  const std::string subject = end.key.substr(0, end.key.find('\n'));
  const Status status = end.completion ? alert_outcome(end.request, *end.completion)
                                       : Status(end.error.value_or(make_error("not run")));
  if (status) {
    spdlog::info("on_failure alert sent: {}", subject);
  } else {
    spdlog::warn("on_failure alert ({}) failed: {}", subject, status.error().message);
  }
}

void submit_alerts(const Pipeline& pipeline, BackgroundProcesses& alerts,
                   const std::vector<Alert>& batch) {
  if (batch.empty()) return;
  const auto env = current_environment();
  for (const Alert& alert : batch) {
    auto request = alert_request(pipeline.config, alert, env, pipeline.clock->now());
    if (!request) {
      spdlog::warn("on_failure alert ({}) failed: {}", alert_subject(alert),
                   request.error().message);
      continue;
    }
    switch (alerts.submit(alert_key(alert), std::move(*request))) {
      case BackgroundProcesses::Submitted::Started:
      case BackgroundProcesses::Submitted::Queued:
        spdlog::info("on_failure alert started: {}", alert_subject(alert));
        break;
      case BackgroundProcesses::Submitted::Coalesced:
        spdlog::info("on_failure alert ({}) not sent again: the same alert still runs",
                     alert_subject(alert));
        break;
      case BackgroundProcesses::Submitted::Dropped: break;  // log_alert_end said why
    }
  }
}

int finish_alerts(const PipelineConfig& cfg, BackgroundProcesses& alerts, int code) {
  alerts.poll();
  if (alerts.jobs() > 0 && cfg.on_failure) {
    // Each alert ends at its timeout plus the grace at the latest; they run kMaxAlertsAtOnce
    // at a time.
    const std::size_t waves = (alerts.jobs() + kMaxAlertsAtOnce - 1) / kMaxAlertsAtOnce;
    const Millis each = cfg.on_failure->timeout + Millis{5000} + Millis{1000};
    spdlog::info("waiting for {} on_failure alert(s) to end", alerts.jobs());
    alerts.drain(each * static_cast<long>(waves));
  }
  if (int sig = alerts.stop_signal(); sig != 0 && code != exit_code::kStoreError) {
    return exit_code::signal_exit(sig);
  }
  return code;
}

std::vector<Alert> red_source_alerts(const Pipeline& pipeline,
                                     const std::vector<const SourceFreshness*>& turned_red,
                                     const std::string& run_id) {
  std::vector<Alert> alerts;
  for (const SourceFreshness* s : turned_red) {
    spdlog::warn("data source {} turned red", s->name);
    if (!pipeline.config.on_failure) continue;
    Alert alert;
    alert.kind = AlertKind::SourceRed;
    alert.task = joined(s->tasks);
    alert.source = s->name;
    alert.status = "red";
    alert.error = red_reason(*s);
    alert.run_id = run_id;
    alerts.push_back(std::move(alert));
  }
  return alerts;
}

void alert_red_sources(const Pipeline& pipeline, BackgroundProcesses* alerts,
                       const std::vector<const SourceFreshness*>& turned_red,
                       const std::string& run_id) {
  auto batch = red_source_alerts(pipeline, turned_red, run_id);
  if (alerts && alerts->stop_signal() == 0) submit_alerts(pipeline, *alerts, batch);
}

std::optional<HealthReport> after_run(const Pipeline& pipeline, StatusStore& store,
                                      BackgroundProcesses& processes, std::int64_t run_id,
                                      const RunResult& result) {
  if (result.store_error) return std::nullopt;
  const PipelineConfig& cfg = pipeline.config;
  const bool alerts = cfg.on_failure && result.stop_signal == 0 && processes.stop_signal() == 0;
  if (alerts) {
    auto failed = store.read_failed_tasks(run_id);
    if (!failed) spdlog::warn("alerts: {}", failed.error().message);
    std::map<std::string, std::string> source_of;
    for (const auto* schedule : {&cfg.daily, &cfg.intraday}) {
      for (const TaskSpec& t : *schedule) source_of[t.name] = t.data_source;
    }
    std::vector<Alert> alerts;
    for (const FailedTask& f : failed ? *failed : std::vector<FailedTask>{}) {
      Alert alert;
      alert.kind = AlertKind::TaskFailed;
      alert.task = f.name;
      alert.source = source_of.count(f.name) ? source_of[f.name] : "";
      alert.status = std::string(to_string(f.status));
      alert.error = f.error;
      alert.log = f.log_path;
      alert.run_id = std::to_string(run_id);
      alerts.push_back(std::move(alert));
    }
    submit_alerts(pipeline, processes, alerts);
  }
  auto calendar = calendar_of(pipeline);
  if (!calendar) return std::nullopt;
  auto report = read_health(pipeline, *calendar, store, pipeline.clock->now());
  if (!report) {
    spdlog::warn("health: {}", report.error().message);
    return std::nullopt;
  }
  if (result.stop_signal == 0) {
    auto red = record_health(store, *report);
    if (!red) {
      spdlog::warn("health: {}", red.error().message);
    } else {
      alert_red_sources(pipeline, alerts ? &processes : nullptr, *red, std::to_string(run_id));
    }
  }
  write_metrics(pipeline, *report);
  return std::move(*report);
}

}  // namespace orch
