"""The physical floor: the least any import built on Arrow and DuckDB can take on this machine.

These steps are not journeylens.  Each is the bare minimum of one part of an import, written
straight against pyarrow and DuckDB, with none of journeylens's work: no sniffing, no column
detection, no timestamp-format detection, no trimming, no rejects, no checks, no derived
tables.  Measured beside pm4py in the same run (``python bench/run.py --groups floor``), their
ratios are the best an import or an import + DFG could reach here, whatever its design:

``floor.parse``
    ``pyarrow.csv.read_csv`` alone: multi-threaded, types inferred.
``floor.store``
    The parse, then the events written into a new DuckDB file: text columns with at most
    4,096 values as ``ENUM`` (the fastest layout to write, see ``docs/benchmarks.md``), the
    rest as parsed.
``floor.store_cases``
    ``floor.store``, plus the least case table #2 asks for at import: per case its first and
    last timestamp and activity and its number of events, in one group-by.
``floor.dfg``
    The parse, then the directly-follows arc counts by DuckDB straight from the Arrow table
    (cases and activities as integer codes, equal timestamps in file order), in memory:
    nothing stored, nothing checked.

They read the generated logs of ``bench/genlog.py``, whose case, activity and timestamp
columns are called ``case_id``, ``activity`` and ``timestamp``.
"""

from __future__ import annotations

import os
from typing import Any

ENUM_MAX = 4096


def _parse(path: str):
    import pyarrow as pa
    import pyarrow.csv as pacsv

    # The system allocator: Arrow's default pool (mimalloc) makes a process's first large
    # parse up to 2 s slower on this machine; the floor takes the faster.
    return pacsv.read_csv(path, memory_pool=pa.system_memory_pool())


def _store(table, db: str):
    import duckdb
    import pyarrow as pa
    import pyarrow.compute as pc

    cols = []
    for name in table.column_names:
        col = table[name]
        if name != "case_id" and pa.types.is_string(col.type):
            values = pc.unique(col).drop_null()
            if len(values) <= ENUM_MAX:
                enum = ", ".join("'" + v.replace("'", "''") + "'" for v in values.to_pylist())
                cols.append(f'CAST("{name}" AS ENUM({enum})) AS "{name}"')
                continue
        cols.append(f'"{name}"')
    if os.path.exists(db):
        os.remove(db)
    con = duckdb.connect(db)
    con.execute("SET preserve_insertion_order = false")
    con.register("_parsed", table)
    con.execute(f"CREATE TABLE events AS SELECT {', '.join(cols)} FROM _parsed")
    con.unregister("_parsed")
    return con


def parse(p: dict[str, Any], m: Any) -> dict[str, Any]:
    with m:
        table = _parse(p["path"])
    return {"events": table.num_rows}


def store(p: dict[str, Any], m: Any) -> dict[str, Any]:
    import duckdb

    db = p["workspace"] + ".duckdb"
    os.makedirs(os.path.dirname(db), exist_ok=True)
    with m:
        con = _store(_parse(p["path"]), db)
        con.close()
    return {"events": duckdb.connect(db).execute("SELECT count(*) FROM events").fetchone()[0]}


def store_cases(p: dict[str, Any], m: Any) -> dict[str, Any]:
    import duckdb

    db = p["workspace"] + ".duckdb"
    os.makedirs(os.path.dirname(db), exist_ok=True)
    with m:
        con = _store(_parse(p["path"]), db)
        con.execute(
            """CREATE TABLE cases AS SELECT case_id, min(timestamp) AS start,
                max(timestamp) AS "end", count(*) AS events,
                arg_min(activity, timestamp) AS first_activity,
                arg_max(activity, timestamp) AS last_activity
            FROM events GROUP BY case_id"""
        )
        con.close()
    con = duckdb.connect(db)
    events, cases = con.execute("SELECT sum(events), count(*) FROM cases").fetchone()
    return {"events": int(events), "cases": int(cases)}


def dfg(p: dict[str, Any], m: Any) -> dict[str, Any]:
    import duckdb
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    con = duckdb.connect()
    with m:
        table = _parse(p["path"])
        # Cases and activities as integer codes: the window sorts and carries 4-byte codes
        # instead of text (about 1.5 s less at 5M than the same query on the text columns).
        # Equal timestamps in a case keep their file order, as in pm4py and journeylens.
        case = pc.dictionary_encode(table["case_id"]).combine_chunks()
        activity = pc.dictionary_encode(table["activity"]).combine_chunks()
        coded = pa.table(
            {
                "c": case.indices,
                "t": table["timestamp"],
                "a": activity.indices,
                "r": pa.array(np.arange(table.num_rows)),
            }
        )
        con.register("_coded", coded)
        arcs = con.execute(
            """SELECT a, next, count(*) FROM (SELECT a,
                lead(a) OVER (PARTITION BY c ORDER BY t, r) AS next
                FROM _coded) WHERE next IS NOT NULL GROUP BY ALL"""
        ).fetchall()
        names = activity.dictionary.to_pylist()
        arcs = [(names[a], names[b], n) for a, b, n in arcs]
    return {
        "events": table.num_rows,
        "dfg_edges": len(arcs),
        "dfg_arcs": int(sum(n for _a, _b, n in arcs)),
    }


#: Step name -> function(params, measure) -> checks, merged into ``run.STEPS``.
STEPS = {
    "floor.parse": parse,
    "floor.store": store,
    "floor.store_cases": store_cases,
    "floor.dfg": dfg,
}
