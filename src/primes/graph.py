"""Stage 3: the graph over a checked catalog.

``build_graph`` gives a networkx ``MultiDiGraph`` whose edge key is the edge kind's id. Edges run in their
declared direction (a decomposition edge from the child to the parent); a symmetric kind's edge is
mirrored, its mirror marked ``declared=False``. Traversals use one plain ``DiGraph`` per kind
(``kind_graphs``): a filtered view of the multigraph is orders of magnitude slower on every call.
"""

from __future__ import annotations

from collections.abc import Mapping

import networkx as nx

from primes.model import Prime
from primes.ontology import EdgeKind, edge_kinds


def build_graph(primes: Mapping[str, Prime], kinds: tuple[EdgeKind, ...] | None = None) -> nx.MultiDiGraph:
    kinds = edge_kinds() if kinds is None else kinds
    graph = nx.MultiDiGraph()
    graph.add_nodes_from((prime_id, {"name": prime.name}) for prime_id, prime in primes.items())
    edges = []
    for prime_id, prime in primes.items():
        for kind in kinds:
            for ref in prime.edges(kind):
                if ref.prime not in primes or ref.prime == prime_id:
                    continue
                edges.append(
                    (
                        prime_id,
                        ref.prime,
                        kind.id,
                        {"kind": kind.id, "note": ref.annotation, "declared": True},
                    )
                )
                if kind.symmetric:
                    edges.append(
                        (
                            ref.prime,
                            prime_id,
                            kind.id,
                            {"kind": kind.id, "note": ref.annotation, "declared": False},
                        )
                    )
    graph.add_edges_from(edges)
    return graph


def kind_graphs(graph: nx.MultiDiGraph, kinds: tuple[EdgeKind, ...] | None = None) -> dict[str, nx.DiGraph]:
    """One ``DiGraph`` per edge kind, with the multigraph's edges of that kind and their attributes."""
    kinds = edge_kinds() if kinds is None else kinds
    out: dict[str, nx.DiGraph] = {}
    for kind in kinds:
        sub = nx.DiGraph()
        sub.add_nodes_from(graph.nodes)
        sub.add_edges_from((u, v, data) for u, v, key, data in graph.edges(keys=True, data=True) if key == kind.id)
        out[kind.id] = sub
    return out
