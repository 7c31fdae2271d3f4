"""Readers: bring a source (CSV, Parquet, XES, Excel, a database table) into DuckDB as-is.

Each reader lands the source in a temporary *staging* table of the import's DuckDB connection,
one row per source row, with a ``__jl_row`` column (1-based position in the source) followed by the
source columns under their own names.  Nothing is interpreted yet: canonicalisation, validation
and rejects are :mod:`journeylens.ingest`'s job, written once for every format.
"""

from __future__ import annotations

import codecs
import contextlib
import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import duckdb
import pyarrow as pa

from journeylens.errors import InputError

__all__ = ["Format", "Staged", "detect_format", "file_digest", "release", "stage"]

Format = Literal["csv", "parquet", "xes", "excel", "database"]

#: Values that mean "missing" in text sources (compared exactly, after the CSV parser).
MISSING_TOKENS: tuple[str, ...] = ("", "?", "NULL", "null", "NA", "N/A", "n/a", "None", "NaN", "-")

STAGING = "_jl_staging"
_ARROW = "_jl_arrow"
_CSV = "_jl_csv"


@dataclass
class Staged:
    """A source landed in the staging table, with what the reader learnt about it."""

    source: str
    format: Format
    rows: int
    columns: list[str]
    #: Rows the reader itself could not parse: (line, reason, raw text).
    malformed: list[tuple[int, str, str]] = field(default_factory=list)
    #: Reader settings detected or used (delimiter, encoding ...), for the report and the YAML.
    options: dict[str, object] = field(default_factory=dict)


def detect_format(path: str) -> Format:
    """Guess the format from a path or URL; raise :class:`InputError` when unknown."""
    if "://" in path:
        return "database"
    name = path.lower()
    for suffix, fmt in (
        (".xes.gz", "xes"),
        (".xes", "xes"),
        (".parquet", "parquet"),
        (".pq", "parquet"),
        (".xlsx", "excel"),
        (".xlsm", "excel"),
        (".xls", "excel"),
        (".csv", "csv"),
        (".csv.gz", "csv"),
        (".tsv", "csv"),
        (".txt", "csv"),
    ):
        if name.endswith(suffix):
            return fmt  # type: ignore[return-value]
    raise InputError(
        f"{path}: cannot tell the file format from its name; expected one of .csv, .tsv, "
        ".parquet, .xes, .xes.gz, .xlsx or a database URL such as duckdb:///file.db; "
        "pass --format csv|parquet|xes|excel"
    )


