"""Key drivers and what-if: planted drivers first, decoys low, effects near the truth; edges."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _world_ws import demo_path, truth

from journeylens.errors import InputError
from journeylens.explain import key_drivers, what_if
from journeylens.voice import journey_drivers, journey_what_if
from journeylens.workspace import Workspace

DECOYS = ("region", "customer_segment", "preferred_contact_time", "start_channel")


@pytest.fixture(scope="session")
def demo(tmp_path_factory):
    path = demo_path(tmp_path_factory.getbasetemp())
    with Workspace.open(path) as ws:
        yield ws, truth(path)


def _planted(n=1500, seed=0) -> pd.DataFrame:
    """A score driven by handoffs (-0.6 each) and wait (-0.4 per day); two decoys."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "handoffs": rng.poisson(4, n),
            "wait_s": rng.gamma(2.0, 1.5 * 86400, n),
            "promise_met": rng.random(n) < 0.6,
            "segment": rng.choice(["consumer", "business", "premium"], n),
            "noise": rng.normal(0, 1, n),
        }
    )
    df["csat"] = (
        9.0
        - 0.6 * df.handoffs
        - 0.4 * df.wait_s / 86400
        + 0.8 * df.promise_met
        + rng.normal(0, 1.0, n)
    )
    return df


@pytest.mark.parametrize("method", ["relative_weights", "shap"])
def test_planted_drivers_rank_first_and_effects_land_near_the_truth(method):
    d = key_drivers(_planted(), "csat", method=method)
    t = d.table.set_index("feature")
    assert set(d.table.feature[:2]) == {"handoffs", "wait_s"}
    weakest = min(t.loc["handoffs", "share"], t.loc["wait_s", "share"])
    assert max(t.loc["segment", "share"], t.loc["noise", "share"]) < min(0.06, weakest / 4)
    assert t.loc["handoffs", "effect_low"] < -0.6 < t.loc["handoffs", "effect_high"]
    assert t.loc["wait_s", "effect"] == pytest.approx(-0.4, abs=0.05)
    assert t.loc["wait_s", "unit"] == "days"
    assert t.loc["promise_met", "effect"] == pytest.approx(0.8, abs=0.15)
    assert (
        t.loc["handoffs", "share_low"]
        <= t.loc["handoffs", "share"]
        <= t.loc["handoffs", "share_high"]
    )
    assert d.stability > 0.8
    assert "each extra day of wait_s" in t.loc["wait_s", "finding"]
    if method == "relative_weights":
        # The weights add up to the model's R².
        assert 0.6 < d.r2 < 0.9


def test_results_are_deterministic():
    a = key_drivers(_planted(600), "csat", method="shap", n_boot=3).to_dict()
    b = key_drivers(_planted(600), "csat", method="shap", n_boot=3).to_dict()
    assert a == b


def test_binary_outcome_with_shap_and_log_odds():
    rng = np.random.default_rng(2)
    n = 3000
    df = pd.DataFrame(
        {"gap_s": rng.exponential(5 * 86400, n), "region": rng.choice(list("NSEW"), n)}
    )
    df["churn"] = rng.random(n) < 1 / (1 + np.exp(-(-3.0 + 0.25 * df.gap_s / 86400)))
    d = key_drivers(df, "churn")
    assert d.method == "shap" and d.kind == "binary"
    top = d.table.iloc[0]
    assert top.feature == "gap_s" and top.log_odds == pytest.approx(0.25, abs=0.05)
    assert d.r2 > 0.65  # the held-out AUC
    with pytest.raises(InputError, match="binary: relative weights"):
        key_drivers(df, "churn", method="relative_weights")


def test_edge_cases_constant_collinear_missing_few_and_one_class():
    df = _planted(400)
    df["constant"] = 3.0
    df["handoffs_copy"] = df["handoffs"] * 2
    df["sum"] = df["handoffs"] + df["noise"]
    df.loc[::5, "wait_s"] = np.nan
    d = key_drivers(df, "csat")
    assert "constant: constant; left out" in d.notes
    assert "handoffs_copy: a copy of handoffs; left out" in d.notes
    assert "sum: a linear combination of other features; left out" in d.notes
    assert any(n.startswith("wait_s: 20% missing") for n in d.notes)
    assert set(d.table.feature) == {"handoffs", "wait_s", "promise_met", "segment", "noise"}
    assert d.table.feature.iloc[0] == "handoffs"
    # Strongly correlated features are flagged.
    df2 = _planted(400)
    df2["handoffs_noisy"] = df2["handoffs"] + np.random.default_rng(1).normal(0, 0.5, 400)
    d2 = key_drivers(df2, "csat", n_boot=20)
    assert any({a, b} == {"handoffs", "handoffs_noisy"} for a, b, _r in d2.correlated)
    assert "handoffs_noisy" in d2.table.set_index("feature").loc["handoffs", "correlated_with"]
    small = key_drivers(_planted(60), "csat", n_boot=20)
    assert small.warnings and "only 60 rows" in small.warnings[0]
    with pytest.raises(InputError, match="at least 20"):
        key_drivers(_planted(15), "csat")
    one = _planted(100).assign(churn=False)
    with pytest.raises(InputError, match="single value"):
        key_drivers(one, "churn")
    with pytest.raises(InputError, match="unknown feature"):
        key_drivers(df, "csat", features=["handoffs", "nope"])


