"""The web app's persisted result cache (journeylens/web/cache.py and its use in data.py)."""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from journeylens.cli.main import app as cli
from journeylens.web import create_app
from journeylens.web.cache import (
    CACHE_DIR,
    MISSING,
    ResultStore,
    code_stamp,
    decode,
    encode,
    key_text,
)
from journeylens.web.data import Vocabulary, WorkspaceData
from journeylens.web.views import MapOptions, Query
from journeylens.workspace import Workspace

TOKEN = "cache-token-0123456789"
runner = CliRunner()

#: Pages (and API routes) whose results the persisted cache must hold after one visit.
PAGES = ["/", "/map", "/map/view", "/map/view?activities=40", "/variants", "/cases",
         "/journeys/new_connection", "/journeys/repair", "/drivers", "/quality", "/api/map",
         "/api/journeys", "/api/info", "/api/variants"]  # fmt: skip


def client(path: Path, **kw) -> TestClient:
    c = TestClient(create_app(path, token=TOKEN, allowed_hosts=["testserver"], **kw),
                   follow_redirects=False)  # fmt: skip
    assert c.get("/?token=" + TOKEN).status_code == 303
    return c


def data_of(c: TestClient) -> WorkspaceData:
    return c.app.state.data  # type: ignore[attr-defined]


def files(path: Path) -> list[Path]:
    return sorted((path / CACHE_DIR).glob("*/*.json"))


@pytest.fixture(scope="module")
def visited(web_workspace: Path) -> dict[str, object]:
    """Every page of PAGES once (the demo workspace of the web tests): the cache is filled."""
    c = client(web_workspace)
    out: dict[str, object] = {}
    for page in PAGES:
        r = c.get(page)
        assert r.status_code == 200, (page, r.text[:300])
        out[page] = r.json() if page.startswith("/api/") else r.text
    return out


@pytest.fixture
def helpdesk(tmp_path: Path, data_dir: Path) -> Path:
    """A small workspace (the first 2,000 events of the real Helpdesk log), and the rest."""
    lines = (data_dir / "helpdesk.csv").read_text(encoding="utf-8").splitlines()
    (tmp_path / "a.csv").write_text("\n".join(lines[:2001]) + "\n", encoding="utf-8")
    (tmp_path / "b.csv").write_text("\n".join([lines[0], *lines[2001:4001]]) + "\n",
                                    encoding="utf-8")  # fmt: skip
    with Workspace.create(tmp_path / "ws") as ws:
        ws.import_events(tmp_path / "a.csv")
    return tmp_path / "ws"


# ---------------------------------------------------------------------- restart
def test_a_restarted_app_serves_every_page_from_disk_without_opening_the_workspace(
    web_workspace, visited, monkeypatch
):
    opened = []

    def refuse(*args, **kwargs):
        # (A warm-up thread of an app of an earlier test may still be finishing its step.)
        if threading.current_thread().name != "journeylens-warm":
            opened.append(args)
        raise AssertionError("a page opened the workspace although its result is stored")

    # Nothing can be computed without the database: every analysis starts by opening it.
    monkeypatch.setattr(Workspace, "open", classmethod(refuse))
    monkeypatch.setattr("journeylens.web.views.discover_dfg", refuse)
    c = client(web_workspace)  # a new app: nothing in memory
    for page in PAGES:
        r = c.get(page)
        assert r.status_code == 200, (page, r.text[:300])
        if page.startswith("/api/"):
            assert r.json() == visited[page], page  # the same figures as computed
    assert opened == []
    hits = data_of(c).hits
    assert hits["computed"] == 0 and hits["disk"] > 10
    # The journey pages show what was computed (owner, verdict, touchpoints of the map).
    journeys = visited["/api/journeys"]["journeys"]  # type: ignore[index]
    page = c.get("/journeys/new_connection").text
    mine = next(j for j in journeys if j["name"] == "new_connection")
    assert mine["owner"] in page and mine["verdict"][:40] in page


def test_results_read_back_equal_the_computed_ones(web_workspace, visited):
    data = WorkspaceData(web_workspace)
    state = data.state()
    store = ResultStore(web_workspace)
    vocab = store.get(state, "vocabulary")
    assert isinstance(vocab, Vocabulary)
    with Workspace.open(web_workspace) as ws:
        fresh = Vocabulary(ws)
    assert vars(vocab) == vars(fresh)
    parts = store.get(state, ("dfg", Query(), None))
    from journeylens.mining.dfg import discover_dfg

    with Workspace.open(web_workspace) as ws:
        dfg = discover_dfg(ws.events)
    pd.testing.assert_frame_equal(parts["edges"], dfg.edges)
    pd.testing.assert_frame_equal(parts["activities"], dfg.activities)


