"""Which source column plays which role in the canonical event model.

A :class:`Mapping` names, for each role of :data:`journeylens.schema.ROLES`, the source column
that fills it.  Roles the user does not name are detected from the column names: XES keys
(``case:concept:name``, ``concept:name``, ``time:timestamp`` ...), the names common exports use
(``Case ID``, ``ticket_id``, ``Activity``, ``Complete Timestamp``, ``Resource`` ...) and presets
for well-known systems (``preset="servicenow"``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from journeylens import schema
from journeylens.errors import ColumnNotFoundError, InputError, option_for

__all__ = ["PRESETS", "RESERVED_PREFIXES", "Mapping", "detect_mapping", "safe_names"]


def _norm(name: str) -> str:
    """Fold a column name so 'Case ID', 'case_id' and 'CaseId' compare equal."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


#: Column names starting with these are journeylens's own (the staging row number
#: ``__jl_row``, the import's ``_jl_*`` tables): a source column so named is renamed.
RESERVED_PREFIXES = ("_jl_", "__jl_")


def safe_names(columns: Sequence[str], *, known: Sequence[str] = ()) -> tuple[list[str], list[str]]:
    """Column names the workspace can hold, and a note for each one changed.

    Names are case-insensitive in the workspace (DuckDB), so ``Status`` and ``status`` in one
    source would be one column: the later one becomes ``status_2``.  A name that differs only
    in case from a column the workspace already has (``known``, from an earlier source)
    takes that spelling, so both sources fill one attribute.  A name journeylens uses itself
    (:data:`RESERVED_PREFIXES`) loses its leading underscores (``__jl_row`` → ``jl_row``).

    Examples
    --------
    >>> safe_names(["case", "Status", "status", "__jl_row"])[0]
    ['case', 'Status', 'status_2', 'jl_row']
    >>> safe_names(["case", "status"], known=["Status"])[0]
    ['case', 'Status']
    """
    spelling = {k.lower(): k for k in known}
    taken: set[str] = set()
    names: list[str] = []
    notes: list[str] = []
    for col in columns:
        new = col
        if new.lower().startswith(RESERVED_PREFIXES):
            new = new.lstrip("_") or "column"
            why = "names starting with _jl_ or __jl_ are journeylens's own"
        elif new.lower() in spelling and new not in spelling.values():
            new = spelling[new.lower()]
            why = f"the workspace already has the column {new!r} from an earlier source"
        else:
            why = ""
        if new.lower() in taken:
            other = next(n for n in names if n.lower() == new.lower())
            base, k = new, 2
            while f"{base}_{k}".lower() in taken or f"{base}_{k}".lower() in spelling:
                k += 1
            new = f"{base}_{k}"
            why = f"it differs from {other!r} only in case, and column names ignore case"
        taken.add(new.lower())
        names.append(new)
        if new != col:
            notes.append(f"column {col!r} renamed to {new!r}: {why}")
    return names, notes


# Candidate names per role, best first.  Compared after _norm().
_CANDIDATES: dict[str, tuple[str, ...]] = {
    schema.CASE: (
        "case:concept:name",
        "case id",
        "case_id",
        "caseid",
        "case",
        "case key",
        "ticket id",
        "ticket_id",
        "ticket",
        "incident id",
        "order id",
        "order_id",
        "application id",
        "process instance",
        "trace id",
        "instance id",
    ),
    schema.ACTIVITY: (
        "concept:name",
        "activity",
        "activity name",
        "activity_name",
        "event",
        "event name",
        "action",
        "task",
        "step",
        "status",
    ),
    schema.TIMESTAMP: (
        "time:timestamp",
        "complete timestamp",
        "completion timestamp",
        "end timestamp",
        "timestamp",
        "end time",
        "endtime",
        "completed at",
        "event time",
        "time",
        "datetime",
        "date",
    ),
    schema.START: (
        "start_timestamp",
        "start timestamp",
        "start time",
        "starttime",
        "started at",
        "time:start",
    ),
    schema.RESOURCE: (
        "org:resource",
        "resource",
        "user",
        "agent",
        "employee",
        "performer",
        "assigned to",
        "handled by",
        "operator",
    ),
    schema.DEPARTMENT: (
        "org:group",
        "department",
        "dept",
        "team",
        "lane",
        "workgroup",
        "group",
        "org:role",
        "role",
        "unit",
        "assignment group",
    ),
    schema.CHANNEL: ("channel", "contact channel", "medium", "source channel"),
    schema.LIFECYCLE: ("lifecycle:transition", "lifecycle", "transition", "event type"),
}

