#!/usr/bin/env python3
"""Options Data: the option chain of each symbol with Black-Scholes-Merton greeks.

Writes table options_chain (date = the chain's date). Spot from daily_bars, dividend yield from
fundamentals, the risk-free rate from economic_indicators (DGS3MO, else FEDFUNDS). Synthetic
chains are quoted at the open of the trading date: 5 expiries x 13 strikes, a volatility smile
around the 20-day realized volatility. CSV chains are end-of-day quotes of their date; a missing
implied_vol is solved from the mid price. --incremental: skip symbols that have today's chain.
"""
import math
import os
import sys
from datetime import timedelta

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as c  # noqa: E402

COLUMNS = ["symbol", "date", "expiry", "strike", "option_type", "underlying_price", "bid", "ask", "mid",
           "implied_vol", "volume", "open_interest", "delta", "gamma", "theta", "vega", "rho", "source"]


def N(x):
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def bsm(kind, s, k, t, r, q, vol):
    """Price and greeks (delta, gamma, theta per day, vega per vol point, rho per rate point)."""
    sq = vol * math.sqrt(t)
    d1 = (math.log(s / k) + (r - q + vol * vol / 2) * t) / sq
    d2 = d1 - sq
    dq, dr, pdf = math.exp(-q * t), math.exp(-r * t), math.exp(-d1 * d1 / 2) / math.sqrt(2 * math.pi)
    gamma, vega = dq * pdf / (s * sq), s * dq * pdf * math.sqrt(t) / 100
    decay = -s * dq * pdf * vol / (2 * math.sqrt(t))
    if kind == "C":
        return (s * dq * N(d1) - k * dr * N(d2), dq * N(d1), gamma,
                (decay - r * k * dr * N(d2) + q * s * dq * N(d1)) / 365, vega, k * t * dr * N(d2) / 100)
    return (k * dr * N(-d2) - s * dq * N(-d1), dq * (N(d1) - 1), gamma,
            (decay + r * k * dr * N(-d2) - q * s * dq * N(-d1)) / 365, vega, -k * t * dr * N(-d2) / 100)


def implied_vol(kind, price, s, k, t, r, q):
    lo, hi = 0.005, 5.0
    if not bsm(kind, s, k, t, r, q, lo)[0] <= price <= bsm(kind, s, k, t, r, q, hi)[0]:
        return None
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if bsm(kind, s, k, t, r, q, mid)[0] < price else (lo, mid)
    return (lo + hi) / 2


def expiries(day):
    """The next four monthly expiries (third Friday) and the next weekly one."""
    out, y, m = set(), day.year, day.month
    while len(out) < 4:
        third = c._nth_weekday(y, m, 4, 3)
        third = third if c.is_trading_day(third) else c.prev_trading_day(third)
        if third > day:
            out.add(third)
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    friday = day + timedelta(days=(4 - day.weekday()) % 7 or 7)
    out.add(friday if c.is_trading_day(friday) else c.prev_trading_day(friday))
    return sorted(e for e in out if e > day)


def synthetic(symbol, day, spot, rv):
    r = c.rng(symbol, day, "options")
    atm = max(0.08, rv * 1.1 + 0.02 + r.gauss(0, 0.01))
    step = next(x for x in (0.5, 1, 2.5, 5, 10, 25, 50, 100) if x >= spot * 0.02)
    center = round(spot / step) * step
    for expiry in expiries(day):
        for i in range(-6, 7):
            k = center + i * step
            if k <= 0:
                continue
            m = math.log(k / spot)
            for kind in "CP":
                skew = 1.3 if kind == "P" and m < 0 else 1.0
                oi = int(3000 * math.exp(-(m / 0.1) ** 2 + r.gauss(0, 0.5)) * skew) + 10
                vol = max(0.05, atm * (1 + 0.05 * (expiry - day).days / 365) - 0.25 * m + 0.6 * m * m)
                yield expiry, k, kind, None, None, vol, int(oi * r.uniform(0.02, 0.3)), oi


