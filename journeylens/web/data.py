"""How the web app reaches the workspace: short read-only connections, a cache, comment writes.

Locking design (DuckDB allows one writing process *or* any number of reading processes per
file, and inside one process every connection to a file must use the same mode):

* the app holds **no connection between requests**.  Each computation opens the workspace
  read-only, reads, and closes it, under one process-wide lock.  An idle app therefore never
  blocks ``journeylens import``; while an import holds the write lock, pages are served from
  the cache, and what is not cached answers "busy, try again" (HTTP 503) instead of waiting;
* results are cached in memory under the workspace's **state token**
  (:func:`journeylens.store.workspace.workspace_state`, the one every cache uses: a digest of
  ``journeylens.yaml``, which every import, segment and journey change rewrites atomically,
  after the database committed).  A new state empties the cache, so a map never outlives the
  import that changed its events.  Each result is also written to the **persisted cache**
  (:mod:`journeylens.web.cache`, ``<workspace>/cache/``) under that state, so a restarted app
  reads it back instead of recomputing; the state is read again while the computation's
  connection is open (no import can commit meanwhile), so a result is only ever filed under
  the state of the data it was computed from;
* a comment is written by a short read-write connection opened once no read connection of
  this process is open (a readers-writer lock), one ``INSERT`` in its own transaction, then
  closed.  If a CLI import holds the file, the write fails fast with 503 and nothing is half
  written; the CLI, in turn, only waits for the milliseconds a comment write takes.
"""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import pandas as pd

from journeylens._util.plain import plain
from journeylens._util.sql import has_table, ident
from journeylens.errors import InputError, WorkspaceError, WorkspaceLockedError
from journeylens.store.workspace import workspace_state
from journeylens.web.cache import MISSING, ResultStore, persistable
from journeylens.workspace import CONFIG_NAME, DB_NAME, Workspace, configure

__all__ = ["Busy", "Vocabulary", "WorkspaceData"]

T = TypeVar("T")
_CACHE_ENTRIES = 256
#: What a comment may be attached to.
TARGET_KINDS = ("journey", "touchpoint", "activity", "edge", "case")

COMMENTS_DDL = """
CREATE TABLE IF NOT EXISTS comments (
    id BIGINT, target_kind VARCHAR, target VARCHAR, journey VARCHAR, author VARCHAR,
    created TIMESTAMP, body VARCHAR
)"""


class Busy(WorkspaceError):
    """The workspace is held by a writer (an import); the request can be retried."""


@persistable
class Vocabulary:
    """The names a request may use: activities, case attributes, segments, journeys."""

    def __init__(self, ws: Workspace):
        con = ws.con
        self.activities: list[str] = [
            r[0]
            for r in con.execute(
                "SELECT activity FROM events WHERE activity IS NOT NULL "
                "GROUP BY activity ORDER BY count(*) DESC, activity"
            ).fetchall()
        ]
        self.case_attributes: list[str] = [str(c) for c in ws.config.get("case_attributes", [])]
        self.segments: list[str] = sorted((ws.config.get("segments") or {}).keys())
        self.journeys: list[str] = _journey_names(ws)
        self.events, self.cases = con.execute(
            "SELECT count(*), count(DISTINCT case_id) FROM events"
        ).fetchone()
        # Values offered in the filter menus (the filters accept any value: it is a literal).
        self.values: dict[str, list[str]] = {}
        cols = {r[0] for r in con.execute("DESCRIBE cases").fetchall()}
        for col in self.case_attributes:
            if col not in cols:
                continue
            q = ident(col)
            rows = con.execute(
                f"SELECT {q} FROM cases WHERE {q} IS NOT NULL GROUP BY 1 "
                "HAVING count(*) > 0 ORDER BY count(*) DESC LIMIT 51"
            ).fetchall()
            if len(rows) <= 50:  # an identifier-like column is no menu
                self.values[col] = sorted(str(r[0]) for r in rows)

    def activity(self, name: str) -> str:
        if name not in self.activities:
            raise InputError(
                f"unknown activity {name[:80]!r}; the workspace has {len(self.activities)} "
                f"activities, e.g. {', '.join(self.activities[:5])}"
            )
        return name

    def attribute(self, name: str) -> str:
        if name not in self.case_attributes:
            raise InputError(
                f"unknown case attribute {name[:80]!r}; choose one of "
                f"{', '.join(self.case_attributes) or 'none'}"
            )
        return name

    def segment(self, name: str) -> str:
        if name not in self.segments:
            raise InputError(
                f"unknown segment {name[:80]!r}; saved segments: {', '.join(self.segments) or 'none'}"
            )
        return name

    def journey(self, name: str) -> str:
        if name not in self.journeys:
            raise InputError(
                f"unknown journey {name[:80]!r}; journeys: {', '.join(self.journeys) or 'none'}"
            )
        return name


