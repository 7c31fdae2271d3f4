"""Variant families of a journey: its instances grouped by the route they took (private; see
:meth:`journeylens.journeys.journey.Journey.variant_families`).

A journey instance's **variant family** is the set of touchpoints it reached, each marked when
it was entered more than once, written in the journey's own order (stage, then the order of
the definition)::

    Order placed → Credit check → … → Technician visit ×2+ → Order details corrected → …

* *Touchpoints, not activities*: sub-steps of one touchpoint (``Technician visit`` and
  ``Technician visit failed``) are one step.
* *Reached, not the order they came in*: work done in parallel (equipment shipped before or
  after the appointment was booked) interleaves differently in almost every instance — in the
  demo world 754 home moves follow 505 distinct touchpoint sequences but 8 families — while
  which touchpoints the customer went through, and which were repeated, is what a journey
  owner calls a route (the happy path, "with a correction and a second visit", "remote fix
  only").
* *Repeats*: a touchpoint entered again after another one (a second technician visit after a
  rebooking) is marked ``×2+`` (two or more visits fall together); the same touchpoint twice
  in a row (a duplicate, or a sub-step logged again) is one visit.  Rework touchpoints are
  steps like any other: their presence is what sets a rework route apart.
* *Customer contacts* ("where is my order?") are left out: they do not move the journey along
  and are counted by ``n_contacts``.  An instance with contacts only has the empty path,
  labelled ``(no touchpoint)``.

Families are ranked by instances, then by path (byte order of the key), so their ids (``F1``
for the most frequent) are the same across runs and input row orders.  The most frequent are
kept (``top``, ``coverage``, ``min_share``); the rest are pooled into ``other``.  Labels say
how a family differs from ``F1`` when that is short (``F2 (23%): F1 + Technician visit ×2+ +
Order details corrected``), else its path (``first → second → … → last (N steps)`` beyond six
steps; the full path is in the table).

The paths are one Ibis query over the journey's shared per-event frame (two group-bys, no
window of their own: the previous touchpoint is a column of the frame), so on DuckDB they cost
a scan of the frame that the instance table has already materialised; they are computed only
when asked for (families view, voice table, drivers, diagnosis), never by ``instances()``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from journeylens._util.fmt import share
from journeylens.errors import InputError
from journeylens.journeys import store as _journey_store
from journeylens.journeys.frame import INSTANCE, frame

if TYPE_CHECKING:
    from journeylens.journeys.bound import BoundJourney
    from journeylens.mining.filters import Filter

#: The instance column holding the family label (voice table, drivers, diagnosis).
FAMILY = "variant_family"
#: Columns of :func:`variant_families`.
FAMILY_COLUMNS = (
    "family",
    "label",
    "path",
    "steps",
    "paths",
    "instances",
    "share",
    "cumulative_share",
    "median_duration_s",
    "promise_met",
)
OTHER = "other"
NO_TOUCHPOINT = "(no touchpoint)"
#: Marks a touchpoint entered two or more times.
REPEATED = " ×2+"
#: Joins the steps of a path key; as in :data:`journeylens.mining.variants.VARIANT_SEPARATOR`.
_SEP = "\x1f"
#: Ends a step of a key when its touchpoint was entered more than once (never in a name).
_MARK = "\x1e"
#: Paths of a family label shown in full up to this many steps (else first two … last).
_FULL_PATH = 6
#: A label says how a family differs from F1 when that takes at most this many changes (and
#: at most half as many as the family has steps).
_MAX_CHANGES = 4


def _positions(journey: BoundJourney) -> dict[str, int]:
    """Touchpoint name → its place in the journey: stage order, then definition order."""
    d = journey.definition
    stage = {s: i for i, s in enumerate(d.stages)}
    order = sorted(
        range(len(d.touchpoints)),
        key=lambda i: (stage.get(d.touchpoints[i].stage, len(stage)), i),
    )
    return {d.touchpoints[i].name: rank for rank, i in enumerate(order)}


def family_paths(journey: BoundJourney, filters: Filter | None = None) -> ir.Table:
    """``instance_id, path``: each instance's path key (lazy Ibis; see the module docstring).

    The key joins the touchpoints reached, in the journey's order, each followed by an
    internal mark when entered more than once; ``""`` when the instance has contacts only.
    """
    ev = frame(journey, filters)
    is_tp = ~ev.is_contact
    # An entry: the previous touchpoint (contacts skipped) is another one, or there is none.
    entry = is_tp & (ev.from_touchpoint.isnull() | (ev.from_touchpoint != ev.touchpoint))
    per_tp = ev.group_by([ev[INSTANCE], ev.touchpoint]).agg(
        _events=is_tp.cast("int64").sum(), _visits=entry.cast("int64").sum()
    )
    positions = _positions(journey)
    place = per_tp.touchpoint.substitute(positions, else_=len(positions)).cast("int64")
    token = per_tp.touchpoint.concat(ibis.ifelse(per_tp._visits > 1, _MARK, ""))
    step = ibis.struct({"p": place, "t": token})
    per_inst = per_tp.group_by(INSTANCE).agg(
        # sorted (place, step) structs: the portable form of ARRAY_AGG(... ORDER BY place)
        path=step.collect(where=per_tp._events > 0).sort().map(lambda e: e.t).join(_SEP)
    )
    return per_inst.select(INSTANCE, path=per_inst.path.fill_null(""))


def _paths(journey: BoundJourney, filters: Filter | None) -> pd.DataFrame:
    """:func:`family_paths` as pandas, kept on the Journey object (like its instances)."""
    memo = journey.__dict__.setdefault("_jl_family_paths", {})
    key = None if filters is None else repr(filters)
    if key not in memo:
        stored = _journey_store.read(journey, "paths", filters)
        if stored is None:
            stored = family_paths(journey, filters).to_pyarrow().to_pandas()
        memo[key] = stored
    return memo[key]


def _steps(key: str) -> list[tuple[str, bool]]:
    """A path key → ``[(touchpoint, repeated), ...]``."""
    if not key:
        return []
    return [(s.removesuffix(_MARK), s.endswith(_MARK)) for s in key.split(_SEP)]


def _text(step: tuple[str, bool]) -> str:
    return step[0] + (REPEATED if step[1] else "")


def _path_text(steps: list[tuple[str, bool]]) -> str:
    if not steps:
        return NO_TOUCHPOINT
    texts = [_text(s) for s in steps]
    if len(texts) <= _FULL_PATH:
        return " → ".join(texts)
    return " → ".join([*texts[:2], "…", texts[-1]]) + f" ({len(texts)} steps)"


def _changes(steps: list[tuple[str, bool]], base: list[tuple[str, bool]], place) -> list[str]:
    """How ``steps`` differ from ``base``: ``+ X``, ``− X``, ``X once``, in journey order."""
    mine, theirs = dict(steps), dict(base)
    out = []
    for name in sorted(mine.keys() | theirs.keys(), key=lambda n: (place.get(n, len(place)), n)):
        if name not in theirs:
            out.append(f"+ {_text((name, mine[name]))}")
        elif name not in mine:
            out.append(f"− {name}")
        elif mine[name] and not theirs[name]:
            out.append(f"+ {name}{REPEATED}")
        elif theirs[name] and not mine[name]:
            out.append(f"with {name} once")
    return out


def _rank(
    paths: pd.Series,
    place: dict[str, int],
    *,
    top: int | None,
    coverage: float | None,
    min_share: float | None,
) -> tuple[pd.DataFrame, dict[str, tuple[str, str]]]:
    """The family table (without the instance measures) and path key → (id, label)."""
    counts = paths.value_counts().rename_axis("key").reset_index(name="instances")
    counts = counts.sort_values(
        ["instances", "key"], ascending=[False, True], kind="stable"
    ).reset_index(drop=True)
    n = counts["instances"].to_numpy().astype("int64")
    total = float(n.sum()) or 1.0
    keep = len(n) if top is None else min(top, len(n))
    if coverage is not None:
        # As in variants(): a family is kept while those before it cover less than asked.
        keep = min(keep, int(np.count_nonzero((np.cumsum(n) - n) / total < coverage)))
    if min_share is not None:
        keep = min(keep, int(np.count_nonzero(n / total >= min_share)))
    keys = counts["key"].tolist()
    base = _steps(keys[0]) if keys else []
    # family, label, steps, length, variants, instances (None / NA: the rarer paths pooled)
    rows: list[tuple[str, str, tuple[str, ...] | None, Any, int, int]] = []
    labels = {}
    for i in range(keep):
        steps = _steps(keys[i])
        fid = f"F{i + 1}"
        desc = _path_text(steps)
        changes = _changes(steps, base, place) if i and steps and base else []
        # The changes say it better than the path only when they are few and the path long.
        if changes and len(changes) <= min(_MAX_CHANGES, len(steps) // 2):
            desc = "F1 " + " ".join(changes)
        label = f"{fid} ({share(n[i] / total)}): {desc}"
        labels[keys[i]] = (fid, label)
        rows.append((fid, label, tuple(_text(s) for s in steps), len(steps), 1, int(n[i])))
    if keep < len(n):
        rest = int(n[keep:].sum())
        k = len(n) - keep
        label = f"{OTHER} ({share(rest / total)}): {k} rarer path{'s' if k > 1 else ''}"
        for key in keys[keep:]:
            labels[key] = (OTHER, label)
        rows.append((OTHER, label, None, pd.NA, k, rest))
    table = pd.DataFrame(rows, columns=list(FAMILY_COLUMNS[:6]))
    table["share"] = table["instances"] / total
    table["cumulative_share"] = table["instances"].cumsum() / total
    table["steps"] = table["steps"].astype("Int64")
    table["paths"] = table["paths"].astype("int64")
    table["instances"] = table["instances"].astype("int64")
    return table, labels


def _check(top: int | None, coverage: float | None, min_share: float | None) -> None:
    if top is not None and (isinstance(top, bool) or not isinstance(top, int) or top < 1):
        raise InputError(f"top must be a positive integer (families kept), got {top!r}")
    if coverage is not None and not 0 < coverage <= 1:
        raise InputError(f"coverage must be a share in (0, 1], got {coverage!r}")
    if min_share is not None and not 0 <= min_share < 1:
        raise InputError(f"min_share must be a share in [0, 1), got {min_share!r}")


def _families(
    journey: BoundJourney,
    filters: Filter | None,
    top: int | None,
    coverage: float | None,
    min_share: float | None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    _check(top, coverage, min_share)
    paths = _paths(journey, filters)
    table, labels = _rank(
        paths["path"], _positions(journey), top=top, coverage=coverage, min_share=min_share
    )
    per = paths[[INSTANCE]].copy()
    looked = paths["path"].map(labels)
    per["family"] = [x[0] for x in looked]
    per[FAMILY] = [x[1] for x in looked]
    return table, per


def instance_families(
    journey: BoundJourney,
    filters: Filter | None = None,
    *,
    top: int | None = 8,
    coverage: float | None = None,
    min_share: float | None = 0.01,
) -> pd.DataFrame:
    """See :meth:`journeylens.journeys.journey.Journey.instance_families`."""
    _table, per = _families(journey, filters, top, coverage, min_share)
    return per.sort_values(INSTANCE, kind="stable").reset_index(drop=True)


def variant_families(
    journey: BoundJourney,
    filters: Filter | None = None,
    *,
    top: int | None = 8,
    coverage: float | None = None,
    min_share: float | None = 0.01,
) -> pd.DataFrame:
    """See :meth:`journeylens.journeys.journey.Journey.variant_families`."""
    table, per = _families(journey, filters, top, coverage, min_share)
    inst = journey.instances(filters)[[INSTANCE, "duration_s", "promise_met"]]
    merged = inst.merge(per, on=INSTANCE, how="inner")
    met = merged["promise_met"].astype("Float64")
    merged = merged.assign(_met=met)
    stats = merged.groupby("family", sort=False).agg(
        median_duration_s=("duration_s", "median"), promise_met=("_met", "mean")
    )
    table["median_duration_s"] = table["family"].map(stats["median_duration_s"]).astype(float)
    table["promise_met"] = table["family"].map(stats["promise_met"]).astype(float)
    return table[list(FAMILY_COLUMNS)]
