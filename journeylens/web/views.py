"""What the pages show, computed by the library from validated request parameters.

Every function here takes already-validated names (see :class:`Query`) and returns small,
JSON-ready Python values, so the HTML pages and the JSON API present the same numbers.  The
heavy parts (directly-follows graphs, variants, journey KPIs) are cached by
:class:`journeylens.web.data.WorkspaceData` under the workspace's import state.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import ibis
import pandas as pd

from journeylens._util.fmt import duration, share
from journeylens._util.plain import plain, records
from journeylens._util.sql import has_table
from journeylens.errors import InputError
from journeylens.mining.dfg import discover_dfg
from journeylens.mining.filters import (
    Filter,
    Follows,
    all_of,
    filter_from_dict,
    parse_filter_options,
)
from journeylens.mining.processmap import ProcessMap
from journeylens.web.data import Vocabulary, WorkspaceData
from journeylens.workspace import Workspace

__all__ = ["MapOptions", "Query"]

_MEASURES = ("frequency", "performance")
_STATISTICS = {"frequency": ("absolute", "cases"),
               "performance": ("mean", "median", "p90", "min", "max", "total")}  # fmt: skip
#: Above this many events the maps use approximate duration quantiles (much cheaper).
_EXACT_LIMIT = 1_000_000


# ---------------------------------------------------------------------- request filters
@dataclass(frozen=True)
class Query:
    """The validated case filter of a request: a saved segment, an attribute value, dates."""

    segment: str | None = None
    attribute: str | None = None
    value: str | None = None
    time_from: str | None = None
    time_to: str | None = None

    @classmethod
    def parse(cls, params: Mapping[str, str], vocab: Vocabulary) -> Query:
        def text(name: str) -> str | None:
            value = params.get(name)
            if value is None or not str(value).strip():
                return None
            if len(value) > 200:
                raise InputError(f"parameter {name!r} is longer than 200 characters")
            return str(value).strip()

        segment, attribute, value = text("segment"), text("attr"), text("value")
        combined = text("case")  # "column=value", as the filter menu sends it
        if combined and not attribute:
            attribute, _, value = (part.strip() for part in combined.partition("="))
        if segment:
            vocab.segment(segment)
        if attribute:
            vocab.attribute(attribute)
        if value and not attribute:
            raise InputError("parameter 'value' needs 'attr' (the case attribute it filters)")
        query = cls(segment, attribute, value if attribute else None, text("from"), text("to"))
        if query.time_from or query.time_to:  # dates are checked now, where the error belongs
            parse_filter_options(time_from=query.time_from, time_to=query.time_to)
        return query

    def filters(self, segments: Mapping[str, Any]) -> Filter | None:
        parts: list[Filter] = []
        if self.segment:
            parts.append(filter_from_dict(segments[self.segment]))
        if self.attribute or self.time_from or self.time_to:
            parts.append(
                parse_filter_options(
                    case_attr=[f"{self.attribute}={self.value or ''}"] if self.attribute else None,
                    time_from=self.time_from,
                    time_to=self.time_to,
                )
            )
        return all_of(*parts) if parts else None

    def events(self, ws: Workspace, extra: Filter | None = None) -> ibis.Table:
        f = self.filters(ws.config.get("segments") or {})
        parts = [p for p in (f, extra) if p is not None]
        return all_of(*parts).apply(ws.events) if parts else ws.events

    def params(self) -> dict[str, str]:
        """The query string that reproduces this filter (for links)."""
        out = {"segment": self.segment, "attr": self.attribute, "value": self.value,
               "from": self.time_from, "to": self.time_to}  # fmt: skip
        return {k: v for k, v in out.items() if v}


# ---------------------------------------------------------------------- process map
@dataclass(frozen=True)
class MapOptions:
    measure: str = "frequency"
    statistic: str = "absolute"
    activities: int = 100
    paths: int = 100

    @classmethod
    def parse(cls, params: Mapping[str, str]) -> MapOptions:
        measure = params.get("measure") or "frequency"
        if measure not in _MEASURES:
            raise InputError(f"measure must be one of {', '.join(_MEASURES)}")
        statistic = params.get("statistic") or _STATISTICS[measure][0]
        if statistic not in _STATISTICS[measure]:
            statistic = _STATISTICS[measure][0]
        out = []
        for name, default in (("activities", 100), ("paths", 100)):
            raw = params.get(name)
            try:
                value = default if raw in (None, "") else int(float(raw))
            except ValueError:
                raise InputError(f"{name} must be a percentage from 0 to 100") from None
            if not 0 <= value <= 100:
                raise InputError(f"{name} must be a percentage from 0 to 100, got {value}")
            out.append(value)
        return cls(measure, statistic, *out)


def _dfg_parts(dfg: Any) -> dict[str, Any]:
    return {"edges": dfg.edges, "activities": dfg.activities, "start": dfg.start, "end": dfg.end}


def process_map(data: WorkspaceData, query: Query, opts: MapOptions) -> ProcessMap:
    """The simplified map, as :func:`journeylens.mining.dfg.discover_map` draws it, from cached DFGs.

    The full directly-follows graph of the filtered log is computed once per import state and
    filter; the activity slider's projections once per set of kept activities; the path slider
    and the measure only re-simplify the cached graph (pure Python, milliseconds).
    """
    vocab = data.vocabulary()
    quantiles = "exact" if vocab.events <= _EXACT_LIMIT else "approx"

    def full(ws: Workspace) -> dict[str, Any]:
        return _dfg_parts(discover_dfg(query.events(ws), quantiles=quantiles))

    parts = data.cached(("dfg", query, None), full)
    if opts.activities < 100:
        probe = ProcessMap(**parts).simplify(activities=opts.activities, paths=100)
        kept = tuple(sorted(str(a) for a in probe.activities["activity"]))

        def projected(ws: Workspace) -> dict[str, Any]:
            events = query.events(ws)
            return _dfg_parts(
                discover_dfg(events.filter(events.activity.isin(kept)), quantiles=quantiles)
            )

        parts = data.cached(("dfg", query, kept), projected)
    pm = ProcessMap(**parts, measure=opts.measure, statistic=opts.statistic)  # type: ignore[arg-type]
    return pm.simplify(activities=100, paths=opts.paths)


# ---------------------------------------------------------------------- cases
_CASE_COLUMNS = ("case_id", "start", "end", "duration_s", "events", "first_activity",
                 "last_activity")  # fmt: skip


def case_list(ws: Workspace, query: Query, extra: Filter | None, *, limit: int = 50,
              attributes: list[str] | None = None) -> dict[str, Any]:  # fmt: skip
    """The cases matching a filter (plus an activity/arc selection): count and the first rows."""
    events = query.events(ws, extra)
    ids = events.select("case_id").distinct()
    cases = ws.cases
    matched = cases.semi_join(ids, "case_id")
    total = int(matched.count().to_pyarrow().as_py())
    wanted = ws.config.get("case_attributes", [])[:4] if attributes is None else attributes
    attrs = [c for c in wanted if c in cases.columns]
    rows = (
        matched.select(*_CASE_COLUMNS, *attrs)
        .order_by([ibis.desc("duration_s"), "case_id"])
        .limit(limit)
        .to_pyarrow()
        .to_pandas()
    )
    cases = records(rows)
    for r in cases:
        r["duration"] = duration(r["duration_s"])
    return {"total": total, "shown": len(cases), "attributes": attrs, "cases": cases}


def selection_filter(vocab: Vocabulary, params: Mapping[str, str]) -> tuple[Filter | None, str]:
    """A click on the map: an activity, or an arc (START/END arcs included)."""
    from journeylens.mining.filters import Endpoints, EventAttribute

    activity, source, target = params.get("activity"), params.get("source"), params.get("target")
    if activity:
        vocab.activity(activity)
        return EventAttribute("activity", [activity]), f"cases with “{activity}”"
    if source and target:
        if source == "__start__":
            return Endpoints([vocab.activity(target)], []), f"cases starting with “{target}”"
        if target == "__end__":
            return Endpoints([], [vocab.activity(source)]), f"cases ending with “{source}”"
        vocab.activity(source)
        vocab.activity(target)
        return Follows(source, target, directly=True), f"cases with “{source}” → “{target}”"
    return None, "all cases"


def case_detail(ws: Workspace, case_id: str) -> dict[str, Any] | None:
    """One case: its events in order (with lanes), attributes and survey answers if any."""
    if not case_id or len(case_id) > 200 or not case_id.isprintable():
        return None  # (a NUL would also end DuckDB's string literal)
    ev = ws.events
    rows = (
        ev.filter(ev.case_id == case_id)
        .order_by(["timestamp", "event_index"])
        .to_pyarrow()
        .to_pandas()
    )
    if rows.empty:
        return None
    attrs = [c for c in ws.config.get("case_attributes", []) if c in rows.columns]
    events = []
    start = rows["timestamp"].iloc[0]
    for row in rows.itertuples(index=False):
        r = row._asdict()
        events.append({
            "activity": r["activity"],
            "timestamp": plain(r["timestamp"]),
            "since_start": duration((r["timestamp"] - start).total_seconds()),
            "resource": plain(r.get("resource")),
            "lane": plain(r.get("department")) or "–",
            "channel": plain(r.get("channel")),
        })  # fmt: skip
    end = rows["timestamp"].iloc[-1]
    detail = {
        "case_id": case_id,
        "start": plain(start),
        "end": plain(end),
        "duration_s": (end - start).total_seconds(),
        "duration": duration((end - start).total_seconds()),
        "attributes": {a: plain(rows[a].iloc[0]) for a in attrs},
        "events": events,
        "lanes": list(dict.fromkeys(e["lane"] for e in events)),
        "survey": _survey_answers(ws, case_id, {a: rows[a].iloc[0] for a in attrs}),
    }
    return detail


def _survey_answers(ws: Workspace, case_id: str, attrs: dict[str, Any]) -> list[dict[str, Any]]:
    """Survey answers of the case (voice tables), matched by case id or customer id."""
    if not has_table(ws.con, "responses"):
        return []
    t = ws.backend.table("responses")
    if "case_id" in t.columns:
        rows = t.filter(t.case_id == case_id)
    elif "customer_id" in t.columns and attrs.get("customer_id") is not None:
        rows = t.filter(t.customer_id == str(attrs["customer_id"]))
    else:
        return []
    return records(rows.limit(20).to_pyarrow().to_pandas())


def timeline_svg(detail: dict[str, Any], *, width: int = 900) -> str:
    """A swimlane timeline of one case: one row per lane, events placed by time."""
    from xml.sax.saxutils import escape

    lanes = detail["lanes"]
    events = detail["events"]
    t0 = pd.Timestamp(events[0]["timestamp"])
    span = max((pd.Timestamp(events[-1]["timestamp"]) - t0).total_seconds(), 1.0)
    left, right, row_h, top = 130, 20, 34, 24
    height = top + row_h * len(lanes) + 24
    plot_w = width - left - right
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="Timeline of case {escape(detail["case_id"])}" class="timeline">'
    ]
    for i, lane in enumerate(lanes):
        y = top + i * row_h
        fill = "#f4f6f8" if i % 2 == 0 else "#ffffff"
        out.append(f'<rect x="0" y="{y}" width="{width}" height="{row_h}" fill="{fill}"/>')
        out.append(
            f'<text x="8" y="{y + row_h / 2 + 4}" font-size="12" fill="#333">{escape(lane)}</text>'
        )
    points = []
    for k, e in enumerate(events):
        x = left + plot_w * (pd.Timestamp(e["timestamp"]) - t0).total_seconds() / span
        y = top + lanes.index(e["lane"]) * row_h + row_h / 2
        points.append((x, y))
        title = escape(f"{k + 1}. {e['activity']} — {e['timestamp']} (+{e['since_start']})")
        out.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="6" fill="#2b6cb0" stroke="#fff">'
            f"<title>{title}</title></circle>"
        )
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    out.insert(1 + 2 * len(lanes), f'<polyline points="{path}" fill="none" stroke="#9aa0a6"/>')
    out.append(
        f'<text x="{left}" y="{height - 6}" font-size="11" fill="#555">{escape(str(t0))}</text>'
        f'<text x="{width - right}" y="{height - 6}" font-size="11" fill="#555" '
        f'text-anchor="end">+{escape(duration(span))}</text></svg>'
    )
    return "".join(out)


# ---------------------------------------------------------------------- overview
def log_overview(ws: Workspace) -> dict[str, Any]:
    """Counts, durations, weekly case volume and the busiest activities of the whole log."""
    info = ws.info()
    con = ws.con
    med, p90 = con.execute(
        "SELECT median(duration_s), quantile_cont(duration_s, 0.9) FROM cases"
    ).fetchone()
    weekly = con.execute(
        "SELECT date_trunc('week', start) AS week, count(*) AS n FROM cases "
        "WHERE start IS NOT NULL GROUP BY 1 ORDER BY 1"
    ).fetchall()
    top = con.execute(
        "SELECT activity, count(*) AS n, count(DISTINCT case_id) AS c FROM events "
        "GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10"
    ).fetchall()
    cases = info["cases"] or 1
    return {
        "info": info,
        "median_duration": duration(med),
        "p90_duration": duration(p90),
        "weekly": [[w.isoformat(), n] for w, n in weekly[:-1]],  # the last week is partial
        "activities": [
            {"activity": a, "events": n, "cases": c, "share": share(c / cases)} for a, n, c in top
        ],
    }


def sparkline(values: list[float], *, width: int = 120, height: int = 28, label: str = "") -> str:
    """A tiny inline SVG line of a series (accessible: it carries a text label)."""
    from xml.sax.saxutils import quoteattr

    vals = [v for v in values if v is not None and not math.isnan(v)]
    if len(vals) < 2:
        return ""
    lo, hi = min(vals), max(vals)
    rng = (hi - lo) or 1.0
    step = width / (len(vals) - 1)
    pts = " ".join(
        f"{i * step:.1f},{height - 2 - (v - lo) / rng * (height - 4):.1f}"
        for i, v in enumerate(vals)
    )
    return (
        f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label={quoteattr(label)}><polyline points="{pts}" fill="none" '
        'stroke="#2b6cb0" stroke-width="1.5"/></svg>'
    )


# ---------------------------------------------------------------------- variants, quality
def variant_table(ws: Workspace, query: Query, *, top: int = 50) -> list[dict[str, Any]]:
    from journeylens.mining.variants import variants

    frame = variants(query.events(ws), top=top)
    out = []
    for rank, row in enumerate(frame.itertuples(index=False), start=1):
        out.append({
            "rank": rank,
            "activities": list(row.variant),
            "length": int(row.length),
            "cases": int(row.count),
            "share": float(row.share),
            "cumulative_share": float(row.cumulative_share),
            "median_duration_s": plain(row.median_duration_s),
            "median_duration": duration(plain(row.median_duration_s)),
        })  # fmt: skip
    return out


def data_quality(ws: Workspace, *, limit: int = 100) -> dict[str, Any]:
    """Per-source import figures and the rejected rows, grouped by reason and listed."""
    sources = []
    for s in ws.config.get("sources", []):
        rows = s.get("rows") or {}
        read = rows.get("read") or 0
        sources.append({
            "id": s.get("id"), "path": s.get("path"), "format": s.get("format"),
            "imported": s.get("imported"), "read": read, "loaded": rows.get("loaded"),
            "rejected": rows.get("rejected"), "merged": rows.get("merged"),
            "rejected_share": share((rows.get("rejected") or 0) / read) if read else "–",
            "mapping": s.get("mapping") or {},
        })  # fmt: skip
    rejects = ws.rejects_summary(limit=limit)
    return {"sources": sources, "reasons": rejects["by_column"], "rejects": plain(rejects["rows"])}
