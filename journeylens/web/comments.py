"""Comments: which targets (journey, touchpoint, activity, edge, case) a comment may name.

Shared by the pages (:mod:`journeylens.web.app`) and the JSON API (:mod:`journeylens.web.api`).
"""

from __future__ import annotations

from journeylens.errors import InputError
from journeylens.web import journey_views, views
from journeylens.web.data import WorkspaceData

__all__ = ["comment_target"]


def comment_target(data: WorkspaceData, kind: str, target: str, journey: str | None) -> None:
    """Check that a comment's target exists in this workspace (names come from the client)."""
    vocab = data.vocabulary()
    if journey:
        vocab.journey(journey)
    if kind == "journey":
        vocab.journey(target)
    elif kind == "activity":
        vocab.activity(target)
    elif kind == "edge":
        source, sep, dest = target.partition(" → ")
        if not sep:
            raise InputError("an edge target is 'SOURCE → TARGET'")
        for end in (source, dest):
            if end not in ("__start__", "__end__"):
                vocab.activity(end)
    elif kind == "touchpoint":
        if not journey:
            raise InputError("a touchpoint comment needs its journey")
        journey_views.check_touchpoint(data, journey, target)
    elif kind == "case":
        found = data.cached(("case-exists", target),
                            lambda ws: views.case_detail(ws, target) is not None)  # fmt: skip
        if not found:
            raise InputError(f"no case with id {target[:80]!r}")
    else:
        raise InputError("target_kind must be journey, touchpoint, activity, edge or case")
