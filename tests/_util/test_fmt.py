"""The one way numbers are written for people (journeylens._util.fmt)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from journeylens._util import fmt


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.412, "41%"),
        (0.4123, "41%"),
        (0.1, "10%"),
        (0.0996, "10%"),  # rounds to 10.0: written whole, like every share from 10%
        (0.094, "9.4%"),
        (0.014, "1.4%"),
        (0.001, "0.1%"),
        (0.0004, "<0.1%"),
        (0, "0%"),
        (0.0, "0%"),
        (1, "100%"),
        (np.float64(0.5), "50%"),
        (None, "–"),
        (math.nan, "–"),
        (pd.NA, "–"),
    ],
)
def test_share(value, text):
    assert fmt.share(value) == text


def test_counts_and_numbers_have_thousands_separators():
    assert fmt.count(1234567) == "1,234,567"
    assert fmt.count(np.int64(12345)) == "12,345"
    assert fmt.count(None) == "–"
    assert fmt.number(1234.567, 2) == "1,234.57"


def test_durations_read_as_before():
    assert [fmt.duration(s) for s in (42, 720, 14760, 276480, 400 * 86400)] == [
        "42 s",
        "12 min",
        "4.1 h",
        "3.2 d",
        "1.1 y",
    ]
    assert fmt.duration(None) == fmt.duration(math.nan) == "–"


def test_exact_duration_reads_back_through_parse_duration():
    from journeylens.mining.filters import parse_duration

    for seconds in (7, 600, 5400, 864000, 90061):
        assert parse_duration(fmt.exact_duration(seconds)) == seconds


def test_the_public_names_are_the_one_rule():
    import journeylens
    from journeylens.journeys import format_duration

    assert journeylens.humanize_seconds is fmt.duration
    assert format_duration is fmt.exact_duration


def test_the_web_app_and_the_report_register_the_same_filters():
    from journeylens.report.document import _env
    from journeylens.web.app import _ENV

    report = _env()
    for share in (0.412, 0.014, 0.0004, 0):
        assert _ENV.filters["pct"](share) == report.filters["pct"](share, 1) == fmt.share(share)
    assert _ENV.filters["duration"] is report.filters["dur"] is fmt.duration
    assert _ENV.filters["num"](12345) == report.filters["num"](12345) == "12,345"


def test_the_cli_tables_write_shares_by_the_rule():
    from journeylens.cli.diagnose import _cell

    assert _cell("share_of_wait", 0.412) == "41%"
    assert _cell("share_of_wait", 0.014) == "1.4%"


def test_a_diagnosis_sentence_writes_shares_by_the_rule():
    from _logs import make_log

    from journeylens.diagnose import bottlenecks

    # Per case an hour's wait before B and a minute's before C: 98.4% and 1.6% of waiting.
    rows = []
    for i in range(20):
        day = f"2024-01-{i + 1:02d}"
        rows += [(f"c{i}", "A", f"{day} 09:00"), (f"c{i}", "B", f"{day} 10:00"),
                 (f"c{i}", "C", f"{day} 10:01")]  # fmt: skip
    result = bottlenecks(make_log(rows))
    shares = dict(zip(result.table["to"], result.table["share_of_wait"], strict=True))
    assert shares["B"] == pytest.approx(3600 / 3660) and shares["C"] == pytest.approx(60 / 3660)
    text = repr(result)
    assert "A → B: 98% of waiting" in text and "B → C: 1.6% of waiting" in text


def test_a_what_if_sentence_writes_shares_by_the_rule():
    from journeylens.explain.whatif import WhatIf

    fields = dict.fromkeys(WhatIf.__dataclass_fields__)
    w = WhatIf(**{**fields, "kind": "binary", "change": "x halves", "outcome": "churn",
                  "current": 0.412, "predicted": 0.014, "difference": -0.398,
                  "difference_low": -0.4, "difference_high": -0.39, "label": "estimate"})  # fmt: skip
    assert "churn 41% → 1.4%" in w.sentence()
