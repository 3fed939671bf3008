"""The SPARQL endpoint, run for real (``primes serve`` on a free loopback port) and queried with
SPARQLWrapper and httpx: the protocol's methods, media types and status codes, and hostile requests, each
answered as it should be while the server keeps serving."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pyoxigraph as ox
import pytest
import uvicorn
from SPARQLWrapper import CSV, GET, JSON, POST, POSTDIRECTLY, TSV, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from conftest import TINY, free_port, wait_for_sparql
from primes.server import DEFAULT_HOST, Limits, create_app
from test_sparql_safety import Listener

PRIMES = Path(sys.executable).with_name("primes")  # the installed command
TIMEOUT = 2.0
MAX_ROWS = 200
MAX_REQUEST = 8192
PRIMES_QUERY = (
    "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
    "PREFIX primes: <https://w3id.org/primes/ontology#>\n"
    "SELECT ?prime ?name WHERE { ?prime a primes:Prime ; skos:prefLabel ?name } ORDER BY ?name"
)
NAMES = ["Lookalike", "Part", "Piece", "Sibling", "Twin", "Whole"]
# 738 triples cubed: far more work than the time limit allows
SLOW_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
HUGE_QUERY = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }"


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (the query workers, and multiprocessing's resource tracker)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


class Server:
    def __init__(self, process: subprocess.Popen[bytes], url: str) -> None:
        self.process = process
        self.url = url

    def workers(self) -> list[int]:
        return [p for p in children(self.process.pid) if b"spawn_main" in _cmdline(p)]


def _cmdline(pid: int) -> bytes:
    """A process's command line; empty once it has ended (a stopped worker may go between listing and reading)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    port = free_port()
    command = [
        str(PRIMES), "serve", "--catalog", str(TINY), "--port", str(port),
        "--timeout", str(TIMEOUT), "--max-rows", str(MAX_ROWS), "--max-request-bytes", str(MAX_REQUEST),
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/sparql"
    try:
        wait_for_sparql(url, process, 60)
        yield Server(process, url)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def wrapper(server: Server, query: str, fmt: str = JSON, method: str = GET) -> SPARQLWrapper:
    client = SPARQLWrapper(server.url)
    client.setQuery(query)
    client.setReturnFormat(fmt)
    client.setMethod(method)
    client.setTimeout(30)
    return client


# ---------------------------------------------------------------------------------------------------------
# The protocol, with a real client


@pytest.mark.parametrize("method", ["get", "form-post", "direct-post"])
def test_sparqlwrapper_reads_select_results(server: Server, method: str) -> None:
    client = wrapper(server, PRIMES_QUERY, JSON, GET if method == "get" else POST)
    if method == "direct-post":
        client.setRequestMethod(POSTDIRECTLY)
    result = client.query()
    assert result.info()["content-type"] == "application/sparql-results+json"
    bindings = result.convert()["results"]["bindings"]  # type: ignore[index]
    assert [b["name"]["value"] for b in bindings] == NAMES
    assert bindings[0]["name"]["xml:lang"] == "en"


@pytest.mark.parametrize(
    ("fmt", "media_type"),
    [(XML, "application/sparql-results+xml"), (CSV, "text/csv"), (TSV, "text/tab-separated-values")],
)
def test_select_results_in_the_format_asked_for(server: Server, fmt: str, media_type: str) -> None:
    result = wrapper(server, PRIMES_QUERY, fmt).query()
    assert result.info()["content-type"].split(";")[0] == media_type
    body = result.response.read()
    if fmt == XML:
        parsed = ox.parse_query_results(body, format=ox.QueryResultsFormat.XML)
        assert [s["name"].value for s in parsed] == NAMES  # type: ignore[union-attr]
    else:
        assert all(name.encode() in body for name in NAMES)


def test_ask_results(server: Server) -> None:
    answer = wrapper(server, "ASK { ?s ?p ?o }").query().convert()
    assert answer["boolean"] is True  # type: ignore[index]


def test_construct_results_as_turtle_by_default(server: Server) -> None:
    broader = "<http://www.w3.org/2004/02/skos/core#broader>"
    query = f"CONSTRUCT {{ ?a {broader} ?b }} WHERE {{ ?a {broader} ?b }}"
    result = wrapper(server, query, TURTLE).query()
    assert result.info()["content-type"].startswith("text/turtle")
    body = result.convert()
    assert isinstance(body, bytes)
    assert len(list(ox.parse(body, format=ox.RdfFormat.TURTLE))) == 3


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [
        ("application/n-triples", ox.RdfFormat.N_TRIPLES),
        ("application/ld+json", ox.RdfFormat.JSON_LD),
        ("application/rdf+xml", ox.RdfFormat.RDF_XML),
        ("text/html;q=0.9, text/turtle", ox.RdfFormat.TURTLE),
    ],
)
def test_graph_results_by_content_negotiation(server: Server, accept: str, fmt: ox.RdfFormat) -> None:
    response = httpx.get(
        server.url, params={"query": "DESCRIBE <https://w3id.org/primes/prime/part>"}, headers={"Accept": accept}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == accept.split(",")[-1].strip()
    assert len(list(ox.parse(response.content, format=fmt))) > 20


def test_a_result_the_client_cannot_accept_is_406(server: Server) -> None:
    response = httpx.get(server.url, params={"query": PRIMES_QUERY}, headers={"Accept": "text/turtle"})
    assert response.status_code == 406
    assert "application/sparql-results+json" in response.text


def test_a_bad_query_is_400_with_the_parsers_message(server: Server) -> None:
    with pytest.raises(QueryBadFormed) as info:
        wrapper(server, "SELECT ?s WHERE { ?s ?p }").query()
    assert "error at 1:" in str(info.value)
    response = httpx.get(server.url, params={"query": "SELECT ?s WHERE { ?s ?p }"})
    assert response.status_code == 400
    assert response.text.startswith("SPARQL syntax error: error at 1:")


def test_requests_without_a_query_or_in_other_ways_are_refused(server: Server) -> None:
    assert httpx.get(server.url).status_code == 400
    assert "<form" in httpx.get(server.url, headers={"Accept": "text/html"}).text
    assert httpx.put(server.url, content=b"x").status_code == 405
    refused = httpx.post(server.url, content=b"ASK {}", headers={"Content-Type": "text/plain"})
    assert refused.status_code == 415
    twice = httpx.get(server.url, params=[("query", "ASK {}"), ("query", "ASK {}")])
    assert twice.status_code == 400


# ---------------------------------------------------------------------------------------------------------
# Hostile requests


@pytest.mark.parametrize(
    "send",
    [
        lambda url: httpx.post(
            url, content=b"INSERT DATA { <a> <b> <c> }", headers={"Content-Type": "application/sparql-update"}
        ),
        lambda url: httpx.post(url, data={"update": "INSERT DATA { <a> <b> <c> }"}),
        lambda url: httpx.post(url, data={"query": "INSERT DATA { <a> <b> <c> }"}),
        lambda url: httpx.get(url, params={"query": "DROP ALL"}),
        lambda url: httpx.get(url, params={"update": "CLEAR ALL"}),
    ],
    ids=["update-body", "update-form", "update-as-query", "drop-as-query", "update-param"],
)
def test_updates_are_refused_with_403(server: Server, send: Any) -> None:
    response = send(server.url)
    assert response.status_code == 403
    assert "read-only" in response.text or "Update is refused" in response.text
    count = httpx.get(server.url, params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}).json()
    assert count["results"]["bindings"][0]["n"]["value"] == "738"


