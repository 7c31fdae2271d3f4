"""Root causes: lift with support and intervals, corrections, strata, interactions, the tree."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _world_ws import demo_path, truth

from journeylens.diagnose.case_units import case_causes, case_units
from journeylens.errors import InputError
from journeylens.explain.causes import find_causes, wilson
from journeylens.workspace import Workspace

DECOYS = ("region", "customer_segment", "preferred_contact_time")


@pytest.fixture(scope="session")
def demo(tmp_path_factory):
    path = demo_path(tmp_path_factory.getbasetemp())
    with Workspace.open(path) as ws:
        yield ws, truth(path)


def _teams(n=4000, seed=1, bad_rate=0.40, rate=0.15):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "team": rng.choice(["A", "B", "C", "D"], n),
            "region": rng.choice(["x", "y", "z"], n),
            "channel": rng.choice(["web", "phone"], n),
        }
    )
    df["revisit"] = rng.random(n) < np.where(df.team == "A", bad_rate, rate)
    return df


def test_a_planted_value_is_found_first_with_its_size_and_interval():
    df = _teams()
    res = find_causes(df, "revisit", pairs=False)
    top = res.findings.iloc[0]
    assert top["condition"] == "team = A"
    # The interval covers the planted rate, the lift is the rate over the overall rate.
    assert top["rate_low"] < 0.40 < top["rate_high"]
    assert top["lift"] == pytest.approx(top["rate"] / res.base_rate, rel=1e-9)
    assert top["coverage"] == pytest.approx(top["target_n"] / res.target_units)
    assert "team = A" in top["finding"] and "as often" in top["finding"]
    # Nothing about the noise attributes survives the correction.
    assert not res.findings["condition"].str.contains("region|channel").any()


def test_pure_noise_gives_no_finding_despite_many_tests():
    rng = np.random.default_rng(3)
    n = 3000
    df = pd.DataFrame({f"a{i}": rng.choice(list("pqrst"), n) for i in range(15)})
    df["bad"] = rng.random(n) < 0.2
    res = find_causes(df, "bad")
    assert res.tested > 500
    assert res.findings.empty


def test_min_support_keeps_tiny_groups_out():
    df = _teams(n=2000)
    df.loc[:9, "team"] = "tiny"
    df.loc[:9, "revisit"] = True
    res = find_causes(df, "revisit", min_support=30)
    assert not res.findings["condition"].str.contains("tiny").any()
    res = find_causes(df, "revisit", min_support=5, pairs=False)
    assert res.findings["condition"].str.contains("team = tiny").any()


def test_continuous_target_reports_an_interaction_as_times_longer():
    rng = np.random.default_rng(5)
    n = 6000
    df = pd.DataFrame({"channel": rng.choice(["X", "Y"], n), "team": rng.choice(["T", "U"], n)})
    both = (df.channel == "X") & (df.team == "T")
    df["duration_s"] = rng.lognormal(np.log(86400), 0.3, n) * np.where(both, 2.3, 1.0)
    res = find_causes(df, df["duration_s"], attributes=["channel", "team"])
    top = res.findings.iloc[0]
    assert top["condition"] == "channel = X and team = T"
    assert 2.0 < top["ratio"] < 2.6
    assert top["ratio_low"] < top["ratio"] < top["ratio_high"]
    assert "take 2." in top["finding"] and "longer" in top["finding"]
    assert res.kind == "continuous" and res.threshold > 0
    # The tree finds the same segment.
    best = res.tree[0]["rule"]
    assert "channel = X" in best and "team = T" in best


def test_adjusting_for_a_confounder_removes_a_false_cause():
    rng = np.random.default_rng(9)
    n = 5000
    journey = rng.choice(["move", "repair"], n, p=[0.5, 0.5])
    # Team T does mostly moves, and moves are slow: T looks slow until compared within journey.
    team = np.where(
        journey == "move",
        rng.choice(["T", "U"], n, p=[0.8, 0.2]),
        rng.choice(["T", "U"], n, p=[0.2, 0.8]),
    )
    slow = rng.random(n) < np.where(journey == "move", 0.5, 0.1)
    df = pd.DataFrame({"journey": journey, "team": team, "slow": slow})
    naive = find_causes(df, "slow", attributes=["team"])
    assert "team = T" in set(naive.findings["condition"])
    fair = find_causes(df, "slow", attributes=["team"], adjust_for=["journey"])
    assert fair.findings.empty
    assert fair.adjusted_for == ("journey",)


def test_bad_input_names_what_is_wrong():
    df = _teams(n=200)
    with pytest.raises(InputError, match=r"'nope'.*available columns"):
        find_causes(df, "nope")
    with pytest.raises(InputError, match="3 values but the unit table has 200"):
        find_causes(df, np.array([True, False, True]))
    with pytest.raises(InputError, match="adjust_for"):
        find_causes(df, "revisit", adjust_for=["journey"])
    with pytest.raises(InputError, match="empty"):
        find_causes(df.iloc[:0], "revisit")


def test_wilson_matches_the_formula():
    low, high = wilson(np.array([0, 10, 50]), np.array([20, 20, 100]))
    assert low[0] == 0 and 0 < high[0] < 0.2
    assert low[1] < 0.5 < high[1]
    assert high[2] - low[2] == pytest.approx(2 * 1.96 * np.sqrt(0.25 / 100), rel=0.05)


def test_planted_field_team_is_the_root_cause_of_revisits(demo):
    ws, t = demo
    team = t["truths"]["e_field_team_revisits"]["team"]
    res = case_causes(ws, "repeat:Technician visit*", adjust_for=["journey"])
    assert res.findings.iloc[0]["condition"] == f"field_team = {team}"
    assert res.findings.iloc[0]["lift"] > 1.2
    # The decoys and the ordering channel (planted to have no effect) are not reported.
    for attr in (*DECOYS, "first_channel"):
        assert not res.findings["condition"].str.contains(attr).any(), attr
    # The diagnosis' own rework target finds it too (a failed visit and its retry are rework).
    rework = case_causes(ws, "rework", adjust_for=["journey"])
    assert rework.findings.iloc[0]["condition"] == f"field_team = {team}"
    assert rework.extra_duration_s > 86400  # a revisit costs days


def test_case_units_carry_case_and_event_attributes(demo):
    ws, _ = demo
    units = case_units(ws)
    assert len(units) == ws.info()["cases"]
    assert {"journey", "field_team", "first_channel", "duration_s"} <= set(units.columns)
    orders = units[units.first_activity == "Order placed"]
    assert set(orders.first_channel.dropna()) <= {"web", "app", "phone", "shop"}


def test_case_target_errors_list_the_choices(demo):
    ws, _ = demo
    with pytest.raises(InputError, match=r"no event matches.*Credit check"):
        case_causes(ws, "activity:Nothing like this*")
    with pytest.raises(InputError, match="'slow', 'rework'"):
        case_causes(ws, "bogus")
