"""What every command module of the CLI shares: the consoles, the common options and helpers."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

out = Console()
err = Console(stderr=True)

WorkspaceOpt = Annotated[
    Path, typer.Option("-w", "--workspace", help="Workspace folder.", show_default=True)
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripting.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")]


def print_json(data: Any) -> None:
    """``data`` as JSON on stdout, under the one JSON-plain rule (:mod:`journeylens._util.plain`)."""
    from journeylens._util.plain import dumps

    sys.stdout.write(dumps(data) + "\n")


@contextmanager
def progress(quiet: bool) -> Iterator[Callable[[str], None]]:
    """A spinner naming the current step (stderr, so --json output stays clean)."""
    if quiet or not err.is_terminal:
        yield lambda _msg: None
        return
    with err.status("starting") as status:
        yield lambda msg: status.update(msg)


def open_workspace(workspace: Path, *, write: bool = False):
    from journeylens.workspace import Workspace

    return Workspace.open(workspace, read_only=not write)
