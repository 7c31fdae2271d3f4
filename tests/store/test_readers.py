"""Readers: every source format and CSV dialect lands as the same canonical events."""

from __future__ import annotations

import datetime as dt
import gzip
from pathlib import Path

import duckdb
import pytest

from journeylens.errors import InputError
from journeylens.store.eventlog import EventLog, read_events
from journeylens.store.readers import detect_format

ORDER = ["case_id", "timestamp", "event_index"]


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def rows(log: EventLog, *cols: str) -> list[tuple]:
    """Events in case/time order, as tuples of the given columns."""
    table = log.table.order_by(ORDER).select(*cols).to_pyarrow()
    return [tuple(r.values()) for r in table.to_pylist()]


def rejects(log: EventLog) -> list[dict]:
    return log.rejects.order_by(["line", "row"]).to_pyarrow().to_pylist()


def T(*args: int) -> dt.datetime:
    return dt.datetime(*args)


# -- CSV dialects ------------------------------------------------------------------------


@pytest.mark.parametrize(("delimiter", "suffix"), [(",", "csv"), (";", "csv"), ("\t", "tsv")])
def test_delimiter_is_detected(tmp_path, delimiter, suffix):
    text = "\n".join(
        delimiter.join(r)
        for r in [
            ("Case ID", "Activity", "Complete Timestamp", "Resource"),
            ("c1", "Open", "2024-01-01 10:00:00", "ann"),
            ("c1", "Close", "2024-01-01 11:00:00", "bob"),
            ("c2", "Open", "2024-01-02 10:00:00", "ann"),
        ]
    )
    log = read_events(write(tmp_path / f"log.{suffix}", text + "\n"))
    assert log.report.options["delimiter"] == delimiter
    assert (log.report.rows_read, log.report.loaded, log.report.rejected) == (3, 3, 0)
    assert rows(log, "case_id", "activity", "resource") == [
        ("c1", "Open", "ann"),
        ("c1", "Close", "bob"),
        ("c2", "Open", "ann"),
    ]


def test_explicit_delimiter(tmp_path):
    path = write(tmp_path / "pipe.txt", "case|activity|timestamp\nc1|a, b|2024-01-01\n")
    log = read_events(path, delimiter="|")
    assert rows(log, "case_id", "activity") == [("c1", "a, b")]


def test_quoting(tmp_path):
    text = (
        "case,activity,timestamp,note\n"
        'c1,"Call, then email",2024-01-01 10:00,"she said ""fine"""\n'
        'c1,Close,2024-01-01 11:00,"two\nlines"\n'
    )
    log = read_events(write(tmp_path / "q.csv", text))
    assert log.report.options["quote"] == '"'
    assert rows(log, "activity", "note") == [
        ("Call, then email", 'she said "fine"'),
        ("Close", "two\nlines"),
    ]


def test_gzipped_csv(tmp_path):
    path = tmp_path / "log.csv.gz"
    path.write_bytes(gzip.compress(b"case,activity,timestamp\nc1,a,2024-01-01\n"))
    assert rows(read_events(path), "case_id", "activity") == [("c1", "a")]


# -- encodings ---------------------------------------------------------------------------


def test_latin1_is_detected(tmp_path):
    text = "case,activity,timestamp,city\nc1,Café öffnen,2024-01-01,Zürich\n"
    log = read_events(write(tmp_path / "l1.csv", text, "latin-1"))
    assert log.report.options["encoding"] == "latin-1"
    assert rows(log, "activity", "city") == [("Café öffnen", "Zürich")]


def test_utf8_with_bom(tmp_path):
    text = "\ufeffCase ID,Activity,Complete Timestamp\nc1,Café,2024-01-01\n"
    log = read_events(write(tmp_path / "bom.csv", text))
    assert log.report.mapping["case_id"] == "Case ID"
    assert rows(log, "case_id", "activity") == [("c1", "Café")]


