"""Draft a journey definition from the data (private; :func:`journeylens.journeys.journey.suggest`).

The draft is a starting point for the journey owner, not an answer:

* **stages** — activities sorted by their typical position in a case (mean relative
  position), cut where that order jumps most; each stage is named after its most frequent
  activity;
* **lanes** — the most frequent value of the lane column (``department`` by default; any
  workgroup / resource-group column) per activity; a value that looks like the customer
  (customer, client, citizen, applicant ...) becomes the customer lane, first; when the
  same activity is done in several lanes, lanes are read per event (``lanes_from``);
* **customer-facing** — a contact channel on most of the activity's events, the customer
  lane, or a name that speaks to the customer (call, e-mail, letter, visit, confirm, bill...);
* **contacts** — customer-lane activities without a resource that chase or complain ("where
  is", "when will", "reminder", "complaint"...) and rarely start a case;
* **value class / rework** — names such as "corrected", "rescheduled", "failed", "retry"
  are non-value-adding (corrections and rebookings are rework); customer-facing work is
  value-adding, the rest business-value-adding;
* **promise** — from the most frequent first activity to the most frequent last activity,
  within the median case duration rounded up (to be replaced by the promise you make).
"""

from __future__ import annotations

import math
import re
from typing import Any

import ibis
import ibis.expr.types as ir

from journeylens.errors import InputError
from journeylens.journeys.definition import CaseSelection, CustomerJoin, JourneyDefinition
from journeylens.journeys.frame import select_cases

_CUSTOMER = re.compile(r"(?i)\b(customer|client|citizen|applicant|consumer|patient|user)s?\b")
_CONTACT = re.compile(
    r"(?i)(where is|when will|chas(e|ing)|reminder|status (request|enquiry|inquiry)|"
    r"follow[- ]?up|complain)"
)
_FACING = re.compile(
    r"(?i)(customer|client|call|e-?mail|letter|sms|chat|notif|inform|confirm|send|sent|visit|"
    r"welcome|bill|invoice|deliver|ship|appointment|print|offer|quote)"
)
_WASTE = re.compile(
    r"(?i)(correct|rework|re-?schedul|again|retry|adjust|repeat|fail|reopen|duplicate|invalid|"
    r"wait|chase|reminder|complain)"
)
_REWORK = re.compile(r"(?i)(correct|rework|re-?schedul|retry|adjust|repeat|reopen)")
_CANCEL = re.compile(r"(?i)(cancel|withdraw|abort|abandon)")
_CHANNEL_IGNORE = {"", "none", "null", "nan"}


def _round_up_duration(seconds: float) -> float:
    if not seconds or seconds <= 0 or math.isnan(seconds):
        return 86400.0
    if seconds >= 86400:
        return math.ceil(seconds / 86400) * 86400.0
    if seconds >= 3600:
        return math.ceil(seconds / 3600) * 3600.0
    return math.ceil(seconds / 60) * 60.0


