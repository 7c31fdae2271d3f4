"""A deterministic, seeded world: a broadband provider's customer journeys, with planted truths.

:func:`generate` writes the files a user could have exported from such a company:

* ``events.csv`` (or ``events.parquet``): one row per touchpoint of three journeys (new
  connection, repair / billing complaint, home move), with start and completion time, the
  person and department who did it, the contact channel, the case attributes ``region``,
  ``product``, ``customer_segment``, ``preferred_contact_time``, and ``field_team`` on field
  events;
* ``surveys.csv``: CSAT after installation and NPS 30 days after the journey, with comments;
* ``outcomes.csv``: customers who churned within 90 days of their journey;
* ``truth.json``: the structure planted in the data and its parameters.

The planted truths (see ``docs/demo.md``): a watermelon SLA report, incomplete orders causing
failed technician visits and a bimodal CSAT, status-chasing contacts lowering NPS, service gaps
in home moves driving churn, one field team with three times the failed-visit rate, and
plausible features with no effect at all.

The same ``seed`` and ``scale`` always give byte-identical files, whatever ``chunk_size``:
every random number is a hash of (seed, journey number, draw name).

Examples
--------
>>> from journeylens.generate.generator import generate
>>> world = generate("demo-data", scale=2_000, seed=7)  # doctest: +SKIP
>>> world.events.name, world.journeys  # doctest: +SKIP
('events.csv', 2000)
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from journeylens.errors import InputError
from journeylens.generate import world as w
from journeylens.generate.simulators import SIMULATORS

__all__ = ["SLAS", "GeneratedWorld", "generate"]

#: Journeys simulated and written per chunk; bounds memory, never changes the output.
CHUNK = 50_000

#: Per-touchpoint SLA targets (the "green" dashboard).  ``processing_minutes``: completion minus
#: start of the event.  ``wait_hours``: start of the event minus completion of the previous
#: staff event (department other than Customer) in the same case.  ``None`` = no target.
SLAS: tuple[dict[str, object], ...] = (
    {"activity": "Credit check", "processing_minutes": 10, "wait_hours": 72},
    {"activity": "Order validated", "processing_minutes": 25, "wait_hours": 96},
    {"activity": "Equipment shipped", "processing_minutes": 10, "wait_hours": 72},
    {"activity": "Appointment scheduled", "processing_minutes": 15, "wait_hours": 72},
    {"activity": "Appointment confirmation sent", "processing_minutes": 5, "wait_hours": 1},
    {"activity": "Technician visit", "processing_minutes": 180, "wait_hours": None},
    {"activity": "Order details corrected", "processing_minutes": 30, "wait_hours": 72},
    {"activity": "Appointment rescheduled", "processing_minutes": 15, "wait_hours": 72},
    {"activity": "Line activated", "processing_minutes": 20, "wait_hours": 72},
    {"activity": "Welcome call", "processing_minutes": 15, "wait_hours": 120},
    {"activity": "First bill issued", "processing_minutes": 5, "wait_hours": None},
    {"activity": "Fault diagnosed", "processing_minutes": 30, "wait_hours": 72},
    {"activity": "Remote fix attempted", "processing_minutes": 35, "wait_hours": 72},
    {"activity": "Technician dispatched", "processing_minutes": 15, "wait_hours": 72},
    {"activity": "Resolution confirmed with customer", "processing_minutes": 12, "wait_hours": 72},
    {"activity": "Complaint logged", "processing_minutes": 20, "wait_hours": 72},
    {"activity": "Bill investigated", "processing_minutes": 60, "wait_hours": 120},
    {"activity": "Customer informed of outcome", "processing_minutes": 12, "wait_hours": 72},
    {"activity": "Move request registered", "processing_minutes": 15, "wait_hours": 72},
    {"activity": "Address checked at new address", "processing_minutes": 25, "wait_hours": 96},
    {"activity": "Contract updated for new address", "processing_minutes": 20, "wait_hours": 72},
    {"activity": "Move order created", "processing_minutes": 30, "wait_hours": 72},
    {"activity": "Service ended at old address", "processing_minutes": 15, "wait_hours": None},
    {"activity": "Service started at new address", "processing_minutes": 20, "wait_hours": 48},
    {"activity": "Billing address updated", "processing_minutes": 10, "wait_hours": 96},
    {"activity": "Bill corrected", "processing_minutes": 30, "wait_hours": None},
)
#: The end-to-end promise the SLA report does not show.
PROMISE = {
    "journey": "new_connection",
    "from": "Order placed",
    "to": "Line activated",
    "target_days": 10,
}

EVENT_COLUMNS = (
    "case_id",
    "customer_id",
    "journey",
    "activity",
    "timestamp",
    "start_timestamp",
    "resource",
    "department",
    "channel",
    "region",
    "product",
    "customer_segment",
    "preferred_contact_time",
    "field_team",
)
SURVEY_COLUMNS = (
    "response_id",
    "customer_id",
    "case_id",
    "survey",
    "score",
    "comment",
    "responded_at",
)
OUTCOME_COLUMNS = ("customer_id", "outcome", "date")


@dataclass(frozen=True)
class GeneratedWorld:
    """Where :func:`generate` wrote its files, and how much it wrote."""

    out_dir: Path
    events: Path
    surveys: Path
    outcomes: Path
    truth: Path
    journeys: int
    n_events: int
    n_surveys: int
    n_churned: int
    seed: int
    format: str


def generate(
    out_dir: str | os.PathLike[str],
    *,
    scale: int = 20_000,
    seed: int = 7,
    format: Literal["csv", "parquet"] = "csv",
    chunk_size: int = CHUNK,
) -> GeneratedWorld:
    """Write a seeded broadband provider's journeys, surveys, churn and planted truths.

    Parameters
    ----------
    out_dir
        Folder to write ``events.csv|parquet``, ``surveys.csv``, ``outcomes.csv`` and
        ``truth.json`` into (created if needed; those files are replaced).
    scale
        Number of journeys (about 60% new connections, 25% repairs / complaints, 15% home
        moves), spread over 2024.  About 11 events per journey.
    seed
        Same seed and scale, same bytes.
    format
        ``"csv"`` (ISO timestamps as text) or ``"parquet"`` for the events file.
    chunk_size
        Journeys simulated and written at a time: bounds memory, does not change the output.
    """
    if isinstance(scale, bool) or not isinstance(scale, int | np.integer) or scale < 1:
        raise InputError(f"scale must be a positive number of journeys, got {scale!r}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise InputError(f"seed must be an integer, got {seed!r}")
    if format not in ("csv", "parquet"):
        raise InputError(f"format must be 'csv' or 'parquet', got {format!r}")
    if not isinstance(chunk_size, int | np.integer) or chunk_size < 1:
        raise InputError(f"chunk_size must be a positive integer, got {chunk_size!r}")
    scale, seed, chunk_size = int(scale), int(seed), int(chunk_size)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "events": out / f"events.{format}",
        "surveys": out / "surveys.csv",
        "outcomes": out / "outcomes.csv",
        "truth": out / "truth.json",
    }
    world = _World(scale, seed)
    ev_sink = _Sink(paths["events"], format, _event_schema(format))
    sv_sink = _Sink(paths["surveys"], "csv", _SURVEY_SCHEMA)
    oc_sink = _Sink(paths["outcomes"], "csv", _OUTCOME_SCHEMA)
    counts = {"events": 0, "surveys": 0, "churned": 0}
    by_journey = np.zeros(3, dtype=np.int64)
    try:
        for lo in range(0, scale, chunk_size):
            idx = np.arange(lo, min(lo + chunk_size, scale), dtype=np.int64)
            events, surveys, outcomes, jt = world.batch(idx)
            ev_sink.write(events)
            sv_sink.write(surveys)
            oc_sink.write(outcomes)
            counts["events"] += events.num_rows
            counts["surveys"] += surveys.num_rows
            counts["churned"] += outcomes.num_rows
            by_journey += np.bincount(jt, minlength=3)
    finally:
        ev_sink.close()
        sv_sink.close()
        oc_sink.close()
    truth = world.truth(counts, {w.JOURNEYS[j]: int(by_journey[j]) for j in range(3)}, paths)
    paths["truth"].write_text(json.dumps(truth, indent=2) + "\n", encoding="utf-8")
    return GeneratedWorld(
        out_dir=out,
        events=paths["events"],
        surveys=paths["surveys"],
        outcomes=paths["outcomes"],
        truth=paths["truth"],
        journeys=scale,
        n_events=counts["events"],
        n_surveys=counts["surveys"],
        n_churned=counts["churned"],
        seed=seed,
        format=format,
    )


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


def _event_schema(fmt: str) -> pa.Schema:
    ts = pa.timestamp("s") if fmt == "csv" else pa.timestamp("ms")
    types = {"timestamp": ts, "start_timestamp": ts}
    return pa.schema([(c, types.get(c, pa.string())) for c in EVENT_COLUMNS])


# Typed lists: pyarrow-stubs infer a list of mixed DataType subclasses as list[object].
_SURVEY_FIELDS: list[tuple[str, pa.DataType]] = [
    (c, pa.int64() if c == "score" else pa.string()) for c in SURVEY_COLUMNS[:-1]
]
_SURVEY_SCHEMA = pa.schema([*_SURVEY_FIELDS, ("responded_at", pa.timestamp("s"))])
_OUTCOME_FIELDS: list[tuple[str, pa.DataType]] = [
    ("customer_id", pa.string()),
    ("outcome", pa.string()),
    ("date", pa.date32()),
]
_OUTCOME_SCHEMA = pa.schema(_OUTCOME_FIELDS)


class _Sink:
    """Streams tables to one CSV (plain header, quoting only where needed) or Parquet file."""

    def __init__(self, path: Path, fmt: str, schema: pa.Schema):
        self.schema = schema
        self._w: pq.ParquetWriter | pacsv.CSVWriter
        if fmt == "parquet":
            self._w = pq.ParquetWriter(path, schema, compression="zstd")
        else:
            self._f = open(path, "wb")  # noqa: SIM115 - closed in close()
            self._f.write((",".join(schema.names) + "\n").encode())
            opts = pacsv.WriteOptions(include_header=False, quoting_style="needed")
            self._w = pacsv.CSVWriter(self._f, schema, write_options=opts)
        self._fmt = fmt

    def write(self, table: pa.Table) -> None:
        if table.num_rows:
            self._w.write_table(table.cast(self.schema))

    def close(self) -> None:
        self._w.close()
        if self._fmt != "parquet":
            self._f.close()


def _ts(minutes: np.ndarray) -> np.ndarray:
    """Float minutes since T0 → datetime64[s] (floored to whole seconds)."""
    return w.T0 + np.floor(minutes * 60.0).astype(np.int64).astype("timedelta64[s]")


def _names(names, codes: np.ndarray) -> pa.Array:
    """Look codes up in a list of names; negative codes become nulls."""
    codes = np.asarray(codes, dtype=np.int64)
    return pa.array(list(names), pa.string()).take(pa.array(codes, mask=codes < 0))


# --------------------------------------------------------------------------------------------
# Survey comments: templates matching the score and its cause
# --------------------------------------------------------------------------------------------

COMMENTS: dict[str, tuple[str, ...]] = {
    "csat:incomplete": (
        "The technician could not install anything because my order details were wrong.",
        "Took a day off for nothing - the engineer said the order was incomplete.",
        "Installer came without the right information about my address. Second visit needed.",
        "Why do I have to wait another week because someone entered my order wrong?",
        "First appointment wasted, the order was missing information. Very frustrating.",
    ),
    "csat:technical": (
        "Technician couldn't finish the job and had to come back.",
        "Second visit needed, the first engineer didn't have the right equipment.",
        "Installation failed the first time, lost another morning.",
        "The engineer gave up after an hour and a colleague had to come back later.",
    ),
    "csat:low": (
        "Not happy with the installation.",
        "Poor experience overall.",
    ),
    "csat:mid": (
        "Installation ok in the end but it took longer than promised.",
        "Fine, nothing special.",
        "Technician was ok, a bit late.",
    ),
    "csat:high": (
        "Quick and friendly technician.",
        "Everything works, installation was smooth.",
        "Engineer was on time and explained everything.",
        "Good service, internet works fine.",
        "Very professional, cleaned up after the job.",
    ),
    "nps:chasing": (
        "I had to chase you {n} times to find out what was going on.",
        "Nobody tells you anything - I contacted you {n} times for a simple update.",
        "Too many calls to get a simple answer about my order.",
        "{n} contacts before anyone could tell me when it would be done.",
    ),
    "nps:gap": (
        "Was without internet for {g} days after moving.",
        "Moved house and had no connection for almost {g} days. Unacceptable.",
        "Working from home without internet for {g} days, thanks for nothing.",
    ),
    "nps:detractor": (
        "Too expensive for what you get.",
        "The whole process was slow.",
        "Customer service could be much better.",
        "Not impressed.",
    ),
    "nps:passive": (
        "Okay overall.",
        "Does the job.",
        "Some hiccups but fine.",
        "Decent, price could be lower.",
    ),
    "nps:promoter": (
        "Great service, would recommend.",
        "Fast and reliable.",
        "Smooth from start to finish.",
        "Very happy with the speed and the support.",
    ),
}


def _comments(r: w.Draws, keys: list[str], n: np.ndarray, g: np.ndarray, name: str) -> list:
    """One comment (or None) per respondent, from the templates of its key."""
    write = r.u(name + ".write")
    pick = r.u(name + ".tpl")
    out: list[str | None] = []
    for i, key in enumerate(keys):
        if write[i] >= (
            0.7 if key.endswith(("incomplete", "technical", "chasing", "gap")) else 0.45
        ):
            out.append(None)
            continue
        tpls = COMMENTS[key]
        out.append(tpls[int(pick[i] * len(tpls))].format(n=int(n[i]), g=round(g[i])))
    return out


# --------------------------------------------------------------------------------------------
# The world
# --------------------------------------------------------------------------------------------


class _Journeys:
    """Per-journey arrays of one batch: drawn attributes and what the simulation reports."""

    def __init__(self, idx: np.ndarray, r: w.Draws):
        n = len(idx)
        self.idx, self.r = idx, r
        self.type = r.choice("journey", w.JOURNEY_MIX)
        self.region = r.choice("region", w.REGION_P)
        self.product = r.choice("product", w.PRODUCT_P)
        self.segment = r.choice("segment", w.SEGMENT_P)
        self.contact_time = r.choice("contact_time", w.CONTACT_TIME_P)
        self.t0 = np.zeros(n)
        self.end = np.full(n, -np.inf)
        self.chases = np.zeros(n, dtype=np.int64)
        self.churn_p = np.zeros(n)
        self.team = np.full(n, -1, dtype=np.int64)
        self.failed = np.zeros(n, dtype=bool)
        self.incomplete = np.zeros(n, dtype=bool)
        self.activated = np.full(n, np.nan)
        self.gap = np.full(n, np.nan)
        self.case_ids: pa.Array = pa.array([], pa.string())
        self.customer_ids: pa.Array = pa.array([], pa.string())


class _World:
    def __init__(self, scale: int, seed: int):
        self.scale, self.seed = scale, seed
        self.cal = w.Calendar()
        self.roster = w.Roster.build(seed)
        self.bad_team = int(
            np.random.default_rng([seed & 0xFFFFFFFF, 0xBAD]).integers(len(w.TEAMS))
        )
        self.ctx = w.Ctx(self.cal, self.roster, self.bad_team)
        self.width = max(7, len(str(scale)))
        self._arrival_cdf()

    # Arrivals: journey i starts at the ((i + u) / scale)-quantile of a weekly/daily profile
    # over 2024, so case numbers increase with time and no chunk depends on another.
    def _arrival_cdf(self) -> None:
        hours = np.arange(w.YEAR_DAYS * 24)
        day, hour = hours // 24, hours % 24
        work = self.cal.working[day]
        weight = np.where(
            work,
            np.select(
                [(hour >= 8) & (hour < 18), (hour >= 18) & (hour < 22), hour == 7, hour >= 22],
                [1.0, 0.55, 0.3, 0.2],
                0.04,
            ),
            np.select([(hour >= 9) & (hour < 21), (hour >= 7) & (hour < 23)], [0.45, 0.2], 0.04),
        )
        self._cdf = np.cumsum(weight) / weight.sum()
        self._w = weight / weight.sum()

    def arrivals(self, r: w.Draws, idx: np.ndarray) -> np.ndarray:
        q = (idx + r.u("arrival")) / self.scale
        h = np.minimum(np.searchsorted(self._cdf, q, side="right"), len(self._cdf) - 1)
        below = np.where(h > 0, self._cdf[h - 1], 0.0)
        frac = np.clip((q - below) / self._w[h], 0.0, 1.0 - 1e-9)
        return (h + frac) * 60.0

    def batch(self, idx: np.ndarray) -> tuple[pa.Table, pa.Table, pa.Table, np.ndarray]:
        """Simulate journeys ``idx``; return their events, surveys, churn and journey types."""
        r = w.Draws.for_journeys(self.seed, idx)
        j = _Journeys(idx, r)
        j.t0 = self.arrivals(r, idx)
        j.case_ids = pa.array([f"J{i + 1:0{self.width}d}" for i in idx])
        cust_num = (idx * 48271 + 1_000_003 + self.seed % 10**self.width) % 10**self.width
        j.customer_ids = pa.array([f"C{c:0{self.width}d}" for c in cust_num])
        ev = self._simulate(j)
        events = self._events_table(j, ev)
        churned, churn_at = self._churn(j)
        outcomes = pa.table(
            {
                "customer_id": j.customer_ids.filter(pa.array(churned)),
                "outcome": pa.array(["churn"] * int(churned.sum()), pa.string()),
                "date": pa.array(_ts(churn_at[churned]).astype("datetime64[D]")),
            }
        )
        surveys = self._surveys(j, churned, churn_at)
        return events, surveys, outcomes, j.type

    def _simulate(self, j: _Journeys) -> dict[str, np.ndarray]:
        """Run each journey type's simulation; fill ``j``; return the sorted event arrays."""
        parts = []
        for jt in (w.NC, w.RP, w.HM):
            sel = np.flatnonzero(j.type == jt)
            if not len(sel):
                continue
            sim = SIMULATORS[jt](self.ctx, j.r[sel], j.t0[sel], j.product[sel])
            a = sim.events.arrays()
            a["case"] = sel[a["case"]]
            parts.append(a)
            j.chases[sel], j.churn_p[sel], j.team[sel] = sim.chases, sim.churn_p, sim.team
            j.failed[sel], j.incomplete[sel] = sim.failed_visit, sim.incomplete
            j.activated[sel], j.gap[sel] = sim.activated, sim.gap_days
        ev = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
        np.maximum.at(j.end, ev["case"], ev["end"])  # a journey ends with its last event
        order = np.lexsort((ev["seq"], ev["end"], ev["case"]))
        return {k: v[order] for k, v in ev.items()}

    def _events_table(self, j: _Journeys, ev: dict[str, np.ndarray]) -> pa.Table:
        case = ev["case"]
        cases = pa.array(case)
        field_team = np.where(ev["dept"] == w.FIELD, j.team[case], -1)
        return pa.table(
            {
                "case_id": j.case_ids.take(cases),
                "customer_id": j.customer_ids.take(cases),
                "journey": _names(w.JOURNEYS, j.type[case]),
                "activity": _names(w.ACTIVITIES, ev["activity"]),
                "timestamp": pa.array(_ts(ev["end"])),
                "start_timestamp": pa.array(_ts(ev["start"])),
                "resource": _names(self.roster.names, ev["resource"]),
                "department": _names(w.DEPARTMENTS, ev["dept"]),
                "channel": _names(w.CHANNELS, ev["channel"]),
                "region": _names(w.REGIONS, j.region[case]),
                "product": _names(w.PRODUCTS, j.product[case]),
                "customer_segment": _names(w.SEGMENTS, j.segment[case]),
                "preferred_contact_time": _names(w.CONTACT_TIMES, j.contact_time[case]),
                "field_team": _names(w.TEAMS, field_team),
            }
        )

    def _churn(self, j: _Journeys) -> tuple[np.ndarray, np.ndarray]:
        """Who churns, and when: within 90 days of the journey's last event."""
        churned = j.r.u("churn") < j.churn_p
        churn_at = j.end + (1.0 + j.r.u("churn.t") * (w.CHURN_WINDOW_DAYS - 1)) * w.DAY
        return churned, churn_at

    def _surveys(self, j: _Journeys, churned: np.ndarray, churn_at: np.ndarray) -> pa.Table:
        r, failed = j.r, j.failed
        # CSAT after installation (new connections): bimodal on failed visits.
        is_nc = j.type == w.NC
        csat = np.where(
            failed, 1 + r.choice("csat.fail", w.CSAT_FAILED_P), 1 + r.choice("csat.ok", w.CSAT_OK_P)
        )
        p_resp = np.where(failed, w.CSAT_RESPONSE[1], w.CSAT_RESPONSE[0])
        csat_resp = is_nc & (r.u("csat.respond") < p_resp)
        delay = r.lognormal("csat.delay", 0.8 * w.DAY, 0.8, 14 * w.DAY)
        csat_at = w.customer_time(np.where(is_nc, j.activated, 0.0) + delay)
        # NPS 30 days after the journey: lowered by each status-chasing contact.
        base = np.array([w.NPS_BASE[w.NC], w.NPS_BASE[w.RP], w.NPS_BASE[w.HM]])[j.type]
        latent = base + w.NPS_PER_CONTACT * j.chases + w.NPS_NOISE_SD * r.normal("nps.noise")
        nps = np.clip(np.rint(latent), 0, 10).astype(np.int64)
        # Sent at 10:00 the day after the 30th day from the journey's last event.
        sent = (np.floor(j.end / w.DAY) + w.NPS_DELAY_DAYS + 1) * w.DAY + 600.0
        p_resp = np.where(nps <= 6, w.NPS_RESPONSE[1], w.NPS_RESPONSE[0])
        nps_resp = (r.u("nps.respond") < p_resp) & ~(churned & (churn_at < sent))
        nps_at = w.customer_time(sent + r.lognormal("nps.delay", 0.6 * w.DAY, 0.9, 10 * w.DAY))

        # Comment templates follow the score and its cause.
        ci, ni = np.flatnonzero(csat_resp), np.flatnonzero(nps_resp)
        low = csat[ci] <= 4
        band = np.where(low, "low", np.where(csat[ci] <= 7, "mid", "high"))
        band = np.where(low & failed[ci], "technical", band)
        band = np.where(low & failed[ci] & j.incomplete[ci], "incomplete", band)
        csat_keys = ["csat:" + str(b) for b in band]
        gap = np.nan_to_num(j.gap, nan=0.0)
        s, c, g = nps[ni], j.chases[ni], gap[ni]
        band = np.where(s <= 6, "detractor", np.where(s <= 8, "passive", "promoter"))
        band = np.where((s <= 6) & (g >= 3), "gap", band)
        band = np.where((s <= 6) & (c >= 2), "chasing", band)
        nps_keys = ["nps:" + str(b) for b in band]
        comments = _comments(r[ci], csat_keys, j.chases[ci], gap[ci], "csat.comment")
        comments += _comments(r[ni], nps_keys, c, g, "nps.comment")

        rows = np.concatenate([ci, ni])
        kind = np.concatenate([np.zeros(len(ci), np.int64), np.ones(len(ni), np.int64)])
        order = np.lexsort((kind, rows))
        rows, kind = rows[order], kind[order]
        resp_num = 2 * j.idx[rows] + kind + 1
        return pa.table(
            {
                "response_id": pa.array([f"R{x:0{self.width + 1}d}" for x in resp_num]),
                "customer_id": j.customer_ids.take(pa.array(rows)),
                "case_id": j.case_ids.take(pa.array(rows)),
                "survey": _names(("csat_install", "nps_journey"), kind),
                "score": pa.array(np.where(kind == 0, csat[rows], nps[rows])),
                "comment": pa.array([comments[i] for i in order], pa.string()),
                "responded_at": pa.array(_ts(np.where(kind == 0, csat_at[rows], nps_at[rows]))),
            }
        )

    def truth(self, counts: dict, by_journey: dict, paths: dict) -> dict:
        a, b = w.GAP_LOGIT
        rates = {
            t: (w.TECH_FAIL_BAD if i == self.bad_team else w.TECH_FAIL)
            for i, t in enumerate(w.TEAMS)
        }
        return {
            "generator": "journeylens.generate.generator",
            "seed": self.seed,
            "scale": self.scale,
            "files": {k: p.name for k, p in paths.items() if k != "truth"},
            "counts": {"journeys": self.scale, **by_journey, **counts},
            "period": {"journeys_start_from": "2024-01-01", "journeys_start_until": "2024-12-31"},
            "calendar": {
                "staff_hours": ["08:00", "18:00"],
                "staff_days": "Monday-Friday except public holidays",
                "public_holidays": list(w.HOLIDAYS),
                "customer_hours": ["07:00", "22:30"],
                "note": "events of department 'Customer' are customer-initiated and happen any day",
            },
            "journey_mix": dict(zip(w.JOURNEYS, w.JOURNEY_MIX, strict=True)),
            "truths": {
                "a_watermelon": {
                    "summary": "every touchpoint meets its SLA in >= 90% of events, yet the "
                    "10-day installation promise is met for <= 60% of new connections; the "
                    "time goes to queues at handoffs between departments",
                    "slas": list(SLAS),
                    "sla_measurement": {
                        "processing_minutes": "timestamp - start_timestamp of the event",
                        "wait_hours": "start_timestamp - timestamp of the previous event in the "
                        "case whose department is not 'Customer'",
                        "expected_met_at_least": 0.90,
                    },
                    "promise": {**PROMISE, "expected_met_at_most": 0.60},
                },
                "b_incomplete_orders": {
                    "summary": "the back office forwards incomplete new-connection orders; the "
                    "first technician visit then fails, the order is corrected and a second visit "
                    "is booked; CSAT after installation is 1-2 for them, 8-9 for most others",
                    "share_incomplete": w.INCOMPLETE_SHARE,
                    "visible_as": "'Technician visit failed' followed by 'Order details corrected'",
                    "csat_scale": [1, 10],
                    "csat_p_if_visit_failed": dict(zip(range(1, 11), w.CSAT_FAILED_P, strict=True)),
                    "csat_p_otherwise": dict(zip(range(1, 11), w.CSAT_OK_P, strict=True)),
                },
                "c_chasing_contacts_lower_nps": {
                    "summary": "each status-chasing contact lowers the customer's NPS score",
                    "nps_points_per_contact": w.NPS_PER_CONTACT,
                    "model": "score = clip(round(base[journey] + points_per_contact * contacts "
                    "+ N(0, noise_sd)), 0, 10)",
                    "base": {w.JOURNEYS[k]: v for k, v in w.NPS_BASE.items()},
                    "noise_sd": w.NPS_NOISE_SD,
                    "activities": sorted({v for d in w.CHASE.values() for v in d.values()}),
                    "note": "the slope measured on respondents is a little flatter: scores are "
                    "clipped to 0-10 and detractors respond more often",
                },
                "d_move_gap_churn": {
                    "summary": "in home moves, the days between 'Service ended at old address' "
                    "and 'Service started at new address' drive churn within 90 days",
                    "gap_days": "(timestamp of 'Service started at new address' - timestamp of "
                    "'Service ended at old address') in days, negative values count as 0",
                    "model": "P(churn within 90 days) = 1 / (1 + exp(-(intercept + slope * gap_days)))",
                    "intercept": a,
                    "slope_per_day": b,
                    "examples": {
                        str(d): round(1 / (1 + float(np.exp(-(a + b * d)))), 3)
                        for d in (0, 3, 7, 14, 21)
                    },
                    "window_days": w.CHURN_WINDOW_DAYS,
                    "churn_base_other_journeys": {
                        w.JOURNEYS[k]: v for k, v in w.CHURN_BASE.items()
                    },
                },
                "e_field_team_revisits": {
                    "summary": "one field team's visits fail for technical reasons three times as "
                    "often, so its revisit rate is markedly higher",
                    "team": w.TEAMS[self.bad_team],
                    "technical_failure_rate_per_visit": rates,
                    "measure": "share of a team's first visits that are 'Technician visit failed', "
                    "excluding new connections with 'Order details corrected'",
                },
                "f_null_features": {
                    "summary": "plausible features that have no effect on CSAT, NPS or churn",
                    "features": ["customer_segment", "preferred_contact_time", "region"],
                    "ordering_channel": "the channel of 'Order placed' has no effect on CSAT or churn",
                },
            },
            "surveys": {
                "csat_install": "new connections, sent at 'Line activated'; response "
                f"{w.CSAT_RESPONSE[0]:.0%} after a good visit, {w.CSAT_RESPONSE[1]:.0%} after a "
                "failed one",
                "nps_journey": f"all journeys, sent {w.NPS_DELAY_DAYS} days after the last event "
                "(10:00 the next morning; not sent to customers who churned before); response "
                f"{w.NPS_RESPONSE[0]:.0%} "
                f"for scores 7-10, {w.NPS_RESPONSE[1]:.0%} for 0-6",
            },
            "not_modelled": [
                "resource capacity (people never queue work behind each other)",
                "customers with more than one journey (one customer per journey)",
            ],
        }
