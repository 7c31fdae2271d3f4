"""CLI commands of the process-mining core: map, variants, cases, stats, segment.

Every analysis command takes the same filter options (see :mod:`journeylens.mining.filters`) and
``--segment NAME`` for a saved segment; ``segment save NAME [filters]`` stores one in the
workspace's YAML.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from journeylens._util.fmt import share
from journeylens.cli.common import JsonOpt, WorkspaceOpt, open_workspace, out, print_json
from journeylens.cli.options import _build_filters, with_filters
from journeylens.errors import InputError

app = typer.Typer()


def _events(ws: Any, filter_values: dict[str, Any]):
    filters = _build_filters(ws, dict(filter_values))
    return filters.apply(ws.events) if len(filters) else ws.events


def map_json(pm: Any) -> dict[str, Any]:
    """The map as ``map --json`` prints it: activity nodes, flow edges, start/end counts."""
    data = pm.to_dict()
    return {
        "measure": data["measure"],
        "statistic": data["statistic"],
        "nodes": [n for n in data["nodes"] if n.get("kind") == "activity"],
        "edges": [e for e in data["edges"] if e.get("kind") == "flow"],
        "start": data["start"],
        "end": data["end"],
        "synthetic": {
            "start": sorted(
                e["target"] for e in data["edges"] if e["kind"] == "start" and e["synthetic"]
            ),
            "end": sorted(
                e["source"] for e in data["edges"] if e["kind"] == "end" and e["synthetic"]
            ),
        },
    }


@app.command("map")
@with_filters
def map_(
    workspace: WorkspaceOpt = Path("."),
    activities: Annotated[float, typer.Option(help="Activity slider, 0-100 %.")] = 100.0,
    paths: Annotated[float, typer.Option(help="Path slider, 0-100 %.")] = 100.0,
    measure: Annotated[str, typer.Option(help="frequency or performance.")] = "frequency",
    statistic: Annotated[
        str | None,
        typer.Option(
            help="absolute|cases (frequency); mean|median|p90|min|max|total (performance)."
        ),
    ] = None,
    json_: JsonOpt = False,
    dot: Annotated[bool, typer.Option("--dot", help="Print Graphviz DOT.")] = False,
    svg: Annotated[Path | None, typer.Option("--svg", help="Write the map as SVG to FILE.")] = None,
    _filters: dict[str, Any] | None = None,
) -> None:
    """The process map (directly-follows graph), simplified with activity and path sliders."""
    from journeylens.mining.dfg import discover_map

    if measure not in ("frequency", "performance"):
        raise typer.BadParameter("expected frequency or performance", param_hint="--measure")
    for name, value in (("--activities", activities), ("--paths", paths)):
        if not 0 <= value <= 100:
            raise typer.BadParameter("expected a percentage from 0 to 100", param_hint=name)
    with open_workspace(workspace) as ws:
        pm = discover_map(
            _events(ws, _filters or {}),
            activities=activities,
            paths=paths,
            measure=measure,  # type: ignore[arg-type]
            statistic=statistic,
        )
    if svg is not None:
        svg.write_text(pm.to_svg(), encoding="utf-8")
        if not (json_ or dot):
            out.print(f"wrote {svg}")
    if json_:
        print_json(map_json(pm))
    elif dot:
        sys.stdout.write(pm.to_dot() + "\n")
    elif svg is None:
        data = map_json(pm)
        t = Table("from", "to", "frequency", "cases", "median", "mean", title="process map")
        from journeylens.mining.processmap import humanize_seconds

        for e in sorted(data["edges"], key=lambda e: -e["frequency"]):
            t.add_row(
                e["source"],
                e["target"],
                f"{e['frequency']:,}",
                f"{e['cases']:,}",
                humanize_seconds(e.get("median_s")),
                humanize_seconds(e.get("mean_s")),
            )
        out.print(t)
        out.print(
            f"{len(data['nodes'])} activities, {len(data['edges'])} paths; starts: "
            + ", ".join(f"{a} ({n:,})" for a, n in data["start"].items()),
            highlight=False,
        )


@app.command()
@with_filters
def variants(
    workspace: WorkspaceOpt = Path("."),
    top: Annotated[int | None, typer.Option(help="Only the N most frequent variants.")] = None,
    coverage: Annotated[
        float | None, typer.Option(help="Variants covering this share of cases (0-1).")
    ] = None,
    json_: JsonOpt = False,
    _filters: dict[str, Any] | None = None,
) -> None:
    """Process variants: distinct activity sequences, their counts, shares and durations."""
    from journeylens.mining.processmap import humanize_seconds
    from journeylens.mining.variants import variants as compute

    if coverage is not None and not 0 < coverage <= 1:
        raise typer.BadParameter("expected a share in (0, 1]", param_hint="--coverage")
    with open_workspace(workspace) as ws:
        frame = compute(_events(ws, _filters or {}), top=top, coverage=coverage)
    rows = [
        {
            "activities": list(r["variant"]),
            "count": int(r["count"]),
            "share": float(r["share"]),
            "cumulative_share": float(r["cumulative_share"]),
            "mean_duration_s": None
            if r["mean_duration_s"] != r["mean_duration_s"]
            else float(r["mean_duration_s"]),
            "median_duration_s": None
            if r["median_duration_s"] != r["median_duration_s"]
            else float(r["median_duration_s"]),
        }
        for r in frame.to_dict("records")
    ]
    if json_:
        print_json(rows)
        return
    t = Table("#", "cases", "share", "cum.", "median", "activities", title="variants")
    for i, r in enumerate(rows, 1):
        seq = " → ".join(r["activities"])
        t.add_row(
            str(i),
            f"{r['count']:,}",
            f"{share(r['share'])}",
            f"{share(r['cumulative_share'])}",
            humanize_seconds(r["median_duration_s"]),
            seq if len(seq) < 120 else seq[:117] + "...",
        )
    out.print(t)


@app.command()
@with_filters
def cases(
    workspace: WorkspaceOpt = Path("."),
    json_: JsonOpt = False,
    csv: Annotated[bool, typer.Option("--csv", help="Print CSV.")] = False,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write to .csv or .parquet.")
    ] = None,
    limit: Annotated[int, typer.Option(help="Rows to show in the table view.")] = 20,
    _filters: dict[str, Any] | None = None,
) -> None:
    """The case table: duration, events, rework, handoffs, first and last activity."""
    from journeylens.mining.cases import case_table

    with open_workspace(workspace) as ws:
        table = case_table(_events(ws, _filters or {})).order_by("case_id")
        if output is not None:
            frame = table.to_pyarrow()
            if output.suffix.lower() == ".parquet":
                import pyarrow.parquet as pq

                pq.write_table(frame, output)
            else:
                import pyarrow.csv as pacsv

                pacsv.write_csv(frame, output)
            out.print(f"wrote {frame.num_rows:,} cases to {output}")
            return
        frame = table.to_pyarrow().to_pandas()
    if json_:
        print_json(frame.to_dict("records"))
    elif csv:
        frame.to_csv(sys.stdout, index=False)
    else:
        t = Table(*map(str, frame.columns), title=f"cases ({len(frame):,})")
        for row in frame.head(limit).itertuples(index=False):
            t.add_row(*("" if v is None else str(v) for v in row))
        out.print(t)


_STATS = ("activities", "resources", "departments", "handoffs", "pingpong")


@app.command()
@with_filters
def stats(
    what: Annotated[
        str, typer.Argument(help="activities, resources, departments, handoffs or pingpong.")
    ],
    workspace: WorkspaceOpt = Path("."),
    by: Annotated[
        str, typer.Option(help="department or resource (handoffs, pingpong).")
    ] = "department",
    json_: JsonOpt = False,
    _filters: dict[str, Any] | None = None,
) -> None:
    """Statistics per activity, resource or department; the handoff matrix; ping-pong."""
    from journeylens.mining import stats as st

    if what not in _STATS:
        raise typer.BadParameter(f"expected one of {', '.join(_STATS)}", param_hint="WHAT")
    if by not in ("department", "resource"):
        raise typer.BadParameter("expected department or resource", param_hint="--by")
    with open_workspace(workspace) as ws:
        events = _events(ws, _filters or {})
        frame = {
            "activities": lambda: st.summary_stats(events, by="activity"),
            "resources": lambda: st.summary_stats(events, by="resource"),
            "departments": lambda: st.summary_stats(events, by="department"),
            "handoffs": lambda: st.handoff_matrix(events, by=by),  # type: ignore[arg-type]
            "pingpong": lambda: st.ping_pong(events, by=by),  # type: ignore[arg-type]
        }[what]()
    if json_:
        from journeylens._util.plain import records

        print_json(records(frame))
        return
    from journeylens.mining.processmap import humanize_seconds

    def cell(column: str, value: Any) -> str:
        if value is None or value != value:  # None or NaN
            return ""
        if column.endswith("_s"):
            return humanize_seconds(float(value))
        if isinstance(value, int | float) and not isinstance(value, bool):
            return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"
        return str(value)

    headers = [c[:-2].replace("_", " ") if c.endswith("_s") else c for c in frame.columns]
    t = Table(*headers, title=what)
    for row in frame.to_dict("records"):
        t.add_row(*(cell(c, row[c]) for c in frame.columns))
    out.print(t)


segment_app = typer.Typer(
    help="Named segments: saved filters kept in journeylens.yaml.", no_args_is_help=True
)
app.add_typer(segment_app, name="segment")


@segment_app.command("save")
@with_filters
def segment_save(
    name: Annotated[str, typer.Argument(help="Segment name.")],
    workspace: WorkspaceOpt = Path("."),
    _filters: dict[str, Any] | None = None,
) -> None:
    """Save the given filter options as a named segment."""
    from journeylens.mining.filters import parse_filter_options

    values = dict(_filters or {})
    if values.pop("segment", None):
        raise InputError("a segment cannot be saved from other segments; give filter options")
    filters = parse_filter_options(**values)
    if not len(filters):
        raise InputError(f"segment {name!r} would keep everything; give at least one filter option")
    with open_workspace(workspace, write=True) as ws:
        ws.save_segment(name, filters)
        n = filters.apply(ws.events).case_id.nunique().execute()
    out.print(f"saved segment {name!r}: {n:,} cases", highlight=False)


@segment_app.command("list")
def segment_list(workspace: WorkspaceOpt = Path("."), json_: JsonOpt = False) -> None:
    """List the saved segments."""
    with open_workspace(workspace) as ws:
        segments = dict(ws.config.get("segments") or {})
    if json_:
        print_json(segments)
        return
    if not segments:
        out.print("no segments; save one with: journeylens segment save NAME --case-attr COL=VALUE")
    for name, spec in segments.items():
        out.print(f"{name}: {spec}", highlight=False)


@segment_app.command("delete")
def segment_delete(
    name: Annotated[str, typer.Argument(help="Segment name.")], workspace: WorkspaceOpt = Path(".")
) -> None:
    """Delete a saved segment."""
    with open_workspace(workspace, write=True) as ws:
        ws.delete_segment(name)
    out.print(f"deleted segment {name!r}", highlight=False)
