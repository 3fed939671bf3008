"""The catalog as RDF: ``serialize`` (whole catalog or some primes, four formats), ``prime_iri``, ``store``.

The export is plain SKOS for any tool without a reasoner (every prime is a ``skos:Concept`` with
``skos:prefLabel``, ``skos:altLabel``, ``skos:definition``, and ``skos:broader`` / ``skos:narrower`` /
``skos:related`` written out) and keeps everything a record holds through the ``primes:`` properties and the
qualified relation nodes, so that :mod:`primes.rdf.importer` reads it back without loss. The same catalog
gives byte-identical output in every format.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox

from primes.catalog import Catalog
from primes.errors import PrimesError, UnknownPrime
from primes.rdf import jsonld
from primes.rdf.build import SEGMENTS, catalog_graph, check_base_iri, prefixes, require_meta
from primes.rdf.vocab import ontology_turtle


@dataclass(frozen=True, slots=True)
class RdfFormat:
    name: str
    media_type: str
    extension: str
    oxigraph: ox.RdfFormat


FORMATS: dict[str, RdfFormat] = {
    "turtle": RdfFormat("turtle", "text/turtle", ".ttl", ox.RdfFormat.TURTLE),
    "ntriples": RdfFormat("ntriples", "application/n-triples", ".nt", ox.RdfFormat.N_TRIPLES),
    "jsonld": RdfFormat("jsonld", "application/ld+json", ".jsonld", ox.RdfFormat.JSON_LD),
    "xml": RdfFormat("xml", "application/rdf+xml", ".rdf", ox.RdfFormat.RDF_XML),
}


def rdf_format(name: str) -> RdfFormat:
    """A format by name (``turtle``, ``ntriples``, ``jsonld``, ``xml``), or an error listing them."""
    try:
        return FORMATS[name]
    except KeyError:
        raise PrimesError(f"unknown RDF format {name!r}; choose one of {', '.join(FORMATS)}") from None


def serialize(catalog: Catalog, fmt: str = "turtle", ids: Iterable[str] | None = None) -> bytes:
    """The catalog as RDF, or with ``ids`` only the triples that describe those primes: their own triples
    (with their record lists' nodes), the qualified relation nodes of their edges in either direction, and
    the labels of the primes they link to. Cheap per call: the catalog's RDF is built once and cached."""
    chosen = rdf_format(fmt)
    graph = catalog_graph(catalog)
    turtle = graph.encoded(ids)
    if chosen.name == "turtle":
        return turtle
    triples = ox.parse(turtle, format=ox.RdfFormat.TURTLE)
    if chosen.name == "jsonld":
        return jsonld.write(triples, extra_prefixes=_catalog_prefixes(graph.base), language=graph.language)
    names = dict(prefixes(graph.base)) if chosen.name == "xml" else None
    data = ox.serialize(triples, format=chosen.oxigraph, prefixes=names)
    assert data is not None  # with no output file, pyoxigraph returns the bytes
    return data


def prime_iri(catalog: Catalog, prime_id: str) -> str:
    """The IRI of a prime of the catalog: ``<base_iri>prime/<id>``."""
    if prime_id not in catalog:
        raise UnknownPrime(prime_id, catalog.ids)
    return iri_for(require_meta(catalog).base_iri, prime_id)


def iri_for(base: str, prime_id: str) -> str:
    return check_base_iri(base) + "prime/" + prime_id


def catalog_prefixes(catalog: Catalog) -> dict[str, str]:
    """Every prefix the export declares, by name: what SPARQL queries on the catalog may use unprefixed."""
    return dict(prefixes(require_meta(catalog).base_iri))


def _catalog_prefixes(base: str) -> list[tuple[str, str]]:
    return [(name, base + segment) for name, segment in SEGMENTS]


_STORES: weakref.WeakKeyDictionary[Catalog, ox.Store] = weakref.WeakKeyDictionary()


def store(catalog: Catalog) -> ox.Store:
    """An in-memory pyoxigraph store holding the catalog and the ontology (in the default graph), built once
    per catalog object. Treat it as read-only: it is shared by every caller."""
    found = _STORES.get(catalog)
    if found is None:
        found = ox.Store()
        found.load(store_input(catalog), format=ox.RdfFormat.TURTLE)
        _STORES[catalog] = found
    return found


def store_input(catalog: Catalog) -> bytes:
    """What the embedded store and a push load: the catalog's Turtle followed by the ontology's."""
    return serialize(catalog, "turtle") + b"\n" + ontology_turtle()
