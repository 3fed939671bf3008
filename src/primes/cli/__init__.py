"""The ``primes`` command line. Each module registers its commands on the shared Typer app."""

from __future__ import annotations

import sys

from primes.cli import check  # noqa: F401  (registers commands)
from primes.cli._app import app, err_console
from primes.errors import PrimesError

for _module in ("query", "rdf", "site", "serve", "authoring"):
    try:
        __import__(f"primes.cli.{_module}")
    except ModuleNotFoundError as exc:
        if exc.name != f"primes.cli.{_module}":
            raise


def main() -> None:
    """Entry point: run the app; a PrimesError becomes a message and exit 1, never a traceback."""
    try:
        app()
    except PrimesError as exc:
        err_console.print(f"error: {exc}", markup=False)
        sys.exit(1)
    except KeyboardInterrupt:
        err_console.print("interrupted", markup=False)
        sys.exit(130)
