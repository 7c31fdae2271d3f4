"""The journey's events and instances as Ibis expressions (private; see :mod:`journeylens.journeys.journey`).

Time rules (documented in ``docs/journeys.md``):

* Events of an instance are ordered by ``timestamp``, then ``event_index``.
* An instance starts at the start (``start_timestamp``, else ``timestamp``) of its first event
  and ends at the last completion.  ``duration_s = end - start``.
* The end-to-end time is cut at every completion: the *gap* ending at an event is its
  completion minus the previous completion (for the first event: its own processing time).
  The gaps sum to ``duration_s``.  A gap ending at a rework event (a repeated touchpoint, or
  one marked ``rework``) is rework; otherwise the event's processing time (clipped to the gap)
  is processing and the rest is waiting — *at a handoff* when the last touchpoint before the
  gap and the first touchpoint after it are in different lanes, else *inside the lane*.
  Customer contacts are events of the timeline but never change the lane: a wait interrupted
  by a "where is my order?" call is still the wait between the two touchpoints around it.
* A *repeat* is the same activity again, or a touchpoint entered again after another one;
  consecutive activities of one touchpoint (sub-steps) are not repeats.  Repeats and events
  of touchpoints marked ``rework`` are rework.
* Each gap also belongs to the stage of the event that ends it (a contact: the stage the
  journey was in when the customer made it), so ``stage_<slug>_s`` sums to ``duration_s``.
"""

from __future__ import annotations

import collections
import hashlib
import threading
from typing import TYPE_CHECKING, Any, Literal

import ibis
import ibis.expr.types as ir
import pandas as pd

from journeylens._util.sql import ident
from journeylens.errors import InputError
from journeylens.journeys.definition import CaseSelection, matches, slug
from journeylens.mining.cases import _seconds
from journeylens.mining.filters import CaseAttribute, Filter
from journeylens.schema import ACTIVITY, CASE, CHANNEL, ORDER, START, TIMESTAMP

if TYPE_CHECKING:
    from journeylens.journeys.bound import BoundJourney

INSTANCE = "instance_id"
#: Columns that identify an instance and place it in time, first in every instance table.
INSTANCE_KEYS = (INSTANCE, "customer_id", "case_id", "case_ids", "start", "end", "duration_s")
#: What the journey measured about an instance (outcomes, never candidate causes), before the
#: per-stage and per-measure durations.
INSTANCE_MEASURES = (
    "promise_s",
    "promise_met",
    "n_events",
    "n_touchpoints",
    "n_handoffs",
    "n_contacts",
    "n_repeat_contacts",
    "rework",
    "rework_events",
    "cancelled",
    "completed",
    "processing_s",
    "wait_in_lane_s",
    "wait_handoff_s",
    "rework_s",
)
#: Columns of the ``cases`` table that are not attributes.
_CASE_STANDARD = (
    "case_id",
    "start",
    "end",
    "duration_s",
    "events",
    "activities",
    "first_activity",
    "last_activity",
)