def test_sparqlwrapper_update_is_refused(server: Server) -> None:
    client = wrapper(server, "INSERT DATA { <http://a> <http://b> <http://c> }", JSON, POST)
    with pytest.raises(urllib.error.HTTPError) as info:
        client.query()
    assert info.value.code == 403


@pytest.fixture
def listener() -> Iterator[Listener]:
    found = Listener()
    yield found
    found.close()


def test_service_is_refused_and_nothing_is_called(server: Server, listener: Listener) -> None:
    for query in (
        f"SELECT * WHERE {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ ?x ?y ?z .SERVICE SILENT <{listener.url}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERV\\u0049CE <{listener.url}> {{ ?s ?p ?o }} }}",
    ):
        response = httpx.post(server.url, data={"query": query})
        assert response.status_code == 403, query
        assert "SERVICE is refused" in response.text
    time.sleep(0.3)
    assert listener.calls == []


def test_from_and_dataset_parameters_fetch_nothing(server: Server, listener: Listener) -> None:
    query = f"SELECT * FROM <{listener.url}> FROM NAMED <{listener.url}> WHERE {{ ?s ?p ?o }}"
    response = httpx.get(server.url, params={"query": query})
    assert response.status_code == 200
    assert response.json()["results"]["bindings"] == []
    response = httpx.get(
        server.url,
        params={
            "query": "SELECT * WHERE { ?s ?p ?o }",
            "default-graph-uri": listener.url,
            "named-graph-uri": listener.url,
        },
    )
    assert response.status_code == 200
    assert response.json()["results"]["bindings"] == []
    time.sleep(0.3)
    assert listener.calls == []


