"""The one activity-pattern rule (journeylens._util.patterns), in Python and in the database."""

from __future__ import annotations

import ibis
import pyarrow as pa
import pytest

from journeylens._util.patterns import column_matches, matches

ACTIVITIES = [
    "Customer call: where is my order?",
    "Customer Call: where is my order?",
    "customer chat",
    "Order placed",
    "order placed",
    "Order placed (web)",
    "T02 Check confirmation",
    "T06 Determine necessity",
    "T10 Determine necessity",
    "Fix",
    "Fixed",
    "Fix it",
    "Ändern",
    "a+b.c",
    "axb.c",
    "50% done",
    "under_score",
    "multi\nline",
    "[draft] Order",
]

PATTERNS = [
    "Order placed",  # exact, case ignored
    "ORDER PLACED",
    "Customer call*",
    "customer c?ll*",
    "Fix[!e]*",
    "Fix[e]d",
    "T[0-9][2-6] *",
    "ändern",
    "a+b.c",  # regex characters in a glob are literal
    "50% done",
    "under_score",
    "multi*",
    "[[]draft] *",
    "re:^T(06|10) ",
    "re:Determine",  # found anywhere
    "re:^order",  # case as written
    "re:(?i)^order",
    "re:ed$",
]


@pytest.mark.parametrize(
    ("pattern", "hits"),
    [
        ("Order placed", {"Order placed", "order placed"}),
        (
            "Customer call*",
            {"Customer call: where is my order?", "Customer Call: where is my order?"},
        ),
        ("Fix[!e]*", {"Fix it"}),  # one character, not "e", after "Fix"
        ("a+b.c", {"a+b.c"}),
        ("ändern", {"Ändern"}),
        ("re:^T(06|10) ", {"T06 Determine necessity", "T10 Determine necessity"}),
        ("re:^order", {"order placed"}),
        ("re:(?i)^order p", {"Order placed", "order placed", "Order placed (web)"}),
        ("[[]draft] *", {"[draft] Order"}),
    ],
)
def test_the_rule(pattern, hits):
    assert {a for a in ACTIVITIES if matches([pattern], a)} == hits


def test_a_glob_is_the_whole_name_and_a_regex_is_searched():
    assert not matches(["Order"], "Order placed")
    assert matches(["re:Order"], "Order placed")
    assert not matches(["Order placed"], "Order placed (web)")


def _column_hits(pattern: str) -> set[str]:
    t = ibis.memtable(pa.table({"activity": [*ACTIVITIES, None]}))
    rows = t.filter(column_matches(t.activity, [pattern])).to_pyarrow()
    return set(rows["activity"].to_pylist())


@pytest.mark.parametrize("pattern", PATTERNS)
def test_python_and_the_database_pick_the_same_activities(pattern):
    assert _column_hits(pattern) == {a for a in ACTIVITIES if matches([pattern], a)}


def test_several_patterns_are_or_ed_and_a_null_matches_nothing():
    t = ibis.memtable(pa.table({"activity": ["Fix", "Order placed", None]}))
    got = t.select(m=column_matches(t.activity, ["fix", "re:^Order"])).to_pyarrow()["m"]
    assert got.to_pylist() == [True, True, False]


def test_journeys_and_diagnose_pick_the_same_contacts():
    from journeylens.diagnose.steps import is_contact
    from journeylens.journeys import JourneyDefinition

    contacts = ["customer call*", "re:chat$"]
    definition = JourneyDefinition.from_dict(
        "j",
        {
            "stages": ["S"],
            "lanes": ["Customer"],
            "touchpoints": [
                {"name": "Order", "activities": ["Order placed"], "stage": "S", "lane": "Customer"}
            ],
            "contacts": contacts,
        },
    )
    t = ibis.memtable(pa.table({"activity": ACTIVITIES}))
    in_db = t.filter(is_contact(t, contacts)).to_pyarrow()["activity"].to_pylist()
    in_journey = [a for a in ACTIVITIES if definition.is_contact(a)]
    assert (
        set(in_db)
        == set(in_journey)
        == {
            "Customer call: where is my order?",
            "Customer Call: where is my order?",
            "customer chat",
        }
    )
