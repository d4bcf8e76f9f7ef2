#pragma once
// The --health report: the text dashboard users know from the Python tool (sections by
// colour, task table, SUMMARY line) and the `--health --json` object (docs/manual.md, "JSON
// output").
#include <string>

#include "orchestrator/calendar/zone.h"
#include "orchestrator/health/freshness.h"
#include "orchestrator/ui/logging.h"

namespace orch {

// Like console_style, but for reports on stdout: Auto means stdout is a terminal.
ConsoleStyle stdout_style(ColorMode mode);

// "45s", "45m", "3h 15m", "2d 5h": the two largest units, truncated.
std::string human_age(Millis age);

// `text` on one line (newlines and tabs become spaces), at most `width` characters counted in
// UTF-8 code points, "..." marking a cut.
std::string shorten(std::string_view text, std::size_t width);

// The dashboard; local times in `zone`. Colour and emoji only as `style` says.
std::string render_dashboard(const HealthReport& report, const Zone& zone, ConsoleStyle style);

// {"checked_at", "sources": [...], "tasks": [...], "summary": {...}}, one line.
std::string render_health_json(const HealthReport& report);

}  // namespace orch
