"""Reading a column as timestamps: formats, two-digit years, numbers, and what is no timestamp.

Used by the event import (:mod:`journeylens.store.ingest`) and by the survey and outcome
imports (:mod:`journeylens.voice.imports`), so that a date means the same everywhere:

* the formats of a text column are chosen from a sample of its values, and day-first against
  month-first from every value (:func:`detect_timestamp_formats`);
* a format counts only the values it reads as a year from 1900 to 2200: ``01/02/26`` is read
  with ``%y`` (2026, pivoting as Python does), never as the year 26;
* numbers are read by magnitude as epoch seconds, epoch milliseconds or Excel serial dates,
  with a warning naming the reading;
* a word DuckDB reads as a date (``epoch``, ``infinity`` ...) and any year outside 1900-2200
  reject their row with a reason (:func:`timestamp_problem`); nothing else is stored instead.
"""

from __future__ import annotations

import datetime as dt

import duckdb

from journeylens._util.sql import ident, literal
from journeylens.store.readers import STAGING
from journeylens.store.rows import first_row

__all__ = [
    "EARLIEST",
    "EPOCH_MILLISECONDS",
    "EPOCH_SECONDS",
    "EXCEL_SERIAL",
    "ISO",
    "LATEST",
    "NOT_TIMESTAMPS",
    "detect_timestamp_formats",
    "format_name",
    "in_range",
    "is_number_type",
    "timestamp_detail",
    "timestamp_expr",
    "timestamp_problem",
]

_DATES: tuple[str, ...] = (
    "%Y/%m/%d",
    "%d/%m/%Y",
    "%m/%d/%Y",
    "%d-%m-%Y",
    "%m-%d-%Y",
    "%d.%m.%Y",
    "%Y.%m.%d",
)
# Two-digit years pivot as Python's %y does (00-68 -> 20xx, 69-99 -> 19xx); DuckDB's %Y would
# read them as years 26 or 99, which the year range below rules out.
_DATES += ("%d/%m/%y", "%m/%d/%y", "%d-%m-%y", "%m-%d-%y", "%d.%m.%y")
_TIMES = ("", " %H:%M", " %H:%M:%S", " %H:%M:%S.%g", " %H:%M:%S.%f", " %I:%M:%S %p", " %I:%M %p")
_DAYFIRST = {f"{d}{t}" for d in _DATES if d.startswith("%d") for t in _TIMES}
_MONTHFIRST = {f"{d}{t}" for d in _DATES if d.startswith("%m") for t in _TIMES}
_CANDIDATE_FORMATS = tuple(f"{d}{t}" for d in _DATES for t in _TIMES)
ISO = "ISO 8601"

#: The years a stored timestamp may have (from 1900 up to and including 2200).  A parse that
#: gives any other (year 0 or 10000, a negative year, a two-digit year read as 0026, DuckDB's
#: ``infinity``) rejects its row: every later command can then rely on ordinary dates.
EARLIEST = dt.datetime(1900, 1, 1)
LATEST = dt.datetime(2201, 1, 1)  # exclusive

#: Words DuckDB's casts read as timestamps (``epoch`` is 1970-01-01, ``infinity`` is no date;
#: ``now``, ``today`` and ``allballs`` are PostgreSQL's): none is the time of an event.
NOT_TIMESTAMPS = (
    "epoch", "infinity", "-infinity", "+infinity", "inf", "-inf", "+inf", "now", "today",
    "allballs",
)  # fmt: skip

#: The readings of a number as a timestamp (also accepted by ``--timestamp-format``).
EPOCH_SECONDS = "epoch seconds"
EPOCH_MILLISECONDS = "epoch milliseconds"
EXCEL_SERIAL = "Excel serial date"
_PLAUSIBLE = (dt.datetime(1990, 1, 1), dt.datetime(2100, 1, 1))
_UNIX = dt.datetime(1970, 1, 1)
_EXCEL_DAY0 = dt.datetime(1899, 12, 30)  # serial 1 is 1900-01-01 (+ Lotus's 29 February 1900)


