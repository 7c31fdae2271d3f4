"""CLI commands of the voice of the customer: ``journeylens voice import|metrics|drivers|whatif|split|causes``.

Thin shells over :mod:`journeylens.voice.join`, :mod:`journeylens.explain.drivers` and
:mod:`journeylens.explain.split`: parse, call, present (a table, or ``--json``).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer

from journeylens._util.fmt import share
from journeylens._util.plain import records
from journeylens.cli.common import JsonOpt, WorkspaceOpt, open_workspace, out, print_json
from journeylens.cli.tables import label, new_table, print_table
from journeylens.errors import InputError

app = typer.Typer()

voice_app = typer.Typer(
    help="Voice of the customer: surveys and outcomes joined to journeys, metrics, drivers.",
    no_args_is_help=True,
)
app.add_typer(voice_app, name="voice")

JourneyOpt = Annotated[str, typer.Option("--journey", "-j", help="Journey name.")]
TargetOpt = Annotated[
    str, typer.Option("--target", "-t", help="A survey (e.g. csat_install) or outcome (churn).")
]
SeedOpt = Annotated[int, typer.Option(help="Random seed (results are deterministic).")]


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        return f"{value:,.3g}" if abs(value) < 100 else f"{value:,.0f}"
    return str(value)


def _table(frame: pd.DataFrame, title: str) -> None:
    t = new_table(*(label(str(c)) for c in frame.columns), title=title)
    for row in frame.itertuples(index=False):
        t.add_row(*(_cell(v) for v in row))
    print_table(t)


def _scale(text: str | None) -> tuple[float, float] | None:
    if text is None:
        return None
    try:
        lo, hi = (float(x) for x in text.replace(":", "-").split("-", 1))
    except ValueError:
        raise InputError(f"--scale {text!r}: expected LOW-HIGH such as 1-5 or 0-10") from None
    return (lo, hi)


@voice_app.command("import")
def voice_import(
    path: Annotated[str, typer.Argument(help="CSV/TSV, Parquet, XLSX or a database URL.")],
    workspace: WorkspaceOpt = Path("."),
    outcomes: Annotated[
        bool, typer.Option("--outcomes", help="The file holds outcomes (churn ...), not surveys.")
    ] = False,
    score: Annotated[str | None, typer.Option(help="Score column.")] = None,
    survey: Annotated[str | None, typer.Option(help="Survey name/type column.")] = None,
    customer_id: Annotated[str | None, typer.Option(help="Customer id column.")] = None,
    case: Annotated[str | None, typer.Option("--case", help="Case id column.")] = None,
    responded_at: Annotated[str | None, typer.Option(help="Response date column.")] = None,
    comment: Annotated[str | None, typer.Option(help="Free-text comment column.")] = None,
    metric: Annotated[
        str | None, typer.Option(help="csat, nps or ces for every survey (else inferred).")
    ] = None,
    scale: Annotated[str | None, typer.Option(help="Score scale LOW-HIGH, e.g. 1-5.")] = None,
    survey_name: Annotated[
        str | None, typer.Option(help="Survey name when the file has no survey column.")
    ] = None,
    outcome: Annotated[str | None, typer.Option(help="Outcome column.")] = None,
    outcome_name: Annotated[
        str | None, typer.Option(help="Outcome of every row when there is no outcome column.")
    ] = None,
    date: Annotated[str | None, typer.Option(help="Outcome date column.")] = None,
    dayfirst: Annotated[bool, typer.Option(help="Read 01/02/2024 as 1 February.")] = False,
    table: Annotated[str | None, typer.Option(help="Database table.")] = None,
    query: Annotated[str | None, typer.Option(help="Database query.")] = None,
    missing: Annotated[
        list[str] | None,
        typer.Option(help="A CSV text meaning 'no value' (repeat it; replaces the default)."),
    ] = None,
    json_: JsonOpt = False,
) -> None:
    """Import survey responses (or, with --outcomes, outcomes such as churn)."""
    with open_workspace(workspace, write=True) as ws:
        common: dict[str, Any] = dict(
            customer_id=customer_id, case_id=case, table=table, query=query
        )
        common["dayfirst"] = True if dayfirst else None
        common["missing"] = missing or None
        if outcomes:
            report = ws.import_outcomes(
                path, outcome=outcome, date=date, outcome_name=outcome_name, **common
            )
        else:
            report = ws.import_responses(
                path,
                score=score,
                survey=survey,
                responded_at=responded_at,
                comment=comment,
                metric=metric,
                scale=_scale(scale),
                survey_name=survey_name,
                **common,
            )
        unmatched = None
        if not outcomes and not report.already_imported and ws.journey_names():
            from journeylens.voice.join import unmatched_responses

            unmatched = unmatched_responses(ws)
            unmatched = unmatched[unmatched["source_id"] == report.source_id]
    if json_:
        data = report.to_dict()
        if unmatched is not None:
            data["unmatched"] = len(unmatched)
            data["unmatched_reasons"] = unmatched["reason"].value_counts().to_dict()
        print_json(data)
        return
    out.print(report.summary(), highlight=False, markup=False)
    if unmatched is not None and len(unmatched):
        reasons = unmatched["reason"].value_counts()
        out.print(
            f"  {len(unmatched):,} responses match no journey instance (kept): "
            + "; ".join(f"{n:,} {r}" for r, n in reasons.items()),
            highlight=False,
            markup=False,
        )


@voice_app.command("metrics")
def voice_metrics_cmd(
    workspace: WorkspaceOpt = Path("."),
    journey: Annotated[str | None, typer.Option("--journey", "-j", help="Journey name.")] = None,
    survey: Annotated[str | None, typer.Option(help="Survey name.")] = None,
    outcome: Annotated[str | None, typer.Option(help="Outcome name (needs --journey).")] = None,
    by: Annotated[
        list[str] | None,
        typer.Option(help="Group by a column, week/month/quarter, touchpoint or stage."),
    ] = None,
    min_n: Annotated[int, typer.Option(help="Warn below this many responses.")] = 30,
    json_: JsonOpt = False,
) -> None:
    """CSAT/NPS/CES with intervals and response rates, or an outcome rate (churn)."""
    from journeylens.voice import voice_metrics

    with open_workspace(workspace) as ws:
        frame = voice_metrics(
            ws, journey=journey, survey=survey, outcome=outcome, by=by, min_n=min_n
        )
    if json_:
        print_json(records(frame))
        return
    show = frame.dropna(axis=1, how="all").copy()
    for m in ("mean", "top2", "nps", "rate"):
        if m in show and f"{m}_low" in show:
            pct = m in ("top2", "rate")
            fmt = share if pct else (lambda v: f"{v:.2f}")
            show[m] = [
                f"{fmt(v)} [{fmt(lo)}, {fmt(hi)}]" if v == v else ""
                for v, lo, hi in zip(show[m], show[f"{m}_low"], show[f"{m}_high"], strict=True)
            ]
            show = show.drop(columns=[f"{m}_low", f"{m}_high"])
    show = show.drop(columns=[c for c in ("metric", "promoters", "detractors") if c in show])
    if "response_rate" in show:
        show["response_rate"] = [f"{share(v)}" for v in show["response_rate"]]
    _table(show, "voice metrics (95% intervals)")


@voice_app.command("drivers")
def voice_drivers(
    journey: JourneyOpt,
    target: TargetOpt,
    workspace: WorkspaceOpt = Path("."),
    method: Annotated[
        str | None, typer.Option(help="relative_weights or shap (default by outcome type).")
    ] = None,
    feature: Annotated[
        list[str] | None, typer.Option(help="Feature to use (repeatable; default: all).")
    ] = None,
    n_boot: Annotated[int | None, typer.Option(help="Bootstrap rounds.")] = None,
    seed: SeedOpt = 0,
    json_: JsonOpt = False,
) -> None:
    """Key drivers of a survey score or an outcome, with intervals and effects in its units."""
    from journeylens.voice import journey_drivers

    if method not in (None, "relative_weights", "shap"):
        raise typer.BadParameter("--method must be relative_weights or shap")
    with open_workspace(workspace) as ws:
        d = journey_drivers(
            ws, journey, target, features=feature, method=method, n_boot=n_boot, seed=seed
        )
    if json_:
        print_json(d.to_dict())
        return
    cols = ["feature", "share", "share_low", "share_high", "effect", "effect_low", "effect_high"]
    _table(d.table[cols], f"drivers of {target} ({d.method}, n={d.n})")
    # Categories among the leading drivers (a variant family, a team): every level's effect.
    top = set(d.table["feature"].head(5))
    for f, rows in d.levels[d.levels["feature"].isin(top)].groupby("feature", sort=False):
        show = rows.drop(columns=["feature", "reference"])
        _table(show, f"{f}: effect of each level vs {rows.loc[rows['reference'], 'level'].iloc[0]}")
    for line in [*d.sentences(5), *d.notes, *d.warnings]:
        out.print("  " + line, highlight=False, markup=False)


@voice_app.command("whatif")
def voice_whatif(
    journey: JourneyOpt,
    target: TargetOpt,
    feature: Annotated[str, typer.Option("--feature", "-f", help="The feature to change.")],
    workspace: WorkspaceOpt = Path("."),
    scale: Annotated[float | None, typer.Option(help="Multiply the feature (0.5 halves).")] = None,
    set_to: Annotated[
        float | None, typer.Option("--set", help="Set the feature (durations in days).")
    ] = None,
    rate: Annotated[
        float | None, typer.Option(help="Share of true values of a flag, e.g. 0.9.")
    ] = None,
    n_boot: Annotated[int, typer.Option(help="Bootstrap rounds.")] = 100,
    seed: SeedOpt = 0,
    json_: JsonOpt = False,
) -> None:
    """Predicted change of a score or outcome if a feature changed (association-based)."""
    from journeylens.voice import journey_what_if

    with open_workspace(workspace) as ws:
        w = journey_what_if(
            ws,
            journey,
            target,
            feature,
            scale=scale,
            set_to=set_to,
            rate=rate,
            n_boot=n_boot,
            seed=seed,
        )
    if json_:
        print_json(w.to_dict())
    else:
        out.print(w.sentence(), highlight=False, markup=False)


@voice_app.command("split")
def voice_split(
    journey: JourneyOpt,
    survey: Annotated[str, typer.Option(help="Survey whose scores to test.")],
    workspace: WorkspaceOpt = Path("."),
    threshold: Annotated[
        float | None, typer.Option(help="Highest score of the low group (default: found).")
    ] = None,
    json_: JsonOpt = False,
) -> None:
    """Are the scores bimodal, and what sets the low scorers apart?"""
    from journeylens.voice import journey_split

    with open_workspace(workspace) as ws:
        s = journey_split(ws, journey, survey, threshold=threshold)
    if json_:
        print_json(s.to_dict())
        return
    for line in [*s.sentences(8), *s.warnings]:
        out.print(line, highlight=False, markup=False)


@voice_app.command("causes")
def voice_causes(
    journey: JourneyOpt,
    target: TargetOpt,
    workspace: WorkspaceOpt = Path("."),
    low: Annotated[
        float | None, typer.Option(help="Highest score that counts as low (for a survey).")
    ] = None,
    min_support: Annotated[int, typer.Option(help="Smallest group tested.")] = 30,
    json_: JsonOpt = False,
) -> None:
    """Case attributes over-represented among low-score, churned or slow journeys."""
    from journeylens.voice import journey_root_causes

    with open_workspace(workspace) as ws:
        res = journey_root_causes(ws, journey, target, low=low, min_support=min_support)
    if json_:
        print_json(res.to_dict())
        return
    lines = res.sentences(10) or [f"no attribute value stands out ({res.tested} tested)"]
    for line in lines:
        out.print(line, highlight=False, markup=False)
