"""CLI commands of the diagnosis and the report: ``journeylens diagnose`` and ``journeylens report``.

``diagnose [all|bottlenecks|waste|causes|automation|opportunities]`` prints one part (or the
whole diagnosis) as tables, or as JSON with ``--json``; it takes the shared filter options.
``report -o FILE`` writes the self-contained HTML report (or ``--format json|md``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from journeylens._util.fmt import share
from journeylens.cli.common import JsonOpt, WorkspaceOpt, open_workspace, out, print_json
from journeylens.cli.options import _build_filters, with_filters
from journeylens.cli.tables import label, new_table, print_table

if TYPE_CHECKING:
    from rich.table import Table

app = typer.Typer()

_PARTS = ("all", "bottlenecks", "waste", "causes", "automation", "opportunities")


def _cell(column: str, value: Any) -> str:
    from journeylens.mining.processmap import humanize_seconds

    if value is None or (isinstance(value, float) and value != value):
        return ""
    if column.endswith("_s") and isinstance(value, int | float):
        return humanize_seconds(float(value))
    if column.startswith("share") or column in ("predictability", "human_share", "reject_rate"):
        return f"{share(value)}" if isinstance(value, float) else str(value)
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, list | tuple | dict):
        return str(value)[:80]
    return str(value)


def _table(frame, title: str, columns: list[str], limit: int = 15) -> Table:
    cols = [c for c in columns if c in frame.columns]
    t = new_table(*map(label, cols), title=title)
    for row in frame.head(limit).to_dict("records"):
        t.add_row(*(_cell(c, row[c]) for c in cols))
    return t


@app.command()
@with_filters
def diagnose(
    what: Annotated[
        str,
        typer.Argument(help="all, bottlenecks, waste, causes, automation or opportunities."),
    ] = "all",
    workspace: WorkspaceOpt = Path("."),
    target: Annotated[
        list[str] | None,
        typer.Option(
            help="Root-cause target: slow, rework, activity:PATTERN, repeat:PATTERN or a "
            "case column; repeatable (default: slow and rework)."
        ),
    ] = None,
    adjust_for: Annotated[
        list[str] | None,
        typer.Option(help="Compare within strata of this case column (e.g. journey)."),
    ] = None,
    contacts: Annotated[
        list[str] | None,
        typer.Option(
            help="Customer-contact activities: a name or glob (case ignored) or re:REGEX."
        ),
    ] = None,
    no_voice: Annotated[
        bool, typer.Option("--no-voice", help="Skip the survey driver model (faster).")
    ] = False,
    json_: JsonOpt = False,
    _filters: dict[str, Any] | None = None,
) -> None:
    """Bottlenecks, waste, root causes, automation candidates and ranked opportunities."""
    from journeylens.diagnose import diagnosis as dg
    from journeylens.diagnose.case_units import case_causes

    if what not in _PARTS:
        raise typer.BadParameter(f"expected one of {', '.join(_PARTS)}", param_hint="WHAT")
    with open_workspace(workspace) as ws:
        filters = _build_filters(ws, dict(_filters or {}))
        filters = filters if len(filters) else None
        events = filters.apply(ws.events) if filters is not None else ws.events
        if what == "bottlenecks":
            result: Any = dg.bottlenecks(events, contacts=contacts)
        elif what == "waste":
            result = dg.waste(events, contacts=contacts, workspace=ws, filters=filters)
        elif what == "automation":
            result = dg.automation_candidates(events, contacts=contacts)
        elif what == "causes" and target:
            result = [
                case_causes(ws, t, filters=filters, adjust_for=adjust_for or ()) for t in target
            ]
        else:
            result = dg.diagnose(
                ws,
                filters=filters,
                contacts=contacts,
                causes=target,
                adjust_for=adjust_for or (),
                voice=not no_voice and what in ("all", "opportunities"),
            )
            if what == "causes":
                result = result.causes
            elif what == "opportunities":
                result = result.opportunities
    if json_:
        from journeylens._util.plain import plain, records

        if hasattr(result, "to_dict") and not hasattr(result, "columns"):
            print_json(result.to_dict())
        elif hasattr(result, "columns"):
            print_json(records(result))
        elif what == "causes":
            print_json([c.to_dict() for c in result])
        else:
            print_json(plain(result))
        return
    _present(what, result)


def _present(what: str, result: Any) -> None:
    if what == "bottlenecks":
        _bottlenecks(result)
    elif what == "waste":
        _waste(result)
    elif what == "causes":
        for c in result:
            out.print(repr(c), highlight=False, markup=False)
    elif what == "automation":
        _automation(result)
    elif what == "opportunities":
        _opportunities(result)
    else:
        _bottlenecks(result.bottlenecks)
        _waste(result.waste)
        for c in result.causes:
            out.print(repr(c), highlight=False, markup=False)
        _automation(result.automation)
        _opportunities(result.opportunities)


def _bottlenecks(b) -> None:
    print_table(
        _table(
            b.table,
            "bottlenecks (share of all waiting)",
            ["from", "to", "count", "share_of_wait", "median_wait_s", "p90_wait_s", "behaviour"],
        )
    )


def _waste(w) -> None:
    out.print(f"waste in {w.cases:,} cases over {w.months:.1f} months", highlight=False)
    for f in w.findings[:12]:
        out.print(f"- {f['title']}: {f['evidence']}", highlight=False, markup=False)


def _automation(frame) -> None:
    if frame.empty:
        out.print("no automation candidates", highlight=False)
        return
    print_table(
        _table(
            frame,
            "automation candidates",
            [
                "activity",
                "per_month",
                "median_processing_s",
                "next",
                "predictability",
                "hours_per_month",
                "warning",
            ],
        )
    )


def _opportunities(opps: list[dict[str, Any]]) -> None:
    out.print("opportunities, ranked by customer-days saved per month:", highlight=False)
    for o in opps:
        out.print(
            f"{o['rank']:>2}. {o['title']}\n    {o['evidence']}\n    target: {o['target']} "
            f"({o['effect_days_per_month']:,.0f} customer-days, "
            f"{o['effect_hours_per_month']:,.0f} staff hours / month)",
            highlight=False,
            markup=False,
        )


@app.command()
def report(
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write.")] = Path(
        "report.html"
    ),
    workspace: WorkspaceOpt = Path("."),
    format: Annotated[
        str | None, typer.Option(help="html, json or md (default: from the suffix).")
    ] = None,
    title: Annotated[str | None, typer.Option(help="Report title.")] = None,
) -> None:
    """Write the shareable report: one self-contained HTML file (or JSON / Markdown)."""
    from journeylens.report.document import write_report

    if format not in (None, "html", "json", "md"):
        raise typer.BadParameter("expected html, json or md", param_hint="--format")
    with open_workspace(workspace) as ws:
        path = write_report(ws, output, format=format, title=title)  # type: ignore[arg-type]
    out.print(f"wrote {path}", highlight=False)
