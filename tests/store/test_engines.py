"""PySpark parity: the same canonical events give the same results on Spark as on DuckDB.

Slow (a local Spark session takes ~30 s to start); CI runs them. Needs Java.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from journeylens.mining.cases import case_table
from journeylens.mining.dfg import discover_dfg
from journeylens.mining.variants import variants
from journeylens.workspace import Workspace

pytestmark = pytest.mark.slow

DATA = Path(__file__).parent.parent / "data"


@pytest.fixture(scope="module")
def spark():
    pytest.importorskip("pyspark")
    if shutil.which("java") is None:
        pytest.fail(
            "PySpark parity tests need Java (Debian: default-jre-headless); .ci/run installs it"
        )
    from journeylens.store.engines import spark_session

    session = spark_session(master="local[2]", driver_memory="1g")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def helpdesk(tmp_path_factory):
    """The helpdesk log in a workspace, and its canonical events exported to Parquet."""
    d = tmp_path_factory.mktemp("spark")
    ws = Workspace.create(d / "ws")
    ws.import_events(DATA / "helpdesk.csv")
    ws.export(d / "events.parquet", format="parquet")
    yield ws, d / "events.parquet"
    ws.close()


def _sorted(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    return frame.sort_values(keys).reset_index(drop=True)


def test_spark_reads_the_same_canonical_table(spark, helpdesk):
    from journeylens.store.engines import spark_events

    ws, parquet = helpdesk
    events = spark_events(parquet, session=spark)
    assert list(events.columns) == list(ws.events.columns)
    cols = ["case_id", "activity", "timestamp", "resource", "event_index"]
    on_spark = _sorted(events.select(cols).to_pandas(), ["event_index"])
    on_duck = _sorted(ws.events.select(cols).to_pandas(), ["event_index"])
    assert len(on_spark) == 21348
    pd.testing.assert_frame_equal(on_spark, on_duck, check_dtype=False)


def test_dfg_parity(spark, helpdesk):
    from journeylens.store.engines import spark_events

    ws, parquet = helpdesk
    spark_dfg = discover_dfg(spark_events(parquet, session=spark))
    duck_dfg = discover_dfg(ws.events)
    keys = ["source", "target"]
    a, b = _sorted(spark_dfg.edges, keys), _sorted(duck_dfg.edges, keys)
    counts = [*keys, "frequency", "cases"]
    assert a[counts].values.tolist() == b[counts].values.tolist()
    assert int(a.frequency.sum()) == 21348 - 4580
    for col in ("mean_s", "min_s", "max_s", "total_s", "median_s"):
        assert a[col].astype(float).round(3).tolist() == b[col].astype(float).round(3).tolist(), col


def test_variants_and_case_table_parity(spark, helpdesk):
    from journeylens.store.engines import spark_events

    ws, parquet = helpdesk
    events = spark_events(parquet, session=spark)
    va, vb = variants(events), variants(ws.events)
    assert len(va) == len(vb) == 226
    assert va["count"].tolist() == vb["count"].tolist()
    assert [tuple(v) for v in va["variant"]] == [tuple(v) for v in vb["variant"]]
    ca = _sorted(case_table(events).to_pandas(), ["case_id"])
    cb = _sorted(case_table(ws.events).to_pandas(), ["case_id"])
    assert len(ca) == 4580
    assert ca["events"].tolist() == cb["events"].tolist()
    assert ca["duration_s"].round(3).tolist() == cb["duration_s"].round(3).tolist()
    assert ca["rework"].tolist() == cb["rework"].tolist()


def test_journey_variant_families_parity(spark, tmp_path):
    """Variant families (journey frame → paths → families) on Spark equal DuckDB's."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from _journeys import VARIANT_ROWS as ROWS
    from _journeys import journey, log

    from journeylens.journeys import Journey
    from journeylens.store.engines import spark_events

    table = log(ROWS).to_pyarrow()
    n = table.num_rows
    table = table.append_column("lifecycle", pa.array([None] * n, pa.string()))
    table = table.append_column("source_id", pa.array([0] * n, pa.int64()))
    pq.write_table(table, tmp_path / "rows.parquet")
    on_duckdb = journey(ROWS)
    on_spark = Journey(on_duckdb.definition, spark_events(tmp_path / "rows.parquet", session=spark))
    pd.testing.assert_frame_equal(on_spark.variant_families(), on_duckdb.variant_families())
    pd.testing.assert_frame_equal(on_spark.instance_families(), on_duckdb.instance_families())


def test_journey_instances_parity(spark, helpdesk):
    """The journey frame's portable expression on Spark = the DuckDB fast path."""
    from journeylens.journeys import Journey, load_definitions
    from journeylens.store.engines import spark_events

    ws, parquet = helpdesk
    ticket = load_definitions(
        Path(__file__).parent.parent.parent / "docs/examples/helpdesk_journeys.yaml"
    )
    ticket = ticket["ticket"]
    on_spark = Journey(ticket, spark_events(parquet, session=spark)).instances()
    on_duck = Journey(ticket, ws.events).instances()
    assert len(on_spark) == len(on_duck) == 4580
    a = _sorted(on_spark, ["instance_id"])
    b = _sorted(on_duck, ["instance_id"])
    for col in ("n_events", "n_touchpoints", "n_handoffs", "rework_events", "cancelled"):
        assert a[col].tolist() == b[col].tolist(), col
    for col in ("duration_s", "processing_s", "wait_in_lane_s", "wait_handoff_s", "rework_s"):
        assert a[col].astype(float).round(3).tolist() == b[col].astype(float).round(3).tolist()
