"""Tests for journeylens.mining.processmap: simplification, serialisation and drawing."""

from __future__ import annotations

import itertools
import json
import random
import re
import xml.etree.ElementTree as ET
from collections import Counter
from types import SimpleNamespace

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from journeylens.errors import InputError
from journeylens.mining.processmap import ProcessMap, humanize_seconds

SVG = "{http://www.w3.org/2000/svg}"
WEIRD = 'A & "B" <c>'


def dfg_from_traces(traces: list[list[str]]) -> SimpleNamespace:
    """A DFG as journeylens.mining.dfg would compute it (frequencies and case counts only)."""
    arcs, arc_cases, acts, act_cases = Counter(), Counter(), Counter(), Counter()
    start, end = Counter(), Counter()
    for trace in traces:
        start[trace[0]] += 1
        end[trace[-1]] += 1
        acts.update(trace)
        act_cases.update(set(trace))
        pairs = list(itertools.pairwise(trace))
        arcs.update(pairs)
        arc_cases.update(set(pairs))
    edges = pd.DataFrame(
        [(a, b, n, arc_cases[(a, b)], 60.0 * n) for (a, b), n in arcs.items()],
        columns=["source", "target", "frequency", "cases", "mean_s"],
    )
    activities = pd.DataFrame(
        [(a, n, act_cases[a]) for a, n in acts.items()], columns=["activity", "frequency", "cases"]
    )
    return SimpleNamespace(edges=edges, activities=activities, start=dict(start), end=dict(end))


TRACES = [
    ["A", "B", "C", "D"],
    ["A", "B", "C", "B", "C", "D"],
    ["A", "X", "D"],
    ["A", "C", "B", "D"],
    ["A", "E"],
]


def graph(data: dict) -> tuple[dict[str, set[str]], str, str]:
    succ: dict[str, set[str]] = {}
    for edge in data["edges"]:
        succ.setdefault(edge["source"], set()).add(edge["target"])
    kinds = {n["kind"]: n["id"] for n in data["nodes"] if n["kind"] != "activity"}
    return succ, kinds["start"], kinds["end"]


def reachable(succ: dict[str, set[str]], root: str) -> set[str]:
    seen, stack = set(), [root]
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            stack.extend(succ.get(node, ()))
    return seen


def assert_connected(data: dict) -> None:
    succ, start_id, end_id = graph(data)
    pred: dict[str, set[str]] = {}
    for src, targets in succ.items():
        for tgt in targets:
            pred.setdefault(tgt, set()).add(src)
    ids = {n["id"] for n in data["nodes"]}
    assert reachable(succ, start_id) == ids - {end_id} | {end_id}
    assert reachable(pred, end_id) == ids
    for edge in data["edges"]:  # every edge refers to a declared node
        assert edge["source"] in ids and edge["target"] in ids


def edge_set(pm: ProcessMap) -> set[tuple[str, str]]:
    return {(e["source"], e["target"]) for e in pm.to_dict()["edges"]}


def node_set(pm: ProcessMap) -> set[str]:
    return {n["id"] for n in pm.to_dict()["nodes"]}


# ---------------------------------------------------------------------- simplification
def test_full_map_is_returned_unchanged_at_100_100():
    dfg = dfg_from_traces(TRACES)
    pm = ProcessMap.from_dfg(dfg)
    full = pm.simplify(activities=100, paths=100)
    assert full.to_dict() == pm.to_dict()
    assert len(full.edges) == len(dfg.edges)
    assert full.start == {"A": 5} and full.end == {"D": 4, "E": 1}
    assert not full.synthetic_start and not full.synthetic_end


def test_activity_slider_keeps_most_frequent_with_name_ties():
    pm = ProcessMap.from_dfg(dfg_from_traces(TRACES))
    # Frequencies: A 5, B 4, C 4, D 4, E 1, X 1 -> 50 % keeps 3: A, then B and C by name.
    assert node_set(pm.simplify(activities=50)) == {"__start__", "__end__", "A", "B", "C"}
    # 0 % still keeps the single most frequent activity.
    assert node_set(pm.simplify(activities=0)) == {"__start__", "__end__", "A"}


def test_paths_zero_keeps_strongest_arcs_only():
    pm = ProcessMap.from_dfg(dfg_from_traces(TRACES))
    simple = pm.simplify(activities=60, paths=0)
    assert edge_set(simple) == {
        ("__start__", "A"),
        ("A", "B"),
        ("B", "C"),
        ("C", "B"),
        ("C", "D"),
        ("D", "__end__"),
    }
    assert_connected(simple.to_dict())


