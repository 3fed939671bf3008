"""Every export satisfies the SHACL shapes of ``ontology/shapes.ttl`` (pyshacl), and the shapes catch what
they are there to catch."""

from __future__ import annotations

from pathlib import Path

import pyshacl
import pytest
import rdflib
from rdflib.namespace import SKOS

import primes
from primes.ontology import ontology_dir
from primes.rdf.export import serialize

PRIMES = rdflib.Namespace("https://w3id.org/primes/ontology#")
BASE = rdflib.Namespace("https://w3id.org/primes/")


@pytest.fixture(scope="module")
def shapes() -> rdflib.Graph:
    return rdflib.Graph().parse(ontology_dir() / "shapes.ttl")


def export_graph(catalog: primes.Catalog) -> rdflib.Graph:
    """The export with the ontology beside it, as the embedded store and a push hold it."""
    graph = rdflib.Graph().parse(data=serialize(catalog, "ntriples"), format="nt")
    graph.parse(ontology_dir() / "primes.ttl")
    return graph


def validate(graph: rdflib.Graph, shapes: rdflib.Graph) -> tuple[bool, str]:
    conforms, _, text = pyshacl.validate(graph, shacl_graph=shapes, inference="none")
    return bool(conforms), str(text)


def test_the_tiny_export_conforms(tiny: primes.Catalog, shapes: rdflib.Graph) -> None:
    conforms, report = validate(export_graph(tiny), shapes)
    assert conforms, report


def test_the_bundled_export_conforms(bundled: primes.Catalog, shapes: rdflib.Graph) -> None:
    conforms, report = validate(export_graph(bundled), shapes)
    assert conforms, report


def test_an_export_with_drafts_and_empty_sections_conforms(tiny_dir: Path, shapes: rdflib.Graph) -> None:
    path = tiny_dir / "primes" / "twin.yaml"
    text = path.read_text()
    cut = text.index("overview:")
    draft = text[:cut].replace("name: Twin\n", "name: Twin\nstatus: draft\n") + text[text.index("partners:") :]
    path.write_text(draft.replace("note: twins come in pairs", "note: null"))  # a note not written yet
    path = tiny_dir / "primes" / "piece.yaml"
    text = path.read_text()
    start, end = text.index("knowledge_transfer:"), text.index("example:")
    path.write_text(text[:start] + "knowledge_transfer: []\n" + text[end:])
    catalog = primes.load(tiny_dir, use_cache=False)
    assert catalog["twin"].is_draft and catalog["piece"].knowledge_transfer == ()
    assert catalog["twin"].edges(catalog.kind("mutual-partner"))[0].annotation is None
    conforms, report = validate(export_graph(catalog), shapes)
    assert conforms, report


def broken(
    graph: rdflib.Graph, remove: list[tuple[object, object, object]], add: list[tuple[object, object, object]]
) -> rdflib.Graph:
    for triple in remove:
        matches = list(graph.triples(triple))  # type: ignore[arg-type]
        assert matches, f"nothing to remove for {triple}"
        graph.remove(matches[0])
    for triple in add:
        graph.add(triple)  # type: ignore[arg-type]
    return graph


@pytest.mark.parametrize(
    ("remove", "add", "message"),
    [
        # a hierarchy edge not written out as skos:broader
        ([(BASE["prime/part"], SKOS.broader, BASE["prime/whole"])], [], "is not written out as"),
        # a contrast whose reason is gone
        ([(BASE["relation/part--not-to-be-confused-with--whole"], PRIMES.reason, None)], [], "has no"),
        # a qualified relation without its direct triple
        ([(BASE["prime/lookalike"], PRIMES.notToBeConfusedWith, None)], [], "has no direct triple"),
        # a text in another language
        (
            [(BASE["prime/part"], PRIMES.clarity, None)],
            [(BASE["prime/part"], PRIMES.clarity, rdflib.Literal("Klarheit", lang="de"))],
            "catalog's language",
        ),
        # a published prime without an example
        ([(BASE["prime/part"], PRIMES.example, None)], [], "Shape"),
        # two names
        ([], [(BASE["prime/part"], SKOS.prefLabel, rdflib.Literal("Portion", lang="en"))], "MaxCount"),
        # a status the ontology does not know
        (
            [(BASE["prime/part"], PRIMES.status, None)],
            [(BASE["prime/part"], PRIMES.status, PRIMES.finished)],
            "In",
        ),
    ],
    ids=["skos-broader", "reason", "direct-triple", "language", "published-section", "two-names", "status"],
)
def test_the_shapes_catch_a_broken_export(
    tiny: primes.Catalog,
    shapes: rdflib.Graph,
    remove: list[tuple[object, object, object]],
    add: list[tuple[object, object, object]],
    message: str,
) -> None:
    conforms, report = validate(broken(export_graph(tiny), remove, add), shapes)
    assert not conforms
    assert message in report
