"""Activity, resource and department statistics, hand-offs and ping-pong, with Ibis.

"Previous event" means the previous event of the same case, ordered by ``timestamp`` and then
``event_index`` (source order) for ties — the rule of :mod:`journeylens.schema`.  Times:

- *waiting time* of an event: seconds since the previous event of its case completed (null
  for the first event of a case);
- *service time*: ``timestamp - start_timestamp``, where a start timestamp is known.

Results are small, so they come back as pandas DataFrames in a deterministic order.
"""

from __future__ import annotations

from typing import Literal

import ibis
import ibis.expr.types as ir
import pandas as pd

from journeylens.errors import InputError
from journeylens.mining.cases import (
    _BASE,
    Quantiles,
    _optional,
    _quantile,
    _require,
    _seconds,
    _window,
)
from journeylens.schema import ACTIVITY, CASE, DEPARTMENT, RESOURCE, START, TIMESTAMP

__all__ = ["handoff_matrix", "ping_pong", "summary_stats"]

#: Who owns an event, for hand-offs and ping-pong.
Owner = Literal["department", "resource"]
_OWNERS: dict[str, str] = {"department": DEPARTMENT, "resource": RESOURCE}


def _owner(by: str) -> str:
    try:
        return _OWNERS[by]
    except KeyError:
        raise InputError(f"by must be 'department' or 'resource', got {by!r}") from None


_COUNTS = ("events", "cases", "count", "occurrences")


def _sorted(frame: pd.DataFrame, count: str, keys: list[str]) -> pd.DataFrame:
    """Count descending, then the keys: the same input always gives the same row order."""
    out = frame.sort_values([count, *keys], ascending=[False] + [True] * len(keys))
    return out.reset_index(drop=True).astype({c: "int64" for c in out.columns if c in _COUNTS})


#: What summary statistics can be grouped by.
GroupBy = Literal["activity", "resource", "department"]
_GROUPS: dict[str, str] = {"activity": ACTIVITY, "resource": RESOURCE, "department": DEPARTMENT}


def summary_stats(
    events: ir.Table, *, by: GroupBy = "activity", quantiles: Quantiles = "exact"
) -> pd.DataFrame:
    """Volume, waiting time and service time per activity, resource or department.

    Events in a case are ordered by ``timestamp``, then ``event_index`` for ties; events with
    no value in the ``by`` column are left out.

    Parameters
    ----------
    events
        Canonical events; needs ``case_id``, ``activity``, ``timestamp``, ``event_index`` and
        the ``by`` column; ``start_timestamp`` (optional) gives service times.
    by
        ``"activity"`` (default), ``"resource"`` or ``"department"``.
    quantiles
        ``"exact"`` (default, interpolated like numpy) or ``"approx"`` medians.

    Returns
    -------
    pandas.DataFrame
        The ``by`` column, ``events``, ``cases``, ``mean_wait_s`` / ``median_wait_s`` (seconds
        since the previous event of the case, none for a case's first event) and
        ``mean_service_s`` / ``median_service_s`` (null without start timestamps), sorted by
        ``events`` descending, then the ``by`` value.

    Examples
    --------
    >>> from datetime import datetime as dt
    >>> import ibis, pyarrow as pa
    >>> from journeylens.mining.stats import summary_stats
    >>> ev = ibis.memtable(
    ...     pa.table(
    ...         {
    ...             "case_id": ["c1", "c1"],
    ...             "activity": ["A", "B"],
    ...             "timestamp": [dt(2024, 1, 1, 9), dt(2024, 1, 1, 9, 10)],
    ...             "resource": ["ann", "bob"],
    ...             "department": ["front", "back"],
    ...             "event_index": [0, 1],
    ...         }
    ...     )
    ... )
    >>> summary_stats(ev)[["activity", "events", "mean_wait_s"]].to_dict("records")
    [{'activity': 'A', 'events': 1, 'mean_wait_s': nan}, {'activity': 'B', 'events': 1, 'mean_wait_s': 600.0}]
    >>> summary_stats(ev, by="department")[["department", "mean_wait_s"]].to_dict("records")
    [{'department': 'back', 'mean_wait_s': 600.0}, {'department': 'front', 'mean_wait_s': nan}]
    """
    if by not in _GROUPS:
        raise InputError(f"by must be one of {sorted(_GROUPS)}, got {by!r}")
    key = _GROUPS[by]
    events = _require(events, (*_BASE, key), caller="summary_stats")
    w = _window(events)
    timed = events.select(
        key=events[key],
        case_id=events[CASE],
        wait_s=_seconds(events[TIMESTAMP], events[TIMESTAMP].lag().over(w)),
        service_s=_seconds(events[TIMESTAMP], _optional(events, START, "timestamp")),
    )
    timed = timed.filter(timed.key.notnull())
    out = (
        timed.group_by("key")
        .agg(
            events=timed.count(),
            cases=timed.case_id.nunique(),
            mean_wait_s=timed.wait_s.mean(),
            median_wait_s=_quantile(timed.wait_s, 0.5, quantiles),
            mean_service_s=timed.service_s.mean(),
            median_service_s=_quantile(timed.service_s, 0.5, quantiles),
        )
        .to_pyarrow()
        .to_pandas()
        .rename(columns={"key": key})
    )
    return _sorted(out, "events", [key])


def _owned(events: ir.Table, by: str, caller: str) -> tuple[ir.Table, str]:
    """Events that have an owner: hand-offs skip events without one (``A, -, B`` is A→B)."""
    owner = _owner(by)
    events = _require(events, (*_BASE, owner), caller=caller)
    return events.filter(events[owner].notnull()), owner


