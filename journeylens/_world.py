"""The simulation behind :mod:`journeylens.generate` (private).

Everything here is vectorised with numpy over the journeys of one type in a batch.  Random
numbers are *counter-based*: every draw is a hash of ``(seed, journey number, draw name)``, so a
journey comes out the same whatever batch it is simulated in, and the output does not depend on
the chunk size.  Times are float minutes since :data:`T0` (a Monday); staff work 08:00-18:00 on
working days, customers act 07:00-22:30 any day.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

# --------------------------------------------------------------------------------------------
# Constants of the world
# --------------------------------------------------------------------------------------------

T0 = np.datetime64("2024-01-01T00:00:00", "s")  # a Monday; journeys start during 2024
YEAR_DAYS = 366
HORIZON_DAYS = 3 * 366  # calendar kept for the tails (bills, surveys, churn)
DAY = 1440.0
OPEN, CLOSE = 480.0, 1080.0  # staff hours 08:00-18:00
CUST_OPEN, CUST_CLOSE = 420.0, 1350.0  # customers act 07:00-22:30
HOLIDAYS = (
    "2024-01-01",
    "2024-04-01",
    "2024-05-01",
    "2024-05-09",
    "2024-12-25",
    "2024-12-26",
    "2025-01-01",
    "2025-04-21",
    "2025-05-01",
    "2025-05-29",
    "2025-12-25",
    "2025-12-26",
    "2026-01-01",
    "2026-04-06",
    "2026-05-01",
    "2026-05-14",
    "2026-12-25",
    "2026-12-26",
)

JOURNEYS = ("new_connection", "repair", "home_move")
JOURNEY_MIX = (0.60, 0.25, 0.15)
NC, RP, HM = 0, 1, 2

DEPARTMENTS = (
    "Sales",
    "Front office",
    "Back office",
    "Scheduling",
    "Field",
    "Activation",
    "Billing",
    "Customer",
)
SALES, FRONT, BACK, SCHED, FIELD, ACTIV, BILL, CUST = range(8)
DEPT_SIZES = (20, 34, 24, 12, 36, 10, 14, 0)  # 150 people; Field = 6 teams of 6

CHANNELS = ("web", "phone", "shop", "app", "chat", "email", "field")
WEB, PHONE, SHOP, APP, CHAT, EMAIL, FIELDCH = range(7)
NOCH = -1

TEAMS = ("Team Falcon", "Team Otter", "Team Lynx", "Team Heron", "Team Badger", "Team Fox")
TEAM_SIZE = 6
REGIONS = ("North", "South", "East", "West", "Central", "Coast", "Highlands", "Capital")
REGION_P = (0.14, 0.13, 0.12, 0.12, 0.15, 0.09, 0.07, 0.18)
PRODUCTS = ("Fibre 200", "Fibre 500", "Fibre 1000", "DSL 50", "DSL 100")
PRODUCT_P = (0.22, 0.30, 0.13, 0.15, 0.20)
SEGMENTS = ("Consumer", "Small business", "Premium")
SEGMENT_P = (0.72, 0.18, 0.10)
CONTACT_TIMES = ("morning", "afternoon", "evening", "no preference")
CONTACT_TIME_P = (0.22, 0.24, 0.31, 0.23)

# Planted parameters (written to truth.json by generate.py) -----------------------------------
INCOMPLETE_SHARE = 0.25  # back office forwards incomplete new-connection orders
TECH_FAIL = 0.06  # chance a visit fails for a technical reason, normal teams
TECH_FAIL_BAD = 0.18  # ... for the one bad team (3x)
NPS_BASE = {NC: 8.4, RP: 7.9, HM: 8.1}
NPS_PER_CONTACT = -1.3
NPS_NOISE_SD = 1.2
CHURN_BASE = {NC: 0.03, RP: 0.05}
GAP_LOGIT = (-3.2, 0.2)  # home move: churn = 1/(1+exp(-(a + b*gap_days)))
CHURN_WINDOW_DAYS = 90
NPS_DELAY_DAYS = 30
CSAT_FAILED_P = (0.42, 0.38, 0.10, 0.05, 0.03, 0.02, 0.0, 0.0, 0.0, 0.0)  # scores 1..10
CSAT_OK_P = (0.0, 0.0, 0.01, 0.01, 0.02, 0.03, 0.08, 0.42, 0.33, 0.10)
CSAT_RESPONSE = (0.22, 0.34)  # (visit ok, visit failed)
NPS_RESPONSE = (0.21, 0.33)  # (score >= 7, score <= 6)

CHASE = {
    "where": {
        PHONE: "Customer call: where is my order?",
        CHAT: "Customer chat: where is my order?",
        EMAIL: "Customer email: where is my order?",
    },
    "fix": {
        PHONE: "Customer call: when will this be fixed?",
        CHAT: "Customer chat: when will this be fixed?",
        EMAIL: "Customer email: when will this be fixed?",
    },
}
CHASE_CHANNEL_P = ((PHONE, 0.6), (CHAT, 0.25), (EMAIL, 0.15))

# --------------------------------------------------------------------------------------------
# Counter-based random numbers
# --------------------------------------------------------------------------------------------

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLD = np.uint64(0x9E3779B97F4A7C15)


def _mix(x: np.ndarray) -> np.ndarray:
    """The splitmix64 finaliser on a uint64 array (wraps silently, as intended)."""
    x = x ^ (x >> np.uint64(30))
    x = x * _M1
    x = x ^ (x >> np.uint64(27))
    x = x * _M2
    return x ^ (x >> np.uint64(31))


class Draws:
    """Random numbers for a set of journeys: ``u(name)`` is a hash of (seed, journey, name)."""

    def __init__(self, key: np.ndarray):
        self.key = key

    @classmethod
    def for_journeys(cls, seed: int, idx: np.ndarray) -> Draws:
        s = _mix(np.array([seed & 0xFFFFFFFFFFFFFFFF], dtype=np.uint64))
        return cls(_mix(idx.astype(np.uint64) * _GOLD + s))

    def __getitem__(self, sel) -> Draws:
        return Draws(self.key[sel])

    def __len__(self) -> int:
        return len(self.key)

    def u(self, name: str) -> np.ndarray:
        """Uniform in (0, 1)."""
        stream = np.array([zlib.crc32(name.encode()) + 1], dtype=np.uint64) * _GOLD
        h = _mix(self.key ^ _mix(stream))
        return ((h >> np.uint64(11)).astype(np.float64) + 0.5) * (1.0 / 2**53)

    def normal(self, name: str) -> np.ndarray:
        u1, u2 = self.u(name + "#1"), self.u(name + "#2")
        return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)

    def lognormal(self, name: str, median: float, sigma: float, cap: float | None = None):
        x = median * np.exp(sigma * self.normal(name))
        return np.minimum(x, cap) if cap is not None else x

    def choice(self, name: str, p: Sequence[float]) -> np.ndarray:
        c = np.cumsum(np.asarray(p, dtype=np.float64))
        c /= c[-1]
        return np.minimum(np.searchsorted(c, self.u(name), side="right"), len(c) - 1)

    def integers(self, name: str, n: int) -> np.ndarray:
        return np.minimum((self.u(name) * n).astype(np.int64), n - 1)

    def bernoulli(self, name: str, p) -> np.ndarray:
        return self.u(name) < p

    def poisson(self, name: str, lam: np.ndarray, kmax: int) -> np.ndarray:
        u = self.u(name)
        lam = np.maximum(lam, 0.0)
        p = np.exp(-lam)
        c = p.copy()
        k = np.zeros(len(u), dtype=np.int64)
        for j in range(1, kmax + 1):
            k += u > c
            p = p * lam / j
            c = c + p
        return k


# --------------------------------------------------------------------------------------------
# Working calendar
# --------------------------------------------------------------------------------------------


class Calendar:
    """Working days and working minutes; converts between calendar and working time."""

    def __init__(self) -> None:
        days = T0.astype("datetime64[D]") + np.arange(HORIZON_DAYS)
        hol = np.array(HOLIDAYS, dtype="datetime64[D]")
        self.working = np.is_busday(days, holidays=hol)
        minutes = np.where(self.working, CLOSE - OPEN, 0.0)
        self.wstart = np.concatenate([[0.0], np.cumsum(minutes)[:-1]])
        self.wend = self.wstart + minutes
        self.workdays = np.flatnonzero(self.working)
        self.rank = np.cumsum(self.working) - self.working  # working days before each day

    def day(self, t: np.ndarray) -> np.ndarray:
        return np.floor(t / DAY).astype(np.int64)

    def to_work(self, t: np.ndarray) -> np.ndarray:
        d = self.day(t)
        within = np.clip(t - d * DAY - OPEN, 0.0, CLOSE - OPEN) * self.working[d]
        return self.wstart[d] + within

    def from_work(self, w: np.ndarray) -> np.ndarray:
        d = np.searchsorted(self.wend, w, side="right")
        return d * DAY + OPEN + (w - self.wstart[d])

    def is_staff_time(self, t: np.ndarray, margin: float = 0.0) -> np.ndarray:
        d = self.day(t)
        m = t - d * DAY
        return self.working[d] & (m >= OPEN + margin) & (m < CLOSE - margin)

    def next_workday_open(self, t: np.ndarray) -> np.ndarray:
        """08:00 of the first working day strictly after the day of ``t``."""
        return self.from_work(self.wend[self.day(t)])

    def workday_after(self, t: np.ndarray, k: np.ndarray) -> np.ndarray:
        """Start (00:00) of the k-th working day after the day of ``t`` (k >= 1)."""
        r = self.rank[self.day(t)] + np.where(self.working[self.day(t)], 0, -1) + k
        return self.workdays[r] * DAY

    def first_workday_on_or_after(self, t: np.ndarray) -> np.ndarray:
        d = self.day(t)
        return self.workdays[self.rank[d]] * DAY


def customer_time(t: np.ndarray) -> np.ndarray:
    """Fold a time into customer hours (07:00-22:30) of the same day, keeping its order."""
    d = np.floor(t / DAY)
    m = t - d * DAY
    return d * DAY + CUST_OPEN + m * ((CUST_CLOSE - CUST_OPEN) / DAY)


# --------------------------------------------------------------------------------------------
# People
# --------------------------------------------------------------------------------------------

_FIRST = [
    "Anna",
    "Ben",
    "Carla",
    "David",
    "Eva",
    "Farid",
    "Greta",
    "Hugo",
    "Ines",
    "Jonas",
    "Karin",
    "Luca",
    "Maya",
    "Nils",
    "Olga",
    "Pedro",
    "Rosa",
    "Sami",
    "Tara",
    "Umar",
    "Vera",
    "Wim",
    "Yara",
    "Zoe",
    "Aisha",
    "Bram",
    "Chloe",
    "Dries",
    "Elif",
    "Finn",
    "Hanna",
    "Ivan",
    "Julia",
    "Kofi",
    "Lena",
    "Mats",
    "Noor",
    "Oscar",
    "Priya",
    "Quinn",
    "Ravi",
    "Sofia",
    "Tom",
    "Ulla",
    "Victor",
    "Wen",
    "Xavier",
    "Yusuf",
    "Zara",
    "Emma",
]
_LAST = [
    "Jansen",
    "Peeters",
    "Novak",
    "Berg",
    "Moreau",
    "Rossi",
    "Silva",
    "Kowalski",
    "Nielsen",
    "Dubois",
    "Murphy",
    "Weber",
    "Costa",
    "Horvat",
    "Lindqvist",
    "Brouwer",
    "Ferreira",
    "Schmidt",
    "Kaya",
    "Okafor",
    "Mensah",
    "Tanaka",
    "Varga",
    "Hendriks",
    "Laine",
    "Bakker",
    "Fischer",
    "Romano",
    "Garcia",
    "Meyer",
    "Visser",
    "Jovanovic",
    "Nowak",
    "Haddad",
    "Svensson",
    "Keller",
    "Wouters",
    "Adler",
    "Marino",
    "Ivanova",
    "Popescu",
    "Hughes",
    "Larsen",
    "Bianchi",
    "Evans",
    "Costa",
    "Dekker",
    "Smit",
    "Mulder",
    "Vos",
]


@dataclass
class Roster:
    """About 150 named people, each in one department; Field people in six teams."""

    names: list[str]
    dept: np.ndarray
    members: dict[int, np.ndarray] = field(default_factory=dict)
    cum: dict[int, np.ndarray] = field(default_factory=dict)
    teams: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.int64))

    @classmethod
    def build(cls, seed: int) -> Roster:
        rng = np.random.default_rng([seed & 0xFFFFFFFF, 0x51A7F])
        n = sum(DEPT_SIZES)
        pairs = rng.permutation(len(_FIRST) * len(_LAST))[:n]
        names = [f"{_FIRST[p // len(_LAST)]} {_LAST[p % len(_LAST)]}" for p in pairs]
        dept = np.repeat(np.arange(len(DEPT_SIZES)), DEPT_SIZES)
        r = cls(names=names, dept=dept)
        for d, size in enumerate(DEPT_SIZES):
            if size:
                r.members[d] = np.flatnonzero(dept == d)
                # Uneven workloads: a few people do much of a department's work.
                w = 1.0 / (np.arange(size) + 3.0)
                r.cum[d] = np.cumsum(rng.permutation(w)) / w.sum()
        r.teams = r.members[FIELD].reshape(len(TEAMS), TEAM_SIZE)
        return r

    def pick(self, u: np.ndarray, dept: int) -> np.ndarray:
        i = np.minimum(np.searchsorted(self.cum[dept], u, side="right"), len(self.cum[dept]) - 1)
        return self.members[dept][i]

    def pick_in_team(self, u: np.ndarray, team: np.ndarray) -> np.ndarray:
        return self.teams[team, np.minimum((u * TEAM_SIZE).astype(np.int64), TEAM_SIZE - 1)]


# --------------------------------------------------------------------------------------------
# Events of a batch, as parallel arrays ("slots": one possible event per journey)
# --------------------------------------------------------------------------------------------

ACTIVITIES: list[str] = []
_ACT: dict[str, int] = {}


def act(name: str) -> int:
    """The code of an activity name (codes are assigned on first use, in a fixed order)."""
    if name not in _ACT:
        _ACT[name] = len(ACTIVITIES)
        ACTIVITIES.append(name)
    return _ACT[name]


class Events:
    """Collects event slots for ``n`` journeys; :meth:`arrays` stacks the present ones."""

    def __init__(self, n: int):
        self.n = n
        self.parts: list[tuple] = []

    def add(self, activity, dept, start, end, resource=-1, channel=NOCH, mask=None):
        n = self.n
        full = lambda v, dt: np.broadcast_to(np.asarray(v, dtype=dt), (n,))  # noqa: E731
        a = full(act(activity) if isinstance(activity, str) else activity, np.int32)
        m = np.ones(n, dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
        self.parts.append(
            (
                a,
                full(dept, np.int8),
                full(start, np.float64),
                full(end, np.float64),
                full(resource, np.int32),
                full(channel, np.int8),
                m,
            )
        )

    def arrays(self) -> dict[str, np.ndarray]:
        k = len(self.parts)
        cols = [np.stack([p[i] for p in self.parts]) for i in range(7)]
        mask = cols[6]
        case = np.broadcast_to(np.arange(self.n), (k, self.n))[mask]
        seq = np.broadcast_to(np.arange(k)[:, None], (k, self.n))[mask]
        names = ("activity", "dept", "start", "end", "resource", "channel")
        out = {nm: c[mask] for nm, c in zip(names, cols[:6], strict=True)}
        out["case"] = case
        out["seq"] = seq
        return out


@dataclass
class Sim:
    """What one journey type's simulation returns for its journeys."""

    events: Events
    chases: np.ndarray  # number of status-chasing contacts
    churn_p: np.ndarray
    team: np.ndarray  # field team (-1 when no visit)
    failed_visit: np.ndarray  # any failed technician visit
    incomplete: np.ndarray  # order forwarded incomplete (new connection only)
    activated: np.ndarray  # time of "Line activated" (new connection), nan otherwise
    gap_days: np.ndarray  # home move: service gap in days, nan otherwise


