// The --serve answers: health, market, metrics, runs, logs, the page, and the control
// endpoints that start orchestrator processes (the light `orchestrator` beside us when it is
// there, else this binary).
#include "serve_handlers.h"

#include <spdlog/spdlog.h>

#include <malloc.h>

#include <fstream>
#include <random>

#include "orchestrator/app/health_check.h"
#include "orchestrator/app/market_modes.h"
#include "orchestrator/exec/detached.h"
#include "orchestrator/exec/self_path.h"
#include "orchestrator/health/metrics.h"
#include "orchestrator/store/instance_lock.h"
#include "orchestrator/ui/dashboard.h"
#include "orchestrator/web/api_json.h"
#include "orchestrator/web/page.h"

namespace orch {
namespace {

// The page is rebuilt at most every this many seconds (and whenever the database changed):
// it refreshes every 10 s, and with 1,000 tasks one build costs about half a second.
constexpr std::int64_t kPageSeconds = 5;
constexpr std::size_t kLogTail = 64 * 1024;

std::int64_t second_of(WallTime t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

std::string new_nonce() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 2; ++i) {
    const std::uint64_t v = rng();
    for (int b = 0; b < 16; ++b) out += kHex[(v >> (b * 4)) & 15];
  }
  return out;
}

web::Answer store_error(const Error& e) {
  spdlog::warn("{}", e.message);
  return web::Answer::error(503, e.message);
}

}  // namespace

template <class Build>
web::Answer Memo::get(const Key& key, Build&& build) {
  {
    std::lock_guard lock(mutex_);
    if (value_ && key_ == key) return *value_;
  }
  std::unique_lock builder(build_, std::try_to_lock);
  if (!builder.owns_lock()) {
    {
      std::lock_guard lock(mutex_);
      if (value_ && std::chrono::steady_clock::now() - built_at_ < stale_limit_) return *value_;
    }
    builder.lock();
  }
  {
    std::lock_guard lock(mutex_);
    if (value_ && key_ == key) return *value_;
  }
  auto fresh = std::make_shared<const web::Answer>(build());
  std::lock_guard lock(mutex_);
  if (fresh->status == 200) {
    key_ = key;
    value_ = fresh;
    built_at_ = std::chrono::steady_clock::now();
  }
  return *fresh;
}

ServeState::ServeState(const GlobalOptions& global, const Pipeline& pipeline,
                       MarketCalendar calendar)
    : global_(global), pipeline_(pipeline), calendar_(std::move(calendar)) {}

web::Handlers ServeState::handlers() {
  web::Handlers h;
  h.page = [this] { return page(); };
  h.health = [this] { return health(); };
  h.market = [this] {
    return web::Answer::json(200, market_status_json(calendar_, pipeline_.clock->now()));
  };
  h.runs = [this](int limit) { return runs(limit); };
  h.run = [this](std::int64_t id) { return run(id); };
  h.log = [this](const std::string& task) { return log(task); };
  h.metrics = [this] { return metrics(); };
  h.start_task = [this](const std::string& task) { return start_task(task); };
  h.update_stale = [this] { return update_stale(); };
  return h;
}

Expected<std::int64_t> ServeState::refresh_locked() {
  if (!reader_) {
    auto opened = StatusReader::open(pipeline_.config.database);
    if (!opened) return opened.error();
    reader_ = std::move(*opened);
    rows_version_.reset();
  }
  auto version = reader_->data_version();
  if (!version) {
    reader_.reset();  // reopened at the next request
    return version.error();
  }
  if (rows_version_ != *version) {
    auto rows = reader_->read_task_health();
    if (!rows) return rows.error();
    rows_ = std::move(*rows);
    running_modes_.clear();
    if (std::any_of(rows_.begin(), rows_.end(),
                    [](const TaskHealthRow& r) { return r.status == TaskStatus::Running; })) {
      auto modes = reader_->running_task_modes();
      if (!modes) return modes.error();
      for (const auto& [task, mode] : *modes) {
        if (std::find(running_modes_.begin(), running_modes_.end(), mode) == running_modes_.end()) {
          running_modes_.push_back(mode);
        }
      }
    }
    rows_version_ = *version;
  }
  return *version;
}

