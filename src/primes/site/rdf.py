"""Each prime's RDF beside its page: which formats of :mod:`primes.rdf.export`, under which extension."""

from __future__ import annotations

from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File

from primes.catalog import Catalog
from primes.rdf.export import FORMATS, RdfFormat, prime_iri, serialize

# File extension (as the site names the file beside the page) -> export format.
RDF_FORMATS: dict[str, RdfFormat] = {"ttl": FORMATS["turtle"], "jsonld": FORMATS["jsonld"]}


def serialize_prime(catalog: Catalog, prime_id: str, fmt: RdfFormat) -> bytes:
    """One prime's share of the catalog's RDF (its triples, its edges both ways, its neighbours' labels)."""
    return serialize(catalog, fmt.name, ids=[prime_id])


class RdfFile(File):
    """A prime's RDF file beside its page, serialized when mkdocs writes it rather than kept in memory for the
    whole build (a 10,000-prime site would otherwise hold every prime's Turtle and JSON-LD at once)."""

    def __init__(self, config: MkDocsConfig, uri: str, catalog: Catalog, prime_id: str, fmt: RdfFormat) -> None:
        super().__init__(uri, None, config.site_dir, config.use_directory_urls)
        self.generated_by = "primes"
        self.catalog, self.prime_id, self.fmt = catalog, prime_id, fmt

    @property
    def _content(self) -> bytes:  # read by mkdocs when it copies the file
        return serialize_prime(self.catalog, self.prime_id, self.fmt)

    @_content.setter
    def _content(self, value: Any) -> None:
        raise AttributeError("an RdfFile is serialized from its catalog; point it at another catalog instead")


__all__ = ["RDF_FORMATS", "RdfFile", "RdfFormat", "prime_iri", "serialize_prime"]
