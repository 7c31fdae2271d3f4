"""The ``journeylens`` command: a thin shell over the library (parse, call, present).

Our errors become a message on stderr and exit code 1; usage errors exit 2 (Typer/Click).  Any
other exception is a bug or an engine failure: it too becomes one plain sentence and exit 1
(naming the file for an import), with the traceback in a log file; ``--debug`` (or
``JOURNEYLENS_DEBUG=1``) shows it instead.
Commands that produce data take ``--json`` for scripting.  Each area's commands live in their
own module with their own Typer app (``mining``, ``journey``, ``voice``, ``diagnose``, ``web``);
this module defines the workspace commands and merges the others into one ``app``.
"""

from __future__ import annotations

import os
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Annotated, Literal

import typer

from journeylens.cli import common, diagnose, journey, mining, voice, web
from journeylens.cli.common import (
    JsonOpt,
    QuietOpt,
    WorkspaceOpt,
    err,
    open_workspace,
    out,
    print_json,
    progress,
)
from journeylens.cli.tables import new_table, print_table
from journeylens.errors import InputError, JourneylensError


def _hide_flag_types() -> None:
    """Show no ``<bool>`` after a flag in ``--help`` (``--json``, ``--warm/--no-warm``, ``--help``).

    Typer's rich help prints every option's type, also for flags, which take no value; its
    plain help already leaves them out.  There is no setting for it, and the ``--help``
    option is made by Typer itself, so the one method that names the type learns it here.
    """
    from typer.core import TyperOption

    shown = TyperOption.display_type_rich
    if getattr(shown, "_journeylens", False):
        return

    def display_type_rich(self: TyperOption, ctx: typer.Context) -> str | None:
        return None if self.is_flag else shown(self, ctx)

    display_type_rich._journeylens = True  # type: ignore[attr-defined]
    TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign,assignment]


_hide_flag_types()

app = typer.Typer(
    name="journeylens",
    help="End-to-end customer journeys and process mining for service operations.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _print_version(value: bool) -> None:
    if value:
        from journeylens._version import __version__

        out.print(f"journeylens {__version__}", highlight=False)
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", help="Print the version and exit.", is_eager=True, callback=_print_version
        ),
    ] = False,
    debug: Annotated[
        bool, typer.Option("--debug", help="Show the traceback of an unexpected failure.")
    ] = False,
) -> None:
    """End-to-end customer journeys and process mining for service operations."""
    del debug  # main() reads it from the command line: it acts outside the app


@app.command()
def init(
    directory: Annotated[Path, typer.Argument(help="Folder for the new workspace.")] = Path("."),
) -> None:
    """Create a workspace: a folder with a DuckDB file and journeylens.yaml."""
    from journeylens.workspace import Workspace

    ws = Workspace.create(directory)
    ws.close()
    out.print(f"created workspace {directory.resolve()}")


