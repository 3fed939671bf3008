"""JSON-LD nodes straight from the records: the node lines :func:`primes.rdf.jsonld.nodes` makes of the
triples :mod:`primes.rdf.build` writes, made without writing the Turtle and parsing it back.

The site writes a JSON-LD file beside every prime page whose bytes must be the export's
(``serialize(catalog, "jsonld", ids=[prime_id])``: pyoxigraph parses the prime's share of the Turtle and the
JSON-LD writer walks the triples). Made that way it was the largest part of the site's own build time, most
of it Python touching pyoxigraph's terms one triple at a time, to recover values the builder had in hand.
:class:`JsonLdNodes` writes each node line from those values instead, as JSON text: ``@id``, then each key
with its values in the order of the triples, with keys, types and IRIs compacted by the writer's compactor
and values in the writer's forms (see :func:`primes.rdf.jsonld._value`), strings escaped as the writer's JSON
encoder escapes them. The one thing pyoxigraph changes on the way, the case of the language tag, is asked of
pyoxigraph once. (Building the writer's dicts and encoding them cost about as much as the parsing: a node of
fixed shape is one f-string over JSON fragments made once, and a text is copied as it is unless it holds
something to escape.)

It mirrors :class:`primes.rdf.build._Builder` node by node and line by line: a change to the triples of one
needs the same change in the other. The tests hold the documents to the general path's, prime by prime, on the
fixture catalogs and on generated catalogs with hostile text. Nothing here runs for the whole-catalog export:
a prime's nodes are made when its document is asked for, the nodes that several documents share (relation
nodes, labels) once.
"""

from __future__ import annotations

from json.encoder import encode_basestring
from typing import NamedTuple

import pyoxigraph as ox

from primes.catalog import Catalog
from primes.model import CONTENT_SECTIONS, Prime
from primes.ontology import edge_kinds
from primes.rdf import jsonld
from primes.rdf.build import SCHEME, SEGMENTS, SEPARATOR, CatalogGraph
from primes.rdf.vocab import NS, STANDARD_PREFIXES, vocabulary

_NAMESPACES = dict(STANDARD_PREFIXES)
_PLAIN_TEXTS = ("clarity", "manages_complexity", "abstract_reasoning")
_Shape = tuple[str, ...]  # the fragments of a node of fixed shape around the values in it (see _shape)


def _iri(pname: str) -> str:
    """The IRI of a prefixed name of the builder's templates (``skos:prefLabel``)."""
    prefix, _, local = pname.partition(":")
    return _NAMESPACES[prefix] + local


def _inner(text: str) -> str:
    """A record's text as the inside of its JSON string, as the writer's encoder (json, ``ensure_ascii=False``)
    writes it. JSON escapes the quote, the backslash and control characters, and the only control characters
    a record's text may hold are the tab and the line breaks (:data:`primes.model.Text` refuses the others; a
    test holds it to that): looking for these five, each a scan in C that copies nothing, tells whether the
    text needs escaping at all. Most texts do not, and are written as they are."""
    if '"' in text or "\\" in text or "\n" in text or "\r" in text or "\t" in text:
        return encode_basestring(text)[1:-1]
    return text


