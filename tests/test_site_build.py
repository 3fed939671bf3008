"""Building the site: every page and file, links that resolve, RDF beside each page, search, atomic swaps."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pyoxigraph as ox
import pytest
import yaml
from typer.testing import CliRunner

import primes
from conftest import ROOT, TINY, WHOLE
from primes.cli import app
from primes.errors import CatalogError
from primes.rdf.export import prime_iri
from primes.site.build import BuildError, build_site

SITE = ROOT / "site"


class _Page(HTMLParser):
    """Links, head scripts and text of a built page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.title = ""
        self._in: str | None = None
        self._attrs: dict[str, str | None] = {}
        self._buffer: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.links.append(value)
        if tag in ("script", "title"):
            self._in, self._attrs, self._buffer = tag, dict(attrs), []

    def handle_endtag(self, tag: str) -> None:
        if tag == self._in:
            text = "".join(self._buffer)
            if tag == "script":
                self.scripts.append((self._attrs, text))
            elif not self.title:
                self.title = text
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in:
            self._buffer.append(data)


def parse_page(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("tiny-site") / "site"
    result = build_site(TINY, config_file=SITE / "mkdocs.yml", out_dir=out, strict=True)
    assert result.out_dir == out.resolve()
    assert result.warnings == []
    return out


def test_every_prime_has_a_page_with_its_rdf_beside_it(built: Path, tiny: primes.Catalog) -> None:
    for prime in tiny:
        assert (built / "primes" / prime.id / "index.html").is_file()
        turtle = (built / "primes" / f"{prime.id}.ttl").read_bytes()
        subjects = {q.subject for q in ox.parse(turtle, format=ox.RdfFormat.TURTLE)}
        assert ox.NamedNode(prime_iri(tiny, prime.id)) in subjects
        jsonld = (built / "primes" / f"{prime.id}.jsonld").read_bytes()
        triples = {(q.subject, q.predicate, q.object) for q in ox.parse(jsonld, format=ox.RdfFormat.JSON_LD)}
        assert triples == {(q.subject, q.predicate, q.object) for q in ox.parse(turtle, format=ox.RdfFormat.TURTLE)}


def test_indexes_are_built(built: Path, tiny: primes.Catalog) -> None:
    for page in ["index.html", "about/index.html", "primes/index.html", "domains/index.html", "graph/index.html"]:
        assert (built / page).is_file(), page
    for domain in tiny.domains:
        assert (built / "domains" / domain / "index.html").is_file()
    for kind in primes.edge_kinds():
        assert (built / "relations" / kind.id / "index.html").is_file()


def test_prime_page_head_carries_a_defined_term(built: Path, tiny: primes.Catalog) -> None:
    page = parse_page(built / "primes" / WHOLE / "index.html")
    blocks = [json.loads(text) for attrs, text in page.scripts if attrs.get("type") == "application/ld+json"]
    assert len(blocks) == 1
    term = blocks[0]
    assert term["@context"] == "https://schema.org"
    assert term["@type"] == "DefinedTerm"
    assert term["@id"] == prime_iri(tiny, WHOLE)
    assert term["name"] == "Whole"
    assert term["termCode"] == WHOLE
    assert term["inDefinedTermSet"]["@type"] == "DefinedTermSet"
    assert term["description"].startswith("The whole pattern")
    assert page.title == "Whole - Primes"
    html = (built / "primes" / WHOLE / "index.html").read_text(encoding="utf-8")
    assert '<link rel="alternate" type="text/turtle" href="../whole.ttl">' in html
    assert '<link rel="alternate" type="application/ld+json" href="../whole.jsonld">' in html


def test_diagrams_are_inline_svg_with_their_edge_list(built: Path, tiny: primes.Catalog) -> None:
    for prime in tiny:
        html = (built / "primes" / prime.id / "index.html").read_text(encoding="utf-8")
        assert html.count('<svg xmlns="http://www.w3.org/2000/svg" class="primes-svg primes-one-hop"') == 1
        assert "primes-diagram-slot" not in html
    whole = (built / "primes" / WHOLE / "index.html").read_text(encoding="utf-8")
    assert '<a href="../part/" aria-label="Part">' in whole
    assert '<li>Whole decomposes into <a href="../part/">Part</a></li>' in whole
    graph = (built / "graph" / "index.html").read_text(encoding="utf-8")
    assert 'class="primes-svg primes-catalog-graph"' in graph
    for prime in tiny:
        assert f'href="../primes/{prime.id}/"' in graph


def test_every_link_resolves(built: Path) -> None:
    broken = []
    for path in built.rglob("*.html"):
        for link in parse_page(path).links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or link.startswith(("#", "mailto:", "data:")):
                continue
            base = built if parts.path.startswith("/") else path.parent  # 404.html links from the site root
            target = (base / unquote(parts.path).lstrip("/")).resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{path.relative_to(built)} -> {link}")
    assert broken == []


def test_search_finds_a_prime_by_any_word_of_its_text(built: Path, tiny: primes.Catalog) -> None:
    index = json.loads((built / "search" / "search_index.json").read_text(encoding="utf-8"))
    by_page: dict[str, str] = {}
    for entry in index["docs"]:
        page = entry["location"].split("#")[0]
        by_page[page] = by_page.get(page, "") + " " + entry["title"] + " " + entry["text"]
    for prime in tiny:
        indexed = by_page[f"primes/{prime.id}/"].casefold()
        words = {w.casefold() for _, text in [("name", prime.name), *prime.texts()] for w in re.findall(r"\w+", text)}
        missing = sorted(w for w in words if w not in indexed)
        assert missing == [], f"{prime.id}: words not in the search index: {missing}"
    # Index pages stay out of the index (they only repeat names); domain pages keep their description only.
    assert not any(page in by_page for page in ["primes/", "domains/", "relations/", "graph/"])
    assert "matter and energy" in by_page["domains/physics/"].casefold()
    assert "whole in physics" not in by_page["domains/physics/"].casefold()


def test_plain_mkdocs_builds_the_same_pages(tmp_path: Path) -> None:
    config = yaml.safe_load((SITE / "mkdocs.yml").read_text(encoding="utf-8"))
    for plugin in config["plugins"]:
        if isinstance(plugin, dict) and "primes" in plugin:
            plugin["primes"]["catalog"] = str(TINY)
    config["docs_dir"] = str(SITE / "docs")
    config["theme"]["custom_dir"] = str(SITE / "overrides")
    config_file = tmp_path / "mkdocs.yml"
    config_file.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    mkdocs = Path(sys.executable).with_name("mkdocs")
    run = subprocess.run(
        [str(mkdocs), "build", "--strict", "-f", str(config_file), "-d", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=300,
        env={"NO_MKDOCS_2_WARNING": "1", "PATH": str(mkdocs.parent)},
    )
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "out" / "primes" / WHOLE / "index.html").is_file()
    assert (tmp_path / "out" / "primes" / f"{WHOLE}.ttl").is_file()


def test_a_catalog_with_errors_is_refused_and_the_site_kept(built: Path, tmp_path: Path, tiny_dir: Path) -> None:
    out = tmp_path / "site"
    shutil.copytree(built, out)
    before = (out / "index.html").read_bytes()
    whole = tiny_dir / "primes" / "whole.yaml"
    whole.write_text(whole.read_text(encoding="utf-8") + "decomposes:\n- prime: nowhere\n  note: dangling\n")
    with pytest.raises(CatalogError) as caught:
        build_site(tiny_dir, config_file=SITE / "mkdocs.yml", out_dir=out)
    assert any(f.code == "PR401" for f in caught.value.findings)
    assert (out / "index.html").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site", "tiny"]


def test_a_failed_build_leaves_the_previous_site(built: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    shutil.copytree(built, out)
    before = sorted(str(p.relative_to(out)) for p in out.rglob("*"))
    site = tmp_path / "config"
    shutil.copytree(SITE, site, ignore=shutil.ignore_patterns("build"))
    (site / "docs" / "about.md").write_text("# About\n\nSee [nowhere](nowhere.md).\n", encoding="utf-8")
    with pytest.raises(BuildError, match=r"nowhere\.md"):
        build_site(TINY, config_file=site / "mkdocs.yml", out_dir=out, strict=True)
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*")) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config", "site"]  # no staging folder left behind


def test_a_folder_that_is_not_a_site_is_not_replaced(tmp_path: Path) -> None:
    out = tmp_path / "precious"
    out.mkdir()
    (out / "thesis.tex").write_text("years of work", encoding="utf-8")
    with pytest.raises(BuildError, match="does not look like a built site"):
        build_site(TINY, config_file=SITE / "mkdocs.yml", out_dir=out)
    assert (out / "thesis.tex").read_text(encoding="utf-8") == "years of work"


def test_cli_builds_and_reports(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["build", "--catalog", str(TINY), "--out", str(out), "--config", str(SITE / "mkdocs.yml")]
    )
    assert result.exit_code == 0, result.output
    assert f"into {out.resolve()}" in result.output
    assert (out / "primes" / WHOLE / "index.html").is_file()


def test_cli_refuses_a_broken_catalog_with_its_findings(tmp_path: Path) -> None:
    broken = ROOT / "tests" / "fixtures" / "broken" / "dangling-edge"
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["build", "--catalog", str(broken), "--out", str(out), "--config", str(SITE / "mkdocs.yml")]
    )
    assert result.exit_code == 1
    assert "PR401" in result.output
    assert not out.exists()
