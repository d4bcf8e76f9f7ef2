// --print-units launchd|systemd: the agent/unit files that run this pipeline every trading
// day, for this installation (this binary, this config, its times). Reads the config only;
// writes nothing. Rendering lives in units/unit_templates.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <date/tz.h>
#include <pwd.h>
#include <unistd.h>
#include <cstdlib>

#include "orchestrator/app/exit_codes.h"
#include "orchestrator/app/modes.h"
#include "orchestrator/app/pipeline.h"
#include "orchestrator/exec/self_path.h"
#include "orchestrator/units/unit_templates.h"

namespace orch {

namespace {

// The zone launchd reads StartCalendarInterval in: $TZ when it names a tz database zone
// (so one can render for another Mac), else the machine's /etc/localtime, else the
// pipeline's own zone (said so on stderr).
Zone machine_zone(const Zone& fallback) {
  if (const char* tz = std::getenv("TZ"); tz && *tz) {
    std::string name = tz[0] == ':' ? tz + 1 : tz;
    if (auto z = Zone::locate(name)) return *z;
  }
  try {
    if (const auto* current = date::current_zone()) {
      if (auto z = Zone::locate(current->name())) return *z;
    }
  } catch (const std::exception& e) {
    spdlog::warn("cannot tell this machine's time zone ({}); assuming {}", e.what(),
                 fallback.name());
  }
  return fallback;
}

std::filesystem::path home_dir() {
  if (const char* home = std::getenv("HOME"); home && *home) return home;
  if (const passwd* pw = getpwuid(getuid()); pw && pw->pw_dir) return pw->pw_dir;
  return "/";
}

}  // namespace

int run_print_units(const GlobalOptions& global, const std::string& kind_name) {
  const auto kind = parse_unit_kind(kind_name);
  if (!kind) {
    spdlog::error("--print-units: '{}' is not launchd or systemd", kind_name);
    return exit_code::kUsage;
  }
  if (global.db) {
    spdlog::error(
        "--print-units: --db is not written into the units; set `database:` in {} instead",
        global.config.string());
    return exit_code::kUsage;
  }
  const SystemClock system_clock(global.now);
  auto pipeline = load_pipeline(global, false, system_clock);
  if (!pipeline) return exit_code::kUsage;

  const Zone local = kind == UnitKind::Launchd ? machine_zone(pipeline->zone) : pipeline->zone;
  const UnitSettings settings =
      unit_settings(pipeline->config, pipeline->zone, local, pipeline->clock->now(),
                    light_executable(global.argv0), home_dir());
  auto files = render_units(*kind, settings);
  if (!files) {
    spdlog::error("--print-units: {}", files.error().message);
    return exit_code::kUsage;
  }
  std::string out = units_preamble(*kind, settings);
  for (const auto& f : *files) out += fmt::format("# ==> {} <==\n{}", f.name, f.text);
  fmt::print("{}", out);
  return exit_code::kOk;
}

}  // namespace orch