@app.command("import")
def import_(
    path: Annotated[
        str, typer.Argument(help="CSV/TSV, Parquet, XES(.gz), XLSX or a database URL.")
    ],
    workspace: WorkspaceOpt = Path("."),
    case: Annotated[str | None, typer.Option("--case", "--case-id", help="Case id column.")] = None,
    activity: Annotated[str | None, typer.Option(help="Activity column.")] = None,
    timestamp: Annotated[str | None, typer.Option(help="Completion timestamp column.")] = None,
    start_timestamp: Annotated[str | None, typer.Option(help="Start timestamp column.")] = None,
    resource: Annotated[str | None, typer.Option(help="Resource column.")] = None,
    department: Annotated[str | None, typer.Option(help="Department / lane column.")] = None,
    channel: Annotated[str | None, typer.Option(help="Channel column.")] = None,
    lifecycle_column: Annotated[str | None, typer.Option(help="Lifecycle column.")] = None,
    preset: Annotated[str | None, typer.Option(help="Mapping preset, e.g. servicenow.")] = None,
    lifecycle: Annotated[
        str,
        typer.Option(help="all (every row), complete (completes only), merge (start+complete)."),
    ] = "all",
    timestamp_format: Annotated[
        list[str] | None,
        typer.Option(help="strptime format(s) of timestamps, e.g. '%d-%m-%Y %H:%M'; repeatable."),
    ] = None,
    dayfirst: Annotated[
        bool | None, typer.Option("--dayfirst/--monthfirst", help="Order of ambiguous dates.")
    ] = None,
    timezone: Annotated[str | None, typer.Option(help="IANA zone of naive timestamps.")] = None,
    decimal: Annotated[str | None, typer.Option(help="Decimal separator: '.' or ','.")] = None,
    delimiter: Annotated[str | None, typer.Option(help="CSV delimiter (detected).")] = None,
    encoding: Annotated[
        str | None,
        typer.Option(help="CSV encoding, e.g. utf-8, cp1252, latin-1, utf-16 (detected)."),
    ] = None,
    sheet: Annotated[str | None, typer.Option(help="Excel sheet (default: the first).")] = None,
    table: Annotated[str | None, typer.Option(help="Database table (with a URL).")] = None,
    query: Annotated[str | None, typer.Option(help="Database query (with a URL).")] = None,
    format: Annotated[
        str | None, typer.Option(help="csv, parquet, xes, excel or database.")
    ] = None,
    missing: Annotated[
        list[str] | None,
        typer.Option(
            help="A CSV text meaning 'no value' (repeat it; replaces the default: '', ?, NULL, "
            "null, N/A, n/a, None, NaN, -). NA is a value unless named here."
        ),
    ] = None,
    json_: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Import an event log into the workspace (atomic; rejected rows are kept)."""
    from journeylens.workspace import Workspace

    if lifecycle not in ("all", "complete", "merge"):
        raise typer.BadParameter("expected all, complete or merge", param_hint="--lifecycle")
    if decimal not in (None, ".", ","):
        raise typer.BadParameter("expected '.' or ','", param_hint="--decimal")
    ws = Workspace.create(workspace, exist_ok=True)
    try:
        with progress(quiet or json_) as step:
            report = ws.import_events(
                path,
                format=format,  # type: ignore[arg-type]
                case_id=case,
                activity=activity,
                timestamp=timestamp,
                start_timestamp=start_timestamp,
                resource=resource,
                department=department,
                channel=channel,
                lifecycle_column=lifecycle_column,
                preset=preset,
                lifecycle=lifecycle,  # type: ignore[arg-type]
                timestamp_format=timestamp_format or None,
                dayfirst=dayfirst,
                timezone=timezone,
                decimal=decimal,  # type: ignore[arg-type]
                delimiter=delimiter,
                encoding=encoding,
                sheet=sheet,
                table=table,
                query=query,
                missing=missing or None,
                progress=step,
            )
    finally:
        ws.close()
    if json_:
        print_json(report.to_dict())
    elif not quiet:
        out.print(report.summary(), highlight=False, markup=False)
        if report.rejected:
            out.print("see them with: journeylens rejects -w " + str(workspace), highlight=False)


@app.command()
def info(workspace: WorkspaceOpt = Path("."), json_: JsonOpt = False) -> None:
    """Summary of the workspace: events, cases, activities, rejects, time range, sources."""
    with open_workspace(workspace) as ws:
        data = ws.info()
    if json_:
        print_json(data)
        return
    t = new_table(title=f"workspace {data['workspace']}")
    t.show_header = False
    for key in ("events", "cases", "activities", "resources", "rejected_rows"):
        t.add_row(key.replace("_", " "), f"{data[key]:,}")
    t.add_row("time range", f"{data['first_event']} .. {data['last_event']}")
    t.add_row("case attributes", ", ".join(data["case_attributes"]) or "-")
    t.add_row("event attributes", ", ".join(data["event_attributes"]) or "-")
    for s in data["sources"]:
        rows = s.get("rows") or {}
        t.add_row(
            f"source {s['id']}",
            f"{s['path']} ({s['format']}): {rows.get('loaded', 0):,} loaded, "
            f"{rows.get('rejected', 0):,} rejected",
        )
    print_table(t)


@app.command()
def rejects(
    workspace: WorkspaceOpt = Path("."),
    limit: Annotated[int, typer.Option(help="Rows to show (0 = all).")] = 50,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Export all rejects to .csv or .parquet.")
    ] = None,
    json_: JsonOpt = False,
) -> None:
    """Show (or export) the rows that could not be used, with the reason for each."""
    with open_workspace(workspace) as ws:
        if output is not None:
            n = ws.export_rejects(output)
            out.print(f"wrote {n:,} rejected rows to {output}")
            return
        found = ws.rejects_summary(limit=limit)
    summary, rows = list(found["by_reason"].items()), found["rows"]
    if json_:
        print_json({"total": found["total"], "by_reason": found["by_reason"], "rows": rows})
        return
    if not summary:
        out.print("no rejected rows")
        return
    for reason, n in summary:
        out.print(f"{n:,} rows: {reason}", highlight=False)
    t = new_table("source", "row", "line", "reason", "column", "value", "expected")
    for r in rows:
        t.add_row(
            *(str(r[k]) if r[k] is not None else "" for k in ("source_id", "row", "line")),
            str(r["reason"]),
            str(r["column"] or ""),
            repr(r["value"]) if r["value"] is not None else "",
            str(r["detail"] or ""),
        )
    print_table(t)


@app.command()
def export(
    output: Annotated[Path, typer.Argument(help="File to write.")],
    workspace: WorkspaceOpt = Path("."),
    format: Annotated[
        str | None, typer.Option(help="csv, parquet or xes (default: from the suffix).")
    ] = None,
) -> None:
    """Export the canonical events to CSV, Parquet or XES."""
    if format not in (None, "csv", "parquet", "xes"):
        raise typer.BadParameter("expected csv, parquet or xes", param_hint="--format")
    fmt: Literal["csv", "parquet", "xes"] | None = format  # type: ignore[assignment]
    with open_workspace(workspace) as ws:
        path = ws.export(output, format=fmt)
    out.print(f"wrote {path}")


@app.command()
def generate(
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Folder to write the files to.")],
    scale: Annotated[int, typer.Option(help="Number of customer journeys.", min=1)] = 20_000,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same files).")] = 7,
    format: Annotated[
        str, typer.Option(help="csv or parquet (parquet streams, for big worlds).")
    ] = "csv",
    json_: JsonOpt = False,
) -> None:
    """Generate a realistic broadband provider: events, surveys, churn and planted truths."""
    from journeylens.generate.generator import generate as run

    if format not in ("csv", "parquet"):
        raise typer.BadParameter("expected csv or parquet", param_hint="--format")
    world = run(out_dir, scale=scale, seed=seed, format=format)  # type: ignore[arg-type]
    summary = {
        "events": str(world.events),
        "surveys": str(world.surveys),
        "outcomes": str(world.outcomes),
        "truth": str(world.truth),
        "journeys": world.journeys,
        "n_events": world.n_events,
        "n_surveys": world.n_surveys,
        "n_churned": world.n_churned,
    }
    if json_:
        print_json(summary)
    else:
        out.print(
            f"wrote {world.journeys:,} journeys ({world.n_events:,} events), "
            f"{world.n_surveys:,} survey responses and {world.n_churned:,} churned customers "
            f"to {world.out_dir}",
            highlight=False,
        )


@app.command()
def demo(
    workspace: WorkspaceOpt = Path("demo-workspace"),
    scale: Annotated[int, typer.Option(help="Number of customer journeys.", min=100)] = 20_000,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 7,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Build only; do not serve.")] = False,
    port: Annotated[int, typer.Option(help="Port of the web app.")] = 8765,
    warm: Annotated[
        bool, typer.Option("--warm/--no-warm", help="Fill the web app's cache after building.")
    ] = True,
    force: Annotated[
        bool, typer.Option("--force", help="Replace an existing workspace without asking.")
    ] = False,
) -> None:
    """Build the demo workspace (a generated broadband provider) and show where to look."""
    from journeylens.generate.demo import build_demo
    from journeylens.store.workspace import CONFIG_NAME

    if (workspace / CONFIG_NAME).is_file() and not force:
        question = (
            f"{workspace} is a workspace already; rebuilding it loses its segments, journeys, "
            "comments and accounts. Replace it?"
        )
        if not common.stdin_is_terminal():
            raise InputError(
                f"{workspace} is a workspace already and there is no terminal to ask whether "
                "to replace it; pass --force to replace it, or -w another folder"
            )
        if not typer.confirm(question, default=False):
            err.print("kept the workspace; nothing rebuilt", highlight=False)
            raise typer.Exit(1)
    with progress(False) as step:
        step(f"generating {scale:,} customer journeys and importing them")
        world, report = build_demo(workspace, scale=scale, seed=seed)
    out.print(report.summary(), highlight=False, markup=False)
    out.print(
        f"surveys: {world.surveys}\noutcomes: {world.outcomes}\nplanted truths: {world.truth}",
        highlight=False,
    )
    if warm:
        seconds, computed, _failed = web.warm_workspace(workspace)
        out.print(f"web pages precomputed ({computed} results) in {seconds:.0f} s", highlight=False)
    _next_steps(workspace)
    if not no_serve:
        web.serve_workspace(workspace, port=port)


def _venv_activation() -> str | None:
    """``source .venv/bin/activate`` when journeylens runs from a virtualenv whose commands
    the shell does not find yet (as after ``make demo``), else None."""
    import os
    import shutil

    if sys.prefix == sys.base_prefix:
        return None
    bin_dir = Path(sys.prefix) / ("Scripts" if os.name == "nt" else "bin")
    found = shutil.which("journeylens")
    if found and Path(found).resolve().parent == bin_dir.resolve():
        return None
    try:
        shown = Path(os.path.relpath(bin_dir, Path.cwd()))
    except ValueError:  # another drive (Windows)
        shown = bin_dir
    where = shown if not str(shown).startswith("..") else bin_dir
    return f"source {where}/activate" if os.name != "nt" else f"{where}\\activate"


def _next_steps(workspace: Path) -> None:
    """Where to look next: one command per line, never wrapped, so each one pastes whole."""
    import shlex

    w = shlex.quote(str(workspace))
    commands = [
        f"journeylens journey watermelon -w {w}",
        f"journeylens journey map new_connection -w {w}",
        f"journeylens map -w {w} --activities 60 --paths 30 --svg map.svg",
        f"journeylens map -w {w} --measure performance --case-attr journey=new_connection",
        f"journeylens variants -w {w} --top 10 --case-attr journey=home_move",
        f"journeylens stats handoffs -w {w}",
        f"journeylens stats pingpong -w {w}",
    ]
    activate = _venv_activation()
    out.print("\nStart here" + (" (first activate the virtualenv):" if activate else ":"))
    for command in ([activate] if activate else []) + commands:
        out.print("  " + command, highlight=False, markup=False, soft_wrap=True)


for _area in (mining, journey, voice, diagnose, web):
    app.add_typer(_area.app)


#: Options of the import commands that take no value (every other option takes one).
_FLAGS = {"--json", "--quiet", "-q", "--dayfirst", "--monthfirst", "--debug", "--help"}


def _import_source(argv: list[str]) -> str | None:
    """The source an ``import`` or ``voice import`` command line names, if it is one."""
    words = [a for a in argv if not a.startswith("-")]
    if not words or words[0] not in ("import", "voice"):
        return None
    if words[0] == "voice" and words[1:2] != ["import"]:
        return None
    after = argv[argv.index("import") + 1 :]
    skip = False
    for arg in after:
        if skip:
            skip = False
        elif arg.startswith("-"):
            skip = "=" not in arg and arg not in _FLAGS
        else:
            return arg
    return None


def _unexpected(e: BaseException) -> None:
    """Tell the user in one plain sentence; the traceback goes to a log file."""
    fd, log = tempfile.mkstemp(prefix="journeylens-error-", suffix=".log")
    with os.fdopen(fd, "w") as f:
        f.write(" ".join(sys.argv) + "\n\n")
        traceback.print_exception(e, file=f)
    source = _import_source(sys.argv[1:])
    what = (
        f"{source}: the import stopped on an unexpected problem reading it ({type(e).__name__}); "
        "the workspace is unchanged"
        if source
        else f"journeylens stopped on an unexpected problem ({type(e).__name__})"
    )
    err.print(
        f"error: {what}. The details are in {log}; run again with --debug to see them, and "
        "please report it with that file",
        highlight=False,
        markup=False,
        soft_wrap=True,
    )


def main() -> None:
    """Entry point of the console script: our errors → message on stderr + exit code 1.

    Any other exception (a bug, an engine failure) also exits 1 with one plain sentence, never
    a traceback or engine text, unless ``--debug`` or ``JOURNEYLENS_DEBUG=1`` asks for it.
    """
    try:
        app()
    except JourneylensError as e:
        # soft_wrap: one line per message, not wrapped at 80 columns when stderr is a pipe.
        err.print(f"error: {e}", highlight=False, markup=False, soft_wrap=True)
        sys.exit(1)
    except Exception as e:
        if os.environ.get("JOURNEYLENS_DEBUG") or "--debug" in sys.argv[1:]:
            raise
        _unexpected(e)
        sys.exit(1)


if __name__ == "__main__":
    main()
