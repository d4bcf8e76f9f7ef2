#!/usr/bin/env python3
"""Insider Trading: insiders' buy and sell filings (Form 4) over the last --lookback-days.

Writes table insider_trades. --incremental: only days from the last collected one on.
"""
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as c  # noqa: E402

COLUMNS = ["symbol", "filing_date", "insider_name", "title", "transaction_type", "shares", "price", "value", "source"]
FIRST = ["James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Susan", "Wei"]
LAST = ["Smith", "Johnson", "Chen", "Garcia", "Miller", "Davis", "Patel", "Wilson", "Anderson", "Taylor", "Kim"]
TITLES = ["Chief Executive Officer", "Chief Financial Officer", "Chief Operating Officer", "General Counsel",
          "Director", "Director", "EVP, Sales"]


def synthetic(symbol, day):
    """The filings of one symbol on one trading day (most days have none)."""
    r = c.rng(symbol, day, "insider")
    if r.random() > 0.07:
        return []
    people = c.rng(symbol, "insiders")
    insiders = [(f"{people.choice(FIRST)} {people.choice(LAST)}", t) for t in TITLES]
    price = c.synthetic_close(symbol, c.prev_trading_day(day))
    out = []
    for _ in range(1 + (r.random() < 0.3)):
        name, title = r.choice(insiders)
        kind = "BUY" if r.random() < 0.25 else "SELL"
        shares = int(round(math.exp(r.gauss(8.5, 1.2)), -2)) + 100
        px = round(price * math.exp(r.gauss(0, 0.01)), 2)
        out.append((symbol, day.isoformat(), name, title, kind, shares, px, round(shares * px, 2), "synthetic"))
    return out


def from_csv(r):
    """The filing of one insider_trades.csv row."""
    kind = r.text("transaction_type").upper()
    kind = {"P": "BUY", "PURCHASE": "BUY", "S": "SELL", "SALE": "SELL"}.get(kind, kind)
    if kind not in ("BUY", "SELL"):
        raise c.CollectorError(f"{r.where}: transaction_type must be BUY or SELL, got {kind!r}")
    shares, price = int(r.num("shares")), r.num("price")
    return (r["symbol"], r.day("filing_date").isoformat(), r.text("insider_name"),
            r.text("title", ""), kind, shares, price, round(shares * price, 2), "csv")


def main():
    ctx = c.parse_args(__doc__, lambda p: p.add_argument(
        "--lookback-days", type=int, default=90, help="calendar days back from the trading date (90)"))
    conn = c.connect(ctx, "insider_trades", needs=[("assets", "Asset Collection")])
    symbols = [a["symbol"] for a in ctx.assets(conn)]
    start = {s: c.window_start(conn, ctx, "insider_trades", s, ctx.args.lookback_days) for s in symbols}
    need = ["symbol", "filing_date", "insider_name", "title", "transaction_type", "shares", "price"]
    rows = c.collect_windows(ctx, start, "insider_trades.csv", need, "filing_date", from_csv, synthetic)
    with c.transaction(conn):  # the window is collected whole: its rows replace the stored ones
        conn.executemany("DELETE FROM insider_trades WHERE symbol = ? AND filing_date >= ? AND filing_date <= ?",
                         [(s, first.isoformat(), ctx.trading_date.isoformat()) for s, first in start.items()])
        n = c.upsert(conn, "insider_trades", COLUMNS, rows)
        c.mark_collected(conn, ctx, "insider_trades", symbols)
    c.report(n, ctx.cutoff, f"Insider Trading ({ctx.source}): {n} filings from {min(start.values())} "
                         f"to {ctx.trading_date}{ctx.rejects.summary()}")


if __name__ == "__main__":
    c.run(main)