def test_explicit_encoding(tmp_path):
    # cp1252 is accepted as a name for the Latin-1 family.
    text = "case,activity,timestamp\nc1,Straße,2024-01-01\n"
    log = read_events(write(tmp_path / "cp.csv", text, "latin-1"), encoding="cp1252")
    assert rows(log, "activity") == [("Straße",)]


# -- typed attributes --------------------------------------------------------------------


def test_decimal_comma_with_semicolons(tmp_path):
    text = (
        "case;activity;timestamp;cost;count;label\n"
        "c1;a;2024-01-01 10:00;1,5;3;x\n"
        "c1;b;2024-01-01 11:00;2;4;y\n"
    )
    log = read_events(write(tmp_path / "eu.csv", text))
    assert log.report.options["decimal"] == ","
    schema = log.table.schema()
    assert schema["cost"].is_float64()
    assert schema["count"].is_int64()
    assert schema["label"].is_string()
    assert rows(log, "cost", "count") == [(1.5, 3), (2.0, 4)]


def test_decimal_comma_given_explicitly(tmp_path):
    text = 'case,activity,timestamp,cost\nc1,a,2024-01-01,"1,25"\nc1,b,2024-01-02,"7"\n'
    log = read_events(write(tmp_path / "dc.csv", text), decimal=",")
    assert log.table.schema()["cost"].is_float64()
    assert rows(log, "cost") == [(1.25,), (7.0,)]
    # Without it the column stays text: nothing is guessed away.
    log = read_events(tmp_path / "dc.csv")
    assert log.table.schema()["cost"].is_string()


def test_attribute_types(tmp_path):
    text = (
        "case,activity,timestamp,amount,n,flag,due,mixed\n"
        "c1,a,2024-01-01,1.5,1,true,2024-02-01 00:00:00,1\n"
        "c1,b,2024-01-02,2,-7,false,2024-03-01 12:00:00,x\n"
        "c1,c,2024-01-03,?,,NULL,,2\n"
    )
    log = read_events(write(tmp_path / "types.csv", text))
    schema = log.table.schema()
    # '1.5' must not be read as an integer (DuckDB would round it to 2).
    assert schema["amount"].is_float64()
    assert schema["n"].is_int64()
    assert schema["flag"].is_boolean()
    assert schema["due"].is_timestamp()
    assert schema["mixed"].is_string()
    assert rows(log, "amount", "n", "flag", "due", "mixed") == [
        (1.5, 1, True, T(2024, 2, 1), "1"),
        (2.0, -7, False, T(2024, 3, 1, 12), "x"),
        (None, None, None, None, "2"),
    ]


@pytest.mark.parametrize("token", ["?", "NULL", ""])
def test_missing_tokens(tmp_path, token):
    text = (
        "case,activity,timestamp,resource,cost\n"
        f"c1,a,2024-01-01,{token},{token}\n"
        "c1,b,2024-01-02,bob,2.5\n"
        f"{token},c,2024-01-03,bob,1\n"
        f"c1,{token},2024-01-04,bob,1\n"
        f"c1,d,{token},bob,1\n"
    )
    log = read_events(write(tmp_path / "m.csv", text))
    assert rows(log, "activity", "resource", "cost") == [("a", None, None), ("b", "bob", 2.5)]
    assert log.table.schema()["cost"].is_float64()
    assert [(r["line"], r["reason"], r["value"]) for r in rejects(log)] == [
        (4, "missing case id", None),
        (5, "missing activity", None),
        (6, "missing timestamp", None),
    ]


# -- timestamps --------------------------------------------------------------------------


def test_day_first_dates(tmp_path):
    text = "case,activity,timestamp\nc1,a,31/12/2023 10:00\nc1,b,01/01/2024 09:30\n"
    log = read_events(write(tmp_path / "d.csv", text))
    assert log.report.options["timestamp_formats"] == ["%d/%m/%Y %H:%M"]
    assert rows(log, "timestamp") == [(T(2023, 12, 31, 10),), (T(2024, 1, 1, 9, 30),)]
    assert log.report.warnings == []


