"""The RDF files beside each prime page: the export's bytes, made faster (primes.site.rdf, primes.site.turtle).

The site converts its own Turtle to JSON-LD with a reader for the shape the export writes; anything else goes
through pyoxigraph. These tests hold the fast way to the general one: per prime for real catalogs, and for
generated Turtle (nasty text, every kind of object) and damaged Turtle (the reader declines, or agrees).
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import primes
from conftest import WHOLE
from primes.rdf import jsonld
from primes.rdf.build import SEGMENTS, block, catalog_graph, quote
from primes.rdf.export import serialize
from primes.site.rdf import RDF_FORMATS, PrimeRdf
from primes.site.turtle import TurtleNodes


def _same_files(catalog: primes.Catalog) -> None:
    rdf = PrimeRdf(catalog)
    for prime in catalog:
        for fmt in RDF_FORMATS.values():
            assert rdf.file(prime.id, fmt) == serialize(catalog, fmt.name, ids=[prime.id]), (prime.id, fmt.name)


def test_the_tiny_catalog_files_are_the_exports_share(tiny: primes.Catalog) -> None:
    _same_files(tiny)


def test_the_bundled_catalog_files_are_the_exports_share(bundled: primes.Catalog) -> None:
    _same_files(bundled)


def test_files_of_texts_with_quotes_breaks_and_tabs(tiny_dir: Path) -> None:
    path = tiny_dir / "primes" / "whole.yaml"
    nasty = 'A "quoted" word,\na back\\slash,\r\nand a tab\there — and “curly” ‘quotes’ 😀.'
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "clarity: Naming the whole clears up a confusion.", "clarity: " + _yaml_quoted(nasty)
        ),
        encoding="utf-8",
    )
    catalog = primes.load(tiny_dir, use_cache=False)
    assert catalog[WHOLE].clarity == nasty
    _same_files(catalog)


def test_the_reader_reads_every_piece_of_the_bundled_export(bundled: primes.Catalog) -> None:
    # The fast way is the way the site takes: nothing the export writes falls back to pyoxigraph.
    graph = catalog_graph(bundled)
    prefixes = tuple((name, graph.base + segment) for name, segment in SEGMENTS)
    reader = TurtleNodes(graph.header, language=graph.language, extra_prefixes=prefixes)
    pieces = [*graph.own.values(), *(node for nodes in graph.relations_out.values() for node in nodes)]
    pieces += ["\n" + label for label in graph.labels.values()]
    assert [piece for piece in pieces if reader.nodes(piece) is None] == []


def test_a_language_tag_pyoxigraph_rewrites_takes_the_general_way(tiny_dir: Path) -> None:
    # pyoxigraph lower-cases "en-GB": the reader does not read such a catalog, the files are still the same.
    path = tiny_dir / "catalog.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("language: en", "language: en-GB"), encoding="utf-8")
    catalog = primes.load(tiny_dir, use_cache=False)
    rdf = PrimeRdf(catalog)
    rdf.graph()
    assert rdf._reader is not None and not rdf._reader.usable
    _same_files(catalog)


def _yaml_quoted(text: str) -> str:
    escaped = (
        text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    )
    return f'"{escaped}"'


# ---------------------------------------------------------------------------------------------------------
# The reader against pyoxigraph, on generated Turtle


@pytest.fixture(scope="module")
def reader(tiny: primes.Catalog) -> TurtleNodes:
    graph = catalog_graph(tiny)
    prefixes = tuple((name, graph.base + segment) for name, segment in SEGMENTS)
    return TurtleNodes(graph.header, language=graph.language, extra_prefixes=prefixes)


@pytest.fixture(scope="module")
def header(tiny: primes.Catalog) -> str:
    return catalog_graph(tiny).header


def _general(reader: TurtleNodes, header: str, piece: str) -> list[tuple[str, str]]:
    """What the export's way makes of the piece: pyoxigraph parses it, the JSON-LD writer walks the triples."""
    triples = ox.parse(header + piece, format=ox.RdfFormat.TURTLE)
    return jsonld.nodes(triples, extra_prefixes=reader.extra_prefixes, language=reader.language)


SUBJECTS = ["prime:whole", "prime:part", "section:whole--use--1", "relation:whole--decomposition--part"]
NAMES = [
    "prime:part",
    "domain:physics",
    "section:whole--alias--1",
    "primes:published",
    "skos:Concept",
    "primes:Prime",
    "catalog:scheme",
    "primes:child",
]
texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
strings = texts.map(lambda text: quote(text) + "@en")  # the catalog's language, as the export writes every text
# What the export writes under each predicate: the reader's shape.
IN_SHAPE = {
    "skos:prefLabel": strings,
    "skos:altLabel": strings,
    "primes:text": strings,
    "dcterms:title": strings,
    "dcterms:identifier": texts.map(quote),  # xsd:string
    "primes:position": st.integers(min_value=0, max_value=10_000).map(str),
    "skos:broader": st.sampled_from(NAMES),
    "primes:status": st.sampled_from(NAMES),
    "skosxl:altLabel": st.sampled_from(NAMES),
    "primes:target": st.sampled_from(NAMES),
    "a": st.sampled_from(NAMES),
    "rdf:type": st.sampled_from(NAMES),
}
in_shape_pairs = st.lists(
    st.sampled_from(sorted(IN_SHAPE)).flatmap(lambda p: IN_SHAPE[p].map(lambda o: (p, o))), min_size=1, max_size=8
)
any_object = st.one_of(
    *IN_SHAPE.values(),
    texts.map(lambda text: quote(text) + "@fr"),  # another language: outside the reader's shape
)
any_pairs = st.lists(st.tuples(st.sampled_from(sorted(IN_SHAPE)), any_object), min_size=1, max_size=8)
in_shape = st.lists(st.tuples(st.sampled_from(SUBJECTS), in_shape_pairs), min_size=1, max_size=4)
statements = st.lists(st.tuples(st.sampled_from(SUBJECTS), any_pairs), min_size=1, max_size=4)


