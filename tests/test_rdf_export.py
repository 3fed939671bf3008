"""The export: deterministic bytes (golden files), plain SKOS for tools without a reasoner, nothing of a
record lost, every format the same graph, a prime's share of the graph, the CLI."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic
from typer.testing import CliRunner

import primes
from conftest import LOOKALIKE, PART, PIECE, SIBLING, TINY, TWIN, WHOLE
from primes.cli import app
from primes.errors import CatalogError, PrimesError, UnknownPrime
from primes.rdf import jsonld
from primes.rdf.build import SEGMENTS, catalog_graph
from primes.rdf.export import FORMATS, prime_iri, serialize, store
from primes.rdf.vocab import DCTERMS, NS, RDF_TYPE, SKOS, SKOSXL

GOLDEN = Path(__file__).parent / "golden" / "rdf"
UPDATE = os.environ.get("PRIMES_UPDATE_GOLDEN") == "1"
BASE = "https://w3id.org/primes/"
OX_FORMATS = {name: fmt.oxigraph for name, fmt in FORMATS.items()}
RDFLIB_FORMATS = {"turtle": "turtle", "ntriples": "nt", "jsonld": "json-ld", "xml": "xml"}

runner = CliRunner()


def graph_of(data: bytes, fmt: str = "turtle") -> set[ox.Triple]:
    return {ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(data, format=OX_FORMATS[fmt])}


def iri(local: str) -> ox.NamedNode:
    return ox.NamedNode(BASE + local)


def values(graph: set[ox.Triple], subject: ox.NamedNode, predicate: str) -> set[str]:
    return {t.object.value for t in graph if t.subject == subject and t.predicate.value == predicate}


@pytest.fixture(scope="module")
def tiny_graph(tiny: primes.Catalog) -> set[ox.Triple]:
    return graph_of(serialize(tiny, "turtle"))


@pytest.mark.parametrize("name", ["tiny.ttl", "tiny.jsonld"])
def test_the_export_of_the_tiny_catalog_matches_its_golden_file(name: str) -> None:
    fmt = "turtle" if name.endswith(".ttl") else "jsonld"
    data = serialize(primes.load(TINY, use_cache=False), fmt)
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    assert data == path.read_bytes(), f"regenerate with PRIMES_UPDATE_GOLDEN=1 if the change is intended: {path}"


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_the_same_catalog_gives_the_same_bytes(fmt: str, tiny_dir: Path) -> None:
    first = serialize(primes.load(TINY, use_cache=False), fmt)
    second = serialize(primes.load(tiny_dir, use_cache=False), fmt)  # another folder, another object, no cache
    assert first == second


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_every_format_is_the_same_graph_for_pyoxigraph_and_rdflib(
    fmt: str, tiny: primes.Catalog, tiny_graph: set[ox.Triple]
) -> None:
    data = serialize(tiny, fmt)
    assert graph_of(data, fmt) == tiny_graph
    reference = rdflib.Graph().parse(data=serialize(tiny, "ntriples"), format="nt")
    assert isomorphic(rdflib.Graph().parse(data=data, format=RDFLIB_FORMATS[fmt]), reference)


def test_primes_are_plain_skos_concepts_with_labels_in_the_catalog_language(
    tiny: primes.Catalog, tiny_graph: set[ox.Triple]
) -> None:
    for prime in tiny:
        subject = ox.NamedNode(prime_iri(tiny, prime.id))
        assert values(tiny_graph, subject, RDF_TYPE) == {SKOS + "Concept", NS + "Prime"}
        assert values(tiny_graph, subject, SKOS + "prefLabel") == {prime.name}
        assert values(tiny_graph, subject, SKOS + "definition") == {prime.core_idea}
        assert values(tiny_graph, subject, SKOS + "inScheme") == {BASE + "scheme"}
    literals = [t.object for t in tiny_graph if isinstance(t.object, ox.Literal)]
    texts = [lit for lit in literals if lit.datatype.value.endswith("langString")]
    plain = {lit.value for lit in literals if not lit.datatype.value.endswith("langString")}
    assert texts and all(lit.language == "en" for lit in texts)
    # only identifiers, numbers and the catalog's license, version and language are untagged
    assert plain <= {p.id for p in tiny} | set(tiny.domains) | {"CC-BY-4.0", "0.1.0", "en"} | {"1", "2", "3"}


def test_hierarchy_and_partners_are_written_out_as_skos(tiny_graph: set[ox.Triple]) -> None:
    def prime(local: str) -> ox.NamedNode:
        return iri("prime/" + local)

    broader = {(t.subject.value, t.object.value) for t in tiny_graph if t.predicate.value == SKOS + "broader"}
    narrower = {(t.object.value, t.subject.value) for t in tiny_graph if t.predicate.value == SKOS + "narrower"}
    related = {(t.subject.value, t.object.value) for t in tiny_graph if t.predicate.value == SKOS + "related"}
    expected = {(prime(PART).value, prime(WHOLE).value), (prime(PIECE).value, prime(PART).value),
                (prime(SIBLING).value, prime(WHOLE).value)}  # fmt: skip
    assert broader == expected
    assert narrower == expected
    partners = {(prime(PART).value, prime(TWIN).value), (prime(TWIN).value, prime(SIBLING).value)}
    assert related == partners | {(b, a) for a, b in partners}
    # contrasts have no SKOS counterpart: only the primes: triple and its inverse
    contrasts = {
        (t.subject.value, t.object.value) for t in tiny_graph if t.predicate.value == NS + "notToBeConfusedWith"
    }
    assert contrasts == {(prime(PART).value, prime(WHOLE).value), (prime(LOOKALIKE).value, prime(WHOLE).value)}


def test_the_scheme_names_the_foundational_primes_as_top_concepts(tiny_graph: set[ox.Triple]) -> None:
    scheme = iri("scheme")
    assert values(tiny_graph, scheme, RDF_TYPE) == {SKOS + "ConceptScheme", NS + "Catalog"}
    top = {BASE + "prime/" + p for p in (WHOLE, TWIN, LOOKALIKE)}  # no parent
    assert values(tiny_graph, scheme, SKOS + "hasTopConcept") == top
    assert {t.subject.value for t in tiny_graph if t.predicate.value == SKOS + "topConceptOf"} >= top
    assert values(tiny_graph, scheme, DCTERMS + "title") == {"Tiny fixture catalog"}


def test_domains_are_a_concept_scheme_of_their_own(tiny: primes.Catalog, tiny_graph: set[ox.Triple]) -> None:
    scheme = iri("domains")
    assert values(tiny_graph, scheme, RDF_TYPE) == {SKOS + "ConceptScheme", NS + "DomainScheme"}
    assert values(tiny_graph, scheme, SKOS + "hasTopConcept") == {BASE + "domain/" + d for d in tiny.domains}
    physics = iri("domain/physics")
    assert values(tiny_graph, physics, SKOS + "prefLabel") == {"Physics"}
    assert values(tiny_graph, physics, SKOS + "inScheme") == {scheme.value}


def test_every_edge_has_a_qualified_node_with_its_note(tiny: primes.Catalog, tiny_graph: set[ox.Triple]) -> None:
    count = 0
    for prime in tiny:
        for kind in tiny.edge_kinds:
            for position, ref in enumerate(prime.edges(kind), 1):
                node = iri(f"relation/{prime.id}--{kind.id}--{ref.prime}")
                assert node.value in values(tiny_graph, iri("prime/" + prime.id), NS + "qualifiedRelation")
                assert values(tiny_graph, node, NS + "edgeKind") == {kind.iri}
                assert values(tiny_graph, node, NS + "target") == {BASE + "prime/" + ref.prime}
                assert values(tiny_graph, node, NS + kind.annotation_field) == {ref.annotation}
                assert values(tiny_graph, node, NS + "position") == {str(position)}
                count += 1
    assert count == 7
    nodes = {t.subject for t in tiny_graph if t.object == ox.NamedNode(NS + "QualifiedRelation")}
    assert len(nodes) == count


def test_aliases_keep_their_order_through_skos_xl(tmp_path: Path) -> None:
    folder = tmp_path / "cat"
    shutil.copytree(TINY, folder)
    path = folder / "primes" / "whole.yaml"
    path.write_text(path.read_text().replace("name: Whole\n", "name: Whole\naliases: [Zed, Alpha, Middle]\n"))
    graph = graph_of(serialize(primes.load(folder, use_cache=False)))
    whole = iri("prime/whole")
    assert values(graph, whole, SKOS + "altLabel") == {"Zed", "Alpha", "Middle"}
    labels = values(graph, whole, SKOSXL + "altLabel")
    ordered = sorted(labels, key=lambda n: int(next(iter(values(graph, ox.NamedNode(n), NS + "position")))))
    assert [next(iter(values(graph, ox.NamedNode(n), SKOSXL + "literalForm"))) for n in ordered] == [
        "Zed",
        "Alpha",
        "Middle",
    ]


def test_a_prime_share_holds_its_triples_its_edges_both_ways_and_its_neighbours_labels(
    tiny: primes.Catalog, tiny_graph: set[ox.Triple]
) -> None:
    share = graph_of(serialize(tiny, "turtle", ids=[PART]))
    assert share <= tiny_graph
    part = iri("prime/" + PART)
    assert {t for t in tiny_graph if t.subject == part} <= share
    for node in ("part--decomposition--whole", "part--not-to-be-confused-with--whole", "piece--decomposition--part",
                 "twin--mutual-partner--part"):  # fmt: skip
        subject = iri("relation/" + node)
        assert {t for t in tiny_graph if t.subject == subject} <= share
    assert not any(t.subject == iri("relation/sibling--decomposition--whole") for t in share)
    for neighbour in (WHOLE, PIECE, TWIN):
        subject = iri("prime/" + neighbour)
        assert {t.predicate.value for t in share if t.subject == subject} == {SKOS + "prefLabel"}
    assert not any(t.subject == iri("prime/" + LOOKALIKE) for t in share)
    for fmt in FORMATS:
        assert graph_of(serialize(tiny, fmt, ids=[PART]), fmt) == share


def test_a_share_of_several_primes_has_each_node_once(tiny: primes.Catalog, tiny_graph: set[ox.Triple]) -> None:
    data = serialize(tiny, "turtle", ids=[PART, WHOLE])
    assert data.count(b"\nrelation:part--decomposition--whole a ") == 1
    share = graph_of(data)
    assert {t for t in tiny_graph if t.subject in (iri("prime/part"), iri("prime/whole"))} <= share


def test_a_share_of_an_unknown_prime_names_it(tiny: primes.Catalog) -> None:
    with pytest.raises(UnknownPrime, match=r"'prat'.*'part'"):
        serialize(tiny, "turtle", ids=["prat"])
    with pytest.raises(UnknownPrime):
        prime_iri(tiny, "prat")


def test_the_graph_is_built_once_per_catalog(tiny: primes.Catalog) -> None:
    assert catalog_graph(tiny) is catalog_graph(tiny)
    assert store(tiny) is store(tiny)
    assert len(store(tiny)) > len(graph_of(serialize(tiny)))  # the store also holds the ontology


def test_prime_iris_are_built_on_the_base_iri(tiny: primes.Catalog) -> None:
    assert prime_iri(tiny, PART) == "https://w3id.org/primes/prime/part"


def test_an_unknown_format_is_named(tiny: primes.Catalog) -> None:
    with pytest.raises(PrimesError, match="unknown RDF format 'n3'; choose one of turtle, ntriples, jsonld, xml"):
        serialize(tiny, "n3")


def test_a_catalog_with_errors_is_not_exported(tiny_dir: Path) -> None:
    path = tiny_dir / "primes" / "part.yaml"
    path.write_text(path.read_text().replace("prime: whole\n  note", "prime: hole\n  note"))
    with pytest.raises(CatalogError):
        serialize(primes.check(tiny_dir, use_cache=False))


def test_a_base_iri_that_would_break_the_iris_is_refused(tiny_dir: Path) -> None:
    path = tiny_dir / "catalog.yaml"
    path.write_text(path.read_text().replace("base_iri: https://w3id.org/primes/", 'base_iri: "https://x.org/a>b/"'))
    with pytest.raises(PrimesError, match="not a valid IRI: it contains '>'"):
        serialize(primes.load(tiny_dir, use_cache=False))


def test_texts_with_quotes_and_line_breaks_survive(tiny_dir: Path) -> None:
    path = tiny_dir / "primes" / "whole.yaml"
    text = 'A "quoted" word,\na back\\slash,\r\nand a tab\there.'
    data = path.read_text().replace(
        "clarity: Naming the whole clears up a confusion.", "clarity: " + _yaml_quoted(text)
    )
    path.write_text(data)
    catalog = primes.load(tiny_dir, use_cache=False)
    assert catalog[WHOLE].clarity == text
    for fmt in FORMATS:
        graph = graph_of(serialize(catalog, fmt), fmt)
        assert values(graph, iri("prime/whole"), NS + "clarity") == {text}


def _yaml_quoted(text: str) -> str:
    escaped = (
        text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    )
    return f'"{escaped}"'


# ---------------------------------------------------------------------------------------------------------
# CLI


def test_cli_export_writes_a_file_atomically(tmp_path: Path) -> None:
    target = tmp_path / "out" / "catalog.ttl"
    result = runner.invoke(app, ["export", "--catalog", str(TINY), "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_bytes() == (GOLDEN / "tiny.ttl").read_bytes()
    assert not [p for p in target.parent.iterdir() if p.name != target.name]  # no temporary file left


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_cli_export_prints_every_format(fmt: str, tiny: primes.Catalog) -> None:
    result = runner.invoke(app, ["export", "--catalog", str(TINY), "--format", fmt])
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == serialize(tiny, fmt)


def test_cli_export_of_one_prime(tiny: primes.Catalog) -> None:
    result = runner.invoke(app, ["export", "--catalog", str(TINY), "--prime", PART, "--prime", WHOLE])
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == serialize(tiny, "turtle", ids=[PART, WHOLE])


def test_cli_export_refuses_a_catalog_with_errors(tiny_dir: Path) -> None:
    (tiny_dir / "primes" / "part.yaml").write_text("id: part\n")
    result = runner.invoke(app, ["export", "--catalog", str(tiny_dir)])
    assert result.exit_code == 1
    assert "the catalog has errors" in result.output
    assert "Traceback" not in result.output


def test_a_jsonld_document_is_its_opening_its_node_lines_and_its_closing(tiny: primes.Catalog) -> None:
    # The site puts a prime's document together from these pieces itself (primes.rdf.jsonld_nodes).
    graph = catalog_graph(tiny)
    prefixes = [(name, graph.base + segment) for name, segment in SEGMENTS]
    triples = ox.parse(graph.turtle([WHOLE]).encode(), format=ox.RdfFormat.TURTLE)
    lines = [line for _, line in jsonld.nodes(triples, extra_prefixes=prefixes, language=graph.language)]
    document = jsonld.document(lines, extra_prefixes=prefixes, language=graph.language)
    opening = jsonld.opening(extra_prefixes=prefixes, language=graph.language)
    assert document == (opening + jsonld.LINE_SEPARATOR.join(lines) + jsonld.CLOSING).encode()
    assert document == serialize(tiny, "jsonld", ids=[WHOLE])
    assert json.loads(document)["@graph"][0]["@id"] == "prime:" + WHOLE
    empty = json.loads(jsonld.document([], extra_prefixes=prefixes, language=graph.language))
    assert empty["@graph"] == [] and empty["@context"]["@language"] == graph.language