#: Mapping presets for common exports.  Keys are roles, values candidate column names.
PRESETS: dict[str, dict[str, tuple[str, ...]]] = {
    "servicenow": {
        schema.CASE: ("number",),
        schema.ACTIVITY: ("incident_state", "state"),
        schema.TIMESTAMP: ("sys_updated_on", "updated"),
        schema.START: (),
        schema.RESOURCE: ("sys_updated_by", "assigned_to"),
        schema.DEPARTMENT: ("assignment_group",),
        schema.CHANNEL: ("contact_type",),
    },
    "xes": {
        schema.CASE: ("case:concept:name",),
        schema.ACTIVITY: ("concept:name",),
        schema.TIMESTAMP: ("time:timestamp",),
        schema.RESOURCE: ("org:resource",),
        schema.DEPARTMENT: ("org:group",),
        schema.LIFECYCLE: ("lifecycle:transition",),
    },
}


@dataclass(frozen=True)
class Mapping:
    """Source column names for each canonical role (``None`` = role absent).

    Examples
    --------
    >>> m = detect_mapping(["Case ID", "Activity", "Complete Timestamp", "Resource"])
    >>> m.case_id, m.activity, m.timestamp, m.resource
    ('Case ID', 'Activity', 'Complete Timestamp', 'Resource')
    """

    case_id: str | None = None
    activity: str | None = None
    timestamp: str | None = None
    start_timestamp: str | None = None
    resource: str | None = None
    department: str | None = None
    channel: str | None = None
    lifecycle: str | None = None
    #: Roles that were detected rather than given by the user (for the import report).
    detected: tuple[str, ...] = field(default=(), compare=False)

    def get(self, role: str) -> str | None:
        column: str | None = getattr(self, role)
        return column

    def as_dict(self) -> dict[str, str]:
        """The roles that are mapped, as ``{role: column}`` (what the workspace YAML stores)."""
        return {r: c for r in schema.ROLES if (c := self.get(r)) is not None}

    def columns(self) -> set[str]:
        return set(self.as_dict().values())


def detect_mapping(
    columns: Iterable[str],
    *,
    preset: str | None = None,
    source: str = "",
    **given: str | None,
) -> Mapping:
    """Complete a mapping: user-given roles win, the rest are detected from column names.

    Parameters
    ----------
    columns
        The source's column names.
    preset
        Name of a mapping preset (see :data:`PRESETS`), tried before the generic names.
    source
        The file or table name, used in error messages.
    **given
        Roles the user set explicitly (``case_id="Ticket"``); ``None`` values are ignored.

    Raises
    ------
    ColumnNotFoundError
        A given column does not exist, or a required role (case id, activity, timestamp)
        could not be detected; the message lists the available columns.
    """
    cols = list(columns)
    unknown = set(given) - set(schema.ROLES)
    if unknown:
        raise InputError(
            f"unknown mapping role(s) {sorted(unknown)}; expected some of {list(schema.ROLES)}"
        )
    if preset is not None and preset not in PRESETS:
        raise InputError(f"unknown mapping preset {preset!r}; available presets: {sorted(PRESETS)}")
    by_norm: dict[str, str] = {}
    for c in cols:
        by_norm.setdefault(_norm(c), c)
    chosen: dict[str, str | None] = {}
    for role, name in given.items():
        if name is None:
            continue
        if name not in cols:
            # Accept a case/space-insensitive spelling, but never guess a different column.
            match = by_norm.get(_norm(name))
            if match is None:
                raise ColumnNotFoundError(role, name, cols, source=source)
            name = match
        chosen[role] = name
    detected: list[str] = []
    used = set(chosen.values())
    for role in schema.ROLES:
        if role in chosen:
            continue
        candidates = (*PRESETS.get(preset or "", {}).get(role, ()), *_CANDIDATES[role])
        for cand in candidates:
            col = by_norm.get(_norm(cand))
            if col is not None and col not in used:
                chosen[role] = col
                used.add(col)
                detected.append(role)
                break
    missing = [r for r in schema.REQUIRED_ROLES if chosen.get(r) is None]
    if missing:
        role = missing[0]
        where = f" in {source}" if source else ""
        raise InputError(
            f"could not find a column for the {role.replace('_', ' ')}{where}; "
            f"available columns: {', '.join(repr(c) for c in cols)}. "
            f"Name it with {option_for(role)} COLUMN (or `{role}:` in journeylens.yaml)."
        )
    # chosen holds role names only, never the `detected` field that mypy cannot rule out.
    return replace(Mapping(**chosen), detected=tuple(detected))  # type: ignore[arg-type]
