"""Split populations: is a score bimodal, and what sets its low group apart from its high group?

A mean CSAT of 5.5 can hide two populations — half the customers score 8–9, half 1–2 — and
the average describes nobody.  :func:`bimodality` tests the scores with Hartigan's dip test
(the ``diptest`` package) and the bimodality coefficient; :func:`split_contrast` finds the
cut between the two modes and contrasts the low and the high group over every feature and
attribute of the table: Cohen's d and the difference of means for numbers, the difference of
rates (with a Wilson-based interval) and Cohen's h for flags and attribute values, in plain
language.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from journeylens._util.fmt import share
from journeylens._util.plain import plain
from journeylens.errors import InputError

__all__ = [
    "Bimodality",
    "Split",
    "bimodality",
    "candidate_features",
    "split_contrast",
]

_Z = 1.959963984540054
#: Columns that identify or place a unit in time: never features.
ID_COLUMNS = frozenset(
    {"instance_id", "case_id", "case_ids", "customer_id", "start", "end", "response_id"}
)
#: Bimodality coefficient of a uniform distribution; above it suggests two modes.
BC_THRESHOLD = 5 / 9


def candidate_features(
    df: pd.DataFrame, *, exclude: Sequence[str] = (), max_levels: int = 30
) -> list[str]:
    """Columns usable as features: numbers, flags and categories with few levels.

    Identifiers, times, list columns, ``exclude`` and text columns with more than
    ``max_levels`` distinct values (free text, ids) are left out.

    Examples
    --------
    >>> df = pd.DataFrame({"instance_id": ["a", "b"], "n": [1, 2], "ok": [True, False],
    ...                    "team": ["x", "y"], "end": pd.to_datetime(["2024-01-01"] * 2)})
    >>> candidate_features(df)
    ['n', 'ok', 'team']
    """
    out = []
    for c in df.columns:
        if c in ID_COLUMNS or c in exclude:
            continue
        s = df[c]
        if pd.api.types.is_datetime64_any_dtype(s) or pd.api.types.is_timedelta64_dtype(s):
            continue
        if pd.api.types.is_bool_dtype(s) or pd.api.types.is_numeric_dtype(s):
            out.append(c)
            continue
        sample = s.dropna()
        if len(sample) and isinstance(sample.iloc[0], list | tuple | np.ndarray | dict):
            continue
        if sample.nunique() <= max_levels:
            out.append(c)
    return out


def feature_unit(name: str) -> tuple[float, str]:
    """Divisor and unit word for a feature: ``*_s`` columns are shown in days."""
    return (86400.0, "days") if name.endswith("_s") else (1.0, "")


@dataclass
class Bimodality:
    """Result of :func:`bimodality`."""

    n: int
    dip: float
    p_value: float
    coefficient: float
    bimodal: bool
    threshold: float | None
    low_n: int
    high_n: int
    low_mean: float
    high_mean: float

    def to_dict(self) -> dict[str, Any]:
        return {k: plain(v) for k, v in asdict(self).items()}

    def sentence(self) -> str:
        if not self.bimodal:
            return (
                f"the {self.n} scores are not split (dip test p = {self.p_value:.2g}, "
                f"bimodality coefficient {self.coefficient:.2f})"
            )
        return (
            f"the scores split in two: {self.low_n} at or below {self.threshold:g} (mean "
            f"{self.low_mean:.1f}) and {self.high_n} above (mean {self.high_mean:.1f}); dip "
            f"test p = {self.p_value:.2g}, bimodality coefficient {self.coefficient:.2f}"
        )


def _threshold(x: np.ndarray) -> float | None:
    """The cut (a value of x; low = x <= cut) that minimises the within-group variance."""
    values = np.unique(x)
    if len(values) < 2:
        return None
    best, cut = math.inf, None
    for v in values[:-1]:
        lo, hi = x[x <= v], x[x > v]
        sse = ((lo - lo.mean()) ** 2).sum() + ((hi - hi.mean()) ** 2).sum()
        if sse < best:
            best, cut = sse, float(v)
    return cut


def bimodality(
    values: Sequence[float] | np.ndarray | pd.Series, *, alpha: float = 0.05
) -> Bimodality:
    """Test whether scores form two groups.

    Bimodal when Hartigan's dip test rejects unimodality (p < ``alpha``) *and* the bimodality
    coefficient ``(skew² + 1) / (excess kurtosis + 3(n−1)²/((n−2)(n−3)))`` exceeds 5/9: the dip
    test alone is too eager on scores with many ties (a 1–10 scale).  The threshold is the cut
    that minimises the within-group variance.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> two = np.r_[rng.choice([1, 2], 300), rng.choice([8, 9], 300)]
    >>> b = bimodality(two)
    >>> b.bimodal, b.threshold
    (True, 2.0)
    >>> bimodality(rng.normal(5, 1, 500)).bimodal
    False
    """
    import diptest

    x = pd.Series(values, dtype=float).dropna().to_numpy()
    n = len(x)
    if n < 4:
        raise InputError(f"a bimodality test needs at least 4 scores, got {n}")
    if np.ptp(x) == 0:
        return Bimodality(n, 0.0, 1.0, math.nan, False, None, 0, n, math.nan, float(x[0]))
    dip, p = diptest.diptest(x)
    skew = sps.skew(x, bias=False)
    kurt = sps.kurtosis(x, bias=False)
    bc = (skew**2 + 1) / (kurt + 3 * (n - 1) ** 2 / ((n - 2) * (n - 3)))
    cut = _threshold(x)
    low, high = x[x <= cut], x[x > cut]
    return Bimodality(
        n=n,
        dip=float(dip),
        p_value=float(p),
        coefficient=float(bc),
        bimodal=bool(p < alpha and bc > BC_THRESHOLD),
        threshold=cut,
        low_n=len(low),
        high_n=len(high),
        low_mean=float(low.mean()),
        high_mean=float(high.mean()),
    )


@dataclass
class Split:
    """Result of :func:`split_contrast`: the bimodality test and the low-vs-high contrast.

    ``contrast`` has one row per numeric feature, flag or attribute value: ``feature``,
    ``level`` (attribute value; empty otherwise), ``kind``, ``low`` and ``high`` (means or
    rates of the two groups, durations in days), ``difference`` (low − high) with
    ``difference_low``/``difference_high`` (95%), ``effect`` (Cohen's d for numbers, Cohen's
    h for rates), ``p_value`` and ``finding``, ordered by the size of the effect.
    """

    score: str
    bimodality: Bimodality
    threshold: float
    low_n: int
    high_n: int
    contrast: pd.DataFrame
    warnings: list[str] = field(default_factory=list)

    def sentences(self, limit: int = 5) -> list[str]:
        return [self.bimodality.sentence(), *self.contrast["finding"].head(limit)]

    def to_dict(self) -> dict[str, Any]:
        rows = self.contrast.astype(object).where(self.contrast.notna(), None)
        return {
            "score": self.score,
            "bimodality": self.bimodality.to_dict(),
            "threshold": self.threshold,
            "low_n": self.low_n,
            "high_n": self.high_n,
            "contrast": [{k: plain(v) for k, v in r.items()} for r in rows.to_dict("records")],
            "warnings": self.warnings,
        }

    def _repr_html_(self) -> str:
        import html

        head = "".join(f"<li>{html.escape(s)}</li>" for s in self.sentences())
        return f"<ul>{head}</ul>" + self.contrast.head(15).to_html(index=False)


def _fmt(v: float, unit: str) -> str:
    if unit:
        return f"{v:.1f} {unit}"
    return f"{v:.2g}" if abs(v) < 10 else f"{v:.0f}"


def split_contrast(
    table: pd.DataFrame,
    score: str,
    *,
    features: Sequence[str] | None = None,
    threshold: float | None = None,
    min_support: int = 10,
    alpha: float = 0.05,
) -> Split:
    """Contrast the low and the high scorers over every feature.

    Parameters
    ----------
    table
        One row per unit (journey instance) with the score (missing = no response; those rows
        are left out) and the features.
    score
        The score column.
    features
        Columns to contrast (default: :func:`candidate_features` of the table).
    threshold
        Highest score of the low group (default: the cut found by :func:`bimodality`, which
        runs in every case; when the scores are not bimodal a warning says so).
    min_support
        Attribute values held by fewer units are not contrasted.

    Examples
    --------
    >>> rng = np.random.default_rng(3)
    >>> n = 600
    >>> bad = rng.random(n) < 0.3
    >>> df = pd.DataFrame({"revisit": bad, "region": rng.choice(["N", "S"], n),
    ...     "csat": np.where(bad, rng.choice([1, 2], n), rng.choice([8, 9], n))})
    >>> s = split_contrast(df, "csat")
    >>> s.bimodality.bimodal, s.contrast.iloc[0]["feature"]
    (True, 'revisit')
    """
    if score not in table:
        raise InputError(f"no column {score!r}; columns: {', '.join(map(str, table.columns))}")
    df = table[table[score].notna()].reset_index(drop=True)
    y = pd.to_numeric(df[score], errors="coerce")
    if y.isna().any():
        raise InputError(f"column {score!r} is not numeric; a split needs scores")
    b = bimodality(y)
    warnings: list[str] = []
    if not b.bimodal:
        warnings.append("the scores are not bimodal: the contrast compares low and high scorers")
    cut = threshold if threshold is not None else b.threshold
    if cut is None:
        raise InputError(f"every {score} is the same value; there is nothing to split")
    low = (y <= cut).to_numpy()
    if low.all() or not low.any():
        raise InputError(f"threshold {cut:g} puts every score on one side; choose another")
    feats = list(features) if features is not None else candidate_features(df)
    feats = [f for f in feats if f != score]
    missing = [f for f in feats if f not in df]
    if missing:
        raise InputError(f"unknown feature(s) {missing}; columns: {', '.join(map(str, df))}")
    rows = []
    for f in feats:
        rows += _contrast_feature(df[f], f, low, min_support)
    contrast = pd.DataFrame(
        rows,
        columns=[
            "feature",
            "level",
            "kind",
            "low",
            "high",
            "difference",
            "difference_low",
            "difference_high",
            "effect",
            "p_value",
        ],
    )
    label_low = f"low scorers ({score} <= {cut:g}, {int(low.sum())} journeys)"
    contrast["finding"] = [_finding(r, label_low) for r in contrast.to_dict("records")]
    contrast = contrast[contrast["p_value"] < alpha].copy() if len(contrast) else contrast
    contrast = contrast.reindex(
        contrast["effect"].abs().sort_values(ascending=False).index
    ).reset_index(drop=True)
    return Split(score, b, float(cut), int(low.sum()), int((~low).sum()), contrast, warnings)


def _contrast_feature(
    s: pd.Series, name: str, low: np.ndarray, min_support: int
) -> list[tuple[Any, ...]]:
    if pd.api.types.is_bool_dtype(s) or (
        pd.api.types.is_numeric_dtype(s) and set(s.dropna().unique()) <= {0, 1}
    ):
        flags = {"": s.astype("float")}
        kind = "boolean"
    elif pd.api.types.is_numeric_dtype(s):
        x = s.astype(float).to_numpy()
        a, b = x[low], x[~low]
        a, b = a[~np.isnan(a)], b[~np.isnan(b)]
        if len(a) < 2 or len(b) < 2:
            return []
        div, _unit = feature_unit(name)
        sd = math.sqrt(
            ((len(a) - 1) * a.var(ddof=1) + (len(b) - 1) * b.var(ddof=1)) / (len(a) + len(b) - 2)
        )
        if sd == 0:
            return []
        diff = (a.mean() - b.mean()) / div
        se = math.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b)) / div
        p = sps.ttest_ind(a, b, equal_var=False).pvalue
        return [
            (
                name,
                "",
                "numeric",
                a.mean() / div,
                b.mean() / div,
                diff,
                diff - _Z * se,
                diff + _Z * se,
                (a.mean() - b.mean()) / sd,
                float(p),
            )
        ]
    else:
        counts = s.value_counts()
        flags = {
            str(v): (s == v).astype(float).where(s.notna())
            for v, c in counts.items()
            if c >= min_support
        }
        kind = "category"
    out = []
    for level, f in flags.items():
        x = f.to_numpy()
        a, b = x[low], x[~low]
        a, b = a[~np.isnan(a)], b[~np.isnan(b)]
        if not len(a) or not len(b):
            continue
        p1, p2 = a.mean(), b.mean()
        se = math.sqrt(p1 * (1 - p1) / len(a) + p2 * (1 - p2) / len(b))
        k = np.array([[a.sum(), len(a) - a.sum()], [b.sum(), len(b) - b.sum()]])
        if (k.sum(axis=0) == 0).any():
            continue
        p = (
            sps.chi2_contingency(k, correction=False).pvalue
            if k.min() >= 5
            else (sps.fisher_exact(k).pvalue)
        )
        h = 2 * math.asin(math.sqrt(p1)) - 2 * math.asin(math.sqrt(p2))
        out.append(
            (name, level, kind, p1, p2, p1 - p2, p1 - p2 - _Z * se, p1 - p2 + _Z * se, h, float(p))
        )
    return out


def _finding(r: Mapping[Hashable, Any], label_low: str) -> str:
    name = r["feature"] if not r["level"] else f"{r['feature']} = {r['level']}"
    if r["kind"] == "numeric":
        _div, unit = feature_unit(r["feature"])
        more = "more" if r["difference"] > 0 else "less"
        return (
            f"{label_low} have {_fmt(abs(r['difference']), unit)} {more} {r['feature']} on "
            f"average ({_fmt(r['low'], unit)} vs {_fmt(r['high'], unit)}; "
            f"Cohen's d = {r['effect']:.2f})"
        )
    return (
        f"{share(r['low'])} of {label_low} have {name}, against {share(r['high'])} of high scorers "
        f"({100 * r['difference']:+.0f} points, 95% CI {100 * r['difference_low']:+.0f} to "
        f"{100 * r['difference_high']:+.0f})"
    )
