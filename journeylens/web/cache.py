"""The web app's persisted result cache: what the pages show, kept in ``<workspace>/cache/``.

The analyses behind the journey pages, the drivers and the process map take seconds to minutes
on a large workspace; the pages must answer in milliseconds, also right after ``journeylens
serve`` starts.  So every result the app computes is also written to disk, and a new app
process reads it back instead of recomputing:

* **where**: ``<workspace>/cache/<stamp>/<digest of the key>.json``, one file per result;
* **keyed by** the workspace's import state (a digest of ``journeylens.yaml``: every import —
  events, survey answers, outcomes — and every journey, segment or voice-mapping change rewrites
  it), the journeylens version and a digest of the package's source code (so an upgrade, or a
  developer's edit, never reads results shaped by other code) and the cache format.  Any change
  gives a new ``<stamp>`` folder; the folders of older stamps are removed when the first entry of
  a new one is written;
* **safe format**: JSON, with DataFrames as base64 Arrow IPC streams and only a short allowlist
  of the package's own classes rebuilt from plain fields.  Nothing is unpickled or evaluated, so a
  workspace shared with others cannot run code in the app;
* **atomic**: each file is written beside its final name and renamed over it.  A file that cannot
  be read back (truncated, edited, from another key) is ignored, removed and recomputed.

A folder that cannot be written (a read-only share) only turns persistence off: the app then
keeps results in memory as before.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import functools
import hashlib
import json
import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa

from journeylens._util.frames import from_ipc, to_ipc

__all__ = ["CACHE_DIR", "MISSING", "ResultStore", "code_stamp", "persistable"]

log = logging.getLogger("journeylens.web")

#: Folder of the persisted cache inside a workspace.
CACHE_DIR = "cache"
#: Bumped when the file layout or the encoding changes.
FORMAT = 1
#: Marks a stamp folder that a warm-up completed (see :meth:`ResultStore.mark_filled`).
_FILLED = "filled.marker"
#: Returned by :meth:`ResultStore.get` when there is no usable entry.
MISSING: Any = object()

_CLASSES: dict[str, type] = {}
C = TypeVar("C", bound=type)


def persistable(cls: C) -> C:
    """Allow instances of ``cls`` in the cache: they are stored as their plain fields and
    rebuilt without calling ``__init__`` (the class must hold plain, encodable values)."""
    _CLASSES[cls.__name__] = cls
    return cls


@functools.cache
def code_stamp() -> str:
    """The journeylens version and a digest of the package's Python sources."""
    from journeylens._version import __version__

    package = Path(__file__).resolve().parent.parent
    h = hashlib.sha256(__version__.encode())
    for path in sorted(package.rglob("*.py")):
        h.update(str(path.relative_to(package)).encode())
        h.update(path.read_bytes())
    return f"{__version__}-{h.hexdigest()[:12]}"


# ---------------------------------------------------------------------- encoding
def key_text(key: Any) -> str:
    """The canonical text of a cache key (strings, numbers, tuples, frozen dataclasses).

    Examples
    --------
    >>> key_text(("dfg", None, ("A", "B")))
    '["dfg", null, ["A", "B"]]'
    """

    def plain(k: Any) -> Any:
        if k is None or isinstance(k, bool | int | float | str):
            return k
        if isinstance(k, tuple | list):
            return [plain(x) for x in k]
        if dataclasses.is_dataclass(k) and not isinstance(k, type):
            return {"__key__": type(k).__name__,
                    **{f.name: plain(getattr(k, f.name)) for f in dataclasses.fields(k)}}  # fmt: skip
        raise TypeError(f"cache keys hold plain values, not {type(k).__name__}")

    return json.dumps(plain(key), sort_keys=True, ensure_ascii=False)


def _frame_text(frame: pd.DataFrame) -> str:
    return base64.b64encode(to_ipc(frame, index=True)).decode("ascii")


def _frame_from(text: str) -> pd.DataFrame:
    return from_ipc(base64.b64decode(text))


def encode(value: Any) -> Any:
    """Plain JSON for a cached result; ``TypeError`` for what the cache does not store.

    Examples
    --------
    >>> decode(encode({"a": (1, 2.5, None), "b": [pd.Timestamp("2024-01-02")]}))
    {'a': (1, 2.5, None), 'b': [Timestamp('2024-01-02 00:00:00')]}
    """
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, np.generic):
        return encode(value.item())
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, tuple):
        return {"__tuple__": [encode(v) for v in value]}
    if isinstance(value, dict):
        if all(isinstance(k, str) and not k.startswith("__") for k in value):
            return {k: encode(v) for k, v in value.items()}
        return {"__items__": [[encode(k), encode(v)] for k, v in value.items()]}
    if isinstance(value, pd.DataFrame):
        return {"__frame__": _frame_text(value)}
    if isinstance(value, pd.Series):
        return {"__series__": _frame_text(value.to_frame(name=value.name or 0)),
                "name": encode(value.name)}  # fmt: skip
    if isinstance(value, pd.Timestamp):
        return {"__timestamp__": None if pd.isna(value) else value.isoformat()}
    if isinstance(value, dt.datetime | dt.date):
        return {"__datetime__" if isinstance(value, dt.datetime) else "__date__":
                value.isoformat()}  # fmt: skip
    cls = type(value)
    if _CLASSES.get(cls.__name__) is cls:
        return {"__object__": cls.__name__, "fields": encode(dict(vars(value)))}
    raise TypeError(f"the result cache does not store {cls.__module__}.{cls.__name__}")


