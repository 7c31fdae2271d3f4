"""Workspaces: layout, YAML, idempotent and atomic imports, locking, export round trips."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

import journeylens.store.ingest
from journeylens.errors import InputError, WorkspaceError, WorkspaceLockedError
from journeylens.workspace import CONFIG_NAME, DB_NAME, Workspace

LOG_A = (
    "Case ID,Activity,Complete Timestamp,Resource,customer,amount,score,note\n"
    "c1,Open,2024-01-01 10:00:00.250,ann,acme,10,1.5,first\n"
    "c1,Work,2024-01-01 12:30:00,bob,acme,20,2.5,\n"
    "c1,Close,2024-01-02 10:00:00,ann,acme,30,3,\n"
    "c2,Open,2024-01-05 09:00:00,,globex,5,4.25,x\n"
    ",Open,2024-01-05 09:00:00,,globex,5,4.25,x\n"
)
LOG_B = (
    "ticket_id;Activity;Complete Timestamp;amount;channel\n"
    "c2;Close;16/01/2024 10:00;n/a;phone\n"
    "c3;Open;17/01/2024 08:00;1,5;web\n"
    "c3;Close;bad;2;web\n"
)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def snapshot(ws: Workspace) -> dict:
    """Everything an import could change: tables (schema and rows) and the YAML."""
    con = ws.con
    out = {"yaml": (ws.path / CONFIG_NAME).read_text(encoding="utf-8")}
    for table in ("events", "rejects", "cases"):
        out[table + "_schema"] = con.execute(f"DESCRIBE {table}").fetchall()
        out[table] = con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()
    out["files"] = sorted(p.name for p in ws.path.iterdir())
    return out


def test_init_creates_the_layout(tmp_path):
    target = tmp_path / "deep" / "ws"
    ws = Workspace.create(target)
    ws.close()
    assert (target / DB_NAME).is_file()
    config = yaml.safe_load((target / CONFIG_NAME).read_text(encoding="utf-8"))
    assert config["version"] == 1
    assert config["sources"] == []
    with pytest.raises(WorkspaceError, match="already a journeylens workspace"):
        Workspace.create(target)
    with Workspace.create(target, exist_ok=True) as again:
        assert again.info()["events"] == 0
    with pytest.raises(WorkspaceError, match="not a folder"):
        Workspace.create(write(tmp_path / "file.txt", "x"))


def test_opening_a_non_workspace(tmp_path):
    with pytest.raises(WorkspaceError, match="not a journeylens workspace"):
        Workspace.open(tmp_path)
    with pytest.raises(WorkspaceError, match="journeylens init"):
        Workspace.open(tmp_path / "absent")
    write(tmp_path / CONFIG_NAME, "sources: [unclosed")
    with pytest.raises(WorkspaceError, match="not valid YAML"):
        Workspace.open(tmp_path)


def test_read_only_workspace_refuses_imports(make_workspace, tmp_path):
    make_workspace().close()
    with (
        Workspace.open(tmp_path / "ws") as ws,
        pytest.raises(WorkspaceError, match="read-only"),
    ):
        ws.import_events(write(tmp_path / "a.csv", LOG_A))


def test_yaml_lists_sources_with_mapping(make_workspace, tmp_path):
    ws = make_workspace()
    report = ws.import_events(write(tmp_path / "a.csv", LOG_A))
    assert (report.source_id, report.rows_read, report.loaded, report.rejected) == (1, 5, 4, 1)
    config = yaml.safe_load((ws.path / CONFIG_NAME).read_text(encoding="utf-8"))
    assert config == ws.config
    [src] = config["sources"]
    assert src["id"] == 1
    assert src["path"] == str((tmp_path / "a.csv").resolve())
    assert src["format"] == "csv"
    assert src["mapping"] == {
        "case_id": "Case ID",
        "activity": "Activity",
        "timestamp": "Complete Timestamp",
        "resource": "Resource",
    }
    assert src["options"]["delimiter"] == ","
    assert src["options"]["encoding"] == "utf-8"
    assert src["rows"] == {"read": 5, "loaded": 4, "rejected": 1, "merged": 0}
    assert len(src["sha256"]) == 64
    assert set(config["case_attributes"]) == {"customer", "note"}
    info = ws.info()
    assert (info["events"], info["cases"], info["activities"], info["rejected_rows"]) == (
        4,
        2,
        3,
        1,
    )
    assert info["resources"] == 2
    assert info["first_event"] == "2024-01-01 10:00:00.250000"
    assert set(info["event_attributes"]) == {"amount", "score"}


def test_reimporting_the_same_content_adds_nothing(make_workspace, tmp_path):
    ws = make_workspace()
    path = write(tmp_path / "a.csv", LOG_A)
    ws.import_events(path)
    before = snapshot(ws)
    again = ws.import_events(path)
    assert again.already_imported
    assert again.source_id == 1
    assert "already imported" in again.summary()
    # The identity is the content, not the name.
    assert ws.import_events(write(tmp_path / "copy.csv", LOG_A)).already_imported
    assert snapshot(ws) == before
    ws.close()
    with Workspace.open(ws.path, read_only=False) as reopened:
        assert reopened.import_events(path).already_imported


def test_two_sources_append(make_workspace, tmp_path):
    ws = make_workspace()
    ws.import_events(write(tmp_path / "a.csv", LOG_A))
    report = ws.import_events(write(tmp_path / "b.csv", LOG_B))
    assert report.source_id == 2
    assert (report.rows_read, report.loaded, report.rejected) == (3, 2, 1)
    assert [s["id"] for s in ws.config["sources"]] == [1, 2]
    info = ws.info()
    assert (info["events"], info["cases"], info["rejected_rows"]) == (6, 3, 2)
    con = ws.con
    assert con.execute(
        "SELECT source_id, count(*) FROM events GROUP BY ALL ORDER BY 1"
    ).fetchall() == [(1, 4), (2, 2)]
    assert con.execute("SELECT source_id, line, reason FROM rejects ORDER BY ALL").fetchall() == [
        (1, 6, "missing case id"),
        (2, 4, "unparseable timestamp"),
    ]
    # Case c2 now spans both sources; the cases table is rebuilt over all events.
    c2 = con.execute(
        "SELECT events, first_activity, last_activity, duration_s FROM cases WHERE case_id = 'c2'"
    ).fetchone()
    assert c2 == (2, "Open", "Close", 11 * 86400.0 + 3600.0)
    # 'amount' was an integer in a.csv and a decimal-comma number in b.csv: the column
    # widens to text and keeps every value.
    assert con.execute(
        "SELECT amount FROM events WHERE amount IS NOT NULL ORDER BY event_index"
    ).fetchall() == [("10",), ("20",), ("30",), ("5",), ("1.5",)]
    # The new column only exists for the second source's events.
    assert con.execute("SELECT count(channel) FROM events").fetchone() == (2,)
    # Event order is unique across sources.
    assert con.execute("SELECT count(DISTINCT event_index) FROM events").fetchone() == (6,)


def test_failed_import_leaves_everything_as_before(make_workspace, tmp_path, monkeypatch):
    ws = make_workspace()
    ws.import_events(write(tmp_path / "a.csv", LOG_A))
    before = snapshot(ws)

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(journeylens.store.derived, "rebuild", broken)
    path = write(tmp_path / "b.csv", LOG_B)
    with pytest.raises(RuntimeError, match="disk on fire"):
        ws.import_events(path)
    assert snapshot(ws) == before
    assert ws.con.execute("SELECT current_setting('TimeZone')").fetchone() == ("UTC",)
    # A bad mapping fails before anything is written, too.
    with pytest.raises(InputError, match="'nope'"):
        ws.import_events(path, case_id="nope", timezone="Asia/Tokyo")
    assert snapshot(ws) == before
    assert ws.con.execute("SELECT current_setting('TimeZone')").fetchone() == ("UTC",)
    # Once the fault is gone the same file imports normally, as source 2.
    monkeypatch.undo()
    assert ws.import_events(path).source_id == 2
    ws.close()
    with Workspace.open(ws.path) as reopened:
        assert reopened.info()["events"] == 6


def test_import_retries_without_the_memory_cap(make_workspace, tmp_path, monkeypatch):
    import duckdb

    ws = make_workspace()
    (limit,) = ws.con.execute("SELECT current_setting('memory_limit')").fetchone()
    real, seen = journeylens.store.derived.rebuild, []

    def tight(con, **kwargs):
        seen.append(con.execute("SELECT current_setting('memory_limit')").fetchone()[0])
        if len(seen) == 1:
            raise duckdb.OutOfMemoryException("could not allocate block")
        return real(con, **kwargs)

    monkeypatch.setattr(journeylens.store.derived, "rebuild", tight)
    report = ws.import_events(write(tmp_path / "a.csv", LOG_A))
    # First under the import's cap (1 GiB for a small file), then with the connection's limit.
    assert seen == ["1.0 GiB", limit]
    assert (report.source_id, report.loaded, report.rejected) == (1, 4, 1)
    assert [s["id"] for s in ws.config["sources"]] == [1]
    assert ws.info()["events"] == 4
    assert ws.con.execute("SELECT current_setting('memory_limit')").fetchone() == (limit,)


HOLD = """
import sys, time
from journeylens.workspace import Workspace
ws = Workspace.open(sys.argv[1], read_only=False)
print("ready", flush=True)
time.sleep(60)
"""


@pytest.fixture
def held_workspace(make_workspace):
    """A workspace another process has open for writing; yields (path, pid)."""
    ws = make_workspace()
    ws.close()
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(ws.path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()  # blocks until the holder has the lock (or died)
        if line.strip() != "ready":
            pytest.fail(f"holder did not start: {line!r} {proc.stderr.read()}")
        yield ws.path, proc.pid
    finally:
        proc.kill()
        proc.wait(timeout=10)
        proc.stdout.close()
        proc.stderr.close()


def test_a_workspace_held_by_another_process(held_workspace):
    path, pid = held_workspace
    started = time.monotonic()
    with pytest.raises(WorkspaceLockedError) as exc:
        Workspace.open(path, read_only=False)
    assert time.monotonic() - started < 5
    msg = str(exc.value)
    assert "being written by another process" in msg
    assert str(pid) in msg
    assert "try again" in msg
    assert isinstance(exc.value, WorkspaceError)

    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "journeylens", "info", "-w", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert time.monotonic() - started < 30
    assert result.returncode == 1
    assert "being written by another process" in result.stderr
    assert "Traceback" not in result.stderr


SMALL = (
    "Case ID,Activity,Complete Timestamp,Resource,customer,amount,score\n"
    "c1,Open,2024-01-01 10:00:00.250,ann,acme,10,1.5\n"
    "c1,Work,2024-01-01 12:30:00,bob,acme,20,2.5\n"
    "c1,Close,2024-01-02 10:00:00,ann,acme,30,3\n"
    "c2,Open,2024-01-05 09:00:00,,globex,5,4.25\n"
    "c2,Open,2024-01-05 09:00:00,,globex,6,4.25\n"
    "c3,Close,2024-01-06 09:00:00,eve,initech,7,0.5\n"
)


@pytest.mark.parametrize("fmt", ["csv", "parquet", "xes"])
def test_export_and_reimport_round_trip(make_workspace, tmp_path, fmt):
    ws = make_workspace("a")
    ws.import_events(write(tmp_path / "small.csv", SMALL))
    out = ws.export(tmp_path / f"out.{fmt}")
    assert out.is_file()
    again = make_workspace("b")
    report = again.import_events(out)
    assert report.rejected == 0

    def facts(w: Workspace):
        info = w.info()
        return info["cases"], info["events"], info["activities"], info["resources"]

    assert facts(again) == facts(ws) == (3, 6, 3, 3)
    canonical = "case_id, activity, timestamp, resource, amount, score"
    if fmt == "xes":  # trace attributes come back with XES's case: prefix
        query = f'SELECT {canonical}, "case:customer" FROM events ORDER BY ALL'
    else:
        query = f"SELECT {canonical}, customer FROM events ORDER BY ALL"
    assert (
        again.con.execute(query).fetchall()
        == ws.con.execute(f"SELECT {canonical}, customer FROM events ORDER BY ALL").fetchall()
    )
    cases = 'SELECT case_id, start, "end", duration_s, events, activities, first_activity, last_activity'
    assert (
        again.con.execute(f"{cases} FROM cases ORDER BY ALL").fetchall()
        == ws.con.execute(f"{cases} FROM cases ORDER BY ALL").fetchall()
    )
    customer = "case:customer" if fmt == "xes" else "customer"
    assert again.config["case_attributes"] == [customer]
    # Workspace bookkeeping is not exported as data.
    assert not any(c.startswith("attr_") for c in again.info()["event_attributes"])


def test_export_needs_a_known_format(make_workspace, tmp_path):
    ws = make_workspace()
    with pytest.raises(InputError, match="--format"):
        ws.export(tmp_path / "out.json")
    assert ws.export(tmp_path / "out.data", format="csv").is_file()


def _types(ws: Workspace) -> dict[str, str]:
    return {r[0]: r[1] for r in ws.con.execute("DESCRIBE events").fetchall()}


@pytest.mark.parametrize("fmt", ["csv", "parquet", "duckdb-csv", "duckdb-parquet"])
def test_few_valued_text_is_stored_as_a_sorted_enum_and_read_as_text(
    make_workspace, tmp_path, monkeypatch, fmt
):
    import journeylens.store.readers

    text = "case,activity,time,resource,note\n" + "".join(
        f"c{i % 7},{' Zeta ' if i % 3 else 'alpha'},2024-01-{1 + i % 28:02d} 10:{i % 60:02d},"
        f"r{i % 4},n{i}\n"
        for i in range(60)
    )
    path = write(tmp_path / "a.csv", text)
    if fmt.endswith("parquet"):
        import pyarrow.csv

        pq_path = tmp_path / "a.parquet"
        import pyarrow.parquet

        pyarrow.parquet.write_table(pyarrow.csv.read_csv(path), pq_path)
        path = pq_path
    if fmt.startswith("duckdb"):  # a source too large for Arrow: DuckDB reads it, SQL ENUMs
        monkeypatch.setattr(journeylens.store.readers, "fits_in_memory", lambda _n: False)
    monkeypatch.setattr(journeylens.store.ingest, "ENUM_MAX", 50)
    ws = make_workspace()
    ws.import_events(path, case_id="case", activity="activity", timestamp="time")
    types = _types(ws)
    # Roles are trimmed before their values are collected; values are sorted.
    assert types["activity"] == "ENUM('Zeta', 'alpha')"
    assert types["resource"] == "ENUM('r0', 'r1', 'r2', 'r3')"
    assert types["case_id"] == "VARCHAR"
    assert types["note"] == "VARCHAR"  # 60 distinct values: more than ENUM_MAX
    con = ws.con
    # Sorting and comparing work as on text, and Ibis sees strings.
    assert con.execute(
        "SELECT DISTINCT activity FROM events ORDER BY activity DESC"
    ).fetchall() == [("alpha",), ("Zeta",)]
    assert con.execute("SELECT count(*) FROM events WHERE activity = 'nope'").fetchone() == (0,)
    t = ws.events
    assert str(t.schema()["activity"]) == "string"
    counts = t.group_by("activity").agg(n=t.count()).order_by("activity").to_pandas()
    assert counts.activity.tolist() == ["Zeta", "alpha"] and counts.n.tolist() == [40, 20]
    assert (
        str(
            con.execute("SELECT * FROM cases")
            .arrow()
            .read_all()
            .schema.field("first_activity")
            .type
        )
        == "string"
    )


def test_a_second_source_widens_an_enum_or_turns_it_into_text(
    make_workspace, tmp_path, monkeypatch
):
    monkeypatch.setattr(journeylens.store.ingest, "ENUM_MAX", 4)
    ws = make_workspace()
    head = "case,activity,time,resource\n"
    ws.import_events(write(tmp_path / "a.csv", head + "c1,b,2024-01-01,r1\nc1,d,2024-01-02,r2\n"))
    assert _types(ws)["activity"] == "ENUM('b', 'd')"
    ws.import_events(write(tmp_path / "b.csv", head + "c2,a,2024-01-03,r3\nc2,b,2024-01-04,r4\n"))
    types = _types(ws)
    assert types["activity"] == "ENUM('a', 'b', 'd')"  # the union, still sorted
    assert types["resource"] == "ENUM('r1', 'r2', 'r3', 'r4')"
    ws.import_events(write(tmp_path / "c.csv", head + "c3,e,2024-01-05,r5\nc3,a,2024-01-06,r6\n"))
    types = _types(ws)
    assert types["activity"] == "ENUM('a', 'b', 'd', 'e')"
    assert types["resource"] == "VARCHAR"  # six values: more than ENUM_MAX
    assert ws.con.execute(
        "SELECT case_id, activity, resource FROM events ORDER BY event_index"
    ).fetchall() == [
        ("c1", "b", "r1"),
        ("c1", "d", "r2"),
        ("c2", "a", "r3"),
        ("c2", "b", "r4"),
        ("c3", "e", "r5"),
        ("c3", "a", "r6"),
    ]
    assert ws.info()["activities"] == 4


def test_arrow_and_duckdb_routes_store_the_same_helpdesk_log(make_workspace, monkeypatch):
    # The real Helpdesk export (repeated header, milliseconds, many attributes) imported through
    # Arrow, and as a file too large for memory would be, through DuckDB's reader.
    path = Path(__file__).parent.parent / "data" / "helpdesk.csv"

    def stored(ws: Workspace) -> tuple:
        con = ws.con
        types = _types(ws)
        rows = con.execute("SELECT * FROM events ORDER BY event_index").fetchall()
        cases = con.execute("SELECT * FROM cases ORDER BY case_id").fetchall()
        return types, rows, cases, ws.config["case_attributes"]

    fast = make_workspace("fast")
    fast.import_events(path)
    monkeypatch.setattr(journeylens.store.readers, "fits_in_memory", lambda _n: False)
    slow = make_workspace("slow")
    slow.import_events(path)
    a, b = stored(fast), stored(slow)
    assert a[0] == b[0] and a[0]["activity"].startswith("ENUM(")
    assert a[1] == b[1] and len(a[1]) == 21348
    assert a[2:] == b[2:]


def test_a_segment_written_as_one_filter_mapping_is_a_filters(tmp_path):
    from journeylens.mining.filters import CaseIds, Filters

    ws = Workspace.create(tmp_path / "ws")
    ws.import_events(write(tmp_path / "a.csv", LOG_A))
    ws.close()
    # Edited by hand in journeylens.yaml: one mapping rather than a list of filters.
    config_path = tmp_path / "ws" / CONFIG_NAME
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    config["segments"] = {"first": {"type": "case_ids", "ids": ["c1"]}}
    config_path.write_text(yaml.safe_dump(config), encoding="utf-8")
    with Workspace.open(tmp_path / "ws") as ws:
        segment = ws.segment("first")
        assert isinstance(segment, Filters)
        assert list(segment) == [CaseIds(["c1"])]
        assert segment.apply(ws.events).case_id.nunique().execute() == 1


def test_first_row_is_the_row_of_an_aggregate_and_refuses_none(tmp_path):
    import duckdb

    from journeylens.store.rows import first_row

    con = duckdb.connect()
    assert first_row(con.execute("SELECT count(*), min(x) FROM range(0) t(x)")) == (0, None)
    with pytest.raises(AssertionError, match="no row"):
        first_row(con.execute("SELECT 1 WHERE false"))
