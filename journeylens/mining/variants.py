"""Process variants: the distinct activity sequences of cases, computed with Ibis.

A case's sequence orders its events by ``timestamp``, then ``event_index`` (source order) for
ties — the rule of :mod:`journeylens.schema`.  The sequence is one array aggregation per case:
``(timestamp, event_index, activity)`` structs collected and sorted (the portable equivalent
of ``ARRAY_AGG(activity ORDER BY timestamp, event_index)``, which Ibis cannot compile for
Spark), joined into a string *key* so that cases can be grouped and filtered by variant on
any backend.
"""

from __future__ import annotations

from collections.abc import Iterable

import ibis.expr.types as ir
import numpy as np
import pandas as pd

from journeylens.errors import InputError
from journeylens.mining.cases import _BASE, Quantiles, _quantile, _ranked, _require, _seconds
from journeylens.schema import ACTIVITY, CASE, TIMESTAMP
from journeylens.store import derived
from journeylens.store.derived import derived_source

__all__ = ["VARIANT_SEPARATOR", "case_variants", "variant_key", "variants"]

#: Joins activity names into a variant key.  The ASCII unit separator never occurs in real
#: activity names and sorts before every printable character, so sorting keys sorts variants
#: like tuples (a prefix before its extensions).
VARIANT_SEPARATOR = "\x1f"

VARIANT_COLUMNS: tuple[str, ...] = (
    "variant",
    "key",
    "length",
    "count",
    "share",
    "cumulative_share",
    "mean_duration_s",
    "median_duration_s",
)


def variant_key(activities: Iterable[str]) -> str:
    """The key of the variant made of ``activities``, as in :func:`case_variants`.

    Examples
    --------
    >>> from journeylens.mining.variants import variant_key
    >>> variant_key(["A", "B"]) == "A\\x1fB"
    True
    """
    return VARIANT_SEPARATOR.join(activities)


def case_variants(events: ir.Table) -> ir.Table:
    """The variant of every case (lazy Ibis table), for grouping and filtering by variant.

    Events in a case are ordered by ``timestamp``, then ``event_index`` for ties.

    Parameters
    ----------
    events
        Canonical events; needs ``case_id``, ``activity``, ``timestamp``, ``event_index``.

    Returns
    -------
    ibis.Table
        ``case_id``; ``variant``, the activity names in order joined by
        :data:`VARIANT_SEPARATOR` (build one with :func:`variant_key`); ``events``; and
        ``duration_s`` (last minus first timestamp, seconds).

    Examples
    --------
    >>> from datetime import datetime as dt
    >>> import ibis, pyarrow as pa
    >>> from journeylens.mining.variants import case_variants, variant_key
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
    >>> cv = case_variants(ev)
    >>> cv.filter(cv.variant == variant_key(["A", "B"])).case_id.to_list()
    ['c1']
    """
    events = _require(events, _BASE, caller="case_variants")
    per_case = events.group_by(CASE).agg(
        # collect (timestamp, event_index, activity), sort, keep the activity: the portable
        # form of ARRAY_AGG(activity ORDER BY timestamp, event_index)
        variant=_ranked(events, events[ACTIVITY])
        .collect()
        .sort()
        .map(lambda e: e.v)
        .join(VARIANT_SEPARATOR),
        events=events.count(),
        start=events[TIMESTAMP].min(),
        end=events[TIMESTAMP].max(),
    )
    return per_case.select(
        CASE, "variant", "events", duration_s=_seconds(per_case.end, per_case.start)
    )


