"""What-if: "if the wait at the scheduling handoff were halved", "if the promise were met for 90%".

:func:`what_if` gives the predicted change of the outcome with a bootstrap interval: an
association-based estimate from the regression of :mod:`journeylens.explain.drivers`, not a
causal effect.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from journeylens._util.fmt import share
from journeylens._util.plain import plain
from journeylens.errors import InputError
from journeylens.explain.drivers import _design, _logit, _ols, _single_threaded
from journeylens.explain.split import feature_unit

__all__ = ["WhatIf", "what_if"]


@dataclass
class WhatIf:
    """Result of :func:`what_if`: the outcome now and under the change, with an interval."""

    outcome: str
    feature: str
    change: str
    current: float
    predicted: float
    difference: float
    difference_low: float
    difference_high: float
    kind: str
    n: int
    n_boot: int
    label: str = "association-based estimate (regression on observed journeys), not a causal effect"

    def to_dict(self) -> dict[str, Any]:
        return {k: plain(v) for k, v in self.__dict__.items()}

    def sentence(self) -> str:
        unit = " percentage points" if self.kind == "binary" else " points"
        k = 100.0 if self.kind == "binary" else 1.0
        fmt: Callable[[float], str] = share if self.kind == "binary" else (lambda v: f"{v:.2f}")
        return (
            f"if {self.change}: {self.outcome} {fmt(self.current)} → {fmt(self.predicted)} "
            f"({k * self.difference:+.2f}{unit}, 95% CI {k * self.difference_low:+.2f} to "
            f"{k * self.difference_high:+.2f}); {self.label}"
        )

    def __repr__(self) -> str:
        return f"<WhatIf {self.sentence()}>"


@_single_threaded
def what_if(
    df: pd.DataFrame,
    outcome: str,
    feature: str,
    *,
    scale: float | None = None,
    set_to: float | bool | None = None,
    rate: float | None = None,
    features: Sequence[str] | None = None,
    n_boot: int = 100,
    seed: int = 0,
) -> WhatIf:
    """Predicted change of ``outcome`` if ``feature`` changed, with a bootstrap interval.

    Give exactly one change: ``scale`` multiplies a numeric feature (0.5 halves a wait);
    ``set_to`` sets it for every unit; ``rate`` sets the share of true values of a flag (e.g.
    ``promise_met`` met for 90%: ``rate=0.9``; the units that flip are weighted evenly).  The
    model is a linear regression (continuous outcome) or a logistic regression (binary) on the
    same features as :func:`key_drivers`: an association-based estimate, not a causal effect.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> df = pd.DataFrame({"wait_s": rng.exponential(4 * 86400, 2000)})
    >>> df["csat"] = 8 - 0.5 * df.wait_s / 86400 + rng.normal(0, 1, 2000)
    >>> w = what_if(df, "csat", "wait_s", scale=0.5)
    >>> round(w.difference, 1)
    1.0
    """
    if sum(v is not None for v in (scale, set_to, rate)) != 1:
        raise InputError("give exactly one change: scale=..., set_to=... or rate=...")
    feats = list(features) if features is not None else None
    if feats is not None and feature not in feats:
        feats.append(feature)
    d = _design(df, outcome, feats)
    if feature not in d.groups or feature in d.reference or d.groups[feature][0] != feature:
        raise InputError(
            f"what-if needs a numeric or boolean feature used by the model; {feature!r} is "
            f"{'not usable' if feature not in d.groups else 'a category'}; "
            f"features: {', '.join(c for c in d.X.columns if '=' not in c)}"
        )
    j = list(d.X.columns).index(feature)
    X = d.X.to_numpy()
    # A missing value (filled for the model) is not changed by the what-if.
    has = (
        d.X[f"{feature} missing"].to_numpy() == 0
        if f"{feature} missing" in d.X
        else np.ones(len(X), dtype=bool)
    )
    x = X[:, j]
    binary_feature = set(np.unique(x)) <= {0.0, 1.0}
    if rate is not None and not (binary_feature and 0 <= rate <= 1):
        raise InputError(f"rate= needs a true/false feature and a share in 0..1; {feature!r}")
    div = feature_unit(feature)[0]
    if scale is not None:
        change = f"{feature} were {'scaled' if scale not in (0.5, 2) else ('halved' if scale == 0.5 else 'doubled')}"
        if scale not in (0.5, 2):
            change += f" by {scale:g}"
    elif set_to is not None:
        change = f"{feature} were {set_to}" if div == 1 else f"{feature} were {set_to} days"
    else:
        change = f"{feature} were true for {share(rate)} (now {share(x.mean())})"

    def predict_change(Xs: np.ndarray, ys: np.ndarray, hs: np.ndarray) -> tuple[float, float]:
        if d.binary:
            b, _ = _logit(Xs, ys)
        else:
            b, _, _ = _ols(Xs, ys)

        def mean_pred(M: np.ndarray) -> float:
            lin = b[0] + M @ b[1:]
            return float(
                (1 / (1 + np.exp(-np.clip(lin, -30, 30)))).mean() if d.binary else lin.mean()
            )

        now = mean_pred(Xs)
        if rate is None:
            M = Xs.copy()
            target: np.ndarray | float
            if scale is not None:
                target = Xs[:, j] * scale
            else:
                assert set_to is not None  # what_if checked that one of the three is given
                target = float(set_to) / div
            M[:, j] = np.where(hs, target, Xs[:, j])
            return now, mean_pred(M)
        p = Xs[:, j].mean()
        M1, M0 = Xs.copy(), Xs.copy()
        M1[:, j], M0[:, j] = 1.0, 0.0
        if rate >= p:
            f = (rate - p) / (1 - p) if p < 1 else 0.0
            flip = Xs[:, j] == 0
            alt = np.where(flip, f, 1.0)  # probability each unit is true after the change
        else:
            f = (p - rate) / p
            alt = np.where(Xs[:, j] == 1, 1 - f, 0.0)
        lin1, lin0 = b[0] + M1 @ b[1:], b[0] + M0 @ b[1:]
        if d.binary:
            p1, p0 = 1 / (1 + np.exp(-lin1)), 1 / (1 + np.exp(-lin0))
        else:
            p1, p0 = lin1, lin0
        return now, float((alt * p1 + (1 - alt) * p0).mean())

    now, new = predict_change(X, d.y, has)
    rng = np.random.default_rng(seed)
    diffs = []
    for _ in range(n_boot):
        idx = rng.integers(0, len(d.y), len(d.y))
        if d.binary and len(np.unique(d.y[idx])) < 2:
            continue
        a, b = predict_change(X[idx], d.y[idx], has[idx])
        diffs.append(b - a)
    lo, hi = np.quantile(diffs, [0.025, 0.975]) if diffs else (math.nan, math.nan)
    return WhatIf(
        outcome=outcome,
        feature=feature,
        change=change,
        current=float(d.y.mean()),
        predicted=float(d.y.mean() + new - now),
        difference=new - now,
        difference_low=float(lo),
        difference_high=float(hi),
        kind="binary" if d.binary else "continuous",
        n=len(d.y),
        n_boot=len(diffs),
    )


# --------------------------------------------------------------------------- workspace
