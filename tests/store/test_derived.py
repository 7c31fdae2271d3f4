"""The tables derived at import and the fast paths that read them, against the portable path.

Every analysis with a fast path (DFG, variants, case table) must give on the workspace's own
``events`` exactly what its portable Ibis expression gives on the same rows.  ``.select("*")``
hides the table behind a projection, which forces the portable expression on the same data.
"""

from __future__ import annotations

import itertools
import random
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from journeylens.mining.cases import case_table
from journeylens.mining.dfg import discover_dfg
from journeylens.mining.filters import Filters, Follows, all_of
from journeylens.mining.variants import variants
from journeylens.store import derived
from journeylens.store.derived import derived_source
from journeylens.store.eventlog import read_events
from journeylens.workspace import Workspace

HEADER = "case_id,activity,timestamp,resource,department,region,cost\n"


def _random_log(seed: int, cases: int, *, prefix: str = "c") -> str:
    """A CSV with ties, one-event cases, missing owners, rework and shuffled rows."""
    rnd = random.Random(seed)
    acts = ["Register", "Check", "Decide", "Fix", "Notify", "Close", "Reopen"]
    rows = []
    for c in range(cases):
        t = datetime(2024, 3, 1) + timedelta(minutes=rnd.randrange(100_000))
        region = rnd.choice(["north", "south"])
        for _ in range(rnd.choice([1, 1, 2, 3, 5, 8, 12])):
            # zero gaps make timestamp ties, broken by source order
            t += timedelta(seconds=rnd.choice([0, 0, 5, 60, 3600, 86_400]))
            res = rnd.choice(["ann", "bob", "cy", ""])
            dep = rnd.choice(["front", "back", ""])
            cost = rnd.randrange(1, 100)
            rows.append(
                f"{prefix}{c},{rnd.choice(acts)},{t:%Y-%m-%d %H:%M:%S},{res},{dep},{region},{cost}"
            )
    rnd.shuffle(rows)
    return HEADER + "\n".join(rows) + "\n"


def _portable(events):
    """The same rows, hidden behind a projection: the analyses take their portable path."""
    return events.select(*events.columns)


def _assert_same(ws_events) -> None:
    fast, slow = discover_dfg(ws_events), discover_dfg(_portable(ws_events))
    for part in ("edges", "activities", "start", "end"):
        pd.testing.assert_frame_equal(
            getattr(fast, part), getattr(slow, part), check_exact=False, rtol=1e-9
        )
    for kwargs in ({}, {"top": 3}, {"coverage": 0.5}):
        pd.testing.assert_frame_equal(
            variants(ws_events, **kwargs),
            variants(_portable(ws_events), **kwargs),
            check_exact=False,
            rtol=1e-9,
        )
    fast_cases = case_table(ws_events).order_by("case_id").to_pyarrow().to_pandas()
    slow_cases = case_table(_portable(ws_events)).order_by("case_id").to_pyarrow().to_pandas()
    pd.testing.assert_frame_equal(fast_cases, slow_cases, check_exact=False, rtol=1e-9)


@pytest.fixture(scope="module")
def random_ws(tmp_path_factory) -> Workspace:
    """Two imports whose cases overlap: the derived tables cover both sources."""
    root = tmp_path_factory.mktemp("derived")
    ws = Workspace.create(root / "ws")
    first = root / "a.csv"
    first.write_text(_random_log(1, 400))
    ws.import_events(first)
    # The second source adds events to cases of the first one (same ids, later rows).
    second = root / "b.csv"
    second.write_text(_random_log(2, 150))
    ws.import_events(second)
    yield ws
    ws.close()


def test_fast_path_applies_to_the_workspace_events(random_ws):
    assert derived_source(random_ws.events) is not None
    assert derived_source(_portable(random_ws.events)) is None


@pytest.mark.parametrize("seed", [3, 4])
def test_parity_on_random_logs(tmp_path, seed):
    path = tmp_path / "log.csv"
    path.write_text(_random_log(seed, 300))
    with Workspace.create(tmp_path / "ws") as ws:
        ws.import_events(path)
        _assert_same(ws.events)


def test_parity_across_two_sources(random_ws):
    _assert_same(random_ws.events)
    # Cases spanning both imports are counted once, with all their events.
    n_cases = random_ws.con.execute("SELECT count(DISTINCT case_id) FROM events").fetchone()[0]
    assert int(variants(random_ws.events)["count"].sum()) == n_cases
    dfg = discover_dfg(random_ws.events)
    assert dfg.arcs == dfg.events - dfg.cases


def test_parity_on_a_real_log(data_dir):
    log = read_events(data_dir / "helpdesk.csv")
    assert derived_source(log.table) is not None
    _assert_same(log.table)


