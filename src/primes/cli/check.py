"""``primes check`` and ``primes schema``."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from primes.catalog import check as check_catalog
from primes.cli._app import DEFAULT_CATALOG, app, err_console, fail, print_findings, print_json
from primes.findings import has_errors
from primes.model import json_schema


class Format(StrEnum):
    text = "text"
    json = "json"


@app.command()
def check(
    catalog_dir: Annotated[
        Path, typer.Argument(envvar="PRIMES_CATALOG", help="The catalog folder.", show_default=True)
    ] = DEFAULT_CATALOG,
    strict: Annotated[bool, typer.Option("--strict", help="Fail on warnings too.")] = False,
    output_format: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.text,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Ignore and do not update the check cache.")] = False,
) -> None:
    """Load and check a catalog; print every finding. Exit 0 clean, 1 errors (with --strict, warnings too)."""
    if not catalog_dir.is_dir():
        fail(f"no catalog folder at {str(catalog_dir)!r}", code=2)
    catalog = check_catalog(catalog_dir, use_cache=not no_cache)
    failed = has_errors(list(catalog.findings), strict=strict)
    if output_format is Format.json:
        errors = sum(1 for f in catalog.findings if f.is_error)
        print_json(
            {
                "catalog": str(catalog_dir),
                "primes": len(catalog),
                "errors": errors,
                "warnings": len(catalog.findings) - errors,
                "ok": not failed,
                "findings": [f.as_dict() for f in catalog.findings],
            }
        )
    else:
        print_findings(catalog.findings, summary=False)
        errors = sum(1 for f in catalog.findings if f.is_error)
        warnings = len(catalog.findings) - errors
        verdict = "[red]failed[/]" if failed else "[green]ok[/]"
        err_console.print(f"{catalog_dir}: {len(catalog)} primes, {errors} error(s), {warnings} warning(s): {verdict}")
    if failed:
        raise typer.Exit(1)


@app.command()
def schema(
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file.")] = None,
) -> None:
    """Print the JSON Schema of a prime file (committed as catalog/schema.json)."""
    text = json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
    if output is None:
        print_json(json_schema())
        return
    from primes.fsutil import write_atomic

    write_atomic(output, text)
