"""Journey definitions (YAML, validation, workspace) and the journey's events and instances."""

from __future__ import annotations

from pathlib import Path

import _journeys
import pandas as pd
import pytest
import yaml
from _journeys import BASE, by_id, definition, journey

import journeylens
from journeylens.errors import InputError, WorkspaceError
from journeylens.generate.demo import demo_journeys_path, sample_log_path
from journeylens.journeys import (
    CaseSelection,
    Journey,
    JourneyDefinition,
    load_definitions,
    matches,
    suggest,
)
from journeylens.workspace import CONFIG_NAME, Workspace

DATA = Path(__file__).parent.parent / "data"
demo_ws = _journeys.demo_ws  # the session fixture: one generated world for all journey tests
EXAMPLES = Path(__file__).parent.parent.parent / "docs" / "examples"

# --------------------------------------------------------------------------- definitions


def test_definition_round_trips_through_yaml():
    d = definition(
        owner="Ops",
        kind="contact",
        customer={"column": "customer", "window": "7d"},
        measures={"fix time": {"from": "Order", "to": "Fix"}},
        cases={"attributes": {"region": ["N", "S"]}, "activities": ["Order"]},
    )
    text = yaml.safe_dump(d.to_dict())
    again = JourneyDefinition.from_dict("j", yaml.safe_load(text))
    assert again == d
    assert d.touchpoints[1].sla_s == 1800 and d.touchpoints[1].wait_sla_s == 86400
    assert d.customer.window_s == 7 * 86400
    assert d.customer_lane == "Customer"
    assert d.stage_columns() == {
        "Order": "stage_order_s",
        "Work": "stage_work_s",
        "Done": "stage_done_s",
    }


def test_patterns_exact_glob_regex_and_first_match_wins():
    assert matches(["Order"], "Order") and not matches(["Order"], "Order placed")
    assert matches(["Call: *"], "Call: where is my order?")
    assert matches(["re:^T0[2-4] "], "T03 Adjust") and not matches(["re:^T0[2-4] "], "T05 x")
    d = definition()
    assert d.touchpoint_for("Fix failed").name == "Fix"
    assert d.touchpoint_for("Unknown") is None
    assert d.is_contact("Call: when?") and not d.is_contact("Check")


def problems_of(data: dict, name: str = "nc") -> str:
    with pytest.raises(InputError) as exc:
        JourneyDefinition.from_dict(name, data)
    return str(exc.value)


def test_validation_names_the_key_path_what_is_allowed_and_a_close_match():
    tps = [dict(tp) for tp in BASE["touchpoints"]]
    tps[3] = {**tps[3], "lane": "Bakc"}
    msg = problems_of({**BASE, "touchpoints": tps})
    assert "journeys.nc.touchpoints[3].lane: 'Bakc' is not one of" in msg
    assert "'Customer', 'Front', 'Back'" in msg and "did you mean 'Back'?" in msg


def test_validation_reports_every_problem_at_once():
    tps = [dict(tp) for tp in BASE["touchpoints"]]
    tps[0] = {**tps[0], "stage": "Ordr", "value_class": "useful"}
    tps[1] = {**tps[1], "sla": "ten minutes", "rework": "yes"}
    tps[2] = {**tps[2], "name": "Order"}
    msg = problems_of({**BASE, "touchpoints": tps, "kind": "order", "promis": {}})
    for expected in (
        "journeys.nc.touchpoints[0].stage: 'Ordr' is not one of 'Order', 'Work', 'Done'",
        "did you mean 'Order'?",
        "touchpoints[0].value_class: 'useful' is not one of 'value-adding', "
        "'business-value-adding', 'non-value-adding'",
        "touchpoints[1].sla: expected a duration",
        "touchpoints[1].rework: expected true or false, found 'yes'",
        "touchpoints[2].name: touchpoint 'Order' is defined twice",
        "journeys.nc.kind: 'order' is not one of 'service', 'contact'",
        "journeys.nc.promis: unknown key",
        "did you mean 'promise'?",
    ):
        assert expected in msg, (expected, msg)
    assert msg.startswith("7 problems") and msg.count("\n  - ") == 7


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"stages": None}, "journeys.nc.stages: is required"),
        ({"stages": ["A", "A"]}, "journeys.nc.stages[1]: stage 'A' is listed twice"),
        ({"touchpoints": []}, "journeys.nc.touchpoints: is required"),
        ({"contacts": ["re:(unclosed"]}, "journeys.nc.contacts[0]: bad regular expression"),
        ({"promise": {"from": "Order", "to": "Close"}}, "journeys.nc.promise.within: is required"),
        ({"customer": {"window": "2d"}}, "journeys.nc.customer.column: is required"),
        (
            {"cases": {"filters": [{"type": "nope"}]}},
            "journeys.nc.cases.filters[0]: unknown filter",
        ),
    ],
)
def test_validation_of_single_keys(change, expected):
    assert expected in problems_of({**BASE, **change})


