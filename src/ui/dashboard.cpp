// The health dashboard (text and JSON). Text columns are padded by code points before any
// colour is added, so escapes never break the alignment.
#include "orchestrator/ui/dashboard.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>

namespace orch {
namespace {

constexpr const char* kReset = "\033[0m";
constexpr const char* kBold = "\033[1m";
constexpr const char* kRed = "\033[31m";
constexpr const char* kGreen = "\033[32m";
constexpr const char* kYellow = "\033[33m";
constexpr const char* kCyan = "\033[36m";
constexpr const char* kGrey = "\033[90m";
const std::string kRule(80, '=');
const std::string kThinRule(80, '-');

std::size_t width_of(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;  // count UTF-8 lead bytes
  return n;
}

std::string pad(std::string_view s, std::size_t width) {
  std::string out(s);
  const std::size_t w = width_of(s);
  if (w < width) out.append(width - w, ' ');
  return out;
}

struct Painter {
  ConsoleStyle style;
  std::string operator()(const char* colour, const std::string& text) const {
    return style.color ? std::string(colour) + text + kReset : text;
  }
  const char* mark(const char* emoji, const char* plain) const {
    return style.emoji ? emoji : plain;
  }
};

const char* colour_of(Freshness f) {
  switch (f) {
    case Freshness::Green: return kGreen;
    case Freshness::Yellow: return kYellow;
    case Freshness::Red: return kRed;
    case Freshness::Unknown: return kGrey;
  }
  return kGrey;
}

const char* colour_of_status(TaskStatus status) {
  switch (status) {
    case TaskStatus::Success: return kGreen;
    case TaskStatus::Failed:
    case TaskStatus::Timeout: return kRed;
    case TaskStatus::Skipped:
    case TaskStatus::Interrupted: return kYellow;
    case TaskStatus::Running: return kCyan;
    case TaskStatus::Pending: return kGrey;
  }
  return kGrey;
}

// What an age means. From a run's end, on a clock that ran like the wall clock since:
// "updated 45m ago". Otherwise the data's own instant, and the clock when the age skips time
// (market time, daily_days): "0s" on a Monday morning for Friday's close is true in market
// time but baffling without them: "data as of Fri 2026-11-27 13:00 EST, 0s of market time".
std::string age_text(const SourceFreshness& s, const Zone& zone, WallTime now) {
  const bool skips_time = s.reference && *s.age != std::max(Millis{0}, now - *s.reference);
  if (!skips_time && !s.from_data_as_of && !s.from_session_close) {
    std::string text = "updated " + human_age(*s.age) + " ago";
    if (s.market_time) {
      text += s.session == SessionKind::Extended ? " in extended market hours" : " in market hours";
    }
    return text;
  }
  std::string text = "data as of ";
  if (s.reference) {
    static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    const std::chrono::weekday wd{std::chrono::sys_days{zone.date_of(*s.reference)}};
    text += std::string(kDays[wd.c_encoding()]) + " " + format_local_minute(zone, *s.reference);
    if (s.from_session_close) text += " (the close of its trading date)";
    text += ", ";
  }
  text += human_age(*s.age);
  if (s.market_time) {
    return text + (s.session == SessionKind::Extended ? " of extended-hours market time"
                                                      : " of market time");
  }
  return text + (skips_time ? " old, counting only the days daily_days runs" : " ago");
}

// A reference after the clock's now: the age cannot be known.
std::string future_text(const SourceFreshness& s) {
  return std::string(s.from_data_as_of ? "data as of " : "updated ") +
         format_iso_utc(*s.reference) + ", after the clock's now: clock stepped back? age unknown";
}

std::string source_line(const SourceFreshness& s, const Zone& zone, WallTime now,
                        std::size_t name_width, const Painter& paint) {
  std::string what;
  switch (s.status) {
    case Freshness::Green: what = "Fresh (" + age_text(s, zone, now) + ")"; break;
    case Freshness::Yellow: what = "Stale (" + age_text(s, zone, now) + ")"; break;
    case Freshness::Red:
      what = s.age         ? "Critically stale (" + age_text(s, zone, now) + ")"
             : s.in_future ? "Critically stale (" + future_text(s) + ")"
                           : "Critically stale";
      break;
    case Freshness::Unknown:
      if (s.in_future) {
        what = "Unknown (" + future_text(s) + ")";
      } else if (!s.age) {
        what = "Never updated";
      } else {
        what = "No freshness thresholds (" + age_text(s, zone, now) + ")";
      }
      break;
  }
  return fmt::format("   {} {} - {}\n", paint.mark("•", "*"), paint(kBold, pad(s.name, name_width)),
                     what);
}

struct Section {
  Freshness level;
  const char* emoji;
  const char* plain;
  const char* title;
};
constexpr Section kSections[] = {
    {Freshness::Red, "🔴", "[RED]", "CRITICAL - Data Critically Stale:"},
    {Freshness::Yellow, "🟡", "[YELLOW]", "WARNING - Data Stale:"},
    {Freshness::Green, "🟢", "[GREEN]", "HEALTHY - Data Fresh:"},
    {Freshness::Unknown, "⚪", "[UNKNOWN]", "UNKNOWN - Never Updated or No Thresholds:"},
};

std::string percent(const TaskHealthRow& r) {
  if (r.total_runs <= 0) return "-";
  return fmt::format("{:.0f}%", 100.0 * static_cast<double>(r.total_successes) /
                                    static_cast<double>(r.total_runs));
}

std::string task_table(const HealthReport& report, const Zone& zone, const Painter& paint) {
  struct Cells {
    std::vector<std::string> text;
    TaskStatus status = TaskStatus::Pending;
  };
  const std::vector<std::string> head = {"Task",    "Status",   "Last run", "Fails",
                                         "Success", "Avg time", "Records",  "Last error"};
  std::vector<Cells> rows;
  for (const auto& r : report.tasks) {
    Cells c;
    c.status = r.status;
    const auto last = r.last_run_end ? r.last_run_end : r.last_run_start;
    c.text = {
        r.name,
        std::string(to_string(r.status)),
        last ? format_local_minute(zone, *last) : "never",
        std::to_string(r.consecutive_failures),
        percent(r),
        r.average_runtime_seconds
            ? format_duration(Millis{static_cast<long long>(*r.average_runtime_seconds * 1000)})
            : "-",
        r.last_records ? std::to_string(*r.last_records) : "-",
        r.last_error.empty() ? "-" : shorten(r.last_error, 60)};
    rows.push_back(std::move(c));
  }
  std::vector<std::size_t> widths(head.size());
  for (std::size_t i = 0; i < head.size(); ++i) {
    widths[i] = width_of(head[i]);
    for (const auto& c : rows) widths[i] = std::max(widths[i], width_of(c.text[i]));
  }
  std::string out;
  std::string line = "   ";
  for (std::size_t i = 0; i < head.size(); ++i) {
    line += i + 1 < head.size() ? pad(head[i], widths[i] + 2) : head[i];
  }
  out += paint(kBold, line) + "\n";
  for (const auto& c : rows) {
    line = "   ";
    for (std::size_t i = 0; i < head.size(); ++i) {
      std::string cell = i + 1 < head.size() ? pad(c.text[i], widths[i] + 2) : c.text[i];
      if (i == 1) cell = paint(colour_of_status(c.status), cell);
      line += cell;
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

nlohmann::ordered_json opt_time(const std::optional<WallTime>& t) {
  return t ? nlohmann::ordered_json(format_iso_utc(*t)) : nlohmann::ordered_json(nullptr);
}

}  // namespace

ConsoleStyle stdout_style(ColorMode mode) { return console_style(mode, STDOUT_FILENO); }

std::string human_age(Millis age) {
  const long long s = std::max<long long>(0, age.count() / 1000);
  const long long d = s / 86400, h = s % 86400 / 3600, m = s % 3600 / 60;
  if (d > 0) return h > 0 ? fmt::format("{}d {}h", d, h) : fmt::format("{}d", d);
  if (h > 0) return m > 0 ? fmt::format("{}h {}m", h, m) : fmt::format("{}h", h);
  if (m > 0) return fmt::format("{}m", m);
  return fmt::format("{}s", s);
}

std::string shorten(std::string_view text, std::size_t width) {
  std::string flat;
  for (char c : text) {
    const bool space = c == '\n' || c == '\r' || c == '\t' || c == ' ';
    if (space && (flat.empty() || flat.back() == ' ')) continue;
    flat += space ? ' ' : c;
  }
  while (!flat.empty() && flat.back() == ' ') flat.pop_back();
  if (width_of(flat) <= width) return flat;
  const std::size_t keep = width > 3 ? width - 3 : 0;
  std::size_t points = 0, cut = 0;
  for (; cut < flat.size(); ++cut) {
    if ((static_cast<unsigned char>(flat[cut]) & 0xC0) != 0x80 && points++ == keep) break;
  }
  flat.resize(cut);
  while (!flat.empty() && flat.back() == ' ') flat.pop_back();
  return flat + "...";
}

std::string render_dashboard(const HealthReport& report, const Zone& zone, ConsoleStyle style) {
  const Painter paint{style};
  std::string out;
  out += paint(kBold, std::string(paint.mark("📊 ", "")) + "DATA PIPELINE HEALTH DASHBOARD") + "\n";
  out += kRule + "\n";
  out += "Checked at " + zone.local_datetime(report.checked_at) + "\n";

  std::size_t name_width = 20;
  for (const auto& s : report.sources) name_width = std::max(name_width, width_of(s.name));
  for (const Section& section : kSections) {
    std::string lines;
    for (const auto& s : report.sources) {
      if (s.status == section.level)
        lines += source_line(s, zone, report.checked_at, name_width, paint);
    }
    if (lines.empty()) continue;
    out += "\n" +
           paint(colour_of(section.level),
                 std::string(paint.mark(section.emoji, section.plain)) + " " + section.title) +
           "\n";
    out += lines;
  }
  if (report.sources.empty()) out += "\n   (no data sources: the pipeline has no tasks)\n";

  if (!report.missed_dates.empty()) {
    out += "\n" + paint(kYellow, std::string(paint.mark("📅 ", "")) + "MISSED TRADING DATES") +
           fmt::format(" (of the last {} before today; --backfill FROM..TO fills them)\n",
                       kHealthMissedDates);
    for (const MissedDate& m : report.missed_dates) {
      std::string names;
      for (const auto& t : m.tasks) names += (names.empty() ? "" : ", ") + t;
      out += fmt::format("   {} {}: not succeeded: {}\n", paint.mark("•", "*"), format_date(m.date),
                         names);
    }
  }

  out += "\n" + paint(kBold, std::string(paint.mark("📋 ", "")) + "PIPELINE TASK STATUS") + "\n";
  out += kThinRule + "\n";
  out += task_table(report, zone, paint);

  const HealthSummary sum = summarize(report.sources);
  out += "\n" + std::string(paint.mark("📈 ", "")) +
         fmt::format("SUMMARY: {} healthy, {} stale, {} critical, {} unknown (Total: {})\n",
                     sum.healthy, sum.stale, sum.critical, sum.unknown, sum.total);
  return out;
}

std::string render_health_json(const HealthReport& report) {
  nlohmann::ordered_json sources = nlohmann::ordered_json::array();
  for (const auto& s : report.sources) {
    nlohmann::ordered_json age = nullptr;
    if (s.age) age = static_cast<double>(s.age->count()) / 1000.0;
    sources.push_back({{"name", s.name},
                       {"status", std::string(to_string(s.status))},
                       {"age_seconds", age},
                       {"last_success", opt_time(s.last_success)},
                       {"tasks", s.tasks}});
  }
  nlohmann::ordered_json tasks = nlohmann::ordered_json::array();
  for (const auto& r : report.tasks) {
    nlohmann::ordered_json rate = nullptr;
    if (r.total_runs > 0) {
      rate = static_cast<double>(r.total_successes) / static_cast<double>(r.total_runs);
    }
    nlohmann::ordered_json avg = nullptr;
    if (r.average_runtime_seconds) avg = *r.average_runtime_seconds;
    tasks.push_back(
        {{"name", r.name},
         {"status", std::string(to_string(r.status))},
         {"consecutive_failures", r.consecutive_failures},
         {"success_rate", rate},
         {"average_runtime_seconds", avg},
         {"last_error_message", r.last_error.empty() ? nlohmann::ordered_json(nullptr)
                                                     : nlohmann::ordered_json(r.last_error)}});
  }
  nlohmann::ordered_json missed = nlohmann::ordered_json::array();
  for (const MissedDate& m : report.missed_dates) {
    missed.push_back({{"date", format_date(m.date)}, {"tasks", m.tasks}});
  }
  const HealthSummary sum = summarize(report.sources);
  nlohmann::ordered_json out = {{"checked_at", format_iso_utc(report.checked_at)},
                                {"sources", sources},
                                {"tasks", tasks},
                                {"missed_dates", missed},
                                {"summary",
                                 {{"healthy", sum.healthy},
                                  {"stale", sum.stale},
                                  {"critical", sum.critical},
                                  {"unknown", sum.unknown},
                                  {"total", sum.total}}}};
  return out.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace orch
