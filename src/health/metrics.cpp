// Metrics textfile: families and samples. Names follow Prometheus
// conventions (orchestrator_ prefix, base units, _total for counters), so that
// `promtool check metrics` accepts the file.
#include "orchestrator/health/metrics.h"

#include <fmt/format.h>

#include <map>
#include <optional>

#include "orchestrator/sched/recorder.h"

namespace orch {
namespace {

struct Family {
  std::string name;
  std::string type;  // gauge | counter
  std::string help;
  std::vector<std::string> samples;  // "name{labels} value"
};

std::string epoch_seconds(WallTime t) {
  const auto ms = t.time_since_epoch().count();
  return fmt::format("{}.{:03}", ms / 1000, (ms % 1000 + 1000) % 1000);
}

std::string number(double v) { return fmt::format("{:.3f}", v); }

std::string label(std::string_view key, std::string_view value) {
  return fmt::format("{}=\"{}\"", key, escape_label_value(value));
}

void add(Family& f, const std::string& labels, const std::string& value) {
  f.samples.push_back(f.name + "{" + labels + "} " + value);
}

constexpr TaskStatus kStatuses[] = {
    TaskStatus::Pending, TaskStatus::Running, TaskStatus::Success,    TaskStatus::Failed,
    TaskStatus::Timeout, TaskStatus::Skipped, TaskStatus::Interrupted};

}  // namespace

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      default: out += c;
    }
  }
  return out;
}

std::string render_metrics(const PipelineConfig& config, const std::vector<TaskHealthRow>& rows,
                           const std::vector<SourceFreshness>& sources, WallTime now) {
  Family success{"orchestrator_task_last_success_timestamp_seconds",
                 "gauge",
                 "Unix time of the task's latest successful run.",
                 {}};
  Family duration{"orchestrator_task_last_duration_seconds",
                  "gauge",
                  "Duration of the task's latest finished attempt.",
                  {}};
  Family failures{"orchestrator_task_consecutive_failures",
                  "gauge",
                  "Runs of the task that failed in a row since its last success.",
                  {}};
  Family status{"orchestrator_task_status",
                "gauge",
                "1 for the task's current status in data_pipeline_status, 0 for the others.",
                {}};
  Family runs{"orchestrator_task_runs_total",
              "counter",
              "Scheduled runs of the task (a run counts once, however many attempts).",
              {}};
  Family failed{"orchestrator_task_failures_total",
                "counter",
                "Runs of the task that failed or timed out for good.",
                {}};
  Family age{"orchestrator_source_age_seconds",
             "gauge",
             "Age of the data source's latest data (market time for market-hours-only sources).",
             {}};
  Family colour{"orchestrator_source_status",
                "gauge",
                "Freshness of the data source: 0 green, 1 yellow, 2 red, 3 unknown.",
                {}};
  Family checked{"orchestrator_health_checked_timestamp_seconds",
                 "gauge",
                 "Unix time this file was computed.",
                 {}};

  std::map<std::string, const TaskHealthRow*> by_name;
  for (const auto& r : rows) by_name[r.name] = &r;
  for (const auto* schedule : {&config.daily, &config.intraday}) {
    for (const TaskSpec& t : *schedule) {
      const std::string task = label("task", t.name);
      auto it = by_name.find(t.name);
      const TaskHealthRow empty{};
      const TaskHealthRow& r = it == by_name.end() ? empty : *it->second;
      if (r.last_success) add(success, task, epoch_seconds(*r.last_success));
      if (r.last_duration_seconds) add(duration, task, number(*r.last_duration_seconds));
      add(failures, task, std::to_string(r.consecutive_failures));
      for (TaskStatus s : kStatuses) {
        add(status, task + "," + label("status", to_string(s)), r.status == s ? "1" : "0");
      }
      add(runs, task, std::to_string(r.total_runs));
      add(failed, task, std::to_string(r.total_failures));
    }
  }
  for (const auto& s : sources) {
    const std::string source = label("source", s.name);
    if (s.age) add(age, source, number(static_cast<double>(s.age->count()) / 1000.0));
    add(colour, source, std::to_string(metric_value(s.status)));
  }
  checked.samples.push_back(checked.name + " " + epoch_seconds(now));

  std::string out;
  for (const Family* f :
       {&success, &duration, &failures, &status, &runs, &failed, &age, &colour, &checked}) {
    out += "# HELP " + f->name + " " + f->help + "\n";
    out += "# TYPE " + f->name + " " + f->type + "\n";
    for (const auto& line : f->samples) out += line + "\n";
  }
  return out;
}

}  // namespace orch
