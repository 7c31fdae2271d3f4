"""Hand-made journey logs and the generated demo world shared by the journey test modules."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import ibis
import pandas as pd
import pyarrow as pa
import pytest

from journeylens.generate.demo import build_demo
from journeylens.journeys import Journey, JourneyDefinition

#: Journeys of the generated world the journey tests run on (small: the suite is shared).
DEMO_SCALE = 3_000

SCHEMA = pa.schema(
    [
        ("case_id", pa.string()),
        ("activity", pa.string()),
        ("timestamp", pa.timestamp("us")),
        ("start_timestamp", pa.timestamp("us")),
        ("resource", pa.string()),
        ("department", pa.string()),
        ("channel", pa.string()),
        ("event_index", pa.int64()),
        ("customer", pa.string()),
        ("region", pa.string()),
    ]
)


def t(text: str | None) -> datetime | None:
    """'2024-01-01 09:00' → datetime."""
    return None if text is None else datetime.fromisoformat(text)


def log(rows: Sequence[tuple]) -> ibis.Table:
    """Events from ``(case, activity, end, start, department, channel, customer, region)``.

    Trailing fields may be left out; ``event_index`` is the row position.
    """
    full = [tuple(r) + (None,) * (8 - len(r)) for r in rows]
    cols = {
        "case_id": [r[0] for r in full],
        "activity": [r[1] for r in full],
        "timestamp": [t(r[2]) for r in full],
        "start_timestamp": [t(r[3]) for r in full],
        "resource": [None if r[4] is None else f"{r[4]} person" for r in full],
        "department": [r[4] for r in full],
        "channel": [r[5] for r in full],
        "event_index": list(range(len(full))),
        "customer": [r[6] for r in full],
        "region": [r[7] for r in full],
    }
    return ibis.memtable(pa.table(cols, schema=SCHEMA))


#: A small journey: Customer → Front → Back office lanes, three stages, a promise.
BASE = {
    "stages": ["Order", "Work", "Done"],
    "lanes": ["Customer", "Front", "Back"],
    "touchpoints": [
        {
            "name": "Order",
            "activities": ["Order"],
            "stage": "Order",
            "lane": "Customer",
            "customer_facing": True,
        },
        {
            "name": "Check",
            "activities": ["Check"],
            "stage": "Work",
            "lane": "Front",
            "sla": "30min",
            "wait_sla": "1d",
        },
        {
            "name": "Fix",
            "activities": ["Fix", "Fix failed"],
            "stage": "Work",
            "lane": "Back",
            "sla": "1h",
        },
        {
            "name": "Redo",
            "activities": ["Redo"],
            "stage": "Work",
            "lane": "Back",
            "rework": True,
            "value_class": "non-value-adding",
        },
        {
            "name": "Close",
            "activities": ["Close"],
            "stage": "Done",
            "lane": "Front",
            "customer_facing": True,
        },
    ],
    "contacts": ["Call: *"],
    "promise": {"from": "Order", "to": "Close", "within": "2d"},
    "completion": ["Close"],
    "cancellation": ["Cancel*"],
}


def definition(name: str = "j", **changes) -> JourneyDefinition:
    return JourneyDefinition.from_dict(name, {**BASE, **changes})


def journey(rows: Sequence[tuple], **changes) -> Journey:
    return Journey(definition(**changes), log(rows))


def by_id(df: pd.DataFrame) -> pd.DataFrame:
    return df.set_index("instance_id")


@pytest.fixture(scope="session")
def demo_ws(tmp_path_factory) -> Path:
    """The demo workspace (generated world + its journey definitions), built once."""
    path = tmp_path_factory.mktemp("journeys") / "demo"
    build_demo(path, scale=DEMO_SCALE, seed=7)
    return path


# (case, activity, end) rows; the BASE journey of _journeys: Order, Check (Work), Fix (Fix,
# Fix failed; Work), Redo (rework; Work), Close (Done); contacts "Call: *".
VARIANT_ROWS = [
    # c1: the main path
    ("c1", "Order", "2024-01-01 09:00"),
    ("c1", "Check", "2024-01-01 10:00"),
    ("c1", "Fix", "2024-01-01 11:00"),
    ("c1", "Close", "2024-01-01 12:00"),
    # c2: Check twice in a row is one visit
    ("c2", "Order", "2024-01-02 09:00"),
    ("c2", "Check", "2024-01-02 10:00"),
    ("c2", "Check", "2024-01-02 10:30"),
    ("c2", "Fix", "2024-01-02 11:00"),
    ("c2", "Close", "2024-01-02 12:00"),
    # c3: a failed fix, rework, a second fix: Fix entered twice
    ("c3", "Order", "2024-01-03 09:00"),
    ("c3", "Check", "2024-01-03 10:00"),
    ("c3", "Fix failed", "2024-01-03 11:00"),
    ("c3", "Redo", "2024-01-03 12:00"),
    ("c3", "Fix", "2024-01-03 13:00"),
    ("c3", "Close", "2024-01-03 14:00"),
    # c4: contacts are left out, also between two events of one touchpoint
    ("c4", "Order", "2024-01-04 09:00"),
    ("c4", "Call: where is my order?", "2024-01-04 09:30"),
    ("c4", "Check", "2024-01-04 10:00"),
    ("c4", "Fix failed", "2024-01-04 11:00"),
    ("c4", "Call: still broken", "2024-01-04 11:30"),
    ("c4", "Fix", "2024-01-04 12:00"),
    ("c4", "Close", "2024-01-04 13:00"),
    # c5: the same touchpoints in another order: the same family
    ("c5", "Check", "2024-01-05 09:00"),
    ("c5", "Order", "2024-01-05 10:00"),
    ("c5", "Fix", "2024-01-05 11:00"),
    ("c5", "Close", "2024-01-05 12:00"),
    # c6: one event
    ("c6", "Order", "2024-01-06 09:00"),
    # c7: a contact only
    ("c7", "Call: hello?", "2024-01-07 09:00"),
    # c8: equal timestamps; row order (event_index) says Fix, Check, Fix: Fix entered twice
    ("c8", "Order", "2024-01-08 09:00"),
    ("c8", "Fix", "2024-01-08 10:00"),
    ("c8", "Check", "2024-01-08 10:00"),
    ("c8", "Fix", "2024-01-08 10:00"),
    # c9, c10: the main path again
    ("c9", "Order", "2024-01-09 09:00"),
    ("c9", "Check", "2024-01-09 10:00"),
    ("c9", "Fix", "2024-01-09 11:00"),
    ("c9", "Close", "2024-01-09 12:00"),
    ("c10", "Order", "2024-01-10 09:00"),
    ("c10", "Check", "2024-01-10 10:00"),
    ("c10", "Fix", "2024-01-10 11:00"),
    ("c10", "Close", "2024-01-10 12:00"),
]
