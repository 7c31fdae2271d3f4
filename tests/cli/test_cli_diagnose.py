"""`journeylens diagnose` and `journeylens report` from the command line (Helpdesk log)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from _world_ws import helpdesk_path
from typer.testing import CliRunner

from journeylens.cli.main import app

runner = CliRunner()


@pytest.fixture(scope="module")
def ws(tmp_path_factory) -> str:
    csv = Path(__file__).parent.parent / "data" / "helpdesk.csv"
    return str(helpdesk_path(tmp_path_factory.getbasetemp(), csv))


def run_json(*args: str):
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_each_part_as_json(ws):
    b = run_json("diagnose", "bottlenecks", "-w", ws)
    assert (b["bottlenecks"][0]["from"], b["bottlenecks"][0]["to"]) == ("Resolve ticket", "Closed")
    w = run_json("diagnose", "waste", "-w", ws)
    assert w["rework"][0]["loop"] == "Take in charge ticket" and w["cases"] == 4580
    a = run_json("diagnose", "automation", "-w", ws)
    assert isinstance(a, list)
    c = run_json("diagnose", "causes", "-w", ws, "--target", "rework")
    assert c[0]["target"] == "rework" and c[0]["units"] == 4580
    o = run_json("diagnose", "opportunities", "-w", ws)
    assert [x["rank"] for x in o] == list(range(1, len(o) + 1))
    assert all("→" in x["target"] for x in o)


def test_filters_apply_to_the_diagnosis(ws):
    everything = run_json("diagnose", "waste", "-w", ws)
    few = run_json("diagnose", "waste", "-w", ws, "--case-attr", "seriousness_2=Value 2")
    assert 0 < few["cases"] < everything["cases"]


def test_tables_for_people(ws):
    result = runner.invoke(app, ["diagnose", "-w", ws])
    assert result.exit_code == 0, result.output
    for text in ("bottlenecks", "waste in 4,580 cases", "opportunities, ranked", "Causes of"):
        assert text in result.stdout, text


def test_usage_and_input_errors(ws):
    assert runner.invoke(app, ["diagnose", "everything", "-w", ws]).exit_code == 2
    done = subprocess.run(
        [sys.executable, "-m", "journeylens", "diagnose", "causes", "-w", ws, "--target", "nope"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert "unknown target 'nope'" in done.stderr and "'slow', 'rework'" in done.stderr


def test_report_formats_from_the_suffix_or_the_option(ws, tmp_path):
    out = tmp_path / "r.json"
    result = runner.invoke(app, ["report", "-w", ws, "-o", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert {"journeys", "watermelon", "drivers", "diagnostics", "opportunities"} <= set(data)
    forced = tmp_path / "report.txt"
    result = runner.invoke(app, ["report", "-w", ws, "-o", str(forced), "--format", "md"])
    assert result.exit_code == 0 and forced.read_text().startswith("# journeylens report")
