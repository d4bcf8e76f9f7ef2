#!/usr/bin/env python3
"""Economic Indicators: rates, volatility and macro series (FRED-style ids).

Writes table economic_indicators over the last --lookback-days: daily series for every session
closed by now, monthly ones on the first session of the month. --incremental: only days from
the last collected one on.
"""
import math
import os
import sys
from datetime import timedelta

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as c  # noqa: E402

def w(key, day, days=None):
    """The random walk of key at day, or its change over the last `days` calendar days."""
    level = c.walk("econ:" + key, day)[1]
    return level - c.walk("econ:" + key, day - timedelta(days=days))[1] if days else level


def fed_funds(day):
    return 4.10 + 1.50 * math.tanh(0.04 * w("rates", day))


# id: (monthly?, value at a day); rates share one walk, the VIX mean-reverts (a 30-day window)
SERIES = {
    "FEDFUNDS": (True, fed_funds),
    "DGS3MO": (False, lambda d: fed_funds(d) - 0.10 + 0.05 * math.tanh(w("bills", d, 20))),
    "DGS10": (False, lambda d: fed_funds(d) + 0.30 + 0.80 * math.tanh(0.05 * w("term", d))),
    "VIXCLS": (False, lambda d: 12 + 18 * (1 + math.tanh(0.15 * w("vix", d, 30))) / 2),
    "CPI_YOY": (True, lambda d: 2.80 + 1.00 * math.tanh(0.06 * w("cpi", d))),
    "UNRATE": (True, lambda d: 4.10 + 0.60 * math.tanh(0.06 * w("unemployment", d))),
}


def main():
    ctx = c.parse_args(__doc__, lambda p: p.add_argument(
        "--lookback-days", type=int, default=120, help="calendar days back from the trading date (120)"))
    conn = c.connect(ctx, "economic_indicators")
    end = c.last_closed_session(ctx.cutoff, ctx.trading_date)
    rows = []
    if ctx.csv_dir:
        found, unique = {}, c.Unique("observation of")

        def observation(r):
            name = r.text("indicator").upper()
            if name not in found:
                found[name] = c.window_start(conn, ctx, "economic_indicators", name, ctx.args.lookback_days)
            if not found[name] <= r.day("date") <= ctx.trading_date:
                return None
            value = r.num("value")
            unique.check((name, r.day("date").isoformat()), r)
            return name, r.day("date").isoformat(), value, "csv"
        rows = list(c.read_csv(ctx, "economic_indicators.csv", ["indicator", "date", "value"], observation,
                               dates=("date", (ctx.trading_date - timedelta(days=ctx.args.lookback_days)).isoformat(),
                                      ctx.trading_date.isoformat())))
        names = sorted(found)
    else:
        names = sorted(SERIES)
        for name in names:
            monthly, model = SERIES[name]
            start = c.window_start(conn, ctx, "economic_indicators", name, ctx.args.lookback_days)
            for day in c.trading_days(start, end):
                if not monthly or c.prev_trading_day(day).month != day.month:
                    rows.append((name, day.isoformat(), round(model(day), 2), "synthetic"))
    with c.transaction(conn):
        n = c.upsert(conn, "economic_indicators", ["indicator", "date", "value", "source"], rows)
        c.mark_collected(conn, ctx, "economic_indicators", names)
    c.report(n, ctx.cutoff, f"Economic Indicators ({ctx.source}): {n} observations of {len(names)} series"
                               f"{ctx.rejects.summary()}")


if __name__ == "__main__":
    c.run(main)
