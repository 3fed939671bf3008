"""The Primes vocabulary as code: a ``DefinedNamespace`` that mirrors ``ontology/primes.ttl``, the standard
namespaces the export uses, and what the code reads from the ontology besides the edge kinds (the record
section of each property, the SKOS super-properties that an export writes out, each kind's note property).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib.namespace import DefinedNamespace, Namespace
from rdflib.term import URIRef

from primes.errors import OntologyError
from primes.ontology import NS, ONTOLOGY_IRI, EdgeKind, edge_kinds, ontology_dir

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SKOSXL = "http://www.w3.org/2008/05/skos-xl#"
DCTERMS = "http://purl.org/dc/terms/"

RDF_TYPE = RDF + "type"
RDF_LANGSTRING = RDF + "langString"
XSD_STRING = XSD + "string"
XSD_INTEGER = XSD + "integer"

# The prefixes of the standard vocabularies, in the order exports and queries declare them.
STANDARD_PREFIXES: tuple[tuple[str, str], ...] = (
    ("rdf", RDF),
    ("rdfs", RDFS),
    ("owl", OWL),
    ("xsd", XSD),
    ("skos", SKOS),
    ("skosxl", SKOSXL),
    ("dcterms", DCTERMS),
    ("primes", NS),
)


class PRIMES(DefinedNamespace):
    """The terms of ``ontology/primes.ttl`` (a test checks that the two list the same terms)."""

    _NS = Namespace(NS)
    _fail = True
    # Terms that are not Python identifiers: the edge kinds with a hyphen in their id.
    _extras = ["mutual-partner", "not-to-be-confused-with"]  # noqa: RUF012

    # Classes
    Prime: URIRef
    EdgeKind: URIRef
    DiagramPosition: URIRef
    Catalog: URIRef
    DomainScheme: URIRef
    Domain: URIRef
    Status: URIRef
    Explanation: URIRef
    Use: URIRef
    Transfer: URIRef
    Example: URIRef
    Audience: URIRef
    QualifiedRelation: URIRef

    # Individuals
    Above: URIRef
    Below: URIRef
    Right: URIRef
    Left: URIRef
    decomposition: URIRef
    published: URIRef
    draft: URIRef
    child: URIRef
    teen: URIRef
    adult: URIRef

    # Properties that describe an edge kind
    recordField: URIRef
    annotationField: URIRef
    annotationProperty: URIRef
    annotationRequired: URIRef
    symmetric: URIRef
    acyclic: URIRef
    forwardPhrase: URIRef
    inversePhrase: URIRef
    outgoingRole: URIRef
    incomingRole: URIRef
    targetPosition: URIRef
    sourcePosition: URIRef
    edgeProperty: URIRef
    inverseEdgeProperty: URIRef
    order: URIRef

    # Edge properties
    decomposes: URIRef
    decomposesInto: URIRef
    mutualPartner: URIRef
    notToBeConfusedWith: URIRef
    contrastedBy: URIRef

    # Catalog, prime and record sections
    domainScheme: URIRef
    status: URIRef
    position: URIRef
    emptySection: URIRef
    sectionField: URIRef
    coreIdea: URIRef
    overview: URIRef
    clarity: URIRef
    managesComplexity: URIRef
    abstractReasoning: URIRef
    explanation: URIRef
    broadUse: URIRef
    knowledgeTransfer: URIRef
    example: URIRef
    audience: URIRef
    text: URIRef
    inDomain: URIRef
    fromDomain: URIRef
    toDomain: URIRef

    # Qualified relations
    qualifiedRelation: URIRef
    edgeKind: URIRef
    target: URIRef
    note: URIRef
    reason: URIRef


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """What the exporter and importer read from the ontology, besides the edge kinds themselves."""

    # record field (core_idea, explanations, ...) -> the property that carries it
    sections: dict[str, str]
    # property -> its super-properties in the SKOS namespace (primes:decomposes -> skos:broader)
    skos_supers: dict[str, tuple[str, ...]]
    # edge kind id -> the property of a qualified relation node that carries the kind's note or reason
    annotation_properties: dict[str, str]

    def section(self, field: str) -> str:
        try:
            return self.sections[field]
        except KeyError:
            raise OntologyError(f"the ontology declares no property with primes:sectionField {field!r}") from None

    def annotation_property(self, kind: EdgeKind) -> str:
        try:
            return self.annotation_properties[kind.id]
        except KeyError:
            raise OntologyError(f"edge kind primes:{kind.id} declares no primes:annotationProperty") from None

    def supers(self, prop: str) -> tuple[str, ...]:
        return self.skos_supers.get(prop, ())

    def parent_kinds(self) -> tuple[tuple[EdgeKind, bool], ...]:
        """The kinds that make one prime a SKOS child of another, with ``True`` when the source is the child
        (the edge property maps to skos:broader) and ``False`` when the target is (the inverse does)."""
        out: list[tuple[EdgeKind, bool]] = []
        for kind in edge_kinds():
            if SKOS + "broader" in self.supers(kind.edge_property):
                out.append((kind, True))
            elif SKOS + "broader" in self.supers(kind.inverse_property):
                out.append((kind, False))
        return tuple(out)


@functools.cache
def vocabulary() -> Vocabulary:
    """The section properties, SKOS mappings and note properties of the bundled ontology, read once."""
    path = ontology_dir() / "primes.ttl"
    try:
        quads = list(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
    except (OSError, SyntaxError) as exc:
        raise OntologyError(f"{path}: {exc}") from exc
    sections: dict[str, str] = {}
    supers: dict[str, list[str]] = {}
    annotations: dict[str, str] = {}
    for quad in quads:
        subject, predicate, obj = quad.subject, quad.predicate.value, quad.object
        if not isinstance(subject, ox.NamedNode):
            continue
        if predicate == NS + "sectionField" and isinstance(obj, ox.Literal):
            if obj.value in sections:
                raise OntologyError(f"{path}: two properties carry the record section {obj.value!r}")
            sections[obj.value] = subject.value
        elif predicate == RDFS + "subPropertyOf" and isinstance(obj, ox.NamedNode) and obj.value.startswith(SKOS):
            supers.setdefault(subject.value, []).append(obj.value)
        elif predicate == NS + "annotationProperty" and isinstance(obj, ox.NamedNode):
            annotations[subject.value.removeprefix(NS)] = obj.value
    return Vocabulary(sections, {k: tuple(sorted(v)) for k, v in supers.items()}, annotations)


def ontology_turtle() -> bytes:
    """The ontology file itself (loaded next to the data in the embedded store and in pushes)."""
    return (ontology_dir() / "primes.ttl").read_bytes()


__all__ = [
    "DCTERMS",
    "NS",
    "ONTOLOGY_IRI",
    "OWL",
    "PRIMES",
    "RDF",
    "RDFS",
    "SKOS",
    "SKOSXL",
    "STANDARD_PREFIXES",
    "XSD",
    "Vocabulary",
    "ontology_turtle",
    "vocabulary",
]