class Ctx:
    """Shared objects for simulating one batch."""

    def __init__(self, cal: Calendar, roster: Roster, bad_team: int):
        self.cal = cal
        self.roster = roster
        self.fail_rate = np.full(len(TEAMS), TECH_FAIL)
        self.fail_rate[bad_team] = TECH_FAIL_BAD

    def staff(self, r: Draws, name: str, ready, wait_median, wait_sigma, proc_median, proc_sigma):
        """A staff step: queue ``wait`` working minutes after ``ready``, then work, same day.

        Returns (start, end) in calendar minutes; work that would run past 18:00 starts the
        next working day instead.
        """
        cal = self.cal
        q = r.lognormal(name + ".wait", wait_median, wait_sigma, cap=40 * (CLOSE - OPEN))
        p = r.lognormal(name + ".proc", proc_median, proc_sigma, cap=300.0)
        s = cal.from_work(cal.to_work(ready) + q)
        d = cal.day(s)
        late = s - d * DAY + p > CLOSE - 0.5
        jitter = r.u(name + ".jit") * 40.0
        s = np.where(late, cal.from_work(cal.wend[d] + jitter), s)
        return s, s + p

    def visit(self, r: Draws, name: str, after, lead_median: float, proc_median):
        """A technician visit in a morning or afternoon slot ``lead`` working days after."""
        cal = self.cal
        lead = 1 + np.floor(r.lognormal(name + ".lead", lead_median, 0.55, cap=15.0))
        day0 = cal.workday_after(after, lead.astype(np.int64))
        morning = r.u(name + ".slot") < 0.55
        s = day0 + np.where(
            morning, OPEN + r.u(name + ".m") * 150.0, 780.0 + r.u(name + ".a") * 110
        )
        p = r.lognormal(name + ".proc", 1.0, 0.3, cap=1.8) * proc_median
        return s, s + np.minimum(p, 175.0)

    def chasing(self, r, ev, name, kind, windows, kmax=4):
        """Status-chasing contacts during waits: Poisson per window ``(a, b, rate per day)``."""
        total = np.zeros(len(r), dtype=np.int64)
        for w, (a, b, rate, on) in enumerate(windows):
            length = np.where(on, np.maximum(b - a, 0.0), 0.0)
            n = r.poisson(f"{name}.{w}.n", rate * length / DAY, kmax)
            total += n
            for j in range(kmax):
                raw = a + r.u(f"{name}.{w}.{j}.t") * length
                t = customer_time(raw)
                t = np.where((t > a) & (t < b), t, raw)  # folding left the window: keep raw
                ch = np.array([c for c, _ in CHASE_CHANNEL_P])[
                    r.choice(f"{name}.{w}.{j}.ch", [p for _, p in CHASE_CHANNEL_P])
                ]
                codes = np.array([act(CHASE[kind][c]) for c, _ in CHASE_CHANNEL_P])
                acode = codes[np.searchsorted([c for c, _ in CHASE_CHANNEL_P], ch)]
                dur = np.where(ch == EMAIL, 0.0, r.lognormal(f"{name}.{w}.{j}.d", 5.0, 0.5, 30))
                ev.add(acode, CUST, t - dur, t, -1, ch, mask=n > j)
        return total

    def customer_channel(self, r: Draws, name: str, t, day_p, night_p):
        """Channel of a customer-initiated first contact (phone/chat only in customer hours)."""
        m = t - np.floor(t / DAY) * DAY
        awake = (m >= CUST_OPEN) & (m < CUST_CLOSE)
        chans_d, p_d = zip(*day_p, strict=True)
        chans_n, p_n = zip(*night_p, strict=True)
        return np.where(
            awake,
            np.array(chans_d)[r.choice(name + ".day", p_d)],
            np.array(chans_n)[r.choice(name + ".night", p_n)],
        ).astype(np.int8)