def file_digest(path: str | Path) -> str:
    """SHA-256 of a file's bytes: the identity of an import (re-importing adds nothing)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 22):
            h.update(chunk)
    return h.hexdigest()


def _detect_encoding(path: Path) -> str:
    """UTF-8 if the whole file decodes as UTF-8, else Latin-1 (which decodes any byte)."""
    if path.suffix == ".gz":
        return "utf-8"
    dec = codecs.getincrementaldecoder("utf-8")()
    with open(path, "rb") as f:
        try:
            while chunk := f.read(1 << 24):
                # Most exports are plain ASCII: bytes.isascii() is ~4x cheaper than decoding.
                # A chunk is skipped only when no multi-byte character is left open before it.
                if not (chunk.isascii() and not dec.getstate()[0]):
                    dec.decode(chunk)
            dec.decode(b"", final=True)
        except UnicodeDecodeError:
            return "latin-1"
    return "utf-8"


def _sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _stage_csv(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    *,
    delimiter: str | None,
    encoding: str | None,
    quote: str | None,
) -> Staged:
    enc = encoding or _detect_encoding(path)
    if enc.lower().replace("_", "-") in ("latin1", "latin-1", "iso-8859-1", "cp1252"):
        enc = "latin-1"
    args = [
        "all_varchar=true",
        "header=true",
        "store_rejects=true",
        "rejects_table='_jl_csv_rejects'",
        "rejects_scan='_jl_csv_scans'",
        "nullstr=[" + ", ".join(_sql_str(t) for t in MISSING_TOKENS) + "]",
        f"encoding={_sql_str(enc)}",
    ]
    if delimiter:
        args.append(f"delim={_sql_str(delimiter)}")
    if quote:
        args.append(f"quote={_sql_str(quote)}")
    sql_path = _sql_str(str(path))
    try:
        # The rows land in file order (DuckDB preserves insertion order), so a row's position
        # in the file follows from its rowid: a view numbers them for free, where
        # row_number() OVER () took a second, single-threaded pass over the data.
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {_CSV} AS "
            f"SELECT * FROM read_csv({sql_path}, {', '.join(args)})"
        )
        header = [r[0] for r in con.execute(f"DESCRIBE {_CSV}").fetchall()]
        if "rowid" in map(str.lower, header):
            # A source column called rowid hides the pseudo-column: number rows in scan order.
            number = "row_number() OVER ()"
        else:
            # Rowids are contiguous in insertion order, but a table created inside a
            # transaction starts them at a large offset.
            first = con.execute(f"SELECT min(rowid) FROM {_CSV}").fetchone()[0] or 0
            number = f"rowid - {int(first) - 1}"
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW {STAGING} AS "
            f"SELECT CAST({number} AS BIGINT) AS __jl_row, * FROM {_CSV}"
        )
    except duckdb.Error as e:
        raise InputError(
            f"{path}: could not read it as CSV ({e}); check --delimiter/--encoding"
        ) from None
    cols = [r[0] for r in con.execute(f"DESCRIBE {STAGING}").fetchall()][1:]
    bad = con.execute(
        "SELECT line, string_agg(DISTINCT error_type, '; '), any_value(csv_line), "
        "any_value(error_message) FROM _jl_csv_rejects GROUP BY line ORDER BY line"
    ).fetchall()
    malformed = [
        (int(line), f"{kind.lower()}: {msg.splitlines()[0]}", raw or "")
        for line, kind, raw, msg in bad
    ]
    dialect = con.execute(
        "SELECT delimiter, quote FROM _jl_csv_scans ORDER BY scan_id DESC LIMIT 1"
    ).fetchone()
    if not dialect:
        # DuckDB only records a scan in the rejects_scan table when a line was rejected; ask
        # the sniffer (same sample, same options) for the dialect it chose.
        sniff = [a for a in args if a.startswith(("encoding=", "delim=", "quote="))]
        try:
            dialect = con.execute(
                f"SELECT Delimiter, Quote FROM sniff_csv({sql_path}, {', '.join(sniff)})"
            ).fetchone()
        except duckdb.Error:
            dialect = None
    rows = con.execute(f"SELECT count(*) FROM {STAGING}").fetchone()[0]
    opts: dict[str, object] = {"encoding": enc}
    if dialect:
        # '(empty)' is how DuckDB spells "none" (e.g. a file without any quoted field).
        delim, quote_char = (None if v == "(empty)" else v for v in dialect)
        opts["delimiter"], opts["quote"] = delim, quote_char
    return Staged(str(path), "csv", rows + len(malformed), cols, malformed, opts)


def _stage_arrow(con: duckdb.DuckDBPyConnection, table: pa.Table, source: str, fmt: Format):
    # A view over the registered Arrow data, not a copy: the import reads it twice at most
    # (rejects, then events), and an in-memory columnar scan is cheaper than a copy.
    con.register(_ARROW, table)
    cols = list(table.column_names)
    quoted = ", ".join('"' + c.replace('"', '""') + '"' for c in cols)
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {STAGING} AS "
        f"SELECT CAST(row_number() OVER () AS BIGINT) AS __jl_row, {quoted} FROM {_ARROW}"
    )
    return Staged(source, fmt, table.num_rows, cols)


def release(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the staging table or view and what it reads from."""
    kinds = con.execute(
        "SELECT table_type FROM information_schema.tables WHERE table_name = ?", [STAGING]
    ).fetchall()
    for (kind,) in kinds:
        con.execute(f"DROP {'VIEW' if kind == 'VIEW' else 'TABLE'} IF EXISTS {STAGING}")
    con.execute(f"DROP TABLE IF EXISTS {_CSV}")
    with contextlib.suppress(duckdb.Error):
        con.unregister(_ARROW)


