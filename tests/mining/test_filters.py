"""Tests for journeylens.mining.filters on a tiny hand-made log with known answers."""

from __future__ import annotations

import json
from datetime import datetime

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pytest
import yaml

from journeylens.errors import InputError
from journeylens.mining.filters import (
    CaseAttribute,
    CaseIds,
    Duration,
    Endpoints,
    EventAttribute,
    Filters,
    Follows,
    TimeFrame,
    Variant,
    all_of,
    filter_from_dict,
    parse_duration,
    parse_filter_options,
)

# c1: A 01-01 09:00, B 01-01 10:00, C 01-02 09:00                  (1 day exactly)
# c2: A 01-05 09:00, C 01-05 09:30                                 (30 min)
# c3: B 01-10 08:00, A 01-10 08:00 (same time; event_index puts B first), D 01-20 08:00
#                                                                   (10 days exactly)
# c4: A 02-01 00:00, B 02-01 00:00, A 02-03 00:00, C 03-01 00:00   (29 days)
ROWS = [
    # case, activity, timestamp, event_index, resource, workgroup, priority, urgent
    ("c1", "A", datetime(2024, 1, 1, 9), 0, "Ann", "G1", 1, True),
    ("c1", "B", datetime(2024, 1, 1, 10), 1, "Bob", "G1", 1, True),
    ("c1", "C", datetime(2024, 1, 2, 9), 2, None, "G1", 1, True),
    ("c2", "A", datetime(2024, 1, 5, 9), 3, "Bob", "G2", 2, False),
    ("c2", "C", datetime(2024, 1, 5, 9, 30), 4, "Cid", "G2", 2, False),
    ("c3", "A", datetime(2024, 1, 10, 8), 6, "Ann", None, 3, False),  # row order != index
    ("c3", "B", datetime(2024, 1, 10, 8), 5, "Ann", None, 3, False),
    ("c3", "D", datetime(2024, 1, 20, 8), 7, "Bob", None, 3, False),
    ("c4", "A", datetime(2024, 2, 1), 8, "Cid", "G1", 2, True),
    ("c4", "B", datetime(2024, 2, 1), 9, None, "G1", 2, True),
    ("c4", "A", datetime(2024, 2, 3), 10, "Ann", "G1", 2, True),
    ("c4", "C", datetime(2024, 3, 1), 11, "Bob", "G1", 2, True),
]
COLUMNS = [
    ("case_id", pa.string()),
    ("activity", pa.string()),
    ("timestamp", pa.timestamp("us")),
    ("event_index", pa.int64()),
    ("resource", pa.string()),
    ("workgroup", pa.string()),
    ("priority", pa.int64()),
    ("urgent", pa.bool_()),
]
ALL = {"c1", "c2", "c3", "c4"}


def make_events(*, tz: str | None = None) -> ir.Table:
    columns = list(COLUMNS)
    if tz:
        columns[2] = ("timestamp", pa.timestamp("us", tz=tz))
    data = {name: [row[i] for row in ROWS] for i, (name, _) in enumerate(columns)}
    # Build from pyarrow: ibis + pandas 3 warns about a deprecated option with pandas frames.
    return ibis.memtable(pa.table(data, schema=pa.schema(columns)))


@pytest.fixture(scope="module")
def con():
    return ibis.duckdb.connect()


@pytest.fixture(scope="module")
def events() -> ir.Table:
    return make_events()


def run(con, expr: ir.Table) -> list[dict]:
    assert isinstance(expr, ir.Table)  # still lazy
    return con.to_pyarrow(expr).to_pylist()


def cases(con, expr: ir.Table) -> set[str]:
    return {row["case_id"] for row in run(con, expr)}


def event_keys(con, expr: ir.Table) -> set[tuple[str, int]]:
    return {(row["case_id"], row["event_index"]) for row in run(con, expr)}


