"""The shareable report: sections, key figures, self-containment (HTML), JSON and Markdown."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from _world_ws import SCALE, demo_path, helpdesk_path
from typer.testing import CliRunner

from journeylens.cli.main import app
from journeylens.errors import InputError
from journeylens.report.document import (
    NO_JOURNEYS,
    NO_VOICE,
    render_report,
    report_data,
    write_report,
)
from journeylens.workspace import Workspace

runner = CliRunner()
SECTIONS = (
    "overview",
    "journeys",
    "watermelon",
    "process-map",
    "variants",
    "voice",
    "diagnostics",
    "opportunities",
)
URL = re.compile(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", re.IGNORECASE)


@pytest.fixture(scope="session")
def demo_report(tmp_path_factory):
    path = demo_path(tmp_path_factory.getbasetemp())
    with Workspace.open(path) as ws:
        data = report_data(ws)
        html = render_report(data, source=ws)
    return path, data, html


@pytest.fixture(scope="session")
def helpdesk_report(tmp_path_factory):
    path = helpdesk_path(
        tmp_path_factory.getbasetemp(), Path(__file__).parent.parent / "data" / "helpdesk.csv"
    )
    out = tmp_path_factory.mktemp("reports") / "helpdesk.html"
    result = runner.invoke(app, ["report", "-w", str(path), "-o", str(out)])
    assert result.exit_code == 0, result.output
    return path, out


def assert_self_contained(html: str) -> None:
    assert not URL.search(html), URL.search(html).group(0)
    for tag in ("<script src", "<link ", "<img ", "@import", "<iframe"):
        assert tag not in html.lower(), tag
    # url(#id) points inside the document (SVG markers); anything else would be fetched.
    assert not re.search(r"url\((?!#)", html)


def test_demo_html_has_every_section_and_its_key_figures(demo_report):
    _, data, html = demo_report
    for section in SECTIONS:
        assert f'id="{section}"' in html, section
    assert f"<b>{SCALE:,}</b><span>cases</span>" in html
    assert "@media print" in html
    assert html.count("<svg") >= 5  # process map, variants, bottlenecks, opportunities, melons
    # The watermelon of the new connection: green SLAs, red promise (truth a).
    melon = next(w for w in data["watermelon"] if w["journey"] == "new_connection")
    assert melon["sla_attainment"] >= 0.9 and melon["promise_attainment"] <= 0.6
    assert "Watermelon: green touchpoints, red journey" in html
    # The process map and the journey map are drawn from the data.
    assert ">Order placed<" in html or "Order placed</text>" in html
    assert "Technician visit" in html
    # The demo has surveys: the voice section shows the driver models, not the "no surveys" note.
    assert NO_VOICE.split(",")[0] not in html
    assert "What drives nps_journey in new_connection" in html
    assert_self_contained(html)


def test_demo_json_has_the_required_top_level_keys_and_figures(demo_report):
    _, data, _ = demo_report
    text = render_report(data, format="json")
    parsed = json.loads(text)
    for key in ("journeys", "watermelon", "drivers", "diagnostics", "opportunities"):
        assert key in parsed, key
    assert parsed["overview"]["cases"] == SCALE
    assert [j["name"] for j in parsed["journeys"]] == ["new_connection", "home_move", "repair"]
    diag = parsed["diagnostics"]
    assert diag["waste"]["rework"][0]["loop"] == "Technician visit"
    assert diag["bottlenecks"]["bottlenecks"][0]["share_of_wait"] > 0.05
    assert parsed["opportunities"][0]["rank"] == 1
    assert parsed["voice"]["metrics"] and parsed["drivers"]


def test_voice_drivers_and_opportunity_effects_recover_the_planted_truths(demo_report):
    _, data, _ = demo_report
    drivers = {(d["journey"], d["outcome"], d["feature"]): d for d in data["drivers"]}
    # (c) each chasing contact lowers NPS by 1.3 points.
    nps = drivers[("new_connection", "nps_journey", "n_contacts")]
    assert -1.6 < nps["effect"] < -1.0
    # (b) a failed visit (rework) drives the installation CSAT down by several points.
    assert drivers[("new_connection", "csat_install", "rework")]["effect"] < -4
    # (d) the home-move service gap drives churn: the opportunity that halves it lowers churn.
    gap = next(o for o in data["opportunities"] if "service gap" in o["title"])
    assert gap["effect_churn"] < 0 and gap["rank_churn"] == 1
    # Removing rework raises satisfaction, and the what-if says it is an association.
    rework = next(o for o in data["opportunities"] if o["kind"] == "rework")
    assert rework["effect_satisfaction"] > 0.5
    assert all("not a causal effect" in w for w in rework["what_if"])
    # Null features (f) are not among the strongest drivers of any score.
    for d in data["drivers"]:
        if d["share"] >= 0.2:
            assert d["feature"] not in ("region", "customer_segment", "preferred_contact_time")


def test_demo_markdown_says_the_same(demo_report):
    _, data, _ = demo_report
    md = render_report(data, format="md")
    for heading in ("## Journeys", "## Watermelon", "## Variants", "## Voice of the customer",
                    "## Diagnostics", "### Bottlenecks", "### Waste", "### Root causes",
                    "## Opportunities, ranked"):  # fmt: skip
        assert heading in md, heading
    assert data["opportunities"][0]["title"] in md
    assert "Rework loop: Technician visit" in md


def test_helpdesk_report_without_journeys_or_surveys(helpdesk_report):
    path, out = helpdesk_report
    html = out.read_text(encoding="utf-8")
    for section in SECTIONS:
        assert f'id="{section}"' in html, section
    assert "<b>4,580</b><span>cases</span>" in html
    assert NO_JOURNEYS.split(",")[0] in html and NO_VOICE.split(",")[0] in html
    assert "Resolve ticket → Closed" in html  # the top bottleneck
    assert_self_contained(html)
    md_out = out.with_suffix(".md")
    result = runner.invoke(app, ["report", "-w", str(path), "-o", str(md_out)])
    assert result.exit_code == 0 and md_out.read_text().startswith("# journeylens report")


def test_report_refuses_what_it_cannot_write(tmp_path, make_workspace):
    ws = make_workspace("empty")
    with pytest.raises(InputError, match="no events"):
        write_report(ws, tmp_path / "r.html")
    assert not (tmp_path / "r.html").exists()
    with pytest.raises(InputError, match="does not exist"):
        write_report(ws, tmp_path / "missing" / "r.html")
    ws.close()
    # Through the console script: our error → one line on stderr, exit code 1.
    done = subprocess.run(
        [sys.executable, "-m", "journeylens", "report", "-w", str(tmp_path / "empty"), "-o",
         str(tmp_path / "x.html")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 1 and "no events" in done.stderr
    assert not (tmp_path / "x.html").exists()
    result = runner.invoke(app, ["report", "-w", str(tmp_path / "empty"), "--format", "pdf"])
    assert result.exit_code == 2


CHROMIUM = Path(os.environ.get("JOURNEYLENS_CHROMIUM", "/usr/bin/chromium"))


@pytest.mark.slow
@pytest.mark.skipif(
    not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing: apt-get install chromium"
)
def test_the_html_opens_offline_without_any_network_request(demo_report, tmp_path):
    pytest.importorskip("playwright")
    from playwright.sync_api import sync_playwright

    _, _, html = demo_report
    target = tmp_path / "report.html"
    target.write_text(html, encoding="utf-8")
    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        context = browser.new_context(offline=True)
        page = context.new_page()
        page.on("request", lambda r: requests.append(r.url))
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(target.as_uri())
        page.wait_for_load_state("load")
        titles = page.locator("h2").all_inner_texts()
        svg_count = page.locator("svg").count()
        browser.close()
    # The only request is the file itself: no stylesheet, script, font or image is fetched.
    assert requests == [target.as_uri()]
    assert errors == []
    assert "Opportunities, ranked" in titles and svg_count >= 5
