"""The RDF files beside each prime page (primes.site.rdf): the export's bytes, the JSON-LD made straight from the
records (primes.rdf.jsonld_nodes) rather than from the parsed Turtle.

The general path is the reference: ``serialize(catalog, fmt, ids=[prime_id])`` (pyoxigraph parses the prime's
Turtle, primes.rdf.jsonld walks the triples). These tests hold the direct way to it, file by file and node line
by node line, on the fixture catalogs and on generated catalogs full of hostile text.
"""

from __future__ import annotations

from json.encoder import encode_basestring
from pathlib import Path
from typing import Any

import pydantic
import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import primes
from conftest import WHOLE
from generated_catalogs import catalogs, write_catalog
from primes.model import Text
from primes.rdf import jsonld
from primes.rdf.build import catalog_graph
from primes.rdf.export import FORMATS, serialize
from primes.rdf.jsonld_nodes import JsonLdNodes, _inner
from primes.site.rdf import RDF_FORMATS, PrimeRdf


def _same_files(catalog: primes.Catalog) -> None:
    rdf = PrimeRdf(catalog)
    for prime in catalog:
        for fmt in RDF_FORMATS.values():
            assert rdf.file(prime.id, fmt) == serialize(catalog, fmt.name, ids=[prime.id]), (prime.id, fmt.name)


def _same_lines(catalog: primes.Catalog) -> None:
    """Each prime's node lines are those the export's way makes of its share (its Turtle parsed, the triples
    walked), and the documents of the two ways are the same bytes."""
    graph = catalog_graph(catalog)
    nodes = JsonLdNodes(catalog, graph)
    assert nodes.usable
    for prime in catalog:
        triples = ox.parse(graph.turtle([prime.id]).encode(), format=ox.RdfFormat.TURTLE)
        general = [line for _, line in jsonld.nodes(triples, extra_prefixes=nodes.prefixes, language=graph.language)]
        assert nodes.share(prime.id) == general, prime.id
        assert nodes.document(prime.id) == jsonld.document(
            general, extra_prefixes=nodes.prefixes, language=nodes.language
        )


def test_the_tiny_catalog_files_are_the_exports_share(tiny: primes.Catalog) -> None:
    _same_files(tiny)
    _same_lines(tiny)


def test_the_bundled_catalog_files_are_the_exports_share(bundled: primes.Catalog) -> None:
    _same_files(bundled)
    _same_lines(bundled)


def test_a_prime_own_nodes_are_those_of_its_own_turtle(bundled: primes.Catalog) -> None:
    graph = catalog_graph(bundled)
    nodes = JsonLdNodes(bundled, graph)
    for prime in bundled:
        triples = ox.parse((graph.header + graph.own[prime.id]).encode(), format=ox.RdfFormat.TURTLE)
        general = jsonld.nodes(triples, extra_prefixes=nodes.prefixes, language=graph.language)
        assert nodes.own(prime.id) == [line for _, line in general], prime.id


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
    _same_lines(catalog)


@pytest.mark.parametrize("language", ["en-GB", "zh-Hant-TW"])
def test_a_language_tag_pyoxigraph_rewrites_gives_texts_their_tag(tiny_dir: Path, language: str) -> None:
    # pyoxigraph lower-cases the tag: the texts are then not in the document's language and carry their own.
    path = tiny_dir / "catalog.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("language: en", f"language: {language}"), "utf-8")
    catalog = primes.load(tiny_dir, use_cache=False)
    data = PrimeRdf(catalog).file(WHOLE, RDF_FORMATS["jsonld"]).decode()
    assert f'"@language": "{language.lower()}"' in data
    _same_files(catalog)
    _same_lines(catalog)