std::string ServeState::liveness_key_locked() {
  std::string key;
  Liveness live(pipeline_.config.database);
  for (const auto& mode : running_modes_) key += mode + (live.alive(mode) ? "=1 " : "=0 ");
  return key;
}

Expected<HealthReport> ServeState::report(WallTime now) {
  std::vector<TaskHealthRow> rows;
  std::map<std::string, std::string> modes;
  {
    std::lock_guard lock(db_mutex_);
    if (auto v = refresh_locked(); !v) return v.error();
    rows = rows_;
    if (!running_modes_.empty()) {
      auto found = reader_->running_task_modes();
      if (!found) return found.error();
      modes = std::move(*found);
    }
  }
  Liveness live(pipeline_.config.database);
  show_gone_as_interrupted(rows, modes, live);
  HealthReport built = build_report(pipeline_.config, calendar_, rows, now);
  auto filled =
      fill_missed_dates(pipeline_, calendar_, built, now,
                        [&](const std::vector<std::string>& tasks, const std::string& from,
                            const std::string& to) -> Expected<DateHistory> {
                          std::lock_guard lock(db_mutex_);
                          if (auto v = refresh_locked(); !v) return v.error();
                          return reader_->date_history(tasks, from, to);
                        });
  if (!filled) return filled.error();
  return built;
}

web::Answer ServeState::health() {
  const WallTime now = pipeline_.clock->now();
  std::unique_lock lock(db_mutex_);
  auto version = refresh_locked();
  if (!version) return store_error(version.error());
  const std::string alive = liveness_key_locked();
  lock.unlock();
  return health_memo_.get({*version, second_of(now), alive}, [&] {
    auto built = report(pipeline_.clock->now());
    if (!built) return store_error(built.error());
    return web::Answer::json(200, render_health_json(*built)).compress();
  });
}

web::Answer ServeState::metrics() {
  const WallTime now = pipeline_.clock->now();
  auto built = report(now);
  if (!built) return store_error(built.error());
  auto a =
      web::Answer::text(200, render_metrics(pipeline_.config, built->tasks, built->sources, now));
  a.content_type = "text/plain; version=0.0.4; charset=utf-8";
  return a;
}

Expected<web::DashboardData> ServeState::dashboard(WallTime now) {
  std::lock_guard lock(page_mutex_);
  if (!page_reader_) {
    auto opened = StatusReader::open(pipeline_.config.database);
    if (!opened) return opened.error();
    page_reader_ = std::move(*opened);
  }
  Liveness live(pipeline_.config.database);
  auto rows = read_rows_view(*page_reader_, live);
  if (!rows) {
    page_reader_.reset();  // reopened at the next build
    return rows.error();
  }
  auto data = read_dashboard(pipeline_, calendar_, *page_reader_, live, *rows, now);
  if (!data) page_reader_.reset();
  return data;
}

web::Answer ServeState::page() {
  const WallTime now = pipeline_.clock->now();
  std::unique_lock lock(db_mutex_);
  auto version = refresh_locked();
  const std::string alive = version ? liveness_key_locked() : "";
  lock.unlock();
  if (!version) {
    return web::Answer::text(
        503, "The status database cannot be read: " + version.error().message + "\n");
  }
  return page_memo_.get({*version, second_of(now) / kPageSeconds, alive}, [&] {
    auto data = dashboard(pipeline_.clock->now());
    if (!data) return store_error(data.error());
    web::PageOptions options;
    options.live = true;
    options.script_nonce = new_nonce();
    web::Answer a;
    a.content_type = "text/html; charset=utf-8";
    a.body = std::make_shared<const std::string>(web::render_page(*data, options));
    const std::string n = "'nonce-" + options.script_nonce + "'";
    a.headers.emplace_back("Content-Security-Policy",
                           "default-src 'none'; script-src " + n + "; style-src " + n +
                               "; img-src 'self' data:; connect-src 'self'; base-uri 'none'; "
                               "form-action 'none'; frame-ancestors 'none'");
    a.compress();
    malloc_trim(0);  // the build's temporaries go back to the system, not to a free list
    return a;
  });
}

web::Answer ServeState::runs(int limit) {
  std::lock_guard lock(db_mutex_);
  if (auto v = refresh_locked(); !v) return store_error(v.error());
  auto rows = reader_->runs(limit);
  if (!rows) return store_error(rows.error());
  Liveness live(pipeline_.config.database);
  for (auto& r : *rows) r.status = live.shown(r.status, r.mode);
  return web::Answer::json(200, web::runs_json(*rows));
}

