"""What every command module of the CLI shares: the consoles, the common options and helpers."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console, ConsoleDimensions


class _Console(Console):
    """A rich console that is 80 columns wide (or ``$COLUMNS``) when it is not a terminal.

    Rich asks every standard stream for a terminal size, so ``journeylens cases > file`` from
    a wide terminal would write lines as wide as that terminal; a file or pipe gets the width
    a reader can count on instead.
    """

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._width = None  # rich read $COLUMNS once, at import; `size` reads it when printing

    @property
    def size(self) -> ConsoleDimensions:
        size = super().size
        if self._width is None and not self.is_terminal:
            columns = os.environ.get("COLUMNS", "")
            return ConsoleDimensions(int(columns) if columns.isdigit() else 80, size.height)
        return size

    @size.setter
    def size(self, new_size: tuple[int, int]) -> None:
        self._width, self._height = new_size


out = _Console()
err = _Console(stderr=True)

WorkspaceOpt = Annotated[
    Path, typer.Option("-w", "--workspace", help="Workspace folder.", show_default=True)
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripting.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")]


def stdin_is_terminal() -> bool:
    """Whether a question can be asked: standard input is a terminal (not a pipe, a file, CI)."""
    return sys.stdin.isatty()


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
