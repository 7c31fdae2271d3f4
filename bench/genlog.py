"""Deterministic generator of realistic service event logs for the benchmarks.

The log is a customer-service ticket process (an order / complaint flow) with rework loops,
escalations, refunds, replacements, field visits, reopenings and waits for the customer.
Cases are simulated as an absorbing Markov chain over 22 activities, vectorised with numpy
over a block of cases at a time, and written block by block with the pyarrow CSV / Parquet
writers (or as streaming XES text), so memory stays bounded whatever the size.

Columns, as a user's export would have them::

    case_id, activity, timestamp, resource, department, channel, product, region, cost

* ``case_id``: ``T`` + 8 digits; ids increase with the creation time of the case.
* ``timestamp``: ``YYYY-MM-DD HH:MM:SS`` text in CSV (no time zone), ``timestamp[us]`` in
  Parquet, ``time:timestamp`` with ``+00:00`` in XES.  Arrivals follow a weekly profile
  (busy on weekday office hours) over about two years starting 2023-01-02; the waits
  between events are log-normal per activity, slower in some regions and for some agents.
  A few events share the same second as the previous one (automatic survey after closing).
* ``resource``: about 200 agents / bots in 8 departments; a case keeps its first-level
  owner for most of its first-level work.
* ``channel``: the case's contact channel for customer-facing events, ``Internal`` for back
  office work, ``Email`` for surveys, ``On-site`` for field visits.
* ``product``, ``region``: case attributes (the same on every event of a case).
* ``cost``: event attribute, euros with two decimals.

Each case has 3 to 30 events (the last case of a file may be cut short so the total number of
events is exactly the one asked for).  Rows are sorted by timestamp within blocks of 50,000
cases (``--order time``, the default, like an export ordered by event time) or grouped by
case (``--order case``); XES is always grouped by case.  The same ``--seed`` and
``--events`` give byte-identical files.

Examples
--------
::

    python bench/genlog.py --events 5000000 --seed 1 --format csv --out bench/data/log5m.csv
    python bench/genlog.py --events 100000000 --format parquet --out bench/data/log100m.parquet
    python bench/genlog.py --events 1000000 --format xes --out bench/data/log1m.xes.gz
"""

from __future__ import annotations

import argparse
import gzip
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

#: Cases simulated per block; fixed so that a seed always gives the same file.
CASES_PER_CHUNK = 50_000
XES_CASES_PER_SLICE = 5_000
MIN_EVENTS = 3
MAX_EVENTS = 30
#: Start of the simulated period (a Monday) and its length.
START = np.datetime64("2023-01-02T00:00:00", "s")
SPAN_WEEKS = 104
COLUMNS = (
    "case_id",
    "activity",
    "timestamp",
    "resource",
    "department",
    "channel",
    "product",
    "region",
    "cost",
)

# --------------------------------------------------------------------------------------------
# The process model
# --------------------------------------------------------------------------------------------

#: Departments with their resource-name prefix and number of resources (200 in all).
DEPARTMENTS: tuple[tuple[str, str, int], ...] = (
    ("Service Desk", "SD", 45),
    ("Technical Support L1", "L1", 60),
    ("Technical Support L2", "L2", 28),
    ("Billing", "BI", 18),
    ("Logistics", "LG", 14),
    ("Field Service", "FS", 25),
    ("Quality Assurance", "QA", 6),
    ("Automation", "", 4),
)
BOTS = ("portal", "mailer", "survey-bot", "workflow-engine")
_SD, _L1, _L2, _BI, _LG, _FS, _QA, _AU = range(8)

