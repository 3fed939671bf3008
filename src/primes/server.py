"""A read-only SPARQL 1.1 Protocol endpoint for a catalog, safe to expose, and the built site beside it.

``create_app(catalog_dir)`` is a Starlette application with the endpoint at ``/sparql``: GET, form POST and
direct ``application/sparql-query`` POST, content negotiation for the SPARQL results formats (JSON, XML,
CSV, TSV) and for RDF (Turtle, N-Triples, JSON-LD, RDF/XML), 400 with the parser's message for a bad query.

What makes it safe to expose:

- queries run in worker processes (:mod:`primes.rdf.worker`), never on the event loop, so the server keeps
  answering while a slow query runs; a query past the time limit is ended by killing its worker (pyoxigraph
  cannot interrupt a running query) and answered 503, and a fresh worker takes its place;
- updates are refused (403), and so is ``SERVICE`` (403): the server never makes an outbound request for a
  client. ``FROM`` and the dataset parameters only select graphs of the local store; nothing is fetched;
- results are capped (422 past ``max_rows`` rows or triples), requests are capped (413, 414);
- CORS is off unless origins are configured, and ``primes serve`` binds to loopback unless told otherwise.

The app is composable: pass extra ``routes`` (served before the site) and ``middleware``, and a
``lifespan`` of your own, which runs inside the endpoint's. To serve a rebuilt catalog without a restart,
await ``app.state.query_pool.reload(primes.rdf.export.store_input(catalog))``: fresh workers load it and
replace the old ones once they are idle.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import multiprocessing
import tempfile
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from primes.catalog import Catalog, load
from primes.rdf import worker as worker_module
from primes.rdf.export import store_input
from primes.rdf.safety import QueryRefused, check_query

log = logging.getLogger("primes.server")

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
_FORM = "application/x-www-form-urlencoded"
_QUERY = "application/sparql-query"
_UPDATE = "application/sparql-update"
_DEFAULT_SELECT = "application/sparql-results+json"
_DEFAULT_GRAPH = "text/turtle"
_READ_ONLY = "this endpoint is read-only: SPARQL Update is refused"
_NO_QUERY = "no query: pass it as the 'query' parameter (GET or form POST) or POST it as application/sparql-query"

Lifespan = Callable[[Starlette], contextlib.AbstractAsyncContextManager[None]]


@dataclass(frozen=True, slots=True)
class Limits:
    """What one request may cost."""

    timeout: float = 10.0  # seconds a query may run
    max_rows: int = 10_000  # rows (SELECT) or triples (CONSTRUCT, DESCRIBE) in a result
    max_request_bytes: int = 64 * 1024  # a query's size, in a URL or a body
    workers: int = 2  # queries that run at the same time
    startup_timeout: float = 300.0  # seconds a worker may take to load the store


class QueryFailed(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


# ---------------------------------------------------------------------------------------------------------
# Worker processes


@dataclass(eq=False, slots=True)  # hashed by identity: the pool keeps a set of them
class _Worker:
    process: BaseProcess
    conn: Connection

    def stop(self) -> None:
        with contextlib.suppress(OSError, BrokenPipeError):
            self.conn.send(None)
        self.process.join(timeout=2)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(timeout=5)
        self.conn.close()

    def kill(self) -> None:
        self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()


@dataclass(slots=True)
class QueryPool:
    """Worker processes that hold the store; each answers one query at a time."""

    data: bytes
    limits: Limits
    _folder: tempfile.TemporaryDirectory[str] | None = None
    _path: str = ""
    _idle: asyncio.Queue[_Worker] | None = None
    _all: set[_Worker] = field(default_factory=set)
    _threads: ThreadPoolExecutor | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    triples: int = 0
    _generation: int = 0

    def _write_data(self, data: bytes) -> str:
        assert self._folder is not None
        self._generation += 1
        path = Path(self._folder.name) / f"store-{self._generation}.ttl"
        path.write_bytes(data)
        return str(path)

    def _spawn(self) -> _Worker:
        """Start one worker and wait until it has loaded the store (blocking: call it from a thread)."""
        context = multiprocessing.get_context("spawn")
        parent, child = context.Pipe()
        process = context.Process(target=worker_module.main, args=(child, self._path), daemon=True, name="primes-query")
        with worker_module.interrupts_held():
            process.start()
        child.close()
        worker = _Worker(process, parent)
        if not parent.poll(self.limits.startup_timeout):
            worker.kill()
            raise RuntimeError(f"a query worker did not load the store within {self.limits.startup_timeout:.0f} s")
        try:
            message = parent.recv()
        except EOFError:
            worker.kill()
            raise RuntimeError(f"a query worker failed to start (exit code {process.exitcode})") from None
        self.triples = int(message[1])
        with self._lock:
            self._all.add(worker)
        return worker

    async def start(self) -> None:
        self._folder = tempfile.TemporaryDirectory(prefix="primes-serve-")
        self._path = self._write_data(self.data)
        self.data = b""  # the workers read the file; no need to hold a second copy
        self._threads = ThreadPoolExecutor(max_workers=self.limits.workers + 2, thread_name_prefix="primes-query")
        self._idle = asyncio.Queue()
        loop = asyncio.get_running_loop()
        workers = await asyncio.gather(
            *(loop.run_in_executor(self._threads, self._spawn) for _ in range(self.limits.workers))
        )
        for worker in workers:
            self._idle.put_nowait(worker)

    async def stop(self) -> None:
        with self._lock:
            workers = list(self._all)
            self._all.clear()
        for worker in workers:
            await asyncio.to_thread(worker.stop)
        if self._threads is not None:
            self._threads.shutdown(wait=False, cancel_futures=True)
        if self._folder is not None:
            self._folder.cleanup()

    async def reload(self, data: bytes) -> None:
        """Serve new data (a rebuilt catalog): new workers load it, old ones stop once they are idle."""
        assert self._idle is not None and self._threads is not None
        previous = self._path
        self._path = self._write_data(data)
        loop = asyncio.get_running_loop()
        fresh = await asyncio.gather(
            *(loop.run_in_executor(self._threads, self._spawn) for _ in range(self.limits.workers))
        )
        # Workers read the file only while starting (a replacement after a timeout reads the newest one), so the
        # previous generation can go: a long editing session must not pile up copies of the store.
        Path(previous).unlink(missing_ok=True)
        old = []
        for _ in range(self.limits.workers):
            old.append(await self._idle.get())
        for worker in fresh:
            self._idle.put_nowait(worker)
        for worker in old:
            with self._lock:
                self._all.discard(worker)
            await asyncio.to_thread(worker.stop)

    async def run(self, message: tuple[Any, ...]) -> tuple[str, bytes]:
        """Run one query on an idle worker within the time limit; (media type, body) or QueryFailed.

        A request waits at most the time limit for a free worker (503 if none frees up), then the query has
        the whole time limit to run."""
        assert self._idle is not None and self._threads is not None
        limits = self.limits
        loop = asyncio.get_running_loop()
        try:
            worker = await asyncio.wait_for(self._idle.get(), timeout=limits.timeout)
        except TimeoutError:
            raise QueryFailed(503, "every query worker is busy; try again shortly") from None
        try:
            reply = await loop.run_in_executor(self._threads, _call, worker, message, limits.timeout)
        except BaseException:
            self._replace(worker)
            raise
        if reply is None:
            self._replace(worker)
            raise QueryFailed(503, f"the query ran longer than {limits.timeout:g} s and was stopped")
        if reply[0] == "broken":
            self._replace(worker)
            raise QueryFailed(500, "the query worker stopped unexpectedly; try again")
        self._idle.put_nowait(worker)
        if reply[0] == "ok":
            return reply[1], reply[2]
        raise QueryFailed(int(reply[1]), str(reply[2]))

    def _replace(self, worker: _Worker) -> None:
        """Kill a worker that overran (or broke) and start another in the background."""
        with self._lock:
            self._all.discard(worker)
        assert self._threads is not None and self._idle is not None
        loop = asyncio.get_running_loop()
        idle = self._idle

        def respawn() -> None:
            worker.kill()
            try:
                fresh = self._spawn()
            except RuntimeError as exc:
                log.error("%s", exc)
                return
            loop.call_soon_threadsafe(idle.put_nowait, fresh)

        self._threads.submit(respawn)


def _call(worker: _Worker, message: tuple[Any, ...], timeout: float) -> tuple[Any, ...] | None:
    """Send a query and wait for the answer; None when the time is up (the caller kills the worker)."""
    try:
        worker.conn.send(message)
        if not worker.conn.poll(timeout):
            return None
        reply: tuple[Any, ...] = worker.conn.recv()
    except (EOFError, OSError):
        return ("broken",)  # the worker died (out of memory, killed): the caller replaces it
    return reply


# ---------------------------------------------------------------------------------------------------------
# The endpoint


def _accepted(header: str | None, default: str) -> list[str]:
    """Media types from an Accept header, best first (q-values honoured, q=0 dropped)."""
    if not header:
        return [default]
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")):
        pieces = [p.strip() for p in part.split(";")]
        media_type = pieces[0].lower()
        if not media_type:
            continue
        quality = 1.0
        for parameter in pieces[1:]:
            if parameter.startswith("q="):
                try:
                    quality = float(parameter[2:])
                except ValueError:
                    quality = 0.0
        if quality > 0:
            ranked.append((-quality, index, media_type))
    return [media_type for _, _, media_type in sorted(ranked)]


class SparqlEndpoint:
    def __init__(self, pool: QueryPool, limits: Limits) -> None:
        self.pool = pool
        self.limits = limits

    async def handle(self, request: Request) -> Response:
        try:
            query, default_graphs, named_graphs = await self.read(request)
            if query is None:
                if "text/html" in (request.headers.get("accept") or ""):
                    return HTMLResponse(_FORM_PAGE)
                raise QueryFailed(400, _NO_QUERY)
            shape = check_query(query)
            default = _DEFAULT_GRAPH if shape.form in ("construct", "describe") else _DEFAULT_SELECT
            accepted = _accepted(request.headers.get("accept"), default)
            if accepted == ["*/*"]:
                accepted = [default]
            media_type, body = await self.pool.run(
                (query, accepted, self.limits.max_rows, default_graphs, named_graphs)
            )
        except QueryRefused as exc:
            return _error(exc.status, str(exc))
        except QueryFailed as exc:
            return _error(exc.status, exc.message)
        return Response(body, media_type=media_type, headers={"Vary": "Accept"})

    async def read(self, request: Request) -> tuple[str | None, list[str], list[str]]:
        """The query and the dataset parameters of a request, whichever way it came."""
        limit = self.limits.max_request_bytes
        if request.method == "GET":
            if len(request.url.query.encode()) > limit:
                raise QueryFailed(414, f"the request is longer than {limit:,} bytes")
            params = parse_qs(request.url.query, keep_blank_values=True)
            if "update" in params:
                raise QueryRefused(_READ_ONLY)
            return _single(params, "query"), params.get("default-graph-uri", []), params.get("named-graph-uri", [])
        content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
        body = await _read_body(request, limit)
        url_params = parse_qs(request.url.query, keep_blank_values=True)
        if content_type == _UPDATE:
            raise QueryRefused(_READ_ONLY)
        if content_type == _FORM:
            try:
                params = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
            except UnicodeDecodeError:
                raise QueryFailed(400, "the form is not UTF-8") from None
            if "update" in params:
                raise QueryRefused(_READ_ONLY)
            graphs = params.get("default-graph-uri", []) + url_params.get("default-graph-uri", [])
            named = params.get("named-graph-uri", []) + url_params.get("named-graph-uri", [])
            return _single(params, "query"), graphs, named
        if content_type == _QUERY:
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError:
                raise QueryFailed(400, "the query is not UTF-8") from None
            return text, url_params.get("default-graph-uri", []), url_params.get("named-graph-uri", [])
        raise QueryFailed(
            415, f"POST a query as {_QUERY} or as a form ({_FORM}), not {content_type or 'no content type'}"
        )


def _single(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name)
    if not values:
        return None
    if len(values) > 1:
        raise QueryFailed(400, f"the request has {len(values)} '{name}' parameters; send one")
    return values[0]


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise QueryFailed(413, f"the request body is larger than {limit:,} bytes")
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise QueryFailed(413, f"the request body is larger than {limit:,} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _error(status: int, message: str) -> Response:
    headers = {"Retry-After": "5"} if status == 503 else None
    return PlainTextResponse(message + "\n", status_code=status, headers=headers)


_FORM_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>SPARQL endpoint</title></head>
<body><h1>SPARQL endpoint</h1>
<p>Read-only. Prefixes are not predeclared: write the PREFIX lines the query needs.</p>
<form method="post" action="sparql"><textarea name="query" rows="14" cols="90">{query}</textarea><br>
<button type="submit">Run</button></form></body></html>
""".format(
    query=html.escape(
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
        "PREFIX primes: <https://w3id.org/primes/ontology#>\n\n"
        "SELECT ?prime ?name WHERE {\n  ?prime a primes:Prime ; skos:prefLabel ?name .\n} ORDER BY ?name LIMIT 50"
    )
)


