"""Customer journeys: definitions (kept in ``journeylens.yaml``), bound to events, and their KPIs.

A *journey* is what a customer lives through end to end — a new connection, a home move, a
repair — as opposed to the touchpoints each department watches.  The modules, from the bottom:

* :mod:`~journeylens.journeys.definition` — what a journey is: stages, lanes, touchpoints,
  promise, contacts; validated once, when read, with the key path of every problem;
* :mod:`~journeylens.journeys.frame` — the journey's events and one feature row per instance
  as Ibis expressions;
* :mod:`~journeylens.journeys.store` — the stored results of the unfiltered analyses
  (persistence only); :mod:`~journeylens.journeys.precompute` computes and keeps them;
* :mod:`~journeylens.journeys.kpis` — touchpoint and journey KPIs, the watermelon, the map;
* :mod:`~journeylens.journeys.variants` — variant families (routes through the touchpoints);
* :mod:`~journeylens.journeys.suggest` — a draft definition from data;
* :mod:`~journeylens.journeys.journey` — :class:`Journey`, the front object tying them together.

Examples
--------
>>> import journeylens as jl
>>> j = jl.Workspace.open("demo-workspace").journey("new_connection")  # doctest: +SKIP
>>> j.watermelon().flagged  # doctest: +SKIP
True
"""

from journeylens.journeys.definition import (
    VALUE_CLASSES,
    CaseSelection,
    CustomerJoin,
    JourneyDefinition,
    LaneSource,
    Milestones,
    Touchpoint,
    ValueClass,
    definitions_from_config,
    format_duration,
    load_definitions,
    matches,
    slug,
    with_name,
    workspace_definitions,
)
from journeylens.journeys.journey import Journey, suggest, workspace_journey
from journeylens.journeys.kpis import (
    JourneyMap,
    Watermelon,
    contacts_by_stage,
    journey_kpis,
    journey_map,
    touchpoint_kpis,
    watermelon,
)
from journeylens.journeys.variants import instance_families, variant_families

__all__ = [
    "VALUE_CLASSES",
    "CaseSelection",
    "CustomerJoin",
    "Journey",
    "JourneyDefinition",
    "JourneyMap",
    "LaneSource",
    "Milestones",
    "Touchpoint",
    "ValueClass",
    "Watermelon",
    "contacts_by_stage",
    "definitions_from_config",
    "format_duration",
    "instance_families",
    "journey_kpis",
    "journey_map",
    "load_definitions",
    "matches",
    "slug",
    "suggest",
    "touchpoint_kpis",
    "variant_families",
    "watermelon",
    "with_name",
    "workspace_definitions",
    "workspace_journey",
]
