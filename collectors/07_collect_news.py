#!/usr/bin/env python3
"""News Events: company headlines published up to now, each scored for sentiment (-1..1).

Writes table news_events over the last --lookback-days. Synthetic headlines follow the price
moves and the rating actions in analyst_ratings; every headline is scored with a word list
unless the CSV gives a score. --incremental: only days from the last collected one on.
"""
import hashlib
import math
import os
import re
import sys
from datetime import timedelta

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as c  # noqa: E402

COLUMNS = ["id", "symbol", "published_at", "publisher", "headline", "sentiment_score", "source"]
PUBLISHERS = ["Reuters", "Bloomberg", "MarketWatch", "CNBC", "Barron's", "The Wall Street Journal",
              "Associated Press", "Seeking Alpha"]
TOPICS = ["pricing", "data privacy", "supply chain", "accounting", "safety", "competition"]
POSITIVE = ["{n} shares rise on strong demand", "{n} beats expectations as growth accelerates",
            "{n} wins major contract, analysts bullish", "{n} raises outlook after record sales",
            "{n} stock gains as investors cheer expansion plans", "{n} announces buyback, shares jump"]
NEGATIVE = ["{n} shares fall amid weak demand concerns", "{n} faces regulatory probe over {t}",
            "{n} cuts guidance, warns of slowing growth", "{n} stock drops as margins shrink",
            "{n} hit by lawsuit over {t}", "{n} announces layoffs as costs rise"]
NEUTRAL = ["{n} to present at investor conference", "{n} schedules quarterly earnings call",
           "{n} names new board member", "What to watch for {n} this week", "{n} files annual proxy statement"]
GOOD = {"rise", "rises", "beats", "beat", "accelerates", "wins", "bullish", "raises", "record", "gains", "cheer",
        "jump", "jumps", "upgrades", "upgrade", "buy", "outperform", "surges", "soars", "growth", "rally",
        "profit", "approval", "expansion", "buyback", "strong"}
BAD = {"fall", "falls", "weak", "concerns", "probe", "cuts", "warns", "slowing", "drops", "shrink", "lawsuit",
       "layoffs", "downgrades", "downgrade", "sell", "underperform", "plunges", "slump", "loss", "recall",
       "investigation", "misses", "bearish", "delays"}
ACTIONS = {"upgrade": "{f} upgrades {s} to {r}", "downgrade": "{f} downgrades {s} to {r}",
           "initiate": "{f} initiates coverage of {s} at {r}", "reiterate": "{f} reiterates {r} on {s}"}


def score(headline):
    """Word-list sentiment: (positive - negative) / (positive + negative + 1)."""
    words = re.findall(r"[a-z]+", headline.lower())
    good, bad = sum(w in GOOD for w in words), sum(w in BAD for w in words)
    return round((good - bad) / (good + bad + 1), 3)


def synthetic(symbol, name, day):
    """Headlines of a calendar day: their tone leans on the last session's move."""
    r = c.rng(symbol, day, "news")
    last = c.prev_trading_day(day)
    move = math.log(c.synthetic_close(symbol, last) / c.synthetic_close(symbol, c.prev_trading_day(last)))
    lean = 0.5 + 0.35 * math.tanh(move / (c.PARAMS[symbol]["vol"] / math.sqrt(252)))
    out = []
    for _ in range(r.choice([0, 1, 1, 2, 2, 3, 4] if day.weekday() < 5 else [0, 0, 1])):
        at = c.at_ny(day, 6) + timedelta(minutes=r.randrange(14 * 60))
        u = r.random()
        pool = NEUTRAL if u < 0.3 else POSITIVE if r.random() < lean else NEGATIVE
        out.append((symbol, at, r.choice(PUBLISHERS), r.choice(pool).format(n=name, t=r.choice(TOPICS)), None))
    return out


def main():
    ctx = c.parse_args(__doc__, lambda p: p.add_argument(
        "--lookback-days", type=int, default=7, help="calendar days back from the trading date (7)"))
    conn = c.connect(ctx, "news_events", needs=[
        ("assets", "Asset Collection"),
        ("analyst_ratings", "Analyst Ratings", False)])
    assets = {a["symbol"]: a for a in ctx.assets(conn)}
    start = {s: c.window_start(conn, ctx, "news_events", s, ctx.args.lookback_days) for s in assets}
    items = []
    if ctx.csv_dir:
        items = list(c.read_csv(ctx, "news.csv", ["symbol", "published_at", "publisher", "headline"], lambda r: (
            r["symbol"], r.instant("published_at"), r.text("publisher"), r.text("headline"), r.num("sentiment", None)),
            symbols=set(start)))
    else:
        for s, a in assets.items():
            day = start[s]
            while day <= ctx.trading_date:
                items += synthetic(s, re.sub(r"(,?\s+(&\s+)?(Inc|Corp|Co|plc|Ltd|LLC)\.?)+$", "", a["name"]), day)
                day += timedelta(days=1)
        for row in conn.execute("SELECT symbol, date, firm, action, rating, price_target FROM analyst_ratings "
                                "WHERE date >= ? AND date <= ?", (min(start.values()).isoformat(),
                                                                   ctx.trading_date.isoformat())):
            if row["symbol"] in start:
                at = c.at_ny(c.parse_date(row["date"]), 7) + timedelta(minutes=c.seed(*row) % 90)
                text = ACTIONS.get(row["action"], ACTIONS["reiterate"]).format(f=row["firm"], s=row["symbol"],
                                                                               r=row["rating"])
                if row["price_target"]:
                    text += f", price target ${row['price_target']:.0f}"
                items.append((row["symbol"], at, "Benzinga", text, None))
    rows = []
    for s, at, publisher, headline, sentiment in items:
        if start[s] <= at.astimezone(c.NY).date() <= ctx.trading_date and at <= ctx.cutoff:
            key = hashlib.blake2b(f"{s}|{c.iso(at)}|{headline}".encode(), digest_size=8).hexdigest()
            rows.append((key, s, c.iso(at), publisher, headline,
                         score(headline) if sentiment is None else sentiment, ctx.source))
    with c.transaction(conn):  # the window is collected whole: its rows replace the stored ones
        end = c.iso(min(ctx.cutoff, c.at_ny(ctx.trading_date + timedelta(days=1), 0) - timedelta(seconds=1)))
        conn.executemany("DELETE FROM news_events WHERE symbol = ? AND published_at >= ? AND published_at <= ?",
                         [(s, c.iso(c.at_ny(first, 0)), end) for s, first in start.items()])
        n = c.upsert(conn, "news_events", COLUMNS, rows)
        c.mark_collected(conn, ctx, "news_events", list(assets))
    c.report(n, ctx.cutoff, f"News Events ({ctx.source}): {n} headlines published from {min(start.values())} "
                         f"to {c.iso(ctx.cutoff)}{ctx.rejects.summary()}")


if __name__ == "__main__":
    c.run(main)
