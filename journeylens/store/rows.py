"""The one row of an aggregate query, typed as always there.

DuckDB's ``fetchone()`` returns ``None`` when a query yields no row, so its result type is
``tuple | None``.  An aggregate without ``GROUP BY`` (``SELECT count(*) ...``) always yields
one row; :func:`first_row` says so in one place instead of at every caller.
"""

from __future__ import annotations

from typing import Any

import duckdb

__all__ = ["first_row"]


def first_row(cursor: duckdb.DuckDBPyConnection) -> tuple[Any, ...]:
    """The next row of an executed query, which must have one.

    Examples
    --------
    >>> import duckdb
    >>> first_row(duckdb.connect().execute("SELECT count(*), max(x) FROM range(3) t(x)"))
    (3, 2)
    """
    row = cursor.fetchone()
    if row is None:
        # A bug in the query, not in the user's data: aggregates always return a row.
        raise AssertionError("the query returned no row; expected an aggregate's single row")
    return row