#: Activities: name, department, median wait before it (s), log-sd of the wait,
#: base cost (EUR), channel mode (case / internal / email / onsite).
ACTIVITIES: tuple[tuple[str, int, float, float, float, str], ...] = (
    ("Create Ticket", _SD, 0.0, 0.0, 2.5, "case"),
    ("Classify Ticket", _SD, 20 * 60, 1.0, 1.5, "internal"),
    ("Assign Agent", _SD, 30 * 60, 1.0, 0.8, "internal"),
    ("Request Customer Info", _L1, 2 * 3600, 0.9, 3.0, "case"),
    ("Receive Customer Info", _AU, 1.5 * 86400, 1.0, 0.0, "case"),
    ("Investigate Issue", _L1, 4 * 3600, 1.0, 18.0, "internal"),
    ("Escalate to Level 2", _L1, 1 * 3600, 0.8, 4.0, "internal"),
    ("Analyse at Level 2", _L2, 1 * 86400, 0.9, 45.0, "internal"),
    ("Propose Solution", _L1, 3 * 3600, 0.9, 8.0, "case"),
    ("Customer Rejects Solution", _AU, 1 * 86400, 1.0, 0.0, "case"),
    ("Approve Refund", _BI, 6 * 3600, 0.8, 6.0, "internal"),
    ("Issue Refund", _BI, 1 * 86400, 0.6, 35.0, "internal"),
    ("Ship Replacement", _LG, 1 * 86400, 0.7, 60.0, "internal"),
    ("Schedule Field Visit", _FS, 4 * 3600, 0.8, 5.0, "case"),
    ("Perform Field Visit", _FS, 3 * 86400, 0.6, 140.0, "onsite"),
    ("Confirm Resolution", _L1, 1 * 86400, 0.8, 4.0, "case"),
    ("Close Ticket", _SD, 2 * 3600, 1.0, 2.0, "case"),
    ("Send Satisfaction Survey", _AU, 5 * 60, 0.5, 0.05, "email"),
    ("Receive Survey Response", _AU, 2 * 86400, 1.0, 0.0, "email"),
    ("Reopen Ticket", _SD, 5 * 86400, 0.9, 6.0, "case"),
    ("Quality Review", _QA, 3 * 86400, 0.7, 25.0, "internal"),
    ("Cancel Ticket", _SD, 1 * 3600, 1.0, 1.5, "case"),
)
ACT = {a[0]: i for i, a in enumerate(ACTIVITIES)}
N_ACT = len(ACTIVITIES)
END = N_ACT  # absorbing state
CLOSE = ACT["Close Ticket"]
SURVEY = ACT["Send Satisfaction Survey"]
CREATE = ACT["Create Ticket"]

#: Transition probabilities.  ``None`` stands for the end of the case.  Two variants: products
#: with hardware at the customer (more field visits and replacements) and pure services (more
#: refunds).
_COMMON: dict[str, dict[str | None, float]] = {
    "Create Ticket": {"Classify Ticket": 0.88, "Assign Agent": 0.08, "Cancel Ticket": 0.04},
    "Classify Ticket": {"Assign Agent": 0.85, "Request Customer Info": 0.10, "Cancel Ticket": 0.05},
    "Assign Agent": {
        "Investigate Issue": 0.80,
        "Request Customer Info": 0.15,
        "Assign Agent": 0.05,
    },
    "Request Customer Info": {
        "Receive Customer Info": 0.85,
        "Request Customer Info": 0.05,
        "Cancel Ticket": 0.10,
    },
    "Receive Customer Info": {"Investigate Issue": 0.90, "Request Customer Info": 0.10},
    "Escalate to Level 2": {"Analyse at Level 2": 1.0},
    "Propose Solution": {
        "Confirm Resolution": 0.70,
        "Customer Rejects Solution": 0.25,
        "Approve Refund": 0.05,
    },
    "Customer Rejects Solution": {
        "Investigate Issue": 0.60,
        "Escalate to Level 2": 0.30,
        "Approve Refund": 0.10,
    },
    "Approve Refund": {"Issue Refund": 0.90, "Investigate Issue": 0.10},
    "Issue Refund": {"Confirm Resolution": 0.95, "Issue Refund": 0.05},
    "Ship Replacement": {
        "Confirm Resolution": 0.85,
        "Ship Replacement": 0.05,
        "Customer Rejects Solution": 0.10,
    },
    "Schedule Field Visit": {"Perform Field Visit": 0.90, "Schedule Field Visit": 0.10},
    "Perform Field Visit": {
        "Confirm Resolution": 0.75,
        "Schedule Field Visit": 0.15,
        "Customer Rejects Solution": 0.10,
    },
    "Confirm Resolution": {"Close Ticket": 1.0},
    "Close Ticket": {
        "Send Satisfaction Survey": 0.55,
        "Quality Review": 0.08,
        "Reopen Ticket": 0.07,
        None: 0.30,
    },
    "Send Satisfaction Survey": {
        "Receive Survey Response": 0.35,
        "Reopen Ticket": 0.05,
        None: 0.60,
    },
    "Receive Survey Response": {"Quality Review": 0.10, "Reopen Ticket": 0.05, None: 0.85},
    "Reopen Ticket": {"Investigate Issue": 0.80, "Assign Agent": 0.20},
    "Quality Review": {"Reopen Ticket": 0.10, None: 0.90},
    "Cancel Ticket": {"Close Ticket": 1.0},
}
_HARDWARE = {
    "Investigate Issue": {
        "Propose Solution": 0.45,
        "Escalate to Level 2": 0.14,
        "Request Customer Info": 0.09,
        "Approve Refund": 0.04,
        "Ship Replacement": 0.13,
        "Schedule Field Visit": 0.15,
    },
    "Analyse at Level 2": {
        "Propose Solution": 0.50,
        "Schedule Field Visit": 0.22,
        "Investigate Issue": 0.13,
        "Ship Replacement": 0.15,
    },
}
_SERVICE = {
    "Investigate Issue": {
        "Propose Solution": 0.60,
        "Escalate to Level 2": 0.15,
        "Request Customer Info": 0.10,
        "Approve Refund": 0.12,
        "Ship Replacement": 0.01,
        "Schedule Field Visit": 0.02,
    },
    "Analyse at Level 2": {
        "Propose Solution": 0.72,
        "Schedule Field Visit": 0.04,
        "Investigate Issue": 0.20,
        "Ship Replacement": 0.04,
    },
}