def decode(value: Any) -> Any:
    """The inverse of :func:`encode` (only allowlisted classes are rebuilt)."""
    if isinstance(value, list):
        return [decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        ((tag, inner),) = value.items()
        if tag == "__tuple__":
            return tuple(decode(v) for v in inner)
        if tag == "__items__":
            return {decode(k): decode(v) for k, v in inner}
        if tag == "__frame__":
            return _frame_from(inner)
        if tag == "__timestamp__":
            return pd.NaT if inner is None else pd.Timestamp(inner)
        if tag == "__datetime__":
            return dt.datetime.fromisoformat(inner)
        if tag == "__date__":
            return dt.date.fromisoformat(inner)
    if "__series__" in value:
        series = _frame_from(value["__series__"]).iloc[:, 0]
        series.name = decode(value["name"])
        return series
    if "__object__" in value:
        cls = _CLASSES.get(value["__object__"])
        if cls is None:
            raise ValueError(f"unknown class {value['__object__']!r} in the result cache")
        obj = cls.__new__(cls)
        obj.__dict__.update(decode(value["fields"]))
        return obj
    return {k: decode(v) for k, v in value.items()}


# ---------------------------------------------------------------------- the store
class ResultStore:
    """The files of the persisted cache of one workspace (see the module docstring).

    Examples
    --------
    >>> store = ResultStore(tmp)  # doctest: +SKIP
    >>> store.put("3f2a…", ("overview",), {"cases": 10})  # doctest: +SKIP
    >>> store.get("3f2a…", ("overview",))  # doctest: +SKIP
    {'cases': 10}
    """

    def __init__(self, workspace: str | os.PathLike[str]):
        self.root = Path(workspace) / CACHE_DIR
        self.writable = True
        self._seen_stamp: str | None = None

    def stamp(self, state: str) -> str:
        """The folder name of the results of one workspace state under this code."""
        text = f"{FORMAT}|{state}|{code_stamp()}"
        return hashlib.sha256(text.encode()).hexdigest()[:20]

    def _file(self, state: str, key: Any) -> tuple[Path, str]:
        text = key_text(key)
        digest = hashlib.sha256(text.encode()).hexdigest()[:32]
        return self.root / self.stamp(state) / f"{digest}.json", text

    def get(self, state: str, key: Any) -> Any:
        """The stored result of ``key`` for ``state``, or :data:`MISSING`."""
        try:
            path, text = self._file(state, key)
        except TypeError:
            return MISSING
        try:
            raw = path.read_bytes()
        except OSError:
            return MISSING
        try:
            doc = json.loads(raw)
            if doc["format"] != FORMAT or doc["stamp"] != path.parent.name or doc["key"] != text:
                raise ValueError("the entry belongs to another key, state or format")
            return decode(doc["value"])
        except Exception as e:  # broken or foreign: recompute (and drop it)
            log.warning("ignoring the unreadable cache file %s (%s)", path, e)
            path.unlink(missing_ok=True)
            return MISSING

    def put(self, state: str, key: Any, value: Any) -> bool:
        """Store ``value`` atomically; False when it is not storable or the folder not writable."""
        if not self.writable:
            return False
        try:
            path, text = self._file(state, key)
            body = json.dumps({"format": FORMAT, "stamp": path.parent.name, "key": text,
                               "value": encode(value)}, ensure_ascii=False)  # fmt: skip
        except (TypeError, ValueError, pa.ArrowException) as e:
            log.debug("not persisting %s: %s", key, e)
            return False
        try:
            if self._seen_stamp != path.parent.name:
                self._new_stamp(path.parent)
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=path.parent)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as f:
                    f.write(body)
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as e:
            log.warning("the result cache %s is not writable (%s); keeping results in memory",
                        self.root, e)  # fmt: skip
            self.writable = False
            return False
        return True

    def _new_stamp(self, folder: Path) -> None:
        """Create the folder of a new stamp and remove those of older ones."""
        folder.mkdir(parents=True, exist_ok=True)
        for other in self.root.iterdir():
            if other.is_dir() and other != folder:
                shutil.rmtree(other, ignore_errors=True)
        self._seen_stamp = folder.name

    def mark_filled(self, state: str, seconds: float) -> None:
        """Record that every result the pages show is stored for ``state`` (by a warm-up)."""
        folder = self.root / self.stamp(state)
        if not self.writable or not folder.is_dir():
            return
        doc = {"seconds": round(seconds, 2), "at": dt.datetime.now(dt.UTC).isoformat()}
        try:
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=folder)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(doc, f)
            os.replace(tmp, folder / _FILLED)
        except OSError as e:
            log.debug("cannot mark %s as filled: %s", folder, e)

    def filled(self, state: str) -> dict[str, Any] | None:
        """When and how fast a warm-up stored every result for ``state``, if one did."""
        try:
            doc = json.loads((self.root / self.stamp(state) / _FILLED).read_bytes())
        except (OSError, ValueError):
            return None
        return doc if isinstance(doc, dict) else None

    def clear(self) -> int:
        """Remove every stored result; returns how many files there were."""
        n = sum(1 for _ in self.root.rglob("*.json")) if self.root.is_dir() else 0
        shutil.rmtree(self.root, ignore_errors=True)
        self._seen_stamp = None
        return n

    def info(self, state: str) -> dict[str, Any]:
        """Where the cache is, how many results it holds for ``state``, and their size."""
        current = self.root / self.stamp(state)
        files = list(current.glob("*.json")) if current.is_dir() else []
        stale = [p for p in self.root.glob("*/*.json") if p.parent != current] if (
            self.root.is_dir()) else []  # fmt: skip
        return {
            "path": str(self.root),
            "stamp": current.name,
            "code": code_stamp(),
            "entries": len(files),
            "bytes": sum(p.stat().st_size for p in files),
            "stale_entries": len(stale),
            "filled": self.filled(state),
        }
