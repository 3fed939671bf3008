"""SPARQL on the embedded store: running a query, the named queries of ``ontology/queries/``, writing results.

Queries may use every prefix an export declares (``skos:``, ``primes:``, ``prime:``, ...) without declaring
it. Updates and ``SERVICE`` are refused (see :mod:`primes.rdf.safety`); a syntax error is reported with its
line and column and the line it is on.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pyoxigraph as ox

from primes.catalog import Catalog
from primes.errors import PrimesError, QueryError, closest
from primes.ontology import ontology_dir
from primes.rdf.build import quote
from primes.rdf.export import FORMATS, catalog_prefixes, prime_iri, store
from primes.rdf.safety import QueryShape, check_query

ResultFormat = Literal["json", "xml", "csv", "tsv"]
RESULT_FORMATS: dict[str, tuple[ox.QueryResultsFormat, str]] = {
    "json": (ox.QueryResultsFormat.JSON, "application/sparql-results+json"),
    "xml": (ox.QueryResultsFormat.XML, "application/sparql-results+xml"),
    "csv": (ox.QueryResultsFormat.CSV, "text/csv"),
    "tsv": (ox.QueryResultsFormat.TSV, "text/tab-separated-values"),
}
_POSITION = re.compile(r"error at (\d+):(\d+)")
_HEADER = re.compile(r"^#\s*(title|description|param):\s*(.*)$")
_PARAM = re.compile(r"^(\w+)\s*\((prime|text|iri)\)\s*:?\s*(.*)$")

Results = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples


class SparqlSyntaxError(PrimesError):
    """A query the parser rejects; the message names line and column and shows the line."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    kind: Literal["prime", "text", "iri"]
    description: str


@dataclass(frozen=True, slots=True)
class NamedQuery:
    """A query shipped in ``ontology/queries/<name>.rq``, with a title, a description and parameters read
    from its header comments (``# param: prime (prime): the prime to start from``)."""

    name: str
    title: str
    description: str
    params: tuple[Param, ...]
    text: str
    path: Path


def read_named_query(path: Path) -> NamedQuery:
    text = path.read_text(encoding="utf-8")
    title, description, params = path.stem, "", []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        match = _HEADER.match(line)
        if not match:
            continue
        key, value = match.group(1), match.group(2).strip()
        if key == "title":
            title = value
        elif key == "description":
            description = f"{description} {value}".strip()
        else:
            param = _PARAM.match(value)
            if not param:
                raise PrimesError(
                    f"{path}: cannot read the parameter line {line!r}; write 'name (prime|text|iri): what'"
                )
            params.append(Param(param.group(1), param.group(2), param.group(3)))  # type: ignore[arg-type]
    return NamedQuery(path.stem, title, description, tuple(params), text, path)


@functools.cache
def named_queries() -> dict[str, NamedQuery]:
    """The named queries that ship with Primes, by name."""
    folder = ontology_dir() / "queries"
    return {path.stem: read_named_query(path) for path in sorted(folder.glob("*.rq"))}


def named_query(name: str) -> NamedQuery:
    queries = named_queries()
    if name not in queries:
        hint = closest(name, queries)
        did_you_mean = f"; did you mean {hint[0]!r}?" if hint else ""
        raise QueryError(f"no named query {name!r}{did_you_mean} (the named queries: {', '.join(queries)})")
    return queries[name]


def bind(catalog: Catalog, query: NamedQuery, values: Mapping[str, str]) -> str:
    """The named query's text with its parameters written in: a ``prime`` parameter takes a prime id.

    The value replaces the variable in the text (rather than being passed as a substitution): the query
    then runs with the value in place on any store, the embedded one or the one a catalog was pushed to."""
    unknown = sorted(set(values) - {p.name for p in query.params})
    if unknown:
        accepted = ", ".join(p.name for p in query.params) or "none"
        raise QueryError(f"the query {query.name!r} has no parameter {unknown[0]!r} (its parameters: {accepted})")
    missing = [p for p in query.params if p.name not in values]
    if missing:
        wanted = "; ".join(f"--param {p.name}=... ({p.description or p.kind})" for p in missing)
        raise QueryError(f"the query {query.name!r} needs {wanted}")
    text = query.text
    for param in query.params:
        value = values[param.name]
        if param.kind == "prime":
            term = f"<{prime_iri(catalog, value)}>"
        elif param.kind == "iri":
            iri = value.strip("<>")
            if not iri or re.search(r'[\x00-\x20<>"{}|^`\\]', iri):
                raise QueryError(f"parameter {param.name}: {value!r} is not an IRI")
            term = f"<{iri}>"
        else:
            term = quote(value)
        text = re.sub(rf"[?$]{param.name}(?!\w)", _constant(term), text)
    return text