#: Products: name, weight, uses the hardware variant of the process, cost factor.
PRODUCTS: tuple[tuple[str, float, bool, float], ...] = (
    ("Broadband Basic", 0.16, True, 1.0),
    ("Broadband Fiber", 0.14, True, 1.2),
    ("Mobile Prepaid", 0.15, False, 0.7),
    ("Mobile Contract", 0.17, False, 0.9),
    ("TV Package", 0.10, True, 1.0),
    ("Smart Home", 0.05, True, 1.3),
    ("Router Rental", 0.06, True, 0.8),
    ("Landline", 0.05, False, 0.8),
    ("Streaming", 0.07, False, 0.6),
    ("Business Line", 0.05, False, 1.5),
)
#: Regions: name, weight, factor on waits.
REGIONS: tuple[tuple[str, float, float], ...] = (
    ("North", 0.22, 0.9),
    ("South", 0.20, 1.1),
    ("East", 0.18, 1.0),
    ("West", 0.20, 0.95),
    ("Central", 0.15, 0.85),
    ("Islands", 0.05, 1.6),
)
CHANNELS: tuple[tuple[str, float], ...] = (
    ("Web", 0.35),
    ("Email", 0.25),
    ("Phone", 0.20),
    ("Chat", 0.12),
    ("App", 0.08),
)
EXTRA_CHANNELS = ("Internal", "On-site")


def _matrix(overrides: dict[str, dict[str | None, float]]) -> np.ndarray:
    """Return the cumulative transition matrix, shape ``(N_ACT, N_ACT + 1)``."""
    p = np.zeros((N_ACT, N_ACT + 1))
    rows = {**_COMMON, **overrides}
    for name, nxt in rows.items():
        for target, prob in nxt.items():
            p[ACT[name], END if target is None else ACT[target]] = prob
    sums = p.sum(axis=1)
    if not np.allclose(sums, 1.0):
        bad = [ACTIVITIES[i][0] for i in np.flatnonzero(~np.isclose(sums, 1.0))]
        raise AssertionError(f"transition rows do not sum to 1: {bad}")
    cum = np.cumsum(p, axis=1)
    cum[:, -1] = 1.0
    return cum


#: Cumulative transition matrices, indexed ``[process_variant, state]``.
CUM = np.stack([_matrix(_SERVICE), _matrix(_HARDWARE)])


