"""Compute the journeys' results and keep them in the workspace (:mod:`journeylens.journeys.store`).

Run after each import and when a journey is saved (:class:`journeylens.Workspace` calls
:func:`build`), so that the unfiltered journey analyses read them instead of computing.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import pandas as pd

from journeylens.errors import JourneylensError
from journeylens.journeys import store
from journeylens.journeys import variants as _variants
from journeylens.journeys.definition import workspace_definitions
from journeylens.journeys.frame import drop_frames, frame
from journeylens.journeys.journey import Journey, workspace_journey
from journeylens.journeys.kpis import _time_by_place, touchpoint_kpis

if TYPE_CHECKING:
    from journeylens.store.workspace import WorkspaceStore

__all__ = ["build", "places"]


def places(journey: Journey, ev: Any, inst: pd.DataFrame) -> pd.DataFrame:
    """Seconds per (promise status, kind, place): what the watermelon's contributors sum."""
    met = inst["promise_met"]
    groups = {
        "kept": inst.loc[met.eq(True).fillna(False).astype(bool), "instance_id"],
        "broken": inst.loc[met.eq(False).fillna(False).astype(bool), "instance_id"],
        "open": inst.loc[met.isna().to_numpy(), "instance_id"],
    }
    return _time_by_place(journey, ev, groups)


def build(ws: WorkspaceStore, names: list[str] | None = None) -> dict[str, float]:
    """Compute and store the results of the named journeys (default: all); seconds per journey.

    Called by the workspace after an import and when a journey is saved; a journey that
    cannot be computed (its definition no longer fits the data) is skipped: its analyses
    then compute, and report the problem, when asked.
    """
    con = ws.con
    store.ensure(con)
    try:
        defined = list(workspace_definitions(ws))
    except JourneylensError:
        return {}
    todo = defined if names is None else [n for n in names if n in defined]
    if names is None:
        store.clear(con)
    out: dict[str, float] = {}
    for name in todo:
        t0 = time.perf_counter()
        store.clear(con, name)
        try:
            j = workspace_journey(ws, name)
            j._store = None  # compute, do not read what is being replaced
            inst = j.instances()
            ev = frame(j, None)
            parts = {
                "instances": inst,
                "touchpoints": touchpoint_kpis(j, None, _ev=ev),
                "places": places(j, ev, inst),
                "paths": _variants._paths(j, None),  # the variant families' input
            }
        except JourneylensError:
            continue
        finally:
            drop_frames(ws.events)  # one journey's frame in memory at a time
        store.write(ws, j, parts)
        out[name] = round(time.perf_counter() - t0, 2)
    return out
