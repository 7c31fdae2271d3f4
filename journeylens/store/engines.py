"""Engines: where the Ibis expressions run.

DuckDB (embedded, the workspace's own file) is the default.  PySpark is the scale-out engine:
the canonical events, exported to Parquet (``journeylens export events.parquet``) or written
there by any pipeline, are read by Spark into the *same* canonical table, and every analysis
function runs on it unchanged, because the analyses are written once as Ibis expressions.
"""

from __future__ import annotations

import os
from typing import Any

import ibis

from journeylens import schema
from journeylens.errors import InputError, JourneylensError

__all__ = ["spark_events", "spark_session"]


def spark_session(*, master: str = "local[2]", driver_memory: str = "2g") -> Any:
    """A SparkSession set up for journeylens: UTC session time zone, no UI.

    Requires the ``spark`` extra (``pip install 'journeylens[spark]'``) and a Java runtime.
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise JourneylensError(
            "PySpark is not installed; install it with pip install 'journeylens[spark]'"
        ) from None
    session = (
        SparkSession.builder.master(master)
        .appName("journeylens")
        .config("spark.ui.enabled", "false")
        # Canonical timestamps are naive UTC: Spark must not shift them to the JVM's zone.
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.memory", driver_memory)
        .config("spark.sql.shuffle.partitions", "8")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session


def spark_events(path: str | os.PathLike[str], *, session: Any = None) -> ibis.Table:
    """Read canonical events from Parquet with PySpark, as an Ibis table.

    Parameters
    ----------
    path
        A Parquet file or folder holding canonical events (e.g. written by
        ``Workspace.export(..., format="parquet")``).
    session
        An existing SparkSession; one is created with :func:`spark_session` when omitted.

    Examples
    --------
    >>> from journeylens.store.engines import spark_events  # doctest: +SKIP
    >>> events = spark_events("events.parquet")  # doctest: +SKIP
    >>> journeylens.discover_dfg(events)  # doctest: +SKIP
    """
    con = ibis.pyspark.connect(session or spark_session())
    table = con.read_parquet(str(path))
    missing = [c for c in schema.CANONICAL if c not in table.columns]
    if missing:
        raise InputError(
            f"{path}: not canonical journeylens events; missing columns {missing}; "
            f"found {list(table.columns)}. Write it with `journeylens export --format parquet`."
        )
    return table
