"""Side-by-side benchmarks of journeylens and pm4py on generated service logs.

Run by hand (``make bench`` or ``python bench/run.py``), never as a test.  Every measured step
runs in its own subprocess, so that its peak memory is its own: the child imports its
libraries, prepares its inputs (untimed), resets the kernel's peak-RSS counter, runs the
measured code and reports wall time and peak RSS (``VmHWM``, which includes the libraries'
resident memory).  The parent also records each child's whole-life peak (``ru_maxrss``).

Groups (``--groups``):

``import``
    ``pandas.read_csv`` / ``read_parquet`` + ``pm4py.format_dataframe`` against
    ``Workspace.create`` + ``Workspace.import_events`` of the same CSV and Parquet file.
``dfg``
    CSV import + directly-follows graph: ``read_csv`` + ``format_dataframe`` +
    ``pm4py.discover_dfg`` against ``import_events`` + ``discover_dfg`` (and against the
    in-memory ``read_events`` + ``discover_dfg``).
``ops``
    With the data loaded (untimed): ``discover_dfg``, ``discover_performance_dfg``,
    ``get_variants`` and ``stats.get_all_case_durations`` against ``discover_dfg`` (which
    computes frequencies and timings in one call), ``variants`` and ``case_table``.
``xes``
    XES import (only for sizes in ``--xes-events``): ``pm4py.read_xes`` (its default, which
    uses rustxes when installed, and its pure-Python ``chunk_regex`` parser) and
    ``rustxes.import_xes`` alone against ``import_events`` of the XES file.
``floor``
    The physical floor (``bench/floor.py``): the bare parse, parse + store, parse + store +
    a minimal case table, and parse + DFG in memory, straight on pyarrow and DuckDB with none
    of journeylens's work, against pm4py's import and import + DFG: the best ratio any design
    on these engines could reach on this machine.

Results go to ``bench/results/<name>.json`` and ``<name>.md``; the table is also printed.
Each pair is cross-checked (same number of events, DFG arcs, variants, summed case duration).

Examples
--------
::

    python bench/run.py                                  # 1M events, all groups
    python bench/run.py --events 1M,5M --name ci-box      # two sizes
    python bench/run.py --events 5M --groups ops --repeat 3
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import floor  # bench/floor.py, beside this script

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
GROUPS = ("import", "dfg", "ops", "xes", "floor")
MB = 1024 * 1024

# ============================================================================================
# Child side: measuring one step
# ============================================================================================


def _status_kb(field_name: str) -> int | None:
    """Return a ``VmXXX`` field of ``/proc/self/status`` in KiB, or ``None`` off Linux."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field_name + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _cpu_seconds() -> float:
    """User + system CPU time of this process (all threads) so far."""
    import resource

    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


class Measure:
    """Wall time and peak RSS of a code section, in the current process.

    On Linux the kernel's high-water mark is reset at the start (``/proc/self/clear_refs``) and
    read at the end, which catches short spikes exactly; elsewhere a thread polls the RSS with
    psutil every 5 ms.
    """

    def __init__(self) -> None:
        self.seconds = float("nan")
        self.cpu_seconds = float("nan")
        self.peak_mb = float("nan")
        self.base_mb = float("nan")
        self.method = ""
        self._stop = threading.Event()
        self._poll_peak = 0

    def _poll(self) -> None:
        import psutil

        proc = psutil.Process()
        while not self._stop.is_set():
            self._poll_peak = max(self._poll_peak, proc.memory_info().rss)
            self._stop.wait(0.005)

    def __enter__(self) -> Measure:
        import gc

        gc.collect()
        rss = _status_kb("VmRSS")
        self.base_mb = rss / 1024 if rss is not None else float("nan")
        try:
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")
            self.method = "VmHWM"
        except OSError:
            self.method = "psutil-poll"
            self._thread = threading.Thread(target=self._poll, daemon=True)
            self._thread.start()
        self._cpu0 = _cpu_seconds()
        self._t0 = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self._t0
        self.cpu_seconds = _cpu_seconds() - self._cpu0
        if self.method == "VmHWM":
            self.peak_mb = (_status_kb("VmHWM") or 0) / 1024
        else:
            self._stop.set()
            self._thread.join()
            self.peak_mb = self._poll_peak / MB


#: Registered steps: name -> function(params, measure) -> checks.
STEPS: dict[str, Callable[[dict[str, Any], Measure], dict[str, Any]]] = {}


def step(name: str):
    """Register a benchmark step under ``name``."""

    def deco(fn):
        STEPS[name] = fn
        return fn

    return deco


