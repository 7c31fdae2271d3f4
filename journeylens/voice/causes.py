"""Root causes of low scores: case attributes over-represented among low-score journeys."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd

from journeylens.errors import InputError
from journeylens.explain.split import ID_COLUMNS
from journeylens.voice.join import outcomes_frame, responses_frame, voice_table

if TYPE_CHECKING:
    from journeylens.store.workspace import WorkspaceStore as Workspace

__all__ = ["journey_root_causes", "root_causes"]

# --------------------------------------------------------------------------- root causes


def root_causes(
    table: pd.DataFrame,
    target: str | pd.Series,
    *,
    low: float | None = None,
    attributes: Sequence[str] | None = None,
    min_support: int = 30,
    pairs: bool = False,
    unit: str = "journey",
    seed: int = 0,
):
    """Case attributes over-represented among low-score (or slow, or churned) journeys.

    ``target`` is a column: a score (with ``low``, the highest score that counts as low; or
    a boolean column such as ``churn``; or a duration (slow = top quartile).  Rows without a
    score are left out.  ``pairs`` also tests pairs of values: survey samples are small, and
    pairs multiply the tests a finding must survive, so they are off by default.  Delegates to :func:`journeylens.explain.causes.find_causes`: lift with
    Wilson intervals, minimum support, false-discovery correction, plain-language findings.

    Examples
    --------
    >>> res = root_causes(voice_table(ws, "new_connection"), "csat_install", low=4)  # doctest: +SKIP
    >>> res.sentences()  # doctest: +SKIP
    """
    from journeylens.explain.causes import find_causes

    df = table
    name = target if isinstance(target, str) else str(target.name or "target")
    if isinstance(target, str):
        if target not in table:
            raise InputError(f"no column {target!r}; columns: {', '.join(map(str, table))}")
        y = table[target]
    else:
        y = pd.Series(target, index=table.index)
    keep = y.notna()
    df, y = df[keep], y[keep]
    label = name
    if low is not None:
        y = y.astype(float) <= low
        label = f"{name} <= {low:g}"
    df = df.drop(columns=[name], errors="ignore").assign(**{"__target": y.to_numpy()})
    return find_causes(
        df,
        "__target",
        attributes=attributes,
        min_support=min_support,
        pairs=pairs,
        unit=unit,
        label=label,
        seed=seed,
    )


def journey_root_causes(
    ws: Workspace,
    journey: str,
    target: str,
    *,
    low: float | None = None,
    attributes: Sequence[str] | None = None,
    min_support: int = 30,
    pairs: bool = False,
):
    """:func:`root_causes` over a workspace journey: which case attributes (team, region,
    product, channel ...) are over-represented among its low-score (``low``), churned or slow
    (``target="duration_s"``) instances.

    Examples
    --------
    >>> journey_root_causes(ws, "new_connection", "csat_install", low=4).sentences()  # doctest: +SKIP
    """
    known = set(responses_frame(ws)["survey"]) | set(outcomes_frame(ws)["outcome"])
    table = voice_table(
        ws,
        journey,
        surveys=[target] if target in set(responses_frame(ws)["survey"]) else [],
        outcomes=[target] if target in set(outcomes_frame(ws)["outcome"]) else [],
    )
    if target not in table:
        raise InputError(
            f"{target!r} is neither a survey, an outcome nor an instance column; surveys and "
            f"outcomes: {', '.join(sorted(known)) or 'none'}"
        )
    if attributes is None:
        case_attrs = set(ws.config.get("case_attributes") or [])
        constant = {c for c in table if c in case_attrs and table[c].nunique(dropna=False) <= 1}
        attributes = [
            str(c) for c in table if c in case_attrs and c not in constant and c not in ID_COLUMNS
        ]
        attributes += ["start_channel"] if "start_channel" in table else []
    return root_causes(
        table, target, low=low, attributes=attributes, min_support=min_support, pairs=pairs
    )