def _since(t: dt.datetime, origin: dt.datetime, unit: float) -> float:
    """The number of ``unit`` seconds from ``origin`` to ``t``."""
    return (t - origin).total_seconds() / unit


#: Numbers are read by magnitude: each reading accepts only the numbers that fall from 1990 up
#: to 2100 with it, and these ranges do not overlap (Excel serials have 5 digits, epoch seconds
#: 9-10 and milliseconds 12-13), so a value's size tells its unit.  Reading -> (lowest number,
#: highest number (exclusive), SQL turning the number ``{x}`` into a TIMESTAMP).
_NUMBERS: dict[str, tuple[float, float, str]] = {
    EPOCH_SECONDS: (
        _since(_PLAUSIBLE[0], _UNIX, 1),
        _since(_PLAUSIBLE[1], _UNIX, 1),
        "make_timestamp(CAST(round({x} * 1e6) AS BIGINT))",
    ),
    EPOCH_MILLISECONDS: (
        _since(_PLAUSIBLE[0], _UNIX, 1e-3),
        _since(_PLAUSIBLE[1], _UNIX, 1e-3),
        "make_timestamp(CAST(round({x} * 1e3) AS BIGINT))",
    ),
    EXCEL_SERIAL: (
        _since(_PLAUSIBLE[0], _EXCEL_DAY0, 86400),
        _since(_PLAUSIBLE[1], _EXCEL_DAY0, 86400),
        "TIMESTAMP '1899-12-30' + to_microseconds(CAST(round({x} * 86400e6) AS BIGINT))",
    ),
}
_NUMBER_MEANS = {
    EPOCH_SECONDS: "seconds since 1970-01-01 UTC (Unix epoch seconds)",
    EPOCH_MILLISECONDS: "milliseconds since 1970-01-01 UTC (Unix epoch milliseconds)",
    EXCEL_SERIAL: "Excel serial dates (days since 1899-12-30, in local time)",
}
_INTEGERS = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT")
_NUMERIC_TYPES = (*_INTEGERS, *(f"U{t}" for t in _INTEGERS), "FLOAT", "DOUBLE")


def is_number_type(col_type: str) -> bool:
    """Whether a DuckDB column type holds numbers (read as timestamps by magnitude).

    Examples
    --------
    >>> is_number_type("BIGINT"), is_number_type("DECIMAL(18,3)"), is_number_type("VARCHAR")
    (True, True, False)
    """
    return col_type in _NUMERIC_TYPES or col_type.startswith("DECIMAL")


def _number(kind: str, x: str) -> str:
    """SQL: the TIMESTAMP that number ``x`` means as ``kind``, NULL outside 1990-2100."""
    lo, hi, sql = _NUMBERS[kind]
    return f"CASE WHEN {x} >= {lo!r} AND {x} < {hi!r} THEN {sql.replace('{x}', f'({x})')} END"


def format_name(text: str) -> str:
    """A format as the user wrote it -> its canonical spelling.

    Examples
    --------
    >>> format_name("iso"), format_name("Epoch Milliseconds"), format_name("%d/%m/%y")
    ('ISO 8601', 'epoch milliseconds', '%d/%m/%y')
    """
    names = {n.lower(): n for n in (ISO, *_NUMBERS)} | {"iso": ISO}
    return names.get(text.strip().lower(), text)


