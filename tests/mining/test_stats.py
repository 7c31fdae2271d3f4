"""activity/resource/department stats, hand-off matrix and ping-pong on tiny logs."""

from __future__ import annotations

import pytest
from _logs import Ev, make_log

from journeylens.errors import InputError
from journeylens.mining.stats import (
    handoff_matrix,
    ping_pong,
    summary_stats,
)

ROWS = [
    # c1: front → back → (none) → front; waits 600, 1200, 1800
    Ev("c1", "A", "2024-01-01 09:00", "ann", "front", "2024-01-01 08:55"),
    Ev("c1", "B", "2024-01-01 09:10", "bob", "back", "2024-01-01 09:05"),
    Ev("c1", "C", "2024-01-01 09:30", None, None),
    Ev("c1", "D", "2024-01-01 10:00", "ann", "front"),
    # c2: front → back; wait 3600
    Ev("c2", "A", "2024-01-01 09:00", "ann", "front", "2024-01-01 08:45"),
    Ev("c2", "B", "2024-01-01 10:00", "cid", "back"),
]
LOG = make_log(ROWS)


def test_activity_stats():
    s = summary_stats(LOG, by="activity").set_index("activity")
    assert list(s.index) == ["A", "B", "C", "D"]  # events desc, then name
    assert s.loc["A", "events"] == 2 and s.loc["A", "cases"] == 2
    assert s.loc[["A"], "mean_wait_s"].isna().all()  # first events wait for nothing
    assert s.loc["B", "mean_wait_s"] == (600 + 3600) / 2
    assert s.loc["B", "median_wait_s"] == 2100.0
    assert s.loc["C", "mean_wait_s"] == 1200.0 and s.loc["D", "mean_wait_s"] == 1800.0
    assert s.loc["A", "mean_service_s"] == (300 + 900) / 2  # 08:55→09:00, 08:45→09:00
    assert s.loc["B", "median_service_s"] == 300.0
    assert s.loc[["C", "D"], "mean_service_s"].isna().all()


def test_resource_stats_leave_out_unassigned():
    s = summary_stats(LOG, by="resource")
    assert list(s.resource) == ["ann", "bob", "cid"]
    assert list(s.events) == [3, 1, 1]
    ann = s.set_index("resource").loc["ann"]
    assert ann.cases == 2 and ann.mean_wait_s == 1800.0  # only D waited (10:00 - 09:30)


def test_department_stats():
    s = summary_stats(LOG, by="department").set_index("department")
    assert s.events.to_dict() == {"front": 3, "back": 2}
    assert s.loc["back", "mean_wait_s"] == 2100.0


def test_handoff_matrix_by_department():
    m = handoff_matrix(LOG)
    assert list(m.columns) == ["from", "to", "count", "cases", "mean_wait_s", "median_wait_s"]
    rows = {(r["from"], r["to"]): r for r in m.to_dict("records")}
    assert set(rows) == {("front", "back"), ("back", "front")}
    fb = rows["front", "back"]
    assert (fb["count"], fb["cases"], fb["mean_wait_s"], fb["median_wait_s"]) == (
        2,
        2,
        2100.0,
        2100.0,
    )
    # back (09:10) → (no department 09:30) → front (10:00): the wait spans the gap
    assert rows["back", "front"]["mean_wait_s"] == 3000.0
    assert list(m["from"]) == ["front", "back"]  # count desc


def test_handoff_matrix_by_resource():
    m = handoff_matrix(LOG, by="resource")
    got = {(f, t): c for f, t, c in m[["from", "to", "count"]].values}
    assert got == {("ann", "bob"): 1, ("bob", "ann"): 1, ("ann", "cid"): 1}


def test_same_owner_is_no_handoff():
    log = make_log([Ev("c", a, f"2024-01-01 0{i}:00", "r", "d") for i, a in enumerate("ABC")])
    assert handoff_matrix(log).empty
    assert ping_pong(log).empty


@pytest.mark.parametrize(
    ("owners", "expected"),
    [
        ("AABBA", 1),  # one stay each: A→B→A
        ("ABAB", 2),  # A→B→A and B→A→B
        ("ABCA", 0),  # goes round, never straight back
        ("A-B-A", 1),  # events without an owner are skipped
        ("AB", 0),
    ],
)
def test_ping_pong_patterns(owners, expected):
    rows = [
        Ev("c", f"t{i}", f"2024-01-01 {i:02d}:00", None, None if o == "-" else o)
        for i, o in enumerate(owners)
    ]
    got = ping_pong(make_log(rows))
    assert int(got.occurrences.sum()) == expected
    if expected:
        assert (got.a.iloc[0], got.b.iloc[0], got.cases.iloc[0]) == ("A", "B", 1)


def test_ping_pong_counts_cases_and_orders_pair():
    rows = [Ev("c1", "x", f"2024-01-01 0{i}:00", "bob" if i % 2 else "ann") for i in range(3)]
    rows += [Ev("c2", "x", f"2024-01-01 0{i}:00", "ann" if i % 2 else "bob") for i in range(3)]
    got = ping_pong(make_log(rows), by="resource")
    assert got.to_dict("records") == [{"a": "ann", "b": "bob", "occurrences": 2, "cases": 2}]


def test_ping_pong_ties_use_event_index():
    rows = [
        Ev("c", "x", "2024-01-01 10:00", None, "A"),
        Ev("c", "y", "2024-01-01 10:00", None, "A"),
        Ev("c", "z", "2024-01-01 10:00", None, "B"),
    ]
    assert ping_pong(make_log(rows, index=[0, 1, 2])).empty  # A A B
    assert ping_pong(make_log(rows, index=[0, 2, 1])).occurrences.sum() == 1  # A B A


def test_bad_owner_option():
    with pytest.raises(InputError, match="department"):
        handoff_matrix(LOG, by="team")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="resource"):
        ping_pong(LOG, by="who")  # type: ignore[arg-type]


def test_missing_owner_column():
    with pytest.raises(InputError, match="'department'"):
        summary_stats(LOG.drop("department"), by="department")