# --- pm4py side -----------------------------------------------------------------------------
# pm4py (AGPL) is only ever imported here, in a benchmark child process; never by journeylens.

PM4PY_KEYS = {"case_id": "case_id", "activity_key": "activity", "timestamp_key": "timestamp"}


def _pm4py():
    import warnings

    warnings.filterwarnings("ignore")
    import pandas
    import pm4py

    return pandas, pm4py


def _pm4py_load(pd, pm4py, path: str) -> Any:
    """Read a CSV or Parquet export and format it as pm4py expects."""
    df = pd.read_parquet(path) if path.endswith(".parquet") else pd.read_csv(path)
    return pm4py.format_dataframe(df, **PM4PY_KEYS)


def _pm4py_dfg_checks(dfg: dict) -> dict[str, Any]:
    return {"dfg_edges": len(dfg), "dfg_arcs": int(sum(dfg.values()))}


@step("pm4py.import")
def _(p: dict[str, Any], m: Measure) -> dict[str, Any]:
    pd, pm4py = _pm4py()
    with m:
        df = _pm4py_load(pd, pm4py, p["path"])
    return {"events": len(df), "cases": int(df["case:concept:name"].nunique())}


@step("pm4py.import_dfg")
def _(p: dict[str, Any], m: Measure) -> dict[str, Any]:
    pd, pm4py = _pm4py()
    with m:
        df = _pm4py_load(pd, pm4py, p["path"])
        dfg, _start, _end = pm4py.discover_dfg(df)
    return {"events": len(df), **_pm4py_dfg_checks(dfg)}


@step("pm4py.dfg")
def _(p: dict[str, Any], m: Measure) -> dict[str, Any]:
    pd, pm4py = _pm4py()
    df = _pm4py_load(pd, pm4py, p["path"])
    with m:
        dfg, _start, _end = pm4py.discover_dfg(df)
    return _pm4py_dfg_checks(dfg)


@step("pm4py.performance_dfg")
def _(p: dict[str, Any], m: Measure) -> dict[str, Any]:
    pd, pm4py = _pm4py()
    df = _pm4py_load(pd, pm4py, p["path"])
    with m:
        perf, _start, _end = pm4py.discover_performance_dfg(df)
    return {"dfg_edges": len(perf)}


@step("pm4py.variants")
def _(p: dict[str, Any], m: Measure) -> dict[str, Any]:
    pd, pm4py = _pm4py()
    df = _pm4py_load(pd, pm4py, p["path"])
    with m:
        variants = pm4py.get_variants(df)
    return {"variants": len(variants), "cases": int(sum(variants.values()))}


@step("pm4py.case_durations")
def _(p: dict[str, Any], m: Measure) -> dict[str, Any]:
    pd, pm4py = _pm4py()
    df = _pm4py_load(pd, pm4py, p["path"])
    with m:
        durations = pm4py.stats.get_all_case_durations(df)
    return {"cases": len(durations), "duration_sum_s": round(float(sum(durations)))}


@step("pm4py.read_xes")
def _(p: dict[str, Any], m: Measure) -> dict[str, Any]:
    _pd, pm4py = _pm4py()
    kwargs = {"variant": p["variant"]} if p.get("variant") else {}
    with m:
        df = pm4py.read_xes(p["path"], **kwargs)
    return {"events": len(df), "cases": int(df["case:concept:name"].nunique())}


@step("rustxes.import_xes")
def _(p: dict[str, Any], m: Measure) -> dict[str, Any]:
    import rustxes

    with m:
        df, _meta = rustxes.import_xes(p["path"])
    return {"events": df.height, "cases": df["case:concept:name"].n_unique()}


# --- journeylens side -----------------------------------------------------------------------
# The API as of this writing: Workspace.create / open, Workspace.import_events, ws.events (an
# Ibis table), read_events, discover_dfg, variants, case_table.  Keep these functions small so
# that an API change is a one-line fix here.


def _jl_import(path: str, ws_dir: str):
    """Create a fresh workspace and import ``path`` (columns auto-detected)."""
    from journeylens.workspace import Workspace

    ws = Workspace.create(ws_dir)
    report = ws.import_events(path)
    return ws, report


def _jl_open(ws_dir: str):
    from journeylens.workspace import Workspace

    return Workspace.open(ws_dir, read_only=True)


def _jl_dfg(events) -> Any:
    from journeylens.mining.dfg import discover_dfg

    return discover_dfg(events)


