"""Composable filters on the canonical events table, identical in library, CLI and web.

Every filter is a small frozen dataclass with ``apply(events) -> ibis.Table`` (lazy, portable
Ibis; values are passed as typed literals, never pasted into SQL text), ``to_dict()`` and
:func:`filter_from_dict`, so a segment (a saved list of filters) can live in YAML or JSON.

*Case-level* filters keep or drop whole cases: :class:`TimeFrame` (all modes but ``trim``),
:class:`CaseAttribute`, :class:`Variant`, :class:`Duration`, :class:`Endpoints`,
:class:`Follows` and :class:`CaseIds`.  *Event-level* filters drop single events:
:class:`EventAttribute` and ``TimeFrame(mode="trim")``.  ``keep=False`` turns "keep the
matching cases/events" into "remove them".  :func:`all_of` (a :class:`Filters`) applies its
filters one after the other, so each one sees the output of the previous ones (AND); order
matters when event-level filters come first.  Case order and time rules follow
:mod:`journeylens.schema`: events are ordered by ``timestamp`` then ``event_index``; a case
spans from its first to its last ``timestamp``; time windows are half-open ``[start, end)``.

CLI grammar (:func:`parse_filter_options`; options may be repeated)::

    --case-attr COLUMN=VALUE      keep cases having VALUE in COLUMN (COLUMN!=VALUE removes them);
                                  repeats on the same column and operator are OR-ed
    --event-attr COLUMN=VALUE     keep events with VALUE in COLUMN (COLUMN!=VALUE drops them)
    --time-from T --time-to T     ISO 8601 date or date-time; a date-only --time-to includes
    --time-mode MODE              that whole day.  MODE: contained (default), intersecting,
                                  started, completed, trim
    --duration-min D              case duration bounds (inclusive): a number of seconds or
    --duration-max D              amounts with units w, d, h, min (or m), s, ms: 10d, 1d12h, 90min
    --start-activity A            keep cases starting with any of the given activities
    --end-activity A              keep cases ending with any of the given activities
    --follows 'A>B'               keep cases where B directly follows A; 'A>>B': eventually
    --not-follows 'A>B'           remove such cases
    --variant 'A>B>C'             keep cases whose whole sequence is A, B, C (repeat: any of)
    --case-id ID / --exclude-case-id ID

Activity names containing ``>`` and columns containing ``=`` or ``!`` cannot be written in
this grammar; use the Python API or a YAML segment for them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import KW_ONLY, dataclass, fields
from typing import Any, ClassVar, Literal

import ibis
import ibis.expr.types as ir
import pandas as pd

from journeylens._util.plain import plain
from journeylens.errors import InputError
from journeylens.mining.variants import case_variants, variant_key
from journeylens.schema import ACTIVITY, CASE, ORDER, TIMESTAMP

__all__ = [
    "CaseAttribute",
    "CaseIds",
    "Duration",
    "Endpoints",
    "EventAttribute",
    "Filter",
    "Filters",
    "Follows",
    "TimeFrame",
    "Variant",
    "all_of",
    "check_filters",
    "filter_from_dict",
    "parse_duration",
    "parse_filter_options",
]

TimeMode = Literal["contained", "intersecting", "started", "completed", "trim"]
_TIME_MODES = ("contained", "intersecting", "started", "completed", "trim")
_REGISTRY: dict[str, type[Filter]] = {}


# ---------------------------------------------------------------------- helpers
def _need(events: ir.Table, columns: Iterable[str], what: str) -> None:
    """Raise :class:`InputError` naming the missing column(s) and the available ones."""
    if not isinstance(events, ir.Table):
        raise InputError(f"{what} applies to an Ibis table of events, got {type(events).__name__}")
    missing = [c for c in columns if c not in events.columns]
    if missing:
        shown = ", ".join(repr(c) for c in events.columns)
        raise InputError(
            f"{what}: column {', '.join(map(repr, missing))} not found in the events table; "
            f"available columns: {shown}"
        )


def _order(events: ir.Table) -> list[ir.Column]:
    # Ties in time are broken by source order, as everywhere in journeylens.
    return [events[c] for c in (TIMESTAMP, ORDER) if c in events.columns]


def _keep_cases(events: ir.Table, matching: ir.Table, keep: bool) -> ir.Table:
    """Keep (or drop) the events of the cases listed in ``matching`` (a semi/anti join)."""
    ids = matching.select(CASE).distinct()
    return events.semi_join(ids, CASE) if keep else events.anti_join(ids, CASE)


def _timestamp(value: Any, what: str) -> pd.Timestamp | None:
    if value is None or value == "":
        return None
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{what}: {value!r} is not a date or date-time (use ISO 8601)") from exc
    if pd.isna(stamp):
        raise InputError(f"{what}: {value!r} is not a date or date-time")
    return stamp


def _utc_naive(stamp: pd.Timestamp) -> pd.Timestamp:
    return stamp.tz_convert("UTC").tz_localize(None) if stamp.tzinfo else stamp


def _time_literal(stamp: pd.Timestamp, column: ir.Value) -> ir.Value:
    """A literal comparable with ``column``: naive bounds are read in the column's zone,
    aware bounds are converted to it (to UTC wall-clock for a naive column)."""
    dtype = column.type()
    if not dtype.is_timestamp():
        raise InputError(f"time filters need a timestamp column, {column.get_name()!r} is {dtype}")
    if dtype.timezone is None:
        return ibis.literal(_utc_naive(stamp), type=dtype)
    if stamp.tzinfo is None:
        return ibis.literal(stamp.tz_localize(dtype.timezone), type=dtype)
    return ibis.literal(stamp.tz_convert(dtype.timezone), type=dtype)


def _values(values: Any) -> tuple[Any, ...]:
    # A lone string is one value, not a sequence of characters.
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        values = [values]
    return tuple(plain(v) for v in values)


def _coerce(value: Any, column: ir.Value, name: str) -> Any:
    """Convert a user value (often CLI text) to the column's type, or raise InputError."""
    dtype = column.type()
    if value is None:
        return None
    try:
        if dtype.is_string():
            return str(value)
        if dtype.is_boolean():
            text = str(value).strip().lower()
            if text in ("true", "1", "yes"):
                return True
            if text in ("false", "0", "no"):
                return False
            raise ValueError(value)
        if dtype.is_integer():
            number = float(value) if not isinstance(value, int) else value
            if number != int(number):
                raise ValueError(value)
            return int(number)
        if dtype.is_floating() or dtype.is_decimal():
            return float(value)
        if dtype.is_timestamp():
            stamp = _timestamp(value, name)
            if stamp is None:  # an empty text names no time
                raise ValueError(value)
            return _time_literal(stamp, column)
        if dtype.is_date():
            return pd.Timestamp(value).date()
    except (TypeError, ValueError, OverflowError) as exc:
        raise InputError(
            f"value {value!r} cannot be compared with column {name!r} ({dtype})"
        ) from exc
    return value


