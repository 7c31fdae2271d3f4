"""Disco-like process maps: simplify a directly-follows graph and draw it without Graphviz.

A :class:`ProcessMap` wraps the four parts of a directly-follows graph (DFG): the ``edges``
frame (``source``, ``target``, ``frequency``, ``cases``, ``mean_s``, ``median_s``, ``p90_s``,
``min_s``, ``max_s``, ``total_s``), the ``activities`` frame (``activity``, ``frequency``,
``cases``, ...) and the ``start`` / ``end`` counts (activity -> number of cases).  Besides the
activities there are two artificial nodes, START and END; an arc START -> a carries
``start[a]`` cases and an arc a -> END carries ``end[a]`` cases.

Simplification (:meth:`ProcessMap.simplify`) follows Disco's two sliders (ties broken by name):
``activities`` (percent) keeps the ``ceil(n * pct / 100)`` most frequent activities (at least
one); ``paths`` keeps the same share of the most frequent *candidate arcs* (arcs between kept
activities plus their START/END arcs).  Then every kept activity gets back its strongest
incoming and outgoing arc (Disco's rule), and while some activity is not reachable from START
(or cannot reach END) the strongest arc from the connected part into it (or from it into the
connected part) is added back, one at a time.

Arcs through removed activities: a DFG alone cannot be recomputed as if those events never
happened (``A -> X -> B`` says nothing about how many cases went ``A -> B`` once ``X`` is
gone), so we never invent arcs between activities.  We keep only arcs among kept activities.
When a kept part of the map can only be entered (left) through removed activities, we add a
*synthetic* START -> a (a -> END) arc whose count is the flow ``a`` received from (sent to)
removed activities; such arcs are flagged ``synthetic`` and drawn dotted.  At 100/100 the map
is returned unchanged for any DFG computed from a log (such a graph is always connected).

``to_dict()`` layout: ``nodes`` holds the START and END pseudo nodes (``kind`` ``"start"`` /
``"end"``) and one node per activity (``kind`` ``"activity"``); ``edges`` holds every drawn
arc, START/END arcs included (``kind`` ``"start"`` / ``"end"`` / ``"flow"``);
``start`` / ``end`` repeat the START/END arc counts keyed by activity for convenience.
"""

from __future__ import annotations

import bisect
import itertools
import math
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal
from xml.sax.saxutils import escape, quoteattr

import pandas as pd

from journeylens._util.fmt import duration as humanize_seconds
from journeylens._util.plain import plain
from journeylens.errors import InputError

__all__ = ["ProcessMap", "humanize_seconds"]

Measure = Literal["frequency", "performance"]
Statistic = Literal["absolute", "cases", "mean", "median", "p90", "min", "max", "total"]
_FREQUENCY_STATS = ("absolute", "cases")
_PERFORMANCE_STATS = ("mean", "median", "p90", "min", "max", "total")
_TIME_COLUMNS = ("mean_s", "median_s", "p90_s", "min_s", "max_s", "total_s")
#: measure -> (lightest fill, darkest fill, arc colour)
_PALETTE = {
    "frequency": ("#eef4fb", "#2b6cb0", "#4a5568"),
    "performance": ("#fdeeee", "#c0392b", "#a93226"),
}

# Layout constants, in SVG user units (pixels).
_FONT = 12
_CHAR_W = 7.0  # average glyph width of a 12 px sans-serif font; good enough to size boxes
_LINE_H = 15
_PAD_X, _PAD_Y = 12, 8
_H_GAP, _V_GAP = 36, 56
_MARGIN = 24
_TERMINAL_R = 13


def _terminal(node_id: str, kind: str, count: int) -> dict[str, Any]:
    return {"id": node_id, "kind": kind, "activity": None, "frequency": count, "cases": count}


def _arc(source: str, target: str, kind: str, synthetic: bool, count: int) -> dict[str, Any]:
    # START/END arcs carry case counts only; there is no waiting time before START / after END.
    return {"source": source, "target": target, "kind": kind, "synthetic": synthetic,
            "frequency": count, "cases": count} | dict.fromkeys(_TIME_COLUMNS)  # fmt: skip


def _clean(row: Mapping[Any, Any]) -> dict[str, Any]:
    return {str(k): plain(v) for k, v in row.items()}


def _node_key(node: str | None) -> tuple[bool, str]:
    # Orders None (START as a source, END as a target) before every activity, even "".
    return (node is not None, node or "")


def _is_missing(value: Any) -> bool:
    if isinstance(value, float):  # numpy float64 is a float subclass
        return math.isnan(value)
    return value is None or value is pd.NA or value is pd.NaT