def check_columns(journey: BoundJourney) -> None:
    """The columns a definition names must exist in the events."""
    d = journey.definition
    cols = list(journey._events.columns)
    needed: list[tuple[str, str]] = []
    for col in d.cases.attributes:
        needed.append((f"journeys.{d.name}.cases.attributes.{col}", col))
    if d.customer:
        needed.append((f"journeys.{d.name}.customer.column", d.customer.column))
    if d.lanes_from:
        needed.append((f"journeys.{d.name}.lanes_from.column", d.lanes_from.column))
    for path, col in needed:
        if col not in cols:
            import difflib

            close = difflib.get_close_matches(col, cols, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise InputError(
                f"{path}: column {col!r} is not in the events; columns: {', '.join(cols)}{hint}"
            )


def _lookup(column: ir.Value, mapping: dict[str, Any], dtype: str) -> ir.Value:
    """``mapping[column]`` as an inline CASE (portable; no join with a memtable)."""
    if not mapping:
        return ibis.null(dtype)
    return column.substitute(mapping, else_=ibis.null(dtype)).cast(dtype)


def _members(column: ir.Value, activities: list[str], patterns: tuple[str, ...]) -> ir.BooleanValue:
    hits = [a for a in activities if matches(patterns, a)]
    # Column-shaped even without hits, so that aggregates (any, min(where=...)) still apply.
    return column.isin(hits) if hits else column.isnull() & ibis.literal(False)


def selected_activities(journey: BoundJourney) -> list[str]:
    """Distinct activities of the journey's cases (before touchpoint mapping)."""
    ev = _selected(journey, journey._events)
    return [a for a in ev[ACTIVITY].as_table().distinct().to_pyarrow()[ACTIVITY].to_pylist() if a]


def _selected(journey: BoundJourney, events: ir.Table) -> ir.Table:
    return select_cases(journey.definition.cases, events, journey._activities)


def select_cases(sel: CaseSelection, events: ir.Table, activities: list[str]) -> ir.Table:
    """The events of the cases a :class:`CaseSelection` picks."""
    for col, values in sel.attributes.items():
        events = CaseAttribute(col, list(values)).apply(events)
    if sel.activities:
        with_act = events.filter(_members(events[ACTIVITY], activities, sel.activities))
        events = events.filter(events[CASE].isin(with_act[CASE]))
    for f in sel.filters:
        events = f.apply(events)
    return events


def _instances_of_cases(journey: BoundJourney, events: ir.Table) -> ir.Table:
    """``case_id → instance_id, customer_id``: cases of a customer joined within the window."""
    cust = journey.definition.customer
    assert cust is not None
    per_case = events.group_by(CASE).agg(
        customer_id=events[cust.column].cast("string").max(),
        c_start=events[TIMESTAMP].min(),
        c_end=events[TIMESTAMP].max(),
    )
    if cust.window_s is None:
        return per_case.select(CASE, "customer_id", instance_id=per_case[CASE])
    order = [per_case.c_start, per_case[CASE]]
    before = ibis.window(group_by=per_case.customer_id, order_by=order, rows=(None, -1))
    flagged = per_case.mutate(reach=per_case.c_end.max().over(before))
    limit = flagged.reach + ibis.interval(seconds=int(cust.window_s))
    new = flagged.reach.isnull() | (flagged.c_start > limit) | flagged.customer_id.isnull()
    flagged = flagged.mutate(_new=new.cast("int64"))
    order = [flagged.c_start, flagged[CASE]]
    running = ibis.cumulative_window(group_by=flagged.customer_id, order_by=order)
    flagged = flagged.mutate(_n=flagged._new.sum().over(running))
    iid = ibis.ifelse(
        flagged.customer_id.isnull(),
        flagged[CASE],
        flagged.customer_id.concat("#", flagged._n.cast("string")),
    )
    return flagged.select(CASE, "customer_id", instance_id=iid)


def _milestones(journey: BoundJourney) -> dict[str, Any]:
    """The promise and the named measures, by instance-column key."""
    d = journey.definition
    out: dict[str, Any] = {}
    if d.promise is not None:
        out["promise"] = d.promise
    for name, m in d.measures.items():
        out[f"measure_{slug(name)}"] = m
    return out


def journey_events(
    journey: BoundJourney,
    filters: Filter | None,
    *,
    slim: bool = False,
    window: bool = True,
    keep_after: bool = False,
    ordered: Literal["auto", "portable"] = "auto",
) -> ir.Table:
    """See :meth:`journeylens.journeys.journey.Journey.events`.

    ``slim`` keeps only the columns the analyses need (window functions carry every column,
    so this is what makes them fast); ``window`` adds ``in_promise``; ``keep_after`` keeps
    the ``_after_<milestone>`` flags; ``ordered="portable"`` never takes the DuckDB fast
    path (see :func:`_timing`; the parity tests compare the two).
    """
    check_columns(journey)
    d = journey.definition
    acts = journey._activities
    events = journey._events
    if filters is not None:
        events = filters.apply(events)
    events = _selected(journey, events)
    if slim:
        keep = [CASE, ACTIVITY, TIMESTAMP, START, ORDER, CHANNEL]
        keep += [c.column for c in (d.lanes_from, d.customer) if c is not None]
        events = events.select(*dict.fromkeys(c for c in keep if c in events.columns))

    tp_of: dict[str, Any] = {}
    for a in acts:
        tp = d.touchpoint_for(a)
        if tp is not None:
            tp_of[a] = tp
    contacts = [a for a in acts if a not in tp_of and d.is_contact(a)]
    act = events[ACTIVITY]
    events = events.filter(act.isin([*tp_of, *contacts]) if (tp_of or contacts) else False)
    act = events[ACTIVITY]
    is_contact = act.isin(contacts) if contacts else ibis.literal(False)
    # A touchpoint may also be listed as a contact pattern (a call that is a touchpoint).
    both = [a for a in tp_of if d.is_contact(a)]
    if both:
        is_contact = is_contact | act.isin(both)

    tp_lane = _lookup(act, {a: t.lane for a, t in tp_of.items() if t.lane}, "string")
    if d.lanes_from is not None:
        raw = events[d.lanes_from.column].cast("string")
        mapped = raw.substitute(dict(d.lanes_from.map)) if d.lanes_from.map else raw
        tp_lane = tp_lane.coalesce(mapped)
    lane = ibis.ifelse(is_contact & tp_lane.isnull(), d.customer_lane, tp_lane)
    flags = {
        "touchpoint": act.substitute({a: t.name for a, t in tp_of.items()}, else_=act),
        "stage": _lookup(act, {a: t.stage for a, t in tp_of.items()}, "string"),
        "lane": lane.fill_null("(no lane)"),
        "is_contact": is_contact,
        "_rework_tp": _lookup(
            act, {a: True for a, t in tp_of.items() if t.rework}, "boolean"
        ).fill_null(False),
    }
    if not slim:  # the analyses take these from the definition
        flags["value_class"] = _lookup(
            act, {a: t.value_class for a, t in tp_of.items()}, "string"
        ).fill_null("non-value-adding")
        flags["customer_facing"] = _lookup(
            act, {a: t.customer_facing for a, t in tp_of.items()}, "boolean"
        ).fill_null(True)
    events = events.mutate(**flags)

    if d.customer is not None and d.customer.window_s is None:
        # Not joining cases: the column only names the customer (no join needed).
        events = events.mutate(
            instance_id=events[CASE], customer_id=events[d.customer.column].cast("string")
        )
    elif d.customer is not None:
        inst = _instances_of_cases(journey, events)
        events = events.join(inst, CASE, how="inner")
    else:
        events = events.mutate(instance_id=events[CASE], customer_id=ibis.null("string"))
    if slim:
        # Read into lane / customer_id above; carrying them through the sort costs.
        raw = [c.column for c in (d.lanes_from, d.customer) if c is not None]
        kept = (CASE, ACTIVITY, TIMESTAMP, START, ORDER, CHANNEL, INSTANCE, "customer_id")
        events = events.drop(*{c for c in raw if c not in kept and c in events.columns})
    events = _timing(journey, events, ordered=ordered)
    if not window:
        return events
    events = _promise_window(journey, events)
    if keep_after:
        return events
    return events.drop(*[c for c in events.columns if c.startswith("_after_")])


#: How many materialised frames a DuckDB connection keeps (oldest dropped first).
_MAX_FRAMES = 6
_frames_lock = threading.Lock()


def frame(journey: BoundJourney, filters: Filter | None) -> ir.Table:
    """The slim per-event frame of the analyses, computed once per connection.

    Instances, touchpoint KPIs, the watermelon view and the map of one journey all read the
    same windowed frame; computing it is most of their cost.  On DuckDB it is materialised
    in a temporary table (allowed on read-only connections, gone with the connection) and
    reused while the query that defines it — definition, filters, data — is the same: the
    key is the compiled SQL plus the row count of the events, so a re-import is not served
    stale.  Other engines (PySpark) get the lazy expression.
    """
    # The same Journey object asking again skips building and compiling the expression
    # (a large part of a second with many touchpoints) while its table is still cached;
    # like its cached instances, a Journey object does not see data imported after it.
    memo = journey.__dict__.setdefault("_frame_keys", {})
    fkey = None if filters is None else repr(filters)
    if fkey in memo:
        backend, key = memo[fkey]
        with _frames_lock:
            cache = backend.__dict__.get("_jl_journey_frames", {})
            if key in cache:
                cache.move_to_end(key)
                return backend.table(cache[key])
    ev = journey_events(journey, filters, slim=True, window=False, keep_after=True)
    backend = _duckdb_backend(ev)
    if backend is None:
        return ev
    rows = int(journey._events.count().execute())
    sql = backend.compile(ev)
    key = hashlib.sha1(f"{rows}\n{sql}".encode()).hexdigest()
    with _frames_lock:
        cache = backend.__dict__.setdefault("_jl_journey_frames", collections.OrderedDict())
        memo[fkey] = (backend, key)
        name = cache.get(key)
        if name is not None:
            cache.move_to_end(key)
            return backend.table(name)
        name = f"_jl_journey_frame_{key[:16]}"
        # Plain CREATE ... AS: ibis' create_table re-renders the query through sqlglot, which
        # fails on some definitions' SQL.
        backend._run_pre_execute_hooks(ev)  # registers in-memory tables a filter may use
        backend.con.execute(f'CREATE OR REPLACE TEMP TABLE "{name}" AS {sql}')
        cache[key] = name
        while len(cache) > _MAX_FRAMES:
            _, old = cache.popitem(last=False)
            backend.con.execute(f'DROP TABLE IF EXISTS "{old}"')
        return backend.table(name)


def drop_frames(table: ir.Table) -> None:
    """Drop the frames materialised on the connection of ``table`` (they hold memory)."""
    backend = _duckdb_backend(table)
    if backend is None:
        return
    with _frames_lock:
        cache = backend.__dict__.get("_jl_journey_frames", {})
        while cache:
            _, name = cache.popitem()
            backend.con.execute(f'DROP TABLE IF EXISTS "{name}"')


def _promise_window(journey: BoundJourney, ev: ir.Table) -> ir.Table:
    """``in_promise``: the gap ending at the event lies between the promise's two milestones.

    From the first ``from`` event to the first ``to`` event after it; to the end of the
    instance when the promise was not delivered; empty when ``to`` only came before ``from``.
    Null without a promise.  ``ev`` needs ``_after_promise`` (see :func:`_timing`).  The
    limits come from a group-by of the milestone events joined back: cheaper than a window
    over the whole instance.
    """
    d = journey.definition
    if d.promise is None:
        return ev.mutate(in_promise=ibis.null("boolean"))
    acts = journey._activities
    is_from = _members(ev[ACTIVITY], acts, d.promise.from_)
    is_to = _members(ev[ACTIVITY], acts, d.promise.to)
    hits = ev.filter(is_from | is_to)
    h_from = _members(hits[ACTIVITY], acts, d.promise.from_)
    h_to = _members(hits[ACTIVITY], acts, d.promise.to)
    lim = hits.group_by(_pi=hits[INSTANCE]).agg(
        _pfrom=hits[TIMESTAMP].min(where=h_from),
        _pto=hits[TIMESTAMP].min(where=h_to & hits._after_promise),
        _pany=hits[TIMESTAMP].min(where=h_to),
    )
    ev = ev.left_join(lim, ev[INSTANCE] == lim._pi)
    limit = ibis.ifelse(
        ev._pto.notnull(), ev._pto, ibis.ifelse(ev._pany.notnull(), ev._pfrom, ev._pto)
    )
    inside = (ev[TIMESTAMP] > ev._pfrom) & (limit.isnull() | (ev[TIMESTAMP] <= limit))
    return ev.mutate(in_promise=inside.fill_null(False)).drop("_pi", "_pfrom", "_pto", "_pany")


def _touchpoint_bits(journey: BoundJourney) -> dict[str, int] | None:
    """One bit per touchpoint name of the non-contact events, when the fast path can use them.

    The ordered pass tells "this touchpoint was seen before in the instance" from a running
    bitwise OR of these bits.  That equals the per-(instance, touchpoint) window of the
    portable path when no contact event carries the name of a non-contact touchpoint (then
    the previous event of the same touchpoint is the previous touchpoint event) and the
    names fit in 62 bits; otherwise None.
    """
    d = journey.definition
    plain: set[str] = set()
    contact: set[str] = set()
    for a in journey._activities:
        tp = d.touchpoint_for(a)
        if tp is None:
            if d.is_contact(a):
                contact.add(a)
        elif d.is_contact(a):
            contact.add(tp.name)
        else:
            plain.add(tp.name)
    if plain & contact or len(plain) > 62:
        return None
    return {name: 1 << i for i, name in enumerate(sorted(plain))}


def _duckdb_backend(ev: ir.Table) -> Any:
    try:
        backend = ev._find_backend(use_default=True)
    except Exception:  # pragma: no cover - an expression without a single backend
        return None
    return backend if getattr(backend, "name", None) == "duckdb" else None


def _ordered_portable(journey: BoundJourney, ev: ir.Table) -> ir.Table:
    """The ordered quantities of :func:`_timing` as portable Ibis (PySpark and DuckDB).

    One ordered window over the instance (previous completion, running count of touchpoints,
    last organisation event, milestones reached) and one over (instance, touchpoint) for
    repeats.  The last touchpoint before each event (and, for a contact, the next one) is
    looked up by a join on the running count: Ibis has no ``IGNORE NULLS`` lag for DuckDB.
    """
    inst = ev[INSTANCE]
    order = [ev[TIMESTAMP], ev[ORDER]]
    w = ibis.window(group_by=inst, order_by=order)
    upto = ibis.cumulative_window(group_by=inst, order_by=order)
    before = ibis.window(group_by=inst, order_by=order, rows=(None, -1))
    by_tp = ibis.window(group_by=[inst, ev.touchpoint], order_by=order)
    nc = ~ev.is_contact
    after = {
        "_after_" + c.removeprefix("_from_"): ev[c].any().over(upto)
        for c in ev.columns
        if c.startswith("_from_")
    }
    ev = ev.mutate(
        **after,
        _prev_t=ev[TIMESTAMP].lag().over(w),
        _g=nc.cast("int64").sum().over(upto),
        _prev_org_t=ev._t_org.max().over(before),
        _seen=ibis.row_number().over(by_tp) > 0,
        _tp_prev_act=ev[ACTIVITY].lag().over(by_tp),
    )
    # Touchpoint number k of each instance (contacts excluded) with its lane, stage, name.
    keys = ev.filter(~ev.is_contact).select(
        _ki=ev[INSTANCE], _kg=ev._g, _kl=ev.lane, _ks=ev.stage, _kt=ev.touchpoint, _kd=ev[TIMESTAMP]
    )
    nxt = keys.select(_ni=keys._ki, _ng=keys._kg, _nl=keys._kl)
    ev = ev.mutate(_gp=ibis.ifelse(ev.is_contact, ev._g, ev._g - 1), _gn=ev._g + 1)
    ev = ev.left_join(keys, [ev[INSTANCE] == keys._ki, ev._gp == keys._kg])
    ev = ev.left_join(nxt, [ev[INSTANCE] == nxt._ni, ev._gn == nxt._ng])
    return ev.drop("_g", "_gp", "_gn", "_ki", "_kg", "_ni", "_ng")


def _ordered_duckdb(
    journey: BoundJourney, ev: ir.Table, backend: Any, bits: dict[str, int]
) -> ir.Table:
    """The same columns as :func:`_ordered_portable` in one ordered pass (DuckDB only).

    ``lag``/``lead(... IGNORE NULLS)`` over the touchpoint events replace the two joins, and
    a running ``bit_or`` of :func:`_touchpoint_bits` the window per (instance, touchpoint):
    one sort of the events instead of two, and no join (3–4x less CPU at 1M events, see
    ``docs/benchmarks.md``).  ``tests/journeys/test_journey_frame.py`` holds it to the
    portable path.
    """
    backend._run_pre_execute_hooks(ev)  # registers in-memory tables the query may read
    inner = backend.compile(ev)
    nc = "NOT is_contact"
    before = "w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING"
    after = "".join(
        f", bool_or({ident(c)}) OVER (w ROWS UNBOUNDED PRECEDING) AS "
        + ident("_after_" + c.removeprefix("_from_"))
        for c in ev.columns
        if c.startswith("_from_")
    )
    prev = "".join(
        f", lag(CASE WHEN {nc} THEN {ident(col)} END IGNORE NULLS) OVER w AS {alias}"
        for col, alias in (
            ("lane", "_kl"),
            ("stage", "_ks"),
            ("touchpoint", "_kt"),
            (TIMESTAMP, "_kd"),
            (ACTIVITY, "_tp_prev_act"),
        )
    )
    sql = (
        f"SELECT *{after}, lag({ident(TIMESTAMP)}) OVER w AS _prev_t, "
        f"max(_t_org) OVER ({before}) AS _prev_org_t, "
        f"coalesce(bit_or(_bit) FILTER (WHERE {nc}) OVER ({before}), 0) & _bit <> 0 AS _seen"
        f"{prev}, lead(CASE WHEN {nc} THEN lane END IGNORE NULLS) OVER w AS _nl "
        f"FROM ({inner}) AS _jl_pre WINDOW w AS (PARTITION BY {ident(INSTANCE)} "
        f"ORDER BY {ident(TIMESTAMP)} ASC NULLS LAST, {ident(ORDER)} ASC NULLS LAST)"
    )
    return backend.sql(sql, dialect="duckdb")


def _timing(journey: BoundJourney, ev: ir.Table, *, ordered: str = "auto") -> ir.Table:
    """Per-event timing columns of the decomposition (see the module docstring).

    The ordered quantities (previous completion, previous touchpoint and its lane, the next
    touchpoint's lane for a contact, repeats, milestones reached) come from
    :func:`_ordered_duckdb` on DuckDB when it applies, else (or with
    ``ordered="portable"``) from :func:`_ordered_portable`; the rest is plain projection.
    """
    d = journey.definition
    nc = ~ev.is_contact
    start = ev[START] if START in ev.columns else ibis.null("timestamp")
    # Unknown (null) without a start timestamp: touchpoint KPIs must not report 0 s of work.
    # (GREATEST skips NULLs on DuckDB, so the null case is spelled out.)
    proc = ibis.ifelse(
        start.isnull(), ibis.null("float64"), ibis.greatest(_seconds(ev[TIMESTAMP], start), 0.0)
    )
    t_org = ibis.ifelse(nc & (ev.lane != d.customer_lane), ev[TIMESTAMP], ibis.null("timestamp"))
    # Per milestone pair: is this event its `from`?  (Reached = any `from` up to here.)
    froms = {
        f"_from_{key}": _members(ev[ACTIVITY], journey._activities, m.from_)
        for key, m in _milestones(journey).items()
    }
    ev = ev.mutate(processing_s=proc, _t_org=t_org, **froms)
    bits = _touchpoint_bits(journey) if ordered == "auto" else None
    backend = _duckdb_backend(ev) if bits is not None else None
    if backend is not None and bits is not None:
        mapped = ev.touchpoint.substitute(bits, else_=0) if bits else ibis.literal(0)
        ev = ev.mutate(_bit=mapped.cast("int64"))
        ev = _ordered_duckdb(journey, ev, backend, bits)
    else:
        ev = _ordered_portable(journey, ev)
    start = ev[START] if START in ev.columns else ibis.null("timestamp")
    gap = ibis.ifelse(
        ev._prev_t.isnull(), ev.processing_s.fill_null(0.0), _seconds(ev[TIMESTAMP], ev._prev_t)
    )
    prev_lane = ev._kl
    next_lane = ibis.ifelse(ev.is_contact, ev._nl, ev.lane)
    stage_at = ibis.ifelse(ev.is_contact, ev._ks, ev.stage).fill_null(d.stages[0])
    # A repeat: a touchpoint entered again after another one (a second visit after a
    # rebooking), or the same activity twice in a row within it.  Consecutive different
    # sub-steps of one touchpoint (check, then determine) are not.
    again = ev._seen & ((ev._kt != ev.touchpoint) | (ev._tp_prev_act == ev[ACTIVITY]))
    repeat = ~ev.is_contact & again.fill_null(False)
    rework = ~ev.is_contact & (ev._rework_tp | repeat)
    in_gap = ibis.least(ev.processing_s.fill_null(0.0), gap)
    wait = gap - in_gap
    at_handoff = (prev_lane != next_lane).fill_null(False)
    own_start = start.fill_null(ev[TIMESTAMP])
    ev = ev.mutate(
        stage=stage_at,
        is_repeat=repeat,
        is_rework=rework,
        from_lane=prev_lane,
        from_touchpoint=ev._kt,
        from_stage=ev._ks,
        handoff_wait_s=ibis.ifelse(
            ~ev.is_contact & (prev_lane != ev.lane).fill_null(False),
            _seconds(own_start, ev._kd),
            ibis.null("float64"),
        ),
        to_lane=next_lane.fill_null(prev_lane),
        is_handoff=~ev.is_contact & (prev_lane != ev.lane).fill_null(False),
        wait_before_s=_seconds(own_start, ev._prev_org_t),
        gap_s=gap,
        is_first=ev._prev_t.isnull(),
        rework_part_s=ibis.ifelse(rework, gap, 0.0),
        processing_part_s=ibis.ifelse(rework, 0.0, in_gap),
        wait_handoff_part_s=ibis.ifelse(~rework & at_handoff, wait, 0.0),
        wait_lane_part_s=ibis.ifelse(~rework & ~at_handoff, wait, 0.0),
    )
    helpers = ["_prev_t", "_prev_org_t", "_seen", "_tp_prev_act", "_kl", "_ks", "_kt", "_kd"]
    helpers += ["_nl", "_rework_tp", "_t_org", "_bit"]
    helpers += [c for c in ev.columns if c.startswith("_from_")]
    return ev.drop(*[c for c in helpers if c in ev.columns])


def journey_instances(journey: BoundJourney, filters: Filter | None) -> pd.DataFrame:
    """See :meth:`journeylens.journeys.journey.Journey.instances`."""
    d = journey.definition
    acts = journey._activities
    ev = frame(journey, filters)
    milestones = _milestones(journey)
    has_channel = CHANNEL in ev.columns
    # The first event of an instance (in event order) gives its start, case and channel;
    # marked in the ordered window, which is cheaper than ordered aggregates.
    first = ev.is_first
    own_start = ev[START].fill_null(ev[TIMESTAMP]) if START in ev.columns else ev[TIMESTAMP]
    aggs: dict[str, Any] = {
        "customer_id": ev.customer_id.max(),
        "case_id": ev[CASE].max(where=first),
        "start": own_start.min(where=first),
        "end": ev[TIMESTAMP].max(),
        "n_events": ev.count(),
        "n_touchpoints": (~ev.is_contact).cast("int64").sum(),
        "n_handoffs": ev.is_handoff.cast("int64").sum(),
        "n_contacts": ev.is_contact.cast("int64").sum(),
        "rework_events": ev.is_rework.cast("int64").sum(),
        "processing_s": ev.processing_part_s.sum(),
        "wait_in_lane_s": ev.wait_lane_part_s.sum(),
        "wait_handoff_s": ev.wait_handoff_part_s.sum(),
        "rework_s": ev.rework_part_s.sum(),
        "start_channel": ev[CHANNEL].max(where=first) if has_channel else ibis.null("string"),
    }
    for stage, col in d.stage_columns().items():
        aggs[col] = ev.gap_s.sum(where=ev.stage == stage).fill_null(0.0)
    for key, m in milestones.items():
        is_to = _members(ev[ACTIVITY], acts, m.to)
        done = ev[f"_after_{key}"]
        aggs[f"_{key}_from"] = ev[TIMESTAMP].min(where=_members(ev[ACTIVITY], acts, m.from_))
        # The first `to` after `from`; when `to` only came before (a new service started
        # before the old one ended), the last such one, and the span is negative.
        aggs[f"_{key}_to"] = ev[TIMESTAMP].min(where=is_to & done)
        aggs[f"_{key}_to_before"] = ev[TIMESTAMP].max(where=is_to & ~done)
    if d.customer is not None and d.customer.window_s is not None:
        aggs["case_ids"] = ev[CASE].collect(distinct=True)
    grouped = ev.group_by(INSTANCE).agg(**aggs)
    df = grouped.to_pyarrow().to_pandas()
    _outcomes(journey, filters, df)
    return _finish(journey, df, list(milestones))


def _outcomes(journey: BoundJourney, filters: Filter | None, df: pd.DataFrame) -> None:
    """``cancelled`` / ``completed`` per instance, from all events of its cases.

    Cancellation and completion may be activities outside every touchpoint, so they are
    looked up on the selected cases before touchpoint mapping (a cheap group-by, no window).
    """
    d = journey.definition
    df["cancelled"] = False
    df["completed"] = pd.Series(pd.NA, index=df.index, dtype="boolean")
    if not (d.cancellation or d.completion) or df.empty:
        return
    acts = journey._activities
    ev = journey._events if filters is None else filters.apply(journey._events)
    ev = _selected(journey, ev)
    hits = ev.filter(_members(ev[ACTIVITY], acts, (*d.cancellation, *d.completion)))
    flags = (
        hits.group_by(CASE)
        .agg(
            c=_members(hits[ACTIVITY], acts, d.cancellation).any(),
            k=_members(hits[ACTIVITY], acts, d.completion).any(),
        )
        .to_pyarrow()
        .to_pandas()
        .set_index(CASE)
    )
    ids = df["case_ids"] if "case_ids" in df else df["case_id"].map(lambda c: [c])
    long = ids.explode()
    c = long.map(flags["c"]).eq(True).groupby(level=0).any()
    k = long.map(flags["k"]).eq(True).groupby(level=0).any()
    df["cancelled"] = c.reindex(df.index, fill_value=False).to_numpy()
    if d.completion:
        df["completed"] = pd.array(
            k.reindex(df.index, fill_value=False).to_numpy(), dtype="boolean"
        )


def _finish(journey: BoundJourney, df: pd.DataFrame, milestones: list[str]) -> pd.DataFrame:
    d = journey.definition
    df["duration_s"] = (df["end"] - df["start"]).dt.total_seconds()
    if "case_ids" in df:
        df["case_ids"] = [sorted(x) for x in df["case_ids"]]
    else:
        df["case_ids"] = [[c] for c in df["case_id"]]
    df["n_repeat_contacts"] = (df["n_contacts"] - 1).clip(lower=0)
    df["rework"] = df["rework_events"] > 0
    data_end = df["end"].max() if len(df) else None
    for key in milestones:
        df[f"_{key}_to"] = df[f"_{key}_to"].fillna(df[f"_{key}_to_before"])
        span = (df[f"_{key}_to"] - df[f"_{key}_from"]).dt.total_seconds()
        col = "promise_s" if key == "promise" else f"{key.removeprefix('measure_')}_s"
        df[col] = span
        if key == "promise":
            # A promise's `within` is required (the definition checks it when it is read).
            assert d.promise is not None and d.promise.within_s is not None
            within = d.promise.within_s
            met = pd.Series(pd.NA, index=df.index, dtype="boolean")
            has_from = df["_promise_from"].notna()
            met[has_from & span.notna()] = span[has_from & span.notna()] <= within
            # Not delivered: broken once the deadline passed before the data ends; open else.
            if data_end is not None:
                overdue = df["_promise_from"] + pd.Timedelta(seconds=within) < data_end
                met[has_from & span.isna() & overdue] = False
            df["promise_met"] = met
    if d.promise is None:
        df["promise_s"] = float("nan")
        df["promise_met"] = pd.Series(pd.NA, index=df.index, dtype="boolean")
    df["customer_id"] = df["customer_id"].astype(object).where(df["customer_id"].notna(), None)
    stage_cols = list(d.stage_columns().values())
    measure_cols = [f"{slug(n)}_s" for n in d.measures]
    cols = [
        *INSTANCE_KEYS,
        *INSTANCE_MEASURES,
        *stage_cols,
        *measure_cols,
        "start_channel",
    ]
    df = df[cols].sort_values(["start", INSTANCE], kind="stable").reset_index(drop=True)
    for c in ("n_events", "n_touchpoints", "n_handoffs", "n_contacts", "rework_events"):
        df[c] = df[c].astype("int64")
    df["n_repeat_contacts"] = df["n_repeat_contacts"].astype("int64")
    attrs = _case_attributes(journey, df["case_id"].tolist())
    if attrs is not None and len(attrs.columns) > 1:
        attrs = attrs[[c for c in attrs.columns if c == CASE or c not in df.columns]]
        df = df.merge(attrs, on=CASE, how="left")
    return df


def _case_attributes(journey: BoundJourney, case_ids: list[str]) -> pd.DataFrame | None:
    cases = journey._cases
    if cases is None:
        return None
    names = journey._case_attributes
    if names is None:
        names = [c for c in cases.columns if c not in _CASE_STANDARD]
    names = [c for c in names if c in cases.columns]
    if not names:
        return None
    return cases.select(CASE, *names).to_pyarrow().to_pandas()