def test_island_entered_only_via_removed_activity_gets_synthetic_start_arc():
    # B and C form a loop that is only entered from X, which the slider removes.
    traces = [["X", "B", "C", "B", "C", "E"]] + [["A", "E"]] * 3 + [["B", "C", "B"]]
    pm = ProcessMap.from_dfg(dfg_from_traces(traces))
    simple = pm.simplify(activities=80, paths=0)  # keeps A, B, C, E; drops X
    data = simple.to_dict()
    assert "X" not in node_set(simple)
    starts = {e["target"]: e for e in data["edges"] if e["kind"] == "start"}
    # B starts one case itself, so its real START arc is used and no synthetic arc is needed.
    assert starts["B"]["frequency"] == 1 and not starts["B"]["synthetic"]
    assert_connected(data)
    # Now drop the case starting at B: the loop is reachable only through X.
    pm = ProcessMap.from_dfg(dfg_from_traces(traces[:-1]))
    data = pm.simplify(activities=80, paths=100).to_dict()
    starts = {e["target"]: e for e in data["edges"] if e["kind"] == "start"}
    assert starts["B"]["synthetic"] is True
    assert starts["B"]["frequency"] == 1  # the one X -> B arc that was lost
    assert data["start"]["B"] == 1
    assert_connected(data)


def test_dead_end_gets_its_strongest_outgoing_arc_back():
    pm = ProcessMap.from_dfg(dfg_from_traces([["A", "B", "C"]] * 5 + [["A", "D", "C"]]))
    simple = pm.simplify(paths=0)
    assert ("D", "C") in edge_set(simple) and ("A", "D") in edge_set(simple)
    assert_connected(simple.to_dict())


traces_strategy = st.lists(
    st.lists(st.sampled_from(["A", "B", "C", "D", "E", "F", WEIRD, ""]), min_size=1, max_size=8),
    min_size=1,
    max_size=12,
)
pct = st.floats(min_value=0, max_value=100, allow_nan=False)


@settings(max_examples=150, deadline=None)
@given(traces=traces_strategy, activities=pct, paths=pct)
def test_simplified_map_is_always_connected(traces, activities, paths):
    pm = ProcessMap.from_dfg(dfg_from_traces(traces))
    simple = pm.simplify(activities=activities, paths=paths)
    data = simple.to_dict()
    assert_connected(data)
    # Arcs between activities are never invented.
    assert {(e["source"], e["target"]) for e in data["edges"] if e["kind"] == "flow"} <= {
        (e["source"], e["target"]) for e in pm.to_dict()["edges"]
    }


@settings(max_examples=100, deadline=None)
@given(
    arcs=st.lists(
        st.tuples(st.sampled_from("ABCDEFG"), st.sampled_from("ABCDEFG"), st.integers(1, 50)),
        max_size=25,
        unique_by=lambda t: t[:2],
    ),
    starts=st.dictionaries(st.sampled_from("ABCDEFG"), st.integers(1, 9), max_size=3),
    ends=st.dictionaries(st.sampled_from("ABCDEFG"), st.integers(1, 9), max_size=3),
    activities=pct,
    paths=pct,
)
def test_arbitrary_graphs_are_repaired(arcs, starts, ends, activities, paths):
    """Even inconsistent graphs (not computed from a log) come out connected."""
    edges = pd.DataFrame(arcs, columns=["source", "target", "frequency"])
    if not arcs and not starts and not ends:
        starts = {"A": 1}
    pm = ProcessMap(edges, start=starts, end=ends)
    assert_connected(pm.simplify(activities=activities, paths=paths).to_dict())


@settings(max_examples=60, deadline=None)
@given(traces=traces_strategy, a=pct, b=pct, paths=pct)
def test_activity_slider_is_monotone(traces, a, b, paths):
    pm = ProcessMap.from_dfg(dfg_from_traces(traces))
    low, high = sorted((a, b))
    assert node_set(pm.simplify(activities=low, paths=paths)) <= node_set(
        pm.simplify(activities=high, paths=paths)
    )


def test_paths_slider_is_monotone_on_the_ranked_arcs():
    pm = ProcessMap.from_dfg(dfg_from_traces(TRACES))
    sizes = [len(edge_set(pm.simplify(paths=p))) for p in range(0, 101, 10)]
    assert sizes == sorted(sizes)
    assert sizes[-1] == len(edge_set(pm))


def test_simplification_and_drawing_are_deterministic():
    dfg = dfg_from_traces(TRACES * 3 + [["B", "A", "E"]])
    shuffled = SimpleNamespace(
        edges=dfg.edges.sample(frac=1, random_state=7),
        activities=dfg.activities.sample(frac=1, random_state=3),
        start=dict(reversed(list(dfg.start.items()))),
        end=dfg.end,
    )
    for activities, paths in [(100, 100), (70, 30), (40, 0)]:
        one = ProcessMap.from_dfg(dfg).simplify(activities=activities, paths=paths)
        two = ProcessMap.from_dfg(shuffled).simplify(activities=activities, paths=paths)
        assert one.to_dict() == two.to_dict()
        assert one.to_dot() == two.to_dot()
        assert one.to_svg() == two.to_svg()


