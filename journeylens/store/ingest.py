"""Turn a staged source into canonical events, and account for every row that could not be used.

Used by :meth:`journeylens.Workspace.import_events` and :func:`journeylens.read_events`; it runs
inside the caller's DuckDB transaction, so a failure half-way leaves nothing behind.

Row accounting (always true, tested as a property): ``rows_read = loaded + rejected + merged``,
where *merged* counts lifecycle ``start`` rows folded into their ``complete`` event.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import duckdb

from journeylens import schema
from journeylens._util.sql import ident, literal
from journeylens.errors import InputError
from journeylens.store.mapping import Mapping, detect_mapping
from journeylens.store.readers import STAGING, Staged, register_arrow
from journeylens.store.rows import first_row
from journeylens.store.timestamps import (
    detect_timestamp_formats,
    format_name,
    in_range,
    is_number_type,
    timestamp_detail,
    timestamp_expr,
    timestamp_problem,
)

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = [
    "ENUM_MAX",
    "INTERNAL_COLUMNS",
    "ImportReport",
    "Lifecycle",
    "canonicalise",
    "finish_report",
    "memory_cap",
]

#: Bookkeeping columns of the new-events table that never reach the workspace's events.
INTERNAL_COLUMNS = ("__jl_row",)

Lifecycle = Literal["all", "complete", "merge"]

#: Text columns with at most this many distinct values (activities, resources, departments,
#: channels, most text attributes) are stored as a DuckDB ``ENUM`` of their sorted values.
#: Writing and grouping small integers instead of strings makes an import about twice as fast
#: (docs/benchmarks.md); sorted values keep ``ORDER BY``, ``min`` and ``max`` as for text, and
#: Ibis reads the columns as plain strings.
ENUM_MAX = 4096

_EARLIEST_PLAUSIBLE = dt.datetime(1990, 1, 1)

REJECTS_DDL = """
CREATE TABLE IF NOT EXISTS rejects (
    source_id INTEGER, "row" BIGINT, line BIGINT, reason VARCHAR, "column" VARCHAR,
    value VARCHAR, detail VARCHAR, raw VARCHAR
)"""


@dataclass
class ImportReport:
    """What one import read, loaded and rejected, and what looked suspicious.

    ``rows_read == loaded + rejected + merged`` always holds.
    """

    source: str
    format: str
    source_id: int | None = None
    rows_read: int = 0
    loaded: int = 0
    rejected: int = 0
    merged: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    cases: int = 0
    activities: int = 0
    duplicate_events: int = 0
    out_of_order_cases: int = 0
    suspicious_timestamps: int = 0
    start_after_end: int = 0
    time_range: tuple[str | None, str | None] = (None, None)
    mapping: dict[str, str] = field(default_factory=dict)
    options: dict[str, object] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    already_imported: bool = False

    def to_dict(self) -> dict[str, object]:
        d = asdict(self)
        d["time_range"] = list(self.time_range)
        return d

    def summary(self) -> str:
        """A few human lines, as the CLI prints them."""
        if self.already_imported:
            return f"{self.source}: already imported (same content); nothing added"
        lines = [
            f"{self.source} ({self.format}): read {self.rows_read:,} rows, loaded "
            f"{self.loaded:,} events in {self.cases:,} cases, {self.activities:,} activities; "
            f"rejected {self.rejected:,}"
            + (f", merged {self.merged:,} start rows" if self.merged else "")
        ]
        lines += [f"  rejected {n:,}: {r}" for r, n in sorted(self.reasons.items())]
        if self.time_range[0]:
            lines.append(f"  time range: {self.time_range[0]} .. {self.time_range[1]}")
        checks = {
            "duplicate events": self.duplicate_events,
            "cases with rows out of time order": self.out_of_order_cases,
            "suspicious timestamps (before 1990 or more than a year ahead)": self.suspicious_timestamps,
            "events whose start is after their end": self.start_after_end,
        }
        lines += [f"  note: {n:,} {what}" for what, n in checks.items() if n]
        lines += [f"  warning: {w}" for w in self.warnings]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        import html

        return "<pre>" + html.escape(self.summary()) + "</pre>"


def _column_types(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    return {r[0]: r[1] for r in con.execute(f"DESCRIBE {table}").fetchall()}


#: Text columns whose types one query tests (see _attribute_types).
_TYPE_BATCH = 200


def _attribute_types(
    con: duckdb.DuckDBPyConnection, columns: list[str], types: dict[str, str], decimal: str
) -> dict[str, tuple[str, str]]:
    """For each attribute column: the narrowest type all its values cast to, and the SQL for it.

    Text columns are tested as integer, double (with the decimal separator), boolean and
    timestamp in one scan of the staging table.
    """
    result: dict[str, tuple[str, str]] = {c: (types[c], ident(c)) for c in columns}
    text = [c for c in columns if types[c] == "VARCHAR"]
    if not text:
        return result
    checks: dict[str, dict[str, str]] = {}
    for c in text:
        q = ident(c)
        num = f"replace({q}, ',', '.')" if decimal == "," else q
        checks[c] = {
            # DuckDB casts the text '1.5' to the BIGINT 2: only whole numbers are integers.
            "BIGINT": f"CASE WHEN regexp_full_match(trim({q}), '[+-]?[0-9]+') "
            f"THEN try_cast({q} AS BIGINT) END",
            "DOUBLE": f"try_cast({num} AS DOUBLE)",
            "BOOLEAN": f"try_cast({q} AS BOOLEAN)",
            "TIMESTAMP": f"try_cast({q} AS TIMESTAMP)",
        }
    # Failing casts are slow, and most text columns fail every type on their first rows: rule
    # types out on a sample, then confirm the survivors on every row.  A few hundred columns
    # per query: one query over 10,000 columns (50,000 expressions) ran for minutes.
    for at in range(0, len(text), _TYPE_BATCH):
        batch = text[at : at + _TYPE_BATCH]
        cols = ", ".join(ident(c) for c in batch)
        sample = f"(SELECT {cols} FROM {STAGING} LIMIT 2000)"
        for scope in (sample, f"(SELECT {cols} FROM {STAGING})"):
            pairs = [(c, typ) for c in batch for typ in checks[c]]
            if not pairs:
                break
            numeric = [c for c in batch if {"BIGINT", "DOUBLE"} & set(checks[c])]
            aggs = [f"count({ident(c)})" for c in batch] + [
                f"count({checks[c][t]})" for c, t in pairs
            ]
            aggs += [f"count(*) FILTER (WHERE {_id_like(ident(c))})" for c in numeric]
            counts = first_row(con.execute(f"SELECT {', '.join(aggs)} FROM {scope}"))
            totals = dict(zip(batch, counts[: len(batch)], strict=True))
            for (c, typ), n in zip(
                pairs, counts[len(batch) : len(batch) + len(pairs)], strict=True
            ):
                if n != totals[c]:
                    del checks[c][typ]
            for c, n in zip(numeric, counts[len(batch) + len(pairs) :], strict=True):
                if n:  # an identifier written in digits: as a number it would lose them
                    checks[c].pop("BIGINT", None)
                    checks[c].pop("DOUBLE", None)
    for c in text:
        if checks[c]:
            typ, expr = next(iter(checks[c].items()))
            result[c] = (typ, expr)
    return result


#: Digits that only text keeps: a leading zero (``00123``, not ``0`` or ``0.5``) or more than
#: 15 digits (account numbers: a double keeps 15-17 significant digits, so distinct values
#: would collapse into one).
_ID_LIKE = r"[+-]?0[0-9]+|[+-]?[0-9]{16,}"


def _id_like(q: str) -> str:
    """SQL: the value of column ``q`` is an identifier written in digits."""
    return f"regexp_full_match(trim({q}), {literal(_ID_LIKE)})"


def _text(col: str | None) -> str:
    """SQL of a text role's value: trimmed, with an empty text as missing."""
    return f"nullif(trim(CAST({ident(col)} AS VARCHAR)), '')" if col else "CAST(NULL AS VARCHAR)"