def _matches(column: ir.Value, values: Sequence[Any], name: str) -> ir.BooleanValue:
    """``column IN values`` where ``None`` matches nulls; never null itself."""
    typed = [_coerce(v, column, name) for v in values if v is not None]
    pred = column.isin(typed) if typed else ibis.literal(False)
    if None in values:
        pred = pred | column.isnull()
    return pred.fill_null(False)


# ---------------------------------------------------------------------- base classes
class Filter:
    """Base class of all filters: ``apply``, ``to_dict`` and ``&`` (AND) composition.

    Examples
    --------
    >>> f = CaseIds(["c1"]) & Duration(max_s=3600)
    >>> [g["type"] for g in f.to_dict()["filters"]]
    ['case_ids', 'duration']
    """

    kind: ClassVar[str] = ""
    level: ClassVar[Literal["case", "event"]] = "case"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.kind:
            _REGISTRY[cls.kind] = cls

    def apply(self, events: ir.Table) -> ir.Table:  # pragma: no cover - abstract
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        """Plain data for YAML/JSON; :func:`filter_from_dict` reverses it."""
        return {"type": self.kind} | {f.name: plain(getattr(self, f.name)) for f in fields(self)}  # type: ignore[arg-type]

    def __and__(self, other: Filter) -> Filters:
        return all_of(self, other)


