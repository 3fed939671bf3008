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

__all__ = [
    "Catalog",
    "CatalogError",
    "EdgeKind",
    "Finding",
    "OntologyError",
    "Prime",
    "PrimesError",
    "QueryError",
    "Severity",
    "UnknownPrime",
    "__version__",
    "check",
    "edge_kinds",
    "load",
]
