"""The web app in a real browser: Playwright driving Debian's headless Chromium.

Never a browser build downloaded by Playwright: ``/usr/bin/chromium`` (apt package
``chromium``; ``.ci/run`` installs it).  Slow: a server and a browser start once per module.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("JOURNEYLENS_CHROMIUM", "/usr/bin/chromium"))
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]  # fmt: skip
TOKEN = "browser-test-token-0123456789"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing: apt-get install chromium"
    ),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(web_workspace: Path) -> Iterator[str]:
    import uvicorn

    from journeylens.web import create_app

    port = free_port()
    app = create_app(web_workspace, token=TOKEN)
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(240_000)  # cold analyses on a loaded 2-core CI machine
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.errors = errors
    yield pg
    context.close()


def signed_in(page, server: str, path: str = "/"):
    page.goto(f"{server}{path}?token={TOKEN}")
    assert "token=" not in page.url  # exchanged for a cookie, dropped from the address
    return page


def test_without_the_token_the_app_asks_to_sign_in(page, server):
    page.goto(server + "/map")
    assert "/login" in page.url
    assert page.get_by_role("heading", name="Sign in").is_visible()
    page.goto(f"{server}/?token=wrong")
    assert "/login" in page.url and "not valid" in page.content()


def test_every_page_opens_without_errors(page, server):
    signed_in(page, server)
    assert page.get_by_role("heading", name="Overview").is_visible()
    for link, heading in [("Process map", "Process map"), ("Variants", "Variants"),
                          ("Cases", "Cases"), ("Drivers", "What drives satisfaction"),
                          ("Data quality", "Data quality"), ("Overview", "Overview")]:  # fmt: skip
        page.get_by_role("navigation").get_by_role("link", name=link, exact=True).click()
        page.get_by_role("heading", name=heading, exact=True).wait_for()
    page.get_by_role("link", name="new_connection").click()
    page.get_by_role("heading", name="Journey map").wait_for()
    assert page.locator("table.jmap .tp").count() >= 8
    page.goto(server + "/cases")
    page.locator("table.cases a").first.click()
    page.locator("svg.timeline circle").first.wait_for()
    assert not page.errors, page.errors


def test_moving_the_slider_redraws_the_map_and_a_click_lists_cases(page, server):
    signed_in(page, server, "/map")
    nodes = page.locator("#map g.node.activity")
    nodes.first.wait_for()
    before = nodes.count()
    with page.expect_response(lambda r: "/map/view" in r.url and "activities=10" in r.url):
        page.locator("#activities").fill("10")
    page.wait_for_function(
        "n => document.querySelectorAll('#map g.node.activity').length < n", arg=before
    )
    after = nodes.count()
    assert 0 < after < before
    assert page.locator("#activities-out").inner_text() == "10%"
    nodes.first.click()
    page.locator("#selection h2").wait_for()
    assert "cases with" in page.locator("#selection h2").inner_text()
    assert page.locator("#selection table.cases tbody tr").count() > 0
    assert not page.errors, page.errors


def test_posting_a_comment_shows_it_with_the_author(page, server):
    signed_in(page, server, "/map")
    page.locator("#map g.node.activity").first.wait_for()
    page.locator("#map g.node.activity").nth(1).click()
    form = page.locator("#selection form.comment-form")
    form.wait_for()
    text = f"Browser comment {time.time_ns()}"
    form.locator("textarea").fill(text)
    form.get_by_role("button", name="Post").click()
    item = page.locator("#selection .comment-list li", has_text=text)
    item.wait_for()
    assert "local" in item.inner_text()


def test_a_forged_csrf_token_is_refused(page, server):
    signed_in(page, server, "/")
    status = page.evaluate(
        """async () => {
            const body = new URLSearchParams({target_kind: "journey", target: "repair", body: "x"});
            const forged = await fetch("/comments", {method: "POST", body,
                headers: {"X-CSRF-Token": "forged"}});
            const none = await fetch("/comments", {method: "POST", body});
            return [forged.status, none.status];
        }"""
    )
    assert status == [403, 403]
