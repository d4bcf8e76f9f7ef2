// Freshness per data source: which tasks write it, how old their latest success is (in wall
// or market time), and its colour against freshness_thresholds.
#include "orchestrator/health/freshness.h"

#include <algorithm>
#include <map>

namespace orch {

std::string_view to_string(Freshness f) {
  switch (f) {
    case Freshness::Green: return "green";
    case Freshness::Yellow: return "yellow";
    case Freshness::Red: return "red";
    case Freshness::Unknown: return "unknown";
  }
  return "unknown";
}

std::optional<Freshness> parse_freshness(std::string_view s) {
  for (Freshness f : {Freshness::Green, Freshness::Yellow, Freshness::Red, Freshness::Unknown}) {
    if (to_string(f) == s) return f;
  }
  return std::nullopt;
}

int metric_value(Freshness f) { return static_cast<int>(f); }

Freshness classify(std::optional<Millis> age, std::optional<Seconds> green,
                   std::optional<Seconds> yellow) {
  if (!age || (!green && !yellow)) return Freshness::Unknown;
  if (green && *age < *green) return Freshness::Green;
  if (yellow && *age < *yellow) return Freshness::Yellow;
  return Freshness::Red;
}

TaskReference run_data_instant(const SuccessRun& run, const MarketCalendar& calendar) {
  if (run.data_as_of) {
    if (auto as_of = calendar.data_instant(*run.data_as_of)) return {*as_of, true, false};
  }
  auto day = parse_date(run.trading_date);
  if (run.trading_date.empty() || !day || !run.started_at ||
      calendar.zone().date_of(*run.started_at) == *day) {
    return {run.ended_at, false, false};
  }
  return {calendar.zone().at(*day, calendar.regular_close(*day)), false, true};
}

TaskReference task_reference(const TaskHealthRow& row, const MarketCalendar& calendar) {
  TaskReference best;
  for (const SuccessRun& run : row.newest_successes) {
    const TaskReference r = run_data_instant(run, calendar);
    if (r.at && (!best.at || *r.at > *best.at)) best = r;
  }
  if (!row.newest_successes.empty()) return best;
  if (row.success_data_as_of) {
    if (auto as_of = calendar.data_instant(*row.success_data_as_of)) return {*as_of, true, false};
  }
  std::optional<WallTime> end = row.success_ended_at;
  if (row.last_success && (!end || *row.last_success > *end)) end = row.last_success;
  return {end, false, false};
}

namespace {

struct SourceWriters {
  std::vector<const TaskSpec*> tasks;
};

std::optional<Seconds> threshold(const std::map<std::string, Seconds>& level,
                                 const std::string& source) {
  auto it = level.find(source);
  if (it == level.end()) return std::nullopt;
  return it->second;
}

}  // namespace

std::vector<SourceFreshness> compute_freshness(const PipelineConfig& config,
                                               const MarketCalendar& calendar,
                                               const std::vector<TaskHealthRow>& rows,
                                               WallTime now) {
  std::map<std::string, SourceWriters> writers;
  for (const auto* schedule : {&config.daily, &config.intraday}) {
    for (const TaskSpec& t : *schedule) writers[t.data_source].tasks.push_back(&t);
  }
  std::map<std::string, const TaskHealthRow*> by_name;
  for (const auto& r : rows) by_name[r.name] = &r;

  std::vector<SourceFreshness> out;
  for (const auto& [source, w] : writers) {
    SourceFreshness s;
    s.name = source;
    s.green = threshold(config.freshness.green, source);
    s.yellow = threshold(config.freshness.yellow, source);
    s.market_time = std::all_of(w.tasks.begin(), w.tasks.end(),
                                [](const TaskSpec* t) { return t->market_hours_only; });
    s.daily_time = std::all_of(w.tasks.begin(), w.tasks.end(),
                               [](const TaskSpec* t) { return t->schedule == Schedule::Daily; });
    s.daily_days = config.daily_days;
    s.session = std::any_of(w.tasks.begin(), w.tasks.end(),
                            [](const TaskSpec* t) { return t->session == SessionKind::Extended; })
                    ? SessionKind::Extended
                    : SessionKind::Regular;
    for (const TaskSpec* t : w.tasks) {
      s.tasks.push_back(t->name);
      auto it = by_name.find(t->name);
      if (it == by_name.end()) continue;
      const TaskHealthRow& row = *it->second;
      std::optional<WallTime> success = row.success_ended_at;
      if (row.last_success && (!success || *row.last_success > *success))
        success = row.last_success;
      if (success && (!s.last_success || *success > *s.last_success)) s.last_success = success;
      const TaskReference ref = task_reference(row, calendar);
      if (ref.at && (!s.reference || *ref.at > *s.reference)) {
        s.reference = ref.at;
        s.from_data_as_of = ref.from_data_as_of;
        s.from_session_close = ref.from_session_close;
      }
    }
    if (s.reference && *s.reference - now > kFutureSkew) {
      s.in_future = true;
      s.status = s.green || s.yellow ? Freshness::Red : Freshness::Unknown;
      out.push_back(std::move(s));
      continue;
    }
    if (s.reference) {
      s.age = s.market_time  ? calendar.market_time_between(*s.reference, now, s.session)
              : s.daily_time ? daily_time_between(config.daily_days, calendar, *s.reference, now)
                             : std::max(Millis{0}, now - *s.reference);
    }
    s.status = classify(s.age, s.green, s.yellow);
    out.push_back(std::move(s));
  }
  return out;
}

HealthReport build_report(const PipelineConfig& config, const MarketCalendar& calendar,
                          const std::vector<TaskHealthRow>& rows, WallTime now) {
  HealthReport report;
  report.checked_at = now;
  report.sources = compute_freshness(config, calendar, rows, now);
  std::map<std::string, const TaskHealthRow*> by_name;
  for (const auto& r : rows) by_name[r.name] = &r;
  for (const auto* schedule : {&config.daily, &config.intraday}) {
    for (const TaskSpec& t : *schedule) {
      auto it = by_name.find(t.name);
      if (it != by_name.end()) {
        report.tasks.push_back(*it->second);
      } else {
        TaskHealthRow empty;
        empty.name = t.name;
        report.tasks.push_back(std::move(empty));
      }
    }
  }
  return report;
}

HealthSummary summarize(const std::vector<SourceFreshness>& sources) {
  HealthSummary s;
  for (const auto& src : sources) {
    switch (src.status) {
      case Freshness::Green: ++s.healthy; break;
      case Freshness::Yellow: ++s.stale; break;
      case Freshness::Red: ++s.critical; break;
      case Freshness::Unknown: ++s.unknown; break;
    }
    ++s.total;
  }
  return s;
}

}  // namespace orch
