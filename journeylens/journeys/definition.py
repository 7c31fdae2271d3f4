"""Customer journeys: what a journey is (definitions kept in ``journeylens.yaml``) and its data.

A *journey* is what a customer lives through end to end — a new connection, a home move, a
repair — as opposed to the touchpoints each department watches.  A definition says which cases
belong to it (an attribute or activity filter; or several cases of one customer joined within
a time window), its ordered **stages**, its **lanes** (customer lane first, then front office,
back office, field, partners ... in swimlane order), its **touchpoints** (activity names or
patterns → touchpoint, stage, lane, channel, customer-facing, value class, SLA targets), the
end-to-end **promise** ("installed within 10 days of the order"), the patterns of
**customer-initiated contacts** ("where is my order?") and an owner.

Definitions live under ``journeys:`` in the workspace's ``journeylens.yaml`` and are validated
once, when read: every problem names the file, the key path
(``journeys.new_connection.touchpoints[3].lane``), what is wrong, what is allowed, and a close
match when there is one.  :class:`Journey` binds a definition to events and computes, lazily
with Ibis, the journey's events (:meth:`Journey.events`) and one row of features per journey
instance (:meth:`Journey.instances`), the table the KPIs, the watermelon view, voice of the
customer and diagnosis build on.

Activity patterns: an exact name; a glob with ``*`` / ``?`` / ``[...]`` (``Customer * where is
my order?``); or a regular expression written ``re:^T0[2-5] ``.  An activity belongs to the
first touchpoint (in definition order) whose patterns match it.

Examples
--------
>>> d = JourneyDefinition.from_dict(
...     "support",
...     {
...         "stages": ["Intake", "Resolution"],
...         "lanes": ["Customer", "Front office"],
...         "touchpoints": [
...             {"name": "Ticket", "activities": ["Open*"], "stage": "Intake", "lane": "Customer"},
...             {"name": "Fix", "activities": ["Resolve"], "stage": "Resolution",
...              "lane": "Front office", "sla": "4h"},
...         ],
...         "promise": {"from": "Open ticket", "to": "Resolve", "within": "2d"},
...     },
... )
>>> d.touchpoints[1].sla_s, d.promise.within_s
(14400.0, 172800.0)
>>> d.touchpoint_for("Open ticket").name
'Ticket'
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args

from journeylens._util.fmt import exact_duration as format_duration
from journeylens._util.patterns import check as check_pattern
from journeylens._util.patterns import matches
from journeylens.errors import InputError
from journeylens.mining.filters import Filter, filter_from_dict, parse_duration
from journeylens.store.workspace import CONFIG_NAME

if TYPE_CHECKING:
    from journeylens.store.workspace import WorkspaceStore

__all__ = [
    "VALUE_CLASSES",
    "CaseSelection",
    "CustomerJoin",
    "JourneyDefinition",
    "LaneSource",
    "Milestones",
    "Touchpoint",
    "ValueClass",
    "definitions_from_config",
    "format_duration",
    "load_definitions",
    "slug",
    "with_name",
    "workspace_definitions",
]

ValueClass = Literal["value-adding", "business-value-adding", "non-value-adding"]
VALUE_CLASSES: tuple[str, ...] = get_args(ValueClass)
JourneyKind = Literal["service", "contact"]
JOURNEY_KINDS: tuple[str, ...] = get_args(JourneyKind)


# --------------------------------------------------------------------------- small helpers


def slug(text: str) -> str:
    """A column-name-safe form of a stage or measure name.

    Examples
    --------
    >>> slug("Order & validation"), slug("Installation (field)")
    ('order_validation', 'installation_field')
    """
    s = re.sub(r"[^0-9a-zA-Z]+", "_", text.strip().lower()).strip("_")
    return s or "x"


class _Problems:
    """Collects validation problems with their key paths; raises them all at once."""

    def __init__(self, source: str):
        self.source = source
        self.items: list[str] = []

    def add(self, path: str, message: str) -> None:
        self.items.append(f"{path}: {message}")

    def raise_if_any(self) -> None:
        if not self.items:
            return
        head = f"{self.source}: " if self.source else ""
        if len(self.items) == 1:
            raise InputError(head + self.items[0])
        listed = "\n  - ".join(self.items)
        raise InputError(
            f"{head}{len(self.items)} problems in the journey definition:\n  - {listed}"
        )


def _suggest(value: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(str(value), [str(c) for c in choices], n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _one_of(value: Any, choices: Sequence[str]) -> str:
    return f"{value!r} is not one of {', '.join(repr(c) for c in choices)}" + _suggest(
        value, choices
    )


def _strings(value: Any, path: str, problems: _Problems, *, required: bool = False) -> tuple:
    """A string or a list of strings as a tuple; records a problem otherwise."""
    if value is None:
        if required:
            problems.add(path, "is required (a name or a list of names)")
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, Sequence) or not all(isinstance(v, str) and v for v in value):
        problems.add(path, f"expected a non-empty text or a list of texts, found {value!r}")
        return ()
    for i, v in enumerate(value):
        if v.startswith("re:"):
            try:
                check_pattern(v)
            except re.error as e:
                problems.add(f"{path}[{i}]", f"bad regular expression {v[3:]!r}: {e}")
    if required and not value:
        problems.add(path, "must list at least one activity name or pattern")
    return tuple(value)


def _duration(value: Any, path: str, problems: _Problems) -> float | None:
    if value is None:
        return None
    try:
        return parse_duration(value)
    except InputError:
        problems.add(
            path,
            f"expected a duration (seconds, or amounts with units w, d, h, min, s: '10d', "
            f"'4h', '1d12h'), found {value!r}",
        )
        return None


def _check_keys(data: Mapping[str, Any], allowed: Sequence[str], path: str, problems: _Problems):
    for key in data:
        if key not in allowed:
            problems.add(
                f"{path}.{key}",
                f"unknown key; allowed keys: {', '.join(allowed)}" + _suggest(key, allowed),
            )


def _mapping(value: Any, path: str, problems: _Problems) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        problems.add(path, f"expected a mapping (key: value lines), found {type(value).__name__}")
        return {}
    return value


# --------------------------------------------------------------------------- definitions


@dataclass(frozen=True)
class Touchpoint:
    """One touchpoint of a journey: which activities it is, where it sits, what it promises.

    ``sla_s`` is the target on processing time (completion minus start of the event);
    ``wait_sla_s`` the target on the wait before it (its start minus the completion of the
    previous event outside the customer lane).  ``rework`` marks touchpoints that only exist
    to repair something (a correction, a rebooking): all their time counts as rework.
    """

    name: str
    activities: tuple[str, ...]
    stage: str
    lane: str | None = None
    channel: str | None = None
    customer_facing: bool = False
    value_class: ValueClass = "value-adding"
    sla_s: float | None = None
    wait_sla_s: float | None = None
    rework: bool = False

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "activities": list(self.activities),
            "stage": self.stage,
        }
        if self.lane is not None:
            out["lane"] = self.lane
        if self.channel is not None:
            out["channel"] = self.channel
        out["customer_facing"] = self.customer_facing
        out["value_class"] = self.value_class
        if self.sla_s is not None:
            out["sla"] = format_duration(self.sla_s)
        if self.wait_sla_s is not None:
            out["wait_sla"] = format_duration(self.wait_sla_s)
        if self.rework:
            out["rework"] = True
        return out


@dataclass(frozen=True)
class Milestones:
    """A duration between two milestones: first ``from`` activity to first ``to`` after it.

    When ``to`` happened only before ``from`` (the new service started before the old one
    ended), the span runs back to the latest such ``to`` and is negative.

    As the journey's promise it has a target ``within_s`` and a plain-language ``text``; as a
    named measure (``measures:``) it becomes an instance column ``<name>_s``.
    """

    from_: tuple[str, ...]
    to: tuple[str, ...]
    within_s: float | None = None
    text: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"from": _one_or_list(self.from_), "to": _one_or_list(self.to)}
        if self.within_s is not None:
            out["within"] = format_duration(self.within_s)
        if self.text:
            out["text"] = self.text
        return out


@dataclass(frozen=True)
class CaseSelection:
    """Which cases belong to a journey; the parts are AND-ed.

    ``attributes``: column → value or list of values (cases having one of them);
    ``activities``: cases with an event matching one of the patterns; ``filters``: any
    :mod:`journeylens.mining.filters` filter, as saved in segments.  Empty = every case with at least
    one touchpoint.
    """

    attributes: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)
    activities: tuple[str, ...] = ()
    filters: tuple[Filter, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.attributes:
            out["attributes"] = {k: _one_or_list(v) for k, v in self.attributes.items()}
        if self.activities:
            out["activities"] = list(self.activities)
        if self.filters:
            out["filters"] = [f.to_dict() for f in self.filters]
        return out


@dataclass(frozen=True)
class CustomerJoin:
    """Several cases of one customer form one journey instance.

    A case joins the customer's current instance when it starts at most ``window_s`` after
    the latest end of the cases already in it; otherwise it starts a new instance.  With
    ``window_s=None`` cases are not joined: the column only fills ``customer_id``.
    """

    column: str
    window_s: float | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"column": self.column}
        if self.window_s is not None:
            out["window"] = format_duration(self.window_s)
        return out


@dataclass(frozen=True)
class LaneSource:
    """Lanes read from an event column (a workgroup, a department) for touchpoints without one.

    ``map`` renames column values to lanes; values not in it are used as they are.
    """

    column: str
    map: Mapping[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"column": self.column}
        if self.map:
            out["map"] = dict(self.map)
        return out


def _one_or_list(values: Sequence[Any]) -> Any:
    return values[0] if len(values) == 1 else list(values)


_TOP_KEYS = (
    "description",
    "owner",
    "kind",
    "cases",
    "customer",
    "stages",
    "lanes",
    "lanes_from",
    "touchpoints",
    "contacts",
    "promise",
    "measures",
    "completion",
    "cancellation",
)
_TP_KEYS = (
    "name",
    "activities",
    "stage",
    "lane",
    "channel",
    "customer_facing",
    "value_class",
    "sla",
    "wait_sla",
    "rework",
)


@dataclass(frozen=True)
class JourneyDefinition:
    """A journey as its owner defines it (the ``journeys.<name>`` entry of the YAML).

    ``lanes[0]`` is the customer lane (drawn on top of the journey map; waits are measured
    from the previous event *outside* it).  ``completion`` / ``cancellation`` are activity
    patterns that mark a finished or abandoned journey.
    """

    name: str
    stages: tuple[str, ...]
    lanes: tuple[str, ...]
    touchpoints: tuple[Touchpoint, ...]
    description: str = ""
    owner: str | None = None
    kind: JourneyKind = "service"
    cases: CaseSelection = field(default_factory=CaseSelection)
    customer: CustomerJoin | None = None
    lanes_from: LaneSource | None = None
    contacts: tuple[str, ...] = ()
    promise: Milestones | None = None
    measures: Mapping[str, Milestones] = field(default_factory=dict)
    completion: tuple[str, ...] = ()
    cancellation: tuple[str, ...] = ()

    # -- patterns --------------------------------------------------------------------------
    def touchpoint_for(self, activity: str) -> Touchpoint | None:
        """The touchpoint an activity belongs to (first match in definition order), or None."""
        for tp in self.touchpoints:
            if matches(tp.activities, activity):
                return tp
        return None

    def is_contact(self, activity: str) -> bool:
        """Whether an activity is a customer-initiated contact of this journey."""
        return matches(self.contacts, activity)

    @property
    def customer_lane(self) -> str:
        return self.lanes[0]

    def stage_columns(self) -> dict[str, str]:
        """Stage name → its ``stage_<slug>_s`` column in :meth:`Journey.instances`."""
        return {s: f"stage_{slug(s)}_s" for s in self.stages}

    # -- YAML ------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The YAML form (durations as text such as ``'10d'``)."""
        out: dict[str, Any] = {}
        if self.description:
            out["description"] = self.description
        if self.owner:
            out["owner"] = self.owner
        if self.kind != "service":
            out["kind"] = self.kind
        if sel := self.cases.to_dict():
            out["cases"] = sel
        if self.customer:
            out["customer"] = self.customer.to_dict()
        out["stages"] = list(self.stages)
        out["lanes"] = list(self.lanes)
        if self.lanes_from:
            out["lanes_from"] = self.lanes_from.to_dict()
        out["touchpoints"] = [tp.to_dict() for tp in self.touchpoints]
        if self.contacts:
            out["contacts"] = list(self.contacts)
        if self.promise:
            out["promise"] = self.promise.to_dict()
        if self.measures:
            out["measures"] = {k: m.to_dict() for k, m in self.measures.items()}
        if self.completion:
            out["completion"] = list(self.completion)
        if self.cancellation:
            out["cancellation"] = list(self.cancellation)
        return out

    @classmethod
    def from_dict(
        cls, name: str, data: Mapping[str, Any], *, source: str = "", prefix: str = "journeys"
    ) -> JourneyDefinition:
        """Parse and validate one journey; every problem is reported with its key path.

        Raises
        ------
        InputError
            Listing each problem as ``journeys.<name>.<key path>: what is wrong; allowed ...``.
        """
        p = _Problems(source)
        base = f"{prefix}.{name}"
        if not isinstance(name, str) or not name.strip():
            p.add(prefix, f"a journey needs a non-empty name, found {name!r}")
        if not isinstance(data, Mapping):
            p.add(base, f"expected a mapping with stages, lanes and touchpoints, found {data!r}")
            p.raise_if_any()
        _check_keys(data, _TOP_KEYS, base, p)

        stages = _names(data.get("stages"), f"{base}.stages", p, "stage")
        lanes = _names(data.get("lanes"), f"{base}.lanes", p, "lane")
        kind = data.get("kind", "service")
        if kind not in JOURNEY_KINDS:
            p.add(f"{base}.kind", _one_of(kind, JOURNEY_KINDS))
            kind = "service"
        owner = data.get("owner")
        if owner is not None and not isinstance(owner, str):
            p.add(f"{base}.owner", f"expected a text (a person or role), found {owner!r}")
        lanes_from = _lanes_from(data.get("lanes_from"), f"{base}.lanes_from", p)
        tps = _touchpoints(data.get("touchpoints"), f"{base}.touchpoints", p, stages, lanes)
        if lanes_from is None:
            for i, tp in enumerate(tps):
                if tp is not None and tp.lane is None:
                    p.add(
                        f"{base}.touchpoints[{i}].lane",
                        f"is required (one of {', '.join(repr(x) for x in lanes)}), "
                        "or read lanes from a column with lanes_from: {column: department}",
                    )
        promise = _milestones(data.get("promise"), f"{base}.promise", p, need_within=True)
        measures = {}
        for mname, mdata in _mapping(data.get("measures"), f"{base}.measures", p).items():
            m = _milestones(mdata, f"{base}.measures.{mname}", p, need_within=False)
            if m is not None:
                measures[str(mname)] = m
        definition = cls(
            name=name,
            description=str(data.get("description") or ""),
            owner=owner if isinstance(owner, str) else None,
            kind=kind,
            cases=_selection(data.get("cases"), f"{base}.cases", p),
            customer=_customer(data.get("customer"), f"{base}.customer", p),
            stages=stages,
            lanes=lanes,
            lanes_from=lanes_from,
            touchpoints=tuple(tp for tp in tps if tp is not None),
            contacts=_strings(data.get("contacts"), f"{base}.contacts", p),
            promise=promise,
            measures=measures,
            completion=_strings(data.get("completion"), f"{base}.completion", p),
            cancellation=_strings(data.get("cancellation"), f"{base}.cancellation", p),
        )
        p.raise_if_any()
        return definition

    def check_activities(self, activities: Sequence[str], *, source: str = "") -> list[str]:
        """Check the definition against the activities a log has.

        Raises :class:`InputError` when none of the patterns of a touchpoint, promise or
        measure matches an activity (with close matches); returns warnings: single patterns
        that match nothing, and activities that no touchpoint or contact pattern covers.
        """
        p = _Problems(source)
        base = f"journeys.{self.name}"
        acts = sorted(set(activities))

        warnings: list[str] = []

        def check(patterns: Sequence[str], path: str, *, required: bool = True) -> None:
            # All patterns of a list matching nothing is an error; some of them a warning
            # (a variant that does not occur in this data, such as a rare failure).
            idle = [j for j, pat in enumerate(patterns) if not any(matches([pat], a) for a in acts)]
            for j in idle:
                where = f"{path}[{j}]" if len(patterns) > 1 else path
                text = f"{patterns[j]!r} matches no activity in the data" + _suggest(
                    patterns[j], acts
                )
                if required and len(idle) == len(patterns):
                    p.add(where, text)
                else:
                    warnings.append(f"{where}: {text}")

        for i, tp in enumerate(self.touchpoints):
            check(tp.activities, f"{base}.touchpoints[{i}].activities")
        if self.promise:
            check(self.promise.from_, f"{base}.promise.from")
            check(self.promise.to, f"{base}.promise.to")
        for mname, m in self.measures.items():
            check(m.from_, f"{base}.measures.{mname}.from")
            check(m.to, f"{base}.measures.{mname}.to")
        check(self.cases.activities, f"{base}.cases.activities")
        check(self.contacts, f"{base}.contacts", required=False)
        p.raise_if_any()
        return warnings + [
            f"activity {a!r} is in no touchpoint or contact pattern (its events are left out)"
            for a in acts
            if self.touchpoint_for(a) is None and not self.is_contact(a)
        ]


