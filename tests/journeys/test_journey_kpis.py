"""Touchpoint and journey KPIs, the watermelon view and the journey map.

Hand-made logs pin every measure; the generated world (``docs/demo.md``) checks the planted
truths through the public API against plain pandas on the generator's own files.
"""

from __future__ import annotations

import json

import _journeys
import numpy as np
import pandas as pd
import pytest
from _journeys import journey, log
from test_journeys import ALL, C1, PARTS

from journeylens.errors import InputError
from journeylens.journeys import Journey, JourneyDefinition
from journeylens.journeys.kpis import contacts_by_stage
from journeylens.workspace import Workspace

demo_ws = _journeys.demo_ws  # the session fixture: one generated world for all journey tests
DAY = 86400.0

# --------------------------------------------------------------------------- hand-made


@pytest.fixture(scope="module")
def j() -> Journey:
    return journey(ALL)


def test_touchpoint_kpis_by_hand(j):
    tp = j.touchpoints().set_index("touchpoint")
    # Check: c1 1200 s, c2 1800 s (both within 30 min), c3 3600 s (late).
    check = tp.loc["Check"]
    assert (check.volume, check.instances, check.sla_events, check.sla_met) == (3, 3, 3, 2)
    assert check.sla_attainment == pytest.approx(2 / 3)
    assert check.median_processing_s == 1800 and check.sla_s == 1800 and check.wait_sla_s == DAY
    # Fix (and Fix failed): c1 twice (the second a repeat), c3 once; all within 1 h.
    fix = tp.loc["Fix"]
    assert (fix.volume, fix.instances, fix.cases, fix.repeats, fix.sla_attainment) == (
        3,
        2,
        2,
        1,
        1.0,
    )
    assert fix.repeat_share == pytest.approx(1 / 3)
    assert fix.lane == "Back" and fix.stage == "Work" and fix.value_class == "value-adding"
    # No SLA: nothing evaluated; the contact is listed last, flagged as a contact.
    assert tp.loc["Order", "sla_events"] == 0 and pd.isna(tp.loc["Order", "sla_attainment"])
    assert tp.index[-1] == "Call: where?" and tp.loc["Call: where?", "is_contact"]
    assert tp.loc["Order", "reach"] == 1.0 and tp.loc["Close", "reach"] == pytest.approx(3 / 6)


def test_sla_needs_a_start_to_judge_processing_and_counts_waits():
    rows = [
        ("a", "Order", "2024-01-01 09:00", None, "Customer"),
        ("a", "Check", "2024-01-01 10:00", None, "Front"),  # no start: not judged
        ("b", "Order", "2024-01-01 09:00", None, "Customer"),
        ("b", "Fix", "2024-01-01 10:00", "2024-01-01 09:50", "Back"),
        ("b", "Check", "2024-01-03 10:00", "2024-01-03 09:50", "Front"),  # waited 2 days > 1 d
        ("c", "Fix", "2024-01-01 10:00", "2024-01-01 09:50", "Back"),
        ("c", "Check", "2024-01-01 11:00", "2024-01-01 10:50", "Front"),  # waited 50 min
    ]
    tp = journey(rows).touchpoints().set_index("touchpoint")
    assert (tp.loc["Check", "sla_events"], tp.loc["Check", "sla_met"]) == (2, 1)
    assert tp.loc["Check", "median_wait_s"] == pytest.approx((2 * DAY - 600 + 3000) / 2)
    assert pd.isna(tp.loc["Order", "median_processing_s"])  # unknown, not 0


def test_journey_kpis_by_hand(j):
    k = j.kpis().iloc[0]
    inst = j.instances()
    dur = inst["duration_s"]
    assert k.instances == 6
    assert k.median_s == dur.median() and k.p90_s == pytest.approx(np.percentile(dur, 90))
    assert k.consistency == pytest.approx(k.p90_s / k.median_s)
    assert k.cv == pytest.approx(dur.std(ddof=0) / dur.mean())
    # promise: c1, c2, c3 kept; c4 broken; c5 and c6 still open
    assert (k.promise_attainment, k.promise_evaluated) == (0.75, 4)
    assert k.rework_share == pytest.approx(1 / 6) and k.cancellation_share == pytest.approx(1 / 6)
    assert k.drop_out_share == 0.5  # only c1, c2, c3 reached Close
    assert k.contacts_per_journey == pytest.approx(1 / 6) and k.contact_share == pytest.approx(
        1 / 6
    )
    assert k.handoffs_per_journey == pytest.approx((3 + 1 + 2) / 6)
    shares = [k[f"time_{p.removesuffix('_s')}_share"] for p in PARTS]
    assert sum(shares) == pytest.approx(1.0)
    assert k.time_wait_handoff_share == pytest.approx(inst["wait_handoff_s"].sum() / dur.sum())
    assert "first_contact_resolution" not in k.index  # a service journey


