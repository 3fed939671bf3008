"""Each prime's RDF beside its page: which formats of :mod:`primes.rdf.export`, under which extension, and
:class:`PrimeRdf`, which writes them for a whole site.

A prime's file holds its share of the catalog's RDF: its own triples, the qualified relation nodes of its
edges in either direction and its neighbours' labels (``serialize(catalog, fmt, ids=[prime_id])``, whose bytes
the files are; the tests check that prime by prime). The Turtle is a join of the builder's cached blocks. The
JSON-LD, made the export's way (pyoxigraph parses the prime's Turtle, :mod:`primes.rdf.jsonld` walks the
triples), was the largest part of the site's own build time; :class:`PrimeRdf` takes its nodes straight from
the records instead (:mod:`primes.rdf.jsonld_nodes`), and makes the nodes that several files share (relation
nodes, labels) once. pyoxigraph's way is left for the other formats and for a catalog whose export pyoxigraph
refuses (so that the error is the export's).
"""

from __future__ import annotations

from primes.catalog import Catalog
from primes.rdf.build import CatalogGraph, catalog_graph
from primes.rdf.export import FORMATS, RdfFormat, prime_iri, serialize
from primes.rdf.jsonld_nodes import JsonLdNodes

# File extension (as the site names the file beside the page) -> export format.
RDF_FORMATS: dict[str, RdfFormat] = {"ttl": FORMATS["turtle"], "jsonld": FORMATS["jsonld"]}


def serialize_prime(catalog: Catalog, prime_id: str, fmt: RdfFormat) -> bytes:
    """One prime's share of the catalog's RDF (its triples, its edges both ways, its neighbours' labels)."""
    return serialize(catalog, fmt.name, ids=[prime_id])


class PrimeRdf:
    """Writes the primes' RDF files of one catalog, sharing the work the files have in common."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._graph: CatalogGraph | None = None
        self._nodes: JsonLdNodes | None = None

    def file(self, prime_id: str, fmt: RdfFormat) -> bytes:
        """The content of a prime's file in ``fmt``: ``serialize_prime(catalog, prime_id, fmt)``."""
        if fmt.name == "turtle":
            return self.graph().turtle([prime_id]).encode("utf-8")
        if fmt.name == "jsonld":
            nodes = self.nodes()
            if nodes.usable:
                return nodes.document(prime_id)
        return serialize_prime(self.catalog, prime_id, fmt)

    def graph(self) -> CatalogGraph:
        if self._graph is None:
            self._graph = catalog_graph(self.catalog)  # checks the catalog and its base IRI
        return self._graph

    def nodes(self) -> JsonLdNodes:
        if self._nodes is None:
            self._nodes = JsonLdNodes(self.catalog, self.graph())
        return self._nodes


__all__ = ["RDF_FORMATS", "PrimeRdf", "RdfFormat", "prime_iri", "serialize_prime"]
