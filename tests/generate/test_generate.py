"""The seeded broadband world: files, determinism, calendars, and every planted truth.

The truths are measured the way an analyst would, with plain pandas on the written files.
"""

from __future__ import annotations

import filecmp
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from journeylens.errors import InputError
from journeylens.generate.generator import (
    COMMENTS,
    EVENT_COLUMNS,
    OUTCOME_COLUMNS,
    SURVEY_COLUMNS,
    GeneratedWorld,
    generate,
)

#: The planted truths are measured on a world big enough for stable statistics ...
SCALE = 10_000
#: ... and determinism, chunking and the importer on a small one.
SMALL = 3_000
SEED = 7
FILES = ("events.csv", "surveys.csv", "outcomes.csv", "truth.json")
DEPARTMENTS = {
    "Sales",
    "Front office",
    "Back office",
    "Scheduling",
    "Field",
    "Activation",
    "Billing",
    "Customer",
}
CHANNELS = {"web", "phone", "shop", "app", "chat", "email", "field"}


class World:
    """The generated files of one run, loaded with pandas."""

    def __init__(self, gen: GeneratedWorld):
        self.gen = gen
        self.truth = json.loads(gen.truth.read_text())
        self.t = self.truth["truths"]
        self.ev = pd.read_csv(gen.events, parse_dates=["timestamp", "start_timestamp"])
        self.sv = pd.read_csv(gen.surveys, parse_dates=["responded_at"])
        self.oc = pd.read_csv(gen.outcomes, parse_dates=["date"])
        ev = self.ev
        self.chase_acts = set(self.t["c_chasing_contacts_lower_nps"]["activities"])
        self.case = ev.groupby("case_id").agg(
            journey=("journey", "first"),
            customer_id=("customer_id", "first"),
            end=("timestamp", "max"),
            segment=("customer_segment", "first"),
            contact_time=("preferred_contact_time", "first"),
            region=("region", "first"),
        )
        has = lambda a: ev.assign(x=ev.activity == a).groupby("case_id").x.any()  # noqa: E731
        self.case["corrected"] = has("Order details corrected")
        self.case["failed"] = has("Technician visit failed")
        self.case["chases"] = ev.activity.isin(self.chase_acts).groupby(ev.case_id).sum()
        self.case["churn"] = self.case.customer_id.isin(self.oc.customer_id)
        first = ev.drop_duplicates("case_id").set_index("case_id")
        self.case["order_channel"] = first.channel
        self.case["start"] = first.timestamp
        for s in ("csat_install", "nps_journey"):
            self.case[s] = self.sv[self.sv.survey == s].set_index("case_id").score
        self.nc = self.case[self.case.journey == "new_connection"]

    def first_time(self, activity: str) -> pd.Series:
        e = self.ev[self.ev.activity == activity]
        return e.groupby("case_id").timestamp.min()


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> World:
    return World(generate(tmp_path_factory.mktemp("world"), scale=SCALE, seed=SEED))


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> GeneratedWorld:
    return generate(tmp_path_factory.mktemp("small"), scale=SMALL, seed=SEED)


def days(td: pd.Series) -> pd.Series:
    return td.dt.total_seconds() / 86400


def zscores(values: pd.Series, groups: pd.Series, min_n: int = 20) -> pd.Series:
    """Per group: (group mean - overall mean) / standard error of a group of that size."""
    df = pd.DataFrame({"v": values, "g": groups}).dropna()
    sd = df.v.std()
    g = df.groupby("g").v.agg(["mean", "size"])
    g = g[g["size"] >= min_n]
    return (g["mean"] - df.v.mean()) / (sd / np.sqrt(g["size"]))


# --------------------------------------------------------------------------------------------
# Files, schemas, determinism
# --------------------------------------------------------------------------------------------