def test_a_touchpoint_needs_a_lane_unless_lanes_come_from_a_column():
    tps = [{k: v for k, v in tp.items() if k != "lane"} for tp in BASE["touchpoints"]]
    msg = problems_of({**BASE, "touchpoints": tps})
    assert "journeys.nc.touchpoints[0].lane: is required" in msg and "lanes_from" in msg
    ok = JourneyDefinition.from_dict("nc", {**BASE, "touchpoints": tps, "lanes_from": "department"})
    assert ok.lanes_from.column == "department"


def test_load_definitions_names_the_file(tmp_path):
    bad = tmp_path / "j.yaml"
    bad.write_text(yaml.safe_dump({"journeys": {"a": {**BASE, "lanes": "Customer"}}}))
    with pytest.raises(InputError, match=r"j\.yaml: journeys\.a\.lanes: expected a list"):
        load_definitions(bad)
    with pytest.raises(InputError, match="cannot read journey definitions"):
        load_definitions(tmp_path / "missing.yaml")


def test_check_against_data_finds_patterns_that_match_nothing():
    j = journey([("c1", "Order", "2024-01-01 09:00"), ("c1", "Chek", "2024-01-01 10:00")])
    with pytest.raises(InputError) as exc:
        j.check()
    msg = str(exc.value)
    assert "journeys.j.touchpoints[1].activities: 'Check' matches no activity" in msg
    assert "did you mean 'Chek'?" in msg


def test_check_warns_about_activities_left_out():
    rows = [
        ("c1", a, f"2024-01-01 {9 + i:02d}:00")
        for i, a in enumerate(["Order", "Check", "Fix", "Redo", "Close", "Coffee"])
    ]
    warnings = journey(rows).check()
    assert warnings == [
        "journeys.j.touchpoints[2].activities[1]: 'Fix failed' matches no activity in the data",
        "journeys.j.contacts: 'Call: *' matches no activity in the data",
        "activity 'Coffee' is in no touchpoint or contact pattern (its events are left out)",
    ]


# --------------------------------------------------------------------------- workspace


def test_workspace_saves_lists_reopens_and_deletes_journeys(make_workspace):
    ws = make_workspace()
    assert ws.journey_names() == []
    with pytest.raises(InputError, match=r"no journey named 'j'.*journey suggest"):
        ws.journey("j")
    ws.save_journey(definition("j"))
    ws.save_journey(definition("k", owner="Ann"))
    path = ws.path
    ws.close()
    with Workspace.open(path) as again:
        assert again.journey_names() == ["j", "k"]
        assert again.journey("k").definition.owner == "Ann"
        with pytest.raises(InputError, match="did you mean 'k'"):
            again.journey("kk")
        with pytest.raises(WorkspaceError, match="read-only"):
            again.save_journey(definition("x"))
    with Workspace.open(path, read_only=False) as w:
        w.delete_journey("j")
        assert w.journey_names() == ["k"]
    assert "journeys:\n  k:" in (path / CONFIG_NAME).read_text()


def test_a_bad_definition_is_not_saved(make_workspace):
    ws = make_workspace()
    ws.save_journey(definition("j"))
    before = (ws.path / CONFIG_NAME).read_text()
    bad = JourneyDefinition(name="x", stages=("A",), lanes=("L",), touchpoints=())
    with pytest.raises(InputError, match=r"journeys\.x\.touchpoints: is required"):
        ws.save_journey(bad)
    assert (ws.path / CONFIG_NAME).read_text() == before
    assert ws.journey_names() == ["j"]


