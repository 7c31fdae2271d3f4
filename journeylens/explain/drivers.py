"""Key driver analysis and what-if: which journey features move a score or an outcome, and how much.

:func:`key_drivers` takes a table with one row per unit (journey instance) and an outcome
column (a CSAT/NPS score, or a boolean such as churn):

* ``method="relative_weights"`` (continuous outcomes): Johnson's relative weights — each
  feature's share of the explained variance (R²), robust to correlated features;
* ``method="shap"`` (continuous or binary): gradient boosting (LightGBM) explained by SHAP
  values — each feature's share of the mean absolute SHAP value, non-linear effects included;

both with bootstrap intervals and a stability check (how well the ranking of each bootstrap
agrees with the full-sample ranking), and with the **effect in the outcome's units** from a
multiple regression on the same features: points per unit of the feature for a score
("each extra handoff: −0.4 CSAT points"), percentage points (and log-odds) for a binary
outcome; for a category (a team, the variant family of
:meth:`journeylens.journeys.Journey.variant_families`), every level's effect against the most
frequent one, raw and adjusted (``Drivers.levels``; levels of fewer than 10 rows pooled).
Durations (``*_s`` columns) are expressed in days.  Constant features and features
that are an exact linear combination of others are dropped with a note; strongly correlated
pairs (|r| ≥ 0.7) are flagged, since their shares and effects trade off against each other.

What-if estimates live in :mod:`journeylens.explain.whatif`; :func:`journeylens.voice.journey_drivers`
builds the table from a workspace's journey instances joined to its surveys and outcomes.
"""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, ParamSpec, TypeVar

import numpy as np
import pandas as pd
from scipy import stats as sps

from journeylens._util import fmt
from journeylens._util.plain import plain
from journeylens.errors import InputError
from journeylens.explain.split import candidate_features, feature_unit

if TYPE_CHECKING:
    import lightgbm as lgb

__all__ = ["Drivers", "journey_features", "key_drivers", "relative_weights"]

Method = Literal["relative_weights", "shap"]
_Z = 1.959963984540054
CORRELATED = 0.7
_P = ParamSpec("_P")
_R = TypeVar("_R")


