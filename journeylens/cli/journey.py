"""CLI commands of customer journeys: ``journeylens journey ...``.

``suggest`` drafts a definition from the data, ``load`` / ``validate`` / ``list`` / ``show`` /
``delete`` manage definitions in ``journeylens.yaml``; ``kpis``, ``touchpoints``,
``watermelon``, ``contacts`` and ``map`` present the analyses of
:mod:`journeylens.journeys.kpis`.  Analysis commands take the shared filter options.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

from journeylens._util.fmt import share
from journeylens._util.plain import records
from journeylens.cli.common import JsonOpt, WorkspaceOpt, open_workspace, out, print_json
from journeylens.cli.options import _build_filters, with_filters
from journeylens.cli.tables import label, new_table, print_table
from journeylens.errors import InputError
from journeylens.mining.processmap import humanize_seconds

app = typer.Typer()

journey_app = typer.Typer(
    help="Customer journeys: definitions, KPIs, the watermelon view and the journey map.",
    no_args_is_help=True,
)
app.add_typer(journey_app, name="journey")

NameArg = Annotated[str, typer.Argument(help="Journey name (see `journeylens journey list`).")]
OptionalName = Annotated[
    str | None, typer.Argument(help="Journey name; all journeys when omitted.", show_default=False)
]


def _pct(x: Any) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return f"{share(x)}"


def _num(x: Any, fmt: str = "{:.2f}") -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return fmt.format(x)


def _filter_obj(ws: Any, values: dict[str, Any] | None):
    filters = _build_filters(ws, dict(values or {}))
    return filters if len(filters) else None


def _names(ws: Any, name: str | None) -> list[str]:
    if name is not None:
        ws.journey(name)  # raises with the list of journeys when unknown
        return [name]
    names = ws.journey_names()
    if not names:
        raise InputError(
            f"no journeys are defined in {ws.path}; draft one with `journeylens journey suggest "
            "--name NAME --save` or load definitions with `journeylens journey load FILE`"
        )
    return names


def _yaml(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


# --------------------------------------------------------------------------- definitions


@journey_app.command("suggest")
@with_filters
def suggest_cmd(
    workspace: WorkspaceOpt = Path("."),
    name: Annotated[str, typer.Option(help="Name of the drafted journey.")] = "journey",
    lane_column: Annotated[
        str | None, typer.Option(help="Column whose values become lanes (default: department).")
    ] = None,
    max_stages: Annotated[int, typer.Option(help="At most this many stages.", min=1)] = 6,
    save: Annotated[
        bool, typer.Option("--save", help="Save the draft in journeylens.yaml.")
    ] = False,
    json_: JsonOpt = False,
    _filters: dict[str, Any] | None = None,
) -> None:
    """Draft a journey from the data (the filters choose its cases); prints YAML to edit."""
    from journeylens.journeys import CaseSelection, suggest
    from journeylens.mining.filters import CaseAttribute

    with open_workspace(workspace, write=save) as ws:
        parsed = list(_build_filters(ws, dict(_filters or {})))
        attrs = {f.column: f.values for f in parsed if isinstance(f, CaseAttribute) and f.keep}
        rest = tuple(f for f in parsed if not (isinstance(f, CaseAttribute) and f.keep))
        draft = suggest(
            ws.events,
            name=name,
            cases=CaseSelection(attributes=attrs, filters=rest),
            lane_column=lane_column,
            max_stages=max_stages,
        )
        if save:
            ws.save_journey(draft)
    if json_:
        print_json({"journeys": {draft.name: draft.to_dict()}})
    else:
        sys.stdout.write(_yaml({"journeys": {draft.name: draft.to_dict()}}))
    if save:
        out.print(f"saved journey {draft.name!r} in {workspace}", highlight=False, style="dim")


@journey_app.command("load")
def load_cmd(
    path: Annotated[Path, typer.Argument(help="YAML file with a journeys: mapping.")],
    workspace: WorkspaceOpt = Path("."),
) -> None:
    """Load journey definitions from a YAML file into the workspace (replacing same names)."""
    from journeylens.journeys import Journey, load_definitions

    defs = load_definitions(path)
    with open_workspace(workspace, write=True) as ws:
        for d in defs.values():
            Journey(d, ws.events).check()  # every pattern must match the data
        for d in defs.values():
            ws.save_journey(d)
    out.print(f"loaded {len(defs)} journey(s): {', '.join(defs)}", highlight=False)


@journey_app.command("validate")
def validate_cmd(
    name: OptionalName = None,
    workspace: WorkspaceOpt = Path("."),
    file: Annotated[
        Path | None, typer.Option("--file", help="Validate this YAML file instead.")
    ] = None,
    json_: JsonOpt = False,
) -> None:
    """Check definitions (keys, values, patterns against the data); exit 1 on problems."""
    from journeylens.journeys import Journey, load_definitions, workspace_definitions

    with open_workspace(workspace) as ws:
        defs = load_definitions(file) if file is not None else workspace_definitions(ws)
        if name is not None:
            if name not in defs:
                raise InputError(
                    f"no journey named {name!r}; journeys: {', '.join(defs) or 'none'}"
                )
            defs = {name: defs[name]}
        report = {}
        for n, d in defs.items():
            j = Journey(d, ws.events, cases=ws.cases)
            report[n] = {"ok": True, "warnings": j.check()}
    if json_:
        print_json(report)
        return
    if not report:
        out.print("no journeys defined")
    for n, r in report.items():
        out.print(f"[green]ok[/green] {n}", highlight=False)
        for w in r["warnings"]:
            out.print(f"  warning: {w}", highlight=False, markup=False)


@journey_app.command("list")
def list_cmd(workspace: WorkspaceOpt = Path("."), json_: JsonOpt = False) -> None:
    """The journeys defined in the workspace."""
    from journeylens.journeys import workspace_definitions

    with open_workspace(workspace) as ws:
        defs = workspace_definitions(ws)
    rows = [
        {
            "name": d.name,
            "owner": d.owner,
            "kind": d.kind,
            "stages": len(d.stages),
            "lanes": len(d.lanes),
            "touchpoints": len(d.touchpoints),
            "promise": (d.promise.text or "yes") if d.promise else None,
            "description": d.description,
        }
        for d in defs.values()
    ]
    if json_:
        print_json(rows)
        return
    t = new_table("journey", "owner", "stages", "lanes", "touchpoints", "promise", title="journeys")
    for r in rows:
        t.add_row(
            r["name"],
            r["owner"] or "",
            str(r["stages"]),
            str(r["lanes"]),
            str(r["touchpoints"]),
            r["promise"] or "",
        )
    print_table(t)


@journey_app.command("show")
def show_cmd(name: NameArg, workspace: WorkspaceOpt = Path("."), json_: JsonOpt = False) -> None:
    """A journey's definition (YAML, or JSON with --json)."""
    with open_workspace(workspace) as ws:
        d = ws.journey(name).definition
    if json_:
        print_json({"name": d.name, **d.to_dict()})
    else:
        sys.stdout.write(_yaml({d.name: d.to_dict()}))


