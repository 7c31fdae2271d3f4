"""Bottlenecks (private; public through :mod:`journeylens.diagnose.diagnosis`).

The waits between work steps that make up most of the end-to-end time: per transition
(previous activity → activity), with hand-offs between departments marked, their share of all
waiting, their trend by month or week, and whether they behave like a queue (the wait grows
with the day's workload) or a batch (waits end at a few fixed clock times).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import ibis
import numpy as np
import pandas as pd
from scipy import stats as sps

from journeylens._util.fmt import share
from journeylens._util.plain import records
from journeylens.diagnose.steps import steps
from journeylens.errors import InputError
from journeylens.mining.cases import _quantile, case_table

Period = Literal["month", "week"]


@dataclass
class Bottlenecks:
    """Waits ranked by their share of all waiting time.

    ``table``: ``from``, ``to``, ``from_department``, ``to_department``, ``handoff``, ``count``,
    ``cases``, ``total_wait_s``, ``share_of_wait``, ``mean_wait_s``, ``median_wait_s``,
    ``p90_wait_s``, ``mean_processing_s``, ``trend`` (relative change of the mean wait from the
    first to the last full period), ``behaviour`` (``queueing``, ``batching`` or ``steady``) and
    ``evidence``.  ``trend_table``: mean wait per period of the top transitions.
    ``handoffs``: the same totals per pair of departments.
    """

    table: pd.DataFrame
    trend_table: pd.DataFrame
    handoffs: pd.DataFrame
    total_wait_s: float
    total_duration_s: float
    period: str
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "total_wait_s": self.total_wait_s,
            "total_duration_s": self.total_duration_s,
            "period": self.period,
            "bottlenecks": records(self.table),
            "trend": records(self.trend_table),
            "handoffs": records(self.handoffs),
            "notes": self.notes,
        }

    def __repr__(self) -> str:
        from journeylens._util.fmt import duration as h

        lines = [f"Bottlenecks ({len(self.table)} waits; {h(self.total_wait_s)} waiting in all)"]
        r: Any  # a row of itertuples(): pandas-stubs cannot know its fields
        for r in self.table.head(5).itertuples():
            lines.append(
                f"  {r._1} → {r.to}: {share(r.share_of_wait)} of waiting, median "
                f"{h(r.median_wait_s)}, {r.behaviour}"
            )
        return "\n".join(lines)


def bottlenecks(
    events,
    *,
    contacts: Sequence[str] | None = None,
    period: Period = "month",
    top: int = 15,
    min_count: int = 20,
) -> Bottlenecks:
    """The waits that contribute most to end-to-end time.

    Parameters
    ----------
    events
        Canonical events (an Ibis table, an event log, or ``ws.events``).
    contacts
        Glob patterns of customer contacts (skipped: they happen *during* waits); default:
        customer calls, chats and emails of a "Customer" department.
    period
        ``"month"`` or ``"week"`` for the trend.
    top
        Number of transitions kept (ranked by total wait).
    min_count
        Transitions seen fewer times are left out.

    Examples
    --------
    >>> from journeylens.store.eventlog import read_events
    >>> from journeylens.diagnose.diagnosis import bottlenecks
    >>> b = bottlenecks(read_events("tests/data/helpdesk.csv").table)  # doctest: +SKIP
    >>> b.table[["from", "to", "share_of_wait"]].head(3)  # doctest: +SKIP
    """
    if period not in ("month", "week"):
        raise InputError(f"period must be 'month' or 'week', got {period!r}")
    if top < 1:
        raise InputError(f"top must be at least 1, got {top}")
    st = steps(events, contacts=contacts)
    st = st.filter(st.prev_activity.notnull())
    totals = st.aggregate(total=st.wait_s.sum()).to_pandas()
    total_wait = float(totals["total"].iloc[0] or 0.0)
    ct = case_table(getattr(events, "table", events))
    total_duration = float(ct.aggregate(t=ct.duration_s.sum()).to_pandas()["t"].iloc[0] or 0.0)
    grouped = (
        st.group_by(["prev_activity", "activity"])
        .agg(
            from_department=st.prev_department.arbitrary(),
            to_department=st.department.arbitrary(),
            handoffs=(st.prev_department != st.department).fill_null(False).sum(),
            count=st.count(),
            cases=st.case_id.nunique(),
            total_wait_s=st.wait_s.sum(),
            mean_wait_s=st.wait_s.mean(),
            median_wait_s=_quantile(st.wait_s, 0.5, "exact"),
            p90_wait_s=_quantile(st.wait_s, 0.9, "exact"),
            mean_processing_s=st.processing_s.mean(),
        )
        .filter(lambda t: t["count"] >= min_count)
        .order_by([ibis.desc("total_wait_s"), "prev_activity", "activity"])
        .limit(top)
        .to_pyarrow()
        .to_pandas()
        .rename(columns={"prev_activity": "from", "activity": "to"})
    )
    grouped["handoff"] = grouped["handoffs"] > grouped["count"] / 2
    grouped = grouped.drop(columns="handoffs")
    grouped["share_of_wait"] = grouped["total_wait_s"] / total_wait if total_wait else np.nan
    grouped["share_of_duration"] = (
        grouped["total_wait_s"] / total_duration if total_duration else np.nan
    )
    trend_table = _trend(st, grouped, period)
    behaviours = _behaviour(st, grouped)
    grouped = grouped.merge(behaviours, on=["from", "to"], how="left")
    grouped = grouped.merge(_trend_change(trend_table), on=["from", "to"], how="left")
    handoffs = _handoffs(st, total_wait)
    cols = [
        "from",
        "to",
        "from_department",
        "to_department",
        "handoff",
        "count",
        "cases",
        "total_wait_s",
        "share_of_wait",
        "share_of_duration",
        "mean_wait_s",
        "median_wait_s",
        "p90_wait_s",
        "mean_processing_s",
        "trend",
        "behaviour",
        "evidence",
    ]
    return Bottlenecks(
        table=grouped[cols].reset_index(drop=True),
        trend_table=trend_table,
        handoffs=handoffs,
        total_wait_s=total_wait,
        total_duration_s=total_duration,
        period=period,
    )


def _top_steps(st, grouped: pd.DataFrame, limit: int = 8) -> pd.DataFrame:
    """The individual waits of the top transitions (small: a few columns)."""
    pairs = grouped.head(limit)[["from", "to"]]
    if pairs.empty:
        return pd.DataFrame(columns=["from", "to", "ready", "begin", "wait_s"])
    cond = ibis.literal(False)
    for a, b in pairs.itertuples(index=False):
        cond = cond | ((st.prev_activity == a) & (st.activity == b))
    sel = st.filter(cond).select(
        "prev_activity", "activity", ready=st.prev_timestamp, begin=st.begin, wait_s=st.wait_s
    )
    out = sel.to_pyarrow().to_pandas()
    return out.rename(columns={"prev_activity": "from", "activity": "to"})


def _trend(st, grouped: pd.DataFrame, period: str) -> pd.DataFrame:
    frame = _top_steps(st, grouped)
    if frame.empty:
        return pd.DataFrame(columns=["from", "to", "period", "count", "mean_wait_s"])
    freq = "M" if period == "month" else "W"
    frame["period"] = frame["begin"].dt.to_period(freq).astype(str)
    out = (
        frame.groupby(["from", "to", "period"], sort=True)
        .agg(count=("wait_s", "size"), mean_wait_s=("wait_s", "mean"))
        .reset_index()
    )
    return out


def _trend_change(trend: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for (a, b), g in trend.groupby(["from", "to"]):
        g = g[g["count"] >= max(5, g["count"].median() * 0.3)]
        # First three periods against the last three: one odd month does not make a trend.
        if len(g) >= 6 and g["mean_wait_s"].iloc[:3].mean() > 0:
            change = g["mean_wait_s"].iloc[-3:].mean() / g["mean_wait_s"].iloc[:3].mean() - 1
        else:
            change = np.nan
        rows.append({"from": a, "to": b, "trend": change})
    return pd.DataFrame(rows, columns=["from", "to", "trend"])


def _behaviour(st, grouped: pd.DataFrame) -> pd.DataFrame:
    """Queueing (daily wait rises with daily arrivals) vs batching (waits end at fixed times)."""
    frame = _top_steps(st, grouped)
    rows = []
    for (a, b), g in frame.groupby(["from", "to"]):
        g = g.dropna(subset=["ready", "begin"])
        verdict, evidence = "steady", ""
        # Batching: the ends of the waits cluster in a few 10-minute clock slots.
        slot = (g["begin"].dt.hour * 6 + g["begin"].dt.minute // 10).to_numpy()
        counts = np.bincount(slot, minlength=144)
        used = int((counts > 0).sum())
        top_share = float(counts.max() / counts.sum()) if counts.sum() else 0.0
        # Queueing: days with more arrivals have longer waits.
        days = g.assign(day=g["ready"].dt.floor("D")).groupby("day")
        daily = pd.DataFrame({"arrivals": days.size(), "wait": days["wait_s"].mean()})
        daily = daily[daily["arrivals"] > 0]
        rho, p = (np.nan, 1.0)
        if len(daily) >= 10 and daily["arrivals"].nunique() > 2:
            res = sps.spearmanr(daily["arrivals"], daily["wait"])
            rho, p = float(res.statistic), float(res.pvalue)
        if len(g) >= 30 and top_share >= 0.3 and used >= 1:
            clock = int(np.argmax(counts))
            verdict = "batching"
            evidence = (
                f"{share(top_share)} of these waits end at {clock // 6:02d}:{clock % 6 * 10:02d}–"
                f"{clock // 6:02d}:{clock % 6 * 10 + 9:02d}"
            )
        elif np.isfinite(rho) and rho >= 0.3 and p < 0.01:
            verdict = "queueing"
            evidence = f"days with more arrivals wait longer (Spearman ρ = {rho:.2f})"
        else:
            evidence = (
                f"no link with daily workload (ρ = {rho:.2f}); no fixed clock time "
                f"(busiest 10 minutes: {share(top_share)})"
                if np.isfinite(rho)
                else "too few days to judge"
            )
        rows.append({"from": a, "to": b, "behaviour": verdict, "evidence": evidence})
    return pd.DataFrame(rows, columns=["from", "to", "behaviour", "evidence"])


def _handoffs(st, total_wait: float) -> pd.DataFrame:
    moves = st.filter(
        st.prev_department.notnull()
        & st.department.notnull()
        & (st.prev_department != st.department)
    )
    out = (
        moves.group_by(["prev_department", "department"])
        .agg(
            count=moves.count(),
            total_wait_s=moves.wait_s.sum(),
            median_wait_s=_quantile(moves.wait_s, 0.5, "exact"),
        )
        .to_pyarrow()
        .to_pandas()
        .rename(columns={"prev_department": "from_department", "department": "to_department"})
    )
    out["share_of_wait"] = out["total_wait_s"] / total_wait if total_wait else np.nan
    return out.sort_values(
        ["total_wait_s", "from_department", "to_department"], ascending=[False, True, True]
    ).reset_index(drop=True)
