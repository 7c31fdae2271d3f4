"""Canonicalisation: row accounting, case attributes, the cases table, real logs vs pm4py."""

from __future__ import annotations

import json
import random
import tempfile
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from journeylens.generate.demo import sample_log_path
from journeylens.store.eventlog import EventLog, read_events

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
SHARED_LOGS = sorted(p.name.split(".")[0] for p in SHARED.glob("facts/*.json"))


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def table_rows(expr) -> list[dict]:
    return expr.to_pyarrow().to_pylist()


# -- the cases table and case attributes -------------------------------------------------


def test_cases_table_and_case_attributes(tmp_path):
    text = (
        "case,activity,timestamp,customer,region,amount,note\n"
        "c1,Open,2024-01-01 10:00:00,acme,north,10,first\n"
        "c1,Work,2024-01-01 12:30:00,acme,,20,\n"
        "c1,Close,2024-01-02 10:00:00,acme,north,30,\n"
        "c2,Open,2024-01-05 09:00:00,globex,,5,x\n"
        "c2,Open,2024-01-05 09:00:00,globex,,5,y\n"
    )
    log = read_events(write(tmp_path / "c.csv", text))
    cases = {c["case_id"]: c for c in table_rows(log.cases)}
    assert set(cases) == {"c1", "c2"}
    c1 = cases["c1"]
    assert (c1["start"], c1["end"]) == (datetime(2024, 1, 1, 10), datetime(2024, 1, 2, 10))
    assert c1["duration_s"] == 86400.0
    assert (c1["events"], c1["activities"]) == (3, 3)
    assert (c1["first_activity"], c1["last_activity"]) == ("Open", "Close")
    # Constant within every case (missing values aside) -> case attribute.
    assert (c1["customer"], c1["region"]) == ("acme", "north")
    assert (cases["c2"]["customer"], cases["c2"]["region"]) == ("globex", None)
    # amount varies in c1 and note in c2: they stay event attributes only.
    assert "amount" not in c1
    assert "note" not in c1
    assert cases["c2"]["duration_s"] == 0.0
    assert cases["c2"]["events"] == 2
    assert log.report.duplicate_events == 1
    # Every other column is kept on the events, typed.
    schema = log.table.schema()
    assert schema["amount"].is_int64()
    assert schema["note"].is_string()
    assert list(schema)[:10] == [
        "case_id",
        "activity",
        "timestamp",
        "start_timestamp",
        "resource",
        "department",
        "channel",
        "lifecycle",
        "event_index",
        "source_id",
    ]


def test_source_columns_named_like_canonical_ones_never_replace_them(tmp_path):
    text = "case,activity,timestamp,source_id,event_index\nc1,a,2024-01-01,9,7\n"
    [row] = table_rows(read_events(write(tmp_path / "n.csv", text)).table)
    # The workspace's own bookkeeping wins (the source's values may be kept as attr_*).
    assert row["source_id"] == 1
    assert row["event_index"] == (1 << 40) + 1
    assert [c for c in row if c in ("source_id", "event_index")] == ["event_index", "source_id"]


def test_order_ties_follow_source_order(tmp_path):
    text = "case,activity,timestamp\nc1,B,2024-01-01 10:00\nc1,A,2024-01-01 10:00\n"
    log = read_events(write(tmp_path / "t.csv", text))
    [case] = table_rows(log.cases)
    assert (case["first_activity"], case["last_activity"]) == ("B", "A")


def test_report_checks(tmp_path):
    text = (
        "case,activity,timestamp,start\n"
        "c1,a,2024-01-02 10:00,2024-01-02 09:00\n"
        "c1,b,2024-01-01 10:00,2024-01-01 11:00\n"  # out of order, starts after it ends
        "c2,a,1970-01-01 00:00,\n"  # suspicious
        "c2,a,1970-01-01 00:00,\n"  # duplicate
        "c3,a,2024-01-01 00:00,nonsense\n"  # rejected
    )
    log = read_events(write(tmp_path / "r.csv", text), start_timestamp="start")
    r = log.report
    assert (r.rows_read, r.loaded, r.rejected) == (5, 4, 1)
    assert r.reasons == {"unparseable start timestamp": 1}
    assert r.duplicate_events == 1
    assert r.out_of_order_cases == 1
    assert r.suspicious_timestamps == 2
    assert r.start_after_end == 1
    assert (r.cases, r.activities) == (2, 2)
    assert r.time_range == ("1970-01-01 00:00:00", "2024-01-02 10:00:00")
    text = r.summary()
    for needle in ("read 5 rows", "rejected 1", "1 duplicate events", "out of time order"):
        assert needle in text
    assert json.loads(json.dumps(r.to_dict()))["loaded"] == 4
    assert "<pre>" in r._repr_html_()
    assert "4 events" in repr(log)
    assert len(log) == 4


