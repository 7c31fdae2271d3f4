"""A workspace's cases as units for :mod:`journeylens.explain.causes`: :func:`case_units`,
:func:`case_target` (text targets such as ``"duration > 30d"``) and :func:`case_causes`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.types as ir
import pandas as pd

from journeylens._util.patterns import column_matches
from journeylens.diagnose.steps import is_contact, normalise
from journeylens.errors import InputError
from journeylens.explain.causes import Causes, find_causes
from journeylens.mining.cases import _BASE, _ranked, _require, case_table
from journeylens.schema import ACTIVITY, CANONICAL, CASE, CHANNEL

if TYPE_CHECKING:
    from journeylens.mining.filters import Filter


def _events_of(source: Any) -> tuple[ir.Table, ir.Table | None]:
    """(events, stored case table or None) of a workspace, an EventLog or an Ibis table."""
    if hasattr(source, "events") and hasattr(source, "cases") and hasattr(source, "backend"):
        return source.events, source.cases
    return _require(source, _BASE, caller="case_units"), None


def case_units(
    source: Any,
    *,
    filters: Filter | None = None,
    event_attributes: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The case table with case attributes and event attributes aggregated per case.

    Parameters
    ----------
    source
        A :class:`~journeylens.Workspace`, an event log, or an Ibis table of events.
    filters
        A :class:`~journeylens.mining.filters.Filter` applied to the events first.
    event_attributes
        Event columns to carry to the case as their first non-null value in event order
        (default: every non-canonical event column the case table does not already have).
        The channel of a case's first event is added as ``first_channel``.

    Returns
    -------
    pandas.DataFrame
        One row per case: the columns of :func:`~journeylens.mining.cases.case_table`, the case
        attributes, the aggregated event attributes and ``first_channel``.
    """
    events, stored = _events_of(source)
    if filters is not None:
        events = filters.apply(events)
    ct = case_table(events)
    if stored is not None:
        extra = [c for c in stored.columns if c not in ct.columns]
        ct = ct.left_join(stored.select(CASE, *extra), CASE).select(*ct.columns, *extra)
    taken = set(ct.columns)
    if event_attributes is None:
        event_attributes = [c for c in events.columns if c not in CANONICAL and c not in taken]
    aggs = {}
    for c in event_attributes:
        if c not in events.columns:
            raise InputError(
                f"event attribute {c!r} is not a column of the events; "
                f"available: {', '.join(map(repr, events.columns))}"
            )
        aggs[c] = _first_non_null(events, c)
    if CHANNEL in events.columns and "first_channel" not in taken:
        aggs["first_channel"] = _ranked(events, events[CHANNEL]).min().v
    if aggs:
        per_case = events.group_by(CASE).agg(**aggs)
        ct = ct.left_join(per_case, CASE).select(*ct.columns, *aggs)
    frame = ct.to_pyarrow().to_pandas()
    return frame.sort_values(CASE).reset_index(drop=True)


def _first_non_null(events: ir.Table, column: str) -> ir.Scalar:
    col = events[column]
    # Structs with a null payload still compare by (timestamp, index): null those out first.
    ranked = ibis.ifelse(
        col.notnull(), _ranked(events, col), ibis.null(_ranked(events, col).type())
    )
    return ranked.min().v


def _matching(events: ir.Table, pattern: str) -> ir.BooleanValue:
    return column_matches(events[ACTIVITY], [pattern])


def case_target(
    source: Any, units: pd.DataFrame, spec: str, *, filters: Filter | None = None
) -> tuple[pd.Series, str]:
    """A target for :func:`find_causes` on the cases of ``units``, from a short text.

    ``spec`` is one of ``"slow"`` (the case duration, a continuous measure), ``"rework"``
    (an activity repeats in the case), ``"activity:PATTERN"`` (the case has an event matching
    PATTERN: an exact name or glob, ignoring case, or a ``re:`` regex; see
    :mod:`journeylens._util.patterns`), ``"repeat:PATTERN"`` (two or more such events) or the
    name of a column of ``units``.  Returns the target and a label for the sentences.
    """
    if spec == "slow":
        return units["duration_s"].rename("duration_s"), "slow"
    if spec == "rework":
        # Rework as the diagnosis sees it: work done again, a failed attempt included.
        events, _ = _events_of(source)
        if filters is not None:
            events = filters.apply(events)
        events = events.filter(~is_contact(events, None))  # a customer chasing is not rework
        counts = events.group_by([CASE, ACTIVITY]).agg(n=events.count()).to_pyarrow().to_pandas()
        counts["norm"] = counts[ACTIVITY].map(normalise)
        per = counts.groupby([CASE, "norm"])["n"].sum()
        reworked = set(per[per >= 2].index.get_level_values(0))
        return units[CASE].isin(reworked).rename("rework"), "rework"
    kind, _, pattern = spec.partition(":")
    if kind in ("activity", "repeat") and pattern:
        events, _ = _events_of(source)
        if filters is not None:
            events = filters.apply(events)
        hits = events.filter(_matching(events, pattern))
        counts = hits.group_by(CASE).agg(n=hits.count()).to_pyarrow().to_pandas()
        n = units[CASE].map(dict(zip(counts[CASE], counts["n"], strict=True))).fillna(0)
        if n.sum() == 0:
            known = events.select(ACTIVITY).distinct().to_pyarrow().column(0).to_pylist()
            known = sorted(k for k in known if k is not None)[:30]
            raise InputError(
                f"no event matches the activity pattern {pattern!r}; activities include: "
                f"{', '.join(map(repr, known))}"
            )
        if kind == "activity":
            return (n >= 1).rename(spec), f"'{pattern}'"
        return (n >= 2).rename(spec), f"repeated '{pattern}'"
    if spec in units.columns:
        return units[spec], spec
    raise InputError(
        f"unknown target {spec!r}: expected 'slow', 'rework', 'activity:PATTERN', "
        f"'repeat:PATTERN' or a column of the case table ({', '.join(map(repr, units.columns))})"
    )


def case_causes(
    source: Any,
    target: str = "slow",
    *,
    filters: Filter | None = None,
    adjust_for: Sequence[str] = (),
    attributes: Sequence[str] | None = None,
    min_support: int = 30,
    **options: Any,
) -> Causes:
    """Root causes of a case outcome in a workspace (or event table).

    Parameters
    ----------
    source
        A workspace, an event log or an Ibis table of events.
    target
        ``"slow"`` (default), ``"rework"``, ``"activity:PATTERN"``, ``"repeat:PATTERN"`` or a
        column of the case table (see :func:`case_target`).
    filters
        Applied to the events first (e.g. one journey type).
    adjust_for, attributes, min_support, options
        Passed to :func:`find_causes`.

    Examples
    --------
    >>> ws = journeylens.Workspace.open("demo-workspace")  # doctest: +SKIP
    >>> case_causes(ws, "repeat:Technician visit*", adjust_for=["journey"]).sentences(1)  # doctest: +SKIP
    ['Cases with field_team = Team Falcon are repeated ... 1.5× as often ...']
    """
    units = case_units(source, filters=filters)
    y, label = case_target(source, units, target, filters=filters)
    return find_causes(
        units,
        y,
        attributes=attributes,
        adjust_for=adjust_for,
        min_support=min_support,
        label=options.pop("label", label),
        **options,
    )
