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

from journeylens._util.fmt import share
from journeylens.cli.common import JsonOpt, WorkspaceOpt, open_workspace, out, print_json
from journeylens.cli.options import _build_filters, with_filters
from journeylens.cli.tables import label, new_table, print_table
from journeylens.errors import InputError

app = typer.Typer()

#: Rows a table shows when ``--top`` is not given (``--json`` and ``--csv`` give every row).
DEFAULT_TOP = 20
TopOpt = Annotated[
    int | None,
    typer.Option(
        help=f"Rows of the table (default {DEFAULT_TOP}; 0 = all); --json has every row.",
        min=0,
        show_default=False,
    ),
]
VariantTopOpt = Annotated[
    int | None,
    typer.Option(
        help=f"Only the N most frequent variants (0 = all); the table shows {DEFAULT_TOP} "
        "unless given, --json all.",
        min=0,
        show_default=False,
    ),
]


def _top_note(shown: int, total: int, what: str, option: str = "--top") -> list[str]:
    """The line under a cut table: how many rows are left out and how to see them."""
    if shown >= total:
        return []
    return [
        f"{total - shown:,} more {what} not shown ({total:,} in all); "
        f"see them all with {option} 0, or as data with --json"
    ]


def _shown(top: int | None) -> int | None:
    """How many rows a table shows: ``--top`` as given (0 = all), else DEFAULT_TOP."""
    if top is None:
        return DEFAULT_TOP
    return top or None


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
    top: TopOpt = None,
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
        t = new_table("from", "to", "frequency", "cases", "median", "mean", title="process map")
        from journeylens.mining.processmap import humanize_seconds

        edges = sorted(data["edges"], key=lambda e: -e["frequency"])
        for e in edges[: _shown(top)]:
            t.add_row(
                e["source"],
                e["target"],
                f"{e['frequency']:,}",
                f"{e['cases']:,}",
                humanize_seconds(e.get("median_s")),
                humanize_seconds(e.get("mean_s")),
            )
        print_table(t, notes=_top_note(len(edges[: _shown(top)]), len(edges), "paths"))
        out.print(
            f"{len(data['nodes'])} activities, {len(data['edges'])} paths; starts: "
            + ", ".join(f"{a} ({n:,})" for a, n in data["start"].items()),
            highlight=False,
        )


