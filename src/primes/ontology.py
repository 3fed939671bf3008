"""Edge kinds, read from ``ontology/primes.ttl``: the one place they are declared."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import pyoxigraph as ox

from primes.errors import OntologyError

ONTOLOGY_IRI = "https://w3id.org/primes/ontology"
NS = ONTOLOGY_IRI + "#"
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"


class Position(StrEnum):
    """Where a neighbour is drawn in a prime's one-hop diagram."""

    ABOVE = "above"
    BELOW = "below"
    RIGHT = "right"
    LEFT = "left"


@dataclass(frozen=True, slots=True)
class EdgeKind:
    """One kind of typed edge, as the ontology declares it."""

    id: str
    label: str
    order: int
    field: str
    annotation_field: str
    annotation_required: bool
    symmetric: bool
    acyclic: bool
    forward_phrase: str
    inverse_phrase: str
    outgoing_role: str
    incoming_role: str
    target_position: Position
    source_position: Position
    edge_property: str
    inverse_property: str

    @property
    def iri(self) -> str:
        return NS + self.id


def ontology_dir() -> Path:
    """The folder holding the ontology files, installed or in a source checkout."""
    installed = Path(__file__).parent / "_data" / "ontology"
    if installed.is_dir():
        return installed
    checkout = Path(__file__).resolve().parents[2] / "ontology"
    if checkout.is_dir():
        return checkout
    raise OntologyError(f"ontology files not found (looked in {installed} and {checkout})")


_FIELDS: dict[str, str] = {
    "order": "order",
    "recordField": "field",
    "annotationField": "annotation_field",
    "annotationRequired": "annotation_required",
    "symmetric": "symmetric",
    "acyclic": "acyclic",
    "forwardPhrase": "forward_phrase",
    "inversePhrase": "inverse_phrase",
    "outgoingRole": "outgoing_role",
    "incomingRole": "incoming_role",
    "targetPosition": "target_position",
    "sourcePosition": "source_position",
    "edgeProperty": "edge_property",
    "inverseEdgeProperty": "inverse_property",
}


def read_edge_kinds(path: Path) -> tuple[EdgeKind, ...]:
    """Every ``primes:EdgeKind`` declared in a Turtle file, in their declared order."""
    try:
        quads = list(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
    except (OSError, SyntaxError) as exc:
        raise OntologyError(f"{path}: {exc}") from exc
    kinds: list[str] = []
    values: dict[str, dict[str, object]] = {}
    for quad in quads:
        subject, predicate, obj = quad.subject, quad.predicate.value, quad.object
        if not isinstance(subject, ox.NamedNode) or not subject.value.startswith(NS):
            continue
        local = subject.value[len(NS) :]
        if predicate == _RDF_TYPE and isinstance(obj, ox.NamedNode) and obj.value == NS + "EdgeKind":
            kinds.append(local)
        elif predicate == _RDFS_LABEL and isinstance(obj, ox.Literal):
            values.setdefault(local, {})["label"] = obj.value
        elif predicate.startswith(NS) and predicate[len(NS) :] in _FIELDS:
            attr = _FIELDS[predicate[len(NS) :]]
            values.setdefault(local, {})[attr] = _python_value(obj)
    result = [_edge_kind(local, values.get(local, {}), path) for local in kinds]
    fields = [k.field for k in result]
    if len(set(fields)) != len(fields):
        raise OntologyError(f"{path}: two edge kinds share a record field: {sorted(fields)}")
    return tuple(sorted(result, key=lambda k: (k.order, k.id)))


def _python_value(obj: object) -> object:
    if isinstance(obj, ox.Literal):
        datatype = obj.datatype.value
        if datatype.endswith("#boolean"):
            return obj.value == "true"
        if datatype.endswith("#integer"):
            return int(obj.value)
        return obj.value
    if isinstance(obj, ox.NamedNode):
        return obj.value
    return str(obj)


def _edge_kind(local: str, values: dict[str, object], path: Path) -> EdgeKind:
    missing = [attr for attr in ("label", *_FIELDS.values()) if attr not in values]
    if missing:
        raise OntologyError(f"{path}: edge kind primes:{local} does not declare {', '.join(missing)}")
    try:
        target = Position(str(values["target_position"]).removeprefix(NS).lower())
        source = Position(str(values["source_position"]).removeprefix(NS).lower())
    except ValueError as exc:
        raise OntologyError(f"{path}: edge kind primes:{local}: {exc}") from exc
    return EdgeKind(
        id=local,
        label=str(values["label"]),
        order=int(str(values["order"])),
        field=str(values["field"]),
        annotation_field=str(values["annotation_field"]),
        annotation_required=bool(values["annotation_required"]),
        symmetric=bool(values["symmetric"]),
        acyclic=bool(values["acyclic"]),
        forward_phrase=str(values["forward_phrase"]),
        inverse_phrase=str(values["inverse_phrase"]),
        outgoing_role=str(values["outgoing_role"]),
        incoming_role=str(values["incoming_role"]),
        target_position=target,
        source_position=source,
        edge_property=str(values["edge_property"]),
        inverse_property=str(values["inverse_property"]),
    )


@functools.cache
def edge_kinds() -> tuple[EdgeKind, ...]:
    """The edge kinds of the bundled ontology, read once per process."""
    return read_edge_kinds(ontology_dir() / "primes.ttl")


def edge_kind(kind_id: str) -> EdgeKind:
    """The edge kind with this id (``decomposition``), or an error listing the known ones."""
    for kind in edge_kinds():
        if kind.id == kind_id or kind.field == kind_id:
            return kind
    known = ", ".join(k.id for k in edge_kinds())
    raise OntologyError(f"unknown edge kind {kind_id!r}; the ontology declares: {known}")
