"""WorkspaceStore.rejects_summary: the one rejects query behind the CLI and the web app."""

from __future__ import annotations

import json
import subprocess
import sys

from journeylens.web.views import data_quality
from journeylens.workspace import Workspace

ROWS = [
    "case,activity,timestamp,amount",
    "c1,Open,2024-01-01 09:00,1",
    "c1,Close,not a time,2",  # line 3: unparseable timestamp
    ",Open,2024-01-01 09:00,3",  # line 4: missing case id
    "c2,Open,yesterday,4",  # line 5: unparseable timestamp
    "c2,Close,2024-01-02 10:00,5",
]


def _workspace(tmp_path):
    src = tmp_path / "log.csv"
    src.write_text("\n".join(ROWS) + "\n")
    ws = Workspace.create(tmp_path / "ws")
    ws.import_events(src)
    return ws


def test_summary_counts_groups_and_lists_in_file_order(tmp_path):
    with _workspace(tmp_path) as ws:
        s = ws.rejects_summary()
        assert s["total"] == 3 == ws.info()["rejected_rows"]
        assert s["by_reason"] == {"unparseable timestamp": 2, "missing case id": 1}
        assert list(s["by_reason"]) == ["unparseable timestamp", "missing case id"]
        assert sum(r["rows"] for r in s["by_column"]) == 3
        assert [(r["line"], r["reason"], r["value"]) for r in s["rows"]] == [
            (3, "unparseable timestamp", "not a time"),
            (4, "missing case id", None),
            (5, "unparseable timestamp", "yesterday"),
        ]
        assert len(ws.rejects_summary(limit=1)["rows"]) == 1
        assert len(ws.rejects_summary(limit=0)["rows"]) == 3  # 0: all


def test_cli_and_web_show_the_same_rejects(tmp_path):
    _workspace(tmp_path).close()
    ws_dir = tmp_path / "ws"
    proc = subprocess.run(
        [sys.executable, "-m", "journeylens", "rejects", "-w", str(ws_dir), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    cli = json.loads(proc.stdout)
    with Workspace.open(ws_dir) as ws:
        web = data_quality(ws)
        lib = ws.rejects_summary()
    assert cli["by_reason"] == lib["by_reason"]
    assert [(r["line"], r["reason"]) for r in cli["rows"]] == [
        (r["line"], r["reason"]) for r in web["rejects"]
    ]
    assert web["reasons"] == lib["by_column"]


def test_export_writes_every_rejected_row(tmp_path):
    with _workspace(tmp_path) as ws:
        out = tmp_path / "it's rejects.csv"
        assert ws.export_rejects(out) == 3
        lines = out.read_text().splitlines()
        assert len(lines) == 4 and lines[0].startswith("source_id,row,line,reason")
