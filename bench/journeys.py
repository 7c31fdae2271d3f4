"""Journey KPIs and the watermelon view on a generated workspace of ~1M and ~5M events.

Run by hand (minutes; a few hundred MB of disk under ``bench/data/``):

    .venv/bin/python bench/journeys.py --events 1M,5M

For each size: generates the broadband world (``journeylens.generate.generator``, Parquet) with
about that many events, imports it into a workspace with the world's journey definitions
(``journeylens/data/broadband_journeys.yaml``), then times, on a freshly opened workspace per
step: the instance table of ``new_connection``, KPIs of all three journeys, touchpoint KPIs
and the watermelon view of all three — once computed from the events (as filtered analyses
are) and once read from the results stored in the workspace (see
``journeylens/journeys/store.py``; a workspace built by an older version gets them stored
first, and that time is recorded).  Writes ``bench/results/journeys.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
EVENTS_PER_JOURNEY = 11.5  # what the generator writes on average (docs/demo.md)


def size(text: str) -> int:
    t = text.strip().lower()
    mult = {"k": 1_000, "m": 1_000_000}.get(t[-1], 1)
    return int(float(t.rstrip("km")) * mult)


def build(path: Path, events: int) -> dict:
    from journeylens.generate.demo import demo_journeys_path
    from journeylens.generate.generator import generate
    from journeylens.journeys import load_definitions, precompute
    from journeylens.journeys import store as _journey_store
    from journeylens.workspace import Workspace

    if (path / "journeylens.yaml").is_file():
        with Workspace.open(path, read_only=False) as ws:
            info = {"events": ws.info()["events"], "built_s": None}
            stale = any(
                _journey_store.read(ws.journey(n), "instances") is None for n in ws.journey_names()
            )
            if stale:  # a workspace built by an older journeylens: store the journeys now
                t0, c0 = time.perf_counter(), cpu_seconds()
                with ws._transaction():
                    per = precompute.build(ws)
                info["journeys_stored_s"] = round(time.perf_counter() - t0, 1)
                info["journeys_stored_cpu_s"] = round(cpu_seconds() - c0, 1)
                info["journeys_stored_per_journey_s"] = per
            return info
    t0 = time.perf_counter()
    world = generate(
        path.parent / (path.name + "-data"),
        scale=int(events / EVENTS_PER_JOURNEY),
        format="parquet",
    )
    with Workspace.create(path) as ws:
        ws.import_events(world.events)
        for d in load_definitions(demo_journeys_path()).values():
            ws.save_journey(d)  # stores the journey's results
        n = ws.info()["events"]
    return {"events": n, "built_s": round(time.perf_counter() - t0, 1)}


def cpu_seconds() -> float:
    """CPU time of this process, all threads (DuckDB's included)."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def timed(path: Path, step, *, stored: bool) -> tuple[float, float]:
    """Wall and CPU seconds of ``step`` on a freshly opened workspace.

    ``stored=False`` ignores the journey results kept in the workspace file: the analyses
    compute from the events, as filtered analyses always do.  On a shared machine the wall
    time moves with the load; the CPU time much less.
    """
    from journeylens.journeys import store as _journey_store
    from journeylens.workspace import Workspace

    read = _journey_store.read
    if not stored:
        _journey_store.read = lambda *_args: None
    try:
        with Workspace.open(path) as ws:
            t0, c0 = time.perf_counter(), cpu_seconds()
            step(ws)
            return round(time.perf_counter() - t0, 2), round(cpu_seconds() - c0, 2)
    finally:
        _journey_store.read = read


STEPS = {
    "instances new_connection": lambda ws: ws.journey("new_connection").instances(),
    "kpis, 3 journeys": lambda ws: [ws.journey(n).kpis() for n in ws.journey_names()],
    "touchpoints, 3 journeys": lambda ws: [ws.journey(n).touchpoints() for n in ws.journey_names()],
    "watermelon, 3 journeys": lambda ws: [ws.journey(n).watermelon() for n in ws.journey_names()],
    "kpis + watermelon, 3 journeys": lambda ws: [
        (j.kpis(), j.watermelon()) for j in (ws.journey(n) for n in ws.journey_names())
    ],
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", default="1M,5M", help="sizes, e.g. 1M,5M")
    ap.add_argument("--data-dir", type=Path, default=HERE / "data")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "journeys.json")
    ap.add_argument("--modes", default="computed,stored", help="computed, stored or both")
    args = ap.parse_args()
    results = []
    for n in [size(s) for s in args.events.split(",")]:
        path = args.data_dir / f"journeys-{n}"
        info = build(path, n)
        row: dict = {"target_events": n, **info}
        for mode in args.modes.split(","):
            out = row[mode] = {"seconds": {}, "cpu_seconds": {}, "load_before": {}}
            for name, step in STEPS.items():
                # Shared machines: the 1-minute load average says how much CPU the step had.
                out["load_before"][name] = round(os.getloadavg()[0], 1)
                wall, cpu = timed(path, step, stored=mode == "stored")
                out["seconds"][name], out["cpu_seconds"][name] = wall, cpu
                print(
                    f"{info['events']:>10,} events  {mode:<8} {name:<30} {wall:>7.2f} s"
                    f"  cpu {cpu:>7.2f} s  load {out['load_before'][name]}",
                    flush=True,
                )
        results.append(row)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "benchmark": "bench/journeys.py",
                "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
                "python": platform.python_version(),
                "peak_rss_mb": round(peak_mb),
                "results": results,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
