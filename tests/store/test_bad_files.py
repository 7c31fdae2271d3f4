"""Malformed files: each becomes a clear error (file, where, what, the fix) or counted rejects.

Every file is generated here from a short spec.  Through the CLI, a refused file exits 1 with
one ``error:`` line, never a traceback or engine text, and leaves the workspace as it was.
"""

from __future__ import annotations

import gzip
import io
import os
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from journeylens.cli.main import main
from journeylens.errors import InputError
from journeylens.workspace import Workspace

HEADER = "case,activity,timestamp"


def good_csv(rows: int = 12, *, extra: str = "", value: str = "") -> str:
    """A small valid event log; ``extra`` is a header suffix and ``value`` its row suffix."""
    lines = [HEADER + extra]
    lines += [f"c{i // 3},a{i % 3},2024-01-0{1 + i % 3} 10:00:00{value}" for i in range(rows)]
    return "\n".join(lines) + "\n"


def _zip(files: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, text in files.items():
            z.writestr(name, text)
    return buf.getvalue()


def _xes(traces: int) -> str:
    body = "".join(
        f'<trace><string key="concept:name" value="c{t}"/>'
        + "".join(
            f'<event><string key="concept:name" value="a{e}"/>'
            f'<date key="time:timestamp" value="2024-01-0{1 + e}T10:00:00.000+00:00"/></event>'
            for e in range(4)
        )
        + "</trace>\n"
        for t in range(traces)
    )
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<log xes.version="1.0">\n{body}</log>\n'


def _truncated_xes() -> bytes:
    text = _xes(8)
    cut = text.index("</trace>", len(text) // 2) + len("</trace>")
    return text[:cut].encode()


#: name -> (file bytes, a phrase the error must hold).
BAD: dict[str, tuple[Callable[[], bytes], str]] = {
    "nul_value.csv": (lambda: good_csv().replace("a1,", "a\x001,", 1).encode(), "NUL byte"),
    "nul_header.csv": (lambda: good_csv().replace("activity", "acti\x00vity").encode(), "header"),
    "truncated.csv.gz": (lambda: gzip.compress(good_csv(400).encode())[:200], "truncated"),
    "corrupt.csv.gz": (lambda: b"\x1f\x8b\x08\x00" + b"garbage" * 20, "damaged"),
    "plain.csv.gz": (lambda: good_csv(15).encode(), "not gzip-compressed"),
    "two.zip": (lambda: _zip({"a.csv": good_csv(), "b.csv": good_csv()}), "a.csv, b.csv"),
    "truncated.xes": (_truncated_xes, "truncated"),
    "empty.csv": (lambda: b"", "is empty"),
    "header_only.csv": (lambda: (HEADER + "\n").encode(), "has a header but no rows"),
}


def _cli(argv: list[str], monkeypatch, capsys) -> tuple[int, str]:
    monkeypatch.setattr(sys, "argv", ["journeylens", *argv])
    with pytest.raises(SystemExit) as exit_:
        main()
    return int(exit_.value.code or 0), capsys.readouterr().err


@pytest.fixture
def ws_dir(tmp_path):
    """A workspace holding one good import, and a snapshot of its state."""
    (tmp_path / "good.csv").write_text(good_csv())
    ws = Workspace.create(tmp_path / "ws")
    ws.import_events(tmp_path / "good.csv")
    ws.close()
    return tmp_path / "ws"


def _state(path: Path) -> tuple[str, dict]:
    ws = Workspace.open(path)
    try:
        info = ws.info()
        info.pop("workspace")
        return (path / "journeylens.yaml").read_text(), info
    finally:
        ws.close()


def _refused(path: Path, ws_dir: Path, phrase: str, monkeypatch, capsys) -> str:
    before = _state(ws_dir)
    code, err = _cli(["import", str(path), "-w", str(ws_dir)], monkeypatch, capsys)
    assert code == 1, err
    assert err.startswith("error: ") and phrase in err, err
    for engine_text in ("Traceback", "LINE 1", "TransactionContext", "panicked", "SELECT"):
        assert engine_text not in err, err
    assert _state(ws_dir) == before
    return err


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_file_is_refused_clearly(name, tmp_path, ws_dir, monkeypatch, capsys):
    make, phrase = BAD[name]
    path = tmp_path / name
    path.write_bytes(make())
    err = _refused(path, ws_dir, phrase, monkeypatch, capsys)
    assert name in err


def test_nul_error_names_row_and_column(tmp_path):
    path = tmp_path / "nul.csv"
    path.write_bytes(good_csv().replace("a2,", "a\x002,", 1).encode())
    with pytest.raises(InputError, match=r"row 3 \(line 4.*column 'activity'"):
        Workspace.create(tmp_path / "ws").import_events(path)


def test_zip_with_one_csv_is_imported(tmp_path):
    path = tmp_path / "export.zip"
    path.write_bytes(_zip({"export/log.csv": good_csv(), "__MACOSX/._log.csv": "x"}))
    report = Workspace.create(tmp_path / "ws").import_events(path)
    assert (report.loaded, report.options["member"]) == (12, "export/log.csv")


def test_complete_xes_still_loads(tmp_path):
    path = tmp_path / "ok.xes"
    path.write_text(_xes(8))
    assert Workspace.create(tmp_path / "ws").import_events(path).loaded == 32


def test_reserved_and_case_colliding_names_are_renamed(tmp_path):
    path = tmp_path / "names.parquet"
    table = pa.table(
        {
            "case": ["c1", "c1", "c2"],
            "activity": ["a", "b", "a"],
            "timestamp": ["2024-01-01 10:00", "2024-01-01 11:00", "2024-01-02 10:00"],
            "__jl_row": ["x", "y", "z"],
            "Note": ["p", "q", "r"],
            "note": ["s", "t", "u"],
        }
    )
    pq.write_table(table, path)
    ws = Workspace.create(tmp_path / "ws")
    report = ws.import_events(path)
    assert report.options["renamed"] == {"__jl_row": "jl_row", "note": "note_2"}
    assert any("'note' renamed to 'note_2'" in w for w in report.warnings)
    got = ws.con.execute("SELECT jl_row, Note, note_2 FROM events ORDER BY jl_row").fetchall()
    assert got == [("x", "p", "s"), ("y", "q", "t"), ("z", "r", "u")]


def test_case_spelling_of_an_earlier_source_is_kept(tmp_path):
    first, second = tmp_path / "one.csv", tmp_path / "two.csv"
    first.write_text(good_csv(extra=",Priority", value=",high"))
    second.write_text(good_csv(extra=",priority", value=",low").replace("\nc", "\nd"))
    ws = Workspace.create(tmp_path / "ws")
    ws.import_events(first)
    report = ws.import_events(second)
    assert report.loaded == 12 and any("'priority' renamed" in w for w in report.warnings)
    counts = ws.con.execute('SELECT "Priority", count(*) FROM events GROUP BY 1 ORDER BY 1')
    assert counts.fetchall() == [("high", 12), ("low", 12)]


def test_not_a_file_is_named(tmp_path, ws_dir, monkeypatch, capsys):
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    _refused(folder, ws_dir, "is a folder, not a file", monkeypatch, capsys)
    loop = tmp_path / "loop.csv"
    loop.symlink_to(loop)
    _refused(loop, ws_dir, "loops back on itself", monkeypatch, capsys)
    dangling = tmp_path / "gone.csv"
    dangling.symlink_to(tmp_path / "nowhere.csv")
    _refused(dangling, ws_dir, "which does not exist", monkeypatch, capsys)
    if hasattr(os, "mkfifo"):
        fifo = tmp_path / "pipe.csv"
        os.mkfifo(fifo)
        _refused(fifo, ws_dir, "named pipe", monkeypatch, capsys)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file_is_named(tmp_path, ws_dir, monkeypatch, capsys):
    path = tmp_path / "secret.csv"
    path.write_text(good_csv())
    path.chmod(0)
    _refused(path, ws_dir, "permission denied", monkeypatch, capsys)


# -- encodings ---------------------------------------------------------------------------


def _activities(ws: Workspace) -> set[str]:
    return {r[0] for r in ws.con.execute("SELECT DISTINCT activity FROM events").fetchall()}


@pytest.mark.parametrize("given", [None, "cp1252", "windows-1252"])
def test_windows_1252_reads_its_own_characters(tmp_path, given):
    path = tmp_path / "win.csv"
    path.write_bytes(good_csv().replace("a1", "Preis \u20ac \u201cok\u201d").encode("cp1252"))
    ws = Workspace.create(tmp_path / "ws")
    report = ws.import_events(path, encoding=given)
    assert report.options["encoding"] == "cp1252"
    assert "Preis \u20ac \u201cok\u201d" in _activities(ws)


def test_utf16_with_bom_is_detected(tmp_path):
    path = tmp_path / "u16.csv"
    path.write_bytes(good_csv().replace("a1", "Stra\u00dfe").encode("utf-16"))
    ws = Workspace.create(tmp_path / "ws")
    report = ws.import_events(path)
    assert (report.options["encoding"], report.loaded) == ("utf-16", 12)
    assert "Stra\u00dfe" in _activities(ws)


def test_one_bad_byte_in_utf8_names_line_and_offset(tmp_path, ws_dir, monkeypatch, capsys):
    text = good_csv(15).replace("a1", "caf\u00e9").encode()
    offset = text.index(b"a2", text.index(b"a2") + 1)  # the second a2: line 7
    path = tmp_path / "bad.csv"
    path.write_bytes(text[: offset + 1] + b"\xff" + text[offset + 1 :])
    err = _refused(path, ws_dir, "line 7, byte offset", monkeypatch, capsys)
    assert f"byte offset {offset + 1}" in err and "--encoding latin-1" in err
    report = Workspace.open(ws_dir, read_only=False).import_events(path, encoding="latin-1")
    assert report.loaded == 15


@pytest.mark.parametrize("fmt", ["%Q", "%Y-%m-%d %"])
def test_invalid_timestamp_format_is_named(fmt, tmp_path, ws_dir, monkeypatch, capsys):
    path = tmp_path / "log.csv"
    path.write_text(good_csv(14))
    before = _state(ws_dir)
    argv = ["import", str(path), "-w", str(ws_dir), "--timestamp-format", fmt]
    code, err = _cli(argv, monkeypatch, capsys)
    assert code == 1 and f"invalid --timestamp-format {fmt!r}" in err and "log.csv" in err, err
    assert "Traceback" not in err and "Error:" not in err
    assert _state(ws_dir) == before


def test_info_survives_a_timestamp_past_year_9999(ws_dir, monkeypatch, capsys):
    # A workspace imported before year-10000 rows were rejected holds one; info must not crash.
    ws = Workspace.open(ws_dir, read_only=False)
    ws.con.execute(
        "UPDATE events SET timestamp = TIMESTAMP '10000-01-02 10:00:00' "
        "WHERE event_index = (SELECT max(event_index) FROM events)"
    )
    assert ws.info()["last_event"].startswith("10000-01-02")
    ws.close()
    code, _ = _cli(["info", "-w", str(ws_dir), "--json"], monkeypatch, capsys)
    assert code == 0


@pytest.mark.slow
def test_a_csv_of_3000_columns_imports(tmp_path):
    # One type-detection query over 10,000 columns ran for minutes; in batches it finishes.
    n = 3000
    header = HEADER + "".join(f",attr{i}" for i in range(n))
    lines = [
        f"c{r // 3},a{r % 3},2024-01-0{1 + r % 3} 10:00:00"
        + "".join(f",{r * i % 7}" if i % 2 else f",x{i}" for i in range(n))
        for r in range(30)
    ]
    path = tmp_path / "wide.csv"
    path.write_text(header + "\n" + "\n".join(lines) + "\n")
    ws = Workspace.create(tmp_path / "ws")
    assert ws.import_events(path).loaded == 30
    info = ws.info()
    assert len(info["event_attributes"]) + len(info["case_attributes"]) == n
    got = ws.con.execute("SELECT typeof(attr1), CAST(attr2 AS VARCHAR) FROM events LIMIT 1")
    assert got.fetchone() == ("BIGINT", "x2")


# -- unexpected failures -----------------------------------------------------------------


def _engine_failure(*_args, **_kwargs):
    import duckdb

    raise duckdb.TransactionException(
        "TransactionContext Error: Current transaction is aborted\n\nLINE 1: SELECT * FROM x"
    )


def test_unexpected_engine_error_is_one_plain_sentence(tmp_path, ws_dir, monkeypatch, capsys):
    from journeylens.store import ingest

    monkeypatch.setattr(ingest, "canonicalise", _engine_failure)
    path = tmp_path / "log.csv"
    path.write_text(good_csv(13))
    err = _refused(path, ws_dir, "the workspace is unchanged", monkeypatch, capsys)
    assert str(path) in err and "TransactionException" in err
    log = Path(err.split("The details are in ")[1].split(";")[0])
    assert "Current transaction is aborted" in log.read_text()
    log.unlink()
    monkeypatch.setattr(
        sys, "argv", ["journeylens", "--debug", "import", str(path), "-w", str(ws_dir)]
    )
    with pytest.raises(Exception, match="Current transaction is aborted"):
        main()


def test_engine_error_while_reading_is_an_input_error(tmp_path, monkeypatch):
    from journeylens.store import readers

    monkeypatch.setattr(readers, "_stage_csv", _engine_failure)
    path = tmp_path / "log.csv"
    path.write_text(good_csv())
    with pytest.raises(InputError, match=r"log\.csv: could not be read as csv") as caught:
        Workspace.create(tmp_path / "ws").import_events(path)
    assert "LINE 1" not in str(caught.value) and "SELECT" not in str(caught.value)


def test_import_source_is_found_on_the_command_line():
    from journeylens.cli.main import _import_source

    assert _import_source(["import", "-w", "ws", "--json", "a.csv", "--case", "id"]) == "a.csv"
    assert _import_source(["voice", "import", "--kind=responses", "s.csv"]) == "s.csv"
    assert _import_source(["info", "-w", "ws"]) is None
