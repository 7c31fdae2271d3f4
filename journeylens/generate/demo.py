"""The demo workspace: a generated broadband provider, imported and ready to explore.

``journeylens demo`` generates the seeded world of :mod:`journeylens.generate.generator` (new
connections, home moves, repairs and complaints, with planted truths documented in
``docs/demo.md``), keeps the generated files under ``<workspace>/data/`` and imports the events.
Surveys and churn are written beside them for the voice-of-the-customer analyses.
"""

from __future__ import annotations

import os
import shutil
from importlib import resources
from pathlib import Path

from journeylens.errors import WorkspaceError
from journeylens.generate.generator import GeneratedWorld, generate
from journeylens.store.ingest import ImportReport
from journeylens.workspace import CONFIG_NAME, Workspace

__all__ = ["build_demo", "demo_journeys_path", "sample_log_path"]

SAMPLE_LOG = "receipt.xes.gz"
DEMO_JOURNEYS = "broadband_journeys.yaml"


def sample_log_path() -> Path:
    """Path of the bundled real log (see journeylens/data/README.md), for examples and tests."""
    return Path(str(resources.files("journeylens") / "data" / SAMPLE_LOG))


def demo_journeys_path() -> Path:
    """The journey definitions of the generated world (new_connection, home_move, repair)."""
    return Path(str(resources.files("journeylens") / "data" / DEMO_JOURNEYS))


def build_demo(
    path: str | os.PathLike[str], *, scale: int = 20_000, seed: int = 7
) -> tuple[GeneratedWorld, ImportReport]:
    """(Re)build the demo workspace at ``path``: generate the world, import its events and
    save its journey definitions (``journeylens/data/broadband_journeys.yaml``) and import its
    survey responses and outcomes (churn).

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
        world = generate(p / "data", scale=scale, seed=seed, format="csv")
        report = ws.import_events(world.events)
        from journeylens.journeys import load_definitions

        for definition in load_definitions(demo_journeys_path()).values():
            ws.save_journey(definition)
        ws.import_responses(world.surveys)
        ws.import_outcomes(world.outcomes)
    return world, report