def test_filters_fall_back_to_the_portable_path(random_ws):
    events = random_ws.events
    # No filter: the workspace table itself, fast path.
    assert derived_source(Filters().apply(events)) is not None
    filtered = all_of(Follows("Check", "Decide")).apply(events)
    assert derived_source(filtered) is None
    # The filtered result equals the analyses of the same rows materialised elsewhere.
    kept = filtered.to_pyarrow()
    assert 0 < kept.num_rows < events.count().execute()
    with read_events_from_arrow(kept) as other:
        assert derived_source(other) is None
        got, want = variants(filtered), variants(other)
        pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-9)
        assert discover_dfg(filtered).edges.equals(discover_dfg(other).edges)
    # And the unfiltered fast answer covers more cases than the filtered one.
    assert variants(events)["count"].sum() > variants(filtered)["count"].sum()


class read_events_from_arrow:
    """An in-memory DuckDB table holding ``table``: no derived tables next to it."""

    def __init__(self, table):
        import duckdb
        import ibis

        self.con = duckdb.connect()
        self.con.register("_rows", table)
        self.con.execute("CREATE TABLE events AS SELECT * FROM _rows")
        self.table = ibis.duckdb.from_connection(self.con).table("events")

    def __enter__(self):
        return self.table

    def __exit__(self, *exc):
        self.con.close()


