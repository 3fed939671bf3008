"""The generated Markdown: golden files for the tiny catalog, the reference page's order for the bundled one."""

from __future__ import annotations

import html
import os
import re
from pathlib import Path

import pytest
from mkdocs.structure.files import File
from mkdocs.utils.meta import get_data

import primes
from conftest import LOOKALIKE, PART, PIECE, ROOT, SIBLING, TWIN, WHOLE
from primes.ontology import edge_kinds
from primes.site import render
from primes.site.build import load_site_config
from primes.site.files import LazyFile
from primes.site.render import AZ_PAGE, Renderer, SiteError, prime_uri
from primes.site.text import Markdown, md_block, md_inline

GOLDEN = Path(__file__).parent / "golden" / "site"
UPDATE = os.environ.get("PRIMES_UPDATE_GOLDEN") == "1"


@pytest.fixture(scope="module")
def tiny_pages(tiny: primes.Catalog) -> dict[str, str]:
    return {page.uri: page.expanded() for page in Renderer(tiny).pages()}


def _golden_name(uri: str) -> str:
    return uri.replace("/", "__")


@pytest.mark.parametrize(
    "uri",
    [
        *(prime_uri(p) for p in (WHOLE, PART, PIECE, TWIN, LOOKALIKE, SIBLING)),
        AZ_PAGE,
        "domains/index.md",
        "domains/physics.md",
        "relations/index.md",
        *(f"relations/{k.id}.md" for k in edge_kinds()),
        "graph.md",
    ],
)
def test_tiny_page_matches_golden(tiny_pages: dict[str, str], uri: str) -> None:
    golden = GOLDEN / _golden_name(uri)
    if UPDATE:
        golden.write_text(tiny_pages[uri], encoding="utf-8")
    assert tiny_pages[uri] == golden.read_text(encoding="utf-8"), f"{uri} differs from {golden}"


def test_every_generated_page_is_listed(tiny: primes.Catalog, tiny_pages: dict[str, str]) -> None:
    assert sorted(Renderer(tiny).page_uris()) == sorted(tiny_pages)


def test_home_page_template_matches_golden(tiny: primes.Catalog) -> None:
    source, meta = get_data((ROOT / "site" / "docs" / "index.md").read_text(encoding="utf-8"))
    assert meta["primes_template"] is True
    rendered = Renderer(tiny).render_handwritten(source, "index.md")
    golden = GOLDEN / "home.md"
    if UPDATE:
        golden.write_text(rendered, encoding="utf-8")
    assert rendered == golden.read_text(encoding="utf-8")


REFERENCE_ORDER = [
    "# Micro Macro Linkage",
    "## Core Idea",
    "## How would you explain it like I'm…",
    "### ",  # the three titled explanations
    '<hr class="primes-overview-rule">',
    "## Broad Use",
    "## Clarity",
    "## Manages Complexity",
    "## Abstract Reasoning",
    "## Knowledge Transfer",
    "## Example",
    "## Relationships to Other Primes",
    "One-hop neighborhood: parents above, mutual partners to the right, children below",
    '<div class="primes-diagram-slot"',
    "Foundational — no parent edges in the catalog.",
    "### Children (3) — more specific cases that build on this",
    "### Not to Be Confused With",
]


def test_prime_page_follows_the_reference_layout(bundled: primes.Catalog) -> None:
    page = html.unescape(Renderer(bundled).prime_page("micro-macro-linkage"))  # typographic entities as characters
    position = -1
    for marker in REFERENCE_ORDER:
        found = page.find(marker, position + 1)
        assert found > position, f"{marker!r} missing or out of the reference page's order"
        position = found
    assert page.count("\n### ") >= 3 + 1 + 2  # explanations, example title, children, contrasts
    children = re.findall(r"^- \[(.+?)\]\(.+?\) is a decomposition of Micro Macro Linkage — ", page, re.M)
    assert children == ["Aggregation", "Downward Causation", "Emergence"]
    contrasts = re.findall(r"^- Micro Macro Linkage is not to be confused with \[(.+?)\]\(.+?\) because ", page, re.M)
    declared = bundled["micro-macro-linkage"].edges(primes.ontology.edge_kind("not-to-be-confused-with"))
    assert contrasts == [bundled[ref.prime].name for ref in declared]  # in the record's order
    assert sorted(contrasts) == ["Downward Causation", "Emergence", "Scaling and Scale Dependence"]
    assert "- **[Statistical mechanics](../domains/statistical-mechanics.md)**: " in page
    assert "- **[Physics](../domains/physics.md) to [Economics](../domains/economics.md)**: " in page


