"""JSON-LD nodes straight from the Turtle the export writes, without an RDF parser in between.

The site writes a JSON-LD file beside every prime page; made the general way (pyoxigraph parses the prime's
Turtle, :func:`primes.rdf.jsonld.nodes` walks the triples) that was the largest part of the site's own build
time: most of it is Python touching pyoxigraph's term objects one triple at a time. The export's Turtle has
a fixed, simple shape (:mod:`primes.rdf.build`): one statement per subject, prefixed names, one-line string
literals, whole numbers. :class:`TurtleNodes` reads exactly that shape with string splits and makes the same
nodes (same compaction, same order, same bytes) as the general way.

Anything outside that shape (an IRI in angle brackets, a blank node, a long or single-quoted string, another
language tag, a datatype, a comment, other spacing) makes it decline (``None``): the caller then takes the
general way. It never guesses: every token is checked whole before it is used.
"""

from __future__ import annotations

import re
from json import JSONDecoder
from json.encoder import encode_basestring as _string  # what json's encoder uses with ensure_ascii=False
from typing import TypeVar

import pyoxigraph as ox

from primes.rdf import jsonld
from primes.rdf.vocab import RDF_TYPE

# `@prefix name: <namespace> .`, as the export writes its header.
_PREFIX = re.compile(r"@prefix ((?:[A-Za-z][A-Za-z0-9_-]*)?): <([^<>\"{}|^`\\\x00-\x20]+)> \.")
# A prefixed name: a subset of Turtle's (no dots, escapes or non-ASCII letters).
_PNAME = re.compile(r"((?:[A-Za-z][A-Za-z0-9_-]*)?):((?:[A-Za-z0-9_][A-Za-z0-9_-]*)?)")
_LOCAL = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]*")  # a non-empty local name of _PNAME's
_SAMPLE_LOCALS = ("x", "a-b", "0", "a_b", "x--y--1")
_INTEGER = re.compile(r"0|[1-9][0-9]*")  # written as is: xsd:integer in canonical form
# A one-line string literal: Turtle's escapes that JSON shares (not \' nor \U, nor \u of a surrogate).
_STRING = r'"((?:[^"\\\n\r]|\\[tbnrf"\\]|\\u(?![dD][89a-fA-F])[0-9A-Fa-f]{4})*)"'
_JSON_ESCAPED = re.compile(r'[\x00-\x1f"\\]')  # what a JSON string escapes (json's ensure_ascii=False)
_ID = '"@id"'
_TYPE = '"@type"'
_T = TypeVar("_T")
# Turtle's escapes in a one-line string are JSON's (_STRING allows no other); raw control characters too.
_UNESCAPE = JSONDecoder(strict=False).decode
_SHORT_LINE = 64  # lines of names remembered up to this length (longer ones hold a prime's own names)
_MEMO_LIMIT = 50_000  # entries a memo keeps (most names are seen by one or two primes only)


class _Declined(Exception):
    """The Turtle is outside the shape this reader handles."""


