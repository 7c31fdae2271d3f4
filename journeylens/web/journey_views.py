"""Journey pages: the overview rows, the journey map (stages × lanes) and the drivers page.

They present :mod:`journeylens.journeys` analyses (``ws.journey(name)``) and, when the
workspace has survey answers, the voice-of-the-customer analyses.  A build or workspace
without journeys shows the log overview only.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from journeylens.errors import InputError
from journeylens.processmap import humanize_seconds
from journeylens.web.data import WorkspaceData
from journeylens.web.views import _num, _records, pct, sparkline
from journeylens.workspace import Workspace

__all__ = ["check_touchpoint", "detail", "drivers", "summaries"]


def _mean(values: pd.Series, weights: pd.Series | None = None) -> float | None:
    ok = values.notna()
    if not ok.any():
        return None
    if weights is None:
        return float(values[ok].mean())
    w = weights[ok].astype(float)
    return float((values[ok] * w).sum() / w.sum()) if w.sum() else None


def _summary(ws: Workspace, name: str) -> dict[str, Any]:
    j = ws.journey(name)
    d = j.definition
    inst = j.instances()
    tps = j.touchpoints()
    promise = _mean(inst["promise_met"].astype("float")) if "promise_met" in inst else None
    with_sla = tps[tps["sla_s"].notna()] if "sla_s" in tps else tps.iloc[0:0]
    sla = _mean(with_sla["sla_attainment"], with_sla["volume"]) if len(with_sla) else None
    wm = j.watermelon()
    weekly = (
        inst.assign(week=pd.to_datetime(inst["start"]).dt.to_period("W").dt.start_time)
        .groupby("week")["promise_met"]
        .mean()
        if "promise_met" in inst and len(inst)
        else pd.Series(dtype=float)
    )
    weekly = weekly.iloc[1:-1] if len(weekly) > 4 else weekly  # partial first/last weeks
    return {
        "name": name,
        "owner": d.owner,
        "description": d.description,
        "instances": len(inst),
        "promise": promise,
        "promise_text": (d.promise.text if d.promise is not None else None),
        "sla": sla,
        "flagged": bool(getattr(wm, "flagged", False)),
        "median_duration": humanize_seconds(_num(inst["duration_s"].median()))
        if len(inst)
        else "–",
        "satisfaction": _satisfaction(ws, name),
        "trend": [float(v) for v in weekly.astype(float)],
        "touchpoints": len(d.touchpoints),
    }


def summaries(data: WorkspaceData) -> list[dict[str, Any]]:
    """One row per journey, watermelons (green touchpoints, red promise) first."""
    names = data.vocabulary().journeys
    rows = [data.cached(("journey-summary", n), lambda ws, n=n: _summary(ws, n)) for n in names]
    for r in rows:
        r["spark"] = sparkline(r["trend"], label=f"weekly promise attainment of {r['name']}")
    return sorted(rows, key=lambda r: (not r["flagged"], r["name"]))


def _satisfaction(ws: Workspace, name: str) -> dict[str, Any] | None:
    """Mean survey scores of the journey's instances, when survey answers were imported."""
    try:
        from journeylens import voice
    except ImportError:
        return None
    fn = getattr(voice, "journey_satisfaction", None)
    if fn is None:
        return None
    return fn(ws, name)


def check_touchpoint(data: WorkspaceData, journey: str, touchpoint: str) -> None:
    data.vocabulary().journey(journey)
    names = data.cached(
        ("touchpoint-names", journey),
        lambda ws: [t.name for t in ws.journey(journey).definition.touchpoints],
    )
    if touchpoint not in names:
        raise InputError(
            f"journey {journey!r} has no touchpoint {touchpoint[:80]!r}; "
            f"touchpoints: {', '.join(names)}"
        )


