"""Server-side page times of the web app, and the README screenshots.

Pages are requested in-process (Starlette's TestClient: server-side rendering, no network):

* the demo workspace (``journeylens demo`` default scale, 20,000 journeys): every page, first
  request with an empty cache ("cold") and the median of 5 after the app's start-up warm-up
  ("warm", what a visitor sees);
* a 5M-event workspace (``bench/genlog.py``, Parquet import): the process map cold, warm, and
  after moving each slider.

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


def _client(path: Path):
    from starlette.testclient import TestClient

    from journeylens.web import create_app

    app = create_app(path, token=TOKEN, allowed_hosts=["testserver"])
    c = TestClient(app, follow_redirects=False)
    assert c.get("/?token=" + TOKEN).status_code == 303
    return app, c


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
    from journeylens.demo import build_demo
    from journeylens.web.app import warm
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
    # Cold: a fresh app, each page's first request computes what it shows.
    _app, cold_client = _client(ws_path)
    cold = {}
    for p in pages:
        t = time.perf_counter()
        assert cold_client.get(p).status_code == 200, p
        cold[p] = time.perf_counter() - t
    # Warm: a fresh app after its start-up warm-up (what `journeylens serve` does).
    app, c = _client(ws_path)
    t = time.perf_counter()
    warm(app.state.data)
    warm_up = time.perf_counter() - t
    rows = []
    for p in pages:
        _first, runs = _time(c, p)
        rows.append({"page": p, "cold_s": round(cold[p], 4),
                     "warm_median_s": round(statistics.median(runs), 4),
                     "warm_max_s": round(max(runs), 4)})  # fmt: skip
        print(f"{p:55s} cold {cold[p] * 1000:8.0f} ms   warm {statistics.median(runs) * 1000:6.1f} ms",
              file=sys.stderr)  # fmt: skip
    return {"workspace": {"scale": scale, "events": info["events"], "cases": info["cases"]},
            "warm_up_s": round(warm_up, 2), "pages": rows}  # fmt: skip


def big_map(folder: Path, events: int) -> dict:
    import genlog

    from journeylens.web.app import warm
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
    _app, c = _client(ws_path)
    out: dict = {"events": events}
    t = time.perf_counter()
    assert c.get("/map/view").status_code == 200
    out["map_cold_s"] = round(time.perf_counter() - t, 3)
    _f, runs = _time(c, "/map/view")
    out["map_warm_s"] = round(statistics.median(runs), 4)
    # Moving the path slider re-simplifies the cached graph.
    _f, runs = _time(c, "/map/view?paths=25", repeat=3)
    out["paths_slider_first_s"] = round(_f, 4)
    # The activity slider needs a projected graph per set of kept activities: first cold ...
    t = time.perf_counter()
    assert c.get("/map/view?activities=50").status_code == 200
    out["activities_slider_cold_s"] = round(time.perf_counter() - t, 3)
    # ... then after the start-up warm-up, which precomputes every slider position.
    app2, c2 = _client(ws_path)
    t = time.perf_counter()
    warm(app2.state.data)
    out["warm_up_s"] = round(time.perf_counter() - t, 2)
    worst = 0.0
    for pct in (90, 70, 40, 20, 5):
        t = time.perf_counter()
        assert c2.get(f"/map/view?activities={pct}&paths=40").status_code == 200
        worst = max(worst, time.perf_counter() - t)
    out["activities_slider_warm_max_s"] = round(worst, 4)
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