def _journey_names(ws: Workspace) -> list[str]:
    names = getattr(ws, "journey_names", None)
    if names is None:  # the journeys module is not in this build
        return []
    try:
        return list(names())
    except WorkspaceError:
        return []


class _ReadWriteLock:
    """Many readers or one writer; a waiting writer stops new readers (no starvation)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writing = False
        self._writers_waiting = 0

    @contextmanager
    def read(self) -> Iterator[None]:
        with self._cond:
            self._cond.wait_for(lambda: not self._writing and not self._writers_waiting)
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    @contextmanager
    def write(self, timeout: float) -> Iterator[bool]:
        with self._cond:
            self._writers_waiting += 1
            try:
                ok = self._cond.wait_for(
                    lambda: not self._writing and not self._readers, timeout=timeout
                )
            finally:
                self._writers_waiting -= 1
            if ok:
                self._writing = True
            else:
                self._cond.notify_all()
        try:
            yield ok
        finally:
            if ok:
                with self._cond:
                    self._writing = False
                    self._cond.notify_all()


class WorkspaceData:
    """The app's access to one workspace folder (see the module docstring for the locking).

    ``persist=False`` keeps results in memory only (no ``<workspace>/cache/`` files).
    """

    def __init__(self, path: str | Path, *, persist: bool = True):
        self.path = Path(path)
        if not (self.path / CONFIG_NAME).is_file():
            raise WorkspaceError(
                f"{self.path.resolve()} is not a journeylens workspace (no {CONFIG_NAME}); "
                "pass -w DIR or build one with `journeylens demo`"
            )
        self._lock = threading.RLock()  # guards the cache only
        self._access = _ReadWriteLock()  # read-only connections vs the comment writer
        self._cache: OrderedDict[Any, Any] = OrderedDict()
        self._state: str | None = None
        self._running: dict[Any, threading.Event] = {}
        self.store = ResultStore(self.path) if persist else None
        #: Where results came from: ``memory``, ``disk`` (the persisted cache), ``computed``.
        self.hits: Counter[str] = Counter()

    # -- state and cache -----------------------------------------------------------------
    def state(self) -> str:
        """The workspace's state token (:func:`journeylens.store.workspace.workspace_state`)."""
        return workspace_state(self.path)

    @contextmanager
    def open(self) -> Iterator[Workspace]:
        """A read-only workspace for the duration of one computation."""
        with self._access.read():
            try:
                ws = Workspace.open(self.path, read_only=True)
            except WorkspaceLockedError as e:
                raise Busy(str(e)) from None
            try:
                yield ws
            finally:
                ws.close()

    def cached(self, key: Any, compute: Callable[[Workspace], T]) -> T:
        """``compute(ws)`` once per import state and key: from memory (an LRU of a few hundred
        results), else from the persisted cache, else computed (and stored in both).

        The computation runs outside the cache lock, so a slow one does not hold up pages
        that are cached already; a request for a key another thread is computing (the
        start-up warm-up, another visitor) waits for that result instead of repeating it.
        """

        def run() -> tuple[T, str]:
            with self.open() as ws:
                # Read while the connection is open: no import can commit before it closes.
                state = self.state()
                return compute(ws), state

        return self._once(key, run, persist=True)

    def memo(self, key: Any, compute: Callable[[], T], *, persist: bool = False) -> T:
        """Like :meth:`cached` for results derived from other cached ones (no connection).

        Kept in memory only unless ``persist`` (worth it when deriving is slow, as drawing
        a big map is).
        """
        return self._once(key, lambda: (compute(), self.state()), persist=persist)

    def _once(self, key: Any, compute: Callable[[], tuple[T, str]], *,
              persist: bool) -> T:  # fmt: skip
        state = self.state()
        while True:
            with self._lock:
                if state != self._state:
                    self._cache.clear()
                    self._state = state
                if key in self._cache:
                    self._cache.move_to_end(key)
                    self.hits["memory"] += 1
                    return self._cache[key]
                running = self._running.get((state, key))
                if running is None:
                    running = self._running[(state, key)] = threading.Event()
                    break
            running.wait()  # another thread computes it; then look again (or compute if it failed)
        try:
            store = self.store if persist else None
            value = MISSING if store is None else store.get(state, key)
            seen = state
            if value is not MISSING:
                self.hits["disk"] += 1
            else:
                # ``seen``: the state the result belongs to (an import may have committed
                # since ``state`` was read); only a result of ``state`` is kept.
                value, seen = compute()
                self.hits["computed"] += 1
                if store is not None and seen == state:
                    store.put(state, key, value)
            with self._lock:
                if self._state == state and seen == state:
                    self._cache[key] = value
                    while len(self._cache) > _CACHE_ENTRIES:
                        self._cache.popitem(last=False)
            return value
        finally:
            with self._lock:
                self._running.pop((state, key), None)
            running.set()

    def vocabulary(self) -> Vocabulary:
        return self.cached("vocabulary", Vocabulary)

    # -- segments ------------------------------------------------------------------------
    def save_segment(self, name: str, filters: Any) -> None:
        """Save filters as a named segment (journeylens.yaml), as `journeylens segment save`."""
        with self._access.write(timeout=30) as ok:
            if not ok:
                raise Busy("the app is busy computing; the segment was not saved: try again")
            try:
                ws = Workspace.open(self.path, read_only=False)
            except WorkspaceLockedError as e:
                raise Busy(f"{e}; the segment was not saved") from None
            try:
                ws.save_segment(name, filters)
            finally:
                ws.close()

    # -- comments ------------------------------------------------------------------------
    def comments(self, *, target_kind: str | None = None, target: str | None = None,
                 journey: str | None = None) -> pd.DataFrame:  # fmt: skip
        """Comments, newest first, optionally for one target (not cached: they change often)."""
        with self.open() as ws:
            if not has_table(ws.con, "comments"):
                return pd.DataFrame(
                    columns=["id", "target_kind", "target", "journey", "author", "created", "body"]
                )
            where, args = [], []
            for col, value in (("target_kind", target_kind), ("target", target),
                               ("journey", journey)):  # fmt: skip
                if value is not None:
                    where.append(f"{col} = ?")
                    args.append(value)
            sql = "SELECT * FROM comments" + (" WHERE " + " AND ".join(where) if where else "")
            return ws.con.execute(sql + " ORDER BY created DESC, id DESC LIMIT 500", args).df()

    def add_comment(self, *, target_kind: str, target: str, journey: str | None, author: str,
                    body: str) -> dict[str, Any]:  # fmt: skip
        """Store one comment (a short read-write connection; see the module docstring)."""
        import datetime as dt

        body = body.strip()
        if target_kind not in TARGET_KINDS:
            raise InputError(f"target_kind must be one of {', '.join(TARGET_KINDS)}")
        if not body or len(body) > 4000:
            raise InputError("a comment needs 1 to 4000 characters of text")
        if not target or len(target) > 400:
            raise InputError("a comment needs a target of 1 to 400 characters")
        created = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
        with self._access.write(timeout=30) as ok:
            if not ok:
                raise Busy("the app is busy computing; the comment was not saved: try again")
            try:
                con = duckdb.connect(str(self.path / DB_NAME), read_only=False)
            except duckdb.IOException as e:
                raise Busy(
                    f"workspace {self.path} is being written by another process (an import?); "
                    "the comment was not saved: try again in a moment"
                ) from e
            try:
                configure(con)
                con.execute("BEGIN TRANSACTION")
                con.execute(COMMENTS_DDL)
                new_id = con.execute("SELECT coalesce(max(id), 0) + 1 FROM comments").fetchone()[0]
                con.execute(
                    "INSERT INTO comments VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [new_id, target_kind, target, journey, author, created, body],
                )
                con.execute("COMMIT")
            finally:
                con.close()
        return {"id": new_id, "target_kind": target_kind, "target": target, "journey": journey,
                "author": author, "created": plain(created), "body": body}  # fmt: skip