def expected_case_length() -> float:
    """Expected events per case (without the cap at 30), from the fundamental matrix.

    Returns
    -------
    float
        Mean number of events of a case, weighted over the product mix.
    """
    total = 0.0
    weights = np.array([p[1] for p in PRODUCTS])
    weights = weights / weights.sum()
    for variant in (0, 1):
        p = np.diff(CUM[variant], axis=1, prepend=0.0)[:, :N_ACT]
        n = np.linalg.inv(np.eye(N_ACT) - p)
        share = weights[[p_[2] == bool(variant) for p_ in PRODUCTS]].sum()
        total += share * n[CREATE].sum()
    return float(total)


# Static lookup arrays ------------------------------------------------------------------------
_DEPT_OF = np.array([a[1] for a in ACTIVITIES])
_MEDIAN = np.array([a[2] for a in ACTIVITIES])
_SIGMA = np.array([a[3] for a in ACTIVITIES])
_BASE_COST = np.array([a[4] for a in ACTIVITIES])
_MODES = ("case", "internal", "email", "onsite")
_MODE = np.array([_MODES.index(a[5]) for a in ACTIVITIES], dtype=np.int8)
#: Which bot records the automatic / customer-side activities.
_BOT_FOR = {
    "Receive Customer Info": "portal",
    "Customer Rejects Solution": "workflow-engine",
    "Send Satisfaction Survey": "mailer",
    "Receive Survey Response": "survey-bot",
}
_DEPT_SIZE = np.array([d[2] for d in DEPARTMENTS])
_DEPT_OFFSET = np.concatenate([[0], np.cumsum(_DEPT_SIZE)[:-1]])
RESOURCES: tuple[str, ...] = tuple(
    [f"{prefix}{i + 1:03d}" for _, prefix, n in DEPARTMENTS[:-1] for i in range(n)] + list(BOTS)
)
_RES_DEPT = np.repeat(np.arange(len(DEPARTMENTS)), _DEPT_SIZE)
_P_WEIGHTS = np.array([p[1] for p in PRODUCTS]) / sum(p[1] for p in PRODUCTS)
_P_HARDWARE = np.array([p[2] for p in PRODUCTS], dtype=np.int8)
_P_COST = np.array([p[3] for p in PRODUCTS])
_R_WEIGHTS = np.array([r[1] for r in REGIONS]) / sum(r[1] for r in REGIONS)
_R_FACTOR = np.array([r[2] for r in REGIONS])
_C_WEIGHTS = np.array([c[1] for c in CHANNELS]) / sum(c[1] for c in CHANNELS)
_SELF_SERVICE = [i for i, c in enumerate(CHANNELS) if c[0] in ("Web", "App")]
_CH_INTERNAL = len(CHANNELS)
_CH_ONSITE = len(CHANNELS) + 1
_CH_EMAIL = [c[0] for c in CHANNELS].index("Email")
_BOT = {name: len(RESOURCES) - len(BOTS) + i for i, name in enumerate(BOTS)}
_BOT_OF = np.full(N_ACT, -1, dtype=np.int64)
for _name, _bot in _BOT_FOR.items():
    _BOT_OF[ACT[_name]] = _BOT[_bot]


def _week_profile() -> np.ndarray:
    """Return the cumulative share of arrivals over the 168 hours of a week (Monday 0:00 first)."""
    w = np.empty(168)
    for h in range(168):
        day, hour = divmod(h, 24)
        if day < 5:
            w[h] = 1.0 if 8 <= hour < 18 else (0.3 if 6 <= hour < 22 else 0.04)
        else:
            w[h] = 0.25 if 9 <= hour < 18 else 0.03
    return np.cumsum(w / w.sum())


_WEEK_CUM = _week_profile()

# Per-resource speed factor (a fixed property of the organisation, not of the seed).
_RES_SPEED = np.exp(np.random.default_rng(20230102).normal(0.0, 0.25, len(RESOURCES)))


# --------------------------------------------------------------------------------------------
# Simulation
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """What to generate.

    Parameters
    ----------
    events : int
        Exact number of events.
    seed : int
        Seed; every block of cases gets its own generator from ``(seed, block)``.
    """

    events: int
    seed: int = 1

    @property
    def expected_cases(self) -> float:
        """Return the expected number of cases, which sets the arrival rate."""
        return max(self.events / expected_case_length(), 1.0)


