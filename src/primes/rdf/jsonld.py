"""Writing triples as compact JSON-LD with the shipped context (``ontology/context.jsonld``).

pyoxigraph writes expanded JSON-LD only; this writer produces the compact form a reader expects
(``"prefLabel": "Emergence"``, ``"broader": ["prime:micro-macro-linkage"]``) and stays exact: a value is
written in short form only where the context makes the short form mean the same triple (a plain string
under the document's default language, an IRI string under a term coerced to ``@id``), and as an explicit
value object otherwise. Nodes and keys keep the order of the input triples, so the output is deterministic.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from typing import Any

import pyoxigraph as ox

from primes.ontology import ontology_dir
from primes.rdf.vocab import RDF_TYPE, XSD

_XSD_INTEGER = XSD + "integer"
_XSD_BOOLEAN = XSD + "boolean"
_XSD_STRING = XSD + "string"
# What json.dumps(value, ensure_ascii=False) uses, made once: dumps builds a new encoder per call otherwise.
_ENCODER = json.JSONEncoder(ensure_ascii=False)
_MEMO_LIMIT = 200_000  # compacted IRIs a cached compactor remembers
# How a document's node lines are joined, and what follows the last (see document and opening).
LINE_SEPARATOR = ",\n    "
CLOSING = "\n  ]\n}\n"


@functools.cache
def shipped_context() -> dict[str, Any]:
    """The ``@context`` of ``ontology/context.jsonld``."""
    with (ontology_dir() / "context.jsonld").open(encoding="utf-8") as handle:
        context: dict[str, Any] = json.load(handle)["@context"]
    return context


class _Compactor:
    def __init__(self, context: dict[str, Any]) -> None:
        prefixes: list[tuple[str, str]] = []
        raw: dict[str, Any] = {}
        for key, value in context.items():
            if key.startswith("@"):
                continue
            raw[key] = value
            if isinstance(value, str) and value.endswith(("/", "#")) and ":" in value:
                prefixes.append((key, value))
        self.prefixes = sorted(prefixes, key=lambda p: -len(p[1]))
        self.namespaces = dict(prefixes)
        self.by_namespace = {namespace: name for name, namespace in reversed(prefixes)}
        # expanded IRI -> (term, coerced to @id)
        self.terms: dict[str, tuple[str, bool]] = {}
        for key, value in raw.items():
            if isinstance(value, str):
                iri, coerced = self.expand(value), False
            elif isinstance(value, dict) and isinstance(value.get("@id"), str):
                iri, coerced = self.expand(value["@id"]), value.get("@type") == "@id"
            else:
                continue
            if key not in self.namespaces and not iri.endswith(("/", "#")):
                self.terms.setdefault(iri, (key, coerced))
        self._compact: dict[str, str] = {}
        self._keys: dict[str, tuple[str, bool]] = {}

    def key(self, predicate: str) -> tuple[str, bool]:
        """The key a predicate's values go under, and whether its IRI values are written as plain strings."""
        found = self._keys.get(predicate)
        if found is None:
            found = self._keys[predicate] = self.terms.get(predicate) or (self.compact(predicate), False)
        return found

    def expand(self, value: str) -> str:
        prefix, _, local = value.partition(":")
        if local and not local.startswith("//") and prefix in self.namespaces:
            return self.namespaces[prefix] + local
        return value

    def compact(self, iri: str) -> str:
        found = self._compact.get(iri)
        if found is not None:
            return found
        # The namespace up to the last "/" or "#" is usually a declared prefix: one lookup, no scan.
        cut = max(iri.rfind("/"), iri.rfind("#")) + 1
        name = self.by_namespace.get(iri[:cut]) if 0 < cut < len(iri) else None
        if name is not None:
            found = f"{name}:{iri[cut:]}"
        else:
            found = iri
            for name, namespace in self.prefixes:
                if iri.startswith(namespace) and len(iri) > len(namespace):
                    local = iri[len(namespace) :]
                    if not local.startswith("//"):
                        found = f"{name}:{local}"
                        break
        # The compactor outlives one document (see _header), so bound its memory on a huge catalog.
        if len(self._compact) >= _MEMO_LIMIT:
            self._compact.clear()
        self._compact[iri] = found
        return found

    def type_name(self, iri: str) -> str:
        term = self.terms.get(iri)
        return term[0] if term else self.compact(iri)


@functools.lru_cache(maxsize=16)
def _header(language: str, extra_prefixes: tuple[tuple[str, str], ...]) -> tuple[str, _Compactor]:
    """The document's ``@context`` (as written) and its compactor. They depend only on the language and the
    catalog's prefixes, not on the triples: the site writes one document per prime page, and building them
    anew each time cost more than the rest of the document (the indented dump runs in pure Python)."""
    context: dict[str, Any] = {"@language": language}
    context.update(shipped_context())
    for name, namespace in extra_prefixes:
        context.setdefault(name, namespace)
    head = json.dumps(context, ensure_ascii=False, indent=2).replace("\n", "\n  ")
    return head, _Compactor(context)


