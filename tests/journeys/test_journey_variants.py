"""Variant families: hand-made logs worked out by hand, a planted family effect, the demo world."""

from __future__ import annotations

from datetime import datetime, timedelta

import ibis
import numpy as np
import pandas as pd
import pytest
from _journeys import VARIANT_ROWS as ROWS
from _journeys import journey, log
from _world_ws import demo_path, truth

from journeylens.errors import InputError
from journeylens.explain.drivers import journey_features, key_drivers
from journeylens.journeys import Journey, JourneyDefinition
from journeylens.voice import journey_drivers
from journeylens.workspace import Workspace

MAIN = ("Order", "Check", "Fix", "Close")


def _shuffled(rows, seed: int) -> Journey:
    """The journey of ``rows`` with the event rows stored in another order (same event_index)."""
    base = journey(rows)
    table = log(rows).to_pyarrow()
    perm = np.random.default_rng(seed).permutation(table.num_rows)
    return Journey(base.definition, ibis.memtable(table.take(perm)))


def test_families_worked_out_by_hand():
    j = journey(ROWS)
    fam = j.variant_families()
    # 6 main-path instances (c1, c2, c4, c5, c9, c10); four singletons ranked by their key:
    # contacts only (""), "Order", Order-Check-Fix×2 (c8), Order-Check-Fix×2-Redo-Close (c3).
    assert fam["family"].tolist() == ["F1", "F2", "F3", "F4", "F5"]
    assert fam["instances"].tolist() == [6, 1, 1, 1, 1]
    assert fam["path"].tolist() == [
        MAIN,
        (),
        ("Order",),
        ("Order", "Check", "Fix ×2+"),
        ("Order", "Check", "Fix ×2+", "Redo", "Close"),
    ]
    assert fam["label"].tolist() == [
        "F1 (60%): Order → Check → Fix → Close",
        "F2 (10%): (no touchpoint)",
        "F3 (10%): Order",  # the path is shorter than how it differs from F1
        "F4 (10%): Order → Check → Fix ×2+",
        "F5 (10%): F1 + Fix ×2+ + Redo",
    ]
    assert fam["share"].sum() == pytest.approx(1.0)
    assert fam["cumulative_share"].iloc[-1] == pytest.approx(1.0)
    assert fam["steps"].tolist() == [4, 0, 1, 3, 5]
    # The promise (Order → Close within 2 days) holds on the main path; c6 never closed.
    assert fam.loc[0, "promise_met"] == 1.0
    per = j.instance_families().set_index("instance_id")
    assert per.loc[["c1", "c2", "c4", "c5", "c9", "c10"], "family"].eq("F1").all()
    assert per.loc["c7", "family"] == "F2" and per.loc["c8", "family"] == "F4"
    assert per.loc["c3", "variant_family"] == "F5 (10%): F1 + Fix ×2+ + Redo"


def test_top_coverage_and_min_share_pool_the_rest_into_other():
    j = journey(ROWS)
    fam = j.variant_families(top=2)
    assert fam["family"].tolist() == ["F1", "F2", "other"]
    other = fam.iloc[-1]
    assert other["instances"] == 3 and other["paths"] == 3 and other["path"] is None
    assert other["label"] == "other (30%): 3 rarer paths"
    assert pd.isna(other["steps"])
    # Coverage: F1 alone covers 60%, so 0.6 keeps F1 only.
    assert j.variant_families(coverage=0.6)["family"].tolist() == ["F1", "other"]
    assert j.variant_families(min_share=0.2)["family"].tolist() == ["F1", "other"]
    assert j.variant_families(top=None, min_share=None)["family"].tolist()[-1] == "F5"
    per = j.instance_families(top=2).set_index("instance_id")
    assert per.loc["c3", "family"] == "other"
    assert per.loc["c3", "variant_family"] == "other (30%): 3 rarer paths"
    for bad in ({"top": 0}, {"top": True}, {"coverage": 1.5}, {"min_share": 1.0}):
        with pytest.raises(InputError):
            j.variant_families(**bad)


