"""Server-side page times of the web app, and the README screenshots.

Pages are requested in-process (Starlette's TestClient: server-side rendering, no network):

* the demo workspace (``journeylens demo`` default scale, 20,000 journeys): the time to fill
  the persisted cache from empty (what ``journeylens demo`` and ``journeylens cache warm`` do),
  then every page's first request in a new app ("cold after restart": empty memory, cache
  filled, the start-up warm-up thread running as under ``journeylens serve``) and the median
  of 5 more ("warm");
* a 5M-event workspace (``bench/genlog.py``, Parquet import): the process map with an empty
  cache, the fill time, then after a restart the first request of many slider positions.

The load average of the machine is recorded with the figures.

Usage::

    .venv/bin/python bench/web.py                       # both parts -> bench/results/web.json
    .venv/bin/python bench/web.py --skip-5m             # demo only
    .venv/bin/python bench/web.py --screenshots docs/img --skip-5m   # also the README images
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
TOKEN = "bench-token-0123456789abcdef"


def _client(path: Path, *, lifespan: bool = False):
    """A signed-in client of a new app; ``lifespan`` also starts its warm-up thread."""
    from starlette.testclient import TestClient

    from journeylens.web import create_app

    app = create_app(path, token=TOKEN, allowed_hosts=["testserver"])
    c = TestClient(app, follow_redirects=False)
    if lifespan:
        c.__enter__()
    assert c.get("/?token=" + TOKEN).status_code == 303
    return app, c


def _fill(ws_path: Path) -> tuple[float, int]:
    """Empty the persisted cache, then fill it as `journeylens cache warm` does."""
    from journeylens.web.app import warm
    from journeylens.web.cache import ResultStore
    from journeylens.web.data import WorkspaceData

    ResultStore(ws_path).clear()
    t = time.perf_counter()
    failed = warm(WorkspaceData(ws_path))
    return time.perf_counter() - t, failed


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _time(c, url: str, repeat: int = 5) -> tuple[float, list[float]]:
    t = time.perf_counter()
    r = c.get(url)
    first = time.perf_counter() - t
    assert r.status_code == 200, (url, r.status_code, r.text[:300])
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        assert c.get(url).status_code == 200
        runs.append(time.perf_counter() - t)
    return first, runs


def demo_pages(folder: Path, scale: int) -> dict:
    from journeylens.generate.demo import build_demo
    from journeylens.workspace import Workspace

    ws_path = folder / f"web-demo-{scale}"
    if not (ws_path / "journeylens.yaml").is_file():
        t = time.perf_counter()
        build_demo(ws_path, scale=scale)
        print(f"built the demo workspace in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    with Workspace.open(ws_path) as ws:
        case = ws.con.execute("SELECT min(case_id) FROM cases").fetchone()[0]
        journeys = ws.journey_names()
        info = ws.info()
    pages = ["/", "/map", "/map/view", "/map/view?activities=30&paths=20",
             "/map/view?measure=performance&statistic=median", "/variants", "/cases",
             f"/cases/{case}", *[f"/journeys/{j}" for j in journeys], "/quality", "/drivers",
             "/api/map", "/api/journeys"]  # fmt: skip
    load_before = _load()
    fill, failed = _fill(ws_path)
    print(f"filled the persisted cache in {fill:.1f} s ({failed} failed)", file=sys.stderr)
    # Cold after restart: a new app (nothing in memory) over the filled persisted cache.
    app, c = _client(ws_path, lifespan=True)
    rows = []
    for p in pages:
        first, runs = _time(c, p)
        rows.append({"page": p, "cold_after_restart_s": round(first, 4),
                     "warm_median_s": round(statistics.median(runs), 4),
                     "warm_max_s": round(max(runs), 4)})  # fmt: skip
        print(f"{p:55s} cold after restart {first * 1000:7.1f} ms   "
              f"warm {statistics.median(runs) * 1000:6.1f} ms", file=sys.stderr)  # fmt: skip
    c.__exit__(None, None, None)
    return {"workspace": {"scale": scale, "events": info["events"], "cases": info["cases"]},
            "fill_s": round(fill, 2), "fill_failed": failed,
            "computed_after_restart": app.state.data.hits["computed"],
            "load_average": {"before": load_before, "after": _load()}, "pages": rows}  # fmt: skip


def big_map(folder: Path, events: int) -> dict:
    import genlog

    from journeylens.workspace import Workspace

    src = folder / f"service-{events}.parquet"
    if not src.is_file():
        genlog.generate(events, src, seed=1)
    ws_path = folder / f"web-{events}"
    if not (ws_path / "journeylens.yaml").is_file():
        with Workspace.create(ws_path) as ws:
            t = time.perf_counter()
            ws.import_events(src)
            print(f"imported {events:,} events in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    from journeylens.web.cache import ResultStore

    load_before = _load()
    ResultStore(ws_path).clear()
    _app, c = _client(ws_path)
    out: dict = {"events": events}
    t = time.perf_counter()
    assert c.get("/map/view").status_code == 200
    out["map_empty_cache_s"] = round(time.perf_counter() - t, 3)
    t = time.perf_counter()
    assert c.get("/map/view?activities=50").status_code == 200
    out["activities_slider_empty_cache_s"] = round(time.perf_counter() - t, 3)
    # Fill the rest (the full graph and the slider position above are stored already).
    from journeylens.web.app import warm
    from journeylens.web.data import WorkspaceData

    t = time.perf_counter()
    out["fill_failed"] = warm(WorkspaceData(ws_path))
    out["fill_s"] = round(time.perf_counter() - t, 2)
    # A restarted app: the first request of each slider position (paths 100 is drawn at the
    # fill; other path positions re-simplify and draw the stored graph).
    app2, c2 = _client(ws_path)
    times = {}
    for url in ("/map/view", "/map/view?activities=90", "/map/view?activities=40",
                "/map/view?activities=5", "/map/view?activities=70&paths=40",
                "/map/view?activities=20&paths=10", "/map/view?paths=25",
                "/map/view?measure=performance&statistic=median",
                "/map/view?measure=performance&statistic=p90&activities=60&paths=60", "/api/map"):  # fmt: skip
        t = time.perf_counter()
        assert c2.get(url).status_code == 200, url
        times[url] = round(time.perf_counter() - t, 4)
    out["after_restart_s"] = times
    out["after_restart_max_s"] = max(times.values())
    out["computed_after_restart"] = app2.state.data.hits["computed"]
    _f, runs = _time(c2, "/map/view")
    out["map_warm_s"] = round(statistics.median(runs), 4)
    out["load_average"] = {"before": load_before, "after": _load()}
    print(json.dumps(out), file=sys.stderr)
    return out


def screenshots(folder: Path, scale: int, out_dir: Path) -> list[str]:
    """Overview, process map and journey map of the demo, as a person sees them (1440×900)."""
    import socket

    import uvicorn
    from playwright.sync_api import sync_playwright

    from journeylens.web import create_app

    ws_path = folder / f"web-demo-{scale}"
    app = create_app(ws_path, token=TOKEN)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                        lifespan="off"))  # fmt: skip
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    while not srv.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    out_dir.mkdir(parents=True, exist_ok=True)
    shots = []
    args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run", "--disable-sync"]  # fmt: skip
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=args)
        page = b.new_page(viewport={"width": 1440, "height": 900})
        page.set_default_timeout(900_000)  # a cold app computes each page on first request
        page.goto(f"{base}/?token={TOKEN}")
        page.screenshot(path=str(out_dir / "web-overview.png"))
        shots.append("web-overview.png")
        page.goto(f"{base}/map?activities=45&paths=15")
        page.locator("#map g.node.activity").first.wait_for()
        page.locator("#map g.node.activity").nth(2).click()
        page.locator("#selection h2").wait_for()
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(out_dir / "web-map.png"))
        shots.append("web-map.png")
        page.goto(f"{base}/journeys/new_connection")
        page.locator("table.jmap").wait_for()
        page.get_by_role("heading", name="Journey map").scroll_into_view_if_needed()
        page.evaluate("window.scrollBy(0, -150)")
        page.screenshot(path=str(out_dir / "web-journey.png"), full_page=False)
        shots.append("web-journey.png")
        b.close()
    srv.should_exit = True
    thread.join(timeout=10)
    return shots


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=int, default=20_000, help="demo journeys (default 20,000)")
    ap.add_argument("--events", type=int, default=5_000_000, help="events of the big map")
    ap.add_argument("--skip-5m", action="store_true", help="demo pages only")
    ap.add_argument("--skip-demo", action="store_true", help="the big map only")
    ap.add_argument("--data-dir", type=Path, default=HERE / "data")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "web.json")
    ap.add_argument("--screenshots", type=Path, help="also write the README screenshots here")
    args = ap.parse_args(argv)
    args.data_dir.mkdir(parents=True, exist_ok=True)
    result: dict = {
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        },
    }
    previous = json.loads(args.out.read_text()) if args.out.is_file() else {}
    if args.skip_demo:  # keep the last demo figures
        result["demo"] = previous.get("demo")
    else:
        result["demo"] = demo_pages(args.data_dir, args.scale)
    if not args.skip_5m:
        result["big_map"] = big_map(args.data_dir, args.events)
    else:  # keep the last big-map figures
        result["big_map"] = previous.get("big_map")
    if args.screenshots:
        result["screenshots"] = screenshots(args.data_dir, args.scale, args.screenshots)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
