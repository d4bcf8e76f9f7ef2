"""The CSV source: exported files read one row at a time, checked row by row.

Owns: streaming a file (never held in memory), dropping rows outside the universe or the
dates wanted before they are parsed, `file:line` messages, the rows put aside as unusable
(quarantined: a bad number, date or value, a duplicate key), and, for append-only files,
remembering how far a file was read so that the next run reads only what was appended.

Imported by common.py, which re-exports its names; collectors use them as c.read_csv etc.
"""
import csv
import hashlib
import math
import os

import common as c

MAX_REJECT_LINES = 20   # rejected rows named one by one on stderr; the rest are counted
TAIL_BYTES = 64         # bytes before a resume offset that must be unchanged to resume there


class Row(dict):
    """One CSV row (lower-case column names) that knows where it came from for error messages."""
    where = ""
    offset = 0            # byte offset of the row's first line in its file

    def text(self, col, default=None):
        v = self.get(col) or ""
        if not v:
            if default is None:
                raise c.CollectorError(f"{self.where}: column {col!r} is empty")
            return default
        return v

    def num(self, col, default=...):
        """A finite number (`,` thousands separators, `$` and `%` allowed); nan and inf are refused."""
        v = self.get(col) or ""
        if not v:
            if default is ...:
                raise c.CollectorError(f"{self.where}: column {col!r} is empty")
            return default
        try:
            x = float(v.replace(",", "").replace("$", "").rstrip("%"))
        except ValueError:
            raise c.CollectorError(f"{self.where}: column {col!r}: expected a number, got {v!r}")
        if not math.isfinite(x):
            raise c.CollectorError(f"{self.where}: column {col!r}: expected a finite number, got {v!r}")
        return x

    def count(self, col):
        """A whole number >= 0 (a volume, shares, open interest)."""
        x = self.num(col)
        if x < 0 or x != int(x):
            raise c.CollectorError(f"{self.where}: column {col!r}: expected a whole number >= 0, got {self[col]!r}")
        return int(x)

    def day(self, col):
        try:
            return c.date.fromisoformat(self.text(col)[:10])
        except ValueError:
            raise c.CollectorError(f"{self.where}: column {col!r}: expected YYYY-MM-DD, got {self.get(col)!r}")

    def instant(self, col):
        return c.parse_instant(self.text(col), f"{self.where}: column {col!r}")

    def ohlcv(self):
        """(open, high, low, close, volume) of a price bar: prices finite and > 0, low <= open,
        close <= high, volume a whole number >= 0."""
        o, h, l, cl = (self.num(k) for k in ("open", "high", "low", "close"))
        for k, x in (("open", o), ("high", h), ("low", l), ("close", cl)):
            if x <= 0:
                raise c.CollectorError(f"{self.where}: column {k!r}: a price must be > 0, got {self[k]!r}")
        if h < max(o, cl, l) or l > min(o, cl):
            raise c.CollectorError(f"{self.where}: impossible bar: high {h:g}, low {l:g}, open {o:g}, close {cl:g} "
                                   "(need low <= open, close <= high)")
        return o, h, l, cl, self.count("volume")


class Unique:
    """Refuses a second row with the same key: the first one read is kept."""

    def __init__(self, what):
        self.what, self.seen = what, {}

    def check(self, key, row):
        first = self.seen.setdefault(key, row.where.rsplit(":", 1)[-1])
        if first != row.where.rsplit(":", 1)[-1]:
            raise c.CollectorError(f"{row.where}: duplicate {self.what} {', '.join(map(str, key))} "
                                   f"(line {first} is kept)")


class Rejects:
    """Rows put aside: the first MAX_REJECT_LINES are named on stderr, all are counted."""

    def __init__(self):
        self.count = 0

    def add(self, message):
        self.count += 1
        if self.count <= MAX_REJECT_LINES:
            c.note(f"rejected {message}")

    def summary(self):
        """' (N rows rejected)' for a summary line, or ''."""
        if self.count > MAX_REJECT_LINES:
            c.note(f"... and {self.count - MAX_REJECT_LINES} more rejected rows")
        return f" ({self.count} CSV rows rejected, see the messages above)" if self.count else ""


