#!/usr/bin/env python3
"""Sentiment Analysis: pre-open sentiment per symbol and session.

For each session D of the last --lookback-days, from the previous session's open to D's open
(or now): social-media mentions (bullish/bearish), the analyst consensus (latest rating of
each firm in 90 days) and net insider buying (90 days), combined into composite_score (-1..1).
Writes table sentiment. --incremental: only sessions from the last collected one on.
"""
import math
import os
import sys
from datetime import timedelta

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as c  # noqa: E402

COLUMNS = ["symbol", "date", "mentions", "bullish", "bearish", "social_score", "analyst_score", "analyst_count",
           "insider_score", "insider_trades", "composite_score", "source"]
_posts = {}


def posts(symbol, day):
    """Synthetic social posts of a calendar day: [(time, +1 bullish | -1 bearish | 0)]."""
    if (symbol, day) not in _posts:
        r = c.rng(symbol, day, "social")
        last = c.prev_trading_day(day)
        move = math.log(c.synthetic_close(symbol, last) / c.synthetic_close(symbol, c.prev_trading_day(last)))
        bull = 0.5 + 0.2 * math.tanh(move / (c.PARAMS[symbol]["vol"] / math.sqrt(252)))
        n = int(60 * math.exp(r.gauss(0, 0.4)) * (1 if day.weekday() < 5 else 0.4))
        midnight = c.at_ny(day, 0)
        _posts[symbol, day] = [(midnight + timedelta(minutes=r.randrange(1440)),
                                0 if r.random() < 0.3 else 1 if r.random() < bull else -1) for _ in range(n)]
    return _posts[symbol, day]


def social(symbol, begin, end):
    day, tones = begin.astimezone(c.NY).date(), []
    while day <= end.astimezone(c.NY).date():
        tones += [t for at, t in posts(symbol, day) if begin < at <= end]
        day += timedelta(days=1)
    return len(tones), tones.count(1), tones.count(-1)


def main():
    ctx = c.parse_args(__doc__, lambda p: p.add_argument(
        "--lookback-days", type=int, default=7, help="calendar days back from the trading date (7)"))
    conn = c.connect(ctx, "sentiment", needs=[
        ("assets", "Asset Collection"),
        ("analyst_ratings", "Analyst Ratings", False),
        ("insider_trades", "Insider Trading", False)])
    symbols = [a["symbol"] for a in ctx.assets(conn)]
    start = {s: c.window_start(conn, ctx, "sentiment", s, ctx.args.lookback_days) for s in symbols}
    first = min(start.values()) - timedelta(days=100)
    ratings, trades, counts = {}, {}, {}
    for r in conn.execute("SELECT symbol, date, firm, rating_score FROM analyst_ratings WHERE date >= ? ORDER BY date",
                          (first.isoformat(),)):
        ratings.setdefault(r[0], []).append((c.parse_date(r[1]), r[2], r[3]))
    for r in conn.execute("SELECT symbol, filing_date, transaction_type, value FROM insider_trades "
                          "WHERE filing_date >= ?", (first.isoformat(),)):
        trades.setdefault(r[0], []).append((c.parse_date(r[1]), r[2], r[3]))
    if ctx.csv_dir:
        if os.path.isfile(os.path.join(ctx.csv_dir, "social_sentiment.csv")):
            unique = c.Unique("social counts of")

            def social_row(r):
                value = tuple(r.count(k) for k in ("mentions", "bullish", "bearish"))
                unique.check((r["symbol"], r.day("date").isoformat()), r)
                return (r["symbol"], r.day("date")), value
            counts = dict(c.read_csv(ctx, "social_sentiment.csv", ["symbol", "date", "mentions", "bullish", "bearish"],
                                     social_row, symbols=set(symbols)))
        else:
            c.note("no social_sentiment.csv (optional): composite from analysts and insiders only")

    rows = []
    for s in symbols:
        for d in c.trading_days(start[s], ctx.trading_date):
            begin, end = c.session(c.prev_trading_day(d))[0], min(c.session(d)[0], ctx.cutoff)
            if end <= begin:
                continue
            mentions, bull, bear = counts.get((s, d), (0, 0, 0)) if ctx.csv_dir else social(s, begin, end)
            social_score = (bull - bear) / (bull + bear) if bull + bear else None
            latest = {firm: score for day, firm, score in ratings.get(s, []) if d - timedelta(days=90) < day <= d}
            analyst = (c.mean(list(latest.values())) - 3) / 2 if latest else None
            recent = [(kind, value) for day, kind, value in trades.get(s, []) if d - timedelta(days=90) < day <= d]
            buys, sells = (sum(v for k, v in recent if k == kind) for kind in ("BUY", "SELL"))
            insider = (buys - sells) / (buys + sells) if buys + sells else None
            composite, _ = c.weighted([(0.5, social_score), (0.3, analyst), (0.2, insider)])
            rows.append((s, d.isoformat(), mentions, bull, bear, social_score, analyst, len(latest), insider,
                         len(recent), round(composite, 4), ctx.source))
    with c.transaction(conn):
        n = c.upsert(conn, "sentiment", COLUMNS, rows)
        c.mark_collected(conn, ctx, "sentiment", symbols)
    c.report(n, ctx.cutoff, f"Sentiment Analysis ({ctx.source}): {n} symbol-sessions scored{ctx.rejects.summary()}")


if __name__ == "__main__":
    c.run(main)
