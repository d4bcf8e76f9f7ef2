// Loads dependency_graph.yaml: the top-level settings, market_hours, retry_policy,
// freshness_thresholds and on_failure here; tasks and the graph in loader_tasks.cpp. Never
// throws: every problem becomes a diagnostic naming the file, line, task and a fix.
//
// Defaults (docs/manual.md, "The pipeline file"), applied when a key is absent:
//   timezone            America/New_York
//   database            data/pipeline.db   (relative to the pipeline file's folder)
//   log_dir             logs               (relative to the pipeline file's folder)
//   metrics_file        none               (relative paths as above)
//   max_parallel        4                  (1..10000)
//   kill_grace_seconds  10
//   daily_days          trading
//   daily_catchup       0                  (0..366 trading dates before today)
//   on_failure          none; its timeout_seconds defaults to 30
//   serve_token_file    none (relative paths as above); serve_allowed_hosts []
//   market_hours        calendar NYSE, open 09:30, close 16:00, pre_market_open 04:00,
//                       post_market_close 20:00, no extra closures or early closes
//   retry_policy        max_attempts 1, backoff_seconds [] (no wait); a task's own
//                       retry_policy takes the keys it leaves out from the global one
//   freshness           no thresholds
//   task                tier = 1 + highest tier of its dependencies (0 if none);
//                       dependencies []; critical false; data_source snake_case(name);
//                       daily max_runtime_seconds 3600; intraday max_runtime_seconds = its
//                       interval; market_hours_only false; session regular; no `time`.
// Durations are whole seconds (or minutes for interval_minutes), at most ten years.
#include <date/tz.h>

#include <cstdlib>
#include <fstream>
#include <set>

#include <yaml-cpp/depthguard.h>

#include "loader_internal.h"
#include "orchestrator/config/output_paths.h"
#include "orchestrator/util/text.h"