def _jl_dfg_checks(dfg) -> dict[str, Any]:
    return {"dfg_edges": len(dfg.edges), "dfg_arcs": int(dfg.arcs)}


def _jl_report_checks(report) -> dict[str, Any]:
    mapping = {k: v for k, v in (getattr(report, "mapping", None) or {}).items() if v}
    return {
        "events": int(report.loaded),
        "cases": int(report.cases),
        "rejected": int(report.rejected),
        "mapping": mapping,
    }


def _jl_preload() -> None:
    """Import journeylens and its engine before measuring (pm4py's import is untimed too)."""
    import journeylens.mining.dfg
    import journeylens.mining.variants
    import journeylens.workspace  # noqa: F401


@step("journeylens.import")
def _(p: dict[str, Any], m: Measure) -> dict[str, Any]:
    _jl_preload()
    with m:
        ws, report = _jl_import(p["path"], p["workspace"])
    ws.close()
    return _jl_report_checks(report)


@step("journeylens.import_dfg")
def _(p: dict[str, Any], m: Measure) -> dict[str, Any]:
    _jl_preload()
    with m:
        ws, report = _jl_import(p["path"], p["workspace"])
        dfg = _jl_dfg(ws.events)
    ws.close()
    return {"events": int(report.loaded), **_jl_dfg_checks(dfg)}


@step("journeylens.read_events_dfg")
def _(p: dict[str, Any], m: Measure) -> dict[str, Any]:
    _jl_preload()
    from journeylens.store.eventlog import read_events

    with m:
        log = read_events(p["path"])
        dfg = _jl_dfg(log.table)
    return {"events": int(log.report.loaded), **_jl_dfg_checks(dfg)}


@step("journeylens.mining.dfg")
def _(p: dict[str, Any], m: Measure) -> dict[str, Any]:
    _jl_preload()
    ws = _jl_open(p["workspace"])
    with m:
        dfg = _jl_dfg(ws.events)
    return {**_jl_dfg_checks(dfg), "cases": int(dfg.cases)}


@step("journeylens.mining.variants")
def _(p: dict[str, Any], m: Measure) -> dict[str, Any]:
    _jl_preload()
    from journeylens.mining.variants import variants

    ws = _jl_open(p["workspace"])
    with m:
        frame = variants(ws.events)
    return {"variants": len(frame), "cases": int(frame["count"].sum())}


@step("journeylens.case_table")
def _(p: dict[str, Any], m: Measure) -> dict[str, Any]:
    _jl_preload()
    from journeylens.mining.cases import case_table

    ws = _jl_open(p["workspace"])
    with m:
        cases = case_table(ws.events).to_pyarrow()
    import pyarrow.compute as pc

    total = pc.sum(cases["duration_s"]).as_py() or 0.0
    return {"cases": cases.num_rows, "duration_sum_s": round(float(total))}


STEPS.update(floor.STEPS)


def _worker(name: str, params: dict[str, Any], out: str) -> int:
    """Run one step and write its measurement as JSON to ``out``."""
    m = Measure()
    checks = STEPS[name](params, m)
    result = {
        "seconds": m.seconds,
        "cpu_seconds": round(m.cpu_seconds, 3),
        "peak_rss_mb": round(m.peak_mb, 1),
        "base_rss_mb": round(m.base_mb, 1),
        "rss_method": m.method,
        "checks": checks,
    }
    Path(out).write_text(json.dumps(result, default=str))
    return 0


# ============================================================================================
# Parent side: planning, running, reporting
# ============================================================================================


@dataclass
class Task:
    """One row of the table: a reference tool's step against a journeylens step.

    Attributes
    ----------
    group, label
        Group (``--groups``) and what the row measures.
    ref, ref_tool
        Step id of the reference side and its tool name (pm4py, rustxes).
    jl
        Step id of the journeylens side.
    compare
        Check keys that must agree between the two sides.
    """

    group: str
    label: str
    ref: str | None
    ref_tool: str
    jl: str | None
    compare: tuple[str, ...] = ()


@dataclass
class Run:
    """A step to run: the registered step name and its parameters."""

    id: str
    step: str
    params: dict[str, Any]
    before: Callable[[], None] | None = None
    results: list[dict[str, Any]] = field(default_factory=list)


def human(n: int) -> str:
    """``1000000`` -> ``1m``, ``250000`` -> ``250k`` (file names and labels)."""
    for unit, div in (("g", 10**9), ("m", 10**6), ("k", 10**3)):
        if n % div == 0:
            return f"{n // div}{unit}"
    return str(n)


