"""A journey definition bound to events: :class:`Journey`, and drafting one from data.

:class:`Journey` computes, lazily with Ibis, the journey's events (:meth:`Journey.events`)
and one row of features per journey instance (:meth:`Journey.instances`), the table the
KPIs, the watermelon view, voice of the customer and diagnosis build on.  Results of the
workspace's own unfiltered events are read from :mod:`journeylens.journeys.store` when they
match the definition and the data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

from journeylens.errors import InputError
from journeylens.journeys import frame as jf
from journeylens.journeys import kpis as _kpis
from journeylens.journeys import store as _journey_store
from journeylens.journeys import variants as _variants
from journeylens.journeys.definition import (
    CaseSelection,
    JourneyDefinition,
    _config_source,
    _suggest,
)
from journeylens.journeys.suggest import suggest as _draft
from journeylens.mining.filters import Filter

if TYPE_CHECKING:
    import ibis.expr.types as ir
    import pandas as pd

    from journeylens.journeys.kpis import JourneyMap, Watermelon
    from journeylens.store.workspace import WorkspaceStore

__all__ = ["Journey", "suggest", "workspace_journey"]


class Journey:
    """A journey definition bound to events: its events, instances, KPIs, watermelon and map.

    Parameters
    ----------
    definition
        The :class:`JourneyDefinition`.
    events
        Canonical events (an Ibis table; DuckDB or PySpark).
    cases
        The ``cases`` table (one row per case), whose attribute columns are appended to
        :meth:`instances`; optional.
    case_attributes
        Which columns of ``cases`` are attributes (default: every non-standard column).

    Examples
    --------
    >>> ws = journeylens.Workspace.open("demo-workspace")  # doctest: +SKIP
    >>> j = ws.journey("new_connection")  # doctest: +SKIP
    >>> j.instances()[["duration_s", "promise_met", "n_handoffs"]].describe()  # doctest: +SKIP
    >>> j.watermelon().flagged  # doctest: +SKIP
    True
    """

    def __init__(
        self,
        definition: JourneyDefinition,
        events: ir.Table,
        *,
        cases: ir.Table | None = None,
        case_attributes: Sequence[str] | None = None,
    ):
        self.definition = definition
        self._events = events
        self._cases = cases
        self._case_attributes = case_attributes
        self._cache: dict[Any, pd.DataFrame] = {}
        #: (connection, key) of the workspace results this journey may read
        #: (:mod:`journeylens.journeys.store`); None: always compute.
        self._store: Any = None

    @property
    def name(self) -> str:
        return self.definition.name

    def __repr__(self) -> str:
        d = self.definition
        return (
            f"<Journey {d.name}: {len(d.stages)} stages, {len(d.lanes)} lanes, "
            f"{len(d.touchpoints)} touchpoints>"
        )

    @cached_property
    def _activities(self) -> list[str]:
        col = self._events["activity"]
        return [a for a in col.as_table().distinct().to_pyarrow()["activity"].to_pylist() if a]

    def check(self) -> list[str]:
        """Validate against the data (see :meth:`JourneyDefinition.check_activities`)."""
        jf.check_columns(self)
        self.definition.check_activities(self._activities)
        return self.definition.check_activities(jf.selected_activities(self))

    def events(self, filters: Filter | None = None) -> ir.Table:
        """The journey's events, with ``instance_id, touchpoint, stage, lane, value_class,
        customer_facing, is_contact`` (and the timing columns the KPIs use) added.

        ``filters`` (any :mod:`journeylens.mining.filters` filter) apply to the events first.
        Events matching no touchpoint and no contact pattern are left out.
        """
        return jf.journey_events(self, filters)

    def instances(self, filters: Filter | None = None) -> pd.DataFrame:
        """One row per journey instance: the feature table of voice and diagnosis.

        Columns: ``instance_id, customer_id, case_id, case_ids, start, end, duration_s,
        promise_s, promise_met, n_events, n_touchpoints, n_handoffs, n_contacts,
        n_repeat_contacts, rework, rework_events, cancelled, completed, processing_s,
        wait_in_lane_s, wait_handoff_s, rework_s`` (the four sum to ``duration_s``), one
        ``stage_<slug>_s`` per stage (they sum to ``duration_s`` too), one ``<measure>_s``
        per named measure, ``start_channel``, then the case attributes.
        """
        key = None if filters is None else repr(filters)
        if key not in self._cache:
            stored = _journey_store.read(self, "instances", filters)
            self._cache[key] = stored if stored is not None else jf.journey_instances(self, filters)
        return self._cache[key].copy()

    def variant_families(
        self,
        filters: Filter | None = None,
        *,
        top: int | None = 8,
        coverage: float | None = None,
        min_share: float | None = 0.01,
    ) -> pd.DataFrame:
        """Variant families: instances grouped by the touchpoints they reached (repeats marked).

        The ``top`` most frequent families (also cut by ``coverage`` of the instances and by
        ``min_share``) get ids ``F1, F2 ...``; the rest are pooled into ``other``.  Columns:
        ``family, label, path, steps, paths, instances, share, cumulative_share,
        median_duration_s, promise_met``.  See :mod:`journeylens.journeys.variants`.

        Examples
        --------
        >>> ws.journey("new_connection").variant_families()[["family", "label"]]  # doctest: +SKIP
        """
        return _variants.variant_families(
            self, filters, top=top, coverage=coverage, min_share=min_share
        )

    def instance_families(
        self,
        filters: Filter | None = None,
        *,
        top: int | None = 8,
        coverage: float | None = None,
        min_share: float | None = 0.01,
    ) -> pd.DataFrame:
        """Each instance's variant family: ``instance_id, family, variant_family`` (label)."""
        return _variants.instance_families(
            self, filters, top=top, coverage=coverage, min_share=min_share
        )

    def touchpoints(self, filters: Filter | None = None) -> pd.DataFrame:
        """Touchpoint KPIs: volume, cases, processing and wait times, SLA attainment, repeats."""
        return _kpis.touchpoint_kpis(self, filters)

    def kpis(self, by: str | None = None, filters: Filter | None = None) -> pd.DataFrame:
        """Journey KPIs overall, or per ``"week"``, ``"month"`` or an instance attribute."""
        return _kpis.journey_kpis(self, by=by, filters=filters)

    def watermelon(self, filters: Filter | None = None, **options: Any) -> Watermelon:
        """Touchpoint SLA attainment next to promise attainment, and where the time goes."""
        return _kpis.watermelon(self, filters=filters, **options)

    def map(
        self, filters: Filter | None = None, *, satisfaction: Mapping[str, float] | None = None
    ) -> JourneyMap:
        """The stages × lanes journey map (optionally with a satisfaction score per stage)."""
        return _kpis.journey_map(self, filters=filters, satisfaction=satisfaction)