def variants(
    events: ir.Table,
    *,
    top: int | None = None,
    coverage: float | None = None,
    quantiles: Quantiles = "exact",
) -> pd.DataFrame:
    """Count the process variants (distinct activity sequences of cases).

    Events in a case are ordered by ``timestamp``, then ``event_index`` for ties.

    Parameters
    ----------
    events
        Canonical events; needs ``case_id``, ``activity``, ``timestamp``, ``event_index``.
    top
        Keep only the ``top`` most frequent variants.
    coverage
        Keep the most frequent variants until they cover at least this share of the cases
        (0 < coverage <= 1): the variant that crosses the threshold is included.  With ``top``
        too, both limits apply.
    quantiles
        ``"exact"`` (default) or ``"approx"`` median of case durations.

    Returns
    -------
    pandas.DataFrame
        One row per variant, sorted by ``count`` descending then by sequence (deterministic):
        ``variant`` (tuple of activity names), ``key`` (as in :func:`case_variants`),
        ``length``, ``count`` (cases), ``share`` and ``cumulative_share`` (of all cases), and
        ``mean_duration_s`` / ``median_duration_s`` of the cases' durations.  Shares are always
        relative to all cases, also when ``top`` or ``coverage`` cut the table.

    Examples
    --------
    >>> from datetime import datetime as dt
    >>> import ibis, pyarrow as pa
    >>> from journeylens.mining.variants import variants
    >>> ev = ibis.memtable(
    ...     pa.table(
    ...         {
    ...             "case_id": ["c1", "c1", "c2", "c2", "c3"],
    ...             "activity": ["A", "B", "A", "B", "A"],
    ...             "timestamp": [dt(2024, 1, 1, h) for h in range(5)],
    ...             "event_index": list(range(5)),
    ...         }
    ...     )
    ... )
    >>> variants(ev)[["variant", "count", "cumulative_share"]].to_dict("records")
    [{'variant': ('A', 'B'), 'count': 2, 'cumulative_share': 0.6666666666666666}, {'variant': ('A',), 'count': 1, 'cumulative_share': 1.0}]
    """
    if top is not None and (isinstance(top, bool) or not isinstance(top, int) or top < 1):
        raise InputError(f"top must be a positive integer, got {top!r}")
    if coverage is not None and not 0 < coverage <= 1:
        raise InputError(f"coverage must be a share in (0, 1], got {coverage!r}")
    backend = derived_source(events) if quantiles == "exact" else None
    if backend is not None:
        # The workspace's unfiltered events: the per-variant figures were derived at import
        # (the same aggregates as below); only the ranking is left.
        table = backend.con.execute(
            f"""SELECT key AS variant, count, length, mean_duration_s, median_duration_s
            FROM {derived.VARIANTS} ORDER BY rank"""
        ).to_arrow_table()
    else:
        cv = case_variants(events)
        per_variant = cv.group_by("variant").agg(
            count=cv.count(),
            length=cv.events.max(),  # the same for every case of a variant
            mean_duration_s=cv.duration_s.mean(),
            median_duration_s=_quantile(cv.duration_s, 0.5, quantiles),
        )
        # Ranked here as the derived table was ranked at import: count descending, then the
        # key, which sorts like the activity tuple (see VARIANT_SEPARATOR; byte order).
        table = per_variant.to_pyarrow().sort_by(
            [("count", "descending"), ("variant", "ascending")]
        )
    # top / coverage cut the ranked per-variant table (small: one row per variant).
    counts = table.column("count").to_numpy().astype("int64")
    total = float(counts.sum()) or 1.0  # an empty log has no variants (and no division)
    cumulative = np.cumsum(counts)
    keep = len(counts) if top is None else min(top, len(counts))
    if coverage is not None:
        # Keep a variant while the variants before it cover less than the threshold; divide
        # exactly as cumulative_share does, so 0.3 of 10 cases stops at 3 cases, not 4.
        keep = min(keep, int(np.count_nonzero((cumulative - counts) / total < coverage)))
    table = table.slice(0, keep)
    frame = pd.DataFrame(
        {
            # to_pylist() converts in C; iterating a pandas Arrow-backed column is ~10x slower.
            "variant": [
                tuple(k.split(VARIANT_SEPARATOR)) for k in table.column("variant").to_pylist()
            ],
            "key": table.column("variant").to_pandas(),
            "length": table.column("length").to_numpy(),
            "count": counts[:keep],
            "share": counts[:keep] / total,
            "cumulative_share": cumulative[:keep] / total,
            "mean_duration_s": table.column("mean_duration_s").to_pandas(),
            "median_duration_s": table.column("median_duration_s").to_pandas(),
        }
    )
    return frame.astype({"length": "int64", "count": "int64"}).reset_index(drop=True)
