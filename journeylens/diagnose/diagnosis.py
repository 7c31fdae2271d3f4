"""Diagnose and recommend: bottlenecks, waste, root causes, automation, ranked opportunities.

Process re-engineering starts with an honest diagnosis; automating a broken process only does
the wrong thing faster.  This module turns the mining results into findings a manager can act
on, each with its evidence and a measurable target:

* :func:`bottlenecks` — the waits that make up most of the end-to-end time, their trend, and
  whether they behave like queues or batches;
* :func:`waste` — rework loops, repeated customer requests, approvals that never reject,
  ping-pong between departments, non-value-adding time by value class (journeys);
* :func:`automation_candidates` — frequent, short, low-variance, rule-like steps done by
  people, ranked by hours saved per month, with a warning when a step sits inside a rework loop;
* :func:`opportunities` — everything above (and the root causes of :mod:`journeylens.explain.causes`)
  ranked by the expected effect on end-to-end time, each with a target such as "installed
  within 10 days: 42% → 58%";
* :func:`diagnose` — all of it for a workspace, as one :class:`Diagnosis`.

Examples
--------
>>> import journeylens
>>> from journeylens.diagnose.diagnosis import diagnose
>>> ws = journeylens.Workspace.open("demo-workspace")  # doctest: +SKIP
>>> d = diagnose(ws)  # doctest: +SKIP
>>> print(d.opportunities[0]["title"])  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from journeylens._util.fmt import duration as _h
from journeylens._util.fmt import share
from journeylens._util.plain import plain, records
from journeylens.diagnose.bottlenecks import Bottlenecks, bottlenecks
from journeylens.diagnose.case_units import case_causes
from journeylens.diagnose.steps import months, steps
from journeylens.diagnose.waste import (
    Waste,
    repeated_requests,
    rework_loops,
    rubber_stamps,
    value_class_time,
    waste,
)
from journeylens.errors import InputError, JourneylensError
from journeylens.explain.causes import Causes, find_causes
from journeylens.journeys.frame import INSTANCE_KEYS, INSTANCE_MEASURES

if TYPE_CHECKING:
    from journeylens.mining.filters import Filter

__all__ = [
    "Bottlenecks",
    "Diagnosis",
    "Waste",
    "automation_candidates",
    "bottlenecks",
    "diagnose",
    "journey_causes",
    "opportunities",
    "repeated_requests",
    "rework_loops",
    "rubber_stamps",
    "value_class_time",
    "waste",
]


# --------------------------------------------------------------------------- automation


def automation_candidates(
    events,
    *,
    contacts: Sequence[str] | None = None,
    rework: pd.DataFrame | None = None,
    max_median_s: float = 1800.0,
    max_cv: float = 1.0,
    min_predictability: float = 0.8,
    min_per_month: float = 10.0,
    top: int = 10,
) -> pd.DataFrame:
    """Steps that are frequent, short, low-variance, rule-like and done by people.

    Parameters
    ----------
    events
        Canonical events; processing times need ``start_timestamp`` (without it the median
        time since the previous step stands in, and the estimate says so).
    contacts
        Glob patterns of customer contacts (never candidates).
    rework
        :func:`rework_loops` result, to warn about candidates inside a loop (computed if None).
    max_median_s, max_cv, min_predictability, min_per_month
        Thresholds: median processing, coefficient of variation of processing, share of the
        most common next step, and volume per month.

    Returns
    -------
    pandas.DataFrame
        ``activity``, ``per_month``, ``median_processing_s``, ``cv``, ``next``,
        ``predictability``, ``human_share`` (events with a resource), ``hours_per_month``
        (saved if automated), ``in_rework_loop``, ``warning``, ranked by ``hours_per_month``.
    """
    st = steps(events, contacts=contacts)
    span = months(events)
    has_start = "start_timestamp" in getattr(events, "columns", ())
    import ibis

    w = ibis.window(group_by=st.case_id, order_by=[st.timestamp, st.begin])
    st = st.mutate(next_activity=st.activity.lead().over(w))
    time_col = st.processing_s if has_start else st.wait_s
    agg = (
        st.group_by("activity")
        .agg(
            count=st.count(),
            human=st.resource.notnull().cast("int64").sum(),
            median_processing_s=time_col.quantile(0.5),
            mean_s=time_col.mean(),
            std_s=time_col.std(),
        )
        .to_pyarrow()
        .to_pandas()
    )
    nexts = st.group_by(["activity", "next_activity"]).agg(n=st.count()).to_pyarrow().to_pandas()
    nexts = nexts.sort_values(["activity", "n"], ascending=[True, False]).drop_duplicates(
        "activity"
    )
    agg = agg.merge(nexts.rename(columns={"next_activity": "next", "n": "next_n"}), on="activity")
    agg["predictability"] = agg["next_n"] / agg["count"]
    agg["per_month"] = agg["count"] / span
    agg["cv"] = agg["std_s"] / agg["mean_s"].replace(0, np.nan)
    agg["human_share"] = agg["human"] / agg["count"]
    agg["hours_per_month"] = agg["per_month"] * agg["mean_s"] / 3600
    ok = (
        (agg["median_processing_s"] <= max_median_s)
        & (agg["median_processing_s"] > 0)
        & (agg["cv"].fillna(np.inf) <= max_cv)
        & (agg["predictability"] >= min_predictability)
        & (agg["per_month"] >= min_per_month)
        & (agg["human_share"] >= 0.5)
    )
    out = agg[ok].copy()
    if rework is None:
        rework = rework_loops(events, contacts=contacts)
    in_loop: dict[str, str] = {}
    r: Any  # a row of itertuples(): pandas-stubs cannot know its fields
    for r in rework.itertuples():
        for a in r.inside:
            in_loop.setdefault(a, r.loop)
        in_loop.setdefault(r.loop, r.loop)
    out["in_rework_loop"] = out["activity"].map(lambda a: in_loop.get(a))
    out["next"] = out["next"].fillna("(end of case)")
    out["warning"] = out["in_rework_loop"].map(
        lambda loop: (
            f"inside the rework loop of '{loop}': remove the loop first, do not automate it"
            if isinstance(loop, str)
            else ""
        )
    )
    if not has_start:
        out["warning"] = out["warning"].where(
            out["warning"] != "", "no start timestamps: time since the previous step used"
        )
    cols = [
        "activity",
        "per_month",
        "median_processing_s",
        "cv",
        "next",
        "predictability",
        "human_share",
        "hours_per_month",
        "in_rework_loop",
        "warning",
    ]
    return (
        out[cols]
        .sort_values(["hours_per_month", "activity"], ascending=[False, True])
        .head(top)
        .reset_index(drop=True)
    )


# --------------------------------------------------------------------------- opportunities


def _opportunity(**kw: Any) -> dict[str, Any]:
    base = {
        "title": "",
        "kind": "",
        "evidence": "",
        "target": "",
        "effect_days_per_month": 0.0,
        "effect_hours_per_month": 0.0,
        "effect_satisfaction": None,
        "effect_churn": None,
        "cases_per_month": 0.0,
        "what_if": [],
    }
    base.update(kw)
    return base


def opportunities(
    *,
    bottlenecks: Bottlenecks | None = None,
    waste: Waste | None = None,
    causes: Sequence[Causes] = (),
    automation: pd.DataFrame | None = None,
    promises: Sequence[dict[str, Any]] = (),
    drivers: Sequence[dict[str, Any]] = (),
    months: float = 1.0,
    durations: dict[str, float] | None = None,
    voice: Any = None,
) -> list[dict[str, Any]]:
    """Improvement opportunities ranked by expected effect on end-to-end time.

    Each opportunity: ``title``, ``kind``, ``evidence``, ``target`` (a measurable goal,
    "current → proposed"), ``effect_days_per_month`` (customer waiting days saved per month),
    ``effect_hours_per_month`` (staff hours), ``effect_satisfaction`` / ``effect_churn`` (from
    the voice driver model, when there is one), ``cases_per_month``.  The effects are
    conservative what-ifs: a rework loop halved, long waits brought down to today's median, a
    segment brought to the rate of the others.  With a voice model (surveys and outcomes joined
    to journeys), ``effect_satisfaction`` (score points) and ``effect_churn`` (share) come from
    the key-driver regression (:func:`journeylens.explain.whatif.what_if`), ``what_if`` lists its
    sentences, and ``rank_satisfaction`` / ``rank_churn`` rank the opportunities that move them.
    """
    out: list[dict[str, Any]] = []
    durations = durations or {}
    if waste is not None:
        r: Any  # a row of itertuples(): pandas-stubs cannot know its fields
        for r in waste.rework.itertuples():
            if r.cases < 10:
                continue
            inside = ", ".join(f"'{a}' in {share(s)}" for a, s in list(r.inside.items())[:2])
            out.append(
                _opportunity(
                    title=f"Stop the '{r.loop}' rework loop at its source",
                    kind="rework",
                    evidence=(
                        f"{share(r.share_of_cases)} of cases do '{r.loop}' twice or more, losing "
                        f"{_h(r.mean_loop_s)} each; usual loop: {r.body}"
                        + (f"; inside: {inside}" if inside else "")
                    ),
                    target=(
                        f"cases repeating '{r.loop}': {share(r.share_of_cases)} → "
                        f"{share(r.share_of_cases / 2)}"
                    ),
                    effect_days_per_month=r.total_loop_s / 2 / 86400 / months,
                    cases_per_month=r.cases / months,
                )
            )
        for r in waste.repeated_requests.itertuples():
            if r.repeat_contacts < 10:
                continue
            out.append(
                _opportunity(
                    title=f"Answer '{r.request}' before customers ask again",
                    kind="repeated_request",
                    evidence=(
                        f"{share(r.share_repeated)} of the {r.cases:,} cases that ask "
                        f"'{r.request}' ask again ({r.repeat_contacts:,} repeat contacts)"
                    ),
                    target=(
                        f"cases asking '{r.request}' more than once: {share(r.share_repeated)} → "
                        f"{share(r.share_repeated / 2)}"
                    ),
                    effect_hours_per_month=r.repeat_contacts * 5 / 60 / months,
                    cases_per_month=r.cases_repeated / months,
                )
            )
        for r in waste.approvals[waste.approvals["rubber_stamp"]].itertuples():
            out.append(
                _opportunity(
                    title=f"Automate or drop '{r.activity}', which never rejects",
                    kind="approval",
                    evidence=(
                        f"{r.rejections} of {r.count:,} followed by a rejection; each waits "
                        f"{_h(r.mean_wait_s)} and takes {_h(r.mean_processing_s)}"
                    ),
                    target=(
                        f"mean wait before '{r.activity}': {_h(r.mean_wait_s)} → "
                        f"{_h((r.mean_wait_s or 0) / 2)}"
                    ),
                    # Conservative, like the other what-ifs: the wait halved, not removed.
                    effect_days_per_month=r.count * (r.mean_wait_s or 0) / 2 / 86400 / months,
                    effect_hours_per_month=r.count * (r.mean_processing_s or 0) / 3600 / months,
                    cases_per_month=r.count / months,
                )
            )
    if bottlenecks is not None:
        for r in bottlenecks.table.head(5).itertuples():
            excess = max(r.mean_wait_s - r.median_wait_s, 0.0) * r.count
            out.append(
                _opportunity(
                    title=f"Shorten the wait from '{r._1}' to '{r.to}'",
                    kind="bottleneck",
                    evidence=(
                        f"{share(r.share_of_wait)} of all waiting; median {_h(r.median_wait_s)}, "
                        f"p90 {_h(r.p90_wait_s)}"
                        + (f", {r.from_department} → {r.to_department}" if r.handoff else "")
                        + (f"; {r.behaviour}: {r.evidence}" if isinstance(r.evidence, str) else "")
                    ),
                    target=(
                        f"waits from '{r._1}' to '{r.to}' within {_h(r.median_wait_s)}: 50% → 80%"
                    ),
                    effect_days_per_month=excess / 86400 / months,
                    cases_per_month=r.cases / months,
                )
            )
    for c in causes:
        if c.findings.empty:
            continue
        r = c.findings.iloc[0]
        extra = c.extra_duration_s or durations.get(c.target, 0.0)
        days = float(r["excess"]) * extra / 86400 / months if c.kind == "boolean" else 0.0
        if c.kind == "continuous":
            days = float(r["excess"]) / 86400 / months
        out.append(
            _opportunity(
                title=f"Fix what makes {r['condition']} stand out",
                kind="cause",
                evidence=r["finding"],
                target=(
                    f"{c.target} rate where {r['condition']}: {share(r['rate'])} → "
                    f"{share(r['expected_rate'])}"
                ),
                effect_days_per_month=max(days, 0.0),
                cases_per_month=float(r["n"]) / months,
            )
        )
    if automation is not None:
        for r in automation.itertuples():
            if r.in_rework_loop:
                continue
            out.append(
                _opportunity(
                    title=f"Automate '{r.activity}'",
                    kind="automation",
                    evidence=(
                        f"{r.per_month:,.0f} a month, median {_h(r.median_processing_s)}, "
                        f"next step '{r.next}' in {share(r.predictability)}"
                    ),
                    target=f"share of '{r.activity}' done automatically: 0% → 90%",
                    effect_hours_per_month=r.hours_per_month * 0.9,
                    cases_per_month=r.per_month,
                )
            )
    for p in promises:
        out.append(_opportunity(**p))
    for d in drivers:
        out.append(_opportunity(**d))
    if voice is not None:
        _voice_effects_of(out, voice)
    out.sort(
        key=lambda o: (
            -round(o["effect_days_per_month"], 6),
            -abs(o["effect_satisfaction"] or 0.0),
            -round(o["effect_hours_per_month"], 6),
            o["title"],
        )
    )
    for i, o in enumerate(out, 1):
        o["rank"] = i
    for key, rank in (("effect_satisfaction", "rank_satisfaction"), ("effect_churn", "rank_churn")):
        # Better = higher satisfaction, lower churn.
        sign = 1.0 if key == "effect_satisfaction" else -1.0
        moved = [o for o in out if o[key] is not None and sign * o[key] > 0]

        def order(o: dict[str, Any], k: str = key, s: float = sign) -> tuple[float, int]:
            return (-s * o[k], o["rank"])

        moved.sort(key=order)
        for i, o in enumerate(moved, 1):
            o[rank] = i
    return [plain(o) for o in out]


#: Which journey feature an opportunity changes, and how, for the driver model's what-if.
_LEVERS: dict[str, tuple[str, dict[str, Any]]] = {
    "rework": ("rework", {"rate_factor": 0.5}),
    "promise": ("rework", {"rate_factor": 0.0}),
    "repeated_request": ("n_contacts", {"scale": 0.5}),
}


def _voice_effects_of(out: list[dict[str, Any]], voice: Any) -> None:
    """Add satisfaction and churn effects; add opportunities for strong duration drivers."""
    from journeylens.diagnose.voice_effects import effects

    cache: dict[tuple[str, str, str], dict[str, Any]] = {}
    for o in out:
        lever = _LEVERS.get(o["kind"])
        if lever is None:
            continue
        feature, how = lever
        only = [o["journey"]] if o.get("journey") else None
        key = (feature, repr(how), repr(only))
        if key not in cache:
            cache[key] = effects(voice, feature, journeys=only, **how)
        e = cache[key]
        o["effect_satisfaction"], o["effect_churn"] = e["satisfaction"], e["churn"]
        o["what_if"] = [w["sentence"] for w in e["what_if"]]
    covered = {f for f, _ in _LEVERS.values()}
    for (journey, target), d in voice.drivers.items():
        r: Any  # a row of itertuples(): pandas-stubs cannot know its fields
        for r in d.table.head(3).itertuples():
            feature = r.feature
            low, high = r.effect_low, r.effect_high
            significant = np.isfinite(low) and np.isfinite(high) and (low > 0 or high < 0)
            if feature in covered or not feature.endswith("_s") or not significant:
                continue
            if r.share < 0.1:
                continue
            e = effects(voice, feature, scale=0.5, journeys=[journey], outcomes=[target])
            better = (e["satisfaction"] or 0) > 0 or (e["churn"] or 0) < 0
            if not better:  # halving it would not help: an association, not a lever
                continue
            table = voice.tables[journey]
            median = float(table[feature].median())
            out.append(
                _opportunity(
                    title=f"Halve {feature.removesuffix('_s').replace('_', ' ')} in {journey}",
                    kind="driver",
                    evidence=r.finding,
                    target=f"median {feature} in {journey}: {_h(median)} → {_h(median / 2)}",
                    effect_satisfaction=e["satisfaction"],
                    effect_churn=e["churn"],
                    what_if=[w["sentence"] for w in e["what_if"]],
                    cases_per_month=0.0,
                )
            )
            covered.add(feature)


# --------------------------------------------------------------------------- everything


@dataclass
class Diagnosis:
    """Everything :func:`diagnose` found, ready for the report and ``--json``."""

    bottlenecks: Bottlenecks
    waste: Waste
    causes: list[Causes]
    automation: pd.DataFrame
    opportunities: list[dict[str, Any]]
    cases: int
    months: float
    notes: list[str] = field(default_factory=list)
    #: The voice model (surveys and outcomes joined to journeys) when the workspace has one.
    voice: Any = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "cases": self.cases,
            "months": self.months,
            "bottlenecks": self.bottlenecks.to_dict(),
            "waste": self.waste.to_dict(),
            "causes": [c.to_dict() for c in self.causes],
            "automation": records(self.automation),
            "opportunities": self.opportunities,
            "voice": None if self.voice is None else self.voice.summary(),
            "drivers": [] if self.voice is None else self.voice.drivers_list(),
            "notes": self.notes,
        }

    def __repr__(self) -> str:
        lines = [f"Diagnosis of {self.cases:,} cases over {self.months:.1f} months"]
        for o in self.opportunities[:5]:
            lines.append(f"  {o['rank']}. {o['title']} — {o['target']}")
        return "\n".join(lines)


class _Journeys:
    """The workspace's journeys, each built once (a Journey caches its instances)."""

    def __init__(self, ws: Any):
        self._ws = ws
        self._made: dict[str, Any] = {}

    def journey_names(self) -> list[str]:
        return list(self._ws.journey_names())

    def __getattr__(self, name: str) -> Any:
        # Everything else (events, con, path ...) is the workspace's: the proxy can stand in
        # for it wherever a workspace is expected (voice joins included).
        return getattr(self._ws, name)

    def journey(self, name: str) -> Any:
        if name not in self._made:
            self._made[name] = self._ws.journey(name)
        return self._made[name]