@journey_app.command("delete")
def delete_cmd(name: NameArg, workspace: WorkspaceOpt = Path(".")) -> None:
    """Remove a journey definition from journeylens.yaml."""
    with open_workspace(workspace, write=True) as ws:
        ws.delete_journey(name)
    out.print(f"deleted journey {name!r}", highlight=False)


# --------------------------------------------------------------------------- analyses


@journey_app.command("kpis")
@with_filters
def kpis_cmd(
    name: OptionalName = None,
    workspace: WorkspaceOpt = Path("."),
    by: Annotated[
        str | None, typer.Option(help="week, month or an instance attribute (e.g. region).")
    ] = None,
    json_: JsonOpt = False,
    _filters: dict[str, Any] | None = None,
) -> None:
    """Journey KPIs: end-to-end p50/p90, promise, contacts, handoffs, rework, drop-out."""
    results = {}
    with open_workspace(workspace) as ws:
        f = _filter_obj(ws, _filters)
        for n in _names(ws, name):
            results[n] = ws.journey(n).kpis(by=by, filters=f)
    if json_:
        print_json({n: records(df) for n, df in results.items()})
        return
    for n, df in results.items():
        t = new_table(title=f"journey KPIs: {n}")
        if by:
            t.add_column(label(by))
        for col in ("journeys", "p50", "p90", "p90/p50", "promise", "handoffs", "contacts",
                    "rework", "drop-out"):  # fmt: skip
            t.add_column(col)
        for r in records(df):
            key = str(r[by])[:10] if by in ("week", "month") else str(r[by]) if by else None
            t.add_row(
                *([key] if by else []),
                f"{r['instances']:,}",
                humanize_seconds(r["median_s"]),
                humanize_seconds(r["p90_s"]),
                _num(r["consistency"]),
                _pct(r["promise_attainment"]),
                _num(r["handoffs_per_journey"], "{:.1f}"),
                _num(r["contacts_per_journey"]),
                _pct(r["rework_share"]),
                _pct(r["drop_out_share"]),
            )
        print_table(t)
        if by is None and "first_contact_resolution" in df:
            out.print(
                f"first-contact resolution: {_pct(df['first_contact_resolution'].iloc[0])}",
                highlight=False,
            )


