"""The NYSE calendar (holidays, early closes, sessions) and the deterministic synthetic market
(seeded random walks, daily bars, 1-minute bars that aggregate to them).

Imported by common.py, which re-exports its names; collectors use them as c.session etc.
"""
import hashlib
import math
import random
from datetime import date, timedelta

from common import PARAMS, at_ny

# --- NYSE calendar ------------------------------------------------------------------------

AD_HOC_CLOSURES = {date(2012, 10, 29): "Hurricane Sandy", date(2012, 10, 30): "Hurricane Sandy",
                   date(2018, 12, 5): "Day of mourning (G. H. W. Bush)",
                   date(2025, 1, 9): "Day of mourning (J. Carter)"}
_holiday_cache = {}


def _nth_weekday(year, month, weekday, n):
    if n > 0:
        d = date(year, month, 1)
        return d + timedelta(days=(weekday - d.weekday()) % 7 + 7 * (n - 1))
    d = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return d - timedelta(days=(d.weekday() - weekday) % 7)


def _easter(y):
    a, b, c = y % 19, y // 100, y % 100
    d, e = divmod(b, 4)
    g = (b - (b + 8) // 25 + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l) // 451
    return date(y, (h + l - 7 * m + 114) // 31, (h + l - 7 * m + 114) % 31 + 1)


def _observed(d):
    return d - timedelta(days=1) if d.weekday() == 5 else d + timedelta(days=1) if d.weekday() == 6 else d


def holidays(year):
    """NYSE full closures of a year: {date: name}."""
    if year not in _holiday_cache:
        h = {}
        jan1 = date(year, 1, 1)
        if jan1.weekday() != 5:  # a Saturday New Year's Day is not observed
            h[_observed(jan1)] = "New Year's Day"
        h[_nth_weekday(year, 1, 0, 3)] = "Martin Luther King Jr. Day"
        h[_nth_weekday(year, 2, 0, 3)] = "Washington's Birthday"
        h[_easter(year) - timedelta(days=2)] = "Good Friday"
        h[_nth_weekday(year, 5, 0, -1)] = "Memorial Day"
        if year >= 2022:
            h[_observed(date(year, 6, 19))] = "Juneteenth"
        h[_observed(date(year, 7, 4))] = "Independence Day"
        h[_nth_weekday(year, 9, 0, 1)] = "Labor Day"
        h[_nth_weekday(year, 11, 3, 4)] = "Thanksgiving Day"
        h[_observed(date(year, 12, 25))] = "Christmas Day"
        h.update({d: n for d, n in AD_HOC_CLOSURES.items() if d.year == year})
        _holiday_cache[year] = h
    return _holiday_cache[year]


def is_trading_day(d):
    return d.weekday() < 5 and d not in holidays(d.year)


def session(d):
    """(open, close) of the regular session on d as UTC datetimes, or None when closed."""
    if not is_trading_day(d):
        return None
    early = ((d.month, d.day) in ((7, 3), (12, 24)) and d.weekday() < 4) or \
        d == _nth_weekday(d.year, 11, 3, 4) + timedelta(days=1)
    return at_ny(d, 9, 30), at_ny(d, 13 if early else 16)


def day_close(d):
    """The regular close of d (13:00 on early closes); 16:00 New York on a day without a session."""
    s = session(d)
    return s[1] if s else at_ny(d, 16)


def next_trading_day(d):
    d += timedelta(days=1)
    while not is_trading_day(d):
        d += timedelta(days=1)
    return d


def prev_trading_day(d):
    d -= timedelta(days=1)
    while not is_trading_day(d):
        d -= timedelta(days=1)
    return d


def trading_days(start, end):
    """Trading days in [start, end]."""
    d = start if is_trading_day(start) else next_trading_day(start)
    out = []
    while d <= end:
        out.append(d)
        d = next_trading_day(d)
    return out


def last_closed_session(now, not_after):
    """The newest trading day <= not_after whose session has closed by now."""
    d = not_after if is_trading_day(not_after) else prev_trading_day(not_after)
    while session(d)[1] > now:
        d = prev_trading_day(d)
    return d


# --- seeding and the synthetic market ------------------------------------------------------

def seed(*parts):
    """A 64-bit seed from the parts, e.g. seed("AAPL", date) hashes "AAPL:2026-11-27"."""
    key = ":".join(str(p) for p in parts).encode()
    return int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "big")


def rng(*parts):
    return random.Random(seed(*parts))


def znorm(*parts):
    """One standard normal draw determined by the parts (Box-Muller on a hash)."""
    h = hashlib.blake2b(":".join(str(p) for p in parts).encode(), digest_size=16).digest()
    u1 = (int.from_bytes(h[:8], "big") + 1) / (2 ** 64 + 1)
    u2 = int.from_bytes(h[8:], "big") / 2 ** 64
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)