def _single_threaded(fn: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run with one BLAS thread: the matrices are small, and a threaded BLAS on a busy
    machine spends ~50x longer coordinating threads than computing (measured on 2 cores)."""

    @functools.wraps(fn)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1):
            return fn(*args, **kwargs)

    return wrapper


# --------------------------------------------------------------------------- design matrix


@dataclass
class _Design:
    X: pd.DataFrame  # numeric columns (dummies for categories), durations in days
    y: np.ndarray
    binary: bool
    groups: dict[str, list[str]]  # feature → its columns in X
    labels: dict[str, str]  # column → readable label ("field_team = Team Falcon")
    reference: dict[str, str]  # categorical feature → reference level
    notes: list[str]
    correlated: list[tuple[str, str, float]]
    rows_dropped: int
    categories: dict[str, pd.Series] = field(default_factory=dict)  # category → its values


#: A category's level held by fewer rows than this is pooled into ``(other)``: an effect of
#: a handful of answers is noise, and the level furthest from the reference would be one.
MIN_LEVEL = 10
#: A category whose levels reproduce a number or flag this closely (multiple correlation R) ...
RESTATING = 0.95
#: ... and that adds less than this share of explained variance beyond it is left out.
RESTATING_GAIN = 0.01
OTHER_LEVEL = "(other)"


def _r2(X: np.ndarray, y: np.ndarray) -> float:
    """R² of the least-squares fit of ``y`` on ``X`` with an intercept."""
    A = np.column_stack([np.ones(len(y)), X])
    fit = A @ np.linalg.lstsq(A, y, rcond=None)[0]
    return 1 - float(((y - fit) ** 2).sum()) / max(float(((y - y.mean()) ** 2).sum()), 1e-12)


def _drop_restating(
    X: pd.DataFrame,
    y: np.ndarray,
    groups: dict[str, list[str]],
    labels: dict[str, str],
    reference: dict[str, str],
    correlated: list[tuple[str, str, float]],
    notes: list[str],
) -> tuple[pd.DataFrame, dict[str, list[str]], list[tuple[str, str, float]]]:
    """Leave out a category that restates a number or flag and explains nothing beyond it.

    A variant family whose routes differ only by rework carries the rework flag (R = 0.99 on
    the demo); relative weights then split rework's share between the two and rank the
    family first with an adjusted effect of zero — a summary of other features taking the
    top place.  Such a category stays only when it adds at least ``RESTATING_GAIN`` of R²
    beyond every other feature (a route that matters for itself, e.g. a specialist route).
    """
    for f, name, r in list(correlated):
        if f not in reference or f not in groups or r < RESTATING or len(groups) < 2:
            continue
        others = [c for g, cs in groups.items() if g != f for c in cs]
        gain = _r2(X.to_numpy(), y) - _r2(X[others].to_numpy(), y)
        if gain >= RESTATING_GAIN:
            continue
        notes.append(
            f"{f}: restates {labels.get(name, name)} (R = {r:.2f}) and adds {fmt.share(gain)} of "
            "explained variance beyond the other features; left out"
        )
        X = X[[c for c in X.columns if c not in groups[f]]]
        groups = {g: cs for g, cs in groups.items() if g != f}
        correlated = [c for c in correlated if f not in c[:2]]
    return X, groups, correlated


def _design(
    df: pd.DataFrame,
    outcome: str,
    features: Sequence[str] | None,
    max_levels: int = 30,
    min_level: int = MIN_LEVEL,
) -> _Design:
    if not isinstance(df, pd.DataFrame):
        raise InputError(f"expected a pandas DataFrame, got {type(df).__name__}")
    if outcome not in df:
        raise InputError(f"no outcome column {outcome!r}; columns: {', '.join(map(str, df))}")
    feats = list(features) if features is not None else candidate_features(df)
    feats = [f for f in feats if f != outcome]
    unknown = [f for f in feats if f not in df]
    if unknown:
        raise InputError(f"unknown feature(s) {unknown}; columns: {', '.join(map(str, df))}")
    keep = df[outcome].notna()
    data = df[keep].reset_index(drop=True)
    raw = data[outcome]
    values = set(raw.unique())
    if len(values) < 2:
        raise InputError(
            f"outcome {outcome!r} has a single value ({next(iter(values), None)!r}) in the "
            f"{len(data)} rows that have one: there is nothing to explain"
        )
    binary = pd.api.types.is_bool_dtype(raw) or values <= {0, 1}
    if not binary and not pd.api.types.is_numeric_dtype(raw):
        raise InputError(f"outcome {outcome!r} must be numeric or boolean, got {raw.dtype}")
    y = raw.astype(float).to_numpy()
    if len(y) < 20:
        raise InputError(f"only {len(y)} rows have {outcome!r}; key drivers need at least 20")
    cols: dict[str, np.ndarray] = {}
    groups: dict[str, list[str]] = {}
    labels: dict[str, str] = {}
    reference: dict[str, str] = {}
    categories: dict[str, pd.Series] = {}
    notes: list[str] = []
    for f in feats:
        s = data[f]
        if pd.api.types.is_bool_dtype(s) or (
            pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)
        ):
            x = s.astype(float).to_numpy() / feature_unit(f)[0]
            if np.isnan(x).any():
                share = np.isnan(x).mean()
                if share == 1:
                    notes.append(f"{f}: no values; left out")
                    continue
                miss = np.isnan(x)
                x = np.where(miss, np.nanmedian(x), x)
                notes.append(
                    f"{f}: {fmt.share(share)} missing, filled with the median; a '{f} missing' flag "
                    "carries the difference (counted in the feature's share)"
                )
                cols[f], groups[f], labels[f] = x, [f, f"{f} missing"], f
                cols[f"{f} missing"], labels[f"{f} missing"] = miss.astype(float), f"{f} missing"
                continue
            cols[f], groups[f], labels[f] = x, [f], f
            continue
        s = s.astype(object).where(s.notna(), "(missing)").astype(str)
        counts = s.value_counts()
        if len(counts) > max_levels:
            notes.append(f"{f}: {len(counts)} values, more than {max_levels}; left out")
            continue
        rare = counts[counts < min_level]
        if len(rare) and len(rare) < len(counts):
            s = s.where(~s.isin(rare.index), OTHER_LEVEL)
            counts = s.value_counts()
            notes.append(
                f"{f}: {len(rare)} value{'s' if len(rare) > 1 else ''} with fewer than "
                f"{min_level} rows pooled as {OTHER_LEVEL}"
            )
        ref = str(counts.index[0])
        if len(counts) == 1:
            notes.append(f"{f}: constant ({ref}); left out")
            continue
        reference[f] = ref
        categories[f] = s
        groups[f] = []
        for level in counts.index[1:]:
            name = f"{f}={level}"
            cols[name] = (s == level).to_numpy(dtype=float)
            groups[f].append(name)
            labels[name] = f"{f} = {level}"
    X = pd.DataFrame(cols)
    # Constant columns explain nothing; exact linear combinations make the model singular.
    # One Gram-Schmidt step per column (against an orthonormal basis of the kept, standardised
    # columns) decides what a rank computation of the growing matrix would, in O(n·k) instead
    # of an SVD per column (seconds at a few thousand rows and ~100 columns).
    kept: list[str] = []
    n_rows = len(X)
    tol = 1e-8 * n_rows
    basis = np.empty((n_rows, 0))
    # Numbers and flags are tried first, whatever the order of the features: when a flag is a
    # sum of category levels (rework = every variant family but the main route), a level is
    # what gets left out, so the flag stays in the model (and in what-ifs) in every call.
    levels = {c for f in reference for c in groups[f]}
    for c in [c for c in X.columns if c not in levels] + [c for c in X.columns if c in levels]:
        v = X[c].to_numpy()
        if np.ptp(v) == 0:
            notes.append(f"{labels[c]}: constant; left out")
            continue
        z = (v - v.mean()) / v.std()
        r = z - basis @ (basis.T @ z)
        r -= basis @ (basis.T @ r)  # twice is enough for orthogonality in floating point
        norm = float(np.linalg.norm(r))
        if norm <= tol:
            corr = [(k, abs(np.corrcoef(X[k], X[c])[0, 1])) for k in kept]
            twin = max(corr, key=lambda t: t[1]) if corr else None
            why = (
                f"a copy of {labels[twin[0]]}"
                if twin and twin[1] > 0.9999
                else "a linear combination of other features"
            )
            notes.append(f"{labels[c]}: {why}; left out")
            continue
        basis = np.column_stack([basis, r / norm])
        kept.append(c)
    X = X[[c for c in X.columns if c in kept]]  # in the order of the features
    groups = {f: [c for c in cs if c in kept] for f, cs in groups.items()}
    groups = {f: cs for f, cs in groups.items() if cs}
    if not groups:
        raise InputError("no usable feature left (all constant, empty or collinear)")
    correlated = []
    single = {f: cs[0] for f, cs in groups.items() if len(cs) == 1}
    names = list(single)
    if len(names) > 1:
        r = np.corrcoef(X[[single[n] for n in names]].to_numpy(), rowvar=False)
        for i in range(len(names)):
            for j in range(i + 1, len(names)):
                if abs(r[i, j]) >= CORRELATED:
                    correlated.append((names[i], names[j], float(r[i, j])))
    # A category (a variant family, a team) can carry what a number or a flag says (rework):
    # the multiple correlation R of the number on the category's levels flags that pair.
    for f, cs in groups.items():
        if f not in reference:
            continue
        for name in names:
            r2 = _r2(X[cs].to_numpy(), X[single[name]].to_numpy())
            if r2 >= CORRELATED**2:
                correlated.append((f, name, float(math.sqrt(r2))))
    X, groups, correlated = _drop_restating(X, y, groups, labels, reference, correlated, notes)
    return _Design(
        X,
        y,
        bool(binary),
        groups,
        labels,
        reference,
        notes,
        correlated,
        int((~keep).sum()),
        {f: v for f, v in categories.items() if f in groups},
    )


# --------------------------------------------------------------------------- models


def _rw_raw(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Johnson's relative weights of each column of X, and the R² they add up to."""
    # A column that is constant in this (bootstrap) sample has no correlation to offer; it
    # would put NaNs into the correlation matrix, so it gets a weight of zero instead.
    varies = np.nanstd(X, axis=0) > 0
    if not varies.all():
        raw = np.zeros(X.shape[1])
        if varies.any():
            raw[varies], _ = _rw_raw(X[:, varies], y)
        return raw, float(raw.sum())
    R = np.corrcoef(np.column_stack([X, y]), rowvar=False)
    rxx, rxy = R[:-1, :-1], R[:-1, -1]
    vals, vecs = np.linalg.eigh(rxx)
    vals = np.clip(vals, 0, None)
    lam = vecs @ np.diag(np.sqrt(vals)) @ vecs.T
    beta = np.linalg.pinv(lam) @ rxy
    raw = (lam**2) @ (beta**2)
    return raw, float(raw.sum())


def _ols(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Coefficients (intercept first), their standard errors and R²."""
    A = np.column_stack([np.ones(len(X)), X])
    coef, *_ = np.linalg.lstsq(A, y, rcond=None)
    resid = y - A @ coef
    dof = max(len(y) - A.shape[1], 1)
    cov = (resid @ resid / dof) * np.linalg.pinv(A.T @ A)
    r2 = 1 - (resid @ resid) / max(((y - y.mean()) ** 2).sum(), 1e-12)
    return coef, np.sqrt(np.clip(np.diag(cov), 0, None)), float(r2)


def _logit(X: np.ndarray, y: np.ndarray, ridge: float = 1e-6) -> tuple[np.ndarray, np.ndarray]:
    """Logistic regression by Newton's method: coefficients (intercept first) and SEs."""
    A = np.column_stack([np.ones(len(X)), X])
    b = np.zeros(A.shape[1])
    b[0] = math.log(max(y.mean(), 1e-6) / max(1 - y.mean(), 1e-6))
    pen = ridge * np.eye(A.shape[1])
    pen[0, 0] = 0
    for _ in range(50):
        p = 1 / (1 + np.exp(-np.clip(A @ b, -30, 30)))
        H = A.T @ (A * (p * (1 - p))[:, None]) + pen
        step = np.linalg.solve(H, A.T @ (y - p) - pen @ b)
        b += step
        if np.abs(step).max() < 1e-6:
            break
    p = 1 / (1 + np.exp(-np.clip(A @ b, -30, 30)))
    H = A.T @ (A * (p * (1 - p))[:, None]) + pen
    return b, np.sqrt(np.clip(np.diag(np.linalg.pinv(H)), 0, None))


def _shap_importance(
    X: pd.DataFrame, y: np.ndarray, binary: bool, seed: int, max_rows: int
) -> tuple[lgb.LGBMModel, pd.DataFrame]:
    import lightgbm as lgb
    import shap

    params: dict[str, Any] = dict(
        n_estimators=150,
        learning_rate=0.05,
        num_leaves=15,
        min_child_samples=20,
        subsample=0.8,
        subsample_freq=1,
        colsample_bytree=0.9,
        random_state=seed,
        n_jobs=1,
        deterministic=True,
        force_row_wise=True,
        verbose=-1,
    )
    model = (lgb.LGBMClassifier if binary else lgb.LGBMRegressor)(**params)
    # Arrays, not the frame: LightGBM refuses column names with JSON characters (":", ",",
    # quotes), which category levels such as variant family labels may hold.
    model.fit(X.to_numpy(), y.astype(int) if binary else y)
    rows = X if len(X) <= max_rows else X.sample(max_rows, random_state=seed)
    with warnings.catch_warnings():
        # shap announces a change of its output format for binary LightGBM models; handled below.
        warnings.filterwarnings("ignore", "LightGBM binary classifier", UserWarning)
        values = shap.TreeExplainer(model).shap_values(rows.to_numpy())
    if isinstance(values, list):  # older shap: one array per class
        values = values[-1]
    values = np.asarray(values)
    if values.ndim == 3:
        values = values[:, :, -1]
    return model, pd.DataFrame(values, columns=X.columns, index=rows.index)


def _group_matrix(d: _Design) -> np.ndarray:
    """Columns × features 0/1 matrix: sums a category's dummy columns into its feature."""
    cols = list(d.X.columns)
    G = np.zeros((len(cols), len(d.groups)))
    for j, cs in enumerate(d.groups.values()):
        for c in cs:
            G[cols.index(c), j] = 1.0
    return G


def _importance(
    d: _Design, method: Method, idx: np.ndarray, seed: int, max_rows: int
) -> tuple[pd.Series, float]:
    X, y = d.X.to_numpy()[idx], d.y[idx]
    G = _group_matrix(d)
    if method == "relative_weights":
        raw, r2 = _rw_raw(X, y)
        return pd.Series(raw @ G, index=list(d.groups)), r2
    frame = pd.DataFrame(X, columns=d.X.columns)
    _model, sv = _shap_importance(frame, y, d.binary, seed, max_rows)
    return pd.Series(np.abs(sv.to_numpy() @ G).mean(axis=0), index=list(d.groups)), math.nan


# --------------------------------------------------------------------------- results


@dataclass
class Drivers:
    """Result of :func:`key_drivers`.

    ``table`` has one row per feature, most important first: ``feature``, ``share`` (of the
    explained variance for relative weights, of the mean absolute SHAP value for SHAP) with
    ``share_low``/``share_high`` (bootstrap 95%), ``rank`` with ``rank_low``/``rank_high``,
    ``effect`` (outcome units per unit of the feature: points, or percentage points for a
    binary outcome; a day for durations; for a category, its level furthest from the
    reference) with ``effect_low``/``effect_high``, ``log_odds`` (binary outcomes), ``unit``,
    ``detail``, ``difference`` (a category: that level's raw gap in outcome means from the
    reference, before adjusting for the other features), ``correlated_with`` and ``finding``.

    ``levels`` has one row per level of every category (a variant family, a team): ``feature,
    level, reference, n, mean`` (of the outcome; a rate for a binary one), ``difference``
    (raw, from the reference level) and ``effect`` with ``effect_low``/``effect_high``
    (adjusted for the other features; NaN for a level left out as collinear), in the units of
    ``effect``.
    """

    outcome: str
    method: str
    kind: str  # "continuous" or "binary"
    n: int
    r2: float | None
    table: pd.DataFrame
    stability: float | None
    n_boot: int
    notes: list[str] = field(default_factory=list)
    correlated: list[tuple[str, str, float]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    levels: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=_LEVEL_COLUMNS))

    def sentences(self, limit: int = 5) -> list[str]:
        return list(self.table["finding"].head(limit))

    def to_dict(self) -> dict[str, Any]:
        rows = self.table.astype(object).where(self.table.notna(), None)
        return {
            "outcome": self.outcome,
            "method": self.method,
            "kind": self.kind,
            "n": self.n,
            "r2": plain(self.r2),
            "stability": plain(self.stability),
            "n_boot": self.n_boot,
            "drivers": [{k: plain(v) for k, v in r.items()} for r in rows.to_dict("records")],
            "notes": self.notes,
            "correlated": [list(c) for c in self.correlated],
            "warnings": self.warnings,
            "levels": [
                {k: plain(v) for k, v in r.items()}
                for r in self.levels.astype(object)
                .where(self.levels.notna(), None)
                .to_dict("records")
            ],
        }

    def __repr__(self) -> str:
        head = f"<Drivers of {self.outcome} ({self.method}, n={self.n})>"
        return "\n".join([head, *self.sentences()])

    def _repr_html_(self) -> str:
        import html

        items = "".join(f"<li>{html.escape(s)}</li>" for s in self.sentences())
        return f"<ul>{items}</ul>" + self.table.head(20).to_html(index=False)


def relative_weights(df: pd.DataFrame, outcome: str, **options: Any) -> Drivers:
    """Johnson's relative weights; shorthand for ``key_drivers(..., method="relative_weights")``."""
    return key_drivers(df, outcome, method="relative_weights", **options)


@_single_threaded
def key_drivers(
    df: pd.DataFrame,
    outcome: str,
    *,
    features: Sequence[str] | None = None,
    method: Method | None = None,
    n_boot: int | None = None,
    seed: int = 0,
    max_rows: int = 2000,
    max_levels: int = 30,
    min_level: int = MIN_LEVEL,
) -> Drivers:
    """Which features drive ``outcome``, by how much, and how sure we are.

    Parameters
    ----------
    df
        One row per unit; rows without an outcome are left out.
    outcome
        A numeric score (continuous) or a boolean / 0-1 column (binary, e.g. churn).
    features
        Columns to use (default: every number, flag and category with at most ``max_levels``
        values, identifiers and times excluded).  Missing numbers are filled with the median,
        missing categories form their own level.
    method
        ``"relative_weights"`` (default for continuous outcomes) or ``"shap"`` (gradient
        boosting + SHAP; the default, and the only choice, for binary outcomes).
    n_boot
        Bootstrap rounds for the share intervals and the stability check (default 200 for
        relative weights, 10 for SHAP, which refits a model per round).
    seed
        Fixes the bootstrap and the model: results are deterministic.
    max_rows
        SHAP values are computed on at most this many rows (a sample) per fit.
    max_levels, min_level
        A category with more values is left out; its values held by fewer rows than
        ``min_level`` are pooled into one level, ``(other)``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> n = 1500
    >>> df = pd.DataFrame({"handoffs": rng.poisson(3, n), "wait_s": rng.exponential(3 * 86400, n),
    ...                    "region": rng.choice(["N", "S", "E"], n)})
    >>> df["csat"] = 9 - 0.8 * df.handoffs - 0.3 * df.wait_s / 86400 + rng.normal(0, 1, n)
    >>> d = key_drivers(df, "csat")
    >>> d.table.feature.tolist()
    ['handoffs', 'wait_s', 'region']
    >>> round(float(d.table.effect.iloc[0]), 1), round(float(d.table.effect.iloc[1]), 1)
    (-0.8, -0.3)
    """
    d = _design(df, outcome, features, max_levels, min_level)
    if method is None:
        method = "shap" if d.binary else "relative_weights"
    if method not in ("relative_weights", "shap"):
        raise InputError(f"method must be 'relative_weights' or 'shap', got {method!r}")
    if method == "relative_weights" and d.binary:
        raise InputError(
            f"{outcome!r} is binary: relative weights explain a continuous outcome; "
            "use method='shap' (gradient boosting) for a binary outcome such as churn"
        )
    if n_boot is None:
        n_boot = 200 if method == "relative_weights" else 10
    n = len(d.y)
    notices: list[str] = []
    if n < 100:
        notices.append(f"only {n} rows: driver shares and effects are rough")
    imp, r2 = _importance(d, method, np.arange(n), seed, max_rows)
    rng = np.random.default_rng(seed)
    boots = []
    for b in range(n_boot):
        idx = rng.integers(0, n, n)
        if len(np.unique(d.y[idx])) < 2:
            continue
        # Bootstrap rounds explain a smaller sample: the shares settle well before 500 rows.
        bi, _ = _importance(d, method, idx, seed + b + 1, min(max_rows, 500))
        boots.append(bi.reindex(imp.index).fillna(0.0))
    total = imp.sum()
    share = imp / total if total > 0 else imp * 0
    B = pd.DataFrame(boots) if boots else pd.DataFrame(columns=imp.index)
    B_share = B.div(B.sum(axis=1).replace(0, np.nan), axis=0)
    ranks_full = share.rank(ascending=False, method="first")
    B_rank = B_share.rank(axis=1, ascending=False, method="first")
    stability = None
    if len(B_share) and len(share) > 1:
        rhos = [sps.spearmanr(share.to_numpy(), row.to_numpy())[0] for _, row in B_share.iterrows()]
        stability = float(np.nanmean(rhos))
        if stability < 0.8:
            notices.append(
                f"ranking unstable across bootstraps (mean rank correlation {stability:.2f}): "
                "read the top drivers as a group, not an order"
            )
    r2_model = r2 if method == "relative_weights" else _holdout_fit(d, seed)
    effects, levels = _effects(d)
    rows = []
    for f in share.sort_values(ascending=False).index:
        e = effects[f]
        partners = [
            f"{b if a == f else a} (R = {r:.2f})"
            if a in d.reference
            else f"{b if a == f else a} (r = {r:+.2f})"
            for a, b, r in d.correlated
            if f in (a, b)
        ]
        rows.append(
            {
                "feature": f,
                "share": float(share[f]),
                "share_low": float(B_share[f].quantile(0.025)) if len(B_share) else math.nan,
                "share_high": float(B_share[f].quantile(0.975)) if len(B_share) else math.nan,
                "rank": int(ranks_full[f]),
                "rank_low": int(B_rank[f].quantile(0.025)) if len(B_rank) else None,
                "rank_high": int(B_rank[f].quantile(0.975)) if len(B_rank) else None,
                **e,
                "correlated_with": ", ".join(partners) or None,
            }
        )
    table = pd.DataFrame(rows)
    kind = "binary" if d.binary else "continuous"
    table["finding"] = [_finding(r, outcome, method, kind, r2_model) for r in rows]
    return Drivers(
        outcome=outcome,
        method=method,
        kind=kind,
        n=n,
        r2=r2_model,
        table=table,
        stability=stability,
        n_boot=len(boots),
        notes=d.notes
        + ([f"{d.rows_dropped} rows without {outcome} left out"] if d.rows_dropped else []),
        correlated=d.correlated,
        warnings=notices,
        levels=levels,
    )


def _holdout_fit(d: _Design, seed: int) -> float | None:
    """Out-of-sample fit of the boosting model: R² (continuous) or AUC (binary), 25% held out."""
    rng = np.random.default_rng(seed)
    test = rng.random(len(d.y)) < 0.25
    if test.sum() < 10 or len(np.unique(d.y[~test])) < 2 or len(np.unique(d.y[test])) < 2:
        return None
    model, _ = _shap_importance(d.X[~test], d.y[~test], d.binary, seed, 1)
    if d.binary:
        from sklearn.metrics import roc_auc_score

        return float(roc_auc_score(d.y[test], model.predict_proba(d.X[test].to_numpy())[:, 1]))
    pred = model.predict(d.X[test].to_numpy())
    yt = d.y[test]
    return float(1 - ((yt - pred) ** 2).sum() / ((yt - yt.mean()) ** 2).sum())


def _effects(d: _Design) -> tuple[dict[str, dict[str, Any]], pd.DataFrame]:
    """Per feature: its effect (see :class:`Drivers`); and every category level's effect."""
    X = d.X.to_numpy()
    coef, se, _r2 = _ols(X, d.y)
    lcoef, lse = _logit(X, d.y) if d.binary else (None, None)
    scale = 100.0 if d.binary else 1.0
    levels = _levels(d, coef, se, scale)
    raw = dict(zip(levels["feature"] + "=" + levels["level"], levels["difference"], strict=True))
    out: dict[str, dict[str, Any]] = {}
    cols = list(d.X.columns)
    for f, cs in d.groups.items():
        if f in d.reference:  # a category: its level furthest from the reference
            i = max((cols.index(c) for c in cs), key=lambda k: abs(coef[k + 1]))
        else:  # a number (with its missing flag second) or a flag
            i = cols.index(cs[0])
        c = cols[i]
        unit = feature_unit(f)[1] if c == f else ""
        detail = None
        if f in d.reference:
            detail = f"{d.labels[c]} vs {f} = {d.reference[f]}"
        elif pd.api.types.is_bool_dtype(d.X[c]) or set(np.unique(X[:, i])) <= {0.0, 1.0}:
            detail = f"{f} true vs false"
        out[f] = {
            "effect": scale * coef[i + 1],
            "effect_low": scale * (coef[i + 1] - _Z * se[i + 1]),
            "effect_high": scale * (coef[i + 1] + _Z * se[i + 1]),
            "log_odds": float(lcoef[i + 1]) if lcoef is not None else math.nan,
            "log_odds_low": float(lcoef[i + 1] - _Z * lse[i + 1])
            if lcoef is not None and lse is not None
            else math.nan,
            "log_odds_high": float(lcoef[i + 1] + _Z * lse[i + 1])
            if lcoef is not None and lse is not None
            else math.nan,
            "unit": unit or None,
            "detail": detail,
            # a category's level: the gap in outcome means, before any adjustment
            "difference": raw.get(c, math.nan) if f in d.reference else math.nan,
        }
    return out, levels


def _levels(d: _Design, coef: np.ndarray, se: np.ndarray, scale: float) -> pd.DataFrame:
    """One row per level of each category: size, outcome mean, the raw difference from the
    reference level and the effect adjusted for the other features (the regression's)."""
    cols = list(d.X.columns)
    rows = []
    for f, values in d.categories.items():
        ref = d.reference[f]
        ref_mean = float(d.y[(values == ref).to_numpy()].mean())
        for level, n in values.value_counts().items():
            inside = (values == level).to_numpy()
            mean = float(d.y[inside].mean())
            c = f"{f}={level}"
            if level == ref:
                eff = lo = hi = 0.0
            elif c in cols:
                k = cols.index(c) + 1
                eff, lo, hi = coef[k], coef[k] - _Z * se[k], coef[k] + _Z * se[k]
            else:  # left out (collinear): no effect of its own
                eff = lo = hi = math.nan
            rows.append(
                {
                    "feature": f,
                    "level": str(level),
                    "reference": level == ref,
                    "n": int(n),
                    "mean": mean,
                    "difference": scale * (mean - ref_mean),
                    "effect": scale * eff,
                    "effect_low": scale * lo,
                    "effect_high": scale * hi,
                }
            )
    return pd.DataFrame(rows, columns=_LEVEL_COLUMNS)


_LEVEL_COLUMNS: list[str] = [
    "feature",
    "level",
    "reference",
    "n",
    "mean",
    "difference",
    "effect",
    "effect_low",
    "effect_high",
]


def _finding(r: dict[str, Any], outcome: str, method: str, kind: str, r2: float | None) -> str:
    what = "of the explained variance" if method == "relative_weights" else "of the model's impact"
    head = f"{r['feature']}: {fmt.share(r['share'])} {what}"
    pts = "percentage points of" if kind == "binary" else "points of"
    eff = f"{r['effect']:+.2f} {pts} {outcome} (95% CI {r['effect_low']:+.2f} to {r['effect_high']:+.2f})"
    if r.get("difference") == r.get("difference"):  # a category level: the raw gap too
        eff = eff[:-1] + f"; {r['difference']:+.2f} before adjusting for the other features)"
    if r["detail"]:
        return f"{head}; {r['detail']}: {eff}"
    per = f"each extra {'day of ' if r['unit'] == 'days' else ''}{r['feature']}"
    return f"{head}; {per}: {eff}"


# --------------------------------------------------------------------------- journey features


_NOT_DEFAULT = {
    "duration_s",  # the sum of the stage times
    "promise_s",  # the promise's own measure; promise_met is the feature
    "processing_s",
    "wait_in_lane_s",
    "rework_s",  # with wait_handoff_s these four sum to duration_s as well
    "n_events",
    "n_touchpoints",
    "n_repeat_contacts",  # n_contacts counts them too
    "rework_events",
    "completed",
    "cancelled",
}


def journey_features(table: pd.DataFrame, *, exclude: Sequence[str] = ()) -> list[str]:
    """The default driver features of a journey-instance table.

    Promise met, handoffs, customer contacts, rework, the wait at handoffs, the time in each
    stage and every named measure (e.g. a service gap), the starting channel, the variant
    family (when the table has one, as :func:`journeylens.voice.join.voice_table` adds) and the
    case attributes — not the totals that are sums of these (end-to-end time, processing, ...).
    """
    return [
        c
        for c in candidate_features(table, exclude=[*exclude, *_NOT_DEFAULT])
        if c not in _NOT_DEFAULT
    ]
