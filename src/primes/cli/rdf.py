"""``primes export``, ``primes import``, ``primes sparql`` and ``primes push``."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator, Mapping
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from primes.catalog import Catalog
from primes.catalog import check as check_catalog
from primes.cli._app import DEFAULT_CATALOG, CatalogOption, app, console, err_console, fail, open_catalog
from primes.errors import PrimesError
from primes.findings import has_errors
from primes.fsutil import write_atomic

if TYPE_CHECKING:
    from primes.rdf.sparql import NamedQuery


@contextlib.contextmanager
def reported() -> Iterator[None]:
    """A PrimesError from the library becomes a message and exit 1, never a traceback."""
    try:
        yield
    except PrimesError as exc:
        fail(str(exc))


class ExportFormat(StrEnum):
    turtle = "turtle"
    ntriples = "ntriples"
    jsonld = "jsonld"
    xml = "xml"


class InputFormat(StrEnum):
    turtle = "turtle"
    ntriples = "ntriples"
    jsonld = "jsonld"
    xml = "xml"


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    xml = "xml"
    csv = "csv"
    tsv = "tsv"
    turtle = "turtle"
    ntriples = "ntriples"
    jsonld = "jsonld"


@app.command()
def export(
    catalog_dir: CatalogOption = DEFAULT_CATALOG,
    output_format: Annotated[ExportFormat, typer.Option("--format", help="RDF format.")] = ExportFormat.turtle,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file (default: stdout).")] = None,
    prime: Annotated[
        list[str] | None, typer.Option("--prime", "-p", help="Only the triples that describe this prime (repeatable).")
    ] = None,
) -> None:
    """Export the catalog as SKOS-compatible RDF (deterministic: the same catalog gives the same bytes)."""
    from primes.rdf.export import serialize

    catalog = open_catalog(catalog_dir)
    with reported():
        data = serialize(catalog, output_format.value, prime or None)
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    write_atomic(output, data)
    err_console.print(f"wrote {output} ({len(data):,} bytes, {output_format.value})")


@app.command("import")
def import_(
    file: Annotated[
        Path, typer.Argument(help="An RDF file: a Primes export, or a SKOS vocabulary.", show_default=False)
    ],
    into: Annotated[
        Path,
        typer.Option("--into", envvar="PRIMES_CATALOG", help="The catalog folder to write into.", show_default=True),
    ] = DEFAULT_CATALOG,
    force: Annotated[bool, typer.Option("--force", help="Replace files whose content differs.")] = False,
    input_format: Annotated[
        InputFormat | None, typer.Option("--format", help="The file's format (default: from its extension).")
    ] = None,
    language: Annotated[
        str | None,
        typer.Option("--language", help="SKOS: the language of the labels to import (default: the catalog's)."),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Report what would be written; write nothing.")] = False,
) -> None:
    """Import RDF: a Primes export back into records without loss, or a plain SKOS vocabulary as drafts.

    Existing files are never replaced without --force; every file is written atomically."""
    from primes.rdf.importer import plan_import, write_plan

    if not file.is_file():
        fail(f"no file at {str(file)!r}", code=2)
    with reported():
        plan = plan_import(file, fmt=input_format.value if input_format else None, into=into, language=language)
    what = "a Primes export" if plan.kind == "export" else "a SKOS vocabulary (imported as drafts)"
    err_console.print(f"{file}: {what}, {len(plan.primes)} prime(s)")
    for note in plan.notes:
        err_console.print(f"  note: {note}", markup=False)
    if plan.unmapped:
        total = sum(plan.unmapped.values())
        err_console.print(f"  not mapped: {total} triple(s)", markup=False)
        for name, count in plan.unmapped.items():
            err_console.print(f"    {name}: {count}", markup=False)
    if dry_run:
        err_console.print("dry run: nothing written")
        return
    with reported():
        report = write_plan(plan, into, force=force)
    err_console.print(f"{into}: {len(report.written)} file(s) written, {len(report.unchanged)} unchanged")
    checked = check_catalog(into)
    errors = sum(1 for f in checked.findings if f.is_error)
    warnings = len(checked.findings) - errors
    err_console.print(f"primes check {into}: {len(checked)} primes, {errors} error(s), {warnings} warning(s)")
    if has_errors(list(checked.findings)):
        raise typer.Exit(1)


@app.command()
def sparql(
    query: Annotated[str | None, typer.Argument(help="The query text.", show_default=False)] = None,
    file: Annotated[Path | None, typer.Option("--file", "-f", help="Read the query from a .rq file.")] = None,
    named: Annotated[str | None, typer.Option("--named", "-n", help="Run a named query (see --list).")] = None,
    param: Annotated[
        list[str] | None, typer.Option("--param", help="A named query's parameter, NAME=VALUE (repeatable).")
    ] = None,
    list_named: Annotated[bool, typer.Option("--list", help="List the named queries and exit.")] = False,
    output_format: Annotated[
        OutputFormat | None,
        typer.Option("--format", help="table, or a SPARQL results format (SELECT/ASK), or RDF (CONSTRUCT/DESCRIBE)."),
    ] = None,
    catalog_dir: CatalogOption = DEFAULT_CATALOG,
) -> None:
    """Run a SPARQL query on the catalog (an embedded store; every export prefix is predeclared)."""
    from primes.rdf import sparql as engine

    if list_named:
        _list_named(engine.named_queries())
        return
    given = [name for name, value in (("QUERY", query), ("--file", file), ("--named", named)) if value is not None]
    if len(given) != 1:
        fail("give exactly one of QUERY, --file FILE or --named NAME (primes sparql --list shows the named queries)", 2)
    catalog = open_catalog(catalog_dir)
    with reported():
        data = _run_query(catalog, query, file, named, param, output_format)
    if data is not None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()


def _run_query(
    catalog: Catalog,
    query: str | None,
    file: Path | None,
    named: str | None,
    param: list[str] | None,
    output_format: OutputFormat | None,
) -> bytes | None:
    from primes.rdf import sparql as engine
    from primes.rdf.export import catalog_prefixes

    if file is not None:
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            fail(f"cannot read {file}: {exc}", 2)
    elif named is not None:
        values = {}
        for item in param or []:
            name, sep, value = item.partition("=")
            if not sep:
                fail(f"--param {item!r}: write NAME=VALUE", 2)
            values[name.strip()] = value
        text = engine.bind(catalog, engine.named_query(named), values)
    else:
        assert query is not None
        text = query
    shape, results = engine.run(catalog, text)
    graph = shape.form in ("construct", "describe")
    chosen = output_format.value if output_format else ("turtle" if graph else "table")
    try:
        if chosen == "table":
            if graph:
                fail("a CONSTRUCT or DESCRIBE result is RDF; choose --format turtle, ntriples, jsonld or xml", 2)
            _print_table(results, catalog_prefixes(catalog))
            return None
        return engine.write_results(results, chosen, catalog_prefixes(catalog))
    except (OSError, RuntimeError, ValueError) as exc:
        fail(f"the query failed while running: {exc}")


def _print_table(results: object, prefixes: dict[str, str]) -> None:
    import pyoxigraph as ox

    from primes.rdf.sparql import rows, show_term

    if isinstance(results, ox.QueryBoolean):
        console.print("true" if bool(results) else "false")
        return
    assert isinstance(results, ox.QuerySolutions)
    names, found = rows(results)
    table = Table(*names, show_lines=False, highlight=False)
    count = 0
    for row in found:
        table.add_row(*(show_term(term, prefixes) for term in row))
        count += 1
    console.print(table)
    err_console.print(f"{count} row(s)")


def _list_named(queries: Mapping[str, NamedQuery]) -> None:
    table = Table("name", "parameters", "what it answers", show_lines=False, highlight=False)
    for name, query in queries.items():
        params = ", ".join(f"{p.name} ({p.kind})" for p in query.params)
        table.add_row(name, params, query.description or query.title)
    console.print(table)


@app.command()
def push(
    url: Annotated[str, typer.Argument(help="The store's Graph Store endpoint, e.g. http://127.0.0.1:7878/store.")],
    graph: Annotated[
        str | None, typer.Option("--graph", help="The named graph to replace (default: the base IRI).")
    ] = None,
    user: Annotated[
        str | None, typer.Option("--user", help="Log in as this user (password: $PRIMES_PUSH_PASSWORD or a prompt).")
    ] = None,
    query_url: Annotated[
        str | None, typer.Option("--query-url", help="The store's query endpoint (guessed for Oxigraph and Virtuoso).")
    ] = None,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds to wait for the store.")] = 120.0,
    catalog_dir: CatalogOption = DEFAULT_CATALOG,
) -> None:
    """Replace a named graph of a triple store with the catalog (SPARQL 1.1 Graph Store Protocol), then
    verify the triple count with a query."""
    from primes.rdf.push import PASSWORD_ENV
    from primes.rdf.push import push as push_catalog

    catalog = open_catalog(catalog_dir)
    password = None
    if user is not None:
        password = os.environ.get(PASSWORD_ENV)
        if password is None:
            if not sys.stdin.isatty():
                fail(f"set {PASSWORD_ENV} to the password of {user!r} (no terminal to ask for it)", 2)
            password = typer.prompt(f"password for {user}", hide_input=True)
    with reported():
        result = push_catalog(
            catalog, url, graph=graph, user=user, password=password, query_url=query_url, timeout=timeout
        )
    err_console.print(
        f"pushed {result.triples:,} triples into <{result.graph}> at {result.url} "
        f"(verified at {result.query_url}) in {result.seconds:.1f} s"
    )
