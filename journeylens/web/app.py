"""The Starlette application: HTML pages (Jinja2 + htmx) over :mod:`journeylens.web.views`.

Build it with :func:`create_app`; ``journeylens serve`` runs it with uvicorn.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import logging
import secrets
import threading
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from markupsafe import Markup
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from journeylens._util import fmt
from journeylens._util.plain import records
from journeylens.errors import InputError, JourneylensError
from journeylens.web import api, journey_views, views
from journeylens.web.accounts import Users
from journeylens.web.comments import comment_target
from journeylens.web.data import Busy, WorkspaceData
from journeylens.web.errors import http_error
from journeylens.web.security import (
    SessionAuth,
    Signer,
    is_loopback,
    new_session,
    set_cookie,
)

log = logging.getLogger("journeylens.web")

__all__ = ["create_app"]

HERE = Path(__file__).resolve().parent
_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(HERE / "templates"),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
)
# The one format of each kind of number (journeylens._util.fmt), as the templates' filters.
_ENV.filters["duration"] = fmt.duration
_ENV.filters["pct"] = fmt.share
_ENV.filters["num"] = fmt.number
_ENV.filters["query"] = lambda d: urlencode(d)


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    session = request.state.session
    data: WorkspaceData = request.app.state.data
    base = {
        "request": request,
        "session": session,
        "csrf_headers": json.dumps({"X-CSRF-Token": session.csrf}) if session else "{}",
        "workspace": data.path.name,
        "path": request.url.path,
        "Markup": Markup,
    }
    html = _ENV.get_template(template).render(**base, **context)
    return HTMLResponse(html, status_code=status)


def page(fn: Callable[[Request], Any]) -> Callable[[Request], Any]:
    """Run a page handler (sync ones in the thread pool: DuckDB work must not block the event
    loop), turning our errors into readable responses."""

    async def wrapped(request: Request) -> Response:
        partial = bool(request.headers.get("hx-request"))
        try:
            if inspect.iscoroutinefunction(fn):
                return await fn(request)
            return await run_in_threadpool(fn, request)
        except Exception as e:  # one status and message per failure, the pages as the API
            status, message = http_error(e, path=request.url.path)
        if partial:
            return HTMLResponse(
                f'<p class="error" role="alert">{Markup.escape(message)}</p>', status
            )
        return render(request, "error.html", status=status, status_code=status, message=message)

    wrapped.__name__ = fn.__name__
    wrapped.__doc__ = fn.__doc__
    return wrapped


def _data(request: Request) -> WorkspaceData:
    return request.app.state.data


def _query(request: Request) -> views.Query:
    return views.Query.parse(request.query_params, _data(request).vocabulary())


def _forbidden(request: Request, needed: str) -> Response:
    message = f"your role ({request.state.session.role}) may not do this; it needs {needed}"
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": message}, status_code=403)
    return HTMLResponse(f'<p class="error" role="alert">{Markup.escape(message)}</p>', 403)


# ---------------------------------------------------------------------- pages
@page
def overview(request: Request) -> Response:
    data = _data(request)
    log = data.cached("overview", views.log_overview)
    journeys = journey_views.summaries(data)
    weekly = [n for _w, n in log["weekly"]]
    spark = views.sparkline(weekly, width=320, height=48, label="cases started per week")
    return render(request, "overview.html", log=log, journeys=journeys, spark=Markup(spark))


@page
def map_page(request: Request) -> Response:
    data = _data(request)
    query, opts = _query(request), views.MapOptions.parse(request.query_params)
    vocab = data.vocabulary()
    return render(request, "map.html", query=query, opts=opts, vocab=vocab,
                  statistics=views._STATISTICS)  # fmt: skip


@page
def map_view(request: Request) -> Response:
    data = _data(request)
    query, opts = _query(request), views.MapOptions.parse(request.query_params)
    drawn = _drawn(data, query, opts)
    return render(request, "_map.html", svg=Markup(drawn["svg"]), drawn=drawn, opts=opts,
                  query=query)  # fmt: skip


def _drawn(data: WorkspaceData, query: views.Query, opts: views.MapOptions) -> dict[str, Any]:
    """The map as the page shows it, kept in the persisted cache (drawing a big map takes
    longer than simplifying it)."""

    def draw() -> dict[str, Any]:
        pm = views.process_map(data, query, opts)
        return {"svg": pm.to_svg(), "activities": len(pm.activities), "arcs": len(pm.edges)}

    return data.memo(("map-svg", query, opts), draw, persist=True)


@page
def map_cases(request: Request) -> Response:
    data = _data(request)
    query = _query(request)
    selection, label = views.selection_filter(data.vocabulary(), request.query_params)
    key = ("cases", query, repr(selection))
    shown = _panel_attributes(data)
    result = data.cached(key, lambda ws: views.case_list(ws, query, selection, attributes=shown))
    target = None
    if request.query_params.get("activity"):
        target = ("activity", request.query_params["activity"])
    elif request.query_params.get("source"):
        target = ("edge", f"{request.query_params['source']} → {request.query_params['target']}")
    return render(request, "_cases.html", result=result, label=label, target=target)


def _panel_attributes(data: WorkspaceData) -> list[str]:
    """The case attributes worth a column beside the map: menu-like ones (not ids), two."""
    return list(data.vocabulary().values)[:2]


@page
def variants_page(request: Request) -> Response:
    data = _data(request)
    query = _query(request)
    table = data.cached(("variants", query), lambda ws: views.variant_table(ws, query))
    return render(request, "variants.html", variants=table, query=query, vocab=data.vocabulary())


@page
def variant_cases(request: Request) -> Response:
    from journeylens.mining.filters import Variant

    data = _data(request)
    query = _query(request)
    table = data.cached(("variants", query), lambda ws: views.variant_table(ws, query))
    try:
        rank = int(request.path_params["rank"])
        row = table[rank - 1]
    except (ValueError, IndexError):
        raise InputError(f"variant rank must be between 1 and {len(table)}") from None
    selection = Variant([row["activities"]])
    shown = _panel_attributes(data)
    result = data.cached(
        ("cases", query, f"variant{rank}"),
        lambda ws: views.case_list(ws, query, selection, attributes=shown),
    )
    return render(request, "_cases.html", result=result, label=f"cases of variant {rank}",
                  target=None)  # fmt: skip


@page
def cases_page(request: Request) -> Response:
    case_id = (request.query_params.get("case") or "").strip()
    if case_id:
        return RedirectResponse(f"/cases/{_url_part(case_id)}", status_code=303)
    data = _data(request)
    query = _query(request)
    result = data.cached(("cases", query, None), lambda ws: views.case_list(ws, query, None))
    return render(request, "cases.html", result=result, query=query, vocab=data.vocabulary())


def _url_part(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")


@page
def case_page(request: Request) -> Response:
    data = _data(request)
    case_id = request.path_params["case_id"]
    detail = data.cached(("case", case_id), lambda ws: views.case_detail(ws, case_id))
    if detail is None:
        return render(request, "error.html", status=404, status_code=404,
                      message=f"no case with id {case_id[:80]!r} in this workspace")  # fmt: skip
    svg = Markup(views.timeline_svg(detail))
    return render(request, "case.html", case=detail, timeline=svg)


@page
def journey_page(request: Request) -> Response:
    data = _data(request)
    name = data.vocabulary().journey(request.path_params["name"])
    detail = journey_views.detail(data, name)
    return render(request, "journey.html", j=detail)


@page
def drivers_page(request: Request) -> Response:
    data = _data(request)
    context = journey_views.drivers(data, request.query_params)
    return render(request, "drivers.html", **context)


@page
def what_if_view(request: Request) -> Response:
    result = journey_views.what_if(_data(request), request.query_params)
    return render(request, "_what_if.html", w=result)


@page
def quality_page(request: Request) -> Response:
    data = _data(request)
    quality = data.cached("quality", views.data_quality)
    return render(request, "quality.html", q=quality)


# ---------------------------------------------------------------------- comments
@page
def comments_list(request: Request) -> Response:
    data = _data(request)
    p = request.query_params
    kind, target, journey = p.get("target_kind", ""), p.get("target", ""), p.get("journey") or None
    comment_target(data, kind, target, journey)
    rows = data.comments(target_kind=kind, target=target)
    return render(request, "_comments.html", comments=records(rows), kind=kind,
                  target=target, journey=journey)  # fmt: skip


@page
async def comments_post(request: Request) -> Response:
    session = request.state.session
    if not session.allows("analyst"):
        return _forbidden(request, "analyst")
    form = await _form(request)
    return await run_in_threadpool(_save_comment, request, session, form)


def _save_comment(request: Request, session: Any, form: dict[str, Any]) -> Response:
    data = _data(request)
    kind, target = str(form.get("target_kind", "")), str(form.get("target", ""))
    journey = str(form.get("journey") or "") or None
    comment_target(data, kind, target, journey)
    data.add_comment(target_kind=kind, target=target, journey=journey, author=session.user,
                     body=str(form.get("body", "")))  # fmt: skip
    rows = data.comments(target_kind=kind, target=target)
    return render(request, "_comments.html", comments=records(rows), kind=kind,
                  target=target, journey=journey)  # fmt: skip


@page
async def segment_post(request: Request) -> Response:
    session = request.state.session
    if not session.allows("analyst"):
        return _forbidden(request, "analyst")
    form = await _form(request)
    return await run_in_threadpool(_save_segment, request, form)


def _save_segment(request: Request, form: dict[str, Any]) -> Response:
    import re

    data = _data(request)
    name = str(form.get("segment_name", "")).strip()
    if not re.fullmatch(r"[\w .-]{1,60}", name):
        raise InputError("a segment name has 1-60 letters, digits, spaces, '.', '_' or '-'")
    query = views.Query.parse({k: str(v) for k, v in form.items()}, data.vocabulary())
    filters = query.filters(data.cached("segments", lambda ws: ws.config.get("segments") or {}))
    if filters is None:
        raise InputError("choose a segment, an attribute value or dates first: nothing to save")
    data.save_segment(name, filters)
    return HTMLResponse(
        f'<p class="note" role="status">Saved segment “{Markup.escape(name)}”; it is in the '
        "Segment menu after a reload, and in <code>journeylens --segment</code>.</p>"
    )


async def _form(request: Request) -> dict[str, Any]:
    async with request.form(max_files=0, max_fields=20) as form:
        return dict(form)


# ---------------------------------------------------------------------- sign-in
async def login(request: Request) -> Response:
    users: Users = request.app.state.users
    nxt = request.query_params.get("next") or "/"
    if not nxt.startswith("/") or nxt.startswith("//"):
        nxt = "/"
    if request.method == "GET":
        pre = secrets.token_urlsafe(16)
        response = _login_page(request, nxt, pre, request.query_params.get("why"))
        response.set_cookie("journeylens_login", pre, httponly=True, samesite="strict",
                            max_age=900)  # fmt: skip
        return response
    async with request.form(max_files=0, max_fields=10) as form:
        fields = {k: str(v) for k, v in form.items()}
    cookie = request.cookies.get("journeylens_login", "")
    if not cookie or not secrets.compare_digest(cookie, fields.get("csrf_token", "")):
        return Response("missing or wrong CSRF token; reload the sign-in page", 403)
    user = users.verify(fields.get("name", ""), fields.get("password", ""))
    if user is None:
        return _login_page(request, nxt, cookie, "wrong name or password", status=401)
    response = RedirectResponse(nxt, status_code=303)
    set_cookie(response, request.app.state.signer, new_session(user.name, user.role),
               secure=request.app.state.secure)  # fmt: skip
    response.delete_cookie("journeylens_login")
    return response


def _login_page(request: Request, nxt: str, pre: str, why: str | None, status: int = 200
                ) -> HTMLResponse:  # fmt: skip
    request.state.session = None
    return render(request, "login.html", status=status, next=nxt, pre=pre, why=why,
                  accounts=bool(request.app.state.users))  # fmt: skip


def logout(request: Request) -> Response:
    if request.headers.get("hx-request"):
        response: Response = Response(status_code=204, headers={"HX-Redirect": "/login"})
    else:
        response = RedirectResponse("/login", status_code=303)
    response.delete_cookie("journeylens_session")
    return response


# ---------------------------------------------------------------------- the app
def warm(
    data: WorkspaceData,
    stop: threading.Event | None = None,
    *,
    progress: Callable[[str], None] | None = None,
) -> int:
    """Compute what the pages show, so no visitor waits for it; returns the steps that failed.

    Every result lands in the persisted cache (``<workspace>/cache/``), so this is done once
    per import state and code version: afterwards a (re)started app reads the results back.
    Each step stands alone: one failing analysis (logged) does not keep the others cold.
    ``progress`` is called with a label before each step.
    """
    import time

    started, state = time.perf_counter(), data.state()
    query, opts = views.Query(), views.MapOptions()
    journeys = data.vocabulary().journeys
    steps: list[tuple[str, Callable[[], Any]]] = [
        ("log overview", lambda: data.cached("overview", views.log_overview)),
        ("process map", lambda: _drawn(data, query, opts)),
        *[(f"process map ({statistic})",
           lambda o=views.MapOptions("performance", statistic): _drawn(data, query, o))
          for statistic in ("mean", "median")],
        *[(f"journey {n}", lambda n=n: journey_views.detail(data, n)) for n in journeys],
        ("journey overview", lambda: journey_views.summaries(data)),
        ("variants", lambda: data.cached(("variants", query),
                                         lambda ws: views.variant_table(ws, query))),
        ("cases", lambda: data.cached(("cases", query, None),
                                      lambda ws: views.case_list(ws, query, None))),
        ("data quality", lambda: data.cached("quality", views.data_quality)),
        ("the listed cases", lambda: _listed_cases(data, query, stop)),
        *[(f"drivers of {n}", lambda n=n: journey_views.drivers(data, {"journey": n}))
          for n in journeys],
        # Last, every position of the activity slider of the unfiltered map (one projected
        # directly-follows graph per set of kept activities), so sliding never waits.
        *[(f"process map at {p}% of activities",
           lambda o=views.MapOptions(activities=p): _drawn(data, query, o))
          for p in range(100, -1, -1)],
    ]  # fmt: skip
    failed = 0
    for label, step in steps:
        if stop is not None and stop.is_set():
            return failed + 1
        if progress is not None:
            progress(label)
        try:
            step()
        except Busy:
            raise
        except Exception:
            failed += 1
            log.exception("warming the cache: %s", label)
    if not failed and data.store is not None and data.state() == state:
        data.store.mark_filled(state, time.perf_counter() - started)
    return failed


def prime(data: WorkspaceData) -> None:
    """Open the workspace once and look a case up, so the first page that must read the
    database (a case nobody opened yet) does not also pay for loading DuckDB and compiling
    the first query (~0.4 s on a loaded 2-core machine)."""
    try:
        with data.open() as ws:
            views.case_detail(ws, "journeylens: no such case")
    except Exception:  # busy (an import runs) or broken: the pages will say so
        log.debug("priming the workspace connection failed", exc_info=True)


def _listed_cases(data: WorkspaceData, query: views.Query, stop: threading.Event | None) -> None:
    """The case pages the cases page links to (the longest cases)."""
    listed = data.cached(("cases", query, None), lambda ws: views.case_list(ws, query, None))
    for row in listed["cases"]:
        if stop is not None and stop.is_set():
            return
        case_id = str(row["case_id"])
        data.cached(("case", case_id), lambda ws, c=case_id: views.case_detail(ws, c))


@contextlib.asynccontextmanager
async def _lifespan(app: Starlette) -> AsyncIterator[None]:
    """Open the workspace once, then fill the cache in a background thread (unless a warm-up
    stored everything already), again whenever an import changes the workspace."""
    stop = threading.Event()
    data: WorkspaceData = app.state.data

    def loop() -> None:
        seen = None
        while not stop.is_set():
            try:
                state = data.state()
                if state != seen:
                    # A filled persisted cache needs no warm-up: the pages read it directly
                    # (loading it all into memory would only compete with the first visitors).
                    if data.store is None or not data.store.filled(state):
                        warm(data, stop)
                    seen = state
            except Exception:  # busy (an import runs) or broken: the pages say so; retry
                log.debug("cache warm-up interrupted", exc_info=True)
            stop.wait(3.0)

    # Before the first request is accepted, so no visitor's request competes with it.
    await run_in_threadpool(prime, data)
    if app.state.warm:
        threading.Thread(target=loop, name="journeylens-warm", daemon=True).start()
    try:
        yield
    finally:
        stop.set()


def create_app(
    workspace: str | Path,
    *,
    host: str = "127.0.0.1",
    token: str | None = None,
    allowed_hosts: list[str] | None = None,
    secure_cookies: bool = False,
    warm_up: bool = True,
) -> Starlette:
    """The web app of one workspace.

    Parameters
    ----------
    workspace
        The workspace folder.
    host
        The interface the server binds; anything but loopback requires accounts
        (``journeylens users add``) and turns the token off.
    token
        The start-up token of the link printed by ``journeylens serve`` (loopback only).
    allowed_hosts
        Host headers accepted (defaults: loopback names when bound to loopback, which stops
        DNS-rebinding pages from reaching the app; any host otherwise).
    secure_cookies
        Mark the session cookie Secure (behind an HTTPS proxy).
    warm_up
        Compute what the pages show in a background thread at start and after every import
        (results already in the persisted cache are only read back).

    Examples
    --------
    >>> app = create_app("demo-workspace", token="secret")  # doctest: +SKIP
    """
    data = WorkspaceData(workspace)
    users = Users(workspace)
    local = is_loopback(host)
    if not local and not users:
        raise JourneylensError(
            f"refusing to serve on {host}: other machines could reach it and the workspace has "
            "no accounts; add one with `journeylens users add NAME --role admin -w "
            f"{workspace}`, or serve on 127.0.0.1"
        )
    if allowed_hosts is None:
        allowed_hosts = ["127.0.0.1", "localhost", "[::1]", "::1"] if local else ["*"]
    signer = Signer()
    routes = [
        Route("/", overview),
        Route("/map", map_page),
        Route("/map/view", map_view),
        Route("/map/cases", map_cases),
        Route("/variants", variants_page),
        Route("/variants/{rank:int}/cases", variant_cases),
        Route("/cases", cases_page),
        Route("/cases/{case_id:path}", case_page),
        Route("/journeys/{name}", journey_page),
        Route("/drivers", drivers_page),
        Route("/drivers/what-if", what_if_view),
        Route("/quality", quality_page),
        Route("/comments", comments_list, methods=["GET"]),
        Route("/comments", comments_post, methods=["POST"]),
        Route("/segments", segment_post, methods=["POST"]),
        Route("/login", login, methods=["GET", "POST"]),
        Route("/logout", logout, methods=["POST"]),
        Mount("/api", routes=api.routes()),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    middleware = [
        Middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts),
        Middleware(
            SessionAuth, signer=signer, token=token if local else None, secure=secure_cookies
        ),
    ]
    app = Starlette(routes=routes, middleware=middleware, lifespan=_lifespan)
    app.state.data = data
    app.state.users = users
    app.state.signer = signer
    app.state.secure = secure_cookies
    app.state.warm = warm_up
    return app