def test_ambiguous_dates_warn_and_dayfirst_decides(tmp_path):
    path = write(tmp_path / "amb.csv", "case,activity,timestamp\nc1,a,01/02/2024 10:00\n")
    log = read_events(path)
    assert rows(log, "timestamp") == [(T(2024, 1, 2, 10),)]
    assert any("ambiguous" in w for w in log.report.warnings)
    log = read_events(path, dayfirst=True)
    assert rows(log, "timestamp") == [(T(2024, 2, 1, 10),)]
    assert log.report.warnings == []


def test_slashed_iso_with_milliseconds(tmp_path):
    # The helpdesk log's format: YYYY/MM/DD hh:mm:ss.sss
    text = "case,activity,timestamp\nc1,a,2012/10/09 14:50:17.123\nc1,b,2012/10/09 14:51:01.000\n"
    log = read_events(write(tmp_path / "ms.csv", text))
    assert rows(log, "timestamp") == [
        (T(2012, 10, 9, 14, 50, 17, 123000),),
        (T(2012, 10, 9, 14, 51, 1),),
    ]


def test_explicit_timestamp_format(tmp_path):
    text = "case,activity,timestamp\nc1,a,09-10-2012 14h50\nc1,b,2012-10-09 15:00\n"
    log = read_events(write(tmp_path / "f.csv", text), timestamp_format=["%d-%m-%Y %Hh%M"])
    assert rows(log, "timestamp") == [(T(2012, 10, 9, 14, 50),)]
    [bad] = rejects(log)
    assert (bad["line"], bad["reason"], bad["value"]) == (
        3,
        "unparseable timestamp",
        "2012-10-09 15:00",
    )
    assert "%d-%m-%Y %Hh%M" in bad["detail"]


def test_offsets_are_stored_in_utc(tmp_path):
    text = (
        "case,activity,timestamp\n"
        "c1,a,2024-06-01 10:00:00+02:00\n"
        "c1,b,2024-06-01T12:00:00Z\n"
        "c1,c,2024-06-01 12:30:00-05:00\n"
    )
    log = read_events(write(tmp_path / "tz.csv", text))
    assert rows(log, "timestamp") == [
        (T(2024, 6, 1, 8),),
        (T(2024, 6, 1, 12),),
        (T(2024, 6, 1, 17, 30),),
    ]


def test_naive_times_in_a_zone_span_the_dst_change(tmp_path):
    # Amsterdam moved from +01:00 to +02:00 at 02:00 on 2023-03-26: 3 wall-clock hours
    # between 01:00 and 04:00 are 2 real hours.
    text = (
        "case,activity,timestamp\n"
        "c1,a,2023-03-26 01:00:00\n"
        "c1,b,2023-03-26 04:00:00\n"
        "c2,a,2023-07-01 12:00:00\n"
    )
    path = write(tmp_path / "dst.csv", text)
    log = read_events(path, timezone="Europe/Amsterdam")
    assert rows(log, "case_id", "timestamp") == [
        ("c1", T(2023, 3, 26, 0)),
        ("c1", T(2023, 3, 26, 2)),
        ("c2", T(2023, 7, 1, 10)),
    ]
    durations = {c["case_id"]: c["duration_s"] for c in log.cases.to_pyarrow().to_pylist()}
    assert durations == {"c1": 7200.0, "c2": 0.0}
    # Without a zone the wall-clock times are kept as they are.
    assert rows(read_events(path), "timestamp")[:2] == [(T(2023, 3, 26, 1),), (T(2023, 3, 26, 4),)]


def test_unknown_time_zone(tmp_path):
    path = write(tmp_path / "z.csv", "case,activity,timestamp\nc1,a,2024-01-01\n")
    with pytest.raises(InputError, match="Mars/Olympus"):
        read_events(path, timezone="Mars/Olympus")


# -- the messy file ----------------------------------------------------------------------

