#!/usr/bin/env python3
"""Earnings Data: report dates, EPS estimates and actuals (the last year and the next report).

Writes table earnings (one row per fiscal quarter). Estimates scale the trailing EPS in
fundamentals; an actual is known once the report is out (before the open for BMO, after the
close for AMC). --incremental: skip symbols already collected for the trading date.
"""
import math
import os
import sys
from datetime import date, timedelta

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as c  # noqa: E402

COLUMNS = ["symbol", "fiscal_period", "report_date", "timing", "eps_estimate", "eps_actual", "surprise_pct", "source"]


def reported(ctx, report_date, timing):
    """Is a report of that date and timing (BMO/AMC) out by now?"""
    return c.at_ny(report_date, 7 if timing == "BMO" else 16, 30) <= ctx.cutoff


def synthetic(symbol, today, eps_ttm):
    """[(fiscal_period, report_date, timing, estimate, actual)] for report dates from 400 days ago to the next one."""
    profile = c.seed(symbol, "earnings")
    timing = "BMO" if profile % 2 else "AMC"
    out = []
    for i in range(-6, 3):
        y, q = divmod(today.year * 4 + (today.month - 1) // 3 + i - 1, 4)  # the quarter before, shifted by i
        r = c.rng(symbol, y, q, "earnings")
        end = date(y + (q == 3), 1 if q == 3 else 3 * q + 4, 1) - timedelta(days=1)
        report = end + timedelta(days=22 + profile % 14 + r.randint(-3, 3))
        report = report if c.is_trading_day(report) else c.next_trading_day(report)
        estimate = round(eps_ttm / 4 * 1.02 ** i * math.exp(r.gauss(0, 0.03)), 2)
        actual = round(estimate + abs(estimate) * r.gauss(0.04, 0.08), 2)
        out.append((f"{y}Q{q + 1}", report, timing, estimate, actual))
    return out


def main():
    ctx = c.parse_args(__doc__)
    conn = c.connect(ctx, "earnings", needs=[
        ("assets", "Asset Collection"),
        ("fundamentals", "Fundamental Data", not ctx.csv_dir)])
    symbols = [a["symbol"] for a in ctx.assets(conn)]
    today = ctx.trading_date
    done = {r[0] for r in conn.execute("SELECT key FROM collection_state WHERE dataset = 'earnings' AND last_date >= ?",
                                       (today.isoformat(),))} if ctx.incremental else set()
    todo = [s for s in symbols if s not in done]
    reports = {s: [] for s in todo}
    if ctx.csv_dir:
        for s, report in c.read_csv(ctx, "earnings.csv", ["symbol", "report_date", "fiscal_period"], lambda r: (
                r["symbol"], (r.text("fiscal_period"), r.day("report_date"), r.text("timing", "AMC").upper(),
                              r.num("eps_estimate", None), r.num("eps_actual", None))), symbols=set(reports)):
            reports[s].append(report)
    else:
        for s in todo:
            eps = conn.execute("SELECT eps_ttm FROM fundamentals WHERE symbol = ? AND date <= ? ORDER BY date DESC "
                               "LIMIT 1", (s, today.isoformat())).fetchone()
            if not eps or eps[0] is None:
                raise c.CollectorError(f"no fundamentals for {s} on or before {today}: run Fundamental Data first")
            reports[s] = synthetic(s, today, eps[0])
    rows = []
    for s in todo:
        upcoming = [x for x in reports[s] if x[1] >= today]
        next_report = min(x[1] for x in upcoming) if upcoming else today
        for period, report, timing, estimate, actual in reports[s]:
            if today - timedelta(days=400) <= report <= next_report:
                actual = actual if reported(ctx, report, timing) else None
                surprise = None
                if actual is not None and estimate:
                    surprise = round((actual - estimate) / abs(estimate) * 100, 2)
                rows.append((s, period, report.isoformat(), timing, estimate, actual, surprise, ctx.source))
    with c.transaction(conn):
        n = c.upsert(conn, "earnings", COLUMNS, rows)
        c.mark_collected(conn, ctx, "earnings", todo)
    c.report(n, ctx.cutoff, f"Earnings Data ({ctx.source}): {n} quarterly reports for {len(todo)} symbols"
                               f"{ctx.rejects.summary()}")


if __name__ == "__main__":
    c.run(main)
