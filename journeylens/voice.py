"""Voice of the customer: survey responses and outcomes, joined to journeys, with intervals.

* **Import** (:func:`import_responses`, :func:`import_outcomes`, or the same-named
  :class:`~journeylens.Workspace` methods): a CSV, Parquet, Excel file or database table of
  survey answers (CSAT on any scale, NPS 0–10, CES; comment; response date) or of outcomes
  (churn, cancellation, complaint ...; date) lands in the workspace tables ``responses`` and
  ``outcomes``.  Column roles are detected from the names and can be given; each survey's metric
  and scale are declared or inferred.  Bad rows go to ``rejects`` with their reason, never
  silently dropped; importing the same file again adds nothing.
* **Join** (:func:`join_responses`, :func:`voice_table`): a response belongs to the journey
  instance holding its case id, or — without a case id — to the customer's instance whose end
  (or start) lies within a window before the response (e.g. NPS up to 45 days after the end).
  Unmatched responses are reported and kept.
* **Metrics** (:func:`metrics`, :func:`voice_metrics`): CSAT mean (t interval) and top-2-box
  (Wilson), NPS with its interval (the trinomial variance of promoters minus detractors), CES,
  outcome rates such as churn (Wilson); per journey, stage, touchpoint, attribute or period,
  with response rates and small-sample warnings.
* **Root causes** (:func:`root_causes`): case attributes over-represented among low-score
  journeys, with lift, intervals and a minimum support (:func:`journeylens.causes.find_causes`).

Split populations live in :mod:`journeylens.split`, key drivers and what-if in
:mod:`journeylens.drivers`.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import duckdb
import numpy as np
import pandas as pd
from scipy import stats as sps

from journeylens import readers
from journeylens._voice_import import (
    METRICS,
    OUTCOMES_DDL,
    RESPONSES_DDL,
    Metric,
    VoiceImportReport,
    import_source,
    infer_metric,
    infer_scale,
)
from journeylens.errors import InputError

if TYPE_CHECKING:
    from journeylens.workspace import Workspace

__all__ = [
    "METRICS",
    "Joined",
    "Metric",
    "VoiceImportReport",
    "import_outcomes",
    "import_responses",
    "join_responses",
    "journey_root_causes",
    "metrics",
    "outcomes_frame",
    "responses_frame",
    "root_causes",
    "score_summary",
    "voice_metrics",
    "voice_table",
]

JoinBy = Literal["auto", "case", "customer"]
Anchor = Literal["end", "start"]
_Z = 1.959963984540054
#: Default window (days after the anchor) of a customer-id join of responses and outcomes.
RESPONSE_WINDOW = (0.0, 45.0)
OUTCOME_WINDOW = (0.0, 90.0)
SMALL_SAMPLE = 30


# --------------------------------------------------------------------------- import


def import_responses(
    ws: Workspace,
    path: str | os.PathLike[str],
    *,
    score: str | None = None,
    survey: str | None = None,
    customer_id: str | None = None,
    case_id: str | None = None,
    responded_at: str | None = None,
    comment: str | None = None,
    response_id: str | None = None,
    metric: Metric | Mapping[str, Metric] | None = None,
    scale: tuple[float, float] | Mapping[str, tuple[float, float]] | None = None,
    survey_name: str | None = None,
    dayfirst: bool | None = None,
    format: readers.Format | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    table: str | None = None,
    query: str | None = None,
) -> VoiceImportReport:
    """Import survey responses into the workspace table ``responses``, atomically.

    Parameters
    ----------
    path
        A CSV/TSV, Parquet or Excel file, or a database URL (with ``table`` or ``query``).
    score, survey, customer_id, case_id, responded_at, comment, response_id
        Source column of each role; detected from the column names when omitted.  A score and a
        customer or case id are required; without a survey column every row belongs to
        ``survey_name`` (default: the file name without extension).
    metric
        ``"csat"``, ``"nps"`` or ``"ces"`` for every survey, or a mapping survey → metric;
        inferred from the survey name otherwise (``nps``/``recommend`` → NPS, ``ces``/``effort``
        → CES, else CSAT).
    scale
        ``(lowest, highest)`` score, for every survey or per survey.  NPS is always 0–10;
        other scales are inferred from the scores seen (1–5, 1–7, 0/1–10, 0–100).
    dayfirst
        Read ambiguous dates such as 01/02/2024 day-first.

    Returns
    -------
    VoiceImportReport
        Rows read, loaded and rejected (with reasons), the columns used, each survey's metric,
        scale and response count.

    Examples
    --------
    >>> ws = Workspace.create(tmp / "ws")  # doctest: +SKIP
    >>> report = ws.import_responses("surveys.csv")  # doctest: +SKIP
    >>> report.surveys["nps_journey"]["metric"]  # doctest: +SKIP
    'nps'
    """
    roles = {
        "score": score,
        "survey": survey,
        "customer_id": customer_id,
        "case_id": case_id,
        "responded_at": responded_at,
        "comment": comment,
        "response_id": response_id,
    }
    return import_source(
        ws,
        path,
        kind="responses",
        roles=roles,
        metric=metric,
        scale=scale,
        survey_name=survey_name,
        dayfirst=dayfirst,
        format=format,
        delimiter=delimiter,
        encoding=encoding,
        sheet=sheet,
        table=table,
        query=query,
    )


def import_outcomes(
    ws: Workspace,
    path: str | os.PathLike[str],
    *,
    outcome: str | None = None,
    date: str | None = None,
    customer_id: str | None = None,
    case_id: str | None = None,
    outcome_name: str | None = None,
    dayfirst: bool | None = None,
    format: readers.Format | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    table: str | None = None,
    query: str | None = None,
) -> VoiceImportReport:
    """Import outcomes (churn, cancellation, complaint ...) into the table ``outcomes``.

    One row per outcome that happened: a customer or case id, the outcome's name (a column, or
    ``outcome_name`` for a file of one kind, e.g. ``"churn"``) and its date.  Names are stored in
    lower case.  Customers without a row did not have the outcome.

    Examples
    --------
    >>> report = ws.import_outcomes("outcomes.csv")  # doctest: +SKIP
    >>> report.surveys  # outcome → rows  # doctest: +SKIP
    {'churn': 975}
    """
    roles = {"outcome": outcome, "date": date, "customer_id": customer_id, "case_id": case_id}
    return import_source(
        ws,
        path,
        kind="outcomes",
        roles=roles,
        outcome_name=outcome_name,
        dayfirst=dayfirst,
        format=format,
        delimiter=delimiter,
        encoding=encoding,
        sheet=sheet,
        table=table,
        query=query,
    )


def _frame(ws: Workspace, ddl: str, name: str) -> pd.DataFrame:
    exists = ws.con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]
    ).fetchone()[0]
    if not exists:
        # Same columns, no rows: a workspace without surveys answers every question empty.
        with duckdb.connect() as mem:
            mem.execute(ddl)
            return mem.execute(f"SELECT * FROM {name}").df()
    return ws.con.execute(f'SELECT * FROM {name} ORDER BY source_id, "row"').df()


def responses_frame(ws: Workspace, *, survey: str | Sequence[str] | None = None) -> pd.DataFrame:
    """The workspace's survey responses as a DataFrame (optionally of some surveys only)."""
    df = _frame(ws, RESPONSES_DDL, "responses")
    if survey is None:
        return df
    wanted = [survey] if isinstance(survey, str) else list(survey)
    have = sorted(df["survey"].dropna().unique())
    unknown = [s for s in wanted if s not in have]
    if unknown:
        raise InputError(
            f"no responses of survey {', '.join(map(repr, unknown))} in the workspace; "
            f"surveys: {', '.join(have) or 'none (import some with journeylens voice import)'}"
        )
    return df[df["survey"].isin(wanted)].reset_index(drop=True)