MESSY = [
    "Case ID;Activity;Complete Timestamp;Resource;Amount;Region",  # 1 header
    "C1;Öffnen;31/12/2023 10:00;Zoë;1,5;Köln",  # 2 day-first date
    "C1;Prüfen;2024-01-02 11:30:00;?;2,25;Köln",  # 3 ISO date, '?' resource
    ";Prüfen;2024-01-02 12:00:00;Ann;3;Köln",  # 4 blank case id
    "C2;Öffnen;not a date;Bob;?;München",  # 5 unparseable timestamp
    "C2;Prüfen;2024-01-02 13:00:00;Bob;4;München;extra",  # 6 one field too many
    "C2;Schließen;02/01/2024 09:15;Bob;4,75;München",  # 7 2 January (day-first file)
    "C2;?;2024-01-03 10:00:00;Bob;5;München",  # 8 '?' activity
    "C3;Öffnen;NULL;Eve;6;Wien",  # 9 NULL timestamp
    "C3;Prüfen;2024-01-04 08:00:00;Eve;7,5;Wien",  # 10
    "   ;Prüfen;2024-01-05 09:00:00;Eve;8;Wien",  # 11 case id of blanks
    "C3;Schließen;2024-01-0",  # 12 truncated last line, no newline
]


def test_messy_csv_gives_a_precise_rejects_report(tmp_path):
    path = write(tmp_path / "messy.csv", "\n".join(MESSY), "latin-1")
    log = read_events(path)
    r = log.report
    assert r.options["encoding"] == "latin-1"
    assert r.options["delimiter"] == ";"
    assert (r.rows_read, r.loaded, r.rejected, r.merged) == (11, 4, 7, 0)
    assert r.reasons == {
        "missing case id": 2,
        "unparseable timestamp": 1,
        "missing activity": 1,
        "missing timestamp": 1,
        "malformed line": 2,
    }
    got = [(x["line"], x["row"], x["reason"], x["column"], x["value"]) for x in rejects(log)]
    assert got == [
        (4, 3, "missing case id", "Case ID", None),
        (5, 4, "unparseable timestamp", "Complete Timestamp", "not a date"),
        (6, None, "malformed line", None, None),
        (8, 6, "missing activity", "Activity", None),
        (9, 7, "missing timestamp", "Complete Timestamp", None),
        (11, 9, "missing case id", "Case ID", "   "),
        (12, None, "malformed line", None, None),
    ]
    by_line = {x["line"]: x for x in rejects(log)}
    assert by_line[6]["raw"] == MESSY[5]
    assert "too many columns" in by_line[6]["detail"]
    assert by_line[12]["raw"] == MESSY[11]
    assert "missing columns" in by_line[12]["detail"]
    assert '"Activity":"Prüfen"' in by_line[4]["raw"]
    assert "ISO 8601" in by_line[5]["detail"]
    assert {x["source_id"] for x in rejects(log)} == {1}

    assert rows(log, "case_id", "activity", "timestamp", "resource", "Amount") == [
        ("C1", "Öffnen", T(2023, 12, 31, 10), "Zoë", 1.5),
        ("C1", "Prüfen", T(2024, 1, 2, 11, 30), None, 2.25),
        ("C2", "Schließen", T(2024, 1, 2, 9, 15), "Bob", 4.75),
        ("C3", "Prüfen", T(2024, 1, 4, 8), "Eve", 7.5),
    ]
    cases = log.cases.order_by("case_id").select("case_id", "events", "Region").to_pyarrow()
    assert [tuple(c.values()) for c in cases.to_pylist()] == [
        ("C1", 2, "Köln"),
        ("C2", 1, "München"),
        ("C3", 1, "Wien"),
    ]


