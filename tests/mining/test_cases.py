"""case_table on tiny hand-made logs."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace

import ibis
import pyarrow as pa
import pytest
from _logs import Ev, frame, make_log

from journeylens.errors import InputError
from journeylens.mining.cases import CASE_COLUMNS, case_table

ROWS = [
    # c1: A B A C with resources r1, -, r2, r1 and departments d1 d1 - d2
    Ev("c1", "A", "2024-01-01 09:00", "r1", "d1"),
    Ev("c1", "B", "2024-01-01 09:30", None, "d1"),
    Ev("c1", "A", "2024-01-01 10:00", "r2", None),
    Ev("c1", "C", "2024-01-02 09:00", "r1", "d2"),
    # c2: one event
    Ev("c2", "X", "2024-01-03 12:00", "r9", "d9"),
    # c3: same resource throughout, no departments
    Ev("c3", "A", "2024-01-01 09:00", "r1"),
    Ev("c3", "A", "2024-01-01 09:05", "r1"),
    Ev("c3", "A", "2024-01-01 09:06", "r1"),
]


@pytest.fixture(scope="module")
def cases():
    return frame(case_table(make_log(ROWS))).set_index("case_id")


def test_lazy_with_documented_columns():
    t = case_table(make_log(ROWS))
    assert isinstance(t, ibis.Table)
    assert t.columns == CASE_COLUMNS


def test_span_and_counts(cases):
    c1 = cases.loc["c1"]
    assert c1.start == datetime(2024, 1, 1, 9) and c1.end == datetime(2024, 1, 2, 9)
    assert c1.duration_s == 24 * 3600
    assert (c1.events, c1.activities, c1.rework) == (4, 3, 1)
    assert (c1.first_activity, c1.last_activity) == ("A", "C")
    c3 = cases.loc["c3"]
    assert (c3.events, c3.activities, c3.rework, c3.duration_s) == (3, 1, 2, 360.0)


def test_handoffs_skip_events_without_owner(cases):
    # resources r1, -, r2, r1: r1→r2→r1 = 2; departments d1, d1, -, d2: d1→d2 = 1
    assert cases.loc["c1", "handoffs_resource"] == 2
    assert cases.loc["c1", "handoffs_department"] == 1
    assert cases.loc["c3", "handoffs_resource"] == 0
    assert cases.loc["c3", "handoffs_department"] == 0  # all null: no hand-off


def test_one_event_case(cases):
    c2 = cases.loc["c2"]
    assert (c2.events, c2.duration_s, c2.rework, c2.handoffs_resource) == (1, 0.0, 0, 0)
    assert c2.first_activity == c2.last_activity == "X"


def test_ties_use_event_index():
    rows = [Ev("c", "X", "2024-01-01 10:00", "r1"), Ev("c", "Y", "2024-01-01 10:00", "r2")]
    first = frame(case_table(make_log(rows, index=[1, 0])))
    assert (first.first_activity[0], first.last_activity[0]) == ("Y", "X")
    assert first.handoffs_resource[0] == 1


def test_dst_change():
    rows = [
        Ev("c", "A", "2024-03-31T01:59:00+01:00"),
        Ev("c", "B", "2024-03-31T03:01:00+02:00"),
    ]
    assert frame(case_table(make_log(rows))).duration_s[0] == 120.0


def test_without_owner_columns_handoffs_are_null():
    t = ibis.memtable(
        pa.table(
            {
                "case_id": ["c", "c"],
                "activity": ["A", "B"],
                "timestamp": [datetime(2024, 1, 1), datetime(2024, 1, 2)],
                "event_index": [0, 1],
            }
        )
    )
    out = frame(case_table(t))
    assert out.handoffs_resource.isna().all() and out.handoffs_department.isna().all()
    assert out.duration_s[0] == 86400.0


def test_missing_column():
    t = make_log(ROWS).drop("event_index")
    with pytest.raises(InputError, match="event_index"):
        case_table(t)


def test_accepts_an_event_log_object():
    # anything with an Ibis ``.table`` (journeylens.read_events returns such an EventLog)
    out = frame(case_table(SimpleNamespace(table=make_log(ROWS))))
    assert len(out) == 3