def _arrivals(first_case: int, n: int, plan: Plan, rng: np.random.Generator) -> np.ndarray:
    """Return creation times (seconds since ``START``) of cases ``first_case .. first_case+n``."""
    k = np.arange(first_case, first_case + n, dtype=np.float64)
    pos = (k + rng.random(n)) / plan.expected_cases * SPAN_WEEKS
    week = np.floor(pos)
    frac = pos - week
    hour = np.minimum(np.searchsorted(_WEEK_CUM, frac, side="right"), 167)
    lo = np.where(hour > 0, _WEEK_CUM[np.maximum(hour - 1, 0)], 0.0)
    within = (frac - lo) / (_WEEK_CUM[hour] - lo)
    secs = week * 7 * 86400 + hour * 3600 + np.clip(within, 0.0, 0.9999) * 3600
    return secs.astype(np.int64)


def simulate_chunk(chunk: int, first_case: int, n_cases: int, plan: Plan) -> dict[str, np.ndarray]:
    """Simulate ``n_cases`` cases and return their events grouped by case, in time order.

    Parameters
    ----------
    chunk : int
        Block number, used with the seed to derive the random generator.
    first_case : int
        Global index of the first case (case ids are ``first_case + 1 ...``).
    n_cases : int
        How many cases.
    plan : Plan
        Size and seed.

    Returns
    -------
    dict of str to numpy.ndarray
        Event-level integer codes / values: ``case`` (global case index), ``activity``,
        ``timestamp`` (seconds since ``START``), ``resource``, ``department``, ``channel``,
        ``product``, ``region`` and ``cost``.
    """
    rng = np.random.default_rng([plan.seed, chunk])
    product = rng.choice(len(PRODUCTS), n_cases, p=_P_WEIGHTS)
    region = rng.choice(len(REGIONS), n_cases, p=_R_WEIGHTS)
    channel = rng.choice(len(CHANNELS), n_cases, p=_C_WEIGHTS)
    variant = _P_HARDWARE[product]
    start = _arrivals(first_case, n_cases, plan, rng)

    # Markov chain, one column per step, vectorised over the cases still running.
    states = np.full((n_cases, MAX_EVENTS), END, dtype=np.int8)
    states[:, 0] = CREATE
    active = np.arange(n_cases)
    for step in range(1, MAX_EVENTS):
        cur = states[active, step - 1]
        u = rng.random(active.size)
        nxt = (CUM[variant[active], cur] <= u[:, None]).sum(axis=1)
        nxt = np.minimum(nxt, END).astype(np.int8)
        if step == MAX_EVENTS - 1:
            nxt[nxt != END] = CLOSE  # the cap: whatever is still open gets closed
        states[active, step] = nxt
        active = active[nxt != END]
        if active.size == 0:
            break

    lengths = (states != END).sum(axis=1)
    act = states[states != END].astype(np.int16)  # row-major: grouped by case, in order
    n = act.size
    case_local = np.repeat(np.arange(n_cases), lengths)
    case_start = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    first = np.zeros(n, dtype=bool)
    first[case_start] = True

    # Resources: department of the activity; the case owner does most first-level work;
    # within a department the work is skewed towards some agents; self-service creation
    # comes from the portal.
    dept = _DEPT_OF[act].copy()
    self_service = np.isin(channel, _SELF_SERVICE)[case_local] & (act == CREATE)
    dept[self_service] = _AU
    size = _DEPT_SIZE[dept]
    res = _DEPT_OFFSET[dept] + np.minimum((rng.random(n) ** 1.7 * size).astype(np.int64), size - 1)
    owner = _DEPT_OFFSET[_L1] + rng.integers(0, _DEPT_SIZE[_L1], n_cases)
    keep_owner = (dept == _L1) & (rng.random(n) < 0.85)
    res[keep_owner] = owner[case_local][keep_owner]
    res[self_service] = _BOT["portal"]
    bot = _BOT_OF[act]
    res = np.where(bot >= 0, bot, res)
    dept = _RES_DEPT[res]

    # Channel of the event.
    mode = _MODE[act]
    ch = channel[case_local].astype(np.int8)
    ch[mode == _MODES.index("internal")] = _CH_INTERNAL
    ch[mode == _MODES.index("onsite")] = _CH_ONSITE
    ch[mode == _MODES.index("email")] = _CH_EMAIL

    # Waits: log-normal per activity, times region and resource factors; the survey often
    # goes out in the same second as the closing.
    wait = _MEDIAN[act] * np.exp(_SIGMA[act] * rng.standard_normal(n))
    wait *= _R_FACTOR[region][case_local] * _RES_SPEED[res]
    gap = np.maximum(np.rint(wait), 1).astype(np.int64)
    gap[(act == SURVEY) & (rng.random(n) < 0.3)] = 0
    gap[first] = 0
    csum = np.cumsum(gap)
    ts = start[case_local] + csum - csum[case_start][case_local]

    cost = _BASE_COST[act] * _P_COST[product][case_local] * np.exp(0.3 * rng.standard_normal(n))
    cost = np.round(cost, 2)

    return {
        "case": case_local.astype(np.int64) + first_case,
        "activity": act,
        "timestamp": ts,
        "resource": res,
        "department": dept,
        "channel": ch,
        "product": product[case_local],
        "region": region[case_local],
        "cost": cost,
    }