def outcomes_frame(ws: Workspace) -> pd.DataFrame:
    """The workspace's outcomes (churn, complaint ...) as a DataFrame."""
    return _frame(ws, OUTCOMES_DDL, "outcomes")


# --------------------------------------------------------------------------- join


@dataclass
class Joined:
    """Responses (or outcomes) joined to journey instances.

    ``matched`` has the input rows with ``instance_id``, ``matched_by`` (``"case"`` or
    ``"customer"``) and ``days_after`` (from the instance's anchor to the response);
    ``unmatched`` the others, with a ``reason``.  Nothing is dropped:
    ``len(matched) + len(unmatched) == len(input)``.
    """

    matched: pd.DataFrame
    unmatched: pd.DataFrame
    by: str
    window: tuple[float, float]
    anchor: str

    def to_dict(self) -> dict[str, Any]:
        reasons = self.unmatched["reason"].value_counts().to_dict() if len(self.unmatched) else {}
        return {
            "matched": len(self.matched),
            "unmatched": len(self.unmatched),
            "by": self.by,
            "window_days": list(self.window),
            "anchor": self.anchor,
            "matched_by": self.matched["matched_by"].value_counts().to_dict()
            if len(self.matched)
            else {},
            "unmatched_reasons": {str(k): int(v) for k, v in reasons.items()},
        }