def test_kpis_by_week_month_and_attribute():
    j = journey(ALL)
    weeks = j.kpis(by="week")
    assert weeks["week"].dt.strftime("%Y-%m-%d").tolist() == ["2024-01-01", "2024-01-08"]
    assert weeks["instances"].tolist() == [3, 3]  # c1 c2 c4 | c3 c5 c6
    months = j.kpis(by="month")
    assert months["instances"].tolist() == [6]
    rows = [
        ("n1", "Order", "2024-01-01 09:00", None, "Customer", None, None, "N"),
        ("n1", "Close", "2024-01-01 10:00", None, "Front", None, None, "N"),
        ("s1", "Order", "2024-01-01 09:00", None, "Customer", None, None, "S"),
        ("s1", "Close", "2024-01-05 09:00", None, "Front", None, None, "S"),
    ]
    ev = log(rows)
    cases = ev.group_by("case_id").agg(region=ev.region.max())
    by_region = Journey(journey(rows).definition, ev, cases=cases).kpis(by="region")
    got = by_region.set_index("region")["promise_attainment"].to_dict()
    assert got == {"N": 1.0, "S": 0.0}
    with pytest.raises(
        InputError, match=r"cannot group journey KPIs by 'regio'.*did you mean 'region'"
    ):
        Journey(journey(rows).definition, ev, cases=cases).kpis(by="regio")


def test_first_contact_resolution_of_contact_journeys():
    rows = [
        ("a", "Order", "2024-01-01 09:00"),
        ("a", "Close", "2024-01-01 10:00"),  # resolved, no chasing: FCR
        ("b", "Order", "2024-01-01 09:00"),
        ("b", "Call: any news?", "2024-01-01 12:00"),
        ("b", "Close", "2024-01-01 13:00"),  # the customer had to call
        ("c", "Order", "2024-01-01 09:00"),
        ("c", "Redo", "2024-01-01 10:00"),
        ("c", "Close", "2024-01-01 11:00"),  # rework
        ("d", "Order", "2024-01-01 09:00"),  # never resolved
    ]
    k = journey(rows, kind="contact").kpis().iloc[0]
    assert k.first_contact_resolution == 0.25
    assert k.repeat_contact_share == 0 and k.contact_share == 0.25


def test_watermelon_flags_green_touchpoints_with_a_red_journey(j):
    w = j.watermelon()
    assert not w.touchpoints_green and not w.flagged  # Check meets its SLA only 2 of 3 times
    assert w.lowest == ("Check", pytest.approx(2 / 3))
    assert w.promise_attainment == 0.75 and w.journey_red
    w = j.watermelon(sla_target=0.6)
    assert w.touchpoints_green and w.journey_red and w.flagged
    assert w.summary.startswith("Watermelon: green touchpoints, red journey.")
    assert not j.watermelon(sla_target=0.6, promise_target=0.7).flagged
    inst = j.instances()
    dec = w.decomposition.set_index("component")
    assert dec["total_s"].sum() == inst["duration_s"].sum()
    assert dec.loc["rework", "total_s"] == inst["rework_s"].sum() == 10800
    json.dumps(w.to_dict())  # JSON-ready
    with pytest.raises(InputError, match="sla_target must be a share between 0 and 1"):
        j.watermelon(sla_target=90)


def test_watermelon_without_a_promise_looks_at_all_journeys():
    j = journey(C1, promise=None)
    w = j.watermelon()
    assert w.promise_attainment is None and not w.journey_red and not w.flagged
    c = w.contributors.set_index(["kind", "where"])
    assert c.loc[("handoff wait", "Back → Front"), "mean_s"] == 64500
    assert c.loc[("rework", "Fix"), "mean_s"] == 7200
    assert c.loc[("rework", "Redo"), "mean_s"] == 3600
    # The call in the middle of the Front → Back wait does not split it into two handoffs.
    assert c.loc[("handoff wait", "Front → Back"), "mean_s"] == 3300 + 1800
    assert w.contributors["mean_s"].is_monotonic_decreasing


def test_contacts_are_attributed_to_the_stage_the_journey_was_in(j):
    c = contacts_by_stage(j).set_index("stage")
    assert c["contacts"].to_dict() == {"Order": 0, "Work": 1, "Done": 0}
    assert c.loc["Work", "per_100_journeys"] == pytest.approx(100 / 6)
    assert c.loc["Work", "channel_phone"] == 1