def create_app(
    catalog_dir: Path | str,
    *,
    site_dir: Path | str | None = None,
    limits: Limits | None = None,
    cors_origins: Sequence[str] = (),
    routes: Sequence[BaseRoute] = (),
    middleware: Sequence[Middleware] = (),
    lifespan: Lifespan | None = None,
    catalog: Catalog | None = None,
) -> Starlette:
    """The endpoint for the catalog at ``catalog_dir`` (loaded now: a catalog with errors raises
    CatalogError), with the built site at ``/`` when ``site_dir`` is given."""
    limits = limits or Limits()
    catalog = catalog if catalog is not None else load(catalog_dir)
    pool = QueryPool(store_input(catalog), limits)
    endpoint = SparqlEndpoint(pool, limits)
    all_routes: list[BaseRoute] = [Route("/sparql", endpoint.handle, methods=["GET", "POST"], name="sparql"), *routes]
    if site_dir is not None:
        all_routes.append(Mount("/", app=StaticFiles(directory=str(site_dir), html=True), name="site"))
    stack = list(middleware)
    if cors_origins:
        stack.append(
            Middleware(
                CORSMiddleware,
                allow_origins=list(cors_origins),
                allow_methods=["GET", "POST"],
                allow_headers=["Content-Type", "Accept"],
            )
        )

    @contextlib.asynccontextmanager
    async def run(app: Starlette) -> AsyncIterator[None]:
        await pool.start()
        log.info("SPARQL endpoint ready: %s triples, %d worker(s)", f"{pool.triples:,}", limits.workers)
        try:
            if lifespan is not None:
                async with lifespan(app):
                    yield
            else:
                yield
        finally:
            await pool.stop()

    app = Starlette(routes=all_routes, middleware=stack, lifespan=run)
    app.state.query_pool = pool
    app.state.catalog = catalog
    return app
