"""Shared building blocks of the diagnosis (private): steps, contacts, log span, name rules.

A *step* is a work event (not a customer contact) with the wait before it: seconds from the
completion of the previous work event of its case to the start of this one (its start
timestamp when known, else its completion), and its processing time.  Customer contacts that
arrive during a wait (chasing calls) are not steps: they would cut one wait into pieces.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import ibis
import ibis.expr.types as ir

from journeylens._util.patterns import column_matches
from journeylens.mining.cases import _BASE, _optional, _require, _seconds, _window
from journeylens.schema import ACTIVITY, CASE, DEPARTMENT, RESOURCE, START, TIMESTAMP

#: Activity-name patterns of customer-initiated contacts when no journey defines them.
DEFAULT_CONTACTS: tuple[str, ...] = ("Customer call*", "Customer chat*", "Customer email*")


def is_contact(events: ir.Table, contacts: Sequence[str] | None) -> ir.BooleanValue:
    """Customer-initiated contacts: matching ``contacts`` patterns, or the default rule.

    Patterns follow the one activity-pattern rule (:mod:`journeylens._util.patterns`): globs
    ignore case, ``re:`` regexes match as written — the same activities a journey's contact
    patterns pick.

    Default: events of a department called "Customer" (or "Customers") whose activity names
    the customer's call, chat or email.
    """
    if contacts is not None:
        return column_matches(events[ACTIVITY], contacts)
    rule = column_matches(events[ACTIVITY], DEFAULT_CONTACTS)
    if DEPARTMENT in events.columns:
        rule = rule & events[DEPARTMENT].lower().isin(["customer", "customers"]).fill_null(False)
    return rule


def steps(events: ir.Table, *, contacts: Sequence[str] | None = None) -> ir.Table:
    """Work events with ``prev_activity``, ``prev_department``, ``wait_s``, ``processing_s``."""
    events = _require(events, _BASE, caller="diagnose")
    work = events.filter(~is_contact(events, contacts))
    w = _window(work)
    begin = _optional(work, START, "timestamp").fill_null(work[TIMESTAMP])
    begin = ibis.ifelse(begin > work[TIMESTAMP], work[TIMESTAMP], begin)
    prev_ts = work[TIMESTAMP].lag().over(w)
    wait = _seconds(begin, prev_ts)
    return work.select(
        case_id=work[CASE],
        activity=work[ACTIVITY],
        timestamp=work[TIMESTAMP],
        begin=begin,
        department=_optional(work, DEPARTMENT, "string"),
        resource=_optional(work, RESOURCE, "string"),
        prev_activity=work[ACTIVITY].lag().over(w),
        prev_department=_optional(work, DEPARTMENT, "string").lag().over(w),
        prev_timestamp=prev_ts,
        wait_s=ibis.greatest(wait, ibis.literal(0.0)),
        processing_s=_seconds(work[TIMESTAMP], begin),
    )


def months(events: ir.Table) -> float:
    """Length of the log in months (at least one), to turn totals into monthly figures."""
    span = events.aggregate(a=events[TIMESTAMP].min(), b=events[TIMESTAMP].max()).to_pandas()
    a, b = span["a"].iloc[0], span["b"].iloc[0]
    if a is None or b is None or str(a) == "NaT":
        return 1.0
    return max((b - a).total_seconds() / (30.4375 * 86400), 1.0)


_FAIL_WORDS = re.compile(
    r"\b(failed|failure|rejected|incorrect|wrong|retry|repeated|again|redo|cancelled)\b",
    re.IGNORECASE,
)


def normalise(activity: str) -> str:
    """An activity name without failure words: "Technician visit failed" → "Technician visit".

    A failed attempt and the successful one are the same piece of work done twice.
    """
    text = _FAIL_WORDS.sub(" ", activity)
    return re.sub(r"\s+", " ", text).strip(" :-") or activity


def request_key(activity: str) -> str:
    """What a contact asks, whatever the channel: "Customer call: where is my order?" → the question."""
    if ":" in activity:
        return activity.split(":", 1)[1].strip()
    return activity
