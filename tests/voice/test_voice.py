"""Voice of the customer: import with rejects, joins to journeys, metrics with intervals,
and the planted truths of the generated world seen through them."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import yaml
from _world_ws import demo_path, truth

from journeylens.errors import InputError
from journeylens.voice import (
    join_responses,
    journey_root_causes,
    metrics,
    outcomes_frame,
    responses_frame,
    score_summary,
    unmatched_responses,
    voice_metrics,
    voice_table,
)
from journeylens.workspace import Workspace


@pytest.fixture(scope="session")
def demo(tmp_path_factory):
    path = demo_path(tmp_path_factory.getbasetemp())
    with Workspace.open(path) as ws:
        yield ws, truth(path), path


# --------------------------------------------------------------------------- import


SURVEYS = """Response ID,cust,ticket,Survey Type,rating,Comments,Response Date
r1,c1,t1,csat_support,4,fine,2024-03-01 10:00:00
r2,c2,t2,csat_support,x,,2024-03-02 10:00:00
r3,,,csat_support,5,,2024-03-03 10:00:00
r4,c4,t4,nps_relationship,11,,2024-03-04
r5,c5,t5,nps_relationship,9,great,not a date
r6,c6,t6,nps_relationship,,,2024-03-06
r7,c7,t7,nps_relationship,0,awful,2024-03-07
r8,c8,t8,csat_support,1,,2024-03-08
"""


def test_import_keeps_good_rows_and_rejects_bad_ones_with_reasons(make_workspace, tmp_path):
    ws = make_workspace()
    f = tmp_path / "answers.csv"
    f.write_text(SURVEYS)
    rep = ws.import_responses(f, customer_id="cust", case_id="ticket", score="rating")
    assert rep.rows_read == rep.loaded + rep.rejected == 8
    assert rep.reasons == {
        "unparseable score": 1,
        "missing customer and case id": 1,
        "score outside the scale": 1,
        "unparseable date": 1,
        "missing score": 1,
    }
    assert rep.mapping["survey"] == "Survey Type"
    assert rep.mapping["responded_at"] == "Response Date"
    assert rep.mapping["comment"] == "Comments" and rep.mapping["response_id"] == "Response ID"
    assert rep.surveys["nps_relationship"]["metric"] == "nps"
    assert rep.surveys["nps_relationship"]["scale"] == (0.0, 10.0)
    assert rep.surveys["csat_support"] == {"metric": "csat", "scale": (1.0, 5.0), "responses": 2}
    rows = responses_frame(ws)
    assert sorted(rows["response_id"]) == ["r1", "r7", "r8"]
    rej = ws.con.execute(
        'SELECT "row", line, reason, "column", value FROM rejects ORDER BY "row"'
    ).fetchall()
    assert rej[0] == (2, 3, "unparseable score", "rating", "x")
    assert (4, 5, "score outside the scale", "rating", "11") in rej
    assert (5, 6, "unparseable date", "Response Date", "not a date") in rej
    # The source is recorded in the YAML, and re-importing adds nothing.
    cfg = yaml.safe_load((ws.path / "journeylens.yaml").read_text())
    src = cfg["sources"][-1]
    assert src["kind"] == "responses" and src["mapping"]["score"] == "rating"
    assert src["surveys"]["csat_support"] == {"metric": "csat", "scale": [1.0, 5.0]}
    again = ws.import_responses(f, customer_id="cust", case_id="ticket", score="rating")
    assert again.already_imported and len(responses_frame(ws)) == 3


def test_declared_metric_and_scale_are_enforced(make_workspace, tmp_path):
    ws = make_workspace()
    f = tmp_path / "ces.csv"
    f.write_text("customer_id,score\na,1\nb,7\nc,8\n")
    rep = ws.import_responses(f, metric="ces", scale=(1, 7))
    assert rep.surveys["ces"]["metric"] == "ces" and rep.rejected == 1
    assert responses_frame(ws)["score"].tolist() == [1.0, 7.0]
    with pytest.raises(InputError, match="unknown metric 'stars'"):
        ws.import_responses(tmp_path / "ces.csv", metric="stars")


def test_a_failed_import_leaves_the_workspace_as_it_was(make_workspace, tmp_path):
    ws = make_workspace()
    before = (ws.path / "journeylens.yaml").read_text()
    f = tmp_path / "noscore.csv"
    f.write_text("customer_id,comment\na,hello\n")
    with pytest.raises(InputError, match=r"no score column found.*--score"):
        ws.import_responses(f)
    with pytest.raises(InputError, match="column 'points' for the score was not found"):
        ws.import_responses(f, score="points")
    assert (ws.path / "journeylens.yaml").read_text() == before
    assert responses_frame(ws).empty
    assert ws.con.execute("SELECT count(*) FROM rejects").fetchone()[0] == 0


def test_outcomes_import_from_parquet(make_workspace, tmp_path):
    ws = make_workspace()
    f = tmp_path / "left.parquet"
    pd.DataFrame(
        {"customer": ["a", "b", None], "churned_at": ["2024-01-05", "2024-02-01", "2024-02-02"]}
    ).to_parquet(f)
    rep = ws.import_outcomes(f, outcome_name="Churn")
    assert (rep.loaded, rep.rejected, rep.surveys) == (2, 1, {"churn": 2})
    assert rep.reasons == {"missing customer and case id": 1}
    got = outcomes_frame(ws)
    assert got["outcome"].tolist() == ["churn", "churn"]
    assert str(got["date"].iloc[0]) == "2024-01-05 00:00:00"


# --------------------------------------------------------------------------- join


def _instances():
    return pd.DataFrame(
        {
            "instance_id": ["i1", "i2", "i3"],
            "case_ids": [["a"], ["b", "b2"], ["c"]],
            "customer_id": ["x", "y", "y"],
            "start": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-05-01"]),
            "end": pd.to_datetime(["2024-01-10", "2024-02-10", "2024-05-10"]),
        }
    )


def test_join_by_case_then_by_customer_window_and_nothing_is_dropped():
    resp = pd.DataFrame(
        {
            "case_id": ["b2", None, None, "zzz", None],
            "customer_id": ["y", "y", "y", None, "nobody"],
            "responded_at": pd.to_datetime(
                ["2024-02-15", "2024-05-20", "2024-04-01", "2024-01-02", "2024-01-02"]
            ),
            "score": [9, 3, 5, 7, 8],
        }
    )
    j = join_responses(_instances(), resp, window=(0, 30))
    assert j.matched[["instance_id", "matched_by"]].values.tolist() == [
        ["i2", "case"],
        ["i3", "customer"],
    ]
    assert j.matched["days_after"].round(1).tolist() == [5.0, 10.0]
    assert len(j.matched) + len(j.unmatched) == len(resp)
    assert j.unmatched["reason"].tolist() == [
        "no journey instance of this customer within 0 to 30 days",
        "no journey instance with this case id",
        "no journey instance of this customer",
    ]
    # by="case" never falls back to the customer.
    assert join_responses(_instances(), resp, by="case").matched["instance_id"].tolist() == ["i2"]
    with pytest.raises(InputError, match="from <= to"):
        join_responses(_instances(), resp, window=(10, 0))


# --------------------------------------------------------------------------- metrics


def test_nps_interval_is_the_trinomial_formula():
    s = score_summary([10, 9, 9, 8, 7, 3, 10, 9, 6, 10], metric="nps")
    half = 100 * 1.959963984540054 * math.sqrt((0.6 + 0.2 - 0.4**2) / 10)
    assert s["nps"] == pytest.approx(40.0)
    assert (s["nps_low"], s["nps_high"]) == pytest.approx((40 - half, 40 + half))


def test_csat_mean_t_interval_top2_wilson_and_warnings():
    rng = np.random.default_rng(4)
    scores = rng.integers(1, 6, 400).astype(float)
    s = score_summary(scores, metric="csat", scale=(1, 5))
    lo, hi = (
        scores.mean() + q * scores.std(ddof=1) / 20 * 1.9659 for q in (-1, 1)
    )  # t(0.975, 399)
    assert (s["mean_low"], s["mean_high"]) == pytest.approx((lo, hi), abs=1e-3)
    top2 = (scores >= 4).mean()
    assert s["top2"] == pytest.approx(top2) and s["top2_low"] < top2 < s["top2_high"]
    df = pd.DataFrame({"g": ["a"] * 300 + ["b"] * 5, "csat": [4.0] * 20 + [None] * 280 + [5.0] * 5})
    m = metrics(df, "csat", by="g", scale=(1, 5)).set_index("g")
    assert m.loc["a", "warning"] == "only 20 responses: too few for a reliable figure"
    m = metrics(df, "csat", by="g", scale=(1, 5), min_n=5).set_index("g")
    assert m.loc["a", "warning"].startswith("response rate 7%")
    assert m.loc["b", "warning"] is None or pd.isna(m.loc["b", "warning"])
    with pytest.raises(InputError, match="cannot group by 'team'"):
        metrics(df, "csat", by="team")


def test_rate_metric_by_month():
    df = pd.DataFrame(
        {
            "end": pd.to_datetime(["2024-01-05"] * 50 + ["2024-02-05"] * 50),
            "churn": [True] * 10 + [False] * 90,
        }
    )
    m = metrics(df, "churn", by="month")
    assert m["month"].tolist() == ["2024-01", "2024-02"]
    assert m["metric"].tolist() == ["rate", "rate"]
    assert m["rate"].tolist() == [0.2, 0.0]
    assert 0.0 < m["rate_low"].iloc[0] < 0.2 < m["rate_high"].iloc[0]


# --------------------------------------------------------------------------- planted truths


def test_demo_has_surveys_and_outcomes_joined_to_journeys(demo):
    ws, t, _path = demo
    resp = responses_frame(ws)
    assert len(resp) == t["counts"]["surveys"]
    assert set(resp["survey"]) == {"csat_install", "nps_journey"}
    assert len(outcomes_frame(ws)) == t["counts"]["churned"]
    nc = voice_table(ws, "new_connection")
    joins = nc.attrs["joins"]
    # Every CSAT after installation belongs to a new connection, matched by its case id.
    assert joins["csat_install"]["unmatched"] == 0
    assert joins["csat_install"]["matched_by"] == {"case": joins["csat_install"]["matched"]}
    assert nc["csat_install"].notna().sum() == joins["csat_install"]["matched"]
    # Every response of the demo belongs to some journey; by customer within 5 days, few do.
    assert unmatched_responses(ws).empty
    tight = unmatched_responses(ws, by="customer", window=(0, 5))
    assert len(tight) > 0.9 * len(resp)
    assert set(tight["reason"]) == {"no journey instance of this customer within 0 to 5 days"}
    # Unhappy customers answer more often (truth: 34% vs 22% after a failed visit).
    rate = nc.groupby("rework")["csat_install"].apply(lambda s: s.notna().mean())
    assert rate[True] > rate[False] + 0.07


def test_b_incomplete_orders_split_installation_csat(demo):
    ws, t, _ = demo
    by_tp = voice_metrics(ws, journey="new_connection", survey="csat_install", by="touchpoint")
    by_tp = by_tp.set_index("touchpoint")
    overall = voice_metrics(ws, journey="new_connection", survey="csat_install").iloc[0]
    corrected = by_tp.loc["Order details corrected"]
    p_fail = t["truths"]["b_incomplete_orders"]["csat_p_if_visit_failed"]
    expected = sum(int(k) * v for k, v in p_fail.items())
    assert corrected["mean"] == pytest.approx(expected, abs=0.4)
    assert corrected["mean_high"] < overall["mean_low"]
    assert corrected["top2"] < 0.03


def test_c_chasing_contacts_lower_nps_in_the_metrics(demo):
    ws, _t, _ = demo
    table = voice_table(ws, "new_connection", surveys=["nps_journey"], outcomes=[])
    table["contacts"] = table["n_contacts"].clip(upper=2)
    m = metrics(table, "nps_journey", metric="nps", by="contacts").set_index("contacts")
    assert m.loc[0, "nps_low"] > m.loc[1, "nps_high"]
    assert m.loc[1, "nps_low"] > m.loc[2, "nps_high"]


def test_d_home_moves_churn_more_and_f_regions_do_not_differ(demo):
    ws, t, _ = demo
    hm = voice_metrics(ws, journey="home_move", outcome="churn").iloc[0]
    nc = voice_metrics(ws, journey="new_connection", outcome="churn").iloc[0]
    base = t["truths"]["d_move_gap_churn"]["churn_base_other_journeys"]["new_connection"]
    assert nc["rate_low"] < base < nc["rate_high"]
    assert hm["rate_low"] > nc["rate_high"]
    by_region = voice_metrics(ws, journey="new_connection", outcome="churn", by="region")
    # A decoy: every region's interval holds the planted flat rate.
    assert ((by_region["rate_low"] < base) & (by_region["rate_high"] > base)).mean() >= 0.75


def test_root_causes_of_low_scores_and_slow_journeys(demo):
    ws, _t, _ = demo
    res = journey_root_causes(ws, "new_connection", "csat_install", low=4)
    tested = set(res.findings["attributes"].explode()) if len(res.findings) else set()
    # Decoys never come out as causes of low installation scores.
    assert not tested & {"region", "customer_segment", "preferred_contact_time"}
    with pytest.raises(InputError, match="neither a survey, an outcome"):
        journey_root_causes(ws, "new_connection", "sentiment")


def test_root_causes_find_a_planted_team_among_low_scores():
    rng = np.random.default_rng(3)
    n = 3000
    df = pd.DataFrame(
        {"team": rng.choice(list("ABCDEF"), n), "region": rng.choice(list("NSEW"), n)}
    )
    low = rng.random(n) < np.where(df.team == "A", 0.5, 0.2)
    df["csat"] = np.where(low, rng.choice([1, 2, 3], n), rng.choice([7, 8, 9], n)).astype(float)
    df.loc[::4, "csat"] = np.nan  # non-respondents are left out, not counted as happy
    from journeylens.voice import root_causes

    res = root_causes(df, "csat", low=4)
    top = res.findings.iloc[0]
    assert top["condition"] == "team = A" and res.units == df["csat"].notna().sum()
    assert top["lift_low"] < top["lift"] < top["lift_high"] and top["lift"] > 1.8
    assert not res.findings["condition"].str.contains("region").any()


def test_outcomes_without_a_date_column_import(make_workspace, tmp_path):
    ws = make_workspace()
    f = tmp_path / "left.csv"
    f.write_text("case_id,outcome\nc1,churn\nc2,\n")
    rep = ws.import_outcomes(f)
    assert (rep.loaded, rep.rejected) == (1, 1)
    assert outcomes_frame(ws)["date"].isna().all()