@dataclass(frozen=True)
class Filters(Filter):
    """Filters applied one after the other (logical AND); build it with :func:`all_of`.

    Examples
    --------
    >>> f = all_of(CaseAttribute("channel", ["web"]), Follows("A", "B"))
    >>> filter_from_dict(f.to_dict()) == f
    True
    """

    filters: tuple[Filter, ...] = ()
    kind: ClassVar[str] = "all_of"

    def __post_init__(self) -> None:
        flat: list[Filter] = []
        for item in self.filters:
            if not isinstance(item, Filter):
                raise InputError(f"all_of() takes filters, got {type(item).__name__}")
            flat.extend(item.filters if isinstance(item, Filters) else [item])
        object.__setattr__(self, "filters", tuple(flat))

    def apply(self, events: ir.Table) -> ir.Table:
        for item in self.filters:
            events = item.apply(events)
        return events

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.kind, "filters": [f.to_dict() for f in self.filters]}

    def __len__(self) -> int:
        return len(self.filters)

    def __iter__(self) -> Iterator[Filter]:
        return iter(self.filters)


def all_of(*filters: Filter) -> Filters:
    """Combine filters with AND, applied in the given order (nested groups are flattened).

    Examples
    --------
    >>> len(all_of(CaseIds(["c1"]), all_of(Duration(min_s=1), Duration(max_s=9))))
    3
    """
    return Filters(tuple(filters))


