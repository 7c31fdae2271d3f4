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

from journeylens._util.fmt import duration, share
from journeylens._util.plain import plain, records
from journeylens._util.sql import has_table
from journeylens.errors import InputError
from journeylens.web.data import WorkspaceData
from journeylens.web.views import sparkline
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
        "promise": plain(wm.promise_attainment),
        "promise_text": wm.promise,
        "sla": plain(wm.sla_attainment),
        "lowest": list(wm.lowest) if wm.lowest else None,
        "flagged": bool(wm.flagged),
        "journey_red": bool(wm.journey_red),
        "touchpoints_green": bool(wm.touchpoints_green),
        "verdict": wm.summary,
        "median_duration": duration(plain(overall.get("median_s"))),
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


def _surveys(ws: Workspace) -> list[str]:
    from journeylens.voice.join import responses_frame

    if not has_table(ws.con, "responses"):
        return []
    return sorted(responses_frame(ws)["survey"].dropna().unique())


def _outcomes(ws: Workspace) -> list[str]:
    from journeylens.voice.join import outcomes_frame

    if not has_table(ws.con, "outcomes"):
        return []
    return sorted(outcomes_frame(ws)["outcome"].dropna().unique())


def _satisfaction(ws: Workspace, name: str) -> list[dict[str, Any]]:
    """Each survey's metric over the journey's instances (with its interval), if any."""
    from journeylens.voice import voice_metrics

    out = []
    for survey in _surveys(ws):
        m = voice_metrics(ws, journey=name, survey=survey)
        if m.empty or not m["n"].iloc[0]:
            continue
        r = {k: plain(v) for k, v in m.iloc[0].items()}
        if r.get("metric") == "nps" and r.get("nps") is not None:
            text = f"NPS {r['nps']:+.0f} ({r['nps_low']:+.0f} to {r['nps_high']:+.0f})"
        elif r.get("mean") is not None:
            text = (
                f"{r['metric'].upper()} {r['mean']:.1f} ({r['mean_low']:.1f}–{r['mean_high']:.1f})"
            )
        else:
            continue
        out.append({"survey": survey, "metric": r.get("metric"), "n": r.get("n"), "text": text,
                    "response_rate": share(r.get("response_rate"))})  # fmt: skip
    return out


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
    scores, survey = _stage_satisfaction(ws, name)
    jmap = j.map(satisfaction=scores)
    tps = j.touchpoints()
    kpis = {r["touchpoint"]: r for r in records(tps)}
    grid: dict[str, list[dict[str, Any]]] = {}
    for cell in records(jmap.cells):
        k = kpis.get(cell["touchpoint"], {})
        sla = k.get("sla_attainment")
        grid.setdefault(f"{cell['stage']}|{cell['lane']}", []).append({
            "name": cell["touchpoint"],
            "channel": cell.get("channel"),
            "customer_facing": bool(cell.get("customer_facing")),
            "value_class": cell.get("value_class") or "value-adding",
            "volume": cell.get("volume"),
            "reach": share(cell.get("reach")),
            "median": duration(cell.get("median_processing_s")),
            "wait": duration(cell.get("median_wait_s")),
            "sla": duration(k.get("sla_s")) if k.get("sla_s") else None,
            "sla_attainment": sla,
            "below_sla": sla is not None and sla < 0.9,
        })  # fmt: skip
    wm = j.watermelon()
    stages = records(jmap.stage_summary)
    return {
        "stages": list(jmap.stages),
        "lanes": list(jmap.lanes),
        "grid": grid,
        "stage_summary": [
            {
                **st,
                "median": duration(st.get("median_s")),
                "contacts_per_100": plain(st.get("contacts_per_100")),
            }
            for st in stages
        ],
        "handoffs": [
            {**h, "median_wait": duration(h.get("median_wait_s"))}
            for h in records(jmap.handoffs.head(10))
        ],
        "pains": _pain_points(tps, wm),
        "contributors": records(wm.contributors.head(8)),
        "curve": _curve_svg(stages),
        "curve_survey": survey,
        "decomposition": records(wm.decomposition),
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
        extra = f", {duration(r.extra_s)} more than when it is kept" if _finite(
            r.extra_s) and r.extra_s > 0 else ""  # fmt: skip
        part = f" ({share(r.share)} of that time)" if _finite(r.share) else ""
        out.append(f"{r.kind} {r.where}: {duration(r.mean_s)} per broken promise{part}{extra}")
    if "sla_attainment" in tps:
        low = tps[tps["sla_attainment"] < 0.9]
        for r in low.itertuples(index=False):
            out.append(f"{r.touchpoint}: meets its SLA in only {share(r.sla_attainment)} of events")
    if "repeat_share" in tps:
        rep = tps[(tps["repeat_share"] > 0.05) & ~tps["is_contact"]]
        for r in rep.sort_values("repeat_share", ascending=False).head(3).itertuples(index=False):
            out.append(f"{r.touchpoint}: repeated in {share(r.repeat_share)} of its events")
    if "is_contact" in tps:
        contacts = tps[tps["is_contact"]].sort_values("volume", ascending=False).head(2)
        for r in contacts.itertuples(index=False):
            out.append(f"customer contact “{r.touchpoint}”: {int(r.volume):,} times")
    return out


def _stage_satisfaction(ws: Workspace, name: str) -> tuple[dict[str, float] | None, str | None]:
    """Mean score by the stage that took longest, for the journey's first survey with answers."""
    from journeylens.voice import voice_metrics

    for survey in _surveys(ws):
        m = voice_metrics(ws, journey=name, survey=survey, by="stage")
        m = m[(m["n"] >= 5) & m["mean"].notna()] if len(m) else m
        if len(m) >= 2:
            return {str(r.stage): float(r.mean) for r in m.itertuples(index=False)}, survey
    return None, None


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


#: What-if changes offered (label -> keyword of :func:`journeylens.explain.whatif.what_if`).
CHANGES: dict[str, tuple[str, float]] = {
    "halved": ("scale", 0.5),
    "cut by a quarter": ("scale", 0.75),
    "up by half": ("scale", 1.5),
    "true for every journey": ("rate", 1.0),
    "true for 90% of journeys": ("rate", 0.9),
    "true for no journey": ("rate", 0.0),
}


def _targets(data: WorkspaceData) -> list[str]:
    return data.cached("voice-targets", lambda ws: [*_surveys(ws), *_outcomes(ws)])


def _driver_table(ws: Workspace, journey: str, target: str) -> dict[str, Any]:
    from journeylens.voice import journey_drivers

    d = journey_drivers(ws, journey, target)
    out = d.to_dict()
    # A category (channel, variant family) has no scale to halve or share to set.
    categories = {level["feature"] for level in out["levels"]}
    rows = []
    for r in out["drivers"]:
        unit = r.get("unit") or ("percentage points" if d.kind == "binary" else "points")
        k = 100.0 if d.kind == "binary" else 1.0
        effect = r.get("effect")
        rows.append({
            "feature": r["feature"],
            "share": share(r.get("share")),
            "share_interval": f"{share(r.get('share_low'))}–{share(r.get('share_high'))}",
            "share_value": r.get("share") or 0.0,
            "effect": None if effect is None else f"{k * effect:+.2f}",
            "effect_interval": None if effect is None else
                f"{k * r['effect_low']:+.2f} to {k * r['effect_high']:+.2f}",
            "per": "per day" if unit == "days" else "",
            "finding": r.get("finding"),
            "significant": effect is not None and r.get("effect_low") is not None
                and (r["effect_low"] > 0 or r["effect_high"] < 0),
            "what_if": r["feature"] not in categories,
        })  # fmt: skip
    out["rows"] = rows
    out["kind_unit"] = "percentage points" if d.kind == "binary" else "points"
    return out


def _default_target(data: WorkspaceData, journey: str, targets: list[str]) -> str:
    """The survey most answered after this journey (else the first survey or outcome)."""
    answered = data.cached(("journey-summary", journey), lambda ws: _summary(ws, journey))
    ranked = sorted(answered["satisfaction"], key=lambda v: -(v["n"] or 0))
    return ranked[0]["survey"] if ranked else targets[0]


def drivers(data: WorkspaceData, params: Mapping[str, str]) -> dict[str, Any]:
    """The drivers page: what moves a survey score or an outcome, ranked, with intervals."""
    vocab = data.vocabulary()
    targets = _targets(data)
    base = {"journeys": vocab.journeys, "targets": targets, "changes": list(CHANGES)}
    if not vocab.journeys or not targets:
        reason = ("define a journey first: drivers explain a journey's survey scores"
                  if not vocab.journeys else
                  "import survey answers or outcomes first: `journeylens voice import ...`")  # fmt: skip
        return {**base, "available": False, "reason": reason}
    journey = vocab.journey(params.get("journey") or vocab.journeys[0])
    target = params.get("target") or _default_target(data, journey, targets)
    if target not in targets:
        raise InputError(f"unknown survey or outcome {target[:80]!r}; choose one of {targets}")
    table = data.cached(("drivers", journey, target),
                        lambda ws: _driver_table(ws, journey, target))  # fmt: skip
    return {**base, "available": True, "journey": journey, "target": target, "d": table}


def what_if(data: WorkspaceData, params: Mapping[str, str]) -> dict[str, Any]:
    """One what-if estimate: the target if a driver changed (validated against the table)."""
    from journeylens.voice import journey_what_if

    page = drivers(data, params)
    if not page["available"]:
        raise InputError(page["reason"])
    feature, change = params.get("feature") or "", params.get("change") or ""
    features = [r["feature"] for r in page["d"]["rows"] if r["what_if"]]
    if feature not in features:
        raise InputError(
            f"no what-if for driver {feature[:80]!r}; drivers that can change: "
            f"{', '.join(features)}"
        )
    if change not in CHANGES:
        raise InputError(f"change must be one of: {', '.join(CHANGES)}")
    kind, amount = CHANGES[change]
    journey, target = page["journey"], page["target"]

    def compute(ws: Workspace) -> dict[str, Any]:
        w = journey_what_if(ws, journey, target, feature, **{kind: amount})
        return {**w.to_dict(), "sentence": w.sentence()}

    return data.cached(("what-if", journey, target, feature, change), compute)


def _finite(x: Any) -> bool:
    return isinstance(x, int | float) and not math.isnan(x)