def iter_chunks(plan: Plan, order: str = "time") -> Iterator[dict[str, np.ndarray]]:
    """Yield blocks of events until exactly ``plan.events`` have been produced.

    Parameters
    ----------
    plan : Plan
        Size and seed.
    order : {"time", "case"}
        ``"time"`` sorts each block by timestamp (stable, so ties keep case order);
        ``"case"`` keeps the events grouped by case.

    Yields
    ------
    dict of str to numpy.ndarray
        One block, as returned by :func:`simulate_chunk`.
    """
    if order not in ("time", "case"):
        raise ValueError(f"order must be 'time' or 'case', not {order!r}")
    remaining = plan.events
    chunk = 0
    first_case = 0
    mean_len = expected_case_length()
    while remaining > 0:
        # Full blocks, except a last one sized to what is left (plus a margin).
        n_cases = min(CASES_PER_CHUNK, int(remaining / mean_len * 1.1) + 50)
        block = simulate_chunk(chunk, first_case, n_cases, plan)
        if block["case"].size > remaining:
            block = {k: v[:remaining] for k, v in block.items()}
        remaining -= block["case"].size
        if order == "time":
            idx = np.argsort(block["timestamp"], kind="stable")
            block = {k: v[idx] for k, v in block.items()}
        yield block
        chunk += 1
        first_case += n_cases


# --------------------------------------------------------------------------------------------
# Writers
# --------------------------------------------------------------------------------------------

_ACT_NAMES = pa.array([a[0] for a in ACTIVITIES])
_RES_NAMES = pa.array(RESOURCES)
_DEPT_NAMES = pa.array([d[0] for d in DEPARTMENTS])
_CH_NAMES = pa.array([c[0] for c in CHANNELS] + list(EXTRA_CHANNELS))
_PROD_NAMES = pa.array([p[0] for p in PRODUCTS])
_REG_NAMES = pa.array([r[0] for r in REGIONS])

SCHEMA = pa.schema(
    [
        ("case_id", pa.string()),
        ("activity", pa.string()),
        ("timestamp", pa.timestamp("us")),
        ("resource", pa.string()),
        ("department", pa.string()),
        ("channel", pa.string()),
        ("product", pa.string()),
        ("region", pa.string()),
        ("cost", pa.float64()),
    ]
)


def _case_ids(case: np.ndarray) -> pa.Array:
    """Format global case indexes as ``T00000001`` strings (vectorised)."""
    uniq, inverse = np.unique(case, return_inverse=True)
    labels = pc.binary_join_element_wise(
        "T", pc.utf8_lpad(pa.array(uniq + 1).cast(pa.string()), 8, "0"), ""
    )
    return labels.take(pa.array(inverse))


def to_table(block: dict[str, np.ndarray]) -> pa.Table:
    """Turn a block of event codes into an Arrow table with the export's columns.

    Parameters
    ----------
    block : dict of str to numpy.ndarray
        As yielded by :func:`iter_chunks`.

    Returns
    -------
    pyarrow.Table
        With schema :data:`SCHEMA`.
    """
    ts = (START + block["timestamp"].astype("timedelta64[s]")).astype("datetime64[us]")
    return pa.table(
        [
            _case_ids(block["case"]),
            _ACT_NAMES.take(pa.array(block["activity"])),
            pa.array(ts, pa.timestamp("us")),
            _RES_NAMES.take(pa.array(block["resource"])),
            _DEPT_NAMES.take(pa.array(block["department"])),
            _CH_NAMES.take(pa.array(block["channel"])),
            _PROD_NAMES.take(pa.array(block["product"])),
            _REG_NAMES.take(pa.array(block["region"])),
            pa.array(block["cost"], pa.float64()),
        ],
        schema=SCHEMA,
    )


