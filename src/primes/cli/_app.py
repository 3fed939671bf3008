"""The Typer application and what every command shares: the catalog option, output, exit codes.

The CLI is a thin layer: each command parses its arguments, calls the library, prints the result.
Exit codes: 0 success, 1 a problem with the input (findings with errors, an unknown id), 2 usage.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.text import Text

from primes.catalog import Catalog, check
from primes.findings import Finding, Severity, has_errors

app = typer.Typer(
    name="primes",
    help="Keep a catalog of cross-domain patterns: check it, query it, publish it as a site and as RDF.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode="rich",
)

console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)

CatalogOption = Annotated[
    Path,
    typer.Option(
        "--catalog",
        "-c",
        envvar="PRIMES_CATALOG",
        help="The catalog folder (catalog.yaml, domains.yaml, primes/).",
        show_default=True,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
DEFAULT_CATALOG = Path("catalog")


def fail(message: str, code: int = 1) -> NoReturn:
    err_console.print(f"[bold red]error:[/] {message}", markup=True)
    raise typer.Exit(code)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def print_findings(findings: tuple[Finding, ...] | list[Finding], *, summary: bool = True) -> None:
    for finding in findings:
        color = "red" if finding.severity is Severity.ERROR else "yellow"
        # A Text, not markup: messages quote the file's text, and "[b]", "\\" or ":fire:" must print as written.
        line = Text.assemble(
            f"{finding.path}:{finding.line}:{finding.column}: ",
            (finding.code, "bold"),
            " ",
            (finding.severity.value, color),
            f": {finding.message}",
            (f" [{finding.field}]" if finding.field else "", "dim"),
        )
        console.print(line)
    if summary:
        errors = sum(1 for f in findings if f.is_error)
        warnings = len(findings) - errors
        err_console.print(f"{errors} error(s), {warnings} warning(s)")


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def open_catalog(path: Path, *, strict: bool = False) -> Catalog:
    """Load a catalog for a command that needs a sound one: print the findings and exit 1 on errors."""
    catalog = check(path)
    if not path.is_dir():
        fail(f"no catalog folder at {str(path)!r} (use --catalog DIR or set PRIMES_CATALOG)")
    if has_errors(list(catalog.findings), strict=strict):
        print_findings([f for f in catalog.findings if f.is_error or strict])
        fail("the catalog has errors; fix them first (primes check lists them)")
    return catalog
