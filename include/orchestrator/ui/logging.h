#pragma once
// The console and file logs: spdlog to stderr (colour and emoji only when `fancy`) and a
// rotating orchestrator.log in log_dir. stdout is left to reports and JSON.
#include <filesystem>

#include "orchestrator/util/expected.h"

namespace orch {

enum class Verbosity { Quiet, Normal, Verbose };
enum class ColorMode { Auto, Always, Never };

struct ConsoleStyle {
  bool color = false;  // ANSI colours
  bool emoji = false;  // ▶️ ✅ ❌ ⏭️
};

// Auto: colour and emoji only when `fd` (stderr unless told) is a terminal and TERM is not
// "dumb".
ConsoleStyle console_style(ColorMode mode, int fd = 2);
void setup_console_logging(Verbosity verbosity, const ConsoleStyle& style);
// Adds log_dir/orchestrator.log (rotating: 5 files of 10 MiB), creating the folder.
Status add_file_logging(const std::filesystem::path& log_dir);

}  // namespace orch
