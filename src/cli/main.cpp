// Command-line wiring only (CLI11): parse, pick exactly one mode, map errors to exit codes.
// Built twice: `orchestrator` runs every mode but --serve, which it hands to orchestrator-web
// beside it (execv, same argv); `orchestrator-web` (ORCH_WITH_SERVE) links the HTTP server
// and runs every mode itself. Both parse the same options, so either accepts any command line.
#include <fcntl.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <unistd.h>
#include <CLI/CLI.hpp>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <system_error>
#include <utility>

#include "orchestrator/app/exit_codes.h"
#include "orchestrator/app/market_modes.h"
#include "orchestrator/app/modes.h"
#include "orchestrator/exec/process_policy.h"
#include "orchestrator/store/status_store.h"
#ifdef ORCH_WITH_SERVE
#include "orchestrator/serve/serve.h"
#endif

namespace {

// Started with fds 0-2 closed, our own files (database, lock) would land on them and a
// stray write to "stdout" would corrupt them: park /dev/null there first.
void ensure_standard_fds() {
  for (int fd = 0; fd <= 2; ++fd) {
    if (fcntl(fd, F_GETFD) == -1 && errno == EBADF) {
      int null_fd = open("/dev/null", O_RDWR);
      if (null_fd > 2) close(null_fd);
    }
  }
}

// What stdout's reader is shown is a mode's result: a report that could not be written is
// not a success. Checked here, once, after the mode ran (or when a print threw because the
// write failed): a closed pipe (EPIPE) exits quietly as a Unix tool killed by SIGPIPE would
// (141); any other write error (a full disk, /dev/full) says so and exits 74. A code that
// says more than "ok" or "red/closed" (usage, database, lock, a signal) is kept.
int check_stdout(int rc, int write_errno) {
  if (std::fflush(stdout) != 0 && write_errno == 0) write_errno = errno;
  if (!std::ferror(stdout) && write_errno == 0) return rc;
  if (rc != orch::exit_code::kOk && rc != orch::exit_code::kFailed) return rc;
  // A mode may have flushed (and failed) earlier, its errno gone: a pipe whose reader left
  // still shows POLLERR.
  pollfd out{STDOUT_FILENO, POLLOUT, 0};
  if (write_errno == 0 && ::poll(&out, 1, 0) == 1 && (out.revents & POLLERR)) write_errno = EPIPE;
  if (write_errno == EPIPE) return orch::exit_code::signal_exit(SIGPIPE);
  spdlog::error(
      "cannot write the output to stdout: {}; the result is incomplete",
      write_errno != 0 ? std::strerror(write_errno) : "a write failed (disk full or I/O error)");
  return orch::exit_code::kStoreError;
}

template <typename Mode>
int run_checked(Mode&& mode) {
  int rc = 0;
  try {
    rc = mode();
  } catch (const std::system_error& e) {
    // fmt's print throws when a write fails; any other system_error is not ours to handle.
    if (!std::ferror(stdout)) throw;
    return check_stdout(orch::exit_code::kOk, e.code().value());
  }
  return check_stdout(rc, 0);
}

std::string env_or(const char* name, std::string fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : std::move(fallback);
}

}  // namespace

