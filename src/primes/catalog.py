"""The checked catalog as one object: records by id, domains, metadata, findings and the graph."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import networkx as nx

from primes.errors import CatalogError, UnknownPrime
from primes.findings import Finding, has_errors
from primes.graph import build_graph, kind_graphs
from primes.load import LoadedCatalog, load_catalog, read_derived, write_derived
from primes.model import CatalogMeta, Domain, Prime
from primes.ontology import EdgeKind, edge_kind, edge_kinds

_T = TypeVar("_T")


class Catalog:
    """A loaded catalog. ``catalog[id]`` is a prime; iterating yields primes in id order."""

    def __init__(self, loaded: LoadedCatalog) -> None:
        self._loaded = loaded
        self.root: Path = loaded.root
        self.meta: CatalogMeta | None = loaded.meta
        self.domains: dict[str, Domain] = loaded.domains
        self.findings: tuple[Finding, ...] = tuple(loaded.findings)
        self._ids: list[str] = sorted(loaded.primes)
        self._derived: dict[str, Any] = {}
        self._derived_lock = threading.Lock()

    def derived(self, key: str, build: Callable[[], _T]) -> _T:
        """A structure derived from this catalog (an index), built once, thread-safely, and kept with it."""
        try:
            return self._derived[key]  # type: ignore[no-any-return]
        except KeyError:
            pass
        with self._derived_lock:
            if key not in self._derived:
                self._derived[key] = build()
            return self._derived[key]  # type: ignore[no-any-return]

    def cached(self, name: str, version: str) -> Any:
        """What :meth:`cache` stored under ``name`` for exactly this catalog's content and this ``version`` of
        the code that made it (None: nothing, or the catalog changed since)."""
        return read_derived(self.root, name, self._loaded.fingerprint(), version)

    def cache(self, name: str, version: str, value: Any) -> None:
        """Keep a structure derived from this catalog in its cache folder, for the next process that loads
        the same content (nothing is kept for a catalog loaded with the cache off)."""
        write_derived(self.root, name, self._loaded.fingerprint(), version, value)

    @functools.cached_property
    def _primes(self) -> dict[str, Prime]:
        # The loader may leave the records in its cache until they are asked for (a check needs none).
        records = self._loaded.primes
        values = dict(records.items())
        return {prime_id: values[prime_id] for prime_id in self._ids}

    def __getitem__(self, prime_id: str) -> Prime:
        try:
            return self._primes[prime_id]
        except KeyError:
            raise UnknownPrime(prime_id, self._ids) from None

    def __contains__(self, prime_id: object) -> bool:
        return prime_id in self._loaded.primes

    def __iter__(self) -> Iterator[Prime]:
        return iter(self._primes.values())

    def __len__(self) -> int:
        return len(self._ids)

    def __repr__(self) -> str:
        return f"<Catalog {str(self.root)!r}: {len(self)} primes>"

    @property
    def ids(self) -> list[str]:
        return list(self._ids)

    @property
    def primes(self) -> dict[str, Prime]:
        return self._primes

    @property
    def edge_kinds(self) -> tuple[EdgeKind, ...]:
        return edge_kinds()

    def kind(self, kind_id: str) -> EdgeKind:
        return edge_kind(kind_id)

    @functools.cached_property
    def graph(self) -> nx.MultiDiGraph:
        """All edges, keyed by kind, in declared direction; symmetric kinds mirrored."""
        return build_graph(self._primes)

    @functools.cached_property
    def kind_graphs(self) -> dict[str, nx.DiGraph]:
        """One ``DiGraph`` per edge kind, for fast traversals."""
        return kind_graphs(self.graph)

    def source_path(self, prime_id: str) -> str:
        """The file a prime was read from."""
        self[prime_id]
        return self._loaded.files[prime_id].path

    def line_of(self, prime_id: str, *field: str | int) -> int:
        """The line of a field of a prime's file (1 when unknown)."""
        self[prime_id]
        return self._loaded.files[prime_id].position(tuple(field))[0]


def check(path: Path | str = "catalog", *, use_cache: bool = True) -> Catalog:
    """Load a catalog and keep its findings, errors or not (for tools that report them)."""
    return Catalog(load_catalog(path, use_cache=use_cache))


def load(path: Path | str = "catalog", *, strict: bool = False, use_cache: bool = True) -> Catalog:
    """Load and check a catalog; raise :class:`CatalogError` carrying every finding when it has errors
    (or, with ``strict``, warnings)."""
    catalog = check(path, use_cache=use_cache)
    if has_errors(list(catalog.findings), strict=strict):
        raise CatalogError(catalog.findings)
    return catalog
