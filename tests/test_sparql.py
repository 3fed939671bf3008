"""SPARQL on the embedded store: the named queries, parameters, result formats, errors, and the CLI."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from typer.testing import CliRunner

import primes
from conftest import BUNDLED, LOOKALIKE, PART, PIECE, SIBLING, TINY, TWIN, WHOLE
from primes.cli import app
from primes.errors import QueryError, UnknownPrime
from primes.rdf.export import prime_iri, store, store_input
from primes.rdf.safety import QueryRefused
from primes.rdf.sparql import SparqlSyntaxError, bind, named_queries, named_query, rows, run, write_results
from test_sparql_safety import Listener

runner = CliRunner()


def select(source: primes.Catalog | ox.Store, text: str) -> list[dict[str, str]]:
    _, results = run(source, text)
    assert isinstance(results, ox.QuerySolutions)
    names, found = rows(results)
    return [{n: t.value for n, t in zip(names, row, strict=True) if t is not None} for row in found]


def named(catalog: primes.Catalog, name: str, **params: str) -> list[dict[str, str]]:
    return select(catalog, bind(catalog, named_query(name), params))


def local(iri: str) -> str:
    return iri.rsplit("/", 1)[-1]


def test_the_named_queries_ship_with_titles_and_descriptions() -> None:
    queries = named_queries()
    assert {"foundational", "neighborhood", "contrasts-without-reasons", "edge-counts", "descendants"} <= set(queries)
    for query in queries.values():
        assert query.title and query.description


@pytest.mark.parametrize("name", sorted(named_queries()))
@pytest.mark.parametrize("folder", [TINY, BUNDLED], ids=["tiny", "bundled"])
def test_every_named_query_runs(name: str, folder: Path) -> None:
    catalog = primes.load(folder)
    query = named_query(name)
    values = {p.name: {"prime": catalog.ids[0], "text": "e"}[p.kind] for p in query.params}
    _, results = run(catalog, bind(catalog, query, values))
    assert isinstance(results, ox.QuerySolutions)
    list(results)


def test_foundational_primes(tiny: primes.Catalog) -> None:
    found = named(tiny, "foundational")
    assert [(local(r["prime"]), r["children"]) for r in found] == [(LOOKALIKE, "0"), (TWIN, "0"), (WHOLE, "2")]


def test_the_neighbourhood_reads_each_edge_from_the_prime(tiny: primes.Catalog) -> None:
    found = named(tiny, "neighborhood", prime=PART)
    assert [(r["relation"], local(r["neighbour"]), r["note"]) for r in found] == [
        ("decomposes into", PIECE, "a piece of a part"),
        ("is a decomposition of", WHOLE, "a part of the whole"),
        ("is a mutual partner of", TWIN, "twins come in pairs"),
        ("is not to be confused with", WHOLE, "a part is smaller than its whole"),
    ]


def test_descendants_follow_the_hierarchy(tiny: primes.Catalog) -> None:
    assert sorted(local(r["descendant"]) for r in named(tiny, "descendants", prime=WHOLE)) == [PART, PIECE, SIBLING]


def test_edge_counts(tiny: primes.Catalog) -> None:
    found = {r["label"]: int(r["edges"]) for r in named(tiny, "edge-counts")}
    assert found == {"decomposition": 3, "mutual partner": 2, "not to be confused with": 2}


def test_search_by_name_or_alias(tiny: primes.Catalog) -> None:
    assert {local(r["prime"]) for r in named(tiny, "search", text="WHO")} == {WHOLE}


def test_contrasts_without_reasons_finds_a_bare_contrast(tiny: primes.Catalog) -> None:
    query = bind(tiny, named_query("contrasts-without-reasons"), {})
    assert select(tiny, query) == []  # an export always has its reasons
    store = ox.Store()
    store.load(store_input(tiny), format=ox.RdfFormat.TURTLE)
    store.add(
        ox.Quad(
            ox.NamedNode(prime_iri(tiny, TWIN)),
            ox.NamedNode("https://w3id.org/primes/ontology#notToBeConfusedWith"),
            ox.NamedNode(prime_iri(tiny, PIECE)),
        )
    )
    found = select(store, query)
    assert [(local(r["prime"]), local(r["other"]), r["otherName"]) for r in found] == [(TWIN, PIECE, "Piece")]


def test_parameters_are_checked(tiny: primes.Catalog) -> None:
    query = named_query("neighborhood")
    with pytest.raises(QueryError, match="needs --param prime="):
        bind(tiny, query, {})
    with pytest.raises(QueryError, match="has no parameter 'primes'"):
        bind(tiny, query, {"prime": PART, "primes": PART})
    with pytest.raises(UnknownPrime, match="did you mean 'part'"):
        bind(tiny, query, {"prime": "prat"})
    with pytest.raises(QueryError, match="no named query 'neighbourhood'; did you mean 'neighborhood'"):
        named_query("neighbourhood")


def test_a_text_parameter_cannot_break_out_of_its_string(tiny: primes.Catalog) -> None:
    hostile = '" } } SELECT * WHERE { ?s ?p ?o } #'
    assert named(tiny, "search", text=hostile) == []


def test_queries_may_use_the_export_prefixes_unprefixed(tiny: primes.Catalog) -> None:
    found = select(tiny, "SELECT ?name WHERE { prime:part skos:prefLabel ?name }")
    assert found == [{"name": "Part"}]


def test_a_syntax_error_names_line_and_column_and_shows_the_line(tiny: primes.Catalog) -> None:
    with pytest.raises(SparqlSyntaxError) as info:
        run(tiny, "SELECT ?s\nWHERE { ?s ?p }")
    error = info.value
    assert (error.line, error.column) == (2, 16)  # where the parser gave up: the end, past the "}"
    assert "line 2, column 16" in str(error)
    assert str(error).endswith("\n  WHERE { ?s ?p }\n  " + " " * 15 + "^")


def test_updates_and_service_are_refused(tiny: primes.Catalog, listener: Listener) -> None:
    before = len(store(tiny))
    with pytest.raises(QueryRefused):
        run(tiny, "DELETE WHERE { ?s ?p ?o }")
    with pytest.raises(QueryRefused):
        run(tiny, f"SELECT * WHERE {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}")
    assert listener.calls == []
    assert len(store(tiny)) == before


@pytest.fixture
def listener() -> Any:
    found = Listener()
    yield found
    found.close()


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_select_results_in_every_results_format(tiny: primes.Catalog, fmt: str) -> None:
    _, results = run(tiny, "SELECT ?p ?n WHERE { ?p a primes:Prime ; skos:prefLabel ?n } ORDER BY ?n")
    data = write_results(results, fmt)
    if fmt == "csv":  # lossy by design: plain values, no parser in pyoxigraph
        names = [row["n"] for row in csv.DictReader(io.StringIO(data.decode()))]
    else:
        formats = {
            "json": ox.QueryResultsFormat.JSON,
            "xml": ox.QueryResultsFormat.XML,
            "tsv": ox.QueryResultsFormat.TSV,
        }
        names = [s["n"].value for s in ox.parse_query_results(data, format=formats[fmt])]  # type: ignore[union-attr]
    assert names == ["Lookalike", "Part", "Piece", "Sibling", "Twin", "Whole"]


def test_ask_and_construct_results(tiny: primes.Catalog) -> None:
    _, answer = run(tiny, "ASK { prime:part skos:broader prime:whole }")
    assert json.loads(write_results(answer, "json"))["boolean"] is True
    _, triples = run(tiny, "CONSTRUCT { ?a skos:broader ?b } WHERE { ?a skos:broader ?b }")
    data = write_results(triples, "turtle", {"skos": "http://www.w3.org/2004/02/skos/core#"})
    assert b"skos:broader" in data
    assert len(list(ox.parse(data, format=ox.RdfFormat.TURTLE))) == 3
    _, triples = run(tiny, "CONSTRUCT WHERE { ?a skos:broader ?b }")
    with pytest.raises(QueryError, match="CONSTRUCT or DESCRIBE result is RDF"):
        write_results(triples, "csv")


# ---------------------------------------------------------------------------------------------------------
# CLI


def cli(*args: str) -> Any:
    return runner.invoke(app, ["sparql", "--catalog", str(TINY), *args])


def test_cli_prints_a_table() -> None:
    result = cli("SELECT ?name WHERE { ?p a primes:Prime ; skos:prefLabel ?name } ORDER BY ?name")
    assert result.exit_code == 0, result.output
    assert "Lookalike" in result.stdout and "Whole" in result.stdout
    assert "6 row(s)" in result.output


def test_cli_runs_a_named_query_with_a_parameter() -> None:
    result = cli("--named", "neighborhood", "--param", f"prime={PART}", "--format", "csv")
    assert result.exit_code == 0, result.output
    table = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["name"] for r in table] == ["Piece", "Whole", "Twin", "Whole"]


def test_cli_reads_a_query_file(tmp_path: Path) -> None:
    path = tmp_path / "q.rq"
    path.write_text("SELECT (COUNT(*) AS ?n) WHERE { ?p a primes:Prime }")
    result = cli("-f", str(path), "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["results"]["bindings"][0]["n"]["value"] == "6"


def test_cli_writes_construct_results_as_turtle() -> None:
    result = cli("DESCRIBE prime:piece")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("@prefix")
    assert "prime:piece" in result.stdout


def test_cli_lists_the_named_queries() -> None:
    result = runner.invoke(app, ["sparql", "--list"])
    assert result.exit_code == 0
    assert "neighborhood" in result.stdout and "prime (prime)" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["SELECT ?s WHERE { ?s ?p }"], "line 1, column 26"),
        (["INSERT DATA { <a> <b> <c> }"], "Update is refused"),
        (["--named", "neighborhood"], "needs --param prime="),
        (["--named", "neighborhood", "--param", "prime=prat"], "did you mean 'part'"),
        (["--named", "nope"], "no named query 'nope'"),
        (["DESCRIBE prime:part", "--format", "table"], "CONSTRUCT or DESCRIBE result is RDF"),
    ],
)
def test_cli_reports_problems_without_a_traceback(args: list[str], message: str) -> None:
    result = cli(*args)
    assert result.exit_code in (1, 2)
    assert message in result.output
    assert "Traceback" not in result.output


def test_cli_refuses_service_without_calling_out(listener: Listener) -> None:
    result = cli(f"SELECT * WHERE {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}")
    assert result.exit_code == 1
    assert "SERVICE is refused" in result.output
    assert listener.calls == []


def test_cli_needs_exactly_one_query() -> None:
    result = cli()
    assert result.exit_code == 2
    assert "give exactly one of QUERY, --file FILE or --named NAME" in result.output