def test_files_and_schemas(world: World):
    gen, ev, sv, oc = world.gen, world.ev, world.sv, world.oc
    assert [p.name for p in (gen.events, gen.surveys, gen.outcomes, gen.truth)] == list(FILES)
    assert list(ev.columns) == list(EVENT_COLUMNS)
    assert list(sv.columns) == list(SURVEY_COLUMNS)
    assert list(oc.columns) == list(OUTCOME_COLUMNS)
    assert (gen.journeys, gen.n_events, gen.n_surveys, gen.n_churned) == (
        SCALE,
        len(ev),
        len(sv),
        len(oc),
    )
    assert ev.case_id.nunique() == SCALE == world.truth["counts"]["journeys"]
    assert ev.timestamp.notna().all() and ev.start_timestamp.notna().all()
    assert (ev.start_timestamp <= ev.timestamp).all()
    assert set(ev.department) <= DEPARTMENTS and set(ev.channel.dropna()) <= CHANNELS
    assert set(ev.journey) == {"new_connection", "repair", "home_move"}
    # Case attributes are constant within a case; field_team is set on field events only.
    for col in ("customer_id", "journey", "region", "product", "customer_segment"):
        assert ev.groupby("case_id")[col].nunique().max() == 1
    assert (ev.field_team.notna() == (ev.department == "Field")).all()
    assert ev[ev.department == "Customer"].resource.isna().all()
    assert ev[ev.department != "Customer"].resource.notna().all()
    assert 140 <= ev.resource.nunique() <= 160
    assert ev.groupby("field_team").resource.nunique().eq(6).all() and ev.field_team.nunique() == 6
    # Surveys and outcomes.
    assert set(sv.survey) == {"csat_install", "nps_journey"}
    assert sv.response_id.is_unique
    assert sv[sv.survey == "csat_install"].score.between(1, 10).all()
    assert sv[sv.survey == "nps_journey"].score.between(0, 10).all()
    assert set(sv.case_id) <= set(ev.case_id)
    assert (oc.outcome == "churn").all() and oc.customer_id.is_unique
    assert set(oc.customer_id) <= set(ev.customer_id)


def test_journey_mix_touchpoints_and_time_span(world: World):
    mix = world.case.journey.value_counts(normalize=True)
    for journey, share in world.truth["journey_mix"].items():
        assert mix[journey] == pytest.approx(share, abs=0.03)
    per_case = world.ev.groupby("case_id").size().groupby(world.case.journey).mean()
    assert 9 <= per_case["new_connection"] <= 13
    assert 17 <= per_case["home_move"] <= 21
    assert 4 <= per_case["repair"] <= 8
    start = world.case.start
    assert start.min() >= pd.Timestamp("2024-01-01") and start.max() < pd.Timestamp("2025-01-01")
    assert (start.max() - start.min()).days >= 350
    # Case numbers increase with the start of the journey.
    assert start.sort_index().is_monotonic_increasing


def test_same_seed_same_bytes_other_seed_other_bytes(small: GeneratedWorld, tmp_path: Path):
    again = generate(tmp_path / "again", scale=SMALL, seed=SEED)
    for name in FILES:
        assert filecmp.cmp(small.out_dir / name, again.out_dir / name, shallow=False), name
    other = generate(tmp_path / "other", scale=SMALL, seed=SEED + 1)
    assert not filecmp.cmp(small.events, other.events, shallow=False)
    assert not filecmp.cmp(small.surveys, other.surveys, shallow=False)


def test_output_does_not_depend_on_chunking(small: GeneratedWorld, tmp_path: Path):
    chunked = generate(tmp_path / "chunked", scale=SMALL, seed=SEED, chunk_size=701)
    for name in FILES:
        assert filecmp.cmp(small.out_dir / name, chunked.out_dir / name, shallow=False), name
    one = generate(tmp_path / "pq1", scale=SMALL, seed=SEED, format="parquet")
    many = generate(tmp_path / "pq2", scale=SMALL, seed=SEED, format="parquet", chunk_size=1000)
    t1, t2 = pq.read_table(one.events), pq.read_table(many.events)
    assert pq.ParquetFile(many.events).num_row_groups == 3
    assert t1.equals(t2)
    # Parquet holds the same events as the CSV file.
    ts = ["timestamp", "start_timestamp"]
    df = t1.to_pandas()
    ev = pd.read_csv(small.events, parse_dates=ts)
    for frame in (df, ev):
        frame[ts] = frame[ts].astype("datetime64[us]")
    pd.testing.assert_frame_equal(df, ev, check_dtype=False)


def test_importer_reads_every_row(small: GeneratedWorld):
    from journeylens.store.eventlog import read_events

    report = read_events(small.events).report
    assert report.rejected == 0
    assert report.loaded == small.n_events
    assert report.cases == SMALL
    assert report.start_after_end == 0 and report.out_of_order_cases == 0
    assert report.duplicate_events == 0
    assert set(report.mapping) == {
        "case_id",
        "activity",
        "timestamp",
        "start_timestamp",
        "resource",
        "department",
        "channel",
    }