def test_an_invalid_yaml_entry_is_reported_with_the_file(make_workspace):
    ws = make_workspace()
    ws.config["journeys"] = {"j": {**BASE, "stages": ["Order"]}}
    with pytest.raises(InputError) as exc:
        ws.journey("j")
    assert str(ws.path / CONFIG_NAME) in str(exc.value)
    assert "journeys.j.touchpoints[1].stage: 'Work' is not one of 'Order'" in str(exc.value)


# --------------------------------------------------------------------------- instances

# c1: the full decomposition (values worked out by hand in the comments).
C1 = [
    ("c1", "Order", "2024-01-01 09:00", "2024-01-01 08:50", "Customer"),  # proc 600
    ("c1", "Check", "2024-01-01 10:00", "2024-01-01 09:40", "Front"),  # 1200 + 2400 handoff
    ("c1", "Call: where?", "2024-01-01 11:00", "2024-01-01 10:55", "Customer", "phone"),
    # ^ 300 processing + 3300 handoff wait (Front → Back: a call does not change the lane)
    ("c1", "Fix failed", "2024-01-01 12:00", "2024-01-01 11:30", "Back"),  # 1800 + 1800 handoff
    ("c1", "Redo", "2024-01-01 13:00", "2024-01-01 12:45", "Back"),  # rework touchpoint: 3600
    ("c1", "Fix", "2024-01-01 15:00", "2024-01-01 14:00", "Back"),  # re-entered Fix: rework 7200
    ("c1", "Close", "2024-01-02 09:00", "2024-01-02 08:55", "Front"),  # 300 + 64500 handoff
]
# c2: no start timestamp on the first event, an in-lane wait.
C2 = [
    ("c2", "Order", "2024-01-03 09:00", None, "Customer"),
    ("c2", "Check", "2024-01-03 10:00", "2024-01-03 09:30", "Front"),  # 1800 + 1800 handoff
    ("c2", "Close", "2024-01-03 11:00", "2024-01-03 10:50", "Front"),  # 600 + 3000 in lane
]
# c3: a tie; rows are in source order, so Fix (earlier row) comes before Check.
C3 = [
    ("c3", "Order", "2024-01-10 09:00", None, "Customer"),
    ("c3", "Fix", "2024-01-10 10:00", "2024-01-10 09:30", "Back"),  # 1800 + 1800 handoff
    ("c3", "Check", "2024-01-10 10:00", "2024-01-10 09:00", "Front"),  # gap 0
    ("c3", "Close", "2024-01-10 12:00", "2024-01-10 11:00", "Front"),  # 3600 + 3600 in lane
]
# c4: one event, promise broken (the data runs past its deadline); c5: one event, still open.
C4 = [("c4", "Order", "2024-01-05 09:00", "2024-01-05 08:59", "Customer")]
C5 = [("c5", "Order", "2024-01-12 09:00", None, "Customer")]
# c6: cancelled, by an activity that is in no touchpoint.
C6 = [
    ("c6", "Order", "2024-01-11 09:00", None, "Customer"),
    ("c6", "Cancelled by customer", "2024-01-11 10:00", None, "Customer"),
]
ALL = C1 + C2 + C3 + C4 + C5 + C6
PARTS = ["processing_s", "wait_in_lane_s", "wait_handoff_s", "rework_s"]


@pytest.fixture(scope="module")
def inst() -> pd.DataFrame:
    return by_id(journey(ALL).instances())


def test_decomposition_by_hand(inst):
    c1 = inst.loc["c1"]
    assert c1.duration_s == 87000  # 08:50 → next day 09:00
    assert (c1.processing_s, c1.wait_in_lane_s, c1.wait_handoff_s, c1.rework_s) == (
        4200,
        0,
        72000,
        10800,
    )
    assert (c1.stage_order_s, c1.stage_work_s, c1.stage_done_s) == (600, 21600, 64800)
    assert (c1.n_events, c1.n_touchpoints, c1.n_handoffs, c1.n_contacts) == (7, 6, 3, 1)
    assert (c1.rework, c1.rework_events, c1.n_repeat_contacts) == (True, 2, 0)
    assert (c1.promise_s, c1.promise_met, c1.completed, c1.cancelled) == (86400, True, True, False)
    c2 = inst.loc["c2"]
    assert (c2.duration_s, c2.processing_s, c2.wait_in_lane_s, c2.wait_handoff_s) == (
        7200,
        2400,
        3000,
        1800,
    )
    assert (c2.n_handoffs, c2.rework) == (1, False)


