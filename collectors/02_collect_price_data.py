#!/usr/bin/env python3
"""Price Data: 1-minute OHLCV bars of the trading date's regular session, up to now.

Writes table price_bars_1min (ts = bar start, UTC), one bar per completed minute between the
open and min(now, close). --incremental: only bars after the newest stored one. Uses the assets
table when Asset Collection has run, else the universe.
"""
import os
import sys
from datetime import timedelta

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as c  # noqa: E402

MINUTE = timedelta(minutes=1)


def main():
    ctx = c.parse_args(__doc__)
    conn = c.connect(ctx, "price_bars_1min")
    symbols = [a["symbol"] for a in ctx.assets(conn, required=False)]
    day = ctx.trading_date.isoformat()
    newest = c.newest_by_symbol(conn, "price_bars_1min", "ts", "WHERE date = ?", (day,)) if ctx.incremental else {}
    bars = []
    if c.session(ctx.trading_date) is None:
        c.note(f"{day} is not a trading day: no bars to collect")
    elif ctx.csv_dir:
        wanted = set(symbols)
        need = ["symbol", "timestamp", "open", "high", "low", "close", "volume"]
        for r in c.read_csv(ctx, "intraday_bars.csv", need):
            start = r.instant("timestamp") if r["symbol"] in wanted else None
            if start and start.astimezone(c.NY).date() == ctx.trading_date and start + MINUTE <= ctx.now \
                    and c.iso(start) > newest.get(r["symbol"], ""):
                bars.append((r["symbol"], c.iso(start), day, r.num("open"), r.num("high"), r.num("low"),
                             r.num("close"), int(r.num("volume")), "csv"))
    else:
        for s in symbols:
            for start, o, h, l, cl, v in c.minute_bars(s, ctx.trading_date):
                if start + MINUTE > ctx.now:
                    break
                if c.iso(start) > newest.get(s, ""):
                    bars.append((s, c.iso(start), day, o, h, l, cl, v, "synthetic"))

    with c.transaction(conn):
        n = c.upsert(conn, "price_bars_1min", ["symbol", "ts", "date", "open", "high", "low", "close", "volume",
                                               "source"], bars)
    marks = ",".join("?" * len(symbols))
    last = conn.execute(f"SELECT MAX(ts) FROM price_bars_1min WHERE symbol IN ({marks})", symbols).fetchone()[0]
    as_of = c.parse_instant(last) + MINUTE if last else None
    c.report(n, as_of, f"Price Data ({ctx.source}): {n} 1-minute bars written for {len(symbols)} symbols on {day}"
                       + (f", newest ending {c.iso(as_of)}" if as_of else ""))


if __name__ == "__main__":
    c.run(main)
