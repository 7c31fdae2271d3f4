"""How the CLI prints a table: readable at 80 columns, numbers whole, long text wrapped.

Every command builds its tables with :func:`new_table` and prints them with
:func:`print_table`, which looks at the cells before rich lays the table out: a column whose
cells are all numbers (``1,234``, ``41.9%``, ``4.7 d``, ``-0.27``) is right-aligned and never
wrapped or cut; the other columns share what is left of the width, wrapping at spaces and
folding a long word instead of cutting it with ``…``.  Headers are human labels
(:func:`label`) whose words are never cut either.  The full values stay available with
``--json`` (and ``--csv`` where a command has it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

from journeylens.cli.common import out

__all__ = ["label", "new_table", "print_table"]

#: A text column is not made narrower than this (or its longest word, when shorter).
_TEXT_MIN = 12
_TEXT_FOLD = 8
_TEXT_FLOOR = 4

# A number as the CLI prints it, with an optional unit: 1,234  -0.27  41.9%  4.7 d  8.4 min.
_NUMBER = re.compile(r"[-+−]?(\d[\d,.]*|–|-)( ?(%|[a-zµ]{1,3}))?")

#: Labels of the column names the library's frames use, where ``name.replace("_", " ")``
#: would not read well.
_LABELS = {
    "case_id": "case",
    "duration_s": "duration",
    "handoffs_resource": "handoffs (resource)",
    "handoffs_department": "handoffs (department)",
    "first_activity": "first activity",
    "last_activity": "last activity",
    "median_s": "median",
    "mean_s": "mean",
    "p90_s": "p90",
    "n": "n",
    "n_responses": "responses",
    "n_journeys": "journeys",
    "instances": "journeys",
    "share_of_wait": "share of waiting",
    "per_month": "per month",
    "hours_per_month": "hours / month",
}


def label(name: str) -> str:
    """A column name of a library frame as a table header: ``median_wait_s`` → ``median wait``.

    Examples
    --------
    >>> label("median_wait_s"), label("case_id"), label("n_contacts")
    ('median wait', 'case', 'contacts')
    """
    if name in _LABELS:
        return _LABELS[name]
    text = name.removesuffix("_s") if name.endswith("_s") and len(name) > 2 else name
    text = text.removeprefix("n_") if text.startswith("n_") else text
    return text.replace("_", " ")


def new_table(*headers: str, title: str | None = None) -> Table:
    """A table in the CLI's style (a header rule, no vertical lines: more room for text).

    Examples
    --------
    >>> t = new_table("journey", "cases", title="journeys")
    >>> [c.header for c in t.columns]
    ['journey', 'cases']
    """
    return Table(
        *headers,
        title=title,
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        padding=(0, 1, 0, 0),  # with the blank column separator: two spaces between columns
        header_style="bold",
    )


def _is_number(cell: object) -> bool:
    return isinstance(cell, str) and (cell == "" or _NUMBER.fullmatch(cell) is not None)


def _text(cell: object) -> str:
    return cell.plain if isinstance(cell, Text) else str(cell)


def _longest_line(text: str) -> int:
    return max((cell_len(line) for line in text.splitlines()), default=0)


def _longest_word(text: str) -> int:
    return max((cell_len(w) for w in text.split()), default=0)


def _share(least: list[int], most: list[int], room: int) -> list[int]:
    """Widths from ``least`` up towards ``most``, sharing ``room`` evenly among the columns
    that still want more (a narrow column gets all it wants, a wide one the rest)."""
    widths = list(least)
    spare = room - sum(widths)
    while spare > 0:
        growing = [i for i, (w, m) in enumerate(zip(widths, most, strict=True)) if w < m]
        if not growing:
            break
        step = max(1, spare // len(growing))
        for i in growing:
            add = min(step, most[i] - widths[i], spare)
            widths[i] += add
            spare -= add
    return widths


def _frame(table: Table) -> int:
    """The table's width beyond its cells: separators and padding."""
    n = len(table.columns)
    return table._extra_width + sum(table._get_padding_width(i) for i in range(n))


def _lay_out(table: Table, width: int) -> None:
    """Set each column's alignment and, when the table is too wide, its width.

    Rich shrinks wide columns without looking at what is in them, so numbers and the words of
    headers get cut (``1,0…``, ``n_conta…``); here a number column keeps the width of its
    widest number and the header's longest word, and the text columns share the rest.
    """
    least, most, whole, text, cells_only = [], [], [], [], []
    for column in table.columns:
        cells = [_text(c) for c in column.cells]
        header = _text(column.header)
        words = _longest_word(header)
        if cells and all(_is_number(c) for c in cells):
            column.justify = "right"
            cells_only.append(max(cell_len(c) for c in cells))
            least.append(max(cells_only[-1], words))
            text.append(False)
        else:
            longest = max((_longest_word(c) for c in cells), default=0)
            least.append(max(words, min(longest, _TEXT_MIN)))
            cells_only.append(min(longest, _TEXT_MIN))
            text.append(True)
        column.overflow = "fold"  # a word longer than its column is folded, never cut
        column.no_wrap = False
        most.append(max([_longest_line(c) for c in cells] + [least[-1]]))
        whole.append(max(most[-1], _longest_line(header)))
    room = width - _frame(table)
    if sum(whole) <= room:
        return  # it fits: rich's own layout cuts nothing
    if sum(least) > room:
        # One space between columns rather than folding a header or a word.
        table.padding = (0, 0, 0, 0)
        room = width - _frame(table)
    # Too many columns even at their least: the headers of text columns fold down to their
    # cells' longest word, long words of text fold down to _TEXT_FOLD, the headers of number
    # columns down to their widest number; last the text columns fold further.  Never a number.
    floors = [
        [max(_TEXT_FLOOR, c) if t else w for t, c, w in zip(text, cells_only, least, strict=True)],
        [min(_TEXT_FOLD, c) if t else w for t, c, w in zip(text, cells_only, least, strict=True)],
        [min(_TEXT_FOLD, c) if t else c for t, c in zip(text, cells_only, strict=True)],
        [_TEXT_FLOOR if t else c for t, c in zip(text, cells_only, strict=True)],
    ]
    for floor in floors:
        while sum(least) > room:
            slack, widest = max(
                (w - f, i) for i, (w, f) in enumerate(zip(least, floor, strict=True))
            )
            if slack <= 0:
                break
            least[widest] -= 1
    # The cells first; headers get the room left over, else they wrap at their spaces.
    widths = _share(_share(least, most, room), whole, room)
    for column, w in zip(table.columns, widths, strict=True):
        column.width, column.min_width = w, None


def print_table(table: Table, *, console: Console | None = None, notes: Iterable[str] = ()) -> None:
    """Print ``table`` laid out for the console's width, then each of ``notes`` on a line.

    Examples
    --------
    >>> t = new_table("activity", "events")
    >>> t.add_row("Take in charge ticket", "4,280")
    >>> print_table(t)  # doctest: +NORMALIZE_WHITESPACE
     activity                events
     ─────────────────────────────
     Take in charge ticket    4,280
    """
    target = console or out
    _lay_out(table, target.width)
    target.print(table)
    for note in notes:
        target.print(note, highlight=False, markup=False)