def test_a_slow_query_is_stopped_while_the_server_keeps_answering(server: Server) -> None:
    slow: dict[str, Any] = {}

    def run_slow() -> None:
        started = time.monotonic()
        slow["response"] = httpx.post(server.url, data={"query": SLOW_QUERY}, timeout=60)
        slow["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=run_slow)
    thread.start()
    time.sleep(0.5)
    for _ in range(3):  # the other worker answers while the slow query runs
        response = httpx.get(server.url, params={"query": PRIMES_QUERY}, timeout=10)
        assert response.status_code == 200
        assert [b["name"]["value"] for b in response.json()["results"]["bindings"]] == NAMES
    assert thread.is_alive(), "the slow query ended before the others were answered: nothing was shown"
    thread.join(timeout=60)
    assert slow["response"].status_code == 503
    assert f"ran longer than {TIMEOUT:g} s" in slow["response"].text
    assert TIMEOUT <= slow["seconds"] < TIMEOUT + 5
    # the killed worker is replaced: two workers again, and both serve
    deadline = time.monotonic() + 30
    while len(server.workers()) != 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(server.workers()) == 2
    for _ in range(4):
        assert httpx.get(server.url, params={"query": "ASK {}"}, timeout=10).status_code == 200


def test_a_worker_that_dies_is_replaced(server: Server) -> None:
    deadline = time.monotonic() + 30
    while len(server.workers()) != 2 and time.monotonic() < deadline:  # after the slow-query test
        time.sleep(0.2)
    victim = server.workers()[0]
    os.kill(victim, signal.SIGKILL)
    statuses = [httpx.get(server.url, params={"query": "ASK {}"}, timeout=10).status_code for _ in range(4)]
    assert statuses.count(500) <= 1 and statuses[-1] == 200, statuses
    deadline = time.monotonic() + 30
    while len(server.workers()) != 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(server.workers()) == 2 and victim not in server.workers()
    assert all(httpx.get(server.url, params={"query": "ASK {}"}, timeout=10).status_code == 200 for _ in range(4))


def test_a_huge_result_is_refused_not_cut(server: Server) -> None:
    response = httpx.get(server.url, params={"query": HUGE_QUERY}, timeout=30)
    assert response.status_code == 422
    assert f"more than {MAX_ROWS:,} rows" in response.text
    response = httpx.get(server.url, params={"query": HUGE_QUERY + f" LIMIT {MAX_ROWS}"}, timeout=30)
    assert response.status_code == 200
    assert len(response.json()["results"]["bindings"]) == MAX_ROWS
    construct = httpx.get(server.url, params={"query": "CONSTRUCT WHERE { ?a ?b ?c }"}, timeout=30)
    assert construct.status_code == 422 and "triples" in construct.text


def test_oversized_requests_are_refused(server: Server) -> None:
    padding = "#" + "x" * MAX_REQUEST + "\n"
    assert (
        httpx.post(
            server.url, content=(padding + "ASK {}").encode(), headers={"Content-Type": "application/sparql-query"}
        ).status_code
        == 413
    )
    assert httpx.post(server.url, data={"query": padding + "ASK {}"}).status_code == 413
    assert httpx.get(server.url, params={"query": padding + "ASK {}"}).status_code == 414
    # past h11's default 16 KiB head, still the endpoint's own answer (primes serve raises h11's limit)
    assert httpx.get(server.url, params={"query": "#" + "x" * 20_000 + "\nASK {}"}).status_code == 414


def test_cors_is_off_by_default(server: Server) -> None:
    response = httpx.get(server.url, params={"query": "ASK {}"}, headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in response.headers
    preflight = httpx.options(
        server.url, headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    )
    assert "access-control-allow-origin" not in preflight.headers


def test_the_server_binds_to_loopback_by_default() -> None:
    import inspect

    from primes.cli.serve import serve

    assert DEFAULT_HOST == "127.0.0.1"
    assert inspect.signature(serve).parameters["host"].default == "127.0.0.1"


def test_stopping_the_server_stops_its_workers(tmp_path: Path) -> None:
    port = free_port()
    process = subprocess.Popen(
        [str(PRIMES), "serve", "--catalog", str(TINY), "--port", str(port), "--workers", "1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if (
                    httpx.get(f"http://127.0.0.1:{port}/sparql", params={"query": "ASK {}"}, timeout=2).status_code
                    == 200
                ):
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        workers = children(process.pid)
        assert workers
        process.send_signal(signal.SIGTERM)
        # uvicorn shuts down gracefully, then re-raises the signal so the exit status tells what stopped it
        assert process.wait(timeout=20) in (0, -signal.SIGTERM)
        deadline = time.monotonic() + 10
        while any(
            Path(f"/proc/{p}").exists() and b"Z" not in Path(f"/proc/{p}/stat").read_bytes().split(b")")[1][:3]
            for p in workers
        ):
            assert time.monotonic() < deadline, "a query worker outlived the server"
            time.sleep(0.1)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


# ---------------------------------------------------------------------------------------------------------
# The app in process (uvicorn in a thread): CORS when configured, the site, extra routes, a lifespan, reload


@contextlib.contextmanager
def running(app: Starlette) -> Iterator[str]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 60
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "the app did not start"
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "index.html").write_text("<h1>Primes</h1>")
    return folder


def test_the_app_serves_the_site_extra_routes_and_cors_when_configured(site: Path) -> None:
    async def health(request: Any) -> PlainTextResponse:
        return PlainTextResponse("ok")

    app = create_app(
        TINY,
        site_dir=site,
        limits=Limits(workers=1),
        cors_origins=["https://reader.example"],
        routes=[Route("/health", health)],
    )
    with running(app) as base:
        assert httpx.get(base + "/").text == "<h1>Primes</h1>"
        assert httpx.get(base + "/health").text == "ok"
        response = httpx.get(base + "/sparql", params={"query": "ASK {}"}, headers={"Origin": "https://reader.example"})
        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == "https://reader.example"
        other = httpx.get(base + "/sparql", params={"query": "ASK {}"}, headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers
        assert json.loads(other.text)["boolean"] is True
        assert app.state.query_pool.triples == 738
    assert not app.state.query_pool._all  # the workers are stopped with the app


def test_a_lifespan_of_ones_own_runs_inside_and_reload_serves_a_rebuilt_catalog(tiny_dir: Path) -> None:
    import primes
    from primes.rdf.export import store_input

    events: list[str] = []
    loops: list[asyncio.AbstractEventLoop] = []

    @contextlib.asynccontextmanager
    async def own(app: Starlette) -> AsyncIterator[None]:
        events.append("start")
        loops.append(asyncio.get_running_loop())
        yield
        events.append("stop")

    app = create_app(tiny_dir, limits=Limits(workers=1), lifespan=own)
    query = {"query": "SELECT (COUNT(*) AS ?n) WHERE { ?p a <https://w3id.org/primes/ontology#Prime> }"}
    with running(app) as base:
        assert events == ["start"]
        assert httpx.get(base + "/sparql", params=query).json()["results"]["bindings"][0]["n"]["value"] == "6"
        (tiny_dir / "primes" / "lookalike.yaml").unlink()
        changed = primes.load(tiny_dir, use_cache=False)
        asyncio.run_coroutine_threadsafe(app.state.query_pool.reload(store_input(changed)), loops[0]).result(timeout=60)
        assert httpx.get(base + "/sparql", params=query).json()["results"]["bindings"][0]["n"]["value"] == "5"
    assert events == ["start", "stop"]
