"""Explanations on any table of units (journey instances, cases): pure methods, no workspace.

* :mod:`~journeylens.explain.drivers` — key drivers (Johnson's relative weights; LightGBM +
  SHAP) with bootstrap intervals, rank stability and effects in the outcome's units;
* :mod:`~journeylens.explain.whatif` — association-based what-if estimates;
* :mod:`~journeylens.explain.split` — bimodality and the low-vs-high contrast;
* :mod:`~journeylens.explain.causes` — attribute values and pairs over-represented in a target
  group, with intervals and multiple-testing control.

The workspace side lives above: :mod:`journeylens.voice.drivers` (a journey joined to its voice)
and :mod:`journeylens.diagnose.case_units` (a workspace's cases).
"""

from journeylens.explain.causes import Causes, find_causes, wilson
from journeylens.explain.drivers import Drivers, journey_features, key_drivers, relative_weights
from journeylens.explain.split import (
    Bimodality,
    Split,
    bimodality,
    candidate_features,
    split_contrast,
)
from journeylens.explain.whatif import WhatIf, what_if

__all__ = [
    "Bimodality",
    "Causes",
    "Drivers",
    "Split",
    "WhatIf",
    "bimodality",
    "candidate_features",
    "find_causes",
    "journey_features",
    "key_drivers",
    "relative_weights",
    "split_contrast",
    "what_if",
    "wilson",
]
