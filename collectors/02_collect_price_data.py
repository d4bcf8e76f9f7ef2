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

MINUTE = c.MINUTE


def main():
    ctx = c.parse_args(__doc__)
    conn = c.connect(ctx, "price_bars_1min")
    symbols = [a["symbol"] for a in ctx.assets(conn, required=False)]
    day = ctx.trading_date.isoformat()
    newest = c.newest_by_symbol(conn, "price_bars_1min", "ts", "WHERE date = ?", (day,)) if ctx.incremental else {}
    bars, reader = [], None
    if c.session(ctx.trading_date) is None:
        c.note(f"{day} is not a trading day: no bars to collect")
    elif ctx.csv_dir:
        need = ["symbol", "timestamp", "open", "high", "low", "close", "volume"]
        # Incremental: an append-only file is read from where the last run for this date stopped.
        resume = (conn, c.scope_key(day, *symbols)) if ctx.incremental else None
        margin = (ctx.trading_date - timedelta(days=1)).isoformat(), (ctx.trading_date + timedelta(days=1)).isoformat()
        reader = c.CsvReader(ctx, "intraday_bars.csv", need, symbols=set(symbols), dates=("timestamp", *margin),
                             resume=resume)
        unique = c.Unique("1-minute bar of")

        def bar(r):
            start = r.instant("timestamp")
            if start.astimezone(c.NY).date() != ctx.trading_date:
                return None
            if start + MINUTE > ctx.cutoff:
                reader.defer(r)          # not complete yet: read again next time
                return None
            values = r.ohlcv()
            unique.check((r["symbol"], c.iso(start)), r)
            return (r["symbol"], c.iso(start), day, *values, "csv")
        bars = list(c.convert_rows(ctx, reader, bar))
    else:
        for s in symbols:
            for start, o, h, l, cl, v in c.minute_bars(s, ctx.trading_date):
                if start + MINUTE > ctx.cutoff:
                    break
                if c.iso(start) > newest.get(s, ""):
                    bars.append((s, c.iso(start), day, o, h, l, cl, v, "synthetic"))

    with c.transaction(conn):
        if not ctx.incremental:  # a rerun of the date replaces its bars
            conn.executemany("DELETE FROM price_bars_1min WHERE date = ? AND symbol = ?", [(day, s) for s in symbols])
        n = c.upsert(conn, "price_bars_1min", ["symbol", "ts", "date", "open", "high", "low", "close", "volume",
                                               "source"], bars)
        if reader:
            reader.save()
    as_of, lagging = c.bar_data_as_of(conn, ctx, "price_bars_1min", symbols)
    c.note_lagging("Price Data", lagging, symbols)
    c.report(n, as_of, f"Price Data ({ctx.source}): {n} 1-minute bars written for {len(symbols)} symbols on {day}, "
                       f"complete up to {c.iso(as_of)}{reader.summary() if reader else ''}{ctx.rejects.summary()}")


if __name__ == "__main__":
    c.run(main)
