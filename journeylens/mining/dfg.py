"""Directly-follows graph (DFG) with frequencies and timings, computed with Ibis.

Two events *directly follow* each other when they are consecutive in their case, ordered by
``timestamp`` and then ``event_index`` (source order) for ties — the rule of
:mod:`journeylens.schema`.  The whole graph is one window pass (``lead`` over the case) plus one
group-by, and one plain group-by for the activity nodes; no self-join, so it scales with the
backend (DuckDB here, Spark later).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any, Literal

import ibis.expr.types as ir
import pandas as pd

from journeylens._util.plain import records
from journeylens.mining.cases import (
    _BASE,
    Quantiles,
    _duration_aggs,
    _optional,
    _require,
    _seconds,
    _window,
)
from journeylens.mining.processmap import ProcessMap
from journeylens.schema import ACTIVITY, CASE, ORDER, START, TIMESTAMP
from journeylens.store import derived
from journeylens.store.derived import derived_source

__all__ = ["DFG", "discover_dfg", "discover_map"]

_TIMES = ("mean_s", "median_s", "p90_s", "min_s", "max_s", "total_s")
EDGE_COLUMNS: tuple[str, ...] = ("source", "target", "frequency", "cases", *_TIMES)
ACTIVITY_COLUMNS: tuple[str, ...] = ("activity", "frequency", "cases", *_TIMES)


@dataclass(frozen=True, eq=False)
class DFG:
    """A directly-follows graph; every table is a small pandas DataFrame.

    Attributes
    ----------
    edges
        One row per arc type ``source → target``: ``frequency`` (how many times it occurs),
        ``cases`` (distinct cases using it), and the time between the two events' completion
        timestamps in seconds: ``mean_s``, ``median_s``, ``p90_s``, ``min_s``, ``max_s``,
        ``total_s``.  Sorted by frequency (descending), then source, target.
    activities
        One row per activity: ``frequency`` (events), ``cases``, and its service time
        (``timestamp - start_timestamp``) with the same statistics, null when no event of the
        activity has a start timestamp.  Sorted by frequency (descending), then name.
    start, end
        ``activity``, ``cases``: how many cases start / end with the activity.
    """

    edges: pd.DataFrame
    activities: pd.DataFrame
    start: pd.DataFrame
    end: pd.DataFrame

    @property
    def cases(self) -> int:
        """Number of cases (every case has exactly one start activity)."""
        return int(self.start["cases"].sum())

    @property
    def events(self) -> int:
        """Number of events."""
        return int(self.activities["frequency"].sum())

    @property
    def arcs(self) -> int:
        """Number of directly-follows pairs; always ``events - cases``."""
        return int(self.edges["frequency"].sum())

    def to_dict(self) -> dict[str, Any]:
        """The graph as plain JSON-able data.

        Returns
        -------
        dict
            ``{"nodes": [{"activity", "frequency", "cases", "mean_s", ...}], "edges":
            [{"source", "target", "frequency", "cases", "mean_s", "median_s", "p90_s",
            "min_s", "max_s", "total_s"}], "start": {activity: cases}, "end": {...}}``;
            missing times are ``None``.
        """
        return {
            "nodes": records(self.activities),
            "edges": records(self.edges),
            "start": {
                str(a): int(n) for a, n in zip(self.start.activity, self.start.cases, strict=True)
            },
            "end": {str(a): int(n) for a, n in zip(self.end.activity, self.end.cases, strict=True)},
        }

    def __repr__(self) -> str:
        return (
            f"<DFG {len(self.activities)} activities, {len(self.edges)} edges, "
            f"{self.arcs:,} arcs, {self.cases:,} cases>"
        )

    def _repr_html_(self) -> str:
        top = self.edges.head(15)[["source", "target", "frequency", "cases", "median_s"]]
        title = html.escape(repr(self))
        return (
            f"<div><strong>{title}</strong>"
            f"<p>Most frequent edges (median time in seconds):</p>{top.to_html(index=False)}"
            f"<p>Start: {html.escape(_counts_text(self.start))}<br>"
            f"End: {html.escape(_counts_text(self.end))}</p></div>"
        )


def _counts_text(frame: pd.DataFrame, limit: int = 8) -> str:
    parts = [f"{a} ({n:,})" for a, n in zip(frame.activity, frame.cases, strict=True)][:limit]
    more = len(frame) - limit
    return ", ".join(parts) + (f", … {more} more" if more > 0 else "")


def _sorted(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Deterministic order: count descending, then the names."""
    return frame.sort_values(keys, ascending=[False] + [True] * (len(keys) - 1)).reset_index(
        drop=True
    )


