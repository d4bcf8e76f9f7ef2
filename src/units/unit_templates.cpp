#include "orchestrator/units/unit_templates.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <set>

#include "orchestrator/sched/supervisor.h"

// Generated at configure time by CMakeLists.txt from launchd/*.plist and systemd/*.{service,timer}.
#include "orchestrator/generated/unit_templates_data.h"
#include "orchestrator/util/text.h"

namespace orch {

namespace {

using std::chrono::days;
using std::chrono::sys_days;
using std::chrono::year_month_day;

constexpr long long kDay = 86400;

long long floor_div(long long a, long long b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

// "09:30:00": systemd calendar specs want the seconds.
std::string hh_mm_ss(TimeOfDay t) {
  const long long s = t.since_midnight.count();
  return fmt::format("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
}

std::string hh_mm(long long seconds) {
  return fmt::format("{:02}:{:02}", seconds / 3600, seconds / 60 % 60);
}

// "1h", "25min", "1h 30min": a DST mismatch or a timeout, for people.
std::string human_span(long long seconds) {
  const long long minutes = (seconds + 59) / 60, h = minutes / 60, m = minutes % 60;
  if (h && m) return fmt::format("{}h {}min", h, m);
  if (h) return fmt::format("{}h", h);
  return fmt::format("{}min", m);
}

bool has_control(std::string_view s) {
  return std::any_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

// systemd: '%' starts a specifier everywhere; quoted words would need '"', '\' and '$'
// escaped in some settings but not others (WorkingDirectory= takes the value as is), so
// such paths are refused rather than half-escaped.
Expected<std::string> systemd_value(const std::string& s) {
  if (has_control(s) || s.find_first_of("\"\\$") != std::string::npos) {
    return make_error("cannot write the path '" + s +
                      "' into a systemd unit (it contains a quote, backslash, '$' or a control "
                      "character): move or rename it");
  }
  std::string out;
  for (char c : s) out += c == '%' ? std::string("%%") : std::string(1, c);
  return out;
}

Expected<std::string> xml_value(const std::string& s) {
  if (has_control(s)) {
    return make_error("cannot write the path '" + s +
                      "' into a plist (it contains a control character)");
  }
  return escape_markup(s);
}

bool is_placeholder_name(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

Expected<std::string> fill_line(std::string_view line, const Placeholders& p,
                                const std::string* repeat_value) {
  std::string out;
  std::size_t i = 0;
  while (i < line.size()) {
    const std::size_t at = line.find('@', i);
    if (at == std::string_view::npos) {
      out.append(line.substr(i));
      break;
    }
    out.append(line.substr(i, at - i));
    const std::size_t end = line.find('@', at + 1);
    const std::string_view name =
        end == std::string_view::npos ? std::string_view() : line.substr(at + 1, end - at - 1);
    if (!is_placeholder_name(name)) {  // "@system-service", an e-mail address: text
      out += '@';
      i = at + 1;
      continue;
    }
    const std::string* value = nullptr;
    if (repeat_value && name == p.repeat_name) value = repeat_value;
    for (const auto& [k, v] : p.values) {
      if (!value && k == name) value = &v;
    }
    if (!value) return make_error("unknown placeholder @" + std::string(name) + "@");
    out += *value;
    i = end + 1;
  }
  return out;
}

// Serial worst case of one daily run: every attempt of every task to its timeout plus the
// kill grace, the backoffs between attempts, the wait from the first task's `time` to the
// last one's, and ten minutes to spare. Generous on purpose: it only has to stop a hang.
Seconds daily_run_bound(const PipelineConfig& cfg, TimeOfDay earliest) {
  Seconds total{600};
  Seconds latest = earliest.since_midnight;
  for (const auto& t : cfg.daily) {
    const RetryPolicy& retry = cfg.retry_for(t);
    const int attempts = std::max(1, retry.max_attempts);
    total += (t.max_runtime + cfg.kill_grace) * attempts;
    for (int a = 2; a <= attempts; ++a) total += retry.backoff_before(a);
    if (t.time) latest = std::max(latest, t.time->since_midnight);
  }
  return total + (latest - earliest.since_midnight);
}

std::string weekday_range(const std::vector<int>& weekdays) {
  return weekdays.size() == 7 ? "Mon..Sun" : "Mon..Fri";
}

}  // namespace

std::optional<UnitKind> parse_unit_kind(std::string_view kind) {
  if (kind == "launchd") return UnitKind::Launchd;
  if (kind == "systemd") return UnitKind::Systemd;
  return std::nullopt;
}

std::vector<UnitFile> unit_templates(UnitKind kind) {
  const std::string_view want = kind == UnitKind::Launchd ? "launchd" : "systemd";
  std::vector<UnitFile> out;
  for (const auto& t : generated::kUnitTemplates) {
    if (want == t.kind) out.push_back({t.name, t.text});
  }
  std::sort(out.begin(), out.end(),
            [](const UnitFile& a, const UnitFile& b) { return a.name < b.name; });
  return out;
}

Expected<std::string> fill_placeholders(std::string_view text, const Placeholders& p) {
  std::string out;
  const std::string token = "@" + p.repeat_name + "@";
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t nl = text.find('\n', start);
    const std::size_t stop = nl == std::string_view::npos ? text.size() : nl + 1;
    const std::string_view line = text.substr(start, stop - start);
    if (!p.repeat_name.empty() && line.find(token) != std::string_view::npos) {
      for (const auto& v : p.repeat_values) {
        auto filled = fill_line(line, p, &v);
        if (!filled) return filled.error();
        out += *filled;
      }
    } else {
      auto filled = fill_line(line, p, nullptr);
      if (!filled) return filled.error();
      out += *filled;
    }
    start = stop;
  }
  return out;
}

LocalFire local_fire_time(const Zone& pipeline_zone, const Zone& local_zone, TimeOfDay daily,
                          sys_days from) {
  long long lo = LLONG_MAX, hi = LLONG_MIN;
  for (int i = 0; i < 366; ++i) {
    const year_month_day day{from + days{i}};
    const WallTime at = pipeline_zone.at(day, daily);
    const sys_days local_day{local_zone.date_of(at)};
    const auto clock = parse_time_of_day(local_zone.local_clock(at));
    const long long local_seconds = clock ? clock->since_midnight.count() : 0;
    const long long delta =
        (local_day - sys_days{day}).count() * kDay + local_seconds - daily.since_midnight.count();
    lo = std::min(lo, delta);
    hi = std::max(hi, delta);
  }
  const long long fire = daily.since_midnight.count() + lo;
  LocalFire out;
  out.zone = local_zone.name();
  out.day_shift = static_cast<int>(floor_div(fire, kDay));
  const long long tod = fire - out.day_shift * kDay;
  out.hour = static_cast<int>(tod / 3600);
  out.minute = static_cast<int>(tod / 60 % 60);
  out.early_by = Seconds{hi - lo + tod % 60};

  const std::string when = hh_mm_ss(daily) + " " + pipeline_zone.name();
  const std::string day_note = out.day_shift > 0   ? " on the next day (local)"
                               : out.day_shift < 0 ? " on the day before (local)"
                                                   : "";
  if (lo == 0 && hi == 0) {
    out.note = fmt::format("{} is {} in {} all year: the agent fires at {} local time", when,
                           hh_mm(tod), out.zone, hh_mm(tod));
  } else if (lo == hi) {
    out.note = fmt::format("{} is {}{} in {} all year: the agent fires then", when, hh_mm(tod),
                           day_note, out.zone);
  } else {
    out.note = fmt::format(
        "{} falls between {} and {} in {} depending on the date (the two zones' daylight "
        "saving time differs): the agent fires at the earliest, {}{}, up to {} early, and the "
        "daily "
        "run waits for the tasks' times",
        when, hh_mm(tod), hh_mm(tod + (hi - lo)), out.zone, hh_mm(tod), day_note,
        human_span(hi - lo));
  }
  if (out.early_by > daily.since_midnight) {
    out.note += fmt::format(
        ". WARNING: firing up to {} early, it can start before midnight in {}, on the previous "
        "date; set the daily times later",
        human_span(out.early_by.count()), pipeline_zone.name());
  }
  return out;
}

UnitSettings unit_settings(const PipelineConfig& config, const Zone& pipeline_zone,
                           const Zone& local_zone, WallTime now,
                           const std::filesystem::path& orchestrator,
                           const std::filesystem::path& home) {
  UnitSettings s;
  s.orchestrator = orchestrator;
  s.config = config.file;
  s.workdir = config.base_dir;
  s.log_dir = config.log_dir;
  s.agent_log_dir = home / "Library" / "Logs" / "orchestrator";
  auto add_writable = [&](const std::filesystem::path& p) {
    const auto n = p.lexically_normal();
    if (std::find(s.writable.begin(), s.writable.end(), n) == s.writable.end())
      s.writable.push_back(n);
  };
  add_writable(config.base_dir);
  add_writable(config.database.parent_path());
  add_writable(config.log_dir);
  if (config.metrics_file) add_writable(config.metrics_file->parent_path());
  s.timezone = config.timezone;

  // The same start as --full's: the earliest `time` (midnight if no task has one).
  s.daily_time = earliest_daily_time(config);
  s.daily_days = config.daily_days;
  s.weekdays = config.daily_days == DailyDays::All ? std::vector<int>{0, 1, 2, 3, 4, 5, 6}
                                                   : std::vector<int>{1, 2, 3, 4, 5};
  s.daily_timeout = daily_run_bound(config, s.daily_time);
  // The orchestrator's own cleanup on SIGTERM: the tasks' grace, a database write (which may
  // wait up to busy_timeout, 10 s), and room to spare.
  s.stop_timeout = config.kill_grace + Seconds{30};
  s.local = local_fire_time(pipeline_zone, local_zone, s.daily_time,
                            sys_days{pipeline_zone.date_of(now)});
  return s;
}

Expected<std::vector<UnitFile>> render_units(UnitKind kind, const UnitSettings& s) {
  const bool launchd = kind == UnitKind::Launchd;
  auto escape = [&](const std::filesystem::path& p) {
    return launchd ? xml_value(p.string()) : systemd_value(p.string());
  };
  Placeholders p;
  for (const auto& [name, path] : std::vector<std::pair<std::string, std::filesystem::path>>{
           {"ORCHESTRATOR", s.orchestrator},
           {"CONFIG", s.config},
           {"WORKDIR", s.workdir},
           {"LOG_DIR", launchd ? s.agent_log_dir : s.log_dir}}) {
    auto v = escape(path);
    if (!v) return v.error();
    p.values.emplace_back(name, *v);
  }
  // ReadWritePaths=: the workdir must exist (it is the working directory); the others may
  // not exist before the first run ('-': skipped then, and created inside the workdir).
  std::string dirs;
  for (std::size_t i = 0; i < s.writable.size(); ++i) {
    auto v = escape(s.writable[i]);
    if (!v) return v.error();
    dirs += fmt::format("{}\"{}{}\"", i ? " " : "", i ? "-" : "", *v);
  }
  p.values.emplace_back("DATA_DIRS", dirs);
  p.values.emplace_back("TIMEZONE", s.timezone);
  p.values.emplace_back("DAILY_TIME", hh_mm_ss(s.daily_time));
  p.values.emplace_back("DAILY_WEEKDAYS", weekday_range(s.weekdays));
  p.values.emplace_back("DAILY_TIMEOUT", fmt::format("{}min", (s.daily_timeout.count() + 59) / 60));
  p.values.emplace_back("STOP_TIMEOUT", std::to_string(s.stop_timeout.count()));
  p.values.emplace_back("DAILY_HOUR", std::to_string(s.local.hour));
  p.values.emplace_back("DAILY_MINUTE", std::to_string(s.local.minute));
  p.repeat_name = "WEEKDAY";
  std::set<int> local_days;
  for (int d : s.weekdays) local_days.insert(((d + s.local.day_shift) % 7 + 7) % 7);
  for (int d : local_days) p.repeat_values.push_back(std::to_string(d));

  std::vector<UnitFile> out;
  for (auto& t : unit_templates(kind)) {
    auto text = fill_placeholders(t.text, p);
    if (!text) return make_error(t.name + ": " + text.error().message);
    out.push_back({t.name, std::move(*text)});
  }
  return out;
}

std::string units_preamble(UnitKind kind, const UnitSettings& s) {
  const std::string self = shell_quote(s.orchestrator.string());
  const std::string cfg = shell_quote(s.config.string());
  const char* days = s.daily_days == DailyDays::All ? "every day" : "Monday to Friday";
  std::string out = fmt::format("# orchestrator {}: {} for {}\n", ORCH_VERSION,
                                kind == UnitKind::Launchd ? "launchd agents" : "systemd user units",
                                s.config.string());
  out += fmt::format(
      "# Daily run: {} at {} {} (the earliest daily `time`); each task still waits "
      "for its own time.\n",
      days, hh_mm_ss(s.daily_time), s.timezone);
  if (s.daily_days == DailyDays::Trading) {
    out +=
        "# daily_days is `trading`: a timer cannot know exchange holidays, so it also fires on "
        "weekday holidays.\n";
  }
  out +=
      "# Intraday: one resident `--intraday` process, restarted if it dies; it runs each task "
      "when it is due.\n";
  out += "# Web dashboard (optional): one resident `--serve` on 127.0.0.1:8787, read-only.\n";
  if (kind == UnitKind::Launchd) out += fmt::format("# {}.\n", s.local.note);
  out += "# Each file follows a line `# ==> NAME <==`. To install:\n";
  const std::string split =
      "awk -v d=\"$D\" '/^# ==> .* <==$/ {f = d \"/\" $3; next} f {print > f}'";
  if (kind == UnitKind::Launchd) {
    out += fmt::format(
        "#   D=~/Library/LaunchAgents; mkdir -p \"$D\" {}\n"
        "#   {} -c {} --print-units launchd | {}\n"
        "#   launchctl bootstrap gui/$(id -u) \"$D\"/local.orchestrator.daily.plist\n"
        "#   launchctl bootstrap gui/$(id -u) \"$D\"/local.orchestrator.intraday.plist\n"
        "#   launchctl bootstrap gui/$(id -u) \"$D\"/local.orchestrator.serve.plist   # dashboard\n"
        "# Check: launchctl print gui/$(id -u)/local.orchestrator.daily; logs in {}/.\n"
        "# Render and bootstrap again (after launchctl bootout gui/$(id -u)/LABEL) when the "
        "times,\n"
        "# the pipeline's zone or the Mac's zone change.\n",
        shell_quote(s.agent_log_dir.string()), self, cfg, split, s.agent_log_dir.string());
  } else {
    out += fmt::format(
        "#   D=~/.config/systemd/user; mkdir -p \"$D\"\n"
        "#   {} -c {} --print-units systemd | {}\n"
        "#   systemctl --user daemon-reload\n"
        "#   systemctl --user enable --now orchestrator-daily.timer orchestrator-intraday.service\n"
        "#   systemctl --user enable --now orchestrator-serve.service   # the web dashboard\n"
        "#   loginctl enable-linger \"$USER\"   # run them while you are logged out, and from "
        "boot\n"
        "# Check: systemctl --user list-timers; journalctl --user -u orchestrator-daily -u "
        "orchestrator-intraday\n"
        "# The daily run may take up to {} (TimeoutStartSec=); render again when the pipeline's "
        "times or timeouts change.\n",
        self, cfg, split, human_span(s.daily_timeout.count()));
  }
  return out;
}

}  // namespace orch