def _case_index(instances: pd.DataFrame) -> pd.DataFrame:
    if "case_ids" in instances:
        ex = instances[["instance_id", "case_ids"]].explode("case_ids")
        return ex.rename(columns={"case_ids": "case_id"}).dropna()
    if "case_id" in instances:
        return instances[["instance_id", "case_id"]].dropna()
    return pd.DataFrame({"instance_id": [], "case_id": []})


def join_responses(
    instances: pd.DataFrame,
    rows: pd.DataFrame,
    *,
    by: JoinBy = "auto",
    anchor: Anchor = "end",
    window: tuple[float, float] = RESPONSE_WINDOW,
    time_column: str = "responded_at",
) -> Joined:
    """Attach each response (or outcome) to a journey instance.

    Parameters
    ----------
    instances
        One row per journey instance: ``instance_id``, ``case_ids`` (a list) or ``case_id``,
        ``customer_id``, ``start``, ``end`` (as :meth:`Journey.instances` returns).
    rows
        Responses (or outcomes, with ``time_column="date"``): ``case_id``, ``customer_id`` and
        the time column.
    by
        ``"case"``: the instance holding the row's case id; ``"customer"``: the customer's
        instance whose ``anchor`` lies ``window`` days before the row (the nearest when several
        do); ``"auto"``: by case where the case id matches, else by customer.
    anchor, window
        The customer join's reference time (``"end"`` or ``"start"`` of the instance) and the
        allowed days from it to the row, e.g. ``(0, 45)``: NPS sent 30 days after the end.

    Examples
    --------
    >>> inst = pd.DataFrame({"instance_id": ["a", "b"], "case_ids": [["c1"], ["c2"]],
    ...     "customer_id": ["x", "y"], "start": pd.to_datetime(["2024-01-01", "2024-02-01"]),
    ...     "end": pd.to_datetime(["2024-01-10", "2024-02-10"])})
    >>> resp = pd.DataFrame({"case_id": ["c1", None, None], "customer_id": ["x", "y", "y"],
    ...     "responded_at": pd.to_datetime(["2024-01-12", "2024-03-01", "2024-06-01"])})
    >>> j = join_responses(inst, resp)
    >>> j.matched[["instance_id", "matched_by"]].values.tolist()
    [['a', 'case'], ['b', 'customer']]
    >>> j.unmatched["reason"].tolist()
    ['no journey instance of this customer within 0 to 45 days']
    """
    if by not in ("auto", "case", "customer"):
        raise InputError(f"by must be 'auto', 'case' or 'customer', got {by!r}")
    if anchor not in ("end", "start"):
        raise InputError(f"anchor must be 'end' or 'start', got {anchor!r}")
    lo, hi = (float(window[0]), float(window[1]))
    if lo > hi:
        raise InputError(f"window (from, to) days needs from <= to, got {window!r}")
    for col in ("instance_id", anchor):
        if col not in instances:
            raise InputError(f"instances need an {col!r} column; columns: {list(instances)}")
    rows = rows.reset_index(drop=True).copy()
    rows["__row"] = np.arange(len(rows))
    parts: list[pd.DataFrame] = []
    done = np.zeros(len(rows), dtype=bool)
    if by in ("auto", "case") and "case_id" in rows:
        idx = _case_index(instances)
        m = rows.dropna(subset=["case_id"]).merge(idx, on="case_id", how="inner")
        m = m.drop_duplicates("__row")
        if len(m):
            anchor_of = instances.set_index("instance_id")[anchor]
            m["matched_by"] = "case"
            m["days_after"] = _days(m[time_column], m["instance_id"].map(anchor_of))
            parts.append(m)
            done[m["__row"].to_numpy()] = True
    if by in ("auto", "customer") and "customer_id" in rows and "customer_id" in instances:
        rest = rows[~done].dropna(subset=["customer_id"])
        if time_column in rest:
            rest = rest.dropna(subset=[time_column])
        cand = rest.merge(
            instances[["instance_id", "customer_id", anchor]].dropna(subset=["customer_id"]),
            on="customer_id",
            how="inner",
        )
        if len(cand):
            cand["days_after"] = _days(cand[time_column], cand[anchor])
            cand = cand[(cand["days_after"] >= lo) & (cand["days_after"] <= hi)]
            cand = cand.assign(__d=cand["days_after"].abs()).sort_values(["__row", "__d"])
            cand = cand.drop_duplicates("__row").drop(columns=["__d", anchor])
            cand["matched_by"] = "customer"
            parts.append(cand)
            done[cand["__row"].to_numpy()] = True
    matched = (
        pd.concat(parts, ignore_index=True).sort_values("__row")
        if parts
        else rows.iloc[:0].assign(instance_id=None, matched_by=None, days_after=np.nan)
    )
    unmatched = rows[~done].copy()
    unmatched["reason"] = _unmatched_reason(unmatched, instances, by, lo, hi, time_column)
    return Joined(
        matched=matched.drop(columns="__row").reset_index(drop=True),
        unmatched=unmatched.drop(columns="__row").reset_index(drop=True),
        by=by,
        window=(lo, hi),
        anchor=anchor,
    )


