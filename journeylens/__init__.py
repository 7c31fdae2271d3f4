"""journeylens: end-to-end customer journeys and process mining for service operations."""

from __future__ import annotations

from journeylens.errors import (
    ColumnNotFoundError,
    InputError,
    JourneylensError,
    WorkspaceError,
    WorkspaceLockedError,
)

__version__ = "0.1.0"

__all__ = [
    "ColumnNotFoundError",
    "InputError",
    "JourneylensError",
    "WorkspaceError",
    "WorkspaceLockedError",
    "__version__",
]
