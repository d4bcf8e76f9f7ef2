// Text forms of times: ISO 8601 (users, tasks), SQLite's "YYYY-MM-DD HH:MM:SS.mmm" (database),
// times of day and durations. Hand-parsed so every refusal can say exactly what is wrong.
#include "orchestrator/util/time.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <string>

#include "orchestrator/util/text.h"

namespace orch {
namespace {

using namespace std::chrono;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// A cursor over the text being parsed; every read either consumes and succeeds or fails.
class Cursor {
 public:
  explicit Cursor(std::string_view text) : text_(text) {}

  bool at_end() const { return pos_ == text_.size(); }
  char peek() const { return at_end() ? '\0' : text_[pos_]; }

  bool accept(char c) {
    if (peek() != c) return false;
    ++pos_;
    return true;
  }

  // Exactly `count` decimal digits.
  bool digits(int count, int& out) {
    int value = 0;
    for (int i = 0; i < count; ++i) {
      if (!is_digit(peek())) return false;
      value = value * 10 + (text_[pos_++] - '0');
    }
    out = value;
    return true;
  }

  // One or more digits after a decimal point, as milliseconds (truncated).
  bool fraction_millis(int& millis) {
    if (!is_digit(peek())) return false;
    int value = 0;
    int kept = 0;
    while (is_digit(peek())) {
      if (kept < 3) {
        value = value * 10 + (text_[pos_] - '0');
        ++kept;
      }
      ++pos_;
    }
    for (; kept < 3; ++kept) value *= 10;
    millis = value;
    return true;
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

// 10 -> "0.01", 1500 -> "1.5": milliseconds as decimal seconds without trailing zeros.
std::string fmt_millis_as_seconds(long long ms) {
  std::string out = std::to_string(ms / 1000) + ".";
  char frac[8];
  std::snprintf(frac, sizeof frac, "%03lld", ms % 1000);
  out += frac;
  while (out.back() == '0') out.pop_back();
  return out;
}

Expected<year_month_day> read_date(Cursor& in, std::string_view whole) {
  int y = 0, m = 0, d = 0;
  if (!in.digits(4, y) || !in.accept('-') || !in.digits(2, m) || !in.accept('-') ||
      !in.digits(2, d)) {
    return make_error(in_quotes(whole) + " is not a date: expected YYYY-MM-DD");
  }
  year_month_day date{year{y}, month{static_cast<unsigned>(m)}, day{static_cast<unsigned>(d)}};
  if (!date.ok()) return make_error(in_quotes(whole) + " is not a real calendar date");
  return date;
}

// "HH:MM[:SS[.fff]]" with range checks; `allow_fraction` only for full timestamps.
Expected<Millis> read_clock(Cursor& in, std::string_view whole, bool allow_fraction) {
  int h = 0, m = 0, s = 0, ms = 0;
  if (!in.digits(2, h) || !in.accept(':') || !in.digits(2, m)) {
    return make_error(in_quotes(whole) + " has no valid time of day: expected HH:MM or HH:MM:SS");
  }
  if (in.accept(':')) {
    if (!in.digits(2, s)) {
      return make_error(in_quotes(whole) + " has bad seconds: expected HH:MM:SS");
    }
    if (allow_fraction && (in.accept('.') || in.accept(','))) {
      if (!in.fraction_millis(ms)) {
        return make_error(in_quotes(whole) + " has a bad fraction of a second");
      }
    }
  }
  if (h > 23 || m > 59 || s > 59) {
    return make_error(in_quotes(whole) + " has a time of day out of range (00:00:00 to 23:59:59)");
  }
  return Millis{hours{h} + minutes{m} + seconds{s} + milliseconds{ms}};
}

// Parses "YYYY-MM-DD[T ]HH:MM[:SS[.fff]]" plus an offset: required, or optional (then UTC).
Expected<WallTime> parse_timestamp(std::string_view original, bool offset_required) {
  const std::string_view text = trim(original);
  Cursor in(text);
  auto date = read_date(in, text);
  if (!date) return date.error();
  if (in.at_end()) {
    if (offset_required) {
      return make_error(in_quotes(text) + " is a date without a time and UTC offset; write e.g. " +
                        std::string(text) + "T09:30:00-05:00");
    }
    return make_error(in_quotes(text) + " has no time of day");
  }
  if (!in.accept('T') && !in.accept('t') && !in.accept(' ')) {
    return make_error(in_quotes(text) + " is not an ISO 8601 time: expected 'T' after the date");
  }
  auto clock = read_clock(in, text, true);
  if (!clock) return clock.error();

  minutes offset{0};
  if (in.accept('Z') || in.accept('z')) {
    // UTC
  } else if (in.peek() == '+' || in.peek() == '-') {
    const bool negative = in.peek() == '-';
    in.accept(in.peek());
    int oh = 0, om = 0;
    if (!in.digits(2, oh)) {
      return make_error(in_quotes(text) + " has a bad UTC offset: expected ±HH:MM");
    }
    in.accept(':');
    if (!in.digits(2, om) || oh > 23 || om > 59) {
      return make_error(in_quotes(text) + " has a bad UTC offset: expected ±HH:MM");
    }
    offset = hours{oh} + minutes{om};
    if (negative) offset = -offset;
  } else if (in.at_end()) {
    if (offset_required) {
      return make_error(in_quotes(text) + " has no UTC offset: add 'Z' or ±HH:MM (e.g. " +
                        "2026-11-27T12:59:00-05:00), since its zone would be a guess");
    }
  }
  if (!in.at_end()) {
    return make_error(in_quotes(text) + " has unexpected text after the time");
  }
  // local time - offset = UTC
  const WallTime utc{sys_days{*date}.time_since_epoch() + *clock - offset};
  // An offset can carry 9999-12-31 into year 10000 (or 0000-01-01 into year -1): such an
  // instant would be written as text neither we nor SQLite's julianday() read back.
  static const WallTime first{sys_days{year{0} / January / 1}};
  static const WallTime last{sys_days{year{10000} / January / 1}};
  if (utc < first || utc >= last) {
    return make_error(in_quotes(text) + " is outside the years 0000 to 9999 in UTC");
  }
  return utc;
}

}  // namespace

std::string format_iso_utc(WallTime t) {
  const auto day = floor<days>(t);
  const year_month_day date{day};
  const hh_mm_ss<milliseconds> clock{t - day};
  char buf[64];
  const long long millis = clock.subseconds().count();
  if (millis != 0) {
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02lld:%02lld:%02lld.%03lldZ",
                  static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                  static_cast<unsigned>(date.day()), static_cast<long long>(clock.hours().count()),
                  static_cast<long long>(clock.minutes().count()),
                  static_cast<long long>(clock.seconds().count()), millis);
  } else {
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02lld:%02lld:%02lldZ",
                  static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                  static_cast<unsigned>(date.day()), static_cast<long long>(clock.hours().count()),
                  static_cast<long long>(clock.minutes().count()),
                  static_cast<long long>(clock.seconds().count()));
  }
  return buf;
}

std::string format_db_time(WallTime t) {
  const auto day = floor<days>(t);
  const year_month_day date{day};
  const hh_mm_ss<milliseconds> clock{t - day};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u %02lld:%02lld:%02lld.%03lld",
                static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                static_cast<unsigned>(date.day()), static_cast<long long>(clock.hours().count()),
                static_cast<long long>(clock.minutes().count()),
                static_cast<long long>(clock.seconds().count()),
                static_cast<long long>(clock.subseconds().count()));
  return buf;
}

