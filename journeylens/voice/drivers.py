"""Key drivers, what-if and split populations over a workspace journey joined to its voice.

:func:`journey_drivers`, :func:`journey_what_if` and :func:`journey_split` build the table
from a workspace's journey instances joined to its survey responses and outcomes
(:func:`journeylens.voice.join.voice_table`) and run :mod:`journeylens.explain` on it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from journeylens.errors import InputError
from journeylens.explain.drivers import Drivers, Method, journey_features, key_drivers
from journeylens.explain.split import Split, candidate_features, split_contrast
from journeylens.explain.whatif import WhatIf, what_if
from journeylens.voice.join import outcomes_frame, responses_frame, voice_table

if TYPE_CHECKING:
    from journeylens.mining.filters import Filter
    from journeylens.store.workspace import WorkspaceStore as Workspace

__all__ = ["journey_drivers", "journey_split", "journey_what_if"]

# The joined table of the last few (workspace state, journey, target, filters): the web app's
# drivers page and a session's what-ifs ask for the same table again and again, and building
# it (journey instances + survey join) costs far more than the model fitted on it.
_TABLES: OrderedDict[tuple, pd.DataFrame] = OrderedDict()
_TABLES_MAX = 8
_TABLES_LOCK = threading.Lock()  # the web app calls from a thread pool


def _workspace_state(ws) -> tuple:
    """The workspace and its state token: it changes with every import (surveys and outcomes
    included) and journey change, all that the table is built from."""
    path = getattr(ws, "path", None)
    return (str(Path(path).resolve()) if path is not None else None, ws.state())


def _journey_table(ws, journey, target, filters):
    resp = responses_frame(ws)
    outs_frame = outcomes_frame(ws)
    surveys = sorted(resp["survey"].dropna().unique())
    outs = sorted(outs_frame["outcome"].dropna().unique())
    if target not in surveys and target not in outs:
        raise InputError(
            f"{target!r} is neither a survey nor an outcome of the workspace; surveys: "
            f"{', '.join(surveys) or 'none'}; outcomes: {', '.join(outs) or 'none'}"
        )
    key = (_workspace_state(ws), journey, target, repr(filters))
    with _TABLES_LOCK:
        cached = _TABLES.get(key)
        if cached is not None:
            _TABLES.move_to_end(key)
            return cached.copy()
    table = voice_table(
        ws,
        journey,
        surveys=[target] if target in surveys else [],
        outcomes=[target] if target in outs else [],
        filters=filters,
    )
    with _TABLES_LOCK:
        _TABLES[key] = table
        while len(_TABLES) > _TABLES_MAX:
            _TABLES.popitem(last=False)
    return table.copy()


def journey_drivers(
    ws: Workspace,
    journey: str,
    target: str,
    *,
    features: Sequence[str] | None = None,
    method: Method | None = None,
    n_boot: int | None = None,
    seed: int = 0,
    filters: Filter | None = None,
) -> Drivers:
    """Key drivers of a survey score or an outcome over a workspace journey's instances.

    ``target`` names a survey (e.g. ``"csat_install"``; instances with a response) or an
    outcome (e.g. ``"churn"``; every instance).  Features default to :func:`journey_features`.
    The joined table is kept for later calls on the same workspace state, journey, target and
    filters (e.g. :func:`journey_what_if`): the last eight, rebuilt after any import.

    Examples
    --------
    >>> d = journey_drivers(ws, "new_connection", "csat_install")  # doctest: +SKIP
    >>> d.sentences(3)  # doctest: +SKIP
    """
    table = _journey_table(ws, journey, target, filters)
    feats = list(features) if features is not None else journey_features(table, exclude=[target])
    return key_drivers(table, target, features=feats, method=method, n_boot=n_boot, seed=seed)


def journey_what_if(
    ws: Workspace,
    journey: str,
    target: str,
    feature: str,
    *,
    scale: float | None = None,
    set_to: float | bool | None = None,
    rate: float | None = None,
    features: Sequence[str] | None = None,
    n_boot: int = 100,
    seed: int = 0,
    filters: Filter | None = None,
) -> WhatIf:
    """:func:`what_if` on a workspace journey (see :func:`journey_drivers` for the table).

    Examples
    --------
    >>> journey_what_if(ws, "new_connection", "nps_journey", "n_contacts", scale=0.5)  # doctest: +SKIP
    """
    table = _journey_table(ws, journey, target, filters)
    feats = list(features) if features is not None else journey_features(table, exclude=[target])
    return what_if(
        table,
        target,
        feature,
        scale=scale,
        set_to=set_to,
        rate=rate,
        features=feats,
        n_boot=n_boot,
        seed=seed,
    )


def journey_split(
    ws: Workspace,
    journey: str,
    survey: str,
    *,
    features: Sequence[str] | None = None,
    threshold: float | None = None,
    filters: Filter | None = None,
) -> Split:
    """:func:`split_contrast` of a survey's scores over a workspace journey's instances.

    Features default to every instance feature and case attribute (other surveys and outcomes
    excluded).

    Examples
    --------
    >>> s = journey_split(ws, "new_connection", "csat_install")  # doctest: +SKIP
    >>> s.sentences(3)  # doctest: +SKIP
    """
    table = voice_table(ws, journey, surveys=[survey], outcomes=[], filters=filters)
    feats = list(features) if features is not None else candidate_features(table)
    return split_contrast(table, survey, features=feats, threshold=threshold)
