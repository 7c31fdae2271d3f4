"""Numbers for people: the one way journeylens writes durations, shares and counts.

The CLI's tables, the web pages, the report and the diagnosis' sentences all format through
these functions (registered as the ``dur``/``duration``, ``pct`` and ``num`` Jinja filters), so
one figure reads the same on every face:

* **shares** (:func:`share`): below 10% with one decimal (``1.4%``), from 10% whole (``41%``);
  exactly 0 is ``0%`` and a nonzero share that would round to zero is ``<0.1%`` — small shares
  are where one decimal carries the information, large ones read better whole;
* **counts** (:func:`count`): with thousands separators (``12,345``);
* **durations** (:func:`duration`): the unit a process analyst reads (``3.2 d``, ``12 min``),
  one decimal under ten units;
* a missing value (``None``, NaN, ``pd.NA``) is ``–`` in all three.

:func:`exact_duration` is the other direction's text: the shortest duration
:func:`journeylens.mining.filters.parse_duration` reads back exactly (``90min``), used where a
duration is written to ``journeylens.yaml``.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

__all__ = ["MISSING", "count", "duration", "exact_duration", "number", "share"]

#: What a missing value prints as.
MISSING = "–"


def _missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    try:
        return math.isnan(value)
    except TypeError:
        return False


def share(value: Any) -> str:
    """A share (0.412 = 41.2%) as people read it: ``41%``, ``1.4%``, ``0%``, ``<0.1%``.

    Examples
    --------
    >>> share(0.412), share(0.014), share(0.1), share(0), share(0.0004), share(None)
    ('41%', '1.4%', '10%', '0%', '<0.1%', '–')
    >>> share(-0.05), share(1.5)
    ('-5.0%', '150%')
    """
    if _missing(value):
        return MISSING
    pct = 100 * float(value)
    if pct == 0:
        return "0%"
    if abs(pct) < 0.05:
        return "<0.1%" if pct > 0 else ">-0.1%"
    if abs(round(pct, 1)) < 10:
        return f"{pct:.1f}%"
    return f"{pct:.0f}%"


def count(value: Any) -> str:
    """A count with thousands separators: ``12,345`` (a float is rounded to a whole number).

    Examples
    --------
    >>> count(12345), count(2.6), count(None)
    ('12,345', '3', '–')
    """
    if _missing(value):
        return MISSING
    return f"{float(value):,.0f}" if isinstance(value, float) else f"{int(value):,}"


def number(value: Any, digits: int = 0) -> str:
    """A number with thousands separators and ``digits`` decimals: ``1,234.5``.

    Examples
    --------
    >>> number(1234.5, 1), number(2.25, 2), number(None)
    ('1,234.5', '2.25', '–')
    """
    if _missing(value):
        return MISSING
    return f"{float(value):,.{digits}f}"


def duration(seconds: Any) -> str:
    """Format a duration in seconds the way a process analyst reads it.

    Values under ten units get one decimal, larger ones none.

    Examples
    --------
    >>> duration(276480), duration(14760), duration(720), duration(42)
    ('3.2 d', '4.1 h', '12 min', '42 s')
    >>> duration(None)
    '–'
    """
    if _missing(seconds):
        return MISSING
    value, unit = float(seconds), "s"
    for name, size in (("y", 365 * 86400), ("d", 86400), ("h", 3600), ("min", 60)):
        if abs(value) >= size:
            value, unit = value / size, name
            break
    return f"{value:.1f} {unit}" if abs(value) < 10 else f"{value:.0f} {unit}"


def exact_duration(seconds: float | None) -> str | None:
    """Seconds as the shortest exact duration text :func:`~journeylens.mining.filters.parse_duration` reads.

    Examples
    --------
    >>> exact_duration(864000), exact_duration(5400), exact_duration(600), exact_duration(7)
    ('10d', '90min', '10min', '7s')
    """
    if seconds is None:
        return None
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{int(seconds)}s" if float(seconds).is_integer() else f"{seconds}s"