def test_line_numbers_after_several_malformed_lines(tmp_path):
    text = (
        "case,activity,timestamp\n"  # 1
        "c1,a,2024-01-01\n"  # 2
        "c1,b,2024-01-02,x,y\n"  # 3 malformed
        "c1,,2024-01-03\n"  # 4
        "c1,c,2024-01-04,z\n"  # 5 malformed
        "c1,d,later\n"  # 6
        "c1,e,2024-01-06\n"  # 7
        ",f,2024-01-07\n"  # 8
    )
    log = read_events(write(tmp_path / "m.csv", text))
    assert [(x["line"], x["reason"]) for x in rejects(log)] == [
        (3, "malformed line"),
        (4, "missing activity"),
        (5, "malformed line"),
        (6, "unparseable timestamp"),
        (8, "missing case id"),
    ]
    assert (log.report.rows_read, log.report.loaded, log.report.rejected) == (7, 2, 5)


# -- other formats -----------------------------------------------------------------------


def _duckdb_events(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        """CREATE TABLE ev AS SELECT * FROM (VALUES
            ('t1', 'Open',  TIMESTAMP '2024-01-01 10:00:00', 'ann', 1.5::DOUBLE, 10),
            ('t1', 'Close', TIMESTAMP '2024-01-01 11:00:00', 'bob', 2.0, 10),
            ('t2', 'Open',  TIMESTAMP '2024-01-02 10:00:00', NULL, 3.0, 20)
        ) v(ticket_id, Activity, "Complete Timestamp", Resource, cost, priority)"""
    )


def test_parquet_keeps_types(tmp_path):
    con = duckdb.connect()
    _duckdb_events(con)
    con.execute(f"COPY ev TO '{tmp_path / 'ev.parquet'}' (FORMAT parquet)")
    con.execute(
        f"""COPY (SELECT ticket_id AS case_id, Activity AS activity,
                 "Complete Timestamp"::TIMESTAMP AT TIME ZONE 'Europe/Amsterdam' AS ts
             FROM ev) TO '{tmp_path / "tz.parquet"}' (FORMAT parquet)"""
    )
    con.close()
    log = read_events(tmp_path / "ev.parquet")
    assert log.report.mapping == {
        "case_id": "ticket_id",
        "activity": "Activity",
        "timestamp": "Complete Timestamp",
        "resource": "Resource",
    }
    assert log.table.schema()["cost"].is_float64()
    assert log.table.schema()["priority"].is_integer()
    assert rows(log, "case_id", "activity", "timestamp", "resource", "cost") == [
        ("t1", "Open", T(2024, 1, 1, 10), "ann", 1.5),
        ("t1", "Close", T(2024, 1, 1, 11), "bob", 2.0),
        ("t2", "Open", T(2024, 1, 2, 10), None, 3.0),
    ]
    # A TIMESTAMPTZ column is stored in UTC (Amsterdam was at +01:00 in January).
    log = read_events(tmp_path / "tz.parquet", timestamp="ts")
    assert rows(log, "timestamp")[0] == (T(2024, 1, 1, 9),)


# ibis 12 calls DuckDB's deprecated fetch_arrow_table() to get a query's schema.
@pytest.mark.filterwarnings("ignore:fetch_arrow_table.. is deprecated:DeprecationWarning")
def test_database_table_and_query(tmp_path):
    db = tmp_path / "source.db"
    con = duckdb.connect(str(db))
    _duckdb_events(con)
    con.close()
    url = f"duckdb:///{db}"
    log = read_events(url, table="ev")
    assert log.report.format == "database"
    assert log.report.source == f"{url}#ev"
    assert (log.report.loaded, log.report.cases) == (3, 2)
    log = read_events(url, query="SELECT * FROM ev WHERE ticket_id = 't1'")
    assert rows(log, "case_id", "activity") == [("t1", "Open"), ("t1", "Close")]
    with pytest.raises(InputError, match="exactly one of"):
        read_events(url)
    with pytest.raises(InputError, match="exactly one of"):
        read_events(url, table="ev", query="SELECT 1")
    with pytest.raises(InputError, match="nope"):
        read_events(url, table="nope")


