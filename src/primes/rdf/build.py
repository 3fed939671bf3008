"""Building the RDF of a catalog: Turtle text per subject, in a fixed order, ready to join.

The export is written straight from the records as Turtle blocks (one per subject) rather than through an
RDF library's serializer: the order is fixed by construction (catalog scheme, domains, then each prime in id
order followed by its own nodes), so the same catalog always gives the same bytes, and a page's share of the
graph is a join of a few cached strings. Every other format is converted from this Turtle by pyoxigraph,
except the JSON-LD of the site's per-prime files: :mod:`primes.rdf.jsonld_nodes` writes it from the same
records on demand (so that the export does not pay for it), node line for node line what the conversion gives.

IRIs: ``<base>prime/<id>`` for primes, ``<base>domain/<id>`` for domains, ``<base>relation/<source>--<kind>--
<target>`` for qualified relations and ``<base>section/<id>--<section>--<n>`` for the items of a record's
lists (aliases, explanations, uses, transfers) and its example. Nodes share these few namespaces rather than
being fragments of each prime's IRI, so that generic serializers (rdflib's Turtle writer in particular) see a
handful of namespaces instead of one per prime.
"""

from __future__ import annotations

import functools
import io
import json
import re
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field

from primes.catalog import Catalog
from primes.errors import CatalogError, PrimesError, UnknownPrime
from primes.findings import has_errors
from primes.model import CONTENT_SECTIONS, CatalogMeta, Prime
from primes.ontology import edge_kinds
from primes.rdf.vocab import STANDARD_PREFIXES, Vocabulary, vocabulary

# Where each kind of subject lives below the base IRI, with its Turtle prefix.
# (Prefix names must not clash with the JSON-LD context's terms: ``domain`` is a prefix, the property
# primes:inDomain is not called ``domain``.)
SEGMENTS: tuple[tuple[str, str], ...] = (
    ("catalog", ""),
    ("prime", "prime/"),
    ("relation", "relation/"),
    ("section", "section/"),
    ("domain", "domain/"),
)
SCHEME = "scheme"
DOMAIN_SCHEME = "domains"
SEPARATOR = "--"  # joins ids in node names; a slug never contains two hyphens in a row

