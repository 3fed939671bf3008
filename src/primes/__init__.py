"""Primes: a knowledge graph and concept catalog of cross-domain patterns.

The pipeline is ``load -> validate -> graph -> rdf -> site``; each stage is a module, and the public
names below are the library's surface (the CLI and the server only call these).
"""

__version__ = "0.1.0"

from primes.catalog import Catalog, check, load
from primes.errors import CatalogError, OntologyError, PrimesError, QueryError, UnknownPrime
from primes.findings import Finding, Severity
from primes.model import Prime
from primes.ontology import EdgeKind, edge_kinds
from primes.query import (
    Ancestry,
    DomainPrimes,
    Neighbor,
    Neighborhood,
    Path,
    Stats,
    ancestors,
    by_domain,
    children,
    descendants,
    domain_overview,
    leaves,
    neighborhood,
    parents,
    paths,
    related,
    roots,
    stats,
)
from primes.search import SearchHit, search

__all__ = [
    "Ancestry",
    "Catalog",
    "CatalogError",
    "DomainPrimes",
    "EdgeKind",
    "Finding",
    "Neighbor",
    "Neighborhood",
    "OntologyError",
    "Path",
    "Prime",
    "PrimesError",
    "QueryError",
    "SearchHit",
    "Severity",
    "Stats",
    "UnknownPrime",
    "__version__",
    "ancestors",
    "by_domain",
    "check",
    "children",
    "descendants",
    "domain_overview",
    "edge_kinds",
    "leaves",
    "load",
    "neighborhood",
    "parents",
    "paths",
    "related",
    "roots",
    "search",
    "stats",
]