def test_arguments_are_checked(tmp_path: Path):
    for bad in (0, -5, 1.5, True, "10"):
        with pytest.raises(InputError):
            generate(tmp_path, scale=bad)  # type: ignore[arg-type]
    with pytest.raises(InputError):
        generate(tmp_path, scale=10, format="xes")  # type: ignore[arg-type]
    with pytest.raises(InputError):
        generate(tmp_path, scale=10, seed="x")  # type: ignore[arg-type]
    with pytest.raises(InputError):
        generate(tmp_path, scale=10, chunk_size=0)


def test_tiny_world(tmp_path: Path):
    gen = generate(tmp_path, scale=1, seed=3)
    ev = pd.read_csv(gen.events)
    assert ev.case_id.unique().tolist() == ["J0000001"]
    assert gen.n_events == len(ev) > 3


# --------------------------------------------------------------------------------------------
# Calendars
# --------------------------------------------------------------------------------------------


def test_staff_work_on_working_days_in_office_hours(world: World):
    holidays = pd.to_datetime(world.truth["calendar"]["public_holidays"])
    staff = world.ev[world.ev.department != "Customer"]
    for col in ("timestamp", "start_timestamp"):
        t = staff[col]
        assert (t.dt.day_of_week < 5).all(), col
        assert not t.dt.normalize().isin(holidays).any(), col
    assert (staff.start_timestamp.dt.normalize() == staff.timestamp.dt.normalize()).all()
    start_h = staff.start_timestamp - staff.start_timestamp.dt.normalize()
    end_h = staff.timestamp - staff.timestamp.dt.normalize()
    assert (start_h >= pd.Timedelta(hours=8)).all() and (end_h <= pd.Timedelta(hours=18)).all()
    # Customers act on weekends and in the evening too.
    cust = world.ev[world.ev.department == "Customer"]
    assert (cust.timestamp.dt.day_of_week >= 5).mean() > 0.15
    assert (cust.timestamp.dt.hour >= 18).mean() > 0.1


# --------------------------------------------------------------------------------------------
# Planted truths
# --------------------------------------------------------------------------------------------


def test_a_watermelon_green_touchpoints_red_promise(world: World):
    ev, t = world.ev, world.t["a_watermelon"]
    others = ev[~ev.activity.isin(world.chase_acts)].copy()
    others["prev_end"] = others.groupby("case_id").timestamp.shift()
    staff = others[others.department != "Customer"]
    proc_min = (staff.timestamp - staff.start_timestamp).dt.total_seconds() / 60
    wait_h = (staff.start_timestamp - staff.prev_end).dt.total_seconds() / 3600
    for sla in t["slas"]:
        is_act = staff.activity == sla["activity"]
        assert is_act.sum() >= 30, sla
        assert (proc_min[is_act] <= sla["processing_minutes"]).mean() >= 0.9, sla
        if sla["wait_hours"] is not None:
            assert (wait_h[is_act] <= sla["wait_hours"]).mean() >= 0.9, sla
    promise = t["promise"]
    nc = ev[ev.journey == promise["journey"]]
    order = nc[nc.activity == promise["from"]].groupby("case_id").timestamp.min()
    live = nc[nc.activity == promise["to"]].groupby("case_id").timestamp.max()
    e2e = days(live - order)
    assert 0.25 <= (e2e <= promise["target_days"]).mean() <= 0.6
    # The time goes to waiting: touchpoint work is a sliver of the end-to-end time ...
    ncs = staff[staff.journey == promise["journey"]]
    before = ncs.timestamp <= ncs.case_id.map(live)
    work = proc_min[ncs.index][before].groupby(ncs.case_id[before]).sum() / 1440
    assert work.sum() / e2e.sum() < 0.03
    # ... and most of it passes between two departments (handoffs), not within one.
    path = others[others.case_id.isin(e2e.index) & (others.timestamp <= others.case_id.map(live))]
    path = path[path.journey == promise["journey"]]
    gap = path.groupby("case_id").timestamp.diff().dt.total_seconds()
    handoff = path.department != path.groupby("case_id").department.shift()
    assert gap[handoff].sum() / gap.sum() > 0.85


