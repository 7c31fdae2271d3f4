"""Tiny hand-made event logs for the process-mining tests, and a pure-Python reference.

Tables are built from pyarrow (not pandas) so that ibis does not touch pandas' deprecated
``future.infer_string`` option, which would warn (and warnings are errors in this suite).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import NamedTuple

import ibis
import pyarrow as pa

SCHEMA = pa.schema(
    [
        ("case_id", pa.string()),
        ("activity", pa.string()),
        ("timestamp", pa.timestamp("us")),
        ("start_timestamp", pa.timestamp("us")),
        ("resource", pa.string()),
        ("department", pa.string()),
        ("channel", pa.string()),
        ("lifecycle", pa.string()),
        ("event_index", pa.int64()),
        ("source_id", pa.int32()),
    ]
)


class Ev(NamedTuple):
    """One event; timestamps are ISO strings, with or without a UTC offset."""

    case: str
    activity: str
    ts: str
    resource: str | None = None
    department: str | None = None
    start: str | None = None


def ts(value: str | None) -> datetime | None:
    """ISO text to a naive datetime; a value with an offset is converted to UTC first."""
    if value is None:
        return None
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def make_log(events: Iterable[Sequence], *, index: Sequence[int] | None = None) -> ibis.Table:
    """A canonical events memtable; ``event_index`` is the row position unless ``index``."""
    rows = [Ev(*e) for e in events]
    order = list(index) if index is not None else list(range(len(rows)))
    assert len(order) == len(rows)
    columns = {
        "case_id": [r.case for r in rows],
        "activity": [r.activity for r in rows],
        "timestamp": [ts(r.ts) for r in rows],
        "start_timestamp": [ts(r.start) for r in rows],
        "resource": [r.resource for r in rows],
        "department": [r.department for r in rows],
        "channel": [None] * len(rows),
        "lifecycle": [None] * len(rows),
        "event_index": order,
        "source_id": [0] * len(rows),
    }
    return ibis.memtable(pa.table(columns, schema=SCHEMA))


def traces_log(traces: dict[str, Sequence[str]], *, step_s: int = 60) -> ibis.Table:
    """A log from activity sequences: each case starts 2024-01-01, one event per ``step_s``."""
    base = datetime(2024, 1, 1)
    events = [
        Ev(case, activity, (base + timedelta(seconds=i * step_s)).isoformat())
        for case, seq in traces.items()
        for i, activity in enumerate(seq)
    ]
    return make_log(events)


def frame(table: ibis.Table):
    """Materialise a lazy result as pandas, via Arrow (no pandas-option warnings)."""
    return table.to_pyarrow().to_pandas()


# --------------------------------------------------------------------------- reference


def sequences(rows: Iterable[tuple[str, str, datetime, int]]) -> dict[str, list[tuple]]:
    """Per case, its ``(timestamp, index, activity)`` rows sorted by the documented rule."""
    by_case: dict[str, list[tuple]] = defaultdict(list)
    for case, activity, when, idx in rows:
        by_case[case].append((when, idx, activity))
    return {case: sorted(evs) for case, evs in by_case.items()}


def reference_dfg(seqs: dict[str, list[tuple]]) -> tuple[Counter, Counter, Counter]:
    """Arc, start and end counts computed the slow, obvious way."""
    arcs: Counter = Counter()
    start: Counter = Counter()
    end: Counter = Counter()
    for evs in seqs.values():
        acts = [a for _, _, a in evs]
        start[acts[0]] += 1
        end[acts[-1]] += 1
        arcs.update(pairwise(acts))
    return arcs, start, end


def reference_variants(seqs: dict[str, list[tuple]]) -> Counter:
    return Counter(tuple(a for _, _, a in evs) for evs in seqs.values())
