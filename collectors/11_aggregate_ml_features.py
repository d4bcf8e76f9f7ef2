#!/usr/bin/env python3
"""ML Features Aggregation: one feature row per symbol and session, from the stored data.

A row for session D uses only what was known at D's open: daily bars before D (returns,
volatility, moving averages, RSI, volume), the newest fundamentals, news of the 72 hours before
the open, the sentiment of D, the newest option chain (put/call open interest, ATM implied vol),
earnings (days to the next report, last surprise) and the macro series before D. Computed for
every session with 21 bars of history up to the trading date. Writes table ml_features.
--incremental: only sessions after the newest stored row of each symbol.
"""
import math
import os
import sys
from bisect import bisect_left, bisect_right
from datetime import timedelta

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as c  # noqa: E402

COLUMNS = ["symbol", "date", "close_prev", "return_1d", "return_5d", "return_20d", "volatility_20d", "sma_20",
           "sma_50", "price_to_sma20", "price_to_sma50", "rsi_14", "volume_ratio_20d", "pe_ratio", "dividend_yield",
           "news_count_3d", "news_sentiment_3d", "sentiment_composite", "put_call_oi_ratio", "atm_iv",
           "days_to_earnings", "last_eps_surprise", "vix", "treasury_10y", "computed_at"]
UPSTREAM = [("fundamentals", "Fundamental Data"), ("economic_indicators", "Economic Indicators"),
            ("news_events", "News Events"), ("sentiment", "Sentiment Analysis"), ("options_chain", "Options Data"),
            ("earnings", "Earnings Data")]


def series(conn, sql, params=()):
    """{key: (sorted keys, values)} from rows (group, key, value...)."""
    out = {}
    for row in conn.execute(sql, params):
        keys, values = out.setdefault(row[0], ([], []))
        keys.append(row[1])
        values.append(tuple(row[2:]) if len(row) > 3 else row[2])
    return out


def asof(data, group, key, oldest=None, strict=False):
    """The value of the newest key <= key (< key if strict) and >= oldest, else None."""
    keys, values = data.get(group, ((), ()))
    i = (bisect_left if strict else bisect_right)(keys, key) - 1
    return values[i] if i >= 0 and (oldest is None or keys[i] >= oldest) else None


def main():
    ctx = c.parse_args(__doc__)
    conn = c.connect(ctx, "ml_features", needs=[
        ("assets", "Asset Collection"),
        ("daily_bars", "Asset Collection")] + [(table, task, False) for table, task in UPSTREAM])
    symbols = [a["symbol"] for a in ctx.assets(conn)]
    bars = c.closes_by_symbol(conn, symbols, ctx.trading_date)
    newest = c.newest_by_symbol(conn, "ml_features", "date") if ctx.incremental else {}
    since = min([c.parse_date(newest[s]) for s in symbols if s in newest] or [ctx.trading_date - timedelta(days=3650)])
    since = (since - timedelta(days=130)).isoformat()

    fund = series(conn, "SELECT symbol, date, eps_ttm, dividend_yield FROM fundamentals WHERE date >= ? "
                        "ORDER BY date", (since,))
    news = series(conn, "SELECT symbol, published_at, sentiment_score FROM news_events WHERE published_at >= ? "
                        "ORDER BY published_at", (since,))
    sent = series(conn, "SELECT symbol, date, composite_score FROM sentiment WHERE date >= ? ORDER BY date", (since,))
    pcr = series(conn, "SELECT symbol, date, SUM(open_interest * (option_type = 'P')) * 1.0 / "
                       "NULLIF(SUM(open_interest * (option_type = 'C')), 0) FROM options_chain WHERE date >= ? "
                       "GROUP BY symbol, date ORDER BY date", (since,))
    atm = series(conn, "SELECT symbol, date, implied_vol FROM (SELECT symbol, date, implied_vol, ROW_NUMBER() OVER "
                       "(PARTITION BY symbol, date ORDER BY expiry, ABS(strike - underlying_price)) AS n "
                       "FROM options_chain WHERE date >= ? AND option_type = 'C' AND implied_vol IS NOT NULL "
                       "AND expiry >= date(date, '+7 days')) WHERE n = 1 ORDER BY date", (since,))
    reports = series(conn, "SELECT symbol, report_date, surprise_pct FROM earnings ORDER BY report_date")
    macro = series(conn, "SELECT indicator, date, value FROM economic_indicators "
                         "WHERE indicator IN ('VIXCLS', 'DGS10') AND date >= ? ORDER BY date", (since,))

    rows, computed_at = [], c.iso(ctx.now)
    for s in symbols:
        dates, closes, volumes = [b[0] for b in bars[s]], [b[1] for b in bars[s]], [b[2] for b in bars[s]]
        if len(dates) < 21:
            c.note(f"{s}: only {len(dates)} daily bars, features need 21")
            continue
        first = c.parse_date(newest[s]) + timedelta(days=1) if s in newest else dates[0]
        for d in c.trading_days(max(first, dates[20] + timedelta(days=1)), ctx.trading_date):
            i = bisect_left(dates, d)          # bars before d
            w, v = closes[max(0, i - 50):i], volumes[i - 21:i]
            iso_d, open_at = d.isoformat(), c.session(d)[0]
            rets = [math.log(b / a) for a, b in zip(w[-21:-1], w[-20:])]
            sma20, sma50 = c.mean(w[-20:]), (c.mean(w) if len(w) >= 50 else None)
            f = asof(fund, s, iso_d, (d - timedelta(days=120)).isoformat())
            keys, scores = news.get(s, ((), ()))
            lo, hi = bisect_left(keys, c.iso(open_at - timedelta(hours=72))), bisect_left(keys, c.iso(open_at))
            week_ago = (d - timedelta(days=7)).isoformat()
            rkeys, surprises = reports.get(s, ((), ()))
            j = bisect_left(rkeys, iso_d)
            past = [x for x in surprises[:j] if x is not None]
            rows.append((s, iso_d, w[-1], w[-1] / w[-2] - 1, w[-1] / w[-6] - 1, w[-1] / w[-21] - 1,
                         c.stdev(rets) * math.sqrt(252), sma20, sma50, w[-1] / sma20, w[-1] / sma50 if sma50 else None,
                         c.rsi(w), v[-1] / c.mean(v[:-1]) if c.mean(v[:-1]) else None,
                         w[-1] / f[0] if f and f[0] and f[0] > 0 else None, f[1] if f else None,
                         hi - lo, c.mean(scores[lo:hi]), asof(sent, s, iso_d, week_ago), asof(pcr, s, iso_d, week_ago),
                         asof(atm, s, iso_d, week_ago),
                         (c.parse_date(rkeys[j]) - d).days if j < len(rkeys) else None, past[-1] if past else None,
                         asof(macro, "VIXCLS", iso_d, week_ago, strict=True),
                         asof(macro, "DGS10", iso_d, week_ago, strict=True), computed_at))
    with c.transaction(conn):
        n = c.upsert(conn, "ml_features", COLUMNS, rows)
    c.report(n, ctx.cutoff, f"ML Features Aggregation: {n} feature rows"
                         + (f" from {min(r[1] for r in rows)} to {max(r[1] for r in rows)}" if rows else ""))


if __name__ == "__main__":
    c.run(main)
