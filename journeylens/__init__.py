"""journeylens: end-to-end customer journeys and process mining for service operations.

The package is in layers, each importing only those below it (``docs/architecture.md``)::

    cli, web, report        faces: parse, call the library, present
    generate                the seeded demo world
    diagnose                bottlenecks, waste, automation, root causes, opportunities
    workspace               the workspace users open (journeys, segments, voice on the store)
    voice                   surveys and outcomes joined to journeys; drivers of a journey
    journeys | explain      journey definitions and KPIs | drivers, what-if, split, causes
    mining                  cases, DFG, variants, stats, filters, process map
    store                   readers, mapping, ingest, the workspace's storage, derived tables
    _util, schema, errors   shared rules

The names below are loaded when first used, so that ``import journeylens`` (and the CLI)
start quickly.

Examples
--------
>>> import journeylens as jl
>>> log = jl.read_events("helpdesk.csv")  # doctest: +SKIP
>>> jl.discover_dfg(log.table).edges.head()  # doctest: +SKIP
>>> j = jl.Workspace.open("demo-workspace").journey("new_connection")  # doctest: +SKIP
>>> jl.diagnose.diagnose(jl.Workspace.open("demo-workspace")).opportunities  # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from journeylens._version import __version__
from journeylens.errors import (
    ColumnNotFoundError,
    InputError,
    JourneylensError,
    WorkspaceError,
    WorkspaceLockedError,
)

if TYPE_CHECKING:
    from journeylens import diagnose, explain, journeys, report, voice
    from journeylens.journeys import Journey, JourneyDefinition, load_definitions
    from journeylens.mining.cases import case_table
    from journeylens.mining.dfg import DFG, discover_dfg, discover_map
    from journeylens.mining.filters import (
        CaseAttribute,
        CaseIds,
        Duration,
        Endpoints,
        EventAttribute,
        Filters,
        Follows,
        TimeFrame,
        Variant,
        all_of,
        filter_from_dict,
        parse_filter_options,
    )
    from journeylens.mining.processmap import ProcessMap, humanize_seconds
    from journeylens.mining.stats import handoff_matrix, ping_pong, summary_stats
    from journeylens.mining.variants import case_variants, variant_key, variants
    from journeylens.store.eventlog import EventLog, read_events
    from journeylens.store.ingest import ImportReport
    from journeylens.workspace import Workspace

#: Public name -> the module that defines it (a module itself where the value is None).
_LAZY: dict[str, str | None] = {
    "Workspace": "journeylens.workspace",
    "EventLog": "journeylens.store.eventlog",
    "read_events": "journeylens.store.eventlog",
    "ImportReport": "journeylens.store.ingest",
    "case_table": "journeylens.mining.cases",
    "DFG": "journeylens.mining.dfg",
    "discover_dfg": "journeylens.mining.dfg",
    "discover_map": "journeylens.mining.dfg",
    "ProcessMap": "journeylens.mining.processmap",
    "humanize_seconds": "journeylens.mining.processmap",
    "handoff_matrix": "journeylens.mining.stats",
    "ping_pong": "journeylens.mining.stats",
    "summary_stats": "journeylens.mining.stats",
    "case_variants": "journeylens.mining.variants",
    "variant_key": "journeylens.mining.variants",
    "variants": "journeylens.mining.variants",
    **dict.fromkeys(
        [
            "CaseAttribute",
            "CaseIds",
            "Duration",
            "Endpoints",
            "EventAttribute",
            "Filters",
            "Follows",
            "TimeFrame",
            "Variant",
            "all_of",
            "filter_from_dict",
            "parse_filter_options",
        ],
        "journeylens.mining.filters",
    ),
    "Journey": "journeylens.journeys",
    "JourneyDefinition": "journeylens.journeys",
    "load_definitions": "journeylens.journeys",
    # the product's areas, as modules: jl.journeys, jl.voice, jl.explain, jl.diagnose, jl.report
    **dict.fromkeys(["journeys", "voice", "explain", "diagnose", "report"], None),
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'journeylens' has no attribute {name!r}")
    where = _LAZY[name]
    value = (
        importlib.import_module(f"journeylens.{name}")
        if where is None
        else getattr(importlib.import_module(where), name)
    )
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


__all__ = [
    "DFG",
    "CaseAttribute",
    "CaseIds",
    "ColumnNotFoundError",
    "Duration",
    "Endpoints",
    "EventAttribute",
    "EventLog",
    "Filters",
    "Follows",
    "ImportReport",
    "InputError",
    "Journey",
    "JourneyDefinition",
    "JourneylensError",
    "ProcessMap",
    "TimeFrame",
    "Variant",
    "Workspace",
    "WorkspaceError",
    "WorkspaceLockedError",
    "__version__",
    "all_of",
    "case_table",
    "case_variants",
    "diagnose",
    "discover_dfg",
    "discover_map",
    "explain",
    "filter_from_dict",
    "handoff_matrix",
    "humanize_seconds",
    "journeys",
    "load_definitions",
    "parse_filter_options",
    "ping_pong",
    "read_events",
    "report",
    "summary_stats",
    "variant_key",
    "variants",
    "voice",
]
