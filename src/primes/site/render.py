"""The site's Markdown, rendered from the catalog with the Jinja2 templates in ``templates/``.

Every value a template prints goes through :func:`~primes.site.text.md_inline` unless it is already
:class:`~primes.site.text.Markdown` (a link or a block this module built, or a prime page's texts, escaped
together before the template runs: see :func:`~primes.site.text.md_texts`), so catalog text can never turn
into markup. Links are written to the source ``.md`` files, relative to the page, so that mkdocs checks
them (``--strict`` fails on a broken one) and rewrites them to the built URLs.

Where generated pages live (``src_uri``, relative to the docs folder):

- ``primes/<id>.md``: one page per prime; ``primes/index.md``: the A–Z index
- ``domains/index.md`` and ``domains/<id>.md``: the domains and one page per domain
- ``relations/index.md`` and ``relations/<kind>.md``: every edge of each kind (the not-to-be-confused-with
  pairs among them)
- ``graph.md``: the whole catalog as one SVG, by hierarchy level
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import jinja2

from primes.catalog import Catalog
from primes.errors import PrimesError
from primes.model import AUDIENCE_LABELS, AUDIENCES, Explanation, Prime
from primes.ontology import EdgeKind, Position, edge_kinds
from primes.query import DomainSummary, Stats, by_domain, domain_overview, hierarchy_kind, stats
from primes.site.links import Link, Neighbours, Relations, RoleGroup, foundational, levels
from primes.site.listing import Html, Listing, Part, Ref, fill, slot
from primes.site.text import Markdown, md_block, md_inline, md_texts

_T = TypeVar("_T")

AZ_PAGE = "primes/index.md"
DOMAINS_PAGE = "domains/index.md"
RELATIONS_PAGE = "relations/index.md"
GRAPH_PAGE = "graph.md"
DIAGRAM_SLOT = '<div class="primes-diagram-slot" data-primes-diagram="{id}"></div>'
GRAPH_SLOT = '<div class="primes-graph-slot" data-primes-graph="catalog"></div>'

# How a page heads each role's list. The roles are the ontology's; a role missing here (a new edge kind)
# is headed by its own name, so the page still shows it.
ROLE_HEADINGS: Mapping[str, str] = {
    "parents": "Parents ({n}) — broader patterns this builds on",
    "children": "Children ({n}) — more specific cases that build on this",
    "partners": "Mutual Partners ({n}) — patterns that work hand in hand with this",
    "contrasts": "Not to Be Confused With",
    "contrasted_by": "Contrasted By ({n}) — primes that say they are not to be confused with this one",
}
# How the layout sentence above the diagram names each role.
ROLE_NAMES: Mapping[str, str] = {"partners": "mutual partners", "contrasted_by": "primes contrasted with it"}
WHERE: Mapping[Position, str] = {
    Position.ABOVE: "above",
    Position.RIGHT: "to the right",
    Position.BELOW: "below",
    Position.LEFT: "to the left",
}


class SiteError(PrimesError):
    """The catalog cannot be laid out as a site (a generated page would clash with another)."""


def prime_uri(prime_id: str) -> str:
    return f"primes/{prime_id}.md"


def domain_uri(domain_id: str) -> str:
    return f"domains/{domain_id}.md"


def relation_uri(kind: EdgeKind) -> str:
    return f"relations/{kind.id}.md"


def rdf_uri(prime_id: str, extension: str) -> str:
    return f"primes/{prime_id}.{extension}"


@functools.lru_cache(maxsize=4096)
def _up(folder: str) -> str:
    return "../" * (folder.count("/") + 1) if folder else ""


def relative(here: str, target: str) -> str:
    """The link from the page ``here`` to ``target``, both docs-relative source paths (mkdocs normalizes it).

    Runs for every link of every page, so it avoids ``posixpath.relpath`` (which consults the working folder)."""
    folder = here.rpartition("/")[0]
    target_folder, _, name = target.rpartition("/")
    if folder == target_folder:
        return name
    return _up(folder) + target


def _finalize(value: Any) -> Any:
    # Applied to every {{ ... }}: values become escaped Markdown unless a helper already built Markdown.
    if isinstance(value, Markdown):
        return value
    return md_inline(value)


@dataclass(frozen=True, slots=True)
class GeneratedPage:
    """A page the site generates: where it goes, its title as plain text, its Markdown and the long lists
    that go into its placeholders as HTML (see :mod:`primes.site.listing`)."""

    uri: str
    title: str
    markdown: str
    listings: Mapping[str, Listing] = field(default_factory=dict)

    def expanded(self) -> str:
        """The Markdown with the lists in place, links relative to the page's source (for reading and tests)."""
        return fill(self.markdown, self.listings, lambda target: relative(self.uri, target))