def _days(later: pd.Series, earlier: pd.Series) -> pd.Series:
    delta = pd.to_datetime(later).to_numpy() - pd.to_datetime(earlier).to_numpy()
    return pd.Series(delta / np.timedelta64(1, "s") / 86400.0, index=later.index)


def _unmatched_reason(rows, instances, by, lo, hi, time_column) -> list[str]:
    known_customers = (
        set(instances["customer_id"].dropna()) if "customer_id" in instances else set()
    )
    out = []
    for case, cust, when in zip(
        rows.get("case_id", pd.Series([None] * len(rows))),
        rows.get("customer_id", pd.Series([None] * len(rows))),
        rows.get(time_column, pd.Series([None] * len(rows))),
        strict=True,
    ):
        if by == "case" or (by == "auto" and _present(case) and not _present(cust)):
            out.append("no journey instance with this case id")
        elif not _present(cust):
            out.append("no customer id, and no journey instance with this case id")
        elif cust not in known_customers:
            out.append("no journey instance of this customer")
        elif not _present(when):
            out.append("no date to place it in the window")
        else:
            out.append(f"no journey instance of this customer within {lo:g} to {hi:g} days")
    return out


def _present(v: Any) -> bool:
    return v is not None and not (isinstance(v, float) and math.isnan(v)) and v is not pd.NaT


