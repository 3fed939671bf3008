"""Edge kinds come from ``ontology/primes.ttl``: adding a kind there adds it to the records and the checks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import rdflib
from pydantic import ValidationError

from primes.errors import OntologyError
from primes.model import prime_model
from primes.ontology import NS, EdgeKind, Position, edge_kind, edge_kinds, ontology_dir, read_edge_kinds

ONTOLOGY = ontology_dir() / "primes.ttl"
P = rdflib.Namespace(NS)


def kind_block(text: str, kind_id: str) -> str:
    """The Turtle statements declaring one edge kind (from its subject to the closing full stop)."""
    match = re.search(rf"^primes:{re.escape(kind_id)} a primes:EdgeKind ;.*?\.\n", text, re.S | re.M)
    assert match, f"no block for {kind_id} in the ontology"
    return match.group(0)


def with_new_kind(tmp_path: Path, *, required: str = "true", replacements: dict[str, str] | None = None) -> Path:
    """A copy of the ontology with a kind ``enables`` added, made from the decomposition kind's declaration."""
    text = ONTOLOGY.read_text()
    block = kind_block(text, "decomposition")
    changes = {
        r"^primes:decomposition a": "primes:enables a",
        r'rdfs:label "[^"]*"@en': 'rdfs:label "enables"@en',
        r"primes:order \d+": "primes:order 99",
        r'primes:recordField "[^"]*"': 'primes:recordField "enables"',
        r"primes:annotationRequired \w+": f"primes:annotationRequired {required}",
        r"primes:acyclic \w+": "primes:acyclic false",
        r'primes:forwardPhrase "[^"]*"': 'primes:forwardPhrase "enables"',
        r'primes:inversePhrase "[^"]*"': 'primes:inversePhrase "is enabled by"',
        r"primes:targetPosition primes:\w+": "primes:targetPosition primes:Right",
        **(replacements or {}),
    }
    for pattern, replacement in changes.items():
        block, count = re.subn(pattern, replacement, block, flags=re.M)
        assert count == 1, pattern
    path = tmp_path / "primes.ttl"
    path.write_text(text + "\n" + block)
    return path


# --- the bundled ontology -----------------------------------------------------------------------------


def literal(graph: rdflib.Graph, subject: rdflib.term.Node, predicate: rdflib.URIRef) -> object:
    value = graph.value(subject, predicate)
    assert value is not None, f"{subject} has no {predicate}"
    return value.toPython() if isinstance(value, rdflib.Literal) else str(value)


def test_edge_kinds_are_what_the_turtle_file_declares() -> None:
    """Read the file a second way (rdflib) and compare every property the code uses."""
    graph = rdflib.Graph().parse(ONTOLOGY, format="turtle")
    declared = sorted(graph.subjects(rdflib.RDF.type, P.EdgeKind), key=lambda s: int(literal(graph, s, P.order)))
    kinds = edge_kinds()
    assert [kind.iri for kind in kinds] == [str(s) for s in declared]
    for subject, kind in zip(declared, kinds, strict=True):
        assert kind.label == literal(graph, subject, rdflib.RDFS.label)
        assert kind.order == literal(graph, subject, P.order)
        assert kind.field == literal(graph, subject, P.recordField)
        assert kind.annotation_field == literal(graph, subject, P.annotationField)
        assert kind.annotation_required == literal(graph, subject, P.annotationRequired)
        assert kind.symmetric == literal(graph, subject, P.symmetric)
        assert kind.acyclic == literal(graph, subject, P.acyclic)
        assert kind.forward_phrase == literal(graph, subject, P.forwardPhrase)
        assert kind.inverse_phrase == literal(graph, subject, P.inversePhrase)
        assert kind.outgoing_role == literal(graph, subject, P.outgoingRole)
        assert kind.incoming_role == literal(graph, subject, P.incomingRole)
        assert kind.edge_property == literal(graph, subject, P.edgeProperty)
        assert kind.inverse_property == literal(graph, subject, P.inverseEdgeProperty)
        assert NS + kind.target_position.value.capitalize() == literal(graph, subject, P.targetPosition)
        assert NS + kind.source_position.value.capitalize() == literal(graph, subject, P.sourcePosition)


