"""Diagnosis of a workspace: bottlenecks, waste, automation candidates, root causes, opportunities.

* :mod:`~journeylens.diagnose.steps` — work steps and waits from the events, the shared rules;
* :mod:`~journeylens.diagnose.bottlenecks` — waits between work steps, queueing vs batching;
* :mod:`~journeylens.diagnose.waste` — rework loops, repeated requests, rubber stamps, value classes;
* :mod:`~journeylens.diagnose.case_units` — a workspace's cases as units of root-cause analysis;
* :mod:`~journeylens.diagnose.voice_effects` — what an improvement is worth in satisfaction and churn;
* :mod:`~journeylens.diagnose.diagnosis` — :func:`diagnose`, which runs everything, and the
  opportunities ranked by customer-days saved.

Examples
--------
>>> import journeylens as jl
>>> from journeylens.diagnose import diagnose
>>> d = diagnose(jl.Workspace.open("demo-workspace"))  # doctest: +SKIP
>>> d.opportunities[0]["title"]  # doctest: +SKIP
"""

from journeylens.diagnose.case_units import case_causes, case_target, case_units
from journeylens.diagnose.diagnosis import (
    Bottlenecks,
    Diagnosis,
    Waste,
    automation_candidates,
    bottlenecks,
    diagnose,
    journey_causes,
    opportunities,
    repeated_requests,
    rework_loops,
    rubber_stamps,
    value_class_time,
    waste,
)

__all__ = [
    "Bottlenecks",
    "Diagnosis",
    "Waste",
    "automation_candidates",
    "bottlenecks",
    "case_causes",
    "case_target",
    "case_units",
    "diagnose",
    "journey_causes",
    "opportunities",
    "repeated_requests",
    "rework_loops",
    "rubber_stamps",
    "value_class_time",
    "waste",
]
