#!/usr/bin/env python3
"""Fundamental Data: a snapshot per symbol for the trading date (valuation, earnings, balance sheet).

Writes table fundamentals (symbol, date = trading date). Market cap and P/E use the newest
stored daily close. --incremental: skip symbols that already have today's snapshot.
"""
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as c  # noqa: E402

COLUMNS = ["symbol", "date", "close", "market_cap", "shares_outstanding", "revenue_ttm", "net_income_ttm",
           "eps_ttm", "pe_ratio", "pb_ratio", "debt_to_equity", "roe", "dividend_yield", "beta", "source"]
OPTIONAL = COLUMNS[3:-1]


def synthetic(symbol, day, close):
    p = c.PARAMS[symbol]
    q = (day.year - 2024) * 4 + (day.month - 1) // 3          # quarters since 2024: values move quarterly
    r = c.rng(symbol, "fundamentals", day.year, (day.month - 1) // 3)
    base = c.rng(symbol, "profile")
    margin, roe, de = base.uniform(0.08, 0.30), base.uniform(0.10, 0.45), base.uniform(0.2, 2.0)
    eps = p["eps"] * 1.08 ** (q / 4) if p["eps"] > 0 else p["eps"] + abs(p["eps"]) * 0.3 * q / 4
    eps *= math.exp(r.gauss(0, 0.05))
    shares = p["shares_bn"] * 1e9 * (1 - 0.004 * q)
    roe *= math.exp(r.gauss(0, 0.05))
    return {"shares_outstanding": shares, "eps_ttm": round(eps, 2), "net_income_ttm": eps * shares,
            "revenue_ttm": abs(eps * shares) / (margin * math.exp(r.gauss(0, 0.03))),
            "pb_ratio": round(close * roe / eps, 2) if eps > 0 else None, "roe": round(roe, 4),
            "debt_to_equity": round(de * math.exp(r.gauss(0, 0.05)), 3),
            "dividend_yield": round(p["div_yield"] * p["base_price"] * 1.05 ** (q / 4) / close, 5),
            "beta": round(p["beta"] + r.gauss(0, 0.03), 3)}


def main():
    ctx = c.parse_args(__doc__)
    conn = c.connect(ctx, "fundamentals", needs=[
        ("assets", "Asset Collection"),
        ("daily_bars", "Asset Collection")])
    assets = {a["symbol"]: a for a in ctx.assets(conn)}
    day = ctx.trading_date.isoformat()
    done = set(c.newest_by_symbol(conn, "fundamentals", "date", "WHERE date = ?", (day,))) if ctx.incremental else set()
    closes = {s: bars[-1][1] for s, bars in c.closes_by_symbol(conn, assets, ctx.trading_date).items() if bars}
    todo = [s for s in assets if s not in done]
    missing = [s for s in todo if s not in closes]
    if missing:
        raise c.CollectorError(f"no daily bars for {', '.join(missing)}: run Asset Collection first")

    if ctx.csv_dir:
        latest = {}  # symbol: (date, values) of its newest row on or before the trading date
        def snapshot(r):
            d = r.day("date")
            if latest.get(r["symbol"], (d,))[0] <= d <= ctx.trading_date:
                latest[r["symbol"]] = (d, {k: r.num(k, None) for k in OPTIONAL})
        for _ in c.read_csv(ctx, "fundamentals.csv", ["symbol", "date"], snapshot, symbols=set(todo)):
            pass
        values = {s: v for s, (_, v) in latest.items()}
        absent = [s for s in todo if s not in values]
        if absent:
            raise c.CollectorError(f"fundamentals.csv has no row dated on or before {day} for {', '.join(absent)}")
    else:
        values = {s: synthetic(s, ctx.trading_date, closes[s]) for s in todo}

    rows = []
    for s in todo:
        v, close = values[s], closes[s]
        shares = v["shares_outstanding"] = v.get("shares_outstanding") or assets[s]["shares_outstanding"]
        v["market_cap"] = v.get("market_cap") or (shares * close if shares else None)
        eps = v.get("eps_ttm")
        v["pe_ratio"] = v.get("pe_ratio") or (round(close / eps, 2) if eps and eps > 0 else None)
        rows.append((s, day, close, *(v.get(k) for k in OPTIONAL), ctx.source))
    with c.transaction(conn):
        n = c.upsert(conn, "fundamentals", COLUMNS, rows)
    c.report(n, ctx.cutoff, f"Fundamental Data ({ctx.source}): {n} snapshots for {day}{ctx.rejects.summary()}")


if __name__ == "__main__":
    c.run(main)