class _Term:
    """A predicate as the documents write it: its key, and the JSON around its values. A value is given as the
    inside of a JSON string: a name (a compacted IRI: every name here is a compacted namespace, escaped once,
    followed by ids and ``--``, which JSON writes as they are) or a text in the catalog's language."""

    __slots__ = ("_numbered", "key", "name_close", "name_open", "text_close", "text_open")

    def __init__(self, key: str, coerced: bool, *, plain: bool, tag: str) -> None:
        self.key = encode_basestring(key) + ": "
        # Under a key coerced to @id, a name is a plain string and a text needs its language spelt out.
        self.name_open, self.name_close = ('"', '"') if coerced else ('{"@id": "', '"}')
        if plain and not coerced:
            self.text_open, self.text_close = '"', '"'
        else:
            self.text_open, self.text_close = '{"@value": "', '", "@language": ' + encode_basestring(tag) + "}"
        self._numbered: dict[int, str] = {}  # count -> the format of the field of names numbered 1 to count

    def names(self, inners: list[str]) -> str:
        """The ``"key": value`` field of one or more names."""
        return _field(self.key, self.name_open, self.name_close, inners)

    def numbered(self, prefix: str, count: int) -> str:
        """The field of the names ``<prefix>1`` to ``<prefix><count>`` (a record list's nodes): one ``format``
        of a template kept per count, a fraction of the cost of making the names and joining them."""
        template = self._numbered.get(count)
        if template is None:
            key, before, after = (_braced(part) for part in (self.key, self.name_open, self.name_close))
            names = [f"{{0}}{n}" for n in range(1, count + 1)]
            template = self._numbered[count] = _field(key, before, after, names)
        return template.format(prefix)

    def text(self, inner: str) -> str:
        """The ``"key": value`` field of one text."""
        return f"{self.key}{self.text_open}{inner}{self.text_close}"

    def texts(self, inners: list[str]) -> str:
        """The ``"key": value`` field of one or more texts."""
        return _field(self.key, self.text_open, self.text_close, inners)


def _field(key: str, before: str, after: str, inners: list[str]) -> str:
    """A node's field: its key and its values, each between ``before`` and ``after`` (a list if several)."""
    if len(inners) == 1:
        return f"{key}{before}{inners[0]}{after}"
    return f"{key}[{before}{(after + ', ' + before).join(inners)}{after}]"


class _Slot(NamedTuple):
    """A field of a node of fixed shape (see JsonLdNodes._shape): the JSON before its value and after it."""

    before: str
    after: str

    @classmethod
    def name(cls, term: _Term, namespace: str) -> _Slot:
        """A name in ``namespace``: the slot takes its local part."""
        return cls(term.key + term.name_open + namespace, term.name_close)

    @classmethod
    def text(cls, term: _Term) -> _Slot:
        """A text: the slot takes the inside of its JSON string."""
        return cls(term.key + term.text_open, term.text_close)

    @classmethod
    def number(cls, term: _Term) -> _Slot:
        return cls(term.key, "")


