"""Voice of the customer: survey responses and outcomes, joined to journeys, with intervals.

* :mod:`~journeylens.voice.imports` — survey answers (CSAT on any scale, NPS 0–10, CES) and
  outcomes (churn, complaints ...) into the workspace tables ``responses`` and ``outcomes``,
  roles detected, each survey's metric and scale declared or inferred, bad rows to ``rejects``;
* :mod:`~journeylens.voice.join` — a response belongs to the journey instance holding its case
  id, or to the customer's instance within a window before it (:func:`voice_table`);
* :mod:`~journeylens.voice.metrics` — CSAT mean and top-2-box, NPS, CES, outcome rates, with
  intervals, response rates and small-sample warnings (:func:`voice_metrics`);
* :mod:`~journeylens.voice.causes` — root causes of low scores (:func:`root_causes`);
* :mod:`~journeylens.voice.drivers` — key drivers, what-if and split populations of a journey's
  score or outcome (:func:`journey_drivers`, :func:`journey_what_if`, :func:`journey_split`).

Examples
--------
>>> import journeylens as jl
>>> ws = jl.Workspace.open("demo-workspace")  # doctest: +SKIP
>>> jl.voice.voice_metrics(ws, "new_connection", survey="csat_install")  # doctest: +SKIP
"""

from journeylens.voice.causes import journey_root_causes, root_causes
from journeylens.voice.drivers import journey_drivers, journey_split, journey_what_if
from journeylens.voice.imports import (
    METRICS,
    Metric,
    VoiceImportReport,
    import_outcomes,
    import_responses,
)
from journeylens.voice.join import (
    Joined,
    join_responses,
    outcomes_frame,
    responses_frame,
    unmatched_responses,
    voice_table,
)
from journeylens.voice.metrics import metrics, score_summary, voice_metrics

__all__ = [
    "METRICS",
    "Joined",
    "Metric",
    "VoiceImportReport",
    "import_outcomes",
    "import_responses",
    "join_responses",
    "journey_drivers",
    "journey_root_causes",
    "journey_split",
    "journey_what_if",
    "metrics",
    "outcomes_frame",
    "responses_frame",
    "root_causes",
    "score_summary",
    "unmatched_responses",
    "voice_metrics",
    "voice_table",
]
