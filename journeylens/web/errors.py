"""The one mapping from an exception a request raised to its HTTP status and message.

Both faces of the web app use it: the pages (:func:`journeylens.web.app.page`, an HTML error)
and the JSON API (:mod:`journeylens.web.api`, ``{"error": message}``), so one failure gets one
status and one message on both:

* :class:`~journeylens.web.data.Busy` (an import holds the workspace): **503**, retry later;
* :class:`~journeylens.errors.InputError` (a bad parameter; the message names the choices): **400**;
* any other :class:`~journeylens.errors.JourneylensError` (a damaged workspace ...): **500**
  with its message, which is written for users;
* anything else is a bug or an engine failure: **500** with a fixed sentence, and the
  traceback goes to the server log only — no traceback, SQL or engine text reaches a user.
"""

from __future__ import annotations

import logging

from journeylens.errors import InputError, JourneylensError
from journeylens.web.data import Busy

__all__ = ["INTERNAL", "http_error"]

log = logging.getLogger("journeylens.web")

#: What a user reads when the failure is not one of ours.
INTERNAL = "the analysis failed on an internal error; the server log has the details"


def http_error(error: Exception, *, path: str = "") -> tuple[int, str]:
    """The HTTP status and the user's message for ``error``, raised while serving ``path``.

    Examples
    --------
    >>> http_error(InputError("top must be 1-50, got 0"))
    (400, 'top must be 1-50, got 0')
    """
    if isinstance(error, Busy):
        return 503, str(error)
    if isinstance(error, InputError):
        return 400, str(error)
    if isinstance(error, JourneylensError):
        return 500, str(error)
    log.error("%s failed", path or "a request", exc_info=error)
    return 500, INTERNAL
