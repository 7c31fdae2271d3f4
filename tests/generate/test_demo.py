"""`journeylens demo` and `journeylens generate`, end to end (small scale)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from journeylens.cli.main import app
from journeylens.errors import WorkspaceError
from journeylens.generate.demo import build_demo
from journeylens.workspace import Workspace

runner = CliRunner()


def test_demo_builds_a_workspace_with_every_generated_event(tmp_path):
    target = tmp_path / "demo"
    result = runner.invoke(
        app, ["demo", "-w", str(target), "--scale", "600", "--no-serve", "--no-warm"]
    )
    assert result.exit_code == 0, result.output
    assert "journeylens map -w" in result.stdout
    with Workspace.open(target) as ws:
        info = ws.info()
        assert info["rejected_rows"] == 0
        assert info["cases"] == 600
        journeys = set(ws.cases.journey.to_pyarrow().to_pylist())
    assert journeys == {"new_connection", "home_move", "repair"}
    assert (target / "data" / "surveys.csv").is_file()
    # Rebuilding replaces the demo workspace and gives the same world (seeded); without a
    # terminal to confirm on, replacing needs --force.
    again = runner.invoke(
        app, ["demo", "-w", str(target), "--scale", "600", "--no-serve", "--no-warm", "--force"]
    )
    assert again.exit_code == 0
    with Workspace.open(target) as ws:
        assert ws.info()["events"] == info["events"]


def test_demo_refuses_a_folder_that_is_not_a_workspace(tmp_path):
    (tmp_path / "precious.txt").write_text("keep me")
    with pytest.raises(WorkspaceError, match="not empty"):
        build_demo(tmp_path, scale=100)
    assert (tmp_path / "precious.txt").read_text() == "keep me"


def test_generate_command_writes_the_files(tmp_path):
    result = runner.invoke(
        app, ["generate", "--out", str(tmp_path / "w"), "--scale", "300", "--seed", "3", "--json"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["journeys"] == 300 and summary["n_events"] > 300 * 3
    for key in ("events", "surveys", "outcomes", "truth"):
        assert (tmp_path / "w").joinpath(summary[key].rsplit("/", 1)[-1]).is_file()
    assert (
        runner.invoke(app, ["generate", "--out", str(tmp_path), "--format", "xml"]).exit_code == 2
    )
