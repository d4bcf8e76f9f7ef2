#pragma once
// The unit tests' helpers, one copy each: UTC instants, the NYSE calendar, a temporary folder
// removed with its contents, whole-file read and write. (Fakes of Clock and ProcessRunner are
// in fakes.h.)
#include <doctest/doctest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>

#include "orchestrator/calendar/market_calendar.h"
#include "orchestrator/calendar/zone.h"
#include "orchestrator/util/time.h"

namespace orch::test {

// y-mo-d h:mi:s.ms UTC.
inline WallTime utc(int y, unsigned mo, unsigned d, int h, int mi, int s = 0, int ms = 0) {
  using namespace std::chrono;
  return WallTime{sys_days{year{y} / month{mo} / day{d}}.time_since_epoch() + hours{h} +
                  minutes{mi} + seconds{s} + milliseconds{ms}};
}

inline Zone new_york() {
  auto zone = Zone::locate("America/New_York");
  REQUIRE(zone.has_value());
  return *zone;
}

// The NYSE calendar in New York (default hours unless given).
inline MarketCalendar nyse_calendar(const MarketHours& hours = MarketHours{}) {
  auto cal = MarketCalendar::create(hours, new_york());
  REQUIRE(cal.has_value());
  return *cal;
}

// A fresh folder under the system temp dir ($TMPDIR), removed with everything in it, even
// when a test left it or something in it unreadable.
struct TempDir {
  std::filesystem::path path;
  explicit TempDir(const std::string& prefix = "orch_test") {
    std::string templ = (std::filesystem::temp_directory_path() / (prefix + "_XXXXXX")).string();
    REQUIRE(::mkdtemp(templ.data()) != nullptr);
    path = templ;
  }
  ~TempDir() {
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::permissions(path, fs::perms::owner_all, ec);
    for (auto it = fs::recursive_directory_iterator(path, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (it->is_directory(ec))
        fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ec);
    }
    fs::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::filesystem::path operator/(const std::string& name) const { return path / name; }
};

// The whole file as bytes ("" when it cannot be read).
inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Replaces `p` with `text` and sets its permission bits.
inline void write_file(const std::filesystem::path& p, const std::string& text,
                       mode_t mode = 0644) {
  {
    std::ofstream out(p, std::ios::binary);
    out << text;
  }
  ::chmod(p.c_str(), mode);
}

// Whether another process (a fresh one: SQLite's in-memory lock state must not be inherited)
// can take the write lock of the SQLite database `db` (BEGIN IMMEDIATE, no busy wait).
inline bool another_process_can_write(const std::filesystem::path& db) {
  const std::string probe =
      "import sqlite3, sys\n"
      "c = sqlite3.connect(sys.argv[1], timeout=0, isolation_level=None)\n"
      "try:\n    c.execute('BEGIN IMMEDIATE')\nexcept sqlite3.OperationalError:\n"
      "    sys.exit(1)\n";
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::execlp("python3", "python3", "-c", probe.c_str(), db.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  REQUIRE_MESSAGE(WEXITSTATUS(status) <= 1, "the probe could not run python3");
  return WEXITSTATUS(status) == 0;
}

}  // namespace orch::test