class _Links(dict[str, Markdown]):
    """Links by target id, each made (by ``make``) the first time a template asks for it."""

    def __init__(self, make: Callable[[str], Markdown]) -> None:
        super().__init__()
        self.make = make

    def __missing__(self, key: str) -> Markdown:
        link = self[key] = self.make(key)
        return link


@dataclass(frozen=True, slots=True)
class _Page:
    """Per-page helpers handed to the templates."""

    here: str

    def link(self, text: object, target: str) -> Markdown:
        return Markdown(f"[{md_inline(text)}]({relative(self.here, target)})")


class Renderer:
    """Renders every generated page of a catalog; one instance per build (it caches per-catalog indexes)."""

    def __init__(self, catalog: Catalog, *, rdf: bool = True) -> None:
        self.catalog = catalog
        self.rdf = rdf
        self.env = environment()
        self.names = {p.id: p.name for p in catalog}  # prime id -> name
        self._domain_labels = {d.id: d.label for d in catalog.domains.values()}
        self._check_layout()
        self._layout = self._layout_sentence()
        self._relations: dict[str, Relations] = {}
        self._name_keys: dict[str, str] = {}  # prime id -> its name as sorted (the indexes sort often)
        self._links_from: dict[tuple[str, str], _Links] = {}  # (folder, domain or prime) -> links from there
        self._kind_words: dict[str, tuple[Markdown, Markdown]] = {}  # edge kind -> (phrase, connector)
        self._headings: dict[tuple[str, int], Markdown] = {}  # (role, number of links) -> a group's heading
        self._notes: dict[tuple[str, str], str] = {}  # (edge kind, note) -> the end of an edge's sentence
        self._refs: dict[tuple[str, bool | None], Ref] = {}  # (prime id, strong) or (domain id, None) -> Ref

    # --- the pages --------------------------------------------------------------------------------------

    def pages(self) -> Iterator[GeneratedPage]:
        """Every generated page: the primes, then the indexes."""
        for prime in self.catalog:
            yield GeneratedPage(prime_uri(prime.id), prime.name, self.prime_page(prime.id))
        yield from self.index_pages()

    def page_uris(self) -> list[str]:
        """The source paths of every generated page, without rendering them."""
        uris = [prime_uri(p.id) for p in self.catalog]
        uris += [AZ_PAGE, DOMAINS_PAGE, *(domain_uri(d) for d in self.catalog.domains), RELATIONS_PAGE]
        uris += [relation_uri(k) for k in edge_kinds()]
        return [*uris, GRAPH_PAGE]

    def prime_page(self, prime_id: str) -> str:
        prime = self.catalog[prime_id]
        here = prime_uri(prime_id)
        rel = self.relations(prime_id)
        other, domain = self._prime_links(here), self._domain_links(here)
        explanations = _ordered_explanations(prime)
        uses, transfers, example = prime.broad_use or (), prime.knowledge_transfer or (), prime.example
        # The page's texts, escaped together (md_texts): blocks of paragraphs, then one-line texts.
        core_idea, overview, clarity, manages_complexity, abstract_reasoning, example_text, *explained = md_texts(
            [
                prime.core_idea,
                prime.overview,
                prime.clarity,
                prime.manages_complexity,
                prime.abstract_reasoning,
                example.text if example else None,
                *(e.text for e in explanations),
            ],
            block=True,
        )
        this, aliases, example_title, *lines = md_texts(
            [
                prime.name,
                ", ".join(prime.aliases),
                example.title if example else None,
                *(e.title for e in explanations),
                *(use.text for use in uses),
                *(item.text for item in transfers),
            ]
        )
        assert this is not None
        titles, use_texts, transfer_texts = _split(lines, len(explanations), len(uses))
        # The template is rendered for every prime: it gets its values escaped and in tuples rather than the
        # record, since a lookup in a template (``prime.core_idea``, ``domain[use.domain]``) costs several times
        # what it costs here. (It still escapes whatever it prints that is not Markdown yet.)
        values = dict(
            name=this,
            aliases=aliases,
            draft=prime.is_draft,
            core_idea=core_idea,
            explanations=[
                (title, _AUDIENCES[e.audience], text)
                for e, title, text in zip(explanations, titles, explained, strict=True)
            ],
            overview=overview,
            broad_use=[(domain[use.domain], text) for use, text in zip(uses, use_texts, strict=True)],
            clarity=clarity,
            manages_complexity=manages_complexity,
            abstract_reasoning=abstract_reasoning,
            knowledge_transfer=[
                (domain[item.from_domain], domain[item.to_domain], text)
                for item, text in zip(transfers, transfer_texts, strict=True)
            ],
            example_title=example_title,
            example_text=example_text,
            layout=self._layout,
            slot=Markdown(DIAGRAM_SLOT.format(id=prime_id)),
            foundational=rel.foundational,
            groups=[
                (self._heading(group), [self._sentence(this, other[link.other], link) for link in group.links])
                for group in rel.groups
                if group.links
            ],
            rdf=self.rdf,
            turtle=Markdown(relative(here, rdf_uri(prime_id, "ttl"))),
            jsonld=Markdown(relative(here, rdf_uri(prime_id, "jsonld"))),
        )
        return _render(self._prime_template, values)

    def index_pages(self) -> list[GeneratedPage]:
        """The A–Z, domain, relation and graph pages: the pages that list many primes."""
        out = [self.az_page(), GeneratedPage(DOMAINS_PAGE, "Domains", self.domains_page())]
        out.extend(self.domain_page(domain_id) for domain_id in self.catalog.domains)
        out.append(GeneratedPage(RELATIONS_PAGE, "Relations", self.relations_page()))
        out.extend(self.relation_page(kind) for kind in edge_kinds())
        out.append(self.graph_page())
        return out

    def az_page(self) -> GeneratedPage:
        entries: list[tuple[str, str, tuple[Part, ...]]] = []
        for prime in self.catalog:
            entries.append((self._name_key(prime.id), prime.name, (self._ref(prime.id),)))
            for alias in prime.aliases:
                entries.append((_sort_key(alias), alias, (f"{alias}, see ", self._ref(prime.id))))
        entries.sort(key=lambda e: (e[0], e[1]))
        letters: dict[str, list[tuple[Part, ...]]] = {}
        for key, _, item in entries:
            letters.setdefault(_letter(key), []).append(item)
        anchors = {letter: _letter_anchor(letter) for letter in letters}
        markdown = self.env.get_template("az.md.j2").render(
            count=len(self.catalog),
            other_names=len(entries) - len(self.catalog),
            letters=[(letter, anchors[letter], Markdown(slot(anchors[letter]))) for letter in letters],
        )
        listings = {anchors[letter]: Listing(tuple(items)) for letter, items in letters.items()}
        return GeneratedPage(AZ_PAGE, "A–Z", markdown, listings)

    def domains_page(self) -> str:
        page = _Page(DOMAINS_PAGE)
        rows = [
            (page.link(d.label, domain_uri(d.id)), d.description, d.primes, d.transfers)
            for d in self._domain_overview
            if d.id in self.catalog.domains
        ]
        return self.env.get_template("domains.md.j2").render(rows=rows)

    def domain_page(self, domain_id: str) -> GeneratedPage:
        answer = by_domain(self.catalog, domain_id)
        uses = Listing(tuple((self._ref(u.id, strong=True), _COLON, u.text) for u in answer.uses))
        transfers = Listing(
            tuple(
                (
                    self._ref(t.id, strong=True),
                    _COMMA,
                    self._domain_ref(t.from_domain),
                    _TO,
                    self._domain_ref(t.to_domain),
                    _COLON,
                    t.text,
                )
                for t in answer.transfers
            )
        )
        markdown = self.env.get_template("domain.md.j2").render(
            label=answer.label,
            description=answer.description,
            uses=len(answer.uses),
            transfers=len(answer.transfers),
            uses_slot=Markdown(slot("uses")),
            transfers_slot=Markdown(slot("transfers")),
        )
        return GeneratedPage(domain_uri(domain_id), answer.label, markdown, {"uses": uses, "transfers": transfers})

    def relations_page(self) -> str:
        page = _Page(RELATIONS_PAGE)
        counts = self._stats.edges
        kinds = [(page.link(k.label.capitalize(), relation_uri(k)), counts.get(k.id, 0), k) for k in edge_kinds()]
        return self.env.get_template("relations.md.j2").render(kinds=kinds, layout=self._layout)

    def relation_page(self, kind: EdgeKind) -> GeneratedPage:
        graph = self.catalog.kind_graphs[kind.id]
        edges = [(u, v, data.get("note")) for u, v, data in graph.edges(data=True) if data.get("declared", True)]
        edges.sort(key=lambda e: (self._name_key(e[0]), self._name_key(e[1])))
        phrase, connector = Html.of(f" {kind.forward_phrase} "), Html.of(_connector(kind))
        items = tuple(
            (self._ref(u), phrase, self._ref(v), *((connector, note) if note else ())) for u, v, note in edges
        )
        markdown = self.env.get_template("relation.md.j2").render(
            kind=kind, count=len(items), edges_slot=Markdown(slot("edges"))
        )
        return GeneratedPage(relation_uri(kind), kind.label.capitalize(), markdown, {"edges": Listing(items)})

    def graph_page(self) -> GeneratedPage:
        level_of = self.levels
        by_level: dict[int, list[str]] = {}
        for prime_id in sorted(level_of, key=self._name_key):
            by_level.setdefault(level_of[prime_id], []).append(prime_id)
        markdown = self.env.get_template("graph.md.j2").render(
            count=len(self.catalog),
            slot=Markdown(GRAPH_SLOT),
            levels=[
                (level, len(members), Markdown(slot(f"level-{level}"))) for level, members in sorted(by_level.items())
            ],
        )
        listings = {
            f"level-{level}": Listing(tuple((self._ref(p),) for p in members), inline=True)
            for level, members in by_level.items()
        }
        return GeneratedPage(GRAPH_PAGE, "Catalog Graph", markdown, listings)

    def render_handwritten(self, source: str, here: str) -> str:
        """A hand-written page that asks for it (front matter ``primes_template: true``), rendered as a
        template with the catalog's counts, foundational primes and domains."""
        return _compiled(source).render(self.summary_context(here))

    def summary_context(self, here: str) -> dict[str, Any]:
        page = _Page(here)
        numbers = self._stats
        return {
            "page": page,
            "meta": self.catalog.meta,
            "stats": numbers,
            "kinds": [
                (
                    k,
                    numbers.edges.get(k.id, 0),
                    page.link(k.label, relation_uri(k)),
                    {"target": WHERE[k.target_position], "source": WHERE[k.source_position]},
                )
                for k in edge_kinds()
            ],
            "foundational": [self._prime_link(page, p) for p in sorted(foundational(self.catalog), key=self._name_key)],
            "domains": [
                (page.link(d.label, domain_uri(d.id)), d.primes)
                for d in self._domain_overview
                if d.id in self.catalog.domains
            ],
            "az": page.link("A–Z index", AZ_PAGE),
            "domains_index": page.link("domains", DOMAINS_PAGE),
            "relations_index": page.link("relations", RELATIONS_PAGE),
            "graph": page.link("catalog graph", GRAPH_PAGE),
            "layout": self._layout,
            "hierarchy": hierarchy_kind(),
        }

    # --- helpers ----------------------------------------------------------------------------------------

    @functools.cached_property
    def levels(self) -> dict[str, int]:
        """Each prime's hierarchy level (the graph page lists them, its diagram draws them)."""
        return levels(self.catalog)

    @functools.cached_property
    def _neighbours(self) -> Neighbours:
        return Neighbours(self.catalog)

    @functools.cached_property
    def _prime_template(self) -> jinja2.Template:
        return self.env.get_template("prime.md.j2")

    def _domain_links(self, here: str) -> _Links:
        """Links to the domain pages from the pages in the folder of ``here``, by domain id."""
        labels = self._domain_labels
        return self._links(here, "domain", lambda page, id_: page.link(labels.get(id_, id_), domain_uri(id_)))

    def _prime_links(self, here: str) -> _Links:
        """Links to the prime pages from the pages in the folder of ``here``, by prime id."""
        return self._links(here, "prime", lambda page, id_: page.link(self.names[id_], prime_uri(id_)))

    def _links(self, here: str, kind: str, make: Callable[[_Page, str], Markdown]) -> _Links:
        # A link depends on the folder of the page it is on, not on the page: the prime pages share theirs.
        folder = here.rpartition("/")[0]
        links = self._links_from.get((folder, kind))
        if links is None:
            page = _Page(here)
            links = self._links_from[(folder, kind)] = _Links(lambda target: make(page, target))
        return links

    def _name_key(self, prime_id: str) -> str:
        key = self._name_keys.get(prime_id)
        if key is None:
            key = self._name_keys[prime_id] = _sort_key(self.names[prime_id])
        return key

    @functools.cached_property
    def _stats(self) -> Stats:
        return stats(self.catalog, top=0)

    @functools.cached_property
    def _domain_overview(self) -> tuple[DomainSummary, ...]:
        return domain_overview(self.catalog)

    def relations(self, prime_id: str) -> Relations:
        """A prime's relationships, worked out once per build (the page and its diagram both need them)."""
        found = self._relations.get(prime_id)
        if found is None:
            found = self._relations[prime_id] = self._neighbours(prime_id)
        return found

    def _ref(self, prime_id: str, *, strong: bool = False) -> Ref:
        # The index pages refer to each prime and domain many times: one Ref each (they are immutable).
        found = self._refs.get((prime_id, strong))
        if found is None:
            found = self._refs[(prime_id, strong)] = Ref(prime_uri(prime_id), self.names[prime_id], strong)
        return found

    def _domain_ref(self, domain_id: str) -> Ref:
        found = self._refs.get((domain_id, None))
        if found is None:
            label = self._domain_labels.get(domain_id, domain_id)
            found = self._refs[(domain_id, None)] = Ref(domain_uri(domain_id), label)
        return found

    def _prime_link(self, page: _Page, prime_id: str) -> Markdown:
        return page.link(self.names[prime_id], prime_uri(prime_id))

    def _heading(self, group: RoleGroup) -> Markdown:
        """How a page heads a group: "Children (3) — more specific cases that build on this"."""
        key = (group.role, len(group.links))
        heading = self._headings.get(key)
        if heading is None:
            role, n = key
            template = ROLE_HEADINGS.get(role, role.replace("_", " ").capitalize() + " ({n})")
            heading = self._headings[key] = md_inline(template.format(n=n))
        return heading

    def _sentence(self, this: Markdown, other: Markdown, link: Link) -> Markdown:
        """One edge as the page reads it: "Aggregation is a decomposition of Micro Macro Linkage — note"
        (``this``: the page's prime, ``other``: the link to the other prime)."""
        words = self._kind_words.get(link.kind.id)
        if words is None:
            words = self._kind_words[link.kind.id] = (
                md_inline(link.kind.forward_phrase),
                md_inline(_connector(link.kind)),
            )
        phrase, connector = words
        source, target = (this, other) if link.outgoing else (other, this)
        note = ""
        if link.note:
            # Both ends' pages show an edge's note: escaped for the first, looked up for the second.
            key = (link.kind.id, link.note)
            note = self._notes.get(key) or self._notes.setdefault(key, f" {connector} {md_inline(link.note)}")
        return Markdown(f"{source} {phrase} {target}{note}")

    def _layout_sentence(self) -> Markdown:
        """Where the diagram draws each role, from the ontology: "parents above, ..., contrasts to the left"."""
        places: dict[Position, list[str]] = {}
        for kind in edge_kinds():
            places.setdefault(kind.target_position, []).append(kind.outgoing_role)
            if not kind.symmetric:
                places.setdefault(kind.source_position, []).append(kind.incoming_role)
        parts = []
        for position in (Position.ABOVE, Position.RIGHT, Position.BELOW, Position.LEFT):
            roles = [ROLE_NAMES.get(r, r.replace("_", " ")) for r in dict.fromkeys(places.get(position, []))]
            if roles:
                dashed = " (dashed)" if position is Position.LEFT else ""
                parts.append(f"{' and '.join(roles)} {WHERE[position]}{dashed}")
        return md_inline(", ".join(parts))

    def _check_layout(self) -> None:
        clashes = [f"prime {p!r}" for p in self.catalog.ids if prime_uri(p) == AZ_PAGE]
        clashes += [f"domain {d!r}" for d in self.catalog.domains if domain_uri(d) == DOMAINS_PAGE]
        if clashes:
            raise SiteError(
                f"the id of {', '.join(clashes)} clashes with an index page of the site (its page would be "
                "index.md); rename it"
            )


