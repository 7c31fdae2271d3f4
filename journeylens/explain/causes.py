"""Root causes: which attribute values (and pairs) are over-represented among bad outcomes.

Given a table of *units* — cases, or journey instances — with attributes and a *target*
(a boolean such as "slow", "failed", "low score", or a continuous measure such as the
duration), :func:`find_causes` tests every attribute value and every pair of values:

* **lift**: the target rate in the group over the expected rate (the overall rate, or, with
  ``adjust_for``, the rate of each unit's stratum, so a confounder such as the journey type
  does not masquerade as a cause); for a continuous measure, the **ratio** of the group's mean
  to the mean of the other units (or to the stratum means);
* **coverage**: the share of all target units that the group holds, and **support**: its share
  of all units; groups below ``min_support`` units are never tested;
* **intervals**: Wilson intervals of rates (boolean targets), bootstrap intervals of ratios
  (continuous targets); p-values corrected for the number of tests (Benjamini–Hochberg), so a
  hundred tested values do not produce five false findings;
* **interactions**: a pair is reported only when its lift is above that of both its parts, and
  a shallow decision tree (scikit-learn) shows the segments the attributes carve out together;
* **plain language**: "cases with field_team = Team Falcon are revisit 1.6× as often (36% vs
  22%); 18% of all revisit cases".

:func:`case_units` builds the unit table of a workspace (the case table plus event
attributes, aggregated per case), and :func:`case_causes` runs the analysis on it with a target
given as text (``"slow"``, ``"rework"``, ``"activity:NAME"``, ``"repeat:PATTERN"``, a column).
The voice-of-the-customer analyses reuse :func:`find_causes` on journey instances joined with
survey scores.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from journeylens._util import fmt
from journeylens._util.fmt import duration
from journeylens._util.plain import plain
from journeylens.errors import InputError
from journeylens.mining.cases import CASE_COLUMNS

__all__ = ["Causes", "find_causes", "wilson"]

#: Columns never used as attributes: identifiers, times and the case table's own measures
#: (the first activity stays a candidate cause; the last one is an outcome).
_NOT_ATTRIBUTES = frozenset(
    {*CASE_COLUMNS, "case_ids", "instance_id", "customer_id"} - {"first_activity"}
)
_Z = 1.959963984540054  # two-sided 95%
#: The attributes, the condition's text and the mask of the units meeting it.
_Group = tuple[tuple[str, ...], str, np.ndarray]


def wilson(
    successes: np.ndarray | int, n: np.ndarray | int, z: float = _Z
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of a proportion (vectorised); returns ``(low, high)``.

    Examples
    --------
    >>> low, high = wilson(41, 100)
    >>> round(float(low), 3), round(float(high), 3)
    (0.319, 0.508)
    """
    k = np.asarray(successes, dtype=float)
    m = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / m
        denom = 1 + z**2 / m
        centre = (p + z**2 / (2 * m)) / denom
        half = z * np.sqrt(p * (1 - p) / m + z**2 / (4 * m**2)) / denom
    return centre - half, centre + half