web::Answer ServeState::run(std::int64_t id) {
  std::lock_guard lock(db_mutex_);
  if (auto v = refresh_locked(); !v) return store_error(v.error());
  auto row = reader_->run(id);
  if (!row) return store_error(row.error());
  if (!*row) return web::Answer::error(404, "no run with id " + std::to_string(id));
  auto attempts = reader_->attempts_of_run(id);
  if (!attempts) return store_error(attempts.error());
  Liveness live(pipeline_.config.database);
  (*row)->status = live.shown((*row)->status, (*row)->mode);
  for (auto& a : *attempts) a.status = live.shown(a.status, (*row)->mode);
  return web::Answer::json(200, web::run_json(**row, *attempts));
}

web::Answer ServeState::log(const std::string& task) {
  const PipelineConfig& cfg = pipeline_.config;
  const bool known = std::any_of(cfg.daily.begin(), cfg.daily.end(),
                                 [&](const TaskSpec& t) { return t.name == task; }) ||
                     std::any_of(cfg.intraday.begin(), cfg.intraday.end(),
                                 [&](const TaskSpec& t) { return t.name == task; });
  if (!known) return web::Answer::error(404, "no task named '" + task + "' in this pipeline");
  std::optional<NewestLog> newest;
  {
    std::lock_guard lock(db_mutex_);
    if (auto v = refresh_locked(); !v) return store_error(v.error());
    auto found = reader_->newest_log(task);
    if (!found) return store_error(found.error());
    newest = std::move(*found);
  }
  if (!newest) return web::Answer::error(404, "task '" + task + "' has never run");
  // An attempt that wrote nothing has no log file (its row says 0 bytes); a running one gets
  // its file at its first output.
  if (newest->output_bytes == 0) return web::Answer::text(200, "(no output)\n");
  const std::string* path = &newest->path;
  if (newest->running && !std::filesystem::exists(*path)) {
    return web::Answer::text(200, "(no output yet)\n");
  }
  std::ifstream in(*path, std::ios::binary | std::ios::ate);
  if (!in) return web::Answer::error(404, "the log of task '" + task + "' is gone: " + *path);
  const auto size = static_cast<std::size_t>(in.tellg());
  const std::size_t from = size > kLogTail ? size - kLogTail : 0;
  std::string text(size - from, '\0');
  in.seekg(static_cast<std::streamoff>(from));
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  return web::Answer::text(200, std::move(text));
}

web::Answer ServeState::start(const std::string& lock_mode, std::vector<std::string> mode_args) {
  const PipelineConfig& cfg = pipeline_.config;
  if (!InstanceLock::is_free(cfg.database, lock_mode)) {
    return web::Answer::error(409, "another orchestrator holds the " + lock_mode + " lock on " +
                                       cfg.database.string() + "; try again when it has finished");
  }
  std::vector<std::string> argv{light_executable(global_.argv0).string(), "-c", cfg.file.string(),
                                "--db", cfg.database.string()};
  if (global_.now) {
    argv.emplace_back("--now");
    argv.push_back(format_iso_utc(pipeline_.clock->now()));
  }
  for (auto& a : mode_args) argv.push_back(std::move(a));
  auto pid = spawn_detached(argv, cfg.base_dir.string());
  if (!pid) return web::Answer::error(500, pid.error().message);
  std::string line;
  for (const auto& a : argv) line += (line.empty() ? "" : " ") + a;
  spdlog::info("started PID {}: {}", *pid, line);
  return web::Answer::json(202, "{\"pid\":" + std::to_string(*pid) + "}");
}

web::Answer ServeState::start_task(const std::string& task) {
  const PipelineConfig& cfg = pipeline_.config;
  for (const TaskSpec& t : cfg.daily) {
    if (t.name == task) return start("daily", {"--daily", "--task", task, "--force"});
  }
  for (const TaskSpec& t : cfg.intraday) {
    if (t.name == task) return start("intraday", {"--intraday", "--once", "--task", task});
  }
  return web::Answer::error(404, "no task named '" + task + "' in this pipeline");
}

web::Answer ServeState::update_stale() { return start("update-stale", {"--update-stale"}); }

}  // namespace orch