def test_a_base_iri_pyoxigraph_refuses_fails_as_the_export_does(tiny_dir: Path) -> None:
    path = tiny_dir / "catalog.yaml"
    text = path.read_text(encoding="utf-8").replace("https://w3id.org/primes/", "https://w3id.org/pri%zzmes/")
    path.write_text(text, encoding="utf-8")
    catalog = primes.load(tiny_dir, use_cache=False)
    rdf = PrimeRdf(catalog)
    assert not rdf.nodes().usable
    with pytest.raises(SyntaxError) as general:
        serialize(catalog, "jsonld", ids=[WHOLE])
    with pytest.raises(SyntaxError) as direct:
        rdf.file(WHOLE, RDF_FORMATS["jsonld"])
    assert str(direct.value) == str(general.value)


def test_the_other_formats_are_the_exports_share(tiny: primes.Catalog) -> None:
    rdf = PrimeRdf(tiny)
    for name in ("ntriples", "xml"):
        assert rdf.file(WHOLE, FORMATS[name]) == serialize(tiny, name, ids=[WHOLE])


def _yaml_quoted(text: str) -> str:
    escaped = (
        text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    )
    return f'"{escaped}"'


# ---------------------------------------------------------------------------------------------------------
# Texts: JSON written without the encoder where nothing needs escaping

# The control characters a record's text may not hold; the writer counts on it (see _inner).
REFUSED = "".join(chr(c) for c in [*range(0, 9), 11, 12, *range(14, 32), 127])
HOSTILE = [
    '"',
    "\\",
    '\\"',
    "\n",
    "\r",
    "\r\n",
    "\t",
    "\x85",
    "\x80",
    "\x9f",
    "\xa0",
    "\u2028",
    "\u2029",
    "\ufeff",
    "😀",
    "\U0010fffd",
    "é",
    "@id",
    "@value",
    "@type",
    "@language",
    '{"@id": "prime:x"}',
    '"}, {"@id": "x',
    "%s",
    "%d",
    "{0}",
    "{}",
    "--",
    "prime:whole",
    "_:b0",
    "<https://example.org/>",
    '"""',
    "'",
    "#",
    " ",
]
fragments = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(st.characters(exclude_categories=("Cs",), exclude_characters=REFUSED), max_size=6),
)
short_texts = st.lists(fragments, min_size=1, max_size=8).map("".join).filter(lambda text: bool(text.strip()))
long_texts = (
    st.tuples(short_texts, st.integers(min_value=500, max_value=4000))
    .map(lambda pair: (pair[0] * (pair[1] // len(pair[0]) + 1))[: pair[1]])
    .filter(lambda text: bool(text.strip()))
)
texts = st.one_of(short_texts, short_texts, short_texts, long_texts)


def test_the_model_refuses_the_control_characters_the_writer_does_not_look_for() -> None:
    for char in REFUSED:
        with pytest.raises(pydantic.ValidationError):
            pydantic.TypeAdapter(Text).validate_python(f"a{char}b")
    for char in "\t\n\r":
        assert pydantic.TypeAdapter(Text).validate_python(f"a{char}b") == f"a{char}b"


@given(texts)
@example('a "quoted" \\ back\tslash\r\n')
def test_a_text_is_written_as_the_json_encoder_writes_it(text: str) -> None:
    assert '"' + _inner(text) + '"' == encode_basestring(text)


# ---------------------------------------------------------------------------------------------------------
# Generated catalogs: every prime's lines and files against the general path

LANGUAGES = ["en", "de", "pt-BR", "en-GB", "zh-Hant-TW"]
BASES = ["https://w3id.org/primes/", "http://example.org/vocab#", "https://x.test/a/b/", "https://x.test/%C3%A9/"]
# Every text hostile; aliases repeated and symmetric edges declared on both sides too (see generated_catalogs).
HOSTILE_CATALOGS = catalogs(texts, languages=LANGUAGES, bases=BASES, round_trip=False)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(data=HOSTILE_CATALOGS)
def test_generated_catalogs_give_the_general_path_lines_and_files(
    data: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> None:
    root = tmp_path_factory.mktemp("catalog")
    write_catalog(root, data)
    catalog = primes.load(root, use_cache=False)
    # The hostile texts reached the records (the YAML round trip keeps them).
    assert [catalog[record["id"]].name for record in data["records"]] == [r["name"] for r in data["records"]]
    _same_lines(catalog)
    _same_files(catalog)
