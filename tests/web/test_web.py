"""The web app in-process (Starlette's TestClient): sign-in, CSRF, roles, pages, validation."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from markupsafe import Markup
from starlette.testclient import TestClient

from journeylens.errors import JourneylensError
from journeylens.mining.dfg import discover_map
from journeylens.web import Users, create_app
from journeylens.web.api import OPENAPI, routes
from journeylens.workspace import DB_NAME, Workspace

TOKEN = "test-token-0123456789"


def client(path: Path, **kw) -> TestClient:
    app = create_app(path, token=TOKEN, allowed_hosts=["testserver"], **kw)
    return TestClient(app, follow_redirects=False)


@pytest.fixture(scope="module")
def admin(web_workspace: Path) -> TestClient:
    c = client(web_workspace)
    r = c.get("/?token=" + TOKEN)
    assert r.status_code == 303 and r.headers["location"] == "/"
    return c


def csrf(c: TestClient) -> str:
    return c.get("/api/session").json()["csrf_token"]


@pytest.fixture(scope="module")
def truth(web_workspace: Path) -> dict:
    with Workspace.open(web_workspace) as ws:
        activities = [
            r[0]
            for r in ws.con.execute(
                "SELECT activity FROM events GROUP BY 1 ORDER BY count(*) DESC, 1"
            ).fetchall()
        ]
        case_id = ws.con.execute("SELECT min(case_id) FROM cases").fetchone()[0]
        with_top = ws.con.execute(
            "SELECT count(DISTINCT case_id) FROM events WHERE activity = ?", [activities[0]]
        ).fetchone()[0]
        full = discover_map(ws.events)
    return {"activities": activities, "case": case_id, "with_top": with_top, "map": full}


# ---------------------------------------------------------------------- sign-in
def test_without_a_session_pages_redirect_to_sign_in_and_the_api_refuses(web_workspace):
    c = client(web_workspace)
    r = c.get("/map")
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=%2Fmap")
    assert c.get("/api/info").status_code == 401
    assert c.get("/api/openapi.json").status_code == 401  # the docs sit behind the same sign-in
    page = c.get(r.headers["location"])
    assert page.status_code == 200 and "journeylens serve" in page.text


def test_a_wrong_or_forged_token_or_cookie_is_refused(web_workspace):
    c = client(web_workspace)
    r = c.get("/?token=not-the-token")
    assert r.status_code == 303 and "not+valid" in r.headers["location"]
    assert "journeylens_session" not in c.cookies
    assert c.get("/api/info?token=not-the-token").status_code == 401
    c.cookies.set("journeylens_session", "eyJ1IjoibG9jYWwiLCJyIjoiYWRtaW4iLCJjIjoieCJ9.forged")
    assert c.get("/api/info").status_code == 401
    # A cookie signed by another app instance (another secret) is worthless here.
    other = client(web_workspace)
    other.get("/?token=" + TOKEN)
    c2 = client(web_workspace)
    c2.cookies.set("journeylens_session", other.cookies["journeylens_session"])
    assert c2.get("/api/info").status_code == 401


def test_the_token_link_signs_in_as_admin_and_drops_the_token_from_the_url(admin):
    s = admin.get("/api/session").json()
    assert s["user"] == "local" and s["role"] == "admin" and len(s["csrf_token"]) > 20
    r = admin.get("/variants?token=" + TOKEN + "&attr=journey")
    assert r.status_code == 303 and r.headers["location"] == "/variants?attr=journey"


def test_other_hosts_in_the_host_header_are_refused(web_workspace):
    app = create_app(web_workspace, token=TOKEN)  # loopback defaults
    c = TestClient(app, base_url="http://evil.example", follow_redirects=False)
    assert c.get("/?token=" + TOKEN).status_code == 400


def test_binding_beyond_loopback_needs_accounts_and_turns_the_token_off(tmp_path, web_workspace):
    ws = Workspace.create(tmp_path / "ws")
    ws.close()
    with pytest.raises(JourneylensError, match="no accounts"):
        create_app(tmp_path / "ws", host="0.0.0.0")
    Users(tmp_path / "ws").add("ada", "correct horse", role="viewer")
    app = create_app(tmp_path / "ws", host="0.0.0.0", token=TOKEN)
    c = TestClient(app, follow_redirects=False)
    assert c.get("/api/info?token=" + TOKEN).status_code == 401
    login = c.get("/login")
    pre = login.cookies.get("journeylens_login") or c.cookies.get("journeylens_login")
    bad = c.post("/login", data={"name": "ada", "password": "wrong!!!!", "csrf_token": pre})
    assert bad.status_code == 401
    no_csrf = c.post("/login", data={"name": "ada", "password": "correct horse"})
    assert no_csrf.status_code == 403
    ok = c.post("/login", data={"name": "ada", "password": "correct horse", "csrf_token": pre})
    assert ok.status_code == 303
    assert c.get("/api/session").json()["role"] == "viewer"


# ---------------------------------------------------------------------- pages
def test_every_page_renders(admin, truth):
    top = truth["activities"][0]
    pages = [
        "/", "/map", "/map/view", "/map/view?measure=performance&statistic=median&activities=30",
        f"/map/cases?activity={top}", f"/map/cases?source=__start__&target={top}",
        "/variants", "/variants/1/cases", "/cases", f"/cases/{truth['case']}",
        "/quality", "/drivers", "/api/docs", "/cases?case=" + truth["case"],
    ]  # fmt: skip
    for p in pages:
        r = admin.get(p, follow_redirects=True)
        assert r.status_code == 200, (p, r.text[:300])
        assert "Content-Security-Policy" in r.headers
    overview = admin.get("/").text
    assert "Overview" in overview and "2,000" in overview  # cases, readable


def test_the_map_is_the_librarys_map(admin, truth):
    full = truth["map"].to_dict()
    got = admin.get("/api/map").json()
    key = lambda d: sorted((e["source"], e["target"], e["frequency"]) for e in d["edges"])  # noqa: E731
    assert key(got) == key(full)
    small = admin.get("/api/map?activities=20&paths=0").json()
    assert 0 < len(small["nodes"]) < len(full["nodes"])
    svg = admin.get("/map/view?activities=20&paths=0").text
    assert svg.count('class="node activity"') == len(small["nodes"]) - 2  # minus START/END


def test_clicking_an_activity_lists_exactly_its_cases(admin, truth):
    top = truth["activities"][0]
    got = admin.get("/api/map/cases", params={"activity": top}).json()
    assert got["total"] == truth["with_top"] and got["shown"] == min(50, got["total"])


def test_filters_narrow_the_cases(admin):
    r = admin.get("/api/map/cases", params={"attr": "journey", "value": "home_move"}).json()
    total = admin.get("/api/map/cases").json()["total"]
    assert 0 < r["total"] < total
    assert {c["journey"] for c in r["cases"]} == {"home_move"}


def test_a_case_page_shows_its_timeline(admin, truth):
    r = admin.get(f"/api/cases/{truth['case']}").json()
    assert r["events"] and r["lanes"] and r["duration"]
    html = admin.get(f"/cases/{truth['case']}").text
    assert 'class="timeline"' in html and html.count("<circle") == len(r["events"])


# ---------------------------------------------------------------------- hostile input
@pytest.mark.parametrize(
    "path",
    [
        "/map/view?attr=journey%3B%20DROP%20TABLE%20events&value=x",
        "/map/view?activities=500",
        "/map/view?activities=abc",
        "/map/view?measure=evil",
        "/map/view?segment=../../etc/passwd",
        "/map/cases?activity=%27%3B%20DROP%20TABLE%20events%3B--",
        "/map/cases?source=A&target=B",
        "/map/view?from=yesterday",
        "/api/map?attr=case_id%20OR%201%3D1&value=x",
    ],
)
def test_hostile_parameters_are_refused_with_a_message(admin, path):
    r = admin.get(path)
    assert r.status_code == 400, r.text
    assert admin.get("/api/info").json()["events"] > 0  # nothing was dropped


def test_unknown_cases_and_journeys_are_404_or_400(admin):
    assert admin.get("/cases/..%2F..%2Fetc%2Fpasswd").status_code == 404
    assert admin.get("/api/cases/nope").status_code == 404
    assert admin.get("/journeys/nope").status_code == 400
    assert admin.get("/variants/9999/cases").status_code == 400


# ---------------------------------------------------------------------- comments
def test_comments_need_the_csrf_token(admin, truth):
    body = {"target_kind": "activity", "target": truth["activities"][0], "body": "hello"}
    assert admin.post("/api/comments", json=body).status_code == 403
    assert (
        admin.post("/api/comments", json=body, headers={"X-CSRF-Token": "forged"}).status_code
        == 403
    )
    assert admin.post("/comments", data=body, headers={"X-CSRF-Token": "forged"}).status_code == 403


def test_comments_are_stored_with_author_and_time(admin, truth, web_workspace):
    top = truth["activities"][0]
    token = csrf(admin)
    r = admin.post("/comments", data={"target_kind": "activity", "target": top,
                                      "body": "Why do <b>so many</b> cases go here?"},
                   headers={"X-CSRF-Token": token})  # fmt: skip
    assert r.status_code == 200
    assert "&lt;b&gt;so many&lt;/b&gt;" in r.text and "<b>so many" not in r.text  # escaped
    listed = admin.get("/api/comments", params={"target_kind": "activity", "target": top}).json()
    assert listed["comments"][0]["author"] == "local" and listed["comments"][0]["created"]
    with Workspace.open(web_workspace) as ws:
        stored = ws.con.execute(
            "SELECT author, body FROM comments WHERE target = ?", [top]
        ).fetchall()
    assert ("local", "Why do <b>so many</b> cases go here?") in stored


def test_comment_targets_must_exist(admin):
    token = {"X-CSRF-Token": csrf(admin)}
    for body in (
        {"target_kind": "activity", "target": "No such activity", "body": "x"},
        {"target_kind": "table", "target": "events", "body": "x"},
        {"target_kind": "journey", "target": "nope", "body": "x"},
        {"target_kind": "edge", "target": "a → b", "body": "x"},
    ):
        assert admin.post("/api/comments", json=body, headers=token).status_code == 400, body


def test_a_viewer_reads_but_cannot_comment(tmp_path_factory, web_workspace, truth):
    Users(web_workspace).add("val", "viewer-pass", role="viewer")
    Users(web_workspace).add("ann", "analyst-pass", role="analyst")
    try:
        for name, password, status in (("val", "viewer-pass", 403), ("ann", "analyst-pass", 201)):
            c = client(web_workspace)
            pre = c.get("/login").cookies["journeylens_login"]
            c.post("/login", data={"name": name, "password": password, "csrf_token": pre})
            assert c.get("/map").status_code == 200
            body = {"target_kind": "activity", "target": truth["activities"][1], "body": "hi"}
            r = c.post("/api/comments", json=body, headers={"X-CSRF-Token": csrf(c)})
            assert r.status_code == status, r.text
            if name == "val":
                assert (
                    "Viewers can read"
                    in c.get(
                        "/comments",
                        params={"target_kind": "activity", "target": truth["activities"][1]},
                    ).text
                )
    finally:
        Users(web_workspace).remove("val")
        Users(web_workspace).remove("ann")


def test_a_comment_while_an_import_holds_the_workspace_is_refused_cleanly(
    admin, web_workspace, truth
):
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True); "
         "time.sleep(30)", str(web_workspace / DB_NAME)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "held"
        body = {"target_kind": "activity", "target": truth["activities"][0], "body": "busy?"}
        r = admin.post("/api/comments", json=body, headers={"X-CSRF-Token": csrf(admin)})
        assert r.status_code == 503 and "try again" in r.json()["error"]
        assert admin.get("/api/info").status_code == 200  # served from the cache meanwhile
    finally:
        holder.kill()
        holder.wait()


# ---------------------------------------------------------------------- cache and API docs
def test_an_import_while_the_app_runs_succeeds_and_the_pages_follow_it(tmp_path, data_dir):
    ws = Workspace.create(tmp_path / "ws")
    lines = (data_dir / "helpdesk.csv").read_text(encoding="utf-8").splitlines()
    (tmp_path / "a.csv").write_text("\n".join(lines[:2001]) + "\n", encoding="utf-8")
    (tmp_path / "b.csv").write_text(
        "\n".join([lines[0], *lines[2001:4001]]) + "\n", encoding="utf-8"
    )
    ws.import_events(tmp_path / "a.csv")
    ws.close()
    c = client(tmp_path / "ws")
    c.get("/?token=" + TOKEN)
    assert c.get("/api/info").json()["events"] == 2000
    assert c.get("/").status_code == 200
    with Workspace.open(tmp_path / "ws", read_only=False) as w:  # the app holds no lock
        w.import_events(tmp_path / "b.csv")
    assert c.get("/api/info").json()["events"] == 4000
    assert "4,000" in c.get("/").text


def test_the_openapi_document_lists_exactly_the_api_routes(admin):
    doc = admin.get("/api/openapi.json").json()
    assert doc == OPENAPI
    served = {(r.path.replace(":path", ""), m.lower()) for r in routes() for m in r.methods
              if m != "HEAD"}  # fmt: skip
    documented = {(p, m) for p, ops in doc["paths"].items() for m in ops}
    assert served == documented


def test_users_command_manages_accounts(tmp_path):
    ws = Workspace.create(tmp_path / "ws")
    ws.close()
    base = [sys.executable, "-m", "journeylens", "users"]
    add = subprocess.run([*base, "add", "bo", "--role", "analyst", "-w", str(tmp_path / "ws"),
                          "--password-stdin"], input="s3cret-pass\n", capture_output=True,
                         text=True, timeout=120)  # fmt: skip
    assert add.returncode == 0, add.stderr
    listed = subprocess.run([*base, "list", "-w", str(tmp_path / "ws"), "--json"],
                            capture_output=True, text=True, timeout=120)  # fmt: skip
    assert '"analyst"' in listed.stdout
    assert Users(tmp_path / "ws").verify("bo", "s3cret-pass").role == "analyst"
    assert "s3cret" not in (tmp_path / "ws" / "users.yaml").read_text()
    assert (tmp_path / "ws" / "users.yaml").stat().st_mode & 0o077 == 0
    Users(tmp_path / "ws").remove("bo")
    refused = subprocess.run([sys.executable, "-m", "journeylens", "serve", "-w",
                              str(tmp_path / "ws"), "--host", "0.0.0.0"],
                             capture_output=True, text=True, timeout=120)  # fmt: skip
    assert refused.returncode == 1 and "no accounts" in refused.stderr


# ---------------------------------------------------------------------- journeys
def test_the_overview_puts_the_planted_watermelon_first_with_its_owner(admin, web_workspace):
    rows = admin.get("/api/journeys").json()["journeys"]
    by_name = {r["name"]: r for r in rows}
    with Workspace.open(web_workspace) as ws:
        wm = ws.journey("new_connection").watermelon()
        owner = ws.journey("new_connection").definition.owner
    nc = by_name["new_connection"]
    # Planted truth (a): touchpoints meet their SLAs, the installation promise is missed.
    assert nc["flagged"] and nc["sla"] >= 0.9 and nc["promise"] <= 0.6
    assert nc["promise"] == pytest.approx(wm.promise_attainment) and nc["owner"] == owner
    flags = [r["flagged"] for r in rows]
    assert flags == sorted(flags, reverse=True)  # watermelons first
    html = admin.get("/").text
    assert owner in html and "watermelon" in html and f"{round(100 * nc['promise'])}%" in html


def test_the_journey_map_page_shows_stages_lanes_touchpoints_and_discussion(admin, web_workspace):
    with Workspace.open(web_workspace) as ws:
        d = ws.journey("home_move").definition
    html = admin.get("/journeys/home_move").text
    for name in [*d.stages, *d.lanes, *(t.name for t in d.touchpoints[:5])]:
        assert str(Markup.escape(name)) in html, name
    assert "Handoffs between lanes" in html and "Pain points" in html
    token = {"X-CSRF-Token": csrf(admin)}
    tp = d.touchpoints[0].name
    body = {"target_kind": "touchpoint", "target": tp, "journey": "home_move", "body": "owner?"}
    assert admin.post("/api/comments", json=body, headers=token).status_code == 201
    bad = {**body, "target": "No such touchpoint"}
    assert admin.post("/api/comments", json=bad, headers=token).status_code == 400
    listed = admin.get("/comments", params={"target_kind": "touchpoint", "target": tp,
                                            "journey": "home_move"})  # fmt: skip
    assert "owner?" in listed.text


# ---------------------------------------------------------------------- drivers
def test_drivers_rank_rework_high_for_installation_csat_and_what_if_validates(admin):
    # Planted truth (b): incomplete orders cause technician revisits (rework) and low CSAT.
    d = admin.get("/api/drivers", params={"journey": "new_connection",
                                          "target": "csat_install"}).json()  # fmt: skip
    top = [r["feature"] for r in d["drivers"][:3]]
    assert "rework" in top, top
    rework = next(r for r in d["drivers"] if r["feature"] == "rework")
    assert rework["effect_high"] < 0  # rework lowers CSAT, and the interval says so
    html = admin.get("/drivers", params={"journey": "new_connection", "target": "csat_install"})
    assert html.status_code == 200 and "rework" in html.text and "What if" in html.text
    base = {"journey": "new_connection", "target": "csat_install"}
    w = admin.get("/api/drivers/what-if",
                  params={**base, "feature": "rework", "change": "true for no journey"}).json()  # fmt: skip
    assert w["predicted"] > w["current"] and w["difference_low"] > 0
    for bad in ({"feature": "1; DROP TABLE events", "change": "halved"},
                {"feature": "rework", "change": "times 1000"}):  # fmt: skip
        assert admin.get("/drivers/what-if", params={**base, **bad}).status_code == 400
    assert admin.get("/drivers", params={"target": "../../x"}).status_code == 400
    # A category driver (the start channel) has no scale or share to change: not offered.
    assert "start_channel" in [r["feature"] for r in d["drivers"]]
    select = html.text.split('name="feature"', 1)[1].split("</select>", 1)[0]
    assert "start_channel" not in select and "rework" in select
    refused = admin.get("/drivers/what-if",
                        params={**base, "feature": "start_channel", "change": "halved"})  # fmt: skip
    assert refused.status_code == 400 and "can change" in refused.text


def test_serve_prints_a_sign_in_link_that_works(web_workspace):
    import re
    import socket

    import httpx2

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "journeylens", "serve", "-w", str(web_workspace), "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        link = None
        for _ in range(20):
            line = proc.stdout.readline()
            found = re.search(r"http://127\.0\.0\.1:\d+/\?token=\S+", line)
            if found:
                link = found.group(0)
                break
        assert link, "no sign-in link printed"
        with httpx2.Client(timeout=60) as http:
            for _ in range(100):  # the link is printed just before uvicorn listens
                try:
                    r = http.get(link)
                    break
                except httpx2.ConnectError:
                    time.sleep(0.1)
            assert r.status_code == 303 and "journeylens_session" in r.headers["set-cookie"]
            assert http.get(f"http://127.0.0.1:{port}/api/session").json()["role"] == "admin"
            assert httpx2.get(f"http://127.0.0.1:{port}/api/session").status_code == 401
    finally:
        proc.kill()  # the app has nothing to flush: it writes only comments, none here
        proc.wait(timeout=30)


def test_an_analyst_saves_the_current_filter_as_a_segment(tmp_path, data_dir):
    lines = (data_dir / "helpdesk.csv").read_text(encoding="utf-8").splitlines()
    (tmp_path / "a.csv").write_text("\n".join(lines[:3001]) + "\n", encoding="utf-8")
    with Workspace.create(tmp_path / "ws") as ws:
        ws.import_events(tmp_path / "a.csv")
    c = client(tmp_path / "ws")
    c.get("/?token=" + TOKEN)
    token = {"X-CSRF-Token": csrf(c)}
    form = {"segment_name": "Value 2 tickets", "case": "customer=Value 22"}
    assert c.post("/segments", data=form).status_code == 403  # no CSRF token
    assert (
        c.post("/segments", data={**form, "segment_name": "../x"}, headers=token).status_code == 400
    )
    assert c.post("/segments", data={"segment_name": "all"}, headers=token).status_code == 400
    r = c.post("/segments", data=form, headers=token)
    assert r.status_code == 200 and "Saved segment" in r.text
    assert "Value 2 tickets" in c.get("/api/info").json()["segments"]
    by_segment = c.get("/api/map/cases", params={"segment": "Value 2 tickets"}).json()
    by_filter = c.get("/api/map/cases", params={"attr": "customer", "value": "Value 22"}).json()
    assert by_segment["total"] == by_filter["total"] > 0
    with Workspace.open(tmp_path / "ws") as ws:  # the CLI sees it too
        assert len(ws.segment("Value 2 tickets")) == 1
    Users(tmp_path / "ws").add("vic", "viewer-pass", role="viewer")
    v = client(tmp_path / "ws")
    pre = v.get("/login").cookies["journeylens_login"]
    v.post("/login", data={"name": "vic", "password": "viewer-pass", "csrf_token": pre})
    assert v.post("/segments", data=form, headers={"X-CSRF-Token": csrf(v)}).status_code == 403