@functools.lru_cache(maxsize=16)
def _opening(language: str, extra_prefixes: tuple[tuple[str, str], ...]) -> str:
    return f'{{\n  "@context": {_header(language, extra_prefixes)[0]},\n  "@graph": [\n    '


def write(triples: Iterable[ox.Triple], *, extra_prefixes: Iterable[tuple[str, str]], language: str) -> bytes:
    """Compact JSON-LD for the triples, with the shipped context, the catalog's prefixes and its language."""
    prefixes = tuple(extra_prefixes)
    return document(
        (line for _, line in nodes(triples, extra_prefixes=prefixes, language=language)),
        extra_prefixes=prefixes,
        language=language,
    )


def nodes(
    triples: Iterable[ox.Triple], *, extra_prefixes: Iterable[tuple[str, str]], language: str
) -> list[tuple[str, str]]:
    """Each subject of the triples (compacted) with its node as one line of the document's ``@graph``, in the
    order the subjects first appear. :func:`document` joins such lines; lines made from triples that share no
    subject can be joined in one document (the site reuses the lines of a relation node in both of its ends'
    documents)."""
    _, compactor = _header(language, tuple(extra_prefixes))
    found_nodes: dict[str, dict[str, Any]] = {}
    node: dict[str, Any] = {}
    last: object = None
    for triple in triples:
        subject_term = triple.subject
        if subject_term != last:  # the triples of a node usually come together: skip the lookups
            last = subject_term
            subject = _node_id(subject_term, compactor)
            found = found_nodes.get(subject)
            if found is None:
                found = found_nodes[subject] = {"@id": subject}
            node = found
        predicate = triple.predicate.value
        obj = triple.object
        if predicate == RDF_TYPE and isinstance(obj, ox.NamedNode):
            node.setdefault("@type", []).append(compactor.type_name(obj.value))
            continue
        key, coerced = compactor.key(predicate)
        node.setdefault(key, []).append(_value(obj, coerced, compactor, language))
    return [(subject, node_line(node)) for subject, node in found_nodes.items()]


def node_line(node: dict[str, Any]) -> str:
    """A node (``@id`` first, then each key with its list of values) as its line of the ``@graph``."""
    # One node per line: readable, and json.dumps without indent runs in C (with indent it is pure Python
    # and took 12 s for a 10,000-prime catalog).
    return _ENCODER.encode({key: _single(values) for key, values in node.items()})


def compactor_for(*, extra_prefixes: Iterable[tuple[str, str]], language: str) -> _Compactor:
    """How the documents written with these prefixes and language compact IRIs (``compact``, ``key``,
    ``type_name``): for writers that build nodes without pyoxigraph's terms."""
    return _header(language, tuple(extra_prefixes))[1]


def document(lines: Iterable[str], *, extra_prefixes: Iterable[tuple[str, str]], language: str) -> bytes:
    """The JSON-LD document whose ``@graph`` holds the node lines of :func:`nodes`."""
    prefixes = tuple(extra_prefixes)
    joined = LINE_SEPARATOR.join(lines)
    if not joined:
        return f'{{\n  "@context": {_header(language, prefixes)[0]},\n  "@graph": []\n}}\n'.encode()
    # One join around the lines (the site writes a document per prime page, of 20 KB and more): each
    # concatenation would copy the whole document again.
    return "".join((opening(extra_prefixes=prefixes, language=language), joined, CLOSING)).encode()


def opening(*, extra_prefixes: Iterable[tuple[str, str]], language: str) -> str:
    """What a document with node lines holds before them: ``document(lines)`` is that, the lines joined by
    :data:`LINE_SEPARATOR`, and :data:`CLOSING`, encoded. (For writers that put the pieces together
    themselves, to copy a large document fewer times.)"""
    return _opening(language, tuple(extra_prefixes))


def _single(values: Any) -> Any:
    """A one-element list as its element (JSON-LD reads both alike); the @id string as it is."""
    return values[0] if isinstance(values, list) and len(values) == 1 else values


def _node_id(term: object, compactor: _Compactor) -> str:
    if isinstance(term, ox.NamedNode):
        return compactor.compact(term.value)
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    raise ValueError(f"cannot write {term!r} as a JSON-LD node")


def _value(obj: object, coerced: bool, compactor: _Compactor, language: str) -> Any:
    if isinstance(obj, ox.NamedNode):
        iri = compactor.compact(obj.value)
        return iri if coerced else {"@id": iri}
    if isinstance(obj, ox.BlankNode):
        return {"@id": "_:" + obj.value}
    if not isinstance(obj, ox.Literal):
        raise ValueError(f"cannot write {obj!r} as a JSON-LD value")
    value = obj.value
    if obj.language:
        if obj.language == language and not coerced:
            return value
        return {"@value": value, "@language": obj.language}
    datatype = obj.datatype.value
    if datatype == _XSD_STRING:
        return {"@value": value}
    if datatype == _XSD_INTEGER and value.lstrip("-").isdigit() and str(int(value)) == value:
        return int(value)
    if datatype == _XSD_BOOLEAN and value in ("true", "false"):
        return value == "true"
    return {"@value": value, "@type": compactor.compact(datatype)}