# -- properties --------------------------------------------------------------------------

BASE = datetime(2024, 3, 1, 8, 0)
BAD_TS = ["not a date", "NULL", "", "2024-13-45 10:00:00"]


@st.composite
def csv_rows(draw):
    """Rows (case, activity, timestamp text, cost); timestamps are distinct when valid."""
    n = draw(st.integers(1, 25))
    out = []
    for i in range(n):
        case = draw(st.sampled_from(["c1", "c2", "c3", "c4", ""]))
        activity = draw(st.sampled_from(["A", "B", "C", "?"]))
        if draw(st.booleans()) or draw(st.booleans()):
            ts = (BASE + timedelta(minutes=7 * i)).strftime("%Y-%m-%d %H:%M:%S")
        else:
            ts = draw(st.sampled_from(BAD_TS))
        cost = draw(st.sampled_from(["1", "2,5", "?", "", "3"]))
        out.append((case, activity, ts, cost))
    return out


def _is_good(row: tuple[str, str, str, str]) -> bool:
    case, activity, ts, _ = row
    return bool(case) and activity != "?" and ts not in BAD_TS


def _write_csv(rows, extra_lines: dict[int, str] | None = None) -> Path:
    lines = ["Case;Activity;Timestamp;Cost"]
    for i, r in enumerate(rows):
        if extra_lines and i in extra_lines:
            lines.append(extra_lines[i])
        lines.append(";".join(r))
    path = Path(tempfile.mkdtemp(prefix="jl-prop-")) / "log.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@settings(max_examples=25, deadline=None)
@given(rows=csv_rows(), malformed=st.sets(st.integers(0, 24), max_size=3))
def test_every_row_is_loaded_or_rejected(rows, malformed):
    extra = {i: "cX;A;2024-03-01 08:00:00;1;surplus" for i in malformed if i < len(rows)}
    path = _write_csv(rows, extra)
    r = read_events(path).report
    assert r.rows_read == len(rows) + len(extra)
    assert r.loaded + r.rejected == r.rows_read
    assert r.merged == 0
    assert r.loaded == sum(map(_is_good, rows))
    assert r.reasons.get("malformed line", 0) == len(extra)


def _snapshot(log: EventLog):
    events = Counter(
        (e["case_id"], e["activity"], e["timestamp"], e["Cost"]) for e in table_rows(log.table)
    )
    cases = sorted(table_rows(log.cases), key=lambda c: c["case_id"])
    rejected = Counter((x["reason"], x["column"], x["value"]) for x in table_rows(log.rejects))
    return events, cases, rejected, log.table.schema()


@settings(max_examples=25, deadline=None)
@given(rows=csv_rows(), seed=st.integers(0, 2**32 - 1))
def test_row_order_never_changes_the_result(rows, seed):
    shuffled = list(rows)
    random.Random(seed).shuffle(shuffled)
    a = _snapshot(read_events(_write_csv(rows)))
    b = _snapshot(read_events(_write_csv(shuffled)))
    assert a == b
    assert sum(a[0].values()) == sum(map(_is_good, rows))


_TIES = st.lists(
    st.tuples(
        st.sampled_from(["c1", "c2", "c3"]),
        st.sampled_from(["A", "B"]),
        st.sampled_from(["2024-01-01 10:00:00", "2024-01-01 10:00:00", "2024-01-01 11:00:00"]),
        st.sampled_from(["r1", "r2", ""]),
    ),
    max_size=30,
)


def _duplicates(rows) -> int:
    """Brute force: rows repeating an earlier row's case, activity, timestamp and resource."""
    return sum(n - 1 for n in Counter(rows).values())


@settings(max_examples=25, deadline=None)
@given(first=_TIES, second=_TIES)
def test_duplicates_are_counted_per_import(tmp_path_factory, first, second):
    # Many ties, interleaved across two sources: the window pass's count of duplicates (tied
    # neighbours only) must equal a full count over the new source's rows.
    from journeylens.workspace import Workspace

    d = tmp_path_factory.mktemp("dups")
    ws = Workspace.create(d / "ws")
    try:
        for k, rows in enumerate((first, second)):
            lines = ["case,activity,timestamp,resource", *(",".join(r) for r in rows)]
            path = write(d / f"{k}.csv", "\n".join(lines) + f"\n{k}x,A,2024-01-02 00:00:00,r\n")
            report = ws.import_events(path)
            assert report.duplicate_events == _duplicates(rows)
    finally:
        ws.close()


