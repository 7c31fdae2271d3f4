"""SQL quoting and the one "does this table exist" (journeylens._util.sql)."""

from __future__ import annotations

import duckdb
import pytest

from journeylens._util.sql import has_table, ident, literal
from journeylens.workspace import Workspace

NAMES = ["plain", 'with "quotes"', "it's", "semi;colon -- comment", "Größe", " spaced "]


@pytest.mark.parametrize("name", NAMES)
def test_any_name_and_text_survive_quoting(name):
    con = duckdb.connect()
    con.execute(f"CREATE TABLE t ({ident(name)} VARCHAR)")
    con.execute(f"INSERT INTO t VALUES ({literal(name)})")
    assert [d[0] for d in con.execute("SELECT * FROM t").description] == [name]
    assert con.execute(f"SELECT {ident(name)} FROM t").fetchone()[0] == name


def test_a_quoted_path_is_written_where_it_says(tmp_path):
    target = tmp_path / "it's here.csv"
    con = duckdb.connect()
    con.execute(f"COPY (SELECT 1 AS x) TO {literal(str(target))} (FORMAT csv, HEADER true)")
    assert target.read_text().split() == ["x", "1"]


def test_temporary_tables_and_views_do_not_count():
    con = duckdb.connect()
    con.execute("CREATE TABLE kept (x INT)")
    con.execute("CREATE VIEW seen AS SELECT 1 AS x")
    con.execute("CREATE TEMP TABLE scratch (x INT)")
    con.execute("CREATE TEMP VIEW staging AS SELECT 1 AS x")
    assert [has_table(con, n) for n in ("kept", "seen", "scratch", "staging", "nothing")] == [
        True,
        True,
        False,
        False,
        False,
    ]
    # A temporary table shadowing nothing in the file is still not the file's table.
    con.execute("CREATE TEMP TABLE responses (x INT)")
    assert not has_table(con, "responses")


def test_a_read_only_workspace_answers_for_its_file(tmp_path):
    Workspace.create(tmp_path / "ws").close()
    with Workspace.open(tmp_path / "ws") as ws:
        assert has_table(ws.con, "events") and has_table(ws.con, "rejects")
        assert not has_table(ws.con, "responses")


def test_a_temporary_responses_table_is_no_survey(tmp_path):
    from journeylens.voice.join import responses_frame

    with Workspace.create(tmp_path / "ws") as ws:
        ws.con.execute('CREATE TEMP TABLE responses AS SELECT 1 AS source_id, 1 AS "row"')
        assert responses_frame(ws).empty
