"""``primes build``: the documentation site."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from primes.cli._app import DEFAULT_CATALOG, CatalogOption, app, console, err_console, fail, open_catalog

DEFAULT_CONFIG = Path("site/mkdocs.yml")  # primes.site.build's default; mkdocs is imported only when building


@app.command()
def build(
    catalog_dir: CatalogOption = DEFAULT_CATALOG,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Where to put the site (default: site_dir of the configuration, site/build)."),
    ] = None,
    config: Annotated[Path, typer.Option("--config", help="The mkdocs configuration.")] = DEFAULT_CONFIG,
    strict: Annotated[
        bool, typer.Option("--strict", help="Refuse a catalog with warnings; fail on any mkdocs warning.")
    ] = False,
) -> None:
    """Check the catalog, then build the site; a failed build leaves the previous site in place."""
    from primes.site.build import BuildError, build_site

    catalog = open_catalog(catalog_dir, strict=strict)
    err_console.print(f"{catalog_dir}: {len(catalog)} primes checked, building the site…")
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=not err_console.is_terminal,
    ) as progress:
        # Each page counts twice: once when mkdocs renders its Markdown, once when it writes its HTML.
        task = progress.add_task("pages", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        try:
            result = build_site(catalog, config_file=config, out_dir=out, strict=strict, progress=advance)
        except BuildError as exc:
            fail(str(exc))
    for warning in result.warnings:
        err_console.print(f"[yellow]warning:[/] {warning}", markup=True, highlight=False)
    console.print(f"built {result.pages} pages ({result.files} files) into {result.out_dir} in {result.seconds:.1f} s")
