"""``primes serve``: the read-only SPARQL endpoint (and the built site) on loopback by default."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Annotated, Any

import typer

from primes.cli._app import DEFAULT_CATALOG, CatalogOption, app, err_console, fail, open_catalog


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@app.command()
def serve(
    catalog_dir: CatalogOption = DEFAULT_CATALOG,
    host: Annotated[
        str, typer.Option("--host", help="Address to bind; anything but loopback exposes the endpoint.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
    site: Annotated[
        Path | None, typer.Option("--site", help="Also serve this built site folder at /.", file_okay=False)
    ] = None,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds a query may run before it is stopped.")] = 10.0,
    max_rows: Annotated[int, typer.Option("--max-rows", help="Most rows (or triples) in a result.")] = 10_000,
    max_request: Annotated[int, typer.Option("--max-request-bytes", help="Largest query request accepted.")] = 64
    * 1024,
    workers: Annotated[int, typer.Option("--workers", help="Queries that may run at the same time.")] = 2,
    cors_origin: Annotated[
        list[str] | None, typer.Option("--cors-origin", help="Allow browser pages from this origin (repeatable).")
    ] = None,
    live: Annotated[
        bool,
        typer.Option("--live/--no-live", help="Build the --site folder now and rebuild the pages an edit touches."),
    ] = True,
    site_config: Annotated[
        Path, typer.Option("--site-config", help="The mkdocs configuration of the live site.")
    ] = Path("site/mkdocs.yml"),
) -> None:
    """Serve the catalog over the SPARQL 1.1 Protocol at /sparql (read-only; updates and SERVICE refused)."""
    import uvicorn

    from primes.server import Limits, create_app

    if site is not None and not site.is_dir() and not live:
        fail(f"no site folder at {str(site)!r} (build it first)", 2)
    if timeout <= 0 or max_rows <= 0 or max_request <= 0 or workers <= 0:
        fail("--timeout, --max-rows, --max-request-bytes and --workers must be positive", 2)
    catalog = open_catalog(catalog_dir)
    limits = Limits(timeout=timeout, max_rows=max_rows, max_request_bytes=max_request, workers=workers)
    extra: dict[str, Any] = {}
    if site is not None and live:
        from primes.site.live import LiveSite

        live_site = LiveSite(catalog_dir, site, config_file=site_config)
        err_console.print(f"building the site into {site} (rebuilt live as the catalog changes)…")
        live_site.build()
        extra = {"routes": live_site.routes(), "lifespan": live_site.lifespan}
    application = create_app(
        catalog_dir, site_dir=site, limits=limits, cors_origins=cors_origin or (), catalog=catalog, **extra
    )
    if not _is_loopback(host):
        err_console.print(f"[yellow]warning:[/] binding to {host}: the endpoint is reachable from other machines")
    err_console.print(
        f"SPARQL endpoint: http://{host}:{port}/sparql" + (f"  site: http://{host}:{port}/" if site else "")
    )
    # Open live-reload streams would otherwise hold a graceful shutdown (Ctrl+C) open indefinitely.
    # h11 refuses a request head over 16 KiB before the app sees it: leave room for a query of --max-request-bytes
    # in the URL (percent-encoded), so that the endpoint answers it, or answers 414, itself.
    uvicorn.run(
        application,
        host=host,
        port=port,
        log_level="info",
        lifespan="on",
        timeout_graceful_shutdown=3,
        h11_max_incomplete_event_size=max_request * 3 + 16 * 1024,
    )
