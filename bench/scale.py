"""Scale check: a DFG and the variants of a 100M-event log, straight from Parquet.

Run by hand (it takes minutes and ~1.3 GB of disk):

    .venv/bin/python bench/scale.py --events 100M

Generates ``bench/data/log<N>.parquet`` with ``bench/genlog.py`` if it is missing, then, in a
child process (so its peak memory is its own), reads the file with DuckDB through Ibis — no
workspace import — and times :func:`journeylens.discover_dfg` and :func:`journeylens.variants`.
Writes ``bench/results/scale-<N>.json``.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def measure(path: Path, threads: int | None) -> dict[str, object]:
    import duckdb
    import ibis

    import journeylens as jl

    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    if threads:
        con.execute(f"SET threads = {threads}")
    # The canonical order needs event_index: the row's position in the file.
    con.execute(
        "CREATE VIEW events AS SELECT * EXCLUDE (file_row_number), "
        "file_row_number AS event_index "
        f"FROM read_parquet('{path}', file_row_number = true)"
    )
    events = ibis.duckdb.from_connection(con).table("events")
    out: dict[str, object] = {"events": con.execute("SELECT count(*) FROM events").fetchone()[0]}
    t = time.perf_counter()
    dfg = jl.discover_dfg(events, quantiles="approx")
    out["dfg_s"] = round(time.perf_counter() - t, 1)
    out["dfg_edges"], out["dfg_arcs"], out["cases"] = len(dfg.edges), dfg.arcs, dfg.cases
    t = time.perf_counter()
    v = jl.variants(events, quantiles="approx")
    out["variants_s"] = round(time.perf_counter() - t, 1)
    out["variants"] = len(v)
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--events", default="100M")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(measure(Path(args.worker), args.threads)))
        return 0
    path = HERE / "data" / f"log{args.events.lower()}.parquet"
    if not path.exists():
        t = time.perf_counter()
        subprocess.run(
            [sys.executable, str(HERE / "genlog.py"), "--events", args.events, "--format",
             "parquet", "--out", str(path)],
            check=True,
        )  # fmt: skip
        print(f"generated {path} in {time.perf_counter() - t:.0f} s", flush=True)
    cmd = [sys.executable, __file__, "--events", args.events, "--worker", str(path)]
    if args.threads:
        cmd += ["--threads", str(args.threads)]
    t = time.perf_counter()
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["wall_s"] = round(time.perf_counter() - t, 1)
    result["machine"] = f"{platform.machine()}, {__import__('os').cpu_count()} CPUs"
    out = HERE / "results" / f"scale-{args.events.lower()}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
