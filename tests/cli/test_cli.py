"""The command line, run as a user would (``python -m journeylens``); kept to a few calls."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import duckdb

MESSY = [
    "Case ID;Activity;Complete Timestamp;Resource;Amount;Region",
    "C1;Öffnen;31/12/2023 10:00;Zoë;1,5;Köln",
    "C1;Prüfen;2024-01-02 11:30:00;?;2,25;Köln",
    ";Prüfen;2024-01-02 12:00:00;Ann;3;Köln",  # line 4: missing case id
    "C2;Öffnen;not a date;Bob;?;München",  # line 5: unparseable timestamp
    "C2;Prüfen;2024-01-02 13:00:00;Bob;4;München;extra",  # line 6: malformed
    "C2;Schließen;02/01/2024 09:15;Bob;4,75;München",
    "C3;Prüfen;2024-01-04 08:00:00;Eve;7,5;Wien",
    "C3;Schließen;2024-01-0",  # line 9: truncated
]


def cli(*args: str | Path, cwd: Path | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "journeylens", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        cwd=cwd,
    )


def run(*args: str | Path, code: int = 0) -> subprocess.CompletedProcess[str]:
    proc = cli(*args)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == code, f"exit {proc.returncode}\n{stdout}\n{stderr}"
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)


def test_init_import_info_rejects_export(tmp_path):
    ws = tmp_path / "ws"
    source = tmp_path / "messy.csv"
    source.write_bytes("\n".join(MESSY).encode("latin-1"))

    assert "created workspace" in run("init", ws).stdout
    assert (ws / "journeylens.yaml").is_file()

    report = json.loads(run("import", source, "-w", ws, "--case-id", "Case ID", "--json").stdout)
    assert (report["rows_read"], report["loaded"], report["rejected"]) == (8, 4, 4)
    assert report["reasons"] == {
        "missing case id": 1,
        "unparseable timestamp": 1,
        "malformed line": 2,
    }
    assert report["options"]["encoding"] == "latin-1"

    # Read-only commands can share the workspace: run them side by side.
    out_csv = tmp_path / "rejects.csv"
    out_pq = tmp_path / "events.data"
    procs = [
        cli("info", "-w", ws, "--json"),
        cli("rejects", "-w", ws, "--json"),
        cli("rejects", "-w", ws, "-o", out_csv),
        cli("export", out_pq, "-w", ws, "--format", "parquet"),
    ]
    results = [(p.communicate(timeout=120), p.returncode) for p in procs]
    for (stdout, stderr), code in results:
        assert code == 0, f"{stdout}\n{stderr}"
    info_out, rejects_out, rejects_csv_out, export_out = (r[0][0] for r in results)

    info = json.loads(info_out)
    assert (info["cases"], info["events"], info["activities"], info["rejected_rows"]) == (
        3,
        4,
        3,
        4,
    )
    assert info["case_attributes"] == ["Region"]

    rejects = json.loads(rejects_out)
    assert rejects["total"] == 4
    assert rejects["by_reason"]["malformed line"] == 2
    # In file order: line numbers of the source file.
    assert [(r["line"], r["reason"], r["column"], r["value"]) for r in rejects["rows"]] == [
        (4, "missing case id", "Case ID", None),
        (5, "unparseable timestamp", "Complete Timestamp", "not a date"),
        (6, "malformed line", None, None),
        (9, "malformed line", None, None),
    ]

    assert "wrote 4 rejected rows" in rejects_csv_out
    with out_csv.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["line"] for r in rows] == ["4", "5", "6", "9"]
    assert rows[1]["value"] == "not a date"
    assert rows[3]["raw"] == MESSY[-1]

    assert "wrote" in export_out
    con = duckdb.connect()
    got = con.execute(
        f"SELECT case_id, activity, Amount FROM read_parquet('{out_pq}') ORDER BY ALL"
    ).fetchall()
    con.close()
    assert got == [
        ("C1", "Prüfen", 2.25),
        ("C1", "Öffnen", 1.5),
        ("C2", "Schließen", 4.75),
        ("C3", "Prüfen", 7.5),
    ]


def test_errors_exit_1_with_a_message_and_usage_errors_exit_2(tmp_path):
    unknown = tmp_path / "events.json"
    unknown.write_text("{}")
    broken = tmp_path / "broken.xes"
    broken.write_text("<log><trace><event>")
    # Started together: each costs about a second of interpreter start-up.
    procs = {
        "unknown": cli("import", unknown, "-w", tmp_path / "ws1"),
        "broken": cli("import", broken, "-w", tmp_path / "ws2"),
        "option": cli("import", broken, "-w", tmp_path / "ws3", "--lifecycle", "sometimes"),
    }
    results = {k: (p.communicate(timeout=120), p.returncode) for k, p in procs.items()}

    (_, err), code = results["unknown"]
    assert code == 1
    assert "error: " in err
    assert "cannot tell the file format" in err
    assert "Traceback" not in err

    (_, err), code = results["broken"]
    assert code == 1
    assert "broken.xes" in err
    assert "no events found" in err
    assert "Traceback" not in err

    (_, err), code = results["option"]
    assert code == 2
    assert "--lifecycle" in err
    assert "Traceback" not in err
