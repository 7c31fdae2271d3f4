"""The shareable report: one self-contained HTML file (or JSON, or Markdown) of a workspace.

:func:`report_data` gathers the content — overview, journeys and their watermelon, process
map, variants, voice of the customer and drivers, diagnostics and ranked opportunities — as
plain data; :func:`write_report` renders it with the Jinja2 templates in
``journeylens/report/templates/``.  The HTML inlines its CSS and its charts (SVG drawn here),
loads nothing, and prints cleanly; JSON has the top-level keys ``journeys``, ``watermelon``,
``drivers``, ``diagnostics`` and ``opportunities`` (and the rest); Markdown says the same in
text.  Sections that need journeys or surveys say so when the workspace has none.

Examples
--------
>>> import journeylens
>>> from journeylens.report.document import write_report
>>> ws = journeylens.Workspace.open("demo-workspace")  # doctest: +SKIP
>>> write_report(ws, "report.html")  # doctest: +SKIP
PosixPath('report.html')
"""

from __future__ import annotations

import datetime as dt
import html
import os
import re
import tempfile
from pathlib import Path
from typing import Any, Literal

import jinja2

from journeylens._util.fmt import duration, number, share
from journeylens._util.plain import dumps, plain, records
from journeylens.errors import InputError

__all__ = ["ReportFormat", "render_report", "report_data", "write_report"]

ReportFormat = Literal["html", "json", "md"]
_TEMPLATES = Path(__file__).parent / "templates"

NO_JOURNEYS = (
    "This workspace has no journey definitions, so there is no journey map, promise or "
    "watermelon view. Define journeys (journeylens journeys suggest / the journeys: section of "
    "journeylens.yaml) to add them."
)
NO_VOICE = (
    "This workspace has no survey responses or outcomes, so there is no voice-of-the-customer "
    "or driver analysis. Import surveys (journeylens voice import) to add it."
)


# --------------------------------------------------------------------------- data


def _overview(events, cases) -> dict[str, Any]:
    import ibis

    from journeylens.schema import ACTIVITY, CASE, RESOURCE, TIMESTAMP

    agg = events.aggregate(
        events=events.count(),
        cases=events[CASE].nunique(),
        activities=events[ACTIVITY].nunique(),
        first=events[TIMESTAMP].min(),
        last=events[TIMESTAMP].max(),
    ).to_pandas()
    row = agg.iloc[0]
    d = cases.aggregate(
        median=cases.duration_s.quantile(0.5),
        p90=cases.duration_s.quantile(0.9),
        mean=cases.duration_s.mean(),
    ).to_pandas()
    out = {
        "events": int(row["events"]),
        "cases": int(row["cases"]),
        "activities": int(row["activities"]),
        "first_event": str(row["first"]) if row["first"] is not None else None,
        "last_event": str(row["last"]) if row["last"] is not None else None,
        "median_duration_s": float(d["median"].iloc[0] or 0),
        "p90_duration_s": float(d["p90"].iloc[0] or 0),
        "mean_duration_s": float(d["mean"].iloc[0] or 0),
    }
    if RESOURCE in events.columns:
        out["resources"] = int(events[RESOURCE].nunique().to_pyarrow().as_py())
    top = (
        events.group_by(ACTIVITY)
        .agg(n=events.count())
        .order_by([ibis.desc("n"), ACTIVITY])
        .limit(10)
        .to_pyarrow()
        .to_pandas()
    )
    out["top_activities"] = records(top.rename(columns={ACTIVITY: "activity", "n": "events"}))
    return out


def _journeys(ws) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[str]]:
    names = getattr(ws, "journey_names", None)
    if names is None:
        return [], [], [NO_JOURNEYS]
    try:
        journey_names = list(names())
    except Exception as e:
        return [], [], [f"journeys could not be read: {e}"]
    if not journey_names:
        return [], [], [NO_JOURNEYS]
    journeys, melons, notes = [], [], []
    for name in journey_names:
        try:
            j = ws.journey(name)
            entry: dict[str, Any] = {"name": name}
            defn = getattr(j, "definition", None)
            if defn is not None and hasattr(defn, "to_dict"):
                entry["definition"] = plain(defn.to_dict())
            kpis = j.kpis()
            entry["kpis"] = records(kpis) if hasattr(kpis, "to_dict") else plain(kpis)
            entry["map"] = plain(j.map().to_dict())
            tp = j.touchpoints()
            entry["touchpoints"] = records(tp)
            journeys.append(entry)
            melons.append({"journey": name, **plain(j.watermelon().to_dict())})
        except Exception as e:
            notes.append(f"journey {name!r}: {type(e).__name__}: {e}")
    return journeys, melons, notes