def test_b_incomplete_orders_fail_visits_and_split_csat(world: World):
    nc, t = world.nc, world.t["b_incomplete_orders"]
    assert nc.corrected.mean() == pytest.approx(t["share_incomplete"], abs=0.04)
    # Every corrected order had a failed visit first.
    assert (nc.failed | ~nc.corrected).all()
    ev = world.ev[world.ev.case_id.isin(nc.index[nc.corrected])]
    failed_at = ev[ev.activity == "Technician visit failed"].groupby("case_id").timestamp.min()
    fixed_at = ev[ev.activity == "Order details corrected"].groupby("case_id").timestamp.min()
    assert (failed_at < fixed_at).all()
    live = world.first_time("Line activated")
    e2e = days(live - world.first_time("Order placed")).reindex(nc.index)
    assert e2e[nc.corrected].median() - e2e[~nc.corrected].median() > 4
    # CSAT after installation: 1-2 after a failed visit, 8-9 for most others.
    csat = nc.csat_install.dropna()
    failed = nc.failed[csat.index]
    low, high = csat[failed], csat[~failed]
    assert low.isin([1, 2]).mean() > 0.7 and low.mean() < 3
    assert high.isin([8, 9]).mean() > 0.65 and high.mean() > 7.5
    assert csat.between(4, 7).mean() < 0.2  # bimodal: little in the middle


def test_c_chasing_contacts_lower_nps(world: World):
    t = world.t["c_chasing_contacts_lower_nps"]
    df = world.case[["chases", "nps_journey"]].dropna()
    slope = np.polyfit(df.chases, df.nps_journey, 1)[0]
    assert slope == pytest.approx(t["nps_points_per_contact"], abs=0.35)
    means = df.groupby(df.chases.clip(upper=3)).nps_journey.mean()
    assert means.is_monotonic_decreasing and means[0] - means[3] > 3
    # Repeat contacts are common enough to matter.
    assert (world.case.chases >= 2).mean() > 0.15


def test_d_move_gap_drives_churn(world: World):
    t = world.t["d_move_gap_churn"]
    ended = world.first_time("Service ended at old address")
    started = world.first_time("Service started at new address")
    hm = world.case[world.case.journey == "home_move"].copy()
    hm["gap"] = days(started - ended).reindex(hm.index).clip(lower=0)
    assert hm.gap.notna().all() and (hm.gap == 0).mean() > 0.15 and hm.gap.max() > 14
    hm["predicted"] = 1 / (1 + np.exp(-(t["intercept"] + t["slope_per_day"] * hm.gap)))
    bins = pd.cut(hm.gap, [-1, 2, 7, 1000])
    rates = hm.groupby(bins, observed=True)[["churn", "predicted"]].mean()
    assert rates.churn.is_monotonic_increasing
    assert rates.churn.iloc[-1] > 3 * rates.churn.iloc[0]
    # The observed dose-response follows the documented curve.
    n = hm.groupby(bins, observed=True).size()
    se = np.sqrt(rates.predicted * (1 - rates.predicted) / n)
    assert ((rates.churn - rates.predicted).abs() < 4 * se + 0.01).all()
    # Other journeys churn at their flat base rate.
    for journey, p in t["churn_base_other_journeys"].items():
        assert world.case[world.case.journey == journey].churn.mean() == pytest.approx(p, abs=0.02)


def test_e_one_field_team_fails_three_times_as_often(world: World):
    t = world.t["e_field_team_revisits"]
    field = world.ev[world.ev.department == "Field"]
    first = field.drop_duplicates("case_id").set_index("case_id")
    first = first[~world.case.corrected[first.index]]
    rate = (first.activity == "Technician visit failed").groupby(first.field_team).mean()
    assert rate.idxmax() == t["team"]
    assert rate.max() > 2 * rate.drop(t["team"]).max()
    assert rate.max() / rate.drop(t["team"]).mean() == pytest.approx(3, rel=0.35)
    # Its overall revisit rate (more than one visit in a case) is markedly higher too.
    visits = field.groupby("case_id").agg(team=("field_team", "first"), n=("activity", "size"))
    revisit = (visits.n > 1).groupby(visits.team).mean()
    assert revisit.idxmax() == t["team"]


