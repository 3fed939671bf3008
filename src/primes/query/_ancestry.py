"""Ancestry over the hierarchy kind: ancestors and descendants with their depth, roots and leaves.

A decomposition edge runs from the child to the parent, so ancestors follow successors and descendants
follow predecessors of the kind's own ``DiGraph``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from primes.catalog import Catalog
from primes.ontology import EdgeKind
from primes.query._common import Edge, declared_edge, hierarchy_of, predecessors, successors


@dataclass(frozen=True, slots=True)
class Relative:
    """An ancestor or descendant and its depth: 1 for a parent or child, 2 for a grandparent, ..."""

    id: str
    name: str
    depth: int  # the fewest edges between the two primes

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "depth": self.depth}


@dataclass(frozen=True, slots=True)
class Ancestry:
    """The answer of :func:`ancestors` or :func:`descendants`.

    ``relatives`` are ordered by depth, then name; ``edges`` are every edge of the kind among the prime
    and its relatives that the walk crossed, in declared direction (child to parent), so the answer can be
    drawn as a tree or a DAG. Iterating yields the relatives; ``id in ancestry`` tests membership.
    """

    id: str
    name: str
    kind: str
    relation: str  # "ancestors" or "descendants"
    relatives: tuple[Relative, ...]
    edges: tuple[Edge, ...]

    def __iter__(self) -> Iterator[Relative]:
        return iter(self.relatives)

    def __len__(self) -> int:
        return len(self.relatives)

    def __contains__(self, prime_id: object) -> bool:
        return any(r.id == prime_id for r in self.relatives)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(r.id for r in self.relatives)

    @property
    def depth(self) -> int:
        """The depth of the deepest relative (0 when there is none)."""
        return self.relatives[-1].depth if self.relatives else 0

    def branches(self) -> dict[str, tuple[Edge, ...]]:
        """For drawing a tree: each prime's edges one step further away (towards ancestors or descendants)."""
        out: dict[str, list[Edge]] = {}
        for edge in self.edges:
            near = edge.source if self.relation == "ancestors" else edge.target
            out.setdefault(near, []).append(edge)
        return {node: tuple(edges) for node, edges in out.items()}

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "kind": self.kind,
            "relation": self.relation,
            "primes": [r.to_dict() for r in self.relatives],
            "edges": [e.to_dict() for e in self.edges],
        }


def ancestors(catalog: Catalog, prime_id: str, kind: str | EdgeKind | None = None) -> Ancestry:
    """Every prime this one is, directly or through others, a decomposition of; with its depth.

    ``kind`` defaults to the hierarchy kind of the ontology (decomposition).
    """
    return _walk(catalog, prime_id, hierarchy_of(kind), upward=True)


def descendants(catalog: Catalog, prime_id: str, kind: str | EdgeKind | None = None) -> Ancestry:
    """Every prime that is, directly or through others, a decomposition of this one; with its depth."""
    return _walk(catalog, prime_id, hierarchy_of(kind), upward=False)


def roots(catalog: Catalog, kind: str | EdgeKind | None = None) -> tuple[str, ...]:
    """The foundational primes: no parent edge anywhere in the catalog (isolated primes included)."""
    succ = successors(catalog.kind_graphs[hierarchy_of(kind).id])
    return tuple(prime_id for prime_id in catalog.primes if not succ[prime_id])


def leaves(catalog: Catalog, kind: str | EdgeKind | None = None) -> tuple[str, ...]:
    """The primes that nothing decomposes further: no child edge anywhere in the catalog."""
    pred = predecessors(catalog.kind_graphs[hierarchy_of(kind).id])
    return tuple(prime_id for prime_id in catalog.primes if not pred[prime_id])


def _walk(catalog: Catalog, prime_id: str, kind: EdgeKind, *, upward: bool) -> Ancestry:
    prime = catalog[prime_id]
    graph = catalog.kind_graphs[kind.id]
    adjacency = successors(graph) if upward else predecessors(graph)
    primes = catalog.primes
    depths = {prime_id: 0}
    relatives: list[Relative] = []
    edges: list[Edge] = []
    frontier = [prime_id]
    depth = 0
    while frontier:
        depth += 1
        reached: list[Relative] = []
        for node in frontier:
            for other, data in adjacency[node].items():
                if upward:
                    edges.append(declared_edge(kind, node, other, data))
                else:
                    edges.append(declared_edge(kind, other, node, data))
                if other not in depths:
                    depths[other] = depth
                    reached.append(Relative(other, primes[other].name, depth))
        reached.sort(key=lambda r: (r.name.casefold(), r.id))
        relatives.extend(reached)
        frontier = [r.id for r in reached]
    if kind.symmetric:  # a mirrored kind crosses each pair from both ends
        edges = list(dict.fromkeys(edges))
    return Ancestry(
        id=prime_id,
        name=prime.name,
        kind=kind.id,
        relation="ancestors" if upward else "descendants",
        relatives=tuple(relatives),
        edges=tuple(edges),
    )
