"""The JSON API under ``/api``: the same analyses as the pages, under the same sign-in.

State-changing calls need the ``X-CSRF-Token`` header; ``GET /api/session`` returns it.
``GET /api/openapi.json`` describes every route (OpenAPI 3.1); ``GET /api/docs`` shows it.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from journeylens._util.plain import plain, records
from journeylens.errors import InputError
from journeylens.web import journey_views, views
from journeylens.web.comments import comment_target
from journeylens.web.data import WorkspaceData
from journeylens.web.errors import http_error

__all__ = ["OPENAPI", "routes"]


def _endpoint(fn: Callable[[Request], Any]) -> Callable[[Request], Any]:
    async def wrapped(request: Request) -> Response:
        try:
            if inspect.iscoroutinefunction(fn):
                result = await fn(request)
            else:
                result = await run_in_threadpool(fn, request)
        except Exception as e:  # one status and message per failure, the API as the pages
            status, message = http_error(e, path=request.url.path)
            return JSONResponse({"error": message}, status_code=status)
        if isinstance(result, Response):
            return result
        # Every answer under the one JSON-plain rule: no NaN, numpy scalar or timestamp object.
        return JSONResponse(plain(result))

    wrapped.__name__ = fn.__name__
    return wrapped


def _data(request: Request) -> WorkspaceData:
    return request.app.state.data


def _query(request: Request) -> views.Query:
    return views.Query.parse(request.query_params, _data(request).vocabulary())


def session(request: Request) -> dict[str, Any]:
    s = request.state.session
    return {"user": s.user, "role": s.role, "csrf_token": s.csrf}


def info(request: Request) -> dict[str, Any]:
    data = _data(request)
    vocab = data.vocabulary()
    out = data.cached("overview", views.log_overview)
    return {**out["info"], "journeys": vocab.journeys, "segments": vocab.segments,
            "median_duration": out["median_duration"]}  # fmt: skip


def process_map(request: Request) -> dict[str, Any]:
    data = _data(request)
    query, opts = _query(request), views.MapOptions.parse(request.query_params)
    return data.memo(("map-dict", query, opts),
                     lambda: views.process_map(data, query, opts).to_dict(), persist=True)  # fmt: skip


def map_cases(request: Request) -> dict[str, Any]:
    data = _data(request)
    query = _query(request)
    selection, label = views.selection_filter(data.vocabulary(), request.query_params)
    result = data.cached(("cases", query, repr(selection)),
                         lambda ws: views.case_list(ws, query, selection))  # fmt: skip
    return {"selection": label, **result}


def variants(request: Request) -> dict[str, Any]:
    data = _data(request)
    query = _query(request)
    table = data.cached(("variants", query), lambda ws: views.variant_table(ws, query))
    return {"variants": table}


def case(request: Request) -> Response | dict[str, Any]:
    data = _data(request)
    case_id = request.path_params["case_id"]
    detail = data.cached(("case", case_id), lambda ws: views.case_detail(ws, case_id))
    if detail is None:
        return JSONResponse({"error": f"no case with id {case_id[:80]!r}"}, status_code=404)
    return detail


def journeys(request: Request) -> dict[str, Any]:
    rows = journey_views.summaries(_data(request))
    return {"journeys": [{k: v for k, v in r.items() if k != "spark"} for r in rows]}


def journey(request: Request) -> dict[str, Any]:
    data = _data(request)
    name = data.vocabulary().journey(request.path_params["name"])
    out = dict(journey_views.detail(data, name))
    out["summary"] = {k: v for k, v in out["summary"].items() if k != "spark"}
    return out


def drivers(request: Request) -> dict[str, Any]:
    page = journey_views.drivers(_data(request), request.query_params)
    if not page["available"]:
        raise InputError(page["reason"])
    return {"journey": page["journey"], "target": page["target"],
            **{k: v for k, v in page["d"].items() if k != "rows"}}  # fmt: skip


def what_if(request: Request) -> dict[str, Any]:
    return journey_views.what_if(_data(request), request.query_params)


def quality(request: Request) -> dict[str, Any]:
    return _data(request).cached("quality", views.data_quality)


def comments(request: Request) -> dict[str, Any]:
    data = _data(request)
    p = request.query_params
    kind, target = p.get("target_kind"), p.get("target")
    if kind or target:
        comment_target(data, kind or "", target or "", p.get("journey") or None)
    rows = data.comments(target_kind=kind, target=target)
    return {"comments": records(rows)}


async def add_comment(request: Request) -> Response:
    session = request.state.session
    if not session.allows("analyst"):
        return JSONResponse(
            {"error": f"your role ({session.role}) may not comment; it needs analyst"}, 403
        )
    try:
        body = await request.json()
    except ValueError:
        raise InputError("the request body must be JSON") from None
    if not isinstance(body, dict):
        raise InputError("the request body must be a JSON object")
    return await run_in_threadpool(_store_comment, request, session, body)


def _store_comment(request: Request, session: Any, body: dict[str, Any]) -> Response:
    data = _data(request)
    fields = {k: body.get(k) for k in ("target_kind", "target", "journey", "body")}
    for k, v in fields.items():
        if v is not None and not isinstance(v, str):
            raise InputError(f"{k} must be a string")
    comment_target(data, fields["target_kind"] or "", fields["target"] or "", fields["journey"])
    saved = data.add_comment(target_kind=fields["target_kind"] or "",
                             target=fields["target"] or "", journey=fields["journey"],
                             author=session.user, body=fields["body"] or "")  # fmt: skip
    return JSONResponse(plain(saved), status_code=201)


def openapi(request: Request) -> dict[str, Any]:
    return OPENAPI


def docs(request: Request) -> Response:
    from markupsafe import escape

    rows = "".join(
        f"<tr><td><code>{m.upper()}</code></td><td><code>/api{escape(p)}</code></td>"
        f"<td>{escape(op['summary'])}</td></tr>"
        for p, ops in OPENAPI["paths"].items()
        for m, op in ops.items()
    )
    html = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>journeylens API'
        '</title><link rel="stylesheet" href="/static/app.css"></head><body><main>'
        '<h1>journeylens JSON API</h1><p>Machine-readable: <a href="/api/openapi.json">'
        "openapi.json</a>. Same sign-in as the pages; send <code>X-CSRF-Token</code> (from "
        "<code>GET /api/session</code>) with every POST.</p><table><thead><tr><th>method</th>"
        f"<th>path</th><th>what</th></tr></thead><tbody>{rows}</tbody></table></main></body></html>"
    )
    return HTMLResponse(html)


_FILTER_PARAMS = [
    {"name": "segment", "in": "query", "schema": {"type": "string"},
     "description": "a saved segment of the workspace"},
    {"name": "attr", "in": "query", "schema": {"type": "string"},
     "description": "a case attribute to filter on (one of the workspace's)"},
    {"name": "value", "in": "query", "schema": {"type": "string"},
     "description": "the value of `attr` the cases must have"},
    {"name": "from", "in": "query", "schema": {"type": "string", "format": "date"},
     "description": "cases contained in [from, to]"},
    {"name": "to", "in": "query", "schema": {"type": "string", "format": "date"}},
]  # fmt: skip
_MAP_PARAMS = [
    {"name": "measure", "in": "query", "schema": {"enum": ["frequency", "performance"]}},
    {"name": "statistic", "in": "query", "schema": {"type": "string"},
     "description": "absolute|cases (frequency); mean|median|p90|min|max|total (performance)"},
    {"name": "activities", "in": "query", "schema": {"type": "integer", "minimum": 0,
                                                      "maximum": 100}},
    {"name": "paths", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 100}},
]  # fmt: skip
_SELECTION = [
    {"name": "activity", "in": "query", "schema": {"type": "string"}},
    {"name": "source", "in": "query", "schema": {"type": "string"},
     "description": "arc source (`__start__` for START)"},
    {"name": "target", "in": "query", "schema": {"type": "string"},
     "description": "arc target (`__end__` for END)"},
]  # fmt: skip
_JSON = {"200": {"description": "OK", "content": {"application/json": {}}},
         "400": {"description": "invalid parameter (message names the choices)"},
         "401": {"description": "not signed in"}}  # fmt: skip
_COMMENT_TARGET = [
    {"name": "target_kind", "in": "query",
     "schema": {"enum": ["journey", "touchpoint", "activity", "edge", "case"]}},
    {"name": "target", "in": "query", "schema": {"type": "string"}},
    {"name": "journey", "in": "query", "schema": {"type": "string"}},
]  # fmt: skip


def _op(summary: str, params: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"summary": summary, "parameters": params or [], "responses": _JSON}


#: The OpenAPI document; tests check that it lists exactly the routes of :func:`routes`.
OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "journeylens", "version": "1",
             "description": "Process mining and customer-journey analytics of one workspace."},
    "components": {"securitySchemes": {
        "session": {"type": "apiKey", "in": "cookie", "name": "journeylens_session"},
        "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRF-Token"}}},
    "security": [{"session": []}],
    "paths": {
        "/session": {"get": _op("who is signed in, and the CSRF token for POSTs")},
        "/info": {"get": _op("counts, time range, sources, journeys and segments")},
        "/map": {"get": _op("the simplified process map (nodes, edges)",
                            _FILTER_PARAMS + _MAP_PARAMS)},
        "/map/cases": {"get": _op("cases through an activity or an arc of the map",
                                  _FILTER_PARAMS + _SELECTION)},
        "/variants": {"get": _op("the 50 most frequent variants", _FILTER_PARAMS)},
        "/cases/{case_id}": {"get": _op(
            "one case: events in order, lanes, attributes, survey answers",
            [{"name": "case_id", "in": "path", "required": True, "schema": {"type": "string"}}])},
        "/journeys": {"get": _op("every journey: owner, volume, promise and SLA attainment")},
        "/journeys/{name}": {"get": _op(
            "one journey: stages × lanes grid, touchpoint KPIs, watermelon, pain points",
            [{"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}])},
        "/drivers": {"get": _op(
            "key drivers of a survey score or outcome over a journey, with intervals",
            [{"name": "journey", "in": "query", "schema": {"type": "string"}},
             {"name": "target", "in": "query", "schema": {"type": "string"},
              "description": "a survey (e.g. csat_install) or an outcome (e.g. churn)"}])},
        "/drivers/what-if": {"get": _op(
            "the target if one driver changed (association-based, with a 95% interval)",
            [{"name": "journey", "in": "query", "schema": {"type": "string"}},
             {"name": "target", "in": "query", "schema": {"type": "string"}},
             {"name": "feature", "in": "query", "required": True, "schema": {"type": "string"}},
             {"name": "change", "in": "query", "required": True,
              "schema": {"enum": list(journey_views.CHANGES)}}])},
        "/quality": {"get": _op("import figures per source and rejected rows")},
        "/comments": {
            "get": _op("comments, newest first (optionally for one target)", _COMMENT_TARGET),
            "post": {"summary": "add a comment (analyst or admin; X-CSRF-Token header)",
                     "security": [{"session": [], "csrf": []}],
                     "requestBody": {"required": True, "content": {"application/json": {
                         "schema": {"type": "object", "required": ["target_kind", "target", "body"],
                                    "properties": {"target_kind": {"type": "string"},
                                                   "target": {"type": "string"},
                                                   "journey": {"type": "string"},
                                                   "body": {"type": "string", "maxLength": 4000}}}}}},
                     "responses": {"201": {"description": "stored"},
                                   "403": {"description": "role or CSRF token refused"},
                                   "503": {"description": "an import holds the workspace"}}},
        },
        "/openapi.json": {"get": _op("this document")},
        "/docs": {"get": _op("this document as a page")},
    },
}  # fmt: skip


def routes() -> list[Route]:
    """The API routes (mounted under /api)."""
    return [
        Route("/session", _endpoint(session)),
        Route("/info", _endpoint(info)),
        Route("/map", _endpoint(process_map)),
        Route("/map/cases", _endpoint(map_cases)),
        Route("/variants", _endpoint(variants)),
        Route("/cases/{case_id:path}", _endpoint(case)),
        Route("/journeys", _endpoint(journeys)),
        Route("/journeys/{name}", _endpoint(journey)),
        Route("/drivers", _endpoint(drivers)),
        Route("/drivers/what-if", _endpoint(what_if)),
        Route("/quality", _endpoint(quality)),
        Route("/comments", _endpoint(comments), methods=["GET"]),
        Route("/comments", _endpoint(add_comment), methods=["POST"]),
        Route("/openapi.json", _endpoint(openapi)),
        Route("/docs", _endpoint(docs)),
    ]