class TurtleNodes:
    """Reads pieces of Turtle that follow ``header`` (its ``@prefix`` lines) into JSON-LD node lines."""

    def __init__(self, header: str, *, language: str, extra_prefixes: tuple[tuple[str, str], ...]) -> None:
        self.language = language
        self.extra_prefixes = extra_prefixes
        self.compactor = jsonld.compactor_for(extra_prefixes=extra_prefixes, language=language)
        self.namespaces = _namespaces(header)
        self.usable = self.namespaces is not None and _plain_language(language)
        literal = _STRING + "(@" + re.escape(language) + ")?"
        self._literal = re.compile(literal)
        self._literals = re.compile(f"{literal}(?:, {literal})*")
        self._suffix = '"@' + language
        # Namespaces after which any local name of _PNAME's makes a valid IRI: no need to check each IRI.
        self._open = {ns for ns in (self.namespaces or {}).values() if _takes_any_local_name(ns)}
        # Prefixes whose names the document writes as they are: checked on sample names, which stands for all
        # names of _LOCAL's since the compacted form of a name in an open namespace depends on the namespace only.
        self._verbatim = {
            prefix
            for prefix, namespace in (self.namespaces or {}).items()
            if namespace in self._open
            and all(self.compactor.compact(namespace + local) == f"{prefix}:{local}" for local in _SAMPLE_LOCALS)
        }
        # Remembered per prefixed name: a few (the vocabulary's) come back on every node, the rest a few times.
        self._terms: dict[str, tuple[str, str]] = {}  # -> (compacted, as a JSON string)
        self._ids: dict[str, str] = {}  # -> {"@id": compacted}
        self._types: dict[str, str] = {}  # -> its name as a value of @type, as a JSON string
        self._verbs: dict[str, tuple[str, bool]] = {}  # predicate -> (its key as a JSON string, coerced)
        self._lines: dict[str, tuple[str, tuple[str, ...]]] = {}  # short line of names -> (key, values)

    def nodes(self, piece: str) -> list[tuple[str, str]] | None:
        """``jsonld.nodes(parse(header + piece))``, or None when ``piece`` is outside the shape."""
        if not self.usable:
            return None
        try:
            read = self._read(piece)
        except _Declined:
            return None
        return [(subject, _line(node)) for subject, node in read.items()]

    def _read(self, piece: str) -> dict[str, dict[str, list[str]]]:
        """Subject -> key -> the key's values (``@id`` first), keys and values as JSON text, in the order
        :func:`jsonld.nodes` gives them."""
        statements = piece.split(" .\n")
        if statements[-1].strip("\n"):
            raise _Declined("text after the last statement")
        terms, verbs, known_lines = self._terms, self._verbs, self._lines
        suffix = self._suffix
        nodes: dict[str, dict[str, list[str]]] = {}
        for statement in statements[:-1]:
            subject_token, _, rest = statement.lstrip("\n").partition(" ")
            subject, subject_json = terms.get(subject_token) or self._term(subject_token)
            node = nodes.get(subject)
            if node is None:
                node = nodes[subject] = {_ID: [subject_json]}
            for line in rest.split(" ;\n    "):
                # (Only short lines are remembered: hashing a long text to look it up costs more than it saves.)
                found = known_lines.get(line) if len(line) <= _SHORT_LINE else None
                if found is None:
                    verb, _, objects = line.partition(" ")
                    if objects[:1] != '"':
                        found = self._names_line(line, verb, objects)
                    else:
                        key, coerced = verbs.get(verb) or self._verb(verb)
                        if key is _TYPE:
                            raise _Declined("a string as a type")  # the writer files it under rdf:type's key
                        values = node.setdefault(key, [])
                        # The usual object: one string in the catalog's language with nothing to escape in JSON
                        # either, whose Turtle is its JSON string already.
                        text = objects[: -len(suffix) + 1]
                        if (
                            not coerced
                            and objects.endswith(suffix)
                            and len(objects) > len(suffix)
                            and _JSON_ESCAPED.search(text, 1, len(text) - 1) is None
                        ):
                            values.append(text)
                        else:
                            values.extend(self._strings(objects, coerced))
                        continue
                key, line_values = found
                before = node.get(key)
                if before is None:
                    node[key] = list(line_values)
                else:
                    before.extend(line_values)
        return nodes

    def _names_line(self, line: str, verb: str, objects: str) -> tuple[str, tuple[str, ...]]:
        """A line whose objects are names or numbers: its key and values (remembered when short: lines such as
        ``a primes:Use`` or ``primes:position 1`` come back on many nodes)."""
        key, coerced = self._verbs.get(verb) or self._verb(verb)
        terms, ids, types = self._terms, self._ids, self._types
        values: list[str] = []
        for token in objects.split(", "):
            if key is _TYPE:
                values.append(types.get(token) or self._type_name(token))
            elif token[:1].isdigit():
                if _INTEGER.fullmatch(token) is None:
                    raise _Declined(f"number {token!r}")
                values.append(token)  # an xsd:integer written as is is JSON's number too
            elif coerced:
                values.append((terms.get(token) or self._term(token))[1])
            else:
                values.append(ids.get(token) or self._id(token))
        found = (key, tuple(values))
        if len(line) <= _SHORT_LINE:
            _remember(self._lines, line, found)
        return found

    def _strings(self, objects: str, coerced: bool) -> list[str]:
        """String objects, each as JSON (the lines the usual case in _read does not cover)."""
        if self._literals.fullmatch(objects) is None:
            raise _Declined(f"objects {objects[:60]!r}")
        values = []
        for match in self._literal.finditer(objects):
            body, tagged = match.groups()
            value = _string(_UNESCAPE(f'"{body}"') if "\\" in body else body)
            if tagged is None:
                values.append('{"@value": ' + value + "}")  # xsd:string
            elif coerced:
                values.append('{"@value": ' + value + ', "@language": ' + _string(self.language) + "}")
            else:
                values.append(value)
        return values

    def _term(self, token: str) -> tuple[str, str]:
        """A prefixed name compacted for the document, and that as a JSON string."""
        prefix, _, local = token.partition(":")
        if prefix in self._verbatim and _LOCAL.fullmatch(local):
            # The usual case, each section and relation name: the name is its own compacted form, and a JSON
            # string as it is.
            return _remember(self._terms, token, (token, f'"{token}"'))
        name = self.compactor.compact(self._iri(token))
        return _remember(self._terms, token, (name, _string(name)))

    def _id(self, token: str) -> str:
        """A prefixed name as a node reference: ``{"@id": name}``."""
        return _remember(self._ids, token, '{"@id": ' + (self._terms.get(token) or self._term(token))[1] + "}")

    def _type_name(self, token: str) -> str:
        """A prefixed name as a value of ``@type``, as a JSON string."""
        return _remember(self._types, token, _string(self.compactor.type_name(self._iri(token))))

    def _verb(self, token: str) -> tuple[str, bool]:
        """A predicate's key in the node, as a JSON string, and whether its IRI values are plain strings."""
        predicate = RDF_TYPE if token == "a" else self._iri(token)
        if predicate == RDF_TYPE:
            found = (_TYPE, False)
        else:
            key, coerced = self.compactor.key(predicate)
            found = (_string(key), coerced)
        return _remember(self._verbs, token, found)

    def _iri(self, token: str) -> str:
        """The IRI of a prefixed name, checked as the parser would check it."""
        match = _PNAME.fullmatch(token)
        if match is None or self.namespaces is None:
            raise _Declined(f"term {token[:60]!r}")
        namespace = self.namespaces.get(match.group(1))
        if namespace is None:
            raise _Declined(f"undeclared prefix in {token!r}")
        iri = namespace + match.group(2)
        if namespace not in self._open:
            try:
                ox.NamedNode(iri)
            except ValueError:
                raise _Declined(f"invalid IRI {iri!r}") from None
        return iri