def test_excel(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "events"
    ws.append(["Case ID", "Activity", "Complete Timestamp", "Resource", "cost", "note"])
    ws.append(["c1", "Open", dt.datetime(2024, 1, 1, 10, 0), "ann", 1.5, "x"])
    ws.append(["c1", "Close", dt.datetime(2024, 1, 1, 11, 0, 30), "bob", 2, None])
    ws.append([7, "Open", "2024-01-02 10:00", None, 3.25, None])
    other = wb.create_sheet("second")
    other.append(["case", "activity", "timestamp"])
    other.append(["z", "only", dt.datetime(2024, 5, 1)])
    path = tmp_path / "log.xlsx"
    wb.save(path)

    log = read_events(path)
    assert log.report.options["sheet"] == "events"
    assert log.table.schema()["cost"].is_float64()
    assert rows(log, "case_id", "activity", "timestamp", "resource", "cost", "note") == [
        ("7", "Open", T(2024, 1, 2, 10), None, 3.25, None),
        ("c1", "Open", T(2024, 1, 1, 10), "ann", 1.5, "x"),
        ("c1", "Close", T(2024, 1, 1, 11, 0, 30), "bob", 2.0, None),
    ]
    assert rows(read_events(path, sheet="second"), "case_id") == [("z",)]
    with pytest.raises(InputError, match="no sheet named 'third'"):
        read_events(path, sheet="third")


XES = """<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1.0" xmlns="http://www.xes-standard.org/">
  <extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>
  <extension name="Time" prefix="time" uri="http://www.xes-standard.org/time.xesext"/>
  <extension name="Lifecycle" prefix="lifecycle" uri="http://www.xes-standard.org/lifecycle.xesext"/>
  <trace>
    <string key="concept:name" value="T1"/>
    <string key="channel" value="web"/>
    <event>
      <string key="concept:name" value="Register"/>
      <string key="lifecycle:transition" value="complete"/>
      <string key="org:resource" value="ann"/>
      <date key="time:timestamp" value="2024-01-01T09:00:00.000+01:00"/>
    </event>
    <event>
      <string key="concept:name" value="Review"/>
      <string key="lifecycle:transition" value="start"/>
      <string key="org:resource" value="bob"/>
      <date key="time:timestamp" value="2024-01-01T10:00:00.000+01:00"/>
    </event>
    <event>
      <string key="concept:name" value="Review"/>
      <string key="lifecycle:transition" value="complete"/>
      <string key="org:resource" value="bob"/>
      <date key="time:timestamp" value="2024-01-01T10:30:00.000+01:00"/>
      <float key="cost" value="3.5"/>
    </event>
  </trace>
  <trace>
    <string key="concept:name" value="T2"/>
    <string key="channel" value="phone"/>
    <event>
      <string key="concept:name" value="Register"/>
      <string key="lifecycle:transition" value="start"/>
      <date key="time:timestamp" value="2024-01-02T09:00:00.000Z"/>
    </event>
    <event>
      <string key="concept:name" value="Review"/>
      <string key="lifecycle:transition" value="start"/>
      <date key="time:timestamp" value="2024-01-02T10:00:00.000Z"/>
    </event>
    <event>
      <string key="concept:name" value="Review"/>
      <string key="lifecycle:transition" value="complete"/>
      <date key="time:timestamp" value="2024-01-02T11:00:00.000Z"/>
    </event>
  </trace>
</log>
"""


@pytest.fixture
def xes_file(tmp_path) -> Path:
    return write(tmp_path / "tiny.xes", XES)


def _accounting(log: EventLog) -> tuple[int, int, int, int]:
    r = log.report
    assert r.rows_read == r.loaded + r.rejected + r.merged
    assert log.rejects.count().to_pyarrow().as_py() == r.rejected
    assert log.table.count().to_pyarrow().as_py() == r.loaded
    return r.rows_read, r.loaded, r.rejected, r.merged


def test_xes_lifecycle_all_keeps_every_row(xes_file):
    log = read_events(xes_file)
    assert log.report.mapping["lifecycle"] == "lifecycle:transition"
    assert _accounting(log) == (6, 6, 0, 0)
    assert rows(log, "case_id", "activity", "lifecycle", "timestamp", "resource") == [
        ("T1", "Register", "complete", T(2024, 1, 1, 8), "ann"),
        ("T1", "Review", "start", T(2024, 1, 1, 9), "bob"),
        ("T1", "Review", "complete", T(2024, 1, 1, 9, 30), "bob"),
        ("T2", "Register", "start", T(2024, 1, 2, 9), None),
        ("T2", "Review", "start", T(2024, 1, 2, 10), None),
        ("T2", "Review", "complete", T(2024, 1, 2, 11), None),
    ]
    # Trace attributes are kept as case attributes.
    cases = log.cases.order_by("case_id").select("case_id", "case:channel", "events")
    assert [tuple(c.values()) for c in cases.to_pyarrow().to_pylist()] == [
        ("T1", "web", 3),
        ("T2", "phone", 3),
    ]


def test_xes_lifecycle_complete_rejects_the_rest(xes_file):
    log = read_events(xes_file, lifecycle="complete")
    assert _accounting(log) == (6, 3, 3, 0)
    assert rows(log, "case_id", "activity", "lifecycle") == [
        ("T1", "Register", "complete"),
        ("T1", "Review", "complete"),
        ("T2", "Review", "complete"),
    ]
    got = [(x["row"], x["reason"], x["column"], x["value"]) for x in rejects(log)]
    assert sorted(got) == [
        (2, "skipped lifecycle transition", "lifecycle", "start"),
        (4, "skipped lifecycle transition", "lifecycle", "start"),
        (5, "skipped lifecycle transition", "lifecycle", "start"),
    ]
    assert all("--lifecycle all" in x["detail"] for x in rejects(log))


def test_xes_lifecycle_merge_pairs_start_and_complete(xes_file):
    log = read_events(xes_file, lifecycle="merge")
    # Two starts merged into their completes; T2's Register start has no complete.
    assert _accounting(log) == (6, 3, 1, 2)
    assert rows(log, "case_id", "activity", "start_timestamp", "timestamp") == [
        ("T1", "Register", None, T(2024, 1, 1, 8)),
        ("T1", "Review", T(2024, 1, 1, 9), T(2024, 1, 1, 9, 30)),
        ("T2", "Review", T(2024, 1, 2, 10), T(2024, 1, 2, 11)),
    ]
    [bad] = rejects(log)
    assert (bad["row"], bad["reason"], bad["value"]) == (4, "start without complete", "start")


def test_xes_gz(tmp_path):
    path = tmp_path / "tiny.xes.gz"
    path.write_bytes(gzip.compress(XES.encode()))
    log = read_events(path)
    assert log.report.format == "xes"
    assert _accounting(log) == (6, 6, 0, 0)


def test_lifecycle_option_without_lifecycle_column(tmp_path):
    path = write(tmp_path / "x.csv", "case,activity,timestamp\nc1,a,2024-01-01\n")
    assert _accounting(read_events(path, lifecycle="complete")) == (1, 1, 0, 0)


# -- errors ------------------------------------------------------------------------------


def test_format_from_name():
    assert detect_format("a.CSV") == "csv"
    assert detect_format("a.tsv") == "csv"
    assert detect_format("a.csv.gz") == "csv"
    assert detect_format("a.xes.gz") == "xes"
    assert detect_format("a.parquet") == "parquet"
    assert detect_format("a.xlsx") == "excel"
    assert detect_format("duckdb:///x.db") == "database"
    with pytest.raises(InputError, match=r"\.xes\.gz"):
        detect_format("events.json")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("broken.xes", "<log><trace><event>", "no events"),
        ("junk.xes", "this is not XML", "could not read it as XES"),
        ("junk.parquet", "not parquet", "could not read it as Parquet"),
        ("junk.xlsx", "not a workbook", "could not read it as an Excel workbook"),
        ("log.json", "{}", "cannot tell the file format"),
    ],
)
def test_unreadable_files_raise_input_error(tmp_path, name, content, message):
    path = write(tmp_path / name, content)
    with pytest.raises(InputError, match=message):
        read_events(path)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_events(tmp_path / "absent.csv")


