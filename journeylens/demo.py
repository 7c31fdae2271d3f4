"""The demo workspace: the bundled sample log, imported and ready to explore."""

from __future__ import annotations

import os
import shutil
from importlib import resources
from pathlib import Path

from journeylens.errors import WorkspaceError
from journeylens.ingest import ImportReport
from journeylens.workspace import CONFIG_NAME, Workspace

__all__ = ["SAMPLE_LOG", "build_demo"]

SAMPLE_LOG = "receipt.xes.gz"


def sample_log_path() -> Path:
    """Path of the bundled sample log (a real public log, see journeylens/data/README.md)."""
    return Path(str(resources.files("journeylens") / "data" / SAMPLE_LOG))


def build_demo(path: str | os.PathLike[str]) -> ImportReport:
    """(Re)build the demo workspace at ``path`` from the bundled sample log.

    An existing demo workspace there is replaced; any other non-empty folder is refused.
    """
    p = Path(path)
    if p.exists() and any(p.iterdir()):
        if not (p / CONFIG_NAME).is_file():
            raise WorkspaceError(
                f"{p} is not empty and not a journeylens workspace; choose another -w folder"
            )
        shutil.rmtree(p)
    with Workspace.create(p) as ws:
        return ws.import_events(sample_log_path())