# ---------------------------------------------------------------------- time frame
@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("contained", {"c2"}),
        ("intersecting", {"c1", "c2", "c3"}),
        ("started", {"c2", "c3"}),
        ("completed", {"c1", "c2"}),
    ],
)
def test_time_frame_case_modes(con, events, mode, expected):
    frame = TimeFrame("2024-01-02", "2024-01-11", mode=mode)
    assert cases(con, frame.apply(events)) == expected
    removed = TimeFrame("2024-01-02", "2024-01-11", mode=mode, keep=False)
    assert cases(con, removed.apply(events)) == ALL - expected
    # Whole cases survive: every event of a kept case is still there.
    assert len(run(con, frame.apply(events))) == sum(r[0] in expected for r in ROWS)


def test_time_frame_trim_is_event_level_and_half_open(con, events):
    trim = TimeFrame("2024-01-02 09:00", "2024-01-20 08:00", mode="trim")
    assert trim.level == "event"
    assert event_keys(con, trim.apply(events)) == {
        ("c1", 2),
        ("c2", 3),
        ("c2", 4),
        ("c3", 5),
        ("c3", 6),
    }
    outside = TimeFrame("2024-01-02 09:00", "2024-01-20 08:00", mode="trim", keep=False)
    assert len(run(con, outside.apply(events))) == len(ROWS) - 5


def test_time_frame_open_bounds(con, events):
    assert cases(con, TimeFrame(start="2024-02-01").apply(events)) == {"c4"}
    assert cases(con, TimeFrame(end="2024-01-06").apply(events)) == {"c1", "c2"}


def test_time_frame_with_time_zones(con):
    aware = make_events(tz="UTC")
    # 10:30+01:00 is 09:30 UTC: c2's last event (09:30 UTC) is not before it -> not contained.
    frame = TimeFrame("2024-01-05T08:00:00Z", "2024-01-05T10:30:00+01:00")
    assert cases(con, frame.apply(aware)) == set()
    later = TimeFrame("2024-01-05T08:00:00Z", "2024-01-05T10:31:00+01:00")
    assert cases(con, later.apply(aware)) == {"c2"}
    naive_bounds = TimeFrame("2024-01-05 08:00", "2024-01-05 09:31")  # read as UTC
    assert cases(con, naive_bounds.apply(aware)) == {"c2"}
    # Aware bounds on a naive column are compared as UTC wall-clock time.
    assert cases(con, later.apply(make_events())) == {"c2"}


def test_time_frame_validation():
    with pytest.raises(InputError, match="start"):
        TimeFrame()
    with pytest.raises(InputError, match="before"):
        TimeFrame("2024-02-01", "2024-01-01")
    with pytest.raises(InputError, match="ISO 8601"):
        TimeFrame("yesterday-ish")
    with pytest.raises(InputError, match="mode"):
        TimeFrame("2024-01-01", mode="during")  # type: ignore[arg-type]


# ---------------------------------------------------------------------- attributes
def test_case_attribute(con, events):
    assert cases(con, CaseAttribute("workgroup", ["G1"]).apply(events)) == {"c1", "c4"}
    assert cases(con, CaseAttribute("workgroup", "G2").apply(events)) == {"c2"}
    assert cases(con, CaseAttribute("workgroup", ["G1"], keep=False).apply(events)) == {"c2", "c3"}
    assert cases(con, CaseAttribute("workgroup", [None]).apply(events)) == {"c3"}
    assert cases(con, CaseAttribute("workgroup", ["G2", None]).apply(events)) == {"c2", "c3"}
    assert cases(con, CaseAttribute("workgroup", []).apply(events)) == set()
    # A case matches when any of its events has the value (here: event attribute resource).
    assert cases(con, CaseAttribute("resource", ["Cid"]).apply(events)) == {"c2", "c4"}
    assert len(run(con, CaseAttribute("resource", ["Cid"]).apply(events))) == 6


def test_attribute_values_are_coerced_to_the_column_type(con, events):
    # CLI values are text; the column types decide how they compare.
    assert cases(con, CaseAttribute("priority", ["2"]).apply(events)) == {"c2", "c4"}
    assert cases(con, CaseAttribute("priority", [3]).apply(events)) == {"c3"}
    assert cases(con, CaseAttribute("urgent", ["true"]).apply(events)) == {"c1", "c4"}
    with pytest.raises(InputError, match="'priority'"):
        CaseAttribute("priority", ["high"]).apply(events)
    with pytest.raises(InputError, match="urgent"):
        CaseAttribute("urgent", ["maybe"]).apply(events)


