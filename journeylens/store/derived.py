"""Tables derived from a workspace's events at import, and the fast paths that read them.

Every import ends by rebuilding, in the same transaction, what the analyses of the *whole,
unfiltered* log need, with one window pass over ``events`` (by case, in event order:
``timestamp``, then ``event_index``):

* ``cases`` — one row per case: ``start``, ``end``, ``duration_s``, ``events``, ``activities``,
  ``first_activity``, ``last_activity``, the case attributes, and the internal columns
  ``_handoffs_resource``, ``_handoffs_department`` and ``_variant_id`` (names that start with
  ``_`` never clash with a source attribute: those are renamed ``attr__...`` at import);
* ``_jl_variants`` — one row per variant: ``_variant_id``, its key (activities joined by
  ``\\x1f``), count of cases, length, mean and median case duration, and its ``rank`` (count
  descending, then key: the order of :func:`journeylens.mining.variants.variants`);
* ``_jl_dfg_edges`` / ``_jl_dfg_nodes`` — the directly-follows graph with exact timings,
  exactly as :func:`journeylens.mining.dfg.discover_dfg` computes it;
* ``_jl_derived`` — a version stamp: a workspace written by an older journeylens has none, and
  its analyses simply take the portable path.

:func:`derived_source` tells an analysis whether it was handed the workspace's own ``events``
table (unfiltered, on DuckDB) and may read these tables instead of computing; any other input
(a filtered expression, a Spark table, a memtable) takes the portable Ibis expression.  The
parity tests in ``tests/store/test_derived.py`` hold the two paths to the same results.

Variants are grouped by an order-sensitive fingerprint of each case's sequence: the sum of
64-bit hashes of ``(activity, position)`` plus the case's length.  Two different sequences
would have to collide on a 64-bit sum to be merged (probability about ``v² / 2⁶⁵`` for ``v``
variants: below 10⁻⁸ for a million variants); the key stored for a variant is rebuilt from one
of its cases' real events.  Whatever depends only on a case's sequence — its key, first and
last activity, number of distinct activities, and the distinct cases behind each DFG arc and
activity — is computed on one representative case per variant and weighed by the variant's
number of cases, which is far less work than over every event.

The window pass carries activities as small integer codes (their rank by name) and nothing it
does not need (case attributes are checked in a group-by of their own): every payload column
makes its sort dearer.  Text columns of ``events`` may be stored as ``ENUM``; the derived
tables hold them as ``VARCHAR`` whatever the storage type.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb
import ibis.expr.operations as ops
import ibis.expr.types as ir

from journeylens import schema
from journeylens._util.sql import has_table, ident
from journeylens.store.rows import first_row

if TYPE_CHECKING:
    from ibis.backends.duckdb import Backend as DuckDBBackend

__all__ = ["DERIVED_VERSION", "derived_source", "rebuild"]

#: Bump when the derived tables change shape; older stamps make the analyses fall back.
DERIVED_VERSION = 1

_ACTS = "_jl_acts"
_STEPS = "_jl_steps"
_CASE_ROWS = "_jl_case_rows"
_SPANS = "_jl_spans"
_VREPS = "_jl_vreps"
_REP_STEPS = "_jl_rep_steps"
_VINFO = "_jl_vinfo"
#: Temporary scratch tables of a rebuild, dropped at its end.
_SCRATCH = (_ACTS, _STEPS, _CASE_ROWS, _SPANS, _VREPS, _REP_STEPS, _VINFO)
EDGES = "_jl_dfg_edges"
NODES = "_jl_dfg_nodes"
VARIANTS = "_jl_variants"
STAMP = "_jl_derived"
#: Derived tables that live in the workspace file (the :data:`_SCRATCH` tables are temporary).
TABLES = (EDGES, NODES, VARIANTS, STAMP)


def _micro_seconds(later: str, earlier: str) -> str:
    """Seconds between two timestamps, written exactly as Ibis compiles ``cases._seconds``."""
    return f"CAST(date_diff('microsecond', {earlier}, {later}) AS DOUBLE) / 1000000"


def _duration_sql(seconds: str) -> str:
    return (
        f"avg({seconds}) AS mean_s, quantile_cont({seconds}, [0.5, 0.9]) AS _q, "
        f"min({seconds}) AS min_s, max({seconds}) AS max_s, sum({seconds}) AS total_s"
    )


def rebuild(con: duckdb.DuckDBPyConnection, *, source_id: int) -> tuple[list[str], int, int]:
    """Rebuild ``cases`` and the derived tables from ``events`` (inside the caller's transaction).

    Returns the case attributes (attribute columns constant within every case), the number of
    cases whose rows from source ``source_id`` are out of time order, and the number of
    duplicate events of that source (rows repeating another row's case, activity, timestamp
    and resource): two import checks that ride on the same window pass.
    """
    described = con.execute("DESCRIBE events").fetchall()
    types = {str(r[0]): str(r[1]) for r in described}
    attrs = [c for c in types if c not in schema.CANONICAL]

    def text(column: str, expr: str) -> str:
        """``expr`` (a value of ``column``) as the derived tables hold it: an ENUM as VARCHAR."""
        return f"CAST({expr} AS VARCHAR)" if types[column].startswith("ENUM(") else expr

    sid = int(source_id)
    # Activity codes 0..n-1 in name order (whatever the column's storage type): the window
    # pass and the aggregates carry small integers; names come back only in the outputs.
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {_ACTS} AS SELECT activity,
            {text("activity", "activity")} AS name,
            CAST(row_number() OVER (ORDER BY {text("activity", "activity")}) - 1 AS INTEGER) AS k
        FROM (SELECT DISTINCT activity FROM events)"""
    )
    tied = (
        f"(source_id = {sid} AND (timestamp = lag(timestamp) OVER w "
        "OR timestamp = lead(timestamp) OVER w))"
    )
    # One window pass: per event, the next activity and the time to it, its position, whether
    # its resource/department differs from the previous non-null one (a hand-off), and whether
    # it is a row of this source that came earlier in the file than the row of this source
    # before it in time (a case's rows of the source are out of time order iff some such
    # adjacent pair is).  Nothing else rides along: every payload column makes the sort dearer.
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {_STEPS} AS SELECT case_id, a.k, timestamp,
            lead(a.k) OVER w AS nk,
            {_micro_seconds("lead(timestamp) OVER w", "timestamp")} AS gap_s,
            row_number() OVER w AS pos,
            resource <> lag(resource IGNORE NULLS) OVER w AS res_change,
            department <> lag(department IGNORE NULLS) OVER w AS dep_change,
            source_id = {sid} AND lag(CASE WHEN source_id = {sid} THEN event_index END
                IGNORE NULLS) OVER w > event_index AS out_of_order,
            {tied} AS _tied, CASE WHEN {tied} THEN resource END AS _tie_resource
        FROM events JOIN {_ACTS} a USING (activity)
        WINDOW w AS (PARTITION BY case_id ORDER BY timestamp, event_index)"""
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {_CASE_ROWS} AS SELECT case_id,
            min(timestamp) AS start, max(timestamp) AS "end", count(*) AS events,
            count(*) FILTER (WHERE res_change) AS _handoffs_resource,
            count(*) FILTER (WHERE dep_change) AS _handoffs_department,
            sum(hash(a.name, s.pos)) AS _fingerprint,
            count(*) FILTER (WHERE out_of_order) AS _out_of_order
        FROM {_STEPS} s JOIN {_ACTS} a USING (k) GROUP BY case_id"""
    )
    case_attributes: list[str] = []
    if attrs:
        # Constant within a case <=> min = max in every case (nulls ignored).  A group-by of
        # its own: carried through the window, the attributes would cost more than this.
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {_SPANS} AS SELECT case_id"
            + "".join(
                f', min({ident(c)}) AS "_lo{k}", max({ident(c)}) AS "_hi{k}"'
                for k, c in enumerate(attrs)
            )
            + " FROM events GROUP BY case_id"
        )
        varying = first_row(
            con.execute(
                "SELECT "
                + ", ".join(
                    f'count(*) FILTER (WHERE "_lo{k}" <> "_hi{k}")' for k in range(len(attrs))
                )
                + f" FROM {_SPANS}"
            )
        )
        case_attributes = [c for c, n in zip(attrs, varying, strict=True) if n == 0]
    out_of_order = first_row(
        con.execute(f"SELECT count(*) FROM {_CASE_ROWS} WHERE _out_of_order > 0")
    )[0]
    # Duplicates share their case and timestamp, so in time order each of them sits next to
    # a row with the same timestamp: grouping the (few) tied rows finds them all, without a
    # group-by over every event.
    duplicates = first_row(
        con.execute(
            f"""SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM {_STEPS}
           WHERE _tied GROUP BY case_id, k, timestamp, _tie_resource HAVING count(*) > 1)"""
        )
    )[0]

    # Variants: one representative case per fingerprint.  Everything that depends only on a
    # case's sequence (its key, first and last activity, distinct activities, the distinct
    # arcs and activities behind the DFG's case counts) is read from the representatives'
    # events and weighed by the variant's number of cases: far fewer rows than all events.
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {_VREPS} AS SELECT _fingerprint, events,
            min(case_id) AS rep, count(*) AS n,
            CAST(row_number() OVER (ORDER BY _fingerprint, events) AS INTEGER) AS _variant_id
        FROM {_CASE_ROWS} GROUP BY _fingerprint, events"""
    )
    # (The representatives' rows are picked by a semi-join first: cheaper than joining all
    # events to the variants.)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {_REP_STEPS} AS SELECT v._variant_id, v.n, s.pos, s.k,
            s.nk FROM (SELECT case_id, pos, k, nk FROM {_STEPS}
                WHERE case_id IN (SELECT rep FROM {_VREPS})) s
            JOIN {_VREPS} v ON v.rep = s.case_id"""
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {_VINFO} AS
        WITH v AS (SELECT _variant_id, count(DISTINCT k) AS activities,
                list_sort(list(struct_pack(p := pos, k := k))) AS seq
            FROM {_REP_STEPS} GROUP BY _variant_id)
        SELECT _variant_id, activities, names[seq[1].k + 1] AS first_activity,
            names[seq[-1].k + 1] AS last_activity,
            array_to_string(list_transform(seq, x -> names[x.k + 1]), chr(31)) AS key
        FROM v, (SELECT list(name ORDER BY k) AS names FROM {_ACTS})"""
    )
    attr_cols = "".join(
        f", {text(a, f'p._lo{attrs.index(a)}')} AS {ident(a)}" for a in case_attributes
    )
    spans_join = f"JOIN {_SPANS} p USING (case_id)" if case_attributes else ""
    con.execute(
        f"""CREATE OR REPLACE TABLE cases AS SELECT c.case_id, c.start, c."end",
            {_micro_seconds('c."end"', "c.start")} AS duration_s, c.events, i.activities,
            i.first_activity, i.last_activity{attr_cols},
            c._handoffs_resource, c._handoffs_department, v._variant_id
        FROM {_CASE_ROWS} c JOIN {_VREPS} v USING (_fingerprint, events)
        JOIN {_VINFO} i USING (_variant_id) {spans_join}
        ORDER BY c.case_id"""
    )
    # The per-variant figures of `variants()`, aggregated once here: at query time only the
    # ranking (top-k, coverage) is left, over one row per variant.
    con.execute(
        f"""CREATE OR REPLACE TABLE {VARIANTS} AS
        WITH a AS (SELECT _variant_id, count(*) AS count, max(events) AS length,
                avg(duration_s) AS mean_duration_s,
                quantile_cont(duration_s, 0.5) AS median_duration_s
            FROM cases GROUP BY _variant_id)
        SELECT _variant_id, key, count, length, mean_duration_s, median_duration_s,
            row_number() OVER (ORDER BY count DESC, key) AS rank
        FROM {_VINFO} JOIN a USING (_variant_id) ORDER BY rank"""
    )

    # The directly-follows graph: frequencies and timings over every arc; the distinct cases
    # per arc / activity from each variant's distinct arcs / activities, times its cases.
    con.execute(
        f"""CREATE OR REPLACE TABLE {EDGES} AS
        WITH t AS (SELECT k, nk, count(*) AS frequency, {_duration_sql("gap_s")}
            FROM {_STEPS} WHERE nk IS NOT NULL GROUP BY k, nk),
        d AS (SELECT k, nk, CAST(sum(n) AS BIGINT) AS cases FROM (SELECT DISTINCT _variant_id,
                n, k, nk FROM {_REP_STEPS} WHERE nk IS NOT NULL) GROUP BY k, nk)
        SELECT s.name AS source, g.name AS target, frequency, cases,
            mean_s, _q[1] AS median_s, _q[2] AS p90_s, min_s, max_s, total_s
        FROM t JOIN d USING (k, nk) JOIN {_ACTS} s ON s.k = t.k JOIN {_ACTS} g ON g.k = t.nk"""
    )
    service = _micro_seconds("timestamp", "start_timestamp")
    con.execute(
        f"""CREATE OR REPLACE TABLE {NODES} AS
        WITH t AS (SELECT activity, count(*) AS frequency, {_duration_sql("_s")}
            FROM (SELECT activity, {service} AS _s FROM events) GROUP BY activity),
        d AS (SELECT k, CAST(sum(n) AS BIGINT) AS cases
            FROM (SELECT DISTINCT _variant_id, n, k FROM {_REP_STEPS}) GROUP BY k)
        SELECT a.name AS activity, frequency, cases, mean_s, _q[1] AS median_s, _q[2] AS p90_s, min_s, max_s,
            total_s
        FROM t JOIN {_ACTS} a USING (activity) JOIN d USING (k)"""
    )
    con.execute(f"CREATE OR REPLACE TABLE {STAMP} AS SELECT {DERIVED_VERSION} AS version")
    for name in _SCRATCH:
        con.execute(f"DROP TABLE IF EXISTS {name}")
    return case_attributes, int(out_of_order), int(duplicates)


def derived_source(events: object) -> DuckDBBackend | None:
    """The DuckDB connection whose derived tables describe ``events``, or ``None``.

    Only the workspace's own, unfiltered ``events`` table qualifies (what ``ws.events`` and
    ``read_events(...).table`` return), on a workspace whose derived tables carry the current
    :data:`DERIVED_VERSION`.  Anything else — a filter applied, a projection, another backend —
    returns ``None`` and the caller computes with its portable Ibis expression.
    """
    table = getattr(events, "table", events)
    if not isinstance(table, ir.Table):
        return None
    op = table.op()
    if not isinstance(op, ops.DatabaseTable) or op.name != "events":
        return None
    backend = op.source
    if getattr(backend, "name", None) != "duckdb" or op.namespace.database not in (None, "main"):
        return None
    con = backend.con
    try:
        if not has_table(con, STAMP):
            return None
        version = con.execute(f"SELECT max(version) FROM {STAMP}").fetchone()[0]
    except duckdb.Error:
        return None
    return backend if version == DERIVED_VERSION else None