def _stage_parquet(con: duckdb.DuckDBPyConnection, path: Path) -> Staged:
    try:
        con.execute(
            # A view: Parquet is columnar, so reading it again costs less than a copy.
            f"CREATE OR REPLACE TEMP VIEW {STAGING} AS SELECT "
            f"CAST(file_row_number + 1 AS BIGINT) AS __jl_row, * EXCLUDE (file_row_number) "
            f"FROM read_parquet({_sql_str(str(path))}, file_row_number=true)"
        )
    except duckdb.Error as e:
        raise InputError(f"{path}: could not read it as Parquet ({e})") from None
    cols = [r[0] for r in con.execute(f"DESCRIBE {STAGING}").fetchall()][1:]
    rows = con.execute(f"SELECT count(*) FROM {STAGING}").fetchone()[0]
    return Staged(str(path), "parquet", rows, cols)


def _stage_xes(con: duckdb.DuckDBPyConnection, path: Path) -> Staged:
    import rustxes

    try:
        frame, _meta = rustxes.import_xes(str(path))
    except BaseException as e:  # rustxes raises pyo3 PanicException (a BaseException) on bad XML
        if isinstance(e, KeyboardInterrupt | SystemExit):
            raise
        raise InputError(f"{path}: could not read it as XES ({type(e).__name__}: {e})") from None
    if frame.width == 0 or frame.height == 0:
        # rustxes returns an empty frame (no error) for a truncated or event-less log.
        raise InputError(f"{path}: no events found; is it a complete XES log?")
    staged = _stage_arrow(con, frame.to_arrow(), str(path), "xes")
    return staged


def _excel_cell(v: object) -> object:
    if isinstance(v, dt.datetime | dt.date | dt.time):
        return v.isoformat(sep=" ") if isinstance(v, dt.datetime) else v.isoformat()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return None if v == "" else str(v)


def _stage_excel(con: duckdb.DuckDBPyConnection, path: Path, sheet: str | None) -> Staged:
    from python_calamine import CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_path(str(path))
        names = wb.sheet_names
        if sheet is not None and sheet not in names:
            raise InputError(f"{path}: no sheet named {sheet!r}; sheets: {names}")
        ws = wb.get_sheet_by_name(sheet) if sheet else wb.get_sheet_by_index(0)
        rows = ws.to_python(skip_empty_area=False)
    except InputError:
        raise
    except Exception as e:
        raise InputError(f"{path}: could not read it as an Excel workbook ({e})") from None
    if not rows:
        raise InputError(f"{path}: the sheet is empty; expected a header row and event rows")
    header = [str(h).strip() or f"column{i + 1}" for i, h in enumerate(rows[0])]
    data = {
        h: [_excel_cell(r[i]) if i < len(r) else None for r in rows[1:]]
        for i, h in enumerate(header)
    }
    table = pa.table({h: pa.array(v, type=pa.string()) for h, v in data.items()})
    staged = _stage_arrow(con, table, str(path), "excel")
    staged.options["sheet"] = sheet or names[0]
    return staged


def _stage_database(
    con: duckdb.DuckDBPyConnection, url: str, table: str | None, query: str | None
) -> Staged:
    import ibis

    if (table is None) == (query is None):
        raise InputError(
            f"{url}: a database source needs exactly one of --table NAME or --query SQL"
        )
    try:
        backend = ibis.connect(url)
        expr = backend.table(table) if table else backend.sql(query)
        arrow = expr.to_pyarrow()
    except Exception as e:
        what = f"table {table!r}" if table else "the query"
        raise InputError(f"{url}: could not read {what} ({type(e).__name__}: {e})") from None
    source = f"{url}#{table or 'query'}"
    return _stage_arrow(con, arrow, source, "database")


def stage(
    con: duckdb.DuckDBPyConnection,
    path: str | Path,
    *,
    format: Format | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
    quote: str | None = None,
    sheet: str | None = None,
    table: str | None = None,
    query: str | None = None,
) -> Staged:
    """Land a source in the staging table of ``con`` (see module docstring)."""
    spath = str(path)
    fmt = format or detect_format(spath)
    if fmt == "database":
        return _stage_database(con, spath, table, query)
    p = Path(spath)
    if not p.is_file():
        raise InputError(f"{p}: no such file")
    if fmt == "csv":
        return _stage_csv(con, p, delimiter=delimiter, encoding=encoding, quote=quote)
    if fmt == "parquet":
        return _stage_parquet(con, p)
    if fmt == "xes":
        return _stage_xes(con, p)
    if fmt == "excel":
        return _stage_excel(con, p, sheet)
    raise InputError(f"unknown format {fmt!r}; expected csv, parquet, xes, excel or database")
