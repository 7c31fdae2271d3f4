"""The filter options every analysis command shares (see :mod:`journeylens.mining.filters`).

Kept apart from the command modules, which import :mod:`journeylens.cli.main`: that module imports
every command module at its end, so a command module importing another one would meet it half
initialised.
"""

from __future__ import annotations

import functools
import inspect
from typing import Annotated, Any

import typer

ListOpt = list[str] | None

_FILTER_PARAMS = [
    ("case_attr", ListOpt, "Keep cases with COLUMN=VALUE (COLUMN!=VALUE removes); repeatable."),
    ("event_attr", ListOpt, "Keep events with COLUMN=VALUE (COLUMN!=VALUE drops); repeatable."),
    ("time_from", str | None, "Start of the time window (ISO date or date-time)."),
    ("time_to", str | None, "End of the time window (a bare date includes that day)."),
    ("time_mode", str, "contained, intersecting, started, completed or trim."),
    ("duration_min", str | None, "Minimum case duration: seconds or 10d, 1d12h, 90min."),
    ("duration_max", str | None, "Maximum case duration."),
    ("start_activity", ListOpt, "Keep cases starting with this activity; repeatable."),
    ("end_activity", ListOpt, "Keep cases ending with this activity; repeatable."),
    ("follows", ListOpt, "Keep cases where 'A>B' (directly) or 'A>>B' (eventually)."),
    ("not_follows", ListOpt, "Remove cases where 'A>B' or 'A>>B'."),
    ("variant", ListOpt, "Keep cases whose sequence is 'A>B>C'; repeatable."),
    ("case_id", ListOpt, "Keep these case ids; repeatable."),
    ("exclude_case_id", ListOpt, "Remove these case ids; repeatable."),
]
_DEFAULTS = {"time_mode": "contained"}


def _filter_parameters() -> list[inspect.Parameter]:
    params = []
    for name, typ, help_ in _FILTER_PARAMS:
        opt = typer.Option(
            "--" + name.replace("_", "-"), help=help_, rich_help_panel="Filters", show_default=False
        )
        params.append(
            inspect.Parameter(
                name,
                inspect.Parameter.KEYWORD_ONLY,
                default=_DEFAULTS.get(name),
                annotation=Annotated[typ, opt],
            )
        )
    params.append(
        inspect.Parameter(
            "segment",
            inspect.Parameter.KEYWORD_ONLY,
            default=None,
            annotation=Annotated[
                ListOpt,
                typer.Option(help="Apply a saved segment (repeatable).", rich_help_panel="Filters"),
            ],
        )
    )
    return params


def _build_filters(ws: Any, values: dict[str, Any]):
    from journeylens.mining.filters import all_of, check_filters, parse_filter_options

    segments = values.pop("segment", None) or []
    parsed = parse_filter_options(**values)
    check_filters(parsed, ws.events)  # a misspelt value says so instead of keeping nothing
    saved = [ws.segment(name) for name in segments]
    return all_of(*saved, *parsed) if saved else parsed


def with_filters(fn):
    """Give a command the shared filter options; it receives ``filters`` values as ``_filters``."""
    sig = inspect.signature(fn, eval_str=True)  # Typer reads the (resolved) annotations
    own = [p for p in sig.parameters.values() if p.name != "_filters"]
    names = [n for n, _, _ in _FILTER_PARAMS] + ["segment"]

    @functools.wraps(fn)
    def wrapper(**kwargs: Any) -> Any:
        values = {n: kwargs.pop(n) for n in names}
        return fn(_filters=values, **kwargs)

    wrapper.__signature__ = sig.replace(parameters=[*own, *_filter_parameters()])  # type: ignore[attr-defined]
    return wrapper