def filter_from_dict(data: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> Filter:
    """Rebuild a filter from :meth:`Filter.to_dict` output; a list means :func:`all_of`.

    Examples
    --------
    >>> filter_from_dict({"type": "follows", "a": "A", "b": "B", "directly": False})
    Follows(a='A', b='B', directly=False, keep=True)
    >>> filter_from_dict([{"type": "case_ids", "ids": ["c1", "c2"]}])
    Filters(filters=(CaseIds(ids=('c1', 'c2'), keep=True),))
    """
    if isinstance(data, Sequence) and not isinstance(data, str | bytes):
        return all_of(*(filter_from_dict(item) for item in data))
    if not isinstance(data, Mapping) or "type" not in data:
        raise InputError(f"a filter is a mapping with a 'type' key, got {data!r}")
    kind = data["type"]
    cls = _REGISTRY.get(kind)
    if cls is None:
        raise InputError(
            f"unknown filter type {kind!r}; known types: {', '.join(sorted(_REGISTRY))}"
        )
    options = {k: v for k, v in data.items() if k != "type"}
    if cls is Filters:
        return all_of(*(filter_from_dict(item) for item in options.get("filters", [])))
    allowed = [f.name for f in fields(cls)]  # type: ignore[arg-type]
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise InputError(f"{kind} filter does not take {unknown}; it takes {allowed}")
    try:
        return cls(**options)
    except TypeError as exc:
        raise InputError(f"bad {kind} filter {dict(data)!r}: {exc}") from exc


# ---------------------------------------------------------------------- filters
@dataclass(frozen=True)
class TimeFrame(Filter):
    """Cases (or events) by time window ``[start, end)``; either bound may be open.

    Parameters
    ----------
    start, end : str, date, datetime or pandas.Timestamp, optional
        Window bounds; naive values are read in the time zone of the ``timestamp`` column.
    mode : {"contained", "intersecting", "started", "completed", "trim"}
        ``contained``: the whole case lies in the window; ``intersecting``: the case overlaps
        it; ``started`` / ``completed``: its first / last event lies in it; ``trim``
        (event-level): keep only the events inside the window.
    keep : bool
        ``False`` removes the matching cases (or, for ``trim``, the events inside).

    Examples
    --------
    >>> TimeFrame("2024-01-01", "2024-02-01", mode="started").to_dict()["start"]
    '2024-01-01T00:00:00'
    """

    start: Any = None
    end: Any = None
    _: KW_ONLY
    mode: TimeMode = "contained"
    keep: bool = True
    kind: ClassVar[str] = "time_frame"

    def __post_init__(self) -> None:
        start = _timestamp(self.start, "TimeFrame start")
        end = _timestamp(self.end, "TimeFrame end")
        if start is None and end is None:
            raise InputError("TimeFrame needs a start, an end or both")
        if start is not None and end is not None and _utc_naive(start) >= _utc_naive(end):
            raise InputError(f"TimeFrame start {start} must be before its end {end}")
        if self.mode not in _TIME_MODES:
            raise InputError(f"TimeFrame mode must be one of {_TIME_MODES}, not {self.mode!r}")
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)

    @property
    def level(self) -> Literal["case", "event"]:  # type: ignore[override]
        return "event" if self.mode == "trim" else "case"

    def _inside(self, column: ir.Value) -> ir.BooleanValue:
        pred = ibis.literal(True)
        if self.start is not None:
            pred = pred & (column >= _time_literal(self.start, column))
        if self.end is not None:
            pred = pred & (column < _time_literal(self.end, column))
        return pred.fill_null(False)

    def apply(self, events: ir.Table) -> ir.Table:
        _need(events, (CASE, TIMESTAMP), "TimeFrame")
        if self.mode == "trim":
            inside = self._inside(events[TIMESTAMP])
            return events.filter(inside if self.keep else ~inside)
        spans = events.group_by(CASE).aggregate(
            first=events[TIMESTAMP].min(), last=events[TIMESTAMP].max()
        )
        if self.mode == "contained":
            pred = self._inside(spans["first"]) & self._inside(spans["last"])
        elif self.mode == "started":
            pred = self._inside(spans["first"])
        elif self.mode == "completed":
            pred = self._inside(spans["last"])
        else:  # intersecting: the case starts before the window ends and ends after it starts
            pred = ibis.literal(True)
            if self.end is not None:
                pred = pred & (spans["first"] < _time_literal(self.end, spans["first"]))
            if self.start is not None:
                pred = pred & (spans["last"] >= _time_literal(self.start, spans["last"]))
        return _keep_cases(events, spans.filter(pred.fill_null(False)), self.keep)


@dataclass(frozen=True)
class CaseAttribute(Filter):
    """Cases having one of ``values`` in ``column`` on any of their events.

    Case attributes are constant within a case, so "any event" equals "the first event"
    for them, and still does the expected thing when only some events carry the value.
    ``None`` among the values matches missing values.

    Examples
    --------
    >>> CaseAttribute("department", ["Sales", "Support"], keep=False).to_dict()
    {'type': 'case_attribute', 'column': 'department', 'values': ['Sales', 'Support'], 'keep': False}
    """

    column: str
    values: Any
    _: KW_ONLY
    keep: bool = True
    kind: ClassVar[str] = "case_attribute"

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", _values(self.values))

    def apply(self, events: ir.Table) -> ir.Table:
        _need(events, (CASE, self.column), f"CaseAttribute({self.column!r})")
        hits = events.filter(_matches(events[self.column], self.values, self.column))
        return _keep_cases(events, hits, self.keep)