def parse_count(text: str) -> int:
    """Parse ``1000000``, ``1_000_000``, ``1e6``, ``5M`` or ``100k``."""
    t = text.strip().lower().replace("_", "")
    mult = {"k": 10**3, "m": 10**6, "g": 10**9}.get(t[-1:], 1)
    return int(float(t[:-1] if mult != 1 else t) * mult)


def plan_size(n: int, groups: set[str], args: argparse.Namespace) -> tuple[list[Task], list[Run]]:
    """Return the table rows and the steps to run for one log size."""
    d = args.data_dir
    csv, parquet, xes = (str(d / f"log{human(n)}.{ext}") for ext in ("csv", "parquet", "xes"))
    ws_root = d / "workspaces"
    ws_ops = str(ws_root / f"ws{human(n)}")
    tasks: list[Task] = []
    runs: dict[str, Run] = {}

    def add(run_id: str, step_name: str, fresh_ws: str | None = None, **params: Any) -> str:
        if run_id not in runs:
            before = None
            if fresh_ws:
                params["workspace"] = fresh_ws

                def before(path: str = fresh_ws) -> None:
                    shutil.rmtree(path, ignore_errors=True)

            runs[run_id] = Run(run_id, step_name, params, before)
        return run_id

    scratch = str(ws_root / "scratch")
    if "import" in groups or "ops" in groups:
        # The Parquet import builds the workspace the ops group reads.
        jl_pq = add("jl.import.parquet", "journeylens.import", fresh_ws=ws_ops, path=parquet)
    if "import" in groups:
        tasks.append(
            Task(
                "import",
                "import CSV",
                add("pm4py.import.csv", "pm4py.import", path=csv),
                "pm4py",
                add("jl.import.csv", "journeylens.import", fresh_ws=scratch, path=csv),
                ("events", "cases"),
            )
        )
        tasks.append(
            Task(
                "import",
                "import Parquet",
                add("pm4py.import.parquet", "pm4py.import", path=parquet),
                "pm4py",
                jl_pq,
                ("events", "cases"),
            )
        )
    if "dfg" in groups:
        ref = add("pm4py.import_dfg.csv", "pm4py.import_dfg", path=csv)
        tasks.append(
            Task(
                "dfg",
                "CSV import + DFG",
                ref,
                "pm4py",
                add("jl.import_dfg.csv", "journeylens.import_dfg", fresh_ws=scratch, path=csv),
                ("events", "dfg_edges", "dfg_arcs"),
            )
        )
        tasks.append(
            Task(
                "dfg",
                "CSV read_events (in memory) + DFG",
                ref,
                "pm4py",
                add("jl.read_events_dfg.csv", "journeylens.read_events_dfg", path=csv),
                ("events", "dfg_edges", "dfg_arcs"),
            )
        )
    if "ops" in groups:
        jl_dfg = add("jl.dfg", "journeylens.mining.dfg", workspace=ws_ops)
        for label, ref_step, jl_id, compare in (
            ("DFG (loaded)", "pm4py.dfg", jl_dfg, ("dfg_edges", "dfg_arcs")),
            ("performance DFG (loaded)", "pm4py.performance_dfg", jl_dfg, ("dfg_edges",)),
            (
                "variants (loaded)",
                "pm4py.variants",
                add("jl.variants", "journeylens.mining.variants", workspace=ws_ops),
                ("variants", "cases"),
            ),
            (
                "case durations (loaded)",
                "pm4py.case_durations",
                add("jl.case_table", "journeylens.case_table", workspace=ws_ops),
                ("cases", "duration_sum_s"),
            ),
        ):
            ref = add(f"{ref_step}.parquet", ref_step, path=parquet)
            tasks.append(Task("ops", label, ref, "pm4py", jl_id, compare))
    if "xes" in groups and n in args.xes_events:
        jl_x = add("jl.import.xes", "journeylens.import", fresh_ws=scratch, path=xes)
        tasks.append(
            Task(
                "xes",
                "XES import (pm4py.read_xes default)",
                add("pm4py.read_xes", "pm4py.read_xes", path=xes),
                "pm4py",
                jl_x,
                ("events", "cases"),
            )
        )
        if not args.no_pm4py_python_xes:
            tasks.append(
                Task(
                    "xes",
                    "XES import (pm4py chunk_regex parser)",
                    add(
                        "pm4py.read_xes.chunk_regex",
                        "pm4py.read_xes",
                        path=xes,
                        variant="chunk_regex",
                    ),
                    "pm4py",
                    jl_x,
                    ("events", "cases"),
                )
            )
        tasks.append(
            Task(
                "xes",
                "XES parse only (rustxes.import_xes)",
                add("rustxes.xes", "rustxes.import_xes", path=xes),
                "rustxes",
                jl_x,
                ("events", "cases"),
            )
        )
    if "floor" in groups:
        for label, ref_step, floor_step, compare in (
            ("floor: Arrow parse only", "pm4py.import", "floor.parse", ("events",)),
            ("floor: parse + store in DuckDB", "pm4py.import", "floor.store", ("events",)),
            (
                "floor: parse + store + minimal case table",
                "pm4py.import",
                "floor.store_cases",
                ("events", "cases"),
            ),
            (
                "floor: parse + DFG in memory",
                "pm4py.import_dfg",
                "floor.dfg",
                ("events", "dfg_edges", "dfg_arcs"),
            ),
        ):
            ref = add(f"{ref_step}.csv", ref_step, path=csv)
            params = {"path": csv, "workspace": scratch} if "store" in floor_step else {"path": csv}
            tasks.append(
                Task("floor", label, ref, "pm4py", add(floor_step, floor_step, **params), compare)
            )
    skipped = ("pm4py.",) * args.skip_pm4py + ("journeylens.", "floor.") * args.skip_journeylens
    ordered = [r for r in runs.values() if not r.step.startswith(skipped or ("\0",))]
    kept = {r.id for r in ordered}
    for t in tasks:
        t.ref = t.ref if t.ref in kept else None
        t.jl = t.jl if t.jl in kept else None
    return tasks, ordered