def enum_type(values: list[str]) -> str:
    """The DuckDB type ``ENUM(...)`` of ``values`` (given sorted)."""
    return "ENUM(" + ", ".join(literal(v) for v in values) + ")"


def enum_values(con: duckdb.DuckDBPyConnection, type_: str) -> list[str] | None:
    """The values of an ``ENUM(...)`` type, or ``None`` for any other type."""
    if not type_.startswith("ENUM("):
        return None
    return list(first_row(con.execute(f"SELECT enum_range(NULL::{type_})"))[0])


def _arrow_enum(
    arr: pa.ChunkedArray[Any], trim: bool
) -> tuple[pa.ChunkedArray[Any], list[str]] | None:
    """``arr`` as dictionary arrays over its sorted distinct values, or ``None`` if too many."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_dictionary(arr.type):
        arr = arr.cast(arr.type.value_type)
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)) or not len(arr):
        return None
    # Chunk by chunk (no copy of the strings); unified, the chunks share one dictionary.
    # Any: pyarrow-stubs type the chunks of a dictionary-encoded array as plain Arrays.
    codes: Any = pc.dictionary_encode(arr).unify_dictionaries()
    vals = codes.chunk(0).dictionary
    if len(vals) > ENUM_MAX * 2:
        return None
    vals = vals.cast(pa.string())
    if trim:  # as SQL's nullif(trim(v), ''): spaces only
        vals = pc.utf8_trim(vals, characters=" ")
        # pyarrow-stubs 20 take no Python scalar as equal()'s second argument; pyarrow does.
        vals = pc.if_else(pc.equal(vals, ""), pa.scalar(None, pa.string()), vals)  # type: ignore[call-overload]
    distinct = sorted({v for v in vals.to_pylist() if v is not None})
    if not distinct or len(distinct) > ENUM_MAX:
        return None
    position = pc.index_in(vals, value_set=pa.array(distinct, pa.string()))
    dictionary = pa.array(distinct, pa.string())
    chunks = [
        pa.DictionaryArray.from_arrays(pc.take(position, c.indices), dictionary)
        for c in codes.chunks
    ]
    # pyarrow-stubs 20 do not take a DictionaryType as chunked_array()'s type; pyarrow does.
    return pa.chunked_array(chunks, pa.dictionary(pa.int32(), pa.string())), distinct  # type: ignore[call-overload]


def _as_enums(
    con: duckdb.DuckDBPyConnection, staged: Staged, columns: dict[str, bool]
) -> dict[str, str]:
    """SQL storing text source columns as sorted ENUMs, for those with few distinct values.

    ``columns`` maps a source column to whether its values are trimmed (with ``''`` as missing,
    as for the roles) or kept as they are (attributes).  Sources read into Arrow are
    dictionary-encoded there, so trimming and sorting touch each distinct value once.
    """
    out: dict[str, str] = {}
    table = staged.arrow
    if table is not None:
        from concurrent.futures import ThreadPoolExecutor

        # Arrow's kernels release the GIL: the columns are encoded side by side.
        read = table  # (mypy keeps a narrowed type in a lambda only for names never rebound)
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            done = list(pool.map(lambda c: _arrow_enum(read[c], columns[c]), columns))
        for k, (col, result) in enumerate(zip(columns, done, strict=True)):
            if result is not None:
                name = f"__jl_enum{k}"
                table = table.append_column(name, result[0])
                out[col] = f"CAST({ident(name)} AS {enum_type(result[1])})"
        if out:
            staged.arrow = table
            register_arrow(con, table)
        return out
    exprs = {col: _text(col) if trim else ident(col) for col, trim in columns.items()}
    if not exprs:
        return out
    counts = first_row(
        con.execute(
            "SELECT "
            + ", ".join(f"approx_count_distinct({e})" for e in exprs.values())
            + f" FROM {STAGING}"
        )
    )
    for (col, expr), n in zip(exprs.items(), counts, strict=True):
        if not n or n > ENUM_MAX * 2:
            continue
        distinct = sorted(
            first_row(
                con.execute(
                    f"SELECT list(DISTINCT {expr}) FILTER (WHERE {expr} IS NOT NULL) FROM {STAGING}"
                )
            )[0]
            or ()
        )
        if distinct and len(distinct) <= ENUM_MAX:
            out[col] = f"CAST({expr} AS {enum_type(distinct)})"
    return out


def canonicalise(
    con: duckdb.DuckDBPyConnection,
    staged: Staged,
    *,
    source_id: int,
    mapping: dict[str, str | None],
    preset: str | None = None,
    lifecycle: Lifecycle = "all",
    timestamp_formats: list[str] | None = None,
    dayfirst: bool | None = None,
    timezone: str | None = None,
    decimal: Literal[".", ","] | None = None,
    progress: Callable[[str], None] | None = None,
) -> tuple[str, ImportReport, Callable[[], None] | None]:
    """Define the new canonical events from the staging table; reject the rows that fail.

    Returns the name of the temporary view or table holding the new events, the report, and
    ``judge``: when not ``None``, the caller appends the new events to ``events`` and then calls
    ``judge()``, which copies the failing rows (with reasons and raw values) to ``rejects`` and
    deletes them from ``events``.  Judging the stored rows spares a copy of every row; with a
    lifecycle mode the rows are edited first, so they are judged in a table (``judge`` is
    ``None``).
    """
    step = progress or (lambda _msg: None)
    report = ImportReport(source=staged.source, format=staged.format, source_id=source_id)
    report.rows_read = staged.rows
    report.options = dict(staged.options)
    report.warnings += staged.notes
    m: Mapping = detect_mapping(staged.columns, preset=preset, source=staged.source, **mapping)
    report.mapping = m.as_dict()
    types = _column_types(con, STAGING)
    step("detecting timestamp formats")
    fmts: dict[str, list[str]] = {}
    for role in (schema.TIMESTAMP, schema.START):
        col = m.get(role)
        if col is None:
            continue
        if timestamp_formats:
            fmts[role] = [format_name(f) for f in timestamp_formats]
            _check_formats(fmts[role], staged.source)
        elif types[col] == "VARCHAR" or is_number_type(types[col]):
            fmts[role], warns = detect_timestamp_formats(con, col, dayfirst=dayfirst)
            report.warnings += warns
        else:
            fmts[role] = []
    if fmts.get(schema.TIMESTAMP):
        report.options["timestamp_formats"] = fmts[schema.TIMESTAMP]
    if timezone:
        try:
            con.execute(f"SET TimeZone = {literal(timezone)}")
        except duckdb.Error:
            raise InputError(
                f"unknown time zone {timezone!r}; expected an IANA name such as Europe/Amsterdam"
            ) from None
        report.options["timezone"] = timezone
    # XES timestamps are already UTC; only naive text/parquet times get the source's zone.
    localize = timezone is not None and staged.format != "xes"
    if decimal is None:
        decimal = "," if staged.options.get("delimiter") == ";" else "."
    report.options["decimal"] = decimal
    report.options["lifecycle"] = lifecycle

    attrs = [
        c for c in staged.columns if c not in m.columns() and c not in (schema.ORDER, schema.SOURCE)
    ]
    typed = _attribute_types(con, attrs, types, decimal)
    text_roles = {c: True for r in (schema.ACTIVITY, *schema.ROLES[4:]) if (c := m.get(r))}
    text_roles = {c: t for c, t in text_roles.items() if types[c] == "VARCHAR"}
    text_attrs = {c: False for c in attrs if typed[c] == ("VARCHAR", ident(c))}
    enums = _as_enums(con, staged, text_roles | text_attrs)

    def text(role: str) -> str:
        col = m.get(role)
        return enums[col] if col is not None and col in enums else _text(col)

    ts_col, start_col = m.timestamp, m.start_timestamp
    assert ts_col is not None  # detect_mapping raised if no column holds the timestamp
    ts = timestamp_expr(ts_col, types[ts_col], fmts.get(schema.TIMESTAMP, []), localize=localize)
    start = (
        timestamp_expr(start_col, types[start_col], fmts.get(schema.START, []), localize=localize)
        if start_col
        else "CAST(NULL AS TIMESTAMP)"
    )
    fmt_list = ", ".join(fmts.get(schema.TIMESTAMP, [])) or types[ts_col]
    # event_index and source_id of a canonical export are this workspace's own bookkeeping:
    # regenerated (rows arrive in canonical order), not kept as attributes.
    attr_sql: list[str] = []
    for col in attrs:
        typ, expr = typed[col]
        name = col if col not in schema.CANONICAL and not col.startswith("_") else f"attr_{col}"
        stored = enums.get(col, f"CAST({expr} AS {typ})")
        attr_sql.append(f"{stored} AS {ident(name)}")
    order = f"(CAST({source_id} AS BIGINT) << 40) + __jl_row"
    select = ", ".join(
        [
            "__jl_row",
            f"{text(schema.CASE)} AS case_id",
            f"{text(schema.ACTIVITY)} AS activity",
            f"{ts} AS timestamp",
            f"{start} AS start_timestamp",
            *(f"{text(r)} AS {r}" for r in schema.ROLES[4:]),
            f"{order} AS event_index",
            f"CAST({source_id} AS INTEGER) AS source_id",
            *attr_sql,
        ]
    )
    ts_raw = f"CAST(s.{ident(ts_col)} AS VARCHAR)"
    start_raw = f"CAST(s.{ident(start_col)} AS VARCHAR)" if start_col else "CAST(NULL AS VARCHAR)"
    ts_problem = timestamp_problem(
        ts_raw, "e.timestamp", fmts.get(schema.TIMESTAMP, []), what="timestamp"
    )
    start_problem = timestamp_problem(
        start_raw, "e.start_timestamp", fmts.get(schema.START, []), what="start timestamp"
    )
    reason = f"""CASE
        WHEN e.case_id IS NULL THEN 'missing case id'
        WHEN e.activity IS NULL THEN 'missing activity'
        WHEN {ts_raw} IS NULL OR trim({ts_raw}) = '' THEN 'missing timestamp'
        ELSE coalesce({ts_problem}, {start_problem})
    END"""
    # Only rows with a null in a required column, a null start time or a time outside the
    # years 1900-2200 can be rejected: cheap checks on the stored columns; the raw values come
    # from the staging table.
    suspect = "case_id IS NULL OR activity IS NULL OR timestamp IS NULL"
    suspect += f" OR NOT {in_range('timestamp')}"
    suspect += (
        f" OR start_timestamp IS NULL OR NOT {in_range('start_timestamp')}" if start_col else ""
    )
    column_of = {
        "missing case id": m.case_id,
        "missing activity": m.activity,
        "missing timestamp": ts_col,
        **{f"{r} timestamp": ts_col for r in ("unparseable", "not a")},
        "timestamp out of range": ts_col,
        **{f"{r} start timestamp": start_col for r in ("unparseable", "not a")},
        "start timestamp out of range": start_col,
    }
    case_column = " ".join(
        f"WHEN {literal(r)} THEN {literal(c or '')}" for r, c in column_of.items()
    )
    case_value = " ".join(
        f"WHEN {literal(r)} THEN CAST(s.{ident(c)} AS VARCHAR)" for r, c in column_of.items() if c
    )
    expected = f"a date-time like the formats {fmt_list}"
    ts_formats = fmts.get(schema.TIMESTAMP, []) + fmts.get(schema.START, [])
    value = f"CASE e.__jl_reason {case_value} END"
    detail = (
        f"coalesce({timestamp_detail('e.__jl_reason', value, expected, ts_formats)}, "
        "'expected a non-empty value')"
    )
    raw = ", ".join(f"{ident(c)} := s.{ident(c)}" for c in staged.columns)

    def judge(rows: str, row: str, delete: str) -> None:
        """Reject the bad rows among ``rows`` (``row`` = their source row) and ``delete`` them."""
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _jl_suspects AS SELECT {row} AS __jl_row, case_id,
                activity, timestamp, start_timestamp FROM {rows} WHERE {suspect}"""
        )
        # The raw values come from a join with the whole source: only when a row is suspect.
        if first_row(con.execute("SELECT count(*) FROM _jl_suspects"))[0]:
            con.execute(
                f"""CREATE OR REPLACE TEMP TABLE _jl_rejected AS SELECT * FROM (
                    SELECT e.__jl_row, {reason} AS __jl_reason FROM _jl_suspects e
                    JOIN {STAGING} s USING (__jl_row)) WHERE __jl_reason IS NOT NULL"""
            )
            if first_row(con.execute("SELECT count(*) FROM _jl_rejected"))[0]:
                con.execute(
                    f"""INSERT INTO rejects SELECT {source_id}, e.__jl_row, NULL, e.__jl_reason,
                        CASE e.__jl_reason {case_column} END, {value},
                        {detail}, CAST(to_json(struct_pack({raw})) AS VARCHAR)
                    FROM _jl_rejected e JOIN {STAGING} s USING (__jl_row) ORDER BY e.__jl_row"""
                )
                con.execute(delete)
        if staged.malformed and staged.format == "csv":
            # Good row r sits on file line r + 1 (header) + the malformed lines before it.
            con.execute("CREATE OR REPLACE TEMP TABLE _jl_bad(line BIGINT, j BIGINT)")
            con.executemany(
                "INSERT INTO _jl_bad VALUES (?, ?)",
                [(line, j) for j, (line, _, _) in enumerate(staged.malformed, start=1)],
            )
            con.execute(
                f"""UPDATE rejects SET line = "row" + 1 + (SELECT count(*) FROM _jl_bad b
                    WHERE b.line - b.j < rejects."row" + 1) WHERE source_id = {source_id}"""
            )
            con.execute("DROP TABLE _jl_bad")
        elif staged.format == "csv":
            con.execute(f'UPDATE rejects SET line = "row" + 1 WHERE source_id = {source_id}')
        if staged.malformed:
            con.executemany(
                "INSERT INTO rejects VALUES (?, NULL, ?, 'malformed line', NULL, NULL, ?, ?)",
                [(source_id, line, why, raw) for line, why, raw in staged.malformed],
            )

    con.execute(REJECTS_DDL)
    # The canonical rows are a view: the INSERT into events evaluates every expression once
    # and writes each row once; rows are judged afterwards on the stored columns.
    con.execute(f"CREATE OR REPLACE TEMP VIEW _jl_canonical AS SELECT {select} FROM {STAGING}")
    step("building events")
    if lifecycle != "all" and m.lifecycle is not None:
        # Lifecycle handling edits the new rows (pairs, deletes): they need a table, judged
        # before the pairing so that a rejected row never pairs.
        con.execute("CREATE OR REPLACE TEMP TABLE _jl_new_events AS SELECT * FROM _jl_canonical")
        step("validating rows")
        judge(
            "_jl_new_events",
            "__jl_row",
            "DELETE FROM _jl_new_events WHERE __jl_row IN (SELECT __jl_row FROM _jl_rejected)",
        )
        _apply_lifecycle(con, source_id, lifecycle, has_lifecycle=True)
        return "_jl_new_events", report, None

    base = f"(CAST({source_id} AS BIGINT) << 40)"

    def judge_stored() -> None:
        step("validating rows")
        judge(
            f"(SELECT * FROM events WHERE source_id = {source_id})",
            f"event_index - {base}",
            f"DELETE FROM events WHERE event_index IN (SELECT {base} + __jl_row FROM _jl_rejected)",
        )

    return "_jl_canonical", report, judge_stored


