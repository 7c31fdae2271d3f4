"""The analysis commands (map, variants, cases, stats, segment), in-process."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from journeylens.cli.main import app
from journeylens.workspace import Workspace

DATA = Path(__file__).parent.parent / "data"
FACTS = json.loads((DATA / "facts" / "helpdesk.json").read_text())
runner = CliRunner()


@pytest.fixture(scope="module")
def ws(tmp_path_factory) -> str:
    d = tmp_path_factory.mktemp("cli") / "ws"
    with Workspace.create(d) as w:
        w.import_events(DATA / "helpdesk.csv")
    return str(d)


def run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_map_json_matches_the_reference_dfg(ws):
    data = json.loads(run("map", "-w", ws, "--json"))
    assert len(data["edges"]) == FACTS["dfg_edges"]
    assert sum(e["frequency"] for e in data["edges"]) == FACTS["dfg_arcs"]
    assert len(data["nodes"]) == FACTS["activities"]
    top = max(data["edges"], key=lambda e: e["frequency"])
    assert f"{top['source']} -> {top['target']}" == FACTS["top_edges"][0][0]
    assert top["frequency"] == FACTS["top_edges"][0][1]
    for key in ("source", "target", "frequency", "cases", "mean_s", "median_s", "p90_s"):
        assert key in top
    for activity, n in FACTS["start_activities"].items():
        assert data["start"][activity] == n
    assert sum(data["start"].values()) == FACTS["cases"] == sum(data["end"].values())


def test_map_sliders_shrink_the_map_and_keep_it_connected(ws):
    full = json.loads(run("map", "-w", ws, "--json"))
    small = json.loads(run("map", "-w", ws, "--json", "--activities", "40", "--paths", "10"))
    assert len(small["nodes"]) < len(full["nodes"])
    assert len(small["edges"]) < len(full["edges"])
    kept = {n["activity"] for n in small["nodes"]}
    # Every kept activity is entered (from START or an edge) and left (to END or an edge).
    entered = set(small["start"]) | {e["target"] for e in small["edges"]}
    left = set(small["end"]) | {e["source"] for e in small["edges"]}
    assert kept <= entered and kept <= left


def test_map_dot_and_svg(ws, tmp_path):
    dot = run("map", "-w", ws, "--dot", "--activities", "50")
    assert dot.startswith("digraph") and dot.count("{") == dot.count("}")
    svg = tmp_path / "map.svg"
    run("map", "-w", ws, "--svg", str(svg), "--measure", "performance")
    root = ET.fromstring(svg.read_text())
    assert root.tag.endswith("svg")


def test_variants_json(ws):
    rows = json.loads(run("variants", "-w", ws, "--json"))
    assert len(rows) == FACTS["variants"]
    assert sum(r["count"] for r in rows) == FACTS["cases"]
    assert rows[0]["activities"][0] == "Assign seriousness"
    assert abs(sum(r["share"] for r in rows) - 1) < 1e-9
    top = json.loads(run("variants", "-w", ws, "--json", "--top", "3"))
    assert [r["count"] for r in top] == [r["count"] for r in rows[:3]]


def test_filters_change_the_result(ws):
    first = json.loads(run("variants", "-w", ws, "--json", "--top", "1"))[0]
    seq = ">".join(first["activities"])
    only = json.loads(run("variants", "-w", ws, "--json", "--variant", seq))
    assert len(only) == 1 and only[0]["count"] == first["count"]
    dfg = json.loads(run("map", "-w", ws, "--json", "--follows", "Take in charge ticket>Wait"))
    assert sum(dfg["start"].values()) == 1169  # cases with that arc (the DFG's `cases`)


def test_segments_are_saved_and_applied(ws):
    run("segment", "save", "waited", "-w", ws, "--follows", "Take in charge ticket>Wait")
    listed = json.loads(run("segment", "list", "-w", ws, "--json"))
    assert "waited" in listed
    by_segment = json.loads(run("variants", "-w", ws, "--json", "--segment", "waited"))
    assert sum(r["count"] for r in by_segment) == 1169
    result = runner.invoke(app, ["variants", "-w", ws, "--segment", "nope"])
    assert result.exit_code != 0
    run("segment", "delete", "waited", "-w", ws)
    assert "waited" not in json.loads(run("segment", "list", "-w", ws, "--json"))


def test_cases_and_stats(ws, tmp_path):
    rows = json.loads(run("cases", "-w", ws, "--json"))
    assert len(rows) == FACTS["cases"]
    durations = sorted(r["duration_s"] for r in rows)
    median = (durations[len(rows) // 2 - 1] + durations[len(rows) // 2]) / 2
    assert median == pytest.approx(FACTS["median_case_duration_s"], rel=1e-6)
    out = tmp_path / "cases.csv"
    run("cases", "-w", ws, "-o", str(out))
    assert len(out.read_text().strip().splitlines()) == FACTS["cases"] + 1
    acts = json.loads(run("stats", "activities", "-w", ws, "--json"))
    assert sum(r["events"] for r in acts) == FACTS["events"]
    handoffs = json.loads(run("stats", "handoffs", "-w", ws, "--json", "--by", "resource"))
    assert handoffs and all(r["from"] != r["to"] for r in handoffs)


def test_usage_errors_exit_2(ws):
    assert runner.invoke(app, ["map", "-w", ws, "--measure", "speed"]).exit_code == 2
    assert runner.invoke(app, ["map", "-w", ws, "--paths", "120"]).exit_code == 2
    assert runner.invoke(app, ["stats", "everything", "-w", ws]).exit_code == 2