def _nan(n: int) -> np.ndarray:
    return np.full(n, np.nan)


# --------------------------------------------------------------------------------------------
# New connection (~10 touchpoints)
# --------------------------------------------------------------------------------------------


def new_connection(ctx: Ctx, r: Draws, t0: np.ndarray, product: np.ndarray) -> Sim:
    cal, ro = ctx.cal, ctx.roster
    n = len(t0)
    ev = Events(n)
    # Order: web/app any time; phone and shop orders are taken by Sales in office hours.
    staffed = cal.is_staff_time(t0, margin=45.0)
    ch = np.where(
        staffed,
        np.array([WEB, APP, PHONE, SHOP])[r.choice("nc.ch.day", [0.35, 0.15, 0.25, 0.25])],
        np.array([WEB, APP])[r.choice("nc.ch.night", [0.7, 0.3])],
    ).astype(np.int8)
    by_sales = (ch == PHONE) | (ch == SHOP)
    form = r.lognormal("nc.order.form", 7.0, 0.5, cap=40.0)
    talk = r.lognormal("nc.order.proc", 14.0, 0.4, cap=40.0)
    o_start = t0 - np.where(by_sales, talk, form)
    o_end = t0.copy()
    ev.add(
        "Order placed",
        np.where(by_sales, SALES, CUST),
        o_start,
        o_end,
        np.where(by_sales, ro.pick(r.u("nc.order.res"), SALES), -1),
        ch,
    )
    s, e = ctx.staff(r, "nc.credit", o_end, 25.0, 0.9, 4.0, 0.45)
    ev.add("Credit check", SALES, s, e, ro.pick(r.u("nc.credit.res"), SALES))
    s, e_valid = ctx.staff(r, "nc.valid", e, 600.0, 0.5, 12.0, 0.4)
    ev.add("Order validated", BACK, s, e_valid, ro.pick(r.u("nc.valid.res"), BACK))
    incomplete = r.bernoulli("nc.incomplete", INCOMPLETE_SHARE)
    s, e = ctx.staff(r, "nc.ship", e_valid, 120.0, 0.7, 4.0, 0.4)
    ev.add("Equipment shipped", BACK, s, e, ro.pick(r.u("nc.ship.res"), BACK))
    s, e_sched = ctx.staff(r, "nc.sched", e_valid, 420.0, 0.55, 7.0, 0.4)
    scheduler = ro.pick(r.u("nc.sched.res"), SCHED)
    ev.add("Appointment scheduled", SCHED, s, e_sched, scheduler)
    c_start, c_end = ctx.staff(r, "nc.conf", e_sched, 2.0, 0.5, 0.5, 0.2)
    ev.add("Appointment confirmation sent", SCHED, c_start, c_end, scheduler, EMAIL)

    team = r.integers("nc.team", len(TEAMS))
    fibre = np.char.startswith(np.array(PRODUCTS)[product], "Fibre")
    visit_min = np.where(fibre, 105.0, 80.0)
    # Visit 1; fails when the order was incomplete or (team-dependent) for a technical reason.
    v1s, v1e = ctx.visit(r, "nc.v1", c_end, 3.3, visit_min)
    fail1 = incomplete | r.bernoulli("nc.v1.fail", ctx.fail_rate[team])
    tech = lambda k: ro.pick_in_team(r.u(f"nc.v{k}.res"), team)  # noqa: E731
    v1e = np.where(fail1, v1s + (v1e - v1s) * 0.5, v1e)
    ev.add(
        np.where(fail1, act("Technician visit failed"), act("Technician visit")),
        FIELD,
        v1s,
        v1e,
        tech(1),
        FIELDCH,
    )
    s, e_fix = ctx.staff(r, "nc.fix", v1e, 300.0, 0.6, 15.0, 0.4)
    ev.add(
        "Order details corrected", BACK, s, e_fix, ro.pick(r.u("nc.fix.res"), BACK), mask=incomplete
    )
    s, e_rs1 = ctx.staff(r, "nc.rs1", np.where(incomplete, e_fix, v1e), 240.0, 0.6, 7.0, 0.4)
    ev.add(
        "Appointment rescheduled", SCHED, s, e_rs1, ro.pick(r.u("nc.rs1.res"), SCHED), mask=fail1
    )
    v2s, v2e = ctx.visit(r, "nc.v2", e_rs1, 2.0, visit_min)
    fail2 = fail1 & r.bernoulli("nc.v2.fail", ctx.fail_rate[team])
    v2e = np.where(fail2, v2s + (v2e - v2s) * 0.5, v2e)
    ev.add(
        np.where(fail2, act("Technician visit failed"), act("Technician visit")),
        FIELD,
        v2s,
        v2e,
        tech(2),
        FIELDCH,
        mask=fail1,
    )
    s, e_rs2 = ctx.staff(r, "nc.rs2", v2e, 240.0, 0.6, 7.0, 0.4)
    ev.add(
        "Appointment rescheduled", SCHED, s, e_rs2, ro.pick(r.u("nc.rs2.res"), SCHED), mask=fail2
    )
    v3s, v3e = ctx.visit(r, "nc.v3", e_rs2, 2.0, visit_min)
    ev.add("Technician visit", FIELD, v3s, v3e, tech(3), FIELDCH, mask=fail2)
    done = np.where(fail2, v3e, np.where(fail1, v2e, v1e))

    s, e_act = ctx.staff(r, "nc.act", done, 240.0, 0.6, 8.0, 0.4)
    ev.add("Line activated", ACTIV, s, e_act, ro.pick(r.u("nc.act.res"), ACTIV))
    call = r.bernoulli("nc.welcome", 0.6)
    s, e = ctx.staff(r, "nc.welcome", e_act, 600.0, 0.6, 5.0, 0.5)
    e = np.where(call, e, s + 0.5)
    ev.add(
        np.where(call, act("Welcome call"), act("Welcome email sent")),
        FRONT,
        s,
        e,
        ro.pick(r.u("nc.welcome.res"), FRONT),
        np.where(call, PHONE, EMAIL),
    )
    s, e_bill = ctx.staff(r, "nc.bill", e_act, 3600.0, 0.35, 2.0, 0.3)
    ev.add("First bill issued", BILL, s, e_bill, ro.pick(r.u("nc.bill.res"), BILL), EMAIL)

    chases = ctx.chasing(
        r,
        ev,
        "nc.chase",
        "where",
        [
            (o_end + 2.0 * DAY, c_end, 0.35, True),
            (c_end, v1s, 0.04, True),
            (v1e, e_act, 0.30, fail1),
        ],
    )
    return Sim(
        events=ev,
        chases=chases,
        churn_p=np.full(n, CHURN_BASE[NC]),
        team=team,
        failed_visit=fail1,
        incomplete=incomplete,
        activated=e_act,
        gap_days=_nan(n),
    )