@app.command()
@with_filters
def variants(
    workspace: WorkspaceOpt = Path("."),
    top: VariantTopOpt = None,
    coverage: Annotated[
        float | None, typer.Option(help="Variants covering this share of cases (0-1).")
    ] = None,
    json_: JsonOpt = False,
    _filters: dict[str, Any] | None = None,
) -> None:
    """Process variants: distinct activity sequences, their counts, shares and durations.

    The table numbers the steps and leaves out (…) the steps every variant shown shares at
    its start and end, so the rows show where the variants differ; --json has every sequence
    in full.
    """
    from journeylens.mining.processmap import humanize_seconds
    from journeylens.mining.variants import variants as compute

    if coverage is not None and not 0 < coverage <= 1:
        raise typer.BadParameter("expected a share in (0, 1]", param_hint="--coverage")
    with open_workspace(workspace) as ws:
        frame = compute(_events(ws, _filters or {}), top=top or None, coverage=coverage)
    rows: list[dict[str, Any]] = [
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
    shown = rows[: _shown(top)] if coverage is None or top is not None else rows
    sequences = [r["activities"] for r in shown]
    head, tail = _shared_ends(sequences)
    t = new_table(
        "#", "cases", "share", "cumulative", "median duration", "steps", "activities",
        title="variants",
    )  # fmt: skip
    t.leading = 1  # a blank line between variants: their activities wrap over several lines
    for i, r in enumerate(shown, 1):
        t.add_row(
            str(i),
            f"{r['count']:,}",
            f"{share(r['share'])}",
            f"{share(r['cumulative_share'])}",
            humanize_seconds(r["median_duration_s"]),
            str(len(r["activities"])),
            _middle(r["activities"], head, tail),
        )
    if head or tail:
        out.print(_ends_note(sequences[0], head, tail, len(shown)), highlight=False, markup=False)
    print_table(t, notes=_top_note(len(shown), len(rows), "variants"))


def _shared_ends(sequences: list[list[str]]) -> tuple[int, int]:
    """How many steps all ``sequences`` share at their start and at their end.

    Nothing is shared for a single sequence (it is shown whole), and every sequence keeps at
    least one step of its own, so no row is empty.

    Examples
    --------
    >>> _shared_ends([["a", "b", "c", "z"], ["a", "b", "d", "z"]])
    (2, 1)
    """
    if len(sequences) < 2:
        return 0, 0
    shortest = min(len(s) for s in sequences)
    head = 0
    while head < shortest - 1 and len({s[head] for s in sequences}) == 1:
        head += 1
    tail = 0
    while head + tail < shortest - 1 and len({s[-1 - tail] for s in sequences}) == 1:
        tail += 1
    return head, tail


def _middle(steps: list[str], head: int, tail: int) -> str:
    """The steps between the shared start and end, numbered from where they start."""
    middle = steps[head : len(steps) - tail]
    text = " → ".join(middle)
    return ("… " if head else "") + f"{head + 1}. " + text + (" …" if tail else "")


def _ends_note(steps: list[str], head: int, tail: int, n: int) -> str:
    parts = []
    if head:
        parts.append(f"start with {' → '.join(steps[:head])} (steps 1-{head})")
    if tail:
        parts.append(f"end with {' → '.join(steps[len(steps) - tail :])}")
    return f"All {n} variants below " + " and ".join(parts) + " (shown as …)."


@app.command()
@with_filters
def cases(
    workspace: WorkspaceOpt = Path("."),
    json_: JsonOpt = False,
    csv: Annotated[bool, typer.Option("--csv", help="Print CSV.")] = False,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write to .csv or .parquet.")
    ] = None,
    limit: Annotated[int, typer.Option(help="Rows to show in the table view (0 = all).")] = 20,
    _filters: dict[str, Any] | None = None,
) -> None:
    """The case table: duration, events, rework, handoffs, first and last activity.

    The table view shows the columns that fit 80 columns; --csv, --json and --output have
    them all (end, activities, hand-offs between departments).
    """
    from journeylens.mining.cases import case_table
    from journeylens.mining.processmap import humanize_seconds

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
        columns = [c for c in _CASE_VIEW if c in frame.columns]
        t = new_table(*map(label, columns), title=f"cases ({len(frame):,})")
        for row in frame.head(limit or None)[columns].to_dict("records"):
            t.add_row(*(_case_cell(c, row[c], humanize_seconds) for c in columns))
        left_out = [label(c) for c in frame.columns if c not in columns]
        notes = _top_note(len(frame.head(limit or None)), len(frame), "cases", "--limit")
        if left_out:
            notes.append(f"more columns ({', '.join(left_out)}) with --csv or --json")
        print_table(t, notes=notes)


#: The columns of the case table's table view (the rest are in --csv / --json).
_CASE_VIEW = (
    "case_id", "start", "duration_s", "events", "rework", "first_activity", "last_activity",
)  # fmt: skip


def _case_cell(column: str, value: Any, humanize: Any) -> str:
    if value is None or value != value:  # None or NaN
        return ""
    if column == "duration_s":
        return humanize(float(value))
    return str(value)


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
    top: TopOpt = None,
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

    t = new_table(*map(label, frame.columns), title=what)
    rows = frame.to_dict("records")
    shown = rows[: _shown(top)]
    for row in shown:
        t.add_row(*(cell(c, row[c]) for c in frame.columns))
    print_table(t, notes=_top_note(len(shown), len(rows), "rows"))


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
    from journeylens.mining.filters import check_filters, parse_filter_options

    values = dict(_filters or {})
    if values.pop("segment", None):
        raise InputError("a segment cannot be saved from other segments; give filter options")
    filters = parse_filter_options(**values)
    if not len(filters):
        raise InputError(f"segment {name!r} would keep everything; give at least one filter option")
    with open_workspace(workspace, write=True) as ws:
        check_filters(filters, ws.events)
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