def test_parts_and_stages_sum_to_the_end_to_end_time(inst):
    assert (inst[PARTS].sum(axis=1) == inst["duration_s"]).all()
    stages = ["stage_order_s", "stage_work_s", "stage_done_s"]
    assert (inst[stages].sum(axis=1) == inst["duration_s"]).all()


def test_ties_follow_source_order(inst):
    c3 = inst.loc["c3"]
    # Fix first (it gets the gap and its 1800 s of work); Check after it in a zero gap.
    assert (c3.processing_s, c3.wait_handoff_s, c3.wait_in_lane_s) == (5400, 1800, 3600)
    assert c3.n_handoffs == 2
    ev = (
        journey(ALL)
        .events()
        .filter(lambda e: e.case_id == "c3")
        .order_by(["timestamp", "event_index"])
    )
    assert ev.touchpoint.to_pyarrow().to_pylist() == ["Order", "Fix", "Check", "Close"]


def test_one_event_instances_and_promise_states(inst):
    c4, c5 = inst.loc["c4"], inst.loc["c5"]
    assert (c4.duration_s, c4.processing_s, c4.stage_order_s) == (60, 60, 60)
    assert c4.promise_met is False or c4.promise_met == False  # noqa: E712 (pandas boolean)
    assert pd.isna(c5.promise_met) and c5.duration_s == 0
    assert not c4.completed and pd.isna(c4.promise_s)


def test_cancellation_outside_the_touchpoints_is_seen(inst):
    assert inst.loc["c6", "cancelled"] and inst.loc["c6", "n_events"] == 1
    assert inst["cancelled"].sum() == 1


def test_instance_columns_follow_the_contract(inst):
    df = journey(ALL).instances()
    head = [
        "instance_id", "customer_id", "case_id", "case_ids", "start", "end", "duration_s",
        "promise_s", "promise_met", "n_events", "n_touchpoints", "n_handoffs", "n_contacts",
        "n_repeat_contacts", "rework", "rework_events", "cancelled", "completed",
        "processing_s", "wait_in_lane_s", "wait_handoff_s", "rework_s",
        "stage_order_s", "stage_work_s", "stage_done_s",
    ]  # fmt: skip
    assert list(df.columns[: len(head)]) == head
    assert df["case_ids"].tolist() == [[c] for c in df["case_id"]]
    assert df["customer_id"].isna().all()


def test_events_carry_the_journey_columns():
    ev = journey(ALL).events()
    for col in (
        "instance_id",
        "touchpoint",
        "stage",
        "lane",
        "value_class",
        "customer_facing",
        "is_contact",
    ):
        assert col in ev.columns
    rows = ev.filter(ev.case_id == "c1").order_by("event_index").to_pyarrow().to_pylist()
    call = rows[2]
    assert call["is_contact"] and call["lane"] == "Customer" and call["stage"] == "Work"
    assert [r["is_rework"] for r in rows] == [False, False, False, False, True, True, False]
    assert rows[4]["value_class"] == "non-value-adding"
    # Activities outside touchpoints and contacts are not journey events.
    assert ev.filter(ev.case_id == "c6").count().execute() == 1


def test_contacts_before_any_touchpoint_belong_to_the_first_stage():
    rows = [
        ("a", "Call: hello?", "2024-01-01 08:00", None, "Customer"),
        ("a", "Call: again?", "2024-01-01 08:30", None, "Customer"),
        ("a", "Order", "2024-01-01 09:00", None, "Customer"),
        ("a", "Check", "2024-01-01 10:00", None, "Front"),
    ]
    j = journey(rows)
    i = j.instances().iloc[0]
    assert (i.n_contacts, i.n_repeat_contacts, i.stage_order_s, i.duration_s) == (2, 1, 3600, 7200)
    assert i.wait_handoff_s == 3600 and i.wait_in_lane_s == 3600