@dataclass(frozen=True)
class EventAttribute(Filter):
    """Events having one of ``values`` in ``column`` (event-level; ``keep=False`` drops them).

    Examples
    --------
    >>> EventAttribute("activity", "Call").values
    ('Call',)
    """

    column: str
    values: Any
    _: KW_ONLY
    keep: bool = True
    kind: ClassVar[str] = "event_attribute"
    level: ClassVar[Literal["case", "event"]] = "event"

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", _values(self.values))

    def apply(self, events: ir.Table) -> ir.Table:
        _need(events, (self.column,), f"EventAttribute({self.column!r})")
        pred = _matches(events[self.column], self.values, self.column)
        return events.filter(pred if self.keep else ~pred)


@dataclass(frozen=True)
class Variant(Filter):
    """Cases whose whole activity sequence equals one of ``sequences``.

    Examples
    --------
    >>> Variant([["A", "B"], ["A"]]).sequences
    (('A', 'B'), ('A',))
    """

    sequences: Any
    _: KW_ONLY
    keep: bool = True
    kind: ClassVar[str] = "variant"

    def __post_init__(self) -> None:
        seqs = tuple(self.sequences) if isinstance(self.sequences, Iterable) else None
        if seqs is None or any(isinstance(s, str) or not isinstance(s, Iterable) for s in seqs):
            raise InputError(f"Variant takes a list of activity lists, got {self.sequences!r}")
        object.__setattr__(self, "sequences", tuple(tuple(map(str, s)) for s in seqs))

    def apply(self, events: ir.Table) -> ir.Table:
        _need(events, (CASE, ACTIVITY, TIMESTAMP, ORDER), "Variant")
        # One definition of "the variant of a case" for the whole package.
        per_case = case_variants(events)
        keys = [variant_key(s) for s in self.sequences]
        pred = per_case["variant"].isin(keys) if keys else ibis.literal(False)
        return _keep_cases(events, per_case.filter(pred), self.keep)


@dataclass(frozen=True)
class Duration(Filter):
    """Cases whose duration (first to last ``timestamp``) lies in ``[min_s, max_s]``.

    Bounds are seconds, or text such as ``"10d"`` or ``"1d12h"`` (see :func:`parse_duration`).

    Examples
    --------
    >>> Duration(max_s="1d12h").max_s
    129600.0
    """

    min_s: Any = None
    max_s: Any = None
    _: KW_ONLY
    keep: bool = True
    kind: ClassVar[str] = "duration"

    def __post_init__(self) -> None:
        lo = None if self.min_s is None else parse_duration(self.min_s)
        hi = None if self.max_s is None else parse_duration(self.max_s)
        if lo is None and hi is None:
            raise InputError("Duration needs min_s, max_s or both")
        if lo is not None and hi is not None and lo > hi:
            raise InputError(f"Duration min_s ({lo}) is larger than max_s ({hi})")
        object.__setattr__(self, "min_s", lo)
        object.__setattr__(self, "max_s", hi)

    def apply(self, events: ir.Table) -> ir.Table:
        _need(events, (CASE, TIMESTAMP), "Duration")
        ts = events[TIMESTAMP]
        # Microseconds, not epoch seconds: exact, and epoch_seconds is int32 in Ibis.
        per_case = events.group_by(CASE).aggregate(us=ts.max().delta(ts.min(), unit="microsecond"))
        pred = ibis.literal(True)
        if self.min_s is not None:
            pred = pred & (per_case["us"] >= round(self.min_s * 1_000_000))
        if self.max_s is not None:
            pred = pred & (per_case["us"] <= round(self.max_s * 1_000_000))
        return _keep_cases(events, per_case.filter(pred.fill_null(False)), self.keep)