_IRI_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|^`\\]')


def check_base_iri(base: str) -> str:
    """The base IRI, or an error naming the character that would make the IRIs built on it invalid."""
    bad = _IRI_FORBIDDEN.search(base)
    if bad:
        raise PrimesError(f"base_iri {base!r} in catalog.yaml is not a valid IRI: it contains {bad.group(0)!r}")
    return base


def prefixes(base: str) -> tuple[tuple[str, str], ...]:
    """Every prefix an export declares, standard vocabularies first, then the catalog's own namespaces."""
    return STANDARD_PREFIXES + tuple((name, base + segment) for name, segment in SEGMENTS)


def quote(text: str) -> str:
    """A Turtle (and N-Triples) string literal for ``text``."""
    # Only these four characters must be escaped in a Turtle string; `in` is much faster than a regex.
    if '"' not in text and "\\" not in text and "\n" not in text and "\r" not in text:
        return '"' + text + '"'
    # JSON's escapes (\" \\ \n \r \t \b \f \uXXXX) are all valid Turtle escapes.
    return json.dumps(text, ensure_ascii=False)


def block(subject: str, pairs: Iterable[tuple[str, str]]) -> str:
    """One Turtle statement about ``subject``; repeated pairs are written once, runs of one predicate joined."""
    parts = [subject]
    previous: str | None = None
    for predicate, obj in dict.fromkeys(pairs):
        if predicate == previous:
            parts.append(", ")
            parts.append(obj)
            continue
        parts.append(" ;\n    " if previous is not None else " ")
        parts.append(predicate)
        parts.append(" ")
        parts.append(obj)
        previous = predicate
    parts.append(" .\n")
    return "".join(parts)


@dataclass(slots=True)
class CatalogGraph:
    """The catalog's RDF as Turtle blocks, with the indexes that cut out one prime's share of it."""

    base: str
    language: str
    header: str
    head: str
    own: dict[str, str] = field(default_factory=dict)
    relations_out: dict[str, list[str]] = field(default_factory=dict)
    relations_in: dict[str, list[str]] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    neighbours: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # What the prime blocks were written from besides the records, kept for :mod:`primes.rdf.jsonld_nodes`: each
    # prime's incoming edges as (kind index, source) in catalog order, and the primes with no parent.
    incoming: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    top: frozenset[str] = frozenset()
    _encoded: bytes | None = None

    def encoded(self, ids: Iterable[str] | None = None) -> bytes:
        """:meth:`turtle` in UTF-8. The whole catalog's is kept once made, and made block by block into one
        buffer: joining the blocks into a string and encoding that held the export in memory twice over
        (2.8 GB at 100,000 primes, each page of it a fault on first touch) and copied it twice."""
        if ids is not None:
            return self.turtle(ids).encode("utf-8")
        if self._encoded is None:
            buffer = io.BytesIO()
            write = buffer.write
            write(self.header.encode("utf-8"))
            write(self.head.encode("utf-8"))
            for prime_id, text in self.own.items():
                write(text.encode("utf-8"))
                for relation in self.relations_out[prime_id]:
                    write(relation.encode("utf-8"))
            self._encoded = buffer.getvalue()
        return self._encoded

    def turtle(self, ids: Iterable[str] | None = None) -> str:
        """The whole catalog, or the triples that describe the primes ``ids``: their own triples, the
        qualified relation nodes of their edges (either direction), the labels of the primes they link to."""
        if ids is None:
            return self.encoded().decode("utf-8")
        wanted = sorted(set(ids))
        for prime_id in wanted:
            if prime_id not in self.own:
                raise UnknownPrime(prime_id, self.own)
        chosen = set(wanted)
        parts = [self.header]
        seen_relations: set[str] = set()
        for prime_id in wanted:
            parts.append(self.own[prime_id])
            parts.extend(self.relations_out[prime_id])
            seen_relations.update(self.relations_out[prime_id])
        for prime_id in wanted:
            for text in self.relations_in.get(prime_id, ()):
                if text not in seen_relations:
                    seen_relations.add(text)
                    parts.append(text)
        labelled = sorted({n for prime_id in wanted for n in self.neighbours.get(prime_id, ())} - chosen)
        parts.extend("\n" + self.labels[n] for n in labelled)
        return "".join(parts)


_CACHE: weakref.WeakKeyDictionary[Catalog, CatalogGraph] = weakref.WeakKeyDictionary()


def catalog_graph(catalog: Catalog) -> CatalogGraph:
    """The catalog's RDF, built once per catalog object."""
    graph = _CACHE.get(catalog)
    if graph is None:
        graph = build(catalog)
        _CACHE[catalog] = graph
    return graph


def require_meta(catalog: Catalog) -> CatalogMeta:
    if has_errors(list(catalog.findings)):
        raise CatalogError(catalog.findings)
    if catalog.meta is None:
        raise PrimesError(f"{catalog.root}: catalog.yaml is missing or invalid; the export needs its base_iri")
    return catalog.meta


def build(catalog: Catalog) -> CatalogGraph:
    """Turn a checked catalog into Turtle blocks (raises CatalogError when the catalog has errors)."""
    meta = require_meta(catalog)
    base = check_base_iri(meta.base_iri)
    return _Builder(catalog, meta, base, vocabulary()).run()


class _Builder:
    """Writes the blocks. Fixed-shape nodes are written from templates: this runs once per prime and
    record list item, and building them pair by pair was most of the export's time at 10,000 primes.
    :class:`primes.rdf.jsonld_nodes.JsonLdNodes` writes the same nodes as JSON-LD: a change to the triples
    here needs the same change there (tests/test_site_rdf.py holds the two together)."""

    def __init__(self, catalog: Catalog, meta: CatalogMeta, base: str, vocab: Vocabulary) -> None:
        self.catalog = catalog
        self.meta = meta
        self.vocab = vocab
        self.lang = "@" + meta.language
        self.kinds = edge_kinds()
        self.sections = {name: _pname(vocab.section(name)) for name in CONTENT_SECTIONS}
        self.definition = [_pname(sup) for sup in vocab.supers(vocab.section("core_idea"))]
        self.graph = CatalogGraph(base, meta.language, _header(base), "")
        # per kind: (forward, inverse, SKOS supers of forward, SKOS supers of inverse, note property)
        self.kind_terms = [
            (
                _pname(kind.edge_property),
                _pname(kind.inverse_property),
                [_pname(sup) for sup in vocab.supers(kind.edge_property)],
                [_pname(sup) for sup in vocab.supers(kind.inverse_property)],
                _pname(vocab.annotation_property(kind)),
            )
            for kind in self.kinds
        ]

    def text(self, value: str) -> str:
        return quote(value) + self.lang

    def run(self) -> CatalogGraph:
        catalog, graph = self.catalog, self.graph
        incoming: dict[str, list[tuple[int, str]]] = {}  # target -> (kind index, source), in a fixed order
        neighbours: dict[str, set[str]] = {prime_id: set() for prime_id in catalog.ids}
        has_parent: set[str] = set()
        parent_kinds = dict(self.vocab.parent_kinds())
        for prime in catalog:
            for index, kind in enumerate(self.kinds):
                for ref in prime.edges(kind):
                    incoming.setdefault(ref.prime, []).append((index, prime.id))
                    neighbours[prime.id].add(ref.prime)
                    neighbours.setdefault(ref.prime, set()).add(prime.id)
                    if kind in parent_kinds:
                        has_parent.add(prime.id if parent_kinds[kind] else ref.prime)
        top = [prime_id for prime_id in catalog.ids if prime_id not in has_parent]
        graph.head = self.scheme_blocks(top)
        top_set = graph.top = frozenset(top)
        graph.incoming = incoming
        text = self.text
        for prime in catalog:
            pid = prime.id
            graph.own[pid] = self.prime_blocks(prime, incoming.get(pid, []), pid in top_set)
            relations = []
            for kind, terms in zip(self.kinds, self.kind_terms, strict=True):
                note_property = terms[4]
                for position, ref in enumerate(prime.edges(kind), 1):
                    note = ref.annotation
                    annotation = "" if note is None else f" ;\n    {note_property} {text(note)}"
                    node = (
                        f"\nrelation:{pid}{SEPARATOR}{kind.id}{SEPARATOR}{ref.prime} a primes:QualifiedRelation ;\n"
                        f"    primes:edgeKind primes:{kind.id} ;\n"
                        f"    primes:target prime:{ref.prime}{annotation} ;\n"
                        f"    primes:position {position} .\n"
                    )
                    relations.append(node)
                    graph.relations_in.setdefault(ref.prime, []).append(node)
            graph.relations_out[pid] = relations
            graph.labels[pid] = f"prime:{pid} skos:prefLabel {text(prime.name)} .\n"
        graph.neighbours = {k: tuple(sorted(v - {k})) for k, v in neighbours.items()}
        return graph

    def scheme_blocks(self, top: list[str]) -> str:
        meta, catalog = self.meta, self.catalog
        scheme = [
            ("a", "skos:ConceptScheme"),
            ("a", "primes:Catalog"),
            ("dcterms:title", self.text(meta.title)),
            ("dcterms:description", self.text(meta.description)),
            ("dcterms:license", quote(meta.license)),
            ("owl:versionInfo", quote(meta.version)),
            ("dcterms:language", quote(meta.language)),
            ("primes:domainScheme", "catalog:" + DOMAIN_SCHEME),
        ]
        scheme.extend(("skos:hasTopConcept", "prime:" + prime_id) for prime_id in top)
        parts = ["\n" + block("catalog:" + SCHEME, scheme)]
        domain_scheme = [
            ("a", "skos:ConceptScheme"),
            ("a", "primes:DomainScheme"),
            ("dcterms:title", self.text(f"{meta.title} (domains)")),
        ]
        domain_scheme.extend(("skos:hasTopConcept", "domain:" + domain_id) for domain_id in catalog.domains)
        parts.append("\n" + block("catalog:" + DOMAIN_SCHEME, domain_scheme))
        for position, domain in enumerate(catalog.domains.values(), 1):
            pairs = [
                ("a", "skos:Concept"),
                ("a", "primes:Domain"),
                ("dcterms:identifier", quote(domain.id)),
                ("skos:prefLabel", self.text(domain.label)),
                ("skos:definition", self.text(domain.description)),
                ("primes:position", str(position)),
                ("skos:inScheme", "catalog:" + DOMAIN_SCHEME),
                ("skos:topConceptOf", "catalog:" + DOMAIN_SCHEME),
            ]
            parts.append("\n" + block("domain:" + domain.id, pairs))
        return "".join(parts)

    def prime_blocks(self, prime: Prime, incoming: list[tuple[int, str]], is_top: bool) -> str:
        pid = prime.id
        text = self.text
        sections = self.sections
        lines = [f"\nprime:{pid} a skos:Concept, primes:Prime", f'dcterms:identifier "{pid}"']
        lines.append("skos:prefLabel " + text(prime.name))
        nodes: list[str] = []
        if prime.aliases:
            labels = [text(alias) for alias in prime.aliases]
            lines.append("skos:altLabel " + ", ".join(labels))
            names = [f"section:{pid}{SEPARATOR}alias{SEPARATOR}{n}" for n in range(1, len(labels) + 1)]
            lines.append("skosxl:altLabel " + ", ".join(names))
            for position, (name, label) in enumerate(zip(names, labels, strict=True), 1):
                nodes.append(
                    f"\n{name} a skosxl:Label ;\n    skosxl:literalForm {label} ;\n    primes:position {position} .\n"
                )
        lines.append("primes:status primes:" + prime.status)
        lines.append("skos:inScheme catalog:" + SCHEME)
        if is_top:
            lines.append("skos:topConceptOf catalog:" + SCHEME)
        if prime.core_idea is not None:
            core = text(prime.core_idea)
            lines.append(f"{sections['core_idea']} {core}")
            lines.extend(f"{sup} {core}" for sup in self.definition)
        empty: list[str] = []
        if prime.explanations is not None:
            names = []
            for position, item in enumerate(prime.explanations, 1):
                name = f"section:{pid}{SEPARATOR}explanation{SEPARATOR}{position}"
                names.append(name)
                nodes.append(
                    f"\n{name} a primes:Explanation ;\n"
                    f"    primes:audience primes:{item.audience} ;\n"
                    f"    dcterms:title {text(item.title)} ;\n"
                    f"    primes:text {text(item.text)} ;\n"
                    f"    primes:position {position} .\n"
                )
            self.list_section(lines, empty, sections["explanations"], names)
        if prime.overview is not None:
            lines.append(f"{sections['overview']} {text(prime.overview)}")
        if prime.broad_use is not None:
            names = []
            for position, use in enumerate(prime.broad_use, 1):
                name = f"section:{pid}{SEPARATOR}use{SEPARATOR}{position}"
                names.append(name)
                nodes.append(
                    f"\n{name} a primes:Use ;\n"
                    f"    primes:inDomain domain:{use.domain} ;\n"
                    f"    primes:text {text(use.text)} ;\n"
                    f"    primes:position {position} .\n"
                )
            self.list_section(lines, empty, sections["broad_use"], names)
        for name in ("clarity", "manages_complexity", "abstract_reasoning"):
            value = getattr(prime, name)
            if value is not None:
                lines.append(f"{sections[name]} {text(value)}")
        if prime.knowledge_transfer is not None:
            names = []
            for position, transfer in enumerate(prime.knowledge_transfer, 1):
                name = f"section:{pid}{SEPARATOR}transfer{SEPARATOR}{position}"
                names.append(name)
                nodes.append(
                    f"\n{name} a primes:Transfer ;\n"
                    f"    primes:fromDomain domain:{transfer.from_domain} ;\n"
                    f"    primes:toDomain domain:{transfer.to_domain} ;\n"
                    f"    primes:text {text(transfer.text)} ;\n"
                    f"    primes:position {position} .\n"
                )
            self.list_section(lines, empty, sections["knowledge_transfer"], names)
        if prime.example is not None:
            name = f"section:{pid}{SEPARATOR}example"
            lines.append(f"{sections['example']} {name}")
            nodes.append(
                f"\n{name} a primes:Example ;\n"
                f"    dcterms:title {text(prime.example.title)} ;\n"
                f"    primes:text {text(prime.example.text)} .\n"
            )
        if empty:
            lines.append("primes:emptySection " + ", ".join(empty))
        self.edge_lines(prime, incoming, lines)
        return " ;\n    ".join(lines) + " .\n" + "".join(nodes)

    @staticmethod
    def list_section(lines: list[str], empty: list[str], prop: str, names: list[str]) -> None:
        if names:
            lines.append(f"{prop} {', '.join(names)}")
        else:
            empty.append(prop)

    def edge_lines(self, prime: Prime, incoming: list[tuple[int, str]], lines: list[str]) -> None:
        # predicate -> objects; a dict keeps the first-seen order and drops repeats (a symmetric edge
        # declared on both sides gives the same triple twice)
        objects: dict[str, dict[str, None]] = {}
        relations: list[str] = []
        for index, (kind, terms) in enumerate(zip(self.kinds, self.kind_terms, strict=True)):
            forward, inverse, forward_supers, inverse_supers, _ = terms
            refs = prime.edges(kind)
            targets = ["prime:" + ref.prime for ref in refs]
            sources = ["prime:" + source for i, source in incoming if i == index]
            for predicate, values in (
                (forward, targets),
                (inverse, sources),
                *((sup, targets) for sup in forward_supers),
                *((sup, sources) for sup in inverse_supers),
            ):
                if values:
                    objects.setdefault(predicate, {}).update(dict.fromkeys(values))
            relations.extend(f"relation:{prime.id}{SEPARATOR}{kind.id}{SEPARATOR}{ref.prime}" for ref in refs)
        lines.extend(f"{predicate} {', '.join(values)}" for predicate, values in objects.items())
        if relations:
            lines.append("primes:qualifiedRelation " + ", ".join(relations))


@functools.cache
def _pname(iri: str) -> str:
    """The prefixed name of a vocabulary IRI (standard namespaces and ``primes:``), else ``<iri>``."""
    for name, namespace in STANDARD_PREFIXES:
        if iri.startswith(namespace):
            local = iri[len(namespace) :]
            if re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", local):
                return f"{name}:{local}"
    return f"<{iri}>"


def _header(base: str) -> str:
    return "".join(f"@prefix {name}: <{namespace}> .\n" for name, namespace in prefixes(base))
