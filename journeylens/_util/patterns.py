"""Activity patterns: which activities a journey's touchpoint, a contact rule or a target names.

One rule, applied the same way in Python (:func:`matches`, on names) and in the database
(:func:`column_matches`, on an Ibis column), so a pattern picks the same activities in a
journey, in ``diagnose --contacts`` and in a ``case_causes`` target:

* ``re:<regex>`` — a regular expression, **as written**: case-sensitive, and found anywhere
  in the name unless anchored (``re:^T0[2-5] ``).  Write ``re:(?i)...`` to ignore case;
* any other pattern is a **glob**, matched against the **whole** name and **ignoring case**:
  ``*`` (any text), ``?`` (one character), ``[abc]``, ``[a-z]``, ``[!abc]`` (one character of
  / not of the set); without any of these it is an exact name (still ignoring case).

Why the case rule: globs and names are typed by people from what they read in a report, and
exported logs spell one activity in several cases across systems and years ("Customer Call:
…" and "Customer call: …"); ignoring case makes such a pattern do what its author meant.  A
regex is the tool for exact control, so it means exactly what it says, case included.

A regex must use the syntax both Python and the database engine (RE2) read: no look-arounds
and no back-references.

Examples
--------
>>> matches(["customer call*"], "Customer Call: where is my order?")
True
>>> matches(["re:^T0[2-5] "], "T06 Determine"), matches(["Order"], "Order placed")
(False, False)
>>> matches(["re:(?i)^order"], "ORDER placed"), matches(["re:order"], "ORDER placed")
(True, False)
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import Any

__all__ = ["REGEX_PREFIX", "check", "column_matches", "is_glob", "matches", "regex"]

#: Marks a pattern as a regular expression.
REGEX_PREFIX = "re:"

# Characters a regex reads specially; escaped when a glob means them literally.  Python and
# RE2 both read a backslash before punctuation as the character itself.
_SPECIAL = frozenset(".^$*+?()[]{}|\\")
_IN_SET = frozenset("\\[]^&~|")


def is_glob(pattern: str) -> bool:
    """Whether ``pattern`` has a glob wildcard (``*``, ``?`` or ``[``) and is not a regex.

    Examples
    --------
    >>> is_glob("Customer *"), is_glob("Order"), is_glob("re:^A*")
    (True, False, False)
    """
    return not pattern.startswith(REGEX_PREFIX) and any(ch in pattern for ch in "*?[")


def _glob(pattern: str) -> str:
    """The regex body of a glob (no anchors, no flags)."""
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        i += 1
        if c == "*":
            if not out or out[-1] != ".*":
                out.append(".*")
        elif c == "?":
            out.append(".")
        elif c == "[":
            j = i + (i < n and pattern[i] == "!")
            j += j < n and pattern[j] == "]"  # a "]" first in the set is a member
            while j < n and pattern[j] != "]":
                j += 1
            if j >= n:  # no closing bracket: a literal "["
                out.append("\\[")
                continue
            body, i = pattern[i:j], j + 1
            negate = body.startswith("!")
            body = body[1:] if negate else body
            members = "".join("\\" + ch if ch in _IN_SET else ch for ch in body)
            out.append(f"[{'^' if negate else ''}{members}]")
        else:
            out.append("\\" + c if c in _SPECIAL else c)
    return "".join(out)


def regex(pattern: str) -> str:
    """The regular expression (searched, in Python and RE2 syntax) that ``pattern`` means.

    Examples
    --------
    >>> regex("Customer call*"), regex("re:^T0[2-5] ")
    ('(?is)^(?:Customer call.*)$', '^T0[2-5] ')
    """
    if pattern.startswith(REGEX_PREFIX):
        return pattern[len(REGEX_PREFIX) :]
    return f"(?is)^(?:{_glob(pattern)})$"


@functools.lru_cache(maxsize=4096)
def _compiled(pattern: str) -> tuple[re.Pattern[str], bool]:
    # (regex, whole): a glob matches the whole name.  Python's "$" also matches before a
    # final newline, so the whole-name test is fullmatch on the body, not the anchored text.
    if pattern.startswith(REGEX_PREFIX):
        return re.compile(pattern[len(REGEX_PREFIX) :]), False
    return re.compile(_glob(pattern), re.IGNORECASE | re.DOTALL), True


def check(pattern: str) -> None:
    """Raise ``re.error`` when ``pattern`` is a regex Python cannot read."""
    _compiled(pattern)


def matches(patterns: Iterable[str], activity: str) -> bool:
    """Whether ``activity`` matches one of ``patterns`` (see the module docstring).

    Examples
    --------
    >>> matches(["Customer * where is my order?"], "Customer call: where is my order?")
    True
    >>> matches(["Fix[!e]*"], "Fixed"), matches(["Fix[!e]*"], "Fix it")
    (False, True)
    """
    for p in patterns:
        rx, whole = _compiled(p)
        if (rx.fullmatch(activity) if whole else rx.search(activity)) is not None:
            return True
    return False


def column_matches(column: Any, patterns: Iterable[str]) -> Any:
    """An Ibis boolean: ``column`` (text) matches one of ``patterns``; a null matches none.

    Examples
    --------
    >>> import ibis
    >>> t = ibis.memtable({"activity": ["Customer CALL: hi", "Call", None]})
    >>> t.select(m=column_matches(t.activity, ["customer call*"])).to_pandas().m.tolist()
    [True, False, False]
    """
    import ibis

    cond = ibis.literal(False)
    for p in patterns:
        cond = cond | column.re_search(regex(p))
    return cond.fill_null(False)
