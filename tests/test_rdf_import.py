"""Import: our own export comes back without loss (a Hypothesis round trip over generated catalogs), a plain
SKOS vocabulary becomes draft records that pass ``primes check``, nothing is replaced without --force."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import primes
from conftest import BUNDLED, TINY
from generated_catalogs import catalogs, write_catalog
from primes.cli import app
from primes.findings import Severity
from primes.rdf.export import FORMATS, serialize
from primes.rdf.importer import RdfImportError, plan_import, write_plan

SKOS_FILE = Path(__file__).parent / "fixtures" / "skos" / "weather.ttl"
runner = CliRunner()


def export_to(catalog: primes.Catalog, path: Path, fmt: str = "turtle") -> Path:
    path.write_bytes(serialize(catalog, fmt))
    return path


def import_into(source: Path, into: Path, **kwargs: Any) -> primes.Catalog:
    write_plan(plan_import(source, into=into), into, **kwargs)
    return primes.load(into, use_cache=False)


# ---------------------------------------------------------------------------------------------------------
# Our own export


@pytest.mark.parametrize("folder", [TINY, BUNDLED], ids=["tiny", "bundled"])
@pytest.mark.parametrize("fmt", ["turtle", "ntriples", "jsonld", "xml"])
def test_export_import_export_is_identical(folder: Path, fmt: str, tmp_path: Path) -> None:
    original = primes.load(folder, use_cache=False)
    source = export_to(original, tmp_path / ("export" + FORMATS[fmt].extension), fmt)
    plan = plan_import(source, fmt=fmt, into=tmp_path / "copy")
    assert plan.kind == "export"
    assert plan.unmapped == {} and plan.notes == []
    copy = import_into(source, tmp_path / "copy")
    assert serialize(copy, "turtle") == serialize(original, "turtle")
    assert copy.primes == original.primes
    assert copy.domains == original.domains and copy.meta == original.meta


def test_importing_into_the_catalog_it_came_from_changes_nothing(tiny_dir: Path, tmp_path: Path) -> None:
    source = export_to(primes.load(tiny_dir, use_cache=False), tmp_path / "export.ttl")
    before = {p: p.read_bytes() for p in tiny_dir.rglob("*.yaml")}
    report = write_plan(plan_import(source, into=tiny_dir), tiny_dir)
    assert report.written == []
    assert len(report.unchanged) == len(before)
    assert {p: p.read_bytes() for p in tiny_dir.rglob("*.yaml")} == before  # comments and layout kept


def test_a_file_that_differs_is_replaced_only_with_force(tiny_dir: Path, tmp_path: Path) -> None:
    source = export_to(primes.load(tiny_dir, use_cache=False), tmp_path / "export.ttl")
    edited = tiny_dir / "primes" / "part.yaml"
    edited.write_text(edited.read_text().replace("A part is a simple thing.", "A part, edited by hand."))
    other = tiny_dir / "primes" / "whole.yaml"
    other.unlink()
    with pytest.raises(RdfImportError, match=r"1 file\(s\) in .* would be replaced; nothing was written") as info:
        write_plan(plan_import(source, into=tiny_dir), tiny_dir)
    assert "part.yaml" in str(info.value)
    assert "edited by hand" in edited.read_text()
    assert not other.exists()  # nothing was written, not even the missing file
    catalog = import_into(source, tiny_dir, force=True)
    assert catalog["part"].explanation("child").text == "A part is a simple thing."  # type: ignore[union-attr]
    assert other.exists()


def test_triples_the_records_do_not_account_for_are_reported(tiny: primes.Catalog, tmp_path: Path) -> None:
    extra = (
        b"<https://w3id.org/primes/prime/part> <http://www.w3.org/2004/02/skos/core#exactMatch> "
        b"<http://www.wikidata.org/entity/Q1> .\n"
        b'<https://w3id.org/primes/prime/part> <http://www.w3.org/2004/02/skos/core#scopeNote> "Teil"@de .\n'
    )
    source = tmp_path / "export.nt"
    source.write_bytes(serialize(tiny, "ntriples") + extra)
    plan = plan_import(source)
    assert plan.unmapped == {"skos:exactMatch": 1, "skos:scopeNote@de": 1}


def test_a_page_share_is_not_mistaken_for_a_catalog(tiny: primes.Catalog, tmp_path: Path) -> None:
    source = tmp_path / "part.ttl"
    source.write_bytes(serialize(tiny, "turtle", ids=["part"]))
    with pytest.raises(RdfImportError, match="no primes:Catalog scheme"):
        plan_import(source)


def test_a_syntax_error_names_the_file_and_position(tmp_path: Path) -> None:
    source = tmp_path / "broken.ttl"
    source.write_text("@prefix ex: <http://example.org/> .\nex:a ex:b ex:c ;\n  ex:d .\n")
    with pytest.raises(RdfImportError, match=r"broken\.ttl: not valid turtle: .*3"):
        plan_import(source)


def test_an_unknown_extension_asks_for_the_format(tmp_path: Path) -> None:
    source = tmp_path / "vocabulary.data"
    source.write_text("")
    with pytest.raises(RdfImportError, match="pass --format"):
        plan_import(source)


# A Hypothesis round trip over generated catalogs ----------------------------------------------------------

_CONTROL = "".join(chr(c) for c in [*range(0, 9), 11, 12, *range(14, 32), 127])
TEXT = st.text(st.characters(exclude_categories=("Cs",), exclude_characters=_CONTROL), min_size=1, max_size=30).filter(
    lambda s: bool(s.strip())
)
# What RDF gives back unchanged (see generated_catalogs): pyoxigraph writes a language tag in lower case.
ROUND_TRIP_CATALOGS = catalogs(
    TEXT,
    languages=["en", "de", "pt-br"],
    bases=["https://w3id.org/primes/", "http://example.org/vocab#", "https://x.test/a/b/"],
    round_trip=True,
)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(data=ROUND_TRIP_CATALOGS, fmt=st.sampled_from(["turtle", "jsonld", "xml", "ntriples"]))
def test_any_catalog_survives_export_and_import(
    data: dict[str, Any], fmt: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    root = tmp_path_factory.mktemp("roundtrip")
    write_catalog(root / "original", data)
    original = primes.load(root / "original", use_cache=False)
    assert len(original) == len(data["records"])
    source = export_to(original, root / ("export" + FORMATS[fmt].extension), fmt)
    plan = plan_import(source, fmt=fmt, into=root / "copy")
    assert plan.unmapped == {}
    copy = import_into(source, root / "copy")
    assert copy.primes == original.primes
    assert copy.domains == original.domains and copy.meta == original.meta
    assert serialize(copy, "turtle") == serialize(original, "turtle")


# ---------------------------------------------------------------------------------------------------------
# Plain SKOS


@pytest.fixture
def weather(tmp_path: Path) -> primes.Catalog:
    into = tmp_path / "weather"
    write_plan(plan_import(SKOS_FILE, into=into), into)
    return primes.check(into, use_cache=False)


def test_a_skos_vocabulary_becomes_draft_records(weather: primes.Catalog) -> None:
    assert weather.ids == ["cloud", "precipitation", "rain", "weather-phenomenon"]
    assert all(p.is_draft for p in weather)
    precipitation = weather["precipitation"]
    assert precipitation.name == "Precipitation"
    assert precipitation.aliases == ("Downfall", "Rainfall")
    assert precipitation.core_idea == "Water falling from clouds."
    assert precipitation.overview is None and precipitation.explanations is None  # only what SKOS has
    parents = {p.id: [r.prime for r in p.edges(weather.kind("decomposition"))] for p in weather}
    # rain -> precipitation -> phenomenon (broader); the cycle phenomenon -> cloud -> rain is cut once
    assert parents == {"cloud": ["rain"], "precipitation": ["weather-phenomenon"], "rain": ["precipitation"],
                       "weather-phenomenon": []}  # fmt: skip
    partners = [(p.id, r.prime) for p in weather for r in p.edges(weather.kind("mutual-partner"))]
    assert partners == [("cloud", "rain")]  # related both ways, declared once


def test_an_imported_skos_vocabulary_passes_check_with_warnings_only(weather: primes.Catalog) -> None:
    assert weather.findings
    assert all(f.severity is Severity.WARNING for f in weather.findings)
    result = runner.invoke(app, ["check", str(weather.root)])
    assert result.exit_code == 0, result.output


def test_what_skos_cannot_map_is_reported(tmp_path: Path) -> None:
    plan = plan_import(SKOS_FILE, into=tmp_path / "new")
    assert plan.unmapped == {
        "dcterms:title@de": 1,
        "skos:exactMatch": 1,
        "skos:hiddenLabel@en": 1,
        "skos:prefLabel@de": 2,
        "skos:scopeNote@en": 1,
    }
    notes = "\n".join(plan.notes)
    assert "Fog: not a concept of the file" in notes
    assert "would close a cycle" in notes
    assert "states no license" in notes
    assert plan.meta is not None and plan.meta["title"] == "Weather"
    assert plan.meta["base_iri"] == "http://example.org/weather/"


def test_skos_in_rdf_xml_gives_the_same_records(tmp_path: Path) -> None:
    xml = tmp_path / "weather.rdf"
    xml.write_bytes(ox.serialize(ox.parse(path=str(SKOS_FILE)), format=ox.RdfFormat.RDF_XML))
    from_xml = plan_import(xml, into=tmp_path / "a")
    from_turtle = plan_import(SKOS_FILE, into=tmp_path / "b")
    assert repr(from_xml.primes).replace("weather.rdf", "weather.ttl") == repr(from_turtle.primes)


def test_skos_into_an_existing_catalog_keeps_its_metadata_and_names(tiny_dir: Path, tmp_path: Path) -> None:
    vocabulary = tmp_path / "clash.ttl"
    vocabulary.write_text(
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        '<http://example.org/w> a skos:Concept ; skos:prefLabel "Whole"@en .\n'
        '<http://example.org/x> a skos:Concept ; skos:prefLabel "Novel"@en ; skos:broader <http://example.org/w> .\n'
    )
    meta_before = (tiny_dir / "catalog.yaml").read_bytes()
    plan = plan_import(vocabulary, into=tiny_dir)
    assert plan.meta is None and plan.domains is None
    with pytest.raises(RdfImportError, match=r"whole\.yaml"):
        write_plan(plan, tiny_dir)  # the id is taken by a prime of the catalog: not without --force
    catalog = primes.check(tiny_dir, use_cache=False)
    assert catalog["whole"].name == "Whole" and "novel" not in catalog
    assert (tiny_dir / "catalog.yaml").read_bytes() == meta_before


def test_two_concepts_with_one_name_get_distinct_records(tmp_path: Path) -> None:
    vocabulary = tmp_path / "twins.ttl"
    vocabulary.write_text(
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        '<http://example.org/a/bank> a skos:Concept ; skos:prefLabel "Bank"@en .\n'
        '<http://example.org/b/bank> a skos:Concept ; skos:prefLabel "Bank"@en .\n'
    )
    into = tmp_path / "out"
    write_plan(plan_import(vocabulary, into=into), into)
    catalog = primes.check(into, use_cache=False)
    assert sorted(p.name for p in catalog) == ["Bank", "Bank (bank)"]
    assert not [f for f in catalog.findings if f.is_error]


# ---------------------------------------------------------------------------------------------------------
# CLI


def test_cli_import_of_an_export(tmp_path: Path) -> None:
    source = export_to(primes.load(TINY, use_cache=False), tmp_path / "tiny.jsonld", "jsonld")
    result = runner.invoke(app, ["import", str(source), "--into", str(tmp_path / "copy")])
    assert result.exit_code == 0, result.output
    assert "a Primes export, 6 prime(s)" in result.output
    assert "8 file(s) written" in result.output
    assert "0 error(s)" in result.output
    again = runner.invoke(app, ["import", str(source), "--into", str(tmp_path / "copy")])
    assert again.exit_code == 0 and "0 file(s) written, 8 unchanged" in again.output


def test_cli_import_of_skos_reports_what_it_left_out(tmp_path: Path) -> None:
    result = runner.invoke(app, ["import", str(SKOS_FILE), "--into", str(tmp_path / "w")])
    assert result.exit_code == 0, result.output
    assert "a SKOS vocabulary (imported as drafts), 4 prime(s)" in result.output
    assert "skos:exactMatch: 1" in result.output
    assert "would close a cycle" in result.output


def test_cli_import_dry_run_writes_nothing(tmp_path: Path) -> None:
    result = runner.invoke(app, ["import", str(SKOS_FILE), "--into", str(tmp_path / "w"), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "w").exists()


def test_cli_import_refuses_to_replace_without_force(tiny_dir: Path, tmp_path: Path) -> None:
    source = export_to(primes.load(BUNDLED, use_cache=False), tmp_path / "bundled.ttl")
    shutil.copy(TINY / "catalog.yaml", tmp_path / "keep.yaml")
    result = runner.invoke(app, ["import", str(source), "--into", str(tiny_dir)])
    assert result.exit_code == 1
    assert "would be replaced; nothing was written" in result.output
    assert "Traceback" not in result.output
    assert (tiny_dir / "catalog.yaml").read_bytes() == (tmp_path / "keep.yaml").read_bytes()