def test_journey_map_by_hand(j):
    m = j.map()
    assert m.lanes == ["Customer", "Front", "Back"] and m.stages == ["Order", "Work", "Done"]
    grid = m.grid()
    assert grid[0][0] == ["Order"] and grid[1][1] == ["Check"] and grid[1][2] == ["Close"]
    assert sorted(grid[2][1]) == ["Fix", "Redo"]
    arrows = m.handoffs.set_index(["from_touchpoint", "to_touchpoint"])
    assert arrows.loc[("Order", "Check"), "count"] == 2  # c1, c2
    assert arrows.loc[("Check", "Fix"), "count"] == 1  # c1 (Fix failed)
    assert arrows.loc[("Fix", "Check"), "count"] == 1  # c3, after the tie
    assert ("Redo", "Fix") not in arrows.index  # same lane: no handoff
    stages = m.stage_summary.set_index("stage")
    assert stages.loc["Work", "contacts"] == 1 and stages["satisfaction"].isna().all()
    data = m.to_dict()
    assert data["grid"] == grid and json.dumps(data)


def test_journey_map_satisfaction_hook(j):
    m = j.map(satisfaction={"Work": 6.5, "Done": 8})
    sat = m.stage_summary["satisfaction"]
    assert pd.isna(sat[0]) and sat.tolist()[1:] == [6.5, 8.0]
    assert m.to_dict()["stage_summary"][0]["satisfaction"] is None
    assert m.with_satisfaction({"Order": 9}).stage_summary["satisfaction"].tolist()[0] == 9.0
    with pytest.raises(InputError, match=r"unknown stage\(s\) \['Wrk'\]"):
        m.with_satisfaction({"Wrk": 5})


# --------------------------------------------------------------------------- planted truths


@pytest.fixture(scope="module")
def world(demo_ws):
    events = pd.read_csv(
        demo_ws / "data" / "events.csv", parse_dates=["timestamp", "start_timestamp"]
    )
    truth = json.loads((demo_ws / "data" / "truth.json").read_text())
    outcomes = pd.read_csv(demo_ws / "data" / "outcomes.csv")
    return events, truth, outcomes


@pytest.fixture(scope="module")
def demo(demo_ws):
    with Workspace.open(demo_ws) as ws:
        yield ws


def reference_sla(events: pd.DataFrame, slas: list[dict]) -> dict[str, float]:
    """SLA attainment per activity, measured as truth.json says (plain pandas)."""
    ev = events.reset_index(drop=True)
    ev["_row"] = np.arange(len(ev))
    ev = ev.sort_values(["case_id", "timestamp", "_row"])
    staff_end = ev["timestamp"].where(ev["department"] != "Customer")
    ev["prev_staff"] = staff_end.groupby(ev["case_id"]).transform(lambda s: s.shift().ffill())
    out = {}
    for s in slas:
        e = ev[ev["activity"] == s["activity"]]
        if e.empty:
            continue
        ok = (e["timestamp"] - e["start_timestamp"]).dt.total_seconds() <= s[
            "processing_minutes"
        ] * 60
        if s["wait_hours"] is not None:
            wait = (e["start_timestamp"] - e["prev_staff"]).dt.total_seconds()
            ok &= wait.isna() | (wait <= s["wait_hours"] * 3600)
        out[s["activity"]] = ok.mean()
    return out


def test_planted_watermelon_a(demo, world):
    events, truth, _ = world
    a = truth["truths"]["a_watermelon"]
    w = demo.journey("new_connection").watermelon()
    assert w.flagged and w.touchpoints_green and w.journey_red
    att = w.touchpoints.set_index("touchpoint")["sla_attainment"]
    assert (att >= a["sla_measurement"]["expected_met_at_least"]).all()
    assert w.promise_attainment <= a["promise"]["expected_met_at_most"]
    # Same numbers as the generator's own definitions, computed with plain pandas:
    nc = events[events["journey"] == "new_connection"]
    ref = reference_sla(nc, a["slas"])
    tps = demo.journey("new_connection").definition.touchpoints
    single = {tp.name: tp.activities[0] for tp in tps if len(tp.activities) == 1 and tp.sla_s}
    assert len(single) >= 8
    for name, activity in single.items():
        assert att[name] == pytest.approx(ref[activity]), name
    first = nc.groupby("case_id").apply(
        lambda c: (
            c.loc[c.activity == "Line activated", "timestamp"].min()
            - c.loc[c.activity == "Order placed", "timestamp"].min()
        ).total_seconds(),
        include_groups=False,
    )
    assert w.promise_attainment == pytest.approx((first <= 10 * DAY).mean())
    # Work is ~1% of the end-to-end time; the rest is waiting, mostly between departments.
    dec = w.decomposition.set_index("component")["share"]
    assert dec["processing"] < 0.02 and dec["wait at handoffs"] > 0.8
    top = w.contributors.head(3)
    assert ("handoff wait", "Scheduling → Field") in set(
        zip(top["kind"], top["where"], strict=True)
    )


