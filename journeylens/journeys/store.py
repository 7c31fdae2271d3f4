"""Journey results kept in the workspace file (private; see :mod:`journeylens.journeys.journey`).

Building a journey's per-event frame is most of the cost of its instances, touchpoint KPIs
and watermelon view (tens of seconds at 5M events on 2 cores).  For the workspace's own,
unfiltered events those results only change when the data or the definition does, so they
are computed when that happens and kept in the DuckDB file, in ``_jl_journey_results``:

* by :mod:`journeylens.journeys.precompute`, after every import (:meth:`Workspace.import_events`)
  for every journey, and when a journey is saved (:meth:`Workspace.save_journey`); deleting a
  journey deletes its rows;
* one row per (journey, part): ``instances`` (the :meth:`Journey.instances` table),
  ``touchpoints`` (:func:`journeylens.journeys.kpis.touchpoint_kpis`) and ``places`` (the
  seconds per place and promise status the watermelon's contributors sum), each an Arrow IPC
  stream, so pandas dtypes come back exactly as computed;
* each row carries a key (the definition and the case attributes) and the state of the
  events: the workspace's state token for event imports (``ws.state(scope="events")``, see
  :mod:`journeylens.store.workspace`), which survey imports and saving a segment or another
  journey leave as they are.  A journey whose
  definition was edited by hand in ``journeylens.yaml``, or a workspace changed by an import
  that did not store (an older journeylens), no longer matches, and the analyses compute
  from the events as before.

Filtered analyses, other engines and journeys built on anything but ``ws.events`` always
compute.  ``tests/journeys/test_journey_store.py`` holds stored and computed results equal.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING

import duckdb
import pandas as pd

from journeylens._util.frames import from_ipc, to_ipc
from journeylens._util.plain import plain
from journeylens._util.sql import has_table

if TYPE_CHECKING:
    from journeylens.journeys.bound import BoundJourney
    from journeylens.mining.filters import Filter
    from journeylens.store.workspace import WorkspaceStore

TABLE = "_jl_journey_results"  # the name says nothing of its shape: bump STORE_VERSION
#: Bump when a stored part changes shape; older rows then simply no longer match.
STORE_VERSION = 2
PARTS = ("instances", "touchpoints", "places", "paths")


def _key(journey: BoundJourney) -> str:
    text = json.dumps(
        plain(
            {
                "version": STORE_VERSION,
                "definition": journey.definition.to_dict(),
                "case_attributes": journey._case_attributes,
            }
        ),
        sort_keys=True,
    )
    return hashlib.sha1(text.encode()).hexdigest()


def _events(ws: WorkspaceStore) -> str:
    """The state of the events: the workspace's state token for event imports, which survey
    imports and saving segments or other journeys leave as it is."""
    return ws.state(scope="events")


def attach(journey: BoundJourney, ws: WorkspaceStore) -> None:
    """Let ``journey`` (bound to ``ws.events``) read its stored results."""
    journey._store = (ws, _key(journey))


def read(journey: BoundJourney, part: str, filters: Filter | None = None) -> pd.DataFrame | None:
    """The stored ``part`` of ``journey`` when it matches definition and data, else None.

    Results are stored for the whole journey only: under ``filters``, always None.
    """
    store = getattr(journey, "_store", None)
    if store is None or filters is not None:
        return None
    ws, key = store
    try:
        if not has_table(ws.con, TABLE):
            return None
        row = ws.con.execute(
            f"SELECT data FROM {TABLE} WHERE name = ? AND part = ? AND key = ? AND events = ?",
            [journey.name, part, key, _events(ws)],
        ).fetchone()
    except duckdb.Error:
        return None
    return None if row is None else from_ipc(row[0])


def ensure(con: duckdb.DuckDBPyConnection) -> None:
    """Make the results table if the workspace file has none yet."""
    con.execute(
        f"CREATE TABLE IF NOT EXISTS {TABLE} (name VARCHAR, part VARCHAR, key VARCHAR, "
        "events VARCHAR, data BLOB)"
    )


def clear(con: duckdb.DuckDBPyConnection, name: str | None = None) -> None:
    """Forget the stored results of journey ``name`` (default: of every journey)."""
    ensure(con)
    if name is None:
        con.execute(f"DELETE FROM {TABLE}")
    else:
        con.execute(f"DELETE FROM {TABLE} WHERE name = ?", [name])


def write(ws: WorkspaceStore, journey: BoundJourney, parts: dict[str, pd.DataFrame]) -> None:
    """Keep ``parts`` of ``journey`` under its key and the current state of the events."""
    key, events = _key(journey), _events(ws)
    for part, df in parts.items():
        ws.con.execute(
            f"INSERT INTO {TABLE} VALUES (?, ?, ?, ?, ?)",
            [journey.name, part, key, events, to_ipc(df)],
        )


def drop(ws: WorkspaceStore, name: str) -> None:
    """Forget the stored results of journey ``name``."""
    if has_table(ws.con, TABLE):
        ws.con.execute(f"DELETE FROM {TABLE} WHERE name = ?", [name])