def report_data(
    source, *, title: str | None = None, top_variants: int = 10, voice: bool = True
) -> dict[str, Any]:
    """Everything the report shows, as JSON-ready data.

    Parameters
    ----------
    source
        A :class:`~journeylens.Workspace`.
    title
        Report title (default: the workspace folder's name).
    top_variants
        Variants listed.
    voice
        Include the voice-of-the-customer driver model (when the workspace has surveys).
    """
    from journeylens._version import __version__
    from journeylens.diagnose.diagnosis import _Journeys, diagnose
    from journeylens.mining.cases import case_table
    from journeylens.mining.variants import case_variants, variants

    if not (hasattr(source, "events") and hasattr(source, "backend")):
        raise InputError(
            f"report_data() expects a journeylens Workspace, got {type(source).__name__}; "
            "import the log into a workspace first (journeylens import FILE -w DIR)"
        )
    events = source.events
    if int(events.count().to_pyarrow().as_py()) == 0:
        raise InputError(
            f"workspace {source.path} has no events; import a log first (journeylens import)"
        )
    cases = case_table(events)
    overview = _overview(events, cases)
    # One Journey object per journey for the whole report: each caches its instances, which
    # the KPIs, the diagnosis and the voice model all read (built once instead of twice).
    shared = _Journeys(source) if hasattr(source, "journey_names") else source
    journeys, melons, jnotes = _journeys(shared)
    diagnosis = diagnose(shared, voice=voice)
    var = variants(events, top=top_variants)
    variant_rows = [
        {
            "rank": i + 1,
            "activities": list(r["variant"]),
            "length": int(r["length"]),
            "count": int(r["count"]),
            "share": float(r["share"]),
            "median_duration_s": float(r["median_duration_s"]),
        }
        for i, r in var.iterrows()
    ]
    cv = case_variants(events)
    n_variants = int(cv.variant.nunique().to_pyarrow().as_py())
    diag = diagnosis.to_dict()
    opportunities = diag.pop("opportunities")
    voice_data, drivers = diag.pop("voice"), diag.pop("drivers")
    vnotes = [] if voice_data is not None else [NO_VOICE]
    if voice_data is not None and not drivers:
        vnotes.append(
            "Surveys are there, but no journey has enough answers (100 scores, or 20 positive "
            "outcomes) for a driver model."
        )
    name = Path(str(getattr(source, "path", "workspace"))).name
    return plain(
        {
            "meta": {
                "title": title or f"journeylens report: {name}",
                "workspace": str(getattr(source, "path", "")),
                "generated": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "journeylens_version": __version__,
            },
            "overview": {**overview, "variants": n_variants},
            "journeys": journeys,
            "watermelon": melons,
            "variants": variant_rows,
            "voice": voice_data,
            "drivers": drivers,
            "diagnostics": diag,
            "opportunities": opportunities,
            "notes": {"journeys": jnotes, "voice": vnotes},
        }
    )


# --------------------------------------------------------------------------- charts


def bar_chart(
    labels: list[str], values: list[float], *, fmt=None, width: int = 640, color: str = "#2f6f9f"
) -> str:
    """A horizontal bar chart as inline SVG (no external reference of any kind)."""
    fmt = fmt or (lambda v: f"{v:,.0f}")
    if not values:
        return ""
    row, label_w, pad = 22, 260, 6
    height = row * len(values) + pad * 2
    top = max(max(values), 1e-12)
    parts = [
        f'<svg class="chart" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">'
    ]
    for i, (lab, v) in enumerate(zip(labels, values, strict=True)):
        y = pad + i * row
        w = max((width - label_w - 90) * (v / top), 1)
        short = lab if len(lab) <= 42 else lab[:40] + "…"
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end" font-size="12">'
            f"<title>{html.escape(lab)}</title>{html.escape(short)}</text>"
            f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row - 6}" '
            f'fill="{color}" rx="2"/>'
            f'<text x="{label_w + w + 4:.1f}" y="{y + 15}" font-size="12">'
            f"{html.escape(fmt(v))}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _process_map_svg(events) -> str:
    from journeylens.mining.dfg import discover_map

    svg = discover_map(events, activities=60, paths=20).to_svg()
    # Inline SVG in HTML needs no namespace; dropping it keeps the file free of any URL.
    return re.sub(r'\s+xmlns(:\w+)?="[^"]*"', "", svg, count=2)


# --------------------------------------------------------------------------- rendering


def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(_TEMPLATES)),
        # Escape HTML only: Markdown keeps its quotes and ampersands as they are.
        autoescape=lambda name: bool(name) and ".html" in name,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["dur"] = duration
    # A share's decimals follow the one rule (journeylens._util.fmt), whatever the template asks.
    env.filters["pct"] = lambda v, _digits=None: share(v)
    env.filters["label"] = lambda c: str(c).removesuffix("_s").replace("_", " ")
    env.filters["num"] = number
    return env


