"""The canonical event model every reader produces and every analysis consumes.

The ``events`` table of a workspace has these columns, in this order, followed by any other
source columns kept as typed attributes (their names are kept as in the source):

========================  ==========  ==========================================================
column                    type        meaning
========================  ==========  ==========================================================
``case_id``               string      the case (ticket, order, application) the event belongs to
``activity``              string      what happened
``timestamp``             timestamp   when it completed (UTC when the source had offsets;
                                      otherwise the source's wall-clock time, see ``--timezone``)
``start_timestamp``       timestamp   when work on it started, if known (service time)
``resource``              string      who did it, if known
``department``            string      team / lane / organisational unit, if known
``channel``               string      contact channel, if known
``lifecycle``             string      XES lifecycle transition, if known
``event_index``           int64       position of the row in its source, the tie-breaker
``source_id``             int32       which import the row came from
========================  ==========  ==========================================================

Ordering rule (documented, deterministic): within a case, events are ordered by ``timestamp``,
then ``event_index`` (source order); this is what "directly follows" means everywhere.
"""

from __future__ import annotations

CASE = "case_id"
ACTIVITY = "activity"
TIMESTAMP = "timestamp"
START = "start_timestamp"
RESOURCE = "resource"
DEPARTMENT = "department"
CHANNEL = "channel"
LIFECYCLE = "lifecycle"
ORDER = "event_index"
SOURCE = "source_id"

#: Roles a user can map, in canonical column order.
ROLES: tuple[str, ...] = (
    CASE,
    ACTIVITY,
    TIMESTAMP,
    START,
    RESOURCE,
    DEPARTMENT,
    CHANNEL,
    LIFECYCLE,
)
REQUIRED_ROLES: tuple[str, ...] = (CASE, ACTIVITY, TIMESTAMP)
CANONICAL: tuple[str, ...] = (*ROLES, ORDER, SOURCE)
#: Sort key that defines the order of events in a case.
SORT_KEY: tuple[str, ...] = (CASE, TIMESTAMP, ORDER)