def write_csv(plan: Plan, out: Path, order: str = "time") -> int:
    """Write the log as CSV with ISO text timestamps; return the number of events."""
    opts = pacsv.WriteOptions(include_header=False, quoting_style="none")
    schema = SCHEMA.set(2, pa.field("timestamp", pa.timestamp("s")))
    n = 0
    with open(out, "wb") as f:
        f.write((",".join(COLUMNS) + "\n").encode())
        with pacsv.CSVWriter(f, schema, write_options=opts) as writer:
            for block in iter_chunks(plan, order):
                table = to_table(block)
                table = table.set_column(
                    2, schema.field(2), table["timestamp"].cast(pa.timestamp("s"))
                )
                writer.write_table(table)
                n += table.num_rows
    return n


def write_parquet(plan: Plan, out: Path, order: str = "time") -> int:
    """Write the log as Parquet, one row group per block; return the number of events."""
    n = 0
    with pq.ParquetWriter(out, SCHEMA, compression="snappy") as writer:
        for block in iter_chunks(plan, order):
            table = to_table(block)
            writer.write_table(table, row_group_size=table.num_rows)
            n += table.num_rows
    return n


_XES_HEAD = """<?xml version="1.0" encoding="UTF-8" ?>
<log xes.version="1.0" xes.features="nested-attributes" openxes.version="1.0RC7">
<extension name="Lifecycle" prefix="lifecycle" uri="http://www.xes-standard.org/lifecycle.xesext"/>
<extension name="Organizational" prefix="org" uri="http://www.xes-standard.org/org.xesext"/>
<extension name="Time" prefix="time" uri="http://www.xes-standard.org/time.xesext"/>
<extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>
<global scope="trace">
<string key="concept:name" value="__INVALID__"/>
</global>
<global scope="event">
<string key="concept:name" value="__INVALID__"/>
<string key="lifecycle:transition" value="complete"/>
</global>
<classifier name="Activity" keys="concept:name"/>
<string key="concept:name" value="journeylens synthetic service log"/>
"""


def _xes_block(table: pa.Table) -> pa.Array:
    """Render a block (grouped by case) as XES text, one string per event, traces included."""
    case = table["case_id"].combine_chunks()
    n = len(case)
    prev_diff = pc.not_equal(case.slice(1), case.slice(0, n - 1))
    is_first = pa.concat_arrays([pa.array([True]), prev_diff])
    is_last = pa.concat_arrays([prev_diff, pa.array([True])])
    head = pc.binary_join_element_wise(
        '<trace>\n<string key="concept:name" value="',
        case,
        '"/>\n<string key="product" value="',
        table["product"],
        '"/>\n<string key="region" value="',
        table["region"],
        '"/>\n',
        "",
    )
    event = pc.binary_join_element_wise(
        pc.if_else(is_first, head, ""),
        '<event>\n<string key="concept:name" value="',
        table["activity"],
        '"/>\n<string key="lifecycle:transition" value="complete"/>\n'
        '<date key="time:timestamp" value="',
        pc.replace_substring(
            table["timestamp"].cast(pa.timestamp("s")).cast(pa.string()), " ", "T"
        ),
        ".000+00:00",
        '"/>\n<string key="org:resource" value="',
        table["resource"],
        '"/>\n<string key="org:group" value="',
        table["department"],
        '"/>\n<string key="channel" value="',
        table["channel"],
        '"/>\n<float key="cost" value="',
        table["cost"].cast(pa.string()),
        '"/>\n</event>\n',
        pc.if_else(is_last, "</trace>\n", ""),
        "",
    )
    return event.combine_chunks() if isinstance(event, pa.ChunkedArray) else event


