"""The process-mining core on real public logs, against reference facts computed with pm4py.

The logs and ``facts/*.json`` live in ``../shared/data`` next to the repository (see its
DATA.md); the tests skip when that directory is absent.  The facts count one event per row,
activity name alone, lifecycle ignored — which is what the canonical table holds.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest

from journeylens.mining.cases import case_table
from journeylens.mining.dfg import DFG, discover_dfg
from journeylens.mining.variants import variants
from journeylens.store.eventlog import read_events

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
FACTS = sorted(DATA.glob("facts/*.json")) if DATA.is_dir() else []

pytestmark = [
    pytest.mark.shared,
    pytest.mark.skipif(not FACTS, reason=f"reference logs not found at {DATA}"),
]


def _log_path(name: str) -> Path:
    matches = [p for p in DATA.iterdir() if p.name.split(".")[0] == name and p.is_file()]
    assert len(matches) == 1, f"expected one log named {name!r} in {DATA}, found {matches}"
    return matches[0]


@cache
def _load(name: str):
    """Facts, DFG, variants and case durations of one log (read once per session)."""
    facts = json.loads((DATA / "facts" / f"{name}.json").read_text())
    events = read_events(_log_path(name)).table
    durations = case_table(events).select("duration_s").to_pyarrow().column(0).to_pylist()
    return facts, events, discover_dfg(events), variants(events), durations


NAMES = [p.stem for p in FACTS]


@pytest.fixture(params=NAMES)
def log(request):
    return _load(request.param)


def test_events_cases_activities(log):
    facts, events, dfg, _, _ = log
    assert events.count().to_pyarrow().as_py() == facts["events"]
    assert (dfg.events, dfg.cases) == (facts["events"], facts["cases"])
    assert len(dfg.activities) == facts["activities"]


def test_dfg_edges_and_arcs(log):
    facts, _, dfg, _, _ = log
    assert len(dfg.edges) == facts["dfg_edges"]
    assert dfg.arcs == facts["dfg_arcs"] == facts["events"] - facts["cases"]


def test_top_edges(log):
    facts, _, dfg, _, _ = log
    got = _edge_counts(dfg)
    for edge, count in facts["top_edges"]:
        assert got.get(edge) == count, edge
    # the facts list the most frequent edges: none of ours may beat the last of them
    assert max(got.values()) == facts["top_edges"][0][1]


def test_start_activities(log):
    facts, _, dfg, _, _ = log
    starts = dict(zip(dfg.start.activity, dfg.start.cases, strict=True))
    # the facts keep the most frequent start activities only (helpdesk has a sixth, 'Wait')
    for activity, count in facts["start_activities"].items():
        assert starts.get(activity) == count, activity
    assert sum(starts.values()) == facts["cases"]


def test_variants(log):
    facts, _, _, table, _ = log
    assert len(table) == facts["variants"]
    assert table["count"].sum() == facts["cases"]


def test_case_durations(log):
    facts, _, _, _, durations = log
    assert len(durations) == facts["cases"]
    ordered = sorted(durations)
    n = len(ordered)
    median = ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2
    assert median == pytest.approx(facts["median_case_duration_s"], rel=1e-6)
    assert sum(durations) / n == pytest.approx(facts["mean_case_duration_s"], rel=1e-6)


def _edge_counts(dfg: DFG) -> dict[str, int]:
    return {
        f"{s} -> {t}": int(f)
        for s, t, f in zip(dfg.edges.source, dfg.edges.target, dfg.edges.frequency, strict=True)
    }