@dataclass(frozen=True)
class Endpoints(Filter):
    """Cases starting with one of ``start`` and ending with one of ``end`` activities.

    An empty or missing side is not checked.

    Examples
    --------
    >>> Endpoints(start=["Open"]).to_dict()
    {'type': 'endpoints', 'start': ['Open'], 'end': [], 'keep': True}
    """

    start: Any = ()
    end: Any = ()
    _: KW_ONLY
    keep: bool = True
    kind: ClassVar[str] = "endpoints"

    def __post_init__(self) -> None:
        start = _values(self.start or ())
        end = _values(self.end or ())
        if not start and not end:
            raise InputError("Endpoints needs start activities, end activities or both")
        object.__setattr__(self, "start", tuple(map(str, start)))
        object.__setattr__(self, "end", tuple(map(str, end)))

    def apply(self, events: ir.Table) -> ir.Table:
        _need(events, (CASE, ACTIVITY, TIMESTAMP), "Endpoints")
        act, order = events[ACTIVITY], _order(events)
        per_case = events.group_by(CASE).aggregate(
            first=act.first(order_by=order), last=act.last(order_by=order)
        )
        pred = ibis.literal(True)
        if self.start:
            pred = pred & per_case["first"].isin(self.start)
        if self.end:
            pred = pred & per_case["last"].isin(self.end)
        return _keep_cases(events, per_case.filter(pred.fill_null(False)), self.keep)


@dataclass(frozen=True)
class Follows(Filter):
    """Cases where ``b`` directly follows ``a`` (or eventually follows it: ``directly=False``).

    "Eventually" means some ``a`` occurs before some later ``b`` (for ``a == b``: at least two
    occurrences).

    Examples
    --------
    >>> Follows("Open", "Close", directly=False, keep=False).to_dict()["directly"]
    False
    """

    a: str
    b: str
    _: KW_ONLY
    directly: bool = True
    keep: bool = True
    kind: ClassVar[str] = "follows"

    def apply(self, events: ir.Table) -> ir.Table:
        _need(events, (CASE, ACTIVITY, TIMESTAMP), "Follows")
        window = ibis.window(group_by=events[CASE], order_by=_order(events))
        act = events[ACTIVITY]
        if self.directly:
            marked = events.mutate(_jl_next=act.lead().over(window))
            hits = marked.filter((marked[ACTIVITY] == self.a) & (marked["_jl_next"] == self.b))
        else:
            marked = events.mutate(_jl_pos=ibis.row_number().over(window))
            pos, name = marked["_jl_pos"], marked[ACTIVITY]
            spans = marked.group_by(CASE).aggregate(
                first_a=pos.min(where=name == self.a), last_b=pos.max(where=name == self.b)
            )
            hits = spans.filter((spans["first_a"] < spans["last_b"]).fill_null(False))
        return _keep_cases(events, hits, self.keep)


@dataclass(frozen=True)
class CaseIds(Filter):
    """Cases by id.

    Examples
    --------
    >>> CaseIds(["c1", 2]).ids
    ('c1', '2')
    """

    ids: Any
    _: KW_ONLY
    keep: bool = True
    kind: ClassVar[str] = "case_ids"

    def __post_init__(self) -> None:
        object.__setattr__(self, "ids", tuple(map(str, _values(self.ids))))

    def apply(self, events: ir.Table) -> ir.Table:
        _need(events, (CASE,), "CaseIds")
        pred = _matches(events[CASE], self.ids, CASE)
        return events.filter(pred if self.keep else ~pred)