def main():
    ctx = c.parse_args(__doc__)
    conn = c.connect(ctx, "options_chain", needs=[
        ("assets", "Asset Collection"),
        ("daily_bars", "Asset Collection"),
        ("fundamentals", "Fundamental Data", False),
        ("economic_indicators", "Economic Indicators", False)])
    symbols = [a["symbol"] for a in ctx.assets(conn)]
    day = ctx.trading_date
    rate = conn.execute("SELECT value FROM economic_indicators WHERE indicator IN ('DGS3MO', 'FEDFUNDS') AND date <= ? "
                        "ORDER BY indicator = 'DGS3MO' DESC, date DESC LIMIT 1", (day.isoformat(),)).fetchone()
    if rate is None:
        raise c.CollectorError(f"no DGS3MO or FEDFUNDS rate on or before {day} in economic_indicators: "
                               "run Economic Indicators first")
    r = rate[0] / 100
    done = set(c.newest_by_symbol(conn, "options_chain", "date", "WHERE date = ?", (day.isoformat(),))) \
        if ctx.incremental else set()
    bars = c.closes_by_symbol(conn, symbols, day)
    chains = {}
    if ctx.csv_dir:
        def quote(row):
            if row.day("date") > day:
                return None
            kind = row.text("type").upper()[:1]
            if kind not in ("C", "P"):
                raise c.CollectorError(f"{row.where}: type must be C/call or P/put, got {row['type']!r}")
            return row["symbol"], (row.day("date"), row.day("expiry"), row.num("strike"), kind, row.num("bid"),
                                   row.num("ask"), row.num("implied_vol", None), row.count("volume"),
                                   row.count("open_interest"))
        for s, q in c.read_csv(ctx, "options.csv", ["symbol", "date", "expiry", "strike", "type", "bid", "ask",
                                                    "volume", "open_interest"], quote, symbols=set(bars)):
            chains.setdefault(s, []).append(q)
    rows = []
    for s in symbols:
        if s in done:
            continue
        q = conn.execute("SELECT dividend_yield FROM fundamentals WHERE symbol = ? AND date <= ? ORDER BY date DESC "
                         "LIMIT 1", (s, day.isoformat())).fetchone()
        q = (q[0] or 0.0) if q else 0.0
        if ctx.csv_dir:
            if s not in chains:
                continue
            chain_day = max(x[0] for x in chains[s])
            quotes = [x[1:] for x in chains[s] if x[0] == chain_day]
            closes = [x for x in bars[s] if x[0] <= chain_day]
            valued_at = c.at_ny(chain_day, 16)
        else:
            chain_day, closes = day, [x for x in bars[s] if x[0] < day]
            valued_at = c.at_ny(day, 9, 30)
        if not closes:
            raise c.CollectorError(f"no daily close of {s} before {chain_day}: run Asset Collection first")
        spot = closes[-1][1]
        rets = [math.log(b[1] / a[1]) for a, b in zip(closes[-21:-1], closes[-20:])]
        rv = (c.stdev(rets) or 0.3) * math.sqrt(252)
        if not ctx.csv_dir:
            quotes = list(synthetic(s, day, spot, rv))
        for expiry, k, kind, bid, ask, vol, volume, oi in quotes:
            t = (c.at_ny(expiry, 16) - valued_at).total_seconds() / (365 * 86400)
            if t <= 0:
                continue
            if bid is None:  # synthetic: quote around the model price
                price = bsm(kind, spot, k, t, r, q, vol)[0]
                half = max(0.01, 0.015 * price + 0.02)
                bid, ask = max(0.0, round(price - half, 2)), round(price + half, 2)
            mid = round((bid + ask) / 2, 3)
            vol = vol or implied_vol(kind, mid, spot, k, t, r, q)
            greeks = [round(g, 6) for g in bsm(kind, spot, k, t, r, q, vol)[1:]] if vol else [None] * 5
            rows.append((s, chain_day.isoformat(), expiry.isoformat(), k, kind, spot, bid, ask, mid,
                         round(vol, 4) if vol else None, volume, oi, *greeks, ctx.source))
    with c.transaction(conn):  # a rerun of a chain's date replaces that chain
        conn.executemany("DELETE FROM options_chain WHERE symbol = ? AND date = ?", {(r[0], r[1]) for r in rows})
        n = c.upsert(conn, "options_chain", COLUMNS, rows)
    c.report(n, ctx.cutoff, f"Options Data ({ctx.source}): {n} contracts, risk-free rate {rate[0]:.2f}%"
                               f"{ctx.rejects.summary()}")


if __name__ == "__main__":
    c.run(main)
