"""discover_dfg on tiny hand-made logs: every measure against hand-computed values."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import ibis
import pyarrow as pa
import pytest
from _logs import Ev, make_log, reference_dfg, sequences
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journeylens.errors import InputError
from journeylens.mining.dfg import DFG, discover_dfg

# c1: A 09:00 → B 09:10 → C 09:30 → B 10:30
# c2: A 09:00 → B 09:20 → C 09:50
# c3: C (one event)
# c4: A 09:00 → B 09:01 → A 09:02 → B 09:04   (A→B twice in one case)
HAND = [
    Ev("c1", "A", "2024-05-01 09:00", start="2024-05-01 08:50"),
    Ev("c1", "B", "2024-05-01 09:10"),
    Ev("c1", "C", "2024-05-01 09:30"),
    Ev("c1", "B", "2024-05-01 10:30"),
    Ev("c2", "A", "2024-05-01 09:00", start="2024-05-01 08:30"),
    Ev("c2", "B", "2024-05-01 09:20"),
    Ev("c2", "C", "2024-05-01 09:50"),
    Ev("c3", "C", "2024-05-01 08:00"),
    Ev("c4", "A", "2024-05-01 09:00"),
    Ev("c4", "B", "2024-05-01 09:01"),
    Ev("c4", "A", "2024-05-01 09:02"),
    Ev("c4", "B", "2024-05-01 09:04"),
]


@pytest.fixture(scope="module")
def dfg() -> DFG:
    return discover_dfg(make_log(HAND))


def _edge(dfg: DFG, source: str, target: str) -> dict:
    rows = dfg.edges[(dfg.edges.source == source) & (dfg.edges.target == target)]
    assert len(rows) == 1, f"{source}->{target}: {rows}"
    return rows.iloc[0].to_dict()


def test_edge_frequencies_and_cases(dfg):
    got = {
        (s, t): (f, c)
        for s, t, f, c in dfg.edges[["source", "target", "frequency", "cases"]].values
    }
    assert got == {
        ("A", "B"): (4, 3),
        ("B", "C"): (2, 2),
        ("C", "B"): (1, 1),
        ("B", "A"): (1, 1),
    }


def test_edge_times_are_hand_computed(dfg):
    # A→B gaps: 600 (c1), 1200 (c2), 60 and 120 (c4) -> sorted 60, 120, 600, 1200
    ab = _edge(dfg, "A", "B")
    assert ab["mean_s"] == pytest.approx(495.0)
    assert ab["median_s"] == pytest.approx(360.0)  # (120 + 600) / 2
    assert ab["p90_s"] == pytest.approx(1020.0)  # linear: 600 + 0.7 * 600
    assert (ab["min_s"], ab["max_s"], ab["total_s"]) == (60.0, 1200.0, 1980.0)
    bc = _edge(dfg, "B", "C")  # 1200 (c1), 1800 (c2)
    assert (bc["mean_s"], bc["median_s"], bc["min_s"], bc["max_s"]) == (1500, 1500, 1200, 1800)
    assert bc["p90_s"] == pytest.approx(1740.0)
    assert _edge(dfg, "C", "B")["total_s"] == 3600.0
    assert _edge(dfg, "B", "A")["mean_s"] == 60.0


def test_edges_sorted_by_frequency_then_names(dfg):
    assert list(zip(dfg.edges.source, dfg.edges.target, strict=True)) == [
        ("A", "B"),
        ("B", "C"),
        ("B", "A"),
        ("C", "B"),
    ]


def test_start_end_and_activities(dfg):
    assert dict(zip(dfg.start.activity, dfg.start.cases, strict=True)) == {"A": 3, "C": 1}
    assert dict(zip(dfg.end.activity, dfg.end.cases, strict=True)) == {"B": 2, "C": 2}
    acts = dfg.activities.set_index("activity")
    assert acts.frequency.to_dict() == {"A": 4, "B": 5, "C": 3}
    assert acts.cases.to_dict() == {"A": 3, "B": 3, "C": 3}
    # service time of A from start_timestamp: 600 s (c1) and 1800 s (c2); B, C have none
    a = acts.loc["A"]
    assert (a.mean_s, a.median_s, a.min_s, a.max_s, a.total_s) == (1200, 1200, 600, 1800, 2400)
    assert a.p90_s == pytest.approx(1680.0)
    assert acts.loc[["B", "C"], "mean_s"].isna().all()


def test_invariants(dfg):
    assert (dfg.events, dfg.cases) == (12, 4)
    assert dfg.arcs == dfg.events - dfg.cases == 8


def test_to_dict_is_json(dfg):
    d = dfg.to_dict()
    json.dumps(d, allow_nan=False)  # NaN service times became None
    assert set(d) == {"nodes", "edges", "start", "end"}
    assert set(d["edges"][0]) == {
        "source",
        "target",
        "frequency",
        "cases",
        "mean_s",
        "median_s",
        "p90_s",
        "min_s",
        "max_s",
        "total_s",
    }
    assert d["edges"][0]["frequency"] == 4 and isinstance(d["edges"][0]["frequency"], int)
    assert d["start"] == {"A": 3, "C": 1}
    assert {n["activity"]: n["mean_s"] for n in d["nodes"]} == {"A": 1200.0, "B": None, "C": None}


def test_repr_html_escapes_names():
    html = discover_dfg(make_log([Ev("c", "<b>x</b>", "2024-01-01 00:00")]))._repr_html_()
    assert "&lt;b&gt;x&lt;/b&gt;" in html
    assert "<b>x</b>" not in html


def test_ties_are_broken_by_event_index():
    # Y and X complete at the same second: event_index decides, not the row order.
    rows = [
        Ev("c", "Y", "2024-01-01 10:00"),
        Ev("c", "X", "2024-01-01 10:00"),
        Ev("c", "Z", "2024-01-01 09:00"),
    ]
    forward = discover_dfg(make_log(rows, index=[2, 1, 9]))
    assert set(zip(forward.edges.source, forward.edges.target, strict=True)) == {
        ("Z", "X"),
        ("X", "Y"),
    }
    backward = discover_dfg(make_log(rows, index=[1, 2, 9]))
    assert set(zip(backward.edges.source, backward.edges.target, strict=True)) == {
        ("Z", "Y"),
        ("Y", "X"),
    }
    assert _edge(forward, "X", "Y")["mean_s"] == 0.0


def test_one_event_cases_have_no_arcs_but_start_and_end():
    dfg = discover_dfg(make_log([Ev("c1", "A", "2024-01-01 00:00"), Ev("c2", "B", "2024-01-02")]))
    assert dfg.edges.empty and dfg.arcs == 0
    assert dfg.to_dict()["start"] == {"A": 1, "B": 1}
    assert dfg.to_dict()["end"] == {"A": 1, "B": 1}
    assert dfg.cases == 2


def test_dst_change_counts_real_elapsed_time():
    # Europe/Amsterdam switches to summer time at 02:00 on 2024-03-31: 01:30+01 -> 03:30+02
    # is one hour, not two.
    dfg = discover_dfg(
        make_log(
            [
                Ev("c", "A", "2024-03-31T01:30:00+01:00"),
                Ev("c", "B", "2024-03-31T03:30:00+02:00"),
            ]
        )
    )
    assert _edge(dfg, "A", "B")["mean_s"] == 3600.0


def test_sub_second_precision():
    dfg = discover_dfg(
        make_log([Ev("c", "A", "2024-01-01 00:00:00.250"), Ev("c", "B", "2024-01-01 00:00:01")])
    )
    assert _edge(dfg, "A", "B")["mean_s"] == 0.75


def test_empty_log():
    dfg = discover_dfg(make_log([]))
    assert dfg.edges.empty and dfg.activities.empty and dfg.start.empty
    assert dfg.to_dict() == {"nodes": [], "edges": [], "start": {}, "end": {}}


def test_approx_quantiles_run():
    dfg = discover_dfg(make_log(HAND), quantiles="approx")
    assert _edge(dfg, "B", "C")["min_s"] == 1200
    assert 1200 <= _edge(dfg, "B", "C")["median_s"] <= 1800


def test_bad_quantiles_option():
    with pytest.raises(InputError, match="exact"):
        discover_dfg(make_log(HAND), quantiles="fast")  # type: ignore[arg-type]


def test_missing_column_lists_available():
    t = ibis.memtable(pa.table({"case": ["c"], "activity": ["A"], "ts": [datetime(2024, 1, 1)]}))
    with pytest.raises(
        InputError, match=r"'case_id'.*'timestamp'.*'event_index'.*has only: 'case'"
    ):
        discover_dfg(t)


def test_timestamp_must_be_a_timestamp():
    t = ibis.memtable(
        pa.table(
            {"case_id": ["c"], "activity": ["A"], "timestamp": ["2024-01-01"], "event_index": [0]}
        )
    )
    with pytest.raises(InputError, match="must be a timestamp"):
        discover_dfg(t)


def test_not_a_table():
    with pytest.raises(InputError, match="memtable"):
        discover_dfg([1, 2, 3])  # type: ignore[arg-type]


# --------------------------------------------------------------------------- property test

_events = st.lists(
    st.tuples(
        st.sampled_from(["c1", "c2", "c3", "c4", "c5"]),
        st.sampled_from(["A", "B", "C", "D"]),
        st.integers(min_value=0, max_value=5),  # few distinct minutes: many ties
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_events, st.randoms(use_true_random=False))
def test_matches_reference_on_random_logs(raw, rnd):
    base = datetime(2024, 1, 1)
    index = list(range(len(raw)))
    rnd.shuffle(index)  # source order independent of row order
    rows = [Ev(c, a, (base + timedelta(minutes=m)).isoformat()) for c, a, m in raw]
    dfg = discover_dfg(make_log(rows, index=index))

    seqs = sequences(
        (c, a, base + timedelta(minutes=m), i) for (c, a, m), i in zip(raw, index, strict=True)
    )
    arcs, start, end = reference_dfg(seqs)
    got = {(s, t): f for s, t, f in dfg.edges[["source", "target", "frequency"]].values}
    assert got == dict(arcs)
    assert dict(zip(dfg.start.activity, dfg.start.cases, strict=True)) == dict(start)
    assert dict(zip(dfg.end.activity, dfg.end.cases, strict=True)) == dict(end)
    assert dfg.arcs == len(raw) - len(seqs)
    assert dfg.events == len(raw) and dfg.cases == len(seqs)


def test_discover_map_projects_the_log_onto_kept_activities():
    from journeylens.mining.dfg import discover_map

    # X is the rarest activity; hiding it must join A → B directly, with the A..B time.
    log = make_log(
        [
            Ev("c1", "A", "2024-05-01 09:00"),
            Ev("c1", "X", "2024-05-01 09:30"),
            Ev("c1", "B", "2024-05-01 10:00"),
            Ev("c2", "A", "2024-05-01 09:00"),
            Ev("c2", "B", "2024-05-01 09:20"),
            Ev("c3", "A", "2024-05-01 09:00"),
            Ev("c3", "B", "2024-05-01 09:40"),
        ]
    )
    full = discover_map(log).to_dict()
    assert {(e["source"], e["target"]) for e in full["edges"] if e["kind"] == "flow"} == {
        ("A", "X"),
        ("X", "B"),
        ("A", "B"),
    }
    hidden = discover_map(log, activities=60).to_dict()  # ceil(3 * 0.6) = 2 activities
    flows = [e for e in hidden["edges"] if e["kind"] == "flow"]
    assert [(e["source"], e["target"], e["frequency"]) for e in flows] == [("A", "B", 3)]
    assert flows[0]["max_s"] == 3600.0 and flows[0]["min_s"] == 1200.0
    assert not any(e["synthetic"] for e in hidden["edges"])
