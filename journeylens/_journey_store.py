"""Journey results kept in the workspace file (private; see :mod:`journeylens.journeys`).

Building a journey's per-event frame is most of the cost of its instances, touchpoint KPIs
and watermelon view (tens of seconds at 5M events on 2 cores).  For the workspace's own,
unfiltered events those results only change when the data or the definition does, so they
are computed when that happens and kept in the DuckDB file, in ``_jl_journey_results``:

* after every import (:meth:`Workspace.import_events`) for every journey, and when a journey
  is saved (:meth:`Workspace.save_journey`); deleting a journey deletes its rows;
* one row per (journey, part): ``instances`` (the :meth:`Journey.instances` table),
  ``touchpoints`` (:func:`journeylens.journey_kpis.touchpoint_kpis`) and ``places`` (the
  seconds per place and promise status the watermelon's contributors sum), each an Arrow IPC
  stream, so pandas dtypes come back exactly as computed;
* each row carries a key (the definition and the case attributes) and the state of the
  events (their number and the last source id: imports only append).  A journey whose
  definition was edited by hand in ``journeylens.yaml``, or a workspace changed by an import
  that did not store (an older journeylens), no longer matches, and the analyses compute
  from the events as before.

Filtered analyses, other engines and journeys built on anything but ``ws.events`` always
compute.  ``tests/test_journey_store.py`` holds stored and computed results equal.
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import TYPE_CHECKING, Any

import duckdb
import pandas as pd

from journeylens._frames import from_ipc, to_ipc
from journeylens.derived import has_table
from journeylens.errors import JourneylensError

if TYPE_CHECKING:
    from journeylens.journeys import Journey
    from journeylens.workspace import Workspace

TABLE = "_jl_journey_results"  # the name says nothing of its shape: bump STORE_VERSION
#: Bump when a stored part changes shape; older rows then simply no longer match.
STORE_VERSION = 2
PARTS = ("instances", "touchpoints", "places", "paths")


def _key(journey: Journey) -> str:
    text = json.dumps(
        {
            "version": STORE_VERSION,
            "definition": journey.definition.to_dict(),
            "case_attributes": journey._case_attributes,
        },
        sort_keys=True,
        default=str,
    )
    return hashlib.sha1(text.encode()).hexdigest()


def _events(con: duckdb.DuckDBPyConnection) -> str:
    """The state of the events: imports only append, each under a new source id."""
    n, last = con.execute("SELECT count(*), max(source_id) FROM events").fetchone()
    return f"{n}:{last}"


def attach(journey: Journey, ws: Workspace) -> None:
    """Let ``journey`` (bound to ``ws.events``) read its stored results."""
    journey._store = (ws.con, _key(journey))


def read(journey: Journey, part: str, filters: Any = None) -> pd.DataFrame | None:
    """The stored ``part`` of ``journey`` when it matches definition and data, else None.

    Results are stored for the whole journey only: under ``filters``, always None.
    """
    store = getattr(journey, "_store", None)
    if store is None or filters is not None:
        return None
    con, key = store
    try:
        if not has_table(con, TABLE):
            return None
        row = con.execute(
            f"SELECT data FROM {TABLE} WHERE name = ? AND part = ? AND key = ? AND events = ?",
            [journey.name, part, key, _events(con)],
        ).fetchone()
    except duckdb.Error:
        return None
    return None if row is None else from_ipc(row[0])


def places(journey: Journey, ev: Any, inst: pd.DataFrame) -> pd.DataFrame:
    """Seconds per (promise status, kind, place): what the watermelon's contributors sum."""
    from journeylens.journey_kpis import _time_by_place

    met = inst["promise_met"]
    groups = {
        "kept": inst.loc[met.eq(True).fillna(False).astype(bool), "instance_id"],
        "broken": inst.loc[met.eq(False).fillna(False).astype(bool), "instance_id"],
        "open": inst.loc[met.isna().to_numpy(), "instance_id"],
    }
    return _time_by_place(journey, ev, groups)


def build(ws: Workspace, names: list[str] | None = None) -> dict[str, float]:
    """Compute and store the results of the named journeys (default: all); seconds per journey.

    Called by the workspace after an import and when a journey is saved; a journey that
    cannot be computed (its definition no longer fits the data) is skipped: its analyses
    then compute, and report the problem, when asked.
    """
    from journeylens import _journey_variants
    from journeylens._journey_frame import drop_frames, frame
    from journeylens.journey_kpis import touchpoint_kpis
    from journeylens.journeys import workspace_definitions, workspace_journey

    con = ws.con
    con.execute(
        f"CREATE TABLE IF NOT EXISTS {TABLE} (name VARCHAR, part VARCHAR, key VARCHAR, "
        "events VARCHAR, data BLOB)"
    )
    try:
        defined = list(workspace_definitions(ws))
    except JourneylensError:
        return {}
    todo = defined if names is None else [n for n in names if n in defined]
    if names is None:
        con.execute(f"DELETE FROM {TABLE}")
    n_events = _events(con)
    out: dict[str, float] = {}
    for name in todo:
        t0 = time.perf_counter()
        con.execute(f"DELETE FROM {TABLE} WHERE name = ?", [name])
        try:
            j = workspace_journey(ws, name)
            j._store = None  # compute, do not read what is being replaced
            inst = j.instances()
            ev = frame(j, None)
            parts = {
                "instances": inst,
                "touchpoints": touchpoint_kpis(j, None, _ev=ev),
                "places": places(j, ev, inst),
                "paths": _journey_variants._paths(j, None),  # the variant families' input
            }
        except JourneylensError:
            continue
        finally:
            drop_frames(ws.events)  # one journey's frame in memory at a time
        key = _key(j)
        for part, df in parts.items():
            con.execute(
                f"INSERT INTO {TABLE} VALUES (?, ?, ?, ?, ?)",
                [name, part, key, n_events, to_ipc(df)],
            )
        out[name] = round(time.perf_counter() - t0, 2)
    return out


def drop(ws: Workspace, name: str) -> None:
    """Forget the stored results of journey ``name``."""
    if has_table(ws.con, TABLE):
        ws.con.execute(f"DELETE FROM {TABLE} WHERE name = ?", [name])
