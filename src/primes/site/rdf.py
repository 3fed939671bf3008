"""Each prime's RDF beside its page: which formats of :mod:`primes.rdf.export`, under which extension."""

from __future__ import annotations

from primes.catalog import Catalog
from primes.rdf.export import FORMATS, RdfFormat, prime_iri, serialize

# File extension (as the site names the file beside the page) -> export format.
RDF_FORMATS: dict[str, RdfFormat] = {"ttl": FORMATS["turtle"], "jsonld": FORMATS["jsonld"]}


def serialize_prime(catalog: Catalog, prime_id: str, fmt: RdfFormat) -> bytes:
    """One prime's share of the catalog's RDF (its triples, its edges both ways, its neighbours' labels)."""
    return serialize(catalog, fmt.name, ids=[prime_id])


__all__ = ["RDF_FORMATS", "RdfFormat", "prime_iri", "serialize_prime"]