def _line(node: dict[str, list[str]]) -> str:
    """A node's line of the ``@graph`` from its parts (all JSON text): what ``jsonld.node_line`` writes."""
    return (
        "{"
        + ", ".join(
            [
                f"{key}: {values[0] if len(values) == 1 else '[' + ', '.join(values) + ']'}"
                for key, values in node.items()
            ]
        )
        + "}"
    )


def _takes_any_local_name(namespace: str) -> bool:
    """Whether a namespace IRI stays valid with any local name of _PNAME's after it: a valid IRI ending in a
    fragment's ``#`` or a path's ``/`` (not the ``//`` before an authority), where those characters are allowed."""
    if not (namespace.endswith("#") or (namespace.endswith("/") and not namespace.endswith("://"))):
        return False
    try:
        ox.NamedNode(namespace)
    except ValueError:
        return False
    return True


def _remember(memo: dict[str, _T], key: str, value: _T) -> _T:
    """Store ``value`` under ``key``; a memo that has grown large starts again (section and relation names are
    many and each is seen only a few times, by the nodes of one or two primes)."""
    if len(memo) >= _MEMO_LIMIT:
        memo.clear()
    memo[key] = value
    return value


def _namespaces(header: str) -> dict[str, str] | None:
    """The prefixes a header declares, or None if it holds anything else."""
    namespaces: dict[str, str] = {}
    for line in header.split("\n"):
        if not line:
            continue
        match = _PREFIX.fullmatch(line)
        if match is None:
            return None
        namespaces[match.group(1)] = match.group(2)
    return namespaces


def _plain_language(language: str) -> bool:
    """Whether a tag reads back as written: pyoxigraph lower-cases tags and refuses malformed ones."""
    if not re.fullmatch(r"[a-z]+(?:-[a-z0-9]+)*", language):
        return False
    try:
        ox.Literal("", language=language)
    except ValueError:
        return False
    return True
