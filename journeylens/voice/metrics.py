"""Survey metrics with intervals on a plain table (private; see :mod:`journeylens.voice.join`)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from scipy import stats as sps

from journeylens.errors import InputError
from journeylens.journeys.journey import workspace_journey
from journeylens.voice.imports import infer_metric, infer_scale
from journeylens.voice.join import (
    OUTCOME_WINDOW,
    RESPONSE_WINDOW,
    _survey_meta,
    responses_frame,
    voice_table,
)

if TYPE_CHECKING:
    from journeylens.store.workspace import WorkspaceStore as Workspace

_Z = 1.959963984540054
SMALL_SAMPLE = 30


def _t_interval(x: np.ndarray) -> tuple[float, float, float]:
    n = len(x)
    if n == 0:
        return (math.nan, math.nan, math.nan)
    m = float(np.mean(x))
    if n < 2:
        return (m, math.nan, math.nan)
    half = float(sps.t.ppf(0.975, n - 1) * np.std(x, ddof=1) / math.sqrt(n))
    return (m, m - half, m + half)


def _wilson(k: int, n: int) -> tuple[float, float, float]:
    if n == 0:
        return (math.nan, math.nan, math.nan)
    p = k / n
    denom = 1 + _Z**2 / n
    centre = (p + _Z**2 / (2 * n)) / denom
    half = _Z * math.sqrt(p * (1 - p) / n + _Z**2 / (4 * n**2)) / denom
    return (p, centre - half, centre + half)


def score_summary(
    scores: Sequence[float] | np.ndarray | pd.Series,
    *,
    metric: Literal["csat", "nps", "ces", "rate"] = "csat",
    scale: tuple[float, float] | None = None,
) -> dict[str, Any]:
    """One metric of a set of scores, with 95% intervals.

    * ``csat``: mean (t interval) and top-2-box share (the two highest points of the scale;
      Wilson interval);
    * ``nps``: % promoters (9–10) − % detractors (0–6); its interval from the trinomial
      variance ``(p + d − (p − d)²) / n``; also the mean;
    * ``ces``: mean (t interval);
    * ``rate``: share of true values (Wilson), e.g. churn.

    Examples
    --------
    >>> s = score_summary([10, 9, 9, 8, 7, 3, 10, 9, 6, 10], metric="nps")
    >>> s["nps"], s["promoters"], s["detractors"]
    (40.0, 0.6, 0.2)
    >>> round(score_summary([1, 0, 0, 1], metric="rate")["rate"], 2)
    0.5
    """
    x = pd.Series(scores).dropna()
    out: dict[str, Any] = {"metric": metric, "n": len(x)}
    if metric == "rate":
        k = int(x.astype(bool).sum())
        out["rate"], out["rate_low"], out["rate_high"] = _wilson(k, len(x))
        return out
    v = x.astype(float).to_numpy()
    out["mean"], out["mean_low"], out["mean_high"] = _t_interval(v)
    if metric == "csat":
        lo, hi = scale or infer_scale("csat", v.min() if len(v) else 1, v.max() if len(v) else 5)
        step = 10.0 if hi - lo >= 20 else 1.0  # a 0-100 scale's top two boxes are 90-100
        k = int((v >= hi - step).sum())
        out["top2"], out["top2_low"], out["top2_high"] = _wilson(k, len(v))
        out["scale"] = [lo, hi]
    elif metric == "nps":
        n = len(v)
        p = float((v >= 9).mean()) if n else math.nan
        d = float((v <= 6).mean()) if n else math.nan
        nps = 100 * (p - d)
        half = 100 * _Z * math.sqrt(max(p + d - (p - d) ** 2, 0.0) / n) if n else math.nan
        out.update(promoters=p, detractors=d, nps=nps, nps_low=nps - half, nps_high=nps + half)
    return out


_PERIODS = {"week": "W", "month": "M", "quarter": "Q", "year": "Y"}


def metrics(
    table: pd.DataFrame,
    column: str,
    *,
    metric: Literal["csat", "nps", "ces", "rate"] | None = None,
    by: str | Sequence[str] | None = None,
    scale: tuple[float, float] | None = None,
    time_column: str | None = None,
    min_n: int = SMALL_SAMPLE,
) -> pd.DataFrame:
    """A survey metric or outcome rate, overall or per group, with intervals and warnings.

    Parameters
    ----------
    table
        One row per unit (a journey instance, a response); ``column`` holds the score (missing
        for units without a response) or a boolean outcome.
    metric
        ``csat``, ``nps``, ``ces`` or ``rate``; inferred when omitted (a boolean column is a
        rate, else the column name decides as for survey names).
    by
        Columns to group by; ``"week"``, ``"month"``, ``"quarter"`` or ``"year"`` group by the
        period of ``time_column`` (default: ``end``, else ``responded_at``, else ``date``).
    min_n
        Groups with fewer responses get a small-sample warning.

    Returns
    -------
    pandas.DataFrame
        One row per group: the group columns, ``units`` (rows), ``n`` (responses),
        ``response_rate``, the metric's value and interval columns, and ``warning``.

    Examples
    --------
    >>> df = pd.DataFrame({"team": ["a"] * 40 + ["b"] * 10,
    ...                    "csat": [9.0] * 30 + [None] * 10 + [2.0] * 10})
    >>> m = metrics(df, "csat", by="team", scale=(1, 10))
    >>> m[["team", "n", "response_rate", "mean", "top2"]].values.tolist()
    [['a', 30, 0.75, 9.0, 1.0], ['b', 10, 1.0, 2.0, 0.0]]
    >>> m["warning"].tolist()[1]
    'only 10 responses: too few for a reliable figure'
    """
    if column not in table:
        raise InputError(f"no column {column!r}; columns: {', '.join(map(str, table.columns))}")
    values = table[column]
    if metric is None:
        metric = "rate" if _is_boolean(values) else infer_metric(column)
    if metric not in ("csat", "nps", "ces", "rate"):
        raise InputError(f"metric must be csat, nps, ces or rate, got {metric!r}")
    if metric != "rate" and not pd.api.types.is_numeric_dtype(values.dropna()):
        raise InputError(f"column {column!r} is not numeric; a {metric.upper()} needs scores")
    if metric == "csat" and scale is None:
        seen = values.dropna().astype(float)
        scale = infer_scale("csat", seen.min(), seen.max()) if len(seen) else (1.0, 5.0)
    df = table.copy()
    keys = [by] if isinstance(by, str) else list(by or [])
    for i, key in enumerate(keys):
        if key in _PERIODS and key not in df:
            tcol = time_column or next(
                (c for c in ("end", "responded_at", "date") if c in df), None
            )
            if tcol is None:
                raise InputError(f"grouping by {key} needs a time column (time_column=...)")
            df[key] = pd.to_datetime(df[tcol]).dt.to_period(_PERIODS[key]).astype(str)
        elif key not in df:
            raise InputError(
                f"cannot group by {key!r}: not a column; columns: {', '.join(map(str, df.columns))}"
                f", or one of {', '.join(_PERIODS)}"
            )
        keys[i] = key
    groups = df.groupby(keys, dropna=False, sort=True) if keys else [((), df)]
    rows = []
    for group, g in groups:
        values_of = group if isinstance(group, tuple) else (group,)
        s = score_summary(g[column], metric=metric, scale=scale)
        units = len(g)
        row: dict[str, Any] = dict(zip(keys, values_of, strict=True))
        row.update(units=units, n=s.pop("n"))
        row["response_rate"] = row["n"] / units if units else math.nan
        s.pop("metric")
        s.pop("scale", None)
        row.update(metric=metric, **s)
        row["warning"] = _warning(row["n"], row["response_rate"], metric, min_n)
        rows.append(row)
    out = pd.DataFrame(rows)
    return out


def _warning(n: int, response_rate: float, metric: str, min_n: int) -> str | None:
    if n == 0:
        return "no responses"
    if n < min_n:
        what = "units" if metric == "rate" else "responses"
        return f"only {n} {what}: too few for a reliable figure"
    if metric != "rate" and response_rate < 0.1:
        return f"response rate {response_rate:.0%}: respondents may not represent the group"
    return None


def _is_boolean(values: pd.Series) -> bool:
    if pd.api.types.is_bool_dtype(values):
        return True
    v = values.dropna()
    return len(v) > 0 and bool(v.isin([0, 1, True, False]).all()) and v.nunique() <= 2


# --------------------------------------------------------------------------- metrics


def voice_metrics(
    ws: Workspace,
    *,
    journey: str | None = None,
    survey: str | None = None,
    outcome: str | None = None,
    by: str | Sequence[str] | None = None,
    min_n: int = SMALL_SAMPLE,
    window: tuple[float, float] = RESPONSE_WINDOW,
    outcome_window: tuple[float, float] = OUTCOME_WINDOW,
) -> pd.DataFrame:
    """Survey metrics and outcome rates of a workspace, overall or per group.

    Without a journey: every survey's metric from the ``responses`` table (``by`` a period or a
    response column).  With a journey: the survey's score or the outcome's rate over the
    journey's instances (response rates included), grouped by any instance column (an
    attribute such as ``region``, ``start_channel``), a period, ``"touchpoint"`` (instances
    that went through each touchpoint) or ``"stage"`` (the stage that took longest in each
    instance).

    Examples
    --------
    >>> voice_metrics(ws)  # doctest: +SKIP
    >>> voice_metrics(ws, journey="new_connection", survey="csat_install", by="field_team")  # doctest: +SKIP
    >>> voice_metrics(ws, journey="home_move", outcome="churn", by="month")  # doctest: +SKIP
    """
    if journey is None:
        if outcome is not None:
            raise InputError("an outcome rate needs a population: give a journey (--journey NAME)")
        resp = responses_frame(ws, survey=survey)
        frames = []
        for name in sorted(resp["survey"].unique()):
            rows = resp[resp["survey"] == name]
            meta = _survey_meta(resp, name)
            m = metrics(
                rows, "score", metric=meta["metric"], by=by, scale=meta["scale"], min_n=min_n
            )
            m.insert(0, "survey", name)
            frames.append(m.drop(columns=["units", "response_rate"]))
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if (survey is None) == (outcome is None):
        raise InputError("give exactly one of survey=... or outcome=... with a journey")
    table = voice_table(
        ws,
        journey,
        surveys=[survey] if survey else [],
        outcomes=[outcome] if outcome else [],
        window=window,
        outcome_window=outcome_window,
    )
    column = survey if survey is not None else outcome
    assert column is not None  # exactly one of the two was given (checked above)
    meta = table.attrs["surveys"].get(column, {})
    keys = [by] if isinstance(by, str) else list(by or [])
    if "touchpoint" in keys and "touchpoint" not in table:
        ev = workspace_journey(ws, journey).events().select("instance_id", "touchpoint").distinct()
        tp = ev.to_pandas().dropna()
        table = table.merge(tp, on="instance_id", how="inner")
    if "stage" in keys and "stage" not in table:
        stage_cols = [
            str(c) for c in table if str(c).startswith("stage_") and str(c).endswith("_s")
        ]
        stages = workspace_journey(ws, journey).definition.stages
        names = dict(zip(stage_cols, stages, strict=False))
        table["stage"] = table[stage_cols].idxmax(axis=1).map(names)
    m = metrics(
        table,
        column,
        metric=meta.get("metric") if survey else "rate",
        by=keys or None,
        scale=meta.get("scale"),
        min_n=min_n,
    )
    m.insert(0, "journey", journey)
    m.insert(1, "survey" if survey else "outcome", column)
    return m
