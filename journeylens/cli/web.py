"""CLI of the web app: ``journeylens serve``, ``journeylens users add|list|remove`` and
``journeylens cache warm|info|clear`` (the persisted results the pages show).

``journeylens demo`` calls :func:`warm_workspace` and :func:`serve_workspace` after building
the demo workspace.
"""

from __future__ import annotations

import secrets
import sys
from pathlib import Path
from typing import Annotated

import typer

from journeylens.cli import common
from journeylens.cli.common import JsonOpt, WorkspaceOpt, err, out, print_json, progress
from journeylens.cli.tables import new_table, print_table
from journeylens.errors import InputError

app = typer.Typer()

__all__ = ["serve_workspace", "warm_workspace"]

DEFAULT_PORT = 8765
users_app = typer.Typer(help="Accounts of the web app (stored in the workspace's users.yaml).",
                        no_args_is_help=True)  # fmt: skip
cache_app = typer.Typer(
    help="The web app's persisted results (<workspace>/cache/): fill, inspect, clear.",
    no_args_is_help=True,
)


def warm_workspace(workspace: Path, *, quiet: bool = False) -> tuple[float, int, int]:
    """Fill the persisted cache of ``workspace`` with what the web pages show.

    Returns the seconds it took, the results computed (0 when all were stored already) and
    the steps that failed.  A rich status line names the current step.
    """
    import time

    from journeylens.web.app import warm
    from journeylens.web.data import WorkspaceData

    data = WorkspaceData(workspace)
    t = time.perf_counter()
    with progress(quiet) as step:
        count = iter(range(1, 1_000_000))
        failed = warm(data, progress=lambda label: step(
            f"web cache: {label} (step {next(count)}, {time.perf_counter() - t:.0f} s)"))  # fmt: skip
    return time.perf_counter() - t, data.hits["computed"], failed


def serve_workspace(workspace: Path, *, host: str = "127.0.0.1", port: int = DEFAULT_PORT,
                    open_browser: bool = False, warm_up: bool = True) -> None:  # fmt: skip
    """Serve the web app of ``workspace`` until interrupted (Ctrl+C)."""
    import uvicorn

    from journeylens.web import create_app
    from journeylens.web.security import is_loopback

    token = secrets.token_urlsafe(24) if is_loopback(host) else None
    application = create_app(workspace, host=host, token=token, warm_up=warm_up)
    shown = f"[{host}]" if ":" in host else host
    if token:
        url = f"http://{shown}:{port}/?token={token}"
        out.print(
            f"\njourneylens web app of {workspace} at http://{shown}:{port}\n"
            f"open this link (it signs you in; keep it private):\n  {url}\n"
            "Ctrl+C stops it.",
            highlight=False,
            soft_wrap=True,
        )
    else:
        out.print(f"\njourneylens web app of {workspace} at http://{shown}:{port} "
                  "(accounts sign in)", highlight=False, soft_wrap=True)  # fmt: skip
    if open_browser and token:
        import webbrowser

        webbrowser.open(url)
    uvicorn.run(application, host=host, port=port, log_level="warning", access_log=False,
                server_header=False)  # fmt: skip


@app.command()
def serve(
    workspace: WorkspaceOpt = Path("."),
    host: Annotated[
        str, typer.Option(help="Interface to bind; other than loopback needs accounts.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.", min=1, max=65535)] = DEFAULT_PORT,
    open_browser: Annotated[
        bool, typer.Option("--open", help="Open the link in a browser.")
    ] = False,
    warm_up: Annotated[
        bool,
        typer.Option(
            "--warm/--no-warm",
            help="Compute what the pages show in the background (into the persisted cache).",
        ),
    ] = True,
) -> None:
    """Serve the web app (process maps, journeys, drivers, cases, comments) of a workspace."""
    serve_workspace(workspace, host=host, port=port, open_browser=open_browser, warm_up=warm_up)


