// --serve: the web dashboard and HTTP API over the status database, until SIGTERM/SIGINT.
// It never writes the database (--report, app/report.cpp, writes the same page once).
#include <fmt/format.h>
#include <malloc.h>
#include <pthread.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "orchestrator/app/exit_codes.h"
#include "orchestrator/app/modes.h"
#include "orchestrator/exec/detached.h"
#include "orchestrator/health/metrics.h"
#include "orchestrator/serve/serve.h"
#include "orchestrator/util/text.h"
#include "orchestrator/web/access.h"
#include "serve_handlers.h"

namespace orch {
namespace {

// The control endpoints' token: serve_token_file's content, else $ORCHESTRATOR_TOKEN.
Expected<std::optional<std::string>> load_token(const PipelineConfig& cfg) {
  if (cfg.serve_token_file) {
    std::ifstream in(*cfg.serve_token_file, std::ios::binary);
    if (!in) {
      return make_error(cfg.file.string() + ": serve_token_file " + cfg.serve_token_file->string() +
                        " cannot be read (create it with the token, readable by this user only)");
    }
    std::stringstream text;
    text << in.rdbuf();
    std::string token(trim_space(text.str()));
    if (token.empty()) {
      return make_error(cfg.file.string() + ": serve_token_file " + cfg.serve_token_file->string() +
                        " is empty (put the token in it)");
    }
    return std::optional<std::string>(std::move(token));
  }
  if (const char* env = std::getenv("ORCHESTRATOR_TOKEN")) {
    std::string token(trim_space(env));
    if (!token.empty()) return std::optional<std::string>(std::move(token));
  }
  return std::optional<std::string>();
}

}  // namespace

int run_serve(const GlobalOptions& global, const std::string& listen_text) {
  auto listen = web::parse_listen(listen_text);
  if (!listen) {
    spdlog::error("{}", listen.error().message);
    return exit_code::kUsage;
  }
  const SystemClock system_clock(global.now);
  auto loaded = load_pipeline_and_calendar(global, system_clock);
  if (!loaded) return exit_code::kUsage;
  Pipeline& pipeline = loaded->pipeline;
  MarketCalendar& calendar = loaded->calendar;
  const PipelineConfig& cfg = pipeline.config;
  auto token = load_token(cfg);
  if (!token) {
    spdlog::error("{}", token.error().message);
    return exit_code::kUsage;
  }
  if (!web::is_loopback(listen->host) && !*token) {
    spdlog::error(
        "--listen {}: refusing to listen on a non-loopback address without a token "
        "(set serve_token_file: in {} or $ORCHESTRATOR_TOKEN, or listen on 127.0.0.1)",
        listen_text, cfg.file.filename().string());
    return exit_code::kUsage;
  }

  // glibc gives each thread that allocates its own arena and keeps freed pages in it: with
  // one thread per connection, every large page built anywhere would stay resident once per
  // arena (190 MB measured with 100 clients). Two arenas keep it near one copy.
  mallopt(M_ARENA_MAX, 2);
  // Pages and answers above 256 KiB get pages of their own, unmapped when freed (glibc would
  // otherwise raise this threshold after the first free and keep them on the heap).
  mallopt(M_MMAP_THRESHOLD, 256 * 1024);

  // Signals are taken by one thread with sigwait: blocked here, before any other thread
  // exists, so every thread inherits the mask. SIGCHLD reaps the runs we started.
  sigset_t signals;
  sigemptyset(&signals);
  for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGCHLD}) sigaddset(&signals, sig);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  ServeState state(global, pipeline, std::move(calendar));
  web::ServerSettings settings;
  settings.listen = *listen;
  settings.allowed_hosts = cfg.serve_allowed_hosts;
  settings.token = *token;
  auto server = web::Server::bind(settings, state.handlers());
  if (!server) {
    spdlog::error("{}", server.error().message);
    return exit_code::kUsage;
  }
  if (!std::filesystem::exists(cfg.database)) {
    spdlog::warn("status database {} does not exist yet: pages answer 503 until a run creates it",
                 cfg.database.string());
  }
  const std::string shown_host =
      listen->host.find(':') != std::string::npos ? "[" + listen->host + "]" : listen->host;
  spdlog::info("serving {} on http://{}:{}/ (control endpoints {})", cfg.database.string(),
               shown_host, (*server)->port(), *token ? "enabled" : "disabled: no token");
  // The listening URL on stdout too, for scripts that started us on port 0.
  fmt::print("http://{}:{}/\n", shown_host, (*server)->port());
  std::fflush(stdout);

  std::atomic<int> stop_signal{0};
  std::atomic<bool> failed{false};
  std::thread watcher([&] {
    for (;;) {
      int sig = 0;
      if (sigwait(&signals, &sig) != 0) continue;
      if (sig == SIGCHLD) {
        reap_exited_children();
        continue;
      }
      stop_signal = sig;
      (*server)->stop();
      return;
    }
  });
  (*server)->serve();
  if (stop_signal == 0) {
    // serve() returned on its own (the socket failed): wake the watcher to end it.
    failed = true;
    // SIGTERM is blocked in every thread and taken by the watcher's sigwait: this wakes the
    // watcher, it does not end it (the check assumes an unblocked signal).
    pthread_kill(watcher.native_handle(), SIGTERM);  // NOLINT(bugprone-bad-signal-to-kill-thread)
  }
  watcher.join();
  if (failed) {
    spdlog::error("the server stopped unexpectedly");
    return exit_code::kStoreError;
  }
  spdlog::info("stopped by signal {}", stop_signal.load());
  return exit_code::signal_exit(stop_signal);
}

}  // namespace orch
