"""The vocabulary as code agrees with the ontology, the ontology maps to SKOS and OWL as the issue says, and
the JSON-LD context covers what an export writes."""

from __future__ import annotations

import inspect
import json
import tomllib
import typing
from pathlib import Path

import pyoxigraph as ox
import pytest

import primes
from primes.model import AUDIENCES, CONTENT_SECTIONS
from primes.ontology import NS, edge_kinds, ontology_dir
from primes.rdf.export import serialize
from primes.rdf.vocab import OWL, PRIMES, RDF_TYPE, RDFS, SKOS, vocabulary

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def ontology() -> ox.Store:
    store = ox.Store()
    store.load(path=str(ontology_dir() / "primes.ttl"), format=ox.RdfFormat.TURTLE)
    return store


def objects(store: ox.Store, subject: str, predicate: str) -> set[str]:
    return {q.object.value for q in store.quads_for_pattern(ox.NamedNode(subject), ox.NamedNode(predicate), None)}


def declared_terms(store: ox.Store) -> set[str]:
    """Every term of our namespace that the ontology declares (gives a type to)."""
    return {
        q.subject.value[len(NS) :]
        for q in store.quads_for_pattern(None, ox.NamedNode(RDF_TYPE), None)
        if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(NS)
    }


def test_the_defined_namespace_lists_exactly_the_ontology_terms(ontology: ox.Store) -> None:
    in_code = set(inspect.get_annotations(PRIMES)) | set(PRIMES._extras)
    assert in_code == declared_terms(ontology)


def test_the_defined_namespace_refuses_a_term_the_ontology_lacks() -> None:
    assert str(PRIMES.coreIdea) == NS + "coreIdea"
    assert str(PRIMES["not-to-be-confused-with"]) == NS + "not-to-be-confused-with"
    with pytest.raises(AttributeError):
        PRIMES.coreIdeas  # noqa: B018


def test_every_record_section_has_one_property(ontology: ox.Store) -> None:
    sections = vocabulary().sections
    assert set(sections) == set(CONTENT_SECTIONS)
    assert len(set(sections.values())) == len(sections)


@pytest.mark.parametrize(
    ("field", "skos_super"),
    [
        ("core_idea", "definition"),
        ("overview", "scopeNote"),
        ("clarity", "note"),
        ("manages_complexity", "note"),
        ("abstract_reasoning", "note"),
        ("example", "example"),
    ],
)
def test_section_properties_are_skos_notes_where_they_fit(field: str, skos_super: str) -> None:
    vocab = vocabulary()
    assert SKOS + skos_super in vocab.supers(vocab.section(field))


def test_edge_kinds_have_their_owl_character_and_skos_mapping(ontology: ox.Store) -> None:
    vocab = vocabulary()
    mapped: dict[str, set[str]] = {}
    for kind in edge_kinds():
        types = objects(ontology, kind.edge_property, RDF_TYPE)
        assert OWL + "ObjectProperty" in types
        if kind.symmetric:
            assert OWL + "SymmetricProperty" in types
            assert kind.edge_property == kind.inverse_property
        else:
            assert objects(ontology, kind.edge_property, OWL + "inverseOf") == {kind.inverse_property}
            assert objects(ontology, kind.inverse_property, OWL + "inverseOf") == {kind.edge_property}
        mapped[kind.id] = set(vocab.supers(kind.edge_property)) | {
            "inverse:" + s for s in vocab.supers(kind.inverse_property)
        }
    # decomposition under broader / narrower, mutual partners under related, contrasts under nothing
    assert mapped["decomposition"] == {SKOS + "broader", "inverse:" + SKOS + "narrower"}
    assert mapped["mutual-partner"] == {SKOS + "related", "inverse:" + SKOS + "related"}
    assert mapped["not-to-be-confused-with"] == set()


def test_every_edge_kind_names_the_property_of_its_note(ontology: ox.Store) -> None:
    vocab = vocabulary()
    for kind in edge_kinds():
        prop = vocab.annotation_property(kind)
        assert prop == NS + kind.annotation_field  # note -> primes:note, reason -> primes:reason
        assert OWL + "DatatypeProperty" in objects(ontology, prop, RDF_TYPE)


def test_the_prime_class_is_a_skos_concept(ontology: ox.Store) -> None:
    assert objects(ontology, NS + "Prime", RDFS + "subClassOf") == {SKOS + "Concept"}


def test_audiences_and_statuses_are_the_record_values(ontology: ox.Store) -> None:
    def individuals(cls: str) -> set[str]:
        return {
            q.subject.value.removeprefix(NS)
            for q in ontology.quads_for_pattern(None, ox.NamedNode(RDF_TYPE), ox.NamedNode(NS + cls))
        }

    assert individuals("Audience") == set(AUDIENCES)
    assert individuals("Status") == set(typing.get_args(primes.model.Status))


def test_the_json_ld_context_maps_to_terms_that_exist(ontology: ox.Store) -> None:
    context = json.loads((ontology_dir() / "context.jsonld").read_text())["@context"]
    namespaces = {k: v for k, v in context.items() if isinstance(v, str) and v.endswith(("/", "#"))}
    ours = declared_terms(ontology)
    for term, value in context.items():
        if term in namespaces:
            continue
        target = value if isinstance(value, str) else value["@id"]
        prefix, _, local = target.partition(":")
        assert prefix in namespaces, f"{term}: {target} uses an undeclared prefix"
        if prefix == "primes":
            assert local in ours, f"{term}: primes:{local} is not in the ontology"


def test_the_json_ld_context_has_a_term_for_every_property_of_an_export(tiny: primes.Catalog) -> None:
    context = json.loads((ontology_dir() / "context.jsonld").read_text())["@context"]
    namespaces = {k: v for k, v in context.items() if isinstance(v, str) and v.endswith(("/", "#"))}
    terms = set()
    for value in context.values():
        target = value if isinstance(value, str) else value["@id"]
        prefix, _, local = target.partition(":")
        if prefix in namespaces:
            terms.add(namespaces[prefix] + local)
    predicates = {q.predicate.value for q in ox.parse(serialize(tiny, "turtle"), format=ox.RdfFormat.TURTLE)}
    assert predicates - {RDF_TYPE} <= terms


def test_the_ontology_files_ship_in_the_wheel() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    include = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert include.get("ontology") == "primes/_data/ontology"
    folder = ontology_dir()
    for name in ("primes.ttl", "shapes.ttl", "context.jsonld"):
        assert (folder / name).is_file()
    assert list((folder / "queries").glob("*.rq"))
