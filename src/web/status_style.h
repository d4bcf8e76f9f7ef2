#pragma once
// How a status looks on the page: its CSS class (colour, from a palette chosen to stay
// distinct for colour-blind readers) and a glyph that says the same without colour.
#include <optional>

#include "orchestrator/sched/recorder.h"

namespace orch::web {

struct StatusStyle {
  const char* css;    // s-ok, s-fail, s-tout, s-run, s-int, s-skip, s-pend, s-none
  const char* glyph;  // ✓ ✗ ⏱ ▶ ! – · (blank for "did not run")
  const char* label;  // short words for tables
};

// Any attempt or task status; nullopt: did not run.
const StatusStyle& status_style(std::optional<TaskStatus> status);

}  // namespace orch::web
