#pragma once
// The dashboard's stylesheet, inlined into every page (no file or font from the network).
// Colours: the Okabe-Ito palette, distinguishable with the common colour-vision deficiencies;
// every colour also comes with a glyph or a word on the page.
namespace orch::web {

inline constexpr const char* kPageCss = R"css(
:root{--bg:#f6f7f9;--card:#fff;--ink:#1d2330;--muted:#5b6475;--line:#dde1e8;
--ok:#009e73;--fail:#d55e00;--tout:#e69f00;--run:#0072b2;--int:#cc79a7;--skip:#8c8c8c;--pend:#c4c4c4}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue","DejaVu Sans",Arial,sans-serif}
header{background:#1d2330;color:#fff;padding:14px 24px;display:flex;flex-wrap:wrap;gap:8px 24px;align-items:center;justify-content:space-between}
header h1{font-size:20px;margin:0;font-weight:600}
header .meta{color:#c9cfdb;font-size:13px}
main{max-width:1280px;margin:0 auto;padding:16px 24px 40px}
section{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:14px 18px;margin:16px 0}
h2{font-size:16px;margin:0 0 10px;font-weight:600}
.sub{color:var(--muted);font-size:13px;font-weight:400}
.tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:12px}
.tile{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:10px 14px}
.tile b{display:block;font-size:26px;font-weight:650}
.tile .lbl{color:var(--muted);font-size:13px}
.market{display:inline-flex;gap:8px;align-items:center;padding:4px 10px;border-radius:999px;background:#2e3647;font-size:13px}
.sources{display:grid;grid-template-columns:repeat(auto-fill,minmax(230px,1fr));gap:10px}
.source{border:1px solid var(--line);border-left:6px solid var(--pend);border-radius:8px;padding:8px 10px}
.source.f-green{border-left-color:var(--ok)}.source.f-yellow{border-left-color:var(--tout)}
.source.f-red{border-left-color:var(--fail)}.source .name{font-weight:600;word-break:break-word}
.source .detail{color:var(--muted);font-size:13px}
.badge{display:inline-block;font-size:12px;font-weight:650;padding:1px 7px;border-radius:4px;color:#fff;background:var(--pend);white-space:nowrap}
.f-green .badge,.badge.s-ok{background:var(--ok)}.f-yellow .badge,.badge.s-tout{background:var(--tout);color:#1d2330}
.f-red .badge,.badge.s-fail{background:var(--fail)}.badge.s-run{background:var(--run)}
.badge.s-int{background:var(--int);color:#1d2330}.badge.s-skip{background:var(--skip)}
.badge.s-pend,.badge.s-none,.f-unknown .badge{background:var(--pend);color:#1d2330}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:14px}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);vertical-align:middle}
th{font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.err{color:var(--fail);max-width:320px;overflow-wrap:anywhere;font-size:13px}
td.name a{color:inherit}
.chart text{font-size:11px;fill:var(--muted)}
.chart .row-label{text-anchor:end;fill:var(--ink)}
.chart .tick{text-anchor:middle}
.chart .grid-line{stroke:var(--line)}
.chart .base{stroke:var(--line)}
.chart .glyph{fill:#fff;font-size:11px;font-weight:700;text-anchor:start;pointer-events:none}
.grid .glyph{text-anchor:middle}
.s-ok rect,rect.s-ok{fill:var(--ok)}.s-fail rect,rect.s-fail{fill:var(--fail)}
.s-tout rect,rect.s-tout{fill:var(--tout)}.s-run rect,rect.s-run{fill:var(--run)}
.s-int rect,rect.s-int{fill:var(--int)}.s-skip rect,rect.s-skip{fill:var(--skip)}
.s-pend rect,rect.s-pend{fill:var(--pend)}.s-none rect{fill:none;stroke:var(--pend)}
.s-tout .glyph,.s-int .glyph{fill:#1d2330}
.wait{fill:url(#hatch)}.wait-bg{fill:#eef0f4}.wait-line{stroke:#9aa3b5;stroke-width:2}
.legend{display:flex;flex-wrap:wrap;gap:6px 14px;font-size:13px;color:var(--muted);margin:8px 0 0;padding:0;list-style:none}
.legend .badge{margin-right:4px}
.note{color:var(--muted);font-size:13px}
footer{color:var(--muted);font-size:13px;text-align:center;padding:8px}
footer a{color:var(--muted)}
@media (max-width:700px){main{padding:8px}header{padding:12px}section{padding:10px;margin:10px 0}
.hide-sm{display:none}}
)css";

}  // namespace orch::web
