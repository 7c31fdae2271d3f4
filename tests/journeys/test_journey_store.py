"""Journey results kept in the workspace file (journeylens.journeys.store)."""

from __future__ import annotations

import json
from pathlib import Path

import _journeys
import pandas as pd
import pytest
import yaml

from journeylens.journeys import frame as jf
from journeylens.journeys import load_definitions, precompute, store
from journeylens.journeys import variants as _journey_variants
from journeylens.mining.filters import CaseAttribute
from journeylens.workspace import CONFIG_NAME, Workspace

DATA = Path(__file__).parent.parent / "data"
EXAMPLES = Path(__file__).parent.parent.parent / "docs" / "examples"
demo_ws = _journeys.demo_ws


def _computed(ws: Workspace, name: str):
    j = ws.journey(name)
    j._store = None
    return j


def _same_watermelon(a, b) -> bool:
    dump = lambda w: json.dumps(w.to_dict(), sort_keys=True, default=str)  # noqa: E731
    return dump(a) == dump(b)


def test_stored_results_equal_the_computed_ones(demo_ws):
    with Workspace.open(demo_ws) as ws:
        for name in ws.journey_names():
            stored, computed = ws.journey(name), _computed(ws, name)
            for part in store.PARTS:
                assert store.read(stored, part) is not None, (name, part)
            pd.testing.assert_frame_equal(stored.instances(), computed.instances())
            pd.testing.assert_frame_equal(stored.touchpoints(), computed.touchpoints())
            pd.testing.assert_frame_equal(stored.kpis(by="week"), computed.kpis(by="week"))
            pd.testing.assert_frame_equal(stored.variant_families(), computed.variant_families())
            pd.testing.assert_frame_equal(
                stored.instance_families(top=3), computed.instance_families(top=3)
            )
            assert _same_watermelon(stored.watermelon(), computed.watermelon()), name
            # Other targets are applied to the stored sums too.
            assert _same_watermelon(
                stored.watermelon(sla_target=0.5, promise_target=0.99, top=3),
                computed.watermelon(sla_target=0.5, promise_target=0.99, top=3),
            )


def test_unfiltered_analyses_read_and_filtered_ones_compute(demo_ws, monkeypatch):
    def no_frame(*_args, **_kwargs):
        raise AssertionError("computed the frame")

    with Workspace.open(demo_ws) as ws:
        region = ws.events.select("region").limit(1).to_pyarrow()["region"][0].as_py()
        monkeypatch.setattr(jf, "frame", no_frame)
        j = ws.journey("new_connection")
        assert len(j.instances()) > 100
        assert len(j.touchpoints()) > 5 and j.watermelon().instances == len(j.instances())
        monkeypatch.setattr(_journey_variants, "frame", no_frame)
        assert j.variant_families()["instances"].sum() == len(j.instances())
        with pytest.raises(AssertionError, match="computed the frame"):
            j.instances(CaseAttribute("region", [region]))


def _import_small(ws: Workspace, path: Path) -> None:
    header = (DATA / "helpdesk.csv").read_text().splitlines()[0]
    rows = [
        "Case X,Assign seriousness,Value 1,2014/01/02 09:00:00.000" + ",x" * 12,
        "Case X,Take in charge ticket,Value 1,2014/01/02 10:00:00.000" + ",x" * 12,
    ]
    path.write_text("\n".join([header, *rows]) + "\n")
    ws.import_events(path)


def test_results_follow_imports_and_definition_changes(tmp_path):
    ticket = load_definitions(EXAMPLES / "helpdesk_journeys.yaml")["ticket"]
    ws = Workspace.create(tmp_path / "ws")
    try:
        ws.import_events(DATA / "helpdesk.csv")
        ws.save_journey(ticket)
        assert store.read(ws.journey("ticket"), "instances") is not None
        before = ws.journey("ticket").instances()

        # Data changed: the import stores the journey again, with the new case.
        _import_small(ws, tmp_path / "more.csv")
        j = ws.journey("ticket")
        assert store.read(j, "instances") is not None
        assert len(j.instances()) == len(before) + 1
        pd.testing.assert_frame_equal(j.instances(), _computed(ws, "ticket").instances())
    finally:
        ws.close()

    # Edited by hand in the YAML: the stored results no longer match and are not used.
    config = yaml.safe_load((tmp_path / "ws" / CONFIG_NAME).read_text())
    config["journeys"]["ticket"]["touchpoints"][0]["sla"] = "1min"
    (tmp_path / "ws" / CONFIG_NAME).write_text(yaml.safe_dump(config, sort_keys=False))
    with Workspace.open(tmp_path / "ws", read_only=False) as ws:
        j = ws.journey("ticket")
        assert store.read(j, "touchpoints") is None
        edited = j.touchpoints()
        assert edited["sla_s"].iloc[0] == 60
        ws.save_journey(j.definition)  # saving stores it again
        again = ws.journey("ticket")
        assert store.read(again, "touchpoints") is not None
        pd.testing.assert_frame_equal(again.touchpoints(), edited)
        ws.delete_journey("ticket")
        assert ws.con.execute(f"SELECT count(*) FROM {store.TABLE}").fetchone()[0] == 0


def test_a_journey_that_does_not_fit_the_data_is_skipped(make_workspace):
    ws = make_workspace()
    ws.import_events(DATA / "helpdesk.csv")
    ticket = load_definitions(EXAMPLES / "helpdesk_journeys.yaml")["ticket"]
    ws.save_journey(ticket)
    # A lane column that is not in the events: the journey cannot be computed.
    ws.config["journeys"]["ticket"]["lanes_from"] = {"column": "no_such_column"}
    assert precompute.build(ws) == {}
    assert ws.con.execute(f"SELECT count(*) FROM {store.TABLE}").fetchone()[0] == 0
