"""The shared, materialised per-event journey frame (journeylens.journeys.frame.frame)."""

from __future__ import annotations

import _journeys
import ibis
import pandas as pd
import pytest
from _journeys import BASE, definition, log
from test_journeys import ALL

from journeylens.journeys import Journey
from journeylens.journeys import frame as jf
from journeylens.journeys.kpis import touchpoint_kpis
from journeylens.mining.filters import CaseAttribute
from journeylens.workspace import Workspace

demo_ws = _journeys.demo_ws

ORDER = ["instance_id", "timestamp", "event_index"]


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    return df[sorted(df.columns)].sort_values(ORDER, kind="stable").reset_index(drop=True)


def _name(table) -> str:
    return table.op().name


def test_frame_is_the_lazy_expression_materialised_once(demo_ws):
    with Workspace.open(demo_ws) as ws:
        j = ws.journey("new_connection")
        first = jf.frame(j, None)
        # The same journey, opened again (as the web app does per request), reuses the table.
        again = jf.frame(ws.journey("new_connection"), None)
        assert _name(first) == _name(again) and _name(first).startswith("_jl_journey_frame_")
        lazy = jf.journey_events(j, None, slim=True, window=False, keep_after=True)
        got = _sorted(first.to_pyarrow().to_pandas())
        want = _sorted(lazy.to_pyarrow().to_pandas())
        assert len(got) > 1000
        pd.testing.assert_frame_equal(got, want)
        # Touchpoint KPIs read from the cached table and from the lazy expression agree.
        pd.testing.assert_frame_equal(touchpoint_kpis(j), touchpoint_kpis(j, _ev=lazy))


def test_filters_and_definitions_get_their_own_frame(demo_ws):
    with Workspace.open(demo_ws) as ws:
        j = ws.journey("new_connection")
        plain = jf.frame(j, None)
        region = ws.events.select("region").limit(1).to_pyarrow()["region"][0].as_py()
        filtered = jf.frame(j, CaseAttribute("region", [region]))
        other = jf.frame(ws.journey(ws.journey_names()[1]), None)
        assert len({_name(plain), _name(filtered), _name(other)}) == 3
        n_plain = plain.instance_id.nunique().execute()
        n_filtered = filtered.instance_id.nunique().execute()
        assert 0 < n_filtered < n_plain
        assert n_filtered == len(j.instances(CaseAttribute("region", [region])))


def test_old_frames_are_dropped_beyond_the_limit(monkeypatch):
    monkeypatch.setattr(jf, "_MAX_FRAMES", 1)
    a = Journey(definition(), log(ALL))
    b = Journey(definition(), log(ALL[:5]))
    first = _name(jf.frame(a, None))
    con = jf.frame(a, None)._find_backend(use_default=True)
    assert first in con.list_tables()
    second = _name(jf.frame(b, None))
    assert second != first
    assert second in con.list_tables() and first not in con.list_tables()
    # Still correct after the drop: computed again.
    assert len(a.touchpoints()) > 0


def test_changed_data_is_not_served_from_a_stale_frame():
    con = ibis.duckdb.connect()
    rows = log(ALL).to_pyarrow()
    # Raw SQL: this ibis' create_table(pyarrow) trips over its own DROP VIEW on this DuckDB.
    con.con.register("head", rows.slice(0, 5))
    con.con.register("tail", rows.slice(5))
    con.con.execute("CREATE TABLE events AS SELECT * FROM head")
    j = Journey(definition(), con.table("events"))
    before = jf.frame(j, None).count().execute()
    con.con.execute("INSERT INTO events SELECT * FROM tail")
    after = jf.frame(Journey(definition(), con.table("events")), None).count().execute()
    assert after > before
    assert len(Journey(definition(), con.table("events")).instances()) == len(
        Journey(definition(), log(ALL)).instances()
    )


# --------------------------------------------------------------------------- fast path parity
# On DuckDB the ordered quantities come from one pass with IGNORE NULLS lags and a running
# bit_or (_ordered_duckdb); everywhere else from portable windows and joins (_ordered_portable).
# Every per-event column, in_promise included, must be the same.