@journey_app.command("touchpoints")
@with_filters
def touchpoints_cmd(
    name: NameArg,
    workspace: WorkspaceOpt = Path("."),
    json_: JsonOpt = False,
    _filters: dict[str, Any] | None = None,
) -> None:
    """Touchpoint KPIs: volume, processing and wait times, SLA attainment, repeats."""
    with open_workspace(workspace) as ws:
        df = ws.journey(name).touchpoints(_filter_obj(ws, _filters))
    if json_:
        print_json(records(df))
        return
    t = new_table(
        "touchpoint",
        "stage",
        "lane",
        "volume",
        "reach",
        "median work",
        "median wait",
        "SLA",
        "SLA met",
        "repeats",
        title=f"touchpoints: {name}",
    )
    for r in records(df):
        sla = " / ".join(
            x
            for x in (
                humanize_seconds(r["sla_s"]) if r["sla_s"] else "",
                f"wait {humanize_seconds(r['wait_sla_s'])}" if r["wait_sla_s"] else "",
            )
            if x
        )
        t.add_row(
            ("☎ " if r["is_contact"] else "") + r["touchpoint"],
            r["stage"] or "",
            r["lane"] or "",
            f"{r['volume']:,}",
            _pct(r["reach"]),
            humanize_seconds(r["median_processing_s"]),
            humanize_seconds(r["median_wait_s"]),
            sla,
            _pct(r["sla_attainment"]),
            f"{r['repeats']:,}",
        )
    print_table(t)


@journey_app.command("watermelon")
@with_filters
def watermelon_cmd(
    name: OptionalName = None,
    workspace: WorkspaceOpt = Path("."),
    sla_target: Annotated[
        float, typer.Option(help="A touchpoint is green at this SLA attainment (0-1).")
    ] = 0.9,
    promise_target: Annotated[
        float, typer.Option(help="The journey is red below this promise attainment (0-1).")
    ] = 0.9,
    json_: JsonOpt = False,
    _filters: dict[str, Any] | None = None,
) -> None:
    """Touchpoint SLAs (green?) against the end-to-end promise (red?), and where time goes."""
    results = {}
    with open_workspace(workspace) as ws:
        f = _filter_obj(ws, _filters)
        for n in _names(ws, name):
            results[n] = ws.journey(n).watermelon(
                f, sla_target=sla_target, promise_target=promise_target
            )
    if json_:
        data = {n: w.to_dict() for n, w in results.items()}
        print_json(data[name] if name else data)
        return
    for n, w in results.items():
        flag = "[red]WATERMELON[/red] " if w.flagged else ""
        out.print(f"\n{flag}[bold]{n}[/bold]")
        out.print(w.summary, highlight=False, markup=False)
        t = new_table(
            "component", "share", "mean per journey", "broken", "kept", title="where time goes"
        )
        for r in records(w.decomposition):
            t.add_row(
                r["component"],
                _pct(r["share"]),
                humanize_seconds(r["mean_s"]),
                humanize_seconds(r["mean_s_broken"]),
                humanize_seconds(r["mean_s_kept"]),
            )
        print_table(t)
        if len(w.contributors):
            t = new_table(
                "kind",
                "where",
                "per broken journey",
                "per kept journey",
                "share",
                title="biggest contributors",
            )
            for r in records(w.contributors):
                t.add_row(
                    r["kind"],
                    r["where"],
                    humanize_seconds(r["mean_s"]),
                    humanize_seconds(r["mean_s_kept"]),
                    _pct(r["share"]),
                )
            print_table(t)


