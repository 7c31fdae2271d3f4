"""The one JSON-plain rule (journeylens._util.plain)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from journeylens._util.plain import dumps, plain, records


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (np.float64(3.0), 3.0),
        (np.int32(7), 7),
        (np.bool_(False), False),
        (float("inf"), None),
        (-np.inf, None),
        (float("nan"), None),
        (pd.NA, None),
        (pd.NaT, None),
        (None, None),
        (pd.Timestamp("2024-01-02 09:30:05"), "2024-01-02T09:30:05"),
        (dt.datetime(2024, 1, 2, 9, 30), "2024-01-02T09:30:00"),
        (dt.date(2024, 1, 2), "2024-01-02"),
        (np.datetime64("2024-01-02T09:30"), "2024-01-02T09:30:00"),
        (pd.Timedelta(minutes=2, seconds=3), 123.0),
        (dt.timedelta(days=1), 86400.0),
        (np.timedelta64(90, "s"), 90.0),
        (Path("a/b.csv"), str(Path("a/b.csv"))),
        ("text", "text"),
    ],
)
def test_scalars_follow_the_rule(value, expected):
    got = plain(value)
    assert got == expected
    assert type(got) is type(expected)  # a numpy scalar never leaks out


def test_a_float_stays_a_float_and_an_int_an_int():
    assert type(plain(np.float64(3.0))) is float and type(plain(np.int64(3))) is int


def test_containers_become_lists_and_dicts_recursively():
    @dataclasses.dataclass
    class Point:
        x: float
        tags: tuple[str, ...]

    value = {
        "array": np.array([1.0, np.nan, np.inf]),
        "tuple": (np.int8(1), (2, 3)),
        "set": {3, 1, 2},
        "point": Point(np.float32(0.5), ("a",)),
        1: "int key",
        None: "none key",
    }
    assert plain(value) == {
        "array": [1.0, None, None],
        "tuple": [1, [2, 3]],
        "set": [1, 2, 3],
        "point": {"x": 0.5, "tags": ["a"]},
        "1": "int key",
        "null": "none key",
    }


def test_records_of_a_frame_with_missing_values_of_every_kind():
    frame = pd.DataFrame(
        {
            "n": pd.array([1, None], dtype="Int64"),
            "x": [0.25, np.nan],
            "at": [pd.Timestamp("2024-03-01 08:00"), pd.NaT],
            "ids": [["c1", "c2"], None],
            "who": ["ann", None],
            "ok": [True, False],
        }
    )
    rows = records(frame)
    assert rows == [
        {"n": 1, "x": 0.25, "at": "2024-03-01T08:00:00", "ids": ["c1", "c2"], "who": "ann",
         "ok": True},
        {"n": None, "x": None, "at": None, "ids": None, "who": None, "ok": False},
    ]  # fmt: skip
    assert type(rows[0]["n"]) is int and type(rows[1]["ok"]) is bool


def test_dumps_writes_strict_json():
    text = dumps({"share": np.float64(math.inf), "when": pd.Timestamp("2024-01-02"), "ü": 1})
    # allow_nan=False style: the text has no NaN/Infinity tokens, and UTF-8 is kept as written.
    assert json.loads(text, parse_constant=lambda c: pytest.fail(f"non-JSON constant {c}")) == {
        "share": None,
        "when": "2024-01-02T00:00:00",
        "ü": 1,
    }
    assert "ü" in text


def test_the_cli_json_uses_the_rule(capsys):
    from journeylens.cli.common import print_json

    print_json({"x": np.float64(3.0), "inf": np.inf, "at": pd.Timestamp("2024-01-02 03:04")})
    assert json.loads(capsys.readouterr().out) == {
        "x": 3.0,
        "inf": None,
        "at": "2024-01-02T03:04:00",
    }
