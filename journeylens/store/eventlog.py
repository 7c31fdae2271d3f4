"""An event log in memory: :func:`read_events` without a workspace on disk."""

from __future__ import annotations

import os
import shutil
import tempfile
import weakref
from typing import TYPE_CHECKING, Any

import ibis

from journeylens.store.ingest import ImportReport

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

    from journeylens.store.workspace import WorkspaceStore

__all__ = ["EventLog", "read_events"]


class EventLog:
    """Canonical events (:attr:`table`, an Ibis table) with the report of how they were read.

    The table follows :mod:`journeylens.schema`; every analysis function accepts it.
    """

    def __init__(self, workspace: WorkspaceStore, report: ImportReport) -> None:
        self._ws = workspace
        self.report = report

    @property
    def table(self) -> ibis.Table:
        """The canonical events as a lazy Ibis table."""
        return self._ws.events

    @property
    def cases(self) -> ibis.Table:
        """One row per case (start, end, duration, counts, case attributes)."""
        return self._ws.cases

    @property
    def rejects(self) -> ibis.Table:
        """Rows that could not be used, with reasons."""
        return self._ws.rejects

    def to_pandas(self) -> pd.DataFrame:
        """All events as a pandas DataFrame, in case and time order."""
        # via Arrow: ibis's own to_pandas warns under pandas 3
        ordered = self.table.order_by(["case_id", "timestamp", "event_index"])
        frame: pd.DataFrame = ordered.to_pyarrow().to_pandas()
        return frame

    def __len__(self) -> int:
        return self.report.loaded

    def __repr__(self) -> str:
        r = self.report
        return f"<EventLog {r.source}: {r.loaded:,} events, {r.cases:,} cases, {r.rejected:,} rejected>"

    def _repr_html_(self) -> str:
        return self.report._repr_html_()


def _drop(con: duckdb.DuckDBPyConnection, spill: str) -> None:
    """Close an in-memory log's connection and remove the folder it could spill to."""
    con.close()
    shutil.rmtree(spill, ignore_errors=True)


def read_events(path: str | os.PathLike[str], **options: Any) -> EventLog:
    """Read an event log into memory and return it as canonical events.

    Takes the same keyword options as :meth:`journeylens.Workspace.import_events`
    (``case_id=``, ``activity=``, ``timestamp=``, ``lifecycle=``, ``timestamp_format=`` ...).

    Examples
    --------
    >>> import journeylens
    >>> log = journeylens.read_events("helpdesk.csv")  # doctest: +SKIP
    >>> log.report.cases, log.report.loaded  # doctest: +SKIP
    (4580, 21348)
    >>> log.table.activity.nunique().execute()  # doctest: +SKIP
    14
    """
    import duckdb

    from journeylens.store.workspace import WorkspaceStore, configure

    # A private folder DuckDB may spill to, so that the import runs under the same memory cap
    # as an import into a workspace; it goes when the last table of the log does.
    spill = tempfile.mkdtemp(prefix="journeylens-")
    con = duckdb.connect(config={"temp_directory": spill})
    configure(con)
    ws = WorkspaceStore(path=None, con=con, config={"sources": []})  # type: ignore[arg-type]
    ws._memory_cap = True
    weakref.finalize(ws.backend, _drop, con, spill)
    ws._ensure_tables()
    report = ws.import_events(path, **options)
    return EventLog(ws, report)