EPOCH = date(2024, 1, 2)  # the walks are 0 at the first session of 2024
_walks = {}


def walk(key, d):
    """(n, W) at the newest trading day <= d: n trading days since EPOCH (negative before it)
    and W the sum of their shocks znorm(key, day). A random walk in trading days, each step
    seeded by key and date, cached per process."""
    if not is_trading_day(d):
        d = prev_trading_day(d)
    levels, span = _walks.setdefault(key, ({EPOCH: (0, 0.0)}, [EPOCH, EPOCH]))
    if d > span[1]:
        cur = span[1]
        n, s = levels[cur]
        while cur < d:
            cur = next_trading_day(cur)
            n, s = n + 1, s + znorm(key, cur)
            levels[cur] = (n, s)
        span[1] = cur
    elif d < span[0]:
        cur = span[0]
        n, s = levels[cur]
        while cur > d:
            n, s = n - 1, s - znorm(key, cur)
            cur = prev_trading_day(cur)
            levels[cur] = (n, s)
        span[0] = cur
    return levels[d]


def synthetic_close(symbol, d):
    """Close of the newest session <= d: geometric random walk with 7% drift."""
    p = PARAMS[symbol]
    n, w = walk(symbol, d)
    return p["base_price"] * math.exp((0.07 - p["vol"] ** 2 / 2) / 252 * n + p["vol"] / math.sqrt(252) * w)


def daily_bar(symbol, d):
    """(open, high, low, close, volume) of trading day d; the 1-minute bars of d aggregate to it."""
    p = PARAMS[symbol]
    sd = p["vol"] / math.sqrt(252)
    c, prev = synthetic_close(symbol, d), synthetic_close(symbol, prev_trading_day(d))
    r = rng(symbol, d, "bar")
    o = prev * math.exp(r.gauss(0, 0.25 * sd))
    h = max(o, c) * math.exp(abs(r.gauss(0, 0.5 * sd)))
    l = min(o, c) * math.exp(-abs(r.gauss(0, 0.5 * sd)))
    v = p["shares_bn"] * 4e6 * math.exp(r.gauss(0, 0.3)) * (1 + 2 * abs(math.log(c / prev)) / sd)
    return round(o, 2), round(h, 2), round(l, 2), round(c, 2), int(v)


def minute_bars(symbol, d):
    """The 1-minute bars of the whole session of d: [(start_utc, o, h, l, c, v)]. A Brownian
    bridge from the day's open to its close, squeezed so that its extremes are the day's."""
    start, end = session(d)
    n = int((end - start).total_seconds() // 60)
    o, h, l, c, v = daily_bar(symbol, d)
    lo_, lc, lh, ll = math.log(o), math.log(c), math.log(h), math.log(l)
    r = rng(symbol, d, "minutes")
    sm = PARAMS[symbol]["vol"] / math.sqrt(252 * n)
    cum = [0.0]
    for _ in range(n):
        cum.append(cum[-1] + r.gauss(0, 1))
    path = [lo_ + (cum[i] - i / n * cum[n]) * sm + i / n * (lc - lo_) for i in range(n + 1)]
    raw = []
    for i in range(n):
        a, b = path[i], path[i + 1]
        raw.append((a, max(a, b) + abs(r.gauss(0, 0.3)) * sm + 1e-9, min(a, b) - abs(r.gauss(0, 0.3)) * sm - 1e-9, b))
    top, bottom = max(x[1] for x in raw), min(x[2] for x in raw)
    hi0, lo0 = max(lo_, lc), min(lo_, lc)

    def squeeze(x):  # monotone: keeps every bar's order, maps the extremes onto h and l
        if x > hi0:
            return hi0 + (x - hi0) * (lh - hi0) / (top - hi0)
        if x < lo0:
            return lo0 - (lo0 - x) * (lo0 - ll) / (lo0 - bottom)
        return x

    weights = [(1 + 1.5 * ((i - n / 2) / (n / 2)) ** 2) * math.exp(r.gauss(0, 0.4)) for i in range(n)]
    total = sum(weights)
    vols = [int(v * w / total) for w in weights]
    vols[-1] += v - sum(vols)
    return [(start + timedelta(minutes=i), *(round(math.exp(squeeze(x)), 2) for x in raw[i]), vols[i])
            for i in range(n)]
