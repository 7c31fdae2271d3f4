"""A workspace: a folder holding a DuckDB file and a human-readable ``journeylens.yaml``.

The YAML says where the data came from and how it was read (sources, column mappings, options;
later journeys and segments).  The DuckDB file holds the canonical ``events`` table, the derived
``cases`` table and the ``rejects`` of every import.  Imports are atomic: the database changes
in one transaction, and the YAML is replaced (by an atomic rename) only once that committed.

**The state token.**  Every change of what a workspace holds — an import of events, surveys or
outcomes, a segment or journey saved or deleted — rewrites ``journeylens.yaml`` after the
database committed (an import appends its source record).  So a digest of the YAML text is
the one token of "the workspace changed": :func:`workspace_state` (for a folder, without
opening the database) and :meth:`WorkspaceStore.state` give it, and every cache of results
(the web app's memory and disk caches, the voice drivers' tables, the journey store) keys by
it.  A cache whose results depend on the data only (the journey store, which carries the
definition in its own key) uses ``state(scope="events")``: the digest of the event imports'
records, which survey and outcome imports, segments and journey edits leave unchanged.  Writes that are not data — comments, the
journey store's own results — change neither token.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Literal, Self

import duckdb
import ibis
import pyarrow as pa
import yaml

from journeylens import schema
from journeylens._util.plain import plain
from journeylens._util.sql import ident, literal
from journeylens.errors import InputError, WorkspaceError, WorkspaceLockedError
from journeylens.store import derived, importer, ingest, readers
from journeylens.store.rows import first_row

__all__ = ["CONFIG_NAME", "DB_NAME", "WorkspaceStore", "configure", "workspace_state"]

CONFIG_NAME = "journeylens.yaml"
#: Rejected rows are listed and exported by source, then in the order of the file's lines.
_REJECTS_ORDER = 'source_id, coalesce(line, "row"), "row"'
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
DB_NAME = "journeylens.duckdb"
_HEADER = (
    "# journeylens workspace: sources and how they were read (edit mappings, journeys and\n"
    "# segments here; the data itself lives in journeylens.duckdb).\n"
)


def _connect(path: Path, *, read_only: bool) -> duckdb.DuckDBPyConnection:
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as e:
        msg = str(e)
        if "lock" in msg.lower():
            pid = ""
            if "PID" in msg:
                pid = " (process " + msg.split("PID", 1)[1].split(")")[0].strip() + ")"
            raise WorkspaceLockedError(
                f"workspace {path.parent} is being written by another process{pid}; "
                "wait for that import to finish, or stop the process, then try again"
            ) from None
        raise WorkspaceError(f"cannot open {path}: {msg}") from None
    configure(con)
    return con


def configure(con: duckdb.DuckDBPyConnection) -> None:
    """Session settings every journeylens connection needs."""
    con.execute("SET TimeZone = 'UTC'")
    # DuckDB's own progress bar would write into our CLI output (and break --json).
    con.execute("SET enable_progress_bar = false")


def workspace_state(path: str | os.PathLike[str]) -> str:
    """The state token of the workspace in folder ``path``: a digest of its ``journeylens.yaml``.

    It changes with every import, segment and journey change (see the module docstring) and
    reads one small file, so a long-running reader (the web app) can ask on every request.

    Examples
    --------
    >>> import tempfile, journeylens
    >>> d = tempfile.mkdtemp() + "/ws"
    >>> with journeylens.Workspace.create(d) as ws:
    ...     before = workspace_state(d)
    ...     ws.save_segment("all", journeylens.Filters())
    ...     before != workspace_state(d) == ws.state()
    True
    """
    cfg = Path(path) / CONFIG_NAME
    try:
        data = cfg.read_bytes()
    except OSError as e:
        raise WorkspaceError(
            f"cannot read {cfg}: {e.strerror or e}; pass the folder of a journeylens workspace"
        ) from None
    return hashlib.sha256(data).hexdigest()[:16]


def _digest(value: Any) -> str:
    text = json.dumps(plain(value), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _iso(value: object) -> str | None:
    """A stored timestamp as text; DuckDB hands one past year 9999 over as text already."""
    if value is None:
        return None
    return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else str(value)


class WorkspaceStore:
    """The storage of a workspace: its folder, DuckDB file and YAML, imports and exports.

    Users open :class:`journeylens.Workspace`, which adds journeys, segments and voice on top.

    Examples
    --------
    >>> import tempfile, journeylens
    >>> d = tempfile.mkdtemp()
    >>> ws = journeylens.Workspace.create(d + "/ws")
    >>> ws.info()["events"]
    0
    >>> ws.close()
    """

    def __init__(self, path: Path, con: duckdb.DuckDBPyConnection, config: dict[str, Any]):
        self.path = path
        self.con = con
        self.config = config
        self.backend = ibis.duckdb.from_connection(con)
        self.read_only = False
        # An in-memory workspace (read_events) has no folder and no YAML to keep.
        self._persist_config = path is not None
        # Imports cap DuckDB's memory where it can spill: beside the workspace file, or in
        # the temporary folder read_events gives its in-memory connection.
        self._memory_cap = path is not None

    # -- opening -------------------------------------------------------------------------
    @classmethod
    def create(cls, path: str | os.PathLike[str], *, exist_ok: bool = False) -> Self:
        """Create a workspace folder (or open it, with ``exist_ok=True``)."""
        p = Path(path)
        if (p / CONFIG_NAME).exists():
            if exist_ok:
                return cls.open(p, read_only=False)
            raise WorkspaceError(f"{p} is already a journeylens workspace; open it instead")
        if p.exists() and not p.is_dir():
            raise WorkspaceError(f"{p} exists and is not a folder")
        p.mkdir(parents=True, exist_ok=True)
        config: dict[str, Any] = {
            "version": 1,
            "engine": "duckdb",
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "sources": [],
            "case_attributes": [],
            "segments": {},
            "journeys": {},
        }
        con = _connect(p / DB_NAME, read_only=False)
        ws = cls(p, con, config)
        ws._ensure_tables()
        ws._write_config()
        return ws

    @classmethod
    def open(cls, path: str | os.PathLike[str] = ".", *, read_only: bool = True) -> Self:
        """Open an existing workspace; read-only by default so many readers can share it."""
        p = Path(path)
        cfg = p / CONFIG_NAME
        if not cfg.is_file():
            raise WorkspaceError(
                f"{p.resolve()} is not a journeylens workspace (no {CONFIG_NAME}); "
                f"create one with `journeylens init {path}` or pass -w DIR"
            )
        try:
            # libyaml's loader when built in: the pure-Python one takes ~0.1-0.3 s per open.
            config = yaml.load(cfg.read_text(encoding="utf-8"), Loader=_YAML_LOADER) or {}
        except yaml.YAMLError as e:
            raise WorkspaceError(f"{cfg}: not valid YAML ({e})") from None
        if not isinstance(config, dict):
            raise WorkspaceError(f"{cfg}: expected a mapping at the top level")
        con = _connect(p / DB_NAME, read_only=read_only)
        ws = cls(p, con, config)
        ws.read_only = read_only
        if not read_only:
            ws._ensure_tables()
        return ws

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self.path)!r})"

    # -- state ---------------------------------------------------------------------------
    def state(self, *, scope: Literal["workspace", "events"] = "workspace") -> str:
        """The token that changes when the workspace does: what every cache of results keys by.

        ``scope="workspace"`` (the default): :func:`workspace_state`, the digest of
        ``journeylens.yaml``, which every import, segment and journey change rewrites.
        ``scope="events"``: the digest of the event imports' records only (their sources and
        the case attributes), for caches of results computed from the events alone whose own
        key names the definitions they depend on (the journey store).
        A workspace without a folder (``read_events``) digests its configuration in memory
        instead, with its connection: two such workspaces never share a token.

        Examples
        --------
        >>> import tempfile, journeylens
        >>> with journeylens.Workspace.create(tempfile.mkdtemp() + "/ws") as ws:
        ...     events, full = ws.state(scope="events"), ws.state()
        ...     ws.save_segment("all", journeylens.Filters())
        ...     (ws.state(scope="events") == events, ws.state() == full)
        (True, False)
        """
        if scope == "events":
            # Survey and outcome imports record a "kind"; event imports do not.
            sources = [s for s in self.config.get("sources") or [] if "kind" not in s]
            return _digest([sources, self.config.get("case_attributes")])
        if scope != "workspace":
            raise InputError(f"state() scope must be 'workspace' or 'events', got {scope!r}")
        if self._persist_config:
            return workspace_state(self.path)
        return f"memory-{id(self.con):x}-{_digest(self.config)}"

    # -- tables --------------------------------------------------------------------------
    def _ensure_tables(self) -> None:
        self.con.execute(
            """CREATE TABLE IF NOT EXISTS events (case_id VARCHAR, activity VARCHAR,
                timestamp TIMESTAMP, start_timestamp TIMESTAMP, resource VARCHAR,
                department VARCHAR, channel VARCHAR, lifecycle VARCHAR, event_index BIGINT,
                source_id INTEGER)"""
        )
        self.con.execute(ingest.REJECTS_DDL)
        self.con.execute(
            """CREATE TABLE IF NOT EXISTS cases (case_id VARCHAR, start TIMESTAMP,
                "end" TIMESTAMP, duration_s DOUBLE, events BIGINT, activities BIGINT,
                first_activity VARCHAR, last_activity VARCHAR)"""
        )

    @property
    def events(self) -> ibis.Table:
        """The canonical events (see :mod:`journeylens.schema`) as a lazy Ibis table."""
        return self.backend.table("events")

    @property
    def cases(self) -> ibis.Table:
        """One row per case: start, end, duration, event count, first/last activity, attributes."""
        return self.backend.table("cases")

    @property
    def rejects(self) -> ibis.Table:
        """Every source row that could not be used, with its reason and raw values."""
        return self.backend.table("rejects")

    # -- config --------------------------------------------------------------------------
    def _write_config(self, config: dict[str, Any] | None = None) -> Path:
        """Write the YAML beside the real file; returns the temp path (rename commits it)."""
        text = _HEADER + yaml.safe_dump(config or self.config, sort_keys=False, allow_unicode=True)
        fd, tmp = tempfile.mkstemp(prefix=".journeylens.", suffix=".yaml", dir=self.path)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        if config is None:
            os.replace(tmp, self.path / CONFIG_NAME)
        return Path(tmp)

    def _require_writable(self) -> None:
        if self.read_only:
            raise WorkspaceError(
                f"workspace {self.path} was opened read-only; use Workspace.open(dir, read_only=False)"
            )

    # -- import --------------------------------------------------------------------------
    def import_events(
        self,
        path: str | os.PathLike[str],
        *,
        format: readers.Format | None = None,
        case_id: str | None = None,
        activity: str | None = None,
        timestamp: str | None = None,
        start_timestamp: str | None = None,
        resource: str | None = None,
        department: str | None = None,
        channel: str | None = None,
        lifecycle_column: str | None = None,
        preset: str | None = None,
        lifecycle: ingest.Lifecycle = "all",
        timestamp_format: list[str] | None = None,
        dayfirst: bool | None = None,
        timezone: str | None = None,
        decimal: Literal[".", ","] | None = None,
        delimiter: str | None = None,
        encoding: str | None = None,
        sheet: str | None = None,
        table: str | None = None,
        query: str | None = None,
        missing: Sequence[str] | None = None,
        progress: Callable[[str], None] | None = None,
    ) -> ingest.ImportReport:
        """Import an event log into the workspace, atomically, keeping every rejected row.

        Column roles not given are detected from the column names.  Importing a file whose
        content was imported before adds nothing (``report.already_imported``).

        Parameters
        ----------
        path
            A file (.csv/.tsv/.csv.gz, .parquet, .xes/.xes.gz, .xlsx) or a database URL that
            Ibis connects to (then give ``table`` or ``query``).
        case_id, activity, timestamp, start_timestamp, resource, department, channel
            Source column for each role (detected when omitted).
        lifecycle_column
            Source column with the lifecycle transition (detected when omitted).
        lifecycle
            ``"all"`` keeps every row as an event (what pm4py's reference counts assume);
            ``"complete"`` keeps complete transitions only; ``"merge"`` folds each start into
            its complete event, which gains a ``start_timestamp`` (service time).
        timestamp_format
            strptime formats to try in order (``"ISO"`` for ISO 8601); detected when omitted.
        dayfirst
            Read ambiguous dates such as 01/02/2024 day-first.
        timezone
            IANA zone of naive timestamps (e.g. ``"Europe/Amsterdam"``); they are stored in UTC.
        decimal
            Decimal separator of numeric attributes (``","`` is assumed for ``;``-separated CSV).
        missing
            The texts that mean "no value" in a CSV, instead of the default ``"", "?", "NULL",
            "null", "N/A", "n/a", "None", "NaN", "-"`` (``NA`` is a value unless named here).

        Examples
        --------
        >>> ws = Workspace.create(tmp / "ws")  # doctest: +SKIP
        >>> report = ws.import_events("helpdesk.csv")  # doctest: +SKIP
        >>> report.loaded, report.rejected  # doctest: +SKIP
        (21348, 0)
        """
        self._require_writable()
        say = progress or (lambda _m: None)
        source = importer.resolve(
            self.config, path, format=format, kind="events", table=table, query=query
        )
        spath, fmt, source_id = source.path, source.format, source.id
        if source.imported_as is not None:
            return ingest.ImportReport(
                source=spath, format=fmt, source_id=source.imported_as, already_imported=True
            )
        mapping = {
            "case_id": case_id,
            "activity": activity,
            "timestamp": timestamp,
            "start_timestamp": start_timestamp,
            "resource": resource,
            "department": department,
            "channel": channel,
            "lifecycle": lifecycle_column,
        }
        con = self.con
        # An import into a workspace file runs under a memory cap (see ingest.memory_cap), and
        # again without it in the rare case DuckDB cannot work within the cap.
        size = Path(spath).stat().st_size if fmt != "database" and self._memory_cap else None
        for cap in (size, None) if size else (None,):
            try:
                with (
                    ingest.memory_cap(con, input_bytes=cap, format=fmt),
                    self._transaction() as config,
                ):
                    say("reading " + Path(spath).name)
                    staged = readers.stage(
                        con,
                        spath,
                        format=fmt,
                        delimiter=delimiter,
                        encoding=encoding,
                        sheet=sheet,
                        table=table,
                        query=query,
                        missing=missing,
                    )
                    new, report, judge = ingest.canonicalise(
                        con,
                        staged,
                        source_id=source_id,
                        mapping=mapping,
                        preset=preset,
                        lifecycle=lifecycle,
                        timestamp_formats=timestamp_format,
                        dayfirst=dayfirst,
                        timezone=timezone,
                        decimal=decimal,
                        progress=progress,
                    )
                    say("storing events")
                    self._append_events(new)
                    if judge is not None:
                        judge()
                    ingest.finish_report(con, report)
                    # The staged source is not needed any more: free it before the window pass.
                    ingest.cleanup(con)
                    readers.release(con)
                    staged.arrow = None  # and the Arrow table behind it
                    pa.default_memory_pool().release_unused()
                    say("deriving cases, variants and the process map")
                    case_attrs, report.out_of_order_cases, report.duplicate_events = (
                        derived.rebuild(con, source_id=source_id)
                    )
                    importer.record(
                        config,
                        source,
                        kind="events",
                        mapping=report.mapping,
                        options={k: v for k, v in report.options.items() if v is not None},
                        rows={
                            "read": report.rows_read,
                            "loaded": report.loaded,
                            "rejected": report.rejected,
                            "merged": report.merged,
                        },
                        table=table,
                        query=query,
                    )
                    config["case_attributes"] = case_attrs
            except duckdb.OutOfMemoryException:
                if cap is None:
                    raise
                continue
            self._imported(progress=progress)
            return report
        raise AssertionError("unreachable")  # pragma: no cover

    def _append_events(self, new: str) -> None:
        """Insert new events by column name, widening the table for new attributes and values."""
        con = self.con
        have = ingest._column_types(con, "events")
        incoming = {
            c: t
            for c, t in ingest._column_types(con, new).items()
            if c not in ingest.INTERNAL_COLUMNS
        }
        empty = not first_row(con.execute("SELECT count(*) FROM events"))[0]
        select = []
        for col, typ in incoming.items():
            q = ident(col)
            if col not in have:
                con.execute(f"ALTER TABLE events ADD COLUMN {q} {typ}")
            elif have[col] != typ:
                wider = typ if empty else _wider_type(con, have[col], typ)
                if wider != have[col]:
                    con.execute(f"ALTER TABLE events ALTER {q} TYPE {wider}")
                select.append(f"CAST({q} AS {wider}) AS {q}")
                continue
            select.append(q)
        # Stored rows are found by event_index, never by their position in the table: letting
        # DuckDB write in any order lets both cores write.
        con.execute("SET preserve_insertion_order = false")
        try:
            con.execute(f"INSERT INTO events BY NAME SELECT {', '.join(select)} FROM {new}")
        finally:
            con.execute("RESET preserve_insertion_order")

    def journey_names(self) -> list[str]:
        """Names of the journeys defined in ``journeylens.yaml``, in file order."""
        return list(self.config.get("journeys") or {})

    def _imported(self, *, progress: Callable[[str], None] | None = None) -> None:
        """Called after each committed import; the store itself keeps nothing more.

        :class:`journeylens.workspace.Workspace` keeps the journeys' results here, so that
        the store needs nothing above it.
        """

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[dict[str, Any]]:
        """One transaction over the DuckDB file and ``journeylens.yaml``: both change or neither.

        Yields a copy of the config for the caller to edit; on success the new YAML is written
        beside the old one before COMMIT and renamed over it after, on failure the database
        rolls back and the old YAML stays.
        """
        con = self.con
        config = dict(self.config)
        con.execute("BEGIN TRANSACTION")
        tmp_config: Path | None = None
        try:
            yield config
            if self._persist_config:
                tmp_config = self._write_config(config)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            if tmp_config is not None:
                tmp_config.unlink(missing_ok=True)
            raise
        finally:
            # A source's --timezone is set for the import only.
            con.execute("SET TimeZone = 'UTC'")
        if tmp_config is not None:
            os.replace(tmp_config, self.path / CONFIG_NAME)
        self.config = config

    def _commit_config(self, config: dict[str, Any]) -> None:
        if self._persist_config:
            os.replace(self._write_config(config), self.path / CONFIG_NAME)
        self.config = config

    # -- reading -------------------------------------------------------------------------
    def info(self) -> dict[str, Any]:
        """Counts and time range of the workspace, as ``journeylens info --json`` prints them."""
        ev, cases, acts, res, lo, hi = first_row(
            self.con.execute(
                "SELECT count(*), count(DISTINCT case_id), count(DISTINCT activity), "
                "count(DISTINCT resource), min(timestamp), max(timestamp) FROM events"
            )
        )
        rejected = first_row(self.con.execute("SELECT count(*) FROM rejects"))[0]
        return {
            "workspace": str(self.path.resolve()),
            "events": ev,
            "cases": cases,
            "activities": acts,
            "resources": res,
            "rejected_rows": rejected,
            "first_event": _iso(lo),
            "last_event": _iso(hi),
            "sources": [
                {k: s.get(k) for k in ("id", "path", "format", "rows")}
                for s in self.config.get("sources", [])
            ],
            "case_attributes": list(self.config.get("case_attributes", [])),
            "event_attributes": [
                c
                for c in ingest._column_types(self.con, "events")
                if c not in schema.CANONICAL and c not in self.config.get("case_attributes", [])
            ],
        }

    def rejects_summary(self, *, limit: int | None = 50) -> dict[str, Any]:
        """The source rows that could not be used: how many, why, and the first ``limit``.

        What ``journeylens rejects`` and the web app's data-quality page show.  Returns
        ``total``; ``by_reason`` (reason → rows, most frequent first); ``by_column`` (the 50
        most frequent reason and column pairs, as ``{"reason", "column", "rows"}``); and
        ``rows``: the first ``limit`` rejected rows (``None`` or 0: all) in source and line
        order, each a dict of ``source_id``, ``row``, ``line``, ``reason``, ``column``,
        ``value``, ``detail`` and ``raw``.

        Examples
        --------
        >>> import tempfile, journeylens
        >>> ws = journeylens.Workspace.create(tempfile.mkdtemp() + "/ws")
        >>> ws.rejects_summary()
        {'total': 0, 'by_reason': {}, 'by_column': [], 'rows': []}
        >>> ws.close()
        """
        con = self.con
        by_reason = con.execute(
            "SELECT reason, count(*) FROM rejects GROUP BY reason ORDER BY 2 DESC, reason"
        ).fetchall()
        by_column = con.execute(
            'SELECT reason, "column", count(*) FROM rejects GROUP BY 1, 2 '
            "ORDER BY 3 DESC, 1, 2 NULLS FIRST LIMIT 50"
        ).fetchall()
        cur = con.execute(
            'SELECT source_id, "row", line, reason, "column", value, detail, raw FROM rejects '
            f"ORDER BY {_REJECTS_ORDER}" + (f" LIMIT {int(limit)}" if limit else "")
        )
        names = [d[0] for d in cur.description]
        return {
            "total": sum(n for _, n in by_reason),
            "by_reason": dict(by_reason),
            "by_column": [{"reason": r, "column": c, "rows": n} for r, c, n in by_column],
            "rows": [dict(zip(names, r, strict=True)) for r in cur.fetchall()],
        }

    def export_rejects(self, path: str | os.PathLike[str]) -> int:
        """Write every rejected row to ``path`` (Parquet for ``.parquet``, else CSV); the count."""
        out = Path(path)
        opts = "FORMAT parquet" if out.suffix.lower() == ".parquet" else "FORMAT csv, HEADER true"
        self.con.execute(
            f"COPY (SELECT * FROM rejects ORDER BY {_REJECTS_ORDER}) TO {literal(str(out))} ({opts})"
        )
        return int(first_row(self.con.execute("SELECT count(*) FROM rejects"))[0])

    def export(
        self,
        path: str | os.PathLike[str],
        *,
        format: Literal["csv", "parquet", "xes"] | None = None,
    ) -> Path:
        """Write the canonical events to CSV, Parquet or XES (ordered by case and time)."""
        out = Path(path)
        fmt = format or {".csv": "csv", ".parquet": "parquet", ".xes": "xes", ".gz": "xes"}.get(
            out.suffix.lower()
        )
        if fmt is None:
            raise InputError(f"{out}: give --format csv, parquet or xes (or a matching suffix)")
        # A CSV is for other tools: event_index and source_id belong to this workspace. Parquet
        # keeps them: it is the canonical table other engines (Spark) read, and the importer
        # regenerates both, in the same order, when it is imported again.
        own = (schema.ORDER, schema.SOURCE) if fmt == "csv" else ()
        # ENUM columns leave as plain text: other tools (and XES writers) expect strings.
        columns = ", ".join(
            f"CAST({ident(c)} AS VARCHAR) AS {ident(c)}" if t.startswith("ENUM(") else ident(c)
            for c, t in ingest._column_types(self.con, "events").items()
            if c not in own
        )
        ordered = f"SELECT {columns} FROM events ORDER BY case_id, timestamp, event_index"
        if fmt in ("csv", "parquet"):
            opts = "FORMAT csv, HEADER true" if fmt == "csv" else "FORMAT parquet"
            self.con.execute(f"COPY ({ordered}) TO {literal(str(out))} ({opts})")
            return out
        from journeylens.store.xes import write_xes

        write_xes(
            self.con.execute(ordered).pl(),
            out,
            case_attributes=self.config.get("case_attributes", []),
        )
        return out


def _wider_type(con: duckdb.DuckDBPyConnection, have: str, incoming: str) -> str:
    """A column type holding both a stored and an incoming column's values.

    Two ENUMs become the ENUM of all their values while that stays small; any other
    disagreement becomes text, which holds every value without losing one.
    """
    old, new = ingest.enum_values(con, have), ingest.enum_values(con, incoming)
    if old is not None and new is not None:
        values = sorted(set(old) | set(new))
        if len(values) <= ingest.ENUM_MAX:
            return ingest.enum_type(values)
    return "VARCHAR"