def _names(value: Any, path: str, p: _Problems, what: str) -> tuple[str, ...]:
    if value is None or (isinstance(value, Sequence) and not isinstance(value, str) and not value):
        p.add(path, f"is required: the ordered list of {what}s")
        return ()
    if isinstance(value, str) or not isinstance(value, Sequence):
        p.add(path, f"expected a list of {what} names, found {value!r}")
        return ()
    out = []
    for i, v in enumerate(value):
        if not isinstance(v, str) or not v.strip():
            p.add(f"{path}[{i}]", f"expected a {what} name (text), found {v!r}")
        elif v in out:
            p.add(f"{path}[{i}]", f"{what} {v!r} is listed twice")
        else:
            out.append(v)
    return tuple(out)


def _touchpoints(
    value: Any, path: str, p: _Problems, stages: Sequence[str], lanes: Sequence[str]
) -> list[Touchpoint | None]:
    if not isinstance(value, Sequence) or isinstance(value, str) or not value:
        p.add(path, "is required: a list of touchpoints (name, activities, stage, lane ...)")
        return []
    out: list[Touchpoint | None] = []
    seen: set[str] = set()
    for i, item in enumerate(value):
        here = f"{path}[{i}]"
        if not isinstance(item, Mapping):
            p.add(here, f"expected a mapping with name, activities, stage, lane; found {item!r}")
            out.append(None)
            continue
        _check_keys(item, _TP_KEYS, here, p)
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            p.add(f"{here}.name", f"is required (a text), found {name!r}")
            name = f"touchpoint {i}"
        elif name in seen:
            p.add(f"{here}.name", f"touchpoint {name!r} is defined twice; names must be unique")
        seen.add(name)
        acts = _strings(item.get("activities", name), f"{here}.activities", p, required=True)
        stage = item.get("stage")
        if stage not in stages:
            if stage is None:
                p.add(f"{here}.stage", f"is required; stages: {', '.join(map(repr, stages))}")
            elif stages:
                p.add(f"{here}.stage", _one_of(stage, stages) + " (the journey's stages)")
        lane = item.get("lane")
        if lane is not None and lane not in lanes and lanes:
            p.add(f"{here}.lane", _one_of(lane, lanes) + " (the journey's lanes)")
        vc = item.get("value_class", "value-adding")
        if vc not in VALUE_CLASSES:
            p.add(f"{here}.value_class", _one_of(vc, VALUE_CLASSES))
            vc = "value-adding"
        flags = {}
        for key in ("customer_facing", "rework"):
            v = item.get(key, False)
            if not isinstance(v, bool):
                p.add(f"{here}.{key}", f"expected true or false, found {v!r}")
                v = False
            flags[key] = v
        channel = item.get("channel")
        if channel is not None and not isinstance(channel, str):
            p.add(f"{here}.channel", f"expected a channel name (text), found {channel!r}")
            channel = None
        out.append(
            Touchpoint(
                name=name,
                activities=acts,
                stage=stage if isinstance(stage, str) else "",
                lane=lane if isinstance(lane, str) else None,
                channel=channel,
                customer_facing=flags["customer_facing"],
                value_class=vc,
                sla_s=_duration(item.get("sla"), f"{here}.sla", p),
                wait_sla_s=_duration(item.get("wait_sla"), f"{here}.wait_sla", p),
                rework=flags["rework"],
            )
        )
    return out


