"""The one workspace-state token behind every cache (WorkspaceStore.state)."""

from __future__ import annotations

from pathlib import Path

import pytest

from journeylens.errors import InputError, WorkspaceError
from journeylens.journeys import JourneyDefinition
from journeylens.journeys import store as journey_store
from journeylens.mining.filters import Filters
from journeylens.store.eventlog import read_events
from journeylens.store.workspace import workspace_state
from journeylens.web.data import WorkspaceData
from journeylens.workspace import Workspace

LOG = [
    "case,activity,timestamp,department",
    "c1,Order,2024-01-01 09:00,Customer",
    "c1,Ship,2024-01-02 09:00,Back",
    "c2,Order,2024-01-01 10:00,Customer",
    "c2,Ship,2024-01-03 10:00,Back",
]
MORE = ["case,activity,timestamp,department", "c3,Order,2024-01-05 09:00,Customer"]
JOURNEY = JourneyDefinition.from_dict(
    "order",
    {
        "stages": ["Buy"],
        "lanes": ["Customer", "Back"],
        "touchpoints": [
            {"name": "Order", "activities": ["Order"], "stage": "Buy", "lane": "Customer"},
            {"name": "Ship", "activities": ["Ship"], "stage": "Buy", "lane": "Back"},
        ],
    },
)


def _csv(path: Path, rows: list[str]) -> Path:
    path.write_text("\n".join(rows) + "\n")
    return path


def test_every_change_of_the_workspace_changes_the_token_and_nothing_else_does(tmp_path):
    d = tmp_path / "ws"
    with Workspace.create(d) as ws:
        seen = [ws.state()]

        def changed() -> bool:
            now = ws.state()
            assert now == workspace_state(d)  # the folder's token and the open store's agree
            new = now != seen[-1]
            seen.append(now)
            return new

        ws.import_events(_csv(tmp_path / "log.csv", LOG))
        assert changed()
        ws.save_journey(JOURNEY)  # also stores the journey's results: one change, not two
        assert changed()
        ws.save_segment("orders", Filters())
        assert changed()
        ws.import_responses(
            _csv(tmp_path / "s.csv", ["case_id,score", "c1,9", "c2,3"]), metric="nps"
        )
        assert changed()
        ws.delete_segment("orders")
        assert changed()
        ws._store_journeys()  # results the workspace keeps for itself: not a change
        assert not changed()
    # Opening read-only and a comment written by the web app change nothing either.
    with Workspace.open(d) as ws:
        assert ws.state() == seen[-1]
    WorkspaceData(d).add_comment(
        target_kind="activity", target="Order", journey=None, author="ann", body="slow"
    )
    assert workspace_state(d) == seen[-1] == WorkspaceData(d).state()
    assert len(set(seen)) == 6


def test_the_events_scope_follows_event_imports_only(tmp_path):
    with Workspace.create(tmp_path / "ws") as ws:
        ws.import_events(_csv(tmp_path / "log.csv", LOG))
        events = ws.state(scope="events")
        ws.save_segment("all", Filters())
        ws.save_journey(JOURNEY)
        ws.import_outcomes(
            _csv(tmp_path / "o.csv", ["case_id,outcome,date", "c1,churn,2024-02-01"])
        )
        assert ws.state(scope="events") == events
        ws.import_events(_csv(tmp_path / "more.csv", MORE))
        assert ws.state(scope="events") != events


def test_the_journey_store_keys_its_rows_by_the_token(tmp_path):
    with Workspace.create(tmp_path / "ws") as ws:
        ws.import_events(_csv(tmp_path / "log.csv", LOG))
        ws.save_journey(JOURNEY)
        rows = ws.con.execute(f"SELECT DISTINCT events FROM {journey_store.TABLE}").fetchall()
        assert rows == [(ws.state(scope="events"),)]
        # A survey import leaves the stored results in use.
        ws.import_responses(_csv(tmp_path / "s.csv", ["case_id,score", "c1,9"]), metric="nps")
        assert journey_store.read(ws.journey("order"), "instances") is not None


def test_workspaces_without_a_folder_never_share_a_token(tmp_path):
    path = _csv(tmp_path / "log.csv", LOG)
    a, b = read_events(path), read_events(path)
    assert a._ws.state() != b._ws.state()
    assert a._ws.state() == a._ws.state()


def test_bad_scope_and_missing_folder_say_what_to_do(tmp_path):
    with Workspace.create(tmp_path / "ws") as ws, pytest.raises(InputError, match="'events'"):
        ws.state(scope="everything")  # type: ignore[arg-type]
    with pytest.raises(WorkspaceError, match="journeylens workspace"):
        workspace_state(tmp_path / "nowhere")