@cache_app.command("warm")
def cache_warm(
    workspace: WorkspaceOpt = Path("."),
    json_: JsonOpt = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress line.")] = False,
) -> None:
    """Compute and store what the web pages show (a started app then answers at once)."""
    from journeylens.web.cache import ResultStore
    from journeylens.web.data import WorkspaceData

    seconds, computed, failed = warm_workspace(workspace, quiet=quiet or json_)
    info = ResultStore(workspace).info(WorkspaceData(workspace).state())
    summary = {**info, "seconds": round(seconds, 2), "computed": computed, "failed": failed}
    if json_:
        print_json(summary)
    else:
        out.print(
            f"web cache of {workspace}: {info['entries']} results "
            f"({info['bytes'] / 1e6:.1f} MB), {computed} computed in {seconds:.1f} s"
            + (f"; {failed} step(s) failed (see the log above)" if failed else ""),
            highlight=False,
            soft_wrap=True,
        )


@cache_app.command("info")
def cache_info(workspace: WorkspaceOpt = Path("."), json_: JsonOpt = False) -> None:
    """Where the persisted results are and how many belong to the workspace's current state."""
    from journeylens.web.cache import ResultStore
    from journeylens.web.data import WorkspaceData

    info = ResultStore(workspace).info(WorkspaceData(workspace).state())
    if json_:
        print_json(info)
        return
    out.print(
        f"{info['path']}: {info['entries']} current results ({info['bytes'] / 1e6:.1f} MB), "
        f"{info['stale_entries']} stale; stamp {info['stamp']}, code {info['code']}; "
        + (
            f"filled by a warm-up in {info['filled']['seconds']:.1f} s at {info['filled']['at']}"
            if info["filled"]
            else "not filled (journeylens cache warm fills it)"
        ),
        highlight=False,
        soft_wrap=True,
    )


@cache_app.command("clear")
def cache_clear(workspace: WorkspaceOpt = Path(".")) -> None:
    """Remove the persisted results (the app recomputes them on demand)."""
    from journeylens.web.cache import ResultStore
    from journeylens.web.data import WorkspaceData

    WorkspaceData(workspace)  # a clear error when DIR is no workspace
    n = ResultStore(workspace).clear()
    err.print(f"removed {n} cached results from {workspace / 'cache'}", highlight=False)


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="User name.")],
    role: Annotated[str, typer.Option(help="viewer, analyst or admin.")] = "viewer",
    workspace: WorkspaceOpt = Path("."),
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Add an account (or reset its password and role)."""
    from journeylens.web.accounts import Users
    from journeylens.workspace import Workspace

    Workspace.open(workspace).close()  # a clear error when DIR is no workspace
    if role not in ("viewer", "analyst", "admin"):
        raise InputError(f"--role must be viewer, analyst or admin, got {role!r}")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    elif not common.stdin_is_terminal():
        # No terminal to ask on (a script, a pipe, CI): a prompt would read the wrong input.
        raise InputError(
            "users add asks for the password on a terminal, and there is none; give it on "
            f"standard input with --password-stdin, e.g. "
            f"printf '%s\\n' \"$PASSWORD\" | journeylens users add {name} --password-stdin"
        )
    else:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    user = Users(workspace).add(name, password, role=role)  # type: ignore[arg-type]
    err.print(f"user {user.name} ({user.role}) saved in {workspace / 'users.yaml'}",
              highlight=False)  # fmt: skip


@users_app.command("list")
def users_list(workspace: WorkspaceOpt = Path("."), json_: JsonOpt = False) -> None:
    """List the accounts."""
    from journeylens.web.accounts import Users

    users = Users(workspace).list()
    if json_:
        print_json([u.to_dict() for u in users])
        return
    table = new_table("name", "role")
    for u in users:
        table.add_row(u.name, u.role)
    print_table(table)


@users_app.command("remove")
def users_remove(name: str, workspace: WorkspaceOpt = Path(".")) -> None:
    """Remove an account."""
    from journeylens.web.accounts import Users

    Users(workspace).remove(name)
    err.print(f"user {name} removed", highlight=False)


app.add_typer(users_app, name="users")
app.add_typer(cache_app, name="cache")
