#pragma once
// The launchd agents and systemd user units that run the pipeline every trading day, rendered
// for one installation. Their text is the files in launchd/ and systemd/ of the source tree,
// embedded into the binary at build time (CMake generates a header of raw string literals
// from them), so the shipped templates and what --print-units prints are one source.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "orchestrator/calendar/zone.h"
#include "orchestrator/config/config.h"
#include "orchestrator/util/expected.h"
#include "orchestrator/util/time.h"

namespace orch {

enum class UnitKind { Launchd, Systemd };
std::optional<UnitKind> parse_unit_kind(std::string_view kind);

struct UnitFile {
  std::string name;  // file name, e.g. "orchestrator-daily.timer"
  std::string text;
};

// The embedded templates of `kind`, placeholders (@NAME@) unfilled, in file-name order.
std::vector<UnitFile> unit_templates(UnitKind kind);

// When the daily job fires on a Mac, whose launchd reads StartCalendarInterval in the
// machine's local zone: the earliest local time the pipeline's daily time falls on over a
// year (DST rules of the two zones may differ for some weeks), so it never fires late.
struct LocalFire {
  std::string zone;          // the machine's zone name
  int hour = 0, minute = 0;  // earliest local time of day (minute precision, rounded down)
  int day_shift = 0;         // local date minus the pipeline's date at that time: -1, 0 or 1
  Seconds early_by{0};       // the most it fires before the daily time (DST mismatch, seconds)
  std::string note;          // one line for the install comments
};
LocalFire local_fire_time(const Zone& pipeline_zone, const Zone& local_zone, TimeOfDay daily,
                          std::chrono::sys_days from);

// Everything the placeholders are filled with, computed from the loaded pipeline.
struct UnitSettings {
  std::filesystem::path orchestrator;   // absolute path of this binary
  std::filesystem::path config;         // absolute path of the pipeline file
  std::filesystem::path workdir;        // the pipeline file's folder
  std::filesystem::path log_dir;        // the pipeline's log_dir
  std::filesystem::path agent_log_dir;  // launchd: ~/Library/Logs/orchestrator
  // Folders the units may write (ReadWritePaths=): the workdir, then the folders of the
  // database, log_dir and metrics file.
  std::vector<std::filesystem::path> writable;
  std::string timezone;       // the pipeline's zone
  TimeOfDay daily_time;       // the earliest daily `time` (midnight when none)
  std::vector<int> weekdays;  // days the daily job runs, 0 = Sunday .. 6 = Saturday
  DailyDays daily_days = DailyDays::Trading;
  Seconds daily_timeout{0};  // upper bound of one daily run (TimeoutStartSec=)
  Seconds stop_timeout{0};   // SIGTERM to SIGKILL on stop (> kill_grace_seconds)
  LocalFire local;           // launchd's local calendar
};

UnitSettings unit_settings(const PipelineConfig& config, const Zone& pipeline_zone,
                           const Zone& local_zone, WallTime now,
                           const std::filesystem::path& orchestrator,
                           const std::filesystem::path& home);

// Fills the templates of `kind`. A path that cannot be written safely into the file format
// (a newline; for systemd also '"', '\' or '$') is an error naming it.
Expected<std::vector<UnitFile>> render_units(UnitKind kind, const UnitSettings& settings);

// The comment block printed before the files: what they do and how to install them.
std::string units_preamble(UnitKind kind, const UnitSettings& settings);

// Fills @NAME@ placeholders from `values` (already escaped for the file format). A line
// holding a placeholder listed in `repeat` is written once per value of that list. An
// unknown placeholder is an error, so the templates and this code cannot drift apart.
struct Placeholders {
  std::vector<std::pair<std::string, std::string>> values;
  std::string repeat_name;  // e.g. "WEEKDAY"
  std::vector<std::string> repeat_values;
};
Expected<std::string> fill_placeholders(std::string_view text, const Placeholders& placeholders);

}  // namespace orch
