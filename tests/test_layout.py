"""The house rules of the package layout (docs/architecture.md), checked on the source tree.

The layer contract itself is import-linter's (``lint-imports`` in ``make test``); these hold
what it does not: no import cycle anywhere, a small package root, modules of a readable size.
"""

from __future__ import annotations

from pathlib import Path

import grimp
import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "journeylens"
MAX_ROOT_MODULES = 8
MAX_LINES = 900


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append(
                        (child, iter(sorted(graph.find_modules_directly_imported_by(child))))
                    )
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    # Every import counts: inside functions and under `if TYPE_CHECKING:` too.
    return grimp.build_graph("journeylens", cache_dir=None)


def test_the_package_has_no_import_cycle(graph):
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_planted_cycle():
    graph = grimp.build_graph("journeylens", cache_dir=None)
    # mining.cases reads store.derived: the store importing it back closes a loop.
    graph.add_import(importer="journeylens.store.derived", imported="journeylens.mining.cases")
    assert any(
        {"journeylens.store.derived", "journeylens.mining.cases"} <= set(c) for c in _cycles(graph)
    )


def test_type_only_imports_are_in_the_graph(graph):
    # journeylens.journeys.frame names BoundJourney under `if TYPE_CHECKING:` only.
    assert "journeylens.journeys.bound" in graph.find_modules_directly_imported_by(
        "journeylens.journeys.frame"
    )


def test_function_level_imports_are_in_the_graph(graph):
    # journeylens.cli.common opens the workspace inside a function only.
    assert "journeylens.workspace" in graph.find_modules_directly_imported_by(
        "journeylens.cli.common"
    )


def test_the_package_root_holds_few_modules():
    root = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(root) <= MAX_ROOT_MODULES, root


def test_no_module_is_over_900_lines():
    long = {
        str(p.relative_to(PACKAGE)): n
        for p in PACKAGE.rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def test_every_folder_of_the_package_is_a_package():
    folders = [
        d
        for d in PACKAGE.rglob("*")
        if d.is_dir() and any(d.glob("*.py")) and "__pycache__" not in d.parts
    ]
    assert folders and all((d / "__init__.py").is_file() for d in folders)