class JsonLdNodes:
    """The JSON-LD node lines of one catalog's primes, for documents written with :func:`jsonld.document`
    (``extra_prefixes=self.prefixes``, ``language=self.language``). ``usable`` is False when they would not be
    the export's: pyoxigraph refuses the export (every document then fails the general way, which the caller
    must take to fail alike), or the ontology gives one key to two of a node's predicates (then the writer
    merges their values, which these lines do not)."""

    def __init__(self, catalog: Catalog, graph: CatalogGraph) -> None:
        self.catalog = catalog
        self.graph = graph
        self.language = graph.language
        self.prefixes = tuple((name, graph.base + segment) for name, segment in SEGMENTS)
        self._compactor = jsonld.compactor_for(extra_prefixes=self.prefixes, language=self.language)
        # The tag pyoxigraph gives the catalog's texts (it lower-cases tags): a text is a plain string in the
        # documents only when that is the tag the documents declare.
        tag = _parsed_tag(graph)
        self._plain = tag == self.language
        self._tag = tag or self.language
        self._terms: dict[str, _Term] = {}  # by predicate IRI
        namespaces = dict(self.prefixes)
        self._prime_ns = self._namespace(namespaces["prime"])
        self._relation_ns = self._namespace(namespaces["relation"])
        self._section_ns = self._namespace(namespaces["section"])
        self._domain_ns = self._namespace(namespaces["domain"])
        self._vocabulary_ns = self._namespace(NS)
        scheme = self._namespace(namespaces["catalog"]) + SCHEME
        vocab = vocabulary()
        self.kinds = edge_kinds()
        term = self._term

        # The prime's node. Its predicates come each on a line of their own (the edges' merged by predicate),
        # so that with distinct keys each field is written whole where the writer would start it.
        identifier, pref_label = term(_iri("dcterms:identifier")), term(_iri("skos:prefLabel"))
        # (around the id, twice: the prime's name, and its dcterms:identifier, an xsd:string)
        self._prime_head = (
            f'{{"@id": "{self._prime_ns}',
            f'", "@type": {self._types("skos:Concept", "primes:Prime")}, {identifier.key}{{"@value": "',
            '"}',
        )
        self._pref_label = pref_label
        self._alt_label = term(_iri("skos:altLabel"))
        self._xl_alt_label = term(_iri("skosxl:altLabel"))
        self._status = term(_iri("primes:status"))
        self._status_fields: dict[str, str] = {}
        in_scheme, top_concept_of = term(_iri("skos:inScheme")), term(_iri("skos:topConceptOf"))
        self._in_scheme_field = in_scheme.names([scheme])
        self._top_concept_field = top_concept_of.names([scheme])
        self._sections = {name: term(vocab.section(name)) for name in CONTENT_SECTIONS}
        self._section_names = {name: self._name(vocab.section(name)) for name in CONTENT_SECTIONS}
        self._definition = [term(sup) for sup in vocab.supers(vocab.section("core_idea"))]
        self._empty_section = term(_iri("primes:emptySection"))
        self._qualified_relation = term(_iri("primes:qualifiedRelation"))
        # per kind: its index, id and record field, and the predicates the builder writes a prime's edges of
        # that kind under (forward, inverse, the SKOS supers of forward, those of inverse), each with whether its
        # objects are the targets or the sources
        self._edge_kinds = [
            (
                index,
                kind.id,
                kind.field,
                (
                    (term(kind.edge_property), True),
                    (term(kind.inverse_property), False),
                    *((term(sup), True) for sup in vocab.supers(kind.edge_property)),
                    *((term(sup), False) for sup in vocab.supers(kind.inverse_property)),
                ),
            )
            for index, kind in enumerate(self.kinds)
        ]
        prime_terms = [
            identifier,
            pref_label,
            self._alt_label,
            self._xl_alt_label,
            self._status,
            in_scheme,
            top_concept_of,
            *self._sections.values(),
            *self._definition,
            self._empty_section,
            *{edge_term for *_, terms in self._edge_kinds for edge_term, _ in terms},
            self._qualified_relation,
        ]
        distinct = _distinct(prime_terms)

        # The nodes of fixed shape.
        literal_form, title, text = (term(_iri(p)) for p in ("skosxl:literalForm", "dcterms:title", "primes:text"))
        position, audience = term(_iri("primes:position")), term(_iri("primes:audience"))
        in_domain, from_domain, to_domain = (
            term(_iri(p)) for p in ("primes:inDomain", "primes:fromDomain", "primes:toDomain")
        )
        shape, text_slot, number_slot = self._shape, _Slot.text, _Slot.number
        domain, vocabulary_ns = self._domain_ns, self._vocabulary_ns
        self._alias_node = shape("skosxl:Label", text_slot(literal_form), number_slot(position))
        self._explanation_node = shape(
            "primes:Explanation",
            _Slot.name(audience, vocabulary_ns),
            text_slot(title),
            text_slot(text),
            number_slot(position),
        )
        self._use_node = shape("primes:Use", _Slot.name(in_domain, domain), text_slot(text), number_slot(position))
        self._transfer_node = shape(
            "primes:Transfer",
            _Slot.name(from_domain, domain),
            _Slot.name(to_domain, domain),
            text_slot(text),
            number_slot(position),
        )
        self._example_node = shape("primes:Example", text_slot(title), text_slot(text))
        edge_kind, target = term(_iri("primes:edgeKind")), term(_iri("primes:target"))
        notes = [term(vocab.annotation_property(kind)) for kind in self.kinds]
        distinct = distinct and all(_distinct([edge_kind, target, note, position]) for note in notes)
        # per kind: the relation node without a note, and with one
        relation = "primes:QualifiedRelation"
        kind_slot, target_slot = _Slot.name(edge_kind, vocabulary_ns), _Slot.name(target, self._prime_ns)
        self._relation_nodes = [
            (
                shape(relation, kind_slot, target_slot, number_slot(position)),
                shape(relation, kind_slot, target_slot, text_slot(note), number_slot(position)),
            )
            for note in notes
        ]
        # (around the prime's id and its name)
        self._label_node = (
            f'{{"@id": "{self._prime_ns}',
            f'", {pref_label.key}{pref_label.text_open}',
            pref_label.text_close + "}",
        )
        self.usable = tag is not None and distinct
        self._opening = jsonld.opening(extra_prefixes=self.prefixes, language=self.language)
        self._relations: dict[str, dict[tuple[int, str], str]] = {}  # source -> (kind index, target) -> line
        self._labels: dict[str, str] = {}  # prime id -> the line of its label node

    def document(self, prime_id: str) -> bytes:
        """The prime's JSON-LD file: ``serialize(catalog, "jsonld", ids=[prime_id])``, which is
        ``jsonld.document(self.share(prime_id), ...)``. Put together here with the document's opening in front
        of the prime's node as it is made, and the closing after the last line (a short one): joining the lines
        is then the only copy of the whole document before encoding it."""
        lines = self._share(prime_id, self._opening)
        lines[-1] += jsonld.CLOSING
        return jsonld.LINE_SEPARATOR.join(lines).encode()

    def share(self, prime_id: str) -> list[str]:
        """The node lines of a prime's share, in the order of ``graph.turtle([prime_id])``: its own nodes, its
        relation nodes, the relation nodes of the edges towards it, its neighbours' labels."""
        return self._share(prime_id, "")

    def own(self, prime_id: str) -> list[str]:
        """The prime's node, then the nodes of its aliases, explanations, uses, transfers and example."""
        return self._prime_nodes(self.catalog[prime_id], "")

    def _share(self, prime_id: str, opening: str) -> list[str]:
        # No two lines share a subject, so no node needs merging: the checker refuses duplicate and self
        # edges (the builder's share drops an incoming relation node that is also an outgoing one, which only
        # a self edge makes).
        graph = self.graph
        lines = self._prime_nodes(self.catalog[prime_id], opening)
        lines += self._relation_lines(prime_id).values()
        for index, source in graph.incoming.get(prime_id, ()):
            if source != prime_id:
                lines.append(self._relation_lines(source)[(index, prime_id)])
        labels = self._labels
        for other in graph.neighbours.get(prime_id, ()):
            line = labels.get(other)
            if line is None:
                line = labels[other] = self.label(other)
            lines.append(line)
        return lines

    def label(self, prime_id: str) -> str:
        """The node that names a prime in its neighbours' documents."""
        a, b, c = self._label_node
        return f"{a}{prime_id}{b}{_inner(self.catalog[prime_id].name)}{c}"

    # --- the nodes, as _Builder writes them ---------------------------------------------------------------

    def _prime_nodes(self, prime: Prime, opening: str) -> list[str]:
        # The nodes of fixed shape are f-strings over their shape's fragments (see _shape): the fastest way
        # Python has to build a string from parts, which here are mostly long texts.
        pid = prime.id
        h0, h1, h2 = self._prime_head
        fields = [f"{opening}{h0}{pid}{h1}{pid}{h2}", self._pref_label.text(_inner(prime.name))]
        nodes: list[str] = []
        section = f"{self._section_ns}{pid}{SEPARATOR}"
        aliases = prime.aliases
        if aliases:
            labels = [_inner(alias) for alias in aliases]
            prefix = f"{section}alias{SEPARATOR}"
            fields.append(self._alt_label.texts(labels))
            fields.append(self._xl_alt_label.numbered(prefix, len(labels)))
            a, b, c, d = self._alias_node
            nodes += [f"{a}{prefix}{n}{b}{label}{c}{n}{d}" for n, label in enumerate(labels, 1)]
        status = self._status_fields.get(prime.status)
        if status is None:
            status = self._status_fields[prime.status] = self._status.names([self._vocabulary_ns + prime.status])
        fields.append(status)
        fields.append(self._in_scheme_field)
        if pid in self.graph.top:
            fields.append(self._top_concept_field)
        sections = self._sections
        core_idea = prime.core_idea
        if core_idea is not None:
            core = _inner(core_idea)
            fields.append(sections["core_idea"].text(core))
            fields += [sup.text(core) for sup in self._definition]
        empty: list[str] = []  # the record's lists that are there but empty
        explanations = prime.explanations
        if explanations is not None:
            prefix = f"{section}explanation{SEPARATOR}"
            a, b, c, d, e, f = self._explanation_node
            nodes += [
                f"{a}{prefix}{n}{b}{item.audience}{c}{_inner(item.title)}{d}{_inner(item.text)}{e}{n}{f}"
                for n, item in enumerate(explanations, 1)
            ]
            self._list_field(fields, empty, "explanations", prefix, len(explanations))
        overview = prime.overview
        if overview is not None:
            fields.append(sections["overview"].text(_inner(overview)))
        uses = prime.broad_use
        if uses is not None:
            prefix = f"{section}use{SEPARATOR}"
            a, b, c, d, e = self._use_node
            nodes += [f"{a}{prefix}{n}{b}{use.domain}{c}{_inner(use.text)}{d}{n}{e}" for n, use in enumerate(uses, 1)]
            self._list_field(fields, empty, "broad_use", prefix, len(uses))
        for field in _PLAIN_TEXTS:
            value = getattr(prime, field)
            if value is not None:
                fields.append(sections[field].text(_inner(value)))
        transfers = prime.knowledge_transfer
        if transfers is not None:
            prefix = f"{section}transfer{SEPARATOR}"
            a, b, c, d, e, f = self._transfer_node
            nodes += [
                f"{a}{prefix}{n}{b}{item.from_domain}{c}{item.to_domain}{d}{_inner(item.text)}{e}{n}{f}"
                for n, item in enumerate(transfers, 1)
            ]
            self._list_field(fields, empty, "knowledge_transfer", prefix, len(transfers))
        example = prime.example
        if example is not None:
            name = f"{section}example"
            fields.append(sections["example"].names([name]))
            a, b, c, d = self._example_node
            nodes.append(f"{a}{name}{b}{_inner(example.title)}{c}{_inner(example.text)}{d}")
        if empty:
            fields.append(self._empty_section.names([self._section_names[field] for field in empty]))
        self._edge_fields(prime, fields)
        fields[-1] += "}"
        nodes.insert(0, ", ".join(fields))
        return nodes

    def _list_field(self, fields: list[str], empty: list[str], section: str, prefix: str, count: int) -> None:
        """The field of a record list's nodes (named ``<prefix><position>``), or the list noted as empty."""
        if count:
            fields.append(self._sections[section].numbered(prefix, count))
        else:
            empty.append(section)

    def _edge_fields(self, prime: Prime, fields: list[str]) -> None:
        """The prime's edge properties both ways with their SKOS supers, then the names of its relation nodes."""
        prime_ns = self._prime_ns
        sources: dict[int, list[str]] = {}  # kind index -> the names of the primes with edges towards this one
        for index, source in self.graph.incoming.get(prime.id, ()):
            found = sources.get(index)
            if found is None:
                sources[index] = [prime_ns + source]
            else:
                found.append(prime_ns + source)
        objects: dict[_Term, list[str]] = {}  # the names of primes under each term
        relations: list[str] = []
        relation = f"{self._relation_ns}{prime.id}{SEPARATOR}"
        for index, kind_id, field, terms in self._edge_kinds:
            refs = getattr(prime, field)
            kind_sources = sources.get(index)
            if not refs and kind_sources is None:
                continue
            targets = [prime_ns + ref.prime for ref in refs]
            relations += [f"{relation}{kind_id}{SEPARATOR}{ref.prime}" for ref in refs]
            for term, outgoing in terms:
                values = targets if outgoing else kind_sources
                if values:
                    before = objects.get(term)
                    # The builder drops an object a predicate has twice: a term's values from one kind and
                    # direction have no repeats (the checker refuses duplicate edges), but two may meet under
                    # one term (a symmetric kind declared on both sides, a SKOS super shared by two kinds).
                    objects[term] = values if before is None else list(dict.fromkeys(before + values))
        fields += [term.names(names) for term, names in objects.items()]
        if relations:
            fields.append(self._qualified_relation.names(relations))

    def _relation_lines(self, source: str) -> dict[tuple[int, str], str]:
        """The relation nodes of a prime's edges, by (kind index, target), in the order it declares them."""
        found = self._relations.get(source)
        if found is not None:
            return found
        prime = self.catalog[source]
        found = self._relations[source] = {}
        relation = f"{self._relation_ns}{source}{SEPARATOR}"
        for index, kind_id, field, _ in self._edge_kinds:
            refs = getattr(prime, field)
            if not refs:
                continue
            plain, noted = self._relation_nodes[index]
            names = f"{relation}{kind_id}{SEPARATOR}"
            for n, ref in enumerate(refs, 1):
                target, note = ref.prime, ref.annotation
                if note is None:
                    a, b, c, d, e = plain
                    line = f"{a}{names}{target}{b}{kind_id}{c}{target}{d}{n}{e}"
                else:
                    a, b, c, d, e, f = noted
                    line = f"{a}{names}{target}{b}{kind_id}{c}{target}{d}{_inner(note)}{e}{n}{f}"
                found[(index, target)] = line
        return found

    # --- names, terms and shapes --------------------------------------------------------------------------

    def _term(self, predicate: str) -> _Term:
        """The term of a predicate (one object per predicate: the edges' fields are merged by term)."""
        found = self._terms.get(predicate)
        if found is None:
            key, coerced = self._compactor.key(predicate)
            found = self._terms[predicate] = _Term(key, coerced, plain=self._plain, tag=self._tag)
        return found

    def _shape(self, type_pname: str, *slots: _Slot) -> _Shape:
        """A node of one type and one value per field (of distinct predicates), as the fragments of JSON around
        its slots: the node's name, then each field's value."""
        fragments = ['{"@id": "']
        after = '", "@type": ' + self._types(type_pname)
        for slot in slots:
            fragments.append(f"{after}, {slot.before}")
            after = slot.after
        fragments.append(after + "}")
        return tuple(fragments)

    def _types(self, *pnames: str) -> str:
        """The value of ``@type`` for these classes, as JSON."""
        names = [encode_basestring(self._compactor.type_name(_iri(pname))) for pname in pnames]
        return names[0] if len(names) == 1 else "[" + ", ".join(names) + "]"

    def _name(self, iri: str) -> str:
        """An IRI's compacted name, as the inside of its JSON string."""
        return encode_basestring(self._compactor.compact(iri))[1:-1]

    def _namespace(self, namespace: str) -> str:
        """What the documents write in front of a local name in ``namespace`` (as the inside of a JSON string).
        Every local name here (ids, names joined from ids with ``--``) is free of "/", "#" and of anything JSON
        escapes: the compactor then cuts the IRI inside the namespace and picks its prefix by the namespace
        alone (see :meth:`jsonld._Compactor.compact`), so any such name compacts as a sample one does with the
        local name swapped in."""
        return self._name(namespace + "x")[:-1]


def _braced(text: str) -> str:
    """Text as a literal part of a ``str.format`` template."""
    return text.replace("{", "{{").replace("}", "}}")


def _distinct(terms: list[_Term]) -> bool:
    keys = [term.key for term in terms]
    return len(set(keys)) == len(keys)


def _parsed_tag(graph: CatalogGraph) -> str | None:
    """The language tag of the catalog's texts as pyoxigraph reads the export, or None when pyoxigraph refuses
    the export's header (a namespace IRI it finds invalid) or the tag."""
    probe = f'{graph.header}prime:x skos:prefLabel "x"@{graph.language} .\n'
    try:
        triples = list(ox.parse(probe.encode("utf-8"), format=ox.RdfFormat.TURTLE))
    except (SyntaxError, ValueError):
        return None
    literal = triples[0].object
    return literal.language if isinstance(literal, ox.Literal) else None