# ---------------------------------------------------------------------- invalidation
def test_an_import_invalidates_the_cache(helpdesk, tmp_path):
    c = client(helpdesk)
    assert c.get("/api/info").json()["events"] == 2000
    before = c.get("/api/map").json()
    old = files(helpdesk)
    assert old
    with Workspace.open(helpdesk, read_only=False) as ws:
        ws.import_events(tmp_path / "b.csv")
    restarted = client(helpdesk)
    assert restarted.get("/api/info").json()["events"] == 4000
    after = restarted.get("/api/map").json()
    assert sum(n["frequency"] for n in after["nodes"] if "frequency" in n) > sum(
        n["frequency"] for n in before["nodes"] if "frequency" in n
    )
    assert data_of(restarted).hits["computed"] > 0
    # The results of the old state were removed when the first new one was written.
    assert not any(p.exists() for p in old)


def test_a_changed_journey_definition_invalidates_the_cache(web_workspace, tmp_path):
    from dataclasses import replace

    ws_path = tmp_path / "copy"
    shutil.copytree(web_workspace, ws_path, ignore=shutil.ignore_patterns(CACHE_DIR))
    with Workspace.open(ws_path, read_only=False) as ws:
        for name in ("home_move", "repair"):  # one journey keeps the test quick
            ws.delete_journey(name)
    c = client(ws_path)
    (row,) = c.get("/api/journeys").json()["journeys"]
    assert row["owner"] != "Grace Hopper"
    with Workspace.open(ws_path, read_only=False) as ws:
        ws.save_journey(replace(ws.journey("new_connection").definition, owner="Grace Hopper"))
    (row,) = client(ws_path).get("/api/journeys").json()["journeys"]
    assert row["owner"] == "Grace Hopper"
    (row,) = c.get("/api/journeys").json()["journeys"]  # the running app follows too
    assert row["owner"] == "Grace Hopper"


def test_a_new_code_version_gets_its_own_results(helpdesk, monkeypatch):
    from journeylens import __version__

    assert code_stamp().startswith(__version__ + "-")
    store = ResultStore(helpdesk)
    state = WorkspaceData(helpdesk).state()
    assert store.put(state, ("k", 1), {"v": 1})
    assert store.get(state, ("k", 1)) == {"v": 1}
    monkeypatch.setattr("journeylens.web.cache.code_stamp", lambda: "9.9.9-other")
    assert store.get(state, ("k", 1)) is MISSING


