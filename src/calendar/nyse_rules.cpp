// NYSE holiday and early-close rules (NYSE Rule 7.2 and the exchange's published calendars),
// computed for any year, plus the table of ad-hoc closures of history.
#include <algorithm>
#include <iterator>

#include "orchestrator/calendar/market_calendar.h"

namespace orch::nyse {

using namespace std::chrono;

namespace {

bool is_weekend(sys_days d) {
  const weekday w{d};
  return w == Saturday || w == Sunday;
}

sys_days nth(int y, month m, weekday w, unsigned n) { return sys_days{year{y} / m / w[n]}; }
sys_days last(int y, month m, weekday w) { return sys_days{year{y} / m / w[std::chrono::last]}; }
sys_days fixed(int y, month m, unsigned d) { return sys_days{year{y} / m / day{d}}; }

// A fixed-date holiday observed on Friday when it falls on Saturday, Monday when on Sunday.
void add_observed(std::vector<Holiday>& out, sys_days actual, const std::string& name) {
  const weekday w{actual};
  if (w == Saturday) {
    out.push_back({year_month_day{actual - days{1}}, name + " (observed)"});
  } else if (w == Sunday) {
    out.push_back({year_month_day{actual + days{1}}, name + " (observed)"});
  } else {
    out.push_back({year_month_day{actual}, name});
  }
}

// Ad-hoc full closures: exchange-wide closures that no rule predicts.
struct AdHoc {
  year_month_day date;
  const char* name;
};
const AdHoc kAdHocClosures[] = {
    {1994y / April / 27, "National Day of Mourning for President Richard Nixon"},
    {2001y / September / 11, "September 11 attacks"},
    {2001y / September / 12, "September 11 attacks"},
    {2001y / September / 13, "September 11 attacks"},
    {2001y / September / 14, "September 11 attacks"},
    {2004y / June / 11, "National Day of Mourning for President Ronald Reagan"},
    {2007y / January / 2, "National Day of Mourning for President Gerald Ford"},
    {2012y / October / 29, "Hurricane Sandy"},
    {2012y / October / 30, "Hurricane Sandy"},
    {2018y / December / 5, "National Day of Mourning for President George H. W. Bush"},
    {2025y / January / 9, "National Day of Mourning for President Jimmy Carter"},
};

bool is_holiday(const std::vector<Holiday>& list, sys_days d) {
  return std::any_of(list.begin(), list.end(),
                     [&](const Holiday& h) { return sys_days{h.date} == d; });
}

}  // namespace

year_month_day easter(int y) {
  const int a = y % 19, b = y / 100, c = y % 100, d = b / 4, e = b % 4;
  const int f = (b + 8) / 25, g = (b - f + 1) / 3;
  const int h = (19 * a + b - d - g + 15) % 30;
  const int i = c / 4, k = c % 4;
  const int l = (32 + 2 * e + 2 * i - h - k) % 7;
  const int m = (a + 11 * h + 22 * l) / 451;
  const int mo = (h + l - 7 * m + 114) / 31;
  const int da = (h + l - 7 * m + 114) % 31 + 1;
  return year{y} / month{static_cast<unsigned>(mo)} / day{static_cast<unsigned>(da)};
}

std::vector<Holiday> holidays(int y) {
  std::vector<Holiday> out;
  // New Year's Day: Sunday -> Monday; on a Saturday it is not observed at all (the Friday
  // before closes a month and a year: Rule 7.2).
  const sys_days new_year = fixed(y, January, 1);
  if (weekday{new_year} == Sunday) {
    out.push_back({year_month_day{new_year + days{1}}, "New Year's Day (observed)"});
  } else if (weekday{new_year} != Saturday) {
    out.push_back({year_month_day{new_year}, "New Year's Day"});
  }
  if (y >= 1998)
    out.push_back({year_month_day{nth(y, January, Monday, 3)}, "Martin Luther King, Jr. Day"});
  out.push_back({year_month_day{nth(y, February, Monday, 3)}, "Washington's Birthday"});
  out.push_back({year_month_day{sys_days{easter(y)} - days{2}}, "Good Friday"});
  out.push_back({year_month_day{last(y, May, Monday)}, "Memorial Day"});
  if (y >= 2022) add_observed(out, fixed(y, June, 19), "Juneteenth National Independence Day");
  add_observed(out, fixed(y, July, 4), "Independence Day");
  out.push_back({year_month_day{nth(y, September, Monday, 1)}, "Labor Day"});
  out.push_back({year_month_day{nth(y, November, Thursday, 4)}, "Thanksgiving Day"});
  add_observed(out, fixed(y, December, 25), "Christmas Day");
  for (const auto& a : kAdHocClosures) {
    if (static_cast<int>(a.date.year()) == y && !is_holiday(out, sys_days{a.date})) {
      out.push_back({a.date, a.name});
    }
  }
  std::sort(out.begin(), out.end(),
            [](const Holiday& l, const Holiday& r) { return l.date < r.date; });
  return out;
}

std::vector<EarlyClose> early_closes(int y) {
  const auto closed = holidays(y);
  std::vector<EarlyClose> out;
  auto add = [&](sys_days d, const char* name) {
    if (!is_weekend(d) && !is_holiday(closed, d))
      out.push_back({year_month_day{d}, kEarlyClose, name});
  };
  // July 3, when Independence Day falls Tuesday to Friday (July 3 is then Monday to
  // Thursday). When July 4 is a Saturday, July 3 is the observed holiday and July 2 trades
  // a full day; when it is a Sunday or Monday, the Friday before is a full day too.
  const weekday july4{fixed(y, July, 4)};
  if (july4 != Saturday && july4 != Sunday && july4 != Monday) {
    add(fixed(y, July, 3), "day before Independence Day");
  }
  add(nth(y, November, Thursday, 4) + days{1}, "day after Thanksgiving");
  // December 24 on a weekday, unless it is itself the observed Christmas (Dec 25 Saturday);
  // no early close moves to December 23.
  add(fixed(y, December, 24), "Christmas Eve");
  return out;
}

}  // namespace orch::nyse
