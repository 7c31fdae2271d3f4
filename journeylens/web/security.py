"""Who may use the app: the start-up token, sign-in, signed session cookies and CSRF checks.

* On loopback the app prints a link carrying a random token (as Jupyter does).  Opening it
  exchanges the token for a signed session cookie (role admin) and redirects to the same page
  without the token, so it does not linger in the address bar or in Referer headers.
* With accounts (``users.yaml``), people sign in with name and password instead.  Bound to
  any other interface than loopback the token is off and accounts are required.
* The session cookie is signed (itsdangerous, a secret drawn at start-up: restarting the app
  signs everybody out), HttpOnly, SameSite=Lax, and holds the user, the role and a CSRF token.
* Every state-changing request (POST, PUT, PATCH, DELETE) must repeat that CSRF token in the
  ``X-CSRF-Token`` header (htmx sends it for every request from the page); else 403.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from journeylens.web.accounts import Role, role_allows

__all__ = ["COOKIE", "Session", "SessionAuth", "is_loopback"]

COOKIE = "journeylens_session"
CSRF_HEADER = "x-csrf-token"
SESSION_SECONDS = 12 * 3600
_UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
#: Paths that answer without a session (assets and the sign-in form).
_PUBLIC = ("/static/", "/login", "/favicon.ico")


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach.

    Examples
    --------
    >>> is_loopback("127.0.0.1"), is_loopback("localhost"), is_loopback("0.0.0.0")
    (True, True, False)
    """
    import ipaddress

    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Session:
    user: str
    role: Role
    csrf: str

    def allows(self, needed: Role) -> bool:
        return role_allows(self.role, needed)


class Signer:
    """Signs and checks session cookies with a secret drawn when the app starts."""

    def __init__(self, secret: str | None = None):
        self._s = URLSafeTimedSerializer(secret or secrets.token_urlsafe(32), salt="session")

    def dump(self, session: Session) -> str:
        return self._s.dumps({"u": session.user, "r": session.role, "c": session.csrf})

    def load(self, cookie: str | None) -> Session | None:
        if not cookie:
            return None
        try:
            data: Any = self._s.loads(cookie, max_age=SESSION_SECONDS)
        except BadSignature:  # also covers expired signatures
            return None
        if not isinstance(data, dict) or not {"u", "r", "c"} <= set(data):
            return None
        return Session(str(data["u"]), data["r"], str(data["c"]))


def new_session(user: str, role: Role) -> Session:
    return Session(user, role, secrets.token_urlsafe(24))


def set_cookie(response: Response, signer: Signer, session: Session, *, secure: bool) -> None:
    response.set_cookie(
        COOKIE, signer.dump(session), max_age=SESSION_SECONDS, httponly=True,
        samesite="lax", secure=secure, path="/",
    )  # fmt: skip


class SessionAuth(BaseHTTPMiddleware):
    """Attach ``request.state.session``; refuse requests without one, and unsafe ones without
    the session's CSRF token."""

    def __init__(self, app: Any, *, signer: Signer, token: str | None, secure: bool):
        super().__init__(app)
        self.signer, self.token, self.secure = signer, token, secure

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await self._dispatch(request, call_next)
        return secure_headers(response)

    async def _dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        path = request.url.path
        given = request.query_params.get("token")
        if given is not None and request.method == "GET":
            if self.token and hmac.compare_digest(given.encode(), self.token.encode()):
                rest = {k: v for k, v in request.query_params.multi_items() if k != "token"}
                target = path + ("?" + urlencode(rest) if rest else "")
                response = RedirectResponse(target, status_code=303)
                set_cookie(response, self.signer, new_session("local", "admin"),
                           secure=self.secure)  # fmt: skip
                return response
            return _refuse(request, 401, "that token is not valid (the app may have restarted)")
        session = self.signer.load(request.cookies.get(COOKIE))
        request.state.session = session
        if path.startswith(_PUBLIC):
            return await call_next(request)
        if session is None:
            return _refuse(request, 401, "sign in, or open the link printed by journeylens serve")
        if request.method in _UNSAFE:
            sent = request.headers.get(CSRF_HEADER, "")
            if not hmac.compare_digest(sent.encode(), session.csrf.encode()):
                return _refuse(request, 403, "missing or wrong CSRF token; reload the page")
        return await call_next(request)


def secure_headers(response: Response) -> Response:
    """No inline scripts, no framing, no referrer (the token must not leak), no sniffing."""
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("X-Frame-Options", "DENY")
    return response


def _refuse(request: Request, status: int, message: str) -> Response:
    if request.url.path.startswith("/api/") or request.headers.get("hx-request"):
        return JSONResponse({"error": message}, status_code=status)
    if status == 401:
        nxt = request.url.path if request.method == "GET" else "/"
        return RedirectResponse("/login?" + urlencode({"next": nxt, "why": message}), 303)
    return Response(message, status_code=status, media_type="text/plain")
