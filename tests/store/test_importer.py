"""The import skeleton shared by event logs, survey responses and outcomes."""

from __future__ import annotations

import duckdb
import pytest

from journeylens.errors import InputError
from journeylens.store import importer
from journeylens.workspace import Workspace


@pytest.fixture
def crm(tmp_path, monkeypatch):
    """A DuckDB file with survey answers and outcomes, in the current folder."""
    monkeypatch.chdir(tmp_path)
    con = duckdb.connect(str(tmp_path / "crm.db"))
    con.execute(
        "CREATE TABLE answers AS SELECT 'c' || i AS customer_id, 'T' || i AS case_id, "
        "(i % 5) + 1 AS score, DATE '2024-03-01' + i::INT AS response_date FROM range(40) t(i)"
    )
    con.execute(
        "CREATE TABLE churn AS SELECT 'c' || i AS customer_id, 'churn' AS outcome, "
        "DATE '2024-04-01' + i::INT AS date FROM range(10) t(i)"
    )
    con.close()
    return tmp_path / "crm.db"


def test_a_survey_table_is_one_source_whatever_the_spelling_of_its_url(crm, make_workspace):
    ws = make_workspace()
    first = ws.import_responses("duckdb:///crm.db", table="answers", metric="csat")
    assert not first.already_imported and first.loaded == 40
    again = ws.import_responses(f"duckdb:///{crm}", table="answers", metric="csat")
    assert again.already_imported and again.source_id == first.source_id
    assert ws.con.execute("SELECT count(*) FROM responses").fetchone()[0] == 40
    # Another table of the same file is another source.
    churn = ws.import_outcomes("duckdb:///crm.db", table="churn")
    assert not churn.already_imported and churn.source_id == first.source_id + 1
    (entry,) = [s for s in ws.config["sources"] if s["id"] == first.source_id]
    assert entry["kind"] == "responses" and entry["path"] == f"duckdb:///{crm}"
    assert entry["table"] == "answers" and entry["surveys"]


def test_the_same_file_as_events_and_as_responses_are_two_sources(tmp_path, data_dir):
    ws = Workspace.create(tmp_path / "ws")
    csv = data_dir / "helpdesk.csv"
    events = importer.resolve(ws.config, csv, format=None, kind="events")
    ws.import_events(csv)
    assert importer.resolve(ws.config, csv, format=None, kind="events").imported_as == events.id
    as_responses = importer.resolve(ws.config, csv, format=None, kind="responses")
    assert as_responses.imported_as is None and as_responses.id == events.id + 1


def test_a_missing_source_is_an_input_error_that_names_it(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        importer.resolve({"sources": []}, tmp_path / "nope.csv", format=None, kind="events")
    with pytest.raises(InputError, match="three slashes"):
        importer.resolve({"sources": []}, "duckdb:///nope.db", format=None, kind="outcomes")
    assert not (tmp_path / "nope.db").exists()
