"""Stored values equal the source's: identifiers written in digits stay text."""

from __future__ import annotations

from datetime import datetime, timedelta

from journeylens.store.eventlog import read_events


def _import(tmp_path, header: str, rows: list[str]):
    path = tmp_path / "log.csv"
    lines = [f"case,activity,timestamp,{header}"]
    t0 = datetime(2024, 1, 1)
    lines += [f"c{i},a,{t0 + timedelta(minutes=i)},{v}" for i, v in enumerate(rows)]
    path.write_text("\n".join(lines) + "\n")
    log = read_events(path)
    assert log.report.rejected == 0
    return log.table.execute()[header].tolist()


def test_leading_zeros_keep_a_column_text(tmp_path):
    values = [f"{i:05d}" for i in range(1, 40)]  # 00001 ... 00039: postcodes, employee numbers
    assert _import(tmp_path, "zip", values) == values


def test_more_than_15_digits_keep_a_column_text(tmp_path):
    values = [str(12345678901234567890 + i) for i in range(10)]  # a double would make one value
    got = _import(tmp_path, "account", values)
    assert got == values and len(set(got)) == 10


def test_one_identifier_far_down_keeps_the_whole_column_text(tmp_path):
    values = [str(i) for i in range(1, 3000)] + ["007"]  # past the first rows' sample
    assert _import(tmp_path, "staff_no", values) == values


def test_plain_numbers_are_still_numbers(tmp_path):
    assert _import(tmp_path, "n", ["0", "-3", "12", "+4"]) == [0, -3, 12, 4]
    assert _import(tmp_path, "x", ["0.5", "0", "10.25", "-0.75"]) == [0.5, 0.0, 10.25, -0.75]


def test_na_is_a_value_unless_the_import_names_it_missing(tmp_path):
    countries = ["NA", "ZA", "BW", "NA", ""]
    assert _import(tmp_path, "country", countries)[:4] == ["NA", "ZA", "BW", "NA"]
    path = tmp_path / "log.csv"  # the file _import just wrote
    named = read_events(path, missing=["", "NA"])
    got = named.table.execute()["country"].tolist()
    assert [v if isinstance(v, str) else None for v in got] == [None, "ZA", "BW", None, None]
    assert named.report.options["missing"] == ["", "NA"]


def test_the_cli_takes_missing_markers(tmp_path):
    from typer.testing import CliRunner

    from journeylens.cli import app
    from journeylens.workspace import Workspace

    path = tmp_path / "log.csv"
    path.write_text(
        "case,activity,timestamp,country\nc1,a,2024-01-01 10:00,NA\nc2,a,2024-01-01 11:00,-\n"
    )
    ws = tmp_path / "ws"
    done = CliRunner().invoke(app, ["import", str(path), "-w", str(ws), "--missing", "NA"])
    assert done.exit_code == 0, done.output
    with Workspace.open(ws) as w:
        rows = w.con.execute("SELECT country FROM events ORDER BY case_id").fetchall()
        assert rows == [(None,), ("-",)]  # NA named missing; '-' no longer is
        assert w.config["sources"][0]["options"]["missing"] == ["NA"]


def test_survey_comments_keep_na_unless_named_missing(tmp_path, make_workspace):
    ws = make_workspace()
    (tmp_path / "a.csv").write_text("customer_id,score,comment\nc1,4,NA\nc2,5,fine\n")
    (tmp_path / "b.csv").write_text("customer_id,score,comment\nc3,4,NA\n")
    ws.import_responses(tmp_path / "a.csv", metric="csat", scale=(1, 5))
    ws.import_responses(tmp_path / "b.csv", metric="csat", scale=(1, 5), missing=["NA"])
    rows = ws.con.execute("SELECT customer_id, comment FROM responses ORDER BY 1").fetchall()
    assert rows == [("c1", "NA"), ("c2", "fine"), ("c3", None)]


def test_voice_import_takes_missing_markers_on_the_command_line(tmp_path):
    from typer.testing import CliRunner

    from journeylens.cli import app
    from journeylens.workspace import Workspace

    ws = tmp_path / "ws"
    Workspace.create(ws).close()
    (tmp_path / "csat.csv").write_text("customer_id,score,comment\nc1,4,NA\nc2,5,n.v.t.\n")
    args = ["voice", "import", str(tmp_path / "csat.csv"), "-w", str(ws), "--missing", "n.v.t."]
    done = CliRunner().invoke(app, args)
    assert done.exit_code == 0, done.output
    with Workspace.open(ws) as w:
        rows = w.con.execute("SELECT comment FROM responses ORDER BY customer_id").fetchall()
    assert rows == [("NA",), (None,)]
