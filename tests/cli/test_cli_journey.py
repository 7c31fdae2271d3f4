"""`journeylens journey ...`, in-process, on the demo world and the Helpdesk log."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import _journeys
import pytest
import yaml
from typer.testing import CliRunner

from journeylens.cli.main import app
from journeylens.errors import JourneylensError
from journeylens.workspace import CONFIG_NAME, Workspace

demo_ws = _journeys.demo_ws  # the session fixture: one generated world for all journey tests
DATA = Path(__file__).parent.parent / "data"
EXAMPLES = Path(__file__).parent.parent.parent / "docs" / "examples"
runner = CliRunner()


class Result(NamedTuple):
    exit_code: int
    stdout: str
    output: str


def run(*args: str | Path, code: int = 0) -> Result:
    """Invoke in-process; our errors become exit 1 with the message, as `main()` does."""
    result = runner.invoke(app, [str(a) for a in args])
    if isinstance(result.exception, JourneylensError):
        got = Result(1, result.stdout, f"error: {result.exception}")
    else:
        got = Result(result.exit_code, result.stdout, result.output)
    assert got.exit_code == code, got.output
    return got


def test_errors_exit_1_with_the_message_on_stderr(demo_ws):
    proc = subprocess.run(
        [sys.executable, "-m", "journeylens", "journey", "show", "nope", "-w", str(demo_ws)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr.startswith("error: no journey named 'nope'")


@pytest.fixture(scope="module")
def ws(demo_ws) -> str:
    return str(demo_ws)


@pytest.fixture(scope="module")
def helpdesk(tmp_path_factory) -> str:
    d = tmp_path_factory.mktemp("cli-journeys") / "hd"
    with Workspace.create(d) as w:
        w.import_events(DATA / "helpdesk.csv")
    return str(d)


def test_list_and_show(ws):
    rows = json.loads(run("journey", "list", "-w", ws, "--json").stdout)
    assert [r["name"] for r in rows] == ["new_connection", "home_move", "repair"]
    assert rows[0]["touchpoints"] == 12 and rows[2]["kind"] == "contact"
    shown = json.loads(run("journey", "show", "new_connection", "-w", ws, "--json").stdout)
    assert shown["promise"]["within"] == "10d" and shown["lanes"][0] == "Customer"
    text = run("journey", "show", "repair", "-w", ws).stdout
    assert yaml.safe_load(text)["repair"]["kind"] == "contact"


def test_watermelon_json_flags_the_planted_truth(ws):
    data = json.loads(run("journey", "watermelon", "new_connection", "-w", ws, "--json").stdout)
    assert data["flagged"] and data["touchpoints_green"] and data["promise_attainment"] <= 0.6
    assert all(t["sla_attainment"] >= 0.9 for t in data["touchpoints"])
    assert {d["component"] for d in data["decomposition"]} == {
        "processing",
        "wait inside a lane",
        "wait at handoffs",
        "rework",
    }
    assert data["contributors"][0]["kind"] == "handoff wait"
    every = json.loads(run("journey", "watermelon", "-w", ws, "--json").stdout)
    assert set(every) == {"new_connection", "home_move", "repair"}


def test_watermelon_table_names_the_watermelon(ws):
    out = run("journey", "watermelon", "new_connection", "-w", ws).stdout
    assert "WATERMELON" in out and "where time goes" in out and "Scheduling" in out


def test_kpis_by_month_and_with_filters(ws):
    data = json.loads(run("journey", "kpis", "repair", "-w", ws, "--by", "month", "--json").stdout)
    months = data["repair"]
    assert len(months) >= 12 and all(m["first_contact_resolution"] is not None for m in months)
    everything = json.loads(run("journey", "kpis", "-w", ws, "--json").stdout)
    north = json.loads(
        run("journey", "kpis", "-w", ws, "--json", "--case-attr", "region=North").stdout
    )
    for name in ("new_connection", "home_move", "repair"):
        assert 0 < north[name][0]["instances"] < everything[name][0]["instances"]
    assert sum(m["instances"] for m in months) == everything["repair"][0]["instances"]
    out = run("journey", "kpis", "home_move", "-w", ws, "--by", "customer_segment").stdout
    assert "Premium" in out


def test_touchpoints_contacts_and_map(ws):
    tps = json.loads(run("journey", "touchpoints", "new_connection", "-w", ws, "--json").stdout)
    names = [t["touchpoint"] for t in tps]
    assert names[0] == "Order placed" and "Customer call: where is my order?" in names
    contacts = json.loads(run("journey", "contacts", "new_connection", "-w", ws, "--json").stdout)
    assert sum(c["contacts"] for c in contacts) == sum(t["volume"] for t in tps if t["is_contact"])
    m = json.loads(run("journey", "map", "new_connection", "-w", ws, "--json").stdout)
    assert m["lanes"][0] == "Customer" and m["grid"][0][0] == ["Order placed"]
    assert m["handoffs"][0]["count"] > 0 and len(m["stage_summary"]) == len(m["stages"])
    assert "journey map" in run("journey", "map", "repair", "-w", ws).stdout


def test_unknown_journey_and_bad_options_exit_1(ws):
    r = run("journey", "show", "new_conection", "-w", ws, code=1)
    assert (
        "no journey named 'new_conection'" in r.output
        and "did you mean 'new_connection'" in r.output
    )
    r = run("journey", "kpis", "repair", "-w", ws, "--by", "regoin", code=1)
    assert "did you mean 'region'" in r.output
    r = run("journey", "watermelon", "repair", "-w", ws, "--sla-target", "95", code=1)
    assert "sla_target must be a share" in r.output


def test_validate_reports_key_paths(ws, tmp_path):
    out = run("journey", "validate", "-w", ws).stdout
    assert out.count("ok ") == 3
    bad = yaml.safe_load((EXAMPLES / "receipt_journeys.yaml").read_text())
    tp = bad["journeys"]["permit_receipt"]["touchpoints"][2]
    tp["value_class"] = "valuable"
    tp["stage"] = "Confirmaton"
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(bad))
    r = run("journey", "validate", "-w", ws, "--file", path, code=1)
    assert "bad.yaml" in r.output
    assert (
        "journeys.permit_receipt.touchpoints[2].value_class: 'valuable' is not one of" in r.output
    )
    assert (
        "touchpoints[2].stage: 'Confirmaton'" in r.output
        and "did you mean 'Confirmation'" in r.output
    )


def test_load_examples_and_suggest_on_the_helpdesk(helpdesk, tmp_path):
    r = run("journey", "load", EXAMPLES / "receipt_journeys.yaml", "-w", helpdesk, code=1)
    assert "matches no activity in the data" in r.output  # receipt journeys on helpdesk data
    run("journey", "load", EXAMPLES / "helpdesk_journeys.yaml", "-w", helpdesk)
    assert Workspace.open(helpdesk).journey_names() == ["ticket", "customer_care"]
    data = json.loads(run("journey", "kpis", "ticket", "-w", helpdesk, "--json").stdout)
    assert data["ticket"][0]["instances"] == 4580
    draft = yaml.safe_load(run("journey", "suggest", "-w", helpdesk, "--name", "draft").stdout)
    assert draft["journeys"]["draft"]["lanes_from"] == {"column": "department"}
    run("journey", "suggest", "-w", helpdesk, "--name", "draft", "--save")
    assert "draft" in Workspace.open(helpdesk).journey_names()
    run("journey", "delete", "draft", "-w", helpdesk)
    assert "draft" not in Workspace.open(helpdesk).journey_names()


def test_suggest_with_a_case_filter_on_the_demo(ws, tmp_path):
    copy = tmp_path / "demo"
    shutil.copytree(ws, copy)
    out = run(
        "journey",
        "suggest",
        "-w",
        copy,
        "--name",
        "moves",
        "--case-attr",
        "journey=home_move",
        "--json",
    ).stdout
    d = json.loads(out)["journeys"]["moves"]
    assert d["cases"] == {"attributes": {"journey": "home_move"}}
    acts = {a for tp in d["touchpoints"] for a in tp["activities"]}
    assert "Service started at new address" in acts and "Order placed" not in acts
    assert "journeys:\n  moves" not in (copy / CONFIG_NAME).read_text()  # not saved


def test_variant_families_table_json_and_filters(ws):
    fams = json.loads(run("journey", "variants", "new_connection", "-w", ws, "--json").stdout)
    assert [f["family"] for f in fams][:2] == ["F1", "F2"] and len(fams) <= 9
    assert (
        sum(f["instances"] for f in fams)
        == (
            json.loads(run("journey", "kpis", "new_connection", "-w", ws, "--json").stdout)[
                "new_connection"
            ][0]["instances"]
        )
    )
    assert fams[0]["path"][0] == "Order placed" and fams[0]["label"].startswith("F1 (")
    two = json.loads(run("journey", "variants", "repair", "-w", ws, "--top", "2", "--json").stdout)
    assert [f["family"] for f in two] == ["F1", "F2", "other"]
    north = json.loads(
        run(
            "journey", "variants", "repair", "-w", ws, "--json", "--case-attr", "region=North"
        ).stdout
    )
    assert 0 < sum(f["instances"] for f in north) < sum(f["instances"] for f in two)
    out = run("journey", "variants", "new_connection", "-w", ws).stdout
    assert "variant families: new_connection" in out and "F1: Order placed →" in out
    r = run("journey", "variants", "repair", "-w", ws, "--coverage", "2", code=1)
    assert "coverage must be a share" in r.output
