"""Reading RDF into catalog files: our own export back without loss, or a plain SKOS vocabulary as drafts.

:func:`plan_import` reads a file and decides what it is. An export of a Primes catalog (it has a
``primes:Catalog`` scheme) is read back record by record from the ``primes:`` properties and the qualified
relation nodes; every triple the records do not account for is reported. Any other RDF is read as SKOS:
each concept becomes a draft prime with the sections SKOS has (``prefLabel`` -> name, ``altLabel`` ->
aliases, ``definition`` -> core idea, ``broader`` / ``narrower`` / ``related`` -> edges), and everything
else is reported as not mapped. :func:`write_plan` writes the files, each atomically, and never replaces a
file whose content differs unless told to.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import networkx as nx
import pyoxigraph as ox
import yaml
from pydantic import ValidationError

from primes.catalog import Catalog
from primes.errors import PrimesError
from primes.fsutil import write_atomic
from primes.load import DOMAINS_FILE, META_FILE, PRIMES_DIR, LoadedCatalog
from primes.model import CONTENT_SECTIONS, CatalogMeta, Domain, prime_model
from primes.ontology import NS, EdgeKind, edge_kinds
from primes.rdf import yamlio
from primes.rdf.build import DOMAIN_SCHEME, SCHEME
from primes.rdf.export import serialize
from primes.rdf.vocab import DCTERMS, OWL, RDF_TYPE, RDFS, SKOS, SKOSXL, STANDARD_PREFIXES, vocabulary
from primes.words import normalize

INPUT_FORMATS: dict[str, ox.RdfFormat] = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "xml": ox.RdfFormat.RDF_XML,
}
_EXTENSIONS = {
    ".ttl": "turtle",
    ".turtle": "turtle",
    ".nt": "ntriples",
    ".jsonld": "jsonld",
    ".json": "jsonld",
    ".rdf": "xml",
    ".xml": "xml",
    ".owl": "xml",
}
_DC = "http://purl.org/dc/elements/1.1/"
_CC_LICENSE = "http://creativecommons.org/ns#license"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SCHEMA_HEADER = "# yaml-language-server: $schema=../schema.json\n"

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


class RdfImportError(PrimesError):
    """The file cannot be imported (syntax, an inconsistent export, files that would be replaced)."""


@dataclass(slots=True)
class ImportPlan:
    """What an import would write, and what it could not map."""

    source: str
    kind: Literal["export", "skos"]
    meta: dict[str, Any] | None  # catalog.yaml, or None to keep the target's
    domains: list[dict[str, Any]] | None  # domains.yaml, or None to keep the target's
    primes: dict[str, dict[str, Any]]  # id -> record, fields in the model's order
    notes: list[str] = field(default_factory=list)  # what was derived or changed on the way
    unmapped: dict[str, int] = field(default_factory=dict)  # what was left out: description -> triples


@dataclass(slots=True)
class WriteReport:
    written: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------------------
# Reading


def guess_format(path: Path) -> str:
    try:
        return _EXTENSIONS[path.suffix.lower()]
    except KeyError:
        raise RdfImportError(
            f"{path}: cannot tell the RDF format from the extension {path.suffix!r}; "
            f"pass --format ({', '.join(INPUT_FORMATS)})"
        ) from None


def read_triples(path: Path, fmt: str | None = None) -> list[ox.Triple]:
    """Every triple of an RDF file (named graphs are merged); a syntax error names file, line and column."""
    name = fmt or guess_format(path)
    if name not in INPUT_FORMATS:
        raise RdfImportError(f"unknown RDF format {name!r}; choose one of {', '.join(INPUT_FORMATS)}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RdfImportError(f"{path}: cannot read the file: {exc.strerror}") from exc
    try:
        quads = list(ox.parse(data, format=INPUT_FORMATS[name]))
    except SyntaxError as exc:
        raise RdfImportError(f"{path}: not valid {name}: {exc}") from exc
    return list(dict.fromkeys(ox.Triple(q.subject, q.predicate, q.object) for q in quads))


class _Graph:
    """Triples by subject and predicate, remembering which ones the mapping used."""

    def __init__(self, triples: Iterable[ox.Triple]) -> None:
        self.triples = list(triples)
        self.index: dict[str, dict[str, list[ox.Triple]]] = {}
        self.types: dict[str, set[str]] = {}
        for triple in self.triples:
            subject = _key(triple.subject)
            self.index.setdefault(subject, {}).setdefault(triple.predicate.value, []).append(triple)
            if triple.predicate.value == RDF_TYPE and isinstance(triple.object, ox.NamedNode):
                self.types.setdefault(subject, set()).add(triple.object.value)
        self.used: set[ox.Triple] = set()

    def take(self, subject: str, predicate: str) -> list[Term]:
        found = self.index.get(subject, {}).get(predicate, [])
        self.used.update(found)
        return [t.object for t in found]

    def peek(self, subject: str, predicate: str) -> list[Term]:
        return [t.object for t in self.index.get(subject, {}).get(predicate, [])]

    def typed(self, iri: str) -> list[str]:
        return sorted(s for s, types in self.types.items() if iri in types)

    def use_type(self, subject: str, iri: str) -> None:
        for triple in self.index.get(subject, {}).get(RDF_TYPE, []):
            if isinstance(triple.object, ox.NamedNode) and triple.object.value == iri:
                self.used.add(triple)

    def unused(self) -> Iterator[ox.Triple]:
        return (t for t in self.triples if t not in self.used)


def _key(term: object) -> str:
    if isinstance(term, ox.NamedNode):
        return term.value
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    return str(term)


def _iri(term: Term | None) -> str | None:
    return term.value if isinstance(term, ox.NamedNode) else None


def _literal(terms: list[Term], language: str | None = None) -> str | None:
    """The value of the first literal in ``language`` (else of the first without a language tag); with no
    language given, of the first literal."""
    literals = [t for t in terms if isinstance(t, ox.Literal)]
    if language is None:
        return literals[0].value if literals else None
    wanted = language.lower()
    for literal in literals:
        if (literal.language or "").lower() == wanted:
            return literal.value
    for literal in literals:
        if not literal.language:
            return literal.value
    return None


def _integer(terms: list[Term]) -> int:
    value = _literal(terms)
    try:
        return int(value) if value is not None else 0
    except ValueError:
        return 0


def plan_import(
    path: Path,
    *,
    fmt: str | None = None,
    into: Path | None = None,
    language: str | None = None,
) -> ImportPlan:
    """Read ``path`` and work out the files an import into ``into`` would write (nothing is written)."""
    triples = read_triples(path, fmt)
    graph = _Graph(triples)
    if graph.typed(NS + "Prime") or graph.typed(NS + "Catalog"):
        return _ExportReader(graph, str(path)).plan()
    return _SkosReader(graph, path, into, language).plan()


# ---------------------------------------------------------------------------------------------------------
# Our own export


class _ExportReader:
    def __init__(self, graph: _Graph, source: str) -> None:
        self.graph = graph
        self.source = source
        self.vocab = vocabulary()

    def fail(self, message: str) -> RdfImportError:
        return RdfImportError(f"{self.source}: {message}")

    def plan(self) -> ImportPlan:
        graph = self.graph
        schemes = graph.typed(NS + "Catalog")
        if not schemes:
            raise self.fail(
                "it describes primes but has no primes:Catalog scheme, so it is not a whole export "
                "(a page's share of one, perhaps); import the output of `primes export`"
            )
        if len(schemes) > 1:
            raise self.fail(f"it holds {len(schemes)} catalog schemes ({', '.join(schemes)}); import one at a time")
        scheme = schemes[0]
        if not scheme.endswith(SCHEME):
            raise self.fail(f"the catalog scheme {scheme} does not end in {SCHEME!r}, so its base IRI is unknown")
        self.base = scheme[: -len(SCHEME)]
        self.language = _literal(graph.peek(scheme, DCTERMS + "language")) or "en"
        meta = {
            "title": self.text(scheme, DCTERMS + "title"),
            "description": self.text(scheme, DCTERMS + "description"),
            "base_iri": self.base,
            "license": _literal(graph.peek(scheme, DCTERMS + "license")),
            "version": _literal(graph.peek(scheme, OWL + "versionInfo")),
            "language": self.language,
        }
        missing = [name for name, value in meta.items() if value is None]
        if missing:
            raise self.fail(f"the catalog scheme {scheme} lacks {', '.join(missing)}")
        domains = []
        for subject in sorted(graph.typed(NS + "Domain"), key=lambda s: _integer(graph.peek(s, NS + "position"))):
            domains.append(
                {
                    "id": self.identifier(subject, "domain/"),
                    "label": self.text(subject, SKOS + "prefLabel"),
                    "description": self.text(subject, SKOS + "definition"),
                }
            )
        records = {}
        for subject in graph.typed(NS + "Prime"):
            record = self.record(subject)
            records[record["id"]] = record
        plan = ImportPlan(self.source, "export", meta, domains, dict(sorted(records.items())))
        self.account(plan)
        return plan

    def text(self, subject: str, predicate: str) -> Any:
        return _literal(self.graph.peek(subject, predicate), self.language)

    def identifier(self, subject: str, segment: str) -> str:
        value = _literal(self.graph.peek(subject, DCTERMS + "identifier"))
        if value is None:
            raise self.fail(f"{subject} has no dcterms:identifier")
        if subject != self.base + segment + value:
            raise self.fail(f"{subject} has the identifier {value!r}, which does not match its IRI")
        return value

    def ordered(self, subject: str, predicate: str) -> list[str]:
        nodes = [_key(t) for t in self.graph.peek(subject, predicate)]
        return sorted(nodes, key=lambda n: (_integer(self.graph.peek(n, NS + "position")), n))

    def local(self, term_iri: str | None, segment: str) -> str | None:
        prefix = self.base + segment
        if term_iri is None or not term_iri.startswith(prefix):
            return None
        return term_iri[len(prefix) :]

    def record(self, subject: str) -> dict[str, Any]:
        graph, sections = self.graph, self.vocab.sections
        record: dict[str, Any] = {
            "id": self.identifier(subject, "prime/"),
            "name": self.text(subject, SKOS + "prefLabel"),
        }
        labels = self.ordered(subject, SKOSXL + "altLabel")
        if labels:
            record["aliases"] = [self.text(node, SKOSXL + "literalForm") for node in labels]
        else:
            aliases = sorted(t.value for t in graph.peek(subject, SKOS + "altLabel") if isinstance(t, ox.Literal))
            if aliases:
                record["aliases"] = aliases
        status = _iri(next(iter(graph.peek(subject, NS + "status")), None))
        if status is not None and status != NS + "published":
            record["status"] = status.removeprefix(NS)
        empty = {_iri(t) for t in graph.peek(subject, NS + "emptySection")}
        for name in CONTENT_SECTIONS:
            prop = sections[name]
            if prop in empty:
                record[name] = []
                continue
            value = self.section(subject, name, prop)
            if value is not None:
                record[name] = value
        for kind in edge_kinds():
            edges = self.edges(subject, kind)
            if edges:
                record[kind.field] = edges
        return record

    def section(self, subject: str, name: str, prop: str) -> Any:
        nodes = self.ordered(subject, prop)
        if name == "explanations":
            return [
                {
                    "audience": (_iri(next(iter(self.graph.peek(n, NS + "audience")), None)) or "").removeprefix(NS),
                    "title": self.text(n, DCTERMS + "title"),
                    "text": self.text(n, NS + "text"),
                }
                for n in nodes
            ] or None
        if name == "broad_use":
            return [
                {"domain": self.local(_iri(next(iter(self.graph.peek(n, NS + "inDomain")), None)), "domain/"),
                 "text": self.text(n, NS + "text")}
                for n in nodes
            ] or None  # fmt: skip
        if name == "knowledge_transfer":
            return [
                {
                    "from": self.local(_iri(next(iter(self.graph.peek(n, NS + "fromDomain")), None)), "domain/"),
                    "to": self.local(_iri(next(iter(self.graph.peek(n, NS + "toDomain")), None)), "domain/"),
                    "text": self.text(n, NS + "text"),
                }
                for n in nodes
            ] or None
        if name == "example":
            if not nodes:
                return None
            return {"title": self.text(nodes[0], DCTERMS + "title"), "text": self.text(nodes[0], NS + "text")}
        return self.text(subject, prop)

    def edges(self, subject: str, kind: EdgeKind) -> list[dict[str, Any]]:
        annotation = self.vocab.annotation_property(kind)
        out = []
        for node in self.ordered(subject, NS + "qualifiedRelation"):
            if _iri(next(iter(self.graph.peek(node, NS + "edgeKind")), None)) != kind.iri:
                continue
            target = self.local(_iri(next(iter(self.graph.peek(node, NS + "target")), None)), "prime/")
            if target is None:
                raise self.fail(f"the relation {node} has no target prime of this catalog")
            edge: dict[str, Any] = {"prime": target}
            note = self.text(node, annotation)
            if note is not None or kind.annotation_required:
                edge[kind.annotation_field] = note  # a required note not written yet (a draft's) is null
            out.append(edge)
        return out

    def account(self, plan: ImportPlan) -> None:
        """Validate the records and compare the export they give with the input: what the input has beyond
        it was not mapped, what it lacks was derived."""
        problems: list[str] = []
        model = prime_model()
        primes = {}
        for prime_id, record in plan.primes.items():
            try:
                primes[prime_id] = model.model_validate(record)
            except ValidationError as exc:
                problems.extend(f"prime {prime_id}: {_error(e)}" for e in exc.errors(include_url=False))
        try:
            meta = CatalogMeta.model_validate(plan.meta)
            domains = {d["id"]: Domain.model_validate(d) for d in plan.domains or ()}
        except ValidationError as exc:
            problems.extend(f"catalog: {_error(e)}" for e in exc.errors(include_url=False))
        if problems:
            raise self.fail("the records it describes are not valid:\n  " + "\n  ".join(problems))
        catalog = Catalog(LoadedCatalog(Path(self.source), meta, domains, primes, []))
        again = set(ox.parse(serialize(catalog, "ntriples"), format=ox.RdfFormat.N_TRIPLES))
        given = {ox.Triple(t.subject, t.predicate, t.object) for t in self.graph.triples}
        plan.unmapped = _describe(given - {ox.Triple(q.subject, q.predicate, q.object) for q in again})
        derived = len({ox.Triple(q.subject, q.predicate, q.object) for q in again} - given)
        if derived:
            plan.notes.append(f"{derived} triple(s) that an export derives from the records were not in the file")


def _error(error: Any) -> str:
    where = ".".join(str(part) for part in error["loc"])
    return f"{where}: {error['msg']}" if where else str(error["msg"])


def _describe(triples: Iterable[ox.Triple]) -> dict[str, int]:
    """Left-out triples counted by predicate (and language, for literals in another language)."""
    counts: Counter[str] = Counter()
    for triple in triples:
        name = _compact(triple.predicate.value)
        if isinstance(triple.object, ox.Literal) and triple.object.language:
            name += "@" + triple.object.language
        counts[name] += 1
    return dict(sorted(counts.items()))


def _compact(iri: str) -> str:
    for name, namespace in (*STANDARD_PREFIXES, ("dc", _DC)):
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{name}:{iri[len(namespace) :]}"
    return f"<{iri}>"


# ---------------------------------------------------------------------------------------------------------
# Plain SKOS


_SKOS_EDGES = ("broader", "narrower", "related")


class _SkosReader:
    def __init__(self, graph: _Graph, path: Path, into: Path | None, language: str | None) -> None:
        self.graph = graph
        self.path = path
        self.into = into
        self.notes: list[str] = []
        self.target_meta = _read_yaml(into / META_FILE) if into else None
        wanted = language or (self.target_meta or {}).get("language") or self.common_language()
        self.language = str(wanted)
        self.existing = _existing_primes(into)

    def common_language(self) -> str:
        counts = Counter(
            t.object.language.lower()
            for t in self.graph.triples
            if t.predicate.value == SKOS + "prefLabel" and isinstance(t.object, ox.Literal) and t.object.language
        )
        if not counts:
            return "en"
        best = max(counts.values())
        return "en" if counts.get("en") == best else sorted(k for k, v in counts.items() if v == best)[0]

    def concepts(self) -> list[str]:
        """Subjects typed skos:Concept or given a skos:prefLabel (schemes and collections aside). A resource
        the file only points at is not described by it, so edges to it are reported, not imported."""
        graph = self.graph
        found = set(graph.typed(SKOS + "Concept"))
        found.update(s for s, predicates in graph.index.items() if SKOS + "prefLabel" in predicates)
        found -= set(graph.typed(SKOS + "ConceptScheme")) | set(graph.typed(SKOS + "Collection"))
        blank = sorted(c for c in found if c.startswith("_:"))
        if blank:
            self.notes.append(f"{len(blank)} concept(s) without an IRI (blank nodes) were not imported")
        return sorted(c for c in found if not c.startswith("_:"))

    def clean(self, text: str | None, what: str) -> str | None:
        if text is None:
            return None
        if not text.strip() or _CONTROL.search(text):
            self.notes.append(f"{what}: the text is empty or holds a control character; left out")
            return None
        return text

    def plan(self) -> ImportPlan:
        graph, lang = self.graph, self.language
        concepts = self.concepts()
        taken_ids: set[str] = set()
        taken_names = {normalize(name): prime_id for prime_id, name in self.existing.items()}
        ids: dict[str, str] = {}
        records: dict[str, dict[str, Any]] = {}
        for concept in concepts:
            graph.use_type(concept, SKOS + "Concept")
            labels = graph.take(concept, SKOS + "prefLabel")
            name = self.clean(_literal(labels, lang), f"{concept} skos:prefLabel")
            in_language = [t for t in labels if isinstance(t, ox.Literal) and _same_language(t, lang)]
            if len(in_language) > 1:
                self.notes.append(f"{concept} has {len(in_language)} prefLabels in {lang!r}; kept {name!r}")
            self.release(concept, SKOS + "prefLabel", lang)
            local = _local_name(concept)
            if name is None:
                name = local.replace("_", " ").replace("-", " ").strip() or concept
                self.notes.append(f"{concept} has no skos:prefLabel in {lang!r}; named it {name!r} from its IRI")
            base_name = name
            # The id comes from the name; an id that exists in the target is that file, to be replaced with
            # --force, so only ids of this import are avoided. Names must be unique across both.
            prime_id = _unique(_slug(base_name) or _slug(local) or "concept", taken_ids)
            counter = 1
            while not normalize(name) or taken_names.get(normalize(name), prime_id) != prime_id:
                counter += 1
                name = f"{base_name} ({local})" if counter == 2 else f"{base_name} ({local} {counter})"
            if name != base_name:
                self.notes.append(f"{concept}: the name {base_name!r} is taken; named it {name!r}")
            taken_ids.add(prime_id)
            taken_names[normalize(name)] = prime_id
            ids[concept] = prime_id
            record: dict[str, Any] = {"id": prime_id, "name": name}
            aliases = sorted(
                {
                    t.value
                    for t in graph.take(concept, SKOS + "altLabel")
                    if isinstance(t, ox.Literal)
                    and _same_language(t, lang)
                    and self.clean(t.value, f"{concept} altLabel")
                }
                - {name}
            )
            self.release(concept, SKOS + "altLabel", lang)
            if aliases:
                record["aliases"] = aliases
            record["status"] = "draft"
            definitions = graph.take(concept, SKOS + "definition")
            definition = self.clean(_literal(definitions, lang), f"{concept} skos:definition")
            self.release(concept, SKOS + "definition", lang)
            if definition is not None:
                record["core_idea"] = definition
            for predicate in (SKOS + "inScheme", SKOS + "topConceptOf"):
                graph.take(concept, predicate)
            records[prime_id] = record
        self.add_edges(concepts, ids, records)
        for scheme in graph.typed(SKOS + "ConceptScheme"):
            graph.use_type(scheme, SKOS + "ConceptScheme")
            graph.take(scheme, SKOS + "hasTopConcept")
        meta = None if self.target_meta is not None else self.meta()
        domains: list[dict[str, Any]] | None = None
        if self.into is None or not (self.into / DOMAINS_FILE).exists():
            domains = []
        plan = ImportPlan(str(self.path), "skos", meta, domains, records, self.notes)
        plan.unmapped = _describe(graph.unused())
        return plan

    def release(self, concept: str, predicate: str, lang: str) -> None:
        """Literals in other languages were read only to choose; count them as not mapped."""
        for triple in self.graph.index.get(concept, {}).get(predicate, []):
            if isinstance(triple.object, ox.Literal) and not _same_language(triple.object, lang):
                self.graph.used.discard(triple)

    def add_edges(self, concepts: list[str], ids: dict[str, str], records: dict[str, dict[str, Any]]) -> None:
        vocab = vocabulary()
        by_super: dict[str, tuple[EdgeKind, bool]] = {}  # skos property -> (kind, source is the subject)
        for kind in edge_kinds():
            for sup in vocab.supers(kind.edge_property):
                by_super.setdefault(sup, (kind, True))
            for sup in vocab.supers(kind.inverse_property):
                by_super.setdefault(sup, (kind, False))
        pairs: dict[str, dict[tuple[str, str], str]] = {}  # kind id -> (source, target) -> SKOS property
        for concept in concepts:
            for name in _SKOS_EDGES:
                predicate = SKOS + name
                if predicate not in by_super:
                    continue
                kind, forward = by_super[predicate]
                for obj in self.graph.take(concept, predicate):
                    other = _key(obj)
                    if other not in ids:
                        self.notes.append(f"{concept} skos:{name} {other}: not a concept of the file; left out")
                        continue
                    source, target = (ids[concept], ids[other]) if forward else (ids[other], ids[concept])
                    if source == target:
                        continue
                    if kind.symmetric and (target, source) in pairs.get(kind.id, {}):
                        continue
                    if kind.symmetric and target < source:
                        source, target = target, source
                    pairs.setdefault(kind.id, {}).setdefault((source, target), f"skos:{name}")
        unwritten = 0
        for kind in edge_kinds():
            chosen = sorted(pairs.get(kind.id, {}).items())
            if kind.acyclic:
                chosen = self.without_cycles(kind, chosen)
            for (source, target), _via in chosen:
                edge: dict[str, Any] = {"prime": target}
                if kind.annotation_required:
                    # SKOS gives no reason for an edge: the draft's note is null, not yet written, and
                    # `primes check` lists each one as a warning until an author writes it.
                    edge[kind.annotation_field] = None
                    unwritten += 1
                records[source].setdefault(kind.field, []).append(edge)
        if unwritten:
            self.notes.append(
                f"{unwritten} edge(s) have no note yet (SKOS has no place for one); primes check lists them"
            )

    def without_cycles(
        self, kind: EdgeKind, chosen: list[tuple[tuple[str, str], str]]
    ) -> list[tuple[tuple[str, str], str]]:
        graph = nx.DiGraph()
        kept = []
        for (source, target), via in chosen:
            if graph.has_node(target) and graph.has_node(source) and nx.has_path(graph, target, source):
                self.notes.append(
                    f"the {kind.label} edge {source} -> {target} (from {via}) would close a cycle; left out"
                )
                continue
            graph.add_edge(source, target)
            kept.append(((source, target), via))
        return kept

    def meta(self) -> dict[str, Any]:
        graph, lang = self.graph, self.language
        schemes = graph.typed(SKOS + "ConceptScheme")
        scheme = schemes[0] if schemes else None
        if len(schemes) > 1:
            self.notes.append(f"the file has {len(schemes)} concept schemes; catalog.yaml describes {scheme}")

        def first(*predicates: str) -> str | None:
            if scheme is None:
                return None
            for predicate in predicates:
                terms = graph.take(scheme, predicate)
                value = _literal(terms, lang) or _iri(next(iter(terms), None))
                self.release(scheme, predicate, lang)
                if value:
                    return value
            return None

        title = first(DCTERMS + "title", _DC + "title", SKOS + "prefLabel", RDFS + "label")
        description = first(DCTERMS + "description", _DC + "description", SKOS + "definition", RDFS + "comment")
        license_ = first(DCTERMS + "license", DCTERMS + "rights", _CC_LICENSE, _DC + "rights")
        version = first(OWL + "versionInfo", DCTERMS + "hasVersion")
        if title is None:
            title = self.path.stem
            self.notes.append(f"catalog.yaml: no title in the file; used {title!r}")
        if description is None:
            description = f"Imported from {self.path.name}."
            self.notes.append("catalog.yaml: no description in the file; wrote where it was imported from")
        if license_ is None:
            license_ = "not stated"
            self.notes.append("catalog.yaml: the file states no license; wrote 'not stated'")
        if version is None:
            version = "0.1.0"
            self.notes.append("catalog.yaml: the file states no version; wrote 0.1.0")
        if scheme is not None and re.fullmatch(r"https?://[^\s<>\"{}|^`\\]+", scheme):
            base = scheme if scheme.endswith(("/", "#")) else scheme[: max(scheme.rfind("/"), scheme.rfind("#")) + 1]
        else:
            base = "https://example.org/" + (_slug(self.path.stem) or "catalog") + "/"
        self.notes.append(f"catalog.yaml: base_iri set to {base}; the catalog's IRIs will be built on it")
        return {
            "title": " ".join(title.split()),
            "description": description,
            "base_iri": base,
            "license": license_,
            "version": version,
            "language": lang,
        }


def _same_language(literal: ox.Literal, language: str) -> bool:
    return not literal.language or literal.language.lower() == language.lower()


def _local_name(iri: str) -> str:
    return re.split(r"[/#:]", iri.rstrip("/#"))[-1]


def _slug(text: str) -> str:
    words = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", text)
    words = re.sub(r"[^a-z0-9]+", "-", words.casefold().encode("ascii", "ignore").decode()).strip("-")
    return words[:80].rstrip("-")


def _unique(slug: str, taken: set[str]) -> str:
    if slug not in taken:
        return slug
    n = 2
    while f"{slug}-{n}" in taken:
        n += 1
    return f"{slug}-{n}"


def _read_yaml(path: Path) -> dict[str, Any] | None:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def _existing_primes(into: Path | None) -> dict[str, str]:
    """id -> name of the primes already in the target catalog (read leniently: they only reserve names)."""
    out: dict[str, str] = {}
    if into is None or not (into / PRIMES_DIR).is_dir():
        return out
    for path in sorted((into / PRIMES_DIR).glob("*.yaml")):
        data = _read_yaml(path) or {}
        out[path.stem] = str(data.get("name", path.stem))
    return out


# ---------------------------------------------------------------------------------------------------------
# Writing


def write_plan(plan: ImportPlan, into: Path, *, force: bool = False) -> WriteReport:
    """Write the plan's files into ``into``. A file that exists with other content is replaced only with
    ``force``; without it, nothing at all is written and the error lists every such file."""
    header = _SCHEMA_HEADER if (into / "schema.json").exists() else ""
    files: list[tuple[Path, Any, str]] = []
    if plan.meta is not None:
        files.append((into / META_FILE, plan.meta, yamlio.dump(plan.meta)))
    if plan.domains is not None:
        files.append((into / DOMAINS_FILE, plan.domains, yamlio.dump(plan.domains)))
    for prime_id, record in plan.primes.items():
        files.append((into / PRIMES_DIR / f"{prime_id}.yaml", record, yamlio.dump(record, header=header)))
    report = WriteReport()
    to_write: list[tuple[Path, str]] = []
    conflicts: list[Path] = []
    for path, data, text in files:
        if path.exists():
            if _same_data(path, data):
                report.unchanged.append(path)
                continue
            conflicts.append(path)
        to_write.append((path, text))
    if conflicts and not force:
        shown = "\n  ".join(str(p) for p in conflicts[:20])
        more = f"\n  ... and {len(conflicts) - 20} more" if len(conflicts) > 20 else ""
        raise RdfImportError(
            f"{len(conflicts)} file(s) in {into} would be replaced; nothing was written "
            f"(use --force to replace them):\n  {shown}{more}"
        )
    for path, text in to_write:
        write_atomic(path, text)
        report.written.append(path)
    return report


def _same_data(path: Path, data: Any) -> bool:
    try:
        existing = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        return False
    return bool(existing == data or _normalized(existing) == _normalized(data))


def _normalized(data: Any) -> Any:
    """Record data with the defaults a record may leave out (``status: published``, empty aliases) dropped."""
    if isinstance(data, dict):
        out = {k: _normalized(v) for k, v in data.items()}
        if out.get("status") == "published":
            del out["status"]
        if out.get("aliases") == []:
            del out["aliases"]
        return out
    if isinstance(data, list):
        return [_normalized(v) for v in data]
    return data


__all__ = [
    "DOMAIN_SCHEME",
    "INPUT_FORMATS",
    "ImportPlan",
    "RdfImportError",
    "WriteReport",
    "guess_format",
    "plan_import",
    "read_triples",
    "write_plan",
]
