"""The journeylens web app: a shared place to see and discuss process maps and journeys.

``journeylens serve -w DIR`` runs it (see ``docs/web.md``); :func:`create_app` builds the
Starlette application for tests or other ASGI servers.
"""

from journeylens.web.accounts import ROLES, User, Users
from journeylens.web.app import create_app

__all__ = ["ROLES", "User", "Users", "create_app"]