@pytest.mark.parametrize("seed", [1, 2])
def test_ids_do_not_depend_on_the_row_order(seed):
    a = journey(ROWS)
    b = _shuffled(ROWS, seed)
    pd.testing.assert_frame_equal(a.variant_families(), b.variant_families())
    pd.testing.assert_frame_equal(a.instance_families(), b.instance_families())


def test_filters_apply_first():
    from journeylens.mining.filters import CaseIds

    fam = journey(ROWS).variant_families(CaseIds(["c3", "c6", "c1"]))
    # Ties of one instance each, ranked by key: "Order" < ...Fix×2... < ...Fix, Close.
    assert fam["label"].tolist() == [
        "F1 (33%): Order",
        "F2 (33%): Order → Check → Fix ×2+ → Redo → Close",
        "F3 (33%): Order → Check → Fix → Close",
    ]
    assert journey(ROWS).variant_families(CaseIds(["nope"])).empty
    assert journey(ROWS).instance_families(CaseIds(["nope"])).empty


def test_one_family_is_a_constant_feature_left_out_with_a_note():
    rows = [r for r in ROWS if r[0] in ("c1", "c9", "c10")]
    j = journey(rows)
    per = j.instance_families()
    assert per["family"].unique().tolist() == ["F1"]
    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {
            "variant_family": per["variant_family"].iloc[0],
            "n_contacts": rng.poisson(1, 60),
        }
    )
    df["csat"] = 8 - df["n_contacts"] + rng.normal(0, 1, 60)
    d = key_drivers(df, "csat", n_boot=5)
    assert d.table["feature"].tolist() == ["n_contacts"]
    assert any(n.startswith("variant_family: constant (F1 (100%)") for n in d.notes)
    assert d.levels.empty


# --------------------------------------------------------------------------- planted effect


def _planted_world(n: int = 1200, seed: int = 3) -> tuple[Journey, pd.DataFrame]:
    """Instances of four routes; the route through the expert costs 2 CSAT points, the route
    with a letter (the decoy) costs nothing.  Step times are random, so that durations vary
    within every route."""
    rng = np.random.default_rng(seed)
    routes = {
        "main": ["Order", "Check", "Fix", "Close"],
        "expert": ["Order", "Check", "Expert", "Fix", "Close"],
        "letter": ["Order", "Check", "Fix", "Letter", "Close"],
        "shortcut": ["Order", "Fix", "Close"],
    }
    which = rng.choice(list(routes), n, p=[0.45, 0.2, 0.25, 0.1])
    rows = []
    t0 = datetime(2024, 1, 1)
    for i, r in enumerate(which):
        t = t0 + timedelta(hours=3 * i)
        for act in routes[r]:
            t += timedelta(hours=float(rng.exponential(8.0)))
            rows.append((f"c{i:04d}", act, t.isoformat(sep=" ", timespec="seconds")))
    touchpoints = [
        {"name": "Order", "activities": ["Order"], "stage": "Order", "lane": "Customer"},
        {"name": "Check", "activities": ["Check"], "stage": "Work", "lane": "Front"},
        {"name": "Expert", "activities": ["Expert"], "stage": "Work", "lane": "Back"},
        {"name": "Fix", "activities": ["Fix"], "stage": "Work", "lane": "Back"},
        {"name": "Letter", "activities": ["Letter"], "stage": "Done", "lane": "Front"},
        {"name": "Close", "activities": ["Close"], "stage": "Done", "lane": "Front"},
    ]
    j = Journey(
        JourneyDefinition.from_dict(
            "planted",
            {
                "stages": ["Order", "Work", "Done"],
                "lanes": ["Customer", "Front", "Back"],
                "touchpoints": touchpoints,
                "promise": {"from": "Order", "to": "Close", "within": "2d"},
            },
        ),
        log(rows),
    )
    inst = j.instances()
    route = pd.Series(which, index=[f"c{i:04d}" for i in range(n)])
    inst["csat"] = (
        8.0 - 2.0 * (inst["instance_id"].map(route) == "expert") + rng.normal(0, 1.0, len(inst))
    )
    inst["segment"] = rng.choice(["a", "b", "c"], len(inst))  # a decoy attribute
    fam = j.instance_families().set_index("instance_id")["variant_family"]
    inst["variant_family"] = inst["instance_id"].map(fam)
    return j, inst