def test_wrong_column_lists_available(tmp_path):
    path = write(tmp_path / "x.csv", "Case ID,Activity,Complete Timestamp\nc1,a,2024-01-01\n")
    with pytest.raises(ValueError, match="'Task'") as exc:
        read_events(path, activity="Task")
    assert isinstance(exc.value, InputError)
    assert "'Case ID', 'Activity', 'Complete Timestamp'" in str(exc.value)


_DIALECTS = {
    "blank line": "a,b,c\n1,x,2024-01-01\n\n2,y,2024-01-02\n",
    "quoted delimiter and quotes": 'a,b,c\n1,"x, y",2024-01-01\n2,"say ""hi""",2024-01-02\n',
    "quoted and bare missing tokens": 'a,b,c\n1,"?",2024-01-01\n2,"",2024-01-02\n3,?,2024-01-03\n',
    "CRLF": "a,b,c\r\n1,x,2024-01-01\r\n2,y,2024-01-02\r\n",
    "byte order mark": "\ufeffa,b,c\n1,x,2024-01-01\n",
    "spaces kept": "a,b,c\n1, x ,2024-01-01\n",
    "semicolons": "a;b;c\n1;x;2024-01-01\n2;y;2024-01-02\n",
    "tabs": "a\tb\tc\n1\tx\t2024-01-01\n",
    "no final newline": "a,b,c\n1,x,2024-01-01",
    "quoted line break": 'a,b,c\n1,"x\ny",2024-01-01\n2,z,2024-01-02\n',
    "repeated header": "a,b,a\n1,x,2\n",
    "short line": "a,b,c\n1,x,2024\nfoo\n",
    "latin-1": "a,b,c\n1,Köln,2024-01-01\n",
}