def _counts(value: Any, what: str) -> dict[str, int]:
    """Accept a mapping, a Series or an (activity, cases) frame, as journeylens.mining.dfg returns."""
    if value is None:
        return {}
    if isinstance(value, pd.DataFrame):
        _require(value, ("activity", "cases"), what)
        value = dict(zip(value["activity"], value["cases"], strict=True))
    if not hasattr(value, "items"):
        raise InputError(f"{what} must map activity -> number of cases, got {type(value)!r}")
    return {str(k): int(v) for k, v in value.items() if not _is_missing(v)}


def _require(frame: pd.DataFrame, columns: tuple[str, ...], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        shown = ", ".join(repr(str(c)) for c in frame.columns)
        raise InputError(f"{what} frame lacks column(s) {missing}; available columns: {shown}")


def _unique_id(base: str, taken: set[str]) -> str:
    # START/END ids must not collide with an activity that happens to be called "__start__".
    while base in taken:
        base = f"_{base}_"
    return base


@dataclass(frozen=True, eq=False)
class ProcessMap:
    """A directly-follows graph ready to be simplified, serialised and drawn.

    Parameters
    ----------
    edges : pandas.DataFrame
        One row per arc: ``source``, ``target``, ``frequency`` and optionally ``cases`` and the
        ``*_s`` time columns (missing ones are filled with NaN).
    activities : pandas.DataFrame, optional
        ``activity``, ``frequency`` and optionally ``cases``; derived from the arcs if omitted.
    start, end : mapping of str to int, or DataFrame with ``activity`` and ``cases``
        Number of cases starting / ending with each activity.
    measure : {"frequency", "performance"}
        What labels and edge widths show.
    statistic : {"absolute", "cases", "mean", "median", "p90", "min", "max", "total"}, optional
        Which figure of the measure: ``absolute``/``cases`` for frequency (default
        ``absolute``), a time statistic for performance (default ``mean``).

    Examples
    --------
    >>> import pandas as pd
    >>> edges = pd.DataFrame({"source": ["A"], "target": ["B"], "frequency": [3]})
    >>> pm = ProcessMap(edges, start={"A": 3}, end={"B": 3})
    >>> [n["id"] for n in pm.to_dict()["nodes"]]
    ['__start__', 'A', 'B', '__end__']
    >>> pm.simplify(activities=50).to_dict()["start"]
    {'A': 3}
    """

    edges: pd.DataFrame = field(repr=False)
    # Typed as normalised by __post_init__ (None derives the frame from the arcs), which is
    # what every reader of a map sees.
    activities: pd.DataFrame = field(default=None, repr=False)  # type: ignore[assignment]
    start: Mapping[str, int] = field(default_factory=dict, repr=False)
    end: Mapping[str, int] = field(default_factory=dict, repr=False)
    measure: Measure = "frequency"
    statistic: Statistic | None = None
    synthetic_start: frozenset[str] = frozenset()
    synthetic_end: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if self.measure not in ("frequency", "performance"):
            raise InputError(f"measure must be 'frequency' or 'performance', not {self.measure!r}")
        allowed = _FREQUENCY_STATS if self.measure == "frequency" else _PERFORMANCE_STATS
        stat = self.statistic or allowed[0]
        if stat not in allowed:
            raise InputError(f"statistic for {self.measure} must be one of {allowed}, not {stat!r}")
        start, end = _counts(self.start, "start"), _counts(self.end, "end")
        edges = pd.DataFrame(self.edges).copy()
        _require(edges, ("source", "target", "frequency"), "edges")
        edges["source"] = edges["source"].astype(str)
        edges["target"] = edges["target"].astype(str)
        if edges.duplicated(["source", "target"]).any():
            raise InputError(
                "edges frame has duplicate (source, target) rows; aggregate them first"
            )
        for column in ("cases", *_TIME_COLUMNS):
            if column not in edges.columns:
                edges[column] = float("nan")
        inflow = edges.groupby("target")["frequency"].sum().to_dict()
        names = set(edges["source"]) | set(edges["target"]) | set(start) | set(end)
        if self.activities is None:
            acts = pd.DataFrame({"activity": sorted(names)})
        else:
            acts = pd.DataFrame(self.activities).copy()
            _require(acts, ("activity", "frequency"), "activities")
            acts["activity"] = acts["activity"].astype(str)
            extra = sorted(names - set(acts["activity"]))
            acts = pd.concat([acts, pd.DataFrame({"activity": extra})], ignore_index=True)
        # An activity occurs once per incoming arc plus once per case starting with it.
        derived = acts["activity"].map(lambda a: inflow.get(a, 0) + start.get(a, 0))
        acts["frequency"] = acts.get("frequency", derived).fillna(derived)
        if "cases" not in acts.columns:
            acts["cases"] = float("nan")
        # Deterministic order everywhere: most frequent first, then by name.
        acts = acts.sort_values(["frequency", "activity"], ascending=[False, True], kind="stable")
        edges = edges.sort_values(
            ["frequency", "source", "target"], ascending=[False, True, True], kind="stable"
        )
        normalised = {"edges": edges.reset_index(drop=True), "statistic": stat, "start": start,
                      "activities": acts.reset_index(drop=True), "end": end}  # fmt: skip
        for name, value in normalised.items():
            object.__setattr__(self, name, value)  # frozen: normalise once, at construction

    @classmethod
    def from_dfg(
        cls, dfg: Any, *, measure: Measure = "frequency", statistic: Statistic | None = None
    ) -> ProcessMap:
        """Build a map from any object with ``edges``, ``activities``, ``start``, ``end``.

        Examples
        --------
        >>> from types import SimpleNamespace
        >>> import pandas as pd
        >>> dfg = SimpleNamespace(
        ...     edges=pd.DataFrame({"source": ["A"], "target": ["B"], "frequency": [2]}),
        ...     activities=None, start={"A": 2}, end={"B": 2})
        >>> ProcessMap.from_dfg(dfg, measure="performance").statistic
        'mean'
        """
        parts: dict[str, Any] = {n: getattr(dfg, n, None) for n in ("activities", "start", "end")}
        return cls(dfg.edges, **parts, measure=measure, statistic=statistic)

    def __repr__(self) -> str:
        size = f"{len(self.activities)} activities, {len(self.edges)} edges"
        return f"ProcessMap({size}, measure={self.measure!r}, statistic={self.statistic!r})"

    def with_measure(self, measure: Measure, statistic: Statistic | None = None) -> ProcessMap:
        """Return the same map labelled by another measure.

        Examples
        --------
        >>> import pandas as pd
        >>> pm = ProcessMap(pd.DataFrame({"source": ["A"], "target": ["B"], "frequency": [1]}))
        >>> pm.with_measure("frequency", "cases").statistic
        'cases'
        """
        return replace(self, measure=measure, statistic=statistic)

    # ------------------------------------------------------------------ simplification
    def simplify(self, *, activities: float = 100, paths: float = 100) -> ProcessMap:
        """Keep the most frequent activities and paths while keeping the map connected.

        Parameters
        ----------
        activities : float
            Percentage (0-100) of activities to keep, most frequent first (at least one).
        paths : float
            Percentage (0-100) of candidate arcs to keep, before the connectivity repair
            described in the module docstring.

        Returns
        -------
        ProcessMap
            A new map; every activity is reachable from START and reaches END.

        Examples
        --------
        >>> import pandas as pd
        >>> edges = pd.DataFrame({"source": ["A", "A", "B"], "target": ["B", "C", "C"],
        ...                       "frequency": [5, 1, 5]})
        >>> pm = ProcessMap(edges, start={"A": 6}, end={"C": 6})
        >>> sorted(map(tuple, pm.simplify(paths=0).edges[["source", "target"]].values))
        [('A', 'B'), ('B', 'C')]
        """
        for name, pct in (("activities", activities), ("paths", paths)):
            if not 0 <= pct <= 100:
                raise InputError(f"{name} must be a percentage between 0 and 100, got {pct!r}")
        names = list(self.activities["activity"])
        if not names:
            return self
        # The epsilon keeps 100 * n / 100 from rounding up to n + 1 in floating point.
        n_keep = max(1, math.ceil(len(names) * activities / 100 - 1e-9))
        kept = set(names[:n_keep])
        weights: dict[tuple[str | None, str | None], float] = {}
        lost_in = dict.fromkeys(kept, 0.0)
        lost_out = dict.fromkeys(kept, 0.0)
        for src, tgt, freq in self.edges[["source", "target", "frequency"]].itertuples(index=False):
            if src in kept and tgt in kept:
                weights[(src, tgt)] = float(freq)
            elif tgt in kept:
                lost_in[tgt] += float(freq)
            elif src in kept:
                lost_out[src] += float(freq)
        weights.update({(None, a): float(n) for a, n in self.start.items() if a in kept})
        weights.update({(a, None): float(n) for a, n in self.end.items() if a in kept})
        ranked = sorted(weights, key=lambda k: (-weights[k], _node_key(k[0]), _node_key(k[1])))
        chosen = set(ranked[: math.ceil(len(ranked) * paths / 100 - 1e-9)])
        # Disco's local rule: nobody loses all of its incoming or all of its outgoing arcs.
        for act in sorted(kept):
            for side, other in ((1, 0), (0, 1)):
                if not any(k[side] == act and k[other] != act for k in chosen):
                    best = next((k for k in ranked if k[side] == act and k[other] != act), None)
                    if best is not None:
                        chosen.add(best)
        # Global repair: local arcs may still form islands (e.g. a cycle entered from outside).
        added, syn_start = _connect(kept, ranked, chosen, lost_in, reverse=False)
        chosen |= added
        added, syn_end = _connect(kept, ranked, chosen, lost_out, reverse=True)
        chosen |= added
        pairs = list(zip(self.edges["source"], self.edges["target"], strict=True))
        # A Series, not a list: an empty list would select no *columns*.
        mask = pd.Series([p in chosen for p in pairs], index=self.edges.index, dtype=bool)
        start = {a: int(weights[(None, a)]) for a in sorted(kept) if (None, a) in chosen}
        end = {a: int(weights[(a, None)]) for a in sorted(kept) if (a, None) in chosen}
        start.update({a: int(n) for a, n in syn_start.items()})
        end.update({a: int(n) for a, n in syn_end.items()})
        return replace(
            self,
            edges=self.edges[mask],
            activities=self.activities[self.activities["activity"].isin(kept)],
            start=start,
            end=end,
            synthetic_start=frozenset(syn_start) | (self.synthetic_start & set(start)),
            synthetic_end=frozenset(syn_end) | (self.synthetic_end & set(end)),
        )

    # ------------------------------------------------------------------ serialisation
    def _ids(self) -> tuple[str, str]:
        taken = set(self.activities["activity"])
        return _unique_id("__start__", taken), _unique_id("__end__", taken)

    def _value(self, row: Mapping[str, Any], *, node: bool = False) -> float | None:
        if self.measure == "frequency":
            column = "frequency" if self.statistic == "absolute" else "cases"
        else:
            column = f"{self.statistic}_s"
            if node and column not in row:
                return None
        value: Any = row.get(column)  # a number, or one of the missing values _is_missing knows
        return None if _is_missing(value) else float(value)

    def _label(self, value: float | None) -> str:
        if self.measure == "performance":
            return humanize_seconds(value) if value is not None else ""
        return "–" if value is None else f"{value:,.0f}"

    def to_dict(self) -> dict[str, Any]:
        """Return the map as plain JSON-able data (see the module docstring for the layout).

        Examples
        --------
        >>> import pandas as pd
        >>> pm = ProcessMap(pd.DataFrame({"source": ["A"], "target": ["B"], "frequency": [2]}),
        ...                 start={"A": 2}, end={"B": 2})
        >>> [(e["source"], e["target"], e["kind"]) for e in pm.to_dict()["edges"]]
        [('__start__', 'A', 'start'), ('A', 'B', 'flow'), ('B', '__end__', 'end')]
        """
        start_id, end_id = self._ids()
        nodes = [_terminal(start_id, "start", sum(self.start.values()))]
        for row in self.activities.to_dict("records"):
            nodes.append({"id": row["activity"], "kind": "activity"} | _clean(row))
        nodes.append(_terminal(end_id, "end", sum(self.end.values())))
        syn_s, syn_e = self.synthetic_start, self.synthetic_end
        edges = [_arc(start_id, a, "start", a in syn_s, n) for a, n in sorted(self.start.items())]
        for row in self.edges.to_dict("records"):
            ends = {"source": row["source"], "target": row["target"]}
            edges.append(ends | {"kind": "flow", "synthetic": False} | _clean(row))
        edges += [_arc(a, end_id, "end", a in syn_e, n) for a, n in sorted(self.end.items())]
        return {"measure": self.measure, "statistic": self.statistic, "nodes": nodes,
                "edges": edges, "start": dict(sorted(self.start.items())),
                "end": dict(sorted(self.end.items()))}  # fmt: skip

    # ------------------------------------------------------------------ drawing
    def _drawing(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Nodes and edges with display text, colour share and width, shared by DOT and SVG."""
        data = self.to_dict()
        node_vals = [self._value(n, node=True) for n in data["nodes"]]
        edge_vals = [self._value(e) for e in data["edges"]]
        top_node = max((v for v in node_vals[1:-1] if v is not None), default=0.0) or 1.0
        top_edge = max((v for v in edge_vals if v is not None), default=0.0) or 1.0
        for node, value in zip(data["nodes"], node_vals, strict=True):
            if node["kind"] != "activity":
                node["title"] = f"{node['kind'].upper()}: {node['cases']:,} cases"
                continue
            node["title"] = f"{node['activity']}\n{self._tooltip(node)}"
            node["share"] = 0.0 if value is None else value / top_node
            node["lines"] = textwrap.wrap(node["activity"], 24) or [""]
            node["text"] = self._label(value)
        for edge, value in zip(data["edges"], edge_vals, strict=True):
            src = "START" if edge["kind"] == "start" else edge["source"]
            tgt = "END" if edge["kind"] == "end" else edge["target"]
            edge["title"] = f"{src} → {tgt}\n{self._tooltip(edge)}"
            edge["width"] = round(1.0 + 7.0 * max(0.0, value or 0.0) / top_edge, 2)
            edge["text"] = self._label(value)
        return data["nodes"], data["edges"]

    @staticmethod
    def _tooltip(row: Mapping[str, Any]) -> str:
        parts = [f"{k}: {row[k]:,}" for k in ("frequency", "cases") if row.get(k) is not None]
        for column in (c for c in _TIME_COLUMNS if row.get(c) is not None):
            parts.append(f"{column[:-2]}: {humanize_seconds(row[column])}")
        if row.get("synthetic"):
            parts.append("synthetic: enters/leaves via removed activities")
        return "\n".join(parts)

    def to_dot(self) -> str:
        """Return Graphviz DOT text (names quoted and escaped); render it with any DOT tool.

        Examples
        --------
        >>> import pandas as pd
        >>> pm = ProcessMap(pd.DataFrame({"source": ['say "hi"'], "target": ["B"],
        ...                               "frequency": [1]}))
        >>> '"say \\\\"hi\\\\"" -> "B"' in pm.to_dot()
        True
        """
        nodes, edges = self._drawing()
        light, dark, stroke = _PALETTE[self.measure]
        out = [
            "digraph process_map {",
            '  graph [rankdir=TB, fontname="Helvetica", nodesep=0.4, ranksep=0.5];',
            '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=11];',
            '  edge [fontname="Helvetica", fontsize=9];',
        ]
        for node in nodes:
            if node["kind"] == "activity":
                lines = [*node["lines"], node["text"]] if node["text"] else node["lines"]
                label = "\\n".join(_dot_escape(line) for line in lines)
                fill = _blend(light, dark, node["share"])
                font = "#ffffff" if node["share"] > 0.6 else "#1a1a1a"
                attrs = f'label="{label}", fillcolor="{fill}", fontcolor="{font}"'
            else:
                color = "#2e7d32" if node["kind"] == "start" else "#b71c1c"
                attrs = f'label="", shape=circle, width=0.3, fillcolor="{color}"'
            out.append(
                f'  "{_dot_escape(node["id"])}" [{attrs}, tooltip="{_dot_escape(node["title"])}"];'
            )
        for edge in edges:
            style = (
                "dotted" if edge["synthetic"] else "solid" if edge["kind"] == "flow" else "dashed"
            )
            color = stroke if edge["kind"] == "flow" else "#9aa0a6"
            out.append(
                f'  "{_dot_escape(edge["source"])}" -> "{_dot_escape(edge["target"])}" '
                f'[label="{_dot_escape(edge["text"])}", penwidth={edge["width"]}, style={style}, color="{color}", '
                f'tooltip="{_dot_escape(edge["title"])}"];'
            )
        out.append("}")
        return "\n".join(out) + "\n"

    def to_svg(self) -> str:
        """Lay the map out in layers (pure Python) and return a standalone SVG document.

        Examples
        --------
        >>> import pandas as pd
        >>> pm = ProcessMap(pd.DataFrame({"source": ["A"], "target": ["B & C"], "frequency": [1]}))
        >>> svg = pm.to_svg()
        >>> svg.startswith("<svg") and "B &amp; C" in svg
        True
        """
        return _render_svg(*self._drawing(), palette=_PALETTE[self.measure])

    def _repr_svg_(self) -> str:
        return self.to_svg()

    def _repr_html_(self) -> str:
        return f'<div class="journeylens-process-map">{self.to_svg()}</div>'


def _connect(
    kept: set[str],
    ranked: list[tuple[str | None, str | None]],
    chosen: set[tuple[str | None, str | None]],
    lost: dict[str, float],
    *,
    reverse: bool,
) -> tuple[set[tuple[str | None, str | None]], dict[str, float]]:
    """Add the strongest arcs until every kept activity is reachable from START.

    With ``reverse=True`` arcs are flipped, so "reachable from START" becomes "reaches END".
    Returns the added arcs (original orientation) and the synthetic root arcs needed when no
    candidate arc leads into an unreachable island; ``None`` stands for START / END.
    """

    def flip(arc: tuple[str | None, str | None]) -> tuple[str | None, str | None]:
        return (arc[1], arc[0]) if reverse else arc

    arcs = [flip(a) for a in ranked]
    succ: dict[str | None, list[str]] = {}
    for src, tgt in map(flip, chosen):
        if tgt is not None:
            succ.setdefault(src, []).append(tgt)
    reach: set[str | None] = set()

    def grow(node: str | None) -> None:
        stack = [node]
        while stack:
            cur = stack.pop()
            if cur not in reach:
                reach.add(cur)
                stack.extend(succ.get(cur, ()))

    grow(None)
    added: set[tuple[str | None, str | None]] = set()
    synthetic: dict[str, float] = {}
    while missing := kept - reach:
        arc = next((a for a in arcs if a[1] in missing and a[0] in reach), None)
        if arc is None:
            # Only removed activities lead into this island: enter it where most flow was lost.
            node = min(missing, key=lambda a: (-lost[a], a))
            arc, synthetic[node] = (None, node), lost[node]
        else:
            added.add(flip(arc))
        succ.setdefault(arc[0], []).append(arc[1])  # type: ignore[arg-type]
        grow(arc[1])
    return added, synthetic


def _dot_escape(text: str) -> str:
    return str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _blend(light: str, dark: str, share: float) -> str:
    share = min(1.0, max(0.0, share))
    a = [int(light[i : i + 2], 16) for i in (1, 3, 5)]
    b = [int(dark[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * share):02x}" for x, y in zip(a, b, strict=True))


def _xml(text: Any, *, attr: bool = False) -> str:
    # XML 1.0 forbids most control characters even when escaped; replace them.
    clean = "".join(c if c in "\t\n\r" or ord(c) >= 0x20 else "\ufffd" for c in str(text))
    return quoteattr(clean) if attr else escape(clean)


# ---------------------------------------------------------------------- layered layout
def _layout(
    n: int, arcs: list[tuple[int, int]], sizes: list[tuple[float, float]]
) -> tuple[list[tuple[float, float]], list[list[tuple[float, float]]], list[bool]]:
    """Sugiyama-style layout of nodes ``0..n-1``; node 0 is START and node n-1 is END.

    ``arcs`` must be ordered strongest first.  Returns node centres, for each arc the points
    its curve passes through, and whether the arc was reversed to break a cycle.
    """
    succ: list[list[int]] = [[] for _ in range(n)]
    for u, v in arcs:
        if u != v:
            succ[u].append(v)
    # 1. Break cycles with a DFS that follows strong arcs first: the main flow stays downward.
    state, order, back = [0] * n, [], set()
    for root in (v for v in range(n) if not state[v]):  # START (node 0) comes first
        stack, state[root] = [(root, iter(succ[root]))], 1
        order.append(root)
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                state[node] = 2
                stack.pop()
            elif state[nxt] == 1:
                back.add((node, nxt))
            elif state[nxt] == 0:
                state[nxt] = 1
                order.append(nxt)
                stack.append((nxt, iter(succ[nxt])))
    reversed_ = [(u, v) in back for u, v in arcs]
    dag = {(v, u) if r else (u, v) for (u, v), r in zip(arcs, reversed_, strict=True) if u != v}
    # 2. Longest-path layering, visiting nodes in a topological order (Kahn, DFS-order ties).
    outs: list[list[int]] = [[] for _ in range(n)]
    indeg = [0] * n
    for u, v in sorted(dag):
        outs[u].append(v)
        indeg[v] += 1
    rank_of = {v: i for i, v in enumerate(order)}
    ready = sorted((v for v in range(n) if indeg[v] == 0), key=rank_of.__getitem__)
    layer = [0] * n
    while ready:
        u = ready.pop(0)
        for v in outs[u]:
            layer[v] = max(layer[v], layer[u] + 1)
            indeg[v] -= 1
            if indeg[v] == 0:
                bisect.insort(ready, v, key=rank_of.__getitem__)
    if n > 1:
        layer[n - 1] = max(layer[: n - 1]) + 1
    # 3. Split long arcs with dummy vertices so every segment spans one layer.
    width = [w for w, _ in sizes]
    chains: list[list[int]] = []
    for (u, v), rev in zip(arcs, reversed_, strict=True):
        a, b = (v, u) if rev else (u, v)
        chain = [a]
        for lay in range(layer[a] + 1, layer[b]) if u != v else ():
            layer.append(lay)
            width.append(8.0)
            chain.append(len(layer) - 1)
        chains.append([*chain, b] if u != v else [u])
    total = len(layer)
    up: list[list[int]] = [[] for _ in range(total)]
    down: list[list[int]] = [[] for _ in range(total)]
    for chain in chains:
        for a, b in itertools.pairwise(chain):
            down[a].append(b)
            up[b].append(a)
    # 4. Order each layer by barycentres, sweeping down and up; keep the fewest crossings.
    depth = max(layer) + 1
    levels: list[list[int]] = [[] for _ in range(depth)]
    first_seen = {v: i for i, v in enumerate(order)}
    for v in sorted(range(total), key=lambda v: first_seen.get(v, n + v)):
        levels[layer[v]].append(v)
    best, best_cross = [list(lv) for lv in levels], _crossings(levels, down)
    for sweep in range(16):
        idx = range(1, depth) if sweep % 2 == 0 else range(depth - 2, -1, -1)
        for i in idx:
            ref = {v: p for p, v in enumerate(levels[i - 1 if sweep % 2 == 0 else i + 1])}
            nbrs = up if sweep % 2 == 0 else down
            keys = {}
            for p, v in enumerate(levels[i]):
                linked = [ref[w] for w in nbrs[v] if w in ref]
                # Unlinked vertices keep their place; position breaks ties deterministically.
                keys[v] = (sum(linked) / len(linked) if linked else float(p), p)
            levels[i].sort(key=keys.__getitem__)
        cross = _crossings(levels, down)
        if cross < best_cross:
            best, best_cross = [list(lv) for lv in levels], cross
    levels = best
    # 5. Coordinates: rows by layer; x relaxed towards neighbours without overlapping.
    heights = [max((sizes[v][1] for v in lv if v < n), default=10.0) for lv in levels]
    ys, y = [], float(_MARGIN)
    for h in heights:
        ys.append(y + h / 2)
        y += h + _V_GAP
    x = [0.0] * total
    for lv in levels:  # start packed to the left; the relaxation below spreads them
        for k, v in enumerate(lv):
            x[v] = x[lv[k - 1]] + (width[lv[k - 1]] + width[v]) / 2 + _H_GAP if k else 0.0
    for sweep in range(8):
        for lv in levels if sweep % 2 == 0 else reversed(levels):
            near = [[x[w] for w in up[v] + down[v]] or [x[v]] for v in lv]
            desired = [sum(xs) / len(xs) for xs in near]
            sep = [(width[a] + width[b]) / 2 + _H_GAP for a, b in itertools.pairwise(lv)]
            left, right = list(desired), list(desired)
            for k in range(1, len(lv)):
                left[k] = max(left[k], left[k - 1] + sep[k - 1])
            for k in range(len(lv) - 2, -1, -1):
                right[k] = min(right[k], right[k + 1] - sep[k])
            # Both passes respect the minimum gaps, so their average does too.
            for k, v in enumerate(lv):
                x[v] = (left[k] + right[k]) / 2
    shift = _MARGIN - min(x[v] - width[v] / 2 for v in range(total))
    centres = [(x[v] + shift, ys[layer[v]]) for v in range(total)]
    routes = [[centres[v] for v in chain] for chain in chains]
    return centres[:n], routes, reversed_


def _crossings(levels: list[list[int]], down: list[list[int]]) -> int:
    count = 0
    for upper, lower in itertools.pairwise(levels):
        pos = {v: p for p, v in enumerate(lower)}
        segs = sorted((p, pos[w]) for p, v in enumerate(upper) for w in down[v] if w in pos)
        seen: list[int] = []
        for _, b in segs:
            # Segments already seen with a larger lower position cross this one.
            count += len(seen) - bisect.bisect_right(seen, b)
            bisect.insort(seen, b)
    return count


def _render_svg(
    nodes: list[dict[str, Any]], edges: list[dict[str, Any]], *, palette: tuple[str, str, str]
) -> str:
    index = {node["id"]: i for i, node in enumerate(nodes)}
    sizes: list[tuple[float, float]] = []
    for node in nodes:
        if node["kind"] == "activity":
            lines = [*node["lines"], node["text"]] if node["text"] else node["lines"]
            w = max(len(s) for s in lines) * _CHAR_W + 2 * _PAD_X
            sizes.append((max(w, 70.0), len(lines) * _LINE_H + 2 * _PAD_Y))
        else:
            sizes.append((2.0 * _TERMINAL_R, 2.0 * _TERMINAL_R))
    arcs = [(index[e["source"]], index[e["target"]]) for e in edges]
    strength = sorted(range(len(arcs)), key=lambda i: -edges[i]["width"])
    centres, routes_sorted, rev_sorted = _layout(len(nodes), [arcs[i] for i in strength], sizes)
    routes: list[list[tuple[float, float]]] = [[] for _ in arcs]
    rev = [False] * len(arcs)
    for k, i in enumerate(strength):
        routes[i], rev[i] = routes_sorted[k], rev_sorted[k]
    light, dark, stroke = palette
    parts: list[str] = []
    for i, edge in enumerate(edges):
        u, v = arcs[i]
        (x1, y1), (_x2, y2) = centres[u], centres[v]
        hw_u, hh_u = sizes[u][0] / 2, sizes[u][1] / 2
        if u == v:
            x0 = x1 + hw_u
            d = f"M{x0:.1f},{y1 - 6:.1f} C{x0 + 34:.1f},{y1 - 24:.1f} {x0 + 34:.1f},{y1 + 24:.1f} {x0 + 2:.1f},{y1 + 6:.1f}"
            lx, ly = x0 + 30, y1
        else:
            pts = list(reversed(routes[i])) if rev[i] else list(routes[i])
            dx = min(14.0, hw_u / 3) if rev[i] else 0.0  # keep back arcs beside forward ones
            up_dir = pts[-1][1] < pts[0][1]
            pts[0] = (pts[0][0] + dx, y1 + (-hh_u if up_dir else hh_u))
            pts[-1] = (pts[-1][0] + dx, y2 + (sizes[v][1] / 2 if up_dir else -sizes[v][1] / 2))
            if rev[i]:
                pts[1:-1] = [(px + 2 * dx, py) for px, py in pts[1:-1]]
            # Catmull-Rom through the dummies, leaving and entering boxes vertically.
            step = (pts[-1][1] - pts[0][1]) / (len(pts) - 1)
            ext = [(pts[0][0], pts[0][1] - step), *pts, (pts[-1][0], pts[-1][1] + step)]
            d = f"M{pts[0][0]:.1f},{pts[0][1]:.1f}"
            for k in range(1, len(ext) - 2):
                (ax, ay), (bx, by), (cx_, cy_), (ex, ey) = ext[k - 1 : k + 3]
                c1 = (bx + (cx_ - ax) / 6, by + (cy_ - ay) / 6)
                c2 = (cx_ - (ex - bx) / 6, cy_ - (ey - by) / 6)
                d += f" C{c1[0]:.1f},{c1[1]:.1f} {c2[0]:.1f},{c2[1]:.1f} {cx_:.1f},{cy_:.1f}"
            # Labels sit mid-route; a back arc's label sits higher so a pair's labels do not clash.
            mid, frac = len(pts) // 2, 0.62 if rev[i] else 0.45
            lx = pts[mid - 1][0] + frac * (pts[mid][0] - pts[mid - 1][0]) + 6
            ly = pts[mid - 1][1] + frac * (pts[mid][1] - pts[mid - 1][1]) + 4
        dash = "2,4" if edge["synthetic"] else "none" if edge["kind"] == "flow" else "6,4"
        color = stroke if edge["kind"] == "flow" else "#9aa0a6"
        parts.append(
            f'<g class="edge" data-source={_xml(edge["source"], attr=True)} '
            f"data-target={_xml(edge['target'], attr=True)}><title>{_xml(edge['title'])}</title>"
            f'<path d="{d}" fill="none" stroke="{color}" stroke-width="{edge["width"]}" stroke-dasharray="{dash}" '
            f'marker-end="url(#jl-arrow)"/>'
            f'<text x="{lx:.1f}" y="{ly:.1f}" font-size="{_FONT - 2}" fill="#333">'
            f"{_xml(edge['text'])}</text></g>"
        )
    for i, node in enumerate(nodes):
        (cx, cy), (w, h) = centres[i], sizes[i]
        title = f"<title>{_xml(node['title'])}</title>"
        if node["kind"] != "activity":
            fill = "#2e7d32" if node["kind"] == "start" else "#b71c1c"
            parts.append(
                f'<g class="node {node["kind"]}" data-id={_xml(node["id"], attr=True)}>{title}'
                f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{_TERMINAL_R}" fill="{fill}"/></g>'
            )
            continue
        fill = _blend(light, dark, node["share"])
        ink = "#ffffff" if node["share"] > 0.6 else "#1a1a1a"
        lines = [*node["lines"], node["text"]] if node["text"] else node["lines"]
        top = cy - h / 2 + _PAD_Y + _LINE_H - 3
        bold = len(lines) - 1 if node["text"] else -1  # the measure line is bold
        tspans = "".join(
            f'<tspan x="{cx:.1f}" y="{top + k * _LINE_H:.1f}"'
            + (' font-weight="bold">' if k == bold else ">")
            + f"{_xml(line)}</tspan>"
            for k, line in enumerate(lines)
        )
        parts.append(
            f'<g class="node activity" data-id={_xml(node["id"], attr=True)}>{title}'
            f'<rect x="{cx - w / 2:.1f}" y="{cy - h / 2:.1f}" width="{w:.1f}" height="{h:.1f}" '
            f'rx="6" fill="{fill}" stroke="{dark}" stroke-width="1"/>'
            f'<text text-anchor="middle" font-size="{_FONT}" fill="{ink}">{tspans}</text></g>'
        )
    edge_xs = [x + 16 for route in routes for x, _ in route]  # long arcs bend beside boxes
    right = max([c[0] + s[0] / 2 for c, s in zip(centres, sizes, strict=True)] + edge_xs)
    bottom = max((c[1] + s[1] / 2 for c, s in zip(centres, sizes, strict=True)), default=0.0)
    width, height = right + _MARGIN + 60, bottom + _MARGIN  # room for self-loops and labels
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="Helvetica, Arial, sans-serif">'
        '<defs><marker id="jl-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="9" '
        'markerHeight="9" markerUnits="userSpaceOnUse" orient="auto">'
        f'<path d="M0,0 L10,5 L0,10 z" fill="{stroke}"/></marker></defs>'
        + "".join(parts)
        + "</svg>"
    )