Expected<WallTime> parse_iso8601(std::string_view text) { return parse_timestamp(text, true); }

std::optional<WallTime> parse_db_time(std::string_view text) {
  auto parsed = parse_timestamp(text, false);
  if (!parsed) return std::nullopt;
  return *parsed;
}

Expected<TimeOfDay> parse_time_of_day(std::string_view text) {
  const std::string_view trimmed = trim(text);
  Cursor in(trimmed);
  auto clock = read_clock(in, trimmed, false);
  if (!clock) return clock.error();
  if (!in.at_end()) {
    return make_error(in_quotes(trimmed) + " is not a time of day: expected HH:MM or HH:MM:SS");
  }
  return TimeOfDay{duration_cast<Seconds>(*clock)};
}

std::string format_time_of_day(TimeOfDay t) {
  const long long total = t.since_midnight.count();
  char buf[32];
  if (total % 60 != 0) {
    std::snprintf(buf, sizeof buf, "%02lld:%02lld:%02lld", total / 3600, total / 60 % 60,
                  total % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%02lld:%02lld", total / 3600, total / 60 % 60);
  }
  return buf;
}

Expected<year_month_day> parse_date(std::string_view text) {
  const std::string_view trimmed = trim(text);
  Cursor in(trimmed);
  auto date = read_date(in, trimmed);
  if (!date) return date.error();
  if (!in.at_end()) return make_error(in_quotes(trimmed) + " is not a date: expected YYYY-MM-DD");
  return date;
}

std::string format_date(year_month_day d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(d.year()),
                static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
  return buf;
}

Expected<Millis> parse_seconds(std::string_view text, Millis least, Millis most) {
  text = trim(text);
  const std::string shown =
      text.size() > 40 ? "'" + std::string(text.substr(0, 40)) + "...'" : in_quotes(text);
  double value = 0;
  const auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), value, std::chars_format::general);
  // from_chars takes "nan" and "inf" as numbers; a count of seconds they are not.
  const bool number = !text.empty() && ec != std::errc::invalid_argument &&
                      end == text.data() + text.size() && !std::isnan(value);
  if (!number) return make_error(shown + " is not a number of seconds (e.g. 30 or 0.5)");
  auto plain = [](Millis m) {
    const long long ms = m.count();
    return ms % 1000 == 0 ? std::to_string(ms / 1000) : fmt_millis_as_seconds(ms);
  };
  // Out-of-range text (1e400) parses as ±inf or overflows: out of range as well.
  if (ec == std::errc::result_out_of_range || !std::isfinite(value) ||
      value * 1000 < static_cast<double>(least.count()) ||
      value * 1000 > static_cast<double>(most.count())) {
    return make_error(shown + " is out of range: give " + plain(least) + " to " + plain(most) +
                      " seconds");
  }
  return Millis{std::llround(value * 1000)};
}

std::string format_duration(Millis d) {
  const bool negative = d < Millis::zero();
  const long long ms = negative ? -d.count() : d.count();
  char buf[64];
  if (ms < 60'000) {
    // tenths truncated, so 59.99 s reads "59.9s", never "60.0s"
    std::snprintf(buf, sizeof buf, "%lld.%llds", ms / 1000, ms % 1000 / 100);
  } else if (ms < 3'600'000) {
    const long long s = ms / 1000;
    std::snprintf(buf, sizeof buf, "%lldm %02llds", s / 60, s % 60);
  } else {
    const long long m = ms / 60'000;
    std::snprintf(buf, sizeof buf, "%lldh %02lldm", m / 60, m % 60);
  }
  return negative ? "-" + std::string(buf) : std::string(buf);
}

std::string format_compact_utc(WallTime t) {
  std::string iso = format_iso_utc(std::chrono::floor<std::chrono::seconds>(t));
  std::erase_if(iso, [](char c) { return c == '-' || c == ':'; });
  return iso;
}

}  // namespace orch