def test_workspace_without_derived_tables_uses_the_portable_path(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text(_random_log(5, 50))
    with Workspace.create(tmp_path / "ws") as ws:
        ws.import_events(path)
        before = variants(ws.events)
        # What a workspace written by an older journeylens looks like: no version stamp.
        ws.con.execute(f"DROP TABLE {derived.STAMP}")
        assert derived_source(ws.events) is None
        pd.testing.assert_frame_equal(variants(ws.events), before, check_exact=False, rtol=1e-9)


def test_derived_tables_follow_each_import(tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text(HEADER + "x,A,2024-01-01 10:00:00,,,north,1\nx,B,2024-01-01 11:00:00,,,north,1\n")
    b.write_text(HEADER + "x,C,2024-01-01 12:00:00,,,north,1\ny,A,2024-01-02 10:00:00,,,south,1\n")
    with Workspace.create(tmp_path / "ws") as ws:
        ws.import_events(a)
        assert variants(ws.events)["variant"].tolist() == [("A", "B")]
        ws.import_events(b)
        assert ws.import_events(b).already_imported  # a re-import changes nothing
        got = variants(ws.events)[["variant", "count"]].to_dict("records")
        assert got == [{"variant": ("A",), "count": 1}, {"variant": ("A", "B", "C"), "count": 1}]
        edges = discover_dfg(ws.events).edges
        assert set(zip(edges.source, edges.target, strict=True)) == {("A", "B"), ("B", "C")}
        # region is constant within each case: still a case attribute of the rebuilt cases
        assert "region" in ws.config["case_attributes"]
        assert ws.con.execute("SELECT region FROM cases ORDER BY case_id").fetchall() == [
            ("north",),
            ("south",),
        ]


def test_out_of_order_rows_are_still_reported(tmp_path):
    path: Path = tmp_path / "log.csv"
    path.write_text(
        HEADER
        + "a,X,2024-01-01 10:00:00,,,north,1\na,Y,2024-01-01 09:00:00,,,north,1\n"
        + "b,X,2024-01-01 10:00:00,,,north,1\nb,Y,2024-01-01 11:00:00,,,north,1\n"
    )
    with Workspace.create(tmp_path / "ws") as ws:
        assert ws.import_events(path).out_of_order_cases == 1


_ORDERS = st.lists(
    st.tuples(st.sampled_from(["a", "b", "c"]), st.integers(0, 3), st.sampled_from(["r1", ""])),
    max_size=20,
)


@settings(max_examples=20, deadline=None)
@given(first=_ORDERS, second=_ORDERS)
def test_out_of_order_cases_match_a_brute_force_count(tmp_path_factory, first, second):
    # The window pass compares each row of the new source with the previous row *of that
    # source* in time order; a case counts when any later row in the file is earlier in time.
    # Two interleaved sources: the other source's rows must not decide (nor hide) anything.
    def brute(rows) -> int:
        times: dict[str, list[int]] = {}
        for case, hour, _ in rows:
            times.setdefault(case, []).append(hour)
        return sum(any(a > b for a, b in itertools.combinations(t, 2)) for t in times.values())

    root = tmp_path_factory.mktemp("order")
    with Workspace.create(root / "ws") as ws:
        for n, rows in enumerate((first, second)):
            lines = [f"{c},A,2024-01-01 1{h}:00:00,{r},,north,1" for c, h, r in rows]
            path = root / f"{n}.csv"
            # one fixed row keeps every file non-empty
            path.write_text(HEADER + "\n".join([*lines, f"z{n},A,2024-01-02 00:00:00,,,x,1"]))
            assert ws.import_events(path).out_of_order_cases == brute(rows)


def _derived_snapshot(con) -> dict:
    snap = {}
    for table, key in (
        ("cases", ["case_id"]),
        (derived.VARIANTS, ["rank"]),
        (derived.EDGES, ["source", "target"]),
        (derived.NODES, ["activity"]),
    ):
        types = {r[0]: r[1] for r in con.execute(f"DESCRIBE {table}").fetchall()}
        frame = con.execute(f"SELECT * FROM {table}").df().sort_values(key, ignore_index=True)
        snap[table] = (types, frame)
    return snap


def test_enum_columns_give_the_same_varchar_tables(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text(_random_log(6, 250))
    columns = ("activity", "resource", "department", "region")

    def retype(con, kind: str) -> None:
        # The low-cardinality text columns as plain VARCHAR, or as ENUMs of their sorted values
        # (what the import stores them as when they have few values).
        for column in columns:
            if kind == "VARCHAR":
                con.execute(f"ALTER TABLE events ALTER {column} TYPE VARCHAR")
                continue
            values = [
                v
                for (v,) in con.execute(
                    f"SELECT DISTINCT CAST({column} AS VARCHAR) FROM events "
                    f"WHERE {column} IS NOT NULL ORDER BY 1"
                ).fetchall()
            ]
            labels = ", ".join("'" + v.replace("'", "''") + "'" for v in values)
            con.execute(f"ALTER TABLE events ALTER {column} TYPE ENUM({labels})")
        types = {r[0]: r[1] for r in con.execute("DESCRIBE events").fetchall()}
        assert all(types[c].startswith(kind) for c in columns), types

    with Workspace.create(tmp_path / "ws") as ws:
        ws.import_events(path)
        con = ws.con
        source = ws.config["sources"][-1]["id"]
        retype(con, "VARCHAR")
        want_result = derived.rebuild(con, source_id=source)
        want = _derived_snapshot(con)
        assert want_result[1] > 0 and want_result[2] > 0  # the checks have something to find
        assert "region" in want_result[0]
        retype(con, "ENUM(")
        assert derived.rebuild(con, source_id=source) == want_result
        got = _derived_snapshot(con)
    for table, (want_types, want_frame) in want.items():
        got_types, got_frame = got[table]
        assert got_types == want_types, table
        pd.testing.assert_frame_equal(got_frame, want_frame, check_exact=False, rtol=1e-12)
    text = {
        "cases": ["first_activity", "last_activity", "region"],
        derived.VARIANTS: ["key"],
        derived.EDGES: ["source", "target"],
        derived.NODES: ["activity"],
    }
    for table, columns in text.items():
        assert all(got[table][0][c] == "VARCHAR" for c in columns), table


def test_sequence_facts_are_weighed_by_the_cases_of_each_variant(tmp_path):
    # Three cases share the rework variant A,B,A,B and one case is B,A: the distinct cases per
    # arc and activity (read from one representative per variant) count cases, not repeats.
    rows = [
        f"{c},{a},2024-01-0{d} 1{h}:00:00,,,north,1"
        for d, c in enumerate(["x", "y", "z"], start=1)
        for h, a in enumerate("ABAB")
    ]
    rows += ["w,B,2024-01-05 10:00:00,,,south,1", "w,A,2024-01-05 11:00:00,,,south,1"]
    path = tmp_path / "log.csv"
    path.write_text(HEADER + "\n".join(reversed(rows)) + "\n")
    with Workspace.create(tmp_path / "ws") as ws:
        ws.import_events(path)
        edges = discover_dfg(ws.events).edges.set_index(["source", "target"])
        assert edges.loc[("A", "B"), ["frequency", "cases"]].tolist() == [6, 3]
        assert edges.loc[("B", "A"), ["frequency", "cases"]].tolist() == [4, 4]
        nodes = ws.con.execute(
            f"SELECT activity, frequency, cases FROM {derived.NODES} ORDER BY activity"
        ).fetchall()
        assert nodes == [("A", 7, 4), ("B", 7, 4)]
        cases = ws.con.execute(
            "SELECT case_id, activities, first_activity, last_activity FROM cases ORDER BY 1"
        ).fetchall()
        assert cases == [
            ("w", 2, "B", "A"),
            ("x", 2, "A", "B"),
            ("y", 2, "A", "B"),
            ("z", 2, "A", "B"),
        ]
        got = variants(ws.events)[["variant", "count"]].to_dict("records")
        assert got == [
            {"variant": ("A", "B", "A", "B"), "count": 3},
            {"variant": ("B", "A"), "count": 1},
        ]
        _assert_same(ws.events)