def suggest(
    events: ir.Table,
    *,
    name: str = "journey",
    cases: CaseSelection | None = None,
    lane_column: str | None = None,
    max_stages: int = 6,
    max_touchpoints: int = 40,
) -> JourneyDefinition:
    """Draft a :class:`~journeylens.journeys.journey.JourneyDefinition` from events (see the module doc).

    Parameters
    ----------
    events
        Canonical events.
    name
        The journey's name.
    cases
        Which cases the journey covers (default: all).
    lane_column
        Column whose values become lanes (default ``department`` when it has values).
    max_stages, max_touchpoints
        Upper bounds of the draft (the least frequent activities are left out beyond them).
    """

    if not 1 <= max_stages <= 20:
        raise InputError(f"max_stages must be between 1 and 20, got {max_stages}")
    acts_all = [
        a for a in events.activity.as_table().distinct().to_pyarrow()["activity"].to_pylist() if a
    ]
    sel = cases or CaseSelection()
    ev = select_cases(sel, events, acts_all)
    cols = list(ev.columns)
    if lane_column is None:
        lane_column = "department" if "department" in cols else None
        if lane_column and ev.department.notnull().sum().execute() == 0:
            lane_column = None
    elif lane_column not in cols:
        import difflib

        close = difflib.get_close_matches(lane_column, cols, n=1)
        raise InputError(
            f"lane column {lane_column!r} is not in the events; columns: {', '.join(cols)}"
            + (f"; did you mean {close[0]!r}?" if close else "")
        )

    w = ibis.window(group_by=ev.case_id, order_by=[ev.timestamp, ev.event_index])
    ev = ev.mutate(
        _rank=ibis.row_number().over(w), _n=ev.count().over(ibis.window(group_by=ev.case_id))
    )
    ev = ev.mutate(
        _pos=ibis.ifelse(ev._n > 1, ev._rank.cast("float64") / (ev._n - 1).cast("float64"), 0.0),
        _first=ev._rank == 0,
        _last=ev._rank == ev._n - 1,
    )
    lane = ev[lane_column].cast("string") if lane_column else ibis.null("string")
    channel = ev.channel if "channel" in cols else ibis.null("string")
    resource = ev.resource if "resource" in cols else ibis.null("string")
    per = (
        ev.group_by("activity")
        .agg(
            volume=ev.count(),
            cases=ev.case_id.nunique(),
            pos=ev._pos.mean(),
            first=ev._first.cast("float64").mean(),
            last_n=ev._last.cast("int64").sum(),
            first_n=ev._first.cast("int64").sum(),
            channel=channel.mode(),
            channel_share=channel.notnull().cast("float64").mean(),
            no_resource=resource.isnull().cast("float64").mean(),
        )
        .to_pyarrow()
        .to_pandas()
    )
    if per.empty:
        raise InputError("no events to suggest a journey from (check the case selection)")
    laned = ev.mutate(_lane=lane)
    lanes_per = (
        laned.group_by(["activity", "_lane"])
        .agg(n=laned.count())
        .to_pyarrow()
        .to_pandas()
        .sort_values(["activity", "n", "_lane"], ascending=[True, False, True])
    )
    top_lane = lanes_per.groupby("activity").head(1).set_index("activity")
    totals = lanes_per.groupby("activity")["n"].sum()
    per["lane"] = per["activity"].map(top_lane["_lane"])
    per["lane_share"] = per["activity"].map(top_lane["n"] / totals)
    per = per.sort_values(["volume", "activity"], ascending=[False, True]).head(max_touchpoints)

    # Lanes ------------------------------------------------------------------------------
    def lane_of(row: Any) -> str:
        value = row["lane"]
        if isinstance(value, str) and value.strip():
            return value
        if _CUSTOMER.search(str(row["activity"])) and row["no_resource"] > 0.9:
            return "Customer"
        return "Organisation"

    per["lane_name"] = [lane_of(r) for r in per.to_dict(orient="records")]
    lane_pos = per.groupby("lane_name")["pos"].mean().sort_values()
    customer_lanes = [lane_name for lane_name in lane_pos.index if _CUSTOMER.search(lane_name)]
    customer_lane = customer_lanes[0] if customer_lanes else "Customer"
    lanes = [customer_lane] + [x for x in lane_pos.index if x != customer_lane]
    mixed = (
        bool(lane_column) and (per["lane_share"] * per["volume"]).sum() / per["volume"].sum() < 0.9
    )
    if mixed:
        # Lanes are read per event: every value of the column is a lane, busiest first.
        volume = lanes_per.dropna(subset=["_lane"]).groupby("_lane")["n"].sum()
        others = volume.sort_values(ascending=False).index.tolist()
        lanes += [x for x in others if x not in lanes]

    # Contacts ---------------------------------------------------------------------------
    def is_contact(row: Any) -> bool:
        return (
            bool(_CONTACT.search(row["activity"]))
            and row["first"] < 0.5
            and (row["lane_name"] == customer_lane or row["no_resource"] > 0.9)
        )

    per["contact"] = [is_contact(r) for r in per.to_dict(orient="records")]
    contacts = sorted(per.loc[per["contact"], "activity"])
    work = per[~per["contact"]].sort_values(["pos", "activity"]).reset_index(drop=True)

    # Stages: cut the typical order where it jumps most -----------------------------------
    k = max(1, min(max_stages, round(len(work) / 3) or 1, len(work)))
    gaps = work["pos"].diff().fillna(0.0)
    cuts = sorted(gaps.nlargest(k - 1).index.tolist()) if k > 1 else []
    group = [0] * len(work)
    g = 0
    for i in range(len(work)):
        if i in cuts:
            g += 1
        group[i] = g
    work["stage_no"] = group
    stage_names = []
    for g_no, part in work.groupby("stage_no", sort=True):
        top = part.sort_values(["volume", "pos"], ascending=[False, True]).iloc[0]["activity"]
        stage_names.append(f"{g_no + 1}. {top}")
    work["stage"] = [stage_names[g] for g in work["stage_no"]]

    touchpoints = []
    for r in work.to_dict(orient="records"):
        act = r["activity"]
        chan = r["channel"] if r["channel_share"] > 0.5 else None
        if isinstance(chan, str) and chan.lower() in _CHANNEL_IGNORE:
            chan = None
        facing = bool(chan is not None or r["lane_name"] == customer_lane or _FACING.search(act))
        waste = bool(_WASTE.search(act))
        tp: dict[str, Any] = {
            "name": act,
            "activities": [act],
            "stage": r["stage"],
            "customer_facing": facing,
            "value_class": "non-value-adding"
            if waste
            else ("value-adding" if facing else "business-value-adding"),
        }
        if not mixed or r["lane_name"] == customer_lane:
            tp["lane"] = r["lane_name"]
        if chan:
            tp["channel"] = str(chan)
        if _REWORK.search(act):
            tp["rework"] = True
        touchpoints.append(tp)

    data: dict[str, Any] = {
        "description": "Drafted by journeylens journey suggest: review stages, lanes, "
        "touchpoints and the promise before relying on it.",
        "stages": stage_names,
        "lanes": lanes,
        "touchpoints": touchpoints,
    }
    if mixed and lane_column:
        data["lanes_from"] = {"column": lane_column}
    if sel.to_dict():
        data["cases"] = sel.to_dict()
    cust = next((c for c in ("customer_id", "customer", "client_id") if c in cols), None)
    if cust:
        data["customer"] = CustomerJoin(column=cust).to_dict()
    if contacts:
        data["contacts"] = contacts
    start = per.sort_values("first_n", ascending=False).iloc[0]["activity"]
    end = per.sort_values("last_n", ascending=False).iloc[0]["activity"]
    if start != end:
        per_case = ev.group_by("case_id").agg(a=ev.timestamp.min(), b=ev.timestamp.max())
        median = per_case.mutate(d=per_case.b.delta(per_case.a, unit="second")).d.median()
        within = _round_up_duration(float(median.execute() or 0))
        data["promise"] = {
            "from": start,
            "to": end,
            "within": within,
            "text": f"draft: {end} within the median time of {start} → {end}",
        }
        data["completion"] = [end]
    cancels = sorted(a for a in per["activity"] if _CANCEL.search(a))
    if cancels:
        data["cancellation"] = cancels
    return JourneyDefinition.from_dict(name, data, source="journey suggest")