def write_xes(plan: Plan, out: Path, compress: bool | None = None) -> int:
    """Write the log as XES text (gzip-compressed when ``out`` ends in ``.gz``).

    Traces are complete within a block, so each block is rendered with vectorised Arrow string
    kernels and its text buffer written straight out.

    Parameters
    ----------
    plan : Plan
        Size and seed.
    out : pathlib.Path
        Output file.
    compress : bool, optional
        Gzip the output; by default when ``out`` ends in ``.gz``.

    Returns
    -------
    int
        Number of events written.
    """
    if compress is None:
        compress = str(out).endswith(".gz")
    opener = gzip.open if compress else open
    n = 0
    with opener(out, "wb") as f:
        f.write(_XES_HEAD.encode())
        for block in iter_chunks(plan, order="case"):
            # Render 5,000 cases at a time to keep the text buffers small.
            case = block["case"]
            cuts = np.searchsorted(case, np.arange(case[0], case[-1] + 1, XES_CASES_PER_SLICE))
            for lo, hi in zip(cuts, [*cuts[1:], case.size], strict=True):
                table = to_table({k: v[lo:hi] for k, v in block.items()})
                text = _xes_block(table).cast(pa.large_string())
                offsets = np.frombuffer(text.buffers()[1], dtype=np.int64)
                start, end = offsets[text.offset], offsets[text.offset + len(text)]
                f.write(memoryview(text.buffers()[2])[start:end])
                n += table.num_rows
        f.write(b"</log>\n")
    return n


def generate(
    events: int, out: Path, fmt: str | None = None, seed: int = 1, order: str = "time"
) -> int:
    """Generate a log file.

    Parameters
    ----------
    events : int
        Exact number of events.
    out : pathlib.Path
        Output file; parent folders are created.  Written to a temporary name and renamed, so a
        half-written file never looks complete.
    fmt : {"csv", "parquet", "xes"}, optional
        Defaults to the suffix of ``out`` (``.xes.gz`` is XES).
    seed : int
        Random seed.
    order : {"time", "case"}
        Row order of CSV and Parquet (XES is always grouped by case).

    Returns
    -------
    int
        Number of events written.
    """
    out = Path(out)
    if fmt is None:
        suffixes = [s.lstrip(".") for s in out.suffixes]
        fmt = next((s for s in reversed(suffixes) if s in ("csv", "parquet", "xes")), None)
        if fmt is None:
            raise ValueError(f"cannot tell the format from {out.name!r}; pass --format")
    if events < 1:
        raise ValueError("events must be at least 1")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + f".{os.getpid()}.tmp")
    plan = Plan(events=events, seed=seed)
    try:
        if fmt == "csv":
            n = write_csv(plan, tmp, order)
        elif fmt == "parquet":
            n = write_parquet(plan, tmp, order)
        elif fmt == "xes":
            n = write_xes(plan, tmp, compress=out.name.endswith(".gz"))
        else:
            raise ValueError(f"unknown format {fmt!r}; use csv, parquet or xes")
        tmp.replace(out)
    finally:
        tmp.unlink(missing_ok=True)
    return n


def _parse_count(text: str) -> int:
    """Parse ``1000000``, ``1_000_000``, ``1e6``, ``5M`` or ``100k``."""
    t = text.strip().lower().replace("_", "")
    mult = {"k": 1_000, "m": 1_000_000, "g": 1_000_000_000}.get(t[-1:], 1)
    if mult != 1:
        t = t[:-1]
    return int(float(t) * mult)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; see the module docstring."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--events", type=_parse_count, required=True, help="exact number of events (5M, 1e6 ok)"
    )
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--format", choices=("csv", "parquet", "xes"), help="default: from --out")
    ap.add_argument(
        "--order", choices=("time", "case"), default="time", help="row order (csv/parquet)"
    )
    ap.add_argument(
        "--out", type=Path, required=True, help="output file (.csv, .parquet, .xes, .xes.gz)"
    )
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    n = generate(args.events, args.out, args.format, args.seed, args.order)
    dt = time.perf_counter() - t0
    size = args.out.stat().st_size / 1e6
    print(
        f"wrote {n:,} events to {args.out} ({size:,.1f} MB) in {dt:.1f} s "
        f"({n / dt / 1e6:.2f} M events/s)",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
