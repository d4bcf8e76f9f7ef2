// scan_output: one pass over a task's log in fixed-size chunks. Memory stays bounded by the
// chunk plus one capped line, whatever the file or line sizes.
#include "orchestrator/exec/output_scan.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

#include "orchestrator/util/fd.h"
#include "orchestrator/util/text.h"
#include "orchestrator/util/time.h"

namespace orch {
namespace {

constexpr std::size_t kChunkBytes = 64 * 1024;
constexpr std::size_t kLineCap = 4096;  // bytes of one line kept; the rest is only counted
constexpr std::size_t kLastLineMax = 500;
constexpr std::string_view kRecordsKey = "RECORDS_PROCESSED=";
constexpr std::string_view kDataAsOfKey = "DATA_AS_OF=";

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// At most `max` bytes, not cutting a UTF-8 sequence in half.
std::string_view truncate_utf8(std::string_view s, std::size_t max) {
  if (s.size() <= max) return s;
  std::size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return s.substr(0, cut);
}

// Splits the byte stream into lines and keeps what the report needs from each.
class LineScanner {
 public:
  void feed(const char* p, std::size_t n) {
    while (n > 0) {
      const void* nl = std::memchr(p, '\n', n);
      const std::size_t len = nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - p) : n;
      append(p, len);
      if (!nl) return;
      end_line();
      p += len + 1;
      n -= len + 1;
    }
  }
  void finish() { end_line(); }  // the last line may lack its '\n'
  OutputReport take() { return std::move(report_); }

 private:
  void append(const char* p, std::size_t n) {
    if (line_.empty()) {  // nothing but whitespace so far: drop leading whitespace
      while (n > 0 && is_space(*p)) ++p, --n;
    }
    const std::size_t room = kLineCap - line_.size();
    if (n > room) {
      overflow_ = true;
      n = room;
    }
    line_.append(p, n);
  }

  void end_line() {
    const std::string_view line = trim(line_);
    if (!line.empty()) {
      report_.last_line = to_valid_utf8(trim(truncate_utf8(line, kLastLineMax)));
      if (!overflow_) parse_report_line(line);
    }
    line_.clear();
    overflow_ = false;
  }

  void parse_report_line(std::string_view line) {
    if (line.starts_with(kRecordsKey)) {
      const std::string_view value = trim(line.substr(kRecordsKey.size()));
      std::int64_t n = 0;
      const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (ec == std::errc() && end == value.data() + value.size() && !value.empty() && n >= 0) {
        report_.records_processed = n;
      }
    } else if (line.starts_with(kDataAsOfKey)) {
      const std::string_view value = trim(line.substr(kDataAsOfKey.size()));
      if (value.empty()) return;
      // The zone is applied when the instant is used (MarketCalendar::data_instant); here
      // only the form is checked: with or without an offset (parse_db_time), or a date.
      if (parse_db_time(value) || parse_date(value)) {
        report_.data_as_of = to_valid_utf8(value);
        report_.data_as_of_problem.reset();
      } else {
        report_.data_as_of_problem =
            "ignored DATA_AS_OF=" + to_valid_utf8(truncate_utf8(value, 100)) +
            ": expected ISO 8601 (2026-11-18T15:07:00Z, an offset, or a "
            "local time in the pipeline's zone) or a date (YYYY-MM-DD)";
      }
    }
  }

  OutputReport report_;
  std::string line_;
  bool overflow_ = false;
};

}  // namespace

OutputReport scan_output(const std::filesystem::path& log_file) {
  LineScanner scanner;
  Fd fd(::open(log_file.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return {};
  // Not zero-filled: clearing 64 KiB cost more than scanning a short log.
  const auto buf = std::make_unique_for_overwrite<char[]>(kChunkBytes);
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf.get(), kChunkBytes);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // EOF, or an error: report what was read
    scanner.feed(buf.get(), static_cast<std::size_t>(n));
  }
  scanner.finish();
  return scanner.take();
}

}  // namespace orch
