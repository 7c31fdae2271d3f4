"""Journey analyses: touchpoint KPIs, journey KPIs, the watermelon view and the journey map.

Departments watch their touchpoints — volume, processing time, SLA attainment — and see
green; customers live the whole journey, and the journey can still be red.  This module puts
the two side by side:

* :func:`touchpoint_kpis` — per touchpoint: volume, instances, processing and wait times,
  SLA attainment, repeats (computed in the engine, one pass over the journey's events);
* :func:`journey_kpis` — per journey (overall, per week or month, or per segment): end-to-end
  p50/p90, consistency (p90/p50, coefficient of variation), promise attainment, touchpoints,
  handoffs and customer contacts per journey, repeat contacts, first-contact resolution
  (contact journeys), rework share, drop-out and cancellation;
* :func:`watermelon` — touchpoint SLA attainment next to promise attainment, the end-to-end
  time decomposed into processing, waiting inside a lane, waiting at handoffs between lanes
  and rework, flagged when the touchpoints are green while the journey is red, with the
  biggest contributors named;
* :func:`journey_map` — the stages × lanes grid (customer lane on top) with touchpoints,
  volumes and times, handoff arrows, contacts per stage, and a ``satisfaction`` slot per
  stage that voice-of-the-customer analyses fill.

The time rules are those of :mod:`journeylens.journeys.frame` (see ``docs/journeys.md``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import ibis
import pandas as pd

from journeylens._util.fmt import duration, share
from journeylens._util.plain import records
from journeylens.errors import InputError
from journeylens.journeys import frame as jf
from journeylens.journeys import store as _journey_store
from journeylens.mining.filters import Filter

if TYPE_CHECKING:
    from journeylens.journeys.bound import BoundJourney

__all__ = [
    "COMPONENTS",
    "JourneyMap",
    "Watermelon",
    "contacts_by_stage",
    "journey_kpis",
    "journey_map",
    "touchpoint_kpis",
    "watermelon",
]

#: The parts of the end-to-end time, as instance columns, with their labels.
COMPONENTS: dict[str, str] = {
    "processing_s": "processing",
    "wait_in_lane_s": "wait inside a lane",
    "wait_handoff_s": "wait at handoffs",
    "rework_s": "rework",
}


@contextmanager
def _materialized(journey: BoundJourney, filters: Filter | None, *, window: bool = False):
    """The frame computed once for the several analyses of a journey.

    Shared by instances, touchpoints, watermelon and map (see
    :func:`journeylens.journeys.frame.frame`); ``window`` is kept for callers and ignored:
    ``in_promise`` is joined on where it is needed (:func:`_time_by_place`).
    """
    yield jf.frame(journey, filters)


def _num(x: Any) -> float | None:
    if x is None or x is pd.NA:
        return None
    try:
        f = float(x)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


# --------------------------------------------------------------------------- touchpoints


def touchpoint_kpis(
    journey: BoundJourney, filters: Filter | None = None, *, _ev: Any = None
) -> pd.DataFrame:
    """Per touchpoint: volume, processing and wait times, SLA attainment and repeats.

    An event meets its SLA when its processing time is within ``sla`` and the wait before it
    (start minus the completion of the previous event outside the customer lane) is within
    ``wait_sla``; an event with nothing before it to wait for meets the wait target.
    Attainment is over the events whose targets can be checked (processing needs a start
    timestamp).  Customer contacts appear as touchpoints with ``is_contact`` true.

    Returns
    -------
    pandas.DataFrame
        ``touchpoint, stage, lane, channel, customer_facing, value_class, is_contact, volume,
        instances, cases, reach`` (share of instances with it), ``mean/median/p90_processing_s,
        median/p90_wait_s, sla_s, wait_sla_s, sla_events, sla_met, sla_attainment, repeats,
        repeat_share``, in the definition's touchpoint order, contacts last.
    """
    if _ev is None:
        stored = _journey_store.read(journey, "touchpoints", filters)
        if stored is not None:
            return stored
        with _materialized(journey, filters) as ev:
            return touchpoint_kpis(journey, filters, _ev=ev)
    d = journey.definition
    ev = _ev
    sla = {tp.name: tp.sla_s for tp in d.touchpoints if tp.sla_s is not None}
    wait_sla = {tp.name: tp.wait_sla_s for tp in d.touchpoints if tp.wait_sla_s is not None}
    tgt = ev.touchpoint.substitute(sla, else_=ibis.null("float64")) if sla else None
    wtgt = ev.touchpoint.substitute(wait_sla, else_=ibis.null("float64")) if wait_sla else None
    has_target = ibis.literal(False)
    ok = ibis.literal(True)
    checkable = ibis.literal(True)
    if tgt is not None:
        has_target = has_target | tgt.notnull()
        ok = ok & (tgt.isnull() | (ev.processing_s <= tgt))
        checkable = checkable & (tgt.isnull() | ev.processing_s.notnull())
    if wtgt is not None:
        has_target = has_target | wtgt.notnull()
        ok = ok & (wtgt.isnull() | ev.wait_before_s.isnull() | (ev.wait_before_s <= wtgt))
    evaluated = has_target & checkable
    ev = ev.mutate(_eval=evaluated, _met=evaluated & ok.fill_null(False))
    agg = ev.group_by(["touchpoint", "is_contact"]).agg(
        volume=ev.count(),
        instances=ev.instance_id.nunique(),
        cases=ev.case_id.nunique(),
        mean_processing_s=ev.processing_s.mean(),
        median_processing_s=ev.processing_s.quantile(0.5),
        p90_processing_s=ev.processing_s.quantile(0.9),
        median_wait_s=ev.wait_before_s.quantile(0.5),
        p90_wait_s=ev.wait_before_s.quantile(0.9),
        sla_events=ev._eval.cast("int64").sum(),
        sla_met=ev._met.cast("int64").sum(),
        repeats=ev.is_repeat.cast("int64").sum(),
        lane=ev.lane.mode(),
        stage=ev.stage.mode(),
        channel=ev.channel.mode() if "channel" in ev.columns else ibis.null("string"),
    )
    df = agg.to_pyarrow().to_pandas()
    n_instances = _instance_count(journey, filters, ev)
    tps = {tp.name: (i, tp) for i, tp in enumerate(d.touchpoints)}
    rows = []
    for r in df.to_dict(orient="records"):
        pos, tp = tps.get(r["touchpoint"], (len(tps), None))
        contact = bool(r["is_contact"])
        rows.append(
            {
                "touchpoint": r["touchpoint"],
                "stage": tp.stage if tp is not None and not contact else r["stage"],
                "lane": r["lane"] if tp is None or tp.lane is None or contact else tp.lane,
                "channel": (tp.channel if tp is not None and tp.channel else r["channel"]),
                "customer_facing": True if tp is None else tp.customer_facing,
                "value_class": "non-value-adding" if tp is None else tp.value_class,
                "is_contact": contact,
                "volume": int(r["volume"]),
                "instances": int(r["instances"]),
                "cases": int(r["cases"]),
                "reach": r["instances"] / n_instances if n_instances else None,
                "mean_processing_s": r["mean_processing_s"],
                "median_processing_s": r["median_processing_s"],
                "p90_processing_s": r["p90_processing_s"],
                "median_wait_s": r["median_wait_s"],
                "p90_wait_s": r["p90_wait_s"],
                "sla_s": None if tp is None else tp.sla_s,
                "wait_sla_s": None if tp is None else tp.wait_sla_s,
                "sla_events": int(r["sla_events"]),
                "sla_met": int(r["sla_met"]),
                "sla_attainment": r["sla_met"] / r["sla_events"] if r["sla_events"] else None,
                "repeats": int(r["repeats"]),
                "repeat_share": r["repeats"] / r["volume"] if r["volume"] else None,
                "_order": (contact, pos, r["touchpoint"]),
            }
        )
    out = pd.DataFrame(rows, columns=[*_TP_COLUMNS, "_order"])
    if len(out):
        out = out.sort_values("_order", key=lambda s: s.map(lambda t: t)).reset_index(drop=True)
    return out.drop(columns="_order")


_TP_COLUMNS = (
    "touchpoint",
    "stage",
    "lane",
    "channel",
    "customer_facing",
    "value_class",
    "is_contact",
    "volume",
    "instances",
    "cases",
    "reach",
    "mean_processing_s",
    "median_processing_s",
    "p90_processing_s",
    "median_wait_s",
    "p90_wait_s",
    "sla_s",
    "wait_sla_s",
    "sla_events",
    "sla_met",
    "sla_attainment",
    "repeats",
    "repeat_share",
)


def _instance_count(journey: BoundJourney, filters: Filter | None, ev: Any = None) -> int:
    key = None if filters is None else repr(filters)
    if key in journey._cache or ev is None:
        return len(journey.instances(filters))
    return int(ev.instance_id.nunique().execute())


# --------------------------------------------------------------------------- journey KPIs


def _kpi_row(inst: pd.DataFrame, journey: BoundJourney) -> dict[str, Any]:
    d = journey.definition
    n = len(inst)
    dur = inst["duration_s"]
    p50 = dur.quantile(0.5) if n else float("nan")
    p90 = dur.quantile(0.9) if n else float("nan")
    mean = dur.mean() if n else float("nan")
    promise = inst["promise_met"].dropna()
    total = dur.sum()
    row: dict[str, Any] = {
        "instances": n,
        "median_s": p50,
        "p90_s": p90,
        "mean_s": mean,
        "consistency": p90 / p50 if n and p50 > 0 else None,
        "cv": dur.std(ddof=0) / mean if n and mean > 0 else None,
        "promise_attainment": float(promise.astype(bool).mean()) if len(promise) else None,
        "promise_evaluated": len(promise),
        "touchpoints_per_journey": inst["n_touchpoints"].mean() if n else None,
        "handoffs_per_journey": inst["n_handoffs"].mean() if n else None,
        "contacts_per_journey": inst["n_contacts"].mean() if n else None,
        "contact_share": (inst["n_contacts"] > 0).mean() if n else None,
        "repeat_contacts_per_journey": inst["n_repeat_contacts"].mean() if n else None,
        "repeat_contact_share": (inst["n_contacts"] > 1).mean() if n else None,
        "rework_share": inst["rework"].mean() if n else None,
        "cancellation_share": inst["cancelled"].mean() if n else None,
        "drop_out_share": (
            float((~inst["completed"].fillna(False).astype(bool)).mean())
            if n and d.completion
            else None
        ),
    }
    if d.kind == "contact":
        # Resolved without the customer having to come back, and without rework.
        fcr = (inst["n_contacts"] == 0) & ~inst["rework"]
        if d.completion:
            fcr &= inst["completed"].fillna(False).astype(bool)
        row["first_contact_resolution"] = fcr.mean() if n else None
    for col in COMPONENTS:
        row["time_" + col.removesuffix("_s") + "_share"] = (
            inst[col].sum() / total if n and total > 0 else None
        )
    return row


def journey_kpis(
    journey: BoundJourney, *, by: str | None = None, filters: Filter | None = None
) -> pd.DataFrame:
    """Journey KPIs overall (one row), or one row per ``"week"``, ``"month"`` or segment.

    Parameters
    ----------
    by
        ``None``; ``"week"`` / ``"month"`` (of the instance start; weeks start on Monday);
        or any column of :meth:`Journey.instances` — a case attribute such as ``region``, or
        ``start_channel``.

    Returns
    -------
    pandas.DataFrame
        ``instances, median_s, p90_s, mean_s, consistency`` (p90/p50), ``cv`` (coefficient of
        variation), ``promise_attainment, promise_evaluated, touchpoints_per_journey,
        handoffs_per_journey, contacts_per_journey, contact_share,
        repeat_contacts_per_journey, repeat_contact_share, rework_share, cancellation_share,
        drop_out_share`` (null without ``completion`` patterns),
        ``first_contact_resolution`` (contact journeys), and the shares of the end-to-end time
        ``time_processing_share, time_wait_in_lane_share, time_wait_handoff_share,
        time_rework_share``.
    """
    inst = journey.instances(filters)
    if by is None:
        return pd.DataFrame([_kpi_row(inst, journey)])
    if by in ("week", "month"):
        start = inst["start"]
        key = (
            start.dt.to_period("W-SUN").dt.start_time
            if by == "week"
            else start.dt.to_period("M").dt.start_time
        )
        inst = inst.assign(**{by: key})
    elif by not in inst.columns:
        import difflib

        segments = [
            c
            for c in inst.columns
            if c not in ("instance_id", "case_id", "case_ids", "customer_id")
            and (pd.api.types.is_string_dtype(inst[c]) or pd.api.types.is_bool_dtype(inst[c]))
        ]
        options = ["week", "month", *segments]
        close = difflib.get_close_matches(by, options, n=1)
        raise InputError(
            f"cannot group journey KPIs by {by!r}; use week, month or an instance column: "
            + ", ".join(options)
            + (f"; did you mean {close[0]!r}?" if close else "")
        )
    rows = []
    for value, group in inst.groupby(by, dropna=False, sort=True):
        rows.append({by: None if value is pd.NA else value, **_kpi_row(group, journey)})
    return pd.DataFrame(rows)


def contacts_by_stage(
    journey: BoundJourney, filters: Filter | None = None, *, _ev: Any = None
) -> pd.DataFrame:
    """Customer-initiated contacts per stage the journey was in when the customer made them.

    Returns ``stage, contacts, instances_with_contact, per_100_journeys`` and one
    ``channel_<name>`` count per contact channel, in stage order.
    """
    d = journey.definition
    if _ev is None:
        _ev = jf.frame(journey, filters)
    ev = _ev
    c = ev.filter(ev.is_contact)
    has_channel = "channel" in c.columns
    keys = ["stage", "instance_id", *(["channel"] if has_channel else [])]
    # Contacts are few: one row per (stage, instance, channel) is small enough for pandas.
    rows = c.group_by(keys).agg(contacts=c.count()).to_pyarrow().to_pandas()
    n = _instance_count(journey, filters, ev)
    per = rows.groupby("stage", dropna=False)[["contacts"]].sum()
    inst = rows.groupby("stage")["instance_id"].nunique().rename("i").reset_index()
    df = rows.groupby(["stage", "channel"])["contacts"].sum().reset_index() if has_channel else rows
    out = pd.DataFrame({"stage": list(d.stages)})
    out = out.merge(per.reset_index(), on="stage", how="left").merge(
        inst.rename(columns={"i": "instances_with_contact"}), on="stage", how="left"
    )
    out["contacts"] = out["contacts"].fillna(0).astype("int64")
    out["instances_with_contact"] = out["instances_with_contact"].fillna(0).astype("int64")
    out["per_100_journeys"] = out["contacts"] * 100 / n if n else None
    if has_channel and len(df):
        pivot = df.pivot_table(
            index="stage", columns="channel", values="contacts", aggfunc="sum", fill_value=0
        )
        pivot.columns = [f"channel_{c}" for c in pivot.columns]
        out = out.merge(pivot.reset_index(), on="stage", how="left")
        for col in pivot.columns:
            out[col] = out[col].fillna(0).astype("int64")
    return out


# --------------------------------------------------------------------------- watermelon


@dataclass
class Watermelon:
    """Touchpoint SLAs (the green rind) next to the end-to-end promise (the red flesh).

    Attributes
    ----------
    journey
        The journey's name.
    touchpoints
        :func:`touchpoint_kpis` rows of the touchpoints that have an SLA.
    sla_attainment
        Share of SLA-checked touchpoint events that met their targets (all touchpoints).
    lowest
        ``(touchpoint, attainment)`` of the worst touchpoint.
    touchpoints_green
        Whether every touchpoint with an SLA attains at least ``sla_target``.
    promise_attainment
        Share of instances that kept the promise (``None`` without a promise).
    journey_red
        Whether promise attainment is below ``promise_target``.
    flagged
        Green touchpoints, red journey: the watermelon.
    decomposition
        Total and share of the end-to-end time per component (processing, wait inside a lane,
        wait at handoffs, rework), over all instances and over those that broke the promise.
    contributors
        The biggest places the time goes in instances that broke the promise, between the
        promise's two milestones (without a promise: in all instances, end to end): handoff
        waits per lane pair, in-lane waits per lane, rework and processing per touchpoint;
        ``mean_s`` per broken instance, ``mean_s_kept`` per kept one, ``extra_s`` the
        difference and ``share`` of the broken instances' time in the window.
    promise_window
        The same time per component (processing, waits, rework) between the milestones:
        broken vs kept instances.
    stages
        Mean time per stage, kept vs broken.
    """

    journey: str
    instances: int
    touchpoints: pd.DataFrame
    sla_attainment: float | None
    lowest: tuple[str, float] | None
    touchpoints_green: bool
    promise: str | None
    promise_attainment: float | None
    journey_red: bool
    flagged: bool
    sla_target: float
    promise_target: float
    decomposition: pd.DataFrame
    contributors: pd.DataFrame
    promise_window: pd.DataFrame = field(default_factory=pd.DataFrame)
    stages: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def summary(self) -> str:
        """One paragraph in plain language."""
        n_sla = len(self.touchpoints)
        parts = []
        if n_sla:
            green = int((self.touchpoints["sla_attainment"].fillna(0) >= self.sla_target).sum())
            low = f" (lowest: {self.lowest[0]}, {share(self.lowest[1])})" if self.lowest else ""
            parts.append(
                f"{green} of {n_sla} touchpoints with an SLA meet it at least "
                f"{share(self.sla_target)} of the time{low}"
            )
        else:
            parts.append("no touchpoint has an SLA")
        if self.promise_attainment is not None:
            parts.append(
                f"the promise '{self.promise}' is kept for {share(self.promise_attainment)} of "
                f"{self.instances:,} journeys"
            )
        text = "; ".join(parts) + "."
        if self.flagged:
            text = "Watermelon: green touchpoints, red journey. " + text
        dec = self.decomposition.set_index("component")
        if len(dec):
            shares = ", ".join(
                f"{label} {share(dec.loc[label, 'share'])}"
                for label in COMPONENTS.values()
                if label in dec.index and _num(dec.loc[label, "share"]) is not None
            )
            text += f" End-to-end time: {shares}."
        if len(self.contributors):
            top = self.contributors.head(3)
            named = "; ".join(
                f"{r.kind} {r.where} ({duration(r.mean_s)} per journey)" for r in top.itertuples()
            )
            scope = " where promises broke" if self.promise_attainment is not None else ""
            text += f" Biggest contributors{scope}: {named}."
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "journey": self.journey,
            "instances": self.instances,
            "flagged": self.flagged,
            "touchpoints_green": self.touchpoints_green,
            "journey_red": self.journey_red,
            "sla_target": self.sla_target,
            "promise_target": self.promise_target,
            "sla_attainment": self.sla_attainment,
            "lowest": list(self.lowest) if self.lowest else None,
            "promise": self.promise,
            "promise_attainment": self.promise_attainment,
            "summary": self.summary,
            "touchpoints": records(self.touchpoints),
            "decomposition": records(self.decomposition),
            "contributors": records(self.contributors),
            "promise_window": records(self.promise_window),
            "stages": records(self.stages),
        }

    def _repr_html_(self) -> str:
        return (
            f"<p><b>{self.journey}</b>: {self.summary}</p>"
            + self.decomposition.to_html(index=False)
            + self.contributors.head(10).to_html(index=False)
        )


def watermelon(
    journey: BoundJourney,
    *,
    filters: Filter | None = None,
    sla_target: float = 0.9,
    promise_target: float = 0.9,
    top: int = 8,
) -> Watermelon:
    """Touchpoint SLA attainment against promise attainment, and where the time goes.

    Parameters
    ----------
    sla_target
        A touchpoint is green when it meets its SLA at least this often.
    promise_target
        The journey is red when it keeps its promise less often than this.
    top
        How many contributors to keep.
    """
    for name, v in (("sla_target", sla_target), ("promise_target", promise_target)):
        if not 0 < v <= 1:
            raise InputError(f"{name} must be a share between 0 and 1, got {v!r}")
    d = journey.definition
    inst = journey.instances(filters)
    tps = touchpoint_kpis(journey, filters)
    with_sla = tps[(tps["sla_events"] > 0) & ~tps["is_contact"]].reset_index(drop=True)
    events_checked = int(with_sla["sla_events"].sum())
    sla_att = with_sla["sla_met"].sum() / events_checked if events_checked else None
    lowest = None
    if len(with_sla):
        i = with_sla["sla_attainment"].idxmin()
        lowest = (str(with_sla.loc[i, "touchpoint"]), float(with_sla.loc[i, "sla_attainment"]))
    green = bool(len(with_sla)) and bool((with_sla["sla_attainment"] >= sla_target).all())

    met = inst["promise_met"]
    promise_att = float(met.dropna().astype(bool).mean()) if met.notna().any() else None
    red = promise_att is not None and promise_att < promise_target
    if d.promise is not None:
        broken = inst[met.eq(False).fillna(False).astype(bool)]
        kept = inst[met.eq(True).fillna(False).astype(bool)]
    else:  # no promise: where does the time of every journey go
        broken, kept = inst, inst.iloc[0:0]

    dec_rows = []
    total = inst["duration_s"].sum()
    total_b = broken["duration_s"].sum()
    for col, label in COMPONENTS.items():
        dec_rows.append(
            {
                "component": label,
                "total_s": float(inst[col].sum()),
                "share": inst[col].sum() / total if total > 0 else None,
                "mean_s": inst[col].mean() if len(inst) else None,
                "median_s": inst[col].median() if len(inst) else None,
                "share_broken": broken[col].sum() / total_b if total_b > 0 else None,
                "mean_s_broken": broken[col].mean() if len(broken) else None,
                "mean_s_kept": kept[col].mean() if len(kept) else None,
            }
        )
    decomposition = pd.DataFrame(dec_rows)
    places = _contributors(_places(journey, filters, inst, broken, kept), broken, kept)
    by_kind = places.groupby("kind")[["mean_s", "mean_s_kept", "extra_s", "share"]].sum()
    window = pd.DataFrame(
        [
            {"component": label, **{k: _num(v) for k, v in by_kind.loc[label].items()}}
            if label in by_kind.index
            else {
                "component": label,
                "mean_s": 0.0,
                "mean_s_kept": 0.0,
                "extra_s": 0.0,
                "share": 0.0,
            }
            for label in COMPONENTS.values()
        ]
    )
    stage_rows = []
    for stage, col in d.stage_columns().items():
        stage_rows.append(
            {
                "stage": stage,
                "mean_s": inst[col].mean() if len(inst) else None,
                "mean_s_broken": broken[col].mean() if len(broken) else None,
                "mean_s_kept": kept[col].mean() if len(kept) else None,
            }
        )
    return Watermelon(
        journey=d.name,
        instances=len(inst),
        touchpoints=with_sla,
        sla_attainment=float(sla_att) if sla_att is not None else None,
        lowest=lowest,
        touchpoints_green=green,
        promise=(d.promise.text or _promise_text(journey)) if d.promise else None,
        promise_attainment=promise_att,
        journey_red=red,
        flagged=green and red,
        sla_target=sla_target,
        promise_target=promise_target,
        decomposition=decomposition,
        contributors=places.head(top).reset_index(drop=True),
        promise_window=window,
        stages=pd.DataFrame(stage_rows),
    )


def _promise_text(journey: BoundJourney) -> str:
    p = journey.definition.promise
    assert p is not None
    return f"{' / '.join(p.to)} within {duration(p.within_s)} of {' / '.join(p.from_)}"


def _places(
    journey: BoundJourney,
    filters: Filter | None,
    inst: pd.DataFrame,
    broken: pd.DataFrame,
    kept: pd.DataFrame,
) -> pd.DataFrame:
    """Seconds per (``broken`` / ``kept``, kind, place): stored, or summed from the frame."""
    stored = _journey_store.read(journey, "places", filters)
    if stored is not None:
        if journey.definition.promise is None:  # every instance counts as broken
            stored = stored.assign(_group="broken")
            stored = stored.groupby(["_group", "kind", "where"], as_index=False)["s"].sum()
        return stored[stored["_group"].isin(["broken", "kept"])]
    with _materialized(journey, filters) as ev:
        groups = {"broken": broken["instance_id"], "kept": kept["instance_id"]}
        return _time_by_place(journey, ev, groups)


def _time_by_place(journey: BoundJourney, ev: Any, groups: Mapping[str, Any]) -> pd.DataFrame:
    """Seconds per (group of instances, kind, place): ``_group, kind, where, s``.

    Places: handoff waits per lane pair, in-lane waits per lane, rework and processing per
    touchpoint; with a promise, only the time between its milestones.  ``groups`` maps a
    label to instance ids; the engine sums per place and label (the labels travel as a small
    in-memory table), so only a few hundred rows come back.
    """
    if journey.definition.promise is not None:
        if "in_promise" not in ev.columns:  # the shared frame leaves it to those who need it
            ev = jf._promise_window(journey, ev)
        ev = ev.filter(ev.in_promise)
    parts = {
        "processing_part_s": ("processing", "touchpoint"),
        "wait_lane_part_s": ("wait in lane", "lane"),
        "wait_handoff_part_s": ("handoff wait", "pair"),
        "rework_part_s": ("rework", "touchpoint"),
    }
    ids = pd.concat([pd.Series(list(v), dtype=object) for v in groups.values()], ignore_index=True)
    labels = [g for g, v in groups.items() for _ in range(len(v))]
    status = ibis.memtable(pd.DataFrame({"_sid": ids.astype(str), "_group": labels}))
    ev = ev.join(status, ev.instance_id.cast("string") == status._sid)
    ev = ev.mutate(pair=ev.from_lane.concat(" → ", ev.to_lane))
    keys = ["_group", "touchpoint", "lane", "pair"]
    agg = ev.group_by(keys).agg(**{c: ev[c].sum() for c in parts}).to_pyarrow().to_pandas()
    frames = []
    for col, (kind, place) in parts.items():
        part = agg[agg[col] > 0]
        frames.append(
            pd.DataFrame(
                {"_group": part["_group"], "kind": kind, "where": part[place], "s": part[col]}
            )
        )
    per = pd.concat(frames, ignore_index=True)
    return per.groupby(["_group", "kind", "where"], as_index=False)["s"].sum()


def _contributors(per: pd.DataFrame, broken: pd.DataFrame, kept: pd.DataFrame) -> pd.DataFrame:
    """Where the time of broken-promise instances goes, by place; vs kept instances."""
    if per.empty:
        return pd.DataFrame(columns=["kind", "where", "mean_s", "mean_s_kept", "extra_s", "share"])
    nb, nk = max(len(broken), 1), max(len(kept), 1)
    in_b = per["_group"].eq("broken").to_numpy()
    in_k = per["_group"].eq("kept").to_numpy()
    total_b = per.loc[in_b, "s"].sum()
    pb = per[in_b].groupby(["kind", "where"])["s"].sum()
    pk = per[in_k].groupby(["kind", "where"])["s"].sum()
    out = pd.DataFrame({"total_s": pb}).join(pd.DataFrame({"total_kept_s": pk}), how="outer")
    out = out.fillna(0.0).reset_index()
    out["mean_s"] = out["total_s"] / nb
    out["mean_s_kept"] = out["total_kept_s"] / nk if len(kept) else None
    out["share"] = out["total_s"] / total_b if total_b > 0 else None
    out["extra_s"] = out["mean_s"] - (out["mean_s_kept"] if len(kept) else 0.0)
    out = out.sort_values(["mean_s", "kind", "where"], ascending=[False, True, True])
    return out[["kind", "where", "mean_s", "mean_s_kept", "extra_s", "share"]].reset_index(
        drop=True
    )


# --------------------------------------------------------------------------- journey map


@dataclass
class JourneyMap:
    """The journey map: stages (columns) × lanes (rows, customer lane on top).

    ``cells`` has one row per touchpoint placed in its (stage, lane) cell, with volume, reach,
    median processing and wait; ``handoffs`` the arrows between consecutive touchpoints in
    different lanes (count, median wait); ``stage_summary`` per stage: instances reaching it,
    mean and median time in it, contacts attributed to it and ``satisfaction``.

    Satisfaction hook: pass ``satisfaction={stage: score}`` (e.g. mean CSAT of responses
    attributed to each stage, from the voice-of-the-customer analyses) to
    :meth:`Journey.map` or :meth:`with_satisfaction`; stages without a score stay ``None``.
    """

    journey: str
    stages: list[str]
    lanes: list[str]
    instances: int
    cells: pd.DataFrame
    handoffs: pd.DataFrame
    stage_summary: pd.DataFrame

    def with_satisfaction(self, scores: Mapping[str, float]) -> JourneyMap:
        """A copy with a satisfaction score per stage (unknown stages are an error)."""
        unknown = sorted(set(scores) - set(self.stages))
        if unknown:
            raise InputError(
                f"satisfaction scores for unknown stage(s) {unknown}; stages: {self.stages}"
            )
        summary = self.stage_summary.copy()
        summary["satisfaction"] = [_num(scores.get(s)) for s in summary["stage"]]
        return JourneyMap(
            self.journey,
            self.stages,
            self.lanes,
            self.instances,
            self.cells,
            self.handoffs,
            summary,
        )

    def grid(self) -> list[list[list[str]]]:
        """``grid[lane][stage]`` = touchpoint names in that cell (lanes top to bottom)."""
        out = [[[] for _ in self.stages] for _ in self.lanes]
        for r in self.cells.itertuples():
            if r.lane in self.lanes and r.stage in self.stages:
                out[self.lanes.index(r.lane)][self.stages.index(r.stage)].append(r.touchpoint)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "journey": self.journey,
            "stages": self.stages,
            "lanes": self.lanes,
            "instances": self.instances,
            "grid": self.grid(),
            "cells": records(self.cells),
            "handoffs": records(self.handoffs),
            "stage_summary": records(self.stage_summary),
        }

    def _repr_html_(self) -> str:
        grid = self.grid()
        head = "".join(f"<th>{s}</th>" for s in self.stages)
        rows = "".join(
            f"<tr><th>{lane}</th>"
            + "".join(f"<td>{'<br>'.join(cell)}</td>" for cell in grid[i])
            + "</tr>"
            for i, lane in enumerate(self.lanes)
        )
        return f"<table><tr><th></th>{head}</tr>{rows}</table>"


def journey_map(
    journey: BoundJourney,
    *,
    filters: Filter | None = None,
    satisfaction: Mapping[str, float] | None = None,
) -> JourneyMap:
    """Build the :class:`JourneyMap` of a journey (see there)."""
    with _materialized(journey, filters) as ev:
        return _journey_map(journey, filters, ev, satisfaction)


def _journey_map(journey: BoundJourney, filters, ev: Any, satisfaction) -> JourneyMap:
    d = journey.definition
    tps = touchpoint_kpis(journey, filters, _ev=ev)
    cells = tps[~tps["is_contact"]][
        [
            "touchpoint",
            "stage",
            "lane",
            "channel",
            "customer_facing",
            "value_class",
            "volume",
            "instances",
            "reach",
            "median_processing_s",
            "median_wait_s",
            "sla_attainment",
        ]
    ].reset_index(drop=True)
    hop = ev.filter(~ev.is_contact & ev.from_lane.notnull() & (ev.from_lane != ev.lane))
    arrows = (
        hop.group_by(
            [
                hop.from_touchpoint,
                hop.touchpoint.name("to_touchpoint"),
                hop.from_lane,
                hop.lane.name("to_lane"),
                hop.from_stage,
                hop.stage.name("to_stage"),
            ]
        )
        .agg(count=hop.count(), median_wait_s=hop.handoff_wait_s.quantile(0.5))
        .to_pyarrow()
        .to_pandas()
        .sort_values(["count", "from_touchpoint", "to_touchpoint"], ascending=[False, True, True])
        .reset_index(drop=True)
    )
    inst = journey.instances(filters)
    n = len(inst)
    contacts = contacts_by_stage(journey, filters, _ev=ev).set_index("stage")
    reached = ev.group_by("stage").agg(i=ev.instance_id.nunique()).to_pyarrow().to_pandas()
    reached = dict(zip(reached["stage"], reached["i"], strict=True))
    summary = []
    for stage, col in d.stage_columns().items():
        summary.append(
            {
                "stage": stage,
                "instances": int(reached.get(stage, 0)),
                "mean_s": inst[col].mean() if n else None,
                "median_s": inst[col].median() if n else None,
                "contacts": int(contacts.loc[stage, "contacts"]),
                "contacts_per_100": contacts.loc[stage, "per_100_journeys"],
                "satisfaction": None,
            }
        )
    lanes = list(d.lanes) + sorted(set(cells["lane"].dropna()) - set(d.lanes))
    m = JourneyMap(
        journey=d.name,
        stages=list(d.stages),
        lanes=lanes,
        instances=n,
        cells=cells,
        handoffs=arrows,
        stage_summary=pd.DataFrame(summary),
    )
    return m.with_satisfaction(satisfaction) if satisfaction else m
