"""The one skeleton every import follows: event logs, survey responses and outcomes alike.

Before anything is read, :func:`resolve` names the source — a file path, or a database URL in
its one spelling (:func:`journeylens.store.readers.database_url`) — detects its format, takes
its identity (:func:`journeylens.store.readers.source_digest`: the file's SHA-256, or a database
file's and the table or query read) and finds a source of the same kind imported before, so
that importing it again adds nothing.  After the rows are stored, inside the import's
transaction, :func:`record` writes the source's entry in ``journeylens.yaml``.

What is read and how rows are judged differs by kind (:mod:`journeylens.store.ingest` for
events, :mod:`journeylens.voice.imports` for responses and outcomes); naming, identity,
re-imports and the record do not.

Examples
--------
>>> resolve({"sources": []}, "postgresql://host/crm", format=None, kind="events", table="ev")
Source(path='postgresql://host/crm', format='database', digest=None, id=1, imported_as=None)
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from journeylens.store import readers

__all__ = ["Kind", "Source", "record", "resolve"]

Kind = Literal["events", "responses", "outcomes"]


@dataclass(frozen=True)
class Source:
    """A source about to be imported: where it is, its format and identity, its new id."""

    path: str
    format: readers.Format
    #: SHA-256 identity (None for a server database, whose content cannot be hashed).
    digest: str | None
    #: The id this import's rows will carry.
    id: int
    #: The id of the same source imported before as the same kind, if any: nothing to do.
    imported_as: int | None


def resolve(
    config: Mapping[str, Any],
    path: str | os.PathLike[str],
    *,
    format: readers.Format | None,
    kind: Kind,
    table: str | None = None,
    query: str | None = None,
) -> Source:
    """Name, format and identity of ``path``, and whether the workspace has it already.

    Raises :class:`~journeylens.errors.InputError` for a file that is not there, or a database
    URL naming no file (reading a database never creates one).
    """
    spath = str(path)
    fmt = format or readers.detect_format(spath)
    if fmt == "database":
        spath = readers.database_url(spath)  # one spelling per database file
    digest = readers.source_digest(spath, fmt, table=table, query=query)
    sources = config.get("sources") or []
    before = None
    if digest is not None:
        before = next(
            (
                s["id"]
                for s in sources
                if s.get("sha256") == digest and s.get("kind", "events") == kind
            ),
            None,
        )
    next_id = 1 + max((s["id"] for s in sources), default=0)
    return Source(path=spath, format=fmt, digest=digest, id=next_id, imported_as=before)


def record(
    config: dict[str, Any],
    source: Source,
    *,
    kind: Kind,
    mapping: Mapping[str, Any],
    rows: Mapping[str, int],
    table: str | None = None,
    query: str | None = None,
    **details: Any,
) -> None:
    """Add ``source``'s entry to ``config["sources"]`` (the caller's transaction writes it).

    ``details`` are the kind's own keys, written after the common ones (``options`` of an
    event log, ``surveys`` of responses).
    """
    entry: dict[str, Any] = {"id": source.id}
    if kind != "events":  # event logs were the only kind once: their entries carry none
        entry["kind"] = kind
    entry.update(
        {
            "path": str(Path(source.path).resolve())
            if source.format != "database"
            else source.path,
            "format": source.format,
            "imported": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "mapping": dict(mapping),
            **details,
            "rows": dict(rows),
        }
    )
    if source.digest:
        entry["sha256"] = source.digest
    if table:
        entry["table"] = table
    if query:
        entry["query"] = query
    config["sources"] = [*config.get("sources", []), entry]