def _milestones(value: Any, path: str, p: _Problems, *, need_within: bool) -> Milestones | None:
    if value is None:
        return None
    data = _mapping(value, path, p)
    if not data:
        return None
    allowed = ("from", "to", "within", "text") if need_within else ("from", "to")
    _check_keys(data, allowed, path, p)
    within = _duration(data.get("within"), f"{path}.within", p)
    if need_within and data.get("within") is None:
        p.add(f"{path}.within", "is required: the promised time, e.g. '10d'")
    return Milestones(
        from_=_strings(data.get("from"), f"{path}.from", p, required=True),
        to=_strings(data.get("to"), f"{path}.to", p, required=True),
        within_s=within,
        text=str(data["text"]) if data.get("text") else None,
    )


def _selection(value: Any, path: str, p: _Problems) -> CaseSelection:
    data = _mapping(value, path, p)
    _check_keys(data, ("attributes", "activities", "filters"), path, p)
    attrs = {}
    for col, vals in _mapping(data.get("attributes"), f"{path}.attributes", p).items():
        attrs[str(col)] = tuple(vals) if isinstance(vals, list | tuple) else (vals,)
    filters = []
    raw = data.get("filters") or []
    if not isinstance(raw, list):
        p.add(f"{path}.filters", f"expected a list of filters, found {raw!r}")
        raw = []
    for i, f in enumerate(raw):
        try:
            filters.append(filter_from_dict(f))
        except InputError as e:
            p.add(f"{path}.filters[{i}]", str(e))
    return CaseSelection(
        attributes=attrs,
        activities=_strings(data.get("activities"), f"{path}.activities", p),
        filters=tuple(filters),
    )