def voice_table(
    ws: Workspace,
    journey: str,
    *,
    surveys: str | Sequence[str] | None = None,
    outcomes: str | Sequence[str] | None = None,
    by: JoinBy = "auto",
    anchor: Anchor = "end",
    window: tuple[float, float] = RESPONSE_WINDOW,
    outcome_window: tuple[float, float] = OUTCOME_WINDOW,
    filters: Any = None,
) -> pd.DataFrame:
    """The journey's instances with one score column per survey and one flag per outcome.

    A survey column holds the instance's score (the latest response when there are several;
    missing when the customer did not answer); an outcome column (e.g. ``churn``) is True
    when the outcome followed the instance within ``outcome_window`` days of its end (or
    matched its case id).  ``df.attrs["joins"]`` holds each join's :meth:`Joined.to_dict`.

    Examples
    --------
    >>> df = voice_table(ws, "new_connection")  # doctest: +SKIP
    >>> df[["n_contacts", "nps_journey", "churn"]].head()  # doctest: +SKIP
    """
    inst = ws.journey(journey).instances(filters)
    resp = _frame(ws, RESPONSES_DDL, "responses")
    outc = _frame(ws, OUTCOMES_DDL, "outcomes")
    joins: dict[str, Any] = {}
    names = _pick(surveys, resp, "survey", "surveys")
    for name in names:
        j = join_responses(inst, resp[resp["survey"] == name], by=by, anchor=anchor, window=window)
        joins[name] = j.to_dict()
        latest = j.matched.sort_values("responded_at").drop_duplicates("instance_id", keep="last")
        col = name if name not in inst else f"{name}_score"
        inst[col] = inst["instance_id"].map(latest.set_index("instance_id")["score"])
    for name in _pick(outcomes, outc, "outcome", "outcomes"):
        j = join_responses(
            inst,
            outc[outc["outcome"] == name],
            by=by,
            anchor="end",
            window=outcome_window,
            time_column="date",
        )
        joins[name] = j.to_dict()
        col = name if name not in inst else f"{name}_outcome"
        inst[col] = inst["instance_id"].isin(set(j.matched["instance_id"]))
    inst.attrs["joins"] = joins
    inst.attrs["surveys"] = {n: _survey_meta(resp, n) for n in names}
    return inst


def _pick(wanted, frame: pd.DataFrame, column: str, what: str) -> list[str]:
    have = sorted(frame[column].dropna().unique()) if column in frame else []
    if wanted is None:
        return have
    wanted = [wanted] if isinstance(wanted, str) else list(wanted)
    unknown = [w for w in wanted if w not in have]
    if unknown:
        raise InputError(
            f"no {what} named {', '.join(map(repr, unknown))} in the workspace; {what}: "
            f"{', '.join(have) or 'none (import them with journeylens voice import)'}"
        )
    return wanted


def _survey_meta(resp: pd.DataFrame, name: str) -> dict[str, Any]:
    rows = resp[resp["survey"] == name]
    return {
        "metric": str(rows["metric"].iloc[0]),
        "scale": (float(rows["scale_min"].iloc[0]), float(rows["scale_max"].iloc[0])),
    }


# --------------------------------------------------------------------------- metrics


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
    for key, g in groups:
        key = key if isinstance(key, tuple) else (key,)
        s = score_summary(g[column], metric=metric, scale=scale)
        units = len(g)
        row = dict(zip(keys, key, strict=True))
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
    return len(v) > 0 and v.isin([0, 1, True, False]).all() and v.nunique() <= 2


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
    column = survey or outcome
    meta = table.attrs["surveys"].get(column, {})
    keys = [by] if isinstance(by, str) else list(by or [])
    if "touchpoint" in keys and "touchpoint" not in table:
        ev = ws.journey(journey).events().select("instance_id", "touchpoint").distinct()
        tp = ev.to_pandas().dropna()
        table = table.merge(tp, on="instance_id", how="inner")
    if "stage" in keys and "stage" not in table:
        stage_cols = [c for c in table if c.startswith("stage_") and c.endswith("_s")]
        stages = ws.journey(journey).definition.stages
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


# --------------------------------------------------------------------------- root causes


def root_causes(
    table: pd.DataFrame,
    target: str | pd.Series,
    *,
    low: float | None = None,
    attributes: Sequence[str] | None = None,
    min_support: int = 30,
    unit: str = "journey",
    seed: int = 0,
):
    """Case attributes over-represented among low-score (or slow, or churned) journeys.

    ``target`` is a column: a score (with ``low``, the highest score that counts as low; or
    a boolean column such as ``churn``; or a duration (slow = top quartile).  Rows without a
    score are left out.  Delegates to :func:`journeylens.causes.find_causes`: lift with
    Wilson intervals, minimum support, false-discovery correction, plain-language findings.

    Examples
    --------
    >>> res = root_causes(voice_table(ws, "new_connection"), "csat_install", low=4)  # doctest: +SKIP
    >>> res.sentences()  # doctest: +SKIP
    """
    from journeylens.causes import find_causes

    df = table
    name = target if isinstance(target, str) else (target.name or "target")
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
        attributes = [c for c in table if c in case_attrs and c not in constant]
        attributes += ["start_channel"] if "start_channel" in table else []
    return root_causes(table, target, low=low, attributes=attributes, min_support=min_support)
