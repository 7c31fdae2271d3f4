"""Readers: bring a source (CSV, Parquet, XES, Excel, a database table) into DuckDB as-is.

Each reader lands the source in a temporary *staging* view of the import's DuckDB connection
(over an Arrow table, or over DuckDB's own reading of a source too large or too malformed for
Arrow), one row per source row, with a ``__jl_row`` column (1-based position in the source)
followed by the source columns under their own names.  Nothing is interpreted yet:
canonicalisation, validation and rejects are :mod:`journeylens.store.ingest`'s job, written once for
every format.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import duckdb
import numpy as np
import pyarrow as pa

from journeylens import schema
from journeylens._util.sql import ident, literal
from journeylens.errors import InputError
from journeylens.store import encodings, files
from journeylens.store.mapping import safe_names
from journeylens.store.rows import first_row

__all__ = [
    "Format",
    "Staged",
    "database_url",
    "detect_format",
    "file_digest",
    "release",
    "source_digest",
    "stage",
]

Format = Literal["csv", "parquet", "xes", "excel", "database"]

#: Values that mean "missing" in text sources (compared exactly, after the CSV parser).
#: Text that means "no value" in a CSV unless the import names its own (``missing=``).  ``NA``
#: is not among them: it is a country (Namibia), a region (North America), "not applicable" as
#: an answer; name it (``missing=["", "NA"]``, ``--missing NA``) where an export means missing.
MISSING_TOKENS: tuple[str, ...] = ("", "?", "NULL", "null", "N/A", "n/a", "None", "NaN", "-")

STAGING = "_jl_staging"
#: Arrow memory per byte of text data (string offsets, validity, the dictionary-encoded copies).
ARROW_OVERHEAD = 1.6
#: Bytes of CSV text per byte of a gzipped CSV, when deciding whether it fits in memory.
_GZIP_RATIO = 6
#: The staging column holding each row's 1-based position in the source.
ROW = "__jl_row"
_ARROW = "_jl_arrow"
_CSV = "_jl_csv"
#: The staging view before its columns were renamed (see :func:`_rename`).
_RAW = "_jl_staging_raw"
#: Columns per query when checking every column (a query of 10,000 columns takes minutes).
_BATCH = 200
#: Arrow reads CSV and Parquet into the system allocator: with its default pool (mimalloc) a
#: process's first large read is slower and uneven (5M events: the CSV parse 1.8-2.9 s against
#: 1.74-1.76 s, the Parquet read 2.0-2.3 s against 0.8 s).
_POOL = pa.system_memory_pool()


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
    #: The Arrow table behind the staging view, when the source was read into Arrow.
    arrow: pa.Table | None = None
    #: What the reader changed and the user should know (a column renamed ...).
    notes: list[str] = field(default_factory=list)


def detect_format(path: str) -> Format:
    """Guess the format from a path or URL; raise :class:`InputError` when unknown."""
    if "://" in path:
        return "database"
    name = path.lower()
    if name.endswith(".zip"):
        member = files.zip_member(Path(path))
        inner = detect_format(member)
        if inner == "database":  # pragma: no cover - a member name holds no "://"
            raise InputError(f"{path}: {member} inside it is not a file format journeylens reads")
        return inner
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
        ".csv.gz, .parquet, .xes, .xes.gz, .xlsx, a .zip holding one of them, or a database "
        "URL such as duckdb:///file.db; "
        "pass --format csv|parquet|xes|excel"
    )


#: URL schemes whose "database" is a local file, named as SQLAlchemy does.
_FILE_SCHEMES = ("duckdb", "sqlite")


def _database_file(url: str) -> tuple[str, Path] | None:
    """The scheme and the (absolute) file of a ``duckdb:`` or ``sqlite:`` URL, else None.

    As in SQLAlchemy, three slashes name a path relative to the current folder
    (``duckdb:///crm.db``), four an absolute one (``duckdb:////data/crm.db``).
    """
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.lower() not in _FILE_SCHEMES:
        return None
    if not rest.startswith("/") or rest in ("/", "/:memory:"):
        raise InputError(
            f"{url}: expected {scheme}:///FILE (a path relative to the current folder) or "
            f"{scheme}:////PATH (an absolute path), e.g. {scheme}:///crm.db"
        )
    return scheme.lower(), Path(rest[1:]).expanduser().absolute()


def database_url(url: str) -> str:
    """One spelling per database: a file URL with its absolute path (four slashes).

    Raises :class:`InputError` when a ``duckdb:``/``sqlite:`` URL names no existing file:
    reading a database must never create one.

    Examples
    --------
    >>> database_url("postgresql://host/crm")
    'postgresql://host/crm'
    >>> database_url("duckdb:///no/such.db")
    Traceback (most recent call last):
    ...
    journeylens.errors.InputError: duckdb:///no/such.db: no database file ...
    """
    local = _database_file(url)
    if local is None:
        return url
    scheme, path = local
    if not path.is_file():
        raise InputError(
            f"{url}: no database file {path}; three slashes ({scheme}:///crm.db) name a file "
            f"relative to the current folder ({Path.cwd()}), four ({scheme}:////data/crm.db) "
            "an absolute path"
        )
    return f"{scheme}:///{path}"


def source_digest(
    path: str, fmt: Format, *, table: str | None = None, query: str | None = None
) -> str | None:
    """The identity of an import: the SHA-256 of a file, or of a database file and the table
    or query read from it (None for a server database, whose content cannot be hashed).

    Re-importing a source with the same digest adds nothing, whatever the spelling of its path.
    """
    if fmt != "database":
        files.check_file(Path(path))
        return file_digest(path)
    local = _database_file(path)
    if local is None:
        return None
    h = hashlib.sha256(file_digest(local[1]).encode())
    h.update((f"\0table:{table}" if table is not None else f"\0query:{query}").encode())
    return h.hexdigest()


def file_digest(path: str | Path) -> str:
    """SHA-256 of a file's bytes: the identity of an import (re-importing adds nothing)."""
    h = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            while chunk := f.read(1 << 22):
                h.update(chunk)
    except OSError as e:
        raise InputError(f"{path}: cannot be read ({e.strerror or e})") from None
    return h.hexdigest()


def _sniff(con: duckdb.DuckDBPyConnection, sql_path: str, args: list[str]) -> dict[str, Any] | None:
    """DuckDB's sniffer verdict (same sample, same options as its reader), or ``None``."""
    # ignore_errors: the reader stores rejects, so its sniffer tolerates bad lines too.
    sniff = [a for a in args if a.startswith(("encoding=", "delim=", "quote=", "header="))]
    sniff.append("ignore_errors=true")
    try:
        row = con.execute(
            f"SELECT Delimiter, Quote, Escape, Columns FROM sniff_csv({sql_path}, "
            f"{', '.join(sniff)})"
        ).fetchone()
    except duckdb.Error:
        return None
    if not row:
        return None
    delim, quote, escape = (None if v == "(empty)" else v for v in row[:3])
    return {"delimiter": delim, "quote": quote, "escape": escape, "columns": row[3]}


def _csv_to_arrow(
    path: Path, sniffed: dict[str, Any], encoding: str, missing: Sequence[str]
) -> pa.Table | None:
    """Parse a well-formed CSV with Arrow's multi-threaded reader, or ``None`` to fall back.

    Arrow parses about 3x faster than materialising DuckDB's ``read_csv`` and numbers rows for
    free. It cannot tell the line of a malformed row (in parallel mode) and knows no escape
    character but the doubled quote: for any row it cannot take, or a dialect it does not
    speak, the caller falls back to DuckDB's reader, which reports each bad line exactly.
    """
    import pyarrow.csv as pacsv

    quote, escape, names = sniffed["quote"], sniffed["escape"], sniffed["columns"]
    if not sniffed["delimiter"] or len(sniffed["delimiter"]) != 1 or escape not in (None, quote):
        return None
    names = [c["name"] for c in names]
    try:
        return pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(
                column_names=names,
                skip_rows=1,
                encoding="latin1" if encoding == "latin-1" else "utf8",
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=sniffed["delimiter"],
                quote_char=quote or False,
                double_quote=True,
                # Comments and descriptions hold quoted line breaks: without this, a block
                # boundary inside one would split the value (about 30% more parse time).
                newlines_in_values=True,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                null_values=list(missing),
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,  # as DuckDB's allow_quoted_nulls
            ),
            memory_pool=_POOL,
        )
    except (pa.ArrowInvalid, UnicodeDecodeError, ValueError):
        return None
    except OSError as e:
        files.refuse_bad_gzip(path)
        raise InputError(f"{path}: could not be read ({e})") from None