def _case_count(events) -> int:
    from journeylens.schema import CASE

    return int(events.select(CASE).distinct().count().to_pyarrow().as_py())


def _default_causes(source, events, filters) -> list[Causes]:
    """Slow cases, and cases with rework, by case attributes (adjusted for a journey column)."""
    cols = set(events.columns)
    adjust = [c for c in ("journey", "journey_type", "process") if c in cols][:1]
    out = []
    for target in ("slow", "rework"):
        try:
            out.append(case_causes(source, target, filters=filters, adjust_for=adjust))
        except InputError:
            continue
    return out


def diagnose(
    source,
    *,
    filters: Filter | None = None,
    contacts: Sequence[str] | None = None,
    causes: Sequence[str] | None = None,
    adjust_for: Sequence[str] = (),
    voice: bool = True,
) -> Diagnosis:
    """Bottlenecks, waste, root causes, automation candidates and ranked opportunities.

    Parameters
    ----------
    source
        A :class:`~journeylens.Workspace` (its events, journeys and surveys) or an
        Ibis table / event log of canonical events.
    filters
        A :class:`~journeylens.mining.filters.Filter` applied to the events first.
    contacts
        Glob patterns of customer-initiated contacts (default: customer calls, chats, emails).
    causes
        Targets for the root-cause analysis (see
        :func:`journeylens.diagnose.case_units.case_target`); default: ``"slow"`` and
        ``"rework"``, compared within the ``journey`` column when the log has one.
    adjust_for
        Columns whose strata set the expected rate of the ``causes`` targets.
    voice
        Fit the voice-of-the-customer driver model (surveys and outcomes joined to journeys)
        for the satisfaction and churn effects of the opportunities; it is the slow part.
    """
    is_ws = hasattr(source, "backend") and hasattr(source, "events")
    events = source.events if is_ws else getattr(source, "table", source)
    if filters is not None:
        events = filters.apply(events)
    n_cases = _case_count(events)
    if n_cases == 0:
        raise InputError("diagnose(): there are no events (after filters); nothing to diagnose")
    span = months(events)
    journeys = _Journeys(source) if is_ws and hasattr(source, "journey_names") else None
    b = bottlenecks(events, contacts=contacts)
    w = waste(events, contacts=contacts, workspace=journeys, filters=filters)
    # Causes read the stored case attributes of a workspace, so they get the filters themselves.
    cause_source = source if is_ws else events
    cause_filters = filters if is_ws else None
    if causes is None:
        found = _default_causes(cause_source, events, cause_filters)
    else:
        found = [
            case_causes(cause_source, t, filters=cause_filters, adjust_for=adjust_for)
            for t in causes
        ]
    if causes is None:
        found += journey_causes(journeys, filters=filters) if journeys else []
    auto = automation_candidates(events, contacts=contacts, rework=w.rework)
    durations = _target_durations(found)
    promises = _promise_opportunities(journeys, filters) if journeys else []
    model = None
    if voice and journeys is not None and filters is None:
        from journeylens.diagnose.voice_effects import voice_model

        model = voice_model(journeys, journeys)
    opps = opportunities(
        bottlenecks=b,
        waste=w,
        causes=found,
        automation=auto,
        promises=promises,
        months=span,
        durations=durations,
        voice=model,
    )
    return Diagnosis(
        bottlenecks=b,
        waste=w,
        causes=found,
        automation=auto,
        opportunities=opps,
        cases=n_cases,
        months=span,
        voice=model,
    )