def test_the_three_kinds_of_the_reference_page() -> None:
    by_id = {kind.id: kind for kind in edge_kinds()}
    assert set(by_id) >= {"decomposition", "mutual-partner", "not-to-be-confused-with"}
    decomposition, partner, contrast = (
        by_id["decomposition"],
        by_id["mutual-partner"],
        by_id["not-to-be-confused-with"],
    )
    assert (decomposition.field, decomposition.acyclic, decomposition.symmetric) == ("decomposes", True, False)
    assert (decomposition.target_position, decomposition.source_position) == (Position.ABOVE, Position.BELOW)
    assert (partner.field, partner.symmetric, partner.target_position) == ("partners", True, Position.RIGHT)
    assert (contrast.field, contrast.annotation_field, contrast.symmetric) == (
        "not_to_be_confused_with",
        "reason",
        False,
    )
    assert all(kind.annotation_required for kind in (decomposition, partner, contrast))


def test_edge_kind_by_id_or_field() -> None:
    assert edge_kind("decomposition") is edge_kind("decomposes")
    assert edge_kind("decomposition").iri == NS + "decomposition"
    with pytest.raises(OntologyError, match=r"unknown edge kind 'enables'.*decomposition"):
        edge_kind("enables")


def test_edge_kinds_are_read_once() -> None:
    assert edge_kinds() is edge_kinds()


# --- a new kind in a copy of the ontology ----------------------------------------------------------------


def test_a_new_kind_in_the_ontology_becomes_a_record_field(tmp_path: Path) -> None:
    kinds = read_edge_kinds(with_new_kind(tmp_path))
    assert [kind.id for kind in kinds][: len(edge_kinds())] == [kind.id for kind in edge_kinds()]
    enables = kinds[-1]
    assert isinstance(enables, EdgeKind)
    assert (enables.id, enables.field, enables.inverse_phrase) == ("enables", "enables", "is enabled by")
    assert (enables.acyclic, enables.target_position) == (False, Position.RIGHT)

    model = prime_model(kinds)
    assert "enables" in model.model_fields
    assert "enables" not in prime_model().model_fields  # the bundled model is untouched
    prime = model.model_validate({"id": "a", "name": "A", "enables": [{"prime": "b", "note": "it makes b possible"}]})
    assert [(ref.prime, ref.annotation, ref.kind.id) for ref in prime.edges(enables)] == [
        ("b", "it makes b possible", "enables")
    ]
    with pytest.raises(ValidationError) as info:
        model.model_validate({"id": "a", "name": "A", "enables": [{"prime": "b"}]})
    assert [tuple(e["loc"]) for e in info.value.errors()] == [("enables", 0, "note")]


def test_a_new_kind_without_a_required_note(tmp_path: Path) -> None:
    kinds = read_edge_kinds(with_new_kind(tmp_path, required="false"))
    prime = prime_model(kinds).model_validate({"id": "a", "name": "A", "enables": [{"prime": "b"}]})
    assert prime.edges(kinds[-1])[0].annotation is None


def test_kinds_are_ordered_by_their_declared_order(tmp_path: Path) -> None:
    path = with_new_kind(tmp_path, replacements={r"primes:order 99": "primes:order 0"})
    assert read_edge_kinds(path)[0].id == "enables"


# --- what the reader refuses ---------------------------------------------------------------------------


def test_a_kind_missing_a_property_is_refused(tmp_path: Path) -> None:
    path = with_new_kind(tmp_path, replacements={r'    primes:outgoingRole "[^"]*" ;\n': ""})
    with pytest.raises(OntologyError, match="primes:enables does not declare outgoing_role"):
        read_edge_kinds(path)


def test_an_unknown_diagram_position_is_refused(tmp_path: Path) -> None:
    path = with_new_kind(
        tmp_path, replacements={r"primes:sourcePosition primes:\w+": "primes:sourcePosition primes:Up"}
    )
    with pytest.raises(OntologyError, match="primes:enables"):
        read_edge_kinds(path)


def test_two_kinds_sharing_a_record_field_are_refused(tmp_path: Path) -> None:
    path = with_new_kind(tmp_path, replacements={r'primes:recordField "[^"]*"': 'primes:recordField "partners"'})
    with pytest.raises(OntologyError, match="share a record field"):
        read_edge_kinds(path)


def test_turtle_that_does_not_parse_is_an_ontology_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.ttl"
    path.write_text(ONTOLOGY.read_text() + "\nprimes:oops a \n")
    with pytest.raises(OntologyError, match=r"broken\.ttl"):
        read_edge_kinds(path)


def test_a_missing_ontology_file_is_an_ontology_error(tmp_path: Path) -> None:
    with pytest.raises(OntologyError, match=r"nothing\.ttl"):
        read_edge_kinds(tmp_path / "nothing.ttl")