def test_memory_cap_lowers_and_restores_the_limit():
    import duckdb

    from journeylens.store.ingest import memory_cap

    con = duckdb.connect()
    (default,) = con.execute("SELECT current_setting('memory_limit')").fetchone()
    limit = lambda: con.execute("SELECT current_setting('memory_limit')").fetchone()[0]  # noqa: E731
    with memory_cap(con, input_bytes=1 << 30, format="csv"):
        assert limit() == "2.0 GiB"
    assert limit() == default
    with memory_cap(con, input_bytes=10, format="parquet"):
        assert limit() == "1.0 GiB"
    assert limit() == default
    # A limit set by the user is left as it is.
    con.execute("SET memory_limit = '1500MiB'")
    before = limit()
    with memory_cap(con, input_bytes=10, format="csv"):
        assert limit() == before
    assert limit() == before
    with (
        memory_cap(con, input_bytes=None, format="csv"),
        memory_cap(con, input_bytes=10, format="database"),
    ):
        assert limit() == before


def test_read_events_spills_to_a_private_folder_removed_with_the_log(tmp_path, monkeypatch):
    import gc

    import journeylens.store.derived

    real, seen = journeylens.store.derived.rebuild, []

    def spy(con, **kwargs):
        seen.append(
            con.execute(
                "SELECT current_setting('memory_limit'), current_setting('temp_directory')"
            ).fetchone()
        )
        return real(con, **kwargs)

    monkeypatch.setattr(journeylens.store.derived, "rebuild", spy)
    log = read_events(write(tmp_path / "s.csv", "case,activity,timestamp\nc1,A,2024-01-01\n"))
    [(limit, folder)] = seen
    assert limit == "1.0 GiB"
    assert Path(folder).is_dir() and Path(folder).name.startswith("journeylens-")
    table = log.table
    del log
    gc.collect()
    # The table still needs the connection (and what it may have spilled) ...
    assert Path(folder).is_dir()
    assert table.count().execute() == 1
    del table
    gc.collect()
    # ... and once nothing refers to the log any more, the folder is gone.
    assert not Path(folder).exists()


# -- real logs against pm4py's reference figures -----------------------------------------


def _check_facts(log: EventLog, facts: dict) -> None:
    r = log.report
    assert (r.loaded, r.cases, r.activities) == (
        facts["events"],
        facts["cases"],
        facts["activities"],
    )
    assert r.rejected == 0
    assert log.table.count().to_pyarrow().as_py() == facts["events"]
    assert log.table.case_id.nunique().to_pyarrow().as_py() == facts["cases"]
    assert log.table.activity.nunique().to_pyarrow().as_py() == facts["activities"]
    assert log.cases.count().to_pyarrow().as_py() == facts["cases"]
    duration = log.cases.duration_s
    assert duration.median().to_pyarrow().as_py() == pytest.approx(
        facts["median_case_duration_s"], rel=1e-9, abs=1e-3
    )
    assert duration.mean().to_pyarrow().as_py() == pytest.approx(
        facts["mean_case_duration_s"], rel=1e-9
    )


def test_helpdesk_matches_facts(data_dir):
    facts = json.loads((data_dir / "facts" / "helpdesk.json").read_text())
    log = read_events(data_dir / "helpdesk.csv")
    _check_facts(log, facts)
    assert log.report.mapping == {
        "case_id": "Case ID",
        "activity": "Activity",
        "timestamp": "Complete Timestamp",
        "resource": "Resource",
        "department": "workgroup",
    }
    # The header repeats "Variant": both columns are kept.
    assert {"Variant", "Variant index", "customer", "seriousness"} <= set(log.table.columns)
    assert len([c for c in log.table.columns if c.startswith("Variant")]) == 3


def test_receipt_matches_facts(data_dir):
    facts = json.loads((data_dir / "facts" / "receipt.json").read_text())
    log = read_events(sample_log_path())
    _check_facts(log, facts)
    case_columns = set(log.cases.columns)
    assert {"case:channel", "case:department", "case:group", "case:responsible"} <= case_columns


@pytest.mark.shared
@pytest.mark.parametrize("name", SHARED_LOGS)
def test_shared_logs_match_facts(shared_data, name):
    facts = json.loads((shared_data / "facts" / f"{name}.json").read_text())
    [path] = [p for p in shared_data.iterdir() if p.name.split(".")[0] == name]
    _check_facts(read_events(path), facts)
