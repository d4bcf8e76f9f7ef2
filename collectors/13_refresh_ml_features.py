#!/usr/bin/env python3
"""ML Features Refresh: intraday features of every 1-minute bar of the trading date.

From price_bars_1min: VWAP since the open, 5- and 15-minute returns, return since the open,
30-minute realized volatility (annualized), 14-bar RSI, 20-bar average and relative volume.
Writes table intraday_features. --incremental: only bars after the newest featured one.
"""
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as c  # noqa: E402

COLUMNS = ["symbol", "ts", "date", "close", "vwap", "return_5m", "return_15m", "return_open", "volatility_30m",
           "rsi_14", "sma_20", "volume_ratio", "computed_at"]
ANNUAL = math.sqrt(252 * 390)


def features(symbol, day, bars, after, computed_at):
    closes, volumes = [b[4] for b in bars], [b[5] for b in bars]
    rets = [0.0] + [math.log(b / a) for a, b in zip(closes, closes[1:])]
    pv = v = 0.0
    for i, (ts, o, h, l, close, volume) in enumerate(bars):
        pv, v = pv + (h + l + close) / 3 * volume, v + volume
        if ts <= after:
            continue
        vol = c.stdev(rets[max(1, i - 29):i + 1])
        yield (symbol, ts, day, close, round(pv / v, 4) if v else close,
               close / closes[i - 5] - 1 if i >= 5 else None, close / closes[i - 15] - 1 if i >= 15 else None,
               close / bars[0][1] - 1, vol * ANNUAL if vol is not None and i >= 10 else None,
               c.rsi(closes[max(0, i - 14):i + 1]), c.mean(closes[i - 19:i + 1]) if i >= 19 else None,
               volume / c.mean(volumes[max(0, i - 30):i]) if i >= 5 and sum(volumes[max(0, i - 30):i]) else None,
               computed_at)


def main():
    ctx = c.parse_args(__doc__)
    conn = c.connect(ctx, "intraday_features", needs=[("price_bars_1min", "Price Data", False)])
    symbols = [a["symbol"] for a in ctx.assets(conn, required=False)]
    day = ctx.trading_date.isoformat()
    bars = {s: [] for s in symbols}
    for r in conn.execute("SELECT symbol, ts, open, high, low, close, volume FROM price_bars_1min WHERE date = ? "
                          "ORDER BY symbol, ts", (day,)):
        if r[0] in bars:
            bars[r[0]].append(tuple(r)[1:])
    if not any(bars.values()):
        c.note(f"no 1-minute bars for {day} in price_bars_1min yet (run Price Data during the session)")
    newest = c.newest_by_symbol(conn, "intraday_features", "ts", "WHERE date = ?", (day,)) if ctx.incremental else {}
    rows = [row for s in symbols for row in features(s, day, bars[s], newest.get(s, ""), c.iso(ctx.now))]
    with c.transaction(conn):
        if not ctx.incremental:  # a rerun of the date replaces its rows
            conn.executemany("DELETE FROM intraday_features WHERE date = ? AND symbol = ?", [(day, s) for s in symbols])
        n = c.upsert(conn, "intraday_features", COLUMNS, rows)
    # Complete up to the oldest symbol's newest featured bar, and never beyond the bars it reads.
    own, lagging = c.bar_data_as_of(conn, ctx, "intraday_features", symbols)
    as_of = min(own, c.bar_data_as_of(conn, ctx, "price_bars_1min", symbols)[0])
    c.note_lagging("ML Features Refresh", lagging, symbols)
    c.report(n, as_of, f"ML Features Refresh: {n} intraday feature rows written for {day}")

if __name__ == "__main__":
    c.run(main)
