#!/usr/bin/env python3
"""Intraday Signals: a score in -1..1 and BUY / HOLD / SELL per symbol and featured minute.

From intraday_features: 15-minute momentum against realized volatility, reversion to VWAP,
RSI, plus the day's daily signal from trading_signals when Generate Trading Signals has run.
Writes table intraday_signals. --incremental: only feature rows after the newest signal.
"""
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as c  # noqa: E402

COLUMNS = ["symbol", "ts", "date", "score", "signal", "momentum", "vwap_reversion", "rsi", "daily_score", "computed_at"]
BUY, SELL = 0.25, -0.25


def main():
    ctx = c.parse_args(__doc__)
    conn = c.connect(ctx, "intraday_signals", needs=[
        ("intraday_features", "ML Features Refresh", False)])
    symbols = sorted({a["symbol"] for a in ctx.assets(conn, required=False)})
    wanted, day = set(symbols), ctx.trading_date.isoformat()
    daily = dict(conn.execute("SELECT symbol, score FROM trading_signals WHERE date = ?", (day,)).fetchall()) \
        if c.table_exists(conn, "trading_signals") else {}
    newest = c.newest_by_symbol(conn, "intraday_signals", "ts", "WHERE date = ?", (day,)) if ctx.incremental else {}
    rows, latest = [], {}
    for f in conn.execute("SELECT * FROM intraday_features WHERE date = ? ORDER BY ts", (day,)):
        if f["symbol"] not in wanted or f["ts"] <= newest.get(f["symbol"], ""):
            continue
        per_minute = f["volatility_30m"] / math.sqrt(252 * 390) if f["volatility_30m"] else None
        momentum = math.tanh(f["return_15m"] / (per_minute * math.sqrt(15)) / 2) \
            if per_minute and f["return_15m"] is not None else None
        reversion = c.clamp(-(f["close"] / f["vwap"] - 1) / 0.005) if f["vwap"] else None
        rsi = c.clamp((50 - f["rsi_14"]) / 30) if f["rsi_14"] is not None else None
        score, _ = c.weighted([(0.4, momentum), (0.2, reversion), (0.2, rsi), (0.2, daily.get(f["symbol"]))])
        latest[f["symbol"]] = signal = "BUY" if score >= BUY else "SELL" if score <= SELL else "HOLD"
        rows.append((f["symbol"], f["ts"], day, round(score, 4), signal, momentum, reversion, rsi,
                     daily.get(f["symbol"]), c.iso(ctx.now)))
    with c.transaction(conn):
        if not ctx.incremental:  # a rerun of the date replaces its rows
            conn.executemany("DELETE FROM intraday_signals WHERE date = ? AND symbol = ?", [(day, s) for s in symbols])
        n = c.upsert(conn, "intraday_signals", COLUMNS, rows)
    # Complete up to the oldest symbol's newest signal, and never beyond the features it reads:
    # with nothing to compute from, that is the features' own instant.
    own, lagging = c.bar_data_as_of(conn, ctx, "intraday_signals", symbols)
    as_of = min(own, c.bar_data_as_of(conn, ctx, "intraday_features", symbols)[0])
    c.note_lagging("Intraday Signals", lagging, symbols)
    c.report(n, as_of, f"Intraday Signals: {n} signals written for {day}; latest: "
                       + (", ".join(f"{k} {list(latest.values()).count(k)}" for k in ("BUY", "HOLD", "SELL"))
                          if latest else "none"))

if __name__ == "__main__":
    c.run(main)
