// The dashboard's charts as inline SVG: the Gantt timeline of the latest daily date, each
// task's recent runtimes, and the outcome grid. Colours come from the page's CSS classes
// (s-ok, s-fail, ...); every bar and cell also carries a <title> and, where colour alone
// would have to tell, a glyph, so the charts read without colour vision.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "orchestrator/web/html.h"
#include "orchestrator/web/page.h"
#include "status_style.h"

namespace orch::web {
namespace {

constexpr double kLabelWidth = 190;
constexpr double kChartWidth = 1000;

std::string seconds_text(double s) {
  if (s < 60) return fmt::format("{:.1f}s", s);
  const long long total = std::llround(s);
  if (total < 3600) return fmt::format("{}m {:02}s", total / 60, total % 60);
  return fmt::format("{}h {:02}m", total / 3600, (total % 3600) / 60);
}

// A step for axis ticks giving about 6-10 ticks over `span` seconds.
double tick_step(double span) {
  static constexpr double kSteps[] = {1,   2,   5,    10,   15,   30,    60,    120,   300,
                                      600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400};
  for (double s : kSteps) {
    if (span / s <= 10) return s;
  }
  return 86400 * std::ceil(span / 86400 / 10);
}

std::string tick_label(double s) {
  if (s == 0) return "0";
  if (s < 60) return fmt::format("+{:.0f}s", s);
  if (s < 3600) return fmt::format("+{:.0f}m", s / 60);
  return fmt::format("+{:.1f}h", s / 3600);
}

}  // namespace

std::string timeline_svg(const Timeline& t) {
  double span = 1;
  for (const auto& b : t.bars) span = std::max(span, b.end);
  for (const auto& w : t.waits) span = std::max(span, w.end);
  std::map<std::string, std::size_t> row_of;
  for (std::size_t i = 0; i < t.rows.size(); ++i) row_of.emplace(t.rows[i], i);
  const double row_h = 20, top = 24, plot_w = kChartWidth - kLabelWidth - 10;
  const double height = top + row_h * static_cast<double>(t.rows.size()) + 8;
  auto x_of = [&](double s) { return kLabelWidth + plot_w * s / span; };

  std::string out = fmt::format(
      "<svg class=\"chart timeline\" viewBox=\"0 0 {} {}\" width=\"{}\" height=\"{}\" role=\"img\" "
      "aria-label=\"Timeline of the attempts of {}\" xmlns=\"http://www.w3.org/2000/svg\">"
      "<defs><pattern id=\"hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
      "patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" class=\"wait-bg\"/>"
      "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" class=\"wait-line\"/></pattern></defs>",
      kChartWidth, height, kChartWidth, height, escape_html(t.trading_date));
  const double step = tick_step(span);
  for (double s = 0; s <= span + 1e-9; s += step) {
    out += fmt::format(
        "<line class=\"grid-line\" x1=\"{0:.1f}\" x2=\"{0:.1f}\" y1=\"{1}\" y2=\"{2}\"/>"
        "<text class=\"tick\" x=\"{0:.1f}\" y=\"14\">{3}</text>",
        x_of(s), top - 4, height - 4, tick_label(s));
  }
  for (std::size_t i = 0; i < t.rows.size(); ++i) {
    const double y = top + row_h * static_cast<double>(i);
    out += fmt::format("<text class=\"row-label\" x=\"{}\" y=\"{:.1f}\">{}</text>", kLabelWidth - 8,
                       y + 14, escape_html(t.rows[i]));
  }
  for (const auto& w : t.waits) {
    const auto row = row_of.find(w.task);
    if (row == row_of.end()) continue;
    const double y = top + row_h * static_cast<double>(row->second) + 5;
    out += fmt::format(
        "<rect class=\"wait\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"10\">"
        "<title>{}: retry wait of {} before attempt {}</title></rect>",
        x_of(w.start), y, std::max(1.0, x_of(w.end) - x_of(w.start)), escape_html(w.task),
        seconds_text(w.end - w.start), w.before_attempt);
  }
  for (const auto& b : t.bars) {
    const auto row = row_of.find(b.task);
    if (row == row_of.end()) continue;
    const double y = top + row_h * static_cast<double>(row->second) + 2;
    const StatusStyle& st = status_style(b.status);
    const double w = std::max(2.0, x_of(b.end) - x_of(b.start));
    out += fmt::format(
        "<g class=\"bar {}\" data-task=\"{}\" data-attempt=\"{}\"><rect x=\"{:.1f}\" y=\"{:.1f}\" "
        "width=\"{:.1f}\" height=\"16\" rx=\"2\"/><title>{}: attempt {}, {} ({} to {}, {})</title>",
        st.css, escape_html(b.task), b.attempt, x_of(b.start), y, w, escape_html(b.task), b.attempt,
        to_string(b.status), escape_html(b.start_text), escape_html(b.end_text),
        seconds_text(b.end - b.start));
    if (w >= 14) {
      out += fmt::format("<text class=\"glyph\" x=\"{:.1f}\" y=\"{:.1f}\">{}</text>",
                         x_of(b.start) + 3, y + 12, st.glyph);
    }
    out += "</g>";
  }
  out += "</svg>";
  return out;
}

std::string runtime_svg(const std::string& task, const std::vector<RuntimeSample>& samples) {
  constexpr int kSlots = 30;
  constexpr double kW = 5, kH = 28;
  double max = 0;
  for (const auto& s : samples) max = std::max(max, s.seconds);
  std::string out = fmt::format(
      "<svg class=\"chart spark\" viewBox=\"0 0 {0} {1}\" width=\"{0}\" height=\"{1}\" "
      "role=\"img\" "
      "aria-label=\"Runtime of {2} over its last {3} runs\" xmlns=\"http://www.w3.org/2000/svg\">"
      "<line class=\"base\" x1=\"0\" x2=\"{0}\" y1=\"{1}\" y2=\"{1}\"/>",
      kSlots * kW, kH, escape_html(task), samples.size());
  const std::string name = escape_html(task);
  const std::size_t first = samples.size() > kSlots ? samples.size() - kSlots : 0;
  for (std::size_t i = first; i < samples.size(); ++i) {
    const auto& s = samples[i];
    const double h = max > 0 ? std::max(2.0, (kH - 2) * s.seconds / max) : 2.0;
    out += fmt::format(
        "<rect class=\"{}\" x=\"{:.0f}\" y=\"{:.1f}\" width=\"4\" height=\"{:.1f}\">"
        "<title>{}: {} {}, {}</title></rect>",
        status_style(s.status).css, static_cast<double>(i - first) * kW, kH - h, h, name,
        escape_html(s.when), to_string(s.status), seconds_text(s.seconds));
  }
  out += "</svg>";
  return out;
}

std::string grid_svg(const OutcomeGrid& g) {
  constexpr double kCell = 18, kTop = 48;
  const double width = kLabelWidth + kCell * static_cast<double>(g.dates.size()) + 40;
  const double height = kTop + kCell * static_cast<double>(g.tasks.size()) + 4;
  std::string out = fmt::format(
      "<svg class=\"chart grid\" viewBox=\"0 0 {0} {1}\" width=\"{0}\" height=\"{1}\" role=\"img\" "
      "aria-label=\"Outcome of each daily task on the last {2} trading dates\" "
      "xmlns=\"http://www.w3.org/2000/svg\">",
      width, height, g.dates.size());
  for (std::size_t d = 0; d < g.dates.size(); ++d) {
    const double x = kLabelWidth + kCell * static_cast<double>(d) + kCell / 2;
    // "11-20" rotated: month-day of each column.
    const std::string md = g.dates[d].size() >= 10 ? g.dates[d].substr(5) : g.dates[d];
    out += fmt::format(
        "<text class=\"col-label\" transform=\"translate({:.1f} {}) rotate(-60)\">{}</text>", x + 4,
        kTop - 6, escape_html(md));
  }
  for (std::size_t r = 0; r < g.tasks.size(); ++r) {
    const std::string& task = g.tasks[r];
    const std::string name = escape_html(task);
    const double y = kTop + kCell * static_cast<double>(r);
    out += fmt::format("<text class=\"row-label\" x=\"{}\" y=\"{:.0f}\">{}</text>", kLabelWidth - 8,
                       y + 13, name);
    const auto row = g.cells.find(task);
    for (std::size_t d = 0; d < g.dates.size(); ++d) {
      const double x = kLabelWidth + kCell * static_cast<double>(d);
      std::optional<TaskStatus> status;
      if (row != g.cells.end()) {
        if (auto c = row->second.find(g.dates[d]); c != row->second.end()) status = c->second;
      }
      const StatusStyle& st = status_style(status);
      out += fmt::format(
          "<g class=\"cell {}\"><rect x=\"{:.0f}\" y=\"{:.0f}\" width=\"15\" height=\"15\" "
          "rx=\"2\"/><title>{} on {}: {}</title>",
          st.css, x, y, name, g.dates[d], status ? to_string(*status) : "did not run");
      if (status && *status != TaskStatus::Success) {
        out += fmt::format("<text class=\"glyph\" x=\"{:.0f}\" y=\"{:.0f}\">{}</text>", x + 7.5,
                           y + 12, st.glyph);
      }
      out += "</g>";
    }
  }
  out += "</svg>";
  return out;
}

}  // namespace orch::web