def _connector(kind: EdgeKind) -> str:
    # A reason reads as the end of the sentence ("... because ..."); a note as an aside.
    return " because " if kind.annotation_field == "reason" else " — "


# The separators of the index pages' lists, HTML already (see primes.site.listing).
_COLON, _COMMA, _TO = Html(": "), Html(", "), Html(" to ")
_AUDIENCE_ORDER = {audience: i for i, audience in enumerate(AUDIENCES)}
_AUDIENCES = {audience: md_inline(label) for audience, label in AUDIENCE_LABELS.items()}  # escaped once


def _ordered_explanations(prime: Prime) -> list[Explanation]:
    order = _AUDIENCE_ORDER
    return sorted(prime.explanations or (), key=lambda e: order.get(e.audience, len(order)))


def _split(items: list[_T], *sizes: int) -> list[list[_T]]:
    """``items`` cut into runs of the given sizes, then the rest."""
    out, start = [], 0
    for size in sizes:
        out.append(items[start : start + size])
        start += size
    return [*out, items[start:]]


def _sort_key(text: str) -> str:
    if text.isascii():  # nothing to decompose
        return text.casefold()
    folded = unicodedata.normalize("NFKD", text)
    return "".join(c for c in folded if not unicodedata.combining(c)).casefold()


def _letter(key: str) -> str:
    first = key[:1].upper()
    return first if first.isalpha() else "#"


def _letter_anchor(letter: str) -> str:
    if letter == "#":
        return "letter-other"
    return f"letter-{letter.lower()}" if letter.isascii() else f"letter-u{ord(letter):x}"


def _render(template: jinja2.Template, values: dict[str, Any]) -> str:
    """``template.render(**values)`` for a template that uses no globals, with Jinja2's low-level API: the
    values become the context as they are, instead of a copy merged with the environment's globals (a
    fifth of the time of a small page)."""
    context = template.new_context(values, shared=True)
    try:
        return template.environment.concat(template.root_render_func(context))
    except Exception:
        return template.environment.handle_exception()


@functools.lru_cache(maxsize=64)
def _compiled(source: str) -> jinja2.Template:
    """A hand-written page's template, compiled once per source text (the live rebuild renders it often)."""
    return environment().from_string(source)


@functools.cache
def environment() -> jinja2.Environment:
    """The template environment: Markdown output, every printed value escaped unless already Markdown."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("primes.site", "templates"),
        autoescape=False,  # Markdown, not HTML: _finalize escapes for Markdown instead
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        auto_reload=False,  # package files: no need to look at them again each time a page is rendered
    )
    env.filters["block"] = md_block
    return env
