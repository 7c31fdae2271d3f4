"""The ``journeylens`` command line (Typer): see :mod:`journeylens.cli.main`."""

from journeylens.cli.main import app, main

__all__ = ["app", "main"]
