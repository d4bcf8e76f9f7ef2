#!/usr/bin/env python3
"""Analyst Ratings: rating actions (upgrade, downgrade, initiate, reiterate) with price targets.

Writes table analyst_ratings (rating_score 1 = Strong Sell .. 5 = Strong Buy) over the last
--lookback-days. --incremental: only days from the last collected one on.
"""
import math
import os
import sys
from datetime import timedelta

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as c  # noqa: E402

COLUMNS = ["symbol", "date", "firm", "action", "rating", "rating_score", "price_target", "source"]
FIRMS = ["Goldman Sachs", "Morgan Stanley", "JPMorgan", "BofA Securities", "Citi", "Barclays", "UBS",
         "Wells Fargo", "Jefferies", "Evercore ISI"]
NAMES = {5: "Strong Buy", 4: "Buy", 3: "Hold", 2: "Sell", 1: "Strong Sell"}
SCORES = {"strong buy": 5, "buy": 4, "outperform": 4, "overweight": 4, "accumulate": 4, "positive": 4,
          "hold": 3, "neutral": 3, "equal-weight": 3, "equal weight": 3, "market perform": 3, "sector perform": 3,
          "underperform": 2, "underweight": 2, "sell": 2, "reduce": 2, "negative": 2, "strong sell": 1}


def synthetic(symbol, day):
    r = c.rng(symbol, day, "analyst")
    if r.random() > 0.06:
        return []
    prev = c.prev_trading_day(day)
    close = c.synthetic_close(symbol, prev)
    momentum = math.log(close / c.synthetic_close(symbol, prev - timedelta(days=30)))
    score = max(1, min(5, round(3.6 + r.gauss(0, 0.9) + 4 * momentum)))
    action = r.choice({5: ["upgrade", "initiate", "reiterate"], 4: ["upgrade", "initiate", "reiterate"],
                       3: ["reiterate", "downgrade", "initiate"]}.get(score, ["downgrade", "initiate"]))
    target = round(close * (1 + 0.08 * (score - 3) + r.gauss(0.04, 0.05)), 0)
    return [(symbol, day.isoformat(), r.choice(FIRMS), action, NAMES[score], score, target, "synthetic")]


def from_csv(r):
    """The rating action of one analyst_ratings.csv row."""
    rating = r.text("rating")
    score = SCORES.get(rating.lower()) or (int(r.num("rating")) if rating.isdigit() else None)
    if score not in NAMES:
        raise c.CollectorError(f"{r.where}: unknown rating {rating!r} (use Strong Buy, Buy, Hold, "
                               "Sell, Strong Sell, their usual synonyms, or 1-5)")
    return (r["symbol"], r.day("date").isoformat(), r.text("firm"), r.text("action").lower(),
            NAMES[score], score, r.num("price_target", None), "csv")


def main():
    ctx = c.parse_args(__doc__, lambda p: p.add_argument(
        "--lookback-days", type=int, default=90, help="calendar days back from the trading date (90)"))
    conn = c.connect(ctx, "analyst_ratings", needs=[("assets", "Asset Collection")])
    symbols = [a["symbol"] for a in ctx.assets(conn)]
    start = {s: c.window_start(conn, ctx, "analyst_ratings", s, ctx.args.lookback_days) for s in symbols}
    rows = c.collect_windows(ctx, start, "analyst_ratings.csv", ["symbol", "date", "firm", "action", "rating"],
                             "date", from_csv, synthetic)
    with c.transaction(conn):
        n = c.upsert(conn, "analyst_ratings", COLUMNS, rows)
        c.mark_collected(conn, ctx, "analyst_ratings", symbols)
    c.report(n, ctx.cutoff, f"Analyst Ratings ({ctx.source}): {n} rating actions from {min(start.values())} "
                         f"to {ctx.trading_date}{ctx.rejects.summary()}")


if __name__ == "__main__":
    c.run(main)
