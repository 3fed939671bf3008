"""``primes push`` against real stores that the tests start on loopback and stop afterwards: Oxigraph's server
and Virtuoso (digest authentication). The pushed graph holds what the embedded store holds, the named
queries give the same answers there, and a second push replaces the graph rather than adding to it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

import primes
from conftest import TINY, free_port, wait_for_sparql
from primes.cli import app
from primes.rdf.export import store
from primes.rdf.push import PASSWORD_ENV, PushError, push, query_url_for
from primes.rdf.sparql import bind, named_query

OXIGRAPH = Path(sys.executable).with_name("oxigraph")
GRAPH = "https://w3id.org/primes/"
runner = CliRunner()


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def select(query_url: str, query: str, graph: str | None = GRAPH) -> list[dict[str, str]]:
    """Rows of a SELECT on the store, with the pushed graph as the default graph; GET with a timeout."""
    params = {"query": query} if graph is None else {"query": query, "default-graph-uri": graph}
    response = httpx.get(
        query_url,
        params=params,
        headers={"Accept": "application/sparql-results+json"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return [{k: v["value"] for k, v in row.items()} for row in response.json()["results"]["bindings"]]


def local_rows(catalog: primes.Catalog, query: str) -> list[dict[str, str]]:
    from primes.rdf.sparql import rows, run

    _, results = run(catalog, query)
    names, found = rows(results)  # type: ignore[arg-type]
    return [{n: t.value for n, t in zip(names, row, strict=True) if t is not None} for row in found]


# ---------------------------------------------------------------------------------------------------------
# Oxigraph


@dataclass
class Store:
    url: str  # the Graph Store endpoint
    query_url: str
    user: str | None = None
    password: str | None = None


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    if not OXIGRAPH.exists():
        pytest.skip(f"the oxigraph server is not installed at {OXIGRAPH} (pip install oxigraph)")
    port = free_port()
    folder = tmp_path_factory.mktemp("oxigraph")
    log = folder / "server.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(OXIGRAPH), "serve", "--location", str(folder / "data"), "--bind", f"127.0.0.1:{port}"],
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for_sparql(f"http://127.0.0.1:{port}/query", process, 60, log)
        yield Store(f"http://127.0.0.1:{port}/store", f"http://127.0.0.1:{port}/query")
    finally:
        stop(process)


def test_push_to_oxigraph_replaces_the_graph_and_verifies_the_count(oxigraph: Store, tiny_dir: Path) -> None:
    catalog = primes.load(tiny_dir, use_cache=False)
    result = push(catalog, oxigraph.url)
    assert (result.graph, result.query_url) == (GRAPH, oxigraph.query_url)
    assert result.triples == len(store(catalog)) == 738
    # a second push of a smaller catalog replaces the graph: the count drops
    (tiny_dir / "primes" / "lookalike.yaml").unlink()
    smaller = primes.load(tiny_dir, use_cache=False)
    assert push(smaller, oxigraph.url).triples == len(store(smaller)) < 738
    # the triples went into the named graph, not into the store's default graph
    assert select(oxigraph.query_url, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", graph=None)[0]["n"] == "0"


@pytest.mark.parametrize("name", ["foundational", "neighborhood", "edge-counts", "descendants"])
def test_the_named_queries_give_the_same_answers_in_the_store(oxigraph: Store, tiny: primes.Catalog, name: str) -> None:
    push(tiny, oxigraph.url, graph="https://example.org/graphs/tiny")
    query = named_query(name)
    text = bind(tiny, query, {p.name: "part" for p in query.params})
    assert select(oxigraph.query_url, text, graph="https://example.org/graphs/tiny") == local_rows(tiny, text)


def test_cli_push_to_oxigraph(oxigraph: Store) -> None:
    result = runner.invoke(app, ["push", oxigraph.url, "--catalog", str(TINY), "--graph", "urn:primes:cli"])
    assert result.exit_code == 0, result.output
    assert "pushed 738 triples into <urn:primes:cli>" in result.output


def test_push_errors_say_what_went_wrong(tiny: primes.Catalog, oxigraph: Store) -> None:
    closed = free_port()
    with pytest.raises(PushError, match="cannot reach"):
        push(tiny, f"http://127.0.0.1:{closed}/store", timeout=5)
    with pytest.raises(PushError, match="pass --query-url"):
        push(tiny, "http://127.0.0.1:1/somewhere")
    with pytest.raises(PushError, match="answered 404"):
        push(tiny, oxigraph.url.replace("/store", "/nowhere"), query_url=oxigraph.query_url)


def test_query_endpoints_of_known_stores() -> None:
    assert query_url_for("http://h:7878/store") == "http://h:7878/query"
    assert query_url_for("http://h:8890/sparql-graph-crud-auth") == "http://h:8890/sparql"
    assert query_url_for("http://h:3030/ds/data") == "http://h:3030/ds/query"


def test_cli_asks_for_the_password_in_the_environment_without_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    result = runner.invoke(app, ["push", "http://127.0.0.1:1/store", "--catalog", str(TINY), "--user", "dba"])
    assert result.exit_code == 2
    assert PASSWORD_ENV in result.output


# ---------------------------------------------------------------------------------------------------------
# Virtuoso

VIRTUOSO_INI = """\
[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
LiteMode = 0
DisableUnixSocket = 1
DisableTcpSocket = 0
ServerThreads = 10
CheckpointInterval = 0
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
DirsAllowed = .

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {dir}/vsp
ServerThreads = 10
MaxClientConnections = 10
EnabledDavVSP = 0
HTTPProxyEnabled = 0

[SPARQL]
ResultSetMaxRows = 100000
MaxQueryExecutionTime = 60
"""
VIRTUOSO_PASSWORD = "primes-test-secret"


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    server, isql = shutil.which("virtuoso-t"), shutil.which("isql-vt") or shutil.which("isql")
    if server is None or isql is None:
        pytest.skip("Virtuoso is not installed (apt-get install virtuoso-opensource-7-bin; .ci/run installs it)")
    folder = tmp_path_factory.mktemp("virtuoso")
    (folder / "vsp").mkdir()
    sql_port, http_port = free_port(), free_port()
    ini = folder / "virtuoso.ini"
    ini.write_text(VIRTUOSO_INI.format(dir=folder, sql_port=sql_port, http_port=http_port))
    log = folder / "console.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [server, "+foreground", "+configfile", str(ini)], cwd=folder, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        wait_for_sparql(f"http://127.0.0.1:{http_port}/sparql", process, 120, log)
        statement = f"USER_SET_PASSWORD('dba', '{VIRTUOSO_PASSWORD}'); checkpoint;"
        done = subprocess.run(
            [isql, f"127.0.0.1:{sql_port}", "dba", "dba", f"exec={statement}"],
            capture_output=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stdout.decode(errors="replace") + done.stderr.decode(errors="replace")
        yield Store(
            f"http://127.0.0.1:{http_port}/sparql-graph-crud-auth",
            f"http://127.0.0.1:{http_port}/sparql",
            "dba",
            VIRTUOSO_PASSWORD,
        )
    finally:
        stop(process)


def test_push_to_virtuoso_with_digest_auth(virtuoso: Store, tiny_dir: Path) -> None:
    catalog = primes.load(tiny_dir, use_cache=False)
    result = push(catalog, virtuoso.url, user=virtuoso.user, password=virtuoso.password, timeout=60)
    assert result.query_url == virtuoso.query_url
    assert result.triples == len(store(catalog))
    (tiny_dir / "primes" / "lookalike.yaml").unlink()
    smaller = primes.load(tiny_dir, use_cache=False)
    assert push(smaller, virtuoso.url, user=virtuoso.user, password=virtuoso.password, timeout=60).triples == len(
        store(smaller)
    )


def test_the_named_queries_run_on_virtuoso(virtuoso: Store, tiny: primes.Catalog) -> None:
    graph = "https://example.org/graphs/tiny"
    push(tiny, virtuoso.url, graph=graph, user=virtuoso.user, password=virtuoso.password, timeout=60)
    for name in ("foundational", "neighborhood"):
        query = named_query(name)
        text = bind(tiny, query, {p.name: "part" for p in query.params})
        found = select(virtuoso.query_url, text, graph=graph)
        expected = local_rows(tiny, text)
        # Virtuoso writes integers as typed literals with the same value; compare the values
        assert found == expected


def test_cli_push_to_virtuoso_reads_the_password_from_the_environment(
    virtuoso: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PASSWORD_ENV, virtuoso.password or "")
    result = runner.invoke(app, ["push", virtuoso.url, "--catalog", str(TINY), "--user", "dba", "--timeout", "60"])
    assert result.exit_code == 0, result.output
    assert "pushed 738 triples" in result.output
    monkeypatch.setenv(PASSWORD_ENV, "wrong")
    result = runner.invoke(app, ["push", virtuoso.url, "--catalog", str(TINY), "--user", "dba", "--timeout", "60"])
    assert result.exit_code == 1
    assert "refused the login (401)" in result.output


def test_virtuoso_refuses_a_push_without_login(virtuoso: Store, tiny: primes.Catalog) -> None:
    with pytest.raises(PushError, match="asks for a login; pass --user"):
        push(tiny, virtuoso.url, timeout=60)