@journey_app.command("contacts")
@with_filters
def contacts_cmd(
    name: NameArg,
    workspace: WorkspaceOpt = Path("."),
    json_: JsonOpt = False,
    _filters: dict[str, Any] | None = None,
) -> None:
    """Customer-initiated contacts per stage the journey was in when the customer made them."""
    from journeylens.journeys.kpis import contacts_by_stage

    with open_workspace(workspace) as ws:
        df = contacts_by_stage(ws.journey(name), _filter_obj(ws, _filters))
    if json_:
        print_json(records(df))
        return
    t = new_table(
        "stage", "contacts", "journeys with one", "per 100 journeys", title=f"contacts: {name}"
    )
    for r in records(df):
        t.add_row(
            r["stage"],
            f"{r['contacts']:,}",
            f"{r['instances_with_contact']:,}",
            _num(r["per_100_journeys"], "{:.1f}"),
        )
    print_table(t)


@journey_app.command("map")
@with_filters
def map_cmd(
    name: NameArg,
    workspace: WorkspaceOpt = Path("."),
    json_: JsonOpt = False,
    _filters: dict[str, Any] | None = None,
) -> None:
    """The journey map: stages × lanes with touchpoints, handoffs and contacts per stage."""
    with open_workspace(workspace) as ws:
        m = ws.journey(name).map(_filter_obj(ws, _filters))
    if json_:
        print_json(m.to_dict())
        return
    grid = m.grid()
    t = new_table("lane", *m.stages, title=f"journey map: {name} ({m.instances:,} journeys)")
    for i, lane in enumerate(m.lanes):
        if any(grid[i]):
            t.add_row(lane, *["\n".join(cell) for cell in grid[i]])
    stats = {r["stage"]: r for r in records(m.stage_summary)}
    t.add_row("time in stage (median)", *[humanize_seconds(stats[s]["median_s"]) for s in m.stages])
    t.add_row("contacts / 100", *[_num(stats[s]["contacts_per_100"], "{:.1f}") for s in m.stages])
    print_table(t)
    if len(m.handoffs):
        h = new_table("from", "to", "count", "median wait", title="handoffs between lanes")
        for r in records(m.handoffs.head(12)):
            h.add_row(
                f"{r['from_touchpoint']} ({r['from_lane']})",
                f"{r['to_touchpoint']} ({r['to_lane']})",
                f"{r['count']:,}",
                humanize_seconds(r["median_wait_s"]),
            )
        print_table(h)


@journey_app.command("variants")
@with_filters
def variants_cmd(
    name: NameArg,
    workspace: WorkspaceOpt = Path("."),
    top: Annotated[int, typer.Option(help="Most frequent families kept; the rest: other.")] = 8,
    coverage: Annotated[
        float | None, typer.Option(help="Keep families until they cover this share (0-1).")
    ] = None,
    min_share: Annotated[
        float, typer.Option(help="Families with a smaller share of journeys go to other.")
    ] = 0.01,
    json_: JsonOpt = False,
    _filters: dict[str, Any] | None = None,
) -> None:
    """Variant families: journeys grouped by the touchpoints they reached (repeats marked ×2+)."""
    with open_workspace(workspace) as ws:
        df = ws.journey(name).variant_families(
            _filter_obj(ws, _filters), top=top, coverage=coverage, min_share=min_share
        )
    if json_:
        print_json(records(df))
        return
    t = new_table(
        "family", "journeys", "share", "median e2e", "promise", "route",
        title=f"variant families: {name}",
    )  # fmt: skip
    rows = records(df)
    for r in rows:
        t.add_row(
            r["family"],
            f"{r['instances']:,}",
            _pct(r["share"]),
            humanize_seconds(r["median_duration_s"]),
            _pct(r["promise_met"]),
            r["label"].split(": ", 1)[1],
        )
    print_table(t)
    if rows and rows[0]["path"]:
        out.print(f"F1: {' → '.join(rows[0]['path'])}", highlight=False, markup=False)