# --- data --------------------------------------------------------------------------------


def _genlog_digest() -> str:
    return hashlib.sha256((HERE / "genlog.py").read_bytes()).hexdigest()[:12]


def ensure_data(n: int, fmt: str, args: argparse.Namespace) -> dict[str, Any] | None:
    """Generate ``log<n>.<fmt>`` unless an identical one exists; return timing if generated."""
    out = args.data_dir / f"log{human(n)}.{fmt}"
    meta_path = out.with_name(out.name + ".meta.json")
    meta = {"events": n, "seed": args.seed, "format": fmt, "genlog": _genlog_digest()}
    if out.exists() and meta_path.exists():
        with contextlib.suppress(ValueError):
            if json.loads(meta_path.read_text()) == meta:
                return None
    cmd = [sys.executable, str(HERE / "genlog.py"), "--events", str(n), "--seed", str(args.seed)]
    cmd += ["--format", fmt, "--out", str(out)]
    print(f"  generating {out.name} ...", flush=True)
    res = run_child(cmd, timeout=args.timeout)
    if res["returncode"] != 0:
        raise SystemExit(f"genlog failed:\n{res['stderr_tail']}")
    meta_path.write_text(json.dumps(meta))
    size_mb = out.stat().st_size / 1e6
    return {
        "file": out.name,
        "events": n,
        "format": fmt,
        "seconds": round(res["wall_s"], 2),
        "events_per_s": round(n / res["wall_s"]),
        "size_mb": round(size_mb, 1),
        "peak_rss_mb": round(res["maxrss_mb"], 1),
    }


# --- running children ----------------------------------------------------------------------


def run_child(cmd: list[str], timeout: float) -> dict[str, Any]:
    """Run ``cmd``; return its exit code, wall time, ``ru_maxrss`` and the tail of stderr."""
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, cwd=ROOT)
        status = rusage = None
        timed_out = False
        while True:
            pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - t0 > timeout:
                proc.kill()
                timed_out = True
                _pid, status, rusage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.05)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - t0
        err.seek(0)
        tail = err.read()[-3000:].decode(errors="replace")
    return {
        "returncode": proc.returncode,
        "timed_out": timed_out,
        "wall_s": wall,
        "maxrss_mb": rusage.ru_maxrss / 1024,  # KiB on Linux
        "stderr_tail": tail,
    }


def wait_for_quiet(max_load: float | None, limit_s: float = 300) -> float:
    """Wait (at most ``limit_s``) until the 1-minute load average is at most ``max_load``.

    Returns the load average when the step starts; other work on the machine slows the
    measured step, so it is recorded with every measurement.
    """
    t0 = time.monotonic()
    while max_load is not None and os.getloadavg()[0] > max_load:
        if time.monotonic() - t0 > limit_s:
            print(f"(load still {os.getloadavg()[0]:.1f})", end=" ", flush=True)
            break
        time.sleep(5)
    return round(os.getloadavg()[0], 2)


