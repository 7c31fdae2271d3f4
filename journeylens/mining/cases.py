"""One row per case, computed lazily with Ibis (DuckDB now, any Ibis backend later).

Event order inside a case is the documented rule of :mod:`journeylens.schema`: by
``timestamp``, then ``event_index`` (source order) for events with the same timestamp.  Every
"previous" / "next" event, first / last activity and hand-off in this package follows it.

This module also holds the few private helpers the other analysis modules share (column
checks, the case window, seconds between two timestamps, quantiles), so each of them is
written once.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Literal

import ibis
import ibis.expr.types as ir

from journeylens.errors import InputError
from journeylens.schema import (
    ACTIVITY,
    CASE,
    DEPARTMENT,
    ORDER,
    RESOURCE,
    START,
    TIMESTAMP,
)
from journeylens.store.derived import derived_source

if TYPE_CHECKING:
    from ibis.expr.builders import LegacyWindowBuilder

__all__ = ["CASE_COLUMNS", "case_table"]

#: Columns of :func:`case_table`, in order.
CASE_COLUMNS: tuple[str, ...] = (
    CASE,
    "start",
    "end",
    "duration_s",
    "events",
    "activities",
    "rework",
    "handoffs_resource",
    "handoffs_department",
    "first_activity",
    "last_activity",
)

#: Types of :data:`CASE_COLUMNS`.
_CASE_SCHEMA = ibis.schema(
    {
        CASE: "string",
        "start": "timestamp",
        "end": "timestamp",
        "duration_s": "float64",
        "events": "int64",
        "activities": "int64",
        "rework": "int64",
        "handoffs_resource": "int64",
        "handoffs_department": "int64",
        "first_activity": "string",
        "last_activity": "string",
    }
)

#: How medians and percentiles are computed: ``"exact"`` (DuckDB ``quantile_cont``, Spark
#: ``percentile``: linear interpolation, as numpy/pandas do) or ``"approx"`` (a sketch, for very
#: large logs on a cluster).
Quantiles = Literal["exact", "approx"]

#: The columns every analysis needs: who (case), what (activity), when, and the tie-breaker.
_BASE: tuple[str, ...] = (CASE, ACTIVITY, TIMESTAMP, ORDER)


# --------------------------------------------------------------------------- shared helpers


def _require(events: ir.Table, columns: Iterable[str], *, caller: str) -> ir.Table:
    """Check ``events`` has ``columns``; return it as an Ibis table.

    An :class:`~journeylens.store.eventlog.EventLog` (anything with an Ibis ``.table``) is accepted
    for convenience.  Raises :class:`InputError` naming what is missing and what the table has.
    """
    table = getattr(events, "table", events)
    if not isinstance(table, ir.Table):
        raise InputError(
            f"{caller}() expects an Ibis table of events (e.g. journeylens.read_events(path).table), "
            f"got {type(events).__name__}; wrap a DataFrame with ibis.memtable(df)."
        )
    columns = tuple(columns)
    available = list(table.columns)
    missing = [c for c in columns if c not in available]
    if missing:
        shown = ", ".join(repr(c) for c in available)
        raise InputError(
            f"{caller}() needs the column(s) {', '.join(repr(c) for c in missing)}, "
            f"but the table has only: {shown}. Read the log with journeylens.read_events(), "
            "or rename your columns to the canonical names of journeylens.schema."
        )
    for name in (TIMESTAMP, START):
        if name in available and not table[name].type().is_timestamp():
            raise InputError(
                f"{caller}(): column {name!r} must be a timestamp, found {table[name].type()}; "
                "parse it first (journeylens.read_events does)."
            )
    return table


def _optional(events: ir.Table, name: str, dtype: str) -> ir.Value:
    """The column ``name``, or a typed all-null column when the table does not have it."""
    if name in events.columns:
        return events[name]
    return ibis.null(dtype)


def _window(events: ir.Table, *partition: ir.Value) -> LegacyWindowBuilder:
    """The window over a case in event order: ``(timestamp, event_index)``."""
    return ibis.window(
        group_by=[events[CASE], *partition], order_by=[events[TIMESTAMP], events[ORDER]]
    )


def _ranked(events: ir.Table, value: ir.Value) -> ir.StructValue:
    """``value`` wrapped with its event's sort key, so ``min``/``max``/``sort`` follow event order.

    Structs compare field by field, so ``(timestamp, event_index, value)`` orders events by the
    documented rule.  This replaces order-sensitive aggregates (``FIRST(x ORDER BY ...)``,
    ``ARRAY_AGG(x ORDER BY ...)``), which Ibis cannot compile for PySpark; on DuckDB it is as
    fast or faster.
    """
    return ibis.struct({"t": events[TIMESTAMP], "i": events[ORDER], "v": value})


def _seconds(later: ir.TimestampValue, earlier: ir.TimestampValue) -> ir.FloatingValue:
    """Seconds from ``earlier`` to ``later`` (float, microsecond precision).

    ``delta`` in microseconds rather than epoch seconds: it is exact on DuckDB and keeps
    sub-second precision on Spark, where ``unix_timestamp`` truncates to whole seconds.
    """
    return later.delta(earlier, unit="microsecond").cast("float64") / 1_000_000


def _quantile(value: ir.NumericColumn, q: float, how: Quantiles) -> ir.NumericScalar:
    """Exact (interpolated, like numpy) or approximate quantile of ``value``."""
    if how == "exact":
        return value.quantile(q)
    if how == "approx":
        return value.approx_quantile(q)
    raise InputError(f"quantiles must be 'exact' or 'approx', got {how!r}")


def _duration_aggs(seconds: ir.NumericColumn, *, how: Quantiles) -> dict[str, ir.Scalar]:
    """mean / median / p90 / min / max / total of a duration column, as named aggregates."""
    return {
        "mean_s": seconds.mean(),
        "median_s": _quantile(seconds, 0.5, how),
        "p90_s": _quantile(seconds, 0.9, how),
        "min_s": seconds.min(),
        "max_s": seconds.max(),
        "total_s": seconds.sum(),
    }


# --------------------------------------------------------------------------- case table


def _changes(events: ir.Table, owner: str) -> ir.BooleanValue:
    """True where an event's owner differs from the previous *non-null* owner of its case.

    Partitioning by ``(case_id, owner IS NULL)`` makes ``lag`` skip the events without an
    owner, so ``A, (none), B`` counts as one hand-off A→B; ``IGNORE NULLS`` would say the same
    but is not portable across backends.  Events without an owner are never a change.
    """
    if owner not in events.columns:
        return ibis.literal(False)
    col = events[owner]
    previous = col.lag().over(_window(events, col.isnull()))
    return (col != previous).fill_null(False)


def case_table(events: ir.Table) -> ir.Table:
    """One row per case with its span, size, rework and hand-offs (lazy Ibis table).

    Events in a case are ordered by ``timestamp``, then ``event_index`` for ties.

    Parameters
    ----------
    events
        Canonical events (see :mod:`journeylens.schema`); needs ``case_id``, ``activity``,
        ``timestamp`` and ``event_index``.  ``resource`` / ``department`` are optional (their
        hand-off counts are null without them).

    Returns
    -------
    ibis.Table
        Columns :data:`CASE_COLUMNS`:

        - ``start`` / ``end``: first and last completion timestamp;
        - ``duration_s``: ``end - start`` in seconds (0 for a one-event case);
        - ``events``: number of events; ``activities``: distinct activities;
        - ``rework``: ``events - activities``, i.e. repeated executions of an activity;
        - ``handoffs_resource`` / ``handoffs_department``: how often the owner changes between
          consecutive events, skipping events without an owner (``A, -, B`` is one hand-off);
        - ``first_activity`` / ``last_activity``.

    Examples
    --------
    >>> from datetime import datetime as dt
    >>> import ibis, pyarrow as pa
    >>> from journeylens.mining.cases import case_table
    >>> ev = ibis.memtable(
    ...     pa.table(
    ...         {
    ...             "case_id": ["c1", "c1", "c1"],
    ...             "activity": ["A", "B", "A"],
    ...             "timestamp": [dt(2024, 1, 1, 9), dt(2024, 1, 1, 10), dt(2024, 1, 1, 10, 30)],
    ...             "resource": ["ann", "bob", "ann"],
    ...             "event_index": [0, 1, 2],
    ...         }
    ...     )
    ... )
    >>> row = case_table(ev).to_pyarrow().to_pylist()[0]
    >>> print(row["duration_s"], row["rework"], row["handoffs_resource"], row["last_activity"])
    5400.0 1 2 A
    """
    events = _require(events, _BASE, caller="case_table")
    backend = derived_source(events)
    if backend is not None:
        # The workspace's unfiltered events: the case table was derived at import.
        return backend.sql(
            """SELECT case_id, start, "end", duration_s, events, activities,
                events - activities AS rework,
                CAST(_handoffs_resource AS BIGINT) AS handoffs_resource,
                CAST(_handoffs_department AS BIGINT) AS handoffs_department,
                first_activity, last_activity FROM cases""",
            schema=_CASE_SCHEMA,
        )
    flagged = events.mutate(
        _res_change=_changes(events, RESOURCE),
        _dep_change=_changes(events, DEPARTMENT),
    )
    ranked = _ranked(flagged, flagged[ACTIVITY])
    has_dep = DEPARTMENT in events.columns
    has_res = RESOURCE in events.columns
    grouped = flagged.group_by(CASE).agg(
        start=flagged[TIMESTAMP].min(),
        end=flagged[TIMESTAMP].max(),
        events=flagged.count(),
        activities=flagged[ACTIVITY].nunique(),
        handoffs_resource=(
            flagged[CASE].count(where=flagged._res_change) if has_res else ibis.null("int64")
        ),
        handoffs_department=(
            flagged[CASE].count(where=flagged._dep_change) if has_dep else ibis.null("int64")
        ),
        first_activity=ranked.min().v,
        last_activity=ranked.max().v,
    )
    return grouped.select(
        CASE,
        "start",
        "end",
        duration_s=_seconds(grouped.end, grouped.start),
        events=grouped.events,
        activities=grouped.activities,
        rework=grouped.events - grouped.activities,
        handoffs_resource=grouped.handoffs_resource.cast("int64"),
        handoffs_department=grouped.handoffs_department.cast("int64"),
        first_activity=grouped.first_activity,
        last_activity=grouped.last_activity,
    )
