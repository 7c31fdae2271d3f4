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
    wm = j.watermelon()
    overall = j.kpis().iloc[0]
    weekly = j.kpis(by="week")
    trend = weekly["promise_attainment"] if "promise_attainment" in weekly else pd.Series()
    trend = trend.iloc[1:-1] if len(trend) > 4 else trend  # partial first and last weeks
    return {
        "name": name,
        "owner": d.owner,
        "description": d.description,
        "instances": int(wm.instances),
        "promise": _num(wm.promise_attainment),
        "promise_text": wm.promise,
        "sla": _num(wm.sla_attainment),
        "lowest": list(wm.lowest) if wm.lowest else None,
        "flagged": bool(wm.flagged),
        "verdict": wm.summary,
        "median_duration": humanize_seconds(_num(overall.get("median_s"))),
        "satisfaction": _satisfaction(ws, name),
        "trend": [float(v) for v in trend.astype(float) if not math.isnan(v)],
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
    jmap = j.map(satisfaction=_stage_satisfaction(ws, name))
    tps = j.touchpoints()
    kpis = {r["touchpoint"]: r for r in _records(tps)}
    grid: dict[str, list[dict[str, Any]]] = {}
    for cell in _records(jmap.cells):
        k = kpis.get(cell["touchpoint"], {})
        sla = k.get("sla_attainment")
        grid.setdefault(f"{cell['stage']}|{cell['lane']}", []).append({
            "name": cell["touchpoint"],
            "channel": cell.get("channel"),
            "customer_facing": bool(cell.get("customer_facing")),
            "value_class": cell.get("value_class") or "value-adding",
            "volume": cell.get("volume"),
            "reach": pct(cell.get("reach")),
            "median": humanize_seconds(cell.get("median_processing_s")),
            "wait": humanize_seconds(cell.get("median_wait_s")),
            "sla": humanize_seconds(k.get("sla_s")) if k.get("sla_s") else None,
            "sla_attainment": sla,
            "below_sla": sla is not None and sla < 0.9,
        })  # fmt: skip
    wm = j.watermelon()
    stages = _records(jmap.stage_summary)
    return {
        "stages": list(jmap.stages),
        "lanes": list(jmap.lanes),
        "grid": grid,
        "stage_summary": [
            {
                **st,
                "median": humanize_seconds(st.get("median_s")),
                "contacts_per_100": _num(st.get("contacts_per_100")),
            }
            for st in stages
        ],
        "handoffs": [
            {**h, "median_wait": humanize_seconds(h.get("median_wait_s"))}
            for h in _records(jmap.handoffs.head(10))
        ],
        "pains": _pain_points(tps, wm),
        "contributors": _records(wm.contributors.head(8)),
        "curve": _curve_svg(stages),
        "decomposition": _records(wm.decomposition),
    }


def detail(data: WorkspaceData, name: str) -> dict[str, Any]:
    out = data.cached(("journey-detail", name), lambda ws: _detail(ws, name))
    s = dict(data.cached(("journey-summary", name), lambda ws: _summary(ws, name)))
    out = {**out, "summary": s}
    s["spark"] = sparkline(s["trend"], width=240, height=40,
                           label=f"weekly promise attainment of {name}")  # fmt: skip
    return out


def _pain_points(tps: pd.DataFrame, wm: Any) -> list[str]:
    """Plain sentences: where the journey hurts (time sinks, missed SLAs, repeats)."""
    out = []
    for r in wm.contributors.head(4).itertuples(index=False):
        extra = f", {humanize_seconds(r.extra_s)} more than when it is kept" if _finite(
            r.extra_s) and r.extra_s > 0 else ""  # fmt: skip
        share = f" ({pct(r.share)} of that time)" if _finite(r.share) else ""
        out.append(
            f"{r.kind} {r.where}: {humanize_seconds(r.mean_s)} per broken promise{share}{extra}"
        )
    if "sla_attainment" in tps:
        low = tps[tps["sla_attainment"] < 0.9]
        for r in low.itertuples(index=False):
            out.append(f"{r.touchpoint}: meets its SLA in only {pct(r.sla_attainment)} of events")
    if "repeat_share" in tps:
        rep = tps[(tps["repeat_share"] > 0.05) & ~tps["is_contact"]]
        for r in rep.sort_values("repeat_share", ascending=False).head(3).itertuples(index=False):
            out.append(f"{r.touchpoint}: repeated in {pct(r.repeat_share)} of its events")
    if "is_contact" in tps:
        contacts = tps[tps["is_contact"]].sort_values("volume", ascending=False).head(2)
        for r in contacts.itertuples(index=False):
            out.append(f"customer contact “{r.touchpoint}”: {int(r.volume):,} times")
    return out


def _stage_satisfaction(ws: Workspace, name: str) -> dict[str, float] | None:
    """Mean satisfaction per stage from the voice analyses, when survey answers exist."""
    try:
        from journeylens import voice
    except ImportError:
        return None
    fn = getattr(voice, "stage_satisfaction", None)
    return fn(ws, name) if fn is not None else None


def _curve_svg(stages: list[dict[str, Any]]) -> str | None:
    """The satisfaction curve across stages (inline SVG), when stages carry scores."""
    from xml.sax.saxutils import escape

    pts = [(s["stage"], s.get("satisfaction")) for s in stages]
    if sum(1 for _s, v in pts if _finite(v)) < 2:
        return None
    vals = [v for _s, v in pts if _finite(v)]
    lo, hi = min(vals), max(vals)
    rng = (hi - lo) or 1.0
    w, h, pad = 560, 160, 30
    step = (w - 2 * pad) / max(len(pts) - 1, 1)
    out = [f'<svg viewBox="0 0 {w} {h}" role="img" aria-label="satisfaction by stage" '
           'class="curve-svg">']  # fmt: skip
    line = []
    for i, (stage, v) in enumerate(pts):
        x = pad + i * step
        out.append(f'<text x="{x:.0f}" y="{h - 6}" font-size="11" text-anchor="middle">'
                   f"{escape(stage)}</text>")  # fmt: skip
        if _finite(v):
            y = pad + (hi - v) / rng * (h - 2 * pad - 10)
            line.append(f"{x:.1f},{y:.1f}")
            out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="#2b6cb0"/>'
                       f'<text x="{x:.1f}" y="{y - 8:.1f}" font-size="11" text-anchor="middle">'
                       f"{v:.1f}</text>")  # fmt: skip
    out.insert(1, f'<polyline points="{" ".join(line)}" fill="none" stroke="#2b6cb0"/>')
    return "".join(out) + "</svg>"


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
