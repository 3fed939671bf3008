"""``PrimesPlugin``: the mkdocs plugin that turns the catalog into pages (entry point ``primes``).

mkdocs events, in build order:

- ``on_config``: load and check the catalog (``catalog:`` option, relative to ``mkdocs.yml``); errors stop
  the build with the findings. ``primes build`` hands over the catalog it already checked.
- ``on_files``: add every generated page (``File.generated``) and each prime's Turtle and JSON-LD file.
- ``on_page_markdown``: fill hand-written pages that ask for it (``primes_template: true``) and set each
  prime page's title, description and JSON-LD head (read by ``overrides/main.html``).
- ``on_post_page``: put the SVG diagrams in their slots, after the search index has read the page (the
  diagrams repeat names the page already lists), and report progress.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable, Iterable, Mapping
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
from primes.site.diagram import catalog_graph, one_hop
from primes.site.files import LazyFile
from primes.site.links import levels
from primes.site.listing import Listing, fill, relative_url_from
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

# Prime pages rendered in one run when mkdocs asks for the first of them (see _prime_markdown).
RENDER_AHEAD = 50

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
        self.files: Files | None = None
        self.nav: Navigation | None = None  # kept, with env, for the live rebuild of single pages
        self.env: jinja2.Environment | None = None
        self.generated: dict[str, File] = {}  # src_uri -> the File this plugin made
        self._page_prime: dict[str, str] = {}  # src_uri -> prime id, for the prime pages
        self._titles: dict[str, str] = {}  # src_uri -> plain-text title, for the generated pages
        self._listings: dict[str, Mapping[str, Listing]] = {}  # src_uri -> the HTML lists of an index page
        self._digests: dict[str, int] = {}  # src_uri -> hash of the prime page's Markdown last made
        self._order: list[str] = []  # prime ids in the order of their pages in the files
        self._place: dict[str, int] = {}  # prime id -> its index in _order
        self._ahead: dict[str, str] = {}  # prime id -> its page's Markdown, rendered before mkdocs asked
        self._served: set[str] = set()  # prime ids whose Markdown mkdocs has read in this build
        self._render_ahead = False  # only in a full build: a live rebuild reads a few pages
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
        self._order = [prime.id for prime in self.catalog]
        self._place = {prime_id: index for index, prime_id in enumerate(self._order)}
        self._ahead = {}
        self._served = set()
        self._render_ahead = True
        assert self.catalog is not None
        for prime in self.catalog:
            # Prime pages and their RDF are made when mkdocs reads them (see primes.site.files).
            uri = prime_uri(prime.id)
            self._page_prime[uri] = prime.id
            self._titles[uri] = prime.name
            self._add_file(files, LazyFile(config, uri, functools.partial(self._prime_markdown, prime.id)))
            if self.config.rdf:
                for extension, fmt in RDF_FORMATS.items():
                    produce = functools.partial(self._prime_rdf, prime.id, fmt)
                    self._add_file(files, LazyFile(config, rdf_uri(prime.id, extension), produce))
        for generated in renderer.index_pages():
            self._add(files, config, generated.uri, generated.markdown)
            self._titles[generated.uri] = generated.title
            if generated.listings:
                self._listings[generated.uri] = generated.listings
        self.files = files
        self._done = 0
        self._total = 2 * len(files.documentation_pages())
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
        # Every page's Markdown has been read by now.
        self._render_ahead = False
        self._ahead = {}
        return env

    def on_page_content(self, html: str, /, *, page: Page, config: MkDocsConfig, files: Files) -> str | None:
        listings = self._listings.get(page.file.src_uri)
        if listings:
            html = fill(html, listings, self._resolver(page))
        if page.file.src_uri in self._page_prime:
            page.markdown = None  # rendered; mkdocs keeps it to the end of the build otherwise
        self._step()
        return html

    def on_post_page(self, output: str, /, *, page: Page, config: MkDocsConfig) -> str | None:
        uri = page.file.src_uri
        prime_id = self._page_prime.get(uri)
        if prime_id is not None:
            output = output.replace(DIAGRAM_SLOT.format(id=prime_id), self._diagram(prime_id, page), 1)
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
        self.rdf = PrimeRdf(catalog)

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
        markdown = self._ahead.pop(prime_id, None)
        if markdown is None:
            renderer = self._renderer()
            markdown = renderer.prime_page(prime_id)
            if self._render_ahead:
                # mkdocs reads the pages in file order, converting each to HTML before it reads the next.
                # Rendering the next pages now, in one run, keeps the templates and their code in the CPU's
                # caches: a page rendered between two of mkdocs' took half as long again.
                start = self._place.get(prime_id, len(self._order))
                for other in self._order[start + 1 : start + RENDER_AHEAD]:
                    if other not in self._served and other not in self._ahead:
                        self._ahead[other] = renderer.prime_page(other)
        self._served.add(prime_id)
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
        existing = files.get_file_from_path(file.src_uri)
        if existing is not None and existing.generated_by is None:
            raise PluginError(f"primes: docs/{file.src_uri} is written by hand, but the site generates it; remove it")
        if existing is not None:
            files.remove(existing)
        files.append(file)
        self.generated[file.src_uri] = file

    def _prime_meta(self, page: Page, prime_id: str) -> None:
        assert self.catalog is not None
        prime = self.catalog[prime_id]
        if prime.core_idea:
            page.meta["description"] = xml(_shorten(prime.core_idea, 300))
        head = []
        if self.config.rdf:
            resolve = self._resolver(page)
            for extension, fmt in RDF_FORMATS.items():
                href = resolve(rdf_uri(prime_id, extension))
                head.append(f'<link rel="alternate" type="{fmt.media_type}" href="{xml(href)}">')
        term = self._defined_term(prime_id, page)
        head.append(
            f'<script type="application/ld+json">{json_for_script(json.dumps(term, ensure_ascii=False))}</script>'
        )
        page.meta["primes_head"] = "".join(head)

    def _defined_term(self, prime_id: str, page: Page) -> dict[str, Any]:
        """schema.org's view of a prime: a DefinedTerm in the catalog's DefinedTermSet."""
        assert self.catalog is not None
        prime = self.catalog[prime_id]
        meta = self.catalog.meta
        term: dict[str, Any] = {
            "@context": "https://schema.org",
            "@type": "DefinedTerm",
            "@id": prime_iri(self.catalog, prime_id),
            "name": prime.name,
            "termCode": prime.id,
        }
        if prime.aliases:
            term["alternateName"] = list(prime.aliases)
        if prime.core_idea:
            term["description"] = " ".join(prime.core_idea.split())
        if page.canonical_url:
            term["url"] = page.canonical_url
        if meta is not None:
            term["inDefinedTermSet"] = {
                "@type": "DefinedTermSet",
                "@id": meta.base_iri,
                "name": meta.title,
                "description": " ".join(meta.description.split()),
            }
            term["inLanguage"] = meta.language
        return term

    def _resolver(self, page: Page) -> Callable[[str], str]:
        """Source path of a generated page -> its href from ``page``."""
        generated = self.generated
        relative = relative_url_from(page.url)
        known: dict[str, str] = {}  # an index page links the same domains and primes many times

        def resolve(target: str) -> str:
            href = known.get(target)
            if href is None:
                href = known[target] = relative(generated[target].url)
            return href

        return resolve

    def _url_for(self, page: Page) -> Callable[[str], str]:
        resolve = self._resolver(page)
        return lambda prime_id: resolve(prime_uri(prime_id))

    def _diagram(self, prime_id: str, page: Page) -> str:
        assert self.catalog is not None
        prime = self.catalog[prime_id]
        rel = self._renderer().relations(prime_id)
        names = {other: self.catalog.primes[other].name for other in rel.neighbours}
        diagram = one_hop(prime_id, prime.name, rel.groups, names, self._url_for(page))
        return diagram.figure("The same edges as a list:" if rel.neighbours else "No edges yet.")

    def _graph(self, page: Page) -> str:
        assert self.catalog is not None
        diagram = catalog_graph(self.catalog, levels(self.catalog), self._url_for(page))
        return f'<div class="primes-graph">{diagram.svg}</div>'

    def _step(self) -> None:
        self._done += 1
        if self.progress is not None and self._total:
            self.progress(min(self._done, self._total), self._total)


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit - 1)
    return text[: cut if cut > 0 else limit - 1] + "…"