def _bh(p: np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (q-values)."""
    p = np.asarray(p, dtype=float)
    n = len(p)
    if n == 0:
        return p
    order = np.argsort(p)
    ranked = p[order] * n / np.arange(1, n + 1)
    q = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(n)
    out[order] = np.minimum(q, 1.0)
    return out


# --------------------------------------------------------------------------- result


@dataclass
class Causes:
    """The result of :func:`find_causes`: ranked findings, a shallow tree, plain sentences.

    ``findings`` has one row per reported group (over-represented, significant after the
    multiple-comparison correction, at least ``min_support`` units), best first, with columns
    ``condition``, ``attributes``, ``n``, ``support``, ``target_n``, ``rate``, ``rate_low``,
    ``rate_high``, ``expected_rate``, ``lift``, ``lift_low``, ``lift_high``, ``coverage``,
    ``excess`` (target units above expectation), ``mean``, ``ratio``, ``ratio_low``,
    ``ratio_high`` (continuous targets; null otherwise), ``p_value``, ``q_value`` and
    ``finding`` (the sentence).  ``tested`` is the number of groups tested.
    """

    target: str
    unit: str
    kind: str  # "boolean" or "continuous"
    units: int
    target_units: int
    base_rate: float
    findings: pd.DataFrame
    tree: list[dict[str, Any]] = field(default_factory=list)
    tested: int = 0
    measure: str | None = None
    threshold: float | None = None
    adjusted_for: tuple[str, ...] = ()
    #: Boolean targets on units with ``duration_s``: how much longer a target unit takes than
    #: the other units of its stratum, on average (seconds); None otherwise.
    extra_duration_s: float | None = None

    def sentences(self, limit: int = 5) -> list[str]:
        """The top findings in plain language."""
        return list(self.findings["finding"].head(limit))

    def to_dict(self) -> dict[str, Any]:
        rows = self.findings.replace({np.nan: None}).to_dict("records")
        return {
            "target": self.target,
            "unit": self.unit,
            "kind": self.kind,
            "measure": self.measure,
            "threshold": self.threshold,
            "units": self.units,
            "target_units": self.target_units,
            "base_rate": self.base_rate,
            "adjusted_for": list(self.adjusted_for),
            "extra_duration_s": self.extra_duration_s,
            "tested": self.tested,
            "findings": [{k: plain(v) for k, v in r.items()} for r in rows],
            "tree": self.tree,
        }

    def __repr__(self) -> str:
        head = (
            f"Causes of {self.target!r}: {self.target_units:,} of {self.units:,} {self.unit}s "
            f"({fmt.share(self.base_rate)}); {len(self.findings)} finding(s) of {self.tested} tested"
        )
        return "\n".join([head, *(f"  - {s}" for s in self.sentences())])

    def _repr_html_(self) -> str:
        import html

        items = "".join(f"<li>{html.escape(s)}</li>" for s in self.sentences(10))
        return f"<p>{html.escape(repr(self).splitlines()[0])}</p><ol>{items}</ol>"


# --------------------------------------------------------------------------- core


def _target_vector(
    units: pd.DataFrame, target: str | pd.Series | np.ndarray
) -> tuple[np.ndarray, str]:
    if isinstance(target, str):
        if target not in units.columns:
            raise InputError(
                f"target column {target!r} is not in the unit table; "
                f"available columns: {', '.join(map(repr, units.columns))}"
            )
        return units[target].to_numpy(), target
    values = np.asarray(target)
    if len(values) != len(units):
        raise InputError(
            f"target has {len(values)} values but the unit table has {len(units)} rows; "
            "pass one value per unit, in the same order"
        )
    return values, getattr(target, "name", None) or "target"


def _is_boolean(y: np.ndarray) -> bool:
    if y.dtype == bool:
        return True
    try:
        vals = set(pd.unique(pd.Series(y).dropna()))
    except TypeError:
        return False
    return vals <= {0, 1}  # True == 1 and False == 0


def _bins(series: pd.Series) -> pd.Series:
    """Quartile bins of a numeric attribute, labelled by their range."""
    s = pd.to_numeric(series, errors="coerce")
    try:
        cut = pd.qcut(s, 4, duplicates="drop")
    except ValueError:
        return s.astype("string")
    labels = {iv: f"{iv.left:.4g}–{iv.right:.4g}" for iv in cut.cat.categories}
    return cut.map(labels).astype("string")


def _prepare_attributes(
    units: pd.DataFrame, attributes: Sequence[str] | None, exclude: set[str]
) -> pd.DataFrame:
    if attributes is None:
        attributes = [
            c
            for c in units.columns
            if c not in _NOT_ATTRIBUTES
            and c not in exclude
            and not c.startswith(("stage_", "_"))
            # Variant labels are the path itself: they restate the outcome, not a cause.
            and "variant" not in c.lower()
            and not pd.api.types.is_datetime64_any_dtype(units[c])
            and not units[c].map(lambda v: isinstance(v, (list, tuple, np.ndarray))).any()
        ]
    else:
        missing = [a for a in attributes if a not in units.columns]
        if missing:
            raise InputError(
                f"attribute(s) {', '.join(map(repr, missing))} not in the unit table; "
                f"available columns: {', '.join(map(repr, units.columns))}"
            )
    out = {}
    for a in attributes:
        col = units[a]
        if pd.api.types.is_bool_dtype(col):
            out[a] = col.map({True: "yes", False: "no"}).astype("string")
        elif pd.api.types.is_numeric_dtype(col) and col.nunique() > 10:
            out[a] = _bins(col)
        else:
            out[a] = col.astype("string")
    return pd.DataFrame(out, index=units.index)


def _expected(units: pd.DataFrame, y: np.ndarray, adjust_for: Sequence[str]) -> np.ndarray:
    """Expected target per unit: the overall mean, or the mean of the unit's stratum."""
    if not adjust_for:
        mu = np.full(len(y), float(np.nanmean(y)))
    else:
        keys = units[list(adjust_for)].astype("string").fillna("(none)")
        means = pd.Series(y, index=units.index).groupby([keys[c] for c in keys]).transform("mean")
        mu = means.to_numpy(dtype=float)
    return mu


def find_causes(
    units: pd.DataFrame,
    target: str | pd.Series | np.ndarray,
    *,
    attributes: Sequence[str] | None = None,
    adjust_for: Sequence[str] = (),
    slow_quantile: float = 0.75,
    min_support: int = 30,
    pairs: bool = True,
    max_levels: int = 30,
    alpha: float = 0.05,
    tree_depth: int = 3,
    unit: str = "case",
    label: str | None = None,
    min_lift: float = 1.1,
    limit: int = 25,
    n_boot: int = 400,
    seed: int = 0,
) -> Causes:
    """Attribute values and pairs over-represented among the target units, ranked.

    Parameters
    ----------
    units
        One row per unit (case, journey instance) with its attributes.
    target
        A column of ``units`` or one value per row: boolean (the bad outcome) or numeric (a
        measure such as ``duration_s``; "slow" units are those above ``slow_quantile``).
    attributes
        Columns to test (default: every column except identifiers, times and list columns;
        numeric columns with more than 10 values are binned into quartiles).
    adjust_for
        Columns whose strata set the expected rate (e.g. ``["journey"]``), so a group is
        compared with units like it; these are not tested themselves.
    slow_quantile
        For a numeric target, the quantile above which a unit counts as "slow" (coverage).
    min_support
        Smallest group tested (units).
    pairs
        Also test pairs of values (only reported when above the lift of both parts).
    max_levels
        Attributes with more levels than this take part in singles only, not in pairs.
    alpha
        False-discovery rate for the Benjamini–Hochberg correction.
    tree_depth
        Depth of the decision tree (0 = no tree).
    unit, label
        Words for the sentences: ``unit`` ("case", "journey"), ``label`` for the target
        (default: the target's name, or "slow").
    min_lift
        Smallest lift (or ratio) reported: significant but negligible effects are left out.
    limit
        Most findings kept.

    Returns
    -------
    Causes

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> n = 2000
    >>> df = pd.DataFrame({"team": rng.choice(list("ABCD"), n), "region": rng.choice(list("xyz"), n)})
    >>> df["revisit"] = rng.random(n) < np.where(df.team == "A", 0.4, 0.15)
    >>> res = find_causes(df, "revisit")
    >>> res.findings.condition.iloc[0]
    'team = A'
    >>> bool(res.findings.condition.str.contains("region").any())
    False
    """
    if not isinstance(units, pd.DataFrame):
        raise InputError(f"find_causes() expects a pandas DataFrame, got {type(units).__name__}")
    if len(units) == 0:
        raise InputError("find_causes(): the unit table is empty; nothing to explain")
    if not 0 < slow_quantile < 1:
        raise InputError(f"slow_quantile must be between 0 and 1, got {slow_quantile}")
    units = units.reset_index(drop=True)
    raw, name = _target_vector(units, target)
    keep = ~pd.isna(raw)
    units = units.loc[keep].reset_index(drop=True)
    raw = raw[keep]
    missing_adj = [a for a in adjust_for if a not in units.columns]
    if missing_adj:
        raise InputError(
            f"adjust_for column(s) {', '.join(map(repr, missing_adj))} not in the unit table; "
            f"available: {', '.join(map(repr, units.columns))}"
        )
    exclude = {name, *adjust_for}
    attrs = _prepare_attributes(units, attributes, exclude)
    boolean = _is_boolean(raw)
    if boolean:
        y = raw.astype(float)
        flag = y.astype(bool)
        threshold = None
        measure = None
    else:
        y = pd.to_numeric(pd.Series(raw), errors="coerce").to_numpy(dtype=float)
        threshold = float(np.quantile(y, slow_quantile))
        if adjust_for:
            # "Slow" relative to units like it: above the quantile of the unit's stratum.
            keys = [units[c].astype("string").fillna("(none)") for c in adjust_for]
            cut = pd.Series(y).groupby(keys).transform(lambda v: v.quantile(slow_quantile))
            flag = y > cut.to_numpy(dtype=float)
        else:
            flag = y > threshold
        measure = name
    label = label or (name if boolean else "slow")
    mu = _expected(units, y, adjust_for)
    n_units = len(units)
    n_target = int(flag.sum())
    base = float(flag.mean())
    # Expected number of *flagged* units per unit (for coverage-based lift on continuous data).
    fmu = _expected(units, flag.astype(float), adjust_for)

    groups = _groups(attrs, min_support=min_support, pairs=pairs, max_levels=max_levels)
    rows = []
    resid = y - mu
    total_resid = resid.sum()
    by_condition: dict[str, dict[str, Any]] = {}
    # A value of an attribute that not every unit has (the field team of cases with a visit)
    # is compared with the units that have one, not with those that never could.
    present: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    for a in attrs.columns:
        has = attrs[a].notna().to_numpy()
        if 0 < has.sum() < n_units:
            sub = units.loc[has]
            f_a = np.full(n_units, np.nan)
            m_a = np.full(n_units, np.nan)
            f_a[has] = _expected(sub, flag[has].astype(float), adjust_for)
            m_a[has] = _expected(sub, y[has], adjust_for)
            present[a] = (has, f_a, m_a)
    for attrs_of, cond, mask in groups:  # singles come before pairs
        n = int(mask.sum())
        k = int(flag[mask].sum())
        g_fmu, g_mu, rest = fmu, mu, ~mask
        if "(missing)" not in cond:
            for a in attrs_of:
                if a in present:
                    has, g_fmu, g_mu = present[a]
                    rest = has & ~mask
                    break
        exp_k = float(g_fmu[mask].sum())
        row: dict[str, Any] = {
            "condition": cond,
            "attributes": attrs_of,
            "n": n,
            "support": n / n_units,
            "target_n": k,
            "rate": k / n,
            "expected_rate": exp_k / n,
            "lift": (k / exp_k) if exp_k > 0 else math.nan,
            "coverage": k / n_target if n_target else math.nan,
            "excess": k - exp_k,
        }
        # A pair is tested against its strongest part: is there more than that part explains?
        parents = [by_condition.get(c) for c in cond.split(" and ")] if len(attrs_of) > 1 else []
        if boolean:
            scale = max([1.0, *(p["lift"] for p in parents if p and np.isfinite(p["lift"]))])
            pm = np.clip(g_fmu[mask] * scale, 0.0, 1.0)
            sd = math.sqrt(float((pm * (1 - pm)).sum()))
            z = (k - pm.sum()) / sd if sd > 0 else 0.0
            row["p_value"] = float(2 * sps.norm.sf(abs(z)))
            row["mean"] = row["ratio"] = math.nan
        else:
            mean_in = float(y[mask].mean())
            obs_exp = mean_in / float(g_mu[mask].mean())
            if adjust_for:
                ratio = obs_exp
            else:
                ratio = mean_in / float(y[rest].mean()) if rest.any() else math.nan
            row["mean"] = mean_in
            row["ratio"] = ratio
            row["_obs_exp"] = obs_exp
            row["excess"] = float(resid[mask].sum() - total_resid * n / n_units)
            if parents:
                scale = max([1.0, *(p["_obs_exp"] for p in parents if p)])
                d = y[mask] - mu[mask] * scale
                p = sps.ttest_1samp(d, 0.0).pvalue if len(d) > 1 else 1.0
            elif rest.sum() > 1 and n > 1:
                r_in, r_out = y[mask] - g_mu[mask], y[rest] - g_mu[rest]
                p = sps.ttest_ind(r_in, r_out, equal_var=False).pvalue
            else:
                p = 1.0
            row["p_value"] = float(p) if np.isfinite(p) else 1.0
        if len(attrs_of) == 1:
            by_condition[cond] = row
        rows.append((row, mask))
    tested = len(rows)
    if rows:
        q = _bh(np.array([r["p_value"] for r, _ in rows]))
        for (r, _), qv in zip(rows, q, strict=True):
            r["q_value"] = float(qv)
    over = "ratio" if not boolean else "lift"
    kept = [
        (r, m)
        for r, m in rows
        if r["q_value"] < alpha and np.isfinite(r[over]) and r[over] >= min_lift and r["excess"] > 0
    ]
    kept = _drop_redundant_pairs(kept, over)
    kept.sort(key=lambda rm: (-rm[0]["excess"], rm[0]["condition"]))
    kept = kept[:limit]
    rng = np.random.default_rng(seed)
    for r, m in kept:
        lo, hi = wilson(r["target_n"], r["n"])
        r["rate_low"], r["rate_high"] = float(lo), float(hi)
        er = r["expected_rate"]
        r["lift_low"] = float(lo / er) if er > 0 else math.nan
        r["lift_high"] = float(hi / er) if er > 0 else math.nan
        if boolean:
            r["ratio_low"] = r["ratio_high"] = math.nan
        else:
            r["ratio_low"], r["ratio_high"] = _boot_ratio(y, mu, m, bool(adjust_for), n_boot, rng)
        r["finding"] = _sentence(r, boolean=boolean, unit=unit, label=label, measure=measure)
    columns = [
        "condition",
        "attributes",
        "n",
        "support",
        "target_n",
        "rate",
        "rate_low",
        "rate_high",
        "expected_rate",
        "lift",
        "lift_low",
        "lift_high",
        "coverage",
        "excess",
        "mean",
        "ratio",
        "ratio_low",
        "ratio_high",
        "p_value",
        "q_value",
        "finding",
    ]
    findings = pd.DataFrame([r for r, _ in kept], columns=columns)
    findings["attributes"] = findings["attributes"].map(list)
    tree = (
        _tree(attrs, y if not boolean else flag, mu, boolean, tree_depth, min_support, seed)
        if tree_depth > 0 and len(attrs.columns)
        else []
    )
    extra = None
    if boolean and "duration_s" in units.columns and 0 < n_target < n_units:
        dur = pd.to_numeric(units["duration_s"], errors="coerce").to_numpy(dtype=float)
        # The duration of the non-target units of the same stratum is the baseline.
        keys = (
            [units[c].astype("string").fillna("(none)") for c in adjust_for]
            if adjust_for
            else [pd.Series("all", index=units.index)]
        )
        clean = pd.Series(np.where(flag, np.nan, dur)).groupby(keys).transform("mean")
        diff = dur[flag] - clean.to_numpy(dtype=float)[flag]
        extra = float(np.nanmean(diff)) if np.isfinite(diff).any() else None
    return Causes(
        extra_duration_s=extra,
        target=label,
        unit=unit,
        kind="boolean" if boolean else "continuous",
        units=n_units,
        target_units=n_target,
        base_rate=base,
        findings=findings,
        tree=tree,
        tested=tested,
        measure=measure,
        threshold=threshold,
        adjusted_for=tuple(adjust_for),
    )


def _groups(attrs: pd.DataFrame, *, min_support: int, pairs: bool, max_levels: int) -> list[_Group]:
    """(attributes, condition text, mask) of every value and value pair with enough support."""
    singles: dict[str, list[tuple[str, np.ndarray]]] = {}
    out: list[_Group] = []
    for a in attrs.columns:
        col = attrs[a].fillna("(missing)")
        counts = col.value_counts()
        if len(counts) < 2:
            continue
        levels = []
        for value, n in counts.items():
            if n < min_support or n == len(col):
                continue
            mask = (col == value).to_numpy()
            levels.append((str(value), mask))
            out.append(((a,), f"{a} = {value}", mask))
        if levels and len(counts) <= max_levels:
            singles[a] = levels
    if pairs:
        for a, b in combinations(singles, 2):
            for va, ma in singles[a]:
                for vb, mb in singles[b]:
                    mask = ma & mb
                    if mask.sum() >= min_support:
                        out.append(((a, b), f"{a} = {va} and {b} = {vb}", mask))
    return out


def _drop_redundant_pairs(
    kept: list[tuple[dict[str, Any], np.ndarray]], over: str
) -> list[tuple[dict[str, Any], np.ndarray]]:
    """Keep a pair only when it beats both its parts (otherwise it repeats a single finding)."""
    singles = {r["condition"]: r for r, _ in kept if len(r["attributes"]) == 1}
    out = []
    for r, m in kept:
        if len(r["attributes"]) == 2:
            left, right = r["condition"].split(" and ", 1)
            parts = [singles.get(left), singles.get(right)]
            best = max((p[over] for p in parts if p is not None), default=1.0)
            # An interaction must add something beyond its strongest part.
            if r[over] < best * 1.1:
                continue
        out.append((r, m))
    return out


def _boot_ratio(
    y: np.ndarray,
    mu: np.ndarray,
    mask: np.ndarray,
    adjusted: bool,
    n_boot: int,
    rng: np.random.Generator,
) -> tuple[float, float]:
    inside = np.flatnonzero(mask)
    outside = np.flatnonzero(~mask)
    if len(inside) < 2 or (not adjusted and len(outside) < 2):
        return math.nan, math.nan
    bi = rng.integers(0, len(inside), size=(n_boot, min(len(inside), 20_000)))
    num = y[inside][bi].mean(axis=1)
    if adjusted:
        den = mu[inside][bi].mean(axis=1)
    else:
        bo = rng.integers(0, len(outside), size=(n_boot, min(len(outside), 20_000)))
        den = y[outside][bo].mean(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = num / den
    lo, hi = np.nanquantile(ratio, [0.025, 0.975])
    return float(lo), float(hi)


def _fmt_measure(value: float, measure: str | None) -> str:
    if measure and measure.endswith("_s"):
        return duration(value)
    return f"{value:.3g}"


def _sentence(
    r: dict[str, Any], *, boolean: bool, unit: str, label: str, measure: str | None
) -> str:
    cond = r["condition"]
    share = f"{fmt.share(r['coverage'])} of all {label} {unit}s"
    if boolean:
        return (
            f"{unit.capitalize()}s with {cond} have {label} {r['lift']:.1f}× as often "
            f"({fmt.share(r['rate'])} vs {fmt.share(r['expected_rate'])} expected); {share}."
        )
    if measure and measure.endswith("_s"):
        what = f"take {r['ratio']:.1f}× longer"
    else:
        what = f"have {r['ratio']:.1f}× the {measure}"
    return (
        f"{unit.capitalize()}s with {cond} {what} (mean {_fmt_measure(r['mean'], measure)}); "
        f"{share}."
    )


def _tree(
    attrs: pd.DataFrame,
    y: np.ndarray,
    mu: np.ndarray,
    boolean: bool,
    depth: int,
    min_support: int,
    seed: int,
) -> list[dict[str, Any]]:
    """Leaves of a shallow tree on one-hot attributes, as readable rules, worst first."""
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    cols = {}
    for a in attrs.columns:
        col = attrs[a].fillna("(missing)")
        counts = col.value_counts()
        for value, n in counts.items():
            if n >= min_support and n < len(col):
                cols[f"{a} = {value}"] = (col == value).to_numpy()
    if not cols:
        return []
    names = list(cols)
    X = np.column_stack([cols[c] for c in names]).astype(np.float32)
    target = np.asarray(y, dtype=float)
    if boolean:
        model = DecisionTreeClassifier(
            max_depth=depth, min_samples_leaf=min_support, random_state=seed
        ).fit(X, target.astype(int))
    else:
        # Explain what the strata (adjust_for) do not: fit the residual.
        model = DecisionTreeRegressor(
            max_depth=depth, min_samples_leaf=min_support, random_state=seed
        ).fit(X, target - mu)
    t = model.tree_
    leaves = model.apply(X)
    base = float(target.mean())
    out: list[dict[str, Any]] = []

    def walk(node: int, conds: list[str]) -> None:
        if t.children_left[node] == -1:
            m = leaves == node
            n = int(m.sum())
            val = float(target[m].mean())
            exp = float(mu[m].mean())
            out.append(
                {
                    "rule": " and ".join(conds) if conds else "(all)",
                    "n": n,
                    "share": n / len(target),
                    "value": val,
                    "expected": exp,
                    "lift": val / exp if exp else math.nan,
                    "vs_all": val / base if base else math.nan,
                }
            )
            return
        feat = names[t.feature[node]]
        attr, value = feat.split(" = ", 1)
        walk(t.children_left[node], [*conds, f"{attr} ≠ {value}"])
        walk(t.children_right[node], [*conds, f"{attr} = {value}"])

    walk(0, [])
    out.sort(key=lambda leaf: -(leaf["lift"] if np.isfinite(leaf["lift"]) else 0))
    return out
