"""What a SPARQL request asks for, read before it runs: its form, whether it is an update, whether it
calls ``SERVICE``.

pyoxigraph evaluates ``SERVICE`` by making an HTTP request, so a server (and the CLI) must refuse it before
the query reaches the store; it has no hook to turn that off. The scan is deliberately conservative: it
works on the text with comments, IRIs and string literals removed, after the SPARQL codepoint escapes
(``\\u0053ERVICE``) are decoded, as the parser would decode them, and it also scans the raw text; a
keyword found in either counts. A false alarm refuses a harmless query, which is the right way to fail.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from primes.errors import PrimesError

QueryForm = Literal["select", "ask", "construct", "describe", "update", "unknown"]

_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
# Pieces of a query that can hold a keyword-like word without it being one: long strings, strings, IRIs,
# prefixed names (primes:not-to-be-confused-with; a "." or "-" inside one joins, as in the grammar) and comments.
_OPAQUE = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n\r]|\\.)*"'
    r"|'(?:[^'\\\n\r]|\\.)*'"
    r'|<[^<>"{}|^`\\\x00-\x20]*>'
    r"|(?<![\w?$])(?:[A-Za-z][\w\-.]*)?:(?:[\w\-.:%]|\\.)*"
    r"|#[^\n\r]*",
    re.DOTALL,
)
# A keyword is a word not glued to a variable sigil, a prefix colon or a language tag. A word after a "."
# or "-" counts ("?o .SERVICE <x> {}" is valid SPARQL), at the price of a false alarm on "ex:a-service".
_WORD = re.compile(r"(?<![\w?$:@])([A-Za-z]+)(?![\w:])")
_FORMS = {"SELECT": "select", "ASK": "ask", "CONSTRUCT": "construct", "DESCRIBE": "describe"}
_UPDATE = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}


class QueryRefused(PrimesError):
    """A request the endpoint does not run (an update, a federated query); ``status`` is its HTTP status."""

    def __init__(self, message: str, status: int = 403) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True, slots=True)
class QueryShape:
    form: QueryForm
    service: bool


def unescape(text: str) -> str:
    """Decode SPARQL's codepoint escapes, which apply anywhere in a query, before tokenizing."""

    def replace(match: re.Match[str]) -> str:
        code = int(match.group(1) or match.group(2), 16)
        return chr(code) if code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else match.group(0)

    return _ESCAPE.sub(replace, text)


def _keywords(text: str) -> list[str]:
    return [match.group(1).upper() for match in _WORD.finditer(_OPAQUE.sub(" ", text))]


def inspect(query: str) -> QueryShape:
    """The form of a query (``update`` when it holds any update operation) and whether it uses SERVICE."""
    words = _keywords(unescape(query)) + _keywords(query)
    service = "SERVICE" in words
    if any(word in _UPDATE for word in words):
        return QueryShape("update", service)
    for word in words:
        if word in _FORMS:
            return QueryShape(_FORMS[word], service)  # type: ignore[arg-type]
    return QueryShape("unknown", service)


def check_query(query: str) -> QueryShape:
    """The shape of a query the endpoint will run; an update or a SERVICE call raises :class:`QueryRefused`."""
    shape = inspect(query)
    if shape.form == "update":
        raise QueryRefused("SPARQL Update is refused: the catalog is read-only here (its YAML files are the source)")
    if shape.service:
        raise QueryRefused("SERVICE is refused: a query never makes a request to another server")
    return shape
