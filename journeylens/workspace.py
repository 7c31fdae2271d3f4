"""The workspace users open: the store, with journeys, segments and voice of the customer on top.

:class:`journeylens.store.workspace.WorkspaceStore` keeps the folder (DuckDB file and
``journeylens.yaml``), imports and exports and knows nothing above the store;
:class:`Workspace` adds what needs the layers above it — a journey by name, saved segments as
filters, survey and outcome imports — and keeps the journeys' results up to date after each
import and save (:mod:`journeylens.journeys.precompute`).

Examples
--------
>>> import tempfile, journeylens
>>> ws = journeylens.Workspace.create(tempfile.mkdtemp() + "/ws")
>>> ws.journey_names()
[]
>>> ws.close()
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

from journeylens.errors import InputError
from journeylens.journeys import precompute
from journeylens.journeys import store as journey_store
from journeylens.journeys.definition import JourneyDefinition
from journeylens.journeys.journey import Journey, workspace_journey
from journeylens.mining.filters import Filter, Filters, all_of, filter_from_dict
from journeylens.store.workspace import CONFIG_NAME, DB_NAME, WorkspaceStore, configure
from journeylens.voice import imports as voice_imports

__all__ = ["CONFIG_NAME", "DB_NAME", "Workspace", "configure"]


class Workspace(WorkspaceStore):
    """An analysis workspace on disk: events, cases, journeys, segments, voice of the customer.

    Examples
    --------
    >>> import tempfile, journeylens
    >>> d = tempfile.mkdtemp()
    >>> ws = journeylens.Workspace.create(d + "/ws")
    >>> ws.info()["events"]
    0
    >>> ws.close()
    """

    def _imported(self, *, progress: Callable[[str], None] | None = None) -> None:
        # A warning names the caller of import_events: one frame further up than for save_journey.
        self._store_journeys(progress=progress, stacklevel=4)

    # -- voice of the customer ------------------------------------------------------------
    # The importers of journeylens.voice take the workspace first: they are its methods as
    # they are, signature and docstring included, rather than a second copy of their options.
    import_responses = voice_imports.import_responses
    import_outcomes = voice_imports.import_outcomes

    # -- segments ------------------------------------------------------------------------
    def segment(self, name: str) -> Filters:
        """The saved segment ``name`` as a :class:`journeylens.Filters`.

        A segment written in ``journeylens.yaml`` as one filter mapping (rather than a list)
        comes back as a :class:`~journeylens.Filters` of that one filter too.
        """
        segments = self.config.get("segments") or {}
        if name not in segments:
            raise InputError(
                f"no segment named {name!r} in {self.path / CONFIG_NAME}; "
                f"saved segments: {sorted(segments) or 'none'}"
            )
        found = filter_from_dict(segments[name])
        return found if isinstance(found, Filters) else all_of(found)

    def save_segment(self, name: str, filters: Filter) -> None:
        """Save filters as a named segment in ``journeylens.yaml`` (replacing one of that name)."""
        self._require_writable()
        if not name or not name.strip():
            raise InputError("a segment needs a non-empty name")
        config = dict(self.config)
        config["segments"] = {**(config.get("segments") or {}), name: filters.to_dict()}
        self._commit_config(config)

    def delete_segment(self, name: str) -> None:
        """Remove a saved segment."""
        self._require_writable()
        self.segment(name)  # raises with the list of segments when unknown
        config = dict(self.config)
        config["segments"] = {k: v for k, v in config["segments"].items() if k != name}
        self._commit_config(config)

    # -- journeys (definitions and analyses: journeylens.journeys) -------------------------
    def journey(self, name: str) -> Journey:
        """The journey ``name`` as a :class:`journeylens.journeys.Journey` (validated)."""
        return workspace_journey(self, name)

    def save_journey(self, definition: JourneyDefinition) -> None:
        """Save a :class:`~journeylens.journeys.JourneyDefinition` (replacing one of that name)."""
        self._require_writable()
        if not isinstance(definition, JourneyDefinition):
            raise InputError(f"save_journey() takes a JourneyDefinition, got {definition!r}")
        # Built in Python, a definition skipped the YAML checks: run them on what gets written.
        JourneyDefinition.from_dict(definition.name, definition.to_dict(), source="save_journey")
        config = dict(self.config)
        config["journeys"] = {
            **(config.get("journeys") or {}),
            definition.name: definition.to_dict(),
        }
        self._commit_config(config)
        self._store_journeys([definition.name])

    def delete_journey(self, name: str) -> None:
        """Remove a journey definition."""
        self._require_writable()
        if name not in (self.config.get("journeys") or {}):
            self.journey(name)  # raises with the list of journeys
        config = dict(self.config)
        config["journeys"] = {k: v for k, v in config["journeys"].items() if k != name}
        self._commit_config(config)
        journey_store.drop(self, name)

    def _store_journeys(
        self,
        names: list[str] | None = None,
        *,
        progress: Callable[[str], None] | None = None,
        stacklevel: int = 3,
    ) -> None:
        """Keep the journeys' results in the workspace file (see :mod:`journeylens.journeys.store`)."""
        if names is None and not self.config.get("journeys"):
            return
        (progress or (lambda _m: None))("computing the journeys")
        try:
            with self._transaction():
                precompute.build(self, names)
        except Exception as e:  # the results are a cache: the data change stands
            warnings.warn(
                f"journey results were not stored ({type(e).__name__}: {e}); "
                "journey analyses compute from the events",
                RuntimeWarning,
                stacklevel=stacklevel,
            )
