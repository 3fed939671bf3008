"""A query worker: a process that holds the store and answers one query at a time over a pipe.

The endpoint runs queries here, not in its own process, because pyoxigraph cannot interrupt a query that is
running: a query past its time limit is ended by killing its worker (see :mod:`primes.server`). The worker
needs only pyoxigraph and the standard library.

Messages in: ``(query, media_types, max_rows, default_graphs, named_graphs)`` or ``None`` to stop.
Messages out: ``("ready", triples)`` once, then per query ``("ok", media_type, body)`` or
``("error", status, message)``.

A worker ignores Ctrl+C: the terminal sends SIGINT to the whole process group, and the server stops its
workers itself as it shuts down (a worker interrupted in the middle of ``recv`` would print a traceback).
"""

from __future__ import annotations

import contextlib
import json
import signal
from collections.abc import Iterator
from multiprocessing import resource_tracker
from multiprocessing.connection import Connection
from typing import Any

import pyoxigraph as ox

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

SOLUTION_TYPES: dict[str, ox.QueryResultsFormat] = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
    "application/json": ox.QueryResultsFormat.JSON,
    "application/xml": ox.QueryResultsFormat.XML,
}
BOOLEAN_TYPES = {
    k: v for k, v in SOLUTION_TYPES.items() if v in (ox.QueryResultsFormat.JSON, ox.QueryResultsFormat.XML)
}
GRAPH_TYPES: dict[str, ox.RdfFormat] = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "text/plain": ox.RdfFormat.N_TRIPLES,
}

Reply = tuple[Any, ...]


@contextlib.contextmanager
def interrupts_held() -> Iterator[None]:
    """Start worker processes inside this block. A child inherits the signal mask of the thread that starts
    it, so a Ctrl+C that arrives while the worker is still starting (importing, before :func:`main` runs) waits
    as a pending signal, and :func:`main` drops it, instead of interrupting the start-up with a traceback."""
    # Starting a process first starts multiprocessing's resource tracker, which unblocks SIGINT in the calling
    # thread once it has started (the same trick, bpo-33613): start it before blocking.
    resource_tracker.ensure_running()
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def main(conn: Connection, data_path: str) -> None:
    """The worker process: load the store, say ready, answer queries until told to stop."""
    # Ignoring a blocked, pending SIGINT discards it; then unblocking lets nothing through.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    store = ox.Store()
    store.load(path=data_path, format=ox.RdfFormat.TURTLE)
    conn.send(("ready", len(store)))
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return  # the server is gone
        if message is None:
            return
        try:
            reply = execute(store, *message)
        except Exception as exc:  # a worker must answer, whatever goes wrong
            reply = ("error", 500, f"the query failed: {type(exc).__name__}: {exc}")
        conn.send(reply)


def choose(media_types: list[str], offered: dict[str, Any]) -> str | None:
    """The first acceptable media type (the client's order, wildcards allowed) that the server offers."""
    for wanted in media_types:
        if wanted in offered:
            return wanted
        if wanted == "*/*":
            return next(iter(offered))
        if wanted.endswith("/*"):
            family = wanted[:-1]
            for media_type in offered:
                if media_type.startswith(family):
                    return media_type
    return None


def execute(
    store: ox.Store,
    query: str,
    media_types: list[str],
    max_rows: int,
    default_graphs: list[str] | None = None,
    named_graphs: list[str] | None = None,
) -> Reply:
    options: dict[str, Any] = {}
    if default_graphs:
        options["default_graph"] = [ox.NamedNode(iri) for iri in default_graphs]
    if named_graphs:
        options["named_graphs"] = [ox.NamedNode(iri) for iri in named_graphs]
    try:
        results = store.query(query, **options)
    except SyntaxError as exc:
        return ("error", 400, f"SPARQL syntax error: {exc}")
    if isinstance(results, ox.QueryBoolean):
        chosen = choose(media_types, BOOLEAN_TYPES)
        if chosen is None:
            return _not_acceptable("an ASK result", BOOLEAN_TYPES)
        return ("ok", chosen, _bytes(results.serialize(format=BOOLEAN_TYPES[chosen])))
    if isinstance(results, ox.QueryTriples):
        chosen = choose(media_types, GRAPH_TYPES)
        if chosen is None:
            return _not_acceptable("a CONSTRUCT or DESCRIBE result", GRAPH_TYPES)
        triples: list[ox.Triple] = []
        for triple in results:
            if len(triples) == max_rows:
                return _too_many(max_rows, "triples")
            triples.append(triple)
        return ("ok", chosen, _bytes(ox.serialize(triples, format=GRAPH_TYPES[chosen])))
    chosen = choose(media_types, SOLUTION_TYPES)
    if chosen is None:
        return _not_acceptable("a SELECT result", SOLUTION_TYPES)
    names = [variable.value for variable in results.variables]
    bindings: list[dict[str, Any]] = []
    for solution in results:
        if len(bindings) == max_rows:
            return _too_many(max_rows, "rows")
        row = {}
        for name in names:
            term = solution[name]
            if term is not None:
                row[name] = _json_term(term)
        bindings.append(row)
    document = json.dumps({"head": {"vars": names}, "results": {"bindings": bindings}}, ensure_ascii=False).encode()
    target = SOLUTION_TYPES[chosen]
    if target == ox.QueryResultsFormat.JSON:
        return ("ok", chosen, document)
    # The other formats are pyoxigraph's own writers, fed the capped rows back through its JSON parser.
    parsed = ox.parse_query_results(document, format=ox.QueryResultsFormat.JSON)
    return ("ok", chosen, _bytes(parsed.serialize(format=target)))


def _bytes(data: bytes | None) -> bytes:
    """What pyoxigraph's serializers return when given no output file (never None then)."""
    assert data is not None
    return data


def _json_term(term: Any) -> dict[str, Any]:
    """A term in the SPARQL 1.1 Query Results JSON format."""
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out: dict[str, Any] = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value not in (_XSD_STRING, _RDF_LANGSTRING):
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, ox.Triple):
        return {
            "type": "triple",
            "value": {
                "subject": _json_term(term.subject),
                "predicate": _json_term(term.predicate),
                "object": _json_term(term.object),
            },
        }
    raise TypeError(f"unexpected term {term!r}")


def _not_acceptable(what: str, offered: dict[str, Any]) -> Reply:
    return (
        "error",
        406,
        f"none of the accepted media types can carry {what}; this endpoint offers {', '.join(offered)}",
    )


def _too_many(limit: int, unit: str) -> Reply:
    return (
        "error",
        422,
        f"the result has more than {limit:,} {unit}, the most this endpoint returns; "
        "narrow the query or page through it with LIMIT and OFFSET",
    )