def run_step(run: Run, python: str, timeout: float) -> dict[str, Any]:
    """Run one step in a fresh subprocess and return its measurement."""
    if run.before:
        run.before()
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        out = f.name
    try:
        cmd = [python, str(Path(__file__).resolve()), "--worker", run.step]
        cmd += ["--params", json.dumps(run.params), "--result", out]
        res = run_child(cmd, timeout)
        if res["returncode"] != 0 or not os.path.getsize(out):
            why = "timeout" if res["timed_out"] else f"exit {res['returncode']}"
            return {"error": why, "stderr_tail": res["stderr_tail"][-1500:]}
        data = json.loads(Path(out).read_text())
    finally:
        os.unlink(out)
    data["process_peak_rss_mb"] = round(res["maxrss_mb"], 1)
    data["process_wall_s"] = round(res["wall_s"], 2)
    return data


def summarise(results: list[dict[str, Any]]) -> dict[str, Any]:
    """Median seconds and largest peak over repeats (first result's checks)."""
    ok = [r for r in results if "error" not in r]
    if not ok:
        return results[-1]
    out = dict(ok[0])
    out["seconds"] = round(statistics.median(r["seconds"] for r in ok), 3)
    out["all_seconds"] = [round(r["seconds"], 3) for r in ok]
    out["cpu_seconds"] = round(statistics.median(r["cpu_seconds"] for r in ok), 3)
    out["peak_rss_mb"] = max(r["peak_rss_mb"] for r in ok)
    out["load_before"] = max(r["load_before"] for r in ok)
    out["process_peak_rss_mb"] = max(r["process_peak_rss_mb"] for r in ok)
    return out


# --- reporting --------------------------------------------------------------------------


def _fmt_s(m: dict[str, Any] | None) -> str:
    if m is None:
        return "–"
    if "error" in m:
        return m["error"]
    return f"{m['seconds']:.2f}"


def _fmt_mb(m: dict[str, Any] | None) -> str:
    if m is None or "error" in m:
        return "–"
    return f"{m['peak_rss_mb']:,.0f}"


def check_pair(task: Task, ref: dict[str, Any] | None, jl: dict[str, Any] | None) -> str:
    """``ok`` when the compared checks agree, else the keys that differ."""
    if not ref or not jl or "error" in ref or "error" in jl:
        return ""
    diff = [
        k
        for k in task.compare
        if k in ref["checks"] and k in jl["checks"] and ref["checks"][k] != jl["checks"][k]
    ]
    return "ok" if not diff else "DIFF " + ",".join(diff)


def table_rows(report: dict[str, Any]) -> list[list[str]]:
    """Rows of the results table (one per size and task)."""
    rows = []
    for size in report["sizes"]:
        n = size["events"]
        meas = size["measurements"]
        for t in size["tasks"]:
            ref = meas.get(t["ref"]) if t["ref"] else None
            jl = meas.get(t["jl"]) if t["jl"] else None
            ratio = ""
            if ref and jl and "error" not in ref and "error" not in jl and jl["seconds"] > 0:
                ratio = f"{ref['seconds'] / jl['seconds']:.2f}×"
            rows.append(
                [
                    human(n).upper(),
                    t["label"],
                    t["ref_tool"],
                    _fmt_s(ref),
                    _fmt_s(jl),
                    ratio,
                    _fmt_mb(ref),
                    _fmt_mb(jl),
                    t.get("check", ""),
                ]
            )
    return rows


HEADER = [
    "events",
    "task",
    "reference",
    "ref s",
    "journeylens s",
    "ref/jl",
    "ref peak MB",
    "jl peak MB",
    "check",
]


