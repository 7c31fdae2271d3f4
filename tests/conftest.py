"""Small, generic fixtures shared by the test modules."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from journeylens.workspace import Workspace

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
#: Real public logs and their pm4py reference figures, beside the repository (optional).
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture
def data_dir() -> Path:
    """tests/data: small fixtures and real logs that ship with the repository."""
    return TESTS / "data"


@pytest.fixture
def shared_data() -> Path:
    """../shared/data relative to the repository root; the test is skipped when absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"{SHARED_DATA} is not there")
    return SHARED_DATA


@pytest.fixture
def make_workspace(tmp_path: Path) -> Iterator[Callable[..., Workspace]]:
    """Factory: ``make_workspace("name")`` creates a fresh workspace under tmp_path.

    Every workspace it made is closed at the end of the test.
    """
    made: list[Workspace] = []

    def make(name: str = "ws") -> Workspace:
        ws = Workspace.create(tmp_path / name)
        made.append(ws)
        return ws

    yield make
    for ws in made:
        ws.close()  # closing twice is harmless


@pytest.fixture(scope="session")
def web_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo workspace (2,000 generated journeys) for the web app's tests, built once."""
    from journeylens.generate.demo import build_demo

    path = tmp_path_factory.mktemp("web") / "demo"
    build_demo(path, scale=2_000, seed=7)
    return path
