"""What a query is read as before it runs: its form, an update, a SERVICE call (however it is spelled); and
that pyoxigraph would indeed make the request a SERVICE clause asks for, which is why it is refused."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pyoxigraph as ox
import pytest

from primes.rdf.safety import QueryRefused, check_query, inspect


class Listener:
    """A loopback HTTP listener that records every connection made to it (and answers 404)."""

    def __init__(self) -> None:
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(8)
        self.socket.settimeout(0.2)
        self.port = self.socket.getsockname()[1]
        self.calls: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sparql"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.socket.accept()
            except (TimeoutError, OSError):
                continue
            with conn:
                conn.settimeout(1)
                try:
                    self.calls.append(conn.recv(4096))
                    conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                except OSError:
                    self.calls.append(b"")

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.socket.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    found = Listener()
    yield found
    found.close()


@pytest.mark.parametrize(
    ("query", "form", "service"),
    [
        ("SELECT * WHERE { ?s ?p ?o }", "select", False),
        ("ask {}", "ask", False),
        ("CONSTRUCT WHERE { ?s ?p ?o }", "construct", False),
        ("DESCRIBE <http://example.org/x>", "describe", False),
        ("PREFIX service: <http://e/> SELECT ?service { ?s service:load 'SERVICE' } # SERVICE INSERT", "select", False),
        ('SELECT * { ?s ?p """a\nSERVICE <http://x> {}""" }', "select", False),
        ("SELECT * { ?s a <http://e/not-to-be-confused-with>, ex:drop-with-care }", "select", False),
        ("SELECT * { SERVICE <http://x> { ?s ?p ?o } }", "select", True),
        ("select * { ?s ?p ?o .service silent <http://x> {} }", "select", True),
        ("SELECT * { FILTER(?a<?b)SERVICE<http://x>{} }", "select", True),
        ("SELECT * { SERV\\u0049CE <http://x> { ?s ?p ?o } }", "select", True),  # a codepoint escape
        ("SELECT * { ?s ?p 'x\\u0027 SERVICE <http://x> {} #' }", "select", True),  # an escaped quote ends the string
        ("INSERT DATA { <a> <b> <c> }", "update", False),
        ("PREFIX ex: <http://e/> DELETE WHERE { ?s ?p ?o }", "update", False),
        ("LOAD <http://example.org/data.ttl>", "update", False),
        ("SELECT * {} ; DROP ALL", "update", False),
        ("CLEAR DEFAULT", "update", False),
    ],
)
def test_a_query_is_read_for_its_form_updates_and_service_calls(query: str, form: str, service: bool) -> None:
    shape = inspect(query)
    assert (shape.form, shape.service) == (form, service)


def test_updates_and_service_calls_are_refused_with_403() -> None:
    with pytest.raises(QueryRefused, match="Update is refused") as info:
        check_query("INSERT DATA { <a> <b> <c> }")
    assert info.value.status == 403
    with pytest.raises(QueryRefused, match="SERVICE is refused"):
        check_query("SELECT * { SERVICE <http://x> {} }")
    assert check_query("SELECT * { ?s ?p ?o }").form == "select"


def test_pyoxigraph_itself_would_call_a_service(listener: Listener) -> None:
    """The control for the refusal tests: without the check, a SERVICE clause reaches the listener."""
    store = ox.Store()
    with pytest.raises(OSError):
        list(store.query(f"SELECT * WHERE {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}"))  # type: ignore[arg-type]
    assert listener.calls, "pyoxigraph made no request: the SERVICE tests below would prove nothing"
    assert b"/sparql" in listener.calls[0].split(b"\r\n")[0]


def test_pyoxigraph_does_not_fetch_from_graphs(listener: Listener) -> None:
    store = ox.Store()
    results = store.query(f"SELECT * FROM <{listener.url}> FROM NAMED <{listener.url}> WHERE {{ ?s ?p ?o }}")
    assert list(results) == []  # type: ignore[arg-type]
    assert listener.calls == []