class CsvReader:
    """The rows of DIR/name. A missing file or column is an error (no synthetic fallback); so is
    a line that is not UTF-8 (named by file and line).

    symbols: rows whose `symbol` is not in this set are dropped before they are parsed.
    dates: (column, first, last) as YYYY-MM-DD: rows whose column's first 10 characters fall
    outside are dropped before they are parsed (give a day of margin for timestamps).
    resume: (conn, scope): read only what was appended since the last run with the same scope,
    as recorded in csv_progress; call save() in the transaction that stores the rows.
    """

    def __init__(self, ctx, name, required, symbols=None, dates=None, resume=None):
        self.path = os.path.join(ctx.csv_dir, name)
        self.name, self.required, self.symbols, self.dates = name, required, symbols, dates
        self.resume = resume
        self.start = self.offset = 0     # where this read began; bytes consumed so far
        self.line = 0                    # physical lines consumed so far
        self.resume_at = None            # (offset, line) of the first row to read again next time
        self.read_lines = 0
        self.resumed = False             # this read began where the last one stopped
        if not os.path.isfile(self.path):
            raise c.CollectorError(f"{self.path} not found: with a CSV folder set every dataset is read from it "
                                   f"(needs columns {','.join(required)}; see collectors/README.md)")

    # --- reading -------------------------------------------------------------------------

    def _decoded(self, f):
        """The file's lines as text, counting lines and bytes; a line that is not UTF-8 is fatal."""
        for raw in f:
            self.line += 1
            self.offset += len(raw)
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                raise c.CollectorError(f"{self.path}:{self.line}: not UTF-8 (byte 0x{raw[e.start]:02x} at column "
                                       f"{e.start + 1}): save the file as UTF-8")
            if self.line == 1 and text.startswith("\ufeff"):
                text = text[1:]
            if not raw.endswith(b"\n") and self.resume:
                self.defer_at(self.offset - len(raw), self.line - 1)  # a line still being appended
            yield text

    def __iter__(self):
        st = os.stat(self.path)
        self.size, self.inode = st.st_size, st.st_ino
        with open(self.path, "rb") as f:
            header = self._header(f)
            if self.resume:
                self._seek_resume(f, st)
            self.start = self.offset
            lines = self._decoded(f)
            reader = csv.reader(lines)
            sym = header.index("symbol") if self.symbols is not None and "symbol" in header else None
            col = header.index(self.dates[0]) if self.dates else None
            while True:
                offset, line = self.offset, self.line
                try:
                    values = next(reader)
                except StopIteration:
                    break
                except csv.Error as e:
                    raise c.CollectorError(f"{self.path}:{self.line}: {e}")
                self.read_lines += 1
                if sym is not None and (len(values) <= sym or values[sym].strip().upper() not in self.symbols):
                    continue
                if col is not None and (len(values) <= col or
                                        not self.dates[1] <= values[col].strip()[:10] <= self.dates[2]):
                    continue
                if not any(v.strip() for v in values):
                    continue
                row = Row(zip(header, (v.strip() for v in values)))
                row.where, row.offset, row.first_line = f"{self.path}:{line + 1}", offset, line
                if "symbol" in row:
                    row["symbol"] = row["symbol"].upper()
                yield row

    def _header(self, f):
        first = next(self._decoded(f), "")
        header = [h.strip().lower() for h in next(csv.reader([first]), [])]
        missing = [col for col in self.required if col not in header]
        if missing:
            raise c.CollectorError(f"{self.path}: missing column(s) {', '.join(missing)} "
                                   f"(has: {', '.join(header) or 'nothing'})")
        return header

    # --- resuming an append-only file -----------------------------------------------------

    def defer(self, row):
        """This row may be wanted later (a bar not complete yet, a later date): the next run
        reads again from it."""
        self.defer_at(row.offset, row.first_line)

    def defer_at(self, offset, line):
        if self.resume_at is None or offset < self.resume_at[0]:
            self.resume_at = (offset, line)

    def _seek_resume(self, f, st):
        conn, scope = self.resume
        saved = conn.execute("SELECT inode, size, offset, line, tail FROM csv_progress WHERE file = ? AND scope = ?",
                             (os.path.abspath(self.path), scope)).fetchone()
        if saved is None or saved[2] <= self.offset:
            return
        inode, _, offset, line, tail = saved
        why = "it was replaced" if inode != st.st_ino else "it shrank" if st.st_size < offset else None
        if why is None:
            f.seek(max(0, offset - TAIL_BYTES))
            if _digest(f.read(offset - max(0, offset - TAIL_BYTES))) != tail:
                why = "it was rewritten"
        if why:
            c.note(f"{self.path}: {why} since the last run: reading it from the start")
            f.seek(self.offset)
            return
        f.seek(offset)
        self.offset, self.line, self.resumed = offset, line, True

    def save(self):
        """Record where the next run resumes (inside the transaction that stored the rows)."""
        if not self.resume:
            return
        conn, scope = self.resume
        offset, line = self.resume_at or (self.offset, self.line)
        with open(self.path, "rb") as f:
            f.seek(max(0, offset - TAIL_BYTES))
            tail = _digest(f.read(offset - max(0, offset - TAIL_BYTES)))
        conn.execute("INSERT OR REPLACE INTO csv_progress (file, scope, inode, size, offset, line, tail, updated_at) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                     (os.path.abspath(self.path), scope, self.inode, self.size, offset, line, tail,
                      c.iso(c.datetime.now(c.UTC))))

    def summary(self):
        """What was read, for the summary line."""
        if self.resumed:
            return f"; read {self.read_lines} new lines of {self.name} from byte {self.start}"
        return f"; read {self.read_lines} lines of {self.name}"


def _digest(data):
    return hashlib.blake2b(data, digest_size=8).hexdigest()


def scope_key(*parts):
    """A short key for what a resumable read keeps (the date, the symbols)."""
    return hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=8).hexdigest()


def convert_rows(ctx, rows, convert):
    """Yield convert(row) for each row. A CollectorError raised by convert puts the row aside
    (ctx.rejects) and the run goes on; convert may return None to drop a row silently."""
    for row in rows:
        try:
            value = convert(row)
        except c.CollectorError as e:
            ctx.rejects.add(str(e))
            continue
        if value is not None:
            yield value


def read_csv(ctx, name, required, convert=None, **filters):
    """The rows of DIR/name (see CsvReader for filters), or with convert, convert_rows of them."""
    rows = CsvReader(ctx, name, required, **filters)
    return iter(rows) if convert is None else convert_rows(ctx, rows, convert)
