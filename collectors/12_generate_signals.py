#!/usr/bin/env python3
"""Generate Trading Signals: a score in -1..1 and BUY / HOLD / SELL per symbol and session.

Computed from ml_features: momentum (20-day return over its volatility), mean reversion (RSI),
trend (price over the 50-day average), sentiment (news and composite), valuation (P/E against
the sector median that day) and options positioning (put/call open interest). Missing inputs
are left out and lower the confidence, as does an earnings report within 3 days.
Writes table trading_signals. --incremental: only feature rows without a signal.
"""
import math
import os
import sys
from statistics import median

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as c  # noqa: E402

COLUMNS = ["symbol", "date", "score", "signal", "confidence", "momentum", "mean_reversion", "trend", "sentiment",
           "valuation", "options", "computed_at"]
BUY, SELL = 0.2, -0.2


def main():
    ctx = c.parse_args(__doc__)
    conn = c.connect(ctx, "trading_signals", needs=[
        ("assets", "Asset Collection"),
        ("ml_features", "ML Features Aggregation")])
    sectors = {a["symbol"]: a["sector"] for a in ctx.assets(conn)}
    sql = "SELECT f.* FROM ml_features f WHERE f.date <= ?"
    if ctx.incremental:
        sql += " AND NOT EXISTS (SELECT 1 FROM trading_signals t WHERE t.symbol = f.symbol AND t.date = f.date)"
    features = [dict(r) for r in conn.execute(sql + " ORDER BY f.date, f.symbol", (ctx.trading_date.isoformat(),))
                if r["symbol"] in sectors]
    pes = {}
    for f in features:
        if f["pe_ratio"]:
            pes.setdefault((f["date"], sectors[f["symbol"]]), []).append(f["pe_ratio"])
            pes.setdefault((f["date"], None), []).append(f["pe_ratio"])

    rows, counts = [], {"BUY": 0, "HOLD": 0, "SELL": 0}
    for f in features:
        vol = f["volatility_20d"]
        momentum = c.clamp(f["return_20d"] / (vol * math.sqrt(20 / 252)) / 2) if vol else None
        reversion = c.clamp((50 - f["rsi_14"]) / 30) if f["rsi_14"] is not None else None
        trend = c.clamp((f["price_to_sma50"] - 1) / 0.05) if f["price_to_sma50"] \
            else c.clamp((f["price_to_sma20"] - 1) / 0.03)
        moods = [x for x in (f["news_sentiment_3d"], f["sentiment_composite"]) if x is not None]
        peers = pes.get((f["date"], sectors[f["symbol"]])) or []
        peers = peers if len(peers) >= 2 else pes.get((f["date"], None)) or []
        valuation = c.clamp(-math.log(f["pe_ratio"] / median(peers))) if f["pe_ratio"] and peers else None
        options = c.clamp((1 - f["put_call_oi_ratio"]) / 0.5) if f["put_call_oi_ratio"] else None
        sentiment = c.mean(moods)
        score, coverage = c.weighted([(0.25, momentum), (0.15, reversion), (0.2, trend), (0.2, sentiment),
                                      (0.1, valuation), (0.1, options)])
        near_report = f["days_to_earnings"] is not None and 0 <= f["days_to_earnings"] <= 3
        signal = "BUY" if score >= BUY else "SELL" if score <= SELL else "HOLD"
        counts[signal] += f["date"] == ctx.trading_date.isoformat()
        rows.append((f["symbol"], f["date"], round(score, 4), signal, round(coverage * (0.5 if near_report else 1), 3),
                     momentum, reversion, trend, sentiment, valuation, options, c.iso(ctx.now)))
    with c.transaction(conn):
        n = c.upsert(conn, "trading_signals", COLUMNS, rows)
    today = f"; for {ctx.trading_date}: " + ", ".join(f"{k} {v}" for k, v in counts.items()) if any(counts.values()) else ""
    c.report(n, ctx.cutoff, f"Generate Trading Signals: {n} signals written{today}")


if __name__ == "__main__":
    c.run(main)
