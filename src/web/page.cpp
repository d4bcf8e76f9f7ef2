// render_page: the dashboard document. Sections in reading order: summary tiles, freshness
// of every source, the task table (with each task's recent runtimes), the timeline of the
// latest daily date, the outcome grid of the last trading dates, the missed dates.
#include <fmt/format.h>

#include <array>
#include <cmath>

#include "orchestrator/web/html.h"
#include "orchestrator/web/page.h"
#include "page_style.h"
#include "status_style.h"

namespace orch::web {

const StatusStyle& status_style(std::optional<TaskStatus> status) {
  static const StatusStyle kNone{"s-none", "", "did not run"};
  static const StatusStyle kSuccess{"s-ok", "\u2713", "success"},
      kFailed{"s-fail", "\u2717", "failed"}, kTimeout{"s-tout", "\u25D4", "timeout"},
      kRunning{"s-run", "\u25B6", "running"}, kInterrupted{"s-int", "!", "interrupted"},
      kSkipped{"s-skip", "\u2013", "skipped"}, kPending{"s-pend", "\u00B7", "pending"};
  if (!status) return kNone;
  switch (*status) {
    case TaskStatus::Success: return kSuccess;
    case TaskStatus::Failed: return kFailed;
    case TaskStatus::Timeout: return kTimeout;
    case TaskStatus::Running: return kRunning;
    case TaskStatus::Interrupted: return kInterrupted;
    case TaskStatus::Skipped: return kSkipped;
    case TaskStatus::Pending: return kPending;
  }
  return kNone;
}

namespace {

const char* freshness_glyph(std::string_view status) {
  if (status == "green") return "\u25CF";   // ● fresh
  if (status == "yellow") return "\u25B2";  // ▲ stale
  if (status == "red") return "\u25A0";     // ■ critical
  return "?";
}

const char* freshness_word(std::string_view status) {
  if (status == "green") return "FRESH";
  if (status == "yellow") return "STALE";
  if (status == "red") return "CRITICAL";
  return "UNKNOWN";
}

std::string badge(TaskStatus status) {
  const StatusStyle& st = status_style(status);
  return fmt::format("<span class=\"badge {}\">{} {}</span>", st.css, st.glyph, to_string(status));
}

std::string seconds_text(const std::optional<double>& s) {
  if (!s) return "&ndash;";
  if (*s < 60) return fmt::format("{:.1f}s", *s);
  const long long total = std::llround(*s);
  return fmt::format("{}m {:02}s", total / 60, total % 60);
}

void header(std::string& out, const DashboardData& d) {
  const MarketView& m = d.market;
  std::string market =
      m.open ? "Market OPEN (regular session)"
             : "Market " + escape_html(m.session == "closed" ? "CLOSED" : m.session + "-market") +
                   (m.reason.empty() ? "" : " &middot; " + escape_html(m.reason));
  out += fmt::format(
      "<header><div><h1>Pipeline dashboard</h1>"
      "<div class=\"meta\">{} &middot; checked {} ({})</div></div>"
      "<div class=\"market\" id=\"market\">{} &middot; next open {} &middot; next close "
      "{}</div></header>",
      escape_html(d.pipeline), escape_html(d.checked_at), escape_html(d.zone), market,
      escape_html(m.next_open), escape_html(m.next_close));
}

void tiles(std::string& out, const DashboardData& d) {
  out += "<div class=\"tiles\">";
  const std::array<std::tuple<int, const char*, const char*>, 4> items{
      {{d.healthy, "green", "healthy sources"},
       {d.stale, "yellow", "stale sources"},
       {d.critical, "red", "critical sources"},
       {d.unknown, "unknown", "unknown sources"}}};
  for (const auto& [n, status, label] : items) {
    out += fmt::format(
        "<div class=\"tile f-{}\"><b>{}</b><span class=\"badge\">{} {}</span> <span "
        "class=\"lbl\">{}</span></div>",
        status, n, freshness_glyph(status), freshness_word(status), label);
  }
  out += fmt::format("<div class=\"tile\"><b>{}</b><span class=\"lbl\">tasks</span></div></div>",
                     d.tasks.size());
}

void sources(std::string& out, const DashboardData& d) {
  out += "<section id=\"freshness\"><h2>Data freshness</h2><div class=\"sources\">";
  for (const auto& s : d.sources) {
    std::string writers;
    for (const auto& t : s.tasks) writers += (writers.empty() ? "" : ", ") + escape_html(t);
    out += fmt::format(
        "<div class=\"source f-{}\"><span class=\"badge\">{} {}</span> <span "
        "class=\"name\">{}</span>"
        "<div class=\"detail\">{}</div><div class=\"detail\">written by {}</div></div>",
        escape_html(s.status), freshness_glyph(s.status), freshness_word(s.status),
        escape_html(s.name),
        s.age.empty()
            ? std::string("never updated")
            : "data " + escape_html(s.age) + " old" + (s.market_time ? " in market time" : "") +
                  (s.last_success.empty() ? ""
                                          : " &middot; updated " + escape_html(s.last_success)),
        writers);
  }
  if (d.sources.empty()) out += "<p class=\"note\">No data sources: the pipeline has no tasks.</p>";
  out += "</div></section>";
}

void tasks(std::string& out, const DashboardData& d, bool live) {
  out +=
      "<section id=\"tasks\"><h2>Tasks <span class=\"sub\">status, success rate, average runtime "
      "of successes, runtime of the last 30 runs</span></h2><div "
      "class=\"scroll\"><table><thead><tr>"
      "<th>Task</th><th class=\"hide-sm\">Schedule</th><th>Status</th><th>Success</th>"
      "<th>Avg time</th><th class=\"hide-sm\">Last run</th><th>Fails</th>"
      "<th>Last 30 runs</th><th>Last error</th></tr></thead><tbody>";
  for (const auto& t : d.tasks) {
    const std::string name = escape_html(t.name);
    const std::string cell =
        live ? fmt::format("<a href=\"/api/tasks/{}/log\" title=\"{}\">{}</a>{}",
                           url_segment(t.name),
                           t.newest_silent ? "no output: the newest attempt wrote nothing"
                                           : "log of the newest attempt",
                           name, t.newest_silent ? " <span class=\"sub\">no output</span>" : "")
             : name;
    out += fmt::format(
        "<tr data-task=\"{}\"><td class=\"name\">{}</td><td class=\"hide-sm\">{}</td><td>{}</td>"
        "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"hide-sm num\">{}</td>"
        "<td class=\"num\">{}</td><td>{}</td><td class=\"err\">{}</td></tr>",
        name, cell, t.schedule, badge(t.status),
        t.success_rate ? fmt::format("{:.0f}%", *t.success_rate * 100) : "&ndash;",
        seconds_text(t.average_runtime_seconds),
        t.last_run.empty() ? "&ndash;" : escape_html(t.last_run), t.consecutive_failures,
        runtime_svg(t.name, t.runtimes), escape_html(t.last_error));
  }
  out += "</tbody></table></div></section>";
}

std::string legend() {
  std::string out = "<ul class=\"legend\">";
  for (TaskStatus s : {TaskStatus::Success, TaskStatus::Failed, TaskStatus::Timeout,
                       TaskStatus::Running, TaskStatus::Interrupted, TaskStatus::Skipped}) {
    out += "<li>" + badge(s) + "</li>";
  }
  return out +
         "<li><svg width=\"22\" height=\"10\" aria-hidden=\"true\"><rect width=\"22\" "
         "height=\"10\" "
         "fill=\"#eef0f4\" stroke=\"#9aa3b5\" stroke-dasharray=\"2 2\"/></svg> retry "
         "wait</li></ul>";
}

void timeline(std::string& out, const DashboardData& d) {
  const Timeline& t = d.timeline;
  out += "<section id=\"timeline\"><h2>Latest daily run";
  if (t.trading_date.empty()) {
    out += "</h2><p class=\"note\">The daily DAG has not run on this database yet.</p></section>";
    return;
  }
  out += fmt::format(
      " <span class=\"sub\">trading date {}, every attempt from {} (one bar per "
      "attempt)</span></h2>",
      escape_html(t.trading_date), escape_html(t.origin_text));
  out += "<div class=\"scroll\">" + timeline_svg(t) + "</div>" + legend();
  if (!t.skipped.empty()) {
    out += "<p class=\"note\">Skipped: ";
    bool first = true;
    for (const auto& [task, reason] : t.skipped) {
      out += (first ? "" : "; ") + escape_html(task) + " (" + escape_html(reason) + ")";
      first = false;
    }
    out += "</p>";
  }
  out += "</section>";
}

void grid(std::string& out, const DashboardData& d) {
  out += fmt::format(
      "<section id=\"grid\"><h2>Last {} trading dates <span class=\"sub\">daily tasks by "
      "outcome; an empty box: no run that date</span></h2>",
      d.grid.dates.size());
  if (d.grid.tasks.empty()) {
    out += "<p class=\"note\">No daily tasks.</p></section>";
    return;
  }
  out += "<div class=\"scroll\">" + grid_svg(d.grid) + "</div>" + legend() + "</section>";
}

void missed(std::string& out, const DashboardData& d) {
  out += "<section id=\"missed\"><h2>Missed trading dates</h2>";
  if (!d.missed_dates) {
    out +=
        "<p class=\"note\">Not computed by this version: see the grid above for dates without a "
        "successful run.</p>";
  } else if (d.missed_dates->empty()) {
    out += "<p class=\"note\">None: every daily task succeeded on each recent trading date.</p>";
  } else {
    out += "<table><thead><tr><th>Date</th><th>Tasks without a success</th></tr></thead><tbody>";
    for (const auto& m : *d.missed_dates) {
      std::string names;
      for (const auto& t : m.tasks) names += (names.empty() ? "" : ", ") + escape_html(t);
      out += fmt::format("<tr><td>{}</td><td>{}</td></tr>", escape_html(m.date), names);
    }
    out += "</tbody></table>";
  }
  out += "</section>";
}

// Every `seconds`, fetch the page again and swap the <main> in place (keeps the scroll
// position); without scripts the <noscript> meta refresh reloads the page instead.
constexpr const char* kRefreshScript =
    "setInterval(function(){fetch(location.href,{cache:'no-store'}).then(function(r){"
    "return r.ok?r.text():null}).then(function(t){if(!t)return;var d=new DOMParser()"
    ".parseFromString(t,'text/html');['header','main'].forEach(function(s){var "
    "n=d.querySelector(s),"
    "o=document.querySelector(s);if(n&&o)o.replaceWith(n)})}).catch(function(){})},";

}  // namespace

std::string render_page(const DashboardData& d, const PageOptions& options) {
  std::string out;
  out.reserve(64 * 1024 + d.tasks.size() * 3000 + d.grid.tasks.size() * d.grid.dates.size() * 120);
  out +=
      "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">";
  if (options.live) {
    out += fmt::format("<noscript><meta http-equiv=\"refresh\" content=\"{}\"></noscript>",
                       options.refresh_seconds);
  } else {
    // A report file: nothing may be fetched, nothing run.
    out +=
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "style-src 'unsafe-inline'\">";
  }
  out += fmt::format(
      "<title>Pipeline dashboard: {}</title><style{}>{}</style>", escape_html(d.pipeline),
      options.script_nonce.empty() ? "" : " nonce=\"" + options.script_nonce + "\"", kPageCss);
  if (options.live && !options.script_nonce.empty()) {
    out += fmt::format("<script nonce=\"{}\">", options.script_nonce);
    out += kRefreshScript + std::to_string(options.refresh_seconds * 1000) + ");";
    out += "</script>";
  }
  out += "</head><body>";
  header(out, d);
  out += "<main>";
  tiles(out, d);
  sources(out, d);
  tasks(out, d, options.live);
  timeline(out, d);
  grid(out, d);
  missed(out, d);
  out += "</main><footer>";
  if (options.live) {
    out += fmt::format(
        "Updates every {} s &middot; <a href=\"/api/health\">/api/health</a> &middot; "
        "<a href=\"/api/runs\">/api/runs</a> &middot; <a href=\"/api/market\">/api/market</a>"
        " &middot; <a href=\"/metrics\">/metrics</a>",
        options.refresh_seconds);
  } else {
    out += "Report written " + escape_html(d.checked_at) + " by orchestrator --report";
  }
  out += "</footer></body></html>\n";
  return out;
}

}  // namespace orch::web
