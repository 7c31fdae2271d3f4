"""The one exception tree of journeylens.

Every error we raise on purpose derives from :class:`JourneylensError`; errors caused by the
user's input also derive from :class:`ValueError`, so generic ``except ValueError`` code keeps
working.  Messages say what was expected, what was found, and how to fix it.
"""

from __future__ import annotations

__all__ = [
    "ColumnNotFoundError",
    "InputError",
    "JourneylensError",
    "WorkspaceError",
    "WorkspaceLockedError",
]


def option_for(role: str) -> str:
    """The ``journeylens import`` option that sets a role's column."""
    return {"case_id": "--case", "lifecycle": "--lifecycle-column"}.get(
        role, "--" + role.replace("_", "-")
    )


class JourneylensError(Exception):
    """Base class of every error journeylens raises on purpose."""


class InputError(JourneylensError, ValueError):
    """The user's input (a file, a mapping, an option) cannot be used as given."""


class ColumnNotFoundError(InputError):
    """A mapped column does not exist; the message lists the available columns."""

    def __init__(self, role: str, name: str, available: list[str], *, source: str = "") -> None:
        where = f" in {source}" if source else ""
        shown = ", ".join(repr(c) for c in available)
        super().__init__(
            f"column {name!r} for the {role} was not found{where}; "
            f"available columns: {shown}. Pass {option_for(role)} with one of them."
        )
        self.role = role
        self.name = name
        self.available = available


class WorkspaceError(JourneylensError):
    """A workspace is missing, damaged or cannot be used."""


class WorkspaceLockedError(WorkspaceError):
    """Another process holds the workspace for writing."""
