#include "orchestrator/ui/logging.h"

#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>
#include <cstdlib>
#include <cstring>
#include <system_error>

#include "orchestrator/util/terminal.h"

namespace orch {

namespace {
constexpr const char* kPattern = "%Y-%m-%d %H:%M:%S - %l - %v";
constexpr const char* kColorPattern = "%Y-%m-%d %H:%M:%S - %^%l%$ - %v";
}  // namespace

ConsoleStyle console_style(ColorMode mode, int fd) {
  if (mode == ColorMode::Always) return {true, true};
  if (mode == ColorMode::Never) return {false, false};
  const bool tty = is_color_terminal(fd);
  return {tty, tty};
}

void setup_console_logging(Verbosity verbosity, const ConsoleStyle& style) {
  auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_st>(
      style.color ? spdlog::color_mode::always : spdlog::color_mode::never);
  sink->set_pattern(style.color ? kColorPattern : kPattern);
  auto logger = std::make_shared<spdlog::logger>("orchestrator", sink);
  switch (verbosity) {
    case Verbosity::Quiet: logger->set_level(spdlog::level::warn); break;
    case Verbosity::Normal: logger->set_level(spdlog::level::info); break;
    case Verbosity::Verbose: logger->set_level(spdlog::level::debug); break;
  }
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

Status add_file_logging(const std::filesystem::path& log_dir) {
  std::error_code ec;
  std::filesystem::create_directories(log_dir, ec);
  if (ec) return make_error("cannot create log folder " + log_dir.string() + ": " + ec.message());
  try {
    auto sink = std::make_shared<spdlog::sinks::rotating_file_sink_st>(
        (log_dir / "orchestrator.log").string(), 10 * 1024 * 1024, 5);
    sink->set_pattern(kPattern);
    sink->set_level(spdlog::level::debug);
    auto logger = spdlog::default_logger();
    const auto console_level = logger->level();  // the console keeps its own threshold
    logger->sinks().front()->set_level(console_level);
    logger->sinks().push_back(sink);
    logger->set_level(std::min(console_level, spdlog::level::info));
  } catch (const spdlog::spdlog_ex& e) {
    return make_error(std::string("cannot open the log file: ") + e.what());
  }
  return ok();
}

}  // namespace orch