def _stage_csv(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    *,
    delimiter: str | None,
    encoding: str | None,
    quote: str | None,
    missing: Sequence[str] = MISSING_TOKENS,
) -> Staged:
    if encoding:
        encoding = encodings.normalise(encoding)
    if path.suffix.lower() == ".gz":
        with open(path, "rb") as f:
            if f.read(2) != b"\x1f\x8b":
                raise InputError(
                    f"{path}: ends in .gz but is not gzip-compressed; rename it without .gz if "
                    "it is plain text, or re-create it with gzip"
                )
    sql_path = literal(str(path))

    def dialect(enc: str) -> list[str]:
        args = [
            "all_varchar=true",
            "header=true",
            "store_rejects=true",
            "rejects_table='_jl_csv_rejects'",
            "rejects_scan='_jl_csv_scans'",
            "nullstr=[" + ", ".join(literal(t) for t in missing) + "]",
            f"encoding={literal(enc)}",
        ]
        if delimiter:
            args.append(f"delim={literal(delimiter)}")
        if quote:
            args.append(f"quote={literal(quote)}")
        return args

    sniffs: dict[str, dict[str, Any] | None] = {}

    def sniff(enc: str) -> dict[str, Any] | None:
        if enc not in sniffs:
            sniffs[enc] = _sniff(con, sql_path, dialect(enc))
        return sniffs[enc]

    def fast(enc: str) -> Staged | None:
        size = path.stat().st_size * (_GZIP_RATIO if path.suffix == ".gz" else 1)
        if enc not in ("utf-8", "latin-1") or not fits_in_memory(size):
            return None
        if not (sniffed := sniff(enc)):
            return None
        if (table := _csv_to_arrow(path, sniffed, enc, missing)) is None:
            return None
        staged = _stage_arrow(con, table, str(path), "csv")
        staged.options = {"encoding": enc, "delimiter": sniffed["delimiter"]}
        staged.options["quote"] = sniffed["quote"]
        return staged

    # Arrow checks every value is UTF-8 as it parses: a file that parses needs no separate
    # pass to detect its encoding.
    if encoding is None and (staged := fast("utf-8")) is not None:
        return staged
    files.refuse_bad_gzip(path)  # before detection reads it through gzip
    enc = encoding or encodings.detect_encoding(path)
    if not encodings.native(enc):
        # Neither reader speaks it: read a UTF-8 copy, which goes once it is staged.
        with tempfile.TemporaryDirectory(prefix="journeylens-") as tmp:
            copy = encodings.to_utf8(path, enc, Path(tmp) / path.name.removesuffix(".gz"))
            try:
                staged = _stage_csv(
                    con, copy, delimiter=delimiter, encoding="utf-8", quote=quote, missing=missing
                )
            except InputError as e:
                raise InputError(str(e).replace(str(copy), str(path))) from None
        staged.source = str(path)
        staged.options["encoding"] = enc
        return staged
    if (encoding or enc != "utf-8") and (staged := fast(enc)) is not None:
        return staged
    args = dialect(enc)
    sniffed = sniff(enc)
    opts: dict[str, object] = {"encoding": enc}
    if sniffed:
        opts["delimiter"], opts["quote"] = sniffed["delimiter"], sniffed["quote"]
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
            first = first_row(con.execute(f"SELECT min(rowid) FROM {_CSV}"))[0] or 0
            number = f"rowid - {int(first) - 1}"
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW {STAGING} AS "
            f"SELECT CAST({number} AS BIGINT) AS __jl_row, * FROM {_CSV}"
        )
    except duckdb.Error as e:
        files.refuse_bad_gzip(path)
        raise InputError(
            f"{path}: could not read it as CSV ({_plain(e)}); check --delimiter/--encoding"
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
    scanned = con.execute(
        "SELECT delimiter, quote FROM _jl_csv_scans ORDER BY scan_id DESC LIMIT 1"
    ).fetchone()
    if scanned:
        # '(empty)' is how DuckDB spells "none" (e.g. a file without any quoted field).
        opts["delimiter"], opts["quote"] = (None if v == "(empty)" else v for v in scanned)
    rows = first_row(con.execute(f"SELECT count(*) FROM {STAGING}"))[0]
    return Staged(str(path), "csv", rows + len(malformed), cols, malformed, opts)


def _plain(e: BaseException) -> str:
    """An engine's error without its SQL echo (``LINE 1: CREATE ...``) or error class."""
    text = str(e).split("\n\nLINE ")[0].splitlines()[0] if str(e) else type(e).__name__
    return text.split(" Error: ", 1)[-1] if " Error: " in text[:40] else text


def _stage_arrow(
    con: duckdb.DuckDBPyConnection, table: pa.Table, source: str, fmt: Format
) -> Staged:
    # A view over the registered Arrow data, not a copy: the import reads it twice at most
    # (rejects, then events), and an in-memory columnar scan is cheaper than a copy.
    cols = list(table.column_names)
    _check_header(source, cols)
    # Rows are numbered in Arrow (free) rather than by row_number() OVER (), a serial pass.
    table = table.append_column(ROW, pa.array(np.arange(1, table.num_rows + 1, dtype=np.int64)))
    register_arrow(con, table)
    return Staged(source, fmt, table.num_rows, cols, arrow=table)


def register_arrow(con: duckdb.DuckDBPyConnection, table: pa.Table) -> None:
    """(Re)define the staging view over ``table``: its row column first, then the others."""
    con.register(_ARROW, table)
    rest = ", ".join(ident(c) for c in table.column_names if c != ROW)
    con.execute(f"CREATE OR REPLACE TEMP VIEW {STAGING} AS SELECT {ROW}, {rest} FROM {_ARROW}")


def release(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the staging table or view and what it reads from."""
    kinds = con.execute(
        "SELECT table_type FROM information_schema.tables WHERE table_name = ?", [STAGING]
    ).fetchall()
    for (kind,) in kinds:
        con.execute(f"DROP {'VIEW' if kind == 'VIEW' else 'TABLE'} IF EXISTS {STAGING}")
    con.execute(f"DROP VIEW IF EXISTS {_RAW}")
    con.execute(f"DROP TABLE IF EXISTS {_CSV}")
    with contextlib.suppress(duckdb.Error):
        con.unregister(_ARROW)


def _stage_parquet(
    con: duckdb.DuckDBPyConnection, path: Path, *, in_memory: bool = False
) -> Staged:
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq

    try:
        meta = pq.ParquetFile(path).metadata
        size = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
        if in_memory or fits_in_memory(size):
            # Into Arrow (multi-threaded): rows are numbered for free, and text columns are
            # dictionary-encoded there once (see ingest._as_enums).  The dataset scan that
            # pq.read_table runs, which alone takes a memory pool.
            table = ds.dataset(path, format="parquet").to_table(memory_pool=_POOL)
            return _stage_arrow(con, table, str(path), "parquet")
    except (pa.ArrowException, OSError) as e:
        raise InputError(f"{path}: could not read it as Parquet ({e})") from None
    try:
        con.execute(
            # A view: DuckDB streams a file larger than memory allows, spilling as it must.
            f"CREATE OR REPLACE TEMP VIEW {STAGING} AS SELECT "
            f"CAST(file_row_number + 1 AS BIGINT) AS {ROW}, * EXCLUDE (file_row_number) "
            f"FROM read_parquet({literal(str(path))}, file_row_number=true)"
        )
    except duckdb.Error as e:
        raise InputError(f"{path}: could not read it as Parquet ({e})") from None
    cols = [r[0] for r in con.execute(f"DESCRIBE {STAGING}").fetchall()][1:]
    rows = first_row(con.execute(f"SELECT count(*) FROM {STAGING}"))[0]
    return Staged(str(path), "parquet", rows, cols)


def fits_in_memory(data_bytes: float) -> bool:
    """Whether a source of ``data_bytes`` may be read into Arrow: a quarter of the RAM at most.

    Larger sources are read by DuckDB, which works within its memory limit and spills.
    """
    try:
        ram = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):  # not a POSIX system: assume 8 GB
        ram = 8 << 30
    return data_bytes * ARROW_OVERHEAD <= ram / 4


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
    files.refuse_truncated_xes(path, frame.height)
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
    local = _database_file(url)
    if local is not None:
        url = database_url(url)  # fails, creating nothing, when the file does not exist
    try:
        if local is None:
            backend = ibis.connect(url)
        elif local[0] == "duckdb":
            backend = ibis.duckdb.connect(str(local[1]), read_only=True)
        else:
            backend = ibis.sqlite.connect(str(local[1]))
        # Every backend opened from a URL here is a SQL backend (it has .sql).
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
    missing: Sequence[str] | None = None,
    _materialise: bool = False,
) -> Staged:
    """Land a source in the staging table of ``con`` (see module docstring).

    ``missing``: the texts that mean "no value" in a CSV (default :data:`MISSING_TOKENS`).

    Raises :class:`InputError` for a malformed source: the message names the file, where
    (row, line, column) when known, what was expected and found, and how to fix it; an
    engine's own error while reading is one too, without its SQL.
    """
    spath = str(path)
    fmt = format or detect_format(spath)
    try:
        return _stage(
            con, spath, fmt, delimiter, encoding, quote, sheet, table, query, missing, _materialise
        )
    except duckdb.OutOfMemoryException:
        raise  # the workspace retries without its memory cap
    except (duckdb.Error, pa.ArrowException, OSError, UnicodeError) as e:
        raise InputError(
            f"{spath}: could not be read as {fmt} ({_plain(e)}); check that it is a complete "
            f"{fmt} file, and its --encoding and --delimiter"
        ) from None


def _stage(
    con: duckdb.DuckDBPyConnection,
    spath: str,
    fmt: Format,
    delimiter: str | None,
    encoding: str | None,
    quote: str | None,
    sheet: str | None,
    table: str | None,
    query: str | None,
    missing: Sequence[str] | None,
    _materialise: bool,
) -> Staged:
    if fmt == "database":
        return _finish(con, _stage_database(con, spath, table, query))
    p = Path(spath)
    files.check_file(p)
    if p.suffix.lower() == ".zip":
        return _stage_zip(con, p, fmt, delimiter, encoding, quote, sheet, missing)
    if fmt == "csv":
        tokens = MISSING_TOKENS if missing is None else tuple(missing)
        staged = _stage_csv(
            con, p, delimiter=delimiter, encoding=encoding, quote=quote, missing=tokens
        )
        if missing is not None:
            staged.options["missing"] = list(tokens)
        return _finish(con, staged)
    if fmt == "parquet":
        return _finish(con, _stage_parquet(con, p, in_memory=_materialise))
    if fmt == "xes":
        return _finish(con, _stage_xes(con, p))
    if fmt == "excel":
        return _finish(con, _stage_excel(con, p, sheet))
    raise InputError(f"unknown format {fmt!r}; expected csv, parquet, xes, excel or database")


def _stage_zip(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    fmt: Format,
    delimiter: str | None,
    encoding: str | None,
    quote: str | None,
    sheet: str | None,
    missing: Sequence[str] | None,
) -> Staged:
    """Stage the one file a zip archive holds, extracted to a temporary folder."""
    member = files.zip_member(path)
    with tempfile.TemporaryDirectory(prefix="journeylens-zip-") as tmp:
        try:
            with zipfile.ZipFile(path) as z:
                inner = Path(z.extract(member, tmp))
        except (zipfile.BadZipFile, OSError, RuntimeError) as e:
            raise InputError(f"{path}: could not unpack {member} ({e})") from None
        try:
            # The extracted file goes when this block ends: nothing may read it lazily later.
            staged = stage(
                con,
                inner,
                format=fmt,
                delimiter=delimiter,
                encoding=encoding,
                quote=quote,
                sheet=sheet,
                missing=missing,
                _materialise=True,
            )
        except InputError as e:
            raise InputError(str(e).replace(str(inner), f"{path}:{member}")) from None
    staged.source = str(path)
    staged.options["member"] = member
    return staged


def _finish(con: duckdb.DuckDBPyConnection, staged: Staged) -> Staged:
    """The checks every staged source passes: some rows, safe column names, no NUL bytes."""
    if staged.rows == 0:
        raise InputError(
            f"{staged.source}: has a header but no rows; expected data rows below the header "
            f"({', '.join(staged.columns[:5])}{' ...' if len(staged.columns) > 5 else ''})"
        )
    # The attribute columns earlier sources gave the workspace (not the canonical ones, which a
    # source's own "Activity" or "Timestamp" fills through the mapping).
    known = [
        r[0]
        for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'events' "
            "AND table_schema = 'main' ORDER BY ordinal_position"
        ).fetchall()
        if r[0] not in schema.CANONICAL
    ]
    _check_header(staged.source, staged.columns)
    names, notes = safe_names(staged.columns, known=known)
    if names != staged.columns:
        _rename(con, staged, names)
        staged.notes += notes
        staged.options["renamed"] = {
            a: b for a, b in zip(staged.columns, names, strict=True) if a != b
        }
        staged.columns = names
    _refuse_nul_values(con, staged)
    return staged


def _check_header(source: str, names: Sequence[str]) -> None:
    """Raise :class:`InputError` for a column name holding a NUL byte (no engine takes it)."""
    for i, c in enumerate(names):
        if "\0" in c:
            shown = c.replace("\0", "\\0")
            raise InputError(
                f"{source}: header column {i + 1} ('{shown}') holds a NUL byte (\\0), which is "
                "not text; a UTF-16 file without its byte-order mark looks like this: pass "
                "--encoding utf-16, or remove the NUL bytes (tr -d '\\000' < in.csv > out.csv)"
            )


def _rename(con: duckdb.DuckDBPyConnection, staged: Staged, names: list[str]) -> None:
    """Give the staged columns ``names`` (same order), wherever the staging view reads them."""
    if staged.arrow is not None:
        table = staged.arrow.rename_columns([*names, ROW])
        staged.arrow = table
        register_arrow(con, table)
        return
    con.execute(f"ALTER VIEW {STAGING} RENAME TO {_RAW}")
    # DuckDB names are case-insensitive: read the raw view's columns by position.
    raw = [r[0] for r in con.execute(f"DESCRIBE {_RAW}").fetchall()]
    select = ", ".join(f"{ident(a)} AS {ident(b)}" for a, b in zip(raw[1:], names, strict=True))
    con.execute(f"CREATE TEMP VIEW {STAGING} AS SELECT {ident(raw[0])}, {select} FROM {_RAW}")


def _refuse_nul_values(con: duckdb.DuckDBPyConnection, staged: Staged) -> None:
    """Raise :class:`InputError` naming the first value holding a NUL byte, if any."""
    import pyarrow.compute as pc

    if staged.arrow is not None:
        for name in staged.columns:
            col = staged.arrow.column(name)
            if not (pa.types.is_string(col.type) or pa.types.is_large_string(col.type)):
                continue
            # One vectorised pass over the raw text bytes, no copy; per-value work only if found.
            if not any(
                (buf := chunk.buffers()[2]) is not None
                and buf.size
                and np.frombuffer(memoryview(buf), np.uint8).min() == 0
                for chunk in col.chunks
                if len(chunk)
            ):
                continue
            hits = pc.match_substring(col, "\0")
            index = pc.index(hits, True).as_py()
            if index >= 0:
                _nul_error(staged, index + 1, name)
        return
    cols = [c for c in staged.columns]
    for start in range(0, len(cols), _BATCH):
        part = cols[start : start + _BATCH]
        test = " OR ".join(f"contains(CAST({ident(c)} AS VARCHAR), chr(0))" for c in part)
        row = con.execute(
            f"SELECT {ROW}, {', '.join(ident(c) for c in part)} FROM {STAGING} "
            f"WHERE {test} ORDER BY {ROW} LIMIT 1"
        ).fetchone()
        if row:
            name = next(c for c, v in zip(part, row[1:], strict=True) if v and "\0" in str(v))
            _nul_error(staged, int(row[0]), name)


def _nul_error(staged: Staged, row: int, column: str) -> None:
    where = (
        f"row {row} (line {row + 1} if no value spans lines)"
        if staged.format == "csv"
        else f"row {row}"
    )
    raise InputError(
        f"{staged.source}: {where}, column {column!r}: the value holds a NUL byte (\\0), which "
        "is not text (a binary or UTF-16 file, or a damaged export); remove the NUL bytes "
        "(tr -d '\\000' < in.csv > out.csv) or pass --encoding utf-16 if the file is UTF-16"
    )