#: Ties, a contact between touchpoints, a repeat after another touchpoint, the same activity
#: twice in a row, a sub-step, a rework touchpoint, a contact before the first touchpoint.
PARITY = [
    ("p1", "Call: early", "2024-01-01 08:00", None, "Customer"),
    ("p1", "Order", "2024-01-01 09:00", "2024-01-01 08:55", "Customer"),
    ("p1", "Check", "2024-01-01 10:00", "2024-01-01 09:30", "Front"),
    ("p1", "Call: where?", "2024-01-01 11:00", None, "Customer"),
    ("p1", "Fix", "2024-01-01 12:00", "2024-01-01 11:30", "Back"),
    ("p1", "Fix failed", "2024-01-01 12:00", None, "Back"),
    ("p1", "Fix failed", "2024-01-01 13:00", None, "Back"),
    ("p1", "Check", "2024-01-01 14:00", None, "Front"),
    ("p1", "Redo", "2024-01-01 15:00", None, "Back"),
    ("p1", "Close", "2024-01-01 16:00", None, "Front"),
    ("p2", "Close", "2024-01-02 08:00", None, "Front"),
    ("p2", "Order", "2024-01-02 09:00", None, "Customer"),
    ("p2", "Call: x", "2024-01-02 09:00", None, "Customer"),
    ("p3", "Order", "2024-01-03 09:00", None, "Customer"),
    ("p3", "Call: y", "2024-01-03 09:30", None, "Customer"),
]


def _both(j: Journey, **options) -> tuple[pd.DataFrame, pd.DataFrame]:
    fast = jf.journey_events(j, None, **options)
    portable = jf.journey_events(j, None, ordered="portable", **options)
    got = _sorted(fast.to_pyarrow().to_pandas())
    want = _sorted(portable.to_pyarrow().to_pandas())
    return got, want


@pytest.mark.parametrize("rows", [ALL, PARITY, ALL + PARITY], ids=["by-hand", "edges", "both"])
@pytest.mark.parametrize("slim", [True, False])
def test_fast_ordered_pass_matches_the_portable_one(rows, slim):
    j = Journey(definition(), log(rows))
    assert jf._touchpoint_bits(j)  # the fast path applies
    assert "IGNORE NULLS" in ibis.to_sql(jf.journey_events(j, None, slim=slim))
    got, want = _both(j, slim=slim, window=True, keep_after=True)
    assert got["is_repeat"].any() and got["is_handoff"].any() and got["in_promise"].any()
    pd.testing.assert_frame_equal(got, want)


def test_fast_ordered_pass_with_customers_joined_and_measures():
    rows = [(*r, "C" + r[0][-1]) for r in PARITY]
    j = Journey(
        definition(
            customer={"column": "customer", "window": "3d"},
            measures={"to_fix": {"from": "Check", "to": "Fix"}},
        ),
        log(rows),
    )
    got, want = _both(j, slim=True, window=True, keep_after=True)
    assert {"_after_promise", "_after_measure_to_fix"} <= set(got.columns)
    pd.testing.assert_frame_equal(got, want)


def test_a_touchpoint_that_is_also_a_contact_takes_the_portable_path():
    # "Call: fix" is both a contact and an activity of the touchpoint Fix, whose other
    # activity is not a contact: a running bit per touchpoint name cannot tell them apart.
    tps = [dict(tp) for tp in BASE["touchpoints"]]
    tps[2] = {**tps[2], "activities": ["Fix", "Fix failed", "Call: fix"]}
    rows = [*PARITY, ("p1", "Call: fix", "2024-01-01 12:30", None, "Customer")]
    j = Journey(definition(touchpoints=tps), log(rows))
    assert jf._touchpoint_bits(j) is None
    sql = ibis.to_sql(jf.journey_events(j, None, slim=True, window=False))
    assert "IGNORE NULLS" not in sql
    inst = j.instances().set_index("instance_id")
    parts = ["processing_s", "wait_in_lane_s", "wait_handoff_s", "rework_s"]
    assert (inst[parts].sum(axis=1) == inst["duration_s"]).all()
    assert inst.loc["p1", "n_contacts"] == 3


def test_fast_path_matches_the_portable_one_on_the_world(demo_ws):
    with Workspace.open(demo_ws) as ws:
        for name in ws.journey_names():
            j = ws.journey(name)
            assert jf._touchpoint_bits(j), name
            got, want = _both(j, slim=True, window=True, keep_after=True)
            assert len(got) > 1000
            pd.testing.assert_frame_equal(got, want, obj=name)