# ---------------------------------------------------------------------- broken files
def test_a_corrupt_or_truncated_cache_file_is_ignored_and_recomputed(helpdesk, caplog):
    c = client(helpdesk)
    expected = c.get("/api/info").json()
    stored = files(helpdesk)
    assert stored
    for i, p in enumerate(stored):
        text = p.read_text(encoding="utf-8")
        p.write_text(text[: len(text) // 2] if i % 2 else "{not json", encoding="utf-8")
    restarted = client(helpdesk)
    assert restarted.get("/api/info").json() == expected
    assert data_of(restarted).hits["computed"] > 0 and data_of(restarted).hits["disk"] == 0
    assert "ignoring the unreadable cache file" in caplog.text
    for p in files(helpdesk):  # rewritten whole
        assert json.loads(p.read_text(encoding="utf-8"))["format"] == 1


def test_a_file_of_another_key_or_state_is_never_served(helpdesk, tmp_path):
    store = ResultStore(helpdesk)
    state = WorkspaceData(helpdesk).state()
    store.put(state, "a", {"answer": "a"})
    store.put(state, "b", {"answer": "b"})
    path_a, _ = store._file(state, "a")
    path_b, _ = store._file(state, "b")
    path_a.write_bytes(path_b.read_bytes())  # b's result under a's name
    assert store.get(state, "a") is MISSING and not path_a.exists()
    assert store.get(state, "b") == {"answer": "b"}
    # A result moved into the folder of another workspace state is refused too.
    other = store.root / store.stamp("another-state")
    other.mkdir()
    shutil.copy(path_b, other / path_b.name)
    assert store.get("another-state", "b") is MISSING


def test_a_cache_copied_from_another_workspace_is_not_used(helpdesk, web_workspace, visited):
    shutil.copytree(web_workspace / CACHE_DIR, helpdesk / CACHE_DIR)
    c = client(helpdesk)
    info = c.get("/api/info").json()
    assert info["events"] == 2000 and info["journeys"] == []
    assert data_of(c).hits["disk"] == 0


def test_a_read_only_folder_keeps_results_in_memory(helpdesk):
    (helpdesk / CACHE_DIR).write_text("not a folder")  # every write into it fails
    c = client(helpdesk)
    assert c.get("/api/info").json()["events"] == 2000
    assert c.get("/api/info").status_code == 200
    assert data_of(c).store.writable is False and data_of(c).hits["memory"] >= 1


# ---------------------------------------------------------------------- encoding
def test_values_round_trip_through_the_safe_encoding():
    frame = pd.DataFrame({
        "source": ["A", "B"], "n": np.array([3, 4], dtype="int64"), "share": [0.5, np.nan],
        "when": pd.to_datetime(["2024-01-01", None]), "ok": [True, False],
        "steps": [["A", "B"], ["C"]],
    }, index=pd.Index([10, 11], name="row"))  # fmt: skip
    value = {"frame": frame, "key": ("x", 1), "nan": float("nan"), "np": np.float64(2.5),
             "__odd": 1, 3: "int key", "series": pd.Series([1.0, 2.0], name="s")}  # fmt: skip
    back = decode(json.loads(json.dumps(encode(value))))
    pd.testing.assert_frame_equal(back["frame"], frame)
    pd.testing.assert_series_equal(back["series"], value["series"])
    assert back["key"] == ("x", 1) and back["np"] == 2.5 and back[3] == "int key"
    assert back["__odd"] == 1 and np.isnan(back["nan"])


def test_only_allowlisted_classes_are_stored_or_rebuilt():
    with pytest.raises(TypeError, match="does not store"):
        encode({"lock": threading.Lock()})
    with pytest.raises(ValueError, match="unknown class"):
        decode({"__object__": "Popen", "fields": {"args": ["rm", "-rf", "/"]}})
    assert key_text(("map-svg", Query(segment="x"), MapOptions(activities=40))) == key_text(
        ("map-svg", Query(segment="x"), MapOptions(activities=40))
    )
    assert key_text(("dfg", Query(), None)) != key_text(("dfg", Query(segment="x"), None))


# ---------------------------------------------------------------------- CLI
def test_cache_warm_info_and_clear(helpdesk):
    r = runner.invoke(cli, ["cache", "warm", "-w", str(helpdesk), "--json"])
    assert r.exit_code == 0, r.output
    warmed = json.loads(r.stdout)
    assert warmed["entries"] > 10 and warmed["computed"] > 10 and warmed["failed"] == 0
    again = json.loads(runner.invoke(cli, ["cache", "warm", "-w", str(helpdesk), "--json"]).stdout)
    assert again["computed"] == 0 and again["entries"] == warmed["entries"]  # read back only
    info = json.loads(runner.invoke(cli, ["cache", "info", "-w", str(helpdesk), "--json"]).stdout)
    assert info["entries"] == warmed["entries"] and info["stale_entries"] == 0
    assert info["filled"]["seconds"] > 0  # a complete warm-up: serve does not warm again
    text = runner.invoke(cli, ["cache", "info", "-w", str(helpdesk)]).stdout
    assert f"{warmed['entries']} current results" in text
    r = runner.invoke(cli, ["cache", "clear", "-w", str(helpdesk)])
    assert r.exit_code == 0 and f"removed {warmed['entries']}" in r.stderr
    assert not (helpdesk / CACHE_DIR).exists()


def test_cache_commands_refuse_a_folder_that_is_no_workspace(tmp_path):
    r = runner.invoke(cli, ["cache", "clear", "-w", str(tmp_path)])
    assert r.exit_code == 1 and "not a journeylens workspace" in str(r.exception)


def test_serve_warms_in_the_background_unless_told_not_to(helpdesk, monkeypatch):
    seen = {}
    monkeypatch.setattr("journeylens.cli.web.serve_workspace",
                        lambda workspace, **kw: seen.update(kw))  # fmt: skip
    assert runner.invoke(cli, ["serve", "-w", str(helpdesk), "--no-warm"]).exit_code == 0
    assert seen["warm_up"] is False
    assert runner.invoke(cli, ["serve", "-w", str(helpdesk)]).exit_code == 0
    assert seen["warm_up"] is True
    # Without the warm-up no thread computes; with it the results land on disk.
    with TestClient(create_app(helpdesk, token=TOKEN, warm_up=False)):
        assert "journeylens-warm" not in {t.name for t in threading.enumerate()}
    assert not (helpdesk / CACHE_DIR).exists()
    with TestClient(create_app(helpdesk, token=TOKEN)):
        for _ in range(600):
            if len(files(helpdesk)) > 10:
                break
            threading.Event().wait(0.1)
    assert len(files(helpdesk)) > 10


def test_demo_fills_the_cache_before_serving_unless_told_not_to(tmp_path, monkeypatch):
    calls = []

    def fake_warm(workspace, **kw):
        calls.append(workspace)
        return 12.5, 40, 0

    monkeypatch.setattr("journeylens.cli.web.warm_workspace", fake_warm)
    target = tmp_path / "demo"
    r = runner.invoke(cli, ["demo", "-w", str(target), "--scale", "150", "--no-serve"])
    assert r.exit_code == 0, r.output
    assert calls == [target] and "web pages precomputed (40 results) in 12 s" in r.stdout
    r = runner.invoke(
        cli, ["demo", "-w", str(target), "--scale", "150", "--no-serve", "--no-warm", "--force"]
    )
    assert r.exit_code == 0 and calls == [target] and "precomputed" not in r.stdout
