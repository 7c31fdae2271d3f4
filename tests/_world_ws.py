"""Workspaces shared by the diagnosis, causes and report tests (built once per session).

The generated world (5,000 journeys, seed 7) is big enough for its planted truths to stand
out of the noise, small enough to build in a few seconds; the Helpdesk log is real.
"""

from __future__ import annotations

import json
from pathlib import Path

from journeylens.generate.demo import build_demo
from journeylens.workspace import Workspace

SCALE = 5_000
_BUILT: dict[str, Path] = {}


def demo_path(root: Path) -> Path:
    """The demo workspace (journeys loaded), built on first use under ``root``."""
    if "demo" not in _BUILT:
        target = root / "diagnose-demo"
        build_demo(target, scale=SCALE, seed=7)
        _BUILT["demo"] = target
    return _BUILT["demo"]


def helpdesk_path(root: Path, csv: Path) -> Path:
    """A workspace with the real Helpdesk log."""
    if "helpdesk" not in _BUILT:
        target = root / "diagnose-helpdesk"
        with Workspace.create(target) as ws:
            ws.import_events(csv)
        _BUILT["helpdesk"] = target
    return _BUILT["helpdesk"]


def truth(path: Path) -> dict:
    return json.loads((path / "data" / "truth.json").read_text())