@pytest.mark.parametrize("name", list(_DIALECTS))
def test_the_arrow_csv_path_stages_what_duckdbs_reader_stages(tmp_path, monkeypatch, name):
    from journeylens.store import readers

    encoding = "latin-1" if name == "latin-1" else "utf-8"
    path = write(tmp_path / "x.csv", _DIALECTS[name], encoding)

    def staged() -> tuple:
        con = duckdb.connect()
        s = readers.stage(con, path, format="csv")
        rows = con.execute(f"SELECT * FROM {readers.STAGING} ORDER BY __jl_row").fetchall()
        return s.columns, rows, s.rows, s.malformed, s.options, s.arrow is not None

    fast = staged()
    monkeypatch.setattr(readers, "_csv_to_arrow", lambda *_a: None)
    slow = staged()
    assert fast[:5] == slow[:5]
    # Well-formed files take the fast path; a short line falls back to report it exactly.
    assert fast[5] is (name != "short line")
    assert slow[5] is False


def test_quoted_line_breaks_across_arrows_parse_blocks(tmp_path):
    from journeylens.store import readers

    # Arrow parses 1 MB blocks in parallel: a block boundary may fall inside a quoted value.
    n = 40_000
    text = "case,activity,time,comment\n" + "".join(
        f'c{i},A{i % 3},2024-01-01 10:00,"line {i}\nsecond, line\n"\n' for i in range(n)
    )
    path = write(tmp_path / "comments.csv", text)
    con = duckdb.connect()
    staged = readers.stage(con, path, format="csv")
    assert staged.arrow is not None  # the fast path read it
    assert staged.rows == n and not staged.malformed
    got = con.execute(
        f'SELECT __jl_row, "case", comment FROM {readers.STAGING} ORDER BY __jl_row'
    ).fetchall()
    assert got == [(i + 1, f"c{i}", f"line {i}\nsecond, line\n") for i in range(n)]
