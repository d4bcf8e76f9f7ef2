"""Shared code of the example collectors: arguments, clock, NYSE calendar, the synthetic
market, the CSV source, the market-data database and the output protocol.

Every collector imports this module (it sits beside them); nothing here runs on import.
Standard library only.
"""
import argparse
import math
import os
import sqlite3
import sys
import time as _time
import traceback
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

NY = ZoneInfo("America/New_York")
UTC = timezone.utc
DEFAULT_DB = os.path.join("data", "market.db")
# How long a collector waits for another process's lock on the market database when the
# orchestrator does not give the task's time limit (ORCHESTRATOR_MAX_RUNTIME_SECONDS): well
# under the shortest max_runtime_seconds of the shipped pipeline (45 s, Price Data).
DEFAULT_DB_WAIT = 10.0
MINUTE = timedelta(minutes=1)

# The default universe ("sp500"): symbol, name, sector, industry, and the parameters of the
# synthetic market: price at the first session of 2024, annual volatility, shares outstanding
# (billions), trailing EPS at the start of 2024, dividend yield, beta.
UNIVERSE = [
    ("AAPL", "Apple Inc.", "Technology", "Consumer Electronics", 185.0, 0.25, 15.4, 6.1, 0.005, 1.20),
    ("MSFT", "Microsoft Corp.", "Technology", "Software", 370.0, 0.24, 7.43, 10.3, 0.008, 0.90),
    ("NVDA", "NVIDIA Corp.", "Technology", "Semiconductors", 48.0, 0.50, 24.5, 1.2, 0.0003, 1.70),
    ("GOOGL", "Alphabet Inc.", "Communication Services", "Internet Services", 139.0, 0.28, 12.4, 5.8, 0.0, 1.05),
    ("META", "Meta Platforms Inc.", "Communication Services", "Interactive Media", 346.0, 0.35, 2.57, 14.9, 0.0, 1.25),
    ("AMZN", "Amazon.com Inc.", "Consumer Discretionary", "Internet Retail", 151.0, 0.30, 10.4, 2.9, 0.0, 1.15),
    ("TSLA", "Tesla Inc.", "Consumer Discretionary", "Automobiles", 248.0, 0.55, 3.18, 3.1, 0.0, 2.00),
    ("HD", "Home Depot Inc.", "Consumer Discretionary", "Home Improvement", 346.0, 0.22, 0.99, 15.1, 0.024, 1.00),
    ("JPM", "JPMorgan Chase & Co.", "Financials", "Banks", 170.0, 0.20, 2.88, 16.2, 0.024, 1.10),
    ("V", "Visa Inc.", "Financials", "Payment Services", 260.0, 0.18, 2.00, 8.3, 0.008, 0.95),
    ("JNJ", "Johnson & Johnson", "Health Care", "Pharmaceuticals", 157.0, 0.15, 2.41, 6.7, 0.030, 0.55),
    ("UNH", "UnitedHealth Group Inc.", "Health Care", "Managed Care", 526.0, 0.22, 0.92, 23.9, 0.014, 0.60),
    ("XOM", "Exxon Mobil Corp.", "Energy", "Oil & Gas Integrated", 100.0, 0.24, 3.96, 9.5, 0.036, 0.90),
    ("CVX", "Chevron Corp.", "Energy", "Oil & Gas Integrated", 149.0, 0.24, 1.87, 11.4, 0.040, 1.00),
    ("PG", "Procter & Gamble Co.", "Consumer Staples", "Household Products", 146.0, 0.15, 2.36, 6.0, 0.025, 0.45),
    ("KO", "Coca-Cola Co.", "Consumer Staples", "Beverages", 59.0, 0.14, 4.32, 2.5, 0.031, 0.60),
    ("CAT", "Caterpillar Inc.", "Industrials", "Heavy Machinery", 295.0, 0.28, 0.50, 20.1, 0.017, 1.10),
    ("BA", "Boeing Co.", "Industrials", "Aerospace & Defense", 260.0, 0.35, 0.61, -3.7, 0.0, 1.40),
    ("NEE", "NextEra Energy Inc.", "Utilities", "Renewable Utilities", 61.0, 0.22, 2.05, 3.6, 0.031, 0.50),
    ("LIN", "Linde plc", "Materials", "Specialty Chemicals", 410.0, 0.18, 0.48, 12.6, 0.012, 0.85),
]
PARAMS = {u[0]: dict(zip(("symbol", "name", "sector", "industry", "base_price", "vol", "shares_bn",
                          "eps", "div_yield", "beta"), u)) for u in UNIVERSE}