def test_foundational_line_only_without_parents(tiny: primes.Catalog, tiny_pages: dict[str, str]) -> None:
    for prime in tiny:
        has_parent = bool(tiny.kind_graphs["decomposition"].succ[prime.id])
        shown = "Foundational &mdash; no parent edges in the catalog." in tiny_pages[prime_uri(prime.id)]
        assert shown is not has_parent, prime.id


def test_incoming_edges_are_shown_on_the_target(tiny_pages: dict[str, str]) -> None:
    whole = html.unescape(tiny_pages[prime_uri(WHOLE)])
    assert "### Children (2) — more specific cases that build on this" in whole
    assert "- [Part](part.md) is a decomposition of Whole — a part of the whole" in whole
    assert "### Contrasted By (2) — primes that say they are not to be confused with this one" in whole
    assert "- [Lookalike](lookalike.md) is not to be confused with Whole because " in whole
    twin = tiny_pages[prime_uri(TWIN)]
    assert twin.count("is a mutual partner of") == 2  # declared in twin's file and in sibling's


def test_drafts_render_the_sections_they_have(tiny_dir: Path) -> None:
    path = tiny_dir / "primes" / "piece.yaml"
    text = path.read_text(encoding="utf-8")
    kept = [line for line in text.splitlines() if not line.startswith(("clarity:", "manages_complexity:"))]
    path.write_text("\n".join(kept).replace("name: Piece", "name: Piece\nstatus: draft") + "\n", encoding="utf-8")
    catalog = primes.load(tiny_dir, use_cache=False)
    page = Renderer(catalog).prime_page(PIECE)
    assert '!!! warning "Draft"' in page
    assert "## Clarity" not in page and "## Manages Complexity" not in page
    assert "## Abstract Reasoning" in page


def test_an_id_that_would_overwrite_an_index_is_refused(tiny_dir: Path) -> None:
    old = tiny_dir / "primes" / "lookalike.yaml"
    text = old.read_text(encoding="utf-8").replace("id: lookalike", "id: index")
    old.unlink()
    (tiny_dir / "primes" / "index.yaml").write_text(text, encoding="utf-8")
    catalog = primes.load(tiny_dir, use_cache=False)
    with pytest.raises(SiteError, match="'index'"):
        Renderer(catalog)


def _one_by_one(texts: list[str | None], *, block: bool = False) -> list[Markdown | None]:
    escape = md_block if block else md_inline
    return [None if text is None else escape(text) for text in texts]


@pytest.mark.parametrize("catalog_name", ["tiny", "bundled"])
def test_texts_escaped_page_by_page_read_as_escaped_one_by_one(
    catalog_name: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A prime page escapes its texts together (one scan when none needs escaping); the bundled catalog has
    # pages of both kinds.
    catalog: primes.Catalog = request.getfixturevalue(catalog_name)
    together = [Renderer(catalog).prime_page(prime.id) for prime in catalog]
    monkeypatch.setattr(render, "md_texts", _one_by_one)
    assert [Renderer(catalog).prime_page(prime.id) for prime in catalog] == together


def test_a_page_with_one_text_to_escape_escapes_it(tiny_dir: Path) -> None:
    path = tiny_dir / "primes" / "piece.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("name: Piece", "name: Piece\naliases: [Pie <b>ce</b>, P*]"), encoding="utf-8")
    page = Renderer(primes.load(tiny_dir, use_cache=False)).prime_page(PIECE)
    assert "*Also known as Pie &lt;b&gt;ce&lt;/b&gt;, P\\*.*" in page
    assert "<b>" not in page


def test_a_lazy_file_is_the_file_mkdocs_would_make(tmp_path: Path) -> None:
    # LazyFile sets File's attributes itself (no path normalization): the same paths and URLs as File.generated.
    config = load_site_config(ROOT / "site" / "mkdocs.yml")
    config.site_dir = str(tmp_path)
    config.plugins.on_startup(command="build", dirty=False)
    for uri in ["primes/feedback-loop.md", "primes/feedback-loop.ttl", "domains/index.md", "graph.md"]:
        for directory_urls in (True, False):
            config.use_directory_urls = directory_urls
            lazy = LazyFile(config.site_dir, directory_urls, uri, lambda: "content")
            made = File.generated(config, uri, content="content")
            for attribute in ("src_uri", "dest_uri", "url", "abs_dest_path", "abs_src_path", "name", "inclusion"):
                assert getattr(lazy, attribute) == getattr(made, attribute), (uri, attribute)
            assert lazy.generated_by == "primes" and lazy.content_string == "content"
            assert lazy.is_documentation_page() == made.is_documentation_page()
