#!/usr/bin/env python3
"""Asset Collection: the universe (symbol, name, sector) and its daily OHLCV bars.

Writes tables assets and daily_bars: every session that has closed by now, from
--history-days before the trading date. --incremental: only sessions after the newest stored.
"""
import os
import sys
from datetime import timedelta

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as c  # noqa: E402


def main():
    ctx = c.parse_args(__doc__, lambda p: p.add_argument(
        "--history-days", type=int, default=365, help="calendar days of daily bars to keep collected (365)"))
    conn = c.connect(ctx, "assets", "daily_bars")
    assets = ctx.universe()
    symbols = [a["symbol"] for a in assets]
    end = c.last_closed_session(ctx.cutoff, ctx.trading_date)
    start = ctx.trading_date - timedelta(days=ctx.args.history_days)
    newest = c.newest_by_symbol(conn, "daily_bars", "date") if ctx.incremental else {}
    first = {s: max(start, c.parse_date(newest[s]) + timedelta(days=1)) if s in newest else start for s in symbols}

    bars, read = [], ""
    if ctx.csv_dir:
        unique = c.Unique("daily bar of")

        def bar(r):
            d = r.day("date")
            if not first[r["symbol"]] <= d <= end:
                return None
            values = r.ohlcv()
            unique.check((r["symbol"], d.isoformat()), r)
            return (r["symbol"], d.isoformat(), *values, "csv")
        reader = c.CsvReader(ctx, "daily_bars.csv", ["symbol", "date", "open", "high", "low", "close", "volume"],
                             symbols=set(symbols), dates=("date", min(first.values()).isoformat(), end.isoformat()))
        bars = list(c.convert_rows(ctx, reader, bar))
        read = reader.summary()
    else:
        for s in symbols:
            bars += [(s, d.isoformat(), *c.daily_bar(s, d), "synthetic") for d in c.trading_days(first[s], end)]

    with c.transaction(conn):
        n = c.upsert(conn, "assets", ["symbol", "name", "sector", "industry", "exchange", "shares_outstanding",
                                      "source", "updated_at"],
                     [(a["symbol"], a["name"], a["sector"], a["industry"], a["exchange"], a["shares_outstanding"],
                       ctx.source, c.iso(ctx.now)) for a in assets])
        n += c.upsert(conn, "daily_bars", ["symbol", "date", "open", "high", "low", "close", "volume", "source"], bars)
    c.report(n, ctx.cutoff, f"Asset Collection ({ctx.source}): {len(assets)} assets, {len(bars)} daily bars "
                            f"up to {end}{read}{ctx.rejects.summary()}")


if __name__ == "__main__":
    c.run(main)
