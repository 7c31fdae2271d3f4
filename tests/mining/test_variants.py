"""variants / case_variants on tiny hand-made logs."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from _logs import Ev, frame, make_log, reference_variants, sequences, traces_log
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journeylens.errors import InputError
from journeylens.mining.variants import VARIANT_SEPARATOR, case_variants, variant_key, variants

# 10 cases: ABC x4, AC x3, AB x2 (tie with ...), B x1; steps of 60 s
TRACES = {
    **{f"abc{i}": ["A", "B", "C"] for i in range(4)},
    **{f"ac{i}": ["A", "C"] for i in range(3)},
    **{f"ab{i}": ["A", "B"] for i in range(2)},
    "b": ["B"],
}


@pytest.fixture(scope="module")
def table():
    return variants(traces_log(TRACES))


def test_counts_shares_and_order(table):
    assert list(table.variant) == [("A", "B", "C"), ("A", "C"), ("A", "B"), ("B",)]
    assert list(table["count"]) == [4, 3, 2, 1]
    assert list(table.share) == pytest.approx([0.4, 0.3, 0.2, 0.1])
    assert list(table.cumulative_share) == pytest.approx([0.4, 0.7, 0.9, 1.0])
    assert list(table.length) == [3, 2, 2, 1]
    assert list(table.key) == [variant_key(v) for v in table.variant]


def test_durations(table):
    assert list(table.mean_duration_s) == [120.0, 60.0, 60.0, 0.0]
    assert list(table.median_duration_s) == [120.0, 60.0, 60.0, 0.0]


def test_durations_differ_per_case():
    log = make_log(
        [
            Ev("x", "A", "2024-01-01 00:00"),
            Ev("x", "B", "2024-01-01 00:10"),
            Ev("y", "A", "2024-01-01 00:00"),
            Ev("y", "B", "2024-01-01 00:20"),
            Ev("z", "A", "2024-01-01 00:00"),
            Ev("z", "B", "2024-01-01 01:30"),
        ]
    )
    row = variants(log).iloc[0]
    assert row.mean_duration_s == pytest.approx((600 + 1200 + 5400) / 3)
    assert row.median_duration_s == 1200.0


def test_equal_counts_sorted_by_sequence():
    table = variants(traces_log({"1": ["B"], "2": ["A", "B"], "3": ["A"], "4": ["A", "A"]}))
    assert list(table.variant) == [("A",), ("A", "A"), ("A", "B"), ("B",)]


def test_top_and_coverage(table):
    assert list(variants(traces_log(TRACES), top=2).variant) == [("A", "B", "C"), ("A", "C")]
    # coverage stops at the variant that reaches the threshold; 0.7 is reached exactly
    assert len(variants(traces_log(TRACES), coverage=0.7)) == 2
    assert len(variants(traces_log(TRACES), coverage=0.71)) == 3
    assert len(variants(traces_log(TRACES), coverage=0.1)) == 1
    assert len(variants(traces_log(TRACES), coverage=1.0)) == 4
    both = variants(traces_log(TRACES), top=1, coverage=0.9)
    assert list(both["count"]) == [4] and list(both.share) == [0.4]  # shares stay global


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"top": 0}, "top"),
        ({"top": 1.5}, "top"),
        ({"coverage": 0}, "coverage"),
        ({"coverage": 2}, "coverage"),
    ],
)
def test_bad_options(options, message):
    with pytest.raises(InputError, match=message):
        variants(traces_log(TRACES), **options)


def test_ties_in_time_use_event_index():
    rows = [Ev("c", "X", "2024-01-01 10:00"), Ev("c", "Y", "2024-01-01 10:00")]
    assert variants(make_log(rows, index=[0, 1])).variant[0] == ("X", "Y")
    assert variants(make_log(rows, index=[1, 0])).variant[0] == ("Y", "X")


def test_case_variants_filter_by_key():
    cv = case_variants(traces_log(TRACES))
    assert cv.columns == ("case_id", "variant", "events", "duration_s")
    picked = frame(cv.filter(cv.variant == variant_key(["A", "C"])).order_by("case_id"))
    assert list(picked.case_id) == ["ac0", "ac1", "ac2"]
    assert list(picked.events) == [2, 2, 2]
    assert variant_key(["A", "C"]) == f"A{VARIANT_SEPARATOR}C"


def test_dst_duration():
    log = make_log(
        [Ev("c", "A", "2024-10-27T02:30:00+02:00"), Ev("c", "B", "2024-10-27T02:30:00+01:00")]
    )
    # Back to winter time: the same wall-clock time an hour later.
    assert variants(log).mean_duration_s[0] == 3600.0


def test_names_with_spaces_and_arrows_round_trip():
    names = ["Take in charge → ticket", "A, B", "x"]
    assert variants(traces_log({"c": names})).variant[0] == tuple(names)


_events = st.lists(
    st.tuples(
        st.sampled_from([f"c{i}" for i in range(8)]),
        st.sampled_from(["A", "B", "C"]),
        st.integers(min_value=0, max_value=3),
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_events)
def test_counts_sum_to_cases_and_match_reference(raw):
    base = datetime(2024, 1, 1)
    rows = [Ev(c, a, (base + timedelta(minutes=m)).isoformat()) for c, a, m in raw]
    table = variants(make_log(rows))
    expected = reference_variants(
        sequences((c, a, base + timedelta(minutes=m), i) for i, (c, a, m) in enumerate(raw))
    )
    assert table["count"].sum() == len({c for c, _, _ in raw})
    assert dict(zip(table.variant, table["count"], strict=True)) == dict(expected)
    assert table.cumulative_share.iloc[-1] == pytest.approx(1.0)
    counts = list(table["count"])
    assert counts == sorted(counts, reverse=True)