def discover_dfg(events: ir.Table, *, quantiles: Quantiles = "exact") -> DFG:
    """Discover the directly-follows graph of an event log, with arc and activity timings.

    Events in a case are ordered by ``timestamp``, then ``event_index`` for ties (events with
    the same timestamp follow each other in source order).  A one-event case has no arc but
    counts as a start and an end.

    Parameters
    ----------
    events
        Canonical events (see :mod:`journeylens.schema`); needs ``case_id``, ``activity``,
        ``timestamp``, ``event_index``; ``start_timestamp`` is used for service times.
    quantiles
        ``"exact"`` (default) computes medians and 90th percentiles exactly with linear
        interpolation (DuckDB ``quantile_cont``, numpy's default); ``"approx"`` uses the
        backend's approximate quantile, cheaper on very large logs.

    Returns
    -------
    DFG
        ``edges``, ``activities``, ``start`` and ``end`` as pandas DataFrames; durations are
        seconds between the two events' completion timestamps.

    Examples
    --------
    >>> from datetime import datetime as dt
    >>> import ibis, pyarrow as pa
    >>> from journeylens.mining.dfg import discover_dfg
    >>> ev = ibis.memtable(
    ...     pa.table(
    ...         {
    ...             "case_id": ["c1", "c1", "c2"],
    ...             "activity": ["A", "B", "A"],
    ...             "timestamp": [dt(2024, 1, 1, 9), dt(2024, 1, 1, 9, 30), dt(2024, 1, 2, 9)],
    ...             "event_index": [0, 1, 2],
    ...         }
    ...     )
    ... )
    >>> dfg = discover_dfg(ev)
    >>> dfg.edges[["source", "target", "frequency", "mean_s"]].to_dict("records")
    [{'source': 'A', 'target': 'B', 'frequency': 1, 'mean_s': 1800.0}]
    >>> dfg.to_dict()["start"], dfg.to_dict()["end"]
    ({'A': 2}, {'A': 1, 'B': 1})
    """
    events = _require(events, _BASE, caller="discover_dfg")
    backend = derived_source(events) if quantiles == "exact" else None
    if backend is not None:
        # The workspace's unfiltered events: the graph was derived at import, exactly as below.
        arcs = backend.con.execute(f"SELECT * FROM {derived.EDGES}").to_arrow_table().to_pandas()
        nodes = backend.con.execute(f"SELECT * FROM {derived.NODES}").to_arrow_table().to_pandas()
        ends = backend.con.execute(
            "SELECT 'start', first_activity, count(*) FROM cases GROUP BY ALL UNION ALL "
            "SELECT 'end', last_activity, count(*) FROM cases GROUP BY ALL"
        ).fetchall()
        start, end = (
            pd.DataFrame(
                [(a, n) for kind, a, n in ends if kind == which], columns=["activity", "cases"]
            )
            for which in ("start", "end")
        )
        return _dfg(arcs, nodes, start, end)
    w = _window(events)
    # One window pass: each event with the next one of its case (null after the last event).
    pairs = events.select(
        case_id=events[CASE],
        source=events[ACTIVITY],
        target=events[ACTIVITY].lead().over(w),
        is_first=events[ORDER].lag().over(w).isnull(),
        gap_s=_seconds(events[TIMESTAMP].lead().over(w), events[TIMESTAMP]),
    )
    # One group-by gives the arcs and, in the rows with a null target, the end activities;
    # summing is_first per source gives the start activities.
    grouped = pairs.group_by(["source", "target"]).agg(
        frequency=pairs.count(),
        cases=pairs.case_id.nunique(),
        starts=pairs.case_id.count(where=pairs.is_first),
        **_duration_aggs(pairs.gap_s, how=quantiles),
    )
    arcs = grouped.to_pyarrow().to_pandas()

    # Activities need no order, so no window: a plain group-by with service times.
    timed = events.mutate(
        _service_s=_seconds(events[TIMESTAMP], _optional(events, START, "timestamp"))
    )
    nodes = (
        timed.group_by(ACTIVITY)
        .agg(
            frequency=timed.count(),
            cases=timed[CASE].nunique(),
            **_duration_aggs(timed._service_s, how=quantiles),
        )
        .to_pyarrow()
        .to_pandas()
    )

    last = arcs["target"].isna()
    end = arcs.loc[last, ["source", "frequency"]].set_axis(["activity", "cases"], axis=1)
    start = (
        arcs.groupby("source", as_index=False)["starts"]
        .sum()
        .set_axis(["activity", "cases"], axis=1)
    )
    return _dfg(arcs.loc[~last], nodes, start[start["cases"] > 0], end)


def _dfg(edges: pd.DataFrame, nodes: pd.DataFrame, start: pd.DataFrame, end: pd.DataFrame) -> DFG:
    """The DFG in its documented column order, types and row order."""
    edges = edges[list(EDGE_COLUMNS)].astype({"frequency": "int64", "cases": "int64"})
    return DFG(
        edges=_sorted(edges, ["frequency", "source", "target"]),
        activities=_sorted(
            nodes[list(ACTIVITY_COLUMNS)].astype({"frequency": "int64", "cases": "int64"}),
            ["frequency", "activity"],
        ),
        start=_sorted(start.astype({"cases": "int64"}), ["cases", "activity"]),
        end=_sorted(end.astype({"cases": "int64"}), ["cases", "activity"]),
    )


def discover_map(
    events: ir.Table,
    *,
    activities: float = 100,
    paths: float = 100,
    measure: Literal["frequency", "performance"] = "frequency",
    statistic: str | None = None,
    quantiles: Quantiles = "exact",
) -> ProcessMap:
    """Discover a simplified process map from events, the way Disco's sliders work.

    The activity slider keeps the most frequent activities (``ceil(n * activities / 100)``,
    at least one, ties by name) and then *projects the log onto them*: events of hidden
    activities are set aside and the remaining events of each case directly follow each other,
    so ``A → X → B`` becomes ``A → B`` when ``X`` is hidden, with the time from ``A`` to ``B``.
    The path slider then thins the arcs of that map while keeping every activity connected from
    start to end (see :meth:`ProcessMap.simplify`).

    Examples
    --------
    >>> pm = discover_map(ws.events, activities=50, paths=20)  # doctest: +SKIP
    >>> pm.to_svg()  # doctest: +SKIP
    """
    full = discover_dfg(events, quantiles=quantiles)
    if activities >= 100:
        dfg = full
    else:
        probe = ProcessMap.from_dfg(full).simplify(activities=activities, paths=100)
        kept = [str(a) for a in probe.activities["activity"]]
        table = getattr(events, "table", events)
        dfg = discover_dfg(table.filter(table[ACTIVITY].isin(kept)), quantiles=quantiles)
    pm = ProcessMap.from_dfg(dfg, measure=measure, statistic=statistic)  # type: ignore[arg-type]
    return pm.simplify(activities=100, paths=paths)