class CollectorError(Exception):
    """An expected failure: printed as one line on stderr, exit status 1."""


# --- time ---------------------------------------------------------------------------------

def iso(dt):
    """An aware datetime as ISO 8601 UTC with Z, to the second."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_instant(text, what="time"):
    """ISO 8601 with Z or an offset; without one, New York local time."""
    try:
        dt = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise CollectorError(f"bad {what} {text!r}: expected ISO 8601, e.g. 2026-11-27T14:31:00Z")
    return (dt if dt.tzinfo else dt.replace(tzinfo=NY)).astimezone(UTC)


def parse_date(text, what="date"):
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        raise CollectorError(f"bad {what} {text!r}: expected YYYY-MM-DD")


def at_ny(d, hh, mm=0):
    """The instant d hh:mm New York time, in UTC."""
    return datetime.combine(d, time(hh, mm), NY).astimezone(UTC)


# --- small statistics shared by the feature scripts ----------------------------------------

def mean(xs):
    return sum(xs) / len(xs) if xs else None


def stdev(xs):
    if len(xs) < 2:
        return None
    m = sum(xs) / len(xs)
    return math.sqrt(sum((x - m) ** 2 for x in xs) / (len(xs) - 1))


def rsi(closes, period=14):
    """RSI of the last period changes (simple averages); None without enough data."""
    if len(closes) < period + 1:
        return None
    changes = [b - a for a, b in zip(closes[-period - 1:-1], closes[-period:])]
    gain = sum(x for x in changes if x > 0)
    loss = -sum(x for x in changes if x < 0)
    return 50.0 if gain == loss == 0 else 100.0 if loss == 0 else 100.0 - 100.0 / (1 + gain / loss)


def clamp(x, lo=-1.0, hi=1.0):
    return max(lo, min(hi, x))


def weighted(parts):
    """Weighted mean of (weight, value) over the values that are not None; (score, weight used)."""
    have = [(w, x) for w, x in parts if x is not None]
    used = sum(w for w, _ in have)
    return (sum(w * x for w, x in have) / used if used else 0.0), used / sum(w for w, _ in parts)


# --- arguments and context -----------------------------------------------------------------

class Context:
    def __init__(self, args):
        self.args = args
        self.script = os.path.basename(sys.argv[0])
        self.incremental = args.incremental
        self.db_path = args.db or os.environ.get("MARKET_DB") or DEFAULT_DB
        csv_dir = args.csv_dir if args.csv_dir is not None else os.environ.get("MARKET_DATA_CSV_DIR", "")
        self.csv_dir = csv_dir or None
        if self.csv_dir and not os.path.isdir(self.csv_dir):
            raise CollectorError(f"CSV folder {self.csv_dir!r} (--csv-dir / MARKET_DATA_CSV_DIR) does not exist")
        self.source = "csv" if self.csv_dir else "synthetic"
        now = args.now or os.environ.get("ORCHESTRATOR_SCHEDULED_AT")
        self.now = parse_instant(now, "--now / ORCHESTRATOR_SCHEDULED_AT") if now \
            else datetime.now(UTC).replace(microsecond=0)
        day = args.date or os.environ.get("ORCHESTRATOR_TRADING_DATE")
        self.trading_date = parse_date(day, "--date / ORCHESTRATOR_TRADING_DATE") if day \
            else self.now.astimezone(NY).date()
        # The instant the collected data is known up to: now, or for a past trading date (a
        # backfill) that date's regular close, so a past date gets only what was known on it.
        self.cutoff = self.now if self.now.astimezone(NY).date() <= self.trading_date \
            else min(self.now, day_close(self.trading_date))
        self.db_wait = db_wait(os.environ.get("ORCHESTRATOR_MAX_RUNTIME_SECONDS"))
        self.rejects = Rejects()
        self.symbols = None
        if args.symbols:
            self.symbols = sorted({s.strip().upper() for s in args.symbols.split(",") if s.strip()})
            if not self.symbols:
                raise CollectorError("--symbols is empty")

    def _restrict(self, rows, where):
        if self.symbols is None:
            return rows
        known = {r["symbol"] for r in rows}
        unknown = [s for s in self.symbols if s not in known]
        if unknown:
            raise CollectorError(f"unknown symbol(s) {', '.join(unknown)}: not in {where}")
        return [r for r in rows if r["symbol"] in self.symbols]

    def universe(self):
        """The universe to collect: the built-in list, or assets.csv in CSV mode."""
        if self.csv_dir:
            unique = Unique("asset")

            def asset(r):
                unique.check((r.text("symbol"),), r)
                return {"symbol": r.text("symbol"), "name": r.text("name"), "sector": r.text("sector"),
                        "industry": r.text("industry", ""), "exchange": r.text("exchange", ""),
                        "shares_outstanding": r.num("shares_outstanding", None)}
            rows = list(read_csv(self, "assets.csv", ["symbol", "name", "sector"], asset))
            return self._restrict(sorted(rows, key=lambda x: x["symbol"]), "assets.csv")
        rows = [{"symbol": p["symbol"], "name": p["name"], "sector": p["sector"], "industry": p["industry"],
                 "exchange": "NYSE" if p["symbol"] in ("JPM", "V", "JNJ", "UNH", "XOM", "CVX", "PG", "KO",
                                                       "HD", "CAT", "BA", "NEE") else "NASDAQ",
                 "shares_outstanding": p["shares_bn"] * 1e9} for p in PARAMS.values()]
        return self._restrict(sorted(rows, key=lambda x: x["symbol"]), "the built-in universe")

    def assets(self, conn, required=True):
        """The collected assets (table assets), restricted by --symbols. Without the table:
        an error if required, else the universe."""
        if not table_has_rows(conn, "assets"):
            if required:
                raise CollectorError("table assets is missing or empty: run Asset Collection first")
            return self.universe()
        rows = [dict(r) for r in conn.execute("SELECT * FROM assets ORDER BY symbol")]
        return self._restrict(rows, "table assets (run Asset Collection with these symbols)")


def db_wait(limit):
    """Seconds to wait for a lock on the market database: a quarter of the task's time limit
    (between 1 and 60 s), so that a locked database is reported before the task is killed;
    DEFAULT_DB_WAIT without a limit."""
    try:
        seconds = float(limit)
    except (TypeError, ValueError):
        return DEFAULT_DB_WAIT
    return min(60.0, max(1.0, seconds / 4)) if seconds > 0 else DEFAULT_DB_WAIT


def parse_args(description, add_arguments=None):
    """The common arguments (plus the script's own), resolved into a Context."""
    p = argparse.ArgumentParser(description=description.strip(), formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--db", help=f"market-data database (default $MARKET_DB, else {DEFAULT_DB})")
    p.add_argument("--csv-dir", metavar="DIR", help="read exported CSV files from DIR instead of the synthetic "
                   "market (default $MARKET_DATA_CSV_DIR)")
    p.add_argument("--universe", choices=["sp500"], default="sp500", help="the symbol universe (only sp500)")
    p.add_argument("--symbols", metavar="A,B", help="restrict to these symbols")
    p.add_argument("--incremental", action="store_true", help="process only data newer than what is stored")
    p.add_argument("--date", metavar="YYYY-MM-DD", help="trading date (default $ORCHESTRATOR_TRADING_DATE, "
                   "else today in New York)")
    p.add_argument("--now", metavar="TIME", help="ISO 8601 instant used as now (default "
                   "$ORCHESTRATOR_SCHEDULED_AT, else the clock)")
    if add_arguments:
        add_arguments(p)
    global _ctx
    _ctx = Context(p.parse_args())
    return _ctx


def window_start(conn, ctx, dataset, key, lookback_days):
    """First date to collect for (dataset, key): trading date - lookback; with --incremental,
    the last date collected before (again: it may have been partial) if that is later."""
    start = ctx.trading_date - timedelta(days=lookback_days)
    if ctx.incremental:
        row = conn.execute("SELECT last_date FROM collection_state WHERE dataset=? AND key=?",
                           (dataset, key)).fetchone()
        if row:
            start = max(start, date.fromisoformat(row[0]))
    return start


def collect_windows(ctx, start, csv_name, required, date_column, from_csv, synthetic):
    """The rows of each symbol's window [start[symbol], trading date]. With a CSV folder:
    from_csv(row) of each row of csv_name (columns required) whose symbol is in start and whose
    date_column falls in its window; else synthetic(symbol, day) (a list) for every trading day."""
    rows = []
    if ctx.csv_dir:
        first = min(start.values(), default=ctx.trading_date).isoformat()
        rows += read_csv(ctx, csv_name, required, lambda r: from_csv(r)
                         if start[r["symbol"]] <= r.day(date_column) <= ctx.trading_date else None,
                         symbols=set(start), dates=(date_column, first, ctx.trading_date.isoformat()))
    else:
        for s, first in start.items():
            for day in trading_days(first, ctx.trading_date):
                rows += synthetic(s, day)
    return rows


def mark_collected(conn, ctx, dataset, keys):
    """Record that (dataset, key) is collected up to the trading date (inside a transaction)."""
    conn.executemany(
        "INSERT INTO collection_state (dataset, key, last_date, updated_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(dataset, key) DO UPDATE SET last_date=max(last_date, excluded.last_date), "
        "updated_at=excluded.updated_at",
        [(dataset, k, ctx.trading_date.isoformat(), iso(ctx.now)) for k in keys])


# --- the market-data database --------------------------------------------------------------

SCHEMA = {
    "collection_state": "dataset TEXT, key TEXT, last_date TEXT, updated_at TEXT, PRIMARY KEY (dataset, key)",
    "csv_progress": "file TEXT, scope TEXT, inode INTEGER, size INTEGER, offset INTEGER, line INTEGER, tail TEXT, "
                    "updated_at TEXT, PRIMARY KEY (file, scope)",
    "assets": "symbol TEXT PRIMARY KEY, name TEXT, sector TEXT, industry TEXT, exchange TEXT, "
              "shares_outstanding REAL, source TEXT, updated_at TEXT",
    "daily_bars": "symbol TEXT, date TEXT, open REAL, high REAL, low REAL, close REAL, volume INTEGER, "
                  "source TEXT, PRIMARY KEY (symbol, date)",
    "price_bars_1min": "symbol TEXT, ts TEXT, date TEXT, open REAL, high REAL, low REAL, close REAL, "
                       "volume INTEGER, source TEXT, PRIMARY KEY (symbol, ts)",
    "fundamentals": "symbol TEXT, date TEXT, close REAL, market_cap REAL, shares_outstanding REAL, "
                    "revenue_ttm REAL, net_income_ttm REAL, eps_ttm REAL, pe_ratio REAL, pb_ratio REAL, "
                    "debt_to_equity REAL, roe REAL, dividend_yield REAL, beta REAL, source TEXT, "
                    "PRIMARY KEY (symbol, date)",
    "insider_trades": "symbol TEXT, filing_date TEXT, insider_name TEXT, title TEXT, transaction_type TEXT, "
                      "shares INTEGER, price REAL, value REAL, source TEXT, "
                      "PRIMARY KEY (symbol, filing_date, insider_name, transaction_type, shares, price)",
    "analyst_ratings": "symbol TEXT, date TEXT, firm TEXT, action TEXT, rating TEXT, rating_score INTEGER, "
                       "price_target REAL, source TEXT, PRIMARY KEY (symbol, date, firm)",
    "economic_indicators": "indicator TEXT, date TEXT, value REAL, source TEXT, PRIMARY KEY (indicator, date)",
    "news_events": "id TEXT PRIMARY KEY, symbol TEXT, published_at TEXT, publisher TEXT, headline TEXT, "
                   "sentiment_score REAL, source TEXT",
    "sentiment": "symbol TEXT, date TEXT, mentions INTEGER, bullish INTEGER, bearish INTEGER, "
                 "social_score REAL, analyst_score REAL, analyst_count INTEGER, insider_score REAL, "
                 "insider_trades INTEGER, composite_score REAL, source TEXT, PRIMARY KEY (symbol, date)",
    "options_chain": "symbol TEXT, date TEXT, expiry TEXT, strike REAL, option_type TEXT, "
                     "underlying_price REAL, bid REAL, ask REAL, mid REAL, implied_vol REAL, volume INTEGER, "
                     "open_interest INTEGER, delta REAL, gamma REAL, theta REAL, vega REAL, rho REAL, "
                     "source TEXT, PRIMARY KEY (symbol, date, expiry, strike, option_type)",
    "earnings": "symbol TEXT, fiscal_period TEXT, report_date TEXT, timing TEXT, eps_estimate REAL, "
                "eps_actual REAL, surprise_pct REAL, source TEXT, PRIMARY KEY (symbol, fiscal_period)",
    "ml_features": "symbol TEXT, date TEXT, close_prev REAL, return_1d REAL, return_5d REAL, return_20d REAL, "
                   "volatility_20d REAL, sma_20 REAL, sma_50 REAL, price_to_sma20 REAL, price_to_sma50 REAL, "
                   "rsi_14 REAL, volume_ratio_20d REAL, pe_ratio REAL, dividend_yield REAL, news_count_3d INTEGER, "
                   "news_sentiment_3d REAL, sentiment_composite REAL, put_call_oi_ratio REAL, atm_iv REAL, "
                   "days_to_earnings INTEGER, last_eps_surprise REAL, vix REAL, treasury_10y REAL, "
                   "computed_at TEXT, PRIMARY KEY (symbol, date)",
    "trading_signals": "symbol TEXT, date TEXT, score REAL, signal TEXT, confidence REAL, momentum REAL, "
                       "mean_reversion REAL, trend REAL, sentiment REAL, valuation REAL, options REAL, "
                       "computed_at TEXT, PRIMARY KEY (symbol, date)",
    "intraday_features": "symbol TEXT, ts TEXT, date TEXT, close REAL, vwap REAL, return_5m REAL, "
                         "return_15m REAL, return_open REAL, volatility_30m REAL, rsi_14 REAL, sma_20 REAL, "
                         "volume_ratio REAL, computed_at TEXT, PRIMARY KEY (symbol, ts)",
    "intraday_signals": "symbol TEXT, ts TEXT, date TEXT, score REAL, signal TEXT, momentum REAL, vwap_reversion REAL, "
                        "rsi REAL, daily_score REAL, computed_at TEXT, PRIMARY KEY (symbol, ts)",
}
INDEXES = {"price_bars_1min": "CREATE INDEX IF NOT EXISTS price_bars_1min_date ON price_bars_1min (date, symbol)",
           "news_events": "CREATE INDEX IF NOT EXISTS news_events_symbol ON news_events (symbol, published_at)",
           "intraday_features": "CREATE INDEX IF NOT EXISTS intraday_features_date ON intraday_features (date, symbol)"}


def connect(ctx, *tables, needs=()):
    """Open (and create) the market database in WAL mode, check the upstream tables in needs
    ((table, task) must have rows, (table, task, False) must exist), then create the given tables."""
    folder = os.path.dirname(os.path.abspath(ctx.db_path))
    os.makedirs(folder, exist_ok=True)
    conn = sqlite3.connect(ctx.db_path, timeout=ctx.db_wait, isolation_level=None)
    conn.row_factory = sqlite3.Row
    deadline = _time.monotonic() + ctx.db_wait
    while True:  # the first switch to WAL needs a moment alone with the file
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            break
        except sqlite3.OperationalError:
            if _time.monotonic() >= deadline:
                raise
            _time.sleep(0.05)
    conn.execute("PRAGMA synchronous=NORMAL")
    for need in needs:
        require(conn, *need)
    with transaction(conn):
        for t in ("collection_state", "csv_progress") + tables:
            conn.execute(f"CREATE TABLE IF NOT EXISTS {t} ({SCHEMA[t]})")
            if t in INDEXES:
                conn.execute(INDEXES[t])
    return conn


@contextmanager
def transaction(conn):
    """BEGIN IMMEDIATE ... COMMIT: writers queue up (busy timeout) instead of failing."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def upsert(conn, table, columns, rows):
    """INSERT OR REPLACE rows (tuples in the order of columns); returns how many."""
    rows = list(rows)
    if rows:
        conn.executemany(f"INSERT OR REPLACE INTO {table} ({', '.join(columns)}) "
                         f"VALUES ({', '.join('?' * len(columns))})", rows)
    return len(rows)


def table_exists(conn, table):
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (table,)).fetchone() is not None


def table_has_rows(conn, table):
    return table_exists(conn, table) and conn.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone() is not None


def require(conn, table, task, rows=True):
    """Fail unless an upstream table exists (and has rows, unless rows=False)."""
    if not (table_has_rows(conn, table) if rows else table_exists(conn, table)):
        raise CollectorError(f"table {table} is missing{' or empty' if rows else ''}: run {task} first")


def closes_by_symbol(conn, symbols, not_after):
    """{symbol: [(date, close, volume)]} from daily_bars, oldest first, dates <= not_after."""
    out = {s: [] for s in symbols}
    for r in conn.execute("SELECT symbol, date, close, volume FROM daily_bars WHERE date <= ? ORDER BY symbol, date",
                          (not_after.isoformat(),)):
        if r[0] in out:
            out[r[0]].append((date.fromisoformat(r[1]), r[2], r[3]))
    return out


def newest_by_symbol(conn, table, column, where="", params=()):
    """{symbol: max(column)} of a table."""
    return dict(conn.execute(f"SELECT symbol, MAX({column}) FROM {table} {where} GROUP BY symbol", params).fetchall())


# --- output protocol -----------------------------------------------------------------------

_ctx = None  # the Context of this run, for run()'s messages


def bar_data_as_of(conn, ctx, table, symbols):
    """(instant, lagging) of a table of 1-minute bars (ts = start, primary key (symbol, ts)) up to
    the trading date: the dataset is complete only up to the oldest of the symbols' newest bar
    ends, on or before the trading date. A symbol with no bar at all counts from the previous
    session's close (the trading date has nothing before its open; in market time that close
    is the open). lagging: [(symbol, its bar end, minutes behind the newest)], oldest first."""
    before = iso(at_ny(ctx.trading_date + timedelta(days=1), 0))
    floor = day_close(prev_trading_day(ctx.trading_date))
    ends = {}
    for s in symbols:  # one index lookup per symbol
        newest = conn.execute(f"SELECT MAX(ts) FROM {table} WHERE symbol = ? AND ts < ?", (s, before)).fetchone()[0]
        ends[s] = parse_instant(newest) + MINUTE if newest else floor
    if not ends:
        return floor, []
    top = max(ends.values())
    lagging = sorted((t, s) for s, t in ends.items() if t < top)
    return min(ends.values()), [(s, t, int((top - t).total_seconds() // 60)) for t, s in lagging]


def note_lagging(what, lagging, symbols):
    """Name the symbols whose data ends before the others' (they hold DATA_AS_OF back)."""
    if lagging:
        shown = ", ".join(f"{s} (up to {t.astimezone(NY):%Y-%m-%d %H:%M} New York, {m} min behind)"
                          for s, t, m in lagging[:10])
        more = f" and {len(lagging) - 10} more" if len(lagging) > 10 else ""
        note(f"{what}: {len(lagging)} of {len(symbols)} symbols lag behind the newest: {shown}{more}; "
             f"DATA_AS_OF is the oldest, {iso(lagging[0][1])}")


def note(message):
    print(f"{os.path.basename(sys.argv[0])}: {message}", file=sys.stderr)


def report(records, as_of, summary):
    """The summary, then RECORDS_PROCESSED and DATA_AS_OF (the instant the data is complete up to)."""
    print(summary)
    print(f"RECORDS_PROCESSED={records}")
    if as_of is not None:
        print(f"DATA_AS_OF={iso(as_of)}")
    else:
        note("no data instant can be given (nothing collected and no input to derive it from): "
             "DATA_AS_OF not reported")
    sys.stdout.flush()


def run(main):
    """Run main(); expected errors become one line on stderr and exit status 1."""
    name = os.path.basename(sys.argv[0])
    try:
        main()
    except CollectorError as e:
        print(f"{name}: error: {e}", file=sys.stderr)
        sys.exit(1)
    except sqlite3.OperationalError as e:
        if "locked" in str(e) or "busy" in str(e):
            path = _ctx.db_path if _ctx else DEFAULT_DB
            wait = _ctx.db_wait if _ctx else DEFAULT_DB_WAIT
            print(f"{name}: error: market database {path} is locked by another process (waited {wait:g} s): "
                  "retry when it is done; `fuser` on the file names the process", file=sys.stderr)
        else:
            print(f"{name}: error: market database: {e}", file=sys.stderr)
        sys.exit(1)
    except sqlite3.Error as e:
        print(f"{name}: error: market database: {e}", file=sys.stderr)
        sys.exit(1)
    except OSError as e:
        print(f"{name}: error: {e}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as e:  # a bug: keep the traceback, but end with the one-line message
        traceback.print_exc()
        print(f"{name}: error: unexpected {type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(1)


# The calendar and the synthetic market live in market.py, the CSV source in csv_source.py;
# both import this module, which is complete by now, and their names are re-exported here.
from market import (EPOCH, _nth_weekday, daily_bar, day_close, holidays, is_trading_day,  # noqa: E402,F401
                    last_closed_session, minute_bars, next_trading_day, prev_trading_day, rng, seed,
                    session, synthetic_close, trading_days, walk, znorm)
from csv_source import CsvReader, Rejects, Row, Unique, convert_rows, read_csv, scope_key  # noqa: E402,F401