def test_bad_options_raise_input_error():
    pm = ProcessMap.from_dfg(dfg_from_traces(TRACES))
    with pytest.raises(InputError, match="between 0 and 100"):
        pm.simplify(activities=120)
    with pytest.raises(InputError, match="statistic"):
        pm.with_measure("performance", "cases")
    with pytest.raises(InputError, match="available columns: 'src', 'target', 'frequency'"):
        ProcessMap(pd.DataFrame({"src": ["A"], "target": ["B"], "frequency": [1]}))
    with pytest.raises(InputError, match="duplicate"):
        ProcessMap(pd.DataFrame({"source": ["A", "A"], "target": ["B", "B"], "frequency": [1, 2]}))


def test_activities_are_derived_when_missing():
    edges = pd.DataFrame({"source": ["A", "B"], "target": ["B", "C"], "frequency": [4, 3]})
    pm = ProcessMap(edges, start={"A": 4}, end={"B": 1, "C": 3})
    freq = dict(zip(pm.activities["activity"], pm.activities["frequency"], strict=True))
    assert freq == {"A": 4, "B": 4, "C": 3}


# ---------------------------------------------------------------------- serialisation
def test_to_dict_is_json_and_consistent():
    pm = ProcessMap.from_dfg(dfg_from_traces(TRACES)).simplify(activities=60, paths=50)
    data = pm.to_dict()
    json.dumps(data, allow_nan=False)
    assert (data["nodes"][0]["kind"], data["nodes"][-1]["kind"]) == ("start", "end")
    start_arcs = {e["target"]: e["frequency"] for e in data["edges"] if e["kind"] == "start"}
    end_arcs = {e["source"]: e["frequency"] for e in data["edges"] if e["kind"] == "end"}
    assert start_arcs == data["start"] and end_arcs == data["end"]
    node = next(n for n in data["nodes"] if n["id"] == "A")
    assert node == {"id": "A", "kind": "activity", "activity": "A", "frequency": 5, "cases": 5}
    flow = next(e for e in data["edges"] if (e["source"], e["target"]) == ("B", "C"))
    assert flow["frequency"] == 3 and flow["cases"] == 2 and flow["mean_s"] == 180
    assert flow["median_s"] is None


def test_pseudo_node_ids_do_not_collide_with_activities():
    pm = ProcessMap.from_dfg(dfg_from_traces([["__start__", "__end__"]]))
    ids = [n["id"] for n in pm.to_dict()["nodes"]]
    assert len(set(ids)) == 4
    assert_connected(pm.to_dict())


def test_from_dfg_reads_attributes_duck_typed():
    dfg = dfg_from_traces(TRACES)
    dfg.start = pd.Series(dfg.start)  # a Series works as well as a dict
    pm = ProcessMap.from_dfg(dfg, measure="performance", statistic="median")
    assert pm.start == {"A": 5}
    assert (pm.measure, pm.statistic) == ("performance", "median")
    assert "6 activities" in repr(pm)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (3.2 * 86400, "3.2 d"),
        (4.1 * 3600, "4.1 h"),
        (12 * 60, "12 min"),
        (42, "42 s"),
        (0.5, "0.5 s"),
        (30 * 86400, "30 d"),
        (2 * 365 * 86400, "2.0 y"),
        (None, "–"),
        (float("nan"), "–"),
    ],
)
def test_humanize_seconds(seconds, text):
    assert humanize_seconds(seconds) == text


# ---------------------------------------------------------------------- DOT
def dot_tokens(text: str) -> list[str]:
    """Split DOT into quoted strings (unescaped), braces/brackets, arrows and bare words."""
    pattern = r'"((?:[^"\\]|\\.)*)"|(->|[{}\[\];=,])|([^\s"{}\[\];=,]+)'
    tokens = []
    for quoted, punct, word in re.findall(pattern, text):
        tokens.append(("Q:" + quoted) if quoted or punct == word == "" else punct or word)
    return tokens


def test_dot_is_structurally_valid_and_escaped():
    traces = [*TRACES, ["A", WEIRD, "back\\slash", "D"], ["A", "multi\nline", "D"]]
    pm = ProcessMap.from_dfg(dfg_from_traces(traces))
    dot = pm.to_dot()
    tokens = dot_tokens(dot)
    assert tokens[:2] == ["digraph", "process_map"]
    depth = 0
    for token in tokens:
        depth += {"{": 1, "}": -1}.get(token, 0)
        assert depth >= 0
    assert depth == 0 and tokens[-1] == "}"
    # Statements end with ';' -> collect node declarations and edges.
    declared, used = set(), set()
    statements, current = [], []
    for token in tokens[3:-1]:
        if token == ";":
            statements.append(current)
            current = []
        else:
            current.append(token)
    for stmt in statements:
        if len(stmt) > 2 and stmt[1] == "->":
            used.update([stmt[0], stmt[2]])
        elif stmt[0].startswith("Q:"):
            declared.add(stmt[0])
    assert used and used <= declared
    assert 'Q:A & \\"B\\" <c>' in declared
    assert "Q:back\\\\slash" in declared
    assert "Q:multi\\nline" in declared
    assert len(declared) == len(pm.activities) + 2