def test_what_if_scale_set_and_rate():
    df = _planted()
    halved = what_if(df, "csat", "wait_s", scale=0.5)
    mean_wait_days = df.wait_s.mean() / 86400
    assert halved.difference == pytest.approx(0.4 * mean_wait_days / 2, rel=0.15)
    assert halved.difference_low < halved.difference < halved.difference_high
    assert "association-based" in halved.sentence()
    zero = what_if(df, "csat", "handoffs", set_to=0)
    assert zero.difference == pytest.approx(0.6 * df.handoffs.mean(), rel=0.1)
    met = what_if(df, "csat", "promise_met", rate=0.9)
    assert met.difference == pytest.approx(0.8 * (0.9 - df.promise_met.mean()), abs=0.06)
    with pytest.raises(InputError, match="exactly one change"):
        what_if(df, "csat", "wait_s", scale=0.5, rate=0.3)
    with pytest.raises(InputError, match="a category"):
        what_if(df, "csat", "segment", set_to=1)


# --------------------------------------------------------------------------- the demo world


def test_b_rework_drives_installation_csat(demo):
    ws, t = demo
    d = journey_drivers(ws, "new_connection", "csat_install")
    top = d.table.iloc[0]
    assert top.feature == "rework"
    p_fail = t["truths"]["b_incomplete_orders"]["csat_p_if_visit_failed"]
    p_ok = t["truths"]["b_incomplete_orders"]["csat_p_otherwise"]
    gap = sum(int(k) * v for k, v in p_fail.items()) - sum(int(k) * v for k, v in p_ok.items())
    assert top.effect == pytest.approx(gap, abs=0.6)
    decoys = d.table[d.table.feature.isin(DECOYS)]
    assert (decoys["rank"] > 5).all() and (decoys["share"] < 0.03).all()


def test_c_each_contact_lowers_nps(demo):
    ws, t = demo
    d = journey_drivers(ws, "new_connection", "nps_journey")
    assert d.table.feature.iloc[0] == "n_contacts" and d.table.share.iloc[0] > 0.4
    planted = t["truths"]["c_chasing_contacts_lower_nps"]["nps_points_per_contact"]
    top = d.table.iloc[0]
    assert top.effect == pytest.approx(planted, abs=0.25)
    assert top.rank_high == 1  # first in every bootstrap
    decoys = d.table[d.table.feature.isin(DECOYS)]
    assert (decoys["share"] < 0.03).all()
    w = journey_what_if(ws, "new_connection", "nps_journey", "n_contacts", set_to=0)
    assert w.difference > 0.5 and w.difference_low > 0


def test_d_service_gap_drives_churn_after_a_move(demo):
    ws, t = demo
    d = journey_drivers(ws, "home_move", "churn")
    assert d.method == "shap" and d.table.feature.iloc[0] == "service_gap_s"
    top = d.table.iloc[0]
    slope = t["truths"]["d_move_gap_churn"]["slope_per_day"]
    assert top.log_odds_low < slope < top.log_odds_high or abs(top.log_odds - slope) < 0.08
    assert top.effect > 0 and top.unit == "days"
    decoys = d.table[d.table.feature.isin(DECOYS)]
    assert (decoys["share"] < top.share / 2).all()
    w = journey_what_if(ws, "home_move", "churn", "service_gap_s", scale=0.5)
    assert w.difference_high < 0


def test_f_no_driver_of_flat_churn_in_new_connections(demo):
    ws, _t = demo
    d = journey_drivers(ws, "new_connection", "churn", n_boot=3)
    assert d.r2 is None or d.r2 < 0.65  # held-out AUC of a model of pure noise


def test_a_feature_constant_in_some_bootstrap_samples_keeps_relative_weights_finite():
    # A rare flag is absent from many resamples; it must weigh zero there, not break the SVD.
    rng = np.random.default_rng(3)
    n = 120
    df = pd.DataFrame({"driver": rng.normal(size=n), "noise": rng.normal(size=n)})
    df["rare"] = 0.0
    df.loc[5, "rare"] = 1.0
    df["score"] = 2.0 * df["driver"] + rng.normal(scale=0.5, size=n)
    d = key_drivers(df, "score", method="relative_weights", n_boot=60, seed=1)
    assert d.table.feature.iloc[0] == "driver"
    assert np.isfinite(d.table.share.astype(float)).all()
    rare = d.table.set_index("feature").loc["rare"]
    assert float(rare.share) < 0.05


def test_journey_table_is_built_once_per_journey_and_target(demo, monkeypatch):
    from collections import OrderedDict

    from journeylens.voice import drivers
    from journeylens.voice import drivers as voice

    ws, _ = demo
    monkeypatch.setattr(drivers, "_TABLES", OrderedDict())  # whatever earlier tests cached
    d = journey_drivers(ws, "new_connection", "csat_install", n_boot=2)
    built = []
    real = voice.voice_table
    monkeypatch.setattr(voice, "voice_table", lambda *a, **k: built.append(a[1]) or real(*a, **k))
    w = journey_what_if(ws, "new_connection", "csat_install", "n_contacts", scale=0.5, n_boot=5)
    assert built == [] and w.n == d.n  # the drivers' table, reused
    journey_what_if(ws, "new_connection", "nps_journey", "n_contacts", scale=0.5, n_boot=5)
    assert built == ["new_connection"]  # another target: its own table