def _customer(value: Any, path: str, p: _Problems) -> CustomerJoin | None:
    if value is None:
        return None
    if isinstance(value, str):
        return CustomerJoin(column=value)
    data = _mapping(value, path, p)
    _check_keys(data, ("column", "window"), path, p)
    col = data.get("column")
    if not isinstance(col, str) or not col:
        p.add(f"{path}.column", "is required: the column holding the customer id")
        return None
    return CustomerJoin(column=col, window_s=_duration(data.get("window"), f"{path}.window", p))


def _lanes_from(value: Any, path: str, p: _Problems) -> LaneSource | None:
    if value is None:
        return None
    if isinstance(value, str):
        return LaneSource(column=value)
    data = _mapping(value, path, p)
    _check_keys(data, ("column", "map"), path, p)
    col = data.get("column")
    if not isinstance(col, str) or not col:
        p.add(f"{path}.column", "is required: the event column to read lanes from")
        return None
    mapping = {str(k): str(v) for k, v in _mapping(data.get("map"), f"{path}.map", p).items()}
    return LaneSource(column=col, map=mapping)


# --------------------------------------------------------------------------- YAML files


def definitions_from_config(journeys: Any, *, source: str = "") -> dict[str, JourneyDefinition]:
    """Parse the ``journeys:`` mapping of a config; all problems of all journeys at once."""
    if journeys is None:
        return {}
    if not isinstance(journeys, Mapping):
        raise InputError(
            f"{source + ': ' if source else ''}journeys: expected a mapping of journey name to "
            f"definition, found {type(journeys).__name__}"
        )
    out: dict[str, JourneyDefinition] = {}
    problems: list[str] = []
    for name, data in journeys.items():
        try:
            out[str(name)] = JourneyDefinition.from_dict(str(name), data)
        except InputError as e:
            problems.extend(
                line.strip().removeprefix("- ")
                for line in str(e).splitlines()
                if line.strip() and not line.strip().endswith("journey definition:")
            )
    if problems:
        p = _Problems(source)
        p.items = problems
        p.raise_if_any()
    return out


