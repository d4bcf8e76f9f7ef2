#pragma once
// Time vocabulary shared by every layer: wall instants (UTC), monotonic instants, and the
// text forms users and tasks see (ISO 8601 for users and tasks, SQLite's form for the db).
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "orchestrator/util/expected.h"

namespace orch {

using WallTime = std::chrono::sys_time<std::chrono::milliseconds>;
using MonoTime = std::chrono::steady_clock::time_point;
using Millis = std::chrono::milliseconds;
using Seconds = std::chrono::seconds;

// A time of day given in the config ("HH:MM" or "HH:MM:SS"), local to the pipeline's zone.
struct TimeOfDay {
  Seconds since_midnight{0};
  friend bool operator==(const TimeOfDay&, const TimeOfDay&) = default;
  friend auto operator<=>(const TimeOfDay&, const TimeOfDay&) = default;
};

// "2026-11-21T14:30:05Z" (whole seconds; millis when not zero).
std::string format_iso_utc(WallTime t);
// "20261121T143005Z": sortable and safe in file names.
std::string format_compact_utc(WallTime t);
// "2026-11-21 14:30:05.123": UTC, what SQLite's julianday() parses and what sorts as text.
std::string format_db_time(WallTime t);
// Parses ISO 8601 with a 'Z' or ±HH:MM offset ("2026-11-27T12:59:00-05:00"); a date alone
// or a time without offset is refused, since its zone would be a guess.
Expected<WallTime> parse_iso8601(std::string_view text);
// Parses format_db_time's output (also accepts 'T' and no millis).
std::optional<WallTime> parse_db_time(std::string_view text);
// "HH:MM" or "HH:MM:SS", 00:00:00 to 23:59:59.
Expected<TimeOfDay> parse_time_of_day(std::string_view text);
std::string format_time_of_day(TimeOfDay t);  // "09:30" or "09:30:15"
// "YYYY-MM-DD", a real calendar date.
Expected<std::chrono::year_month_day> parse_date(std::string_view text);
std::string format_date(std::chrono::year_month_day d);
// A number of seconds given on the command line ("30", "0.5", "1e3"), from `least` to `most`
// inclusive, in milliseconds. Refused: not a number (also "nan", "inf", hex, trailing text),
// or out of that range; messages quote the text (cut to 40 characters) and name the range.
Expected<Millis> parse_seconds(std::string_view text, Millis least, Millis most);
// "2.1s", "1m 05s", "2h 03m".
std::string format_duration(Millis d);

}  // namespace orch
