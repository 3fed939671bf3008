"""``PrimesPlugin``: the mkdocs plugin that turns the catalog into pages (entry point ``primes``).

mkdocs events, in build order:

- ``on_config``: load and check the catalog (``catalog:`` option, relative to ``mkdocs.yml``); errors stop
  the build with the findings. ``primes build`` hands over the catalog it already checked.
- ``on_files``: add every generated page (``File.generated``) and each prime's Turtle and JSON-LD file; a
  prime page's Markdown and RDF are made when mkdocs reads them (:mod:`primes.site.files`), the Markdown in
  runs of pages (:mod:`primes.site.ahead`).
- ``on_page_markdown``: fill hand-written pages that ask for it (``primes_template: true``) and set each
  prime page's title, description and JSON-LD head (read by ``overrides/main.html``).
- ``on_post_page``: put the SVG diagrams (made in runs too) in their slots, after the search index has read
  the page (the diagrams repeat names the page already lists), and report progress.

What every page shares is set up once per build: a prime's relationships (the page and its diagram both show
them), the diagrams' boxes (:class:`~primes.site.diagram.OneHop`), links between pages of one folder
(:class:`~primes.site.listing.Hrefs`) and the catalog's part of each page's JSON-LD head.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.livereload import LiveReloadServer
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page
from mkdocs.utils.meta import get_data

from primes.catalog import Catalog, load
from primes.errors import PrimesError
from primes.site.ahead import RunAhead
from primes.site.diagram import OneHop, catalog_graph
from primes.site.files import LazyFile
from primes.site.listing import Hrefs, Listing, fill, relative_url_from
from primes.site.rdf import RDF_FORMATS, PrimeRdf, RdfFormat, prime_iri
from primes.site.render import (
    DIAGRAM_SLOT,
    GRAPH_PAGE,
    GRAPH_SLOT,
    Renderer,
    prime_uri,
    rdf_uri,
)
from primes.site.text import json_for_script, xml

log = logging.getLogger("mkdocs.plugins.primes")

Progress = Callable[[int, int], None]


class PrimesConfig(base.Config):  # type: ignore[no-untyped-call]
    catalog = c.Type(str, default="../catalog")  # relative to the folder of mkdocs.yml
    strict = c.Type(bool, default=False)  # refuse a catalog with warnings, not only one with errors
    rdf = c.Type(bool, default=True)  # write <id>.ttl and <id>.jsonld beside each prime page


class PrimesPlugin(BasePlugin[PrimesConfig]):  # type: ignore[no-untyped-call]
    """Generates the catalog's pages inside mkdocs; see the module docstring for the events it uses."""

    def __init__(self) -> None:
        self.catalog: Catalog | None = None
        self.preloaded: Catalog | None = None  # set by `primes build`, which has checked the catalog already
        self.progress: Progress | None = None
        self.live_script: str | None = None  # set by `primes serve`: the reload script added to every page
        self.renderer: Renderer | None = None
        self.rdf: PrimeRdf | None = None
        self._one_hop: OneHop | None = None  # draws the prime pages' diagrams
        self._term_set = ""  # the catalog's part of each prime page's DefinedTerm, as JSON members
        self._hrefs = Hrefs()  # links between the pages of the build
        self._iri_base: str | None = None  # what a prime's IRI starts with (worked out when first needed)
        self.files: Files | None = None
        self.nav: Navigation | None = None  # kept, with env, for the live rebuild of single pages
        self.env: jinja2.Environment | None = None
        self.generated: dict[str, File] = {}  # src_uri -> the File this plugin made
        self._page_prime: dict[str, str] = {}  # src_uri -> prime id, for the prime pages
        self._titles: dict[str, str] = {}  # src_uri -> plain-text title, for the generated pages
        self._listings: dict[str, Mapping[str, Listing]] = {}  # src_uri -> the HTML lists of an index page
        self._digests: dict[str, int] = {}  # src_uri -> hash of the page's Markdown last made (for a live site)
        # Prime pages' Markdown, heads and diagrams, made in runs during a full build (see primes.site.ahead).
        self._markdown = RunAhead(lambda prime_id: self._renderer().prime_page(prime_id))
        self._heads = RunAhead(self._prime_head)
        self._diagrams = RunAhead(self._prime_diagram)
        self._done = 0
        self._total = 0

    # --- mkdocs events ----------------------------------------------------------------------------------

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        if self.preloaded is not None:
            self.use_catalog(self.preloaded)
            return config
        path = self.catalog_dir(config)
        try:
            self.use_catalog(load(path, strict=self.config.strict))
        except PrimesError as exc:
            raise PluginError(f"primes: cannot build the site from {path}: {exc}") from None
        return config

    def on_serve(
        self, server: LiveReloadServer, /, *, config: MkDocsConfig, builder: Callable[..., Any]
    ) -> LiveReloadServer | None:
        # `mkdocs serve` rebuilds when the catalog changes, not only the docs folder.
        server.watch(str(self.catalog_dir(config)))
        return server

    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files | None:
        renderer = self._renderer()
        self.generated = {}
        self._page_prime = {}
        self._titles = {}
        self._listings = {}
        self._digests = {}
        self._hrefs = Hrefs()  # the files' URLs are the build's
        assert self.catalog is not None
        # mkdocs reads the pages (on_page_markdown right after each) in the order of the files: the prime pages
        # in catalog order.
        order = [prime.id for prime in self.catalog]
        self._markdown.expect(order)
        self._heads.expect(order)
        handwritten = files.documentation_pages()  # the docs folder's few pages, before ours are added
        site_dir, directory_urls = config.site_dir, config.use_directory_urls
        rdf_formats = list(RDF_FORMATS.items()) if self.config.rdf else []
        for prime in self.catalog:
            # Prime pages and their RDF are made when mkdocs reads them (see primes.site.files).
            uri = prime_uri(prime.id)
            self._page_prime[uri] = prime.id
            self._titles[uri] = prime.name
            markdown = functools.partial(self._prime_markdown, prime.id)
            self._add_file(files, LazyFile(site_dir, directory_urls, uri, markdown))
            for extension, fmt in rdf_formats:
                data = functools.partial(self._prime_rdf, prime.id, fmt)
                self._add_file(files, LazyFile(site_dir, directory_urls, rdf_uri(prime.id, extension), data))
        index_pages = renderer.index_pages()
        for generated in index_pages:
            self._add(files, config, generated.uri, generated.markdown)
            self._titles[generated.uri] = generated.title
            if generated.listings:
                self._listings[generated.uri] = generated.listings
        self.files = files
        self._done = 0
        # Every page is read, then written: two steps each (counted without asking each of the files).
        others = sum(1 for file in handwritten if file.src_uri not in self.generated)
        self._total = 2 * (others + len(order) + len(index_pages))
        return files

    def on_nav(self, nav: Navigation, /, *, config: MkDocsConfig, files: Files) -> Navigation | None:
        self.nav = nav
        return nav

    def on_page_markdown(self, markdown: str, /, *, page: Page, config: MkDocsConfig, files: Files) -> str | None:
        uri = page.file.src_uri
        if page.meta.get("primes_template"):
            markdown = self._renderer().render_handwritten(markdown, uri)
            self._digests[uri] = hash(markdown)
        title = self._titles.get(uri)
        if title is not None:
            # The theme prints a page's title unescaped (and un-escapes the heading it would take it from),
            # so a title made of catalog text is given escaped here.
            page.meta["title"] = xml(title)
        prime_id = self._page_prime.get(uri)
        if prime_id is not None:
            self._prime_meta(page, prime_id)
        return markdown

    def on_env(self, env: jinja2.Environment, /, *, config: MkDocsConfig, files: Files) -> jinja2.Environment | None:
        self.env = env
        # Every page's Markdown has been read by now; next mkdocs writes the pages, in the same order.
        self._markdown.stop()
        self._heads.stop()
        assert self.catalog is not None
        self._diagrams.expect([prime.id for prime in self.catalog])
        return env

    def on_page_content(self, html: str, /, *, page: Page, config: MkDocsConfig, files: Files) -> str | None:
        listings = self._listings.get(page.file.src_uri)
        if listings:
            html = fill(html, listings, self._resolver(page.url))
        if page.file.src_uri in self._page_prime:
            page.markdown = None  # rendered; mkdocs keeps it to the end of the build otherwise
        self._step()
        return html

    def on_post_page(self, output: str, /, *, page: Page, config: MkDocsConfig) -> str | None:
        uri = page.file.src_uri
        prime_id = self._page_prime.get(uri)
        if prime_id is not None:
            output = output.replace(DIAGRAM_SLOT.format(id=prime_id), self._diagrams.take(prime_id), 1)
        elif uri == GRAPH_PAGE:
            output = output.replace(GRAPH_SLOT, self._graph(page), 1)
        if self.live_script:
            script = self.live_script.replace("__PRIMES_PAGE__", json_for_script(json.dumps(page.url)))
            output = output.replace("</body>", script + "</body>", 1)
        if uri in self.generated:
            # mkdocs keeps every page's HTML until the build ends, though nothing reads it once the page is
            # written (the search index has its own copy): dropping it saves a fifth of a large build's memory.
            page.content = None
        self._step()
        return output

    # --- used by primes build and by the live rebuild ------------------------------------------------------

    def catalog_dir(self, config: MkDocsConfig) -> Path:
        folder = Path(config.config_file_path or ".").resolve().parent
        return (folder / self.config.catalog).resolve()

    def use_catalog(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.renderer = Renderer(catalog, rdf=self.config.rdf)
        self._one_hop = OneHop(self.renderer.names)
        self.rdf = PrimeRdf(catalog)
        term_set = _term_set(catalog)
        self._term_set = ", " + json_for_script(_to_json(term_set))[1:-1] if term_set else ""
        self._iri_base = None
        self._markdown.stop()
        self._heads.stop()
        self._diagrams.stop()

    def refresh(self, catalog: Catalog, prime_ids: Iterable[str]) -> list[str]:
        """Switch to ``catalog`` and regenerate the sources of the given primes' pages and of every index page;
        returns the source paths whose content changed (the pages to rebuild)."""
        self.use_catalog(catalog)
        renderer = self._renderer()
        changed: set[str] = set()
        for prime_id in prime_ids:
            uri = prime_uri(prime_id)
            if uri not in self.generated:
                raise PrimesError(f"{uri} is not a page of the current site; a full build is needed")
            self._titles[uri] = catalog[prime_id].name
            if hash(renderer.prime_page(prime_id)) != self._digests.get(uri):
                changed.add(uri)
            if self.config.rdf:
                changed.update(rdf_uri(prime_id, extension) for extension in RDF_FORMATS)
        for generated in renderer.index_pages():
            file = self.generated.get(generated.uri)
            if file is None:
                raise PrimesError(f"{generated.uri} is not a page of the current site; a full build is needed")
            self._titles[generated.uri] = generated.title
            if self._listings.get(generated.uri, {}) != generated.listings:
                self._listings[generated.uri] = generated.listings
                changed.add(generated.uri)
            if file.content_string != generated.markdown:
                file.content_string = generated.markdown
                changed.add(generated.uri)
        return sorted(changed)

    def template_changed(self, file: File) -> bool:
        """Whether a hand-written page that is a template of the catalog (``primes_template: true``) would
        render differently now."""
        if file.page is None or not file.page.meta.get("primes_template"):
            return False
        source, _ = get_data(file.content_string)
        return hash(self._renderer().render_handwritten(source, file.src_uri)) != self._digests.get(file.src_uri)

    def site_uris(self, catalog: Catalog) -> set[str]:
        """The source paths the plugin would generate for ``catalog`` (to tell whether a page set changed)."""
        uris = set(Renderer(catalog, rdf=self.config.rdf).page_uris())
        if self.config.rdf:
            uris.update(rdf_uri(p.id, ext) for p in catalog for ext in RDF_FORMATS)
        return uris

    # --- helpers ----------------------------------------------------------------------------------------

    def _prime_markdown(self, prime_id: str) -> str:
        markdown = self._markdown.take(prime_id)
        if self.live_script is not None:
            # Only a live site (primes serve) rebuilds single pages, those whose Markdown changed; hashing every
            # page's Markdown for a build that is not followed by any costs a twentieth of making it. (Without a
            # digest, refresh counts the page as changed.)
            self._digests[prime_uri(prime_id)] = hash(markdown)
        return markdown

    def _prime_rdf(self, prime_id: str, fmt: RdfFormat) -> bytes:
        assert self.rdf is not None
        return self.rdf.file(prime_id, fmt)

    def _renderer(self) -> Renderer:
        if self.renderer is None:
            raise PluginError("primes: the plugin has no catalog (on_config did not run)")
        return self.renderer

    def _add(self, files: Files, config: MkDocsConfig, uri: str, content: str) -> None:
        self._add_file(files, File.generated(config, uri, content=content))

    def _add_file(self, files: Files, file: File) -> None:
        existing = files.src_uris.get(file.src_uri)  # a File's src_uri is normalized already
        if existing is not None and existing.generated_by is None:
            raise PluginError(f"primes: docs/{file.src_uri} is written by hand, but the site generates it; remove it")
        if existing is not None:
            files.remove(existing)
        files.append(file)
        self.generated[file.src_uri] = file

    def _prime_meta(self, page: Page, prime_id: str) -> None:
        head = self._heads.take(prime_id)
        if head.description is not None:
            page.meta["description"] = head.description
        # The DefinedTerm's JSON: the prime's part, the page's URL, the catalog's part (see _PrimeHead).
        url = f', "url": {json_for_script(_to_json(page.canonical_url))}' if page.canonical_url else ""
        script = f'<script type="application/ld+json">{head.term}{url}{self._term_set}}}</script>'
        page.meta["primes_head"] = head.links + script

    def _prime_head(self, prime_id: str) -> _PrimeHead:
        """What a prime page's head says of the prime, but for the page's canonical URL (set on the Page)."""
        assert self.catalog is not None
        prime = self.catalog[prime_id]
        links = ""
        if self.config.rdf:
            file = self.generated[prime_uri(prime_id)]
            relative = relative_url_from("" if file.url in (".", "./") else file.url)  # the page's URL
            for extension, fmt in RDF_FORMATS.items():
                href = relative(self.generated[rdf_uri(prime_id, extension)].url)
                links += f'<link rel="alternate" type="{fmt.media_type}" href="{xml(href)}">'
        # schema.org's view of a prime: a DefinedTerm in the catalog's DefinedTermSet (see _term_set).
        term: dict[str, Any] = {
            "@context": "https://schema.org",
            "@type": "DefinedTerm",
            "@id": self._prime_iri(prime_id),
            "name": prime.name,
            "termCode": prime.id,
        }
        if prime.aliases:
            term["alternateName"] = list(prime.aliases)
        description = None
        if prime.core_idea:
            term["description"] = core_idea = " ".join(prime.core_idea.split())
            description = xml(_shorten(core_idea, 300))
        return _PrimeHead(description, links, json_for_script(_to_json(term))[:-1])

    def _prime_iri(self, prime_id: str) -> str:
        """``prime_iri(catalog, prime_id)`` for a prime of the catalog, without checking the catalog each time."""
        if self._iri_base is None:
            assert self.catalog is not None
            self._iri_base = prime_iri(self.catalog, prime_id).removesuffix(prime_id)
        return self._iri_base + prime_id

    def _resolver(self, page_url: str) -> Callable[[str], str]:
        """Source path of a generated page -> its href from the page at ``page_url``."""
        generated = self.generated
        relative = self._hrefs.from_page(page_url)
        return lambda target: relative(generated[target].url)

    def _url_for(self, page: Page) -> Callable[[str], str]:
        resolve = self._resolver(page.url)
        return lambda prime_id: resolve(prime_uri(prime_id))

    def _prime_diagram(self, prime_id: str) -> str:
        """The diagram of a prime page, with links relative to the page's URL."""
        assert self.catalog is not None and self._one_hop is not None
        resolve = self._resolver(self.generated[prime_uri(prime_id)].url)
        diagram = self._one_hop.diagram(
            prime_id,
            self.catalog[prime_id].name,
            self._renderer().relations(prime_id).groups,
            lambda other: resolve(prime_uri(other)),
        )
        return diagram.figure("The same edges as a list:" if diagram.edge_list else "No edges yet.")

    def _graph(self, page: Page) -> str:
        assert self.catalog is not None
        diagram = catalog_graph(self.catalog, self._renderer().levels, self._url_for(page))
        return f'<div class="primes-graph">{diagram.svg}</div>'

    def _step(self) -> None:
        self._done += 1
        if self.progress is not None and self._total:
            self.progress(min(self._done, self._total), self._total)


@dataclass(frozen=True, slots=True)
class _PrimeHead:
    """A prime page's description and head, but for what depends on the Page object (its canonical URL)."""

    description: str | None
    links: str  # <link rel="alternate"> to the prime's RDF files
    term: str  # its DefinedTerm's JSON up to the description, without the closing brace: the page adds its URL
    # and the catalog's part (the same for every page, encoded once)


def _term_set(catalog: Catalog) -> dict[str, Any]:
    """What every prime's DefinedTerm says of the catalog: the same for every page."""
    meta = catalog.meta
    if meta is None:
        return {}
    return {
        "inDefinedTermSet": {
            "@type": "DefinedTermSet",
            "@id": meta.base_iri,
            "name": meta.title,
            "description": " ".join(meta.description.split()),
        },
        "inLanguage": meta.language,
    }


# json.dumps(..., ensure_ascii=False) would make a new encoder for every page.
_to_json = json.JSONEncoder(ensure_ascii=False).encode


def _shorten(text: str, limit: int) -> str:
    """``text`` (white space collapsed already) cut after a word to at most ``limit`` characters."""
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit - 1)
    return text[: cut if cut > 0 else limit - 1] + "…"
