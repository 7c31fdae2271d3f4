"""Split populations: the dip test and bimodality coefficient, the low-vs-high contrast."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _world_ws import demo_path, truth

from journeylens.errors import InputError
from journeylens.explain.split import bimodality, candidate_features, split_contrast
from journeylens.voice import journey_split
from journeylens.workspace import Workspace


@pytest.fixture(scope="session")
def demo(tmp_path_factory):
    path = demo_path(tmp_path_factory.getbasetemp())
    with Workspace.open(path) as ws:
        yield ws, truth(path)


def test_bimodality_tells_two_groups_from_one():
    rng = np.random.default_rng(5)
    two = np.r_[rng.choice([1, 2], 200), rng.choice([8, 9], 300)]
    b = bimodality(two)
    assert b.bimodal and b.threshold == 2.0 and (b.low_n, b.high_n) == (200, 300)
    assert b.p_value < 0.01 and b.coefficient > 5 / 9
    assert "split in two" in b.sentence()
    # One mode, even on a 1-10 scale full of ties, is not a split.
    one = np.clip(np.rint(rng.normal(7, 1.5, 800)), 1, 10)
    assert not bimodality(one).bimodal
    assert not bimodality(rng.normal(0, 1, 500)).bimodal
    const = bimodality([5, 5, 5, 5, 5])
    assert not const.bimodal and const.threshold is None
    with pytest.raises(InputError, match="at least 4"):
        bimodality([1, 9, None])


def test_contrast_finds_the_cause_with_effect_sizes_in_plain_language():
    rng = np.random.default_rng(8)
    n = 800
    revisit = rng.random(n) < 0.3
    df = pd.DataFrame(
        {
            "instance_id": [f"i{i}" for i in range(n)],
            "revisit": revisit,
            "wait_s": np.where(revisit, 12, 6) * 86400 + rng.normal(0, 86400, n),
            "region": rng.choice(["N", "S", "E"], n),
            "noise": rng.normal(0, 1, n),
            "csat": np.where(revisit, rng.choice([1, 2], n), rng.choice([8, 9], n)),
        }
    )
    df.loc[::10, "csat"] = np.nan  # non-respondents are left out
    s = split_contrast(df, "csat")
    assert s.bimodality.bimodal and s.threshold == 2.0
    assert s.low_n + s.high_n == df["csat"].notna().sum()
    c = s.contrast.set_index(["feature", "level"])
    rev = c.loc[("revisit", "")]
    assert rev["low"] == 1.0 and rev["high"] == 0.0 and rev["effect"] == pytest.approx(np.pi)
    wait = c.loc[("wait_s", "")]
    assert wait["difference"] == pytest.approx(6.0, abs=0.3)  # days
    assert wait["difference_low"] < wait["difference"] < wait["difference_high"]
    assert wait["effect"] > 3
    assert f"{wait['difference']:.1f} days more wait_s on average" in wait["finding"]
    # Decoys are not reported (not significant).
    assert "noise" not in set(s.contrast.feature) and "region" not in set(s.contrast.feature)
    assert s.to_dict()["contrast"][0]["feature"] in ("revisit", "wait_s")
    with pytest.raises(InputError, match="every score on one side"):
        split_contrast(df, "csat", threshold=10)
    with pytest.raises(InputError, match="unknown feature"):
        split_contrast(df, "csat", features=["nope"])


def test_unimodal_scores_still_contrast_with_a_warning():
    rng = np.random.default_rng(2)
    df = pd.DataFrame({"x": rng.normal(0, 1, 400)})
    df["score"] = 5 + df.x + rng.normal(0, 1, 400)
    s = split_contrast(df, "score")
    assert not s.bimodality.bimodal and s.warnings
    assert s.contrast.feature.iloc[0] == "x"


def test_candidate_features_skip_ids_times_lists_and_free_text():
    df = pd.DataFrame(
        {
            "case_ids": [["a"], ["b"]] * 20,
            "start": pd.to_datetime(["2024-01-01"] * 40),
            "comment": [f"text {i}" for i in range(40)],
            "team": ["a", "b"] * 20,
            "n": range(40),
        }
    )
    assert candidate_features(df) == ["team", "n"]


def test_b_installation_csat_splits_on_incomplete_orders(demo):
    ws, _t = demo
    s = journey_split(ws, "new_connection", "csat_install")
    assert s.bimodality.bimodal and 2 <= s.threshold <= 6
    # The low mode is the "1-2" of the planted truth, the high one the "8-9".
    assert s.bimodality.low_mean < 3 and s.bimodality.high_mean > 7.5
    rework = s.contrast.set_index("feature").loc["rework"]
    assert rework["low"] > 0.85 and rework["high"] < 0.08
    flags = s.contrast[s.contrast.kind == "boolean"]
    assert flags.feature.iloc[0] == "rework"
    decoys = {"region", "customer_segment", "preferred_contact_time"}
    assert not decoys & set(s.contrast.feature)
    assert s.sentences()[0].startswith("the scores split in two")