def test_an_empty_value_for_a_timestamp_column_is_an_input_error(con):
    # Found by mypy: _timestamp() answers None for "", which reached the time literal and
    # failed there with an AttributeError instead of saying what was wrong.
    table = ibis.memtable(pa.table({"case_id": ["c1"], "due": [datetime(2024, 1, 2)]}))
    with pytest.raises(InputError, match=r"value '' cannot be compared with column 'due'"):
        CaseAttribute("due", [""]).apply(table)
    assert cases(con, CaseAttribute("due", ["2024-01-02"]).apply(table)) == {"c1"}


def test_values_with_quotes_are_plain_values(con, events):
    sneaky = "G1' OR '1'='1"
    assert cases(con, CaseAttribute("workgroup", [sneaky]).apply(events)) == set()
    assert cases(con, EventAttribute("activity", ['A"; DROP TABLE x; --']).apply(events)) == set()


def test_event_attribute(con, events):
    bob = {("c1", 1), ("c2", 3), ("c3", 7), ("c4", 11)}
    assert event_keys(con, EventAttribute("resource", ["Bob"]).apply(events)) == bob
    # Removing keeps the events without a resource (null is "not Bob").
    kept = event_keys(con, EventAttribute("resource", ["Bob"], keep=False).apply(events))
    assert kept == {(r[0], r[3]) for r in ROWS} - bob
    assert EventAttribute("resource", ["Bob"]).level == "event"
    assert len(run(con, EventAttribute("resource", [None]).apply(events))) == 2


@pytest.mark.parametrize(
    "make",
    [
        lambda: CaseAttribute("team", ["x"]),
        lambda: EventAttribute("team", ["x"]),
    ],
)
def test_unknown_column_lists_available_columns(events, make):
    with pytest.raises(InputError) as info:
        make().apply(events)
    message = str(info.value)
    assert "'team'" in message
    assert "available columns" in message
    assert "'workgroup'" in message and "'resource'" in message


def test_missing_canonical_columns_are_reported(events):
    with pytest.raises(InputError, match="event_index"):
        Variant([["A"]]).apply(events.drop("event_index"))
    with pytest.raises(InputError, match="Ibis table"):
        CaseIds(["c1"]).apply([{"case_id": "c1"}])  # type: ignore[arg-type]


# ---------------------------------------------------------------------- case shape
def test_variant(con, events):
    assert cases(con, Variant([["A", "C"]]).apply(events)) == {"c2"}
    # c3's first two events share a timestamp; event_index (not row order) puts B first.
    assert cases(con, Variant([["B", "A", "D"]]).apply(events)) == {"c3"}
    assert cases(con, Variant([["A", "B", "D"]]).apply(events)) == set()
    both = Variant([["A", "C"], ["A", "B", "A", "C"]])
    assert cases(con, both.apply(events)) == {"c2", "c4"}
    assert cases(con, both.__class__(both.sequences, keep=False).apply(events)) == {"c1", "c3"}
    assert cases(con, Variant([]).apply(events)) == set()
    with pytest.raises(InputError, match="list of activity lists"):
        Variant(["A", "B"])


def test_duration_bounds_are_inclusive(con, events):
    assert cases(con, Duration(max_s=86400).apply(events)) == {"c1", "c2"}
    assert cases(con, Duration(max_s="1d").apply(events)) == {"c1", "c2"}
    assert cases(con, Duration(min_s="10d").apply(events)) == {"c3", "c4"}
    assert cases(con, Duration(min_s="31min", max_s="10d").apply(events)) == {"c1", "c3"}
    assert cases(con, Duration(max_s="1d", keep=False).apply(events)) == {"c3", "c4"}
    with pytest.raises(InputError):
        Duration()
    with pytest.raises(InputError, match="larger"):
        Duration(min_s=10, max_s=5)


