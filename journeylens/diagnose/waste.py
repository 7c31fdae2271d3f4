"""Waste (private; public through :mod:`journeylens.diagnose.diagnosis`).

* **Rework loops**: a piece of work done again in the same case.  A failed attempt and the
  retry count as the same work ("Technician visit failed" … "Technician visit"); the loop's
  body is what happened in between (e.g. "Order details corrected → Appointment rescheduled").
* **Repeated requests**: the same customer request (whatever the channel) made more than once
  in a case — failure demand, e.g. "where is my order?" asked three times.
* **Approvals that almost never reject**: check/approve/review/validate steps after which a
  rejection-like step (rejected, declined, failed, corrected, returned) almost never follows.
* **Ping-pong** between departments (:func:`journeylens.mining.stats.ping_pong`).
* **Non-value-adding time** by value class, when journeys with value classes are defined.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import ibis
import numpy as np
import pandas as pd

from journeylens._util.fmt import share
from journeylens._util.patterns import column_matches
from journeylens._util.plain import records
from journeylens.diagnose.steps import (
    is_contact,
    months,
    normalise,
    request_key,
    steps,
)
from journeylens.mining.cases import _BASE, _require
from journeylens.schema import ACTIVITY, CASE, TIMESTAMP

if TYPE_CHECKING:
    from journeylens.mining.filters import Filter

APPROVALS: tuple[str, ...] = (
    "*check*",
    "*approv*",
    "*review*",
    "*validat*",
    "*verif*",
    "*assess*",
    "*authori*",
    "*investigat*",
)
REJECTIONS: tuple[str, ...] = (
    "*reject*",
    "*declin*",
    "*denied*",
    "*refus*",
    "*fail*",
    "*correct*",
    "*return*",
    "*cancel*",
)


@dataclass
class Waste:
    """Rework loops, repeated requests, rubber-stamp approvals, ping-pong, value classes.

    Every table is a pandas DataFrame ranked worst first; ``findings`` sums them up as
    ``{"kind", "title", "evidence", "cases", "hours_per_month"}`` dictionaries, worst first.
    """

    rework: pd.DataFrame
    repeated_requests: pd.DataFrame
    approvals: pd.DataFrame
    ping_pong: pd.DataFrame
    value_classes: pd.DataFrame | None
    cases: int
    months: float
    findings: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "cases": self.cases,
            "months": self.months,
            "rework": records(self.rework),
            "repeated_requests": records(self.repeated_requests),
            "approvals": records(self.approvals),
            "ping_pong": records(self.ping_pong),
            "value_classes": None if self.value_classes is None else records(self.value_classes),
            "findings": self.findings,
        }

    def __repr__(self) -> str:
        lines = [f"Waste in {self.cases:,} cases over {self.months:.1f} months"]
        lines += [f"  - {f['title']}: {f['evidence']}" for f in self.findings[:8]]
        return "\n".join(lines)


def rework_loops(events, *, contacts: Sequence[str] | None = None, top: int = 10) -> pd.DataFrame:
    """Work done again in the same case, with the loop's body and its time.

    Returns ``loop`` (the work, failure words removed), ``cases``, ``share_of_cases``,
    ``extra_executions``, ``total_loop_s`` / ``mean_loop_s`` (from the end of the first
    attempt to the end of the last), ``share_of_duration`` (of all cases' end-to-end time),
    ``body`` (the most common sequence between attempts), ``body_share``, ``bodies`` (top 3),
    ``inside`` (activities seen inside the loops, with the share of loops they occur in) and
    ``contact_between`` (share of loops with a customer contact between attempts).
    """
    events = _require(events, _BASE, caller="rework_loops")
    acts = events.select(ACTIVITY).distinct().to_pyarrow().column(0).to_pylist()
    mapping = ibis.memtable(pd.DataFrame({"activity": acts, "_norm": [normalise(a) for a in acts]}))
    st = steps(events, contacts=contacts)
    st = st.left_join(mapping, st.activity == mapping.activity).select(*st.columns, "_norm")
    per = st.group_by(["case_id", "_norm"]).agg(n=st.count())
    repeated = per.filter(per.n >= 2)
    cases_rep = repeated.select("case_id").distinct()
    n_cases = int(events.select(CASE).distinct().count().to_pyarrow().as_py())
    total_dur = _total_duration(events)
    if int(repeated.count().to_pyarrow().as_py()) == 0:
        return _empty_rework()
    affected = st.semi_join(cases_rep, "case_id").select(
        "case_id", "activity", "_norm", "timestamp", "department"
    )
    frame = affected.to_pyarrow().to_pandas()
    contact_ev = events.filter(is_contact(events, contacts)).semi_join(cases_rep, CASE)
    contact_ts = contact_ev.select(CASE, TIMESTAMP).to_pyarrow().to_pandas()
    contact_by_case = {c: g[TIMESTAMP].to_numpy() for c, g in contact_ts.groupby(CASE)}
    rep_keys = repeated.select("case_id", "_norm").to_pyarrow().to_pandas()
    rep_set = set(zip(rep_keys["case_id"], rep_keys["_norm"], strict=True))
    frame = frame.sort_values(["case_id", "timestamp"], kind="stable")
    loops = []
    for case, g in frame.groupby("case_id", sort=False):
        norms = g["_norm"].to_numpy()
        acts_ = g["activity"].to_numpy()
        ts = g["timestamp"].to_numpy()
        for key in {n for n in norms if (case, n) in rep_set}:
            idx = np.flatnonzero(norms == key)
            first, last = idx[0], idx[-1]
            body = " → ".join(acts_[first : idx[1] + 1])
            inside = set(acts_[first + 1 : last]) - {key}
            cts = contact_by_case.get(case)
            between = bool(cts is not None and ((cts > ts[first]) & (cts < ts[last])).any())
            loops.append(
                {
                    "loop": key,
                    "case_id": case,
                    "extra": len(idx) - 1,
                    "loop_s": (ts[last] - ts[first]) / np.timedelta64(1, "s"),
                    "body": body,
                    "inside": sorted(inside),
                    "contact": between,
                }
            )
    lf = pd.DataFrame(loops)
    rows = []
    for key, g in lf.groupby("loop"):
        bodies = g["body"].value_counts()
        shares = pd.Series([a for lst in g["inside"] for a in lst]).value_counts() / len(g)
        rows.append(
            {
                "loop": key,
                "cases": g["case_id"].nunique(),
                "share_of_cases": g["case_id"].nunique() / n_cases,
                "extra_executions": int(g["extra"].sum()),
                "total_loop_s": float(g["loop_s"].sum()),
                "mean_loop_s": float(g["loop_s"].mean()),
                "share_of_duration": float(g["loop_s"].sum()) / total_dur if total_dur else np.nan,
                "body": bodies.index[0],
                "body_share": float(bodies.iloc[0] / len(g)),
                "bodies": [
                    {"body": b, "share": float(c / len(g))} for b, c in bodies.head(3).items()
                ],
                "inside": {a: float(s) for a, s in shares.head(5).items()},
                "contact_between": float(g["contact"].mean()),
            }
        )
    out = pd.DataFrame(rows).sort_values(["total_loop_s", "loop"], ascending=[False, True])
    return out.head(top).reset_index(drop=True)


def _empty_rework() -> pd.DataFrame:
    return pd.DataFrame(
        columns=[
            "loop",
            "cases",
            "share_of_cases",
            "extra_executions",
            "total_loop_s",
            "mean_loop_s",
            "share_of_duration",
            "body",
            "body_share",
            "bodies",
            "inside",
            "contact_between",
        ]
    )


def _total_duration(events) -> float:
    from journeylens.mining.cases import case_table

    ct = case_table(events)
    return float(ct.aggregate(t=ct.duration_s.sum()).to_pandas()["t"].iloc[0] or 0.0)


def repeated_requests(events, *, contacts: Sequence[str] | None = None) -> pd.DataFrame:
    """The same customer request made more than once in a case (any channel).

    Returns ``request``, ``cases`` (cases with the request), ``cases_repeated`` (asked twice
    or more), ``share_repeated``, ``repeat_contacts`` (contacts beyond the first),
    ``contacts``, ``channels`` (activities folded into the request).
    """
    events = _require(events, _BASE, caller="repeated_requests")
    ce = events.filter(is_contact(events, contacts))
    counts = ce.group_by([CASE, ACTIVITY]).agg(n=ce.count()).to_pyarrow().to_pandas()
    cols = [
        "request",
        "cases",
        "cases_repeated",
        "share_repeated",
        "repeat_contacts",
        "contacts",
        "channels",
    ]
    if counts.empty:
        return pd.DataFrame(columns=cols)
    counts["request"] = counts[ACTIVITY].map(request_key)
    per = counts.groupby([CASE, "request"])["n"].sum().reset_index()
    rows = []
    for req, g in per.groupby("request"):
        rep = g[g["n"] >= 2]
        rows.append(
            {
                "request": req,
                "cases": len(g),
                "cases_repeated": len(rep),
                "share_repeated": len(rep) / len(g),
                "repeat_contacts": int((rep["n"] - 1).sum()),
                "contacts": int(g["n"].sum()),
                "channels": sorted(counts.loc[counts["request"] == req, ACTIVITY].unique()),
            }
        )
    out = pd.DataFrame(rows, columns=cols)
    return out.sort_values(["repeat_contacts", "request"], ascending=[False, True]).reset_index(
        drop=True
    )


def rubber_stamps(
    events,
    *,
    contacts: Sequence[str] | None = None,
    approvals: Sequence[str] = APPROVALS,
    rejections: Sequence[str] = REJECTIONS,
    max_reject_rate: float = 0.02,
    min_count: int = 30,
) -> pd.DataFrame:
    """Approval-like steps after which a rejection-like step (almost) never follows.

    Returns ``activity``, ``count``, ``rejections`` (directly followed by a rejection-like
    activity), ``reject_rate``, ``next`` (the usual next step and its share),
    ``mean_wait_s`` / ``mean_processing_s`` (what the step costs each time), ``rubber_stamp``
    (reject rate at most ``max_reject_rate``), sorted rubber stamps first, by volume.
    """
    st = steps(events, contacts=contacts)
    w = ibis.window(group_by=st.case_id, order_by=[st.timestamp, st.begin])
    nxt = st.mutate(next_activity=st.activity.lead().over(w))
    cand = nxt.filter(column_matches(nxt.activity, approvals))
    cand = cand.mutate(
        rejected=column_matches(cand.next_activity.fill_null(""), rejections)
        & ~column_matches(cand.activity, rejections)
    )
    stats = (
        cand.group_by("activity")
        .agg(
            count=cand.count(),
            rejections=cand.rejected.cast("int64").sum(),
            mean_wait_s=cand.wait_s.mean(),
            mean_processing_s=cand.processing_s.mean(),
        )
        .to_pyarrow()
        .to_pandas()
    )
    cols = [
        "activity",
        "count",
        "rejections",
        "reject_rate",
        "next",
        "next_share",
        "mean_wait_s",
        "mean_processing_s",
        "rubber_stamp",
    ]
    if stats.empty:
        return pd.DataFrame(columns=cols)
    nexts = (
        cand.group_by(["activity", "next_activity"]).agg(n=cand.count()).to_pyarrow().to_pandas()
    )
    top_next = nexts.sort_values(["activity", "n"], ascending=[True, False]).drop_duplicates(
        "activity"
    )
    stats = stats.merge(
        top_next.rename(columns={"next_activity": "next", "n": "next_n"}), on="activity"
    )
    stats["next_share"] = stats["next_n"] / stats["count"]
    stats["reject_rate"] = stats["rejections"] / stats["count"]
    stats = stats[stats["count"] >= min_count]
    stats["rubber_stamp"] = stats["reject_rate"] <= max_reject_rate
    return (
        stats[cols]
        .sort_values(["rubber_stamp", "count", "activity"], ascending=[False, False, True])
        .reset_index(drop=True)
    )


def value_class_time(ws, *, filters: Filter | None = None) -> pd.DataFrame | None:
    """Where each journey's time goes, by value class (needs journeys), else None.

    Uses the journey's decomposition of end-to-end time (:meth:`Journey.events`): processing
    counts in the value class of its touchpoint; waiting (in a lane or at a hand-off) is
    non-value-adding; rework is time spent on work done again.  Returns ``journey``,
    ``value_class``, ``time_s`` and ``share`` of the journey's total.
    """
    names = getattr(ws, "journey_names", None)
    if names is None:
        return None
    rows = []
    parts = ("processing_part_s", "wait_lane_part_s", "wait_handoff_part_s", "rework_part_s")
    for name in names():
        ev = ws.journey(name).events(filters)
        if "value_class" not in ev.columns or not all(p in ev.columns for p in parts):
            continue
        agg = (
            ev.group_by(ev.value_class.fill_null("unclassified").name("value_class"))
            .agg(
                processing_s=ev.processing_part_s.sum(),
                wait_s=(ev.wait_lane_part_s + ev.wait_handoff_part_s).sum(),
                rework_s=ev.rework_part_s.sum(),
            )
            .to_pyarrow()
            .to_pandas()
        )
        total = float(agg[["processing_s", "wait_s", "rework_s"]].to_numpy().sum())
        pieces = [(r.value_class, float(r.processing_s)) for r in agg.itertuples()]
        pieces.append(("waiting (non-value-adding)", float(agg["wait_s"].sum())))
        pieces.append(("rework (non-value-adding)", float(agg["rework_s"].sum())))
        for value_class, seconds in pieces:
            rows.append(
                {
                    "journey": name,
                    "value_class": f"{value_class} work"
                    if not value_class.startswith(("waiting", "rework"))
                    else value_class,
                    "time_s": seconds,
                    "share": seconds / total if total else np.nan,
                }
            )
    if not rows:
        return None
    return pd.DataFrame(rows, columns=["journey", "value_class", "time_s", "share"])


def waste(
    events,
    *,
    contacts: Sequence[str] | None = None,
    workspace: Any = None,
    filters: Filter | None = None,
) -> Waste:
    """Rework loops, repeated requests, rubber-stamp approvals, ping-pong and value classes.

    Parameters
    ----------
    events
        Canonical events (Ibis table, event log, or ``ws.events``).
    contacts
        Glob patterns of customer-initiated contacts (default: customer calls, chats, emails).
    workspace
        The workspace, for the value classes of its journeys (optional).
    filters
        The filters ``events`` were selected with, applied to the journeys' events too.
    """
    from journeylens.mining.stats import ping_pong

    events = _require(events, _BASE, caller="waste")
    n_cases = int(events.select(CASE).distinct().count().to_pyarrow().as_py())
    span = months(events)
    rework = rework_loops(events, contacts=contacts)
    requests = repeated_requests(events, contacts=contacts)
    stamps = rubber_stamps(events, contacts=contacts)
    work = events.filter(~is_contact(events, contacts))
    pp = (
        ping_pong(work, by="department")
        if "department" in events.columns
        and int(work.filter(work.department.notnull()).count().to_pyarrow().as_py())
        else pd.DataFrame(columns=["a", "b", "occurrences", "cases"])
    )
    if len(pp):
        pp["share_of_cases"] = pp["cases"] / n_cases
    values = None
    if workspace is not None:
        try:
            values = value_class_time(workspace, filters=filters)
        except Exception:
            values = None
    findings = _findings(rework, requests, stamps, pp, values, span, n_cases)
    return Waste(
        rework=rework,
        repeated_requests=requests,
        approvals=stamps,
        ping_pong=pp,
        value_classes=values,
        cases=n_cases,
        months=span,
        findings=findings,
    )


def _findings(rework, requests, stamps, pp, values, span, n_cases) -> list[dict[str, Any]]:
    from journeylens._util.fmt import duration as h

    out: list[dict[str, Any]] = []
    for r in rework.itertuples():
        inside = ", ".join(f"{a} in {share(s)}" for a, s in list(r.inside.items())[:3])
        out.append(
            {
                "kind": "rework",
                "title": f"Rework loop: {r.loop}",
                "evidence": (
                    f"{r.cases:,} cases ({share(r.share_of_cases)}) do '{r.loop}' again; "
                    f"{h(r.mean_loop_s)} lost per loop, {share(r.share_of_duration)} of all "
                    f"end-to-end time; usual loop: {r.body}"
                    + (f"; inside the loop: {inside}" if inside else "")
                ),
                "cases": int(r.cases),
                "hours_per_month": r.total_loop_s / 3600 / span,
            }
        )
    for r in requests.itertuples():
        if r.repeat_contacts == 0:
            continue
        out.append(
            {
                "kind": "repeated_request",
                "title": f"Repeated request: {r.request}",
                "evidence": (
                    f"{r.cases_repeated:,} cases ({share(r.share_repeated)} of those asking) ask "
                    f"'{r.request}' more than once: {r.repeat_contacts:,} repeat contacts"
                ),
                "cases": int(r.cases_repeated),
                "contacts_per_month": r.repeat_contacts / span,
                "hours_per_month": 0.0,
            }
        )
    for r in stamps[stamps["rubber_stamp"]].itertuples():
        out.append(
            {
                "kind": "approval",
                "title": f"Approval that never rejects: {r.activity}",
                "evidence": (
                    f"{r.rejections:,} of {r.count:,} ({share(r.reject_rate)}) followed by a "
                    f"rejection; each costs {h(r.mean_processing_s)} of work after "
                    f"{h(r.mean_wait_s)} of waiting"
                ),
                "cases": int(r.count),
                "hours_per_month": r.count * (r.mean_wait_s or 0) / 3600 / span,
            }
        )
    for r in pp.head(3).itertuples():
        out.append(
            {
                "kind": "ping_pong",
                "title": f"Ping-pong: {r.a} ↔ {r.b}",
                "evidence": f"{r.occurrences:,} times in {r.cases:,} cases "
                f"({share(r.cases / n_cases)})",
                "cases": int(r.cases),
                "hours_per_month": 0.0,
            }
        )
    if values is not None and len(values):
        for j, g in values.groupby("journey"):
            is_nva = g["value_class"].str.startswith(("non-value", "waiting", "rework"))
            nva = g[is_nva]["share"].sum()
            out.append(
                {
                    "kind": "non_value_adding",
                    "title": f"Non-value-adding time: {j}",
                    "evidence": f"{share(nva)} of the journey's time is waiting or "
                    "non-value-adding work",
                    "cases": None,
                    "hours_per_month": float(
                        g[g["value_class"].str.startswith(("non-value", "waiting"))]["time_s"].sum()
                    )
                    / 3600
                    / span,
                }
            )
    # The value-class totals contain every other finding's time: context, listed last.
    out.sort(
        key=lambda f: (
            f["kind"] == "non_value_adding",
            -(f.get("hours_per_month") or 0),
            f["title"],
        )
    )
    return out