def markdown(report: dict[str, Any]) -> str:
    """The report as a markdown document (tables of results and generator throughput)."""
    m = report["machine"]
    lines = [
        f"# Benchmark {report['name']}",
        "",
        f"{report['started']}; {m['cpus']} CPUs ({m['cpu']}), {m['ram_gb']} GB RAM; "
        f"Python {m['python']}; "
        + ", ".join(f"{k} {v}" for k, v in report["versions"].items())
        + f"; total {report['total_s'] / 60:.1f} min.",
        "",
        "journeylens source: "
        + ", ".join(f"{k} {v}" for k, v in report.get("source", {}).items())
        + ".",
        "",
        "| " + " | ".join(HEADER) + " |",
        "|" + "|".join("---" if i < 3 else "--:" for i in range(len(HEADER) - 1)) + "|---|",
    ]
    lines += ["| " + " | ".join(r) + " |" for r in table_rows(report)]
    loads = [
        m["load_before"]
        for size in report["sizes"]
        for m in size["measurements"].values()
        if "load_before" in m
    ]
    lines += [
        "",
        "Seconds are wall time of the measured section (median of "
        f"{report.get('repeat', 1)} run(s)); peak MB is the process's peak RSS during it, "
        "libraries included; ratio > 1 means journeylens is faster.  "
        + (
            f"1-min load average before the steps: {min(loads):.1f}–{max(loads):.1f}.  "
            if loads
            else ""
        )
        + "Wall time per size: "
        + ", ".join(
            f"{human(s['events']).upper()} {s['seconds'] / 60:.1f} min" for s in report["sizes"]
        )
        + ".",
    ]
    gens = [g for s in report["sizes"] for g in s["generated"]]
    if gens:
        lines += [
            "",
            "Generator (`bench/genlog.py`):",
            "",
            "| file | events | seconds | M events/s | MB | peak RSS MB |",
            "|---|--:|--:|--:|--:|--:|",
        ]
        lines += [
            f"| {g['file']} | {g['events']:,} | {g['seconds']:.1f} | "
            f"{g['events_per_s'] / 1e6:.2f} | {g['size_mb']:,.0f} | {g['peak_rss_mb']:,.0f} |"
            for g in gens
        ]
    return "\n".join(lines) + "\n"


def print_table(report: dict[str, Any]) -> None:
    """Print the results table, aligned, to stdout."""
    rows = [HEADER, *table_rows(report)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(HEADER))]
    for j, r in enumerate(rows):
        print(
            "  ".join(
                c.ljust(w) if i < 3 else c.rjust(w)
                for i, (c, w) in enumerate(zip(r, widths, strict=True))
            )
        )
        if j == 0:
            print("  ".join("-" * w for w in widths))


def _versions(python: str) -> dict[str, str]:
    code = (
        "import importlib.metadata as m, json\n"
        "out = {}\n"
        "for p in ('journeylens', 'pm4py', 'pandas', 'duckdb', 'ibis-framework', 'polars',"
        " 'pyarrow', 'rustxes', 'numpy'):\n"
        "    try: out[p] = m.version(p)\n"
        "    except m.PackageNotFoundError: pass\n"
        "print(json.dumps(out))"
    )
    try:
        return json.loads(subprocess.check_output([python, "-c", code], text=True))
    except (subprocess.CalledProcessError, ValueError):
        return {}


def _source_state() -> dict[str, Any]:
    """Identify the code measured: git commit (if any), dirty flag, digest of journeylens/*.py."""
    h = hashlib.sha256()
    for f in sorted((ROOT / "journeylens").rglob("*.py")):
        h.update(f.relative_to(ROOT).as_posix().encode() + b"\0" + f.read_bytes())
    state: dict[str, Any] = {"journeylens_sources_sha256": h.hexdigest()[:16]}
    with contextlib.suppress(OSError, subprocess.CalledProcessError):
        git = ["git", "-C", str(ROOT)]
        state["git_commit"] = subprocess.check_output(
            [*git, "rev-parse", "--short", "HEAD"], text=True, stderr=subprocess.DEVNULL
        ).strip()
        status = subprocess.check_output([*git, "status", "--porcelain", "journeylens"], text=True)
        state["git_dirty"] = bool(status.strip())
    return state