def test_every_journey_of_the_world_is_a_watermelon(demo):
    for name in demo.journey_names():
        w = demo.journey(name).watermelon()
        assert w.touchpoints_green, name
        assert w.flagged == (w.promise_attainment < 0.9), name


def test_rework_is_the_failed_visits_b(demo, world):
    events, _, _ = world
    inst = demo.journey("new_connection").instances().set_index("case_id")
    nc = events[events["journey"] == "new_connection"]
    failed = set(nc.loc[nc["activity"] == "Technician visit failed", "case_id"])
    assert set(inst.index[inst["rework"]]) == failed
    incomplete = set(nc.loc[nc["activity"] == "Order details corrected", "case_id"])
    assert inst.loc[list(incomplete), "rework_events"].min() >= 3  # correct, rebook, revisit
    # Incomplete orders miss the promise far more often (median 15 vs 9.7 days).
    broken = ~inst["promise_met"].astype(bool)
    assert broken[list(incomplete)].mean() > broken.drop(list(failed)).mean() + 0.3


def test_contacts_counted_and_attributed_c(demo, world):
    events, truth, _ = world
    chase = set(truth["truths"]["c_chasing_contacts_lower_nps"]["activities"])
    j = demo.journey("new_connection")
    inst = j.instances().set_index("case_id")
    nc = events[events["journey"] == "new_connection"]
    ref = nc[nc["activity"].isin(chase)].groupby("case_id").size()
    assert inst["n_contacts"].sum() == ref.sum() > 0
    assert (inst["n_contacts"] == ref.reindex(inst.index, fill_value=0)).all()
    by_stage = contacts_by_stage(j).set_index("stage")["contacts"]
    assert by_stage.sum() == ref.sum()
    # Customers chase while waiting for the installation, never after the line is live.
    assert by_stage["Activation"] == 0 and by_stage["Aftercare"] == 0
    assert by_stage[["Preparation", "Installation"]].sum() > by_stage.sum() / 2


def test_home_move_gap_and_promise_d(demo, world):
    events, _, outcomes = world
    inst = demo.journey("home_move").instances().set_index("case_id")
    hm = events[events["journey"] == "home_move"]
    when = hm.pivot_table(index="case_id", columns="activity", values="timestamp", aggfunc="min")
    gap = (
        when["Service started at new address"] - when["Service ended at old address"]
    ).dt.total_seconds()
    assert (inst["service_gap_s"] == gap.reindex(inst.index)).all()
    assert (inst["promise_met"].astype(bool) == (gap.reindex(inst.index) <= DAY)).all()
    assert inst["promise_met"].mean() < 0.5  # most movers are without service for over a day
    churned = inst["customer_id"].isin(outcomes["customer_id"])
    g = inst["service_gap_s"] / DAY
    assert g[churned].mean() > g[~churned].mean() + 1.5
    assert (
        churned[~inst["promise_met"].astype(bool)].mean()
        > churned[inst["promise_met"].astype(bool)].mean()
    )
    # The whole move takes ~19 touchpoints.
    assert 17 <= inst["n_touchpoints"].median() <= 21


def test_kpis_by_month_and_segment_on_the_world(demo):
    j = demo.journey("repair")
    total = j.kpis().iloc[0]
    months = j.kpis(by="month")
    assert months["instances"].sum() == total.instances and len(months) >= 12
    seg = j.kpis(by="customer_segment")
    assert set(seg["customer_segment"]) == {"Consumer", "Small business", "Premium"}
    assert 0 < total.first_contact_resolution < 1
    # The NPS survey is sent after the journey; voice joins on these ids.
    inst = j.instances()
    assert inst["customer_id"].notna().all() and inst["instance_id"].is_unique


def test_filters_narrow_every_analysis(demo):
    from journeylens.mining.filters import CaseAttribute

    j = demo.journey("new_connection")
    north = CaseAttribute("region", "North")
    n_all, n_north = len(j.instances()), len(j.instances(north))
    assert 0 < n_north < n_all
    assert j.kpis(filters=north).iloc[0].instances == n_north
    assert j.map(north).instances == n_north
    assert j.watermelon(north).instances == n_north


def test_parts_sum_to_the_end_to_end_time_on_the_world(demo):
    for name in demo.journey_names():
        inst = demo.journey(name).instances()
        stages = [c for c in inst.columns if c.startswith("stage_")]
        assert (inst[PARTS].sum(axis=1) - inst["duration_s"]).abs().max() < 1e-6
        assert (inst[stages].sum(axis=1) - inst["duration_s"]).abs().max() < 1e-6


def test_definition_of_journey_objects():
    d = JourneyDefinition.from_dict("x", _journeys.BASE)
    assert repr(Journey(d, log(C1))) == "<Journey x: 3 stages, 3 lanes, 5 touchpoints>"
