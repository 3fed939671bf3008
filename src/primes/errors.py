"""The exceptions Primes raises.

    PrimesError                     every error raised on purpose; the CLI prints it and exits 1
    ├── CatalogError                a catalog has errors; carries every finding of the run
    ├── CatalogChanged              a record was first asked for after its file changed; load the catalog again
    ├── UnknownPrime                an id that is not in the catalog; suggests the closest ids (also a KeyError)
    ├── OntologyError               ontology/primes.ttl does not declare what the code needs
    ├── QueryError                  a query's arguments cannot be answered (bad kind, bad direction, ...)
    ├── AuthoringError              new / fmt / rename refused or failed (authoring._files)
    ├── BuildError                  the site could not be built; the old site stays (site.build)
    ├── SiteError                   a page could not be rendered (site.render)
    ├── RdfImportError              an RDF file could not be imported (rdf.importer)
    ├── SparqlSyntaxError           a SPARQL query does not parse; carries the position (rdf.sparql)
    ├── QueryRefused                a SPARQL query the endpoint will not run: update, SERVICE (rdf.safety)
    └── PushError                   a push to a triple store failed or did not verify (rdf.push)
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from primes.findings import Finding


class PrimesError(Exception):
    """Base class of every error Primes raises on purpose."""


class CatalogError(PrimesError):
    """The catalog has errors; ``findings`` holds all of them (and the warnings of the same run)."""

    def __init__(self, findings: Sequence[Finding]) -> None:
        self.findings = tuple(findings)
        errors = [f for f in self.findings if f.is_error]
        lines = [f.format() for f in errors[:20]]
        more = f"\n... and {len(errors) - 20} more" if len(errors) > 20 else ""
        super().__init__(f"the catalog has {len(errors)} error(s):\n" + "\n".join(lines) + more)


class CatalogChanged(PrimesError):
    """A record was first asked for after its file changed, and the cache no longer holds the checked version."""


class UnknownPrime(PrimesError, KeyError):
    """An id that names no prime of the catalog."""

    def __init__(self, prime_id: str, known: Iterable[str] = ()) -> None:
        self.prime_id = prime_id
        self.suggestions = tuple(closest(prime_id, known))
        hint = f"; did you mean {', '.join(repr(s) for s in self.suggestions)}?" if self.suggestions else ""
        super().__init__(f"no prime with id {prime_id!r} in the catalog{hint}")

    def __str__(self) -> str:  # KeyError would print the repr of the message
        return str(self.args[0])


class OntologyError(PrimesError):
    """The ontology file is missing or does not declare what the code needs."""


class QueryError(PrimesError):
    """A query argument that cannot be answered, named in the message."""


def closest(word: str, candidates: Iterable[str], n: int = 3) -> list[str]:
    """The candidates closest to ``word``, best first (for "did you mean" hints)."""
    return difflib.get_close_matches(word, list(candidates), n=n, cutoff=0.6)