# ---------------------------------------------------------------------- CLI-ish text
_UNITS = {"w": 604800, "d": 86400, "h": 3600, "min": 60, "m": 60, "s": 1, "ms": 0.001}
_AMOUNT = re.compile(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*(ms|min|w|d|h|m|s)\s*", re.IGNORECASE)


def parse_duration(value: str | float | dt.timedelta) -> float:
    """Seconds from a number, a :class:`datetime.timedelta` or text like ``"1d12h"``.

    Examples
    --------
    >>> parse_duration("10d"), parse_duration("1h30min"), parse_duration("90"), parse_duration(2)
    (864000.0, 5400.0, 90.0, 2.0)
    """
    if isinstance(value, dt.timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
    else:
        text = str(value).strip()
        try:
            seconds = float(text)
        except ValueError:
            parts = _AMOUNT.findall(text)
            if not parts or "".join(_AMOUNT.sub("", text).split()):
                raise InputError(
                    f"duration {value!r} not understood; write seconds or amounts with units "
                    "w, d, h, min, s, ms, e.g. '10d' or '1d12h'"
                ) from None
            seconds = sum(float(n) * _UNITS[u.lower()] for n, u in parts)
    if seconds != seconds or seconds < 0:
        raise InputError(f"duration must be a non-negative number of seconds, got {value!r}")
    return seconds


def _listed(value: str | Sequence[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _attribute_filters(
    specs: Sequence[str], cls: type[CaseAttribute | EventAttribute]
) -> list[Filter]:
    groups: dict[tuple[str, bool], list[str]] = {}
    for spec in specs:
        column, sep, value = spec.partition("=")
        keep = not column.endswith("!")
        column = column.removesuffix("!").strip()
        if not sep or not column:
            flag = "--case-attr" if cls is CaseAttribute else "--event-attr"
            raise InputError(f"{flag} expects COLUMN=VALUE or COLUMN!=VALUE, got {spec!r}")
        groups.setdefault((column, keep), []).append(value)
    return [cls(column, values, keep=keep) for (column, keep), values in groups.items()]


def _follows(spec: str, keep: bool) -> Follows:
    directly = ">>" not in spec
    a, sep, b = spec.partition(">" if directly else ">>")
    if not sep or not a.strip() or not b.strip():
        raise InputError(f"--follows expects 'A>B' (directly) or 'A>>B' (eventually), got {spec!r}")
    return Follows(a.strip(), b.strip(), directly=directly, keep=keep)


def parse_filter_options(
    *,
    case_attr: Sequence[str] | str | None = None,
    event_attr: Sequence[str] | str | None = None,
    time_from: str | None = None,
    time_to: str | None = None,
    time_mode: TimeMode = "contained",
    duration_min: str | float | None = None,
    duration_max: str | float | None = None,
    start_activity: Sequence[str] | str | None = None,
    end_activity: Sequence[str] | str | None = None,
    follows: Sequence[str] | str | None = None,
    not_follows: Sequence[str] | str | None = None,
    variant: Sequence[str] | str | None = None,
    case_id: Sequence[str] | str | None = None,
    exclude_case_id: Sequence[str] | str | None = None,
) -> Filters:
    """Turn CLI option values (grammar in the module docstring) into one :class:`Filters`.

    Case-level filters come first, so they judge whole cases; event-level filters
    (``--event-attr``, ``--time-mode trim``) are applied last.

    Examples
    --------
    >>> f = parse_filter_options(case_attr=["workgroup=Value 1"], follows="A>>B",
    ...                          duration_max="10d")
    >>> [type(x).__name__ for x in f]
    ['CaseAttribute', 'Duration', 'Follows']
    >>> parse_filter_options(time_from="2012-01-01", time_to="2012-12-31").filters[0].end
    Timestamp('2013-01-01 00:00:00')
    """
    out: list[Filter] = []
    events_level: list[Filter] = []
    if time_from or time_to:
        end = _timestamp(time_to, "--time-to")
        # A bare date as the upper bound means "through that day": [from, next midnight).
        if end is not None and re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(time_to).strip()):
            end += pd.Timedelta(days=1)
        frame = TimeFrame(time_from, end, mode=time_mode)
        (events_level if time_mode == "trim" else out).append(frame)
    out += _attribute_filters(_listed(case_attr), CaseAttribute)
    events_level += _attribute_filters(_listed(event_attr), EventAttribute)
    if duration_min is not None or duration_max is not None:
        out.append(Duration(duration_min, duration_max))
    if start_activity or end_activity:
        out.append(Endpoints(_listed(start_activity), _listed(end_activity)))
    out += [_follows(spec, True) for spec in _listed(follows)]
    out += [_follows(spec, False) for spec in _listed(not_follows)]
    sequences = []
    for spec in _listed(variant):
        steps = [s.strip() for s in spec.split(">")]
        if not all(steps):
            raise InputError(f"--variant expects activities separated by '>', got {spec!r}")
        sequences.append(steps)
    if sequences:
        out.append(Variant(sequences))
    if case_id:
        out.append(CaseIds(_listed(case_id)))
    if exclude_case_id:
        out.append(CaseIds(_listed(exclude_case_id), keep=False))
    return all_of(*out, *events_level)


# ---------------------------------------------------------------------- checking values
#: At most this many distinct values of a column are compared with a value that matched none.
_CANDIDATES = 50_000


def _unknown_value(level: str, column: str, value: Any, events: ir.Table) -> InputError:
    """The error for a value no row has, naming the closest values of ``column`` (difflib)."""
    import difflib

    values = events.select(v=events[column].cast("string")).distinct().limit(_CANDIDATES)
    present = sorted(str(v) for v in values.to_pyarrow()["v"].to_pylist() if v is not None)
    n = f"{len(present):,}+" if len(present) >= _CANDIDATES else f"{len(present):,}"
    close = difflib.get_close_matches(str(value), present, n=3, cutoff=0.5)
    if close:
        hint = f"closest values: {', '.join(close)} ({column} has {n} values)"
    elif len(present) <= 12:
        hint = f"{column} has {n} values: {', '.join(present)}"
    else:
        hint = f"none of the {n} values of {column} is close"
    return InputError(f"no {level} has {column} = {value!r}; {hint}")


def _check_column(events: ir.Table, column: str, what: str) -> None:
    if column in events.columns:
        return
    import difflib

    close = difflib.get_close_matches(column, list(events.columns), n=3, cutoff=0.5)
    hint = f"did you mean {', '.join(map(repr, close))}? " if close else ""
    raise InputError(
        f"{what}: there is no column {column!r}; {hint}"
        f"columns: {', '.join(c for c in events.columns if not c.startswith('_'))}"
    )


def _check_values(events: ir.Table, column: str, values: Sequence[Any], level: str) -> None:
    for value in values:
        if value is None:
            continue
        pred = _matches(events[column], [value], column)
        if not events.filter(pred).limit(1).count().execute():
            raise _unknown_value(level, column, value, events)


def check_filters(filters: Filter, events: ir.Table) -> None:
    """Raise :class:`InputError` when a filter names a column or a value the data lacks.

    A filter on a misspelt value (``journey=new_conection``) keeps nothing (or, with
    ``keep=False``, everything) without a word; this check says so before the filter runs,
    naming the closest values.  Columns and values are looked up in ``events`` as given
    (before any filter); case ids and time windows are not checked.

    Examples
    --------
    >>> import ibis, pyarrow as pa
    >>> ev = ibis.memtable(pa.table({"case_id": ["c1"], "activity": ["Open"],
    ...                              "journey": ["new_connection"]}))
    >>> check_filters(CaseAttribute("journey", "new_conection"), ev)
    Traceback (most recent call last):
    ...
    journeylens.errors.InputError: no case has journey = 'new_conection'; closest values: new_connection (journey has 1 values)
    """
    items = list(filters) if isinstance(filters, Filters) else [filters]
    for f in items:
        if isinstance(f, Filters):
            check_filters(f, events)
        elif isinstance(f, CaseAttribute | EventAttribute):
            level = "case" if isinstance(f, CaseAttribute) else "event"
            _check_column(events, f.column, f"--{level}-attr {f.column}")
            _check_values(events, f.column, f.values, level)
        elif isinstance(f, Endpoints):
            _check_values(events, ACTIVITY, [*f.start, *f.end], "event")
        elif isinstance(f, Follows):
            _check_values(events, ACTIVITY, [f.a, f.b], "event")
        elif isinstance(f, Variant):
            _check_values(events, ACTIVITY, sorted({a for s in f.sequences for a in s}), "event")