def _constant(text: str) -> Callable[[re.Match[str]], str]:
    """A replacement for re.sub that inserts ``text`` as it is (no backslash or group processing)."""
    return lambda _: text


def run(
    source: Catalog | ox.Store,
    query: str,
    *,
    prefixes: Mapping[str, str] | None = None,
) -> tuple[QueryShape, Results]:
    """Run a read-only query on a catalog's embedded store (or on a given store)."""
    shape = check_query(query)
    if isinstance(source, Catalog):
        prefixes = {**catalog_prefixes(source), **(prefixes or {})}
        target = store(source)
    else:
        target = source
    try:
        results = target.query(query, prefixes=dict(prefixes or {}))
    except SyntaxError as exc:
        raise syntax_error(query, str(exc)) from None
    return shape, results


def syntax_error(query: str, message: str) -> SparqlSyntaxError:
    """The parser's message with its position spelled out and the offending line marked."""
    match = _POSITION.search(message)
    if not match:
        return SparqlSyntaxError(f"SPARQL syntax error: {message}")
    line, column = int(match.group(1)), int(match.group(2))
    detail = message[match.end() :].lstrip(": ")
    lines = query.splitlines() or [""]
    shown = lines[line - 1] if 0 < line <= len(lines) else ""
    caret = " " * max(column - 1, 0) + "^"
    return SparqlSyntaxError(
        f"SPARQL syntax error at line {line}, column {column}: {detail}\n  {shown}\n  {caret}", line, column
    )


def write_results(results: Results, fmt: str, prefixes: Mapping[str, str] | None = None) -> bytes:
    """SELECT and ASK results in a SPARQL results format (json, xml, csv, tsv); CONSTRUCT and DESCRIBE
    results in an RDF format (turtle, ntriples, jsonld, xml)."""
    if isinstance(results, ox.QueryTriples):
        if fmt not in FORMATS:
            raise QueryError(f"a CONSTRUCT or DESCRIBE result is RDF; choose one of {', '.join(FORMATS)}")
        names = dict(prefixes or {}) if fmt in ("turtle", "xml") else None
        return _bytes(ox.serialize(results, format=FORMATS[fmt].oxigraph, prefixes=names))
    if fmt not in RESULT_FORMATS:
        raise QueryError(f"a SELECT or ASK result is a table; choose one of {', '.join(RESULT_FORMATS)}")
    if isinstance(results, ox.QueryBoolean) and fmt in ("csv", "tsv"):
        # The CSV and TSV results formats have no boolean form; write the answer as a one-cell table.
        return f"result\n{'true' if bool(results) else 'false'}\n".encode()
    return _bytes(results.serialize(format=RESULT_FORMATS[fmt][0]))


def _bytes(data: bytes | None) -> bytes:
    assert data is not None  # with no output file, pyoxigraph returns the bytes
    return data


def rows(
    results: ox.QuerySolutions,
) -> tuple[list[str], Iterator[list[ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None]]]:
    """The variables of a SELECT result and its rows (None where a variable is unbound)."""
    names = [v.value for v in results.variables]

    def generate() -> Iterator[list[ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None]]:
        for solution in results:
            yield [solution[name] for name in names]

    return names, generate()


def show_term(term: object, prefixes: Mapping[str, str]) -> str:
    """A term as a table cell: a prefixed name where a prefix fits, a literal's text as it is."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        best = ""
        name = ""
        for prefix, namespace in prefixes.items():
            if term.value.startswith(namespace) and len(namespace) > len(best):
                best, name = namespace, prefix
        local = term.value[len(best) :]
        if best and re.fullmatch(r"[\w][\w.\-]*", local) and not local.endswith("."):
            return f"{name}:{local}"
        return f"<{term.value}>"
    if isinstance(term, ox.Literal):
        return term.value
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return str(term)
