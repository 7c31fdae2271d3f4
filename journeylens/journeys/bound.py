"""What the journey analyses read of a journey bound to events: :class:`BoundJourney`.

:mod:`~journeylens.journeys.frame`, :mod:`~journeylens.journeys.kpis`,
:mod:`~journeylens.journeys.variants` and :mod:`~journeylens.journeys.store` take a journey
and read these members only.  :class:`journeylens.journeys.Journey` has them, and calls those
modules; naming the members here, instead of importing ``Journey`` for its annotations, keeps
the modules free of an import (even a type-only one) back to the class that uses them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import ibis.expr.types as ir
    import pandas as pd

    from journeylens.journeys.definition import JourneyDefinition
    from journeylens.mining.filters import Filter

__all__ = ["BoundJourney"]


class BoundJourney(Protocol):
    """A journey definition bound to events (:class:`journeylens.journeys.Journey`)."""

    definition: JourneyDefinition
    _events: ir.Table
    _cases: ir.Table | None
    _case_attributes: Sequence[str] | None
    #: Instances computed per filter (``None``: unfiltered).
    _cache: dict[Any, pd.DataFrame]
    #: (connection, key) of the stored results it may read; None: always compute.
    _store: Any

    @property
    def name(self) -> str: ...

    @property
    def _activities(self) -> list[str]: ...

    def instances(self, filters: Filter | None = None) -> pd.DataFrame: ...
