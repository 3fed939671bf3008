"""Pushing a catalog into an external triple store through the SPARQL 1.1 Graph Store HTTP Protocol.

:func:`push` replaces one named graph (``PUT <store>?graph=<iri>``) with the catalog and the ontology (the
same triples as the embedded store, so that the named queries run there unchanged), then asks the store's
query endpoint how many triples the graph holds and fails unless that is the number sent. Tested against
Oxigraph's server (``/store`` and ``/query``) and Virtuoso (``/sparql-graph-crud-auth`` with digest
authentication, and ``/sparql``).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Generator
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import httpx

from primes.catalog import Catalog
from primes.errors import PrimesError
from primes.rdf.build import require_meta
from primes.rdf.export import store, store_input

PASSWORD_ENV = "PRIMES_PUSH_PASSWORD"

# Graph Store endpoint path -> the query endpoint of the same store.
_QUERY_PATHS: tuple[tuple[str, str], ...] = (
    ("/sparql-graph-crud-auth", "/sparql"),  # Virtuoso
    ("/sparql-graph-crud", "/sparql"),  # Virtuoso, unauthenticated
    ("/store", "/query"),  # Oxigraph
    ("/data", "/query"),  # Fuseki: /<dataset>/data and /<dataset>/query
)


class PushError(PrimesError):
    """The store refused the graph, could not be reached, or does not hold what was sent."""


@dataclass(frozen=True, slots=True)
class PushResult:
    url: str
    graph: str
    query_url: str
    triples: int
    seconds: float


def query_url_for(url: str) -> str:
    """The query endpoint that goes with a Graph Store endpoint, for the stores whose layout is known."""
    parts = urlsplit(url)
    path = parts.path.rstrip("/")
    for suffix, replacement in _QUERY_PATHS:
        if path.endswith(suffix):
            return urlunsplit((parts.scheme, parts.netloc, path[: -len(suffix)] + replacement, "", ""))
    raise PushError(
        f"cannot tell the query endpoint of {url}; pass --query-url "
        "(for Oxigraph the store is /store and queries go to /query; for Virtuoso /sparql-graph-crud-auth and /sparql)"
    )


class _ChallengeAuth(httpx.Auth):
    """Answers the store's challenge with the scheme it asks for: digest (Virtuoso) or basic."""

    requires_request_body = True

    def __init__(self, user: str, password: str) -> None:
        self.digest = httpx.DigestAuth(user, password)
        self.basic = httpx.BasicAuth(user, password)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        response = yield request
        if response.status_code != 401:
            return
        challenge = response.headers.get("www-authenticate", "").strip().lower()
        if challenge.startswith("digest"):
            flow = self.digest.auth_flow(request)
            next(flow)  # the unauthenticated request, already sent
            try:
                retry = flow.send(response)
            except StopIteration:
                return
            response = yield retry
            with contextlib.suppress(StopIteration):
                flow.send(response)
        else:
            yield from self.basic.auth_flow(request)


def push(
    catalog: Catalog,
    url: str,
    *,
    graph: str | None = None,
    user: str | None = None,
    password: str | None = None,
    query_url: str | None = None,
    timeout: float = 120.0,
) -> PushResult:
    """Replace the named graph ``graph`` (default: the catalog's base IRI) of the store at ``url`` with the
    catalog, then verify the triple count through ``query_url`` (guessed for known stores)."""
    graph = graph or require_meta(catalog).base_iri
    query_url = query_url or query_url_for(url)
    body = store_input(catalog)
    expected = len(store(catalog))
    auth = _ChallengeAuth(user, password or "") if user else None
    started = time.perf_counter()
    with httpx.Client(timeout=timeout, auth=auth, follow_redirects=False, trust_env=False) as client:
        try:
            response = client.put(
                url, params={"graph": graph}, content=body, headers={"Content-Type": "text/turtle; charset=utf-8"}
            )
        except httpx.HTTPError as exc:
            raise PushError(f"cannot reach {url}: {exc}") from exc
        if response.status_code == 401:
            hint = "check --user and the password" if user else "the store asks for a login; pass --user"
            raise PushError(f"{url} refused the login (401): {hint}")
        if response.status_code not in (200, 201, 204):
            raise PushError(f"{url} answered {response.status_code} to the upload: {_excerpt(response)}")
        found = count_triples(client, query_url, graph)
    if found != expected:
        raise PushError(f"the graph <{graph}> at {query_url} holds {found} triples, but {expected} were sent")
    return PushResult(url, graph, query_url, found, time.perf_counter() - started)


def count_triples(client: httpx.Client, query_url: str, graph: str) -> int:
    """The number of triples in a named graph, asked by GET (Virtuoso hangs on queries POSTed directly)."""
    query = f"SELECT (COUNT(*) AS ?triples) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    try:
        response = client.get(query_url, params={"query": query}, headers={"Accept": "application/sparql-results+json"})
    except httpx.HTTPError as exc:
        raise PushError(f"cannot reach the query endpoint {query_url}: {exc}") from exc
    if response.status_code != 200:
        raise PushError(f"{query_url} answered {response.status_code} to the count query: {_excerpt(response)}")
    try:
        bindings = response.json()["results"]["bindings"]
        return int(bindings[0]["triples"]["value"])
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise PushError(
            f"{query_url} did not answer the count query with SPARQL JSON results: {_excerpt(response)}"
        ) from exc


def _excerpt(response: httpx.Response) -> str:
    text = " ".join(response.text.split())
    return text[:300] + ("..." if len(text) > 300 else "") if text else "(no body)"