# ---------------------------------------------------------------------- SVG
def test_svg_is_well_formed_with_one_group_per_node_and_edge():
    traces = [*TRACES, ["A", WEIRD, "A", "D"], ["C", "C", "D"], ["A", "bad\x01char", "D"]]
    pm = ProcessMap.from_dfg(dfg_from_traces(traces))
    for measure in ("frequency", "performance"):
        shown = pm.with_measure(measure)
        data = shown.to_dict()
        root = ET.fromstring(shown.to_svg())
        assert root.tag == SVG + "svg"
        groups = list(root.iter(SVG + "g"))
        nodes = [g for g in groups if g.get("class", "").startswith("node")]
        edges = [g for g in groups if g.get("class") == "edge"]
        assert len(nodes) == len(data["nodes"]) and len(edges) == len(data["edges"])
        assert len(groups) == len(nodes) + len(edges)
        ids = {g.get("data-id") for g in nodes}
        assert WEIRD in ids
        for g in [*nodes, *edges]:
            assert g.find(SVG + "title").text
        weird = next(g for g in nodes if g.get("data-id") == WEIRD)
        assert weird.find(SVG + "title").text.startswith(WEIRD + "\n")
        assert "".join(weird.find(SVG + "text").itertext()).startswith(WEIRD)
        widths = [float(g.find(SVG + "path").get("stroke-width")) for g in edges]
        assert min(widths) >= 1 and max(widths) <= 8
        assert root.get("viewBox")


def test_svg_boxes_do_not_overlap_and_arcs_point_down_the_layers():
    rng = random.Random(5)
    names = [f"Step {i}" for i in range(12)]
    traces = [[rng.choice(names) for _ in range(rng.randint(1, 7))] for _ in range(60)]
    pm = ProcessMap.from_dfg(dfg_from_traces(traces)).simplify(activities=80, paths=40)
    root = ET.fromstring(pm.to_svg())
    boxes = []
    for rect in root.iter(SVG + "rect"):
        x, y, w, h = (float(rect.get(k)) for k in ("x", "y", "width", "height"))
        boxes.append((x, y, x + w, y + h))
    assert len(boxes) == len(pm.activities)
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)
    circles = {c.get("fill"): float(c.get("cy")) for c in root.iter(SVG + "circle")}
    assert circles["#2e7d32"] < min(b[1] for b in boxes)  # START above every activity
    assert circles["#b71c1c"] > max(b[3] for b in boxes)  # END below every activity


def test_performance_labels_are_humanised():
    pm = ProcessMap.from_dfg(dfg_from_traces(TRACES), measure="performance")
    labels = {
        "".join(g.find(SVG + "text").itertext())
        for g in ET.fromstring(pm.to_svg()).iter(SVG + "g")
        if g.get("class") == "edge"
    }
    assert {"3.0 min", "2.0 min", "1.0 min"} <= labels
    assert 'label="3.0 min"' in pm.to_dot()


def test_jupyter_reprs():
    pm = ProcessMap.from_dfg(dfg_from_traces(TRACES))
    assert pm._repr_svg_() == pm.to_svg()
    assert pm._repr_html_().startswith("<div") and pm.to_svg() in pm._repr_html_()


def test_empty_map_renders():
    pm = ProcessMap(pd.DataFrame({"source": [], "target": [], "frequency": []}))
    assert pm.simplify(activities=10).to_dict()["nodes"][0]["kind"] == "start"
    ET.fromstring(pm.to_svg())
    assert pm.to_dot().rstrip().endswith("}")


def test_works_with_journeylens_dfg():
    dfg_module = pytest.importorskip("journeylens.mining.dfg")
    logs = pytest.importorskip("_logs")
    events = [(f"c{i}", act, f"2024-05-01 09:{m:02d}") for i, trace in enumerate(TRACES)
              for m, act in enumerate(trace)]  # fmt: skip
    dfg = dfg_module.discover_dfg(logs.make_log(events))
    pm = ProcessMap.from_dfg(dfg)
    assert pm.start == {"A": 5} and pm.end == {"D": 4, "E": 1}
    assert pm.simplify().to_dict() == pm.to_dict()
    for activities, paths in [(60, 0), (30, 50)]:
        assert_connected(pm.simplify(activities=activities, paths=paths).to_dict())
    ET.fromstring(pm.with_measure("performance", "median").to_svg())
