"""SQL text built by hand: identifier and literal quoting, and whether a table exists.

Most SQL goes through Ibis; the few statements written as text (imports, derived tables, the
journey store) quote every name with :func:`ident` and every text value with :func:`literal`
(or pass it as a ``?`` parameter), so no column name or path can end a string early.

:func:`has_table` is the one answer to "does the workspace hold this table": a table or view
of the database file's ``main`` schema.  **Temporary tables and views do not count**: they are
the scratch state of one connection (an import's staging, a journey frame), vanish with it,
and a temporary ``responses`` must never make a reader believe the workspace holds surveys.
"""

from __future__ import annotations

from typing import Any

__all__ = ["has_table", "ident", "literal"]


def ident(name: str) -> str:
    """``name`` as a quoted SQL identifier.

    Examples
    --------
    >>> print(ident("case id"), ident('a"b'))
    "case id" "a""b"
    """
    return '"' + str(name).replace('"', '""') + '"'


def literal(value: str) -> str:
    """``value`` as a quoted SQL text literal.

    Examples
    --------
    >>> literal("O'Brien.csv")
    "'O''Brien.csv'"
    """
    return "'" + str(value).replace("'", "''") + "'"


def has_table(con: Any, name: str) -> bool:
    """Whether the database file of ``con`` (a DuckDB connection) holds table or view ``name``.

    Temporary tables and views of the connection do not count (see the module docstring).

    Examples
    --------
    >>> import duckdb
    >>> con = duckdb.connect()
    >>> _ = con.execute("CREATE TEMP TABLE scratch (x INT)")
    >>> _ = con.execute("CREATE TABLE kept (x INT)")
    >>> has_table(con, "kept"), has_table(con, "scratch"), has_table(con, "missing")
    (True, False, False)
    """
    query = (
        "SELECT count(*) FROM ("
        "SELECT table_name AS name, database_name, schema_name, temporary FROM duckdb_tables() "
        "UNION ALL "
        "SELECT view_name, database_name, schema_name, temporary FROM duckdb_views()"
        ") WHERE name = ? AND schema_name = 'main' AND NOT temporary "
        "AND database_name = current_database()"
    )
    return bool(con.execute(query, [name]).fetchone()[0])