def test_case_selection_by_attribute_and_activity():
    rows = [
        ("n1", "Order", "2024-01-01 09:00", None, "Customer", None, None, "N"),
        ("n1", "Close", "2024-01-01 10:00", None, "Front", None, None, "N"),
        ("s1", "Order", "2024-01-01 09:00", None, "Customer", None, None, "S"),
        ("s2", "Check", "2024-01-01 09:00", None, "Front", None, None, "S"),
    ]
    assert set(journey(rows, cases={"attributes": {"region": "S"}}).instances()["case_id"]) == {
        "s1",
        "s2",
    }
    picked = journey(rows, cases={"activities": ["Ord*"], "attributes": {"region": ["S"]}})
    assert picked.instances()["case_id"].tolist() == ["s1"]
    filt = journey(rows, cases={"filters": [{"type": "case_ids", "ids": ["n1"]}]})
    assert filt.instances()["case_id"].tolist() == ["n1"]


def test_customer_journeys_join_cases_within_the_window():
    rows = [
        ("a1", "Order", "2024-01-01 09:00", None, "Customer", None, "C1"),
        ("a1", "Check", "2024-01-02 09:00", None, "Front", None, "C1"),
        # starts 2 days after a1 ended: same journey (window 3 days)
        ("a2", "Call: again", "2024-01-04 09:00", None, "Customer", "phone", "C1"),
        ("a2", "Fix", "2024-01-05 09:00", None, "Back", None, "C1"),
        ("a2", "Close", "2024-01-06 09:00", None, "Front", None, "C1"),
        # starts 10 days later: a new journey of the same customer
        ("a3", "Order", "2024-01-16 09:00", None, "Customer", None, "C1"),
        # another customer; and a case without a customer id stays on its own
        ("b1", "Order", "2024-01-02 09:00", None, "Customer", None, "C2"),
        ("x1", "Order", "2024-01-02 10:00", None, "Customer", None, None),
    ]
    j = journey(rows, customer={"column": "customer", "window": "3d"})
    df = by_id(j.instances())
    assert sorted(df.index) == ["C1#1", "C1#2", "C2#1", "x1"]
    first = df.loc["C1#1"]
    assert first.case_ids == ["a1", "a2"] and first.case_id == "a1"
    assert (first.duration_s, first.n_events, first.n_contacts) == (5 * 86400, 5, 1)
    assert not first.promise_met and first.promise_s == 5 * 86400  # promised: 2 days
    assert df.loc["C1#2", "case_ids"] == ["a3"] and df.loc["C1#2", "customer_id"] == "C1"
    assert df.loc["x1", "customer_id"] is None
    assert (df[PARTS].sum(axis=1) == df["duration_s"]).all()
    # Without a window the column only names the customer.
    alone = by_id(journey(rows, customer="customer").instances())
    assert len(alone) == 5 and alone.loc["a2", "customer_id"] == "C1"


def test_filters_apply_before_the_journey():
    from journeylens.mining.filters import CaseIds

    j = journey(ALL)
    assert j.instances(CaseIds(["c1", "c2"]))["instance_id"].tolist() == ["c1", "c2"]
    assert len(j.instances()) == 6


def test_a_filter_that_leaves_no_instance_gives_an_empty_table():
    from journeylens.mining.filters import CaseIds

    j = journey(ALL)
    empty = j.instances(CaseIds(["no such case"]))
    assert empty.empty
    assert list(empty.columns) == list(j.instances().columns)


def test_lanes_from_a_column_with_a_map():
    tps = [{k: v for k, v in tp.items() if k != "lane"} for tp in BASE["touchpoints"]]
    rows = [
        ("a", "Order", "2024-01-01 09:00", None, "Customer"),
        ("a", "Check", "2024-01-01 10:00", None, "F1"),
        ("a", "Fix", "2024-01-01 11:00", None, "B1"),
    ]
    j = journey(
        rows,
        touchpoints=tps,
        lanes_from={"column": "department", "map": {"F1": "Front", "B1": "Back"}},
    )
    lanes = j.events().order_by("event_index").lane.to_pyarrow().to_pylist()
    assert lanes == ["Customer", "Front", "Back"]
    assert j.instances().iloc[0].n_handoffs == 2


def test_missing_columns_are_reported_with_the_key():
    j = journey(C2, customer={"column": "client"})
    with pytest.raises(
        InputError,
        match=r"journeys\.j\.customer\.column: column 'client' is not in the events; columns: .*customer",
    ):
        j.instances()


# --------------------------------------------------------------------------- suggest


