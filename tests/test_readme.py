"""The README runs as written: every ```python block of README.md is executed.

Each block runs on its own (its own namespace, so it must import what it uses) in a fresh
folder holding what the README's readers have: ``demo-workspace`` (a small demo workspace,
copied from the session's) and ``helpdesk.csv`` (the real log in tests/data).  A block that
cannot run here is marked in the README by an HTML comment on the line before its fence,
``<!-- skip-test: the reason -->``, and is skipped with that reason.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
_FENCE = re.compile(r"^```(\w*)\s*$")
_SKIP = re.compile(r"^<!--\s*skip-test:\s*(.+?)\s*-->$")


@dataclass(frozen=True)
class Block:
    line: int  # of the first line of code, 1-based
    code: str
    skip: str | None


def python_blocks(text: str) -> list[Block]:
    """The ```python blocks of a Markdown text, with the skip reason marked before each."""
    blocks: list[Block] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        opening = _FENCE.match(lines[i])
        if not opening:
            i += 1
            continue
        end = next((j for j in range(i + 1, len(lines)) if lines[j].startswith("```")), None)
        if end is None:
            raise AssertionError(f"README.md:{i + 1}: a code fence that is never closed")
        if opening.group(1) == "python":
            before = lines[i - 1].strip() if i else ""
            marked = _SKIP.match(before)
            blocks.append(
                Block(i + 2, "\n".join(lines[i + 1 : end]) + "\n", marked and marked.group(1))
            )
        i = end + 1
    return blocks


def run_block(block: Block) -> dict:
    """Execute a block as a script; tracebacks name the README's own line numbers."""
    code = compile("\n" * (block.line - 1) + block.code, str(README), "exec")
    namespace: dict = {"__name__": "__readme__"}
    exec(code, namespace)
    return namespace


BLOCKS = python_blocks(README.read_text(encoding="utf-8"))


@pytest.fixture
def readme_folder(tmp_path, monkeypatch, web_workspace, data_dir):
    """A folder like the one the README's reader works in, as the current directory."""
    shutil.copytree(web_workspace, tmp_path / "demo-workspace")
    shutil.copy(data_dir / "helpdesk.csv", tmp_path / "helpdesk.csv")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_readme_has_python_blocks_that_run_here():
    assert len([b for b in BLOCKS if b.skip is None]) >= 2


@pytest.mark.parametrize("block", BLOCKS, ids=[f"README.md:{b.line}" for b in BLOCKS])
def test_readme_block_runs(block, readme_folder):
    if block.skip:
        pytest.skip(f"README.md:{block.line}: {block.skip}")
    run_block(block)


def test_blocks_are_found_with_their_skip_marks_and_line_numbers():
    text = (
        "# t\n"
        "```bash\necho no\n```\n"
        "```python\nx = 1\n```\n"
        "<!-- skip-test: needs pyspark -->\n"
        "```python\nimport pyspark\n```\n"
        "```\nplain\n```\n"
    )
    assert python_blocks(text) == [
        Block(6, "x = 1\n", None),
        Block(10, "import pyspark\n", "needs pyspark"),
    ]
    with pytest.raises(AssertionError, match="never closed"):
        python_blocks("```python\nx = 1\n")


def test_a_broken_block_fails_with_its_readme_line():
    with pytest.raises(NameError, match="jl") as caught:
        run_block(Block(40, "j = jl.Workspace.open('demo-workspace')\n", None))
    assert caught.traceback[-1].lineno + 1 == 40  # pytest counts lines from 0
    assert run_block(Block(3, "import journeylens as jl\nv = jl.__version__\n", None))["v"]
