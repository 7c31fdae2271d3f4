"""journeylens: end-to-end customer journeys and process mining for service operations.

Examples
--------
>>> import journeylens
>>> log = journeylens.read_events("helpdesk.csv")  # doctest: +SKIP
>>> journeylens.discover_dfg(log.table).edges.head()  # doctest: +SKIP
"""

from __future__ import annotations

from journeylens.cases import case_table
from journeylens.dfg import DFG, discover_dfg, discover_map
from journeylens.errors import (
    ColumnNotFoundError,
    InputError,
    JourneylensError,
    WorkspaceError,
    WorkspaceLockedError,
)
from journeylens.eventlog import EventLog, read_events
from journeylens.filters import (
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
from journeylens.ingest import ImportReport
from journeylens.processmap import ProcessMap, humanize_seconds
from journeylens.stats import handoff_matrix, ping_pong, summary_stats
from journeylens.variants import case_variants, variant_key, variants
from journeylens.workspace import Workspace

__version__ = "0.1.0"

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
    "discover_dfg",
    "discover_map",
    "filter_from_dict",
    "handoff_matrix",
    "humanize_seconds",
    "parse_filter_options",
    "ping_pong",
    "read_events",
    "summary_stats",
    "variant_key",
    "variants",
]