# --------------------------------------------------------------------------------------------
# Repair / complaint
# --------------------------------------------------------------------------------------------


def repair(ctx: Ctx, r: Draws, t0: np.ndarray, product: np.ndarray) -> Sim:
    ro = ctx.roster
    n = len(t0)
    ev = Events(n)
    fault = r.bernoulli("rp.fault", 0.75)
    ch = ctx.customer_channel(
        r,
        "rp.ch",
        t0,
        [(PHONE, 0.45), (APP, 0.15), (WEB, 0.15), (CHAT, 0.15), (EMAIL, 0.10)],
        [(APP, 0.45), (WEB, 0.40), (EMAIL, 0.15)],
    )
    dur = np.where(ch == EMAIL, 0.0, r.lognormal("rp.report.d", 6.0, 0.5, 40.0))
    ev.add(
        np.where(fault, act("Fault reported"), act("Billing complaint received")),
        CUST,
        t0 - dur,
        t0,
        -1,
        ch,
    )
    # Fault branch ------------------------------------------------------------------------
    s, e_diag = ctx.staff(r, "rp.diag", t0, 90.0, 0.7, 12.0, 0.45)
    ev.add("Fault diagnosed", FRONT, s, e_diag, ro.pick(r.u("rp.diag.res"), FRONT), mask=fault)
    remote = fault & r.bernoulli("rp.remote", 0.55)
    s, e_rem = ctx.staff(r, "rp.remote", e_diag, 240.0, 0.6, 15.0, 0.45)
    ev.add("Remote fix attempted", BACK, s, e_rem, ro.pick(r.u("rp.remote.res"), BACK), mask=remote)
    fixed_remote = remote & r.bernoulli("rp.remote.ok", 0.75)
    needs_visit = fault & ~fixed_remote
    s, e_disp = ctx.staff(r, "rp.disp", np.where(remote, e_rem, e_diag), 200.0, 0.6, 6.0, 0.4)
    ev.add(
        "Technician dispatched",
        SCHED,
        s,
        e_disp,
        ro.pick(r.u("rp.disp.res"), SCHED),
        mask=needs_visit,
    )
    team = r.integers("rp.team", len(TEAMS))
    tech = lambda k: ro.pick_in_team(r.u(f"rp.v{k}.res"), team)  # noqa: E731
    v1s, v1e = ctx.visit(r, "rp.v1", e_disp, 0.8, 70.0)
    fail1 = needs_visit & r.bernoulli("rp.v1.fail", ctx.fail_rate[team])
    v1e = np.where(fail1, v1s + (v1e - v1s) * 0.5, v1e)
    ev.add(
        np.where(fail1, act("Technician visit failed"), act("Technician visit")),
        FIELD,
        v1s,
        v1e,
        tech(1),
        FIELDCH,
        mask=needs_visit,
    )
    s, e_rs = ctx.staff(r, "rp.rs1", v1e, 200.0, 0.6, 7.0, 0.4)
    ev.add("Appointment rescheduled", SCHED, s, e_rs, ro.pick(r.u("rp.rs1.res"), SCHED), mask=fail1)
    v2s, v2e = ctx.visit(r, "rp.v2", e_rs, 0.8, 70.0)
    ev.add("Technician visit", FIELD, v2s, v2e, tech(2), FIELDCH, mask=fail1)
    fixed_at = np.where(fixed_remote, e_rem, np.where(fail1, v2e, v1e))
    s, e_conf = ctx.staff(r, "rp.conf", fixed_at, 240.0, 0.6, 5.0, 0.4)
    ev.add(
        "Resolution confirmed with customer",
        FRONT,
        s,
        e_conf,
        ro.pick(r.u("rp.conf.res"), FRONT),
        PHONE,
        mask=fault,
    )
    # Billing complaint branch --------------------------------------------------------------
    cpl = ~fault
    s, e_log = ctx.staff(r, "rp.log", t0, 60.0, 0.7, 8.0, 0.4)
    ev.add("Complaint logged", FRONT, s, e_log, ro.pick(r.u("rp.log.res"), FRONT), mask=cpl)
    s, e_inv = ctx.staff(r, "rp.inv", e_log, 720.0, 0.5, 25.0, 0.4)
    ev.add("Bill investigated", BILL, s, e_inv, ro.pick(r.u("rp.inv.res"), BILL), mask=cpl)
    credit = r.bernoulli("rp.credit", 0.65)
    s, e_dec = ctx.staff(r, "rp.dec", e_inv, 120.0, 0.6, 6.0, 0.4)
    ev.add(
        np.where(credit, act("Credit note issued"), act("Complaint rejected")),
        BILL,
        s,
        e_dec,
        ro.pick(r.u("rp.dec.res"), BILL),
        mask=cpl,
    )
    by_mail = r.bernoulli("rp.inform.mail", 0.6)
    s, e_inf = ctx.staff(r, "rp.inform", e_dec, 300.0, 0.6, 5.0, 0.4)
    ev.add(
        "Customer informed of outcome",
        FRONT,
        s,
        e_inf,
        ro.pick(r.u("rp.inform.res"), FRONT),
        np.where(by_mail, EMAIL, PHONE),
        mask=cpl,
    )
    s, e_cb = ctx.staff(r, "rp.cbill", e_dec, 1800.0, 0.5, 2.0, 0.3)
    ev.add(
        "Corrected bill issued",
        BILL,
        s,
        e_cb,
        ro.pick(r.u("rp.cbill.res"), BILL),
        EMAIL,
        mask=cpl & credit,
    )
    resolved = np.where(fault, e_conf, e_inf)
    chases = ctx.chasing(
        r,
        ev,
        "rp.chase",
        "fix",
        [(t0 + np.where(fault, 1.0, 3.0) * DAY, resolved, 0.30, True)],
    )
    return Sim(
        events=ev,
        chases=chases,
        churn_p=np.full(n, CHURN_BASE[RP]),
        team=np.where(needs_visit, team, -1),
        failed_visit=fail1,
        incomplete=np.zeros(n, dtype=bool),
        activated=_nan(n),
        gap_days=_nan(n),
    )


