"""JSON-plain values: the one rule every JSON journeylens writes follows.

``--json`` in the CLI, the web API, the report's JSON and every ``to_dict()`` turn results into
plain values with :func:`plain` (one value) and :func:`records` (a table), so the same number
reads the same everywhere:

==========================================  ==============================================
value                                       becomes
==========================================  ==============================================
``None``, NaN, NaT, ``pd.NA``, ±inf         ``None`` (JSON has neither NaN nor infinity)
numpy scalars (``np.float64(3.0)``)         the Python ``int`` / ``float`` / ``bool`` (``3.0``)
``pandas.Timestamp``, ``datetime``, date    ISO 8601 text: ``"2024-01-02T09:30:00"``
``pandas.Timedelta``, ``timedelta``         seconds, a ``float``
numpy arrays, lists, tuples, sets           lists (sets sorted when their items allow it)
dicts                                       dicts with text keys, values made plain
dataclasses                                 dicts of their fields
anything else (a ``Path``, an enum ...)     ``str(value)``
==========================================  ==============================================

A float stays a float (``3.0`` is not turned into ``3``): a column keeps one JSON type.

Examples
--------
>>> import numpy as np, pandas as pd
>>> plain({"n": np.int64(3), "x": np.float64(3.0), "inf": float("inf"), "na": pd.NA})
{'n': 3, 'x': 3.0, 'inf': None, 'na': None}
>>> plain([pd.Timestamp("2024-01-02 09:30"), pd.Timedelta(minutes=2), (1, 2)])
['2024-01-02T09:30:00', 120.0, [1, 2]]
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["dumps", "plain", "records"]


def plain(value: Any) -> Any:
    """``value`` as plain JSON data (see the module docstring for the rule).

    Examples
    --------
    >>> import numpy as np
    >>> plain(np.array([1.5, np.nan])), plain(np.bool_(True)), plain({1: -np.inf})
    ([1.5, None], True, {'1': None})
    """
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return int(value)  # an IntEnum or bool subclass becomes a plain int
    if isinstance(value, float):  # numpy float64 is a float subclass
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.generic):
        if isinstance(value, np.datetime64 | np.timedelta64):
            return plain(
                pd.Timestamp(value) if isinstance(value, np.datetime64) else pd.Timedelta(value)
            )
        return plain(value.item())
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, dt.timedelta):  # pd.Timedelta is a timedelta
        return plain(value.total_seconds())
    if isinstance(value, dt.date | dt.time):  # pd.Timestamp is a datetime, a datetime a date
        return value.isoformat()
    if isinstance(value, dict):
        return {_key(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray | pd.Series | pd.Index):
        return [plain(v) for v in (value.tolist() if hasattr(value, "tolist") else value)]
    if isinstance(value, set | frozenset):
        items = [plain(v) for v in value]
        try:
            return sorted(items)
        except TypeError:  # mixed types: keep the set's order
            return items
    if isinstance(value, pd.DataFrame):
        return records(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return str(value)


def _key(key: Any) -> str:
    # JSON keys are text; a None key reads as "null" the way json.dumps would write it.
    value = plain(key)
    if value is None:
        return "null"
    return value if isinstance(value, str) else json.dumps(value)


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of ``frame`` as a list of plain dicts (column name → :func:`plain` value).

    Examples
    --------
    >>> import pandas as pd
    >>> records(pd.DataFrame({"a": [1, 2], "b": [0.5, None]}))
    [{'a': 1, 'b': 0.5}, {'a': 2, 'b': None}]
    """
    columns = [_key(c) for c in frame.columns]
    return [
        dict(zip(columns, (plain(v) for v in row), strict=True))
        for row in frame.itertuples(index=False, name=None)
    ]


def dumps(value: Any, *, indent: int | None = 2) -> str:
    """``value`` as JSON text under the :func:`plain` rule (UTF-8 kept as written).

    Examples
    --------
    >>> dumps({"share": float("nan")}, indent=None)
    '{"share": null}'
    """
    return json.dumps(plain(value), indent=indent, ensure_ascii=False)
