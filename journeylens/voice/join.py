"""Survey responses and outcomes joined to journey instances (by case id or customer window).

* **Join** (:func:`join_responses`, :func:`voice_table`): a response belongs to the journey
  instance holding its case id, or — without a case id — to the customer's instance whose end
  (or start) lies within a window before the response (e.g. NPS up to 45 days after the end).
  Unmatched responses are reported and kept.
Imports live in :mod:`journeylens.voice.imports`, metrics in :mod:`journeylens.voice.metrics`,
root causes in :mod:`journeylens.voice.causes`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import duckdb
import numpy as np
import pandas as pd

from journeylens._util.sql import has_table
from journeylens.errors import InputError
from journeylens.journeys.journey import workspace_journey
from journeylens.voice.imports import (
    OUTCOMES_DDL,
    RESPONSES_DDL,
)

if TYPE_CHECKING:
    from journeylens.mining.filters import Filter
    from journeylens.store.workspace import WorkspaceStore as Workspace

__all__ = [
    "Joined",
    "join_responses",
    "outcomes_frame",
    "responses_frame",
    "unmatched_responses",
    "voice_table",
]

JoinBy = Literal["auto", "case", "customer"]
Anchor = Literal["end", "start"]
#: Default window (days after the anchor) of a customer-id join of responses and outcomes.
RESPONSE_WINDOW = (0.0, 45.0)
OUTCOME_WINDOW = (0.0, 90.0)


def _frame(ws: Workspace, ddl: str, name: str) -> pd.DataFrame:
    if not has_table(ws.con, name):
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
    filters: Filter | None = None,
    variant_family: bool = True,
) -> pd.DataFrame:
    """The journey's instances with one score column per survey and one flag per outcome.

    A survey column holds the instance's score (the latest response when there are several;
    missing when the customer did not answer); an outcome column (e.g. ``churn``) is True
    when the outcome followed the instance within ``outcome_window`` days of its end (or
    matched its case id).  ``df.attrs["joins"]`` holds each join's :meth:`Joined.to_dict`.
    ``variant_family`` adds the instance's variant family label (the eight most frequent
    families with at least 1% of the instances, the rest ``other``; see
    :meth:`journeylens.journeys.Journey.variant_families`), a category for drivers, splits
    and metrics ``by="variant_family"``.

    Examples
    --------
    >>> df = voice_table(ws, "new_connection")  # doctest: +SKIP
    >>> df[["n_contacts", "nps_journey", "churn"]].head()  # doctest: +SKIP
    """
    j = workspace_journey(ws, journey)
    inst = j.instances(filters)
    if variant_family:
        fam = j.instance_families(filters).set_index("instance_id")["variant_family"]
        inst["variant_family"] = inst["instance_id"].map(fam)
    resp = _frame(ws, RESPONSES_DDL, "responses")
    outc = _frame(ws, OUTCOMES_DDL, "outcomes")
    joins: dict[str, Any] = {}
    names = _pick(surveys, resp, "survey", "surveys")
    for name in names:
        joined = join_responses(
            inst, resp[resp["survey"] == name], by=by, anchor=anchor, window=window
        )
        joins[name] = joined.to_dict()
        latest = joined.matched.sort_values("responded_at").drop_duplicates(
            "instance_id", keep="last"
        )
        col = name if name not in inst else f"{name}_score"
        inst[col] = inst["instance_id"].map(latest.set_index("instance_id")["score"])
    for name in _pick(outcomes, outc, "outcome", "outcomes"):
        joined = join_responses(
            inst,
            outc[outc["outcome"] == name],
            by=by,
            anchor="end",
            window=outcome_window,
            time_column="date",
        )
        joins[name] = joined.to_dict()
        col = name if name not in inst else f"{name}_outcome"
        inst[col] = inst["instance_id"].isin(set(joined.matched["instance_id"]))
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


def unmatched_responses(
    ws: Workspace,
    *,
    by: JoinBy = "auto",
    window: tuple[float, float] = RESPONSE_WINDOW,
) -> pd.DataFrame:
    """Responses that belong to no instance of any journey of the workspace, with the reason.

    They stay in ``responses``; this says which ones the journey analyses cannot use (a case
    id that no journey selects, a customer without a journey in the window ...).

    Examples
    --------
    >>> unmatched_responses(ws)["reason"].value_counts()  # doctest: +SKIP
    """
    resp = _frame(ws, RESPONSES_DDL, "responses")
    names = ws.journey_names()
    if not names or resp.empty:
        out = resp.copy()
        out["reason"] = "no journey defined" if not names else None
        return out
    cols = ["instance_id", "case_ids", "customer_id", "start", "end"]
    frames = []
    for name in names:
        inst = workspace_journey(ws, name).instances()
        inst = inst[[c for c in cols if c in inst]].copy()
        inst["instance_id"] = name + ":" + inst["instance_id"].astype(str)
        frames.append(inst)
    j = join_responses(pd.concat(frames, ignore_index=True), resp, by=by, window=window)
    return j.unmatched