def _machine() -> dict[str, Any]:
    cpu = platform.processor() or ""
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "ram_gb": round(ram, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; see the module docstring."""
    ap = argparse.ArgumentParser(
        description="journeylens vs pm4py benchmarks (each step in its own subprocess)",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    ap.add_argument("--events", default="1M", help="comma-separated log sizes, e.g. 1M,5M")
    ap.add_argument("--groups", default=",".join(GROUPS), help="subset of " + ",".join(GROUPS))
    ap.add_argument("--xes-events", default="1M", help="sizes at which the xes group runs")
    ap.add_argument("--repeat", type=int, default=1, help="runs per step (median is reported)")
    ap.add_argument("--seed", type=int, default=1, help="generator seed")
    ap.add_argument("--name", help="results name (default: run-YYYYmmdd-HHMMSS)")
    ap.add_argument("--data-dir", type=Path, default=HERE / "data", help="generated logs")
    ap.add_argument("--results-dir", type=Path, default=HERE / "results")
    ap.add_argument("--timeout", type=float, default=900, help="seconds allowed per step")
    ap.add_argument(
        "--max-load",
        type=float,
        help="before each step, wait until the 1-min load average is at most this",
    )
    ap.add_argument(
        "--max-load-wait", type=float, default=120, help="longest wait for --max-load (seconds)"
    )
    ap.add_argument("--python", default=sys.executable, help="interpreter for journeylens steps")
    ap.add_argument(
        "--pm4py-python", default=sys.executable, help="interpreter for pm4py/rustxes steps"
    )
    ap.add_argument("--skip-pm4py", action="store_true", help="journeylens side only")
    ap.add_argument("--skip-journeylens", action="store_true", help="reference side only")
    ap.add_argument(
        "--no-pm4py-python-xes", action="store_true", help="skip pm4py's chunk_regex XES parser"
    )
    ap.add_argument("--keep-workspaces", action="store_true", help="keep data-dir/workspaces")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--params", help=argparse.SUPPRESS)
    ap.add_argument("--result", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        return _worker(args.worker, json.loads(args.params), args.result)

    sizes = [parse_count(s) for s in args.events.split(",") if s.strip()]
    args.xes_events = {parse_count(s) for s in args.xes_events.split(",") if s.strip()}
    groups = {g.strip() for g in args.groups.split(",") if g.strip()}
    unknown = groups - set(GROUPS)
    if unknown:
        ap.error(f"unknown group(s) {sorted(unknown)}; choose from {', '.join(GROUPS)}")
    args.data_dir = args.data_dir.resolve()
    started = dt.datetime.now()
    name = args.name or started.strftime("run-%Y%m%d-%H%M%S")
    report: dict[str, Any] = {
        "name": name,
        "started": started.isoformat(timespec="seconds"),
        "argv": sys.argv[1:] if argv is None else argv,
        "machine": _machine(),
        "versions": _versions(args.pm4py_python) | _versions(args.python),
        "source": _source_state(),
        "repeat": args.repeat,
        "sizes": [],
    }
    t_all = time.perf_counter()
    for n in sizes:
        print(f"== {n:,} events", flush=True)
        t_size = time.perf_counter()
        tasks, runs = plan_size(n, groups, args)
        generated = []
        formats = sorted(
            {Path(r.params["path"]).suffix.lstrip(".") for r in runs if "path" in r.params}
        )
        for fmt in formats:
            g = ensure_data(n, fmt, args)
            if g:
                generated.append(g)
                print(
                    f"    {g['seconds']:.1f} s, {g['events_per_s'] / 1e6:.2f} M events/s",
                    flush=True,
                )
        measurements: dict[str, Any] = {}
        for run in runs:
            ours = run.step.startswith(("journeylens", "floor"))
            python = args.python if ours else args.pm4py_python
            for i in range(args.repeat):
                print(f"  {run.id} [{i + 1}/{args.repeat}] ...", end=" ", flush=True)
                load = wait_for_quiet(args.max_load, args.max_load_wait)
                res = run_step(run, python, args.timeout)
                res["load_before"] = load
                run.results.append(res)
                if "error" in res:
                    print(f"FAILED ({res['error']})\n{res['stderr_tail']}", flush=True)
                    break
                print(f"{res['seconds']:.2f} s, peak {res['peak_rss_mb']:,.0f} MB", flush=True)
            measurements[run.id] = summarise(run.results)
        task_dicts = []
        for t in tasks:
            d = t.__dict__.copy()
            d["compare"] = list(t.compare)
            d["check"] = check_pair(t, measurements.get(t.ref or ""), measurements.get(t.jl or ""))
            task_dicts.append(d)
        report["sizes"].append(
            {
                "events": n,
                "seconds": round(time.perf_counter() - t_size, 1),
                "generated": generated,
                "tasks": task_dicts,
                "measurements": measurements,
            }
        )
        print(f"   ({(time.perf_counter() - t_size) / 60:.1f} min for {human(n).upper()})")
    report["total_s"] = round(time.perf_counter() - t_all, 1)
    if not args.keep_workspaces:
        shutil.rmtree(args.data_dir / "workspaces", ignore_errors=True)

    args.results_dir.mkdir(parents=True, exist_ok=True)
    json_path = args.results_dir / f"{name}.json"
    md_path = args.results_dir / f"{name}.md"
    json_path.write_text(json.dumps(report, indent=2, default=str) + "\n")
    md_path.write_text(markdown(report))
    print()
    print_table(report)
    print(f"\ntotal {report['total_s'] / 60:.1f} min; wrote {json_path} and {md_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