namespace orch {
using namespace config_detail;

namespace {

// A value quoted in a diagnostic may be anything the file holds (a 10 MB name): keep the
// line readable. Cuts at a UTF-8 boundary and says how much was left out.
std::string shorten(const std::string& text, std::size_t max) {
  if (text.size() <= max) return text;
  const std::size_t cut = utf8_prefix(text, max);
  return text.substr(0, cut) + "...(" + std::to_string(text.size() - cut) + " more bytes)";
}

}  // namespace

std::string ConfigDiagnostic::format() const {
  std::string out = line > 0 ? file + ":" + std::to_string(line) + ": " : file + ": ";
  // Escaped: a name or value with ESC, CR or a newline must not forge or rewrite a line.
  if (!task.empty()) out += "task '" + escape_controls(shorten(task, 120)) + "': ";
  out += escape_controls(shorten(message, 600));
  if (!hint.empty()) out += " (" + hint + ")";
  return out;
}

namespace {

namespace fs = std::filesystem;
constexpr std::uintmax_t kMaxFileBytes = 16 * 1024 * 1024;

}  // namespace

// A path from the file, made absolute against the pipeline file's folder; refused when the
// file has none (read from a pipe or device: /dev/stdin would put the database under /dev).
std::optional<fs::path> config_detail::resolve_path(Diagnostics& diag, const Field& field,
                                                    const PipelineConfig& config,
                                                    const std::string& text,
                                                    const std::string& task) {
  const fs::path path{text};
  if (path.is_absolute()) return path.lexically_normal();
  if (!config.folder_known) {
    diag.error(
        field.line, task,
        field.name + ": relative path '" + text + "' in a pipeline read from a pipe or device",
        "such a file has no folder to be relative to: give an absolute path, or save the "
        "pipeline to a file");
    return std::nullopt;
  }
  return (config.base_dir / path).lexically_normal();
}

namespace {

std::optional<fs::path> read_path(Diagnostics& diag, const Field& field,
                                  const PipelineConfig& config, std::string_view example) {
  const auto text = read_string(diag, field, example);
  if (!text) return std::nullopt;
  return resolve_path(diag, field, config, *text, "");
}

// An IANA zone the tz database knows; suggests the nearest name for a typo.
std::optional<std::string> read_timezone(Diagnostics& diag, const Field& field) {
  auto name = read_string(diag, field, "timezone: America/New_York");
  if (!name) return std::nullopt;
  try {
    (void)date::locate_zone(*name);
    return name;
  } catch (const std::exception&) {}
  std::optional<std::string> suggestion;
  try {
    std::vector<std::string> zones;
    for (const auto& zone : date::get_tzdb().zones) zones.emplace_back(zone.name());
    suggestion = closest_match(*name, zones);
  } catch (const std::exception&) {}
  diag.error(
      field.line, "", "unknown time zone " + in_quotes(*name),
      suggestion ? did_you_mean(suggestion) : "use an IANA zone name such as America/New_York");
  return std::nullopt;
}

void read_market_hours(Diagnostics& diag, const Field& field, MarketHours& hours) {
  static constexpr std::string_view kKeys[] = {"calendar",
                                               "open",
                                               "close",
                                               "pre_market_open",
                                               "post_market_close",
                                               "extra_closures",
                                               "extra_early_closes"};
  const auto fields = read_fields(diag, field.value, field.line, kKeys, "market_hours", "");
  if (!fields) return;
  if (const Field* f = fields->find("calendar")) {
    const auto calendar = read_string(diag, *f, "calendar: NYSE");
    if (calendar && *calendar != "NYSE") {
      diag.error(f->line, "", "unknown market calendar " + in_quotes(*calendar),
                 "only NYSE is built in: calendar: NYSE");
    }
  }
  bool times_ok = true;
  auto read_time = [&](std::string_view key, TimeOfDay& out) {
    if (const Field* f = fields->find(key)) {
      const auto t = read_time_of_day(diag, *f);
      if (t) out = *t;
      times_ok = times_ok && t.has_value();
    }
  };
  read_time("open", hours.open);
  read_time("close", hours.close);
  read_time("pre_market_open", hours.pre_market_open);
  read_time("post_market_close", hours.post_market_close);
  if (times_ok && !(hours.pre_market_open <= hours.open && hours.open < hours.close &&
                    hours.close <= hours.post_market_close)) {
    diag.error(field.key_line, "",
               "market_hours are out of order: pre_market_open " +
                   format_time_of_day(hours.pre_market_open) + ", open " +
                   format_time_of_day(hours.open) + ", close " + format_time_of_day(hours.close) +
                   ", post_market_close " + format_time_of_day(hours.post_market_close),
               "they must satisfy pre_market_open <= open < close <= post_market_close");
    times_ok = false;
  }
  if (const Field* f = fields->find("extra_closures")) {
    if (const auto items = read_scalar_list(diag, *f, "extra_closures: [\"2027-01-09\"]")) {
      for (const auto& item : *items) {
        const auto date = parse_date(item.text);
        if (date) {
          hours.extra_closures.push_back(*date);
        } else {
          diag.error(item.line, "",
                     "bad date in market_hours.extra_closures: " + date.error().message,
                     "write dates as \"YYYY-MM-DD\", e.g. \"2027-01-09\"");
        }
      }
    }
  }
  if (const Field* f = fields->find("extra_early_closes")) {
    const auto entries = read_scalar_map(diag, *f);
    if (!entries) return;
    for (const auto& [date_item, value] : *entries) {
      const auto date = parse_date(date_item.text);
      if (!date) {
        diag.error(date_item.line, "",
                   "bad date in market_hours.extra_early_closes: " + date.error().message,
                   "write dates as \"YYYY-MM-DD\", e.g. \"2027-11-26\": \"13:00\"");
        continue;
      }
      const auto close = read_time_of_day(diag, value);
      if (!close) continue;
      if (times_ok && !(hours.open < *close && *close < hours.close)) {
        diag.error(value.line, "",
                   "early close " + format_time_of_day(*close) + " on " + date_item.text +
                       " is not between open (" + format_time_of_day(hours.open) + ") and close (" +
                       format_time_of_day(hours.close) + ")",
                   "an early close must be after the open and before the normal close");
        continue;
      }
      hours.extra_early_closes[std::chrono::sys_days{*date}] = *close;
    }
  }
}

// Thresholds per data source; remembers each source's line for the "no task writes it" warning.
void read_freshness(Diagnostics& diag, const Field& field, FreshnessThresholds& out,
                    std::map<std::string, int>& source_lines) {
  static constexpr std::string_view kKeys[] = {"green", "yellow"};
  const auto fields = read_fields(diag, field.value, field.line, kKeys, "freshness_thresholds", "");
  if (!fields) return;
  auto read_level = [&](std::string_view key, std::map<std::string, Seconds>& level,
                        std::map<std::string, int>& lines) {
    const Field* f = fields->find(key);
    if (!f) return;
    const auto entries = read_scalar_map(diag, *f);
    if (!entries) return;
    for (const auto& [source, value] : *entries) {
      const auto seconds = read_duration(diag, value, /*allow_zero=*/false);
      if (!seconds) continue;
      level[source.text] = *seconds;
      lines[source.text] = source.line;
      source_lines.emplace(source.text, source.line);
    }
  };
  std::map<std::string, int> green_lines, yellow_lines;
  read_level("green", out.green, green_lines);
  read_level("yellow", out.yellow, yellow_lines);
  for (const auto& [source, yellow] : out.yellow) {
    const auto green = out.green.find(source);
    if (green == out.green.end() || yellow >= green->second) continue;
    diag.error(yellow_lines[source], "",
               "freshness_thresholds.yellow." + source + " (" + std::to_string(yellow.count()) +
                   "s) is lower than green (" + std::to_string(green->second.count()) + "s)",
               "yellow must be at least green: age < green is green, < yellow is yellow, else red");
  }
}

// Whether the alert's program can be found the way it will be run: a path (with a '/', or a
// file in the pipeline's folder) must be a file; a bare name must be a file in a PATH folder.
bool alert_program_found(const std::string& program, const fs::path& base_dir) {
  std::error_code ec;
  fs::path path(program);
  if (path.is_relative()) path = base_dir / path;
  if (program.find('/') != std::string::npos || fs::exists(path, ec)) {
    return fs::is_regular_file(path, ec);
  }
  const char* env = std::getenv("PATH");
  std::string_view dirs = env ? env : "/usr/local/bin:/usr/bin:/bin";
  while (!dirs.empty()) {
    const auto colon = dirs.find(':');
    const std::string dir(dirs.substr(0, colon));
    dirs = colon == std::string_view::npos ? std::string_view{} : dirs.substr(colon + 1);
    if (fs::is_regular_file(fs::path(dir.empty() ? "." : dir) / program, ec)) return true;
  }
  return false;
}

void read_on_failure(Diagnostics& diag, const Field& field, PipelineConfig& config) {
  static constexpr std::string_view kKeys[] = {"command", "timeout_seconds"};
  if (field.value.IsNull()) return;
  const auto fields = read_fields(diag, field.value, field.line, kKeys, "on_failure", "");
  if (!fields) return;
  AlertCommand alert;
  bool ok = true;
  const Field* command = fields->find("command");
  const std::string example = "command: [\"scripts/notify.sh\"]";
  if (!command) {
    diag.error(field.key_line, "", "on_failure has no 'command'", "e.g. " + example);
    ok = false;
  } else if (const auto items = read_scalar_list(diag, *command, example)) {
    for (const auto& item : *items) alert.command.push_back(item.text);
    if (alert.command.empty() || alert.command.front().empty()) {
      diag.error(command->line, "", "on_failure.command is empty",
                 "give the program and its arguments as a list, e.g. " + example);
      ok = false;
    }
  } else {
    ok = false;
  }
  if (const Field* f = fields->find("timeout_seconds")) {
    const auto timeout = read_duration(diag, *f, /*allow_zero=*/false);
    if (timeout) alert.timeout = *timeout;
    ok = ok && timeout.has_value();
  }
  if (ok && !alert_program_found(alert.command.front(), config.base_dir)) {
    diag.warning(command->line, "",
                 "on_failure.command: '" + alert.command.front() +
                     "' was not found (a path relative to the pipeline's folder, or a program in "
                     "PATH); every alert will fail",
                 "fix the path, or install the program");
  }
  if (ok) config.on_failure = std::move(alert);
}

void warn_unwritten_sources(Diagnostics& diag, const std::map<std::string, int>& source_lines,
                            const std::vector<ParsedTask>& daily,
                            const std::vector<ParsedTask>& intraday) {
  std::set<std::string> written;
  for (const auto* tasks : {&daily, &intraday}) {
    for (const auto& task : *tasks) written.insert(task.spec.data_source);
  }
  const std::vector<std::string> sources(written.begin(), written.end());
  for (const auto& [source, line] : source_lines) {
    if (written.count(source)) continue;
    const auto suggestion = closest_match(source, sources);
    diag.warning(
        line, "",
        "freshness threshold for data source " + in_quotes(source) + ", which no task writes",
        suggestion ? did_you_mean(suggestion)
                   : "set a task's data_source to it, or remove the threshold");
  }
}

std::vector<TaskSpec> specs_of(std::vector<ParsedTask>& tasks) {
  std::vector<TaskSpec> specs;
  specs.reserve(tasks.size());
  for (auto& task : tasks) specs.push_back(std::move(task.spec));
  return specs;
}

void load_document(Diagnostics& diag, const YAML::Node& root, PipelineConfig& config,
                   LoadResult& result) {
  static constexpr std::string_view kKeys[] = {"timezone",
                                               "database",
                                               "log_dir",
                                               "max_parallel",
                                               "kill_grace_seconds",
                                               "daily_days",
                                               "daily_catchup",
                                               "metrics_file",
                                               "on_failure",
                                               "serve_token_file",
                                               "serve_allowed_hosts",
                                               "market_hours",
                                               "retry_policy",
                                               "freshness_thresholds",
                                               "executors",
                                               "default_executor",
                                               "daily_schedule",
                                               "intraday_schedule"};
  if (root.IsNull()) {
    diag.error(1, "", "the pipeline file is empty",
               "start from the shipped dependency_graph.yaml; docs/manual.md, The pipeline file, "
               "lists every key");
    return;
  }
  if (!root.IsMap()) {
    diag.error(line_of(root, 1), "",
               "the top level must be a map of settings, not a list or a value",
               "start with keys such as 'timezone:' and 'daily_schedule:'");
    return;
  }
  const MisplacedHint task_key_hint = [](std::string_view key) -> std::optional<std::string> {
    if (!is_task_key(key)) return std::nullopt;
    return in_quotes(key) + " belongs inside a task of daily_schedule or intraday_schedule";
  };
  const auto fields = read_fields(diag, root, 1, kKeys, "", "", task_key_hint);
  if (!fields) return;
  // Settings in file order, so errors read top to bottom; the schedules come last since
  // tasks inherit from retry_policy.
  std::map<std::string, int> source_lines;
  int default_executor_line = 0;
  for (const Field& field : fields->all) {
    const Field* f = &field;
    const std::string& key = field.key.Scalar();
    config.setting_lines[key] = field.key_line;
    if (key == "timezone") {
      if (auto zone = read_timezone(diag, *f)) config.timezone = *zone;
    } else if (key == "database") {
      if (auto path = read_path(diag, *f, config, "database: data/pipeline.db"))
        config.database = *path;
    } else if (key == "log_dir") {
      if (auto path = read_path(diag, *f, config, "log_dir: logs")) config.log_dir = *path;
    } else if (key == "metrics_file") {
      config.metrics_file = read_path(diag, *f, config, "metrics_file: metrics/orchestrator.prom");
    } else if (key == "max_parallel") {
      if (auto n = read_integer(diag, *f, 1, 10'000, "max_parallel: 4"))
        config.max_parallel = static_cast<int>(*n);
    } else if (key == "kill_grace_seconds") {
      if (auto grace = read_duration(diag, *f, /*allow_zero=*/false)) config.kill_grace = *grace;
    } else if (key == "daily_days") {
      static constexpr std::string_view kDays[] = {"trading", "weekdays", "all"};
      static constexpr DailyDays kValues[] = {DailyDays::Trading, DailyDays::Weekdays,
                                              DailyDays::All};
      if (auto i = read_choice(diag, *f, kDays)) config.daily_days = kValues[*i];
    } else if (key == "daily_catchup") {
      if (auto n = read_integer(diag, *f, 0, 366, "daily_catchup: 5"))
        config.daily_catchup = static_cast<int>(*n);
    } else if (key == "on_failure") {
      read_on_failure(diag, *f, config);
    } else if (key == "serve_token_file") {
      config.serve_token_file =
          read_path(diag, *f, config, "serve_token_file: secrets/serve.token");
    } else if (key == "serve_allowed_hosts") {
      if (auto hosts =
              read_scalar_list(diag, *f, "serve_allowed_hosts: [\"dashboard.example.com\"]")) {
        for (const auto& h : *hosts) config.serve_allowed_hosts.push_back(h.text);
      }
    } else if (key == "market_hours") {
      read_market_hours(diag, *f, config.market_hours);
    } else if (key == "retry_policy") {
      if (auto policy = read_retry_policy(diag, *f, RetryPolicy{})) config.retry_policy = *policy;
    } else if (key == "freshness_thresholds") {
      read_freshness(diag, *f, config.freshness, source_lines);
    } else if (key == "executors") {
      read_executors(diag, *f, config);
    } else if (key == "default_executor") {
      default_executor_line = f->line;
      if (auto name = read_string(diag, *f, "default_executor: local"))
        config.default_executor = *name;
    }
  }

  for (auto& clash : check_output_paths(config, diag.file())) diag.error(std::move(clash));

  const Field* daily_field = fields->find("daily_schedule");
  const Field* intraday_field = fields->find("intraday_schedule");
  if (!daily_field && !intraday_field) {
    diag.warning(1, "", "no daily_schedule or intraday_schedule: there are no tasks to run",
                 "add tasks under daily_schedule: or intraday_schedule:");
  }
  auto daily = daily_field ? read_schedule(diag, *daily_field, Schedule::Daily, config)
                           : std::vector<ParsedTask>{};
  auto intraday = intraday_field ? read_schedule(diag, *intraday_field, Schedule::Intraday, config)
                                 : std::vector<ParsedTask>{};
  resolve_executors(diag, config, default_executor_line, daily, intraday);
  check_task_graph(diag, daily, intraday);
  warn_unwritten_sources(diag, source_lines, daily, intraday);
  check_scripts(diag, daily);
  check_scripts(diag, intraday);
  if (diag.has_errors()) return;
  config.daily = specs_of(daily);
  config.intraday = specs_of(intraday);
  result.config = std::move(config);
}

}  // namespace

LoadResult load_config_text(const std::string& text, const std::filesystem::path& file) {
  return load_config_text(text, file, true);
}

LoadResult load_config_text(const std::string& text, const std::filesystem::path& file,
                            bool folder_known) {
  LoadResult result;
  Diagnostics diag(file.string(), result);
  try {
    PipelineConfig config;
    std::error_code ec;
    fs::path absolute = fs::absolute(file, ec);
    config.file = (ec ? file : absolute).lexically_normal();
    config.base_dir = config.file.parent_path();
    config.database = config.base_dir / "data" / "pipeline.db";
    config.log_dir = config.base_dir / "logs";
    if (!folder_known) {
      config.folder_known = false;
      config.base_dir = fs::current_path(ec);
      config.database.clear();
      config.log_dir.clear();
    }
    YAML::Node root;
    try {
      root = YAML::Load(text);
    } catch (const YAML::DeepRecursion& e) {
      // yaml-cpp stops at a fixed depth (its message is only "bad file")
      diag.error(
          e.mark.line >= 0 ? e.mark.line + 1 : 0, "",
          "YAML nesting is too deep (the parser stops at " + std::to_string(e.depth()) + " levels)",
          "a pipeline file nests a few levels; check for runaway brackets");
      return result;
    } catch (const YAML::Exception& e) {
      diag.error(e.mark.line >= 0 ? e.mark.line + 1 : 0, "", "YAML syntax error: " + e.msg,
                 "check the indentation, colons and quotes on this line and the one before");
      return result;
    }
    load_document(diag, root, config, result);
    if (result.config && result.config->log_dir.empty()) {
      diag.error(
          0, "", "log_dir is required (an absolute path) in a pipeline read from a pipe or device",
          "such a file has no folder for the default 'logs'; or save the pipeline to a file");
      result.config.reset();
    }
  } catch (const std::exception& e) {
    // yaml-cpp conversions or the file system; a bug guard rather than an expected path
    diag.error(0, "", std::string("could not load the pipeline file: ") + e.what(), "");
    result.config.reset();
  } catch (...) {
    diag.error(0, "", "could not load the pipeline file: unknown error", "");
    result.config.reset();
  }
  return result;
}

LoadResult load_config(const std::filesystem::path& file) {
  LoadResult result;
  Diagnostics diag(file.string(), result);
  const std::string hint = "check the path, or pass -c FILE (default ./dependency_graph.yaml)";
  std::error_code ec;
  const auto status = fs::status(file, ec);
  if (ec || !fs::exists(status)) {
    diag.error(0, "", "cannot read the pipeline file: it does not exist", hint);
    return result;
  }
  if (fs::is_directory(status)) {
    diag.error(0, "", "cannot read the pipeline file: it is a directory", hint);
    return result;
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    diag.error(0, "", "cannot read the pipeline file: permission denied or I/O error", hint);
    return result;
  }
  // Read in chunks with a cap, so a device or pipe given as the file cannot exhaust memory.
  std::string text;
  char chunk[64 * 1024];
  while (in.read(chunk, sizeof chunk) || in.gcount() > 0) {
    text.append(chunk, static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxFileBytes) {
      diag.error(0, "", "the pipeline file is too large (over 16 MiB)",
                 "a pipeline file is a few kilobytes; check the path");
      return result;
    }
  }
  if (in.bad()) {
    diag.error(0, "", "cannot read the pipeline file: I/O error", hint);
    return result;
  }
  // A pipe, FIFO or device (-c /dev/stdin, process substitution) has no folder of its own.
  if (!fs::is_regular_file(status)) return load_config_text(text, file, false);
  return load_regular_file(text, file, static_cast<mode_t>(status.permissions()), kMaxFileBytes);
}

}  // namespace orch
