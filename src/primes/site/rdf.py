"""Each prime's RDF beside its page: which formats of :mod:`primes.rdf.export`, under which extension, and
:class:`PrimeRdf`, which writes them for a whole site.

A prime's file holds its share of the catalog's RDF: its own triples, the qualified relation nodes of its
edges in either direction and its neighbours' labels (``serialize(catalog, fmt, ids=[prime_id])``, whose bytes
the files are; the tests check that prime by prime). The Turtle is a join of cached blocks. The JSON-LD, made
the export's way (pyoxigraph parses the share, :mod:`primes.rdf.jsonld` walks the triples), was the largest
part of the site's own build time; :class:`PrimeRdf` instead converts each block with the reader of
:mod:`primes.site.turtle`, and converts the blocks that several files share (relation nodes, labels) once.
"""

from __future__ import annotations

import pyoxigraph as ox

from primes.catalog import Catalog
from primes.rdf import jsonld
from primes.rdf.build import SEGMENTS, CatalogGraph, catalog_graph
from primes.rdf.export import FORMATS, RdfFormat, prime_iri, serialize
from primes.site.turtle import TurtleNodes

# File extension (as the site names the file beside the page) -> export format.
RDF_FORMATS: dict[str, RdfFormat] = {"ttl": FORMATS["turtle"], "jsonld": FORMATS["jsonld"]}

_Nodes = tuple[tuple[str, str], ...]  # (subject, JSON-LD line) of a piece of Turtle, in order


def serialize_prime(catalog: Catalog, prime_id: str, fmt: RdfFormat) -> bytes:
    """One prime's share of the catalog's RDF (its triples, its edges both ways, its neighbours' labels)."""
    return serialize(catalog, fmt.name, ids=[prime_id])


class PrimeRdf:
    """Writes the primes' RDF files of one catalog, sharing the conversion of the pieces they have in common."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._graph: CatalogGraph | None = None
        self._prefixes: tuple[tuple[str, str], ...] = ()
        self._reader: TurtleNodes | None = None
        self._shared: dict[str, _Nodes] = {}  # relation node or label Turtle -> its JSON-LD nodes
        self._last = ("", "")  # the prime whose Turtle was made last, and that Turtle

    def file(self, prime_id: str, fmt: RdfFormat) -> bytes:
        """The content of a prime's file in ``fmt``: ``serialize_prime(catalog, prime_id, fmt)``."""
        if fmt.name == "turtle":
            return self._turtle(prime_id).encode("utf-8")
        if fmt.name == "jsonld":
            return self.jsonld(prime_id)
        return serialize_prime(self.catalog, prime_id, fmt)

    def graph(self) -> CatalogGraph:
        if self._graph is None:
            self._graph = catalog_graph(self.catalog)  # checks the catalog and its base IRI
            self._prefixes = tuple((name, self._graph.base + segment) for name, segment in SEGMENTS)
            self._reader = TurtleNodes(self._graph.header, language=self._graph.language, extra_prefixes=self._prefixes)
        return self._graph

    def jsonld(self, prime_id: str) -> bytes:
        graph = self.graph()
        turtle = self._turtle(prime_id)
        own = graph.own[prime_id]
        out = graph.relations_out.get(prime_id, [])
        declared = set(out)
        incoming = [node for node in graph.relations_in.get(prime_id, ()) if node not in declared]
        labels = ["\n" + graph.labels[other] for other in graph.neighbours.get(prime_id, ()) if other != prime_id]
        pieces = [*out, *incoming, *labels]
        if turtle != "".join([graph.header, own, *pieces]):
            # The export cuts a prime's share differently from what this class assumes: convert it whole.
            return serialize_prime(self.catalog, prime_id, RDF_FORMATS["jsonld"])
        found = [self._nodes(own), *(self._shared_nodes(piece) for piece in pieces)]
        subjects = [subject for nodes in found for subject, _ in nodes]
        if len(set(subjects)) != len(subjects):
            # Two pieces describe one subject, whose triples must then be merged into one node.
            return serialize_prime(self.catalog, prime_id, RDF_FORMATS["jsonld"])
        lines = [line for nodes in found for _, line in nodes]
        return jsonld.document(lines, extra_prefixes=self._prefixes, language=graph.language)

    def _turtle(self, prime_id: str) -> str:
        # mkdocs asks for a prime's Turtle file, then for its JSON-LD file, made from the same Turtle.
        if self._last[0] != prime_id:
            self._last = (prime_id, self.graph().turtle([prime_id]))
        return self._last[1]

    def _shared_nodes(self, piece: str) -> _Nodes:
        found = self._shared.get(piece)
        if found is None:
            found = self._shared[piece] = self._nodes(piece)
        return found

    def _nodes(self, piece: str) -> _Nodes:
        graph = self.graph()
        assert self._reader is not None
        read = self._reader.nodes(piece)
        if read is not None:
            return tuple(read)
        triples = ox.parse(graph.header + piece, format=ox.RdfFormat.TURTLE)
        return tuple(jsonld.nodes(triples, extra_prefixes=self._prefixes, language=graph.language))


__all__ = ["RDF_FORMATS", "PrimeRdf", "RdfFormat", "prime_iri", "serialize_prime"]
