// units/: when the launchd agent fires for a pipeline whose zone differs from the machine's
// (the DST arithmetic of local_fire_time), and how that reaches the rendered files.
#include <doctest/doctest.h>

#include <string>

#include "orchestrator/units/unit_templates.h"

using namespace orch;
using namespace std::chrono;

namespace {

Zone zone(const std::string& name) {
  auto z = Zone::locate(name);
  REQUIRE(z);
  return *z;
}

TimeOfDay at(int h, int m) { return TimeOfDay{Seconds{h * 3600 + m * 60}}; }

const sys_days kJan1 = sys_days{year{2026} / January / 1};

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE(
    "units: 09:30 New York on a UTC machine fires at the summer time, an hour early in winter") {
  const LocalFire f = local_fire_time(zone("America/New_York"), zone("UTC"), at(9, 30), kJan1);
  // EDT (March..November): 13:30 UTC; EST: 14:30 UTC. The agent fires at the earlier one.
  CHECK(f.zone == "UTC");
  CHECK(f.hour == 13);
  CHECK(f.minute == 30);
  CHECK(f.day_shift == 0);
  CHECK(f.early_by == Seconds{3600});
  CHECK(contains(f.note, "between 13:30 and 14:30 in UTC"));
  CHECK(contains(f.note, "up to 1h early"));
  CHECK_FALSE(contains(f.note, "WARNING"));
}

TEST_CASE("units: the scan covers a year from any start, so both DST changes are seen") {
  // starting just before the March change or just after the November one gives the same answer
  for (sys_days from : {sys_days{year{2026} / March / 7}, sys_days{year{2026} / November / 2},
                        sys_days{year{2027} / July / 1}}) {
    const LocalFire f = local_fire_time(zone("America/New_York"), zone("UTC"), at(9, 30), from);
    CHECK(f.hour == 13);
    CHECK(f.minute == 30);
    CHECK(f.early_by == Seconds{3600});
  }
}

TEST_CASE("units: New York and London change on different dates: weeks an hour apart") {
  // usually 14:30 in London; 13:30 in the weeks the US is on summer time and the UK not yet
  const LocalFire f =
      local_fire_time(zone("America/New_York"), zone("Europe/London"), at(9, 30), kJan1);
  CHECK(f.hour == 13);
  CHECK(f.minute == 30);
  CHECK(f.day_shift == 0);
  CHECK(f.early_by == Seconds{3600});
}

TEST_CASE("units: the same zone fires at the daily time itself") {
  const LocalFire f =
      local_fire_time(zone("America/New_York"), zone("America/New_York"), at(9, 30), kJan1);
  CHECK(f.hour == 9);
  CHECK(f.minute == 30);
  CHECK(f.early_by == Seconds{0});
  CHECK(contains(f.note, "is 09:30 in America/New_York all year"));
}

TEST_CASE("units: seconds are rounded down to the minute and counted as early") {
  const LocalFire f =
      local_fire_time(zone("UTC"), zone("UTC"), TimeOfDay{Seconds{9 * 3600 + 30 * 60 + 45}}, kJan1);
  CHECK(f.hour == 9);
  CHECK(f.minute == 30);
  CHECK(f.early_by == Seconds{45});
}

TEST_CASE("units: Tokyo's morning is New York's previous evening: the weekdays shift back") {
  // 07:00 JST (no DST) is 22:00 UTC the day before: 17:00 EST or 18:00 EDT
  const LocalFire f =
      local_fire_time(zone("Asia/Tokyo"), zone("America/New_York"), at(7, 0), kJan1);
  CHECK(f.hour == 17);
  CHECK(f.minute == 0);
  CHECK(f.day_shift == -1);
  CHECK(f.early_by == Seconds{3600});
  CHECK(contains(f.note, "on the day before (local)"));

  UnitSettings s;
  s.orchestrator = "/opt/orch/bin/orchestrator";
  s.config = "/srv/p/pipeline.yaml";
  s.workdir = "/srv/p";
  s.log_dir = "/srv/p/logs";
  s.agent_log_dir = "/Users/u/Library/Logs/orchestrator";
  s.writable = {"/srv/p"};
  s.timezone = "Asia/Tokyo";
  s.daily_time = at(7, 0);
  s.weekdays = {1, 2, 3, 4, 5};
  s.local = f;
  auto files = render_units(UnitKind::Launchd, s);
  REQUIRE(files);
  const UnitFile* daily = nullptr;
  for (const auto& file : *files) {
    if (file.name == "local.orchestrator.daily.plist") daily = &file;
  }
  REQUIRE(daily != nullptr);
  // Monday..Friday in Tokyo are Sunday..Thursday evenings in New York, at 17:00
  for (int d = 0; d <= 4; ++d) {
    CHECK(contains(
        daily->text,
        "<key>Weekday</key><integer>" + std::to_string(d) +
            "</integer><key>Hour</key><integer>17</integer><key>Minute</key><integer>0</integer>"));
  }
  CHECK_FALSE(contains(daily->text, "<integer>5</integer><key>Hour</key>"));
}

TEST_CASE("units: firing early enough to cross midnight is warned about") {
  // 00:30 New York is 05:30 in London, 04:30 in the mismatched weeks: an hour early, which
  // is before midnight of the pipeline's date
  const LocalFire f =
      local_fire_time(zone("America/New_York"), zone("Europe/London"), at(0, 30), kJan1);
  CHECK(f.hour == 4);
  CHECK(f.minute == 30);
  CHECK(contains(f.note, "WARNING"));
}

TEST_CASE("units: systemd keeps the pipeline's zone in OnCalendar, so DST needs no arithmetic") {
  UnitSettings s;
  s.orchestrator = "/opt/orch/bin/orchestrator";
  s.config = "/srv/p/pipeline.yaml";
  s.workdir = "/srv/p";
  s.log_dir = "/srv/p/logs";
  s.writable = {"/srv/p", "/srv/p/db"};
  s.timezone = "America/New_York";
  s.daily_time = at(9, 30);
  s.weekdays = {1, 2, 3, 4, 5};
  auto files = render_units(UnitKind::Systemd, s);
  REQUIRE(files);
  bool timer = false;
  for (const auto& file : *files) {
    if (file.name != "orchestrator-daily.timer") continue;
    timer = true;
    CHECK(contains(file.text, "OnCalendar=Mon..Fri *-*-* 09:30:00 America/New_York\n"));
  }
  CHECK(timer);
}
