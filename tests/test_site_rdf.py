"""The RDF files beside each prime page (primes.site.rdf): the export's bytes, the JSON-LD made straight from the
records (primes.rdf.jsonld_nodes) rather than from the parsed Turtle.

The general path is the reference: ``serialize(catalog, fmt, ids=[prime_id])`` (pyoxigraph parses the prime's
Turtle, primes.rdf.jsonld walks the triples). These tests hold the direct way to it, file by file and node line
by node line, on the fixture catalogs and on generated catalogs full of hostile text.
"""

from __future__ import annotations

import string
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
from primes.model import AUDIENCES, Text
from primes.ontology import edge_kinds
from primes.rdf import jsonld, yamlio
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

SLUG = st.from_regex(r"[a-z][a-z0-9]{0,5}(-[a-z0-9]{1,3}){0,2}", fullmatch=True)
LANGUAGES = ["en", "de", "pt-BR", "en-GB", "zh-Hant-TW"]
BASES = ["https://w3id.org/primes/", "http://example.org/vocab#", "https://x.test/a/b/", "https://x.test/%C3%A9/"]

EXPLANATION = {a: st.fixed_dictionaries({"audience": st.just(a), "title": texts, "text": texts}) for a in AUDIENCES}
# A published prime explains each audience once, in any order; a draft may leave some out, or all.
EVERY_AUDIENCE = st.permutations(AUDIENCES).flatmap(lambda order: st.tuples(*(EXPLANATION[a] for a in order))).map(list)
SOME_AUDIENCES = (
    st.lists(st.sampled_from(AUDIENCES), unique=True)
    .flatmap(lambda chosen: st.tuples(*(EXPLANATION[a] for a in chosen)))
    .map(list)
)


@st.composite
def catalogs(draw: st.DrawFn) -> dict[str, Any]:
    """A valid catalog whose every text is hostile: drafts with sections missing or empty, aliases repeated,
    edges of every kind, symmetric ones declared on both sides, notes of drafts not written yet."""
    domain_ids = draw(st.lists(SLUG, min_size=1, max_size=3, unique=True))
    domains = [{"id": d, "label": draw(texts), "description": draw(texts)} for d in domain_ids]
    ids = draw(st.lists(SLUG, min_size=1, max_size=5, unique=True))
    records: list[dict[str, Any]] = []
    for index, prime_id in enumerate(ids):
        draft = draw(st.booleans())
        record: dict[str, Any] = {"id": prime_id, "name": f"{draw(texts)} {index}"}
        aliases = draw(st.lists(texts, max_size=3))
        if aliases:
            record["aliases"] = aliases + aliases[:1] if draw(st.booleans()) else aliases  # a repeated alias
        if draft:
            record["status"] = "draft"
        use = st.fixed_dictionaries({"domain": st.sampled_from(domain_ids), "text": texts})
        transfer = st.fixed_dictionaries(
            {"from": st.sampled_from(domain_ids), "to": st.sampled_from(domain_ids), "text": texts}
        )
        sections: dict[str, st.SearchStrategy[Any]] = {
            "core_idea": texts,
            "explanations": SOME_AUDIENCES if draft else EVERY_AUDIENCE,
            "overview": texts,
            "broad_use": st.lists(use, min_size=0 if draft else 1, max_size=4),
            "clarity": texts,
            "manages_complexity": texts,
            "abstract_reasoning": texts,
            "knowledge_transfer": st.lists(transfer, min_size=0 if draft else 1, max_size=3),
            "example": st.fixed_dictionaries({"title": texts, "text": texts}),
        }
        for name, value in sections.items():
            if not draft or draw(st.booleans()):
                record[name] = draw(value)
        records.append(record)
    for kind in edge_kinds():
        for index, record in enumerate(records):
            candidates = ids[:index] if kind.acyclic else [i for i in ids if i != record["id"]]
            if not candidates:
                continue
            targets = draw(st.lists(st.sampled_from(candidates), max_size=3, unique=True))
            edges = []
            for target in targets:
                edge: dict[str, Any] = {"prime": target}
                if kind.annotation_required and record.get("status") == "draft":
                    edge[kind.annotation_field] = draw(st.none() | texts)  # a draft's note may be unwritten
                elif kind.annotation_required or draw(st.booleans()):
                    edge[kind.annotation_field] = draw(texts)
                edges.append(edge)
            if edges:
                record[kind.field] = edges
        if kind.symmetric:  # declared on both sides: with one note, or the checker refuses it
            by_id = {record["id"]: record for record in records}
            field = kind.annotation_field
            for record in records:
                for edge in record.get(kind.field, []):
                    for back in by_id[edge["prime"]].get(kind.field, []):
                        if back["prime"] != record["id"]:
                            continue
                        notes = [e[field] for e in (edge, back) if e.get(field) is not None]
                        if notes or kind.annotation_required:
                            edge[field] = back[field] = notes[0] if notes else draw(texts)
                        else:
                            edge.pop(field, None)
                            back.pop(field, None)
    meta = {
        "title": draw(texts),
        "description": draw(texts),
        "base_iri": draw(st.sampled_from(BASES)),
        "license": draw(texts),
        "version": draw(st.text(string.digits + ".", min_size=1, max_size=5)),
        "language": draw(st.sampled_from(LANGUAGES)),
    }
    return {"meta": meta, "domains": domains, "records": records}


def write_catalog(folder: Path, data: dict[str, Any]) -> None:
    (folder / "primes").mkdir(parents=True)
    (folder / "catalog.yaml").write_text(yamlio.dump(data["meta"]), encoding="utf-8")
    (folder / "domains.yaml").write_text(yamlio.dump(data["domains"]), encoding="utf-8")
    for record in data["records"]:
        (folder / "primes" / f"{record['id']}.yaml").write_text(yamlio.dump(record), encoding="utf-8")


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(data=catalogs())
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
