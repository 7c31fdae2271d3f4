"""Column roles: detection from common names, overrides, presets and helpful errors."""

from __future__ import annotations

import pytest

from journeylens.errors import ColumnNotFoundError, InputError, JourneylensError
from journeylens.store.mapping import Mapping, detect_mapping


def test_xes_keys():
    m = detect_mapping(
        [
            "case:concept:name",
            "concept:name",
            "time:timestamp",
            "org:resource",
            "org:group",
            "lifecycle:transition",
            "case:channel",
        ]
    )
    assert m.as_dict() == {
        "case_id": "case:concept:name",
        "activity": "concept:name",
        "timestamp": "time:timestamp",
        "resource": "org:resource",
        "department": "org:group",
        "lifecycle": "lifecycle:transition",
    }
    # A case attribute named like a role is not mistaken for the role.
    assert m.channel is None


def test_common_export_names():
    cols = ["Case ID", "Activity", "Complete Timestamp", "Resource", "Variant", "customer"]
    m = detect_mapping(cols)
    assert (m.case_id, m.activity, m.timestamp, m.resource) == (
        "Case ID",
        "Activity",
        "Complete Timestamp",
        "Resource",
    )
    assert set(m.detected) == {"case_id", "activity", "timestamp", "resource"}
    assert m.columns() == {"Case ID", "Activity", "Complete Timestamp", "Resource"}


@pytest.mark.parametrize(
    ("columns", "case", "activity", "timestamp"),
    [
        (["ticket_id", "action", "created"], "ticket_id", "action", None),
        (["ticket_id", "Activity", "timestamp"], "ticket_id", "Activity", "timestamp"),
        (["CaseId", "ACTIVITY", "Time"], "CaseId", "ACTIVITY", "Time"),
        (["order id", "Event Name", "End Timestamp"], "order id", "Event Name", "End Timestamp"),
    ],
)
def test_name_variants(columns, case, activity, timestamp):
    if timestamp is None:
        with pytest.raises(InputError, match="timestamp"):
            detect_mapping(columns)
        return
    m = detect_mapping(columns)
    assert (m.case_id, m.activity, m.timestamp) == (case, activity, timestamp)


def test_best_candidate_wins_and_each_column_is_used_once():
    # "Complete Timestamp" beats "Start Timestamp" for the timestamp, which then starts.
    m = detect_mapping(["Case ID", "Activity", "Start Timestamp", "Complete Timestamp"])
    assert m.timestamp == "Complete Timestamp"
    assert m.start_timestamp == "Start Timestamp"
    assert len(m.columns()) == 4


def test_overrides_win_over_detection():
    cols = ["Case ID", "Ticket", "Activity", "Step", "Complete Timestamp", "Logged"]
    m = detect_mapping(cols, case_id="Ticket", activity="Step", timestamp="Logged")
    assert (m.case_id, m.activity, m.timestamp) == ("Ticket", "Step", "Logged")
    assert "case_id" not in m.detected
    # None means "not given": detection fills it.
    m = detect_mapping(cols, case_id=None)
    assert m.case_id == "Case ID"


def test_override_tolerates_case_and_spacing_but_never_guesses():
    m = detect_mapping(["Case ID", "Activity", "Complete Timestamp"], case_id="case_id")
    assert m.case_id == "Case ID"
    with pytest.raises(ColumnNotFoundError):
        detect_mapping(["Case ID", "Activity", "Complete Timestamp"], case_id="Case")


def test_wrong_column_names_it_and_lists_available():
    cols = ["Case ID", "Activity", "Complete Timestamp"]
    with pytest.raises(ColumnNotFoundError) as exc:
        detect_mapping(cols, activity="Task", source="log.csv")
    e = exc.value
    assert isinstance(e, InputError)
    assert isinstance(e, ValueError)
    assert isinstance(e, JourneylensError)
    msg = str(e)
    assert "'Task'" in msg
    assert "log.csv" in msg
    for c in cols:
        assert repr(c) in msg
    assert "--activity" in msg
    assert (e.role, e.name, e.available) == ("activity", "Task", cols)


def test_missing_required_role_lists_available():
    with pytest.raises(InputError) as exc:
        detect_mapping(["ticket", "what", "owner"], source="x.csv")
    msg = str(exc.value)
    assert isinstance(exc.value, ValueError)
    assert "activity" in msg
    assert "x.csv" in msg
    assert "'ticket', 'what', 'owner'" in msg
    assert "--activity" in msg


def test_unknown_role_and_preset():
    with pytest.raises(InputError, match="unknown mapping role"):
        detect_mapping(["a"], cost="a")
    with pytest.raises(InputError, match="servicenow"):
        detect_mapping(["a"], preset="sap")


def test_preset_servicenow():
    cols = [
        "number",
        "incident_state",
        "sys_updated_on",
        "sys_updated_by",
        "assignment_group",
        "contact_type",
        "priority",
    ]
    m = detect_mapping(cols, preset="servicenow")
    assert m.as_dict() == {
        "case_id": "number",
        "activity": "incident_state",
        "timestamp": "sys_updated_on",
        "resource": "sys_updated_by",
        "department": "assignment_group",
        "channel": "contact_type",
    }
    # Without the preset these names mean nothing.
    with pytest.raises(InputError):
        detect_mapping(cols)
    # A user override still beats the preset.
    assert detect_mapping(cols, preset="servicenow", resource="priority").resource == "priority"


def test_mapping_value_object():
    m = Mapping(case_id="c", activity="a", timestamp="t")
    assert m.get("resource") is None
    assert m.as_dict() == {"case_id": "c", "activity": "a", "timestamp": "t"}
    # "detected" is bookkeeping, not part of equality.
    assert m == detect_mapping(["c", "a", "t"], case_id="c", activity="a", timestamp="t")