def test_f_plausible_features_have_no_effect(world: World):
    case, t = world.case, world.t["f_null_features"]
    features = {
        "customer_segment": case.segment,
        "preferred_contact_time": case.contact_time,
        "region": case.region,
    }
    assert set(features) == set(t["features"])
    for name, feature in features.items():
        for outcome in ("csat_install", "nps_journey", "churn"):
            z = zscores(case[outcome].astype(float), feature)
            assert len(z) >= 3 and z.abs().max() < 4, (name, outcome, z)
    nc = world.nc
    assert zscores(nc.csat_install, nc.order_channel).abs().max() < 4
    assert zscores(nc.churn.astype(float), nc.order_channel).abs().max() < 4
    # The same yardstick sees the planted effects clearly.
    assert zscores(nc.csat_install, nc.failed).abs().max() > 10
    assert zscores(case.nps_journey, case.chases.clip(upper=3)).abs().max() > 10


# --------------------------------------------------------------------------------------------
# Surveys and outcomes
# --------------------------------------------------------------------------------------------


def test_surveys_response_rates_bias_and_timing(world: World):
    nc, case = world.nc, world.case
    csat_rate = nc.csat_install.notna().mean()
    nps_rate = case.nps_journey.notna().mean()
    assert 0.2 <= csat_rate <= 0.3 and 0.2 <= nps_rate <= 0.3
    # Unhappy customers respond more: failed visits answer CSAT more often.
    by_failed = nc.csat_install.notna().groupby(nc.failed).mean()
    assert by_failed[True] > by_failed[False] + 0.05
    sv = world.sv.join(case[["end"]], on="case_id")
    live = world.first_time("Line activated")
    csat = sv[sv.survey == "csat_install"]
    assert (csat.responded_at > csat.case_id.map(live)).all()
    assert case.loc[csat.case_id, "journey"].eq("new_connection").all()
    nps = sv[sv.survey == "nps_journey"]
    assert (nps.responded_at >= nps.end + pd.Timedelta(days=30)).all()


def test_comments_match_score_and_cause(world: World):
    sv = world.sv.join(world.case[["corrected", "failed", "chases"]], on="case_id")
    assert 0.3 < sv.comment.notna().mean() < 0.8
    patterns = [
        (key, re.compile(re.escape(t).replace(r"\{n\}", r"\d+").replace(r"\{g\}", r"\d+")))
        for key, templates in COMMENTS.items()
        for t in templates
    ]
    kind = lambda c: next((k for k, p in patterns if p.fullmatch(c)), None)  # noqa: E731
    sv["kind"] = sv.comment.dropna().map(kind)
    with_comment = sv[sv.comment.notna()]
    assert with_comment.kind.notna().all()
    assert (
        with_comment.kind.str.split(":").str[0] == with_comment.survey.str.split("_").str[0]
    ).all()
    k = with_comment.kind
    assert with_comment[k == "csat:incomplete"].corrected.all()
    assert with_comment[k == "csat:technical"].failed.all()
    assert (with_comment[k == "csat:high"].score >= 8).all()
    assert (with_comment[k == "nps:chasing"].chases >= 2).all()
    assert (with_comment[k.isin(["nps:chasing", "nps:gap", "nps:detractor"])].score <= 6).all()
    assert (with_comment[k == "nps:promoter"].score >= 9).all()
    assert (k == "csat:incomplete").sum() >= 10 and (k == "nps:chasing").sum() >= 10


def test_churn_within_90_days_of_the_journey(world: World):
    oc = world.oc.merge(world.case[["customer_id", "end"]], on="customer_id")
    assert len(oc) == len(world.oc)
    delay = (oc.date - oc.end.dt.normalize()).dt.days
    assert delay.between(0, 90).all()
    assert 0.02 < world.case.churn.mean() < 0.08


def test_truth_json_documents_the_parameters(world: World):
    truth, t = world.truth, world.t
    assert set(t) == {
        "a_watermelon",
        "b_incomplete_orders",
        "c_chasing_contacts_lower_nps",
        "d_move_gap_churn",
        "e_field_team_revisits",
        "f_null_features",
    }
    assert truth["seed"] == SEED and truth["scale"] == SCALE
    assert t["a_watermelon"]["promise"]["target_days"] == 10
    assert all(
        {"activity", "processing_minutes", "wait_hours"} <= set(s)
        for s in t["a_watermelon"]["slas"]
    )
    assert set(world.ev.activity) >= {s["activity"] for s in t["a_watermelon"]["slas"]}
    assert t["e_field_team_revisits"]["team"] in set(world.ev.field_team.dropna())
    assert t["c_chasing_contacts_lower_nps"]["nps_points_per_contact"] < 0
    assert set(t["c_chasing_contacts_lower_nps"]["activities"]) <= set(world.ev.activity)