def _piece(generated: list[tuple[str, list[tuple[str, str]]]]) -> str:
    return "".join("\n" + block(subject, pairs_) for subject, pairs_ in generated)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(in_shape)
@example([("prime:whole", [("skos:prefLabel", '"a\\"b"@en'), ("skos:prefLabel", '"tab\\there"@en')])])
@example([("prime:whole", [("a", "skos:Concept"), ("rdf:type", "primes:Prime"), ("primes:position", "0")])])
def test_the_reader_writes_what_pyoxigraph_and_the_writer_write(
    reader: TurtleNodes, header: str, generated: list[tuple[str, list[tuple[str, str]]]]
) -> None:
    piece = _piece(generated)
    assert reader.nodes(piece) == _general(reader, header, piece)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(statements)
def test_any_object_is_declined_or_read_as_pyoxigraph_reads_it(
    reader: TurtleNodes, header: str, generated: list[tuple[str, list[tuple[str, str]]]]
) -> None:
    piece = _piece(generated)
    read = reader.nodes(piece)
    general = _general(reader, header, piece)
    if read is not None:  # None: outside the shape (another language, mixed objects, a string as a type)
        assert read == general


DAMAGE = [" ", "\n", '"', "'", "\\", ".", ",", ";", "#", "<", ">", "@", "_", ":", "^", "[", "(", "a", "1", "é"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(statements, st.data())
def test_damaged_turtle_is_declined_or_read_as_pyoxigraph_reads_it(
    reader: TurtleNodes, header: str, generated: list[tuple[str, list[tuple[str, str]]]], data: st.DataObject
) -> None:
    piece = _piece(generated)
    at = data.draw(st.integers(min_value=0, max_value=len(piece)))
    if data.draw(st.booleans()) and at < len(piece):
        damaged = piece[:at] + piece[at + 1 :]
    else:
        damaged = piece[:at] + data.draw(st.sampled_from(DAMAGE)) + piece[at:]
    read = reader.nodes(damaged)
    if read is not None:
        assert read == _general(reader, header, damaged), damaged


@pytest.mark.parametrize(
    "piece",
    [
        "\nprime:whole skos:prefLabel <https://example.org/x> .\n",  # an IRI in angle brackets
        "\nprime:whole skos:broader _:b .\n",  # a blank node
        '\nprime:whole skos:prefLabel """long"""@en .\n',  # a long string
        "\nprime:whole skos:prefLabel 'single'@en .\n",  # a single-quoted string
        '\nprime:whole skos:prefLabel "x"^^xsd:token .\n',  # a datatype
        '\nprime:whole skos:prefLabel "x"@EN .\n',  # a tag pyoxigraph would lower-case
        "\nprime:whole primes:position 1.5 .\n",  # a decimal
        "\nprime:whole primes:position 007 .\n",  # an integer not in canonical form
        "\nprime:whole primes:position -1 .\n",
        "\nprime:whole primes:done true .\n",  # a boolean
        "\nprime:whole skos:broader nowhere:x .\n",  # an undeclared prefix
        "\nprime:whole skos:broader prime:a.b .\n",  # a dot inside a local name
        '\nprime:whole skos:prefLabel "\\ud83d\\ude00"@en .\n',  # escaped surrogates
        '\nprime:whole skos:prefLabel "x"@en . # a comment\n',
        '\nprime:whole skos:prefLabel "x"@en ;\n  dcterms:title "y"@en .\n',  # other indentation
        '\nprime:whole skos:prefLabel "x"@en.\n',  # no space before the dot
        '\nprime:whole skos:prefLabel "x"@en .',  # no line break after the last statement
        '\n@prefix x: <https://example.org/> .\nprime:whole skos:prefLabel "x"@en .\n',  # a prefix inside
        "\nprime:whole a prime:part ;\n    a .\n",  # a verb without objects
    ],
)
def test_turtle_outside_the_shape_is_declined(reader: TurtleNodes, piece: str) -> None:
    assert reader.nodes(piece) is None


def test_escapes_in_strings_are_read_as_pyoxigraph_reads_them(reader: TurtleNodes, header: str) -> None:
    piece = '\nprime:whole skos:prefLabel "a\\tb\\nc\\"d\\\\e\\u00e9\\u0007", "plain"@en, "x\\by\\fz"@en .\n'
    read = reader.nodes(piece)
    assert read is not None
    assert read == _general(reader, header, piece)


def test_a_header_with_more_than_prefixes_makes_the_reader_decline(tiny: primes.Catalog) -> None:
    graph = catalog_graph(tiny)
    unusual = TurtleNodes(graph.header + "@base <https://example.org/> .\n", language="en", extra_prefixes=())
    assert not unusual.usable
    assert unusual.nodes('\nprime:whole skos:prefLabel "x"@en .\n') is None