int main(int argc, char** argv) {
  ensure_standard_fds();
  // Never world-writable files, even under umask 000; SIGXFSZ ignored so a file-size limit
  // is a reported write error, not a silent death (exec/process_policy.h).
  orch::apply_process_policy();
  // A console reader that went away must not kill a run (tasks get SIGPIPE back by default).
  signal(SIGPIPE, SIG_IGN);
  using namespace orch;
  CLI::App app{"orchestrator: runs a trading data pipeline of collector scripts as a tiered DAG",
               "orchestrator"};
  app.set_version_flag("--version", std::string("orchestrator ") + ORCH_VERSION);

  GlobalOptions global;
  RunOptions run;
  std::string config = env_or("ORCHESTRATOR_CONFIG", "dependency_graph.yaml");
  std::string db, now_text = env_or("ORCHESTRATOR_NOW", "");
  bool verbose = false, quiet = false, no_color = false, color = false;
  app.add_option("-c,--config", config,
                 "the pipeline file ($ORCHESTRATOR_CONFIG, else ./dependency_graph.yaml)");
  app.add_option("--db", db, "the SQLite database (overrides `database:`)");
  app.add_option("--now", now_text,
                 "run as if the clock read TIME (ISO 8601 with Z or an offset; $ORCHESTRATOR_NOW)");
  app.add_flag("-v,--verbose", verbose, "more detail");
  app.add_flag("-q,--quiet", quiet, "warnings and errors only");
  app.add_flag("--no-color", no_color, "no colour or emoji");
  app.add_flag("--color", color, "colour and emoji even when not on a terminal");

  bool daily = false, intraday = false, full = false, health = false, update_stale = false,
       validate = false, market_status = false, once = false;
  int calendar_year = 0;
  bool serve = false;
  std::string units, min_staleness = "yellow", report, listen = "127.0.0.1:8787", backfill;
  std::string interval_text = "30";
  auto modes = app.add_option_group("Modes", "exactly one");
  modes->add_flag("--daily", daily, "run the daily DAG once, then exit");
  modes->add_flag("--intraday", intraday, "run the intraday tasks (continuously, or --once)");
  modes->add_flag("--full", full, "supervise the daily and intraday runners");
  modes->add_flag("--health", health, "data freshness dashboard");
  modes->add_flag("--update-stale", update_stale, "run the tasks whose data is stale");
  modes->add_flag("--validate", validate, "check the pipeline file and print its tiers");
  modes->add_flag("--market-status", market_status, "is the market open now");
  modes->add_option("--calendar", calendar_year, "holidays and early closes of YEAR");
  modes->add_option("--print-units", units, "print launchd or systemd units")
      ->check(CLI::IsMember({"launchd", "systemd"}));
  modes->add_flag("--serve", serve, "web dashboard and HTTP API over the database");
  modes->add_option("--report", report, "write the dashboard as one HTML file (- for stdout)");
  modes->add_option("--backfill", backfill,
                    "run the daily DAG for every trading date FROM..TO (YYYY-MM-DD..YYYY-MM-DD)");
  modes->require_option(1);

  app.add_flag("--dry-run", run.dry_run, "print what would run; run and write nothing");
  app.add_flag("--once", once, "intraday: one pass, then exit");
  app.add_option("--interval", interval_text,
                 "intraday: longest sleep between checks, 0.01 to 86400 seconds (default 30)");
  app.add_option("--min-staleness", min_staleness, "update-stale: yellow or red")
      ->check(CLI::IsMember({"yellow", "red"}));
  app.add_flag("--force", run.force, "daily: rerun tasks that already succeeded today");
  app.add_flag("--no-wait", run.no_wait, "daily: ignore each task's `time`");
  app.add_flag("--scheduled", run.scheduled,
               "daily: started by a timer; do nothing on a day daily_days excludes");
  app.add_option("--task", run.tasks, "restrict the run to this task (repeatable)");
  app.add_option("-j,--jobs", run.jobs, "most tasks running at once")->check(CLI::Range(1, 10000));
  app.add_flag("--json", run.json, "machine-readable output");
  app.add_option("--listen", listen, "serve: ADDR:PORT to listen on (default 127.0.0.1:8787)");
  app.add_option("--date", run.date,
                 "daily: run for this past or current trading date (YYYY-MM-DD)");
  app.add_flag("--reverse", run.reverse, "backfill: newest date first");

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return exit_code::kUsage;
  }

  global.argv0 = argv[0];
  global.config = config;
  if (!db.empty()) global.db = db;
  global.verbosity = verbose ? Verbosity::Verbose : quiet ? Verbosity::Quiet : Verbosity::Normal;
  global.color = no_color ? ColorMode::Never : color ? ColorMode::Always : ColorMode::Auto;
  setup_console_logging(global.verbosity, console_style(global.color));
  orch::StatusStore::set_debug_log([](const std::string& line) { spdlog::debug("{}", line); });
  if (!now_text.empty()) {
    auto now = parse_iso8601(now_text);
    if (!now) {
      spdlog::error("--now: {}", now.error().message);
      return exit_code::kUsage;
    }
    global.now = *now;
  }
  // A sleep under 10 ms spins a core (even with the market closed); one over a day is a
  // runner that never looks at its tasks, and large values overflowed the wait.
  const auto interval = parse_seconds(interval_text, Millis{10}, Millis{86'400'000});
  if (!interval) {
    spdlog::error("--interval: {}", interval.error().message);
    return exit_code::kUsage;
  }
  // Each mode option applies to some modes only (docs/manual.md, "Modes"); elsewhere it is a
  // mistake worth saying, not something to ignore.
  const bool backfill_mode = modes->count("--backfill") > 0;
  const std::string mode_name = daily             ? "--daily"
                                : intraday        ? "--intraday"
                                : full            ? "--full"
                                : health          ? "--health"
                                : update_stale    ? "--update-stale"
                                : validate        ? "--validate"
                                : market_status   ? "--market-status"
                                : calendar_year   ? "--calendar"
                                : serve           ? "--serve"
                                : !report.empty() ? "--report"
                                : backfill_mode   ? "--backfill"
                                                  : "--print-units";
  const std::vector<std::pair<std::string, std::vector<std::string>>> applies{
      {"--dry-run", {"--daily", "--intraday", "--update-stale", "--backfill"}},
      {"--once", {"--intraday"}},
      {"--interval", {"--intraday", "--full"}},
      {"--min-staleness", {"--update-stale"}},
      {"--force", {"--daily", "--backfill"}},
      {"--reverse", {"--backfill"}},
      {"--date", {"--daily"}},
      {"--no-wait", {"--daily"}},
      {"--scheduled", {"--daily"}},
      {"--task", {"--daily", "--intraday", "--update-stale", "--backfill"}},
      {"--jobs", {"--daily", "--intraday", "--update-stale", "--backfill"}},
      {"--json", {"--health", "--market-status", "--calendar", "--validate", "--backfill"}},
      {"--listen", {"--serve"}}};
  for (const auto& [option, modes_ok] : applies) {
    if (app.count(option) == 0) continue;
    if (std::find(modes_ok.begin(), modes_ok.end(), mode_name) == modes_ok.end()) {
      std::string list;
      for (const auto& m : modes_ok) list += (list.empty() ? "" : ", ") + m;
      spdlog::error("{} does not apply to {} (it applies to {})", option, mode_name, list);
      return exit_code::kUsage;
    }
  }

  return run_checked([&]() -> int {
    if (daily) return run_daily(global, run);
    if (backfill_mode) return run_backfill(global, run, backfill);
    if (validate) return run_validate(global, run.json);
    if (intraday) return run_intraday(global, run, once, *interval);
    if (market_status) return run_market_status(global, run.json);
    if (calendar_year) return run_calendar(global, calendar_year, run.json);
    if (full) return run_full(global, *interval);
    if (health) return run_health(global, run.json);
    if (update_stale) return run_update_stale(global, run, min_staleness);
#ifdef ORCH_WITH_SERVE
    if (serve) return run_serve(global, listen);
#else
    if (serve) return exec_web_binary(global, argv);
#endif
    if (!report.empty()) return run_report(global, report);
    return run_print_units(global, units);
  });
}
