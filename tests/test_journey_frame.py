"""The shared, materialised per-event journey frame (journeylens._journey_frame.frame)."""

from __future__ import annotations

import _journeys
import ibis
import pandas as pd
from _journeys import definition, log
from test_journeys import ALL

from journeylens import _journey_frame as jf
from journeylens.filters import CaseAttribute
from journeylens.journey_kpis import touchpoint_kpis
from journeylens.journeys import Journey
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
        lazy = jf.journey_events(j, None, slim=True, window=True, keep_after=True)
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