def _detail(ws: Workspace, name: str) -> dict[str, Any]:
    j = ws.journey(name)
    d = j.definition
    tps = j.touchpoints()
    by_name = {r["touchpoint"]: r for r in _records(tps)}
    grid: dict[tuple[str, str], list[dict[str, Any]]] = {}
    lanes = list(d.lanes)
    for tp in d.touchpoints:
        row = by_name.get(tp.name, {})
        lane = tp.lane or lanes[0]
        sla = row.get("sla_attainment")
        grid.setdefault((tp.stage, lane), []).append({
            "name": tp.name,
            "channel": tp.channel,
            "customer_facing": tp.customer_facing,
            "value_class": tp.value_class,
            "volume": row.get("volume"),
            "median": humanize_seconds(row.get("median_processing_s")),
            "sla": humanize_seconds(tp.sla_s) if tp.sla_s else None,
            "sla_attainment": sla,
            "below_sla": sla is not None and sla < 0.9,
            "repeats": row.get("repeats"),
        })  # fmt: skip
    wm = j.watermelon().to_dict()
    jmap = j.map().to_dict()
    summary = _summary(ws, name)
    pains = _pain_points(tps, wm)
    return {
        "summary": summary,
        "stages": list(d.stages),
        "lanes": lanes,
        "grid": {f"{s}|{lane}": cells for (s, lane), cells in grid.items()},
        "touchpoints": _records(tps),
        "watermelon": wm,
        "map": jmap,
        "handoffs": _handoffs(jmap),
        "pains": pains,
        "curve": _curve(ws, name, list(d.stages)),
    }


def detail(data: WorkspaceData, name: str) -> dict[str, Any]:
    out = data.cached(("journey-detail", name), lambda ws: _detail(ws, name))
    s = out["summary"]
    s["spark"] = sparkline(s["trend"], width=240, height=40,
                           label=f"weekly promise attainment of {name}")  # fmt: skip
    return out


def _handoffs(jmap: Mapping[str, Any]) -> list[dict[str, Any]]:
    raw = jmap.get("handoffs") or []
    out = []
    for h in raw if isinstance(raw, list) else []:
        if isinstance(h, Mapping):
            out.append({k: _num(v) for k, v in h.items()})
    return sorted(out, key=lambda h: -(h.get("count") or h.get("cases") or 0))[:12]


def _pain_points(tps: pd.DataFrame, wm: Mapping[str, Any]) -> list[str]:
    """Plain sentences: where the journey hurts (missed SLAs, repeats, time sinks)."""
    out = []
    for c in (wm.get("contributors") or [])[:5]:
        if isinstance(c, Mapping):
            label = c.get("name") or c.get("component") or c.get("stage") or "?"
            share = c.get("share")
            secs = c.get("mean_s") or c.get("seconds")
            bits = [f"{label}"]
            if share is not None:
                bits.append(f"{pct(share)} of end-to-end time")
            if secs is not None:
                bits.append(f"mean {humanize_seconds(secs)}")
            out.append(": ".join([bits[0], ", ".join(bits[1:])]) if len(bits) > 1 else bits[0])
        elif isinstance(c, str):
            out.append(c)
    if "sla_attainment" in tps:
        low = tps[tps["sla_attainment"] < 0.9]
        for r in low.itertuples(index=False):
            out.append(f"{r.touchpoint}: meets its SLA in only {pct(r.sla_attainment)} of cases")
    if "repeats" in tps:
        for r in tps.sort_values("repeats", ascending=False).head(2).itertuples(index=False):
            if r.repeats and r.repeats > 0:
                out.append(f"{r.touchpoint}: repeated {int(r.repeats):,} times")
    return out


def _curve(ws: Workspace, name: str, stages: list[str]) -> dict[str, Any] | None:
    """Satisfaction along the stages, when voice analyses and survey answers exist."""
    try:
        from journeylens import voice
    except ImportError:
        return None
    fn = getattr(voice, "satisfaction_curve", None)
    if fn is None:
        return None
    curve = fn(ws, name)
    return curve.to_dict() if hasattr(curve, "to_dict") else curve


def drivers(data: WorkspaceData, params: Mapping[str, str]) -> dict[str, Any]:
    """The drivers page: what moves satisfaction, ranked, with a what-if control."""
    vocab = data.vocabulary()
    try:
        from journeylens import drivers as drivers_mod
    except ImportError:
        return {"available": False, "journeys": vocab.journeys,
                "reason": "this build has no key-driver analysis (journeylens.drivers)"}  # fmt: skip
    journey = params.get("journey") or (vocab.journeys[0] if vocab.journeys else None)
    if journey is None:
        return {"available": False, "journeys": [],
                "reason": "define a journey first: drivers explain a journey's survey scores"}  # fmt: skip
    vocab.journey(journey)
    return {"available": True, "journey": journey, "journeys": vocab.journeys,
            "module": drivers_mod.__name__}  # fmt: skip


def _finite(x: Any) -> bool:
    return isinstance(x, int | float) and not math.isnan(x)
