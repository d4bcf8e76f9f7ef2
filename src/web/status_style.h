#pragma once
// How a status looks on the page: its CSS class (colour, from a palette chosen to stay
// distinct for colour-blind readers) and a glyph that says the same without colour.
#include <string_view>

namespace orch::web {

struct StatusStyle {
  const char* css;    // s-ok, s-fail, s-tout, s-run, s-int, s-skip, s-pend, s-none
  const char* glyph;  // ✓ ✗ ⏱ ▶ ! – · (blank for "did not run")
  const char* label;  // short words for tables
};

// Any attempt or task status (SUCCESS, FAILED, TIMEOUT, RUNNING, INTERRUPTED, SKIPPED,
// PENDING); "NONE" or anything else: did not run.
const StatusStyle& status_style(std::string_view status);

}  // namespace orch::web