def _journey_instances(ws, filters: Filter | None) -> Iterator[tuple[str, pd.DataFrame]]:
    """Each journey's instances under the filters; journeys whose definition no longer fits
    the data (a journeylens error, e.g. a column gone after a re-import) are skipped."""
    names = getattr(ws, "journey_names", None)
    for name in names() if names is not None else []:
        try:
            yield name, ws.journey(name).instances(filters)
        except JourneylensError:
            continue


def journey_causes(ws, *, filters: Filter | None = None, min_support: int = 30) -> list[Causes]:
    """Root causes of broken promises and of rework, per journey, over its instances.

    Attributes are the instance's case attributes and its start channel; the journey's
    measures (durations, counts) are outcomes, not causes, and are left out.
    """
    out = []
    for name, inst in _journey_instances(ws, filters):
        if len(inst) < 2 * min_support:
            continue
        not_causes = {*INSTANCE_KEYS, *INSTANCE_MEASURES, "journey"}
        attrs = [c for c in inst.columns if c not in not_causes and not c.endswith("_s")]
        targets = []
        if "promise_met" in inst.columns and inst["promise_met"].notna().any():
            met = inst["promise_met"]
            targets.append(((met == False).where(met.notna()), "promise broken"))  # noqa: E712
        if "rework" in inst.columns and inst["rework"].any():
            targets.append((inst["rework"].astype(bool), "rework"))
        for y, label in targets:
            keep = y.notna().to_numpy()
            if keep.sum() < 2 * min_support or y[keep].astype(bool).all():
                continue
            c = find_causes(
                inst.loc[keep].reset_index(drop=True),
                y[keep].astype(bool).reset_index(drop=True),
                attributes=attrs,
                min_support=min_support,
                unit=f"{name} journey",
                label=label,
            )
            out.append(c)
    return out