def detect_timestamp_formats(
    con: duckdb.DuckDBPyConnection, column: str, *, dayfirst: bool | None
) -> tuple[list[str], list[str]]:
    """Choose the formats that parse a text timestamp column, from a sample of its values.

    Returns the formats (``ISO 8601`` first when it applies) and warnings.  Several formats are
    kept when a file mixes them; day-first and month-first are never mixed in one column.  A
    format counts only the values it reads as a year from 1900 to 2200, so ``01/02/26`` is
    read ``%d/%m/%y`` (2026), never ``%d/%m/%Y`` (year 26).  Numbers are read by magnitude as
    epoch seconds, epoch milliseconds or Excel serial dates, with a warning naming the reading.
    """
    # Test formats on up to 40 values of each distinct shape (digits folded to 9), spread over
    # the values (by hash, not the alphabetically first, which all begin 01/0...): a few shapes
    # cover a whole column, and failing parses are what make this step slow.
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _jl_ts_sample AS
        SELECT row_number() OVER (ORDER BY v) AS i, v FROM (
            SELECT v, row_number() OVER (PARTITION BY regexp_replace(v, '[0-9]', '9', 'g')
                                         ORDER BY hash(v), v) AS k
            FROM (SELECT DISTINCT trim(CAST({ident(column)} AS VARCHAR)) AS v FROM (
                    (SELECT {ident(column)} FROM {STAGING} LIMIT 2000)
                    UNION ALL
                    (SELECT {ident(column)} FROM {STAGING} USING SAMPLE reservoir(20000 ROWS)
                     REPEATABLE (7)))
                  -- Words such as 'epoch' have no digit; DuckDB's strptime reads them as 1900.
                  WHERE regexp_matches(CAST({ident(column)} AS VARCHAR), '[0-9]'))
        ) WHERE k <= 40"""
    )
    n_sample = first_row(con.execute("SELECT count(*) FROM _jl_ts_sample"))[0]
    if not n_sample:
        con.execute("DROP TABLE _jl_ts_sample")
        return [ISO], []
    parsed: dict[str, set[int]] = {}
    exprs = {ISO: "try_cast(v AS TIMESTAMPTZ)"} | {
        f: f"try_strptime(v, {literal(f)})" for f in _CANDIDATE_FORMATS
    }
    exprs |= {kind: _number(kind, "try_cast(v AS DOUBLE)") for kind in _NUMBERS}
    cols = ", ".join(
        f"list(i) FILTER (WHERE {in_range(f'CAST({e} AS TIMESTAMP)')})" for e in exprs.values()
    )
    row = first_row(con.execute(f"SELECT {cols} FROM _jl_ts_sample"))
    for fmt, hits in zip(exprs, row, strict=True):
        parsed[fmt] = set(hits or ())
    con.execute("DROP TABLE _jl_ts_sample")
    warnings: list[str] = []
    day = set().union(*(parsed[f] for f in _DAYFIRST))
    month = set().union(*(parsed[f] for f in _MONTHFIRST))
    if dayfirst is None and (day or month):
        dayfirst = _day_or_month_first(con, column)
    if dayfirst is None and (day or month):
        if len(day - month) > len(month - day):
            dayfirst = True
        elif len(month - day) > len(day - month):
            dayfirst = False
        elif day:
            dayfirst = False
            warnings.append(
                "dates such as 01/02/2024 are ambiguous; read them month-first "
                "(pass --dayfirst if the day comes first)"
            )
    excluded = _MONTHFIRST if dayfirst else _DAYFIRST
    remaining = set(range(1, n_sample + 1))
    chosen: list[str] = []
    while remaining and len(chosen) < 6:
        best = max(
            (f for f in exprs if f not in excluded and f not in chosen),
            key=lambda f: (len(parsed[f] & remaining), f == ISO),
        )
        gain = parsed[best] & remaining
        if not gain:
            break
        chosen.append(best)
        remaining -= gain
    warnings += [
        f"the timestamps in {column!r} are numbers; read as {_NUMBER_MEANS[f]}, the one reading "
        "that puts them between 1990 and 2100"
        for f in chosen
        if f in _NUMBERS
    ]
    return chosen or [ISO], warnings


def in_range(ts: str) -> str:
    """SQL: timestamp ``ts`` is a year from 1900 to 2200 (false or NULL otherwise).

    Examples
    --------
    >>> import duckdb
    >>> duckdb.sql("SELECT " + in_range("TIMESTAMP '10000-01-01'")).fetchone()
    (False,)
    """
    return (
        f"({ts} >= TIMESTAMP {literal(str(EARLIEST))} AND {ts} < TIMESTAMP {literal(str(LATEST))})"
    )


#: The first two numbers of a date written d/m/y or m/d/y (any of / - . between them).
_DM_RE = r"^ *([0-9]{1,2})[/.-]([0-9]{1,2})[/.-][0-9]{2,4}([^0-9]|$)"


def _day_or_month_first(con: duckdb.DuckDBPyConnection, column: str) -> bool | None:
    """Day-first (True) or month-first (False), decided from every value of the column.

    A sample cannot decide it: one value with a first number above 12 anywhere in the file
    makes it day-first.  None when the whole column cannot tell (every number <= 12: the
    caller warns which way it reads them) or contradicts itself (both above 12 somewhere: the
    values that do not parse become rejects).
    """
    first, second = first_row(
        con.execute(
            f"""SELECT max(TRY_CAST(regexp_extract(v, {literal(_DM_RE)}, 1) AS INTEGER)),
                       max(TRY_CAST(regexp_extract(v, {literal(_DM_RE)}, 2) AS INTEGER))
                FROM (SELECT CAST({ident(column)} AS VARCHAR) AS v FROM {STAGING}
                      WHERE {ident(column)} IS NOT NULL)"""
        )
    )
    if first is None or second is None:
        return None
    if first > 12 >= second:
        return True
    if second > 12 >= first:
        return False
    return None


#: A UTC offset (Z, ±HH, ±HHMM, ±HH:MM) at the end of a value.  A bare date also matches (it
#: ends in -DD): such values only take the slower time-zone-aware cast, which reads them right.
_OFFSET_RE = r"(?:[Zz]|[+-][0-9][0-9](?::?[0-9][0-9])?) *$"


def timestamp_expr(column: str, col_type: str, formats: list[str], *, localize: bool) -> str:
    """SQL turning a source column into a naive UTC timestamp (NULL when unparseable).

    Values with a UTC offset are converted to UTC.  Naive values are kept as they are, or, with
    ``localize``, read in the session's time zone (the source's zone, set by the caller while
    the import runs) and converted to UTC, so durations across a DST change come out right.
    """
    c = ident(column)

    def naive(expr: str) -> str:
        if not localize:
            return expr
        return f"CAST(timezone('UTC', CAST({expr} AS TIMESTAMPTZ)) AS TIMESTAMP)"

    def aware(expr: str) -> str:
        return f"CAST(timezone('UTC', {expr}) AS TIMESTAMP)"

    if col_type.startswith("TIMESTAMP WITH TIME ZONE"):
        return aware(c)
    if col_type.startswith("TIMESTAMP") or col_type == "DATE":
        return naive(f"CAST({c} AS TIMESTAMP)")
    numeric = is_number_type(col_type)
    raw = c if col_type == "VARCHAR" else f"CAST({c} AS VARCHAR)"
    s = f"trim({raw})"
    parts = []
    # Two-digit-year formats first: ISO and %Y read 01/02/26 as the years 1 and 26, %y as 2026,
    # and %y reads no four-digit year, so trying it first never takes a value from the others.
    for f in sorted(formats, key=lambda f: "%y" not in f):
        if f in _NUMBERS:
            # Epoch numbers count from midnight UTC; an Excel serial is a local wall-clock time.
            number = _number(f, f"CAST({c} AS DOUBLE)" if numeric else f"try_cast({s} AS DOUBLE)")
            parts.append(naive(number) if f == EXCEL_SERIAL else number)
        elif f == ISO:
            # The plain TIMESTAMP cast is the fast path, but it would silently drop an offset:
            # values that end in one take the (slower) time-zone-aware cast.  Both casts skip
            # surrounding spaces themselves, and one regex is cheaper than several substrings.
            parts.append(
                f"CASE WHEN regexp_matches({raw}, {literal(_OFFSET_RE)}) "
                f"THEN {aware(f'try_cast({raw} AS TIMESTAMPTZ)')} "
                f"ELSE {naive(f'try_cast({raw} AS TIMESTAMP)')} END"
            )
        elif "%z" in f or "%Z" in f:
            parts.append(aware(f"try_strptime({s}, {literal(f)})"))
        else:
            parts.append(naive(f"CAST(try_strptime({s}, {literal(f)}) AS TIMESTAMP)"))
    if not parts:
        return "CAST(NULL AS TIMESTAMP)"
    expr = parts[0] if len(parts) == 1 else f"coalesce({', '.join(parts)})"
    if numeric:
        return expr
    # The words DuckDB reads as dates (epoch, infinity ...) have no digit and every timestamp
    # has one: a first character from 0 to 9 settles nearly every value without the regex.
    has_digit = f"(({raw} >= '0' AND {raw} < ':') OR regexp_matches({raw}, '[0-9]'))"
    return f"CASE WHEN {has_digit} THEN {expr} END"


def timestamp_problem(raw: str, value: str, formats: list[str], *, what: str) -> str:
    """SQL: why the timestamp ``value`` read from text ``raw`` cannot be stored, else NULL.

    The reasons are ``not a <what>`` (a word DuckDB reads as a date, such as ``epoch``),
    ``<what> out of range`` (a year outside 1900-2200, or a number outside the 1990-2100 its
    reading accepts) and ``unparseable <what>``; a missing value is no problem here.
    """
    s = f"lower(trim({raw}))"
    words = ", ".join(literal(w) for w in NOT_TIMESTAMPS)
    numbers = any(f in _NUMBERS for f in formats)
    # A number the reading in use does not take is outside the years that reading accepts.
    number = f"WHEN {value} IS NULL AND try_cast({s} AS DOUBLE) IS NOT NULL"
    return f"""CASE WHEN {raw} IS NULL OR {s} = '' THEN NULL
        WHEN {s} IN ({words}) THEN 'not a {what}'
        {f"{number} THEN '{what} out of range'" if numbers else ""}
        WHEN {value} IS NULL THEN 'unparseable {what}'
        WHEN NOT {in_range(value)} THEN '{what} out of range' END"""


def timestamp_detail(reason: str, raw: str, expected: str, formats: list[str]) -> str:
    """SQL: what a value rejected for timestamp ``reason`` (SQL) should have been, else NULL.

    ``expected`` names the readings in use, such as ``a date-time like the formats ISO 8601``;
    ``formats`` are those readings (the numbers among them are named for a number).
    """
    kinds = [f for f in formats if f in _NUMBERS] or list(_NUMBERS)
    numbers = f"{' or '.join(kinds)} from {_PLAUSIBLE[0].year} to {_PLAUSIBLE[1].year}"
    is_number = f"try_cast(trim({raw}) AS DOUBLE) IS NOT NULL"
    word = (
        f"expected {expected}; a word DuckDB reads as a date (epoch, infinity, now, today ...) "
        "is not the time of an event"
    )
    return f"""CASE
        WHEN {reason} LIKE 'not a %' THEN {literal(word)}
        WHEN {reason} LIKE '%out of range' AND {is_number}
            THEN {literal(f"expected a number read as {numbers}")}
        WHEN {reason} LIKE '%out of range' THEN {
        literal(f"expected a date-time from {EARLIEST.year} to {LATEST.year - 1}")
    }
        WHEN {reason} LIKE 'unparseable%' AND {is_number}
            THEN {literal(f"expected {expected}, or a number read as {numbers}")}
        WHEN {reason} LIKE 'unparseable%' THEN {literal(f"expected {expected}")} END"""
