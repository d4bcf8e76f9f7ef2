// The web layer's pure parts: escaping, the access rules, the charts and the page.
#include <doctest/doctest.h>

#include <string>

#include "orchestrator/web/access.h"
#include "orchestrator/web/html.h"
#include "orchestrator/web/page.h"

using namespace orch::web;
using orch::TaskStatus;

namespace {

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size()))
    ++n;
  return n;
}

}  // namespace

TEST_CASE("web: HTML and script escaping") {
  CHECK(escape_html("<a href=\"x\">'&'</a>") ==
        "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  CHECK(script_string("</script><!--") == "\"\\u003c/script\\u003e\\u003c!--\"");
  CHECK(script_string("a\"b\\c\n") == "\"a\\\"b\\\\c\\u000a\"");
  CHECK(script_string("x\xE2\x80\xA8y") == "\"x\\u2028y\"");
  CHECK(url_segment("News Events/<x>") == "News%20Events%2F%3Cx%3E");
}

TEST_CASE("web: listen addresses, loopback and the Host rule") {
  auto a = parse_listen("127.0.0.1:8787");
  REQUIRE(a);
  CHECK(a->host == "127.0.0.1");
  CHECK(a->port == 8787);
  auto v6 = parse_listen("[::1]:0");
  REQUIRE(v6);
  CHECK(v6->host == "::1");
  CHECK_FALSE(parse_listen("8787"));
  CHECK_FALSE(parse_listen("host:99999"));
  CHECK_FALSE(parse_listen("::1:80"));
  CHECK(is_loopback("127.0.0.1"));
  CHECK(is_loopback("127.255.3.4"));
  CHECK(is_loopback("LOCALHOST"));
  CHECK(is_loopback("::1"));
  CHECK_FALSE(is_loopback("0.0.0.0"));
  CHECK_FALSE(is_loopback("127.0.0.1.evil.com"));
  CHECK_FALSE(is_loopback("128.0.0.1"));
  CHECK(host_allowed("localhost:8787", "127.0.0.1", {}));
  CHECK(host_allowed("[::1]:8787", "127.0.0.1", {}));
  CHECK(host_allowed("10.0.0.5:80", "10.0.0.5", {}));
  CHECK(host_allowed("Dash.Example.COM", "0.0.0.0", {"dash.example.com"}));
  CHECK_FALSE(host_allowed("attacker.example", "127.0.0.1", {"dash.example.com"}));
  CHECK_FALSE(host_allowed("", "127.0.0.1", {}));
}

TEST_CASE("web: bearer token rules") {
  CHECK(check_bearer("Bearer s3cret", std::string("s3cret")) == Auth::Ok);
  CHECK(check_bearer("bearer  s3cret ", std::string("s3cret")) == Auth::Ok);
  CHECK(check_bearer("Bearer s3cre", std::string("s3cret")) == Auth::Denied);
  CHECK(check_bearer("Bearer s3cretX", std::string("s3cret")) == Auth::Denied);
  CHECK(check_bearer("Basic s3cret", std::string("s3cret")) == Auth::Denied);
  CHECK(check_bearer("", std::string("s3cret")) == Auth::Denied);
  CHECK(check_bearer("Bearer anything", std::nullopt) == Auth::NoTokenConfigured);
  CHECK(constant_time_equal("abc", "abc"));
  CHECK_FALSE(constant_time_equal("abc", "abd"));
  CHECK_FALSE(constant_time_equal("abc", "ab"));
}

TEST_CASE("web: the timeline has one bar per attempt, retry waits, escaped titles") {
  Timeline t;
  t.trading_date = "2026-11-20";
  t.rows = {"A", "<b>B</b>"};
  t.bars = {{"A", 1, TaskStatus::Success, 0, 2, "09:30:00", "09:30:02"},
            {"<b>B</b>", 1, TaskStatus::Failed, 2, 3, "09:30:02", "09:30:03"},
            {"<b>B</b>", 2, TaskStatus::Success, 13, 15, "09:30:13", "09:30:15"}};
  t.waits = {{"<b>B</b>", 2, 3, 13}};
  const std::string svg = timeline_svg(t);
  CHECK(count(svg, "<g class=\"bar ") == 3);
  CHECK(count(svg, "class=\"wait\"") == 1);
  CHECK(svg.find("<b>") == std::string::npos);
  CHECK(svg.find("&lt;b&gt;B&lt;/b&gt;: attempt 2, SUCCESS") != std::string::npos);
  CHECK(svg.find("retry wait of 10.0s before attempt 2") != std::string::npos);
}

TEST_CASE("web: the grid shows every task and date, with a glyph where colour would tell alone") {
  OutcomeGrid g;
  g.dates = {"2026-11-19", "2026-11-20"};
  g.tasks = {"A", "B"};
  g.cells["A"] = {{"2026-11-19", TaskStatus::Success}, {"2026-11-20", TaskStatus::Failed}};
  const std::string svg = grid_svg(g);
  CHECK(count(svg, "<g class=\"cell ") == 4);
  CHECK(svg.find("A on 2026-11-20: FAILED") != std::string::npos);
  CHECK(svg.find("B on 2026-11-19: did not run") != std::string::npos);
  CHECK(svg.find("\u2717") != std::string::npos);
}

TEST_CASE("web: the live page refreshes itself; the report runs no script") {
  DashboardData d;
  d.pipeline = "pipe<1>.yaml";
  TaskView t;
  t.name = "<script>alert(1)</script>";
  t.status = TaskStatus::Failed;
  t.last_error = "</td><img src=x onerror=alert(2)>";
  t.runtimes = {{"2026-11-20 09:30", 1.5, TaskStatus::Failed}};
  d.tasks.push_back(t);
  PageOptions live;
  live.script_nonce = "abc123";
  const std::string page = render_page(d, live);
  CHECK(page.find("<script>alert") == std::string::npos);
  CHECK(page.find("<img") == std::string::npos);
  CHECK(page.find("<script nonce=\"abc123\">") != std::string::npos);
  CHECK(page.find("http-equiv=\"refresh\" content=\"10\"") != std::string::npos);
  CHECK(page.find("/api/tasks/%3Cscript%3Ealert%281%29%3C%2Fscript%3E/log") != std::string::npos);
  CHECK(page.find("Not computed by this version") != std::string::npos);

  PageOptions report;
  report.live = false;
  d.missed_dates = std::vector<MissedDate>{{"2026-11-19", {"A"}}};
  const std::string file = render_page(d, report);
  CHECK(file.find("<script") == std::string::npos);
  CHECK(file.find("refresh") == std::string::npos);
  CHECK(file.find("/api/") == std::string::npos);
  CHECK(file.find("<td>2026-11-19</td><td>A</td>") != std::string::npos);
}