def handoff_matrix(
    events: ir.Table, *, by: Owner = "department", quantiles: Quantiles = "exact"
) -> pd.DataFrame:
    """Who hands work to whom: owner changes between consecutive events of a case.

    Events in a case are ordered by ``timestamp``, then ``event_index`` for ties.  Events
    without an owner are skipped, so ``A, (none), B`` is one hand-off A→B.

    Parameters
    ----------
    events
        Canonical events; needs ``case_id``, ``activity``, ``timestamp``, ``event_index`` and
        the owner column.
    by
        ``"department"`` (default) or ``"resource"``.
    quantiles
        ``"exact"`` (default) or ``"approx"`` medians.

    Returns
    -------
    pandas.DataFrame
        ``from``, ``to``, ``count`` (hand-offs), ``cases`` (distinct cases with one),
        ``mean_wait_s`` / ``median_wait_s`` (seconds from the last event of ``from`` to the
        event of ``to``), sorted by ``count`` descending, then ``from``, ``to``.

    Examples
    --------
    >>> from datetime import datetime as dt
    >>> import ibis, pyarrow as pa
    >>> from journeylens.mining.stats import handoff_matrix
    >>> ev = ibis.memtable(
    ...     pa.table(
    ...         {
    ...             "case_id": ["c1", "c1", "c1"],
    ...             "activity": ["A", "B", "C"],
    ...             "timestamp": [dt(2024, 1, 1, 9), dt(2024, 1, 1, 9, 10), dt(2024, 1, 1, 10)],
    ...             "department": ["front", "front", "back"],
    ...             "event_index": [0, 1, 2],
    ...         }
    ...     )
    ... )
    >>> handoff_matrix(ev)[["from", "to", "count", "mean_wait_s"]].to_dict("records")
    [{'from': 'front', 'to': 'back', 'count': 1, 'mean_wait_s': 3000.0}]
    """
    owned, owner = _owned(events, by, "handoff_matrix")
    w = _window(owned)
    steps = owned.select(
        case_id=owned[CASE],
        to=owned[owner],
        src=owned[owner].lag().over(w),
        wait_s=_seconds(owned[TIMESTAMP], owned[TIMESTAMP].lag().over(w)),
    )
    moves = steps.filter(steps.src.notnull() & (steps.src != steps.to))
    out = (
        moves.group_by(["src", "to"])
        .agg(
            count=moves.count(),
            cases=moves.case_id.nunique(),
            mean_wait_s=moves.wait_s.mean(),
            median_wait_s=_quantile(moves.wait_s, 0.5, quantiles),
        )
        .to_pyarrow()
        .to_pandas()
        .rename(columns={"src": "from"})
    )
    return _sorted(out, "count", ["from", "to"])


def ping_pong(events: ir.Table, *, by: Owner = "department") -> pd.DataFrame:
    """Ping-pong between two owners: work goes A → B and comes straight back to A.

    Events in a case are ordered by ``timestamp``, then ``event_index`` for ties; events
    without an owner are skipped and consecutive events of the same owner form one stay, so
    ``A, A, B, B, A`` is one ping-pong and ``A, B, A, B`` two (A→B→A and B→A→B).

    Parameters
    ----------
    events
        Canonical events; needs ``case_id``, ``activity``, ``timestamp``, ``event_index`` and
        the owner column.
    by
        ``"department"`` (default) or ``"resource"``.

    Returns
    -------
    pandas.DataFrame
        ``a``, ``b`` (the pair, ``a < b``: A→B→A and B→A→B count for the same pair),
        ``occurrences`` and ``cases`` (distinct cases with at least one), sorted by
        ``occurrences`` descending, then ``a``, ``b``.

    Examples
    --------
    >>> from datetime import datetime as dt
    >>> import ibis, pyarrow as pa
    >>> from journeylens.mining.stats import ping_pong
    >>> ev = ibis.memtable(
    ...     pa.table(
    ...         {
    ...             "case_id": ["c1"] * 4,
    ...             "activity": ["A", "B", "C", "D"],
    ...             "timestamp": [dt(2024, 1, 1, h) for h in range(4)],
    ...             "department": ["front", "back", "front", "back"],
    ...             "event_index": list(range(4)),
    ...         }
    ...     )
    ... )
    >>> ping_pong(ev).to_dict("records")
    [{'a': 'back', 'b': 'front', 'occurrences': 2, 'cases': 1}]
    """
    owned, owner = _owned(events, by, "ping_pong")
    # Pass 1: keep the first event of each stay (owner differs from the previous owner).
    w = _window(owned)
    marked = owned.mutate(_prev=owned[owner].lag().over(w))
    stays = marked.filter(marked._prev.isnull() | (marked._prev != marked[owner]))
    # Pass 2: over the stays, a ping-pong is a stay whose neighbours have the same owner.
    w2 = _window(stays)
    around = stays.select(
        case_id=stays[CASE],
        middle=stays[owner],
        before=stays[owner].lag().over(w2),
        after=stays[owner].lead().over(w2),
    )
    bounces = around.filter(around.before.notnull() & (around.before == around.after))
    pairs = bounces.select(
        case_id=bounces.case_id,
        a=ibis.least(bounces.before, bounces.middle),
        b=ibis.greatest(bounces.before, bounces.middle),
    )
    out = (
        pairs.group_by(["a", "b"])
        .agg(occurrences=pairs.count(), cases=pairs.case_id.nunique())
        .to_pyarrow()
        .to_pandas()
    )
    return _sorted(out, "occurrences", ["a", "b"])