def _apply_lifecycle(
    con: duckdb.DuckDBPyConnection, source_id: int, mode: Lifecycle, *, has_lifecycle: bool
) -> None:
    """Keep complete events only, or merge start+complete pairs into one event with a start.

    Rows set aside go to ``rejects`` with their reason; paired start rows are folded into their
    complete event and counted as *merged* by the caller.
    """
    if not has_lifecycle:
        return
    life = "lower(lifecycle)"
    source_row = "event_index & ((1::BIGINT << 40) - 1)"
    if mode == "merge":
        # FIFO pairing: the k-th start of an activity in a case goes with its k-th complete.
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _jl_pairs AS
            WITH s AS (SELECT case_id, activity, timestamp AS st, event_index AS s_idx,
                    row_number() OVER (PARTITION BY case_id, activity
                                       ORDER BY timestamp, event_index) AS k
                FROM _jl_new_events WHERE {life} = 'start'),
            c AS (SELECT event_index AS c_idx, case_id, activity,
                    row_number() OVER (PARTITION BY case_id, activity
                                       ORDER BY timestamp, event_index) AS k
                FROM _jl_new_events WHERE {life} = 'complete')
            SELECT c.c_idx, s.s_idx, s.st FROM s JOIN c USING (case_id, activity, k)"""
        )
        con.execute(
            "UPDATE _jl_new_events SET start_timestamp = p.st FROM _jl_pairs p "
            "WHERE event_index = p.c_idx"
        )
        con.execute("DELETE FROM _jl_new_events WHERE event_index IN (SELECT s_idx FROM _jl_pairs)")
        con.execute("DROP TABLE _jl_pairs")
        con.execute(
            f"""INSERT INTO rejects SELECT {source_id}, {source_row}, NULL,
                'start without complete', 'lifecycle', lifecycle,
                'a start event with no later complete event of the same activity in its case',
                CAST(to_json(struct_pack(case_id, activity, timestamp, resource, lifecycle)) AS VARCHAR) FROM _jl_new_events WHERE {life} = 'start'"""
        )
        con.execute(f"DELETE FROM _jl_new_events WHERE {life} = 'start'")
    keep = f"lifecycle IS NULL OR {life} = 'complete'"
    con.execute(
        f"""INSERT INTO rejects SELECT {source_id}, {source_row}, NULL,
            'skipped lifecycle transition', 'lifecycle', lifecycle,
            'only complete events are kept with --lifecycle {mode}; --lifecycle all keeps every row',
            CAST(to_json(struct_pack(case_id, activity, timestamp, resource, lifecycle)) AS VARCHAR) FROM _jl_new_events WHERE NOT ({keep})"""
    )
    con.execute(f"DELETE FROM _jl_new_events WHERE NOT ({keep})")


def finish_report(con: duckdb.DuckDBPyConnection, report: ImportReport) -> None:
    """Count what the import stored and rejected, and run the checks, on the stored rows.

    Runs after the new events were appended to ``events`` (same transaction), reading them
    back by ``source_id``: a columnar scan of what was written, cheaper than checking a copy.
    """
    sid = int(report.source_id or 0)
    reasons = con.execute(
        f"SELECT reason, count(*) FROM rejects WHERE source_id = {sid} GROUP BY reason"
    ).fetchall()
    report.reasons = {r: n for r, n in reasons}
    report.rejected = sum(report.reasons.values())
    new = f"(SELECT * FROM events WHERE source_id = {sid})"
    horizon = dt.datetime.now() + dt.timedelta(days=365)
    row = first_row(
        con.execute(
            f"""SELECT count(*), count(DISTINCT case_id), count(DISTINCT activity),
            min(timestamp), max(timestamp),
            count(*) FILTER (WHERE timestamp < ? OR timestamp > ?),
            count(*) FILTER (WHERE start_timestamp > timestamp)
        FROM {new}""",
            [_EARLIEST_PLAUSIBLE, horizon],
        )
    )
    n, report.cases, report.activities, lo, hi, report.suspicious_timestamps = row[:6]
    report.start_after_end = row[6]
    report.loaded = n
    report.time_range = (str(lo) if lo else None, str(hi) if hi else None)
    # Duplicate events are counted by derived.rebuild, on its window pass.
    report.merged = report.rows_read - report.loaded - report.rejected


def cleanup(con: duckdb.DuckDBPyConnection) -> None:
    """Drop every temporary table and view an import made (all named ``_jl_*``)."""
    for name, kind in con.execute(
        "SELECT table_name, table_type FROM information_schema.tables "
        "WHERE table_catalog = 'temp' AND table_name LIKE '\\_jl\\_%' ESCAPE '\\' "
        "ORDER BY table_type = 'VIEW' DESC"
    ).fetchall():
        con.execute(f"DROP {'VIEW' if kind == 'VIEW' else 'TABLE'} IF EXISTS {name}")


#: Bytes of DuckDB memory an import may use per byte of input file, by format (Parquet is
#: compressed about 8x against CSV; XES is about 3.5x more verbose).
_MEMORY_PER_INPUT_BYTE = {"csv": 2.0, "parquet": 16.0, "xes": 0.6, "excel": 4.0}
_MEMORY_FLOOR = 1 << 30
_UNITS = {"bytes": 1, "kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40}
_UNITS |= {"kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12}


def _setting_bytes(text: str) -> float:
    """``'18.8 GiB'`` -> bytes (DuckDB prints its memory limit that way)."""
    number, _, unit = text.strip().partition(" ")
    return float(number) * _UNITS.get(unit.lower(), 1)


@contextlib.contextmanager
def memory_cap(
    con: duckdb.DuckDBPyConnection, *, input_bytes: int | None, format: str
) -> Iterator[None]:
    """Cap DuckDB's memory for one import, and restore the limit afterwards.

    Used for imports into a workspace file and for :func:`journeylens.read_events`, whose
    in-memory connection is given a private folder to spill to.

    Without a cap DuckDB keeps every block it wrote or staged cached, up to 80% of the RAM,
    so an import's peak memory grows with the log (2.7 GB for a 5M-event CSV).  The blocks
    of ``events`` are on disk already and the staged source spills to the workspace's
    temporary folder, so a cap of ``max(1 GiB, k * input size)`` halves that peak at the same
    CPU time (see docs/benchmarks.md).  The cap applies only while the connection runs with
    DuckDB's default limit (a limit set by the user stays as it is) and only lowers it; callers
    retry without it on :class:`duckdb.OutOfMemoryException`.
    """
    if input_bytes is None or format not in _MEMORY_PER_INPUT_BYTE:
        yield
        return
    setting = "SELECT current_setting('memory_limit')"
    previous = first_row(con.execute(setting))[0]
    # The default (a share of the RAM) as a fresh in-memory instance reports it.
    default = first_row(duckdb.connect().execute(setting))[0]
    cap = max(_MEMORY_FLOOR, int(input_bytes * _MEMORY_PER_INPUT_BYTE[format]))
    if previous != default or cap >= _setting_bytes(previous):
        yield
        return
    try:
        con.execute(f"SET memory_limit = '{cap >> 20}MiB'")
        yield
    finally:
        con.execute("RESET memory_limit")


def _check_formats(formats: list[str], source: str) -> None:
    """Raise :class:`InputError` naming a strptime format DuckDB cannot use (``%Q``, a lone ``%``).

    Checked on a connection of its own: a failed statement would abort the import's transaction.
    """
    check = duckdb.connect()
    try:
        for f in formats:
            if "%" not in f:  # ISO 8601 and the number readings are no strptime codes
                continue
            try:
                check.execute("SELECT try_strptime('2024-01-01', ?)", [f])
            except duckdb.Error as e:
                why = str(e).split("specifier ", 1)[-1].replace("strftime/strptime", "timestamps")
                raise InputError(
                    f"{source}: invalid --timestamp-format {f!r} ({why}); expected strptime codes such as "
                    "'%Y-%m-%d %H:%M:%S' or '%d/%m/%Y %H:%M' (%Y year, %m month, %d day, %H hour, "
                    "%M minute, %S second, %f fraction, %z offset, %p AM/PM), or ISO"
                ) from None
    finally:
        check.close()
