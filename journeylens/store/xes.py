"""XES export of canonical events (import is rustxes, see :mod:`journeylens.store.readers`)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import polars as pl

from journeylens import schema

__all__ = ["write_xes"]

_XES_KEYS = {
    schema.CASE: "case:concept:name",
    schema.ACTIVITY: "concept:name",
    schema.TIMESTAMP: "time:timestamp",
    schema.RESOURCE: "org:resource",
    schema.DEPARTMENT: "org:group",
    schema.LIFECYCLE: "lifecycle:transition",
}


def write_xes(
    events: pl.DataFrame, path: str | Path, *, case_attributes: Sequence[str] = ()
) -> None:
    """Write events (canonical columns) to ``.xes`` or ``.xes.gz`` with rustxes.

    Canonical roles get their XES keys (``concept:name``, ``time:timestamp`` ...); case
    attributes become trace attributes (``case:`` prefix, unless they already have it).
    """
    import rustxes

    drop = [schema.ORDER, schema.SOURCE]
    frame = events.drop([c for c in drop if c in events.columns])
    renames: dict[str, str] = {}
    for col in frame.columns:
        if col in _XES_KEYS:
            renames[col] = _XES_KEYS[col]
        elif col in case_attributes and not col.startswith("case:"):
            renames[col] = f"case:{col}"
    frame = frame.rename(renames)
    empty = [c for c in frame.columns if frame[c].null_count() == frame.height]
    frame = frame.drop(empty)
    # rustxes reads every datetime as nanoseconds; DuckDB hands over microseconds.
    frame = frame.with_columns(
        pl.col(c).cast(pl.Datetime("ns", dtype.time_zone))
        for c, dtype in frame.schema.items()
        if isinstance(dtype, pl.Datetime) and dtype.time_unit != "ns"
    )
    rustxes.export_xes(frame, str(path))