def render_report(data: dict[str, Any], *, format: ReportFormat = "html", source=None) -> str:
    """Render :func:`report_data` as HTML, JSON or Markdown text."""
    if format == "json":
        return dumps(data) + "\n"
    if format not in ("html", "md"):
        raise InputError(f"format must be 'html', 'json' or 'md', got {format!r}")
    env = _env()
    if format == "md":
        return env.get_template("report.md.j2").render(d=data)
    diag = data["diagnostics"]
    bn = diag["bottlenecks"]["bottlenecks"][:10]
    charts = {
        "bottlenecks": bar_chart(
            [f"{b['from']} → {b['to']}" for b in bn],
            [b["share_of_wait"] or 0 for b in bn],
            fmt=share,
        ),
        "variants": bar_chart(
            [f"#{v['rank']} ({v['length']} steps)" for v in data["variants"]],
            [v["share"] for v in data["variants"]],
            fmt=share,
            color="#6a8f3f",
        ),
        "opportunities": bar_chart(
            [o["title"] for o in data["opportunities"][:10]],
            [o["effect_days_per_month"] or 0 for o in data["opportunities"][:10]],
            fmt=lambda v: f"{v:,.0f} d/month",
            color="#b5562b",
        ),
        "trend": _trend_svg(diag["bottlenecks"]["trend"]),
        "melons": [_melon_svg(w) for w in data["watermelon"]],
    }
    process_map = ""
    if source is not None:
        process_map = _process_map_svg(source.events)
    css = (_TEMPLATES / "report.css").read_text(encoding="utf-8")
    return env.get_template("report.html.j2").render(
        d=data, charts=charts, process_map=process_map, css=css
    )


def _melon_svg(w: dict[str, Any]) -> str:
    """Two bars: touchpoints meeting their SLA (green) vs journeys kept within the promise."""
    sla, promise = w.get("sla_attainment"), w.get("promise_attainment")
    if sla is None or promise is None:
        return ""
    parts = ['<svg class="chart" width="640" height="64">']
    for i, (label, v, color) in enumerate(
        (("touchpoint SLAs met", sla, "#3f7f3f"), ("promise kept", promise, "#b02a2a"))
    ):
        y = 6 + i * 28
        parts.append(
            f'<text x="150" y="{y + 16}" text-anchor="end" font-size="12">{label}</text>'
            f'<rect x="156" y="{y}" width="400" height="20" fill="#eee"/>'
            f'<rect x="156" y="{y}" width="{400 * v:.1f}" height="20" fill="{color}"/>'
            f'<text x="{162 + 400 * v:.1f}" y="{y + 15}" font-size="12">{share(v)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _trend_svg(trend: list[dict[str, Any]], width: int = 640, height: int = 180) -> str:
    """Mean wait per period of the top bottlenecks, one line each."""
    series: dict[str, list[tuple[str, float]]] = {}
    for r in trend:
        key = f"{r['from']} → {r['to']}"
        series.setdefault(key, []).append((r["period"], r["mean_wait_s"] or 0.0))
    series = dict(list(series.items())[:4])
    if not series:
        return ""
    periods = sorted({p for s in series.values() for p, _ in s})
    if len(periods) < 2:
        return ""
    top = max(v for s in series.values() for _, v in s) or 1.0
    colors = ["#2f6f9f", "#b5562b", "#6a8f3f", "#7a4f9a"]
    left, bottom = 50, 30
    xs = {p: left + i * (width - left - 10) / (len(periods) - 1) for i, p in enumerate(periods)}
    parts = [f'<svg class="chart" width="{width}" height="{height + 20 * len(series)}">']
    parts.append(
        f'<text x="4" y="14" font-size="11">{html.escape(duration(top))}</text>'
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - 10}" y2="{height - bottom}" '
        'stroke="#999"/>'
    )
    for i, p in enumerate(periods):
        if i % max(len(periods) // 6, 1) == 0:
            parts.append(
                f'<text x="{xs[p]:.0f}" y="{height - 12}" font-size="10" '
                f'text-anchor="middle">{html.escape(p)}</text>'
            )
    for k, (name, pts) in enumerate(series.items()):
        c = colors[k % len(colors)]
        path = " ".join(
            f"{xs[p]:.1f},{(height - bottom) - (v / top) * (height - bottom - 20):.1f}"
            for p, v in pts
        )
        parts.append(f'<polyline fill="none" stroke="{c}" stroke-width="2" points="{path}"/>')
        y = height + 14 + 20 * k
        parts.append(
            f'<rect x="{left}" y="{y - 9}" width="12" height="10" fill="{c}"/>'
            f'<text x="{left + 18}" y="{y}" font-size="11">{html.escape(name)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def write_report(
    source,
    output: str | os.PathLike[str],
    *,
    format: ReportFormat | None = None,
    title: str | None = None,
    voice: bool = True,
) -> Path:
    """Write the report of a workspace to ``output`` (format from the suffix by default).

    The file is written beside the target and renamed into place, so a failure never
    leaves half a report.
    """
    out = Path(output)
    fmt = format or {".json": "json", ".md": "md", ".markdown": "md"}.get(
        out.suffix.lower(), "html"
    )
    if fmt not in ("html", "json", "md"):
        raise InputError(f"format must be 'html', 'json' or 'md', got {fmt!r}")
    if out.parent and not out.parent.exists():
        raise InputError(f"cannot write {out}: folder {out.parent} does not exist")
    data = report_data(source, title=title, voice=voice)
    text = render_report(data, format=fmt, source=source)  # type: ignore[arg-type]
    fd, tmp = tempfile.mkstemp(prefix=".report.", dir=out.parent or ".")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, out)
    return out