# --------------------------------------------------------------------------------------------
# Home move (~19 touchpoints)
# --------------------------------------------------------------------------------------------


def home_move(ctx: Ctx, r: Draws, t0: np.ndarray, product: np.ndarray) -> Sim:
    cal, ro = ctx.cal, ctx.roster
    n = len(t0)
    ev = Events(n)
    ch = ctx.customer_channel(
        r,
        "hm.ch",
        t0,
        [(WEB, 0.35), (APP, 0.15), (PHONE, 0.35), (CHAT, 0.15)],
        [(WEB, 0.7), (APP, 0.3)],
    )
    dur = r.lognormal("hm.report.d", 8.0, 0.5, 40.0)
    ev.add("Customer reports move", CUST, t0 - dur, t0, -1, ch)
    # The move date the customer asks for: two to eight weeks ahead.
    move_day = np.floor(t0 / DAY + 12.0 + r.lognormal("hm.lead", 16.0, 0.45, cap=45.0)) * DAY

    s, e = ctx.staff(r, "hm.reg", t0, 120.0, 0.7, 6.0, 0.4)
    ev.add("Move request registered", FRONT, s, e, ro.pick(r.u("hm.reg.res"), FRONT))
    s, e = ctx.staff(r, "hm.addr", e, 540.0, 0.5, 10.0, 0.4)
    ev.add("Address checked at new address", BACK, s, e, ro.pick(r.u("hm.addr.res"), BACK))
    s, e = ctx.staff(r, "hm.contract", e, 240.0, 0.6, 9.0, 0.4)
    ev.add("Contract updated for new address", SALES, s, e, ro.pick(r.u("hm.contract.res"), SALES))
    s, e_mo = ctx.staff(r, "hm.order", e, 300.0, 0.6, 12.0, 0.4)
    ev.add("Move order created", BACK, s, e_mo, ro.pick(r.u("hm.order.res"), BACK))
    by_mail = r.bernoulli("hm.confirm.mail", 0.6)
    s, e = ctx.staff(r, "hm.confirm", e_mo, 240.0, 0.6, 5.0, 0.4)
    e = np.where(by_mail, s + 0.5, e)
    ev.add(
        "Move date confirmed",
        FRONT,
        s,
        e,
        ro.pick(r.u("hm.confirm.res"), FRONT),
        np.where(by_mail, EMAIL, PHONE),
    )
    s, e_sched = ctx.staff(r, "hm.sched", e_mo, 420.0, 0.55, 7.0, 0.4)
    scheduler = ro.pick(r.u("hm.sched.res"), SCHED)
    ev.add("Appointment scheduled", SCHED, s, e_sched, scheduler)
    c_start, c_end = ctx.staff(r, "hm.conf", e_sched, 2.0, 0.5, 0.5, 0.2)
    ev.add("Appointment confirmation sent", SCHED, c_start, c_end, scheduler, EMAIL)
    s, e = ctx.staff(r, "hm.ship", e_mo, 300.0, 0.7, 4.0, 0.4)
    ev.add("Equipment shipped", BACK, s, e, ro.pick(r.u("hm.ship.res"), BACK))

    # Old service ends on (the first working day from) the move date.
    s, e_old = ctx.staff(
        r, "hm.end", cal.first_workday_on_or_after(move_day) + OPEN, 90.0, 0.6, 6.0, 0.4
    )
    ev.add("Service ended at old address", ACTIV, s, e_old, ro.pick(r.u("hm.end.res"), ACTIV))
    # The visit at the new address is planned around the move date: on time for some, days
    # late for others (capacity), never before the appointment was scheduled plus two days.
    on_time = r.bernoulli("hm.ontime", 0.45)
    before = r.integers("hm.before", 3)  # 0-2 working days before the move
    late = 1 + np.floor(r.lognormal("hm.late", 2.5, 0.75, cap=25.0)).astype(np.int64)
    anchor = cal.first_workday_on_or_after(move_day)
    planned = np.where(
        on_time,
        cal.workdays[np.maximum(cal.rank[cal.day(anchor)] - before, 0)] * DAY,
        cal.workday_after(anchor, late),
    )
    earliest = cal.workday_after(c_end, np.full(n, 2))
    day_v = np.maximum(planned, earliest)
    team = r.integers("hm.team", len(TEAMS))
    tech = lambda k: ro.pick_in_team(r.u(f"hm.v{k}.res"), team)  # noqa: E731
    fibre = np.char.startswith(np.array(PRODUCTS)[product], "Fibre")
    visit_min = np.where(fibre, 100.0, 75.0)
    morning = r.u("hm.v1.slot") < 0.55
    v1s = day_v + np.where(morning, OPEN + r.u("hm.v1.m") * 150.0, 780.0 + r.u("hm.v1.a") * 110)
    v1e = v1s + np.minimum(r.lognormal("hm.v1.proc", 1.0, 0.3, cap=1.8) * visit_min, 175.0)
    fail1 = r.bernoulli("hm.v1.fail", ctx.fail_rate[team])
    v1e = np.where(fail1, v1s + (v1e - v1s) * 0.5, v1e)
    ev.add(
        np.where(fail1, act("Technician visit failed"), act("Technician visit")),
        FIELD,
        v1s,
        v1e,
        tech(1),
        FIELDCH,
    )
    s, e_rs = ctx.staff(r, "hm.rs1", v1e, 240.0, 0.6, 7.0, 0.4)
    ev.add("Appointment rescheduled", SCHED, s, e_rs, ro.pick(r.u("hm.rs1.res"), SCHED), mask=fail1)
    v2s, v2e = ctx.visit(r, "hm.v2", e_rs, 2.0, visit_min)
    ev.add("Technician visit", FIELD, v2s, v2e, tech(2), FIELDCH, mask=fail1)
    done = np.where(fail1, v2e, v1e)
    s, e_new = ctx.staff(r, "hm.start", done, 90.0, 0.6, 8.0, 0.4)
    ev.add("Service started at new address", ACTIV, s, e_new, ro.pick(r.u("hm.start.res"), ACTIV))
    gap = (e_new - e_old) / DAY

    s, e_fb = ctx.staff(r, "hm.final", e_old, 1800.0, 0.5, 3.0, 0.3)
    ev.add(
        "Final bill old address issued", BILL, s, e_fb, ro.pick(r.u("hm.final.res"), BILL), EMAIL
    )
    returned = r.bernoulli("hm.return", 0.7)
    t_ret = customer_time(e_old + r.lognormal("hm.return.t", 5.0 * DAY, 0.6, cap=30 * DAY))
    ev.add("Old equipment returned", CUST, t_ret - 5.0, t_ret, -1, SHOP, mask=returned)
    s, e_wc = ctx.staff(r, "hm.welcome", e_new, 900.0, 0.6, 5.0, 0.5)
    ev.add(
        "Welcome call at new address", FRONT, s, e_wc, ro.pick(r.u("hm.welcome.res"), FRONT), PHONE
    )
    s, e_ba = ctx.staff(r, "hm.baddr", e_new, 600.0, 0.6, 4.0, 0.4)
    ev.add("Billing address updated", BILL, s, e_ba, ro.pick(r.u("hm.baddr.res"), BILL))
    wrong = r.bernoulli("hm.wrongbill", 0.25)
    s, e_b1 = ctx.staff(r, "hm.bill", e_ba, 3600.0, 0.35, 2.0, 0.3)
    ev.add(
        np.where(
            wrong,
            act("Incorrect bill at new address issued"),
            act("First correct bill at new address"),
        ),
        BILL,
        s,
        e_b1,
        ro.pick(r.u("hm.bill.res"), BILL),
        EMAIL,
    )
    t_c = customer_time(e_b1 + r.lognormal("hm.cpl.t", 1.5 * DAY, 0.6, cap=10 * DAY))
    ch_c = np.array([PHONE, EMAIL, CHAT])[r.choice("hm.cpl.ch", [0.55, 0.25, 0.2])]
    d_c = np.where(ch_c == EMAIL, 0.0, r.lognormal("hm.cpl.d", 7.0, 0.5, 30.0))
    ev.add("Customer complaint: incorrect bill", CUST, t_c - d_c, t_c, -1, ch_c, mask=wrong)
    s, e_bc = ctx.staff(r, "hm.bcorr", t_c, 900.0, 0.5, 12.0, 0.4)
    ev.add("Bill corrected", BILL, s, e_bc, ro.pick(r.u("hm.bcorr.res"), BILL), mask=wrong)
    s, e_b2 = ctx.staff(r, "hm.bill2", e_bc, 300.0, 0.5, 2.0, 0.3)
    ev.add(
        "First correct bill at new address",
        BILL,
        s,
        e_b2,
        ro.pick(r.u("hm.bill2.res"), BILL),
        EMAIL,
        mask=wrong,
    )
    chases = ctx.chasing(
        r,
        ev,
        "hm.chase",
        "where",
        [
            (t0 + 4.0 * DAY, c_end, 0.25, True),
            (np.maximum(e_old, c_end), e_new, 0.45, True),
        ],
    )
    a, b = GAP_LOGIT
    churn_p = 1.0 / (1.0 + np.exp(-(a + b * np.maximum(gap, 0.0))))
    return Sim(
        events=ev,
        chases=chases,
        churn_p=churn_p,
        team=team,
        failed_visit=fail1,
        incomplete=np.zeros(n, dtype=bool),
        activated=_nan(n),
        gap_days=gap,
    )


SIMULATORS = {NC: new_connection, RP: repair, HM: home_move}