def test_endpoints(con, events):
    assert cases(con, Endpoints(start=["A"]).apply(events)) == {"c1", "c2", "c4"}
    assert cases(con, Endpoints(end=["C"]).apply(events)) == {"c1", "c2", "c4"}
    assert cases(con, Endpoints(start=["B"], end=["D"]).apply(events)) == {"c3"}
    assert cases(con, Endpoints(start="A", end=["D"]).apply(events)) == set()
    assert cases(con, Endpoints(start=["B"], keep=False).apply(events)) == {"c1", "c2", "c4"}
    with pytest.raises(InputError):
        Endpoints()


@pytest.mark.parametrize(
    ("a", "b", "directly", "expected"),
    [
        ("A", "C", True, {"c2", "c4"}),
        ("A", "B", True, {"c1", "c4"}),  # c4: A and B share a timestamp, index decides
        ("B", "A", True, {"c3", "c4"}),
        ("B", "C", True, {"c1"}),
        ("B", "C", False, {"c1", "c4"}),
        ("A", "A", False, {"c4"}),
        ("C", "A", False, set()),
        ("A", "D", False, {"c3"}),
    ],
)
def test_follows(con, events, a, b, directly, expected):
    assert cases(con, Follows(a, b, directly=directly).apply(events)) == expected
    removed = Follows(a, b, directly=directly, keep=False).apply(events)
    assert cases(con, removed) == ALL - expected
    assert set(removed.columns) == set(events.columns)  # helper columns do not leak


def test_case_ids(con, events):
    assert cases(con, CaseIds(["c1", "c3"]).apply(events)) == {"c1", "c3"}
    assert cases(con, CaseIds("c2", keep=False).apply(events)) == {"c1", "c3", "c4"}
    assert cases(con, CaseIds(["nope"]).apply(events)) == set()


# ---------------------------------------------------------------------- composition
def test_all_of_is_and_in_order(con, events):
    both = all_of(CaseAttribute("workgroup", ["G1"]), Follows("A", "C"))
    assert cases(con, both.apply(events)) == {"c4"}
    assert cases(con, (CaseAttribute("workgroup", ["G1"]) & Follows("A", "C")).apply(events)) == {
        "c4"
    }
    # Event-level filters first change what later case-level filters see: without B,
    # c1 becomes A -> C.
    trimmed_first = all_of(EventAttribute("activity", ["B"], keep=False), Follows("A", "C"))
    assert cases(con, trimmed_first.apply(events)) == {"c1", "c2", "c4"}
    assert cases(con, all_of().apply(events)) == ALL
    nested = all_of(CaseIds(["c1", "c4"]), all_of(Duration(max_s="2d"), Endpoints(end=["C"])))
    assert len(nested) == 3
    assert cases(con, nested.apply(events)) == {"c1"}
    with pytest.raises(InputError):
        all_of("not a filter")  # type: ignore[arg-type]


ALL_FILTERS = [
    TimeFrame("2024-01-02", "2024-01-11", mode="intersecting"),
    TimeFrame(end="2024-01-05T10:00:00+01:00", mode="trim", keep=False),
    CaseAttribute("workgroup", ["G1", None], keep=False),
    CaseAttribute("priority", [2, 3]),
    EventAttribute("resource", "Bob"),
    Variant([["A", "C"], ["B", "A", "D"]]),
    Duration(min_s=60, max_s="10d"),
    Endpoints(start=["A"], end=["C", "D"]),
    Follows("A", "B", directly=False, keep=False),
    CaseIds(["c1", "c2"]),
    all_of(CaseIds(["c1"]), Duration(max_s=5)),
]


@pytest.mark.parametrize("original", ALL_FILTERS, ids=lambda f: f.kind)
def test_round_trip_through_dict_json_and_yaml(con, events, original):
    data = original.to_dict()
    assert data["type"] == original.kind
    again = filter_from_dict(json.loads(json.dumps(data)))
    assert again == original
    assert filter_from_dict(yaml.safe_load(yaml.safe_dump(data))) == original
    assert run(con, again.apply(events)) == run(con, original.apply(events))


def test_segment_as_a_list(con, events):
    segment = yaml.safe_load(
        """
        - {type: case_attribute, column: workgroup, values: [G1]}
        - {type: follows, a: A, b: C}
        """
    )
    assert cases(con, filter_from_dict(segment).apply(events)) == {"c4"}


