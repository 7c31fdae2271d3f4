"""The simulation behind :mod:`journeylens.generate.generator` (private).

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