def suggest(
    events: ir.Table,
    *,
    name: str = "journey",
    cases: CaseSelection | None = None,
    lane_column: str | None = None,
    max_stages: int = 6,
    max_touchpoints: int = 40,
) -> JourneyDefinition:
    """Draft a definition from data: stages from the typical order, lanes from a department
    or workgroup column, customer-facing hints from channels and activity names, contacts,
    rework, and a draft promise.  Review it, then :meth:`Workspace.save_journey` it.

    Examples
    --------
    >>> import journeylens
    >>> log = journeylens.read_events("helpdesk.csv")  # doctest: +SKIP
    >>> draft = suggest(log.table, name="tickets")  # doctest: +SKIP
    >>> draft.stages  # doctest: +SKIP
    """
    return _draft(
        events,
        name=name,
        cases=cases,
        lane_column=lane_column,
        max_stages=max_stages,
        max_touchpoints=max_touchpoints,
    )


def workspace_journey(ws: WorkspaceStore, name: str) -> Journey:
    defs = ws.config.get("journeys") or {}
    if name not in defs:
        raise InputError(
            f"no journey named {name!r} in {_config_source(ws) or 'the workspace'}; "
            f"journeys: {', '.join(sorted(defs)) or 'none'}"
            + _suggest(name, list(defs))
            + (
                ""
                if defs
                else " — draft one with `journeylens journey suggest` and save it with --save"
            )
        )
    definition = JourneyDefinition.from_dict(name, defs[name], source=_config_source(ws))
    journey = Journey(
        definition,
        ws.events,
        cases=ws.cases,
        case_attributes=list(ws.config.get("case_attributes") or []),
    )
    _journey_store.attach(journey, ws)
    return journey
