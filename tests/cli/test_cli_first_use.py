"""The CLI as a newcomer meets it: tables at 80 columns, variants, --version, --help, typos in
filters, database URLs, rebuilding the demo, accounts without a terminal."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import _journeys
import duckdb
import pytest
from typer.testing import CliRunner

from journeylens._version import __version__
from journeylens.cli.main import app
from journeylens.cli.mining import DEFAULT_TOP, _middle, _shared_ends
from journeylens.errors import InputError
from journeylens.mining.filters import CaseAttribute
from journeylens.workspace import Workspace

demo_ws = _journeys.demo_ws  # the session fixture: one generated world for all journey tests
DATA = Path(__file__).parent.parent / "data"
runner = CliRunner()


@pytest.fixture(scope="module")
def hd(tmp_path_factory) -> str:
    d = tmp_path_factory.mktemp("first-use") / "hd"
    with Workspace.create(d) as w:
        w.import_events(DATA / "helpdesk.csv")
    return str(d)


def run(*args: str, env: dict[str, str] | None = None, input: str | None = None) -> str:
    result = runner.invoke(app, list(args), env=env, input=input)
    assert result.exit_code == 0, result.output
    return result.stdout


def fails(*args: str, input: str | None = None) -> str:
    """The message of the InputError a command raises (main() prints it and exits 1)."""
    result = runner.invoke(app, list(args), input=input)
    assert result.exit_code != 0
    assert isinstance(result.exception, InputError), result.output
    return str(result.exception)


def widest(text: str) -> int:
    return max(len(line) for line in text.splitlines())


# --------------------------------------------------------------------------- tables


def test_tables_fit_80_columns_when_redirected_and_cut_no_number(hd):
    cases = json.loads(run("cases", "-w", hd, "--json"))
    text = run("cases", "-w", hd)
    assert widest(text) <= 80 and "…" not in text
    # Human labels, and the first cases' values whole (ids, counts, first activities).
    assert "first activity" in text and "duration" in text and "duration_s" not in text
    words = text.split()
    for case in cases[:3]:
        assert case["case_id"] in text
        assert str(case["events"]) in words
    assert f"{len(cases) - 20:,} more cases not shown" in text

    stats = json.loads(run("stats", "activities", "-w", hd, "--json"))
    text = run("stats", "activities", "-w", hd)
    assert widest(text) <= 80 and "…" not in text
    for row in stats:
        assert f"{row['events']:,}" in text.split(), row["activity"]


def test_columns_sets_the_width_of_redirected_output(hd):
    narrow = run("cases", "-w", hd, "--limit", "5")
    wide = run("cases", "-w", hd, "--limit", "5", env={"COLUMNS": "140"})
    assert widest(narrow) <= 80 < widest(wide) <= 140
    # With room, the timestamps are not wrapped: each start is on its row whole.
    first = json.loads(run("cases", "-w", hd, "--json"))[0]
    assert str(first["start"])[:19].replace("T", " ") in wide  # JSON writes ISO 8601


def test_journey_kpis_cut_no_number(demo_ws):
    ws = str(demo_ws)
    data = json.loads(run("journey", "kpis", "-w", ws, "--json"))
    text = run("journey", "kpis", "-w", ws)
    assert widest(text) <= 80 and "…" not in text
    for rows in data.values():
        assert f"{rows[0]['instances']:,}" in text.split()


# --------------------------------------------------------------------------- variants


def variant_rows(text: str) -> dict[int, str]:
    """Row number → activities cell of a variants table printed without wrapping."""
    rows = {}
    for line in text.splitlines():
        m = re.match(r"^\s*(\d+)\s+[\d,]+\s+<?[\d.]+%\s+<?[\d.]+%\s+.*?\s+\d+\s{2,}(.+?)\s*$", line)
        if m:
            rows[int(m.group(1))] = m.group(2)
    return rows


def test_variants_show_where_they_differ(demo_ws):
    ws = str(demo_ws)
    args = ("variants", "-w", ws, "--top", "10", "--case-attr", "journey=home_move")
    full = json.loads(run(*args, "--json"))
    sequences = [r["activities"] for r in full]
    head, tail = _shared_ends(sequences)
    assert head > 0  # every home move starts the same way
    text = run(*args, env={"COLUMNS": "2000"})
    cells = variant_rows(text)
    assert sorted(cells) == list(range(1, 11))
    assert len(set(cells.values())) == 10  # told apart (the old table cut all at 120 chars)
    for i, seq in enumerate(sequences, 1):
        assert cells[i] == _middle(seq, head, tail)
        assert cells[i].startswith(f"… {head + 1}. {seq[head]}")
    assert f"All 10 variants below start with {' → '.join(sequences[0][:head])}" in text
    # --json keeps every sequence whole.
    assert all(len(s) > head + tail for s in sequences)


def test_long_lists_get_a_default_top(hd):
    everything = json.loads(run("variants", "-w", hd, "--json"))  # --json: all, as before
    text = run("variants", "-w", hd, env={"COLUMNS": "2000"})
    assert len(variant_rows(text)) == DEFAULT_TOP
    assert f"{len(everything) - DEFAULT_TOP:,} more variants not shown" in text
    assert "--top 0" in text
    text = run("variants", "-w", hd, "--top", "0", env={"COLUMNS": "2000"})
    assert len(variant_rows(text)) == len(everything)
    assert "more variants not shown" not in text
    assert len(json.loads(run("variants", "-w", hd, "--json", "--top", "0"))) == len(everything)


# --------------------------------------------------------------------------- version, help


def test_version():
    assert run("--version").strip() == f"journeylens {__version__}"


@pytest.mark.parametrize(
    "command",
    [[], ["map"], ["variants"], ["import"], ["demo"], ["serve"], ["users", "add"], ["diagnose"]],
)
def test_help_shows_no_bool_on_flags(command):
    text = run(*command, "--help")
    assert "--help" in text and "<bool>" not in text
    assert "<path>" in text or not command or "<str>" in text  # value options keep their type


# --------------------------------------------------------------------------- filter typos


def test_a_filter_value_that_matches_nothing_names_the_closest(demo_ws):
    ws = str(demo_ws)
    msg = fails("variants", "-w", ws, "--case-attr", "journey=new_conection")
    assert msg.startswith("no case has journey = 'new_conection'; closest values: new_connection")
    assert "(journey has 3 values)" in msg
    msg = fails("map", "-w", ws, "--case-attr", "jorney=home_move")
    assert "no column 'jorney'" in msg and "did you mean 'journey'" in msg
    msg = fails("variants", "-w", ws, "--case-attr", "region!=Atlantis")
    assert "no case has region = 'Atlantis'" in msg and "North" in msg  # the few values listed
    msg = fails("segment", "save", "typo", "-w", ws, "--case-attr", "journey=repiar")
    assert "closest values: repair" in msg


def test_activity_filters_check_their_activities(hd):
    msg = fails("map", "-w", hd, "--follows", "Take in charge ticket>Wiat")
    assert msg == "no event has activity = 'Wiat'; closest values: Wait (activity has 14 values)"
    msg = fails("cases", "-w", hd, "--start-activity", "Assign seriusness")
    assert "closest values: Assign seriousness" in msg
    msg = fails("variants", "-w", hd, "--event-attr", "activity!=Closd")
    assert "no event has activity = 'Closd'" in msg and "Closed" in msg
    msg = fails("variants", "-w", hd, "--variant", "Assign seriousness>Closedd")
    assert "'Closedd'" in msg
    # Values that are there pass, and the command runs.
    rows = json.loads(run("variants", "-w", hd, "--json", "--end-activity", "Closed"))
    assert rows and all(r["activities"][-1] == "Closed" for r in rows)


def test_a_typo_exits_1_with_the_message_on_stderr(hd):
    done = subprocess.run(
        [sys.executable, "-m", "journeylens", "map", "-w", hd, "--case-attr", "x=1"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith("error: --case-attr x: there is no column 'x'")
    assert "Traceback" not in done.stderr


def test_check_filters_on_a_frame_the_library_way(hd):
    from journeylens.mining.filters import check_filters

    with Workspace.open(hd) as ws:
        check_filters(CaseAttribute("activity", ["Closed", "Wait"]), ws.events)
        with pytest.raises(InputError, match="closest values: Closed"):
            check_filters(CaseAttribute("activity", ["Closed", "Close"]), ws.events)


# --------------------------------------------------------------------------- database URLs


@pytest.mark.filterwarnings("ignore:fetch_arrow_table.. is deprecated:DeprecationWarning")
def test_database_urls_follow_sqlalchemy_and_create_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    con = duckdb.connect("crm.db")
    con.execute(
        f"CREATE TABLE ev AS SELECT * FROM read_csv('{DATA / 'helpdesk.csv'}') "
        "ORDER BY ALL LIMIT 300"
    )
    con.close()
    ws = str(tmp_path / "ws")
    first = json.loads(run("import", "duckdb:///crm.db", "--table", "ev", "-w", ws, "--json"))
    assert first["loaded"] == 300 and not first["already_imported"]
    absolute = f"duckdb:///{tmp_path / 'crm.db'}"  # four slashes: an absolute path
    again = json.loads(run("import", absolute, "--table", "ev", "-w", ws, "--json"))
    assert again["already_imported"] and again["source_id"] == first["source_id"]
    with Workspace.open(ws) as w:
        assert w.info()["events"] == 300
        assert [s["path"] for s in w.info()["sources"]] == [absolute]
    # Another table of the same file is another source.
    con = duckdb.connect("crm.db")
    con.execute("CREATE TABLE ev2 AS SELECT * FROM ev LIMIT 10")
    con.close()
    other = json.loads(run("import", "duckdb:///crm.db", "--table", "ev2", "-w", ws, "--json"))
    assert other["loaded"] == 10 and not other["already_imported"]

    msg = fails("import", "duckdb:///missing.db", "--table", "ev", "-w", ws)
    assert "no database file" in msg and str(tmp_path / "missing.db") in msg
    assert "four" in msg and "three slashes" in msg
    assert not (tmp_path / "missing.db").exists() and not Path("/missing.db").exists()
    msg = fails("import", "duckdb://crm.db", "--table", "ev", "-w", ws)
    assert "expected duckdb:///FILE" in msg


# --------------------------------------------------------------------------- demo, users


def test_demo_asks_before_replacing_a_workspace(tmp_path):
    ws = tmp_path / "demo"
    with Workspace.create(ws) as w:
        w.import_events(DATA / "helpdesk.csv")
    run("segment", "save", "mine", "-w", str(ws), "--case-attr", "activity=Wait")
    args = ["demo", "-w", str(ws), "--scale", "100", "--no-serve", "--no-warm"]
    msg = fails(*args)  # no terminal (CliRunner's stdin is not a tty)
    assert "--force" in msg and "is a workspace already" in msg
    assert "mine" in json.loads(run("segment", "list", "-w", str(ws), "--json"))

    text = run(*args, "--force")
    assert "mine" not in json.loads(run("segment", "list", "-w", str(ws), "--json"))
    # The next steps paste whole: one command per line, even past 80 columns.
    commands = [ln.strip() for ln in text.splitlines() if ln.strip().startswith("journeylens ")]
    assert len(commands) == 7 and all(f"-w {ws}" in c for c in commands)
    assert any(
        c.endswith("--measure performance --case-attr journey=new_connection") for c in commands
    )


def test_demo_on_a_terminal_asks_and_keeps_the_workspace_on_no(tmp_path, monkeypatch):
    ws = tmp_path / "demo"
    with Workspace.create(ws) as w:
        w.import_events(DATA / "helpdesk.csv")
    run("segment", "save", "mine", "-w", str(ws), "--case-attr", "activity=Wait")
    monkeypatch.setattr("journeylens.cli.common.stdin_is_terminal", lambda: True)
    args = ["demo", "-w", str(ws), "--scale", "100", "--no-serve", "--no-warm"]
    result = runner.invoke(app, args, input="n\n")
    assert result.exit_code == 1 and "Replace it?" in result.output
    assert "loses its segments" in result.output
    assert "mine" in json.loads(run("segment", "list", "-w", str(ws), "--json"))
    run(*args, input="y\n")
    assert "mine" not in json.loads(run("segment", "list", "-w", str(ws), "--json"))


def test_users_add_without_a_terminal_says_to_use_password_stdin(hd):
    msg = fails("users", "add", "ann", "-w", hd)
    assert "--password-stdin" in msg and "no" in msg
    result = runner.invoke(
        app, ["users", "add", "ann", "-w", hd, "--password-stdin"], input="a long password\n"
    )
    assert result.exit_code == 0, result.output
    assert "ann" in run("users", "list", "-w", hd)


def test_generate_prints_what_it_wrote(tmp_path):
    # The --out option once shadowed the console: the summary line raised AttributeError.
    text = run("generate", "--out", str(tmp_path / "world"), "--scale", "100")
    assert text.startswith("wrote 100 journeys (") and str(tmp_path / "world") in text