def test_bad_dicts_raise_input_error():
    with pytest.raises(InputError, match="known types"):
        filter_from_dict({"type": "magic"})
    with pytest.raises(InputError, match="does not take"):
        filter_from_dict({"type": "case_ids", "ids": ["c1"], "color": "red"})
    with pytest.raises(InputError, match="bad follows"):
        filter_from_dict({"type": "follows", "a": "A"})
    with pytest.raises(InputError, match="'type'"):
        filter_from_dict({"ids": ["c1"]})


def test_filters_are_frozen_and_hashable():
    f = CaseAttribute("workgroup", ["G1"])
    with pytest.raises(AttributeError):
        f.column = "x"  # type: ignore[misc]
    assert len({f, CaseAttribute("workgroup", ("G1",))}) == 1
    assert isinstance(all_of(f), Filters)


# ---------------------------------------------------------------------- CLI grammar
def test_parse_filter_options_builds_the_documented_filters(con, events):
    f = parse_filter_options(
        case_attr=["workgroup=Value 1", "workgroup=G1", "priority!=3"],
        event_attr="resource!=Bob",
        time_from="2024-01-01",
        time_to="2024-03-01",
        time_mode="intersecting",
        duration_max="30d",
        start_activity="A",
        follows=["A>>B", "A>B"],
        not_follows="C>A",
        variant=["A>B>A>C"],
        case_id=["c4", "c1"],
        exclude_case_id="c1",
    )
    assert list(f) == [
        TimeFrame("2024-01-01", "2024-03-02", mode="intersecting"),
        CaseAttribute("workgroup", ["Value 1", "G1"]),
        CaseAttribute("priority", ["3"], keep=False),
        Duration(max_s=30 * 86400),
        Endpoints(start=["A"]),
        Follows("A", "B", directly=False),
        Follows("A", "B"),
        Follows("C", "A", keep=False),
        Variant([["A", "B", "A", "C"]]),
        CaseIds(["c4", "c1"]),
        CaseIds(["c1"], keep=False),
        EventAttribute("resource", ["Bob"], keep=False),  # event-level filters come last
    ]
    assert event_keys(con, f.apply(events)) == {("c4", 8), ("c4", 9), ("c4", 10)}


def test_parse_filter_options_time_details():
    (frame,) = parse_filter_options(time_from="2012-01-01", time_to="2012-12-31T12:00")
    assert frame.end.isoformat() == "2012-12-31T12:00:00"  # a date-time is taken as given
    (trim,) = parse_filter_options(time_to="2012-12-31", time_mode="trim")
    assert trim.end.isoformat() == "2013-01-01T00:00:00" and trim.level == "event"
    assert len(parse_filter_options()) == 0


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"case_attr": ["workgroup"]}, "COLUMN=VALUE"),
        ({"event_attr": ["=x"]}, "COLUMN=VALUE"),
        ({"follows": ["A-B"]}, "A>B"),
        ({"follows": [">>B"]}, "A>B"),
        ({"variant": ["A>>B"]}, "separated"),
        ({"duration_max": "ten days"}, "not understood"),
        ({"duration_min": "-5"}, "non-negative"),
        ({"time_from": "someday"}, "ISO 8601"),
    ],
)
def test_parse_filter_options_errors(options, match):
    with pytest.raises(InputError, match=match):
        parse_filter_options(**options)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("10d", 864000), ("1d12h", 129600), ("90min", 5400), ("90m", 5400), ("2w", 1209600),
     ("1.5h", 5400), ("250ms", 0.25), ("45", 45), (" 3 h 5 s ", 10805), (7, 7)],
)  # fmt: skip
def test_parse_duration(text, seconds):
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("tz", [None, "UTC"])
def test_event_attribute_on_a_timestamp_column(con, tz):
    events = make_events(tz=tz)
    f = EventAttribute("timestamp", ["2024-01-01 09:00", "2024-01-05T10:00+01:00"])
    assert event_keys(con, f.apply(events)) == {("c1", 0), ("c2", 3)}