def load_definitions(path: str | Path) -> dict[str, JourneyDefinition]:
    """Read journey definitions from a YAML file (a ``journeys:`` mapping, or the mapping itself).

    Examples
    --------
    >>> from journeylens.generate.demo import demo_journeys_path
    >>> sorted(load_definitions(demo_journeys_path()))
    ['home_move', 'new_connection', 'repair']
    """
    import yaml

    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as e:
        raise InputError(f"cannot read journey definitions from {path}: {e.strerror}") from None
    except yaml.YAMLError as e:
        raise InputError(f"{path}: not valid YAML ({e})") from None
    if isinstance(data, Mapping) and "journeys" in data:
        data = data["journeys"]
    return definitions_from_config(data, source=str(path))


# --------------------------------------------------------------------------- journeys on data


# --------------------------------------------------------------------------- workspace glue


def _config_source(ws: WorkspaceStore) -> str:
    return str(ws.path / CONFIG_NAME) if ws.path is not None else ""


def workspace_definitions(ws: WorkspaceStore) -> dict[str, JourneyDefinition]:
    return definitions_from_config(ws.config.get("journeys") or {}, source=_config_source(ws))


def with_name(definition: JourneyDefinition, name: str) -> JourneyDefinition:
    """A copy of ``definition`` under another name."""
    return replace(definition, name=name)