def _target_durations(found: Sequence[Causes]) -> dict[str, float]:
    """Extra end-to-end seconds a target case costs (for boolean causes); 0 when unknown."""
    return {c.target: 0.0 for c in found}


def _promise_opportunities(ws, filters: Filter | None = None) -> list[dict[str, Any]]:
    """Per journey with a promise: attainment now vs. without rework (the measurable target)."""
    out = []
    for name, inst in _journey_instances(ws, filters):
        if "promise_met" not in inst.columns or inst["promise_met"].isna().all():
            continue
        met = inst["promise_met"].astype("boolean")
        now = float(met.mean())
        if "rework" in inst.columns and inst["rework"].any() and (~inst["rework"]).any():
            clean = float(met[~inst["rework"].astype(bool)].mean())
            reworked = inst["rework"].astype(bool)
            gain = float((clean - now) * len(inst))
            extra_s = float(
                inst.loc[reworked, "duration_s"].mean() - inst.loc[~reworked, "duration_s"].mean()
            )
            span = max(
                (inst["end"].max() - inst["start"].min()).total_seconds() / (30.4375 * 86400), 1.0
            )
            out.append(
                {
                    "title": f"Keep the promise of '{name}' by removing rework",
                    "kind": "promise",
                    "journey": name,
                    "evidence": (
                        f"promise met for {share(now)} of {len(inst):,} journeys; "
                        f"{share(clean)} of those without rework; {share(reworked.mean())} have "
                        f"rework, costing {_h(extra_s)} each"
                    ),
                    "target": f"{name} promise met: {share(now)} → {share(clean)}",
                    "effect_days_per_month": max(extra_s, 0) * reworked.sum() / 2 / 86400 / span,
                    "cases_per_month": len(inst) / span,
                    "promise_gain_journeys": gain,
                }
            )
    return out
