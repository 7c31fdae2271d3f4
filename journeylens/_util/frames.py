"""pandas tables as Arrow IPC bytes and back, with the dtypes they were computed with.

Stored results (the journey store in the workspace file, the web app's result cache) must come
back equal to what was computed.  Arrow has no "Python object" type, so the positions of
object columns (``None`` for a missing customer id, lists of case ids, text) are kept in the
schema's metadata and restored on reading.
"""

from __future__ import annotations

import json

import pandas as pd
import pyarrow as pa

__all__ = ["from_ipc", "to_ipc"]

_OBJECTS = b"journeylens.object_columns"


def to_ipc(df: pd.DataFrame, *, index: bool = False) -> bytes:
    """``df`` as an Arrow IPC stream (its index too when ``index``).

    Examples
    --------
    >>> df = pd.DataFrame({"ids": [["c1", "c2"], ["c3"]], "who": ["ann", None]})
    >>> from_ipc(to_ipc(df)).equals(df)
    True
    """
    table = pa.Table.from_pandas(df, preserve_index=index)
    # Data columns keep their positions in the table; an index, when kept, comes after them.
    objects = [i for i, dtype in enumerate(df.dtypes) if pd.api.types.is_object_dtype(dtype)]
    meta = {**(table.schema.metadata or {}), _OBJECTS: json.dumps(objects).encode()}
    table = table.replace_schema_metadata(meta)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def from_ipc(data: bytes) -> pd.DataFrame:
    """The table :func:`to_ipc` wrote."""
    with pa.ipc.open_stream(pa.py_buffer(data)) as reader:
        table = reader.read_all()
    objects = json.loads((table.schema.metadata or {}).get(_OBJECTS, b"[]"))
    df = table.to_pandas()
    for i in objects:
        if pa.types.is_list(table.schema.field(i).type):
            df.isetitem(i, table.column(i).to_pylist())  # lists built by Arrow: ~10x faster
        else:
            values = df.iloc[:, i].astype(object)
            df.isetitem(i, values.where(values.notna(), None))
    return df