def test_a_planted_family_effect_ranks_first_and_lands_near_the_truth():
    _j, table = _planted_world()
    feats = journey_features(table, exclude=["csat"])
    assert "variant_family" in feats
    d = key_drivers(table, "csat", features=feats, n_boot=50)
    t = d.table.set_index("feature")
    assert d.table["feature"].iloc[0] == "variant_family"
    assert t.loc["variant_family", "share"] > 0.5
    assert t.loc["variant_family", "effect"] == pytest.approx(-2.0, abs=0.3)
    assert "+ Expert" in t.loc["variant_family", "detail"]
    levels = d.levels[d.levels["feature"] == "variant_family"].set_index("level")
    expert = levels[levels.index.str.contains(r"\+ Expert")].iloc[0]
    letter = levels[levels.index.str.contains(r"\+ Letter")].iloc[0]
    assert expert["effect_low"] < -2.0 < expert["effect_high"]
    assert expert["difference"] == pytest.approx(-2.0, abs=0.3)
    assert letter["effect_low"] < 0 < letter["effect_high"] and abs(letter["effect"]) < 0.3
    assert levels["reference"].sum() == 1 and levels[levels["reference"]].index[0].startswith("F1")
    assert t.loc["segment", "share"] < 0.05


def test_a_planted_family_with_a_binary_outcome_and_shap():
    _j, table = _planted_world(seed=4)
    table["churn"] = table["csat"] < 7.0
    feats = journey_features(table, exclude=["csat", "churn"])
    d = key_drivers(table, "churn", features=feats, n_boot=2)
    assert d.method == "shap" and d.table["feature"].iloc[0] == "variant_family"
    assert d.table["effect"].iloc[0] > 20  # percentage points more churn on the expert route


# --------------------------------------------------------------------------- the demo world


@pytest.fixture(scope="session")
def demo(tmp_path_factory):
    path = demo_path(tmp_path_factory.getbasetemp())
    with Workspace.open(path) as ws:
        yield ws, truth(path)


def test_b_the_incomplete_order_route_is_a_family(demo):
    ws, t = demo
    fam = ws.journey("new_connection").variant_families()
    corrected = fam[fam["path"].map(lambda p: p is not None and "Order details corrected" in p)]
    share = t["truths"]["b_incomplete_orders"]["share_incomplete"]
    assert corrected["share"].sum() == pytest.approx(share, abs=0.04)
    # Such a route has a second visit; its label says how it differs from the main route.
    top = corrected.iloc[0]
    assert "Technician visit ×2+" in top["path"]
    assert (
        top["label"].startswith(f"{top['family']} (")
        and "+ Order details corrected" in (top["label"])
    )
    assert fam["family"].iloc[0] == "F1" and "Order details corrected" not in fam["path"].iloc[0]
    assert (corrected["promise_met"] < fam["promise_met"].iloc[0]).all()


def test_b_the_variant_family_restates_rework_on_the_demo(demo):
    ws, t = demo
    d = journey_drivers(ws, "new_connection", "csat_install", n_boot=20)
    # The demo's other routes differ from the main one by rework only: the family adds
    # nothing beyond the flag, so it is left out with a note and rework leads.
    assert d.table["feature"].iloc[0] == "rework"
    assert "variant_family" not in set(d.table["feature"])
    assert any(n.startswith("variant_family: restates rework") for n in d.notes), d.notes
    # Without the rework flag, the family carries the planted gap on its rework routes.
    features = [f for f in d.table["feature"] if f != "rework"] + ["variant_family"]
    d = journey_drivers(ws, "new_connection", "csat_install", n_boot=20, features=features)
    assert d.table["feature"].iloc[0] == "variant_family"
    b = t["truths"]["b_incomplete_orders"]
    mean = lambda p: sum(int(k) * v for k, v in p.items())  # noqa: E731
    gap = mean(b["csat_p_if_visit_failed"]) - mean(b["csat_p_otherwise"])
    levels = d.levels[d.levels["feature"] == "variant_family"]
    corrected = levels[levels["level"].str.contains("Order details corrected")]
    big = corrected[corrected["n"] >= 50]
    assert len(big) >= 1 and (big["difference"] - gap).abs().max() < 0.6