def test_suggest_drafts_a_valid_journey_from_the_demo_world(demo_ws):
    with Workspace.open(demo_ws) as ws:
        d = suggest(
            ws.events,
            name="nc",
            cases=CaseSelection(attributes={"journey": ("new_connection",)}),
        )
        j = Journey(d, ws.events, cases=ws.cases)
        assert j.check() == []
        n = len(j.instances())
    assert d.lanes[0] == "Customer" and {"Back office", "Field", "Scheduling"} <= set(d.lanes)
    assert set(d.contacts) == {
        "Customer call: where is my order?",
        "Customer chat: where is my order?",
        "Customer email: where is my order?",
    }
    names = [tp.name for tp in d.touchpoints]
    assert (
        names.index("Order placed")
        < names.index("Technician visit")
        < names.index("Line activated")
    )
    by = {tp.name: tp for tp in d.touchpoints}
    assert by["Appointment rescheduled"].rework and by["Order details corrected"].rework
    assert by["Technician visit"].customer_facing and by["Technician visit"].channel == "field"
    assert not by["Credit check"].customer_facing
    assert by["Technician visit failed"].value_class == "non-value-adding"
    assert d.promise.from_ == ("Order placed",) and 1 < len(d.stages) <= 6
    # the stage of each touchpoint never goes backwards in the typical order
    stage_no = [d.stages.index(tp.stage) for tp in d.touchpoints]
    assert stage_no == sorted(stage_no)
    assert n == journeylens.Workspace.open(demo_ws).journey("new_connection").instances().shape[0]


def test_suggest_reads_lanes_per_event_when_activities_change_groups():
    helpdesk = journeylens.read_events(DATA / "helpdesk.csv")
    d = suggest(helpdesk.table, name="tickets")
    assert d.lanes_from is not None and d.lanes_from.column == "department"
    assert {"Value 1", "Value 2", "Value 3", "Value 4"} <= set(d.lanes)
    assert d.customer.column == "customer"
    assert {"INVALID", "DUPLICATE"} <= {
        tp.name for tp in d.touchpoints if tp.value_class == "non-value-adding"
    }


# --------------------------------------------------------------------------- real logs


def test_helpdesk_example_definitions():
    helpdesk = journeylens.read_events(DATA / "helpdesk.csv")
    defs = load_definitions(EXAMPLES / "helpdesk_journeys.yaml")
    ticket = Journey(defs["ticket"], helpdesk.table, cases=helpdesk.cases)
    assert ticket.check() == []
    inst = ticket.instances()
    assert len(inst) == 4580 and inst["n_events"].sum() == 21348
    assert (inst[PARTS].sum(axis=1) - inst["duration_s"]).abs().max() < 1e-6
    assert inst["cancelled"].sum() == 3  # INVALID / DUPLICATE tickets
    assert "seriousness" in inst.columns  # case attributes come along
    # Lanes are the workgroups: a few tickets change group.
    assert 0 < inst["n_handoffs"].sum() < len(inst)
    care = Journey(defs["customer_care"], helpdesk.table, cases=helpdesk.cases).instances()
    assert care["n_events"].sum() == 21348
    assert len(care) < len(inst) and care["case_ids"].map(len).sum() == 4580
    assert care["customer_id"].notna().all()
    assert (care[PARTS].sum(axis=1) - care["duration_s"]).abs().max() < 1e-6


def test_receipt_example_definitions():
    receipt = journeylens.read_events(sample_log_path())
    (d,) = load_definitions(EXAMPLES / "receipt_journeys.yaml").values()
    j = Journey(d, receipt.table, cases=receipt.cases)
    assert j.check() == []  # every activity is in a touchpoint, regex and glob ones included
    inst = j.instances()
    assert len(inst) == 1434 and inst["n_events"].sum() == 8577
    tps = j.touchpoints().set_index("touchpoint")
    assert tps.loc["Stop advice decided", "volume"] == 1416 + 1283  # T06 + T10
    assert tps.loc["External advice", "volume"] == 18 + 8 + 7 + 5 + 1  # T08 + T09-*


def test_demo_workspace_has_the_world_journeys(demo_ws):
    assert sorted(load_definitions(demo_journeys_path())) == [
        "home_move",
        "new_connection",
        "repair",
    ]
    with Workspace.open(demo_ws) as ws:
        assert ws.journey_names() == ["new_connection", "home_move", "repair"]
        for name in ws.journey_names():
            assert ws.journey(name).check() == []
